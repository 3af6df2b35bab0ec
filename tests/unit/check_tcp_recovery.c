/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_recovery.c - TCP unit tests of retransmission and loss
 * recovery: the RTO and its backoff, fast retransmit and NewReno partial
 * ACKs, the duplicate ACK rules, F-RTO, tail loss probes, RACK, Eifel undo,
 * and the keys (soak) regression of a go-back-N after a timeout.  The
 * fixture (tcp_fixture.h) builds each TCB; see there how a test reads.
 *
 * Read first: RFC 6298 §5, RFC 5681 §3.2, RFC 6582, RFC 6675, RFC 5682,
 * RFC 8985, RFC 3522.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_recovery(void);

/* ---- retransmission, RFC 6298 §5 ---- */

START_TEST(rexmit_backoff_timeout)
{
	const struct xt_tcp_repr *th;
	uint64_t t;
	size_t n;
	unsigned i;

	tcb_established();
	send_all(sk, "abcd", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	t = now;
	ck_assert_uint_eq(sk->t_rexmt_at, t + RTO);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), t + RTO);
	/* RFC 6298 §5.4-5.6: resend, double the RTO each time */
	for (i = 0; i < REXMIT_MAX; i++) {
		t += RTO << i;
		advance_to(t - 1);
		expect_no_tx();
		advance_to(t);
		th = expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1,
		    PEER_ISS + 1, "abcd", 4);
		(void)th;
		ck_assert_uint_eq(sk->t_rxtshift, i + 1);
		ck_assert_uint_eq(sk->t_rexmt_at, t + (RTO << (i + 1)));
		/* RFC 5681 §3.1: the loss window */
		ck_assert_uint_eq(sk->snd_cwnd, MSS);
	}
	t += RTO << REXMIT_MAX;
	advance_to(t - 1);
	expect_no_tx();
	advance_to(t);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_recv(sk, now, &n, 1, 0, &n), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(rexmit_ack_stops_timer)
{
	tcb_established();
	send_all(sk, "abcd", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	advance_to(now + RTO);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd",
	    4);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->snd_una, iss + 5);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	ck_assert_uint_eq(sk->t_rxtshift, 0);
	ck_assert_uint_eq(xtcp_sock_txbytes(sk), 0);
	advance_to(now + 10 * RTO);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(rexmit_partial_ack_rearms)
{
	static uint8_t d[3 * MSS];

	/* RFC 6298 §5.3: an ACK of new data restarts the timer */
	memset(d, 'r', sizeof(d));
	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 3);
	tx_clear();
	now += 500000;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + MSS, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(sk->t_rexmt_at, now + RTO);
	finish(1);
}
END_TEST

/* ---- fast retransmit, RFC 5681 §3.2, RFC 6582 ---- */

START_TEST(fast_retransmit)
{
	static uint8_t d[5 * MSS];
	struct xt_tcp_repr th;
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7);
	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 5);
	for (i = 0; i < 5; i++) {
		tx_seg(i, &th);
		ck_assert_uint_eq(th.seq, iss + 1 + i * MSS);
		ck_assert_uint_eq(th.payload_len, MSS);
	}
	tx_clear();
	/* the first segment was lost; the peer ACKs the others with
	 * duplicate ACKs */
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_dupacks, 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, MSS);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS) */
	ck_assert_uint_eq(sk->snd_ssthresh, 5 * MSS / 2);
	ck_assert_uint_eq(sk->snd_cwnd, 5 * MSS / 2 + 3 * MSS);
	ck_assert_uint_gt(sk->t_rexmt_at, now);
	/* a fourth duplicate only inflates the window */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	/* the full ACK ends recovery */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 5 * MSS, PEER_WIN,
	    NULL, 0);
	expect_no_tx();
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_uint_eq(sk->snd_una, iss + 1 + 5 * MSS);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	finish(1);
}
END_TEST

START_TEST(fast_retransmit_partial_ack)
{
	static uint8_t d[5 * MSS];
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 3);
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	for (i = 0; i < 3; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL,
		    0);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, MSS);
	/* RFC 6582 §3.2 step 5: a partial ACK resends the next hole */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, PEER_WIN, NULL,
	    0);
	expect_tx_data(XT_TH_ACK, iss + 1 + 2 * MSS, PEER_ISS + 1,
	    d + 2 * MSS, MSS);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	finish(1);
}
END_TEST

START_TEST(dupack_rules)
{
	static uint8_t d[2 * MSS];

	/* RFC 5681 §2: an ACK with data or a window change is no
	 * duplicate */
	memset(d, 'd', sizeof(d));
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(sk->t_dupacks, 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN - 1, NULL, 0);
	ck_assert_uint_eq(sk->t_dupacks, 0);
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN - 1,
	    "x", 1);
	ck_assert_uint_eq(sk->t_dupacks, 0);
	finish(1);
}
END_TEST

/* ---- F-RTO, TLP, RACK and Eifel: RFC 5682, RFC 8985, RFC 3522 ---- */

/* F-RTO (RFC 5682 §2): after a timeout, an ACK for the retransmission
 * lets two new segments go instead of going back N; a second ACK of data
 * never retransmitted shows the timeout was spurious and it is undone. */
START_TEST(frto_spurious_timeout)
{
	static uint8_t d[12 * MSS];
	struct xt_tcp_repr t;
	uint32_t cwnd;
	unsigned i;

	tcb_established();
	send_all(sk, d, sizeof(d));	/* 10 go (IW 10), 2 wait */
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	cwnd = sk->snd_cwnd;
	advance_to(now + RTO);		/* the timeout: segment 1 again */
	tx_seg(0, &t);
	ck_assert_uint_eq(t.seq, iss + 1);
	ck_assert_uint_eq(sk->t_frto, 1);
	tx_clear();
	/* the original segment 1 was only late: its ACK arrives */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + MSS, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(sk->t_frto, 2);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {	/* new data only, no go-back-N */
		tx_seg(i, &t);
		ck_assert(SEQ_GEQ(t.seq, iss + 1 + 10 * MSS));
	}
	tx_clear();
	/* and segment 2's ACK: never retransmitted, so spurious */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, PEER_WIN, NULL,
	    0);
	ck_assert_uint_eq(sk->t_frto, 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_frto_spurious"), 1);
	ck_assert_uint_ge(sk->snd_cwnd, cwnd / 2);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert(SEQ_GEQ(t.seq, iss + 1 + 10 * MSS));
	}
	finish(1);
}
END_TEST

static void
tcb_established_sack(void)
{
	tcb_established_opts(0);
}

/*
 * RFC 8985 §7.3: a tail loss probe when the peer's window admits no new
 * segment resends the last segment *sent*; data buffered beyond snd_max
 * was never sent and must not go (it once did, and the peer's ACK for
 * it then looked like one for unsent data: a stall).
 */
START_TEST(tlp_window_limited_resends_last_sent)
{
	static uint8_t d[4000];
	struct xt_tcp_repr th;
	xt_seq_t max;

	tcb_established_sack();
	send_window_limited(d, sizeof(d));
	tx_clear();
	max = sk->snd_max;
	ck_assert_uint_eq(max, iss + 1 + 2 * MSS);
	ck_assert_uint_ne(sk->t_tlp_at, 0);
	ck_assert(sk->t_tlp_at < sk->t_rexmt_at);
	advance_to(sk->t_tlp_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_tlp_probes"), 1);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.seq, iss + 1 + MSS);
	ck_assert_uint_eq(th.payload_len, MSS);
	ck_assert_uint_eq(sk->snd_max, max);
	tx_clear();
	finish(1);
}
END_TEST

/* A probe with new data when the window admits it; with one segment in
 * flight the PTO allows for a delayed ACK (2 SRTT + WCDelAckT). */
START_TEST(tlp_new_data_single_segment)
{
	static uint8_t d[3 * MSS];
	struct xt_tcp_repr th;
	uint64_t rexmt;

	tcb_established_sack();
	send_all(sk, d, MSS);
	ck_assert_uint_eq(cap.n, 1);
	tx_clear();
	rexmt = sk->t_rexmt_at;
	ck_assert_uint_eq(sk->t_tlp_at, now + 2 * RTT + 200000);
	/* more data, not yet sent (Nagle holds the partial segment back
	 * while one is unacknowledged): the probe sends it */
	send_all(sk, d + MSS, 100);
	expect_no_tx();
	advance_to(sk->t_tlp_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_tlp_probes"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.seq, iss + 1 + MSS);
	ck_assert_uint_eq(th.payload_len, 100);
	ck_assert_uint_gt(sk->t_rexmt_at, rexmt);
	tx_clear();
	finish(1);
}
END_TEST

/* The peer acknowledges ack and SACKs the n blocks of blk, echoing
 * tsecr in a timestamp option unless it is 0. */
static void
peer_sacks_ts(xt_seq_t ack, const uint32_t (*blk)[2], unsigned n,
    uint32_t tsecr)
{
	struct xt_tcp_repr r;
	unsigned i;

	memset(&r, 0, sizeof(r));
	if (tsecr != 0) {
		r.has_ts = 1;
		r.tsval = PEER_TSVAL;
		r.tsecr = tsecr;
	}
	r.flags = XT_TH_ACK;
	r.seq = PEER_ISS + 1;
	r.ack = ack;
	r.win = PEER_WIN;
	for (i = 0; i < n; i++) {
		r.sack[i][0] = blk[i][0];
		r.sack[i][1] = blk[i][1];
	}
	r.nsack = (uint8_t)n;
	peer_sends_repr(&r, NULL, 0);
}

static void
peer_sacks(xt_seq_t ack, const uint32_t (*blk)[2], unsigned n)
{
	peer_sacks_ts(ack, blk, n, 0);
}

/* Is there a data segment starting at seq among the captured frames? */
static int
tx_has_seq(xt_seq_t seq)
{
	struct xt_tcp_repr th;
	unsigned i;

	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &th);
		if (th.seq == seq && th.payload_len > 0)
			return (1);
	}
	return (0);
}

/*
 * RACK (RFC 8985 §6.2-6.3): one SACKed segment is below DupThresh, yet
 * the segments sent with it and before it in sequence are lost once the
 * reordering window has passed: the reordering timer starts recovery
 * and the first hole goes again, long before the RTO.
 */
START_TEST(rack_timer_finds_loss_below_dupthresh)
{
	static uint8_t d[4 * MSS];
	uint32_t blk[1][2];
	uint64_t rto_at;

	tcb_established_sack();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 4);
	tx_clear();
	rto_at = sk->t_rexmt_at;
	now += RTT;
	blk[0][0] = iss + 1 + 2 * MSS;
	blk[0][1] = iss + 1 + 3 * MSS;
	peer_sacks(iss + 1, blk, 1);
	/* one segment SACKed: no recovery yet, the timer is armed */
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert(!tx_has_seq(iss + 1));
	ck_assert_uint_ne(sk->t_rack_at, 0);
	ck_assert(sk->t_rack_at < rto_at);
	tx_clear();
	advance_to(sk->t_rack_at);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rack_timeouts"), 1);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	tx_clear();
	finish(1);
}
END_TEST

/*
 * RACK finds a lost retransmission: data sent after it is SACKed while
 * it is still missing, so it goes again at once, without waiting for
 * the RTO (RFC 6675 alone cannot see this).
 */
START_TEST(rack_lost_retransmission)
{
	static uint8_t d[7 * MSS];
	uint32_t blk[2][2];

	tcb_established_sack();
	send_all(sk, d, 6 * MSS);
	ck_assert_uint_eq(cap.n, 6);
	tx_clear();
	now += RTT;
	/* segment 1 lost: 2..6 SACKed, recovery resends 1 */
	blk[0][0] = iss + 1 + MSS;
	blk[0][1] = iss + 1 + 6 * MSS;
	peer_sacks(iss + 1, blk, 1);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert(tx_has_seq(iss + 1));
	tx_clear();
	/* new data goes out after that retransmission */
	now += 1000;
	send_all(sk, d + 6 * MSS, MSS);
	peer_sacks(iss + 1, blk, 1);
	ck_assert(tx_has_seq(iss + 1 + 6 * MSS));
	ck_assert(!tx_has_seq(iss + 1));
	tx_clear();
	/* the new segment is SACKed, the retransmission never arrives */
	now += RTT;
	blk[0][1] = iss + 1 + 7 * MSS;
	peer_sacks(iss + 1, blk, 1);
	ck_assert_int_ge(xtcp_stats_get(eng, "tcp_lost_rexmit"), 1);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 0);
	tx_clear();
	finish(1);
}
END_TEST

/*
 * Eifel detection (RFC 3522): segment 1 was only late.  Recovery resends
 * it; the ACK that covers it echoes the original's TSval, older than the
 * retransmission's: the episode is undone (cwnd back, recovery over).
 * With the retransmission's TSval echoed nothing is undone.
 */
static void
eifel_case(int spurious)
{
	static uint8_t d[6 * MSS];
	struct xt_tcp_repr t;
	uint32_t blk[1][2], cwnd, ts_orig, ts_rtx, seg;
	unsigned i;

	tcb_established_opts(1);
	seg = sk->t_maxseg;		/* MSS less the timestamp option */
	ck_assert_uint_eq(seg, MSS - 12);
	now += 5000;
	send_all(sk, d, 6 * seg);
	ck_assert_uint_eq(cap.n, 6);
	tx_seg(0, &t);
	ck_assert(t.has_ts);
	ts_orig = t.tsval;
	tx_clear();
	cwnd = sk->snd_cwnd;
	now += 3000;
	blk[0][0] = iss + 1 + seg;
	blk[0][1] = iss + 1 + 6 * seg;
	peer_sacks_ts(iss + 1, blk, 1, ts_orig);
	ck_assert(sk->t_flags & XT_TF_INRECOVERY);
	ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	ts_rtx = 0;
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		if (t.seq == iss + 1 && t.payload_len > 0)
			ts_rtx = t.tsval;
	}
	ck_assert_uint_eq(ts_rtx, ts_orig + 3);
	tx_clear();
	now += 1000;
	peer_sacks_ts(iss + 1 + 6 * seg, NULL, 0,
	    spurious ? ts_orig : ts_rtx);
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	if (spurious) {
		ck_assert_int_eq(xtcp_stats_get(eng, "tcp_undo_eifel"), 1);
		ck_assert_uint_ge(sk->snd_cwnd, cwnd);
	} else {
		ck_assert_int_eq(xtcp_stats_get(eng, "tcp_undo_eifel"), 0);
		ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	}
	tx_clear();
	finish(1);
}

START_TEST(eifel_undoes_spurious_recovery)
{
	eifel_case(1);
}
END_TEST

START_TEST(eifel_keeps_real_recovery)
{
	eifel_case(0);
}
END_TEST

/* ---- keys: loss recovery after a timeout (soak findings) ---- */

static void
hook_cubic(struct xtcp_config *c)
{
	strcpy(c->congestion, "cubic");
}

/*
 * Was a bug, fixed: RFC 6675 §5.1 says no new recovery phase may start
 * while the data outstanding at an RTO is being sent again.  SACKed dup
 * ACKs arriving then (late or network-duplicated ACKs of the first
 * flight) started one anyway: CUBIC reduced ssthresh from the loss
 * window (1 SMSS) to 2 SMSS and PRR then sent one segment per RTT for
 * every hole (sim_matrix's fixed scenario "cubic-jitter-rto": 15.9 s
 * instead of 2 s).  Now they are counted and leave the window alone;
 * the go-back-N slow start carries on.
 */
START_TEST(rto_gobackn_no_recovery_from_dupacks)
{
	static uint8_t d[8 * MSS];
	uint32_t blk[1][2], ssthresh;
	int i;

	engine_with(hook_cubic);
	tcb_established_sack();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 8);
	tx_clear();
	/* nothing comes back (a tail loss probe first): the RTO resends
	 * segment 1 with cwnd 1 SMSS */
	for (i = 0; i < 4 && xtcp_stats_get(eng, "tcp_rexmt_timeout") == 0;
	    i++) {
		tx_clear();
		advance_to(sk->t_rexmt_at);
	}
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rexmt_timeout"), 1);
	ck_assert(tx_has_seq(iss + 1));
	ck_assert(SEQ_LT(sk->snd_nxt, sk->snd_max));
	ssthresh = sk->snd_ssthresh;
	ck_assert_uint_gt(ssthresh, 2 * MSS);
	tx_clear();
	/* then the first flight's ACKs: segment 1 missing, 2..8 SACKed,
	 * each delivered twice by the network */
	blk[0][0] = iss + 1 + MSS;
	for (i = 2; i <= 8; i++) {
		blk[0][1] = iss + 1 + (uint32_t)i * MSS;
		peer_sacks(iss + 1, blk, 1);
		peer_sacks(iss + 1, blk, 1);
	}
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sack_recovery"), 0);
	ck_assert_uint_eq(sk->snd_ssthresh, ssthresh);
	ck_assert_uint_le(sk->snd_cwnd, 3 * MSS);
	tx_clear();
	/* the retransmission's ACK: slow start from the loss window */
	now += RTT;
	peer_sacks(iss + 1 + MSS, blk, 1);
	ck_assert(!(sk->t_flags & XT_TF_INRECOVERY));
	ck_assert_uint_eq(sk->snd_ssthresh, ssthresh);
	ck_assert_uint_ge(sk->snd_cwnd, 2 * MSS);
	tx_clear();
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_recovery(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_recovery");

	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rexmit_backoff_timeout);
	tcase_add_test(tc, rexmit_ack_stops_timer);
	tcase_add_test(tc, rexmit_partial_ack_rearms);
	tcase_add_test(tc, fast_retransmit);
	tcase_add_test(tc, fast_retransmit_partial_ack);
	tcase_add_test(tc, dupack_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("frto");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frto_spurious_timeout);
	tcase_add_test(tc, tlp_window_limited_resends_last_sent);
	tcase_add_test(tc, tlp_new_data_single_segment);
	tcase_add_test(tc, rack_timer_finds_loss_below_dupthresh);
	tcase_add_test(tc, rack_lost_retransmission);
	tcase_add_test(tc, eifel_undoes_spurious_recovery);
	tcase_add_test(tc, eifel_keeps_real_recovery);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rto_gobackn_no_recovery_from_dupacks);
	suite_add_tcase(s, tc);

	return (s);
}
