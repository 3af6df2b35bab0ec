#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# timewait_server.sh - issue 12: a shimmed server that closes first keeps
# accepting past the old 4096-socket table.  A kernel client makes N
# sequential short connections (100-byte request, reply, server closes
# first); with TIME-WAIT as a full socket the server stopped after about
# 4,096 (the server runs with that old limit, XTCP_MAX_SOCKETS=4096).
# Its TIME-WAIT entries are counted in XTCP_STATS.

. "$(dirname "$0")/lib.sh"

PORT=5080
N=${XTTEST_CONNS:-6000}

xt_setup python3
[[ $XTTEST_KERNEL == 1 ]] && xt_skip "the shim's TIME-WAIT only"

cat > "$XT_TMP/server.py" <<'PY'
import socket, sys
n = int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(128)
for _ in range(n):
    c, _ = ls.accept()
    got = b""
    while len(got) < 100:
        b = c.recv(100 - len(got))
        if not b:
            break
        got += b
    c.sendall(b"r" * 100)
    c.close()
PY
cat > "$XT_TMP/client.py" <<'PY'
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
done = 0
for i in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"q" * 100)
    got = b""
    while True:
        b = s.recv(200)
        if not b:
            break
        got += b
    s.close()
    if got != b"r" * 100:
        print("connection", i, "got", len(got), "bytes")
        sys.exit(1)
    done += 1
print(done)
PY

xt_shim_bg SRV 120 env XTCP_STATS="$XT_TMP/stats" XTCP_MAX_SOCKETS=4096 python3 "$XT_TMP/server.py" "$PORT" "$N" 2>"$XT_TMP/srv.err"
sleep 1
t0=$(xt_now_ms)
out=$(xt_peer 110 python3 "$XT_TMP/client.py" "$XT_SHIM" "$PORT" "$N" 2>"$XT_TMP/cli.err")
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )) || [[ $out != "$N" ]]; then
	xt_dump "$XT_TMP/cli.err" "$XT_TMP/srv.err"
	xt_fail "client: status $rc, '$out' of $N connections after $(( t1 - t0 )) ms"
fi
xt_wait_pid "$SRV" 15 || { xt_dump "$XT_TMP/srv.err"; xt_fail "server did not exit"; }
tw=$(awk '$1 == "tcp_timewait_entries" { print $2 }' "$XT_TMP/stats")
ovf=$(awk '$1 == "tcp_tw_overflow" { print $2 }' "$XT_TMP/stats")
(( tw > 4096 )) || { xt_dump "$XT_TMP/stats"; xt_fail "TIME-WAIT entries at exit: '$tw', want more than 4096"; }
[[ $ovf == 0 ]] || xt_fail "tcp_tw_overflow $ovf"
xt_pass "$N connections in $(( t1 - t0 )) ms, $tw in TIME-WAIT without a socket at exit"
