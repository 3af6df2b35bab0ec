#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# layers.sh - the engine's layers call one way, and includes are rooted.
#
# Ranks, bottom to top: wire/, buf/, dev/, xt_err, xt_stats, xt_mem (0); the
# engine context xt_engine (1); net/ (2); tcp/ (3); the public calls
# stack/xtcp_*.c (4).  A built object may use a symbol defined by its own
# rank or a lower one, never a higher one: upward news travels through
# the engine's function pointers (net/net.h), not by name.  The sources:
# no #include climbs with ../ (stack/, shim/, tests/), and net/ includes
# nothing from tcp/.  Prints every breach and exits 1; 77 when the
# objects are not built.

set -u
shopt -s nullglob
src=${XTTEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${XTTEST_BUILDDIR:-$PWD}
rc=0

# ---- the sources ----
if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^">]*\.\./' \
    --include='*.c' --include='*.h' --include='*.def' \
    "$src/stack" "$src/shim" "$src/tests"; then
	echo "FAIL: an #include above climbs with ../ (use the build's -I)"
	rc=1
fi
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"tcp/' \
    "$src"/stack/net/*.c "$src"/stack/net/*.h; then
	echo "FAIL: net/ includes a tcp/ header above"
	rc=1
fi

# ---- the objects ----
rank_of() {
	case $1 in
	wire/*|buf/*|dev/*|xt_err|xt_stats|xt_mem) echo 0 ;;
	xt_engine)				echo 1 ;;
	net/*)					echo 2 ;;
	tcp/*)					echo 3 ;;
	xtcp_*)					echo 4 ;;
	*)					echo "" ;;
	esac
}

declare -A def rank
mapfile -t objs < <(find "$bld/stack" -name 'libxtcpstack_la-*.o' | sort)
if [[ ${#objs[@]} -eq 0 ]]; then
	echo "SKIP: no objects of stack/ under $bld"
	exit 77
fi
# stack/net/.libs/libxtcpstack_la-arp.o -> net/arp
unit_of() {
	local d n
	d=$(dirname "$1")
	d=${d%/.libs}
	d=${d#"$bld"/stack}
	d=${d#/}
	n=$(basename "$1" .o)
	n=${n#libxtcpstack_la-}
	echo "${d:+$d/}$n"
}
declare -A seen
uniq=()
for o in "${objs[@]}"; do		# a PIC and a plain copy: one each
	u=$(unit_of "$o")
	[[ -z ${seen[$u]:-} ]] || continue
	seen[$u]=1
	uniq+=("$o")
done
objs=("${uniq[@]}")
for o in "${objs[@]}"; do
	u=$(unit_of "$o")
	r=$(rank_of "$u")
	if [[ -z $r ]]; then
		echo "FAIL: $u has no rank in layers.sh"
		rc=1
		continue
	fi
	rank[$u]=$r
	while read -r s; do
		def[$s]=$u
	done < <(nm --defined-only "$o" | awk '$2 ~ /^[TDBRC]$/ { print $3 }')
done
nchk=0
for o in "${objs[@]}"; do
	u=$(unit_of "$o")
	[[ -n ${rank[$u]:-} ]] || continue
	while read -r s; do
		d=${def[$s]:-}
		[[ -n $d ]] || continue
		nchk=$((nchk + 1))
		if (( ${rank[$d]} > ${rank[$u]} )); then
			echo "FAIL: $u (rank ${rank[$u]}) uses $s of $d (rank ${rank[$d]})"
			rc=1
		fi
	done < <(nm -u "$o" | awk '{ print $2 }')
done
if [[ $rc -eq 0 ]]; then
	echo "PASS: ${#rank[@]} units, $nchk uses, all downward or level"
fi
exit $rc
