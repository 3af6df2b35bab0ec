#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# family_shared_addr.sh - issue 13: a fork family on a shared address is
# one claimant, whichever member leases, uses or gives back its ports.
#
# On one XTCP_ADDR, at the same time:
#   - a shimmed python ForkingTCPServer (the family, first on the
#     address: its leader) serves N kernel clients; each forked child
#     connects out to a kernel origin server for the client's bytes and
#     relays them, so the children lease the family's ephemeral ports
#     (N of them: several blocks, leased by whichever child needs one);
#   - an unrelated shimmed client downloads M files from a kernel
#     server, leasing blocks of its own.
# Every transfer is byte-exact (seeded bytes, compared at the end), and
# none of the family's takes more than SLOW seconds (a tenth of a second
# is usual: seconds are segments the family's device filter kept out,
# rebuilt by a member that did not know another's ports).  The
# two kernel servers read the port map (the lock directory is the
# test's own) for every connection they accept, when it opens and again
# when the shimmed side closed it: the map must name the family as the
# holder of each port its children connect from, and the client (not the
# family, not nobody) for each of the client's, so that no port is used
# by one claimant while the map gives it to another or to nobody.
# When the family exits, its claims are gone: a third shimmed process
# binds the server's port, and the map holds none of the family's ports.
#
# Bounded: each program runs under timeout, every socket has a deadline.

. "$(dirname "$0")/lib.sh"

SPORT=8500		# the family's server
OPORT=8501		# the kernel origin the children fetch from
DPORT=8502		# the kernel server the unrelated client downloads from
N=${FSA_N:-400}		# kernel clients of the family
M=${FSA_M:-300}		# downloads of the unrelated client
SLOW=5			# seconds one connection may take, at most

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "a shared stack address is a shim feature (the kernel shares its own)"
xt_setup python3
LOCKDIR=$XT_TMP/locks
SHARE=(XTCP_ADDR_SHARE=1 XTCP_LOCKDIR="$LOCKDIR")

# ---- the programs ----

# seeded bytes: request "I SIZE\n" gets SIZE bytes of random.Random(I)
cat >"$XT_TMP/common.py" <<'PY'
import random

def blob(i, size):
    return random.Random(i).randbytes(size)

def size_of(i):
    return 2000 + (i * 7919) % 300000

def read_line(s):
    b = b""
    while not b.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise EOFError("short request")
        b += c
    i, size = b.split()
    return int(i), int(size)

def read_exact(s, n):
    got = bytearray()
    while len(got) < n:
        b = s.recv(min(65536, n - len(got)))
        if not b:
            break
        got += b
    return bytes(got)

def read_all(s):
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            return bytes(got)
        got += b
PY

# the kernel servers: serve seeded bytes, and check the map's owner of
# the shimmed side's port at accept and after it closed
cat >"$XT_TMP/kserver.py" <<'PY'
import glob, os, socket, sys, threading
sys.path.insert(0, os.path.dirname(sys.argv[0]))
from common import blob, read_line

host, port, lockdir, whose, sport, log = (sys.argv[1], int(sys.argv[2]),
    sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
OWNER = 80		# struct shim_pm_file: magic 8, size 4, gen 4, used 64
out = open(log, "a", buffering=1)
lock = threading.Lock()

def owner(p):
    m = glob.glob(os.path.join(lockdir, "*.map"))
    if len(m) != 1:
        return None
    with open(m[0], "rb") as f:
        f.seek(OWNER)
        o = f.read(65536)
    return o[p], o[sport]

def check(p, when):
    r = owner(p)
    if r is None:
        bad = "no map"
    else:
        o, fam = r
        if whose == "family":
            bad = None if o != 0 and o == fam else \
                "owner %d, the family is %d" % (o, fam)
        else:
            bad = None if o != 0 and o != fam else \
                "owner %d, the family is %d" % (o, fam)
    if bad:
        with lock:
            out.write("conflict port %d %s: %s\n" % (p, when, bad))

def serve(c, peer):
    try:
        c.settimeout(20)
        check(peer[1], "at accept")
        i, size = read_line(c)
        c.sendall(blob(i, size))
        # the shimmed side closes first (its port stays in TIME-WAIT),
        # or for odd requests this side does (the port is free at once)
        if i % 2:
            c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
        check(peer[1], "after its close")
        with lock:
            out.write("served %d %d\n" % (i, peer[1]))
    except Exception as e:
        with lock:
            out.write("error %r\n" % (e,))
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(256)
print("listening", flush=True)
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
PY

# the family: a forking server whose child fetches from the origin
cat >"$XT_TMP/fserver.py" <<'PY'
import os, socket, socketserver, sys
sys.path.insert(0, os.path.dirname(sys.argv[0]))
from common import read_exact, read_line

host, port, origin, oport = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
    int(sys.argv[4]))

class Relay(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(30)
        i, size = read_line(self.request)
        o = socket.create_connection((origin, oport), timeout=30)
        o.sendall(b"%d %d\n" % (i, size))
        data = read_exact(o, size)
        o.close()		# first: the port stays ours in TIME-WAIT
        self.request.sendall(data)

class Server(socketserver.ForkingTCPServer):
    allow_reuse_address = True
    max_children = 64
    request_queue_size = 128

with Server((host, port), Relay) as srv:
    print("listening", flush=True)
    srv.serve_forever()
PY

# a client of many connections, TH at a time: kernel clients of the
# family, or the unrelated shimmed client of the download server
cat >"$XT_TMP/client.py" <<'PY'
import os, socket, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, os.path.dirname(sys.argv[0]))
from common import blob, read_all, read_exact, size_of

host, port, n, base, th, first = (sys.argv[1], int(sys.argv[2]),
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1")

def one(i):
    t0 = time.monotonic()
    try:
        s = socket.create_connection((host, port), timeout=30)
        s.settimeout(30)
        s.sendall(b"%d %d\n" % (i, size_of(i)))
        # the family's server closes after its bytes; the download
        # server waits for this side to close first
        got = read_exact(s, size_of(i)) if first else read_all(s)
        s.close()
        slow.append(time.monotonic() - t0)
        return "ok" if got == blob(i, size_of(i)) else \
            "mismatch %d: %d bytes of %d" % (i, len(got), size_of(i))
    except Exception as e:
        return "error %d: %r" % (i, e)

slow = []

# with a stop file: batches of n go on until it exists (at most 10)
stop = sys.argv[7] if len(sys.argv) > 7 else None
t = time.monotonic()
res = []
with ThreadPoolExecutor(th) as ex:
    while True:
        res += list(ex.map(one, range(base + len(res),
            base + len(res) + n)))
        if stop is None or os.path.exists(stop) or len(res) >= 10 * n:
            break
bad = [r for r in res if r != "ok"]
for r in bad[:10]:
    print(r)
print("connections %d failed %d in %.1f s slowest %.1f s" % (len(res),
    len(bad), time.monotonic() - t, max(slow, default=0)))
sys.exit(1 if bad else 0)
PY

# ---- the kernel servers ----
xt_peer_bg OSRV 200 python3 "$XT_TMP/kserver.py" "$XT_PEER" "$OPORT" \
    "$LOCKDIR" family "$SPORT" "$XT_TMP/origin.log" >/dev/null 2>&1
xt_peer_bg DSRV 200 python3 "$XT_TMP/kserver.py" "$XT_PEER" "$DPORT" \
    "$LOCKDIR" client "$SPORT" "$XT_TMP/down.log" >/dev/null 2>&1
xt_wait_port "$OPORT"
xt_wait_port "$DPORT"

# ---- the family first (it leads), then the unrelated client ----
mapfile -t envs < <(xt_shim_env)
ip netns exec "$XT_NS_A" timeout -k 2 150 env "${envs[@]}" "${SHARE[@]}" \
    XTCP_LOG=info python3 "$XT_TMP/fserver.py" "$XT_SHIM" "$SPORT" \
    "$XT_PEER" "$OPORT" >"$XT_TMP/fam.log" 2>&1 &
FAM=$!
XT_PIDS+=("$FAM")
for (( i = 0; i < 100; i++ )); do
	grep -q '^listening' "$XT_TMP/fam.log" && break
	sleep 0.1
done
grep -q '^listening' "$XT_TMP/fam.log" ||
    { xt_dump "$XT_TMP/fam.log"; xt_fail "the forking server did not start"; }
grep -q 'claimant 0, leader' "$XT_TMP/fam.log" ||
    { xt_dump "$XT_TMP/fam.log"; xt_fail "the family does not lead the address"; }

xt_shim_bg CLI 150 env "${SHARE[@]}" XTCP_LOG=info python3 \
    "$XT_TMP/client.py" "$XT_PEER" "$DPORT" "$M" 100000 4 1 "$XT_TMP/stop" \
    >"$XT_TMP/cli.out" 2>"$XT_TMP/cli.err"
xt_peer_bg KCL 150 python3 "$XT_TMP/client.py" "$XT_SHIM" "$SPORT" "$N" 0 \
    16 0 >"$XT_TMP/kcl.out" 2>&1

problems=()
xt_wait_pid "$KCL" 155 ||
    problems+=("kernel clients of the family: $(tail -1 "$XT_TMP/kcl.out")")
touch "$XT_TMP/stop"
# a connection is a few hundred kB over a veth: seconds mean segments
# that the family's device filter kept out until something rebuilt it
slowest=$(awk '/^connections/ { print $NF == "s" ? $(NF - 1) : "" }' "$XT_TMP/kcl.out")
awk -v s="${slowest:-99}" -v m="$SLOW" 'BEGIN { exit !(s < m) }' ||
    problems+=("the slowest of the family's connections took ${slowest:-?} s (at most $SLOW)")
xt_wait_pid "$CLI" 155 ||
    problems+=("the unrelated client: $(tail -1 "$XT_TMP/cli.out")")
cat "$XT_TMP/kcl.out" "$XT_TMP/cli.out"
grep -q 'claimant 1)' "$XT_TMP/cli.err" ||
    problems+=("the client did not join the address as the second claimant")
n=$(grep -c '^served ' "$XT_TMP/origin.log")
(( n == N )) || problems+=("the origin served $n of the family's $N fetches")
m=$(grep -c '^served ' "$XT_TMP/down.log")
mc=$(awk '/^connections/ { print $2 }' "$XT_TMP/cli.out")
(( m == mc && m >= M )) ||
    problems+=("the download server served $m of the client's ${mc:-?} (at least $M)")
ports=$(awk '/^served / { print $3 }' "$XT_TMP/origin.log" | sort -u | wc -l)
blocks=$(awk '/^served / { print int($3 / 64) }' "$XT_TMP/origin.log" |
    sort -u | wc -l)
xt_log "the family's children connected from $ports ports in $blocks blocks"
(( blocks >= 2 )) ||
    problems+=("the children used $blocks block(s) of ephemeral ports: too few to test leases")
c=$(cat "$XT_TMP/origin.log" "$XT_TMP/down.log" | grep -c '^conflict ')
if (( c > 0 )); then
	grep -h '^conflict ' "$XT_TMP/origin.log" "$XT_TMP/down.log" | head -5
	problems+=("$c checks found a port used by one claimant while the map gave it to another or nobody")
fi
grep -q '^error ' "$XT_TMP/origin.log" "$XT_TMP/down.log" &&
    problems+=("a kernel server's connection failed: $(grep -h '^error ' "$XT_TMP/origin.log" "$XT_TMP/down.log" | head -1)")
xt_verdict "one family, one claimant"

# ---- the family exits: its claims go ----
kill -TERM "$FAM" 2>/dev/null
xt_wait_pid "$FAM" 20 || true
for (( i = 0; i < 50; i++ )); do
	ip netns exec "$XT_NS_A" pgrep -f "$XT_TMP/fserver.py" >/dev/null ||
	    break
	sleep 0.1
done
# a third process binds the family's port, and once it has led the
# address for a tick (the sweep), the map holds nobody's ports but its
out=$(xt_shim 20 env "${SHARE[@]}" python3 -c '
import errno, glob, os, socket, sys, time
s = socket.socket()
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(5)
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
    sys.exit(0)
time.sleep(2.5)
with open(glob.glob(os.path.join(sys.argv[3], "*.map"))[0], "rb") as f:
    f.seek(80)
    o = f.read(65536)
me = o[int(sys.argv[2])]
print("bound", sum(1 for b in o if b not in (0, me)))
' "$XT_SHIM" "$SPORT" "$LOCKDIR" 2>"$XT_TMP/third.err")
read -r what left <<<"$out"
[[ $what == bound ]] ||
    { xt_dump "$XT_TMP/third.err"; xt_fail "after the family exited, a third process binding $SPORT got \"$out\""; }
(( left == 0 )) ||
    xt_fail "$left ports of the claimants that exited still in the map after a tick"
xt_log "after the family exited: a third process bound $SPORT; no claim left"
xt_pass "a forking server and an unrelated client on $XT_SHIM: $N + $m connections byte-exact, from $blocks blocks, no port of two claimants, claims gone at exit"
