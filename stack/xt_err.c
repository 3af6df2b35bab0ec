/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_err.c - strings for the internal error codes.
 */
#include "xt_err.h"

static const char *const err_names[] = {
	"success",
	"invalid argument",
	"out of memory",
	"operation would block",
	"operation in progress",
	"operation already in progress",
	"already connected",
	"not connected",
	"connection refused",
	"connection reset by peer",
	"connection timed out",
	"broken pipe",
	"address in use",
	"address not available",
	"no buffer space",
	"message too long",
	"truncated",
	"malformed",
	"bad checksum",
	"unsupported",
	"protocol option not available",
	"operation not supported",
	"host unreachable",
	"network unreachable",
	"connection aborted",
	"permission denied",
	"destination address required",
	"no such entry",
	"address family not supported",
	"shut down",
	"input/output error",
	"no such device",
	"operation not permitted",
};

const char *
xt_strerror(int err)
{
	int i = -err;

	if (i < 0 || i >= (int)(sizeof(err_names) / sizeof(err_names[0])))
		return ("unknown error");
	return (err_names[i]);
}
