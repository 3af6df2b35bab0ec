#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# idle_wire.sh - issue 10: an endpoint sends nothing on a connection that
# has received nothing.  The same checks on the kernel's TCP first (which
# pins the expectation to Linux), then under the shim, each pass in a
# topology of its own.
#
# The endpoint connects to a kernel peer (nc), and a kernel client
# (python3) connects to the endpoint's listener (nc -l); both connections
# stay idle for 2.5 s after the handshake.  A capture on the endpoint's
# veth end must show no segment between the handshake's last ACK and the
# first FIN, on either connection: no window update when nothing was
# received or read (RFC 9293 §3.8.6.2.2), as Linux.  (Until it was fixed,
# the shim's passive open sent one: the SYN-ACK's window is unscaled and
# the first scaled window looked like an opening.)
#
# XTTEST_KERNEL=1 runs the kernel pass only.  Needs tshark, nc
# (OpenBSD), python3.

. "$(dirname "$0")/lib.sh"

PACT=9501	# the endpoint connects to the kernel peer
PPAS=9502	# a kernel client connects to the endpoint
IDLE=2.5	# seconds each idle connection stays open
# The kernel client: connect (retrying while refused, for 5 s), stay idle
# IDLE s from the moment the connection is up, then shut down (FIN).
CLIENT='
import socket, sys, time
end = time.monotonic() + 5
while True:
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)
        break
    except ConnectionRefusedError:
        if time.monotonic() > end:
            raise
        time.sleep(0.1)
time.sleep(float(sys.argv[3]))
s.shutdown(socket.SHUT_WR)
s.settimeout(3)
while s.recv(4096):
    pass
'

xt_require_all tshark nc python3
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

# idle_count PCAP PORT: "SEGMENTS IDLE_MS STREAMS" for the connection on
# PORT that completed a handshake: segments after the handshake's last ACK
# and before the first FIN or RST, and the time between the two.
idle_count() {
	tshark -r "$1" -Y "tcp.port == $2" -T fields -E separator=' ' \
	    -e tcp.stream -e frame.time_relative -e tcp.flags.syn \
	    -e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset 2>/dev/null |
	    sed 's/\bTrue\b/1/g; s/\bFalse\b/0/g' |
	    awk '
		# per stream: 1 after the SYN-ACK, 2 after the last ACK, 3 at the end
		$3 == 1 && $4 == 1 { st[$1] = 1; good[$1] = 1; next }
		$3 == 1 { next }
		st[$1] == 1 { st[$1] = 2; t0[$1] = $2; next }
		st[$1] == 2 && ($5 == 1 || $6 == 1) { st[$1] = 3; t1[$1] = $2; next }
		st[$1] == 2 { n[$1]++ }
		END {
			for (s in good) { k++; c = n[s] + 0
			    d = (t1[s] == "" ? -1 : int((t1[s] - t0[s]) * 1000)) }
			print c + 0, d + 0, k + 0
		}'
}

# run_pass kernel|shim: the topology and the two idle connections under a
# capture.  Sets IDLE_ACT, IDLE_PAS (segments), IDLEMS_ACT, IDLEMS_PAS.
run_pass() {
	local mode=$1 saved=$XTTEST_KERNEL pcap ts rcv srv n
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up
	pcap=$XT_TMP/$mode.pcap
	ip netns exec "$XT_NS_A" timeout -k 2 60 tshark -i "$XT_IF" -s 128 -q \
	    -f "tcp portrange $PACT-$PPAS" -w "$pcap" \
	    >"$XT_TMP/$mode-tshark.out" 2>"$XT_TMP/$mode-tshark.err" &
	ts=$!
	XT_PIDS+=("$ts")
	if ! wait_file "$XT_TMP/$mode-tshark.err" "Capturing on" 100; then
		xt_dump "$XT_TMP/$mode-tshark.err"
		xt_fail "$mode: tshark did not start capturing"
	fi
	sleep 0.5	# dumpcap says so a little before it has the filter on

	# the endpoint connects, both sides idle; its FIN after IDLE s
	sleep 6 | ip netns exec "$XT_NS_B" timeout -k 2 10 nc -l "$PACT" \
	    >/dev/null 2>"$XT_TMP/$mode-act-peer.err" &
	rcv=$!
	XT_PIDS+=("$rcv")
	xt_wait_port "$PACT"
	sleep "$IDLE" | xt_shim 10 nc -N "$XT_PEER" "$PACT" >/dev/null \
	    2>"$XT_TMP/$mode-act.err" ||
	    { xt_dump "$XT_TMP/$mode-act.err"; xt_fail "$mode: nc could not connect to the peer"; }
	kill -TERM "$rcv" 2>/dev/null
	wait "$rcv" 2>/dev/null

	# a kernel client connects to the endpoint's listener (not visible
	# to ss under the shim: the client retries while it is refused)
	sleep 8 | xt_shim 12 nc -l "$PPAS" >/dev/null 2>"$XT_TMP/$mode-pas.err" &
	srv=$!
	XT_PIDS+=("$srv")
	xt_peer 15 python3 -c "$CLIENT" "$XT_SHIM" "$PPAS" "$IDLE" \
	    2>"$XT_TMP/$mode-pas-peer.err" ||
	    { xt_dump "$XT_TMP/$mode-pas-peer.err" "$XT_TMP/$mode-pas.err"; xt_fail "$mode: the kernel client could not connect to the endpoint"; }
	kill -TERM "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	sleep 0.3
	kill -TERM "$ts" 2>/dev/null
	xt_wait_pid "$ts" 10
	[[ -s $pcap ]] || xt_fail "$mode: no capture written"
	read -r IDLE_ACT IDLEMS_ACT n <<<"$(idle_count "$pcap" "$PACT")"
	(( n == 1 )) || xt_fail "$mode: $n handshakes on port $PACT, want 1"
	read -r IDLE_PAS IDLEMS_PAS n <<<"$(idle_count "$pcap" "$PPAS")"
	(( n == 1 )) || xt_fail "$mode: $n handshakes on port $PPAS, want 1"
	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
	return 0
}

# check MODE: the expectations, the same for both passes.
check() {
	local mode=$1
	xt_log "$mode: after the handshake, idle for ${IDLEMS_ACT} ms (active open) and ${IDLEMS_PAS} ms (passive): $IDLE_ACT and $IDLE_PAS segments"
	(( IDLEMS_ACT >= 2000 && IDLEMS_PAS >= 2000 )) ||
	    problems+=("$mode: a connection was idle less than 2 s (${IDLEMS_ACT} / ${IDLEMS_PAS} ms)")
	(( IDLE_ACT == 0 )) ||
	    problems+=("$mode: $IDLE_ACT segments after the handshake of an idle connection the endpoint opened")
	(( IDLE_PAS == 0 )) ||
	    problems+=("$mode: $IDLE_PAS segments after the handshake of an idle connection the endpoint accepted")
}

problems=()
run_pass kernel
check kernel
xt_verdict "the checks fail on the kernel's TCP: the test itself is wrong"
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"

run_pass shim
check shim
xt_verdict "${#problems[@]} check(s) failed under the shim"
xt_pass "no segment on idle connections after the handshake, on the kernel and under the shim"
