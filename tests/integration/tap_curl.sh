#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tap_curl.sh - the TAP backend (XTCP_TAP, io_uring).  In a namespace of
# its own the test makes a TAP whose kernel side is the peer (10.92.0.1);
# the shim takes 10.92.0.2 on the other side of it.  Byte-exact:
#   1. curl under the shim fetches MIB MiB from a kernel http.server;
#   2. nc under the shim sends MIB MiB to a kernel nc, with io_uring and
#      with plain read/write (XTCP_TAP_URING=0);
#   3. as 1, run as the unprivileged user nobody, who owns the TAP
#      (`ip tuntap add ... user nobody`): no CAP_NET_RAW needed;
#   4. XTCP_TAP together with XTCP_IF is refused with one clear line.

. "$(dirname "$0")/lib.sh"

PORT=8081
NCPORT=8082
MIB=${XTTEST_MIB:-20}
TAP=xtap0
KADDR=10.92.0.1
SADDR=10.92.0.2

xt_require_all curl python3 ss nc
[[ -c /dev/net/tun ]] || xt_skip "no /dev/net/tun on this machine"
xt_init
NS=$XT_NAME-t
ip netns add "$NS" 2>"$XT_TMP/ns.err" ||
    { xt_dump "$XT_TMP/ns.err"; xt_skip "cannot create a network namespace"; }
xt_at_exit "ip netns del $NS"
ip -n "$NS" link set dev lo up
ip -n "$NS" tuntap add dev "$TAP" mode tap user 65534 2>"$XT_TMP/tap.err" ||
    { xt_dump "$XT_TMP/tap.err"; xt_skip "cannot create a TAP device"; }
ip -n "$NS" addr add "$KADDR/24" dev "$TAP"
ip -n "$NS" link set dev "$TAP" up

in_ns() {
	local secs=$1
	shift
	ip netns exec "$NS" timeout -k 2 "$secs" "$@"
}

shim_env() {
	echo "LD_PRELOAD=$(xt_preload)"
	echo "XTCP_TAP=$TAP"
	echo "XTCP_ADDR=$SADDR/24"
	echo "XTCP_LOG=${XTCP_LOG:-error}"
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}"
}
mapfile -t ENVS < <(shim_env)

wait_port() {
	local i
	for (( i = 0; i < 50; i++ )); do
		in_ns 5 ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	xt_fail "nothing listens on port $1"
}

mkdir "$XT_TMP/www"
chmod 755 "$XT_TMP/www"
xt_random_file "$XT_TMP/www/blob" "$MIB"
chmod 644 "$XT_TMP/www/blob"

xt_bg SRV in_ns 150 python3 -m http.server "$PORT" --bind "$KADDR" \
    --directory "$XT_TMP/www" >"$XT_TMP/server.log" 2>&1
wait_port "$PORT"

# 1. fetch
t0=$(xt_now_ms)
in_ns 60 env "${ENVS[@]}" curl -sS --fail --max-time 50 -o "$XT_TMP/out" \
    "http://$KADDR:$PORT/blob" 2>"$XT_TMP/curl.err"
rc=$?
t1=$(xt_now_ms)
if (( rc != 0 )); then
	xt_dump "$XT_TMP/curl.err" "$XT_TMP/server.log"
	xt_fail "curl over the TAP exited with status $rc after $(( t1 - t0 )) ms"
fi
xt_compare "$XT_TMP/www/blob" "$XT_TMP/out"
fetch_ms=$(( t1 - t0 ))

# 2. send, through io_uring and (XTCP_TAP_URING=0) plain read/write
for uring in 1 0; do
	xt_bg NCS in_ns 60 nc -l -p "$NCPORT" -s "$KADDR" >"$XT_TMP/nc.out" \
	    2>"$XT_TMP/nc.err"
	wait_port "$NCPORT"
	in_ns 60 env "${ENVS[@]}" XTCP_TAP_URING=$uring nc -N "$KADDR" \
	    "$NCPORT" <"$XT_TMP/www/blob" 2>"$XT_TMP/ncc.err"
	rc=$?
	xt_wait_pid "$NCS" 30 || true
	if (( rc != 0 )); then
		xt_dump "$XT_TMP/ncc.err" "$XT_TMP/nc.err"
		xt_fail "nc over the TAP (XTCP_TAP_URING=$uring) exited with status $rc"
	fi
	xt_compare "$XT_TMP/www/blob" "$XT_TMP/nc.out"
done

# 3. unprivileged, on the TAP nobody owns
unpriv="skipped"
if ! xt_nobody_tun "$NS" "$XTTEST_LIB"; then
	xt_log "the unprivileged fetch is skipped"
else
	mkdir "$XT_TMP/u"
	chmod 777 "$XT_TMP/u"
	in_ns 60 "${XT_NOBODY[@]}" env "${ENVS[@]}" \
	    curl -sS --fail --max-time 50 \
	    -o "$XT_TMP/u/out" "http://$KADDR:$PORT/blob" 2>"$XT_TMP/curlu.err"
	rc=$?
	if (( rc != 0 )); then
		xt_dump "$XT_TMP/curlu.err" "$XT_TMP/server.log"
		xt_fail "curl as nobody over its own TAP exited with status $rc"
	fi
	xt_compare "$XT_TMP/www/blob" "$XT_TMP/u/out"
	unpriv="as nobody too"
fi

# 4. one device at a time
in_ns 10 env LD_PRELOAD="$(xt_preload)" XTCP_TAP="$TAP" XTCP_IF="$TAP" \
    XTCP_ADDR="$SADDR/24" python3 -c 'import socket; socket.socket()' \
    >/dev/null 2>"$XT_TMP/both.err"
grep -q "XTCP_TAP: not with XTCP_IF" "$XT_TMP/both.err" || {
	xt_dump "$XT_TMP/both.err"
	xt_fail "XTCP_TAP with XTCP_IF was not refused with its message"
}

xt_pass "$MIB MiB each way over a TAP (fetch $fetch_ms ms), $unpriv"
