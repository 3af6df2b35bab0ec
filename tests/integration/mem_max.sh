#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# mem_max.sh - XTCP_MEM_MAX end to end (issue 12, memory on demand): a
# program under the shim with a 4 MiB engine bound opens sockets until
# socket() fails with ENOBUFS (not at the socket limit: the bound comes
# first), gets one again once it closes one, then, with only a little
# memory left, receives 512 KiB from the kernel's nc: the transfer is
# byte-exact although data was dropped for lack of memory (counter
# tcp_rcv_nomem > 0), and the connection survives.

. "$(dirname "$0")/lib.sh"

PORT=5011
KIB=512

xt_setup nc python3
[[ $XTTEST_KERNEL == 1 ]] && xt_skip "XTCP_MEM_MAX is the stack's own"
xt_random_file "$XT_TMP/in" 1
head -c $((KIB * 1024)) "$XT_TMP/in" >"$XT_TMP/in.512" ||
    xt_fail "cannot cut the input"

# Not xt_peer_bg: a background job started inside a function gets
# /dev/null as stdin, whatever the function call's redirection says.
ip netns exec "$XT_NS_B" timeout -k 2 60 nc -N -l "$PORT" <"$XT_TMP/in.512" \
    >/dev/null 2>"$XT_TMP/snd.err" &
SND=$!
XT_PIDS+=("$SND")
xt_wait_port "$PORT"

cat >"$XT_TMP/prog.py" <<'PY'
import errno, socket, sys
peer, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
try:
    for i in range(100000):
        socks.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    print("no ENOBUFS after %d sockets" % len(socks))
    sys.exit(1)
except OSError as e:
    if e.errno != errno.ENOBUFS:
        print("socket() #%d failed with %s, want ENOBUFS" % (len(socks), e))
        sys.exit(1)
n = len(socks)
if n < 100:
    print("only %d sockets under 4 MiB" % n)
    sys.exit(1)
socks.pop().close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # room again
s.close()
# leave some 100 KB: enough to move, not enough for the 256 KB window
for i in range(100):
    socks.pop().close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(50)
s.connect((peer, port))
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
open(out, "wb").write(got)
print("sockets %d received %d" % (n, len(got)))
PY

rm -f "$XT_TMP/stats"
XTCP_STATS=$XT_TMP/stats xt_shim 60 env XTCP_MEM_MAX=4M \
    python3 "$XT_TMP/prog.py" "$XT_PEER" "$PORT" "$XT_TMP/out" \
    >"$XT_TMP/prog.out" 2>&1
rc=$?
cat "$XT_TMP/prog.out"
(( rc == 0 )) || { xt_dump "$XT_TMP/snd.err"; xt_fail "the program failed (status $rc)"; }
xt_wait_pid "$SND" 15 || xt_fail "the kernel's nc did not finish"
xt_compare "$XT_TMP/in.512" "$XT_TMP/out"
drops=$(awk '$1 == "tcp_rcv_nomem" { print $2 }' "$XT_TMP/stats" 2>/dev/null)
nomem=$(awk '$1 == "tcp_sock_nomem" { print $2 }' "$XT_TMP/stats" 2>/dev/null)
(( ${nomem:-0} >= 1 )) || xt_fail "tcp_sock_nomem is ${nomem:-missing}, want >= 1"
(( ${drops:-0} >= 1 )) || xt_fail "tcp_rcv_nomem is ${drops:-missing}: nothing was dropped, the test did not press"
xt_pass "$(tail -1 "$XT_TMP/prog.out"), tcp_sock_nomem $nomem, tcp_rcv_nomem $drops"
