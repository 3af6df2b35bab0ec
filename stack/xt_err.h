/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_err.h - the engine's internal error codes.
 *
 * Every stack function returns an enum xt_err (XT_OK on success, a negative
 * value otherwise) and passes results through out-parameters.  The shim is
 * the only place these become errno values (shim/errno.c).
 */
#ifndef XT_ERR_H
#define XT_ERR_H

enum xt_err {
	XT_OK = 0,
	XT_EINVAL = -1,		/* bad argument or wrong state for the call */
	XT_ENOMEM = -2,		/* allocation failed */
	XT_EAGAIN = -3,		/* would block */
	XT_EINPROGRESS = -4,	/* connect started, not finished */
	XT_EALREADY = -5,	/* connect already in progress */
	XT_EISCONN = -6,	/* already connected */
	XT_ENOTCONN = -7,	/* not connected */
	XT_ECONNREFUSED = -8,	/* RST in SYN-SENT, or ICMP port unreachable */
	XT_ECONNRESET = -9,	/* RST on a synchronized connection */
	XT_ETIMEDOUT = -10,	/* too many retransmissions */
	XT_EPIPE = -11,		/* send after shutdown(SHUT_WR) or peer reset */
	XT_EADDRINUSE = -12,	/* local address/port taken */
	XT_EADDRNOTAVAIL = -13,	/* address not ours, or no free port */
	XT_ENOBUFS = -14,	/* out of a fixed resource */
	XT_EMSGSIZE = -15,	/* frame or option too large */
	XT_ETRUNC = -16,	/* wire: buffer shorter than a header says */
	XT_EMALFORMED = -17,	/* wire: a field has an impossible value */
	XT_ECHECKSUM = -18,	/* wire: checksum mismatch */
	XT_EUNSUPP = -19,	/* wire: valid but not supported (e.g. ARP for IPv6) */
	XT_ENOPROTOOPT = -20,	/* unknown socket option */
	XT_EOPNOTSUPP = -21,	/* operation not supported on this socket */
	XT_EHOSTUNREACH = -22,	/* ARP failed or ICMP host unreachable */
	XT_ENETUNREACH = -23,	/* no route */
	XT_ECONNABORTED = -24,	/* connection aborted before accept */
	XT_EACCES = -25,	/* permission (e.g. reserved port) */
	XT_EDESTADDRREQ = -26,	/* no destination */
	XT_ENOENT = -27,	/* unknown name (e.g. congestion algorithm) */
	XT_EAFNOSUPPORT = -28,	/* address family or class not supported */
	XT_ESHUTDOWN = -29,	/* receive side shut down */
	XT_EIO = -30,		/* device error */
	XT_ENODEV = -31,	/* no such interface */
	XT_EPERM = -32,		/* operation not permitted (raw socket without CAP_NET_RAW) */
	XT_ERR_MIN = -33
};

const char *xt_strerror(int err);

#endif /* XT_ERR_H */
