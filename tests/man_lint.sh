#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# man_lint.sh - every manual page in man/ passes `mandoc -Tlint` with no
# message of level warning or above (issue 14 acceptance 6).  Style
# notes (long lines, manuals not installed here) are not counted.  Needs
# neither root nor a build: make distcheck runs it.  Skips (77) without
# mandoc (Debian package mandoc).
set -u
src=${XTTEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: man_lint: mandoc is not installed (apt-get install mandoc)"
	exit 77
fi
n=0
bad=0
for page in "$src"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	rc=$?
	# mandoc exits 0 when clean, 2 for a warning, 3 or more for errors
	if [ -n "$out" ] || [ "$rc" -ne 0 ]; then
		echo "$out"
		echo "man_lint: ${page#"$src"/} is not clean (mandoc exit $rc)"
		bad=$((bad + 1))
	fi
done
if [ "$n" -eq 0 ]; then
	echo "FAIL: man_lint: no manual page found in $src/man"
	exit 1
fi
if [ "$bad" -gt 0 ]; then
	echo "FAIL: man_lint: $bad of $n pages have lint warnings or errors"
	exit 1
fi
echo "PASS: man_lint: $n pages clean"
exit 0
