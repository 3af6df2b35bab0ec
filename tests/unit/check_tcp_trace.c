/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_trace.c - TCP unit tests of the congestion-control trace
 * callback (xtcp_engine_set_trace_callback, the shim's XTCP_TRACE): one
 * row after each ACK a connection processes and one after each
 * retransmission timeout, each with the connection, the engine's clock
 * and the TCB's congestion values as they stand once the event is done;
 * none without a callback.
 *
 * Read first: xtcp.h, struct xtcp_trace_row.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"

Suite	*xt_suite_tcp_trace(void);

#define NROW	16

static struct xtcp_trace_row rows[NROW];
static unsigned nrows;

static void
record(void *arg, const struct xtcp_trace_row *r)
{
	ck_assert_ptr_eq(arg, rows);
	ck_assert_uint_lt(nrows, NROW);
	rows[nrows++] = *r;
}

/* The row's fields that mirror the TCB, checked against it now. */
static void
expect_row_at(int line, unsigned i, int event, int ca)
{
	const struct xtcp_trace_row *r = &rows[i];

	ck_assert_msg(i < nrows, "line %d: %u rows, want row %u", line,
	    nrows, i);
	ck_assert_msg(r->event == event, "line %d: event %d, want %d", line,
	    r->event, event);
	ck_assert_msg(r->ca_state == ca, "line %d: ca_state %d, want %d",
	    line, r->ca_state, ca);
	ck_assert_uint_eq(r->now_us, now);
	ck_assert_uint_eq(r->laddr, OUR_IP);
	ck_assert_uint_eq(r->faddr, PEER_IP);
	ck_assert_uint_eq(r->lport, lport);
	ck_assert_uint_eq(r->fport, PEER_PORT);
	ck_assert_str_eq(r->state, "ESTABLISHED");
	ck_assert_str_eq(r->cc, xt_cc_ops(sk->t_cc)->name);
	ck_assert_uint_eq(r->mss, MSS);
	ck_assert_uint_eq(r->cwnd, sk->snd_cwnd);
	ck_assert_uint_ne(r->cwnd, 0);
	ck_assert_uint_eq(r->srtt_us, sk->t_rtt.srtt_us);
	ck_assert_uint_eq(r->rttvar_us, sk->t_rtt.rttvar_us);
	ck_assert_uint_eq(r->rto_us, xt_rtt_rto(&sk->t_rtt, sk->t_rxtshift));
}
#define expect_row(i, ev, ca) expect_row_at(__LINE__, (i), (ev), (ca))

/* Every ACK gives one row: new data acknowledged, a duplicate, a data
 * segment (it carries an ACK too). */
START_TEST(row_per_ack)
{
	tcb_established();
	xtcp_engine_set_trace_callback(eng, record, rows);
	send_all(sk, "abc", 3);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc",
	    3);
	ck_assert_uint_eq(nrows, 0);		/* sending is no event */
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(nrows, 1);
	expect_row(0, XTCP_TRACE_ACK, XTCP_CA_OPEN);
	ck_assert_uint_eq(rows[0].inflight, 0);
	ck_assert_uint_eq(rows[0].delivered, 3);
	ck_assert_uint_eq(rows[0].retransmitted, 0);
	ck_assert_uint_eq(rows[0].ssthresh, UINT32_MAX);
	ck_assert_uint_ne(rows[0].srtt_us, 0);

	send_all(sk, "defg", 4);
	tx_one(__LINE__);
	now += 1000;
	/* a duplicate ACK: the 4 bytes still in flight */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(nrows, 2);
	expect_row(1, XTCP_TRACE_ACK, XTCP_CA_DISORDER);
	ck_assert_uint_eq(rows[1].inflight, 4);
	ck_assert_uint_eq(rows[1].delivered, 3);
	/* data from the peer acknowledging ours */
	now += 1000;
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 8, PEER_WIN,
	    "xy", 2);
	ck_assert_uint_eq(nrows, 3);
	expect_row(2, XTCP_TRACE_ACK, XTCP_CA_OPEN);
	ck_assert_uint_eq(rows[2].inflight, 0);
	ck_assert_uint_eq(rows[2].delivered, 7);
	finish(1);
}
END_TEST

/* A retransmission timeout gives one row, after RFC 5681 §3.1's cut and
 * the backoff; the ACK that ends it another. */
START_TEST(row_per_rto)
{
	uint32_t cwnd_before;

	tcb_established();
	xtcp_engine_set_trace_callback(eng, record, rows);
	cwnd_before = sk->snd_cwnd;
	send_all(sk, "lost", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "lost",
	    4);
	advance_to(now + RTO);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "lost",
	    4);
	ck_assert_uint_eq(nrows, 1);
	expect_row(0, XTCP_TRACE_RTO, XTCP_CA_LOSS);
	ck_assert_uint_lt(rows[0].cwnd, cwnd_before);
	ck_assert_uint_eq(rows[0].cwnd, MSS);		/* loss window */
	ck_assert_uint_ne(rows[0].ssthresh, UINT32_MAX);
	ck_assert_uint_eq(rows[0].rto_us, 2 * RTO);	/* backed off */
	ck_assert_uint_eq(rows[0].inflight, 4);
	ck_assert_uint_eq(rows[0].retransmitted, 4);
	ck_assert_uint_eq(rows[0].delivered, 0);
	/* the second timeout, one more row */
	advance_to(now + 2 * RTO);
	tx_one(__LINE__);
	ck_assert_uint_eq(nrows, 2);
	expect_row(1, XTCP_TRACE_RTO, XTCP_CA_LOSS);
	ck_assert_uint_eq(rows[1].retransmitted, 8);
	ck_assert_uint_gt(rows[1].now_us, rows[0].now_us);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 5, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(nrows, 3);
	expect_row(2, XTCP_TRACE_ACK, XTCP_CA_OPEN);
	ck_assert_uint_eq(rows[2].delivered, 4);
	finish(1);
}
END_TEST

/* The callback removed: no more rows. */
START_TEST(no_callback_no_rows)
{
	tcb_established();
	xtcp_engine_set_trace_callback(eng, record, rows);
	xtcp_engine_set_trace_callback(eng, NULL, NULL);
	send_all(sk, "abc", 3);
	tx_one(__LINE__);
	advance_to(now + RTO);
	tx_one(__LINE__);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(nrows, 0);
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_trace(void)
{
	Suite *s = suite_create("tcp_trace");
	TCase *tc = tcase_create("trace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, row_per_ack);
	tcase_add_test(tc, row_per_rto);
	tcase_add_test(tc, no_callback_no_rows);
	suite_add_tcase(s, tc);
	return (s);
}
