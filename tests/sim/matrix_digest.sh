#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# matrix_digest.sh - sim_matrix's behaviour against the committed baseline.
#
# Runs the default matrix (the fixed scenarios, then seeds 1..2048) with
# --digest, which prints one line per scenario: the outcome, the exact
# virtual times of the data and of the close, the retransmissions and
# timeouts, and a digest of every counter of both engines.  The lines must
# equal tests/sim/matrix.digest.  A change that only moves and names code
# (issue 11) must leave every line as it was; a change that alters
# behaviour on purpose regenerates the baseline in the same commit and
# says why:
#
#     tests/sim/sim_matrix --digest | grep -E '^(ok|FAIL) data_us=' \
#         > tests/sim/matrix.digest
#
# To see what changed in one scenario, replay it with -vv on both trees
# and compare the counters:  tests/sim/sim_matrix -vv --replay 'SPEC'

set -u
src=${XTTEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${XTTEST_BUILDDIR:-$PWD}
base=$src/tests/sim/matrix.digest
bin=$bld/tests/sim/sim_matrix

if [[ ! -x $bin ]]; then
	echo "SKIP: $bin is not built"
	exit 77
fi
if [[ ! -r $base ]]; then
	echo "FAIL: no baseline $base"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$bin" --digest > "$tmp/all"
grep -E '^(ok|FAIL) data_us=' "$tmp/all" > "$tmp/now"
nbase=$(wc -l < "$base")
nnow=$(wc -l < "$tmp/now")
if diff -u "$base" "$tmp/now" > "$tmp/diff"; then
	echo "PASS: all $nnow scenarios match the baseline (outcome, virtual times, counters)"
	exit 0
fi
changed=$(grep -c '^+[of]' "$tmp/diff")
echo "FAIL: $changed of $nbase scenarios differ from $base ($nnow run)"
head -n 60 "$tmp/diff"
echo "(regenerate the baseline only for a change meant to alter behaviour; see the header of $0)"
exit 1
