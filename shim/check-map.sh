#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# check-map.sh - every hook in syms.def is exported by xtcp.map and the
# built library, and the library exports nothing else.
#
#	sh shim/check-map.sh [path/to/libxtcp.so]
#
# Exits 0 when consistent, 1 with a list of differences otherwise.
set -u
dir=$(dirname "$0")
tmp=${TMPDIR:-/tmp}/xtcp-map.$$
trap 'rm -f "$tmp".*' EXIT INT TERM

grep -o '^SYM([^,]*, *[A-Za-z0-9_]*' "$dir/syms.def" | sed 's/.*, *//' |
    sort > "$tmp.def"
sed -n '/global:/,/local:/p' "$dir/xtcp.map" | grep -o '[A-Za-z0-9_]*;' |
    tr -d ';' | sort > "$tmp.map"
rc=0
if ! cmp -s "$tmp.def" "$tmp.map"; then
	echo "check-map: syms.def and xtcp.map differ:"
	diff "$tmp.def" "$tmp.map"
	rc=1
fi
if [ $# -ge 1 ]; then
	nm -D --defined-only "$1" | awk '$2 ~ /^[TWi]$/ { print $3 }' |
	    sed 's/@.*//' | sort -u > "$tmp.so"
	if ! cmp -s "$tmp.def" "$tmp.so"; then
		echo "check-map: $1 exports differ from syms.def:"
		diff "$tmp.def" "$tmp.so"
		rc=1
	fi
fi
exit $rc
