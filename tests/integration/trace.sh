#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# trace.sh - issue 14 acceptance 4: XTCP_TRACE of a transfer through
# random loss has rows, and xtcp-plot draws them into a PNG.
#
# python3 under the shim sends a few MB to a kernel sink in the peer
# namespace while nftables drops 2% of the TCP frames arriving at the
# peer (numgen random on the peer veth's ingress, as loss_transfer.sh
# does; offloads off so one frame is one segment).  The trace must name
# the connection, keep time in order, have a nonzero window in every row,
# and show the losses: a row in recovery or after a timeout.  Then
# xtcp-plot turns it into an image with the PNG signature, and refuses a
# file that is not a trace.  An image exec'd by a traced process goes on
# in the same file; forked members write each row once.

. "$(dirname "$0")/lib.sh"

PORT=8095
MIB=${XTTEST_MIB:-4}
PCT=${XTTEST_LOSS_PCT:-2}
PLOT=$XTTEST_SRCDIR/contrib/xtcp-plot

XT_TOPO_OPTS=(--no-offload)
xt_setup python3 nft
[[ $XTTEST_KERNEL == 1 ]] && xt_skip "XTCP_TRACE is the shim's"

ip netns exec "$XT_NS_B" nft -f - <<-NFT 2>"$XT_TMP/nft.err" || {
table netdev xtloss {
	chain in {
		type filter hook ingress device "xb0" priority 0; policy accept;
		meta protocol ip ip protocol tcp numgen random mod 100 < $PCT counter drop
	}
}
NFT
	xt_dump "$XT_TMP/nft.err"
	xt_skip "nftables cannot add a netdev ingress chain here"
}

# the sink: one connection, everything until EOF, the count back
cat >"$XT_TMP/sink.py" <<'PY'
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(1)
c, _ = ls.accept()
n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    n += len(b)
c.sendall(str(n).encode())
c.close()
PY
cat >"$XT_TMP/send.py" <<'PY'
import socket, sys, time
host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(100):
    try:
        s = socket.create_connection((host, port), timeout=60)
        break
    except ConnectionRefusedError:
        time.sleep(0.1)
else:
    sys.exit("sink never listened")
chunk = b"t" * 65536
left = size
while left > 0:
    s.sendall(chunk[:min(left, len(chunk))])
    left -= min(left, len(chunk))
s.shutdown(socket.SHUT_WR)
print(s.recv(64).decode())
PY
size=$(( MIB * 1048576 ))
xt_peer_bg SINK 120 python3 "$XT_TMP/sink.py" "$XT_PEER" "$PORT" \
    >"$XT_TMP/sink.log" 2>&1
xt_wait_port "$PORT"

t0=$(xt_now_ms)
xt_shim 110 XTCP_TRACE="$XT_TMP/trace-%p.csv" python3 "$XT_TMP/send.py" \
    "$XT_PEER" "$PORT" "$size" >"$XT_TMP/send.out" 2>"$XT_TMP/send.err"
rc=$?
t1=$(xt_now_ms)
drops=$(ip netns exec "$XT_NS_B" nft list table netdev xtloss 2>/dev/null |
    awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }')
xt_log "$MIB MiB in $(( t1 - t0 )) ms; nft dropped $drops frames"
if (( rc != 0 )); then
	xt_dump "$XT_TMP/send.err" "$XT_TMP/sink.log"
	xt_fail "the sender exited with status $rc"
fi
[[ $(cat "$XT_TMP/send.out") == "$size" ]] ||
    xt_fail "the sink got $(cat "$XT_TMP/send.out") bytes, want $size"
(( drops > 0 )) || xt_fail "nftables dropped nothing: no loss to trace"

# ---- the trace ----
files=("$XT_TMP"/trace-*.csv)
(( ${#files[@]} == 1 )) && [[ -f ${files[0]} ]] ||
    xt_fail "want one trace file, got: ${files[*]}"
tr=${files[0]}
[[ $tr == "$XT_TMP/trace-"[0-9]*.csv ]] || xt_fail "%p not a pid: $tr"
hdr="time_us,event,conn,state,ca_state,cc,cwnd,ssthresh,srtt_us,rttvar_us,rto_us,inflight,delivered,retransmitted,mss"
[[ $(head -n 1 "$tr") == "$hdr" ]] ||
    xt_fail "header: $(head -n 1 "$tr")"
conn_re="^$XT_SHIM:[0-9]+->$XT_PEER:$PORT\$"
summary=$(awk -F, -v re="${conn_re//./[.]}" -v size="$size" '
NR == 1 { next }
{
	rows++
	if (NF != 15) { printf "line %d: %d fields\n", NR, NF; exit 1 }
	if ($3 !~ re) { printf "line %d: connection %s\n", NR, $3; exit 1 }
	if ($1 !~ /^[0-9]+$/ || (rows > 1 && $1 + 0 < last)) {
		printf "line %d: time %s after %s\n", NR, $1, last; exit 1
	}
	if ($7 + 0 <= 0) { printf "line %d: cwnd %s\n", NR, $7; exit 1 }
	if ($2 != "ack" && $2 != "rto") { printf "line %d: event %s\n", NR, $2; exit 1 }
	if ($5 !~ /^(open|disorder|cwr|recovery|loss)$/) {
		printf "line %d: ca_state %s\n", NR, $5; exit 1
	}
	if ($6 == "") { printf "line %d: no cc\n", NR; exit 1 }
	if (first == "") first = $1
	last = $1 + 0
	if ($2 == "rto") rto++
	if ($5 == "recovery") rec++
	if ($5 == "loss") loss++
	if ($9 + 0 > 0) srtt++
	deliv = $13 + 0
	retr = $14 + 0
}
END {
	if (rows < 100) { printf "only %d rows\n", rows; exit 1 }
	if (last <= first) { printf "time stands still at %s\n", last; exit 1 }
	if (rec + rto == 0) { print "no row in recovery or after a timeout"; exit 1 }
	if (srtt == 0) { print "srtt never set"; exit 1 }
	if (retr == 0) { print "nothing retransmitted"; exit 1 }
	if (deliv < size) { printf "delivered %d < %d\n", deliv, size; exit 1 }
	printf "%d rows over %.2f s: %d in recovery, %d in loss, %d timeouts, %d bytes retransmitted\n",
	    rows, (last - first) / 1e6, rec, loss, rto, retr
}' "$tr") || {
	xt_dump "$tr"
	xt_fail "trace: $summary"
}
xt_log "trace: $summary"

# ---- an image exec'd with the connection appends to its pid's file ----
# python sends a first part and execs cat on the socket: the rows after
# the exec are cat's, in the same file under one header, up to the last
# byte acknowledged
ip netns exec "$XT_NS_B" nft delete table netdev xtloss 2>/dev/null
PORT=$(( PORT + 1 ))
xt_random_file "$XT_TMP/rest" 1
xt_peer_bg SINK2 60 python3 "$XT_TMP/sink.py" "$XT_PEER" "$PORT" \
    >"$XT_TMP/sink2.log" 2>&1
xt_wait_port "$PORT"
xt_shim 60 XTCP_TRACE="$XT_TMP/exec-%p.csv" python3 -c '
import os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"first part, from python\n")
os.dup2(s.fileno(), 1)
os.execvp("cat", ["cat", sys.argv[3]])' "$XT_PEER" "$PORT" "$XT_TMP/rest" \
    2>"$XT_TMP/exec.err"
rc=$?
xt_wait_pid "$SINK2" 20
want=$(( 24 + 1048576 ))
if (( rc != 0 )); then
	xt_dump "$XT_TMP/exec.err" "$XT_TMP/sink2.log"
	xt_fail "exec: the shimmed side exited with status $rc"
fi
files=("$XT_TMP"/exec-*.csv)
(( ${#files[@]} == 1 )) && [[ -f ${files[0]} ]] ||
    xt_fail "exec: want one trace file, got: ${files[*]}"
n=$(grep -c '^time_us,' "${files[0]}")
(( n == 1 )) || xt_fail "exec: $n header lines, want 1"
last=$(tail -n 1 "${files[0]}" | cut -d, -f13)
(( last == want )) || {
	xt_dump "${files[0]}" "$XT_TMP/exec.err"
	xt_fail "exec: the last row has $last bytes delivered, want $want (cat's rows missing?)"
}
xt_log "exec: $(( $(wc -l <"${files[0]}") - 1 )) rows, the last at $last bytes delivered"

# ---- a family: each row once, in the file of the member that drove ----
# python sends on a connection, closes it and forks twice: a child that
# exits at once, and one that sends on a second connection.  The members share one stack, so either may process either
# connection's ACKs: the rows of both, over the %p files, reach every
# byte, each row once (the buffer a child inherits is its parent's to
# write), each file under one header.
PORT=$(( PORT + 1 ))
cat >"$XT_TMP/sink2.py" <<'PY'
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(4)
for k in range(2):
    c, _ = ls.accept()
    while c.recv(1 << 16):
        pass
    c.close()
PY
xt_peer_bg SINK3 60 python3 "$XT_TMP/sink2.py" "$XT_PEER" "$PORT" \
    >"$XT_TMP/sink3.log" 2>&1
xt_wait_port "$PORT"
xt_shim 60 XTCP_TRACE="$XT_TMP/fork-%p.csv" python3 -c '
import os, socket, sys
a = (sys.argv[1], int(sys.argv[2]))
s = socket.create_connection(a)
s.sendall(b"x" * 300000)
s.close()
idle = os.fork()
if idle == 0:
    # exits holding a copy of the rows buffered so far, the descriptor
    # number of the trace file now a file of its own
    os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT, 0o644)
    sys.exit(0)
os.waitpid(idle, 0)
pid = os.fork()
if pid == 0:
    s = socket.create_connection(a)
    s.sendall(b"y" * 200000)
    s.close()
    sys.exit(0)
os.waitpid(pid, 0)' "$XT_PEER" "$PORT" "$XT_TMP/idle.out" 2>"$XT_TMP/fork.err" ||
    xt_fail "fork: the shimmed side failed: $(cat "$XT_TMP/fork.err")"
xt_wait_pid "$SINK3" 20
[[ -s $XT_TMP/idle.out ]] &&
    xt_fail "fork: a child's exit wrote its parent's rows into a file of the child's: $(head -c 200 "$XT_TMP/idle.out")"
files=("$XT_TMP"/fork-*.csv)
[[ -f ${files[0]} ]] || xt_fail "fork: no trace file"
for f in "${files[@]}"; do
	n=$(grep -c '^time_us,' "$f")
	(( n == 1 )) || xt_fail "fork: $n header lines in ${f##*/}"
done
dups=$(cat "${files[@]}" | grep -v '^time_us,' | sort | uniq -d | wc -l)
(( dups == 0 )) || xt_fail "fork: $dups rows written twice"
got=$(cat "${files[@]}" | grep -v '^time_us,' | awk -F, '
{ if ($13 + 0 > m[$3]) m[$3] = $13 + 0 }
END { for (c in m) print m[c] }' | sort -n | tr '\n' ' ')
[[ $got == "200000 300000 " ]] ||
    xt_fail "fork: the connections reach $got bytes delivered, want 200000 300000"
xt_log "fork: ${#files[@]} files, each row once, both connections whole"

# ---- the plot ----
if ! command -v gnuplot >/dev/null 2>&1; then
	xt_skip "no gnuplot to draw the trace (apt-get install gnuplot-nox)"
fi
"$PLOT" -t "$MIB MiB through $PCT% loss" -o "$XT_TMP/trace.png" "$tr" \
    2>"$XT_TMP/plot.err" || {
	xt_dump "$XT_TMP/plot.err"
	xt_fail "xtcp-plot failed"
}
[[ -s $XT_TMP/trace.png ]] || xt_fail "xtcp-plot wrote an empty file"
sig=$(head -c 8 "$XT_TMP/trace.png" | od -An -tx1 | tr -d ' \n')
[[ $sig == 89504e470d0a1a0a ]] || xt_fail "not a PNG: signature $sig"
xt_log "xtcp-plot: $(stat -c %s "$XT_TMP/trace.png") bytes of PNG"
echo "not,a,trace" >"$XT_TMP/bad.csv"
if "$PLOT" -o "$XT_TMP/bad.png" "$XT_TMP/bad.csv" 2>"$XT_TMP/bad.err"; then
	xt_fail "xtcp-plot accepted a file that is not a trace"
fi
grep -q "not an XTCP_TRACE file" "$XT_TMP/bad.err" ||
    xt_fail "xtcp-plot on a bad file said: $(cat "$XT_TMP/bad.err")"
# XTTEST_KEEP_PNG / XTTEST_KEEP_TRACE: copies, to look at
if [[ -n ${XTTEST_KEEP_PNG:-} ]]; then
	cp "$XT_TMP/trace.png" "$XTTEST_KEEP_PNG"
fi
if [[ -n ${XTTEST_KEEP_TRACE:-} ]]; then
	cp "$tr" "$XTTEST_KEEP_TRACE"
fi
xt_pass "$(wc -l <"$tr") trace lines through $PCT% loss, drawn"
