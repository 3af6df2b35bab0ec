/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inet6.c - the dual-stack decisions of the shim (inet6.h), as pure
 * functions: a sockaddr_in6 checked as Linux checks it, the route of an
 * AF_INET6 stream socket (the engine serves IPv4 only: v4-mapped peers
 * and local addresses, and "::" when IPV6_V6ONLY is off; the kernel
 * serves real IPv6 and loopback), and the v4-mapped names such a socket
 * reports.  Unit tests: tests/unit/check_shim_inet6.c.
 */
#include "prelude.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inet6.h"

int
shim_in6_parse(const struct sockaddr *sa, socklen_t len,
    struct shim_in6 *out)
{
	struct sockaddr_in6 sin6;
	const uint8_t *b;
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	/* Linux move_addr_to_kernel, then inet6_bind / tcp_v6_connect:
	 * the length (a sockaddr_in6 may omit sin6_scope_id), then the
	 * family */
	if ((int)len < 0 || len > sizeof(struct sockaddr_storage))
		return (EINVAL);
	if (sa == NULL && len > 0)
		return (EFAULT);
	if (len < SHIM_SIN6_LEN_MIN)
		return (EINVAL);
	memset(&sin6, 0, sizeof(sin6));
	memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
	if (sin6.sin6_family != AF_INET6)
		return (EAFNOSUPPORT);
	b = sin6.sin6_addr.s6_addr;
	out->port = ntohs(sin6.sin6_port);
	out->addr = 0;
	if (memcmp(b, pfx, sizeof(pfx)) == 0) {
		out->kind = SHIM_IN6_MAPPED;
		out->addr = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15];
	} else if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr))
		out->kind = SHIM_IN6_ANY;
	else
		out->kind = SHIM_IN6_OTHER;
	return (0);
}

int
shim_in6_route(const struct shim_config *c, enum shim_in6_op op,
    int v6only, int mapped, const struct shim_in6 *a,
    enum shim_in6_route *rt)
{
	*rt = SHIM_IN6_KERNEL;
	if (op == SHIM_IN6_LISTEN) {
		/* Linux autobinds to "::": IPv4 too unless IPV6_V6ONLY */
		if (!v6only)
			*rt = SHIM_IN6_STACK;
		return (0);
	}
	switch (a->kind) {
	case SHIM_IN6_MAPPED:
		/* Linux inet6_bind: EINVAL; tcp_v6_connect: ENETUNREACH */
		if (v6only)
			return (op == SHIM_IN6_BIND ? EINVAL : ENETUNREACH);
		/* what the kernel serves for AF_INET too: 127/8, and for
		 * connect 0.0.0.0 (the local host); XTCP_PASSTHROUGH */
		if ((a->addr >> 24) == 127 || (op == SHIM_IN6_CONNECT &&
		    a->addr == INADDR_ANY) || shim_config_passthrough(c,
		    a->addr))
			return (0);
		*rt = SHIM_IN6_STACK;
		return (0);
	case SHIM_IN6_ANY:
		/* bind to "::" takes IPv4 unless IPV6_V6ONLY; connect to
		 * "::" is connect to ::1 (Linux tcp_v6_connect) */
		if (op == SHIM_IN6_BIND && !v6only)
			*rt = SHIM_IN6_STACK;
		/* FALLTHROUGH */
	default:
		/* Linux tcp_v6_connect: an IPv6 peer for a socket bound to
		 * a v4-mapped address (::ffff:0.0.0.0 too) */
		if (op == SHIM_IN6_CONNECT && mapped)
			return (EAFNOSUPPORT);
		return (0);
	}
}

int
shim_in6_out(struct sockaddr *sa, socklen_t *lenp, uint32_t addr,
    uint16_t port, int mapped_any)
{
	struct sockaddr_in6 sin6;
	socklen_t n;
	uint8_t *b;

	if (sa == NULL)
		return (0);
	if (lenp == NULL)
		return (EFAULT);
	if ((int)*lenp < 0)
		return (EINVAL);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	if (addr != INADDR_ANY || mapped_any) {
		b = sin6.sin6_addr.s6_addr;
		b[10] = 0xff;
		b[11] = 0xff;
		b[12] = addr >> 24;
		b[13] = addr >> 16;
		b[14] = addr >> 8;
		b[15] = addr;
	}
	/* as the kernel: copy what fits, report the full length */
	n = *lenp < sizeof(sin6) ? *lenp : sizeof(sin6);
	memcpy(sa, &sin6, n);
	*lenp = sizeof(sin6);
	return (0);
}

int
shim_in6_v6only_default(const char *text)
{
	/* the kernel takes any int; non-zero is on */
	return (text != NULL && strtol(text, NULL, 10) != 0);
}
