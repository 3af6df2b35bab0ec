#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# opt_bind.sh - issue 4 acceptance 1, binding and state errors: opt_bind.c
# on the kernel's TCP and under the shim against opt_peer.py, then the
# EACCES checks on both, run
#   - as user nobody keeping only CAP_NET_RAW (the shim opens an AF_PACKET
#     socket; CAP_NET_BIND_SERVICE is what is missing):
#       setpriv --reuid nobody --inh-caps +net_raw --ambient-caps +net_raw
#     with the namespace's net.ipv4.ip_unprivileged_port_start at its
#     default 1024, and again at 500 (the shim reads the sysctl);
#   - as root without CAP_NET_BIND_SERVICE (removed from the bounding
#     set: being root is not enough, as on Linux).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/opt_lib.sh"

BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/opt_bind

xt_require_all python3 ss setpriv
xt_init
[[ -x $BIN ]] || xt_skip "$BIN is not built (make check builds it)"

# both passes of one configuration; fails the test on a failure
both() {
	local what=$1 rc
	shift
	opt_pass kernel "$BIN" 30 "$@"
	rc=$?
	(( rc == 0 )) || xt_fail "$what: the checks fail on the kernel's TCP (status $rc): the test itself is wrong"
	[[ $XTTEST_KERNEL == 1 ]] && return 0
	opt_pass shim "$BIN" 30 "$@"
	rc=$?
	(( rc == 0 )) || xt_fail "$what: under the shim: $(grep -c '^not ok' "$XT_TMP/shim.out") checks failed (status $rc)"
	total=$(( total + $(grep -c '^ok' "$XT_TMP/shim.out") ))
}

total=0
both "bind and state errors"

if ! setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps +net_raw \
    --ambient-caps +net_raw -- test -x "$BIN" 2>/dev/null; then
	xt_skip "cannot run $BIN as nobody with CAP_NET_RAW (setpriv --ambient-caps needs Linux 4.3 and a readable tree)"
fi
OPT_PREFIX=(setpriv --reuid=65534 --regid=65534 --clear-groups
    --inh-caps +net_raw --ambient-caps +net_raw --)
both "EACCES as nobody" --eacces 1024
OPT_NS_A_SETUP='sysctl -qw net.ipv4.ip_unprivileged_port_start=500'
both "EACCES as nobody, ip_unprivileged_port_start 500" --eacces 500
OPT_NS_A_SETUP=
OPT_PREFIX=(setpriv --bounding-set -net_bind_service --inh-caps -net_bind_service --)
both "EACCES as root without CAP_NET_BIND_SERVICE" --eacces 1024
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel passes only"
xt_pass "$total checks, on the kernel and under the shim"
