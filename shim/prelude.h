/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prelude.h - include first in every shim/ source file, before any system
 * header.
 *
 * The hooks must be compiled against the plain glibc names: with
 * _FILE_OFFSET_BITS=64 or _TIME_BITS=64 glibc renames fcntl, fstat and
 * sendfile to their *64 variants through asm labels (our definition of
 * fcntl would silently become fcntl64), and with _FORTIFY_SOURCE it turns
 * read, recv and poll into inline wrappers that cannot be redefined.  Build
 * flags from the environment may set any of these, so undo them here.
 */
#ifndef SHIM_PRELUDE_H
#define SHIM_PRELUDE_H

#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#endif /* SHIM_PRELUDE_H */
