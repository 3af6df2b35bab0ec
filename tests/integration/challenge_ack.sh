#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# challenge_ack.sh - issue 10: the per-connection limit on challenge ACKs
# and on ACKs to out-of-window segments (Linux
# net.ipv4.tcp_invalid_ratelimit, 500 ms, one limit for both; the global
# tcp_challenge_ack_limit is off in 6.x).  The same checks on the
# kernel's TCP first (which pins the expectation to Linux: one ACK per
# burst), then under the shim, each pass in a topology of its own.
#
# The endpoint connects (nc) to a scripted peer (challenge_ack_peer.py,
# python3 with an AF_PACKET socket in the peer namespace, timestamps off
# there so its forged segments need none).  On the idle connection the
# peer sends a burst of ten in-window RSTs that are not exact (RFC 5961
# §3.2), 0.7 s later ten out-of-window pure ACKs (RFC 9293 §3.10.7.4
# first), 0.7 s later five of each alternating, each burst within about
# 50 ms, and counts the pure ACKs the endpoint sends after each: one per
# burst, as Linux.
#
# XTTEST_KERNEL=1 runs the kernel pass only.  Needs nc (OpenBSD),
# python3.

. "$(dirname "$0")/lib.sh"

PCHL=9503	# the scripted peer listens, the endpoint connects
PEERPY=$XT_LIBDIR/challenge_ack_peer.py

xt_require_all nc python3
[[ -f $PEERPY ]] || xt_fail "missing $PEERPY"
xt_init

# wait_file FILE WORD TRIES: until FILE contains WORD (TRIES x 0.1 s).
wait_file() {
	local i
	for (( i = 0; i < $3; i++ )); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# run_pass kernel|shim: the topology, the connection, the bursts.  Sets
# CHAL (the peer's RESULT line).
run_pass() {
	local mode=$1 saved=$XTTEST_KERNEL chl nc
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up
	ip netns exec "$XT_NS_B" sysctl -qw net.ipv4.tcp_timestamps=0 ||
	    xt_fail "cannot set net.ipv4.tcp_timestamps=0 in the peer namespace"
	ip netns exec "$XT_NS_B" timeout -k 2 30 python3 "$PEERPY" xb0 \
	    "$XT_PEER" "$PCHL" 25 >"$XT_TMP/$mode.out" \
	    2>"$XT_TMP/$mode.err" &
	chl=$!
	XT_PIDS+=("$chl")
	wait_file "$XT_TMP/$mode.out" listening 100 ||
	    { xt_dump "$XT_TMP/$mode.err"; xt_fail "$mode: the scripted peer did not start"; }
	sleep 8 | xt_shim 12 nc "$XT_PEER" "$PCHL" >/dev/null \
	    2>"$XT_TMP/$mode-nc.err" &
	nc=$!
	XT_PIDS+=("$nc")
	xt_wait_pid "$chl" 25 ||
	    { xt_dump "$XT_TMP/$mode.out" "$XT_TMP/$mode.err" "$XT_TMP/$mode-nc.err"; xt_fail "$mode: the scripted peer failed"; }
	kill -TERM "$nc" 2>/dev/null
	wait "$nc" 2>/dev/null
	sed "s/^/$mode: /" "$XT_TMP/$mode.out"
	CHAL=$(grep '^RESULT' "$XT_TMP/$mode.out")
	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	return 0
}

# check MODE: the expectations, the same for both passes.
check() {
	local mode=$1 rst oow mixed burst
	[[ $CHAL =~ rst=([0-9]+)\ oow=([0-9]+)\ mixed=([0-9]+)\ maxburst_ms=([0-9]+) ]] ||
	    { problems+=("$mode: no result from the scripted peer"); return; }
	rst=${BASH_REMATCH[1]} oow=${BASH_REMATCH[2]} mixed=${BASH_REMATCH[3]}
	burst=${BASH_REMATCH[4]}
	(( burst < 250 )) ||
	    problems+=("$mode: a burst took $burst ms, too long to test a 500 ms limit (machine overloaded?)")
	(( rst == 1 )) ||
	    problems+=("$mode: $rst challenge ACKs for ten in-window RSTs within ${burst} ms, want 1")
	(( oow == 1 )) ||
	    problems+=("$mode: $oow ACKs for ten out-of-window ACKs within ${burst} ms, want 1")
	(( mixed == 1 )) ||
	    problems+=("$mode: $mixed ACKs for five RSTs and five out-of-window ACKs, want 1 (one limit for both)")
}

problems=()
run_pass kernel
check kernel
xt_verdict "the checks fail on the kernel's TCP: the test itself is wrong"
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"

run_pass shim
check shim
xt_verdict "${#problems[@]} check(s) failed under the shim"
xt_pass "one ACK per burst of invalid segments, on the kernel and under the shim"
