#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# illumos_examples.sh - issue 4 acceptance 2: the example programs of the
# illumos tcp(4P) page (../shared/seeds/002_*.txt, EXAMPLES), client.c and
# server.c in this directory, written out from the page unchanged.  They
# build on Linux without -lsocket; -std=c99 alone hides getaddrinfo() in
# glibc, so the build adds -D_POSIX_C_SOURCE=200809L (Makefile.am).
#
# Three scenarios, each run on the kernel's TCP first (which checks the
# script) and then with the shim:
#   A  server.c under the shim (10.99.0.2), five kernel client.c runs from
#      the peer namespace;
#   B  client.c under the shim, five times, against a kernel server.c in
#      the peer namespace;
#   C  both under the shim, across the two namespaces: the server on xa0
#      (10.99.0.2), the client in the peer namespace with a stack of its
#      own on xb0 (XTCP_ADDR 10.99.0.3, an address the kernel there does
#      not have).
# Every client must print "hello" (the page's output), and every server
#   waiting for clients...
#   sent 6 bytes to ADDR:PORT      (five times, ADDR the client's)
#   finished.
# as the page shows (its addresses are IPv6-mapped; ours are IPv4).

. "$(dirname "$0")/../lib.sh"

DIR=${XTTEST_BUILDDIR:-$PWD}/tests/integration/illumos
CLIENT=$DIR/client
SERVER=$DIR/server
PORT=8080	# the page's; B and C use 8081 and 8082 (the server does not set
		# SO_REUSEADDR, and A's connections wait in TIME-WAIT on 8080)

xt_require_all ss
xt_init
[[ -x $CLIENT && -x $SERVER ]] || xt_skip "$CLIENT and $SERVER are not built (make check builds them)"

# check_server FILE CLIENT_ADDR
check_server() {
	local f=$1 addr=$2 want got
	want=$(printf 'waiting for clients...\n'; for i in 1 2 3 4 5; do
	    printf 'sent 6 bytes to %s:PORT\n' "$addr"; done; printf 'finished.\n')
	got=$(sed -E 's/:[0-9]+$/:PORT/' "$f")
	[[ $got == "$want" ]] || { echo "--- server output"; cat "$f";
	    xt_fail "$mode $scen: the server did not print what the page shows"; }
}

# run_clients N CMD...: run the client N times, each must print "hello"
run_clients() {
	local n=$1 i j out
	shift
	for (( i = 0; i < n; i++ )); do
		for (( j = 0; j < 50; j++ )); do
			out=$("$@" 2>>"$XT_TMP/client.err") && break
			sleep 0.1
		done
		[[ $out == hello ]] ||
		    xt_fail "$mode $scen: client run $((i + 1)) printed '$out' (want 'hello')"
	done
}

# shim env for a stack in the peer namespace (scenario C)
peer_shim_env() {
	if [[ $XTTEST_KERNEL == 1 ]]; then
		return 0
	fi
	echo "LD_PRELOAD=$(xt_preload)"
	echo "XTCP_IF=xb0"
	echo "XTCP_ADDR=${XT_PEER%.*}.3/$XT_PLEN"
	echo "XTCP_LOG=${XTCP_LOG:-error}"
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}"
}

run_pass() {
	local saved=$XTTEST_KERNEL srv envs=() caddr
	mode=$1
	[[ $mode == kernel ]] && XTTEST_KERNEL=1
	xt_topology_up

	scen=A
	xt_shim_bg srv 60 "$SERVER" "$PORT" $'hello\n' >"$XT_TMP/$mode-A.out" 2>"$XT_TMP/$mode-A.err"
	run_clients 5 xt_peer 10 "$CLIENT" "$XT_SHIM" "$PORT"
	xt_wait_pid "$srv" 20 || { xt_dump "$XT_TMP/$mode-A.err"; xt_fail "$mode A: the server did not finish"; }
	check_server "$XT_TMP/$mode-A.out" "$XT_PEER"
	xt_log "$mode A: shim server, kernel clients: as the page"

	scen=B
	xt_peer_bg srv 60 "$SERVER" $((PORT + 1)) $'hello\n' >"$XT_TMP/$mode-B.out" 2>"$XT_TMP/$mode-B.err"
	xt_wait_port $((PORT + 1))
	run_clients 5 xt_shim 10 "$CLIENT" "$XT_PEER" $((PORT + 1))
	xt_wait_pid "$srv" 20 || xt_fail "$mode B: the server did not finish"
	check_server "$XT_TMP/$mode-B.out" "$XT_SHIM"
	xt_log "$mode B: shim client, kernel server: as the page"

	scen=C
	caddr=$XT_PEER
	mapfile -t envs < <(peer_shim_env)
	[[ $mode == shim ]] && caddr=${XT_PEER%.*}.3
	xt_shim_bg srv 60 "$SERVER" $((PORT + 2)) $'hello\n' >"$XT_TMP/$mode-C.out" 2>"$XT_TMP/$mode-C.err"
	run_clients 5 xt_peer 10 env "${envs[@]}" "$CLIENT" "$XT_SHIM" $((PORT + 2))
	xt_wait_pid "$srv" 20 || { xt_dump "$XT_TMP/$mode-C.err" "$XT_TMP/client.err"; xt_fail "$mode C: the server did not finish"; }
	check_server "$XT_TMP/$mode-C.out" "$caddr"
	xt_log "$mode C: shim server and shim client across the namespaces: as the page"

	XTTEST_KERNEL=$saved
	"$XT_TOPOLOGY" down "$XT_NAME" >/dev/null 2>&1
}

run_pass kernel
[[ $XTTEST_KERNEL == 1 ]] && xt_pass "kernel pass only"
run_pass shim
xt_pass "client.c and server.c print what the page shows, on the kernel and under the shim"
