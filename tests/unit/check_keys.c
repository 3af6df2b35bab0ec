/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_keys.c - the engine's secrets: SipHash-2-4 against published
 * vectors, RFC 6528 initial sequence numbers, timestamp offsets, and the
 * independence of the keys (changing one key changes only its outputs).
 *
 * Engines here run over a device that sends nothing anywhere; the tests
 * call the keyed functions directly (stack/tcp/tcp_var.h) and, for the
 * timestamp offsets, also open connections and read what they chose.
 *
 * Read first: the SipHash paper (Aumasson and Bernstein, 2012) §2 and
 * Appendix A, RFC 6528 §3, RFC 7323 §5.4, RFC 6191 §2.
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
#include "wire/siphash.h"

Suite	*xt_suite_keys(void);

#define OUR_IP		0x0a000001u	/* 10.0.0.1 */
#define PEER_IP		0x0a000002u	/* 10.0.0.2 */
#define OTHER_IP	0x0a000003u	/* 10.0.0.3 */
#define T0		5000000ull	/* µs */

static struct xtcp_engine *
engine_keyed(const struct xtcp_keys *k, int per_conn)
{
	struct xtcp_config cfg;
	struct xtcp_engine *eng;

	xtcp_config_defaults(&cfg);
	cfg.addr = OUR_IP;
	cfg.ts_offset_per_conn = per_conn;
	ck_assert_int_eq(xtcp_engine_new_keyed(&cfg, &xt_test_null_dev, k, T0,
	    &eng), XT_OK);
	return (eng);
}

static struct xtcp_engine *
engine_seeded(uint64_t seed, int per_conn)
{
	struct xtcp_keys k;

	xtcp_keys_from_seed(seed, &k);
	return (engine_keyed(&k, per_conn));
}

/* ---- SipHash-2-4 ---- */

/*
 * Key 00 01 .. 0f, message 00 01 .. (n-1): the vectors of the SipHash
 * reference implementation; n = 15 is the paper's Appendix A example
 * (a129ca6149be45e5).  The others cover every tail length class (empty,
 * 1, 7 bytes, a whole word, several words); checked against OpenSSL's
 * SIPHASH MAC.
 */
START_TEST(siphash_vectors)
{
	static const struct {
		size_t		n;
		uint64_t	h;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 1, 0x74f839c593dc67fdULL },
		{ 7, 0xab0200f58b01d137ULL },
		{ 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL },
		{ 16, 0x3f2acc7f57c29bdbULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t kb[16], msg[64];
	struct xt_sipkey k;
	unsigned i;

	for (i = 0; i < 16; i++)
		kb[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	xt_sipkey_load(&k, kb);
	ck_assert_uint_eq(k.k0, 0x0706050403020100ULL);
	ck_assert_uint_eq(k.k1, 0x0f0e0d0c0b0a0908ULL);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(xt_siphash24(&k, msg, v[i].n) == v[i].h,
		    "length %zu: %016llx", v[i].n,
		    (unsigned long long)xt_siphash24(&k, msg, v[i].n));
	/* the two-word form is the 16-byte message, little-endian */
	ck_assert_uint_eq(xt_siphash24_2u64(&k, 0x0706050403020100ULL,
	    0x0f0e0d0c0b0a0908ULL), 0x3f2acc7f57c29bdbULL);
}
END_TEST

/* ---- RFC 6528 ISNs ---- */

/* Two 4-tuples get unrelated ISNs; one 4-tuple's ISN moves with the
 * clock M alone, one per 4 µs (RFC 9293 §3.4.1). */
START_TEST(isn_per_tuple_and_clock)
{
	struct xtcp_engine *eng = engine_seeded(7, 0);
	xt_seq_t a, b, a2;

	eng->now = T0;
	a = xt_tcp_new_isn(eng, OUR_IP, 40000, PEER_IP, 80);
	b = xt_tcp_new_isn(eng, OUR_IP, 40001, PEER_IP, 80);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_ne(a - b, 1);	/* not a counter either */
	ck_assert_uint_ne(b - a, 1);
	ck_assert_uint_ne(a, xt_tcp_new_isn(eng, OUR_IP, 40000, OTHER_IP,
	    80));
	/* same tuple, same instant: same ISN (a function, no draw) */
	ck_assert_uint_eq(a, xt_tcp_new_isn(eng, OUR_IP, 40000, PEER_IP, 80));
	eng->now = T0 + 4000;
	a2 = xt_tcp_new_isn(eng, OUR_IP, 40000, PEER_IP, 80);
	ck_assert_uint_eq(a2 - a, 1000);
	eng->now = T0 + 4000003;
	ck_assert_uint_eq(xt_tcp_new_isn(eng, OUR_IP, 40000, PEER_IP, 80) - a,
	    1000000);
	xtcp_engine_free(eng);
}
END_TEST

/* ---- timestamp offsets ---- */

/* Open a connection from a chosen port towards faddr:fport; returns the
 * TCB (in SYN-SENT, its SYN waiting for ARP). */
static struct xtcp_sock *
open_from(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	struct xtcp_sock *s;

	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_bind(s, 0, lport), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, T0, faddr, fport), XT_EINPROGRESS);
	return (s);
}

/* Default, as Linux: one offset per address pair, so two connections to
 * one peer share it (their TSvals grow across connections, RFC 6191
 * §2), and another peer gets another. */
START_TEST(ts_offset_per_pair)
{
	struct xtcp_engine *eng = engine_seeded(7, 0);
	struct xtcp_sock *s1, *s2, *s3;

	s1 = open_from(eng, 41000, PEER_IP, 80);
	s2 = open_from(eng, 41001, PEER_IP, 443);
	s3 = open_from(eng, 41002, OTHER_IP, 80);
	ck_assert_uint_eq(s1->ts_offset, s2->ts_offset);
	ck_assert_uint_ne(s1->ts_offset, s3->ts_offset);
	ck_assert_uint_eq(s1->ts_offset,
	    xt_tcp_ts_offset(eng, OUR_IP, 1, PEER_IP, 2));
	/* not the PRNG's: a second engine with the same keys agrees */
	xtcp_engine_free(eng);
	eng = engine_seeded(7, 0);
	s2 = open_from(eng, 42000, PEER_IP, 22);
	ck_assert_uint_eq(s2->ts_offset,
	    xt_tcp_ts_offset(eng, OUR_IP, 41000, PEER_IP, 80));
	xtcp_engine_free(eng);
}
END_TEST

/* XTCP_TS_OFFSET_PER_CONN=1, the default (FreeBSD's, and Linux 6.18's as
 * measured): one per 4-tuple, the same again for the same 4-tuple. */
START_TEST(ts_offset_per_conn)
{
	struct xtcp_engine *eng = engine_seeded(7, 1);
	struct xtcp_sock *s1, *s2;
	struct xtcp_config def;

	xtcp_config_defaults(&def);
	ck_assert_int_eq(def.ts_offset_per_conn, 1);

	s1 = open_from(eng, 41000, PEER_IP, 80);
	s2 = open_from(eng, 41001, PEER_IP, 80);
	ck_assert_uint_ne(s1->ts_offset, s2->ts_offset);
	ck_assert_uint_ne(xt_tcp_ts_offset(eng, OUR_IP, 41000, PEER_IP, 80),
	    xt_tcp_ts_offset(eng, OUR_IP, 41000, PEER_IP, 81));
	ck_assert_uint_eq(s1->ts_offset,
	    xt_tcp_ts_offset(eng, OUR_IP, 41000, PEER_IP, 80));
	xtcp_engine_free(eng);
}
END_TEST

/* ---- independence ---- */

/* Everything a key decides, for one engine. */
struct outputs {
	xt_seq_t	isn;
	xt_seq_t	cookie;
	uint8_t		tfo[8];
	uint32_t	ts;
	uint64_t	rnd;
};

static void
outputs_of(const struct xtcp_keys *k, struct outputs *o)
{
	struct xtcp_engine *eng = engine_keyed(k, 0);
	uint16_t mss = 1460;

	eng->now = T0;
	o->isn = xt_tcp_new_isn(eng, OUR_IP, 40000, PEER_IP, 80);
	o->cookie = xt_syncookie_make(eng, OUR_IP, 80, PEER_IP, 40000,
	    0x12345678u, &mss);
	xt_tfo_cookie_for(eng, PEER_IP, o->tfo);
	o->ts = xt_tcp_ts_offset(eng, OUR_IP, 40000, PEER_IP, 80);
	o->rnd = xt_random(eng);
	xtcp_engine_free(eng);
}

/*
 * Flip one bit of one key at a time: exactly the outputs of that key
 * change.  (Before, all of them came from one 64-bit seed through an
 * invertible mix, so any one output pinned down every other.)
 */
START_TEST(keys_independent)
{
	struct xtcp_keys base, k;
	struct outputs o0, o;
	uint8_t *key[5];
	unsigned i;

	xtcp_keys_from_seed(99, &base);
	outputs_of(&base, &o0);
	for (i = 0; i < 5; i++) {
		k = base;
		key[0] = k.isn;
		key[1] = k.syncookie;
		key[2] = k.tfo;
		key[3] = k.ts;
		key[4] = k.rng;
		key[i][i * 3] ^= 0x10;
		outputs_of(&k, &o);
		ck_assert_msg((o.isn != o0.isn) == (i == 0), "key %u: isn", i);
		ck_assert_msg((o.cookie != o0.cookie) == (i == 1),
		    "key %u: syn cookie", i);
		ck_assert_msg((memcmp(o.tfo, o0.tfo, 8) != 0) == (i == 2),
		    "key %u: tfo cookie", i);
		ck_assert_msg((o.ts != o0.ts) == (i == 3), "key %u: ts", i);
		ck_assert_msg((o.rnd != o0.rnd) == (i == 4), "key %u: rng", i);
	}
}
END_TEST

/* Test keys: repeatable per seed, different across seeds, and no two
 * of one seed alike. */
START_TEST(keys_from_seed)
{
	struct xtcp_keys a, b, c;
	const uint8_t *ka[5];
	unsigned i, j;

	xtcp_keys_from_seed(1, &a);
	xtcp_keys_from_seed(1, &b);
	xtcp_keys_from_seed(2, &c);
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	ck_assert(memcmp(a.isn, c.isn, XT_KEY_LEN) != 0);
	ka[0] = a.isn;
	ka[1] = a.syncookie;
	ka[2] = a.tfo;
	ka[3] = a.ts;
	ka[4] = a.rng;
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			ck_assert(memcmp(ka[i], ka[j], XT_KEY_LEN) != 0);
}
END_TEST

Suite *
xt_suite_keys(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("keys");
	tc = tcase_create("siphash");
	tcase_add_test(tc, siphash_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("isn");
	tcase_add_test(tc, isn_per_tuple_and_clock);
	suite_add_tcase(s, tc);

	tc = tcase_create("ts");
	tcase_add_test(tc, ts_offset_per_pair);
	tcase_add_test(tc, ts_offset_per_conn);
	suite_add_tcase(s, tc);

	tc = tcase_create("independence");
	tcase_add_test(tc, keys_independent);
	tcase_add_test(tc, keys_from_seed);
	suite_add_tcase(s, tc);
	return (s);
}
