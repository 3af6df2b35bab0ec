#!/usr/bin/env bash
#
# capture.sh - issue 5, acceptance 3: a capture of transfers through a
# lossy link (tests/linkem/linkem, contrib/netns-topology --linkem),
# decoded by tshark, shows
#   1. window scale and timestamps negotiated (both SYNs carry them, our
#      data segments carry timestamps);
#   2. SACK blocks in our ACKs after a hole (the shim receives with loss);
#   3. retransmissions of only the lost segments (the shim sends with
#      loss): no more retransmitted segments than 1.5 x the frames linkem
#      dropped, plus a few, and almost none of them spurious (data the
#      peer had already acknowledged) -- no go-back-N storm.
# ECN (ECE/CWR when linkem marks CE) is not implemented yet: that part of
# the acceptance is skipped, with a note.
#
# tshark captures on the shim's veth end (xa0, in NAME-a), so it sees what
# the shim sends before linkem drops it.  Two transfers of MIB MiB: the
# shim sends with --only ab loss (only data is dropped), then receives
# with --only ba loss.  Needs tshark (Debian: apt-get install tshark).

. "$(dirname "$0")/lib.sh"

MIB=${XTCP_TEST_MIB:-5}
PCT=${XTCP_TEST_LOSS_PCT:-2}
SEED=${XTCP_TEST_SEED:-11}
LINKEM=${XTCP_TEST_LINKEM:-${XTCP_BUILDDIR:-$PWD}/tests/linkem/linkem}
PSEND=9401	# shim -> kernel
PRECV=9402	# kernel -> shim

[[ $XTCP_TEST_KERNEL == 1 ]] && xt_log "kernel mode: checking the kernel's TCP"
XT_TOPO_OPTS=(--linkem)
xt_setup nc ss ethtool tshark
[[ -x $LINKEM ]] ||
    xt_skip "the link emulator $LINKEM has not been built (run 'make check')"
M=$XT_NAME-m
PCAP=$XT_TMP/capture.pcap
xt_random_file "$XT_TMP/in" "$MIB"

# linkem_run ONLY: the emulator with PCT% loss in one direction, 5 ms each
# way; its counters go to $XT_TMP/linkem-ONLY.err.
linkem_run() {
	local i
	ip netns exec "$M" timeout -k 2 100 "$LINKEM" -a ma0 -b mb0 \
	    --loss "$PCT" --only "$1" --delay 5 --seed "$SEED" --seconds 90 \
	    >"$XT_TMP/linkem-$1.out" 2>"$XT_TMP/linkem-$1.err" &
	LE=$!
	XT_PIDS+=("$LE")
	for (( i = 0; i < 30; i++ )); do
		grep -q ready "$XT_TMP/linkem-$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	xt_dump "$XT_TMP/linkem-$1.err"
	xt_fail "linkem did not start"
}

linkem_stop() {
	kill -TERM "$LE" 2>/dev/null
	xt_wait_pid "$LE" 5
}

# The capture: headers only (the analysis needs no payload).
ip netns exec "$XT_NS_A" timeout -k 2 150 tshark -i xa0 -s 128 -q \
    -f "tcp port $PSEND or tcp port $PRECV" -w "$PCAP" \
    >"$XT_TMP/tshark.out" 2>"$XT_TMP/tshark.err" &
TS=$!
XT_PIDS+=("$TS")
for (( i = 0; i < 100; i++ )); do
	grep -q "Capturing on" "$XT_TMP/tshark.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "Capturing on" "$XT_TMP/tshark.err" ||
    { xt_dump "$XT_TMP/tshark.err"; xt_fail "tshark did not start capturing"; }

# 1: the shim sends, its data segments are lost.
linkem_run ab
xt_peer_bg RCV 60 nc -l "$PSEND" </dev/null >"$XT_TMP/out1" 2>"$XT_TMP/rcv1.err"
xt_wait_port "$PSEND"
xt_shim 60 nc -N "$XT_PEER" "$PSEND" <"$XT_TMP/in" >/dev/null 2>"$XT_TMP/snd1.err" ||
    { xt_dump "$XT_TMP/snd1.err"; xt_fail "sending nc under the shim failed"; }
xt_wait_pid "$RCV" 15 || { xt_dump "$XT_TMP/rcv1.err"; xt_fail "the kernel receiver failed"; }
linkem_stop
xt_compare "$XT_TMP/in" "$XT_TMP/out1"

# 2: the shim receives, the peer's data segments are lost.
linkem_run ba
# Not xt_peer_bg: a background job started inside a function gets
# /dev/null as stdin, whatever the function call's redirection says.
ip netns exec "$XT_NS_B" timeout -k 2 60 nc -N -l "$PRECV" <"$XT_TMP/in" \
    >/dev/null 2>"$XT_TMP/snd2.err" &
SND=$!
XT_PIDS+=("$SND")
xt_wait_port "$PRECV"
xt_shim 60 nc "$XT_PEER" "$PRECV" </dev/null >"$XT_TMP/out2" 2>"$XT_TMP/rcv2.err" ||
    { xt_dump "$XT_TMP/rcv2.err"; xt_fail "receiving nc under the shim failed"; }
xt_wait_pid "$SND" 15
linkem_stop
xt_compare "$XT_TMP/in" "$XT_TMP/out2"

sleep 0.5
kill -TERM "$TS" 2>/dev/null
xt_wait_pid "$TS" 10
[[ -s $PCAP ]] || xt_fail "no capture written"

# tshark FILTER FIELD...: one line per matching frame.
tsf() {
	local filter=$1 args=() f
	shift
	for f in "$@"; do
		args+=(-e "$f")
	done
	tshark -r "$PCAP" -Y "$filter" -T fields -E separator=' ' "${args[@]}" 2>/dev/null
}
count() {
	tshark -r "$PCAP" -Y "$1" 2>/dev/null | wc -l
}
problems=()
me="ip.src == $XT_SHIM"
peer="ip.src == $XT_PEER"

# ---- 1: window scale and timestamps, both SYNs of both connections ----
for p in $PSEND $PRECV; do
	syn=$(tsf "$me && tcp.port == $p && tcp.flags.syn == 1 && tcp.flags.ack == 0" \
	    tcp.options.wscale.shift tcp.options.timestamp.tsval | head -1)
	synack=$(tsf "$peer && tcp.port == $p && tcp.flags.syn == 1 && tcp.flags.ack == 1" \
	    tcp.options.wscale.shift tcp.options.timestamp.tsval | head -1)
	read -r sws sts <<<"$syn"
	read -r pws pts <<<"$synack"
	xt_log "port $p: our SYN wscale ${sws:-none} tsval ${sts:-none}; SYN-ACK wscale ${pws:-none} tsval ${pts:-none}"
	[[ -n $sws && -n $sts ]] || problems+=("port $p: our SYN lacks window scale or timestamps")
	[[ -n $pws && -n $pts ]] || problems+=("port $p: the SYN-ACK lacks window scale or timestamps")
done
nots=$(count "$me && tcp.flags.syn == 0 && !tcp.options.timestamp.tsval")
(( nots == 0 )) || problems+=("$nots of our segments after the SYN carry no timestamp")

# ---- 2: SACK blocks in our ACKs after a hole (connection 2) ----
sacks=$(count "$me && tcp.port == $PRECV && tcp.options.sack_le")
holes=$(count "$me && tcp.port == $PRECV && tcp.options.sack_le > tcp.ack")
lost2=$(awk '/b->a/ { for (i = 1; i < NF; i++) if ($i == "loss") print $(i + 1) }' \
    "$XT_TMP/linkem-ba.err")
xt_log "receiving: linkem dropped ${lost2:-?} peer frames; $sacks of our ACKs carry SACK, $holes with a block above the cumulative ACK"
(( ${lost2:-0} > 0 )) || problems+=("linkem dropped nothing on the receive transfer")
(( holes > 0 )) || problems+=("no SACK block above the cumulative ACK in our ACKs")

# ---- 3: retransmissions of only the lost segments (connection 1) ----
lost1=$(awk '/a->b/ { for (i = 1; i < NF; i++) if ($i == "loss") print $(i + 1) }' \
    "$XT_TMP/linkem-ab.err")
data=$(count "$me && tcp.port == $PSEND && tcp.len > 0")
# A retransmission is a data segment that ends at or below the highest
# sequence number sent before it (tshark calls some of them "out of order"
# when they follow the original within an RTT, so count them ourselves).
rexmit=$(tsf "$me && tcp.port == $PSEND && tcp.len > 0" tcp.seq tcp.len |
    awk '{ if ($1 + $2 <= hi) r++; if ($1 + $2 > hi) hi = $1 + $2 } END { print r + 0 }')
spur=$(count "$me && tcp.port == $PSEND && tcp.len > 0 && tcp.analysis.spurious_retransmission")
fast=$(count "$me && tcp.port == $PSEND && tcp.analysis.fast_retransmission")
xt_log "sending: $data data segments, linkem dropped ${lost1:-?}; retransmitted $rexmit (fast $fast, spurious $spur)"
(( ${lost1:-0} > 0 )) || problems+=("linkem dropped nothing on the send transfer")
(( rexmit >= ${lost1:-0} - 2 )) || problems+=("fewer retransmissions ($rexmit) than losses (${lost1:-0})")
(( rexmit * 2 <= ${lost1:-0} * 3 + 20 )) ||
    problems+=("$rexmit retransmissions for ${lost1:-0} lost segments (more than 1.5 x + 10)")
(( spur * 20 <= rexmit + 20 )) ||
    problems+=("$spur spurious retransmissions of $rexmit (data the peer had acknowledged)")

# ---- 4: ECN ----
xt_log "note: ECN (ECE/CWR with CE marks) not checked: not implemented yet (issue 5)"

if (( ${#problems[@]} )); then
	for p in "${problems[@]}"; do
		xt_log "problem: $p"
	done
	[[ ${XTCP_TEST_KEEP:-0} == 1 ]] || cp "$PCAP" "${TMPDIR:-/tmp}/xtcp-capture-$$.pcap" 2>/dev/null &&
	    xt_log "capture kept in ${TMPDIR:-/tmp}/xtcp-capture-$$.pcap"
	xt_fail "${#problems[@]} check(s) failed"
fi
xt_pass "wscale+timestamps, SACK after holes ($holes ACKs), $rexmit retransmissions for ${lost1} losses"
