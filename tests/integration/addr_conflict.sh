#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# addr_conflict.sh - issue 14 (conflicts): the stack refuses to start on
# an address the kernel owns on the interface it is given.
#
#  1. The shim side's veth gets XTCP_ADDR in the kernel.  A shimmed curl
#     fails, prints one line naming the address and the fix ("ip addr del
#     ..."), and the stack sends not a single frame: an nft counter on the
#     peer's ingress (netdev family, so ARP counts too) stays at zero.
#  2. With XTCP_FALLBACK=kernel the same curl prints the line and fetches
#     over the kernel's TCP, as other start failures do.
#  3. Control: the address removed, the shimmed curl fetches and the
#     counter moves (so the counter can see the stack's frames).
#  4. RFC 5227 probe (XTCP_ARP_PROBE_MS=600): the peer's kernel holds the
#     address as well and answers the probe: the curl fails with one line
#     and no TCP frame leaves.
#  5. Once per lease: two curls in turn on a free address; the peer sees
#     3 probes (sender 0.0.0.0) after the first and still 3 after the
#     second (the state file recorded the probe).

. "$(dirname "$0")/lib.sh"

PORT=8093

[[ $XTTEST_KERNEL == 1 ]] &&
    xt_skip "the kernel-owned address check is a shim feature"
xt_setup curl python3 nft
mkdir "$XT_TMP/www" "$XT_TMP/locks"
xt_random_file "$XT_TMP/www/blob" 4

xt_peer_bg SRV 90 python3 -m http.server --bind "$XT_PEER" \
    --directory "$XT_TMP/www" "$PORT" 2>"$XT_TMP/server.log"
xt_wait_port "$PORT"
URL=http://$XT_PEER:$PORT/blob

# every frame arriving at the peer from the shim side's veth
ip netns exec "$XT_NS_B" nft -f - <<NFT || xt_fail "nft setup failed"
table netdev xtc {
	chain in {
		type filter hook ingress device xb0 priority 0;
		ether type { arp, ip } counter name frames
		arp saddr ip 0.0.0.0 counter name probes
		ip protocol tcp counter name tcpseg
	}
	counter frames { }
	counter probes { }
	counter tcpseg { }
}
NFT
frames() {
	ip netns exec "$XT_NS_B" nft list counter netdev xtc "${1:-frames}" |
	    awk '/packets/ { for (i = 1; i < NF; i++)
		if ($i == "packets") print $(i + 1) }'
}

shim_curl() {
	xt_shim 20 env XTCP_LOCKDIR="${LOCKS:-$XT_TMP/locks}" "$@" \
	    curl -sS --fail --max-time 15 -o "$XT_TMP/out" "$URL"
}

ip netns exec "$XT_NS_A" ip addr add "$XT_SHIM/$XT_PLEN" dev "$XT_IF" ||
    xt_fail "cannot give $XT_SHIM to $XT_IF"
# let the kernel's own frames for the new address (if any) pass first
sleep 1
ip netns exec "$XT_NS_B" nft reset counter netdev xtc frames >/dev/null

problems=()
# ---- 1: refused, one line, no frame ----
rm -f "$XT_TMP/out"
if shim_curl 2>"$XT_TMP/c1.err"; then
	problems+=("curl succeeded on a kernel-owned address")
fi
n=$(grep -c 'XTCP_ADDR=' "$XT_TMP/c1.err")
(( n == 1 )) || problems+=("$n lines about XTCP_ADDR, want 1")
grep -q "is the kernel's on $XT_IF: ip addr del $XT_SHIM/$XT_PLEN dev $XT_IF, or choose another XTCP_ADDR" \
    "$XT_TMP/c1.err" || problems+=("no line naming the address and the fix")
grep -q 'EADDRNOTAVAIL' "$XT_TMP/c1.err" ||
    problems+=("the line does not say the sockets fail (EADDRNOTAVAIL)")
f=$(frames)
[[ $f == 0 ]] || problems+=("the refused stack sent $f frames")
(( ${#problems[@]} )) && xt_dump "$XT_TMP/c1.err"
xt_verdict "a kernel-owned XTCP_ADDR was not refused cleanly"

# ---- 2: XTCP_FALLBACK=kernel: the kernel's TCP serves ----
rm -f "$XT_TMP/out"
shim_curl XTCP_FALLBACK=kernel 2>"$XT_TMP/c2.err" ||
    problems+=("XTCP_FALLBACK=kernel: curl failed")
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out" ||
    problems+=("XTCP_FALLBACK=kernel: wrong bytes")
grep -q "XTCP_FALLBACK=kernel" "$XT_TMP/c2.err" ||
    problems+=("XTCP_FALLBACK=kernel: no line saying so")
(( ${#problems[@]} )) && xt_dump "$XT_TMP/c2.err"
xt_verdict "XTCP_FALLBACK=kernel on a kernel-owned address"

# ---- 3: control: the address given back, the stack runs and is seen ----
ip netns exec "$XT_NS_A" ip addr del "$XT_SHIM/$XT_PLEN" dev "$XT_IF"
ip netns exec "$XT_NS_B" ip neigh flush dev xb0
ip netns exec "$XT_NS_B" nft reset counter netdev xtc frames >/dev/null
rm -f "$XT_TMP/out"
shim_curl 2>"$XT_TMP/c3.err" || problems+=("control: curl failed")
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out" ||
    problems+=("control: wrong bytes")
f=$(frames)
(( f > 0 )) || problems+=("control: the counter saw no frame of the stack")
(( ${#problems[@]} )) && xt_dump "$XT_TMP/c3.err"
xt_verdict "control run"

# ---- 4: RFC 5227 probe: the peer's kernel has the address too ----
mkdir "$XT_TMP/locks4" "$XT_TMP/locks5"
ip netns exec "$XT_NS_B" ip addr add "$XT_SHIM/$XT_PLEN" dev xb0 ||
    xt_fail "cannot give $XT_SHIM to the peer"
sleep 1
ip netns exec "$XT_NS_B" nft reset counters table netdev xtc >/dev/null
rm -f "$XT_TMP/out"
LOCKS=$XT_TMP/locks4 shim_curl XTCP_ARP_PROBE_MS=600 2>"$XT_TMP/c4.err" &&
    problems+=("probe: curl succeeded on an address another host has")
n=$(grep -c 'XTCP_ADDR=' "$XT_TMP/c4.err")
(( n == 1 )) || problems+=("probe: $n lines about XTCP_ADDR, want 1")
grep -q "XTCP_ADDR=$XT_SHIM: another host on $XT_IF has it (RFC 5227 probe): choose another XTCP_ADDR" \
    "$XT_TMP/c4.err" || problems+=("probe: no line naming the conflict")
f=$(frames probes)
(( f >= 1 && f <= 3 )) || problems+=("probe: $f probes seen, want 1..3")
f=$(frames tcpseg)
[[ $f == 0 ]] || problems+=("probe: $f TCP frames sent on a taken address")
(( ${#problems[@]} )) && xt_dump "$XT_TMP/c4.err"
xt_verdict "the RFC 5227 probe did not refuse a taken address"
ip netns exec "$XT_NS_B" ip addr del "$XT_SHIM/$XT_PLEN" dev xb0
ip netns exec "$XT_NS_B" ip neigh flush dev xb0

# ---- 5: probe once per lease: 3 probes, then none for the next ----
ip netns exec "$XT_NS_B" nft reset counters table netdev xtc >/dev/null
for i in 1 2; do
	rm -f "$XT_TMP/out"
	t0=$(xt_now_ms)
	LOCKS=$XT_TMP/locks5 shim_curl XTCP_ARP_PROBE_MS=600 \
	    2>"$XT_TMP/c5.$i.err" || problems+=("lease run $i: curl failed")
	t1=$(xt_now_ms)
	xt_compare "$XT_TMP/www/blob" "$XT_TMP/out"
	f=$(frames probes)
	xt_log "lease run $i: $((t1 - t0)) ms, $f probes seen so far"
	(( f == 3 )) || problems+=("lease run $i: $f probes seen, want 3")
done
(( ${#problems[@]} )) && xt_dump "$XT_TMP/c5.1.err" "$XT_TMP/c5.2.err"
xt_verdict "probing once per lease"
xt_pass "kernel-owned and probed-taken addresses refused; one probe a lease"
