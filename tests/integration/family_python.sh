#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# family_python.sh - issue 13 acceptance 2: python's
# socketserver.ForkingTCPServer (the parent accepts, a forked child
# handles the connection on the socket it inherited) and
# ThreadingTCPServer under the shim each answer 100 kernel clients, four
# at a time (socketserver listens with a backlog of 5: more at once meet
# a full accept queue, where the stack now and then resets a connection
# rather than let it wait, with or without families: a bug of its own);
# every answer is the client's bytes back, byte-exact.
#
# Bounded: each server answers N requests and ends (under timeout); each
# client connection has a deadline.

. "$(dirname "$0")/lib.sh"

PORT_F=8301
PORT_T=8302
N=100

xt_setup python3

cat >"$XT_TMP/server.py" <<'PY'
import socketserver, sys

class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(20)
        got = []
        while True:
            b = self.request.recv(65536)
            if not b:
                break
            got.append(b)
        self.request.sendall(b"".join(got))

kind, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cls = {"fork": socketserver.ForkingTCPServer,
       "thread": socketserver.ThreadingTCPServer}[kind]
cls.allow_reuse_address = True
with cls((host, port), Echo) as srv:
    print("listening", flush=True)
    for i in range(n):
        srv.handle_request()
# leaving the with: server_close() waits for the children or threads
PY

cat >"$XT_TMP/client.py" <<'PY'
import random, socket, sys, time
from concurrent.futures import ThreadPoolExecutor
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def one(i):
    data = random.Random(i).randbytes(1000 + (i * 7919) % 60000)
    for attempt in range(50):
        try:
            s = socket.create_connection((host, port), timeout=10)
            break
        except OSError:
            if i > 0 or attempt == 49:
                raise
            time.sleep(0.2)		# the first waits for the server
    s.settimeout(20)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return bytes(got) == data

one(0)
with ThreadPoolExecutor(4) as ex:
    ok = list(ex.map(lambda i: (lambda: one(i))(), range(1, n)))
bad = ok.count(False)
print("clients %d mismatched %d" % (n, bad))
sys.exit(1 if bad else 0)
PY

for kind in fork thread; do
	port=$PORT_F
	[[ $kind == thread ]] && port=$PORT_T
	xt_shim_bg SRV 120 python3 "$XT_TMP/server.py" "$kind" "$XT_SHIM" \
	    "$port" "$N" >"$XT_TMP/$kind.out" 2>&1
	xt_peer 100 python3 "$XT_TMP/client.py" "$XT_SHIM" "$port" "$N" \
	    >"$XT_TMP/$kind.client" 2>&1
	rc=$?
	cat "$XT_TMP/$kind.client"
	if (( rc != 0 )); then
		xt_dump "$XT_TMP/$kind.out"
		xt_fail "the ${kind}ing server did not answer $N clients byte-exact"
	fi
	# the server ends by itself once it has answered them all
	xt_wait_pid "$SRV" 30 ||
	    { xt_dump "$XT_TMP/$kind.out"; xt_fail "the ${kind}ing server did not end"; }
done
xt_pass "ForkingTCPServer and ThreadingTCPServer under the shim: $N clients each, byte-exact"
