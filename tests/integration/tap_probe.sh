#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tap_probe.sh - the TAP device backend (stack/dev/dev_tap.c) against the
# kernel, through tests/integration/tap_probe (see its header for what
# each run checks: ARP, ICMP echo, a burst of 100 frames in one
# tx_burst, a kernel TCP sender; with offload, virtio-net headers and
# super-frames).
#
# One network namespace of its own ($XT_NAME-tap) holds a persistent TAP,
# xtap0, made with `ip tuntap add ... user nobody`, with 10.94.0.1/24 on
# the kernel side; the probe is 10.94.0.2.  Runs, all bounded:
#   1. root: offload + io_uring, then without offload (-n: the offload
#      settings the first run left on the persistent TAP must be
#      cleared), then both again with plain read/write (-p), and once
#      with io_uring_setup blocked by seccomp (-S: the device must fall
#      back to read/write by itself);
#   2. nobody, with neither CAP_NET_ADMIN nor CAP_NET_RAW: the same probe
#      on xtap0 (the unprivileged path this backend exists for), and
#      opening a TAP owned by root (XT_EPERM) or a missing one (XT_ENODEV:
#      no right to create it).  Needs setpriv or runuser.  Where
#      /dev/net/tun is not open to everyone (Debian makes it 0666; some
#      containers 0600), nobody's runs see a 0666 copy of the device node
#      in a private mount namespace of their own;
#   3. root opening a TAP that does not exist: a non-persistent one is
#      created and disappears when the probe exits.
# The namespace is deleted at the end, even on failure.

. "$(dirname "$0")/lib.sh"

PROBE=${XTTEST_TAP_PROBE:-${XTTEST_BUILDDIR:-$PWD}/tests/integration/tap_probe}
NS=$XT_NAME-tap
TAP=xtap0
KADDR=10.94.0.1
OURS=10.94.0.2

[[ $(id -u) -eq 0 ]] ||
    xt_skip "needs root to create a network namespace and a TAP device (running as uid $(id -u)); run 'make check' as root"
xt_require_cmd ip timeout
[[ -c /dev/net/tun ]] ||
    xt_skip "no /dev/net/tun (TUN/TAP driver missing in this kernel or container)"
[[ -x $PROBE ]] ||
    xt_skip "$PROBE has not been built (run 'make check' or 'make tests/integration/tap_probe')"
xt_init

probe_ns=xttp$$
if ! ip netns add "$probe_ns" >/dev/null 2>&1; then
	xt_skip "cannot create network namespaces here ('ip netns add' failed: no CAP_SYS_ADMIN, or no netns support)"
fi
ip netns del "$probe_ns" >/dev/null 2>&1

# End what runs in our namespace (only our probes can), then delete it.
ns_down() {
	local pid
	for pid in $(ip netns pids "$NS" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
}
xt_at_exit ns_down

ip netns add "$NS" || xt_fail "cannot create the namespace $NS"
if ! ip -n "$NS" tuntap add dev "$TAP" mode tap user nobody 2>"$XT_TMP/tuntap.err"; then
	xt_dump "$XT_TMP/tuntap.err"
	xt_skip "cannot create a TAP device in a namespace ('ip tuntap add' failed)"
fi
ip -n "$NS" link set dev lo up || xt_fail "cannot bring lo up in $NS"
ip -n "$NS" addr add "$KADDR/24" dev "$TAP" ||
    xt_fail "cannot set $KADDR/24 on $TAP"
ip -n "$NS" link set dev "$TAP" up || xt_fail "cannot bring $TAP up"
# A TAP owned by root, that nobody must not be able to attach.
ip -n "$NS" tuntap add dev xtap1 mode tap user root ||
    xt_fail "cannot create the TAP xtap1"

failed=0

# run NAME WANT CMD...: one bounded run in the namespace; its output goes
# to the log; WANT is the exit status expected.
run() {
	local name=$1 want=$2 rc
	shift 2
	echo "--- $name"
	ip netns exec "$NS" timeout -k 2 40 "$@" >"$XT_TMP/out" 2>&1
	rc=$?
	cat "$XT_TMP/out"
	if (( rc != want )); then
		echo "$XT_TEST: $name: exit status $rc, expected $want"
		failed=1
	fi
	return 0
}

# 1. As root.
run "root, offload, io_uring" 0 "$PROBE" "$TAP" "$OURS" "$KADDR"
run "root, no offload, io_uring" 0 "$PROBE" -n "$TAP" "$OURS" "$KADDR"
run "root, offload, read/write" 0 "$PROBE" -p "$TAP" "$OURS" "$KADDR"
run "root, no offload, read/write" 0 "$PROBE" -n -p "$TAP" "$OURS" "$KADDR"
run "root, offload, io_uring blocked by seccomp" 0 "$PROBE" -S "$TAP" "$OURS" "$KADDR"

# 3. A TAP that does not exist: root may create it (non-persistent).
run "root, a TAP that does not exist (created)" 0 "$PROBE" -O xtapnew
if ip -n "$NS" link show dev xtapnew >/dev/null 2>&1; then
	echo "$XT_TEST: xtapnew outlived the probe that created it"
	failed=1
fi

# 2. As nobody.
nobody_ok=0
if xt_nobody_tun "$NS" "$PROBE"; then
	nobody_ok=1
else
	xt_log "unprivileged runs skipped"
fi
if (( nobody_ok )); then
	nobody=("${XT_NOBODY[@]}")
	run "nobody, offload, io_uring" 0 "${nobody[@]}" \
	    "$PROBE" "$TAP" "$OURS" "$KADDR"
	run "nobody, no offload, read/write" 0 "${nobody[@]}" \
	    "$PROBE" -n -p "$TAP" "$OURS" "$KADDR"
	run "nobody, a TAP owned by root" 0 "${nobody[@]}" \
	    "$PROBE" -x eperm xtap1
	run "nobody, a TAP that does not exist" 0 "${nobody[@]}" \
	    "$PROBE" -x enodev xtapnone
fi

(( failed == 0 )) || xt_fail "see the runs above"
xt_pass "TAP backend: ARP, ICMP, burst, TCP with and without offload and io_uring"
