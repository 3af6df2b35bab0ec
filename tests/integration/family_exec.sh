#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# family_exec.sh - issue 13, "sockets survive exec": a shimmed process
# opens a connection, uses it, and replaces its image (bash's `exec`);
# the new image, also under the shim, carries on with the same socket on
# the descriptors it inherited, byte-exact both ways:
#
#   down  bash connects to a kernel server, reads the first bytes itself,
#         then `exec cat <&100`: cat receives the rest.
#   up    python connects, sends a first part itself, then dup2()s the
#         socket to fd 1 and execs cat FILE: cat sends the rest and
#         exits (its FIN).  Python's socket is close-on-exec: only fd 1
#         is handed over.
#   nopre bash connects, then execs env(1), which runs cat with
#         LD_PRELOAD removed: env's image (under the shim) logs that the
#         socket is a plain eventfd for the new image, and cat fails
#         (EAGAIN on the non-blocking eventfd, after at most its 8-byte
#         counter): the clear error of xtcp(7), never the connection's
#         bytes.
#   static bash connects, then execs a static program (ldconfig): the log
#         line names it a static program that LD_PRELOAD cannot reach.
#   tap   as down, over a TAP driven with io_uring: the new image reads
#         and writes the TAP descriptor itself.
#
# Descriptor 100: the stack's own device descriptors take the lowest free
# numbers when it starts (3 and up), which bash's `exec 3<>` cannot
# replace.

. "$(dirname "$0")/lib.sh"

PORT=7101
MIB=${XTTEST_MIB:-4}

xt_setup socat bash cat env python3
xt_random_file "$XT_TMP/in" "$MIB"
problems=()

# ---- down: the new image receives ----
xt_peer_bg SRV 60 socat -u OPEN:"$XT_TMP/in" TCP-LISTEN:$PORT,reuseaddr
xt_wait_port $PORT
XTCP_LOG=info xt_shim 60 env LC_ALL=C bash -c '
	exec 100<>/dev/tcp/'"$XT_PEER/$PORT"' || exit 3
	read -r -N 5 head <&100 || exit 4
	printf %s "$head"
	exec cat <&100' >"$XT_TMP/down" 2>"$XT_TMP/down.err"
rc=$?
xt_wait_pid "$SRV" 10
if (( rc != 0 )); then
	xt_dump "$XT_TMP/down.err"
	problems+=("down: the shimmed bash/cat exited with status $rc")
elif [[ $XTTEST_KERNEL != 1 ]] &&
    ! grep -q 'exec: the family.s stack taken over: 2 sockets' "$XT_TMP/down.err"; then
	xt_dump "$XT_TMP/down.err"
	problems+=("down: cat's image did not take the socket over (no log line)")
elif ! cmp -s "$XT_TMP/in" "$XT_TMP/down"; then
	problems+=("down: received $(stat -c %s "$XT_TMP/down") bytes, not the $(stat -c %s "$XT_TMP/in") sent (or other bytes)")
else
	xt_log "down: $(stat -c %s "$XT_TMP/down") bytes byte-exact across the exec"
fi

# ---- up: the new image sends and closes ----
PORT=$(( PORT + 1 ))
xt_peer_bg SRV 60 socat -u TCP-LISTEN:$PORT,reuseaddr CREATE:"$XT_TMP/up"
xt_wait_port $PORT
printf 'first part, from python\n' >"$XT_TMP/up.want"
cat "$XT_TMP/in" >>"$XT_TMP/up.want"
xt_shim 60 python3 -c '
import os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"first part, from python\n")
os.dup2(s.fileno(), 1)	# inheritable; the socket itself is close-on-exec
os.execvp("cat", ["cat", sys.argv[3]])' "$XT_PEER" "$PORT" "$XT_TMP/in" \
    2>"$XT_TMP/up.err"
rc=$?
xt_wait_pid "$SRV" 20
src=$?
if (( rc != 0 || src != 0 )); then
	xt_dump "$XT_TMP/up.err"
	problems+=("up: the shimmed side exited with $rc, the kernel server with $src")
elif ! cmp -s "$XT_TMP/up.want" "$XT_TMP/up"; then
	problems+=("up: the server got $(stat -c %s "$XT_TMP/up" 2>/dev/null || echo no) bytes, want $(stat -c %s "$XT_TMP/up.want") byte-exact")
else
	xt_log "up: $(stat -c %s "$XT_TMP/up") bytes byte-exact across the exec"
fi

if [[ $XTTEST_KERNEL == 1 ]]; then
	# the rest is the shim's own behaviour: the kernel's sockets are
	# sockets in any image
	xt_verdict "sockets across exec"
	xt_pass "kernel mode: a connection carried across exec, both ways"
fi

# ---- nopre: the new image runs without the shim ----
PORT=$(( PORT + 1 ))
xt_peer_bg SRV 30 socat -u OPEN:"$XT_TMP/in" TCP-LISTEN:$PORT,reuseaddr
xt_wait_port $PORT
XTCP_LOG=warn xt_shim 30 bash -c '
	exec 100<>/dev/tcp/'"$XT_PEER/$PORT"' || exit 3
	exec env -u LD_PRELOAD cat <&100' >"$XT_TMP/nopre" 2>"$XT_TMP/nopre.err"
rc=$?
kill -TERM "$SRV" 2>/dev/null
xt_wait_pid "$SRV" 5
if (( rc == 0 )); then
	problems+=("nopre: cat without the shim read the stack socket's fd and succeeded ($(stat -c %s "$XT_TMP/nopre") bytes)")
elif ! grep -q 'LD_PRELOAD does not name libxtcp.*plain eventfd' "$XT_TMP/nopre.err"; then
	xt_dump "$XT_TMP/nopre.err"
	problems+=("nopre: no log line saying the socket is a plain eventfd without the shim")
elif (( $(stat -c %s "$XT_TMP/nopre") > 8 )) ||
    { [[ -s $XT_TMP/nopre ]] && cmp -s -n 8 "$XT_TMP/nopre" "$XT_TMP/in"; }; then
	# at most the eventfd's 8-byte counter, never the connection's bytes
	problems+=("nopre: cat without the shim printed $(stat -c %s "$XT_TMP/nopre") bytes of the connection")
else
	xt_log "nopre: $(grep -o 'exec of [^:]*: .*' "$XT_TMP/nopre.err" | head -1)"
fi

# ---- static: the new image is a static program (Debian's ldconfig) ----
STATIC=
for f in /sbin/ldconfig /usr/sbin/ldconfig; do
	command -v readelf >/dev/null 2>&1 || break
	if [[ -x $f ]] && LC_ALL=C readelf -l "$f" 2>/dev/null | grep -q 'LOAD' &&
	    ! LC_ALL=C readelf -l "$f" 2>/dev/null | grep -q INTERP; then
		STATIC=$f
		break
	fi
done
if [[ -n $STATIC ]]; then
	PORT=$(( PORT + 1 ))
	xt_peer_bg SRV 30 socat -u OPEN:"$XT_TMP/in" TCP-LISTEN:$PORT,reuseaddr
	xt_wait_port $PORT
	XTCP_LOG=warn xt_shim 30 bash -c '
		exec 100<>/dev/tcp/'"$XT_PEER/$PORT"' || exit 3
		exec '"$STATIC"' -p' >/dev/null 2>"$XT_TMP/static.err"
	kill -TERM "$SRV" 2>/dev/null
	xt_wait_pid "$SRV" 5
	if ! grep -q 'static program.*fd 100.*plain eventfd' "$XT_TMP/static.err"; then
		xt_dump "$XT_TMP/static.err"
		problems+=("static: no log line saying $STATIC (static) gets plain eventfds")
	else
		xt_log "static: $(grep -o 'exec of [^:]*: [^:]*' "$XT_TMP/static.err" | head -1)"
	fi
else
	xt_log "static: no static program (ldconfig) or no readelf here: not checked"
fi

# ---- tap: the same download across exec over a TAP (io_uring) ----
if [[ -c /dev/net/tun ]]; then
	NS=$XT_NAME-t
	TAP=xtap0
	if ip netns add "$NS" 2>/dev/null; then
		xt_at_exit "ip netns del $NS"
		ip -n "$NS" link set dev lo up
		ip -n "$NS" tuntap add dev "$TAP" mode tap 2>/dev/null &&
		    ip -n "$NS" addr add 10.93.0.1/24 dev "$TAP" &&
		    ip -n "$NS" link set dev "$TAP" up
		PORT=$(( PORT + 1 ))
		ip netns exec "$NS" timeout -k 2 60 socat -u \
		    OPEN:"$XT_TMP/in" TCP-LISTEN:$PORT,bind=10.93.0.1,reuseaddr &
		SRV=$!
		XT_PIDS+=("$SRV")
		for (( i = 0; i < 50; i++ )); do
			ip netns exec "$NS" ss -Hltn "sport = :$PORT" | grep -q . && break
			sleep 0.1
		done
		ip netns exec "$NS" timeout -k 2 60 env LD_PRELOAD="$(xt_preload)" \
		    XTCP_TAP=$TAP XTCP_ADDR=10.93.0.2/24 XTCP_LOG=info LC_ALL=C \
		    bash -c '
			exec 100<>/dev/tcp/10.93.0.1/'"$PORT"' || exit 3
			read -r -N 5 head <&100 || exit 4
			printf %s "$head"
			exec cat <&100' >"$XT_TMP/tap" 2>"$XT_TMP/tap.err"
		rc=$?
		xt_wait_pid "$SRV" 10
		if (( rc != 0 )) || ! cmp -s "$XT_TMP/in" "$XT_TMP/tap"; then
			xt_dump "$XT_TMP/tap.err"
			problems+=("tap: status $rc, $(stat -c %s "$XT_TMP/tap") bytes of $(stat -c %s "$XT_TMP/in") (byte-exact: $(cmp -s "$XT_TMP/in" "$XT_TMP/tap" && echo yes || echo no))")
		elif ! grep -q 'exec: the family.s stack taken over: 2 sockets' "$XT_TMP/tap.err"; then
			problems+=("tap: cat's image did not take the socket over")
		else
			xt_log "tap: $(stat -c %s "$XT_TMP/tap") bytes byte-exact across the exec"
		fi
	else
		xt_log "tap: no namespace for the TAP: not checked"
	fi
else
	xt_log "tap: no /dev/net/tun: not checked"
fi

xt_verdict "sockets across exec"
xt_pass "a connection carried across exec, both ways"
