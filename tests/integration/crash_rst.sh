#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# crash_rst.sh - issue 13 acceptance 7: a shimmed curl killed in the
# middle of a download leaves no half-open connection at the kernel
# server.  The shim's watcher (shim/watch.c, xtcp(7) PROCESS DEATH)
# resets it: a capture on the server's side shows an RST from the shim's
# address whose sequence number is the one the server expects (the last
# ACK it sent), and `ss` there shows the connection gone within 5 s.
#
#   1. kill -9 of curl, mid-download (a python http.server behind a tbf
#      rate limit on the server's veth keeps it downloading);
#   2. SIGINT to curl's process group, as a terminal's Ctrl-C: curl dies
#      of it, the watcher (a session of its own) does not, and resets;
#   3. a normal run: curl completes, byte-exact; no RST from the shim, no
#      watcher left behind, nothing logged by it;
#   4. the watcher is no child of the program: a shimmed bash that opens
#      a stack socket (/dev/tcp) still has no child but its own after
#      `wait` (which would hang on a watcher child), and exits with its
#      own status, 3; it closed its connection first (at exit), so no RST.
#   6. a family: a shimmed python fetches, forks, and its child reads on
#      from the inherited socket; kill -9 of the parent leaves the
#      connection alone (the download goes on in the child), kill -9 of
#      the child then resets it;
#   5. as 1 through a TAP driven with io_uring (XTCP_TAP), where the
#      watcher must not use the program's rings (skipped without
#      /dev/net/tun).
# In each case the watcher is gone within 5 s of the program's end.  In
# kernel mode (XTTEST_KERNEL=1) the kernel's own resets are checked
# the same way and the watcher checks are left out.

. "$(dirname "$0")/lib.sh"

PSLOW=8301	# the large file, rate-limited: curl is killed on the way
PFAST=8302	# the small file: curl completes
PLATE=8303	# the bash client's server, which closes 0.3 s after it
PTAP=8304	# the large file again, through a TAP
TAP=xtap0
TKADDR=10.93.0.1	# the kernel's side of the TAP
TSADDR=10.93.0.2	# the shim's
MIB=${XTTEST_MIB:-16}
RATE=${XTTEST_RATE:-16mbit}
MIN_BYTES=200000	# "mid-download": at least this much arrived

xt_setup curl python3 ss tshark tc setsid
kmode=0
[[ $XTTEST_KERNEL == 1 ]] && kmode=1
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/big" "$MIB"
head -c 300000 /dev/urandom >"$XT_TMP/www/small"
PCAP=$XT_TMP/server.pcap
problems=()

for p in $PSLOW $PFAST; do
	xt_peer_bg SRV 120 python3 -m http.server "$p" --bind "$XT_PEER" \
	    --directory "$XT_TMP/www" >"$XT_TMP/server-$p.log" 2>&1
	xt_wait_port "$p"
done
# For the bash client: it closes first, and the server only 0.3 s later.
# shellcheck disable=SC2016
xt_peer_bg LATE 60 python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4)
c, _ = s.accept()
while c.recv(4096):
    pass
time.sleep(0.3)
c.close()' "$XT_PEER" "$PLATE" >"$XT_TMP/late.log" 2>&1
xt_wait_port "$PLATE"
# the server's side sends at RATE: a download of MIB MiB takes seconds
ip netns exec "$XT_NS_B" tc qdisc add dev xb0 root tbf rate "$RATE" \
    burst 32kbit latency 400ms ||
    xt_fail "cannot add a tbf qdisc on the server's veth"

# The capture, on the server's veth: headers only.
ip netns exec "$XT_NS_B" timeout -k 2 120 tshark -i xb0 -s 128 -q \
    -f "tcp portrange $PSLOW-$PLATE" -w "$PCAP" \
    >"$XT_TMP/tshark.out" 2>"$XT_TMP/tshark.err" &
TS=$!
XT_PIDS+=("$TS")
for (( i = 0; i < 100; i++ )); do
	grep -q "Capturing on" "$XT_TMP/tshark.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "Capturing on" "$XT_TMP/tshark.err" ||
    { xt_dump "$XT_TMP/tshark.err"; xt_fail "tshark did not start capturing"; }

# watchers [NS]: live (not zombie) xtcp-watch processes in the shim's
# namespace (or NS), one PID a line.
watchers() {
	local p st
	for p in $(ip netns pids "${1:-$XT_NS_A}" 2>/dev/null); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == xtcp-watch ]] ||
		    continue
		st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
		[[ -n $st && $st != Z ]] && echo "$p"
	done
}

# watchers_gone WHAT [NS]: none within 5 s, else a problem.
watchers_gone() {
	local i
	(( kmode )) && return 0
	for (( i = 0; i < 50; i++ )); do
		[[ -z $(watchers "${2:-}") ]] && return 0
		sleep 0.1
	done
	problems+=("$1: a watcher is still running 5 s later: $(watchers "${2:-}")")
}

# established PORT [CPORT]: the server's ESTABLISHED connections on
# PORT (from client port CPORT), one a line, but those of earlier crashes.
established() {
	local f="( sport = :$1 )" c
	[[ -n ${2:-} ]] && f="( sport = :$1 and dport = :$2 )"
	ip netns exec "$XT_NS_B" ss -Htn state established "$f" 2>/dev/null |
	    while read -r line; do
		for c in "${CPORTS[@]}"; do
			[[ -z ${2:-} && "$line " == *":$c "* ]] && continue 2
		done
		echo "$line"
	done
}

size_of() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

CPORTS=()	# the client port of each crash, for the capture

# crash HOW: curl under the shim in a session and process group of its
# own (a terminal's foreground job), killed mid-download by HOW (kill9:
# SIGKILL to curl; sigint: SIGINT to its process group).
crash() {
	local how=$1 out=$XT_TMP/out-$1 err=$XT_TMP/curl-$1.err envs=()
	local pid i w rc t0 t1 conn cport sid wsid

	mapfile -t envs < <(XTCP_LOG=info xt_shim_env)
	# (a background job of a script starts with SIGINT ignored: undo)
	setsid ip netns exec "$XT_NS_A" env --default-signal=INT "${envs[@]}" \
	    curl -sS -o "$out" "http://$XT_PEER:$PSLOW/big" 2>"$err" &
	pid=$!
	XT_PIDS+=("$pid")
	for (( i = 0; i < 100; i++ )); do
		(( $(size_of "$out") >= MIN_BYTES )) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if (( $(size_of "$out") < MIN_BYTES )) || ! kill -0 "$pid" 2>/dev/null; then
		xt_dump "$err"
		xt_fail "$how: curl is not in the middle of the download ($(size_of "$out") bytes)"
	fi
	conn=$(established "$PSLOW")
	[[ $(wc -l <<<"$conn") == 1 && -n $conn ]] ||
	    xt_fail "$how: the server should hold one connection: '$conn'"
	cport=$(awk '{ n = split($4, a, ":"); print a[n] }' <<<"$conn")
	CPORTS+=("$cport")
	if (( ! kmode )); then
		w=$(watchers)
		if [[ $(wc -w <<<"$w") != 1 ]]; then
			problems+=("$how: one watcher expected, found '$w'")
		else
			sid=$(ps -o sid= -p "$pid" | tr -d ' ')
			wsid=$(ps -o sid= -p "$w" | tr -d ' ')
			[[ $wsid == "$w" && $wsid != "$sid" ]] ||
			    problems+=("$how: the watcher $w is in session $wsid, curl $pid in $sid")
			[[ $(ps -o ppid= -p "$w" | tr -d ' ') != "$pid" ]] ||
			    problems+=("$how: the watcher is curl's child")
		fi
	fi
	case $how in
	kill9)	kill -KILL "$pid" ;;
	sigint)	kill -INT -- "-$pid" ;;
	esac
	t0=$(xt_now_ms)
	wait "$pid" 2>/dev/null
	rc=$?
	case $how in
	kill9)	(( rc == 137 )) || problems+=("$how: curl's status $rc, want 137 (SIGKILL)") ;;
	sigint)	(( rc == 130 )) || problems+=("$how: curl's status $rc, want 130 (SIGINT)") ;;
	esac
	for (( i = 0; i < 50; i++ )); do
		[[ -z $(established "$PSLOW" "$cport") ]] && break
		sleep 0.1
	done
	t1=$(xt_now_ms)
	if [[ -n $(established "$PSLOW" "$cport") ]]; then
		problems+=("$how: the server's connection from port $cport is still ESTABLISHED 5 s after curl died")
	else
		xt_log "$how: the server's connection (client port $cport) was gone $(( t1 - t0 )) ms after curl died"
	fi
	watchers_gone "$how"
	if (( ! kmode )) &&
	    ! grep -q "watcher: process $pid died holding connections: 1 reset" "$err"; then
		xt_dump "$err"
		problems+=("$how: the watcher did not say it reset curl's connection")
	fi
}

crash kill9
crash sigint

# ---- 6: a family: the parent dies first, then its child ----
family_crash() {
	local out=$XT_TMP/out-family err=$XT_TMP/family.err envs=() pid kid
	local i conn cport s1 s2 w

	mapfile -t envs < <(XTCP_LOG=info xt_shim_env)
	# shellcheck disable=SC2016
	setsid ip netns exec "$XT_NS_A" env "${envs[@]}" python3 -c '
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /big HTTP/1.0\r\n\r\n")
s.recv(4096)
kid = os.fork()
if kid == 0:
    with open(sys.argv[3], "wb") as f:
        while True:
            b = s.recv(65536)
            if not b:
                break
            f.write(b)
            f.flush()
    os._exit(0)
print(kid, flush=True)
time.sleep(60)' "$XT_PEER" "$PSLOW" "$out" >"$XT_TMP/family.out" 2>"$err" &
	pid=$!
	XT_PIDS+=("$pid")
	for (( i = 0; i < 100; i++ )); do
		(( $(size_of "$out") >= MIN_BYTES )) && break
		sleep 0.1
	done
	kid=$(head -1 "$XT_TMP/family.out")
	conn=$(established "$PSLOW")
	if [[ -z $kid || -z $conn ]] || (( $(size_of "$out") < MIN_BYTES )); then
		xt_dump "$err"
		problems+=("family: the child is not in the middle of the download")
		return
	fi
	XT_PIDS+=("$kid")
	cport=$(awk '{ n = split($4, a, ":"); print a[n]; exit }' <<<"$conn")
	CPORTS+=("$cport")
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	s1=$(size_of "$out")
	sleep 1.5
	s2=$(size_of "$out")
	[[ -n $(established "$PSLOW" "$cport") ]] ||
	    problems+=("family: the connection was reset when the parent died, the child still held it")
	(( s2 > s1 )) ||
	    problems+=("family: the child's download stopped when the parent died ($s1 -> $s2 bytes)")
	w=$(watchers)
	(( kmode )) || [[ -n $w ]] ||
	    problems+=("family: the watcher left while the child lived")
	kill -KILL "$kid"
	for (( i = 0; i < 50; i++ )); do
		[[ -z $(established "$PSLOW" "$cport") ]] && break
		sleep 0.1
	done
	[[ -z $(established "$PSLOW" "$cport") ]] ||
	    problems+=("family: the connection is still ESTABLISHED 5 s after the child died")
	watchers_gone "family"
	if (( ! kmode )) && ! grep -q "watcher: process $pid and its family died holding connections: 1 reset" "$err"; then
		xt_dump "$err"
		problems+=("family: the watcher did not say it reset the family's connection")
	fi
	xt_log "family: the download went on in the child ($s1 -> $s2 bytes) after the parent's death; reset after the child's"
}
family_crash

# ---- 3: a normal run ----
XTCP_LOG=info xt_shim 30 curl -sS --fail -o "$XT_TMP/out-small" \
    "http://$XT_PEER:$PFAST/small" 2>"$XT_TMP/curl-normal.err" ||
    { xt_dump "$XT_TMP/curl-normal.err"; xt_fail "curl of the small file failed"; }
xt_compare "$XT_TMP/www/small" "$XT_TMP/out-small"
watchers_gone "normal run"
if grep -q "watcher:" "$XT_TMP/curl-normal.err"; then
	problems+=("normal run: the watcher acted: $(grep watcher: "$XT_TMP/curl-normal.err")")
fi

# ---- 4: no child of the program's, its exit status kept ----
[[ -r /proc/self/task/$$/children || -r /proc/$$/task/$$/children ]] ||
    xt_skip "no /proc/PID/task/TID/children here (CONFIG_PROC_CHILDREN)"
# shellcheck disable=SC2016
# The stack socket is opened by bash itself (the engine and the watcher
# are bash's; its child sleep, started before, shares no socket), which
# closes it at exit 0.3 s before the server does: the
# watcher then finds a connection closing in order (FIN-WAIT-2) and lets
# it end by itself (the server's FIN, TIME-WAIT), without an RST.
XTCP_LOG=info xt_shim 20 bash -c '
	n=0
	trap "n=\$(( n + 1 ))" CHLD
	sleep 0.3 &		# before the socket: no member of its family
	exec {fd}<>"/dev/tcp/$1/$2" || exit 10
	wait			# a watcher child would hang it
	read -r kids </proc/$$/task/$$/children
	[[ -z $kids ]] || { echo "children: $kids" >&2; exit 11; }
	(( n == 1 )) || { echo "$n SIGCHLDs, one child" >&2; exit 12; }
	exit 3' bash "$XT_PEER" "$PLATE" 2>"$XT_TMP/bash.err"
rc=$?
if (( rc != 3 )); then
	xt_dump "$XT_TMP/bash.err"
	problems+=("bash under the shim exited with $rc, want its own 3 (124: its wait hung)")
fi
watchers_gone "bash"
xt_wait_pid "$LATE" 5 || problems+=("the bash client's server did not end")

sleep 0.5
kill -TERM "$TS" 2>/dev/null
xt_wait_pid "$TS" 10
[[ -s $PCAP ]] || xt_fail "no capture written"


# rst_exact SHIM PEER CPORT: in $PCAP, an RST from SHIM's port CPORT
# whose sequence number is the last acknowledgment number PEER sent it.
rst_exact() {
	local shim=$1 peer=$2 cport=$3 fno seq ack
	read -r fno seq <<<"$(xt_tsf "$PCAP" "ip.src == $shim && tcp.srcport == $cport && tcp.flags.reset == 1" \
	    frame.number tcp.seq_raw | head -1)"
	if [[ -z ${fno:-} ]]; then
		problems+=("client port $cport: no RST from $shim in the server's capture")
		return
	fi
	ack=$(xt_tsf "$PCAP" "ip.src == $peer && tcp.dstport == $cport && frame.number < $fno" \
	    tcp.ack_raw | tail -1)
	if [[ $seq != "$ack" ]]; then
		problems+=("client port $cport: the RST's sequence number $seq is not the server's RCV.NXT $ack")
	else
		xt_log "client port $cport: RST at $seq, the server's RCV.NXT"
	fi
}

# ---- the resets of 1 and 2: from the shim, at the server's RCV.NXT ----
for cport in "${CPORTS[@]}"; do
	rst_exact "$XT_SHIM" "$XT_PEER" "$cport"
done
for p in $PFAST $PLATE; do
	n=$(xt_tsf "$PCAP" "ip.src == $XT_SHIM && tcp.dstport == $p && tcp.flags.reset == 1" \
	    frame.number | wc -l)
	(( n == 0 )) || problems+=("$n RSTs from the shim on a normal run (port $p)")
	n=$(xt_tsf "$PCAP" "ip.src == $XT_SHIM && tcp.dstport == $p && tcp.flags.syn == 1" \
	    frame.number | wc -l)
	(( n == 1 )) || problems+=("$n connections to port $p in the capture, want 1")
done

# ---- 5: through a TAP on io_uring ----
tap_crash() {
	local ns=$XT_NAME-t out=$XT_TMP/out-tap err=$XT_TMP/curl-tap.err
	local envs pid i conn cport tsp

	if [[ ! -c /dev/net/tun ]] || (( kmode )); then
		xt_log "the TAP case is left out (kernel mode, or no /dev/net/tun)"
		return 0
	fi
	ip netns add "$ns" 2>/dev/null || { problems+=("TAP: no namespace"); return; }
	xt_at_exit "ip netns del $ns"
	ip -n "$ns" link set dev lo up
	if ! ip -n "$ns" tuntap add dev "$TAP" mode tap 2>"$XT_TMP/tap.err"; then
		xt_dump "$XT_TMP/tap.err"
		xt_log "cannot create a TAP device: the TAP case is left out"
		return 0
	fi
	ip -n "$ns" addr add "$TKADDR/24" dev "$TAP"
	ip -n "$ns" link set dev "$TAP" up
	ip netns exec "$ns" tc qdisc add dev "$TAP" root tbf rate "$RATE" \
	    burst 32kbit latency 400ms
	ip netns exec "$ns" timeout -k 2 60 python3 -m http.server "$PTAP" \
	    --bind "$TKADDR" --directory "$XT_TMP/www" >"$XT_TMP/server-tap.log" 2>&1 &
	XT_PIDS+=($!)
	PCAP=$XT_TMP/tap.pcap
	ip netns exec "$ns" timeout -k 2 60 tshark -i "$TAP" -s 128 -q \
	    -f "tcp port $PTAP" -w "$PCAP" >/dev/null 2>"$XT_TMP/tshark-tap.err" &
	tsp=$!
	XT_PIDS+=("$tsp")
	for (( i = 0; i < 100; i++ )); do
		grep -q "Capturing on" "$XT_TMP/tshark-tap.err" 2>/dev/null &&
		    ip netns exec "$ns" ss -Hltn "sport = :$PTAP" | grep -q . && break
		sleep 0.1
	done
	envs=("LD_PRELOAD=$(xt_preload)" "XTCP_TAP=$TAP" "XTCP_ADDR=$TSADDR/24"
	    XTCP_LOG=info "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}")
	ip netns exec "$ns" env "${envs[@]}" curl -sS -o "$out" \
	    "http://$TKADDR:$PTAP/big" 2>"$err" &
	pid=$!
	XT_PIDS+=("$pid")
	for (( i = 0; i < 100; i++ )); do
		(( $(size_of "$out") >= MIN_BYTES )) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	conn=$(ip netns exec "$ns" ss -Htn state established "( sport = :$PTAP )")
	if (( $(size_of "$out") < MIN_BYTES )) || [[ -z $conn ]]; then
		xt_dump "$err"
		problems+=("TAP: curl is not in the middle of the download")
		return
	fi
	cport=$(awk '{ n = split($4, a, ":"); print a[n]; exit }' <<<"$conn")
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	for (( i = 0; i < 50; i++ )); do
		[[ -z $(ip netns exec "$ns" ss -Htn state established "( sport = :$PTAP )") ]] && break
		sleep 0.1
	done
	[[ -z $(ip netns exec "$ns" ss -Htn state established "( sport = :$PTAP )") ]] ||
	    problems+=("TAP: the server's connection is still ESTABLISHED 5 s after curl died")
	watchers_gone "TAP" "$ns"
	sleep 0.5
	kill -TERM "$tsp" 2>/dev/null
	xt_wait_pid "$tsp" 10
	rst_exact "$TSADDR" "$TKADDR" "$cport"
}
tap_crash

xt_verdict "the killed program's connection was not reset as a kernel's would be"
xt_pass
