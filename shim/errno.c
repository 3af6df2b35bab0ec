/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * errno.c - the one place an engine error (enum xt_err) becomes an errno
 * value.  Linux's socket errors are the reference (see DESIGN.md).
 */
#include "prelude.h"

#include <errno.h>

#include "shim.h"

static const int xt_to_errno[] = {
	[-XT_EINVAL] = EINVAL,
	[-XT_ENOMEM] = ENOMEM,
	[-XT_EAGAIN] = EAGAIN,
	[-XT_EINPROGRESS] = EINPROGRESS,
	[-XT_EALREADY] = EALREADY,
	[-XT_EISCONN] = EISCONN,
	[-XT_ENOTCONN] = ENOTCONN,
	[-XT_ECONNREFUSED] = ECONNREFUSED,
	[-XT_ECONNRESET] = ECONNRESET,
	[-XT_ETIMEDOUT] = ETIMEDOUT,
	[-XT_EPIPE] = EPIPE,
	[-XT_EADDRINUSE] = EADDRINUSE,
	[-XT_EADDRNOTAVAIL] = EADDRNOTAVAIL,
	[-XT_ENOBUFS] = ENOBUFS,
	[-XT_EMSGSIZE] = EMSGSIZE,
	/* wire-level codes never leave the stack; if one does, it is a
	 * protocol error, not an I/O error */
	[-XT_ETRUNC] = EPROTO,
	[-XT_EMALFORMED] = EPROTO,
	[-XT_ECHECKSUM] = EPROTO,
	[-XT_EUNSUPP] = EOPNOTSUPP,
	[-XT_ENOPROTOOPT] = ENOPROTOOPT,
	[-XT_EOPNOTSUPP] = EOPNOTSUPP,
	[-XT_EHOSTUNREACH] = EHOSTUNREACH,
	[-XT_ENETUNREACH] = ENETUNREACH,
	[-XT_ECONNABORTED] = ECONNABORTED,
	[-XT_EACCES] = EACCES,
	[-XT_EDESTADDRREQ] = EDESTADDRREQ,
	[-XT_ENOENT] = ENOENT,
	[-XT_EAFNOSUPPORT] = EAFNOSUPPORT,
	[-XT_ESHUTDOWN] = ESHUTDOWN,
	[-XT_EIO] = EIO,
	[-XT_ENODEV] = ENODEV,
	[-XT_EPERM] = EPERM,
};

#define NMAP	(sizeof(xt_to_errno) / sizeof(xt_to_errno[0]))

_Static_assert(NMAP == -XT_ERR_MIN, "errno.c: every xt_err needs a row");

int
shim_errno(int xerr)
{
	if (xerr >= 0)
		return (0);
	if ((unsigned)-xerr < NMAP && xt_to_errno[-xerr] != 0)
		return (xt_to_errno[-xerr]);
	return (EIO);
}

int
shim_fail(int xerr)
{
	errno = shim_errno(xerr);
	return (-1);
}

int
shim_fail_errno(int err)
{
	errno = err;
	return (-1);
}
