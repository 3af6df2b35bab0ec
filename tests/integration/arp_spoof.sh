#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# arp_spoof.sh - issue 10, ARP defences on a real link.  A program under
# the shim fetches a line from an off-link address through the gateway
# (the kernel peer); the peer then forges ARP: an unsolicited reply and a
# gratuitous request that move the gateway's address to another MAC, a
# reply whose sender MAC is not its Ethernet source, and a request from
# another MAC claiming the shim's own address.  The second fetch must
# still reach the real gateway at once (before the fix the poisoned entry
# sent the SYN into the void until it expired), the engine's counters
# must show each forgery recognised, and the conflict is answered with
# one announcement of the shim's address (RFC 5227 §2.4).

. "$(dirname "$0")/lib.sh"

LIMIT_MS=${XTTEST_ARP_SPOOF_MS:-500}

. "$(dirname "$0")/arp_lib.sh"

xt_setup python3
arp_setup forged

# On the peer: the forgeries, then 1 s of listening for announcements of
# the shim's address (sender = target = the shim, from its MAC).
cat >"$XT_TMP/spoof.py" <<'EOF'
import socket, struct, sys, time
ifname, shim_mac_s, gw, shim = sys.argv[1:5]
shim_mac = bytes.fromhex(shim_mac_s.replace(":", ""))
evil = bytes.fromhex("02ee00000066")
bcast = b"\xff" * 6
zero = b"\0" * 6
def arp(ethsrc, ethdst, op, sha, spa, tha, tpa):
    return (ethdst + ethsrc + b"\x08\x06" +
            struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha +
            socket.inet_aton(spa) + tha + socket.inet_aton(tpa) +
            b"\0" * 18)
sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
sk.bind((ifname, 0x0806))
own = sk.getsockname()[4]
sk.send(arp(evil, shim_mac, 2, evil, gw, shim_mac, shim))  # unsolicited
sk.send(arp(evil, bcast, 1, evil, gw, zero, gw))           # gratuitous
sk.send(arp(own, shim_mac, 2, evil, gw, shim_mac, shim))   # sha != source
t = time.monotonic()
sk.send(arp(evil, bcast, 1, evil, shim, zero, shim))       # conflict
sk.settimeout(0.1)
ann = 0
while time.monotonic() - t < 1.0:
    try:
        f = sk.recv(128)
    except socket.timeout:
        continue
    if (len(f) >= 42 and f[6:12] == shim_mac and
            struct.unpack("!H", f[20:22])[0] == 1 and
            f[28:32] == socket.inet_aton(shim) and
            f[38:42] == socket.inet_aton(shim)):
        ann += 1
print(ann)
EOF

xt_peer_bg SRV 30 python3 "$XT_TMP/server.py" "$FAR" "$PORT"
xt_wait_port "$PORT"

xt_shim_bg CLI 30 env XTCP_GW="$XT_PEER" XTCP_STATS="$XT_TMP/stats" \
    python3 "$XT_TMP/client.py" "$FAR" "$PORT" "$XT_TMP" forged
for _ in $(seq 200); do
	[[ -e $XT_TMP/ready ]] && break
	sleep 0.05
done
[[ -e $XT_TMP/ready ]] || xt_fail "the first fetch through the gateway failed"
ann=$(xt_peer 10 python3 "$XT_TMP/spoof.py" xb0 "$SHIM_MAC" "$XT_PEER" \
    "$XT_SHIM") || xt_fail "the forged ARP could not be sent"
touch "$XT_TMP/forged"
xt_wait_pid "$CLI" 20
rc=$?
(( rc == 0 )) || xt_fail "the client failed (status $rc)"
read -r first second <"$XT_TMP/times" || xt_fail "no times"
xt_log "connect through the gateway: $first ms before the forgeries, $second ms after"

stat_of() {
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$XT_TMP/stats"
}
[[ -s $XT_TMP/stats ]] || xt_fail "no counters in XTCP_STATS"
unsol=$(stat_of arp_rx_unsolicited)
spoofed=$(stat_of arp_rx_spoofed)
conflict=$(stat_of arp_addr_conflict)
defended=$(stat_of arp_defended)
xt_log "arp_rx_unsolicited $unsol, arp_rx_spoofed $spoofed," \
    "arp_addr_conflict $conflict, arp_defended $defended," \
    "announcements seen $ann"
if awk -v a="$second" -v l="$LIMIT_MS" 'BEGIN { exit !(a > l) }'; then
	xt_fail "after the forgeries, connect took $second ms (limit $LIMIT_MS ms)"
fi
(( unsol == 2 )) || xt_fail "arp_rx_unsolicited $unsol, want 2"
(( spoofed == 1 )) || xt_fail "arp_rx_spoofed $spoofed, want 1"
(( conflict == 1 && defended == 1 )) ||
    xt_fail "conflict $conflict, defended $defended, want 1 and 1"
(( ann == 1 )) || xt_fail "$ann announcements of $XT_SHIM seen, want 1"
xt_pass "gateway kept, connect in $second ms; conflict defended once"
