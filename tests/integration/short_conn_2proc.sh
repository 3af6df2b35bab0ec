#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# short_conn_2proc.sh - issue 12 acceptance 1, third part: two shimmed
# processes, one after the other on the same address, each make 5,000
# short connections (shortconn) to the same kernel server port, which
# closes first, with the stack's ephemeral range narrowed to 1,000 ports.
# The second process meets the 4-tuples the first left in the server's
# TIME-WAIT: only with the timestamp key and the port counter kept with
# the address (the state file beside the address lock, shim/pool.c) are
# its SYNs newer than what the server holds.  The server must see exactly
# 10,000 SYNs (nftables counter at its prerouting hook), and the second
# process must start on the port after the first one's last.
#
# Bounded: 30 s per client (the kernel's TCP takes 1 s here), 75 s for
# the server, which also stops once the clients are done.  XTTEST_KERNEL=1
# runs the clients on the kernel's TCP (the port check is then skipped).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"

N=5000

xt_setup nft
sc_require
sc_syn_counter "$XT_NS_B" prerouting
[[ $XTTEST_KERNEL == 1 ]] && sc_kernel_range "$XT_NS_A"

xt_peer_bg srv 80 "$SC_SERVER" "$XT_PEER" "$SC_PORT" $(( 2 * N )) 75 \
    "$XT_TMP/stop" >"$XT_TMP/server.out" 2>&1
xt_wait_port "$SC_PORT"

mapfile -t extra < <(sc_shim_env)
problems=()
t0=$(xt_now_ms)
for i in 1 2; do
	xt_shim 40 env "${extra[@]}" "$SC_CLIENT" "$XT_PEER" "$SC_PORT" "$N" \
	    30 >"$XT_TMP/client$i.out" 2>&1
	rc=$?
	grep -v ' done, ' "$XT_TMP/client$i.out"
	ok=$(sc_field "$XT_TMP/client$i.out" ok)
	(( rc == 0 )) || problems+=("process $i failed (status $rc)")
	[[ ${ok:-0} == "$N" ]] || problems+=("process $i: ${ok:-0} of $N connections completed")
	xt_log "process $i: SYNs at the peer so far: $(sc_syn_count "$XT_NS_B")"
done
t1=$(xt_now_ms)
touch "$XT_TMP/stop"
xt_wait_pid "$srv" 10
src=$?
syns=$(sc_syn_count "$XT_NS_B")
cat "$XT_TMP/server.out"
xt_log "SYNs at the peer: ${syns:-?} for $(( 2 * N )) connections; test $(( (t1 - t0) / 1000 )) s"
sc_stats tcp_connects tcp_rexmt_timeout tcp_snd_rst tcp_rcv_rst

(( src == 0 )) || problems+=("the server failed (status $src)")
[[ ${syns:-x} == $(( 2 * N )) ]] || problems+=("the peer saw ${syns:-no} SYNs, not $(( 2 * N )) (SYNs sent again)")
if [[ $XTTEST_KERNEL != 1 ]]; then
	last=$(sc_field "$XT_TMP/client1.out" last_port)
	first=$(sc_field "$XT_TMP/client2.out" first_port)
	want=$(( ${last:-0} == SC_HI ? SC_LO : ${last:-0} + 1 ))
	xt_log "process 1 ended on port ${last:-?}, process 2 began on ${first:-?}"
	[[ ${first:-x} == "$want" ]] || problems+=("process 2 began on port ${first:-?}, not $want after process 1's last ${last:-?}")
	st=$(find "$XT_TMP/lock" -name '*.state' -printf '%m %s\n' 2>/dev/null)
	[[ $st == "600 44" ]] || problems+=("state file beside the address lock: '${st:-none}', want mode 600, 44 bytes")
fi
xt_verdict "two successive processes on one address"
xt_pass "2 x $N connections, $syns SYNs"
