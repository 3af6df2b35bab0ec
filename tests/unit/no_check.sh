#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# no_check.sh - stands in for tests/unit/check_xtcp when libxtcp was
# configured --without-check: the unit tests were not built, so they are
# skipped (77), never counted as passed.
echo "SKIP: the unit tests need the Check library (configured --without-check;"
echo "      install the Debian package check and configure again)"
exit 77
