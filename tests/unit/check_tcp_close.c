/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_close.c - TCP unit tests of closing a connection: active,
 * passive and simultaneous close, FIN retransmission and order, the
 * FIN-WAIT-2 timeout of an orphan, a RST when data is lost (unread data,
 * SO_LINGER 0, data after close), TIME-WAIT and what a SYN or RST does to
 * it (RFC 1337).  The fixture (tcp_fixture.h) builds each TCB; see there how
 * a test reads.
 *
 * Read first: RFC 9293 §3.6, §3.10.4 and §3.10.7.4 (eighth step), RFC 1337,
 * RFC 6191.
 */
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_close(void);

/* TIME-WAIT entries without a socket (tcp_timewait.c): where a closed
 * connection in TIME-WAIT now lives instead of a TCB */
#define tw_entries()	xtcp_stats_get(eng, "tcp_timewait_entries")

/* ---- closing, RFC 9293 §3.10.4, §3.10.7.4 eighth, §3.6 ---- */

START_TEST(active_close)
{
	size_t n;

	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_FIN_WAIT_1);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &n), XT_EPIPE);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);
	/* data still flows to us in FIN-WAIT-2 */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 2, PEER_WIN,
	    "tail", 4);
	tx_clear();
	expect_recv(sk, "tail", 4);
	now += 1000;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 5, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 6);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	expect_recv(sk, NULL, 0);	/* EOF */
	ck_assert_uint_eq(sk->t_2msl_at, now + 2 * MSL);
	xtcp_close(sk, now);
	expect_no_tx();
	advance_to(now + 2 * MSL - 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(now + 1);
	expect_no_tx();
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

/* Was a bug, fixed (found by fuzz_engine): keep-alive ending a connection
 * the program has closed freed it, and xt_tcp_timers read it afterwards
 * (heap-use-after-free under ASan). */
START_TEST(keepalive_drops_orphan)
{
	int cnt = 2, linger2 = 10;
	unsigned i, probes = 0;

	tcb_established();
	/* FIN-WAIT-2 may last 10 s: keep-alive, not that timer, ends it */
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_LINGER2, &linger2,
	    sizeof(linger2)), XT_OK);
	keepalive_on(sk, 1, 1, cnt);
	xtcp_close(sk, now);
	sk = NULL;
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_no_tx();				/* an orphan in FIN-WAIT-2 */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	for (i = 0; i < 10 && xtcp_engine_ntcb(eng) != 0; i++) {
		advance_to(now + 1000000);
		probes += cap.n;
		tx_clear();
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_keep_drop"), 1);
	ck_assert_uint_eq(probes, (unsigned)cnt);
	finish(0);
}
END_TEST

START_TEST(active_close_by_close)
{
	uint64_t t;

	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	now += 5000;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);	/* no TCB, an entry */
	ck_assert_int_eq(tw_entries(), 1);
	t = now;
	advance_to(t + 2 * MSL - 1);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

START_TEST(orphan_fin_wait_2_timeout)
{
	/* an orphan in FIN-WAIT-2 gives up after the 2MSL time */
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	advance_to(now + 2 * MSL);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(timewait_fin_retransmit)
{
	uint64_t t;

	/* Was a bug, fixed: RFC 9293 §3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN
	 * is acknowledged and the 2 MSL timeout restarted */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	/* our ACK was lost; the peer resends its FIN a second later */
	t = now + MSL;
	advance_to(t);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	ck_assert_uint_eq(sk->t_2msl_at, t + 2 * MSL);
	finish(1);
}
END_TEST

START_TEST(timewait_ack_retransmit_only)
{
	uint64_t t;

	/* what works today: the resent FIN is ACKed; TIME-WAIT ends 2MSL
	 * after it began */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	t = now;
	xtcp_close(sk, now);
	advance_to(now + MSL);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 4 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

START_TEST(passive_close)
{
	size_t n;

	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	ck_assert(xtcp_poll(sk) & XTCP_POLLRDHUP);
	expect_recv(sk, NULL, 0);	/* EOF */
	expect_recv(sk, NULL, 0);
	/* we may still send */
	send_all(sk, "bye", 3);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 2, "bye",
	    3);
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 4, PEER_WIN, NULL, 0);
	expect_no_tx();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 4, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_LAST_ACK);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &n), XT_EPIPE);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 5, PEER_WIN, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(passive_close_fin_with_data)
{
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1,
	    PEER_WIN, "last", 4);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 6);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	expect_recv(sk, "last", 4);
	expect_recv(sk, NULL, 0);
	finish(1);
}
END_TEST

START_TEST(fin_out_of_order)
{
	/* a FIN after a hole waits for the data before it */
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1 + 3, iss + 1,
	    PEER_WIN, "def", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, "abc", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 7);
	/* the FIN was not kept: the peer resends it */
	expect_state(sk, XT_TCPS_ESTABLISHED);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 7, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 8);
	expect_state(sk, XT_TCPS_CLOSE_WAIT);
	expect_recv(sk, "abcdef", 6);
	expect_recv(sk, NULL, 0);
	finish(1);
}
END_TEST

START_TEST(simultaneous_close)
{
	uint64_t t;

	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* the peer's FIN crosses ours: it has not seen our FIN */
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_CLOSING);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 2, iss + 2, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_TIME_WAIT);
	t = now;
	xtcp_close(sk, now);
	advance_to(t + 2 * MSL - 1);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

START_TEST(fin_wait_1_fin_ack)
{
	/* FIN-WAIT-1: a FIN that also ACKs ours goes straight to
	 * TIME-WAIT */
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	finish(1);
}
END_TEST

START_TEST(fin_retransmitted)
{
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RTO);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_FIN_WAIT_1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	expect_state(sk, XT_TCPS_FIN_WAIT_2);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(close_unread_rst)
{
	/* RFC 2525 §2.17: close with unread data aborts with RST */
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "unread", 6);
	tx_clear();
	xtcp_close(sk, now);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 7);
	finish(0);
}
END_TEST

START_TEST(linger0_rst)
{
	struct linger lg = { 1, 0 };

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), XT_OK);
	xtcp_close(sk, now);
	expect_tx(XT_TH_RST | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	finish(0);
}
END_TEST

START_TEST(data_after_close_rst)
{
	/* orphaned FIN-WAIT-1: data nobody will read gets an RST (as
	 * Linux) */
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 2, PEER_WIN,
	    "late", 4);
	ck_assert_uint_eq(tx_one(__LINE__)->flags & XT_TH_RST, XT_TH_RST);
	finish(0);
}
END_TEST

START_TEST(rst_in_last_ack_frees)
{
	tcb_established();
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 2);
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_LAST_ACK);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

/* ---- TIME-WAIT against the network (issue 10): a SYN in TIME-WAIT,
 * RFC 1337 ---- */

#define stat(name)	xtcp_stats_get(eng, (name))

/* The program's side of a connection in TIME-WAIT that it still holds:
 * shutdown(SHUT_WR), the peer ACKs our FIN and sends its own (as an
 * nginx lingering close ends).  s is sk, or an accepted child. */
static void
timewait_held(struct xtcp_sock *s)
{
	ck_assert_int_eq(xtcp_shutdown(s, now, 1), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(s, XT_TCPS_TIME_WAIT);
	expect_recv(s, NULL, 0);		/* EOF */
}

/* A connection accepted from the listener (passive open). */
static struct xtcp_sock *
tcb_accepted(void)
{
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	return (c);
}

/* Was a bug, fixed: a SYN above RCV.NXT freed a TIME-WAIT connection
 * the program still held (use after free in recv/close).  Without a
 * listener the SYN is answered as in any synchronized state, with an
 * ACK, and TIME-WAIT goes on (Linux: TCP_TW_ACK). */
START_TEST(timewait_held_syn_no_listener)
{
	tcb_established();
	timewait_held(sk);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* no new one */
	expect_state(sk, XT_TCPS_TIME_WAIT);
	expect_recv(sk, NULL, 0);			/* still EOF */
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 0);
	xtcp_close(sk, now);
	expect_no_tx();
	advance_to(now + 2 * MSL);
	finish(0);
}
END_TEST

/* Was a bug, fixed: the same with a listener (the server side of the
 * lingering close).  As Linux, the listener takes the SYN (a new
 * connection); the program's socket is closed, not freed, and keeps
 * reading end of stream until it closes it. */
START_TEST(timewait_held_syn_listener)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;
	xt_seq_t iss1;

	c = tcb_accepted();
	timewait_held(c);
	iss1 = iss;
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 100001);
	ck_assert_uint_ne(th->seq, iss1 + 2);
	/* listener and the program's old socket; the new connection is
	 * a SYN cache entry until its handshake completes */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 1);
	ck_assert_int_eq(stat("tcp_timewait_held_syn"), 1);
	expect_state(c, XT_TCPS_CLOSED);
	expect_recv(c, NULL, 0);			/* EOF, no error */
	ck_assert_int_eq(c->so_error, XT_OK);
	xtcp_close(c, now);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	finish(1);
}
END_TEST

/* RFC 6191 kept: a closed (orphaned) TIME-WAIT connection is still
 * recycled by a new SYN above RCV.NXT. */
START_TEST(timewait_orphan_syn_recycled)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;

	c = tcb_accepted();
	timewait_held(c);
	xtcp_close(c, now);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* the listener */
	ck_assert_int_eq(tw_entries(), 1);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 100001);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 1);
	ck_assert_int_eq(stat("tcp_timewait_held_syn"), 0);
	/* the listener; the new connection is a SYN cache entry */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	ck_assert_int_eq(tw_entries(), 0);
	finish(1);
}
END_TEST

/* Without a listener an orphaned TIME-WAIT connection answers the SYN
 * with an ACK and stays (Linux TCP_TW_ACK); it used to be freed and the
 * SYN reset. */
START_TEST(timewait_orphan_syn_no_listener)
{
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	now += RTT;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 100000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(now + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

static void
hook_rfc1337_off(struct xtcp_config *c)
{
	c->rfc1337 = 0;
}

/* RFC 1337 (default): an RST, even exactly at RCV.NXT, does not end
 * TIME-WAIT, as FreeBSD (a deviation from Linux's default). */
START_TEST(rfc1337_rst_keeps_timewait)
{
	uint64_t t;

	tcb_established();
	timewait_held(sk);
	t = sk->t_2msl_at;
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_RST | XT_TH_ACK, PEER_ISS + 2, iss + 2, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_TIME_WAIT);
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 2);
	ck_assert_int_eq(sk->so_error, XT_OK);
	ck_assert_uint_eq(sk->t_2msl_at, t);	/* nor restarts it */
	xtcp_close(sk, now);
	/* and as an entry without the TCB, the same */
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 3);
	advance_to(t - 1);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t);
	ck_assert_int_eq(tw_entries(), 0);
	finish(0);
}
END_TEST

/* XTCP_RFC1337=0 behaves as Linux: the exact RST ends TIME-WAIT (and an
 * inexact one is dropped without a challenge ACK). */
START_TEST(rfc1337_off_rst_ends_timewait)
{
	struct xtcp_sock *c;

	engine_with(hook_rfc1337_off);
	c = tcb_accepted();
	timewait_held(c);
	xtcp_close(c, now);
	peer_sends(XT_TH_RST, PEER_ISS + 3, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(tw_entries(), 1);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(tw_entries(), 0);
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 0);
	finish(1);				/* the listener */
}
END_TEST

/* ---- TIME-WAIT against the network (issue 10): a SYN in TIME-WAIT,
 * RFC 1337 ---- */

#undef stat

Suite *
xt_suite_tcp_close(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_close");

	tc = tcase_create("close");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_close);
	tcase_add_test(tc, keepalive_drops_orphan);
	tcase_add_test(tc, active_close_by_close);
	tcase_add_test(tc, orphan_fin_wait_2_timeout);
	tcase_add_test(tc, timewait_fin_retransmit);
	tcase_add_test(tc, timewait_ack_retransmit_only);
	tcase_add_test(tc, passive_close);
	tcase_add_test(tc, passive_close_fin_with_data);
	tcase_add_test(tc, fin_out_of_order);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, fin_wait_1_fin_ack);
	tcase_add_test(tc, fin_retransmitted);
	tcase_add_test(tc, close_unread_rst);
	tcase_add_test(tc, linger0_rst);
	tcase_add_test(tc, data_after_close_rst);
	tcase_add_test(tc, rst_in_last_ack_frees);
	suite_add_tcase(s, tc);

	tc = tcase_create("hardening");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timewait_held_syn_no_listener);
	tcase_add_test(tc, timewait_held_syn_listener);
	tcase_add_test(tc, timewait_orphan_syn_recycled);
	tcase_add_test(tc, timewait_orphan_syn_no_listener);
	tcase_add_test(tc, rfc1337_rst_keeps_timewait);
	tcase_add_test(tc, rfc1337_off_rst_ends_timewait);
	suite_add_tcase(s, tc);

	return (s);
}
