#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# rtc_threads.sh - issue 12, run to completion: eight threads of one
# program wait on their own connections at once, in read(2), poll(2),
# select(2) and epoll_wait(2) (the last three with a pipe in the set),
# against a kernel echo server that delays each reply a little so that
# they sleep together (rtc_threads.c).  Under the shim one of them at a
# time watches the device and takes in the frames for all; the others
# sleep on their bells and take the watch over as threads finish.  Every
# reply must come back byte for byte, no wait may hang (a lost wake-up),
# and the waiting threads must have taken frames in themselves
# (dev_wake_polls); with XTCP_DEVWAIT=0 they must not have.  Run on the
# kernel first, which checks the program itself.

. "$(dirname "$0")/lib.sh"

BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/rtc_threads
TURNS=1500
PORT=7120

[[ -x $BIN ]] || xt_skip "$BIN is not built (make check builds it)"
xt_require_all ss
xt_init

# wakes MODE: dev_wake_polls of that pass.
wakes() {
	awk '$1 == "dev_wake_polls" { n += $2 } END { print n + 0 }' \
	    "$XT_TMP/$1.stats" 2>/dev/null || echo 0
}

# run_pass MODE [VAR=VALUE...]: a topology, the echo server, the program.
run_pass() {
	local mode=$1 rc peer saved=$XTTEST_KERNEL
	shift
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up
	xt_peer_bg peer 60 "$BIN" echo "$XT_PEER" "$PORT" 60
	xt_wait_port "$PORT"
	rm -f "$XT_TMP/$mode.stats"
	XTCP_STATS=$XT_TMP/$mode.stats xt_shim 60 env "$@" "$BIN" run \
	    "$XT_PEER" "$PORT" "$TURNS" >"$XT_TMP/$mode.out" 2>&1
	rc=$?
	XTTEST_KERNEL=$saved
	kill "$peer" 2>/dev/null
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	wait "$peer" 2>/dev/null
	sed "s/^/$mode: /" "$XT_TMP/$mode.out"
	return "$rc"
}

# failed MODE STATUS: why a pass failed (124: it ran out of time)
failed() {
	echo "status $2$( (( $2 == 124 )) && echo ", out of time"): $(tr '\n' ' ' <"$XT_TMP/$1.out")"
}

run_pass kernel || xt_fail "on the kernel's TCP: $(failed kernel $?)"
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"

run_pass shim || xt_fail "under the shim: $(failed shim $?)"
(( $(wakes shim) > 0 )) ||
    xt_fail "under the shim: no waiting thread took in the frames that woke it (dev_wake_polls 0)"

run_pass shim-engine XTCP_DEVWAIT=0 ||
    xt_fail "under the shim with XTCP_DEVWAIT=0: $(failed shim-engine $?)"
(( $(wakes shim-engine) == 0 )) ||
    xt_fail "under the shim with XTCP_DEVWAIT=0: $(wakes shim-engine) device polls by waiting threads"

read -r _ n turns max <"$XT_TMP/shim.out"
xt_pass "$n threads, $turns turns under the shim (longest $max ms), $(wakes shim) device polls by woken waiters"
