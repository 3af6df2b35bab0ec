#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# curl_refused.sh - acceptance 4: curl under the shim to a port with no
# listener reports "Connection refused" (curl exit status 7) within 1 s.

. "$(dirname "$0")/lib.sh"

PORT=8081
LIMIT_MS=${XTTEST_REFUSED_MS:-1000}

xt_setup curl ss

if ip netns exec "$XT_NS_B" ss -Hltn "sport = :$PORT" | grep -q .; then
	xt_fail "something listens on $XT_PEER:$PORT in a fresh namespace"
fi

t0=$(xt_now_ms)
xt_shim 10 curl -sS -v --max-time 5 -o /dev/null "http://$XT_PEER:$PORT/" 2>"$XT_TMP/curl.err"
rc=$?
t1=$(xt_now_ms)
ms=$(( t1 - t0 ))
grep -iE 'connect|refused|fail' "$XT_TMP/curl.err"
if (( rc != 7 )); then
	xt_dump "$XT_TMP/curl.err"
	xt_fail "curl exited with status $rc after $ms ms, expected 7 (couldn't connect)"
fi
# curl -v prints strerror(errno) of the failed connect: the shim must
# have turned the peer's RST into ECONNREFUSED.
if ! grep -qi 'connection refused' "$XT_TMP/curl.err"; then
	xt_fail "curl did not report 'Connection refused' (connect failed with another error)"
fi
if (( ms > LIMIT_MS )); then
	xt_fail "refusal took $ms ms, more than $LIMIT_MS ms"
fi
xt_pass "refused in $ms ms"
