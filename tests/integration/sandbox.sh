#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# sandbox.sh - issue 13: a member that may not use the device.  A
# program under the shim connects to a kernel echo server, then installs
# a seccomp filter on its thread, as OpenSSH's pre-authentication child
# does, that kills it on sendto, sendmmsg, recvmmsg, epoll, eventfd2,
# clone and the socket calls (sandbox_test.c); then 64 echo rounds of
# 16 KiB must come back byte-exact and the connection end cleanly.  The
# shim sees prctl(PR_SET_SECCOMP) and leaves the device to its stack
# thread (sandbox.c); without that, the first send kills the program
# with SIGSYS.  Before the filter the program lowers RLIMIT_NOFILE to 1
# (ppoll then refuses the shim's longer set: poll.c asks again with the
# live entries) and RLIMIT_NPROC to 0.  Run with the default
# XTCP_DEVWAIT (a waiting program thread would receive from the device
# itself), with XTCP_SPIN_US (it would poll it), and in a fork child
# (whose stack threads must start before the limits, from setrlimit).

. "$(dirname "$0")/lib.sh"

PORT=7201
BIN=${XTTEST_BUILDDIR:-$PWD}/tests/integration/sandbox_test
[[ -x $BIN ]] || xt_skip "sandbox_test not built (make check builds it)"
xt_setup socat
problems=()

run() {
	local what=$1 out rc
	shift
	xt_peer_bg SRV 60 socat TCP-LISTEN:$PORT,reuseaddr PIPE
	xt_wait_port $PORT
	out=$(xt_shim 60 env "$@" "$BIN" "$XT_PEER" $PORT 64 ${MODE:-} \
	    2>"$XT_TMP/$what.err")
	rc=$?
	kill -TERM "$SRV" 2>/dev/null
	xt_wait_pid "$SRV" 5
	if (( rc == 77 )); then
		xt_skip "sandbox_test's filter is for x86-64 only"
	elif (( rc != 0 )); then
		xt_dump "$XT_TMP/$what.err"
		case $rc in
		159) rc="$rc (SIGSYS: a denied system call)" ;;
		153) rc="$rc (SIGXFSZ: a log line under RLIMIT_FSIZE 0, the shim could not prepare)" ;;
		esac
		problems+=("$what: the sandboxed program exited with status $rc")
	else
		xt_log "$what: $out"
	fi
	PORT=$(( PORT + 1 ))
}

run devwait XTCP_DEVWAIT=1
run spin XTCP_SPIN_US=200
MODE=fork run fork XTCP_DEVWAIT=1
xt_verdict "a sandboxed member"
xt_pass "echo rounds byte-exact under a seccomp filter, device left to the stack thread"
