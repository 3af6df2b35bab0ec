#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/fuzz/fuzz.sh - the fuzz targets' runner, called by make with
# FUZZ_SRCDIR, FUZZ_BUILDDIR, FUZZ_TARGETS (and for coverage LLVM_PROFDATA,
# LLVM_COV, FUZZ_COV_MIN) in the environment.
#
#   fuzz.sh run SECONDS   each target in turn for SECONDS (libFuzzer build),
#                         seeded from corpus/<target>/, new inputs kept in
#                         $FUZZ_BUILDDIR/work/<target>/, crashes saved in
#                         $FUZZ_BUILDDIR/artifacts/; prints executions per
#                         target; fails if a target failed
#   fuzz.sh merge         minimise corpus/<target>/ plus work/<target>/ with
#                         -merge=1 into corpus/<target>/ (source tree)
#   fuzz.sh coverage      (coverage build) replay every corpus, then fail
#                         if line coverage of tcp_input.c, tcp_recovery.c,
#                         tcp_listen.c, tcp_output.c or tcp_sack.c is below
#                         FUZZ_COV_MIN percent
#
# The two engine targets share one record format: each is seeded from
# both engine corpora and from crashes/ (reproducers of fixed defects).

set -uo pipefail

mode=${1:?usage: fuzz.sh run SECONDS | merge | coverage}
src=${FUZZ_SRCDIR:?}
bld=${FUZZ_BUILDDIR:?}

# seeds: the corpus directories a target reads
seeds() {
	case $1 in
	fuzz_engine|fuzz_engine_minmtu)
		# crashes/: the reproducers of fixed defects run first, so
		# a regression fails the run
		echo "$src/corpus/$1" "$src/corpus/fuzz_engine" "$src/crashes"
		;;
	*)
		echo "$src/corpus/$1"
		;;
	esac | tr ' ' '\n' | sort -u | while read -r d; do
		[[ -d $d ]] && echo "$d"
	done
}

maxlen() {
	case $1 in
	fuzz_engine*) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

run() {
	local secs=$1 t rc=0 st log execs cov
	local -a dirs
	mkdir -p "$bld/artifacts"
	for t in $FUZZ_TARGETS; do
		mkdir -p "$bld/work/$t"
		mapfile -t dirs < <(seeds "$t")
		log="$bld/work/$t.log"
		echo "fuzz: $t for ${secs}s (seeds: ${dirs[*]##*/tests/fuzz/})"
		# -timeout: one input may take at most 25 s (ASan, a slow
		# machine); -rss_limit_mb: the engine allocates per input
		"$bld/$t" -max_total_time="$secs" -print_final_stats=1 \
		    -timeout=25 -rss_limit_mb=2560 -max_len="$(maxlen "$t")" \
		    -artifact_prefix="$bld/artifacts/$t-" \
		    "$bld/work/$t" "${dirs[@]}" >"$log" 2>&1
		st=$?
		execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
		cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
		if (( st != 0 )); then
			rc=1
			echo "fuzz: $t FAILED (exit $st) after ${execs:-?} executions; log: $log"
			grep -E -m 20 -A 12 'ERROR|invariant|fuzz_wire:|fuzz_config:|runtime error' "$log"
			ls "$bld/artifacts/" | grep "^$t-" | sed 's/^/fuzz: reproducer: /'
		else
			echo "fuzz: $t ok: ${execs:-?} executions in ${secs}s, $cov"
		fi
	done
	return "$rc"
}

merge() {
	local t new f
	local -a dirs
	for t in $FUZZ_TARGETS; do
		new=$(mktemp -d)
		mapfile -t dirs < <(seeds "$t")
		mkdir -p "$bld/work/$t" "$src/corpus/$t"
		# the minimal-MTU target keeps only what the MTU-1500 corpus
		# does not already give it: start from a copy of that corpus
		if [[ $t == fuzz_engine_minmtu ]]; then
			cp "$src/corpus/fuzz_engine"/* "$new/" 2>/dev/null
		fi
		# -use_counters=0: keep inputs for new edges, not for new hit
		# counts of known ones (a corpus ten times smaller)
		"$bld/$t" -merge=1 -use_counters=0 -max_len="$(maxlen "$t")" \
		    -timeout=25 "$new" "${dirs[@]}" "$bld/work/$t" \
		    >"$bld/work/$t.merge.log" 2>&1 ||
		    { echo "fuzz: merge of $t failed, see $bld/work/$t.merge.log"; rm -rf "$new"; return 1; }
		if [[ $t == fuzz_engine_minmtu ]]; then
			for f in "$new"/*; do
				[[ -e $src/corpus/fuzz_engine/${f##*/} ]] && rm -f "$f"
			done
		fi
		rm -f "$src/corpus/$t"/*
		cp "$new"/* "$src/corpus/$t/" 2>/dev/null
		rm -rf "$new"
		echo "fuzz: $t: $(ls "$src/corpus/$t" | wc -l) inputs," \
		    "$(du -s --apparent-size -k "$src/corpus/$t" | cut -f1) KB"
	done
}

coverage() {
	local t dir out prof rc=0 f pct
	local -a objs dirs
	dir="$bld/coverage"
	rm -rf "$dir"
	mkdir -p "$dir"
	for t in $FUZZ_TARGETS; do
		mapfile -t dirs < <(seeds "$t")
		LLVM_PROFILE_FILE="$dir/$t-%p.profraw" "$bld/$t" "${dirs[@]}" ||
		    { echo "fuzz: replay of $t failed"; rc=1; }
		objs+=(-object "$bld/$t")
	done
	prof="$dir/fuzz.profdata"
	"$LLVM_PROFDATA" merge -sparse "$dir"/*.profraw -o "$prof" || return 1
	out="$dir/report.txt"
	# (the whole report: the binaries name their files relative to the
	# build directory, so the three are picked out by name below)
	"$LLVM_COV" report -instr-profile="$prof" "${objs[@]:1}" >"$out" ||
	    return 1
	grep -E '^(Filename|TOTAL)|/(tcp|wire|buf)/|/net/' "$out"
	# llvm-cov report columns: Filename, Regions, Missed, Cover,
	# Functions, Missed, Executed, Lines, Missed, Cover, ...
	# tcp_input.c's loss recovery and listen path moved to
	# tcp_recovery.c and tcp_listen.c (issue 11): the floor follows them
	for f in tcp_input.c tcp_recovery.c tcp_listen.c tcp_output.c \
	    tcp_sack.c; do
		pct=$(awk -v f="$f" '$1 ~ ("(^|/)" f "$") { sub("%", "", $10); print $10 }' "$out")
		if [[ -z $pct ]]; then
			echo "fuzz: coverage: no line for $f"
			rc=1
		elif awk -v p="$pct" -v m="${FUZZ_COV_MIN:-70}" 'BEGIN { exit !(p + 0 < m + 0) }'; then
			echo "fuzz: coverage: $f lines $pct% < ${FUZZ_COV_MIN:-70}%"
			rc=1
		else
			echo "fuzz: coverage: $f lines $pct% (minimum ${FUZZ_COV_MIN:-70}%)"
		fi
	done
	return "$rc"
}

case $mode in
run)		run "${2:-60}" ;;
merge)		merge ;;
coverage)	coverage ;;
*)		echo "fuzz.sh: unknown mode $mode" >&2; exit 2 ;;
esac
