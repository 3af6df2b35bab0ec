#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# syn_flood.sh - issue 10, bug 5: a SYN flood must not fill the socket
# table.  A python3 server under the shim listens with SOMAXCONN; the
# kernel peer sends 8000 SYNs from distinct ports of an address nobody
# answers for (no RST ever removes them).  Then the server's own socket()
# must still work (it failed with ENOBUFS when each SYN took a socket of
# the 4096), and a real client's connection must be accepted and served.
# Under the shim the counters must show the SYN cache full and cookies
# past it.

. "$(dirname "$0")/lib.sh"

PORT=8093
NSYN=8000
SPOOF=10.99.0.77		# in the subnet, never configured

xt_setup python3
[[ $XTTEST_KERNEL == 1 ]] || export XTCP_STATS=$XT_TMP/stats

# (a file: a background job's standard input is /dev/null)
cat >"$XT_TMP/srv.py" <<'EOF'
import os, socket, sys, time
addr, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((addr, port))
l.listen(socket.SOMAXCONN)
open(d + "/ready", "w").close()
end = time.time() + 60
while not os.path.exists(d + "/flooded"):
    if time.time() > end:
        sys.exit("no flood came")
    time.sleep(0.05)
time.sleep(0.5)			# let the engine take the last SYNs
socks = []
try:
    for i in range(50):
        socks.append(socket.socket())
except OSError as e:
    sys.exit("socket() failed after the flood (%d made): %s" %
             (len(socks), e))
for s in socks:
    s.close()
print("socket() x50 ok after the flood", flush=True)
l.settimeout(40)
c, a = l.accept()
c.settimeout(20)
got = c.recv(4)
c.sendall(b"pong" if got == b"ping" else b"bad!")
c.close()
print("served", a, flush=True)
EOF
xt_shim_bg SRV 90 python3 "$XT_TMP/srv.py" "$XT_SHIM" "$PORT" "$XT_TMP" \
    >"$XT_TMP/srv.log" 2>&1

for (( i = 0; i < 100; i++ )); do
	[[ -e $XT_TMP/ready ]] && break
	kill -0 "$SRV" 2>/dev/null || break
	sleep 0.1
done
if [[ ! -e $XT_TMP/ready ]]; then
	xt_dump "$XT_TMP/srv.log"
	xt_fail "the server under the shim did not start listening"
fi

# the flood: raw SYNs with a hand-made IPv4 header
xt_peer 60 python3 - "$SPOOF" "$XT_SHIM" "$PORT" "$NSYN" \
    >"$XT_TMP/flood.log" 2>&1 <<'EOF'
import socket, struct, sys, time
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sa, da = socket.inet_aton(src), socket.inet_aton(dst)
for i in range(n):
    sport = 20000 + i
    opts = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BBBB", 1, 3, 3, 7)
    tcp = struct.pack("!HHIIBBHHH", sport, port, 1000 + 77 * i, 0,
                      (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    ph = sa + da + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff,
                     0, 64, 6, 0, sa, da)
    s.sendto(ip + tcp, (dst, 0))
    if i % 200 == 199:
        time.sleep(0.005)	# not faster than the shim's ring takes them
print("sent", n)
EOF
rc=$?
touch "$XT_TMP/flooded"
if (( rc != 0 )); then
	xt_dump "$XT_TMP/flood.log"
	xt_fail "the flood could not be sent (status $rc)"
fi

# a real client amid the flood's leftovers
xt_peer 60 python3 - "$XT_SHIM" "$PORT" >"$XT_TMP/cli.log" 2>&1 <<'EOF'
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
c.sendall(b"ping")
got = c.recv(4)
sys.exit(0 if got == b"pong" else "got %r" % got)
EOF
crc=$?
xt_wait_pid "$SRV" 60
src=$?
if (( src != 0 || crc != 0 )); then
	xt_dump "$XT_TMP/srv.log" "$XT_TMP/cli.log" "$XT_TMP/flood.log"
	xt_fail "after $NSYN SYNs: server status $src, client status $crc"
fi
grep -q "socket() x50 ok" "$XT_TMP/srv.log" ||
    xt_fail "the server did not report its sockets"

if [[ $XTTEST_KERNEL != 1 ]]; then
	stat() { awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' \
	    "$XT_TMP/stats"; }
	[[ -s $XT_TMP/stats ]] || xt_fail "no XTCP_STATS dump"
	added=$(stat tcp_syncache_added)
	cookies=$(stat tcp_sc_sent)
	overflow=$(stat tcp_syncache_overflow)
	xt_log "SYN cache entries made $added, overflow $overflow, cookies $cookies"
	# the table (4097) filled: every SYN past it got a cookie
	(( added >= 4097 && overflow > 0 && cookies == overflow )) ||
	    xt_fail "the SYN cache did not fill and overflow into cookies"
fi
xt_pass "$NSYN SYNs: socket() still works, a client is served"
