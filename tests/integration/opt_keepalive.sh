#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# opt_keepalive.sh - issue 4 acceptance 1, keepalive: opt_keepalive.c on the
# kernel's TCP and under the shim against opt_peer.py (see opt_lib.sh).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/opt_lib.sh"

xt_require_all python3 ss
xt_init
opt_run "${XTTEST_BUILDDIR:-$PWD}/tests/integration/opt_keepalive" 60
