#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# api_test.sh - acceptance 7: the C API test program (api_test.c) against
# kernel servers (api_peer.py) in the peer namespace, run twice in
# topologies of its own: first on the kernel's TCP (the shim side's veth
# gets the address), which checks the assertions themselves against
# Linux, then under the shim.  Both runs must pass every check.
#
# XTTEST_KERNEL=1 runs the kernel pass only.

. "$(dirname "$0")/lib.sh"

BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/api_test
PEER_SECS=150

xt_require_all python3 ss
[[ -x $BIN ]] || xt_skip "$BIN is not built (make check builds it)"
xt_init

# run_pass kernel|shim: one topology, the peer, the program.  Returns the
# program's exit status; its output goes to $XT_TMP/MODE.out.
run_pass() {
	local mode=$1 rc peer saved=$XTTEST_KERNEL
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up
	# (its stderr also takes bash's "Terminated" when the topology goes)
	xt_peer_bg peer "$PEER_SECS" python3 "$XT_LIBDIR/api_peer.py" \
	    "$XT_PEER" "$PEER_SECS" 2>>"$XT_TMP/peer.err"
	xt_wait_port 7006
	rm -f "$XT_TMP/$mode.stats"
	XTCP_STATS=$XT_TMP/$mode.stats xt_shim 120 "$BIN" "$XT_PEER" \
	    >"$XT_TMP/$mode.out" 2>&1
	rc=$?
	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	wait "$peer" 2>/dev/null
	sed "s/^/$mode: /" "$XT_TMP/$mode.out"
	return "$rc"
}

run_pass kernel
rc=$?
(( rc == 77 )) && xt_skip "the program could not reach its peer"
(( rc == 0 )) ||
    xt_fail "the checks fail on the kernel's TCP (status $rc): the test itself is wrong"
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"

# spins MODE: the device polls blocking calls made while they spun, summed
# over the engines (processes) that wrote XTCP_STATS in that pass.
spins() {
	awk '$1 == "dev_spin_polls" { n += $2 } END { print n + 0 }' \
	    "$XT_TMP/$1.stats" 2>/dev/null || echo 0
}
# wakes MODE: the device polls by waiting calls that the device woke (run
# to completion), summed the same way.
wakes() {
	awk '$1 == "dev_wake_polls" { n += $2 } END { print n + 0 }' \
	    "$XT_TMP/$1.stats" 2>/dev/null || echo 0
}

run_pass shim
rc=$?
(( rc == 0 )) || xt_fail "under the shim: $(grep -c '^not ok' "$XT_TMP/shim.out") checks failed (status $rc)"
[[ -s $XT_TMP/shim.stats ]] || xt_fail "under the shim: XTCP_STATS wrote nothing"
(( $(spins shim) == 0 )) ||
    xt_fail "under the shim without XTCP_SPIN_US: $(spins shim) device polls while spinning"
# by default a waiting call takes in itself the frames that end its wait
(( $(wakes shim) > 0 )) ||
    xt_fail "under the shim: no waiting call took in the frames that woke it (dev_wake_polls 0)"
xt_log "run to completion: $(wakes shim) device polls by waiting calls the device woke"

# again with blocking calls busy-polling the device before they sleep
export XTCP_SPIN_US=50
run_pass shim-spin
rc=$?
unset XTCP_SPIN_US
(( rc == 0 )) || xt_fail "under the shim with XTCP_SPIN_US=50: $(grep -c '^not ok' "$XT_TMP/shim-spin.out") checks failed (status $rc)"
# it did spin: blocking calls polled the device themselves
(( $(spins shim-spin) > 0 )) ||
    xt_fail "under the shim with XTCP_SPIN_US=50: no blocking call polled the device while spinning (dev_spin_polls 0)"
xt_log "XTCP_SPIN_US=50: $(spins shim-spin) device polls while spinning"

# again with the engine thread taking in every frame (the sleeping calls
# do not watch the device)
export XTCP_DEVWAIT=0
run_pass shim-devwait
rc=$?
unset XTCP_DEVWAIT
(( rc == 0 )) || xt_fail "under the shim with XTCP_DEVWAIT=0: $(grep -c '^not ok' "$XT_TMP/shim-devwait.out") checks failed (status $rc)"
(( $(wakes shim-devwait) == 0 )) ||
    xt_fail "under the shim with XTCP_DEVWAIT=0: $(wakes shim-devwait) device polls by waiting calls"
xt_pass "$(grep -c '^ok' "$XT_TMP/shim.out") checks, on the kernel and under the shim (also spinning, and without watching the device)"
