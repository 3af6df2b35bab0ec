#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# loopback_handover.sh - issue 3 acceptance 5 and the handover rules:
#  1. curl under the shim fetches from a kernel server on 127.0.0.1 in
#     its own namespace (connect to loopback -> a kernel socket);
#  2. the same through XTCP_PASSTHROUGH to a kernel address (10.77.0.1 on
#     lo) that the stack could not reach (without the variable the fetch
#     fails);
#  3. http.server under the shim bound to 127.0.0.1 (bind to loopback ->
#     a kernel socket) serves the kernel's curl;
#  4. nc -l under the shim with XTCP_LISTEN_KERNEL=1 (listening on
#     INADDR_ANY) accepts the kernel's nc from 127.0.0.1.
# sha256 must match each time.

. "$(dirname "$0")/lib.sh"

PORT1=8094
PORT2=8095
PORT3=8096
PORT4=8097
PASSADDR=10.77.0.1
MIB=${XTTEST_MIB:-20}

xt_setup curl python3 ss
mkdir "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"

# a_kernel SECONDS CMD...: CMD in the shim's namespace, without the shim
a_kernel() {
	local secs=$1
	shift
	ip netns exec "$XT_NS_A" timeout -k 2 "$secs" "$@"
}

# wait_a_port ADDR PORT: until the kernel in the shim's namespace listens
# (at most 15 s)
wait_a_port() {
	local i
	for (( i = 0; i < 150; i++ )); do
		ip netns exec "$XT_NS_A" ss -Hltn "src $1:$2" 2>/dev/null |
		    grep -q . && return 0
		sleep 0.1
	done
	xt_fail "nothing listening on $1:$2 in $XT_NS_A after 15 s"
}

ip -n "$XT_NS_A" addr add "$PASSADDR/32" dev lo ||
    xt_fail "cannot add $PASSADDR to lo in $XT_NS_A"

# ---- 1: connect to 127.0.0.1 ----
xt_bg S1 a_kernel 90 python3 -m http.server "$PORT1" --bind 127.0.0.1 \
    --directory "$XT_TMP/www" >"$XT_TMP/s1.log" 2>&1
wait_a_port 127.0.0.1 "$PORT1"
xt_shim 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out1" \
    "http://127.0.0.1:$PORT1/blob" 2>"$XT_TMP/c1.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/c1.err" "$XT_TMP/s1.log"
	xt_fail "curl under the shim to 127.0.0.1 exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out1"

# ---- 2: XTCP_PASSTHROUGH ----
xt_bg S2 a_kernel 90 python3 -m http.server "$PORT2" --bind "$PASSADDR" \
    --directory "$XT_TMP/www" >"$XT_TMP/s2.log" 2>&1
wait_a_port "$PASSADDR" "$PORT2"
if [[ $XTTEST_KERNEL != 1 ]]; then
	if xt_shim 20 curl -sS --fail --max-time 5 -o "$XT_TMP/out2x" \
	    "http://$PASSADDR:$PORT2/blob" 2>"$XT_TMP/c2x.err"; then
		xt_fail "without XTCP_PASSTHROUGH the stack reached $PASSADDR (expected ENETUNREACH)"
	fi
	xt_log "without XTCP_PASSTHROUGH: $(tail -n 1 "$XT_TMP/c2x.err")"
fi
xt_shim 60 env XTCP_PASSTHROUGH=192.0.2.0/24,${PASSADDR%.*}.0/24 \
    curl -sS --fail --max-time 50 -o "$XT_TMP/out2" \
    "http://$PASSADDR:$PORT2/blob" 2>"$XT_TMP/c2.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/c2.err" "$XT_TMP/s2.log"
	xt_fail "curl under the shim with XTCP_PASSTHROUGH exited with status $rc"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out2"

# ---- 3: bind to 127.0.0.1 under the shim ----
xt_shim_bg S3 90 python3 -m http.server "$PORT3" --bind 127.0.0.1 \
    --directory "$XT_TMP/www" >"$XT_TMP/s3.log" 2>&1
# handed over, so the kernel's ss sees it
wait_a_port 127.0.0.1 "$PORT3"
a_kernel 60 curl -sS --fail --max-time 50 -o "$XT_TMP/out3" \
    "http://127.0.0.1:$PORT3/blob" 2>"$XT_TMP/c3.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/c3.err" "$XT_TMP/s3.log"
	xt_fail "the kernel's curl could not fetch from http.server under the shim on 127.0.0.1 (status $rc)"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out3"

# ---- 4: XTCP_LISTEN_KERNEL=1 ----
# End the servers first: the shimmed one holds the stack's address
# (XTCP_ADDR's lock), which the next shimmed process needs.  Every
# process in the shim's namespace is one of ours.
pids=$(ip netns pids "$XT_NS_A")
# shellcheck disable=SC2086
[[ -n $pids ]] && kill -TERM $pids 2>/dev/null
xt_wait_pid "$S3" 5
xt_shim_bg S4 60 env XTCP_LISTEN_KERNEL=1 nc -l "$PORT4" </dev/null \
    >"$XT_TMP/out4" 2>"$XT_TMP/s4.err"
# the kernel listener on 127.0.0.1 shows in ss (in kernel mode nc itself
# listens on 0.0.0.0)
if [[ $XTTEST_KERNEL == 1 ]]; then
	wait_a_port 0.0.0.0 "$PORT4"
else
	wait_a_port 127.0.0.1 "$PORT4"
fi
a_kernel 60 nc -N -w 10 127.0.0.1 "$PORT4" <"$XT_TMP/www/blob" \
    2>"$XT_TMP/c4.err"
rc=$?
if (( rc != 0 )); then
	xt_dump "$XT_TMP/c4.err" "$XT_TMP/s4.err"
	xt_fail "the kernel's nc could not send to nc -l under the shim with XTCP_LISTEN_KERNEL=1 (status $rc)"
fi
xt_wait_pid "$S4" 20
rc=$?
(( rc == 0 )) || { xt_dump "$XT_TMP/s4.err"; xt_fail "nc -l under the shim exited with status $rc"; }
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out4"
xt_pass "connect to 127.0.0.1, XTCP_PASSTHROUGH, bind to 127.0.0.1 and XTCP_LISTEN_KERNEL handed over; $MIB MiB byte-exact each"
