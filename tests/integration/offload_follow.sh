#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# offload_follow.sh - the engine follows the interface's segmentation
# offloads, as Linux's TCP does: on a veth with TSO and GSO on (the
# default) nc under the shim sends 8 MB in TCP super-frames; with
# `ethtool -K tso off gso off` (netns-topology --no-offload) one segment
# per frame.  The engine's counters (XTCP_STATS) tell: bytes sent per
# data segment handed to the device.  Both transfers byte-exact.

. "$(dirname "$0")/lib.sh"

PORT=5003

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "the frame sizes are the shim's (no kernel-mode equivalent)"
xt_require_all nc ss ethtool
xt_init
xt_random_file "$XT_TMP/in" 8

# send TOPOLOGY-OPTION...: one topology, one transfer; sets PER to the
# bytes per data segment the engine sent
PER=0
send() {
	local st=$XT_TMP/stats rc pk by
	rm -f "$st" "$XT_TMP/out"
	xt_topology_up "$@"
	xt_peer_bg RCV 60 nc -l "$PORT" </dev/null >"$XT_TMP/out" 2>"$XT_TMP/rcv.err"
	xt_wait_port "$PORT"
	XTCP_STATS=$st xt_shim 60 nc -N "$XT_PEER" "$PORT" <"$XT_TMP/in" \
	    >/dev/null 2>"$XT_TMP/snd.err"
	rc=$?
	xt_wait_pid "$RCV" 15
	if (( rc != 0 )); then
		xt_dump "$XT_TMP/snd.err" "$XT_TMP/rcv.err"
		xt_fail "nc under the shim exited with status $rc ($*)"
	fi
	xt_compare "$XT_TMP/in" "$XT_TMP/out"
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	XT_TOPO_UP=0
	pk=$(awk '$1 == "tcp_snd_pack" { print $2 }' "$st")
	by=$(awk '$1 == "tcp_snd_byte" { print $2 }' "$st")
	[[ -n $pk && -n $by && $pk -gt 0 ]] ||
	    xt_fail "no tcp_snd_pack/tcp_snd_byte in XTCP_STATS ($*)"
	PER=$(( by / pk ))
}

send
on=$PER
xt_log "offloads on: $on bytes per data segment"
(( on > 2 * 1448 )) ||
    xt_fail "offloads on: $on bytes per segment, expected TSO super-frames"
send --no-offload
off=$PER
xt_log "tso and gso off: $off bytes per data segment"
(( off <= 1460 )) ||
    xt_fail "tso/gso off: $off bytes per segment, expected one MSS at most"
xt_pass "super-frames ($on B) with offloads, one segment per frame ($off B) without"
