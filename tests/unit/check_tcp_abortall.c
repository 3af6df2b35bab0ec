/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_abortall.c - TCP unit tests of the end of an engine whose
 * programs died (tcp_abort.c): xtcp_engine_abort_all() resets every
 * connection with an RST the peer accepts exactly (SEQ = SND.NXT, the
 * highest sequence number sent, even after a retransmission moved
 * snd_nxt back), in every state that has a peer waiting, the half-open
 * and unaccepted connections of a listener included; leaves TIME-WAIT
 * alone; sends nothing when nothing is open; answers the challenge
 * ACK of a peer that missed some of our data with the RST it takes; and,
 * asked to, spares the connections closing in order.
 * xtcp_abort() does the same for one socket.
 *
 * Read first: RFC 9293 §3.10.5 (ABORT) and §3.10.7.1, RFC 5961 §3.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_abortall(void);

#define stat(name)	xtcp_stats_get(eng, (name))

/* States a connection is in when its program dies (loop index). */
enum ab_state {
	AB_SYN_SENT,
	AB_ESTABLISHED,
	AB_FIN_WAIT_1,
	AB_FIN_WAIT_2,
	AB_CLOSE_WAIT,
	AB_CLOSING,
	AB_LAST_ACK,
	AB_NSTATES
};

/* The connection under test in state st; returns the RST's flags and
 * sequence number the abort must send (want_*). */
static void
conn_in(enum ab_state st, uint8_t *want_flags, xt_seq_t *want_seq,
    xt_seq_t *want_ack)
{
	*want_flags = XT_TH_RST | XT_TH_ACK;
	*want_ack = PEER_ISS + 1;
	if (st == AB_SYN_SENT) {
		tcb_syn_sent();
		*want_flags = XT_TH_RST;	/* no ACK: nothing to ack */
		*want_seq = iss + 1;
		*want_ack = 0;
		return;
	}
	tcb_established();
	*want_seq = iss + 1;
	switch (st) {
	case AB_ESTABLISHED:
		break;
	case AB_FIN_WAIT_1:		/* our FIN not acknowledged */
		xtcp_close(sk, now);
		sk = NULL;
		expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
		*want_seq = iss + 2;
		break;
	case AB_FIN_WAIT_2:		/* waiting for the peer's FIN */
		ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
		expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
		now += RTT;
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL,
		    0);
		expect_state(sk, XT_TCPS_FIN_WAIT_2);
		*want_seq = iss + 2;
		break;
	case AB_CLOSE_WAIT:		/* the peer closed, we did not */
		peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1,
		    PEER_WIN, NULL, 0);
		expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
		expect_state(sk, XT_TCPS_CLOSE_WAIT);
		*want_ack = PEER_ISS + 2;
		break;
	case AB_CLOSING:		/* FINs crossed, ours unacked */
		ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
		expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
		peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1,
		    PEER_WIN, NULL, 0);
		expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
		expect_state(sk, XT_TCPS_CLOSING);
		*want_seq = iss + 2;
		*want_ack = PEER_ISS + 2;
		break;
	case AB_LAST_ACK:		/* our FIN after the peer's, unacked */
		peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1,
		    PEER_WIN, NULL, 0);
		expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
		ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
		expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 2);
		expect_state(sk, XT_TCPS_LAST_ACK);
		*want_seq = iss + 2;
		*want_ack = PEER_ISS + 2;
		break;
	default:
		ck_abort_msg("state %d", (int)st);
	}
}

/*
 * Every state with a peer waiting on us gets one RST at SND.NXT (RFC
 * 5961 §3.2: the only value the peer takes at once), and the TCB goes,
 * held or not.  SYN-SENT, CLOSING and LAST-ACK too: nobody will resend
 * our SYN or FIN once the watcher is gone (the DEVIATION of tcp_abort.c
 * from RFC 9293 §3.10.5).
 */
START_TEST(every_state_one_rst)
{
	uint8_t flags;
	xt_seq_t seq, ack;

	conn_in((enum ab_state)_i, &flags, &seq, &ack);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 1);
	now += 1000;
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 1);
	expect_tx(flags, seq, ack);
	ck_assert_int_eq(stat("tcp_abort_resets"), 1);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 0);
	/* a second abort finds nothing */
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 0);
	expect_no_tx();
	finish(0);
}
END_TEST

/*
 * Data the peer has not acknowledged, and a retransmission timeout that
 * took snd_nxt back to resend the first segment: the RST still carries
 * the highest sequence number sent, where the peer's RCV.NXT is once
 * everything arrived.
 */
START_TEST(rst_at_highest_seq_sent)
{
	static uint8_t d[2 * MSS];
	const struct xt_tcp_repr *th;
	unsigned i;

	memset(d, 'a', sizeof(d));
	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 2);
	tx_clear();
	advance_to(now + RTO);
	th = tx_one(__LINE__);		/* the first segment again */
	ck_assert_uint_eq(th->seq, iss + 1);
	ck_assert(SEQ_LT(sk->snd_nxt, sk->snd_max));
	now += 1000;
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1 + sizeof(d), PEER_ISS + 1);
	/* the engine is quiet afterwards: no timer of the TCB is left */
	for (i = 0; i < 5; i++)
		advance_to(now + RTO);
	expect_no_tx();
	finish(0);
}
END_TEST

/*
 * A peer that missed our last segment has RCV.NXT below our RST's
 * sequence number: it answers with a challenge ACK (RFC 5961 §3.2),
 * which finds no connection and gets an RST at its acknowledgment number
 * (RFC 9293 §3.10.7.1), the one the peer accepts.
 */
START_TEST(challenge_ack_answered)
{
	tcb_established();
	send_all(sk, "lost", 4);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "lost",
	    4);
	now += 1000;
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 5, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(0);
}
END_TEST

/* Frame i's TCP header, whichever connection it belongs to. */
static void
tx_any(unsigned i, struct xt_tcp_repr *th)
{
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;

	ck_assert_uint_lt(i, cap.n);
	xt_test_parse_tcp(cap.frame[i], cap.len[i], &eh, &ip, th);
	ck_assert_uint_eq(ip.dst, PEER_IP);
}

/*
 * A listener with one connection accepted, one established and waiting
 * in the accept queue and one half-open (a SYN cache entry, our SYN-ACK
 * sent): each of the three gets its RST, the half-open one at our ISN +
 * 1 (where the peer is once it took the SYN-ACK); the listener goes
 * quietly.
 */
START_TEST(listener_takes_its_pending)
{
	struct xt_tcp_repr th;
	struct xtcp_sock *c = NULL;
	xt_seq_t iss1, iss2, iss3;
	unsigned i, seen = 0;

	tcb_listen();
	/* 1: accepted */
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	iss1 = tx_one(__LINE__)->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss1 + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	/* 2: in the accept queue */
	pport = PEER_CPORT + 1;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	iss2 = tx_one(__LINE__)->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss2 + 1, PEER_WIN, NULL, 0);
	/* 3: half-open */
	pport = PEER_CPORT + 2;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	iss3 = tx_one(__LINE__)->seq;
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 3);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 3);
	now += 1000;
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 3);
	ck_assert_uint_eq(cap.n, 3);
	for (i = 0; i < cap.n; i++) {
		tx_any(i, &th);
		ck_assert_uint_eq(th.sport, LISTEN_PORT);
		ck_assert(th.flags & XT_TH_RST);
		switch (th.dport) {
		case PEER_CPORT:
			ck_assert_uint_eq(th.seq, iss1 + 1);
			seen |= 1;
			break;
		case PEER_CPORT + 1:
			ck_assert_uint_eq(th.seq, iss2 + 1);
			seen |= 2;
			break;
		case PEER_CPORT + 2:
			ck_assert_uint_eq(th.flags, XT_TH_RST);
			ck_assert_uint_eq(th.seq, iss3 + 1);
			seen |= 4;
			break;
		default:
			ck_abort_msg("RST to port %u", th.dport);
		}
	}
	ck_assert_uint_eq(seen, 7);
	tx_clear();
	/* the port is closed now: a SYN to it is refused */
	pport = PEER_CPORT + 3;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, PEER_ISS + 1);
	finish(0);
}
END_TEST

/*
 * A program that closed everything before it died leaves nothing to
 * reset: a TIME-WAIT entry, a held TIME-WAIT TCB and a socket never
 * connected send nothing, and the TIME-WAIT entry still answers a
 * retransmitted FIN as before.
 */
START_TEST(nothing_open_nothing_sent)
{
	struct xtcp_sock *idle = NULL;

	ck_assert_int_eq(xtcp_socket(eng, &idle), XT_OK);
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);	/* held by the program */
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 0);
	now += 1000;
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 0);
	expect_no_tx();
	ck_assert_int_eq(stat("tcp_abort_resets"), 0);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 1);
	/* the peer's FIN again (our ACK was lost): ACKed, not reset */
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	finish(0);
}
END_TEST

/*
 * xtcp_abort() of one of two connections: that one is reset and freed,
 * the other goes on untouched.
 */
START_TEST(abort_one_socket)
{
	struct xtcp_sock *other;
	xt_seq_t other_iss;

	tcb_established();
	other = sk;
	other_iss = iss;
	tcb_established();		/* a second port */
	now += 1000;
	ck_assert_uint_eq(xtcp_abort(sk, now), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	sk = other;
	lport = other->lport;
	iss = other_iss;
	expect_state(other, XT_TCPS_ESTABLISHED);
	send_all(other, "on", 2);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "on", 2);
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 1);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 3, PEER_ISS + 1);
	finish(0);
}
END_TEST

/*
 * Sparing the connections that close in order: an established one is
 * reset at once, one in FIN-WAIT-2 is left to end by itself, which it
 * does when the peer's FIN comes (TIME-WAIT, no RST).  Without sparing,
 * it would have been reset too.
 */
START_TEST(closing_spared)
{
	struct xtcp_sock *a;
	xt_seq_t iss_a, iss_b;
	uint16_t lport_a, lport_b;

	tcb_established();
	a = sk;
	iss_a = iss;
	lport_a = lport;
	tcb_established();		/* b: closes first */
	iss_b = iss;
	lport_b = lport;
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss_b + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_b + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	expect_state(a, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 2);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 1), 1);
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 1), 1);
	lport = lport_a;
	iss = iss_a;
	expect_tx(XT_TH_RST | XT_TH_ACK, iss_a + 1, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	/* b goes on: the peer's FIN ends it */
	lport = lport_b;
	iss = iss_b;
	now += 1000;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss_b + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss_b + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_abort_count(eng, 0), 0);
	ck_assert_uint_eq(xtcp_engine_abort_all(eng, now, 0), 0);
	expect_no_tx();
	finish(0);
}
END_TEST

Suite *
xt_suite_tcp_abortall(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_abortall");
	tc = tcase_create("abortall");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, every_state_one_rst, 0, AB_NSTATES);
	tcase_add_test(tc, rst_at_highest_seq_sent);
	tcase_add_test(tc, challenge_ack_answered);
	tcase_add_test(tc, listener_takes_its_pending);
	tcase_add_test(tc, nothing_open_nothing_sent);
	tcase_add_test(tc, abort_one_socket);
	tcase_add_test(tc, closing_spared);
	suite_add_tcase(s, tc);
	return (s);
}
