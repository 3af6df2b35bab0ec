#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# loss_transfer.sh - acceptance 5: a 20 MB transfer through 2% random loss
# in both directions completes byte-exact.  curl under the shim fetches from
# the kernel's HTTP server in the peer namespace.
#
# This kernel has no netem: the loss comes from nftables netdev chains on
# the peer's veth (xb0), ingress (shim -> peer) and egress (peer -> shim),
# each dropping TCP frames with `numgen random mod 100 < 2`.  Drops have to
# happen before the frames reach the shim's AF_PACKET socket (which sees
# frames before any ingress hook on its own veth), hence both chains on
# the peer's side.  Egress chains need Linux >= 5.16; on an older kernel
# the peer -> shim direction falls back to tc's gact action on xb0 egress,
# and the test skips if neither is available.

. "$(dirname "$0")/lib.sh"

PORT=8082
MIB=${XTTEST_MIB:-20}
PCT=${XTTEST_LOSS_PCT:-2}

# Offloads off (netns-topology --no-offload, which also sets gso_max_segs
# 1): every frame the hooks see is one MSS-sized segment, so 2% of frames
# is 2% of segments.  Otherwise the egress hook sees the kernel's GSO
# super-packets, before they are cut up, and one drop loses ~45 segments.
XT_TOPO_OPTS=(--no-offload)
xt_setup curl python3 ss nft ethtool

nft_ingress() {
	ip netns exec "$XT_NS_B" nft -f - <<-NFT
	table netdev xtloss {
		chain in {
			type filter hook ingress device "xb0" priority 0; policy accept;
			meta protocol ip ip protocol tcp numgen random mod 100 < $PCT counter drop
		}
	}
	NFT
}

nft_egress() {
	ip netns exec "$XT_NS_B" nft -f - <<-NFT
	table netdev xtloss {
		chain out {
			type filter hook egress device "xb0" priority 0; policy accept;
			meta protocol ip ip protocol tcp numgen random mod 100 < $PCT counter drop
		}
	}
	NFT
}

tc_egress() {
	ip -n "$XT_NS_B" link show dev xb0 >/dev/null &&
	ip netns exec "$XT_NS_B" tc qdisc add dev xb0 clsact &&
	ip netns exec "$XT_NS_B" tc filter add dev xb0 egress protocol ip \
	    u32 match u32 0 0 action gact ok random netrand drop $(( 100 / PCT ))
}

nft_ingress 2>"$XT_TMP/nft.err" || {
	xt_dump "$XT_TMP/nft.err"
	xt_skip "nftables cannot add a netdev ingress chain here"
}
how="nft ingress+egress"
if ! nft_egress 2>"$XT_TMP/nft.err"; then
	if tc_egress 2>"$XT_TMP/tc.err"; then
		how="nft ingress + tc gact egress"
	else
		xt_dump "$XT_TMP/nft.err" "$XT_TMP/tc.err"
		xt_skip "no way to drop the peer's outgoing frames (nft egress needs Linux >= 5.16; tc gact missing)"
	fi
fi
xt_log "loss $PCT% each way via $how"

mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"
xt_peer_bg SRV 150 python3 -m http.server "$PORT" --bind "$XT_PEER" \
    --directory "$XT_TMP/www" >"$XT_TMP/server.log" 2>&1
xt_wait_port "$PORT"

t0=$(xt_now_ms)
xt_shim 120 curl -sS --fail --max-time 110 -o "$XT_TMP/out" \
    "http://$XT_PEER:$PORT/blob" 2>"$XT_TMP/curl.err"
rc=$?
t1=$(xt_now_ms)
ip netns exec "$XT_NS_B" nft list table netdev xtloss 2>/dev/null |
    awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { if (n != "") print "'"$XT_TEST"': nft dropped " n " frames" }'
if (( rc != 0 )); then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/server.log"
	xt_fail "curl exited with status $rc after $(( t1 - t0 )) ms"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out"
xt_pass "$MIB MiB through $PCT% loss in $(( t1 - t0 )) ms"
