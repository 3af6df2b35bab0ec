/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_ports.c - ephemeral port selection (RFC 6056 §3.3.3,
 * Algorithm 3): connections to one destination walk the range in order
 * from a keyed offset, the counter advances by the ports probed, a
 * successor engine given the counter (and the port key) continues the
 * walk, and every choice stays inside [port_lo, port_hi].
 *
 * Engines here run over a device that sends nothing anywhere: a connect
 * leaves its TCB in SYN-SENT (the SYN waits for ARP), which holds its
 * 4-tuple as a live connection would.
 *
 * Read first: RFC 6056 §3.3.3 and §3.3.4, RFC 6191 §2.
 */
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <check.h>

#include "xt_err.h"
#include "xtcp.h"
#include "xt_engine.h"
#include "dev/phy.h"
#include "null_dev.h"
#include "tcp/tcp_var.h"

Suite	*xt_suite_tcp_ports(void);

#define OUR_IP		0x0a000001u	/* 10.0.0.1 */
#define PEER_IP		0x0a000002u	/* 10.0.0.2 */
#define OTHER_IP	0x0a000003u	/* 10.0.0.3 */
#define T0		5000000ull	/* µs */
#define LO		40000
#define HI		40999		/* 1,000 ports */

/* An engine on OUR_IP with ports lo..hi and the given keys. */
static struct xtcp_engine *
engine_range(const struct xtcp_keys *k, uint16_t lo, uint16_t hi)
{
	struct xtcp_config cfg;
	struct xtcp_engine *eng;

	xtcp_config_defaults(&cfg);
	cfg.addr = OUR_IP;
	cfg.port_lo = lo;
	cfg.port_hi = hi;
	ck_assert_int_eq(xtcp_engine_new_keyed(&cfg, &xt_test_null_dev, k, T0,
	    &eng), XT_OK);
	return (eng);
}

static struct xtcp_engine *
engine_seeded(uint64_t seed)
{
	struct xtcp_keys k;

	xtcp_keys_from_seed(seed, &k);
	return (engine_range(&k, LO, HI));
}

/* connect a new socket to faddr:fport; returns its local port. */
static uint16_t
connect_to(struct xtcp_engine *eng, uint32_t faddr, uint16_t fport)
{
	struct xtcp_sock *s;
	uint32_t a;
	uint16_t p;

	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, T0, faddr, fport), XT_EINPROGRESS);
	ck_assert_int_eq(xtcp_getsockname(s, &a, &p), XT_OK);
	return (p);
}

/* The port after p in the range lo..hi. */
static uint16_t
next_port(uint16_t p, uint16_t lo, uint16_t hi)
{
	return (p == hi ? lo : (uint16_t)(p + 1));
}

/* Where the walk towards faddr:fport is at counter ctr (RFC 6056
 * §3.3.3: min + (offset + next_ephemeral) mod num). */
static uint16_t
walk_at(struct xtcp_engine *eng, uint32_t faddr, uint16_t fport,
    uint32_t ctr)
{
	uint32_t n = HI - LO + 1;

	return ((uint16_t)(LO + (xt_tcp_port_offset(eng, faddr, fport) % n +
	    ctr % n) % n));
}

/* Successive connections to one destination take successive ports,
 * from the keyed offset on, one counter step each. */
START_TEST(ports_walk_in_order)
{
	struct xtcp_engine *eng = engine_seeded(11);
	uint16_t p, q;
	unsigned i;

	ck_assert_uint_eq(xtcp_engine_port_counter(eng), 0);
	p = connect_to(eng, PEER_IP, 80);
	ck_assert_uint_eq(p, walk_at(eng, PEER_IP, 80, 0));
	for (i = 1; i < 20; i++) {
		q = connect_to(eng, PEER_IP, 80);
		ck_assert_uint_eq(q, next_port(p, LO, HI));
		p = q;
	}
	ck_assert_uint_eq(xtcp_engine_port_counter(eng), 20);
	xtcp_engine_free(eng);
}
END_TEST

/* A port in use is skipped, and the counter moves past it as well
 * (RFC 6056 §3.3.3: next_ephemeral grows with every probe). */
START_TEST(ports_skip_used)
{
	struct xtcp_engine *eng = engine_seeded(12);
	struct xtcp_sock *lis;
	uint16_t want, busy;

	want = walk_at(eng, PEER_IP, 80, 0);
	busy = next_port(want, LO, HI);
	ck_assert_int_eq(xtcp_socket(eng, &lis), XT_OK);
	ck_assert_int_eq(xtcp_bind(lis, 0, busy), XT_OK);
	ck_assert_int_eq(xtcp_listen(lis, 8), XT_OK);
	ck_assert_uint_eq(connect_to(eng, PEER_IP, 80), want);
	ck_assert_uint_eq(connect_to(eng, PEER_IP, 80),
	    next_port(busy, LO, HI));
	ck_assert_uint_eq(xtcp_engine_port_counter(eng), 3);
	xtcp_engine_free(eng);
}
END_TEST

/*
 * A successor (another engine: other ISN, timestamp and random keys, the
 * same port key) given the counter continues the walk where its
 * predecessor stopped, so it does not reuse the 4-tuples just left at
 * the peer.  With another port key it starts elsewhere.
 */
START_TEST(ports_successor_continues)
{
	struct xtcp_keys k, k2;
	struct xtcp_engine *a, *b;
	uint16_t last = 0;
	uint32_t ctr;
	unsigned i;

	xtcp_keys_from_seed(21, &k);
	a = engine_range(&k, LO, HI);
	for (i = 0; i < 700; i++)
		last = connect_to(a, PEER_IP, 80);
	ctr = xtcp_engine_port_counter(a);
	ck_assert_uint_eq(ctr, 700);
	xtcp_engine_free(a);

	xtcp_keys_from_seed(22, &k2);
	memcpy(k2.port, k.port, XT_KEY_LEN);
	b = engine_range(&k2, LO, HI);
	xtcp_engine_set_port_counter(b, ctr);
	ck_assert_uint_eq(xtcp_engine_port_counter(b), ctr);
	ck_assert_uint_eq(connect_to(b, PEER_IP, 80), next_port(last, LO,
	    HI));
	xtcp_engine_free(b);

	/* the port key decides where the walk starts */
	xtcp_keys_from_seed(22, &k2);
	b = engine_range(&k2, LO, HI);
	xtcp_engine_set_port_counter(b, ctr);
	ck_assert_uint_ne(connect_to(b, PEER_IP, 80), next_port(last, LO,
	    HI));
	xtcp_engine_free(b);
}
END_TEST

/* Another destination (address or port) walks from another offset;
 * bind() to port 0 walks too (towards no destination). */
START_TEST(ports_per_destination)
{
	struct xtcp_engine *eng = engine_seeded(13);
	struct xtcp_sock *s;
	uint32_t a;
	uint16_t p80, p443, pother, pb;

	ck_assert_uint_ne(xt_tcp_port_offset(eng, PEER_IP, 80),
	    xt_tcp_port_offset(eng, PEER_IP, 443));
	ck_assert_uint_ne(xt_tcp_port_offset(eng, PEER_IP, 80),
	    xt_tcp_port_offset(eng, OTHER_IP, 80));
	p80 = connect_to(eng, PEER_IP, 80);
	p443 = connect_to(eng, PEER_IP, 443);
	pother = connect_to(eng, OTHER_IP, 80);
	ck_assert_uint_eq(p80, walk_at(eng, PEER_IP, 80, 0));
	ck_assert_uint_eq(p443, walk_at(eng, PEER_IP, 443, 1));
	ck_assert_uint_eq(pother, walk_at(eng, OTHER_IP, 80, 2));
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_bind(s, 0, 0), XT_OK);
	ck_assert_int_eq(xtcp_getsockname(s, &a, &pb), XT_OK);
	ck_assert_uint_eq(pb, walk_at(eng, 0, 0, 3));
	ck_assert_uint_eq(xtcp_engine_port_counter(eng), 4);
	xtcp_engine_free(eng);
}
END_TEST

/* Every choice stays in [port_lo, port_hi], up to its very top; a full
 * range is EADDRNOTAVAIL for that destination and no other. */
START_TEST(ports_range_bounds)
{
	struct xtcp_keys k;
	struct xtcp_engine *eng;
	struct xtcp_sock *s;
	uint16_t p, seen = 0;
	unsigned i;

	xtcp_keys_from_seed(14, &k);
	eng = engine_range(&k, 65533, 65535);
	for (i = 0; i < 3; i++) {
		p = connect_to(eng, PEER_IP, 80);
		ck_assert_uint_ge(p, 65533);
		seen |= (uint16_t)(1u << (p - 65533));
	}
	ck_assert_uint_eq(seen, 7);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, T0, PEER_IP, 80), XT_EADDRNOTAVAIL);
	p = connect_to(eng, PEER_IP, 81);
	ck_assert_uint_ge(p, 65533);
	xtcp_engine_free(eng);

	/* one port */
	eng = engine_range(&k, 1024, 1024);
	ck_assert_uint_eq(connect_to(eng, PEER_IP, 80), 1024);
	ck_assert_uint_eq(connect_to(eng, OTHER_IP, 80), 1024);
	xtcp_engine_free(eng);

	/* a counter about to wrap still picks inside the range */
	eng = engine_range(&k, LO, HI);
	xtcp_engine_set_port_counter(eng, UINT32_MAX - 1);
	for (i = 0; i < 4; i++) {
		p = connect_to(eng, PEER_IP, 80);
		ck_assert_uint_ge(p, LO);
		ck_assert_uint_le(p, HI);
	}
	ck_assert_uint_eq(xtcp_engine_port_counter(eng), 2);
	xtcp_engine_free(eng);
}
END_TEST

/* The port key decides the offsets alone: flipping any other key leaves
 * them, flipping it moves them (independent keys, xtcp.h). */
START_TEST(ports_key_independent)
{
	struct xtcp_keys base, k;
	struct xtcp_engine *eng;
	uint32_t o0, o;
	uint8_t *key[6];
	unsigned i;

	xtcp_keys_from_seed(99, &base);
	eng = engine_range(&base, LO, HI);
	o0 = xt_tcp_port_offset(eng, PEER_IP, 80);
	xtcp_engine_free(eng);
	for (i = 0; i < 6; i++) {
		k = base;
		key[0] = k.isn;
		key[1] = k.syncookie;
		key[2] = k.tfo;
		key[3] = k.ts;
		key[4] = k.rng;
		key[5] = k.port;
		key[i][i] ^= 0x01;
		eng = engine_range(&k, LO, HI);
		o = xt_tcp_port_offset(eng, PEER_IP, 80);
		xtcp_engine_free(eng);
		ck_assert_msg((o != o0) == (i == 5), "key %u", i);
	}
	/* and test keys give the port key a value of its own */
	ck_assert(memcmp(base.isn, base.port, XT_KEY_LEN) != 0);
	ck_assert(memcmp(base.ts, base.port, XT_KEY_LEN) != 0);
	ck_assert(memcmp(base.rng, base.port, XT_KEY_LEN) != 0);
}
END_TEST

Suite *
xt_suite_tcp_ports(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_ports");
	tc = tcase_create("ephemeral");
	tcase_add_test(tc, ports_walk_in_order);
	tcase_add_test(tc, ports_skip_used);
	tcase_add_test(tc, ports_successor_continues);
	tcase_add_test(tc, ports_per_destination);
	tcase_add_test(tc, ports_range_bounds);
	tcase_add_test(tc, ports_key_independent);
	suite_add_tcase(s, tc);
	return (s);
}
