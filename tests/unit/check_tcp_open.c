/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_open.c - TCP unit tests of opening a connection: active open
 * (SYN-SENT, RFC 9293 §3.10.7.3), passive open (LISTEN and SYN-RECEIVED,
 * §3.10.7.2), simultaneous open, a segment to a closed port or a listener,
 * SYN cookies (RFC 4987 §3.6) and TCP Fast Open (RFC 7413).  The SYN cache
 * under a flood is check_tcp_synflood.c's.  The fixture (tcp_fixture.h)
 * builds each TCB; see there how a test reads.
 *
 * Read first: RFC 9293 §3.5, §3.10.7.2-3, RFC 4987 §3.6, RFC 7413 §4.
 */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_open(void);

/* ---- active open, RFC 9293 §3.10.7.3 ---- */

START_TEST(active_open)
{
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	iss = th->seq;
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert_uint_eq(th->ack, 0);
	ck_assert(th->has_mss);		/* RFC 9293 §3.7.1 */
	ck_assert_uint_eq(th->mss, MSS);
	ck_assert_uint_gt(th->win, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EALREADY);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);

	now += RTT;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, 1200);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(sk->snd_una, iss + 1);
	ck_assert_uint_eq(sk->snd_nxt, iss + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(sk->irs, PEER_ISS);
	ck_assert_uint_eq(sk->t_maxseg, 1200);	/* the peer's, smaller */
	ck_assert_uint_eq(sk->snd_wnd, PEER_WIN);
	ck_assert_uint_eq(sk->t_rexmt_at, 0);	/* nothing outstanding */
	ck_assert(xtcp_poll(sk) & XTCP_POLLOUT);

	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(synsent_rst_refused)
{
	tcb_syn_sent();
	now += RTT;
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 1, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(sk->so_error, XT_ECONNREFUSED);
	ck_assert(xtcp_poll(sk) & XTCP_POLLERR);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ECONNREFUSED);
	/* the handle still holds the TCB */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	xtcp_close(sk, now);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(synsent_rst_so_error)
{
	int v = 0;
	size_t vlen = sizeof(v);

	tcb_syn_sent();
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 1, 0, NULL, 0);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_getopt(sk, SOL_SOCKET, SO_ERROR, &v, &vlen),
	    XT_OK);
	ck_assert_int_eq(v, XT_ECONNREFUSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_OK);	/* taken once */
	finish(1);
}
END_TEST

START_TEST(synsent_rst_bad_ack_ignored)
{
	tcb_syn_sent();
	/* RFC 9293 §3.10.7.3 first: an unacceptable ACK with RST: drop */
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 2, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	/* second: RST without ACK: drop */
	peer_sends(XT_TH_RST, 0, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_int_eq(sk->so_error, XT_OK);
	/* still able to complete */
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

START_TEST(synsent_bad_ack_rst)
{
	/* RFC 9293 §3.10.7.3 first: SEG.ACK =< ISS or > SND.NXT: send
	 * <SEQ=SEG.ACK><CTL=RST> unless the RST bit is set */
	struct xt_tcp_repr th;

	tcb_syn_sent();
	peer_sends(XT_TH_ACK, 12345, iss + 100, PEER_WIN, NULL, 0);
	/* the RST, and the SYN again behind it (once per retransmission
	 * step; check_tcp_timewait.c) */
	ck_assert_uint_eq(cap.n, 2);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.flags, XT_TH_RST);
	ck_assert_uint_eq(th.seq, iss + 100);
	tx_seg(1, &th);
	ck_assert_uint_eq(th.flags, XT_TH_SYN);
	tx_clear();
	expect_state(sk, XT_TCPS_SYN_SENT);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss, MSS);
	expect_tx(XT_TH_RST, iss, 0);
	expect_state(sk, XT_TCPS_SYN_SENT);
	ck_assert_uint_eq(sk->snd_una, iss);
	finish(1);
}
END_TEST

START_TEST(synsent_timeout)
{
	const struct xt_tcp_repr *th;
	unsigned i;

	tcb_syn_sent();
	/* RFC 6298 §5: the SYN is resent after 1 s, 2 s, ... */
	for (i = 0; i < SYN_RETRIES; i++) {
		advance_to(now + (RTO << i) - 1);
		expect_no_tx();
		advance_to(now + 1);
		th = tx_one(__LINE__);
		ck_assert_uint_eq(th->flags, XT_TH_SYN);
		ck_assert_uint_eq(th->seq, iss);
		ck_assert(th->has_mss);
	}
	advance_to(now + (RTO << SYN_RETRIES));
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(simultaneous_open)
{
	/* RFC 9293 Figure 8: SYN crosses SYN; we answer SYN-ACK, the
	 * peer's ACK completes the handshake */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_SYN_RECEIVED);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();		/* nothing received, nothing owed */
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	finish(1);
}
END_TEST

START_TEST(simultaneous_open_synack)
{
	/* Was a bug, fixed: RFC 9293 Figure 8 line 6: in SYN-RECEIVED the peer's own
	 * SYN-ACK <SEQ=PEER_ISS><ACK=ISS+1> moves us to ESTABLISHED */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

/* ---- passive open, RFC 9293 §3.10.7.2 ---- */

START_TEST(passive_open)
{
	struct xtcp_sock *c = NULL;
	uint32_t addr = 0;
	uint16_t port = 0;

	tcb_syn_received();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	ck_assert_uint_eq(xtcp_poll(lsk) & XTCP_POLLIN, 0);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	/* the SYN-ACK's window is unscaled (RFC 7323 §2.2), so at most
	 * 65535; the whole scaled buffer goes with the first segment we
	 * have a reason to send, not in a window update of its own */
	expect_no_tx();
	ck_assert(xtcp_poll(lsk) & XTCP_POLLIN);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, &addr, &port), XT_OK);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(addr, PEER_IP);
	ck_assert_uint_eq(port, PEER_CPORT);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->snd_una, iss + 1);
	ck_assert_uint_eq(c->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(c->t_maxseg, 1400);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	expect_state(lsk, XT_TCPS_LISTEN);
	finish(2);
}
END_TEST

START_TEST(passive_open_data)
{
	struct xtcp_sock *c = NULL;

	/* the handshake's last ACK may carry data */
	tcb_syn_received();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	expect_recv(c, "hi", 2);
	finish(2);
}
END_TEST

START_TEST(synrcvd_bad_ack_rst)
{
	/* RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: an unacceptable ACK
	 * gets <SEQ=SEG.ACK><CTL=RST> */
	tcb_syn_received();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 7, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 7, 0);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	finish(1);
}
END_TEST

START_TEST(synrcvd_rst)
{
	struct xtcp_sock *c = NULL;

	/* RFC 9293 §3.10.7.4 second, SYN-RECEIVED from a passive open:
	 * back to LISTEN (the child goes away) */
	tcb_syn_received();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_uint_eq(lsk->t_qlen, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	/* the listener still takes a new connection */
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	ck_assert_uint_eq(tx_one(__LINE__)->flags, XT_TH_SYN | XT_TH_ACK);
	finish(1);
}
END_TEST

START_TEST(synrcvd_syn_retransmit)
{
	const struct xt_tcp_repr *th;

	/* Was a bug, fixed: the peer lost our SYN-ACK and resends its SYN.  RFC 9293
	 * §3.10.7.4 first: an unacceptable segment gets an ACK
	 * <SEQ=SND.NXT><ACK=RCV.NXT> (Linux resends the SYN-ACK) */
	tcb_syn_received();
	now += RTT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	finish(1);
}
END_TEST

START_TEST(closed_port_rst)
{
	/* RFC 9293 §3.10.7.1: no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
	 * <CTL=RST,ACK> */
	lport = 9999;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, 5001);
	/* with data and FIN: SEG.LEN counts both */
	peer_sends(XT_TH_FIN, 7000, 0, PEER_WIN, "abc", 3);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, 7004);
	/* ACK bit on: <SEQ=SEG.ACK><CTL=RST> */
	peer_sends(XT_TH_ACK, 7000, 424242, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, 424242, 0);
	/* an RST is never answered */
	peer_sends(XT_TH_RST | XT_TH_ACK, 7000, 424242, 0, NULL, 0);
	expect_no_tx();
	finish(0);
}
END_TEST

START_TEST(listen_ack_rst)
{
	/* RFC 9293 §3.10.7.2 second: an ACK to a listener gets
	 * <SEQ=SEG.ACK><CTL=RST>; first: an RST is ignored */
	tcb_listen();
	peer_sends(XT_TH_ACK, 5000, 777777, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, 777777, 0);
	peer_sends(XT_TH_RST, 5000, 0, 0, NULL, 0);
	expect_no_tx();
	/* third-ish: neither SYN nor ACK nor RST: drop */
	peer_sends(0, 5000, 0, PEER_WIN, "x", 1);
	expect_no_tx();
	expect_state(lsk, XT_TCPS_LISTEN);
	finish(1);
}
END_TEST

/* ---- SYN cookies, RFC 4987 §3.6, and TCP Fast Open, RFC 7413 ---- */

static void
hook_syncookies_always(struct xtcp_config *c)
{
	c->syncookies = 2;
}

/* RFC 4987 §3.6: with syncookies=2 every SYN gets a cookie and no TCB;
 * the ACK that returns it makes the connection, with the cookie's MSS. */
START_TEST(syncookie_handshake)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c;
	char buf[8];
	size_t got;

	engine_with(hook_syncookies_always);
	tcb_listen();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1);
	ck_assert(th->has_mss);
	ck_assert_uint_eq(th->mss, 1460);
	ck_assert(!th->has_ws && !th->has_ts && !th->sack_perm);
	iss = th->seq;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* no state kept */
	/* a wrong cookie gets a RST and makes nothing */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->flags & XT_TH_RST);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	/* the right one, with data */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_int_eq(c->state, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->t_maxseg, 1460);
	ck_assert_int_eq(xtcp_recv(c, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 2);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

/* syncookies=1 (default): cookies only once the listen queue is full. */
START_TEST(syncookie_on_overflow)
{
	const struct xt_tcp_repr *th;

	tcb_listen();			/* backlog 4: 5 may wait */
	for (pport = PEER_CPORT; pport < PEER_CPORT + 5; pport++) {
		peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
		th = tx_one(__LINE__);
		ck_assert(th->has_ws || th->has_ts || th->has_mss);
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* SYN cache */
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	th = tx_one(__LINE__);			/* answered, statelessly */
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert(!th->has_ws);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* SYN cache */
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 1);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 7413, server: a cookie request gets a cookie in the SYN-ACK; a SYN
 * with that cookie and data is accepted before the handshake ends and
 * its data is readable at once. */
START_TEST(tfo_server)
{
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	struct xtcp_sock *c;
	uint8_t cookie[16], clen;
	int q = 8;
	char buf[8];
	size_t got;

	test_fastopen = 3;
	xtcp_engine_free(eng);
	engine_up();
	test_fastopen = 1;
	tcb_listen();
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &q,
	    sizeof(q)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	r.seq = PEER_ISS;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_tfo = 1;			/* empty: a cookie request */
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	clen = th->tfo_len;
	memcpy(cookie, th->tfo_cookie, clen);
	/* that handshake is abandoned; a new one from another port */
	pport = PEER_CPORT + 1;
	r.sport = 0;
	r.seq = PEER_ISS + 1000;
	r.tfo_len = clen;
	memcpy(r.tfo_cookie, cookie, clen);
	peer_sends_repr(&r, "hello", 5);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS + 1000 + 1 + 5);	/* data acked */
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_int_eq(xtcp_recv(c, now, buf, sizeof(buf), 0, &got), XT_OK);
	ck_assert_uint_eq(got, 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

/* RFC 7413, client: TCP_FASTOPEN_CONNECT without a cookie asks for one;
 * with the cookie cached, connect() succeeds at once and the first send
 * puts the data in the SYN. */
START_TEST(tfo_client)
{
	const struct xt_tcp_repr *th;
	int one = 1;
	size_t sent;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 0);
	peer_grants_tfo_cookie(th);

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	expect_no_tx();
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);
	lport = sk->lport;
	ck_assert_int_eq(xtcp_send(sk, now, "data", 4, 0, &sent), XT_OK);
	ck_assert_uint_eq(sent, 4);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	ck_assert(memcmp(th->tfo_cookie, "\1\2\3\4\5\6\7\10", 8) == 0);
	ck_assert_uint_eq(th->payload_len, 4);
	xtcp_close(sk, now);
}
END_TEST

Suite *
xt_suite_tcp_open(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_open");

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_open);
	tcase_add_test(tc, synsent_rst_refused);
	tcase_add_test(tc, synsent_rst_so_error);
	tcase_add_test(tc, synsent_rst_bad_ack_ignored);
	tcase_add_test(tc, synsent_bad_ack_rst);
	tcase_add_test(tc, synsent_timeout);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, simultaneous_open_synack);
	tcase_add_test(tc, passive_open);
	tcase_add_test(tc, passive_open_data);
	tcase_add_test(tc, synrcvd_bad_ack_rst);
	tcase_add_test(tc, synrcvd_rst);
	tcase_add_test(tc, synrcvd_syn_retransmit);
	tcase_add_test(tc, closed_port_rst);
	tcase_add_test(tc, listen_ack_rst);
	suite_add_tcase(s, tc);

	tc = tcase_create("tunables");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, syncookie_handshake);
	tcase_add_test(tc, syncookie_on_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("fastopen");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tfo_server);
	tcase_add_test(tc, tfo_client);
	suite_add_tcase(s, tc);

	return (s);
}
