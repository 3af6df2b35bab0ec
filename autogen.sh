#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# autogen.sh - generate ./configure from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p m4
exec autoreconf -fi
