#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# shared_addr.sh - issue 13 acceptance 5: unrelated processes share one
# address (XTCP_ADDR_SHARE, the default for a single address).
#
#  1. A shimmed curl (first on the address: its leader) connects to a
#     kernel server, whose gate holds the request, and a shimmed HTTP
#     server starts on the same address.
#  2. A third shimmed process binding the server's port gets EADDRINUSE,
#     with SO_REUSEADDR and SO_REUSEPORT set as well.
#     A connect from a shimmed process to the server (our own address)
#     fails at once with ECONNREFUSED and one line (not supported).
#  3. A kernel SYN to a port nobody holds gets exactly one RST (an
#     nftables counter on the peer), and an ARP request for the address
#     exactly one reply (counter), with both processes up.
#  Then the gate opens: the shimmed curl downloads 8 MiB while the
#     shimmed server serves 8 MiB to two kernel clients at once; all
#     three byte-exact (sha256).  The curl's device filter kept the
#     server's segments out (its counters, fewer than 200).
#  4. The leader exits: within about a second the server leads; the
#     peer's neighbour entry is flushed and a kernel client fetches from
#     the server again (the ARP reply now comes from it).
#
#  5. Only root may touch the address's files: user nobody can neither
#     open nor flock the lock file or the port map in the default lock
#     directory (/run/xtcp/u0, mode 0700; files 0600).
#
# The processes use the default lock directory: the files are named
# after the test's own network namespace, so parallel tests never meet.

. "$(dirname "$0")/lib.sh"

SPORT=8080		# the shimmed server
KPORT=8090		# the kernel server
NOPORT=8099		# nobody's

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "a shared stack address is a shim feature (the kernel shares its own)"
xt_setup curl python3 nft
mkdir "$XT_TMP/www" "$XT_TMP/srv"
xt_random_file "$XT_TMP/www/blob" 8
xt_random_file "$XT_TMP/srv/blob" 8
SHARE=(XTCP_ADDR_SHARE=1)	# the default, said
[[ $(id -u) == 0 ]] || xt_skip "the default lock directory is root's here"
LOCKDIR=/run/xtcp/u0

# counters on the peer: RSTs from our address's nobody port, ARP replies
ip netns exec "$XT_NS_B" nft -f - <<EOF || xt_fail "cannot load the nftables counters"
table ip xtshare {
	chain in {
		type filter hook prerouting priority -300;
		ip saddr $XT_SHIM tcp sport $NOPORT tcp flags & rst == rst counter name rst
	}
	counter rst { }
}
table arp xtshare {
	chain in {
		type filter hook input priority 0;
		arp operation reply arp saddr ip $XT_SHIM counter name reply
	}
	counter reply { }
}
EOF
count() {
	ip netns exec "$XT_NS_B" nft list counter "$1" xtshare "$2" |
	    awk '/packets/ { print $2 }'
}

GATE=$XT_TMP/gate-open
xt_peer_bg KSRV 120 python3 "$XT_LIBDIR/gate_http.py" "$XT_PEER" "$KPORT" \
    "$XT_TMP/www" "$GATE" 2>"$XT_TMP/ksrv.log"
xt_wait_port "$KPORT"

# ---- 1: the client first (it leads), then the server ----
xt_shim_bg CLI 90 env "${SHARE[@]}" XTCP_LOG=info \
    XTCP_STATS="$XT_TMP/cli.stats" curl -sS --fail \
    --max-time 80 -o "$XT_TMP/cli.out" \
    "http://$XT_PEER:$KPORT/gate/blob" 2>"$XT_TMP/cli.err"
for (( i = 0; i < 200; i++ )); do
	grep -q '^waiting ' "$XT_TMP/ksrv.log" && break
	sleep 0.1
done
grep -q '^waiting ' "$XT_TMP/ksrv.log" || {
	xt_dump "$XT_TMP/cli.err" "$XT_TMP/ksrv.log"
	xt_fail "the shimmed client did not reach the kernel server"
}
xt_shim_bg SRV 90 env "${SHARE[@]}" XTCP_LOG=info python3 -m http.server \
    "$SPORT" --bind "$XT_SHIM" --directory "$XT_TMP/srv" >"$XT_TMP/srv.log" 2>&1
for (( i = 0; i < 100; i++ )); do
	xt_peer 3 curl -s -o /dev/null "http://$XT_SHIM:$SPORT/" && break
	sleep 0.2
done
(( i < 100 )) || { xt_dump "$XT_TMP/srv.log"; xt_fail "the shimmed server does not answer"; }
grep -q 'claimant 0, leader' "$XT_TMP/cli.err" ||
    { xt_dump "$XT_TMP/cli.err"; xt_fail "the client does not lead the shared address"; }
grep -q 'sharing the address.*claimant 1)' "$XT_TMP/srv.log" ||
    { xt_dump "$XT_TMP/srv.log"; xt_fail "the server did not join the address as a second claimant"; }

# ---- 2: a third process on the server's port ----
out=$(xt_shim 20 env "${SHARE[@]}" python3 -c '
import errno, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(5)
    print("bound")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
' "$XT_SHIM" "$SPORT" 2>"$XT_TMP/third.err")
[[ $out == EADDRINUSE ]] ||
    { xt_dump "$XT_TMP/third.err"; xt_fail "a third process binding port $SPORT got \"$out\", expected EADDRINUSE"; }
xt_log "a third process binding $SPORT: $out"

# ---- 2b: a connect to another process on the address: refused at once ----
out=$(xt_shim 20 env "${SHARE[@]}" python3 -c '
import errno, socket, sys, time
s = socket.socket()
s.settimeout(10)
t = time.monotonic()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e), "%.2f" % (time.monotonic() - t))
' "$XT_SHIM" "$SPORT" 2>"$XT_TMP/self.err")
n=$(grep -c '^libxtcp\[[0-9]*\] [0-9:.]* [a-z]*: ' "$XT_TMP/self.err")
read -r what secs <<<"$out"
[[ $what == ECONNREFUSED ]] && awk -v s="$secs" 'BEGIN { exit !(s < 1) }' ||
    { xt_dump "$XT_TMP/self.err"; xt_fail "a connect to our own address got \"$out\", expected ECONNREFUSED at once"; }
(( n == 1 )) && grep -q 'our own address' "$XT_TMP/self.err" ||
    { xt_dump "$XT_TMP/self.err"; xt_fail "expected one libxtcp line about our own address, got $n"; }
xt_log "a connect to our own address: $what in $secs s, one line"

# ---- 3: one RST for nobody's port, one ARP reply ----
kill -0 "$CLI" 2>/dev/null || xt_fail "the shimmed client ended too early"
rst0=$(count ip rst)
xt_peer 5 python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(e)
' "$XT_SHIM" "$NOPORT" >"$XT_TMP/noport.out" 2>&1
sleep 0.5
rst=$(( $(count ip rst) - rst0 ))
grep -qi 'refused' "$XT_TMP/noport.out" ||
    { cat "$XT_TMP/noport.out"; xt_fail "a connect to port $NOPORT was not refused"; }
(( rst == 1 )) || xt_fail "a SYN to port $NOPORT (nobody's) got $rst RSTs, expected 1"
xt_log "nobody's port: refused with $rst RST"

arp_once() {
	local r0 r
	r0=$(count arp reply)
	ip -n "$XT_NS_B" neigh flush dev xb0
	xt_peer 5 ping -c 1 -W 2 "$XT_SHIM" >/dev/null 2>&1
	xt_peer 3 curl -s -o /dev/null "http://$XT_SHIM:$SPORT/" 2>/dev/null
	sleep 0.5
	r=$(( $(count arp reply) - r0 ))
	echo "$r"
}
n=$(arp_once)
(( n == 1 )) || xt_fail "one ARP request for $XT_SHIM got $n replies, expected 1"
xt_log "ARP: $n reply with two processes on the address"

# two kernel clients at once, while the shimmed client is connected
xt_peer_bg K1 60 curl -sS --fail -o "$XT_TMP/k1.out" \
    "http://$XT_SHIM:$SPORT/blob" 2>"$XT_TMP/k1.err"
xt_peer_bg K2 60 curl -sS --fail -o "$XT_TMP/k2.out" \
    "http://$XT_SHIM:$SPORT/blob" 2>"$XT_TMP/k2.err"
touch "$GATE"		# and the shimmed client's download goes at once
xt_wait_pid "$K1" 65 || { xt_dump "$XT_TMP/k1.err" "$XT_TMP/srv.log"; xt_fail "kernel client 1 failed"; }
xt_wait_pid "$K2" 65 || { xt_dump "$XT_TMP/k2.err" "$XT_TMP/srv.log"; xt_fail "kernel client 2 failed"; }
xt_compare "$XT_TMP/srv/blob" "$XT_TMP/k1.out"
xt_compare "$XT_TMP/srv/blob" "$XT_TMP/k2.out"

# the shimmed client's download, which ran beside all of that
xt_wait_pid "$CLI" 80 || { xt_dump "$XT_TMP/cli.err" "$XT_TMP/ksrv.log"; xt_fail "the shimmed client failed"; }
xt_compare "$XT_TMP/www/blob" "$XT_TMP/cli.out"
# the leader's filter passes nobody's ports and its own, not the
# server's: of the kernel clients' 16 MiB worth of ACKs it saw next to
# none (only those before its next tick after the server's bind)
other=$(awk '$1 == "tcp_rcv_otherport" { print $2 }' "$XT_TMP/cli.stats")
[[ -n $other ]] || xt_fail "no counters from the shimmed client"
(( other < 200 )) ||
    xt_fail "the leader's engine saw $other segments for the server's port (its filter should keep them out)"
xt_log "the leader's engine saw $other segments for the server's port"

# ---- 4: the leader is gone; the server takes over ----
for (( i = 0; i < 30; i++ )); do
	grep -q 'now leading' "$XT_TMP/srv.log" && break
	sleep 0.1
done
grep -q 'now leading' "$XT_TMP/srv.log" ||
    { xt_dump "$XT_TMP/srv.log"; xt_fail "the server did not take over the address within 3 s"; }
n=$(arp_once)
(( n == 1 )) || xt_fail "after the leader left, an ARP request got $n replies, expected 1"
xt_peer 30 curl -sS --fail -o "$XT_TMP/k3.out" "http://$XT_SHIM:$SPORT/blob" \
    2>"$XT_TMP/k3.err" || { xt_dump "$XT_TMP/k3.err"; xt_fail "a fetch after the leader left failed"; }
xt_compare "$XT_TMP/srv/blob" "$XT_TMP/k3.out"

# ---- 5: nobody may open or hold the address's files ----
ns=$(ip netns exec "$XT_NS_A" stat -L -c %i /proc/self/ns/net)
files=("$LOCKDIR/$ns-$XT_IF-$XT_SHIM" "$LOCKDIR/$ns-$XT_IF-$XT_SHIM.map")
for f in "${files[@]}"; do
	[[ -f $f ]] || xt_fail "no file $f"
	[[ $(stat -c %a "$f") == 600 ]] ||
	    xt_fail "$f has mode $(stat -c %a "$f"), expected 600"
done
[[ $(stat -c %a:%u "$LOCKDIR") == 700:0 ]] ||
    xt_fail "$LOCKDIR is $(stat -c %a:%u "$LOCKDIR"), expected mode 700, root's"
if command -v setpriv >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then
	for f in "${files[@]}"; do
		if setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		    timeout 5 flock -n -s "$f" true 2>/dev/null; then
			xt_fail "user nobody could open and flock $f"
		fi
		if setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		    cat "$f" >/dev/null 2>&1; then
			xt_fail "user nobody could read $f"
		fi
	done
	xt_log "user nobody can neither open nor flock the lock file and the map"
else
	xt_log "no setpriv or flock: the check as user nobody is left out"
fi
xt_pass "two processes on $XT_SHIM: 3 transfers byte-exact, EADDRINUSE for a third, 1 RST, 1 ARP reply, takeover, files root's alone"
