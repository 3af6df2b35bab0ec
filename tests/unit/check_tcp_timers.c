/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_timers.c - TCP unit tests of the engine's timer heap
 * (tcp_timer.c): the heap's earliest deadline equals a scan of every TCB
 * while deadlines are set, cleared, moved earlier and later and TCBs come
 * and go; a deadline moved earlier fires then; a listener's SYN cache
 * counts; freed TCBs leave; and the TCBs next and run look at are the due
 * ones, not all.  Counts are asserted, never time.
 *
 * Read first: the comment above XT_TM_SLOT in tcp_timer.c.
 */
#include <stdint.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"

Suite	*xt_suite_tcp_timers(void);

#define NTCB	300	/* more than debug builds check at each call */

static struct xtcp_sock *tcb[NTCB];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Deterministic: xorshift64. */
static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng % n);
}

static void
small_buffers(struct xtcp_config *c)
{
	c->sndbuf = 4096;
	c->rcvbuf = 4096;
}

/* The answer the heap replaced: every TCB's earliest deadline. */
static uint64_t
scan_next(void)
{
	struct xtcp_sock *tp;
	uint64_t d = UINT64_MAX, t;

	XT_TCP_FOREACH(eng, tp) {
		t = xt_tcp_next_deadline(tp);
		if (t < d)
			d = t;
	}
	return (d);
}

#define expect_heap_ok(step) do {					\
	ck_assert_msg(xt_tcp_timers_verify(eng) == XT_OK,		\
	    "step %u: heap inconsistent", (unsigned)(step));		\
	ck_assert_msg(xt_tcp_timers_next(eng) == scan_next(),		\
	    "step %u: heap %llu, scan %llu", (unsigned)(step),		\
	    (unsigned long long)xt_tcp_timers_next(eng),		\
	    (unsigned long long)scan_next());				\
} while (0)

static void
alloc_all(void)
{
	unsigned i;

	engine_with(small_buffers);
	for (i = 0; i < NTCB; i++) {
		tcb[i] = xt_tcp_alloc(eng);
		ck_assert_ptr_nonnull(tcb[i]);
	}
}

/* Random deadlines on every timer of many TCBs: set, cleared, earlier,
 * later, TCBs freed and allocated; the heap agrees with the scan. */
START_TEST(heap_matches_scan)
{
	unsigned step, i;
	enum xt_tcp_timer t;

	alloc_all();
	expect_heap_ok(0);
	for (step = 1; step <= 20000; step++) {
		i = (unsigned)rnd(NTCB);
		t = (enum xt_tcp_timer)rnd(XT_T_RACK + 1);
		switch (rnd(8)) {
		case 0: case 1: case 2: case 3:
			/* anywhere: earlier or later than what it had */
			if (tcb[i] != NULL)
				xt_tcp_timer_set(tcb[i], t, now + 1 +
				    rnd(1000000));
			break;
		case 4:
			/* just after the current earliest */
			if (tcb[i] != NULL && scan_next() != UINT64_MAX)
				xt_tcp_timer_set(tcb[i], t, scan_next() +
				    rnd(3));
			break;
		case 5: case 6:
			if (tcb[i] != NULL)
				xt_tcp_timer_set(tcb[i], t, 0);
			break;
		case 7:
			if (tcb[i] != NULL) {
				xt_tcp_free(tcb[i]);
				tcb[i] = NULL;
			} else {
				tcb[i] = xt_tcp_alloc(eng);
				ck_assert_ptr_nonnull(tcb[i]);
			}
			break;
		}
		expect_heap_ok(step);
	}
}
END_TEST

/*
 * Only delayed-ACK deadlines (whose timer does nothing on a bare TCB
 * without XT_TF_DELACK), run at random instants: every due one fires,
 * exactly once, and none early.
 */
START_TEST(run_fires_due_only)
{
	uint64_t t, due[NTCB];
	unsigned step, i, ndue, fired;

	alloc_all();
	for (step = 1; step <= 500; step++) {
		for (i = 0; i < 40; i++) {
			struct xtcp_sock *tp = tcb[rnd(NTCB)];

			xt_tcp_timer_set(tp, XT_T_DELACK, rnd(4) == 0 ? 0 :
			    now + 1 + rnd(5000));
		}
		t = now + rnd(3000);
		ndue = 0;
		for (i = 0; i < NTCB; i++) {
			due[i] = tcb[i]->t_delack_at;
			if (due[i] != 0 && due[i] <= t)
				ndue++;
		}
		expect_heap_ok(step);
		now = t;
		xt_tcp_timers_run(eng, now);
		fired = 0;
		for (i = 0; i < NTCB; i++) {
			if (due[i] != 0 && due[i] <= t) {
				ck_assert_uint_eq(tcb[i]->t_delack_at, 0);
				fired++;
			} else
				ck_assert_uint_eq(tcb[i]->t_delack_at, due[i]);
		}
		ck_assert_uint_eq(fired, ndue);
		ck_assert_uint_gt(xt_tcp_timers_next(eng), now);
		expect_heap_ok(step);
	}
}
END_TEST

/*
 * A connection whose retransmission timer keys it in the heap arms an
 * earlier delayed ACK, among many TCBs with deadlines between the two:
 * the engine asks for that instant, and the ACK leaves then.
 */
START_TEST(earlier_deadline_fires_on_time)
{
	size_t n;
	unsigned i;

	engine_with(small_buffers);
	tcb_established();
	no_quickack(sk);
	for (i = 0; i < 100; i++) {
		tcb[i] = xt_tcp_alloc(eng);
		ck_assert_ptr_nonnull(tcb[i]);
		xt_tcp_timer_set(tcb[i], XT_T_DELACK, now + RTO / 2 + i);
	}
	ck_assert_int_eq(xtcp_send(sk, now, "abcd", 4, 0, &n), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + RTO / 2);
	ck_assert_uint_gt(sk->t_rexmt_at, now + RTO / 2 + 100);
	now += RTT;
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "xy", 2);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_delack_at, now + DELACK);
	ck_assert_uint_lt(sk->t_delack_at, sk->t_rexmt_at);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + DELACK);
	advance_to(now + DELACK - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx(XT_TH_ACK, iss + 5, PEER_ISS + 3);
	expect_heap_ok(0);
	finish(101);
}
END_TEST

/* A SYN cache entry keys its listener, which had no deadline of its own:
 * the SYN-ACK goes again at its RTO. */
START_TEST(syncache_keys_listener)
{
	uint64_t rto_at;
	unsigned i;

	engine_with(small_buffers);
	for (i = 0; i < 100; i++) {
		tcb[i] = xt_tcp_alloc(eng);
		ck_assert_ptr_nonnull(tcb[i]);
		xt_tcp_timer_set(tcb[i], XT_T_DELACK, now + 10 * RTO + i);
	}
	tcb_listen();
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + 10 * RTO);
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	(void)tx_one(__LINE__);
	tx_clear();
	rto_at = xtcp_engine_next_deadline(eng);
	ck_assert_uint_eq(rto_at, xt_tcp_next_deadline(lsk));
	ck_assert_uint_lt(rto_at, now + 10 * RTO);
	expect_heap_ok(0);
	advance_to(rto_at - 1);
	expect_no_tx();
	advance_to(rto_at);
	ck_assert_uint_eq(tx_one(__LINE__)->flags, XT_TH_SYN | XT_TH_ACK);
	expect_heap_ok(1);
}
END_TEST

/* TCBs freed with timers pending leave the heap, the top among them;
 * TIME-WAIT TCBs freed by their own timer in one pass, too. */
START_TEST(free_with_pending_timers)
{
	unsigned i;
	uint64_t top;

	alloc_all();
	for (i = 0; i < NTCB; i++) {
		xt_tcp_timer_set(tcb[i], XT_T_REXMT, now + 1000 + i);
		xt_tcp_timer_set(tcb[i], XT_T_KEEP, now + 500 + 7 * i);
	}
	expect_heap_ok(0);
	for (i = 0; i < NTCB; i += 2) {
		top = xt_tcp_timers_next(eng);
		xt_tcp_free(tcb[i]);
		tcb[i] = NULL;
		expect_heap_ok(i);
		ck_assert_uint_ge(xt_tcp_timers_next(eng), top);
	}
	ck_assert_uint_eq(eng->tm.n, NTCB / 2);
	/* orphans in TIME-WAIT, all expiring at once: each timer frees its
	 * own TCB in the middle of the pass */
	for (i = 1; i < NTCB; i += 2) {
		tcb[i]->state = XT_TCPS_TIME_WAIT;
		tcb[i]->t_flags |= XT_TF_ORPHAN;
		xt_tcp_timer_set(tcb[i], XT_T_REXMT, 0);
		xt_tcp_timer_set(tcb[i], XT_T_KEEP, 0);
		xt_tcp_timer_set(tcb[i], XT_T_2MSL, now + 2 * MSL);
	}
	expect_heap_ok(1);
	advance_to(now + 2 * MSL);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_uint_eq(eng->tm.n, 0);
	ck_assert_uint_eq(xt_tcp_timers_next(eng), UINT64_MAX);
	finish(0);
}
END_TEST

/* next and run look at the due or stale TCBs, not at every TCB. */
START_TEST(visits_bounded)
{
	uint64_t v;
	unsigned i;

	alloc_all();
	for (i = 0; i < NTCB; i++)
		xt_tcp_timer_set(tcb[i], XT_T_DELACK, now + 1000000 + i);
	v = eng->tm.visits;
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(xt_tcp_timers_next(eng), now + 1000000);
	ck_assert_uint_le(eng->tm.visits - v, 100);
	/* nothing due: run looks at nobody */
	v = eng->tm.visits;
	xt_tcp_timers_run(eng, now + 999999);
	ck_assert_uint_eq(eng->tm.visits - v, 0);
	/* the top's deadline goes later: one stale key to correct */
	xt_tcp_timer_set(tcb[0], XT_T_DELACK, now + 5000000);
	v = eng->tm.visits;
	ck_assert_uint_eq(xt_tcp_timers_next(eng), now + 1000001);
	ck_assert_uint_le(eng->tm.visits - v, 2);
	/* ten come due: run looks at those ten (and the top after) */
	v = eng->tm.visits;
	now += 1000010;
	xt_tcp_timers_run(eng, now);
	ck_assert_uint_eq(eng->tm.visits - v, 10);
	ck_assert_uint_eq(eng->tm.n, NTCB - 10);
	v = eng->tm.visits;
	ck_assert_uint_eq(xt_tcp_timers_next(eng), now + 1);
	ck_assert_uint_le(eng->tm.visits - v, 1);
	expect_heap_ok(0);
}
END_TEST

Suite *
xt_suite_tcp_timers(void)
{
	Suite *s = suite_create("tcp_timers");
	TCase *tc = tcase_create("heap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, heap_matches_scan);
	tcase_add_test(tc, run_fires_due_only);
	tcase_add_test(tc, earlier_deadline_fires_on_time);
	tcase_add_test(tc, syncache_keys_listener);
	tcase_add_test(tc, free_with_pending_timers);
	tcase_add_test(tc, visits_bounded);
	suite_add_tcase(s, tc);
	return (s);
}
