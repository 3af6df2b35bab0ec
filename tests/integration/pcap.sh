#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# pcap.sh - issue 14, acceptance 3: XTCP_PCAP.  A shimmed curl fetches a
# file from the kernel's HTTP server (python3 http.server) in the peer
# namespace with XTCP_PCAP=DIR/cap-%p.pcap:
#   1. the capture is cap-PID.pcap, PID curl's (the shell that starts it
#      execs it, so its $$ is curl's pid), and no other file appears;
#   2. tshark reads it with nothing on standard error, no malformed frame
#      and no expert item of severity warning or error (but those about
#      the flow: a zero or full window, a zero-window probe, a D-SACK);
#   3. it holds this connection's SYN, SYN-ACK, the request, the
#      response and a FIN each way; the TCP payload from the server
#      (retransmissions not counted) is the file plus the response
#      headers curl saw (curl -D), byte for byte;
#   4. with XTCP_PCAP_MAX_MB=1 and XTCP_PCAP_FILES=3, a 6 MiB fetch leaves
#      FILE, FILE.1 and FILE.2 (not FILE.3), each at most 1 MiB, each
#      readable as in 2, FILE.2 beginning after FILE.1 ends;
#   4b. a forking client (python3): the parent's and the child's
#      captures are two files, f-PPID.pcap and f-CPID.pcap, each readable,
#      with the two SYNs between them; without %p the child writes
#      nothing and the one file is readable with the parent's SYN;
#   5. a malformed XTCP_PCAP or XTCP_PCAP_MAX_MB is one clear error line.
# Needs tshark (Debian: apt-get install tshark).

. "$(dirname "$0")/lib.sh"

PORT=8080
KIB=${XTTEST_KIB:-300}

[[ $XTTEST_KERNEL == 1 ]] && xt_skip "XTCP_PCAP is the shim's: nothing to check on the kernel"
xt_setup curl python3 ss tshark
mkdir "$XT_TMP/www" "$XT_TMP/cap" "$XT_TMP/rot"
chmod 777 "$XT_TMP/cap" "$XT_TMP/rot"
head -c $(( KIB * 1024 )) /dev/urandom >"$XT_TMP/www/small" ||
    xt_fail "cannot write the small file"
xt_random_file "$XT_TMP/www/big" 6

xt_peer_bg SRV 120 python3 -m http.server "$PORT" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/server.log" 2>&1
xt_wait_port "$PORT"

# readable FILE [mid]: tshark reads FILE silently, no malformed frame,
# no expert warning or error.  "mid": FILE begins in the middle of a
# connection (a rotated file): the segments before it are missing, and
# the payload is not HTTP from its start (the dissector would take bytes
# of the file body for headers), so HTTP is not dissected.
readable() {
	local f=$1 more="" opts=() bad
	if [[ ${2:-} == mid ]]; then
		more="&& !tcp.analysis.lost_segment && !tcp.analysis.ack_lost_segment"
		opts=(--disable-protocol http)
	fi
	tshark "${opts[@]}" -n -r "$f" >"$XT_TMP/tshark.out" 2>"$XT_TMP/tshark.err" ||
	    { xt_dump "$XT_TMP/tshark.err"; xt_fail "tshark cannot read $f"; }
	# (as root tshark says so: not about the file)
	grep -v '^Running as user "root"' "$XT_TMP/tshark.err" >"$XT_TMP/tshark.err2"
	mv "$XT_TMP/tshark.err2" "$XT_TMP/tshark.err"
	[[ -s $XT_TMP/tshark.err ]] &&
	    { xt_dump "$XT_TMP/tshark.err"; xt_fail "tshark complains about $f"; }
	bad=$(tshark "${opts[@]}" -n -r "$f" -Y "_ws.malformed || (_ws.expert.severity >= 0x600000 $FLOW $more)" \
	    2>&1 | grep -v '^Running as user "root"' | head -n 5)
	[[ -z $bad ]] || { echo "$bad"; tshark -n -q -r "$f" -z expert,warn 2>/dev/null | head -n 20; xt_fail "malformed or warned frames in $f"; }
}

# expert warnings about the flow, not the file: the receiver (curl writing
# to disk) may fill its window for a moment, and on a loaded machine a
# retransmission may be spurious and the receiver say so with a D-SACK
FLOW="&& !tcp.analysis.zero_window && !tcp.analysis.window_full"
FLOW+=" && !tcp.analysis.zero_window_probe && !tcp.analysis.zero_window_probe_ack"
FLOW+=" && !tcp.options.sack.dsack"

# count FILE FILTER: frames of FILE that FILTER matches.
count() {
	tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# ---- 1..3: one fetch, the capture named by pid ----
xt_shim 60 env XTCP_PCAP="$XT_TMP/cap/cap-%p.pcap" sh -c \
    'echo $$ >"$0/curl.pid"; exec curl -sS --fail --max-time 50 -D "$0/hdr" -o "$0/out" "$1"' \
    "$XT_TMP" "http://$XT_PEER:$PORT/small" 2>"$XT_TMP/curl.err" ||
    { xt_dump "$XT_TMP/curl.err"; xt_fail "curl failed"; }
xt_compare "$XT_TMP/www/small" "$XT_TMP/out"
pid=$(cat "$XT_TMP/curl.pid")
F=$XT_TMP/cap/cap-$pid.pcap
[[ -f $F ]] || { ls -l "$XT_TMP/cap"; xt_fail "no capture $F (%p should be $pid)"; }
n=$(find "$XT_TMP/cap" -type f | wc -l)
(( n == 1 )) || { ls -l "$XT_TMP/cap"; xt_fail "$n capture files, expected 1"; }
[[ -s $XT_TMP/curl.err ]] && { xt_dump "$XT_TMP/curl.err"; xt_fail "the shim or curl said something"; }
readable "$F"

C="ip.addr == $XT_SHIM && ip.addr == $XT_PEER && tcp.port == $PORT"
syn=$(count "$F" "$C && ip.src == $XT_SHIM && tcp.flags.syn == 1 && tcp.flags.ack == 0")
synack=$(count "$F" "$C && ip.src == $XT_PEER && tcp.flags.syn == 1 && tcp.flags.ack == 1")
req=$(count "$F" "$C && ip.src == $XT_SHIM && http.request.method == \"GET\"")
fin_c=$(count "$F" "$C && ip.src == $XT_SHIM && tcp.flags.fin == 1")
fin_s=$(count "$F" "$C && ip.src == $XT_PEER && tcp.flags.fin == 1")
xt_log "SYN $syn, SYN-ACK $synack, GET $req, FIN from the shim $fin_c, from the server $fin_s"
(( syn >= 1 && synack >= 1 )) || xt_fail "the handshake is not in the capture"
(( req == 1 )) || xt_fail "the request is not in the capture"
(( fin_c >= 1 && fin_s >= 1 )) || xt_fail "the FIN exchange is not in the capture"
# the last frame of the connection: the ACK of the server's FIN (the
# side that closes second gets one), or the shim's FIN if it closed last
got=$(tshark -n -r "$F" -Y "$C && ip.src == $XT_PEER && !tcp.analysis.retransmission && !tcp.analysis.fast_retransmission" \
    -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
want=$(( KIB * 1024 + $(stat -c %s "$XT_TMP/hdr") ))
xt_log "TCP payload from the server: $got bytes, file plus headers $want"
(( got == want )) || xt_fail "the capture holds $got bytes from the server, expected $want"
sent=$(tshark -n -r "$F" -Y "$C && ip.src == $XT_SHIM" -T fields -e tcp.len 2>/dev/null |
    awk '{ s += $1 } END { print s + 0 }')
(( sent > 0 )) || xt_fail "no payload from the shim in the capture"

# ---- 4: cap and rotation ----
R=$XT_TMP/rot/rot.pcap
xt_shim 60 env XTCP_PCAP="$R" XTCP_PCAP_MAX_MB=1 XTCP_PCAP_FILES=3 \
    curl -sS --fail --max-time 50 -o "$XT_TMP/out.big" \
    "http://$XT_PEER:$PORT/big" 2>"$XT_TMP/curl2.err" ||
    { xt_dump "$XT_TMP/curl2.err"; xt_fail "curl (6 MiB) failed"; }
xt_compare "$XT_TMP/www/big" "$XT_TMP/out.big"
ls -l "$XT_TMP/rot" >"$XT_TMP/rot.ls"
for f in "$R" "$R.1" "$R.2"; do
	[[ -f $f ]] || { cat "$XT_TMP/rot.ls"; xt_fail "no $f after rotation"; }
	sz=$(stat -c %s "$f")
	(( sz <= 1048576 )) || xt_fail "$f has $sz bytes, over the 1 MiB cap"
	# each file but the first starts in the middle of the stream
	readable "$f" mid
done
[[ -e $R.3 ]] && { cat "$XT_TMP/rot.ls"; xt_fail "$R.3 kept: XTCP_PCAP_FILES=3 keeps three"; }
(( $(stat -c %s "$R.1") > 900000 )) || xt_fail "$R.1 is not a full file"
last=$(tshark -n -r "$R.2" -T fields -e frame.time_epoch 2>/dev/null | tail -n 1)
first=$(tshark -n -r "$R.1" -T fields -e frame.time_epoch 2>/dev/null | head -n 1)
awk -v a="$last" -v b="$first" 'BEGIN { exit !(a <= b) }' ||
    xt_fail "$R.1 (from $first) does not follow $R.2 (to $last)"

# ---- 4b: a fork child writes its own file, or none without %p ----
cat >"$XT_TMP/fork.py" <<'PY'
import os, socket, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get():
    s = socket.create_connection((host, port))
    s.sendall(b"GET /small HTTP/1.0\r\n\r\n")
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        n += len(b)
    s.close()
    return n
a = get()
pid = os.fork()
if pid == 0:
    sys.exit(0 if get() > 1000 else 1)
_, st = os.waitpid(pid, 0)
with open(out, "w") as f:
    f.write("%d %d\n" % (os.getpid(), pid))
sys.exit(0 if a > 1000 and st == 0 else 1)
PY
mkdir "$XT_TMP/fork" "$XT_TMP/fork1"
chmod 777 "$XT_TMP/fork" "$XT_TMP/fork1"
xt_shim 60 env XTCP_PCAP="$XT_TMP/fork/f-%p.pcap" python3 "$XT_TMP/fork.py" \
    "$XT_PEER" "$PORT" "$XT_TMP/fork.pids" 2>"$XT_TMP/fork.err" ||
    { xt_dump "$XT_TMP/fork.err"; xt_fail "the forking client failed"; }
read -r ppid cpid <"$XT_TMP/fork.pids"
syns=0
for p in "$ppid" "$cpid"; do
	f=$XT_TMP/fork/f-$p.pcap
	[[ -f $f ]] || { ls -l "$XT_TMP/fork"; xt_fail "no capture $f of process $p"; }
	# a member captures what it sends and receives: any of a shared
	# connection's segments may be in the other's file
	readable "$f" mid
	syns=$(( syns + $(count "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0") ))
done
(( syns == 2 )) || xt_fail "$syns SYNs in the parent's and child's files, expected 2"
n=$(find "$XT_TMP/fork" -type f | wc -l)
(( n == 2 )) || { ls -l "$XT_TMP/fork"; xt_fail "$n files from a parent and a child"; }
xt_shim 60 env XTCP_PCAP="$XT_TMP/fork1/one.pcap" python3 "$XT_TMP/fork.py" \
    "$XT_PEER" "$PORT" "$XT_TMP/fork1.pids" 2>"$XT_TMP/fork1.err" ||
    { xt_dump "$XT_TMP/fork1.err"; xt_fail "the forking client failed (no %p)"; }
n=$(find "$XT_TMP/fork1" -type f | wc -l)
(( n == 1 )) || { ls -l "$XT_TMP/fork1"; xt_fail "$n files without %p, expected 1"; }
readable "$XT_TMP/fork1/one.pcap" mid
(( $(count "$XT_TMP/fork1/one.pcap" "tcp.flags.syn == 1 && tcp.flags.ack == 0") == 1 )) ||
    xt_fail "the parent's file without %p does not hold exactly its own SYN"

# ---- 5: malformed values ----
for v in "XTCP_PCAP=$XT_TMP/x%d.pcap" "XTCP_PCAP_MAX_MB=ten" "XTCP_PCAP_FILES=0"; do
	xt_shim 20 env "$v" curl -sS --max-time 5 -o /dev/null \
	    "http://$XT_PEER:$PORT/small" >/dev/null 2>"$XT_TMP/bad.err"
	grep -q "^.*${v%%=*}: expected" "$XT_TMP/bad.err" ||
	    { xt_dump "$XT_TMP/bad.err"; xt_fail "no error line for $v"; }
done
xt_pass "capture of $(count "$F" "$C") frames, rotation into 3 files"
