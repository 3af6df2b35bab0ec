#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# arp_flood.sh - issue 10, bug 4 on a real link: 200 SYNs from spoofed
# on-link sources (each its own MAC) at a closed port of the shim must
# not cost the gateway's ARP entry.  A program under the shim fetches a
# line from an off-link address through the gateway (the kernel peer),
# the peer floods, and the second fetch must connect at once: before the
# fix the flood filled the cache with pending entries, evicted the
# gateway and made the next SYN wait for ARP slots (seconds).  The
# engine's counters (XTCP_STATS) must show the flood's RSTs given up
# within the ARP request budget.

. "$(dirname "$0")/lib.sh"

LIMIT_MS=${XTTEST_ARP_FLOOD_MS:-500}

. "$(dirname "$0")/arp_lib.sh"

xt_setup python3
arp_setup flooded

# On the peer: 200 SYNs to the shim's closed port 9, each from its own
# on-link address and MAC.
cat >"$XT_TMP/flood.py" <<'EOF'
import socket, struct, sys
ifname, dmac, net, dst = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
d = socket.inet_aton(dst)
sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sk.bind((ifname, 0))
for i in range(200):
    src = socket.inet_aton(net + "." + str(10 + i))
    smac = bytes([0x02, 0x55, 0, 0, i >> 8, i & 0xff])
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, 9, 1000 + i, 0, 5 << 4,
                      0x02, 65535, 0, 0)
    ph = src + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6,
                     0, src, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex(dmac.replace(":", "")) + smac + b"\x08\x00"
    sk.send(eth + ip + tcp)
EOF

xt_peer_bg SRV 30 python3 "$XT_TMP/server.py" "$FAR" "$PORT"
xt_wait_port "$PORT"

xt_shim_bg CLI 30 env XTCP_GW="$XT_PEER" XTCP_STATS="$XT_TMP/stats" \
    python3 "$XT_TMP/client.py" "$FAR" "$PORT" "$XT_TMP" flooded
for _ in $(seq 200); do
	[[ -e $XT_TMP/ready ]] && break
	sleep 0.05
done
[[ -e $XT_TMP/ready ]] || xt_fail "the first fetch through the gateway failed"
xt_peer 10 python3 "$XT_TMP/flood.py" xb0 "$SHIM_MAC" "${XT_PEER%.*}" \
    "$XT_SHIM" || xt_fail "the flood could not be sent"
touch "$XT_TMP/flooded"
xt_wait_pid "$CLI" 20
rc=$?
(( rc == 0 )) || xt_fail "the client failed (status $rc)"
read -r first second <"$XT_TMP/times" || xt_fail "no times"
xt_log "connect through the gateway: $first ms before the flood, $second ms after"

stat_of() {
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$XT_TMP/stats"
}
[[ -s $XT_TMP/stats ]] || xt_fail "no counters in XTCP_STATS"
req=$(stat_of arp_tx_requests)
unres=$(stat_of arp_unres_drops)
xt_log "arp_tx_requests $req, arp_unres_drops $unres, arp_evicted $(stat_of arp_evicted)"
if awk -v a="$second" -v l="$LIMIT_MS" 'BEGIN { exit !(a > l) }'; then
	xt_fail "after the flood, connect took $second ms (limit $LIMIT_MS ms)"
fi
(( unres > 0 )) || xt_fail "no RST was given up: the flood spent the ARP budget"
# announcement + gateway + the budget's unreserved part (24) + refill
(( req <= 40 )) || xt_fail "$req ARP requests for 200 spoofed sources"
xt_pass "connect after the flood in $second ms; $req ARP requests"
