#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# short_conn_server.sh - issue 12 acceptance 1, second part: a kernel
# client makes 20,000 sequential short connections (shortconn) to a
# shimmed server (shortsrv) that closes first, so every connection ends
# in TIME-WAIT on the shim's side: 2*MSL later there are thousands of
# them, more than the 4,096 sockets the stack once had in all.  The kernel
# client keeps Linux's ephemeral range (the stack chooses no port here),
# whose port choice (even ports first) comes back to 4-tuples the shim
# still holds in TIME-WAIT after about 14,000 connections: a new SYN with
# newer timestamps must open a new connection there (RFC 6191).  No
# connection may fail, and the client's SYNs (an nftables counter at the
# peer's output hook) must number exactly 20,000: none sent again after a
# timeout.
#
# Bounded: 60 s for the client (the kernel's TCP takes 2-4 s here), 75 s
# for the server, which also stops once the client is done.  XTTEST_KERNEL=1
# runs the server on the kernel's TCP.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"

N=20000

xt_setup nft
sc_require
sc_syn_counter "$XT_NS_B" output

mapfile -t extra < <(sc_shim_env)
xt_shim_bg srv 80 env "${extra[@]}" "$SC_SERVER" "$XT_SHIM" "$SC_PORT" \
    "$N" 75 "$XT_TMP/stop" >"$XT_TMP/server.out" 2>&1
sc_wait_line "$XT_TMP/server.out" listening 10 || {
	xt_dump "$XT_TMP/server.out"
	xt_fail "the shimmed server did not listen"
}

t0=$(xt_now_ms)
xt_peer 70 "$SC_CLIENT" "$XT_SHIM" "$SC_PORT" "$N" 60 \
    >"$XT_TMP/client.out" 2>&1
rc=$?
t1=$(xt_now_ms)
sc_collect "$srv"
xt_log "kernel client: ${ok:-?} of $N in ${ms:-?} ms ($(( ${ok:-0} * 1000 / (${ms:-0} + 1) )) per second), ${slow:-?} over 500 ms; SYNs sent: ${syns:-?}; test $(( (t1 - t0) / 1000 )) s"
sc_stats tcp_accepts tcp_timewait_reuse tcp_timewait_held_syn tcp_syncache_dropped tcp_listen_overflow tcp_rcv_paws_drop

problems=()
(( rc == 0 )) || problems+=("the kernel client failed (status $rc)")
[[ ${ok:-0} == "$N" ]] || problems+=("${ok:-0} of $N connections completed")
(( src == 0 )) || problems+=("the shimmed server failed (status $src)")
[[ ${syns:-x} == "$N" ]] || problems+=("the client sent ${syns:-no} SYNs, not $N (SYNs sent again)")
xt_verdict "short connections from a kernel client to a shimmed server that closes first"
xt_pass "$N connections, $syns SYNs, ${ms} ms"
