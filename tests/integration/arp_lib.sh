# SPDX-License-Identifier: BSD-2-Clause
# arp_lib.sh - what arp_flood.sh and arp_spoof.sh share (sourced after
# lib.sh): the off-link address FAR behind the kernel peer (the gateway),
# a server there that says "hello" twice, and a client for the shim that
# fetches a line, says so (ready), waits for the peer's attack (the file
# named by arp_setup's argument), and fetches again, writing both
# connect times (ms) to times.

FAR=198.51.100.1
PORT=8080

# arp_setup MARK: set up FAR on the peer, SHIM_MAC, and the two programs;
# the client waits for $XT_TMP/MARK before its second fetch.
arp_setup() {
	[[ $XTTEST_KERNEL == 1 ]] && xt_skip "tests the shim's ARP cache"
	ip -n "$XT_NS_B" addr add "$FAR/32" dev lo ||
	    xt_fail "cannot add $FAR to the peer"
	ip -n "$XT_NS_B" link set lo up
	SHIM_MAC=$(ip -n "$XT_NS_A" -br link show "$XT_IF" | awk '{ print $3 }')
	[[ -n $SHIM_MAC ]] || xt_fail "no MAC on $XT_IF"

	cat >"$XT_TMP/server.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4)
for _ in range(2):
    c, _a = s.accept()
    c.sendall(b"hello\n")
    c.close()
EOF

	cat >"$XT_TMP/client.py" <<'EOF'
import os, socket, sys, time
host, port, tmp, mark = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def fetch():
    t = time.monotonic()
    s = socket.create_connection((host, port), timeout=10)
    ms = (time.monotonic() - t) * 1000
    line = s.recv(16)
    s.close()
    if line != b"hello\n":
        sys.exit("bad line %r" % line)
    return ms
first = fetch()
open(tmp + "/ready", "w").close()
for _ in range(400):
    if os.path.exists(tmp + "/" + mark):
        break
    time.sleep(0.025)
else:
    sys.exit("the peer never wrote " + mark)
second = fetch()
with open(tmp + "/times", "w") as f:
    f.write("%.1f %.1f\n" % (first, second))
EOF
}
