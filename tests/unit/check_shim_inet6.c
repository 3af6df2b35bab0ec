/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_inet6.c - the dual-stack decisions of the shim (shim/
 * inet6.c) without LD_PRELOAD: sockaddr_in6 checked in Linux's order
 * (lengths, family), which AF_INET6 stream sockets the engine serves and
 * which go to the kernel, and the v4-mapped names they report.  The
 * errno values are what Linux 6.x gives an AF_INET6 TCP socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "inet6.h"
#include "shim_config.h"

Suite	*xt_suite_shim_inet6(void);

static struct sockaddr_in6
sin6_of(const char *text, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET6, text, &s.sin6_addr), 1);
	return (s);
}

START_TEST(inet6_parse_kinds)
{
	struct sockaddr_in6 s;
	struct shim_in6 a;

	s = sin6_of("::ffff:10.99.0.1", 8080);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_MAPPED);
	ck_assert_uint_eq(a.addr, 0x0a630001u);
	ck_assert_uint_eq(a.port, 8080);
	s = sin6_of("::", 80);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_ANY);
	ck_assert_uint_eq(a.port, 80);
	s = sin6_of("::1", 80);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_OTHER);
	s = sin6_of("2001:db8::1", 80);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_OTHER);
	/* IPv4-compatible (::a.b.c.d, deprecated) is not v4-mapped */
	s = sin6_of("::10.99.0.1", 80);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_OTHER);
	/* ::ffff:0.0.0.0 is mapped, address 0 */
	s = sin6_of("::ffff:0.0.0.0", 0);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	ck_assert_int_eq(a.kind, SHIM_IN6_MAPPED);
	ck_assert_uint_eq(a.addr, 0);
}
END_TEST

/* Linux: EINVAL below SIN6_LEN_RFC2133 (24), then EAFNOSUPPORT for any
 * family but AF_INET6 (a sockaddr_in too, and AF_UNSPEC). */
START_TEST(inet6_parse_errors)
{
	struct sockaddr_in6 s = sin6_of("::ffff:10.99.0.1", 80);
	struct sockaddr_in sin;
	struct shim_in6 a;

	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, 24, &a), 0);
	ck_assert_int_eq(a.kind, SHIM_IN6_MAPPED);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, 23, &a),
	    EINVAL);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, 0, &a), EINVAL);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, (socklen_t)-1,
	    &a), EINVAL);
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s,
	    sizeof(struct sockaddr_storage) + 1, &a), EINVAL);
	ck_assert_int_eq(shim_in6_parse(NULL, sizeof(s), &a), EFAULT);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&sin, sizeof(sin),
	    &a), EINVAL);
	s.sin6_family = AF_INET;
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    EAFNOSUPPORT);
	s.sin6_family = AF_UNSPEC;
	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    EAFNOSUPPORT);
}
END_TEST

static int
route_m(const struct shim_config *c, enum shim_in6_op op, int v6only,
    int mapped, const char *text, enum shim_in6_route *rt)
{
	struct sockaddr_in6 s = sin6_of(text, 80);
	struct shim_in6 a;

	ck_assert_int_eq(shim_in6_parse((struct sockaddr *)&s, sizeof(s), &a),
	    0);
	return (shim_in6_route(c, op, v6only, mapped, &a, rt));
}

static int
route(const struct shim_config *c, enum shim_in6_op op, int v6only,
    const char *text, enum shim_in6_route *rt)
{
	return (route_m(c, op, v6only, 0, text, rt));
}

START_TEST(inet6_route)
{
	struct shim_config c;
	enum shim_in6_route rt;

	memset(&c, 0, sizeof(c));
	c.npass = 1;
	c.pass[0].net = 0x0a010000u;		/* 10.1.0.0/16 */
	c.pass[0].mask = 0xffff0000u;
	/* IPv4 through v4-mapped: the stack */
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:10.99.0.1",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "::ffff:10.99.0.2",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "::ffff:0.0.0.0", &rt),
	    0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	/* "::" dual-stack: the stack (IPv4 only); IPV6_V6ONLY: kernel */
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "::", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 1, "::", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(shim_in6_route(&c, SHIM_IN6_LISTEN, 0, 0, NULL, &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	ck_assert_int_eq(shim_in6_route(&c, SHIM_IN6_LISTEN, 1, 0, NULL, &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	/* loopback and XTCP_PASSTHROUGH: the kernel, as for AF_INET */
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:127.0.0.1",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:127.3.2.1",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "::ffff:127.0.0.1",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:0.0.0.0",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:10.1.2.3",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::ffff:10.2.2.3",
	    &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	/* real IPv6, ::1 and "::" (the local host) for connect: kernel */
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "2001:db8::1", &rt),
	    0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::1", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 0, "::", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "::1", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 0, "fe80::1", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 1, "2001:db8::1", &rt),
	    0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
	/* IPV6_V6ONLY and a v4-mapped address: Linux's errors */
	ck_assert_int_eq(route(&c, SHIM_IN6_BIND, 1, "::ffff:10.99.0.2", &rt),
	    EINVAL);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 1, "::ffff:10.99.0.1",
	    &rt), ENETUNREACH);
	ck_assert_int_eq(route(&c, SHIM_IN6_CONNECT, 1, "::ffff:127.0.0.1",
	    &rt), ENETUNREACH);
	/* bound to a v4-mapped address: IPv4 only (EAFNOSUPPORT for IPv6,
	 * "::" and ::1 among it), as Linux tcp_v6_connect */
	ck_assert_int_eq(route_m(&c, SHIM_IN6_CONNECT, 0, 1, "2001:db8::1",
	    &rt), EAFNOSUPPORT);
	ck_assert_int_eq(route_m(&c, SHIM_IN6_CONNECT, 0, 1, "::1", &rt),
	    EAFNOSUPPORT);
	ck_assert_int_eq(route_m(&c, SHIM_IN6_CONNECT, 0, 1, "::", &rt),
	    EAFNOSUPPORT);
	ck_assert_int_eq(route_m(&c, SHIM_IN6_CONNECT, 0, 1,
	    "::ffff:10.99.0.1", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_STACK);
	ck_assert_int_eq(route_m(&c, SHIM_IN6_CONNECT, 0, 1,
	    "::ffff:127.0.0.1", &rt), 0);
	ck_assert_int_eq(rt, SHIM_IN6_KERNEL);
}
END_TEST

START_TEST(inet6_out)
{
	struct sockaddr_in6 s;
	unsigned char buf[64];
	char text[INET6_ADDRSTRLEN];
	socklen_t len;

	memset(&s, 0xa5, sizeof(s));
	len = sizeof(s);
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)&s, &len,
	    0x0a630002u, 40000, 0), 0);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(s.sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(s.sin6_port), 40000);
	ck_assert_uint_eq(s.sin6_flowinfo, 0);
	ck_assert_uint_eq(s.sin6_scope_id, 0);
	ck_assert(IN6_IS_ADDR_V4MAPPED(&s.sin6_addr));
	ck_assert_ptr_nonnull(inet_ntop(AF_INET6, &s.sin6_addr, text,
	    sizeof(text)));
	ck_assert_str_eq(text, "::ffff:10.99.0.2");
	/* INADDR_ANY: "::", or ::ffff:0.0.0.0 when bound so */
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)&s, &len, 0, 80, 0),
	    0);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&s.sin6_addr));
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)&s, &len, 0, 80, 1),
	    0);
	ck_assert(IN6_IS_ADDR_V4MAPPED(&s.sin6_addr));
	/* short buffer: what fits, and the full length */
	memset(buf, 0xa5, sizeof(buf));
	len = 8;
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)buf, &len,
	    0x0a630002u, 80, 0), 0);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(buf[8], 0xa5);
	ck_assert_uint_eq(buf[0] | buf[1] << 8, AF_INET6);
	/* a longer one: nothing past the sockaddr_in6 */
	len = sizeof(buf);
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)buf, &len, 1, 80, 0),
	    0);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(buf[sizeof(struct sockaddr_in6)], 0xa5);
	/* errors: no length, a negative one; no buffer: nothing */
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)buf, NULL, 1, 80, 0),
	    EFAULT);
	len = (socklen_t)-1;
	ck_assert_int_eq(shim_in6_out((struct sockaddr *)buf, &len, 1, 80, 0),
	    EINVAL);
	ck_assert_int_eq(shim_in6_out(NULL, NULL, 1, 80, 0), 0);
}
END_TEST

START_TEST(inet6_v6only_default)
{
	ck_assert_int_eq(shim_in6_v6only_default("0\n"), 0);
	ck_assert_int_eq(shim_in6_v6only_default("1\n"), 1);
	ck_assert_int_eq(shim_in6_v6only_default("2"), 1);
	ck_assert_int_eq(shim_in6_v6only_default(""), 0);
	ck_assert_int_eq(shim_in6_v6only_default(NULL), 0);
}
END_TEST

Suite *
xt_suite_shim_inet6(void)
{
	Suite *s = suite_create("shim_inet6");
	TCase *tc = tcase_create("shim_inet6");

	tcase_add_test(tc, inet6_parse_kinds);
	tcase_add_test(tc, inet6_parse_errors);
	tcase_add_test(tc, inet6_route);
	tcase_add_test(tc, inet6_out);
	tcase_add_test(tc, inet6_v6only_default);
	suite_add_tcase(s, tc);
	return (s);
}
