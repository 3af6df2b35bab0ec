/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * inet6.h - dual-stack AF_INET6 stream sockets over the IPv4 engine: what
 * a sockaddr_in6 names, who serves the socket (the stack for IPv4 through
 * v4-mapped addresses and "::", the kernel for the rest), and the
 * v4-mapped names the socket reports.  Pure functions of the shim's
 * testable layer (inet6.c); sock.c, names.c, opt.c and io.c apply them.
 */
#ifndef SHIM_INET6_H
#define SHIM_INET6_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "shim_config.h"

/* Linux SIN6_LEN_RFC2133: a sockaddr_in6 without sin6_scope_id */
#define SHIM_SIN6_LEN_MIN	24

/* What the address of a sockaddr_in6 is. */
enum shim_in6_kind {
	SHIM_IN6_MAPPED,	/* ::ffff:a.b.c.d, an IPv4 address */
	SHIM_IN6_ANY,		/* ::, every address */
	SHIM_IN6_OTHER		/* real IPv6, ::1 among them */
};

struct shim_in6 {
	enum shim_in6_kind	kind;
	uint32_t		addr;	/* SHIM_IN6_MAPPED: IPv4, host order */
	uint16_t		port;	/* host order */
};

enum shim_in6_op {
	SHIM_IN6_BIND,
	SHIM_IN6_CONNECT,
	SHIM_IN6_LISTEN		/* listen() on a socket never bound */
};

enum shim_in6_route {
	SHIM_IN6_STACK,		/* IPv4 through the engine */
	SHIM_IN6_KERNEL		/* hand the socket to a kernel AF_INET6 one */
};

/* A sockaddr given to bind or connect on an AF_INET6 socket, checked in
 * Linux inet6_bind and tcp_v6_connect's order.  0 or errno. */
int	shim_in6_parse(const struct sockaddr *sa, socklen_t len,
	    struct shim_in6 *out);
/* Who serves an AF_INET6 stream socket with IPV6_V6ONLY v6only, bound
 * to a v4-mapped address or not (mapped), doing op to a (NULL for
 * SHIM_IN6_LISTEN).  0 with *rt set, or the errno Linux gives (a
 * v4-mapped address on an IPV6_V6ONLY socket, IPv6 from one bound to a
 * v4-mapped address). */
int	shim_in6_route(const struct shim_config *c, enum shim_in6_op op,
	    int v6only, int mapped, const struct shim_in6 *a,
	    enum shim_in6_route *rt);
/* The name of IPv4 endpoint addr:port as an AF_INET6 socket reports it:
 * ::ffff:addr, or "::" for INADDR_ANY unless mapped_any (the socket was
 * bound to ::ffff:0.0.0.0).  Copies what fits into sa (NULL: nothing)
 * and sets *lenp to sizeof(struct sockaddr_in6), as the kernel does.
 * 0 or errno. */
int	shim_in6_out(struct sockaddr *sa, socklen_t *lenp, uint32_t addr,
	    uint16_t port, int mapped_any);
/* IPV6_V6ONLY's default from the text of /proc/sys/net/ipv6/bindv6only:
 * 1 when it is a non-zero number, else 0 (Linux's default; also for NULL,
 * the file unreadable). */
int	shim_in6_v6only_default(const char *text);

#endif /* SHIM_INET6_H */
