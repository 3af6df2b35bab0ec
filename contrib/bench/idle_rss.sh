#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# contrib/bench/idle_rss.sh - RSS and address space per idle established
# connection of a shimmed process (contrib/bench/idle_rss.c): a kernel
# listener in NAME-b holds the connections open, the shimmed program in
# NAME-a opens N of them and prints one line:
#
#   conns N rss_kb BEFORE AFTER rss_per_conn_bytes X vsz_per_conn_bytes Y
#   connect_us_avg Z
#
#   contrib/bench/idle_rss.sh [-n N] [-r ROUNDS] [-k]
#
# -k also runs the same program on the kernel's TCP (its socket memory is
# kernel memory, not RSS: the line shows what the process itself pays).
# XTCP_LIB picks the library (default: the build's .libs/libxtcp.so).
# Needs root; the namespaces (xtidle<pid>-a/-b, 10.97.0.0/24) are deleted
# at the end.  Each round takes a few seconds.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
n=2000 rounds=1 kern=0
while getopts n:r:k opt; do
	case $opt in
	n) n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	k) kern=1 ;;
	*) echo "usage: $0 [-n N] [-r ROUNDS] [-k]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "idle_rss: needs root (network namespaces)" >&2; exit 77; }
lib=${XTCP_LIB:-$top/.libs/libxtcp.so}
[ -f "$lib" ] || { echo "idle_rss: $lib not built (run make)" >&2; exit 1; }
tmp=$(mktemp -d)
bin=$tmp/idle_rss
cc -O2 -o "$bin" "$top/contrib/bench/idle_rss.c"

name=xtidle$$
net=10.97.0.0/24 peer=10.97.0.1 me=10.97.0.2
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	"$top/contrib/netns-topology" down "$name" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
XTCP_TOPO_NET=$net "$top/contrib/netns-topology" up "$name" --net "$net" >/dev/null
A=$name-a B=$name-b
# the listener's backlog and the port range must take N at once
ip netns exec "$B" sysctl -qw net.core.somaxconn=65535 \
    net.ipv4.tcp_max_syn_backlog=65535 2>/dev/null || true

for r in $(seq "$rounds"); do
	port=$((20000 + RANDOM % 20000))
	ip netns exec "$B" timeout 120 "$bin" serve "$port" &
	srv=$!
	sleep 0.3
	echo -n "shim   "
	ip netns exec "$A" timeout 120 env LD_PRELOAD="$lib" \
	    XTCP_IF=xa0 XTCP_ADDR="$me/24" "$bin" open "$peer" "$port" "$n"
	if [ "$kern" = 1 ]; then
		ip -n "$A" addr add "$me/24" dev xa0
		echo -n "kernel "
		ip netns exec "$A" timeout 120 "$bin" open "$peer" "$port" "$n"
		ip -n "$A" addr flush dev xa0
		ip -n "$B" neigh flush dev xb0 2>/dev/null || true
	fi
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	srv=
done
