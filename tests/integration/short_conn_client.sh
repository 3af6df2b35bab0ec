#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# short_conn_client.sh - issue 12 acceptance 1, first part: 20,000
# sequential short connections from a shimmed client (shortconn: connect,
# 100-byte request, read the reply until EOF, close) to a kernel server
# that closes first (shortsrv), with the stack's ephemeral range narrowed
# to 1,000 ports (XTCP_PORT_RANGE), so that every 4-tuple comes back 20
# times while the server still holds its last incarnation in TIME-WAIT.
# All must complete, and an nftables counter at the peer's prerouting
# hook must count exactly 20,000 SYNs: a new SYN that the peer's PAWS
# check rejects (timestamps older than the TIME-WAIT's), or that meets
# stale state, would be sent again after a timeout and counted twice.
#
# Bounded: 60 s for the client (the kernel's TCP takes 2-4 s here), 75 s
# for the server, which also stops once the client is done.  XTTEST_KERNEL=1
# runs the client on the kernel's TCP (with the same 1,000 ports).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"

N=20000

xt_setup nft
sc_require
sc_syn_counter "$XT_NS_B" prerouting
[[ $XTTEST_KERNEL == 1 ]] && sc_kernel_range "$XT_NS_A"

xt_peer_bg srv 80 "$SC_SERVER" "$XT_PEER" "$SC_PORT" "$N" 75 \
    "$XT_TMP/stop" >"$XT_TMP/server.out" 2>&1
xt_wait_port "$SC_PORT"

mapfile -t extra < <(sc_shim_env)
t0=$(xt_now_ms)
xt_shim 70 env "${extra[@]}" "$SC_CLIENT" "$XT_PEER" "$SC_PORT" "$N" 60 \
    >"$XT_TMP/client.out" 2>&1
rc=$?
t1=$(xt_now_ms)
sc_collect "$srv"
xt_log "client: ${ok:-?} of $N in ${ms:-?} ms ($(( ${ok:-0} * 1000 / (${ms:-0} + 1) )) per second), ${slow:-?} over 500 ms; SYNs at the peer: ${syns:-?}; test $(( (t1 - t0) / 1000 )) s"
sc_stats tcp_connects tcp_rexmt_timeout tcp_snd_rst tcp_rcv_rst tcp_rcv_paws_drop

problems=()
(( rc == 0 )) || problems+=("the client failed (status $rc)")
[[ ${ok:-0} == "$N" ]] || problems+=("${ok:-0} of $N connections completed")
(( src == 0 )) || problems+=("the server failed (status $src)")
[[ ${syns:-x} == "$N" ]] || problems+=("the peer saw ${syns:-no} SYNs, not $N (SYNs sent again)")
xt_verdict "short connections from the shim to a kernel server that closes first"
xt_pass "$N connections, $syns SYNs, ${ms} ms"
