#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
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
#   4. ECN (RFC 3168) with XTCP_ECN=1 when linkem marks CE (--ce, no
#      loss): the ECN-setup SYN has ECE and CWR and the SYN-ACK ECE only
#      (section 6.1.1), neither is ECT; new data is ECT(0), pure ACKs and
#      retransmissions are not (6.1.4, 6.1.5); when the shim sends, the
#      kernel's ECE is answered by CWR on our next data (6.1.2); when the
#      shim receives, a CE mark is echoed by ECE on our ACKs until the
#      kernel's CWR (6.1.3).
#
# tshark captures on the shim's veth end (xa0, in NAME-a), so it sees what
# the shim sends before linkem drops or marks it, and what the kernel
# sends after.  Four transfers of MIB MiB: the shim sends with --only ab
# loss (only data is dropped), then receives with --only ba loss; then,
# with XTCP_ECN=1, the shim sends with --only ab CE marks, and the kernel
# (net.ipv4.tcp_ecn=1 in its namespace, so that it asks for ECN) connects
# to the shim's listener and sends with --only ba CE marks.  In kernel
# mode the shim's namespace gets tcp_ecn=1 too.  Needs tshark (Debian:
# apt-get install tshark).

. "$(dirname "$0")/lib.sh"

MIB=${XTTEST_MIB:-5}
PCT=${XTTEST_LOSS_PCT:-2}
SEED=${XTTEST_SEED:-11}
LINKEM=${XTTEST_LINKEM:-${XTTEST_BUILDDIR:-$PWD}/tests/linkem/linkem}
CE=${XTTEST_CE_PCT:-2}
PSEND=9401	# shim -> kernel
PRECV=9402	# kernel -> shim
PECNS=9403	# shim -> kernel, ECN
PECNR=9404	# kernel -> shim (the shim listens), ECN

[[ $XTTEST_KERNEL == 1 ]] && xt_log "kernel mode: checking the kernel's TCP"
XT_TOPO_OPTS=(--linkem)
xt_setup nc ss ethtool tshark
[[ -x $LINKEM ]] ||
    xt_skip "the link emulator $LINKEM has not been built (run 'make check')"
M=$XT_NAME-m
PCAP=$XT_TMP/capture.pcap
xt_random_file "$XT_TMP/in" "$MIB"

# linkem_run TAG ONLY IMPAIRMENT...: the emulator with the impairments in
# one direction, 5 ms each way; its counters go to $XT_TMP/linkem-TAG.err.
linkem_run() {
	local tag=$1 only=$2 i
	shift 2
	ip netns exec "$M" timeout -k 2 100 "$LINKEM" -a ma0 -b mb0 \
	    "$@" --only "$only" --delay 5 --seed "$SEED" --seconds 90 \
	    >"$XT_TMP/linkem-$tag.out" 2>"$XT_TMP/linkem-$tag.err" &
	LE=$!
	XT_PIDS+=("$LE")
	for (( i = 0; i < 30; i++ )); do
		grep -q ready "$XT_TMP/linkem-$tag.out" 2>/dev/null && return 0
		sleep 0.1
	done
	xt_dump "$XT_TMP/linkem-$tag.err"
	xt_fail "linkem did not start"
}

# counter TAG DIR NAME: one of linkem's counters ("a->b", "loss").
counter() {
	awk -v dir="$2" -v name="$3" '$2 == dir {
		for (i = 3; i < NF; i++) if ($i == name) print $(i + 1) }' \
	    "$XT_TMP/linkem-$1.err"
}

linkem_stop() {
	kill -TERM "$LE" 2>/dev/null
	xt_wait_pid "$LE" 5
}

# The capture: headers only (the analysis needs no payload).
ip netns exec "$XT_NS_A" timeout -k 2 300 tshark -i xa0 -s 128 -q \
    -f "tcp portrange $PSEND-$PECNR" -w "$PCAP" \
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
linkem_run ab ab --loss "$PCT"
xt_peer_bg RCV 60 nc -l "$PSEND" </dev/null >"$XT_TMP/out1" 2>"$XT_TMP/rcv1.err"
xt_wait_port "$PSEND"
xt_shim 60 nc -N "$XT_PEER" "$PSEND" <"$XT_TMP/in" >/dev/null 2>"$XT_TMP/snd1.err" ||
    { xt_dump "$XT_TMP/snd1.err"; xt_fail "sending nc under the shim failed"; }
xt_wait_pid "$RCV" 15 || { xt_dump "$XT_TMP/rcv1.err"; xt_fail "the kernel receiver failed"; }
linkem_stop
xt_compare "$XT_TMP/in" "$XT_TMP/out1"

# 2: the shim receives, the peer's data segments are lost.
linkem_run ba ba --loss "$PCT"
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

# 3: ECN, the shim sends, linkem marks its data CE.  The kernel asks for
# ECN too (for connection 4; it accepts it anyway, tcp_ecn=2 is the
# default).
ip netns exec "$XT_NS_B" sysctl -qw net.ipv4.tcp_ecn=1 ||
    xt_fail "cannot set net.ipv4.tcp_ecn=1 in the peer namespace"
if [[ $XTTEST_KERNEL == 1 ]]; then
	ip netns exec "$XT_NS_A" sysctl -qw net.ipv4.tcp_ecn=1 ||
	    xt_fail "cannot set net.ipv4.tcp_ecn=1 in the shim namespace"
fi
linkem_run ecn-ab ab --ce "$CE"
xt_peer_bg RCV 60 nc -l "$PECNS" </dev/null >"$XT_TMP/out3" 2>"$XT_TMP/rcv3.err"
xt_wait_port "$PECNS"
xt_shim 60 env XTCP_ECN=1 nc -N "$XT_PEER" "$PECNS" <"$XT_TMP/in" >/dev/null \
    2>"$XT_TMP/snd3.err" ||
    { xt_dump "$XT_TMP/snd3.err"; xt_fail "sending nc under the shim with ECN failed"; }
xt_wait_pid "$RCV" 15 || { xt_dump "$XT_TMP/rcv3.err"; xt_fail "the kernel receiver failed (ECN)"; }
linkem_stop
xt_compare "$XT_TMP/in" "$XT_TMP/out3"

# 4: ECN, the kernel connects to the shim's listener and sends; linkem
# marks its data CE.  The shimmed listener is not visible to ss: retry the
# connection (refused until it listens) for at most 15 s.
linkem_run ecn-ba ba --ce "$CE"
xt_shim_bg RCV 60 env XTCP_ECN=1 nc -l "$PECNR" </dev/null >"$XT_TMP/out4" \
    2>"$XT_TMP/rcv4.err"
# The kernel retries a SYN that got no answer (no ARP reply yet) without
# ECE and CWR (RFC 3168 section 6.1.1.1), so wait until the shim answers
# ARP and ping first; a SYN before the listen() only gets an RST.
for (( i = 0; i < 50; i++ )); do
	xt_peer 3 ping -c 1 -W 1 "$XT_SHIM" >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 0.2
sent=0
t0=$(xt_now_ms)
for (( i = 0; i < 60; i++ )); do
	kill -0 "$RCV" 2>/dev/null || break
	(( $(xt_now_ms) - t0 < 15000 )) || break
	if xt_peer 60 nc -N -w 10 "$XT_SHIM" "$PECNR" <"$XT_TMP/in" >/dev/null \
	    2>"$XT_TMP/snd4.err"; then
		sent=1
		break
	fi
	sleep 0.2
done
(( sent )) || { xt_dump "$XT_TMP/snd4.err" "$XT_TMP/rcv4.err"; xt_fail "the kernel could not send to the shim's listener (ECN)"; }
xt_wait_pid "$RCV" 15 || { xt_dump "$XT_TMP/rcv4.err"; xt_fail "nc -l under the shim failed (ECN)"; }
linkem_stop
xt_compare "$XT_TMP/in" "$XT_TMP/out4"

sleep 0.5
kill -TERM "$TS" 2>/dev/null
xt_wait_pid "$TS" 10
[[ -s $PCAP ]] || xt_fail "no capture written"

count() {
	tshark -r "$PCAP" -Y "$1" 2>/dev/null | wc -l
}
problems=()
me="ip.src == $XT_SHIM"
peer="ip.src == $XT_PEER"

# ---- 1: window scale and timestamps, both SYNs of both connections ----
for p in $PSEND $PRECV; do
	syn=$(xt_tsf "$PCAP" "$me && tcp.port == $p && tcp.flags.syn == 1 && tcp.flags.ack == 0" \
	    tcp.options.wscale.shift tcp.options.timestamp.tsval | head -1)
	synack=$(xt_tsf "$PCAP" "$peer && tcp.port == $p && tcp.flags.syn == 1 && tcp.flags.ack == 1" \
	    tcp.options.wscale.shift tcp.options.timestamp.tsval | head -1)
	read -r sws sts <<<"$syn"
	read -r pws pts <<<"$synack"
	xt_log "port $p: our SYN wscale ${sws:-none} tsval ${sts:-none}; SYN-ACK wscale ${pws:-none} tsval ${pts:-none}"
	[[ -n $sws && -n $sts ]] || problems+=("port $p: our SYN lacks window scale or timestamps")
	[[ -n $pws && -n $pts ]] || problems+=("port $p: the SYN-ACK lacks window scale or timestamps")
done
# RFC 7323 3.2: TSopt MUST be in every non-<RST> segment.  A <RST> may
# lack it: one answering a segment of a connection this stack does not
# know (here: the peer's FIN resent after the previous program exited
# in TIME-WAIT, answered by the next program's stack) has no
# negotiation to follow, and Linux sends those without options too.
nots=$(count "$me && tcp.flags.syn == 0 && tcp.flags.reset == 0 && !tcp.options.timestamp.tsval")
(( nots == 0 )) || problems+=("$nots of our segments after the SYN carry no timestamp")
rsts=$(count "$me && tcp.flags.reset == 1 && !tcp.options.timestamp.tsval")
(( rsts == 0 )) || xt_log "$rsts of our RSTs carry no timestamp (answers to unknown connections)"

# ---- 2: SACK blocks in our ACKs after a hole (connection 2) ----
sacks=$(count "$me && tcp.port == $PRECV && tcp.options.sack_le")
holes=$(count "$me && tcp.port == $PRECV && tcp.options.sack_le > tcp.ack")
lost2=$(counter ba "b->a" loss)
xt_log "receiving: linkem dropped ${lost2:-?} peer frames; $sacks of our ACKs carry SACK, $holes with a block above the cumulative ACK"
(( ${lost2:-0} > 0 )) || problems+=("linkem dropped nothing on the receive transfer")
(( holes > 0 )) || problems+=("no SACK block above the cumulative ACK in our ACKs")

# ---- 3: retransmissions of only the lost segments (connection 1) ----
lost1=$(counter ab "a->b" loss)
data=$(count "$me && tcp.port == $PSEND && tcp.len > 0")
# A retransmission is a data segment that ends at or below the highest
# sequence number sent before it (tshark calls some of them "out of order"
# when they follow the original within an RTT, so count them ourselves).
rexmit=$(xt_tsf "$PCAP" "$me && tcp.port == $PSEND && tcp.len > 0" tcp.seq tcp.len |
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

# ---- 4: ECN (RFC 3168), connections 3 and 4 ----
# Negotiation (section 6.1.1): the SYN of the side that connects has ECE
# and CWR, the SYN-ACK ECE and not CWR; neither is ECT.
# tshark 4 prints flags as True/False or 1/0 depending on the field: map.
tf() { sed 's/\bTrue\b/1/g; s/\bFalse\b/0/g'; }
# handshake PORT WHO: "ece cwr ecn" of WHO's SYN (or SYN-ACK) on PORT.
# The last one: the connection that carried the data (on connection 4 the
# kernel may have tried before the shim listened).
handshake() {
	xt_tsf "$PCAP" "$2 && tcp.port == $1 && tcp.flags.syn == 1" \
	    tcp.flags.ece tcp.flags.cwr ip.dsfield.ecn | tf | tail -1
}
chk_syn() {	# PORT WHO WHAT ECE CWR
	local ece cwr ecn
	read -r ece cwr ecn <<<"$(handshake "$1" "$2")"
	xt_log "port $1: $3 ECE ${ece:-?} CWR ${cwr:-?} ECN field ${ecn:-?}"
	[[ $ece == "$4" && $cwr == "$5" ]] ||
	    problems+=("port $1: $3 has ECE ${ece:-?} CWR ${cwr:-?}, want ECE $4 CWR $5")
	[[ $ecn == 0 ]] || problems+=("port $1: $3 is ECT (ECN field ${ecn:-?}; section 6.1.1: MUST NOT)")
}
chk_syn "$PECNS" "$me" "our SYN" 1 1
chk_syn "$PECNS" "$peer" "the kernel's SYN-ACK" 1 0
chk_syn "$PECNR" "$peer" "the kernel's SYN" 1 1
chk_syn "$PECNR" "$me" "our SYN-ACK" 1 0

# Connection 3, the shim sends.  New data ECT(0) (ip.dsfield.ecn 2),
# retransmitted data and pure ACKs Not-ECT; linkem marks some of it CE on
# the way and the kernel echoes ECE until it sees our CWR.  Section
# 6.1.2: the sender reacts to ECE at most once per window and sets CWR on
# the next new data.  So an ECE that acknowledges data sent after our last
# reduction (above what had gone before our last CWR segment; the first
# ECE counts too) opens an episode, and our next few data segments must
# include one with CWR (a few may have left before the ACK reached the
# shim); a CWR with no episode open is a second reduction in one window.  ECE acknowledging only
# older data is from before the kernel saw our CWR: no response needed.
xt_tsf "$PCAP" "$me && tcp.port == $PECNS && tcp.len > 0" tcp.seq tcp.len ip.dsfield.ecn |
    awk '{ if ($1 + $2 > hi) { n++; if ($3 != 2) bn++; hi = $1 + $2 }
	   else { r++; if ($3 != 0) br++ } }
	 END { print n + 0, bn + 0, r + 0, br + 0 }' >"$XT_TMP/ecn3-data"
read -r ndata badnew nrx badrx <"$XT_TMP/ecn3-data"
ackect=$(count "$me && tcp.port == $PECNS && tcp.len == 0 && tcp.flags.syn == 0 && tcp.flags.fin == 0 && ip.dsfield.ecn != 0")
marked3=$(counter ecn-ab "a->b" ce)
xt_tsf "$PCAP" "tcp.port == $PECNS && tcp.flags.syn == 0 && ((${peer} && tcp.flags.ece == 1) || (${me} && tcp.len > 0))" \
    ip.src tcp.flags.ece tcp.flags.cwr tcp.seq tcp.len tcp.ack | tf |
    awk -v me="$XT_SHIM" '
	$1 != me { ece++; if (!pend && (!cwr || $6 > rec)) { pend = 1; lag = 0; ep++ } next }
	$3 == 1 { cwr++; rec = hi; if (pend) { pend = 0; ok++; if (lag > ml) ml = lag }
		  else early++ }
	{ if ($4 + $5 > hi) hi = $4 + $5 }
	$3 != 1 && pend { lag++ }
	END { print ece + 0, ep + 0, ok + 0, cwr + 0, early + 0, ml + 0, pend + 0, lag + 0 }' \
    >"$XT_TMP/ecn3-cwr"
read -r ece3 ep3 ok3 cwr3 early3 ml3 pend3 lag3 <"$XT_TMP/ecn3-cwr"
xt_log "ECN sending: linkem marked ${marked3:-?} of our frames CE; $ndata new data segments ($badnew not ECT(0)), $nrx retransmitted ($badrx ECT), $ackect ECT pure ACKs"
xt_log "ECN sending: the kernel sent $ece3 ACKs with ECE in $ep3 episodes; we sent $cwr3 segments with CWR, $ok3 answering an episode (at most $ml3 data segments later), $early3 without one"
(( ${marked3:-0} > 0 )) || problems+=("linkem marked none of our data CE (connection 3)")
(( badnew == 0 )) || problems+=("$badnew of our $ndata new data segments are not ECT(0)")
(( badrx == 0 )) || problems+=("$badrx of our $nrx retransmitted segments are ECT (section 6.1.5: MUST NOT)")
(( ackect == 0 )) || problems+=("$ackect of our pure ACKs are ECT (section 6.1.4: MUST NOT)")
(( ep3 > 0 )) || problems+=("the kernel never sent ECE though linkem marked our data CE")
(( ok3 > 0 )) || problems+=("no CWR from us after the kernel's ECE")
(( ok3 + 1 >= ep3 )) || problems+=("only $ok3 of $ep3 ECE episodes were answered with CWR")
# RFC 3168 section 6.1.2 puts CWR on the first new data segment sent
# after the reduction.  On the wire, segments handed to the kernel before
# the ECE was processed still follow it: a 64 KB TSO super-frame is up to
# 45 segments, and frames of one receive burst go out together, so
# allow two super-frames' worth.
(( ml3 <= 96 )) || problems+=("up to $ml3 of our data segments went out between the kernel's ECE and our CWR")
(( early3 == 0 )) || problems+=("$early3 of our segments carry CWR with no new ECE since the last (a second reduction in one window)")
(( pend3 == 0 || lag3 <= 96 )) || problems+=("the last ECE episode got no CWR in $lag3 data segments")

# Connection 4, the kernel sends.  Its data is ECT(0) and linkem marks
# some CE after the kernel sent it, before tshark sees it.  Section 6.1.3:
# from a CE mark on, our ACKs carry ECE until the kernel's CWR.  The shim
# may read a burst of segments well after tshark saw them, so judge each
# of our ACKs by what it acknowledges (no loss here: data arrives in
# order): ECE is due iff, among the kernel's segments it covers, the last
# with CE or CWR had CE (a segment's CWR counts before its own CE).
marked4=$(counter ecn-ba "b->a" ce)
ce4=$(count "$peer && tcp.port == $PECNR && ip.dsfield.ecn == 3")
xt_tsf "$PCAP" "tcp.port == $PECNR && tcp.flags.syn == 0 && tcp.flags.reset == 0 && ((${peer} && tcp.len > 0) || (${me} && tcp.len == 0))" \
    ip.src ip.dsfield.ecn tcp.flags.ece tcp.flags.cwr tcp.seq tcp.len tcp.ack | tf |
    awk -v me="$XT_SHIM" '
	$1 != me { n++; end[n] = $5 + $6; ce[n] = ($2 == 3); cwr[n] = ($4 == 1); next }
	{ m++; ack[m] = $7; ece[m] = ($3 == 1) }
	END {
		k = 1; st = 0
		for (i = 1; i <= m; i++) {
			while (k <= n && end[k] <= ack[i]) {
				if (cwr[k]) st = 0
				if (ce[k] && !st) { st = 1; ep++; got[ep] = 0 }
				k++
			}
			if (ece[i]) e++
			if (st && ece[i] && !got[ep]) { got[ep] = 1; ok++ }
			if (st && !ece[i]) miss++
			if (!st && ece[i]) extra++
		}
		print ep + 0, ok + 0, miss + 0, extra + 0, e + 0
	}' >"$XT_TMP/ecn4-ece"
read -r ep4 ok4 miss4 extra4 ece4 <"$XT_TMP/ecn4-ece"
cwr4=$(count "$peer && tcp.port == $PECNR && tcp.flags.cwr == 1 && tcp.flags.syn == 0")
ect4=$(count "$peer && tcp.port == $PECNR && tcp.len > 0 && ip.dsfield.ecn == 2")
xt_log "ECN receiving: linkem marked ${marked4:-?} of the kernel's frames CE ($ce4 CE and $ect4 ECT(0) data segments seen, $cwr4 with CWR); we sent $ece4 ACKs with ECE; $ep4 CE episodes, $ok4 echoed; $miss4 ACKs lacked a due ECE, $extra4 had ECE not due"
(( ${marked4:-0} > 0 && ce4 > 0 )) || problems+=("linkem marked none of the kernel's data CE (connection 4)")
(( ok4 > 0 && ok4 == ep4 )) || problems+=("only $ok4 of $ep4 CE episodes were echoed with ECE")
(( miss4 <= 2 )) || problems+=("$miss4 of our ACKs after a CE mark (and before the kernel's CWR) lacked ECE")
(( extra4 <= 2 )) || problems+=("$extra4 of our ACKs carried ECE with no CE mark pending")
(( cwr4 > 0 )) || problems+=("the kernel never sent CWR (did it see our ECE?)")

if (( ${#problems[@]} )); then
	for p in "${problems[@]}"; do
		xt_log "problem: $p"
	done
	[[ ${XTTEST_KEEP:-0} == 1 ]] || cp "$PCAP" "${TMPDIR:-/tmp}/xtcp-capture-$$.pcap" 2>/dev/null &&
	    xt_log "capture kept in ${TMPDIR:-/tmp}/xtcp-capture-$$.pcap"
	xt_fail "${#problems[@]} check(s) failed"
fi
xt_pass "wscale+timestamps, SACK after holes ($holes ACKs), $rexmit retransmissions for ${lost1} losses, ECN: $ok3 CWR answers, $ok4 ECE echoes"
