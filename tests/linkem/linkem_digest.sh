#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# linkem_digest.sh - linkem's impairment decisions against the committed
# baseline tests/linkem/linkem.digest.
#
# linkem_replay drives linkem's frame handling with a fixed stream of
# frames under twelve settings of the knobs and prints, per setting, a
# digest of what would be sent when and the counters.  Those must equal
# the baseline: linkem's draw order (the fault model's
# XT_FAULT_ORDER_ASKED, stack/dev/dev_fault.c) is what makes a seed of
# impaired.sh or contrib/bench/loss reproduce a run.  A change meant to
# alter linkem's behaviour regenerates the baseline in the same commit and
# says why:
#
#     tests/linkem/linkem_replay > tests/linkem/linkem.digest
#
# To see which frames moved: tests/linkem/linkem_replay -v on both trees.

set -u
src=${XTTEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${XTTEST_BUILDDIR:-$PWD}
base=$src/tests/linkem/linkem.digest
bin=$bld/tests/linkem/linkem_replay

if [[ ! -x $bin ]]; then
	echo "SKIP: $bin is not built"
	exit 77
fi
if [[ ! -r $base ]]; then
	echo "FAIL: no baseline $base"
	exit 1
fi
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

if ! "$bin" > "$tmp"; then
	echo "FAIL: $bin exited with an error"
	exit 1
fi
if diff -u "$base" "$tmp"; then
	echo "PASS: linkem's decisions match the baseline ($(wc -l < "$base") settings)"
	exit 0
fi
echo "FAIL: linkem's decisions differ from $base (see the header of $0)"
exit 1
