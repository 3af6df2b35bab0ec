#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# impaired.sh - issue 5, acceptance 2: 50 MB transfers, byte-exact in both
# directions, through an impaired link, for both congestion controls:
#   (a) loss 1%, 20 ms RTT      (b) loss 5%      (c) reorder 25% with
#   10 ms delay jitter          (d) duplicate 5% (e) corrupt 1%
#
# The kernel has no netem, so the link is tests/linkem/linkem, an AF_PACKET
# bridge in a middle namespace (contrib/netns-topology up NAME --linkem).
# Impairments apply to both directions (data and ACKs).  "delay 20 ms" is
# a round trip of 20 ms (10 ms each way), as `netem delay 20ms` on one
# interface would give.  Case (c) is 10 ms +- 10 ms each way plus 25% of
# frames held back another 10 ms.
#
# In each case four transfers run at once, each in its own shimmed nc
# with its own address (XTCP_ADDR) and XTCP_CC:
#   cubic send  10.99.0.2   shim -> kernel
#   cubic recv  10.99.0.3   kernel -> shim (the peer's route to .3 uses
#   reno  send  10.99.0.4               cubic, to .5 reno: `congctl`)
#   reno  recv  10.99.0.5
# The shim always connects (nc client), so no listener has to be found.
# Cases (a) and (c) are bound by the round trip (for the kernel too: about
# 60 s and 35 s for 50 MB) and (b) by the loss rate (10-20 s), so each
# runs in a topology of its own, in the background, while (d) and (e) run
# one after another in the first.  About 75 s in all.
#
# Knobs: XTTEST_MIB (default 50), XTTEST_CASES (default "a b c d e"),
# XTTEST_SEED (linkem seed, default 5), XTTEST_LINKEM (the binary).

. "$(dirname "$0")/lib.sh"

MIB=${XTTEST_MIB:-50}
CASES=${XTTEST_CASES:-a b c d e}
SEED=${XTTEST_SEED:-5}
LINKEM=${XTTEST_LINKEM:-${XTTEST_BUILDDIR:-$PWD}/tests/linkem/linkem}
PORT0=9300

# case -> linkem impairments, and the bound on one transfer (seconds)
declare -A IMPAIR=(
	[a]="--loss 1 --delay 10"
	[b]="--loss 5"
	[c]="--delay 10 --jitter 10 --reorder 25 --reorder-ms 10"
	[d]="--dup 5"
	[e]="--corrupt 1"
)
declare -A BOUND=([a]=170 [b]=170 [c]=130 [d]=60 [e]=60)
FLOWS="cubic:send:2 cubic:recv:3 reno:send:4 reno:recv:5"
# Flows ("CASE:send" or "CASE:recv") left out of make check because the
# shim cannot finish them within the bound; XTTEST_ALL=1 runs them too.
# None at present.  Since RACK (lost retransmissions found by later
# SACKs) and TLPs that replace RTOs, the shim sends about as fast as the
# kernel in (b) (40-56 Mbit/s against 48-70 for 20 MB) and (c) (7-8
# against 9-12); the bounds stay long because the machine is shared.
KNOWN_SLOW=
[[ ${XTTEST_ALL:-0} == 1 ]] && KNOWN_SLOW=

XT_TOPO_OPTS=(--linkem)
xt_setup nc ss ethtool
[[ -x $LINKEM ]] ||
    xt_skip "the link emulator $LINKEM has not been built (run 'make check')"
for c in $CASES; do
	[[ -n ${IMPAIR[$c]:-} ]] || xt_fail "unknown case '$c' in XTTEST_CASES"
done

SLOW="a b c"	# cases run in the background, each in its own topology

# topo_up NAME: another topology, deleted at exit like the first.
topo_up() {
	local extra=()
	[[ $XTTEST_KERNEL == 1 ]] && extra+=(--kernel-addr)
	xt_at_exit "'$XT_TOPOLOGY' down '$1'"
	"$XT_TOPOLOGY" up "$1" --linkem --net "${XT_PEER%.*}.0/$XT_PLEN" \
	    "${extra[@]}" >/dev/null 2>"$XT_TMP/topology-$1.err" || {
		xt_dump "$XT_TMP/topology-$1.err"
		xt_fail "could not create the topology $1"
	}
}

xt_random_file "$XT_TMP/in" "$MIB"
WANT=$(xt_sha256 "$XT_TMP/in")

# run_case TOPO CASE: one case in topology TOPO; prints one summary line
# per transfer and returns non-zero if any failed.  Runs in a subshell for
# the slow cases, so it never calls xt_fail.
run_case() {
	local topo=$1 c=$2 dir=$XT_TMP/case-$2 bound=${BOUND[$2]} f cc way host
	local port i envs=() pids=() tags=() le rc=0 res got t flows=()
	mkdir -p "$dir"
	for f in $FLOWS; do
		IFS=: read -r cc way host <<<"$f"
		if [[ " $KNOWN_SLOW " == *" $c:$way "* ]]; then
			echo "$XT_TEST: case $c $cc-$way left out (known slow, XTTEST_ALL=1 runs it)"
			continue
		fi
		flows+=("$f")
	done
	mapfile -t envs < <(xt_shim_env)
	# shellcheck disable=SC2086
	ip netns exec "$topo-m" timeout -k 2 $(( bound + 30 )) "$LINKEM" \
	    -a ma0 -b mb0 ${IMPAIR[$c]} --seed "$SEED" \
	    --seconds $(( bound + 20 )) >"$dir/linkem.out" 2>"$dir/linkem.err" &
	le=$!
	for (( i = 0; i < 30; i++ )); do
		grep -q ready "$dir/linkem.out" 2>/dev/null && break
		sleep 0.1
	done
	i=0
	for f in "${flows[@]}"; do
		IFS=: read -r cc way host <<<"$f"
		port=$(( PORT0 + i ))
		i=$(( i + 1 ))
		tags+=("$cc-$way")
		if [[ $way == send ]]; then
			ip netns exec "$topo-b" timeout -k 2 "$bound" \
			    nc -l "$port" </dev/null >"$dir/$cc-$way.out" \
			    2>"$dir/$cc-$way.peer.err" &
		else
			if [[ $XTTEST_KERNEL != 1 ]]; then
				ip -n "$topo-b" route replace \
				    "${XT_PEER%.*}.$host/32" dev xb0 congctl "$cc" \
				    2>/dev/null || true
			fi
			ip netns exec "$topo-b" timeout -k 2 "$bound" \
			    nc -N -l "$port" <"$XT_TMP/in" >/dev/null \
			    2>"$dir/$cc-$way.peer.err" &
		fi
		pids+=($!)
	done
	for (( i = 0; i < ${#flows[@]}; i++ )); do
		port=$(( PORT0 + i ))
		t=0
		until ip netns exec "$topo-b" ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; do
			(( t++ < 50 )) || { echo "case $c: nothing listening on $port"; rc=1; break; }
			sleep 0.1
		done
	done
	i=0
	for f in "${flows[@]}"; do
		IFS=: read -r cc way host <<<"$f"
		port=$(( PORT0 + i ))
		i=$(( i + 1 ))
		(
			t=$(xt_now_ms)
			if [[ $way == send ]]; then
				ip netns exec "$topo-a" timeout -k 2 "$bound" \
				    env "${envs[@]}" \
				    XTCP_ADDR="${XT_PEER%.*}.$host/$XT_PLEN" \
				    XTCP_CC="$cc" nc -N "$XT_PEER" "$port" \
				    <"$XT_TMP/in" >/dev/null 2>"$dir/$cc-$way.err"
			else
				ip netns exec "$topo-a" timeout -k 2 "$bound" \
				    env "${envs[@]}" \
				    XTCP_ADDR="${XT_PEER%.*}.$host/$XT_PLEN" \
				    XTCP_CC="$cc" nc "$XT_PEER" "$port" \
				    </dev/null >"$dir/$cc-$way.out" \
				    2>"$dir/$cc-$way.err"
			fi
			echo "$? $(( $(xt_now_ms) - t ))" >"$dir/$cc-$way.res"
		) &
		pids+=($!)
	done
	for t in "${pids[@]}"; do
		wait "$t"
	done
	kill -TERM "$le" 2>/dev/null
	wait "$le"
	for f in "${tags[@]}"; do
		read -r res t <"$dir/$f.res" 2>/dev/null || { res=na t=0; }
		got=$(xt_sha256 "$dir/$f.out" 2>/dev/null)
		if [[ $res == 0 && $got == "$WANT" ]]; then
			printf '%s: case %s %-10s ok   %6d ms  %6.1f Mbit/s\n' \
			    "$XT_TEST" "$c" "$f" "$t" \
			    "$(awk -v b=$((MIB * 1048576)) -v t="$t" 'BEGIN { print (t > 0) ? b * 8 / t / 1000 : 0 }')"
		else
			printf '%s: case %s %-10s FAIL status %s after %d ms, %s bytes%s\n' \
			    "$XT_TEST" "$c" "$f" "$res" "$t" \
			    "$(stat -c %s "$dir/$f.out" 2>/dev/null || echo 0)" \
			    "$([[ -f $dir/$f.out && $got != "$WANT" ]] && echo ", sha256 differs")"
			xt_dump "$dir/$f.err" "$dir/$f.peer.err"
			rc=1
		fi
		rm -f "$dir/$f.out"
	done
	sed "s/^/$XT_TEST: case $c /" "$dir/linkem.err" | grep -v 'in flight'
	return "$rc"
}

t0=$(xt_now_ms)
failed=
declare -A BG=()
for c in $CASES; do
	[[ " $SLOW " == *" $c "* ]] || continue
	topo_up "$XT_NAME$c"
	run_case "$XT_NAME$c" "$c" >"$XT_TMP/case-$c.log" 2>&1 &
	BG[$c]=$!
	XT_PIDS+=("$!")
done
for c in $CASES; do
	[[ -n ${BG[$c]:-} ]] && continue
	run_case "$XT_NAME" "$c" || failed+=" $c"
done
for c in $CASES; do
	[[ -n ${BG[$c]:-} ]] || continue
	xt_wait_pid "${BG[$c]}" $(( BOUND[$c] + 40 )) || failed+=" $c"
	cat "$XT_TMP/case-$c.log"
done
t1=$(xt_now_ms)
[[ -z $failed ]] || xt_fail "failed cases:$failed (after $(( (t1 - t0) / 1000 )) s)"
xt_pass "$MIB MiB per flow, cases $CASES, in $(( (t1 - t0) / 1000 )) s"
