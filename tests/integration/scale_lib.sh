# SPDX-License-Identifier: BSD-2-Clause
# scale_lib.sh - helpers of the issue 12 scale tests (short_conn_*.sh,
# idle_18k.sh), sourced after lib.sh: the client and server programs
# (shortconn.c, shortsrv.c), a SYN counter on the peer, the narrowed
# ephemeral range, and reading the programs' summary lines.

SC_BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration
SC_CLIENT=$SC_BIN/shortconn
SC_SERVER=$SC_BIN/shortsrv
SC_PORT=5701		# the server's port
SC_LO=40000		# the ephemeral range, 1,000 ports: 4-tuples come
SC_HI=40999		# back every 1,000 connections to one server port

# sc_require: the programs and nft.
sc_require() {
	[[ -x $SC_CLIENT && -x $SC_SERVER ]] ||
	    xt_skip "$SC_CLIENT or $SC_SERVER is not built (make check builds them)"
}

# sc_shim_env: the environment words for the shimmed side (after the
# program under xt_shim's env): the narrowed range and a lock directory
# of the test's own, so that the state kept with the address (pool.c)
# starts empty and goes away with the test.
sc_shim_env() {
	echo "XTCP_PORT_RANGE=$SC_LO-$SC_HI"
	echo "XTCP_LOCKDIR=$XT_TMP/lock"
	echo "XTCP_STATS=$XT_TMP/stats"
}

# sc_stats NAME...: those counters of the shimmed processes (XTCP_STATS
# appends one block per process), for the log.
sc_stats() {
	local n
	[[ -f $XT_TMP/stats ]] || return 0
	for n in "$@"; do
		xt_log "counter $n: $(awk -v k="$n" '$1 == k { printf "%s ", $2 }' "$XT_TMP/stats")"
	done
}

# sc_kernel_range NS: the same range for the kernel's TCP in NS (kernel
# mode, and the kernel client of short_conn_server.sh).
sc_kernel_range() {
	ip netns exec "$1" sysctl -qw \
	    net.ipv4.ip_local_port_range="$SC_LO $SC_HI" >/dev/null ||
	    xt_fail "cannot narrow ip_local_port_range in $1"
}

# sc_syn_counter NS HOOK: count the SYNs (SYN without ACK) to or from
# SC_PORT that NS receives (HOOK prerouting) or sends (HOOK output).
sc_syn_counter() {
	xt_require_cmd nft
	ip netns exec "$1" nft -f - <<NFT || xt_skip "nft cannot add a counter in a namespace here"
table ip xtscale {
	chain c {
		type filter hook $2 priority -300; policy accept;
		tcp dport $SC_PORT tcp flags & (syn | ack) == syn counter
	}
}
NFT
}

# sc_syn_count NS: the SYNs counted so far.
sc_syn_count() {
	ip netns exec "$1" nft list chain ip xtscale c 2>/dev/null |
	    awk '/counter packets/ { for (i = 1; i < NF; i++)
		if ($i == "packets") print $(i + 1) }'
}

# sc_field FILE NAME: the number after NAME in the last summary line of
# FILE ("shortconn: ok N failed F ..."), empty if none.
sc_field() {
	grep -E '^short(conn|srv): ' "$1" | tail -n 1 |
	    awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# sc_collect SERVER_PID: after a client run into $XT_TMP/client.out, stop
# the server ($XT_TMP/stop) and wait for it; show both outputs; set src
# (the server's status), syns (SYNs counted at the peer), and ok, slow
# and ms from the client's summary line.
# shellcheck disable=SC2034  # the callers read what it sets
sc_collect() {
	touch "$XT_TMP/stop"
	xt_wait_pid "$1" 10
	src=$?
	syns=$(sc_syn_count "$XT_NS_B")
	cat "$XT_TMP/client.out" "$XT_TMP/server.out" | grep -v ' done, '
	ok=$(sc_field "$XT_TMP/client.out" ok)
	slow=$(sc_field "$XT_TMP/client.out" slow)
	ms=$(sc_field "$XT_TMP/client.out" elapsed_ms)
}

# sc_wait_line FILE WORD SECONDS: until FILE has a line with WORD.
sc_wait_line() {
	local i
	for (( i = 0; i < $3 * 10; i++ )); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
