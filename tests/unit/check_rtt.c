/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_rtt.c - unit tests for sequence arithmetic (tcp/tcp_seq.h) and
 * the RFC 6298 retransmission timer estimator (tcp/tcp_rtt.c).
 *
 * The expected estimator values are computed by hand from RFC 6298 §2
 * with integer division rounding toward zero after each step.
 */
#include <limits.h>
#include <stdint.h>

#include <check.h>

#include "tcp/tcp_rtt.h"
#include "tcp/tcp_seq.h"

Suite	*xt_suite_rtt(void);

/* ---- sequence arithmetic, RFC 9293 §3.4 ---- */

START_TEST(seq_plain)
{
	ck_assert(SEQ_LT(1, 2));
	ck_assert(!SEQ_LT(2, 2));
	ck_assert(!SEQ_LT(3, 2));
	ck_assert(SEQ_LEQ(2, 2));
	ck_assert(SEQ_LEQ(1, 2));
	ck_assert(!SEQ_LEQ(3, 2));
	ck_assert(SEQ_GT(3, 2));
	ck_assert(!SEQ_GT(2, 2));
	ck_assert(SEQ_GEQ(2, 2));
	ck_assert(!SEQ_GEQ(1, 2));
	ck_assert_uint_eq(SEQ_MIN(5u, 9u), 5);
	ck_assert_uint_eq(SEQ_MAX(5u, 9u), 9);
}
END_TEST

START_TEST(seq_wrap)
{
	xt_seq_t hi = 0xfffffff0u, lo = 0x10u;

	/* lo is 0x20 bytes after hi, across 2^32. */
	ck_assert(SEQ_LT(hi, lo));
	ck_assert(SEQ_LEQ(hi, lo));
	ck_assert(SEQ_GT(lo, hi));
	ck_assert(SEQ_GEQ(lo, hi));
	ck_assert(!SEQ_GT(hi, lo));
	ck_assert(!SEQ_LT(lo, hi));
	ck_assert(SEQ_LT(0xffffffffu, 0u));
	ck_assert(SEQ_GT(0u, 0xffffffffu));
	ck_assert_uint_eq(SEQ_MIN(hi, lo), hi);
	ck_assert_uint_eq(SEQ_MAX(hi, lo), lo);
	ck_assert_uint_eq(SEQ_MIN(lo, hi), hi);
	ck_assert_uint_eq(SEQ_MAX(lo, hi), lo);
	/* Arguments of other integer types are taken modulo 2^32. */
	ck_assert(SEQ_LT(hi, (uint64_t)lo + 0x100000000ULL));
	ck_assert(SEQ_LT(-1, 0));
	/* Distances just under half the space still order correctly. */
	ck_assert(SEQ_LT(hi, hi + 0x7fffffffu));
	ck_assert(SEQ_GT(hi + 0x7fffffffu, hi));
	ck_assert(SEQ_GT(hi, hi + 0x80000001u));
}
END_TEST

START_TEST(seq_in_wrap)
{
	xt_seq_t a = 0xfffffff0u, b = 0x10u;

	ck_assert(SEQ_IN(a, a, b));
	ck_assert(SEQ_IN(0xffffffffu, a, b));
	ck_assert(SEQ_IN(0u, a, b));
	ck_assert(SEQ_IN(0xfu, a, b));
	ck_assert(!SEQ_IN(b, a, b));
	ck_assert(!SEQ_IN(a - 1, a, b));
	ck_assert(!SEQ_IN(0x11u, a, b));
	/* Empty window. */
	ck_assert(!SEQ_IN(a, a, a));
}
END_TEST

START_TEST(seq_walk)
{
	xt_seq_t s, start = 0xffffff00u;
	uint32_t i;

	/* Walk across the wrap: every step is GT its predecessor. */
	for (i = 0, s = start; i < 0x200; i++, s++) {
		ck_assert(SEQ_GT(s + 1, s));
		ck_assert(SEQ_LT(s, s + 1));
		ck_assert(SEQ_GEQ(s, start));
		ck_assert(SEQ_IN(s, start, start + 0x200));
	}
}
END_TEST

/* ---- RFC 6298 estimator ---- */

START_TEST(rtt_initial)
{
	struct xt_rtt e;

	/* RFC 6298 §2.1: 1 s before any sample. */
	xt_rtt_init(&e, 1000000, 200000, 60000000);
	ck_assert_uint_eq(e.rto_us, 1000000);
	ck_assert_uint_eq(e.srtt_us, 0);
	ck_assert_uint_eq(e.rttvar_us, 0);
	ck_assert_uint_eq(e.min_rtt_us, UINT32_MAX);
	ck_assert_uint_eq(e.nsamples, 0);
	ck_assert_uint_eq(xt_rtt_rto(&e, 0), 1000000);
	ck_assert_uint_eq(xt_rtt_rto(&e, 1), 2000000);
	/* The initial value is clamped too. */
	xt_rtt_init(&e, 3000000, 200000, 1000000);
	ck_assert_uint_eq(e.rto_us, 1000000);
	xt_rtt_init(&e, 100, 200000, 1000000);
	ck_assert_uint_eq(e.rto_us, 200000);
}
END_TEST

START_TEST(rtt_sequence)
{
	struct xt_rtt e;

	xt_rtt_init(&e, 1000000, 200000, 60000000);

	/* §2.2: SRTT = 100000, RTTVAR = 50000, RTO = 100000 + 4*50000. */
	xt_rtt_sample(&e, 100000);
	ck_assert_uint_eq(e.srtt_us, 100000);
	ck_assert_uint_eq(e.rttvar_us, 50000);
	ck_assert_uint_eq(e.rto_us, 300000);

	/*
	 * §2.3 with R' = 120000:
	 * RTTVAR = (3*50000 + |100000-120000|)/4 = 170000/4 = 42500
	 * SRTT   = (7*100000 + 120000)/8 = 820000/8 = 102500
	 * RTO    = 102500 + 4*42500 = 272500
	 */
	xt_rtt_sample(&e, 120000);
	ck_assert_uint_eq(e.rttvar_us, 42500);
	ck_assert_uint_eq(e.srtt_us, 102500);
	ck_assert_uint_eq(e.rto_us, 272500);

	/*
	 * R' = 80000:
	 * RTTVAR = (3*42500 + |102500-80000|)/4 = 150000/4 = 37500
	 * SRTT   = (7*102500 + 80000)/8 = 797500/8 = 99687 (truncated)
	 * RTO    = 99687 + 150000 = 249687
	 */
	xt_rtt_sample(&e, 80000);
	ck_assert_uint_eq(e.rttvar_us, 37500);
	ck_assert_uint_eq(e.srtt_us, 99687);
	ck_assert_uint_eq(e.rto_us, 249687);

	/*
	 * R' = 400000 (a spike):
	 * RTTVAR = (3*37500 + 300313)/4 = 412813/4 = 103203
	 * SRTT   = (7*99687 + 400000)/8 = 1097809/8 = 137226
	 * RTO    = 137226 + 412812 = 550038
	 */
	xt_rtt_sample(&e, 400000);
	ck_assert_uint_eq(e.rttvar_us, 103203);
	ck_assert_uint_eq(e.srtt_us, 137226);
	ck_assert_uint_eq(e.rto_us, 550038);

	ck_assert_uint_eq(e.min_rtt_us, 80000);
	ck_assert_uint_eq(e.nsamples, 4);
}
END_TEST

START_TEST(rtt_granularity)
{
	struct xt_rtt e;
	int i;

	/* Constant samples drive RTTVAR to 0; the G term then rules. */
	xt_rtt_init(&e, 1000000, 0, 60000000);
	xt_rtt_sample(&e, 5000);
	ck_assert_uint_eq(e.rto_us, 5000 + 4 * 2500);
	for (i = 0; i < 100; i++)
		xt_rtt_sample(&e, 5000);
	ck_assert_uint_eq(e.srtt_us, 5000);
	ck_assert_uint_eq(e.rttvar_us, 0);
	ck_assert_uint_eq(e.rto_us, 5000 + XT_RTT_G_US);

	/* A zero sample is legal: RTO = 0 + G. */
	xt_rtt_init(&e, 1000000, 0, 60000000);
	xt_rtt_sample(&e, 0);
	ck_assert_uint_eq(e.srtt_us, 0);
	ck_assert_uint_eq(e.rttvar_us, 0);
	ck_assert_uint_eq(e.rto_us, XT_RTT_G_US);
	ck_assert_uint_eq(e.min_rtt_us, 0);
	/* 4*RTTVAR just under and just over G. */
	xt_rtt_init(&e, 1000000, 0, 60000000);
	xt_rtt_sample(&e, 498);		/* RTTVAR 249, 4*249 = 996 < G */
	ck_assert_uint_eq(e.rto_us, 498 + XT_RTT_G_US);
	xt_rtt_init(&e, 1000000, 0, 60000000);
	xt_rtt_sample(&e, 502);		/* RTTVAR 251, 4*251 = 1004 > G */
	ck_assert_uint_eq(e.rto_us, 502 + 1004);
}
END_TEST

START_TEST(rtt_clamp)
{
	struct xt_rtt e;

	/* RFC 6298 §2.4 lower bound (Linux-like 200 ms here). */
	xt_rtt_init(&e, 1000000, 200000, 60000000);
	xt_rtt_sample(&e, 10000);
	ck_assert_uint_eq(e.srtt_us, 10000);
	ck_assert_uint_eq(e.rto_us, 200000);
	/* §2.5 upper bound. */
	xt_rtt_init(&e, 1000000, 200000, 60000000);
	xt_rtt_sample(&e, 50000000);
	ck_assert_uint_eq(e.srtt_us, 50000000);
	ck_assert_uint_eq(e.rto_us, 60000000);
	/* Largest sample: SRTT + 4*RTTVAR exceeds 32 bits, no overflow. */
	xt_rtt_init(&e, 1000000, 0, UINT32_MAX);
	xt_rtt_sample(&e, UINT32_MAX);
	ck_assert_uint_eq(e.srtt_us, UINT32_MAX);
	ck_assert_uint_eq(e.rttvar_us, UINT32_MAX / 2);
	ck_assert_uint_eq(e.rto_us, UINT32_MAX);
	xt_rtt_sample(&e, UINT32_MAX);
	ck_assert_uint_eq(e.srtt_us, UINT32_MAX);
	ck_assert_uint_eq(e.rto_us, UINT32_MAX);
	xt_rtt_sample(&e, 0);
	ck_assert_uint_eq(e.min_rtt_us, 0);
	ck_assert_uint_eq(e.rto_us, UINT32_MAX);
}
END_TEST

START_TEST(rtt_min_rtt)
{
	struct xt_rtt e;

	xt_rtt_init(&e, 1000000, 200000, 60000000);
	xt_rtt_sample(&e, 30000);
	ck_assert_uint_eq(e.min_rtt_us, 30000);
	xt_rtt_sample(&e, 50000);
	ck_assert_uint_eq(e.min_rtt_us, 30000);
	xt_rtt_sample(&e, 20000);
	ck_assert_uint_eq(e.min_rtt_us, 20000);
	ck_assert_uint_eq(e.nsamples, 3);
}
END_TEST

START_TEST(rtt_backoff)
{
	struct xt_rtt e;
	static const unsigned big[] = { 9, 31, 32, 33, 63, 64, 65, 1000,
	    UINT_MAX };
	size_t i;

	xt_rtt_init(&e, 1000000, 200000, 60000000);
	xt_rtt_sample(&e, 100000);		/* RTO 300000 */
	ck_assert_uint_eq(xt_rtt_rto(&e, 0), 300000);
	ck_assert_uint_eq(xt_rtt_rto(&e, 1), 600000);
	ck_assert_uint_eq(xt_rtt_rto(&e, 7), 38400000);
	ck_assert_uint_eq(xt_rtt_rto(&e, 8), 60000000);	/* 76.8 s capped */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		ck_assert_uint_eq(xt_rtt_rto(&e, big[i]), 60000000);
	/* The base RTO is not changed by backoff. */
	ck_assert_uint_eq(e.rto_us, 300000);

	/* Cap at 2^32-1: every shift that would overflow saturates. */
	xt_rtt_init(&e, 3, 0, UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, 30), 3u << 30);
	ck_assert_uint_eq(xt_rtt_rto(&e, 31), UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, 32), UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, 64), UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, UINT_MAX), UINT32_MAX);
	xt_rtt_init(&e, UINT32_MAX, 0, UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, 0), UINT32_MAX);
	ck_assert_uint_eq(xt_rtt_rto(&e, 1), UINT32_MAX);
}
END_TEST

Suite *
xt_suite_rtt(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("rtt");

	tc = tcase_create("seq");
	tcase_add_test(tc, seq_plain);
	tcase_add_test(tc, seq_wrap);
	tcase_add_test(tc, seq_in_wrap);
	tcase_add_test(tc, seq_walk);
	suite_add_tcase(s, tc);

	tc = tcase_create("rto");
	tcase_add_test(tc, rtt_initial);
	tcase_add_test(tc, rtt_sequence);
	tcase_add_test(tc, rtt_granularity);
	tcase_add_test(tc, rtt_clamp);
	tcase_add_test(tc, rtt_min_rtt);
	tcase_add_test(tc, rtt_backoff);
	suite_add_tcase(s, tc);

	return (s);
}
