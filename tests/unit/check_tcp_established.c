/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_established.c - TCP unit tests of a connection in ESTABLISHED
 * moving data: in-order and out-of-order arrival, delayed and quick ACKs,
 * the zero window and its probes, send-window limits and silly window
 * avoidance, Nagle, cork and MSG_MORE, TCP_NOTSENT_LOWAT and
 * TCP_WINDOW_CLAMP, the delayed_ack tunable, urgent data and ECN. The
 * fixture (tcp_fixture.h) builds each TCB; see there how a test reads.
 *
 * Read first: RFC 9293 §3.7-3.8 and §3.10.7.4 (seventh step), RFC 5681
 * §4.2, RFC 1122 §4.2.3.2-4, RFC 6093, RFC 3168 §6.1.
 */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_established(void);

/* ---- data, RFC 9293 §3.10.7.4 seventh, RFC 5681 §4.2 ---- */

START_TEST(data_in_order)
{
	tcb_established();
	ck_assert_int_eq(xtcp_recv(sk, now, NULL, 0, 0, &(size_t){ 0 }),
	    XT_OK);
	{
		uint8_t b[4];
		size_t got;

		ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
		    XT_EAGAIN);
	}
	/* eight bytes across the 2^32 wrap of the peer's sequence space */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "01234567", 8);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 9);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 8);
	ck_assert(xtcp_poll(sk) & XTCP_POLLIN);
	tx_clear();		/* the ACK's timing is delack's business */
	expect_recv(sk, "01234567", 8);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 9, iss + 1, PEER_WIN,
	    "89", 2);
	tx_clear();
	expect_recv(sk, "89", 2);
	finish(1);
}
END_TEST

START_TEST(data_out_of_order)
{
	uint8_t b[16];
	size_t got;

	tcb_established();
	/* bytes 5..9 first: immediate duplicate ACK (RFC 5681 §4.2) */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1 + 5, iss + 1,
	    PEER_WIN, "world", 5);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_EAGAIN);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	/* and bytes 12..13, a second hole */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1 + 12, iss + 1,
	    PEER_WIN, "!!", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* the first hole filled: everything up to the second, ACK at once */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "hello", 5);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 11);
	expect_recv(sk, "helloworld", 10);
	/* the second hole */
	peer_sends(XT_TH_ACK, PEER_ISS + 11, iss + 1, PEER_WIN, "  ", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 15);
	expect_recv(sk, "  !!", 4);
	finish(1);
}
END_TEST

START_TEST(delack_full_segment)
{
	static uint8_t d[2 * MSS];
	unsigned i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	tcb_established();
	no_quickack(sk);
	/* RFC 1122 §4.2.3.2: one full-sized segment: the ACK waits */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_delack_at, now + DELACK);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), now + DELACK);
	advance_to(now + DELACK - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(delack_two_full_segments)
{
	static uint8_t d[2 * MSS];

	memset(d, 'x', sizeof(d));
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	now += 1000;
	/* RFC 1122 §4.2.3.2 / RFC 5681 §4.2: every second full segment */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + MSS, iss + 1, PEER_WIN, d + MSS,
	    MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 2 * MSS);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 2 * MSS);
	finish(1);
}
END_TEST

START_TEST(delack_small_segment)
{
	/* RFC 1122 §4.2.3.2 / RFC 9293 §3.8.6.3: a lone small segment's
	 * ACK is delayed (up to delack_ms), so it can ride on a reply */
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ping", 4);
	expect_no_tx();
	advance_to(now + DELACK - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 5);
	finish(1);
}
END_TEST

/* A new connection ACKs its first segments at once (quick-ACK mode, as
 * Linux), so the peer's slow start is not slowed by delayed ACKs. */
START_TEST(quickack_at_start)
{
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ping", 4);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 5);
	finish(1);
}
END_TEST

START_TEST(delack_piggyback)
{
	/* a full segment's pending ACK rides on our reply */
	static uint8_t d[MSS];

	memset(d, 'q', sizeof(d));
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	send_all(sk, "reply", 5);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1 + MSS,
	    "reply", 5);
	ck_assert_uint_eq(sk->t_delack_at, 0);
	advance_to(now + DELACK);
	expect_no_tx();
	finish(1);
}
END_TEST

/* ---- zero window, RFC 9293 §3.8.6.1 ---- */

START_TEST(zero_window_persist)
{
	const struct xt_tcp_repr *th;

	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->snd_wnd, 0);
	send_all(sk, "wait", 4);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_persist_at, now + RTO);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	advance_to(now + RTO - 1);
	expect_no_tx();
	advance_to(now + 1);
	/* a probe (Linux style: seq SND.UNA - 1, no data, elicits an ACK) */
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ACK);
	ck_assert(SEQ_LT(th->seq, iss + 1) || th->payload_len == 1);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	/* backoff: the next probe comes 2 RTO later */
	ck_assert_uint_eq(sk->t_persist_at, now + 2 * RTO);
	/* still closed */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	expect_no_tx();
	advance_to(now + 2 * RTO);
	tx_one(__LINE__);
	/* the window opens: the data goes */
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "wait",
	    4);
	ck_assert_uint_eq(sk->t_persist_at, 0);
	ck_assert_uint_ne(sk->t_rexmt_at, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	finish(1);
}
END_TEST

START_TEST(window_limits_data)
{
	static uint8_t d[4000];
	struct xt_tcp_repr th;
	unsigned i;

	/* the peer's window caps what is in flight; the 100 bytes left of
	 * it are not worth a segment (sender SWS avoidance, RFC 9293
	 * §3.8.6.2.1) */
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 5);
	tcb_established();
	send_window_limited(d, sizeof(d));
	for (i = 0; i < 2; i++) {
		tx_seg(i, &th);
		ck_assert_uint_eq(th.seq, iss + 1 + i * MSS);
		ck_assert_uint_eq(th.payload_len, MSS);
	}
	tx_clear();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 2 * MSS, 2 * MSS + 100,
	    NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1 + 2 * MSS, PEER_ISS + 1,
	    d + 2 * MSS, sizeof(d) - 2 * MSS);
	finish(1);
}
END_TEST

START_TEST(sws_override_timeout)
{
	static uint8_t d[1000];
	int one = 1;

	/* Was a bug, fixed: RFC 9293 §3.8.6.2.1 / RFC 1122 §4.2.3.4: sender SWS
	 * avoidance needs an override timeout (or, as Linux, the probe
	 * timer): a window of 300 < MSS, under half the largest window,
	 * with nothing in flight, must not hold queued data forever */
	memset(d, 's', sizeof(d));
	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 300, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, d, sizeof(d));
	expect_no_tx();
	ck_assert_uint_ne(xtcp_engine_next_deadline(eng), UINT64_MAX);
	advance_to(now + RTO);
	expect_tx_data(XT_TH_ACK, iss + 1, PEER_ISS + 1, d, 300);
	finish(1);
}
END_TEST

START_TEST(nows_no_spurious_window_update)
{
	/* Was a bug, fixed: with a peer that does not scale (no WS option in its
	 * SYN-ACK) our window field tops out at 65535 while the buffer
	 * is 256 KiB; xt_tcp_output then sees a window "update" of more
	 * than 2 MSS owed on every call and sends a pure ACK each time,
	 * which the peer counts as a duplicate ACK (RFC 5681 §2) */
	peer_ws = -1;
	tcb_established();
	ck_assert_uint_eq(sk->rcv_scale, 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	send_all(sk, "abc", 3);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc",
	    3);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	expect_no_tx();
	finish(1);
}
END_TEST

/* ---- Nagle, RFC 9293 §3.7.4 ---- */

START_TEST(nagle_holds_small)
{
	tcb_established();
	send_all(sk, "a", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "a", 1);
	send_all(sk, "b", 1);
	expect_no_tx();
	send_all(sk, "c", 1);
	expect_no_tx();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 2, PEER_ISS + 1, "bc", 2);
	finish(1);
}
END_TEST

START_TEST(nagle_nodelay)
{
	int one = 1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "a", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "a", 1);
	send_all(sk, "b", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 2, PEER_ISS + 1, "b", 1);
	finish(1);
}
END_TEST

START_TEST(nagle_full_segment_goes)
{
	static uint8_t d[MSS + 1];

	/* a full segment goes even with data unacknowledged */
	memset(d, 'n', sizeof(d));
	tcb_established();
	send_all(sk, "a", 1);
	tx_clear();
	send_all(sk, d, sizeof(d));
	expect_tx_data(XT_TH_ACK, iss + 2, PEER_ISS + 1, d, MSS);
	finish(1);
}
END_TEST

/* ---- send-side options: cork, MSG_MORE, TCP_NOTSENT_LOWAT,
 * TCP_WINDOW_CLAMP ---- */

/* TCP_CORK (illumos/Linux; the seeds' TCP_NOPUSH): only full segments
 * while corked; uncorking pushes the rest; a corked partial segment goes
 * after 200 ms anyway. */
START_TEST(cork_holds_partial)
{
	int one = 1, zero = 0;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "abc", 3);
	expect_no_tx();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &zero,
	    sizeof(zero)), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc", 3);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "de", 2);
	expect_no_tx();
	advance_to(now + 199000);
	expect_no_tx();
	advance_to(now + 1000);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 4, PEER_ISS + 1, "de", 2);
	finish(1);
}
END_TEST

/* A cork timer from an earlier cork, cleared by uncorking, never sends
 * a later cork's tail early: the tail waits its own 200 ms. */
START_TEST(cork_old_timer_not_reused)
{
	int one = 1, zero = 0;
	uint64_t t1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, "abc", 3);
	expect_no_tx();
	advance_to(now + 60000);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &zero,
	    sizeof(zero)), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abc", 3);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 4, PEER_WIN, NULL, 0);
	advance_to(now + 60000);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	t1 = now;
	send_all(sk, "de", 2);
	expect_no_tx();
	advance_to(t1 + 100000);	/* past the first cork's 200 ms */
	expect_no_tx();
	advance_to(t1 + 199000);
	expect_no_tx();
	advance_to(t1 + 200000);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 4, PEER_ISS + 1, "de", 2);
	finish(1);
}
END_TEST

/* MSG_MORE corks one send: the next send without it pushes. */
START_TEST(msg_more_corks_one_send)
{
	size_t sent;

	tcb_established();
	ck_assert_int_eq(xtcp_send(sk, now, "ab", 2, XTCP_MSG_MORE, &sent),
	    XT_OK);
	expect_no_tx();
	ck_assert_int_eq(xtcp_send(sk, now, "cd", 2, 0, &sent), XT_OK);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "abcd", 4);
	finish(1);
}
END_TEST

/* TCP_NOTSENT_LOWAT (macOS tcp(4)): writable only while unsent data is
 * below the mark. */
START_TEST(notsent_lowat_writability)
{
	static uint8_t d[8000];
	int lowat = 1000;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
	    sizeof(lowat)), XT_OK);
	/* a closed window keeps everything unsent */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	/* Linux tcp_sendmsg: one MSS piece passes the mark, then no more */
	{
		size_t sent = 0;

		ck_assert_int_eq(xtcp_send(sk, now, d, sizeof(d), 0, &sent),
		    XT_OK);
		ck_assert_uint_eq(sent, MSS);
		ck_assert_int_eq(xtcp_send(sk, now, d, sizeof(d), 0, &sent),
		    XT_EAGAIN);
	}
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	finish(1);
}
END_TEST

/* TCP_WINDOW_CLAMP bounds the window we advertise, from the SYN on. */
START_TEST(window_clamp_bounds_window)
{
	const struct xt_tcp_repr *th;
	int clamp = 8192;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp,
	    sizeof(clamp)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert_uint_le(th->win, 8192);
	finish(1);
}
END_TEST

/* ---- the delayed_ack tunable ---- */

static void
hook_no_delack(struct xtcp_config *c)
{
	c->delayed_ack = 0;
}

/* delayed_ack=0: every data segment is acknowledged at once. */
START_TEST(tunable_no_delayed_ack)
{
	engine_with(hook_no_delack);
	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "x", 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	finish(1);
}
END_TEST

/* ---- urgent data, RFC 9293 §3.8.5, RFC 6093 ---- */

/* Urgent data, receiver (CX/UX tcp(4P), RFC 6093): reads stop at the
 * mark, SIOCATMARK says so, MSG_OOB returns the byte, the stream goes on
 * without it. */
START_TEST(urgent_receive)
{
	struct xt_tcp_repr r;
	char buf[16];
	size_t got;

	tcb_established();
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK | XT_TH_URG;
	r.seq = PEER_ISS + 1;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.urp = 4;			/* one past the urgent byte 'X' */
	peer_sends_repr(&r, "abcXdef", 7);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLPRI, 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 0);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 3);
	ck_assert(memcmp(buf, "abc", 3) == 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 1);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_OK);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_eq(buf[0], 'X');
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_EINVAL);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 3);
	ck_assert(memcmp(buf, "def", 3) == 0);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 0);
	finish(1);
}
END_TEST

/* SO_OOBINLINE keeps the byte in the stream; reads still stop at it. */
START_TEST(urgent_inline)
{
	struct xt_tcp_repr r;
	char buf[16];
	size_t got;
	int one = 1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_OOBINLINE, &one,
	    sizeof(one)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK | XT_TH_URG;
	r.seq = PEER_ISS + 1;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.urp = 3;
	peer_sends_repr(&r, "abXd", 4);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), XTCP_MSG_OOB,
	    &got), XT_EINVAL);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(xtcp_sock_atmark(sk), 1);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	ck_assert(memcmp(buf, "Xd", 2) == 0);
	finish(1);
}
END_TEST

/* Urgent data, sender: MSG_OOB makes the last byte urgent; the segment
 * carries URG with the pointer one past it and goes despite Nagle. */
START_TEST(urgent_send)
{
	const struct xt_tcp_repr *th;
	size_t sent;

	tcb_established();
	send_all(sk, "a", 1);		/* unacked: Nagle would hold more */
	tx_one(__LINE__);
	ck_assert_int_eq(xtcp_send(sk, now, "bcU", 3, XTCP_MSG_OOB, &sent),
	    XT_OK);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_URG);
	ck_assert_uint_eq(th->seq, iss + 2);
	ck_assert_uint_eq(th->urp, 3);
	ck_assert_uint_eq(th->payload_len, 3);
	finish(1);
}
END_TEST

/* ---- ECN, RFC 3168 §6.1 ---- */

/* RFC 3168 §6.1.1: a listener answers an ECN-setup SYN (ECE|CWR) with an
 * ECN-setup SYN-ACK (ECE only); new data then carries ECT(0). */
START_TEST(ecn_passive_negotiation)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1400);
	ck_assert_uint_eq(tx_tos(0) & 3, 0);	/* never ECT on a SYN-ACK */
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK | XT_TH_ECE);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	send_all(sk, "ect", 3);
	ck_assert_uint_eq(tx_tos(0) & 3, 2);	/* ECT(0) */
	tx_one(__LINE__);
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

/* Without ECE|CWR in the SYN nothing is marked. */
START_TEST(ecn_not_requested)
{
	tcb_established();
	send_all(sk, "x", 1);
	ck_assert_uint_eq(tx_tos(0) & 3, 0);
	tx_one(__LINE__);
	finish(1);
}
END_TEST

/* RFC 3168 §6.1.3: CE on arriving data makes every ACK carry ECE until a
 * segment with CWR arrives. */
START_TEST(ecn_ce_echoed_until_cwr)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1400);
	th = tx_one(__LINE__);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	no_quickack(sk);
	tx_clear();
	peer_tos = 3;				/* CE */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "ab", 2);
	peer_tos = 2;
	th = tx_one(__LINE__);			/* at once, with ECE */
	ck_assert(th->flags & XT_TH_ECE);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 3, iss + 1, PEER_WIN, "cd", 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 5, iss + 1, PEER_WIN, "ef", 2);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ECE);	/* still echoing */
	tx_clear();
	peer_sends(XT_TH_ACK | XT_TH_CWR, PEER_ISS + 7, iss + 1, PEER_WIN,
	    "gh", 2);
	peer_sends(XT_TH_ACK, PEER_ISS + 9, iss + 1, PEER_WIN, "ij", 2);
	th = tx_one(__LINE__);
	ck_assert(!(th->flags & XT_TH_ECE));	/* CWR ended it */
	peer_tos = 0;
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 3168 §6.1.2: ECE on an ACK halves the window (NewReno here) once
 * per window, and the next new data segment carries CWR. */
START_TEST(ecn_ece_reduces_once)
{
	const struct xt_tcp_repr *th;
	uint32_t cwnd;
	static uint8_t d[4 * 1460];

	tcb_listen();
	peer_sends_syn(XT_TH_SYN | XT_TH_ECE | XT_TH_CWR, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &sk, NULL, NULL), XT_OK);
	tx_clear();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_ge(cap.n, 4);
	tx_clear();
	cwnd = sk->snd_cwnd;
	peer_sends(XT_TH_ACK | XT_TH_ECE, PEER_ISS + 1, iss + 1 + 1460,
	    PEER_WIN, NULL, 0);
	ck_assert_uint_lt(sk->snd_cwnd, cwnd);
	cwnd = sk->snd_cwnd;
	/* a second ECE in the same window changes nothing */
	peer_sends(XT_TH_ACK | XT_TH_ECE, PEER_ISS + 1, iss + 1 + 2920,
	    PEER_WIN, NULL, 0);
	ck_assert_uint_ge(sk->snd_cwnd, cwnd);
	tx_clear();
	send_all(sk, "z", 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + sizeof(d), PEER_WIN,
	    NULL, 0);
	ck_assert_uint_ge(cap.n, 1);
	{
		struct xt_tcp_repr t;
		unsigned i, cwr = 0;

		for (i = 0; i < cap.n; i++) {
			tx_seg(i, &t);
			if (t.payload_len > 0 && (t.flags & XT_TH_CWR))
				cwr++;
		}
		ck_assert_uint_eq(cwr, 1);
	}
	xtcp_close(sk, now);
	xtcp_close(lsk, now);
}
END_TEST

Suite *
xt_suite_tcp_established(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_established");

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, data_in_order);
	tcase_add_test(tc, data_out_of_order);
	tcase_add_test(tc, delack_full_segment);
	tcase_add_test(tc, delack_two_full_segments);
	tcase_add_test(tc, delack_small_segment);
	tcase_add_test(tc, delack_piggyback);
	tcase_add_test(tc, quickack_at_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("send");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, zero_window_persist);
	tcase_add_test(tc, window_limits_data);
	tcase_add_test(tc, sws_override_timeout);
	tcase_add_test(tc, nows_no_spurious_window_update);
	tcase_add_test(tc, nagle_holds_small);
	tcase_add_test(tc, nagle_nodelay);
	tcase_add_test(tc, nagle_full_segment_goes);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cork_holds_partial);
	tcase_add_test(tc, cork_old_timer_not_reused);
	tcase_add_test(tc, msg_more_corks_one_send);
	tcase_add_test(tc, notsent_lowat_writability);
	tcase_add_test(tc, window_clamp_bounds_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("tunables");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tunable_no_delayed_ack);
	suite_add_tcase(s, tc);

	tc = tcase_create("urgent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, urgent_receive);
	tcase_add_test(tc, urgent_inline);
	tcase_add_test(tc, urgent_send);
	suite_add_tcase(s, tc);

	tc = tcase_create("ecn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ecn_passive_negotiation);
	tcase_add_test(tc, ecn_not_requested);
	tcase_add_test(tc, ecn_ce_echoed_until_cwr);
	tcase_add_test(tc, ecn_ece_reduces_once);
	suite_add_tcase(s, tc);

	return (s);
}
