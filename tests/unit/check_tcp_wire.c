/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_wire.c - TCP unit tests of what goes on the wire and when: no
 * segment without a reason and every timer on time (connect, keepalive and
 * user timeouts, the SYN count, TCP_KEEPINIT), an idle connection after
 * each kind of open, window updates on read, and the passive opener's first
 * RTT sample (Karn).  The fixture (tcp_fixture.h) builds each TCB; see there
 * how a test reads.
 *
 * Read first: RFC 9293 §3.8.1 and §3.8.6.2, RFC 1122 §4.2.3.6, RFC 5482,
 * RFC 6298 §3.
 */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_wire(void);

/* ---- timeouts: connect, keepalive, user timeout, SYN count ---- */

/* Established, then reset before connect() looked again: the connect
 * succeeded (once), and the reset is the next call's error. */
START_TEST(connect_then_reset_reports_success)
{
	char b[4];
	size_t got;

	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_ECONNRESET);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EISCONN);
	finish(1);
}
END_TEST

/* RFC 1122 §4.2.3.6: probes after keep_idle of silence, every
 * keep_intvl; keep_cnt unanswered probes end it with ETIMEDOUT. */
START_TEST(keepalive_probes_and_drop)
{
	const struct xt_tcp_repr *th;
	unsigned i;

	tcb_established();
	keepalive_on(sk, 10, 2, 3);
	advance_to(now + 10 * 1000000ull - 1000);
	expect_no_tx();
	advance_to(now + 1000);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->seq, iss);	/* SND.UNA - 1 */
	ck_assert_uint_eq(th->payload_len, 0);
	/* an answer resets the count and the idle time */
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	advance_to(now + 2 * 1000000ull);
	expect_no_tx();
	advance_to(now + 8 * 1000000ull);
	tx_one(__LINE__);
	for (i = 1; i < 3; i++) {
		advance_to(now + 2 * 1000000ull);
		tx_one(__LINE__);
	}
	advance_to(now + 2 * 1000000ull);
	expect_no_tx();
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* RFC 5482 TCP_USER_TIMEOUT: data unacknowledged that long ends the
 * connection (at 2.5 s exactly: wire_user_timeout_on_time). */
START_TEST(user_timeout_drops)
{
	int ms = 2500;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	send_all(sk, "data", 4);
	tx_one(__LINE__);
	advance_to(now + RTO);		/* 1 s: first retransmission */
	tx_one(__LINE__);
	advance_to(now + 2 * RTO);	/* 3 s > 2.5 s: give up */
	expect_no_tx();
	ck_assert_int_eq(sk->state, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* TCP_SYNCNT bounds the SYN retransmissions. */
START_TEST(syncnt_bounds_syn)
{
	int n = 1;

	tcb_syn_sent();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_SYNCNT, &n,
	    sizeof(n)), XT_OK);
	advance_to(now + RTO);
	tx_one(__LINE__);		/* the one retry */
	advance_to(now + 2 * RTO);
	expect_no_tx();
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

/* ---- wire: no segment without a reason, timers on time, the passive
 * RTT sample (issue 10) ---- */

/* The passive side's connection after the handshake's ACK at `now`. */
static struct xtcp_sock *
wire_accepted(void)
{
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_state(sk_under_test(), XT_TCPS_ESTABLISHED);
	expect_no_tx();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_no_tx();
	return (c);
}

/* Ten idle seconds send nothing; the peer's first data gets one ACK
 * that offers the whole buffer (as far as the window field reaches
 * without window scaling). */
static void
wire_idle_then_data(struct xtcp_sock *c)
{
	const struct xt_tcp_repr *th;
	uint32_t want;

	advance_to(now + 10 * 1000000ull);
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 4);
	/* the edge offered before stays (SWS: 3 bytes is no opening) */
	want = c->rcvbuf_size;
	if (want > (uint32_t)65535 << c->rcv_scale)
		want = (uint32_t)65535 << c->rcv_scale;
	want -= 3;
	ck_assert_uint_eq((uint32_t)th->win << c->rcv_scale,
	    want >> c->rcv_scale << c->rcv_scale);
}

START_TEST(wire_idle_active_open)
{
	/* RFC 9293 §3.8.6.2.2: nothing received, nothing read, nothing
	 * owed after the handshake; with window scaling (the peer's shift
	 * 0, ours from the 256 KiB buffer) and without (_i == 1) */
	peer_ws = _i == 0 ? 0 : -1;
	tcb_established();
	ck_assert_uint_eq(sk->rcv_scale, _i == 0 ? sk->request_scale : 0);
	ck_assert_uint_gt(sk->request_scale, 0);
	wire_idle_then_data(sk);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 0);
	finish(1);
}
END_TEST

START_TEST(wire_idle_passive_open)
{
	/* Was a bug, fixed: the SYN-ACK's window is unscaled (RFC 7323
	 * §2.2), so at most 65535, and the first scaled window looked like
	 * an opening of the rest of the buffer: a pure window update went
	 * out right after the handshake, which Linux never sends */
	struct xtcp_sock *c;

	peer_ws = _i == 0 ? 0 : -1;
	c = wire_accepted();
	ck_assert_uint_eq(c->rcv_scale, _i == 0 ? c->request_scale : 0);
	wire_idle_then_data(c);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 0);
	finish(2);
}
END_TEST

START_TEST(wire_idle_simultaneous_open)
{
	/* the same for the SYN-ACK of a simultaneous open */
	tcb_syn_sent();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	wire_idle_then_data(sk);
	finish(1);
}
END_TEST

static void
hook_small_rcvbuf(struct xtcp_config *c)
{
	c->rcvbuf = 8 * MSS;		/* SWS amount: min(4 MSS, MSS) */
	c->autotune = 0;
}

START_TEST(wire_read_opens_window)
{
	/* RFC 9293 §3.8.6.2.2: the peer fills our 8-segment buffer; a read
	 * that makes less room than min(RCV.BUFF/2, MSS) sends nothing, the
	 * read that completes one MSS sends exactly one window update */
	static uint8_t d[MSS], b[MSS];
	const struct xt_tcp_repr *th;
	size_t got;
	unsigned i;

	memset(d, 'w', sizeof(d));
	engine_with(hook_small_rcvbuf);
	tcb_established();
	for (i = 0; i < 8; i++) {
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + i * MSS, iss + 1, PEER_WIN,
		    d, MSS);
		tx_clear();	/* quick ACKs while the peer starts */
	}
	ck_assert_uint_eq(sk->rcv_adv, sk->rcv_nxt);	/* window closed */
	ck_assert_int_eq(xtcp_recv(sk, now, b, 100, 0, &got), XT_OK);
	ck_assert_uint_eq(got, 100);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS - 100, 0, &got), XT_OK);
	ck_assert_uint_eq(got, MSS - 100);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 8 * MSS);
	ck_assert_uint_eq(th->win, MSS);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), 1);
	/* reading more gives no second update while the window that was
	 * offered stays more than half of what could be */
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS / 2, 0, &got), XT_OK);
	expect_no_tx();
	finish(1);
}
END_TEST

START_TEST(wire_read_one_segment_no_update)
{
	/* a sender streaming into a wide window learns the window from our
	 * ACKs: reading one segment is no reason for a pure ACK of its own
	 * (Linux tcp_cleanup_rbuf), the delayed ACK carries it */
	static uint8_t d[MSS], b[MSS];
	size_t got;

	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, d, MSS);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, MSS, 0, &got), XT_OK);
	expect_no_tx();
	advance_to(now + DELACK);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS);
	finish(1);
}
END_TEST

static void
hook_keepinit(struct xtcp_config *c)
{
	c->keepinit_ms = 2500;		/* SYN_RETRIES alone: 7 s */
}

START_TEST(wire_keepinit_active)
{
	/* FreeBSD keepinit decides: connect() fails at 2.5 s, not at the
	 * SYN retransmission after it (3 s) */
	uint64_t t0;

	engine_with(hook_keepinit);
	t0 = now;
	tcb_syn_sent();
	advance_to(t0 + RTO);
	expect_tx(XT_TH_SYN, iss, 0);
	ck_assert_uint_eq(sk->t_rexmt_at, t0 + 2500000);
	advance_to(t0 + 2499000);
	expect_state(sk, XT_TCPS_SYN_SENT);
	advance_to(t0 + 2500000);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(wire_keepinit_passive)
{
	/* a half-open connection of a listener ends at keepinit too */
	uint64_t t0 = now;

	engine_with(hook_keepinit);
	tcb_syn_received();
	advance_to(t0 + RTO);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	/* the half-open connection is a SYN cache entry (no TCB) */
	advance_to(t0 + 2499000);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	advance_to(t0 + 2500000);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_expired"), 1);
	finish(1);
}
END_TEST

START_TEST(wire_user_timeout_on_time)
{
	/* TCP_USER_TIMEOUT (RFC 5482): dropped when the data has been
	 * unacknowledged for 2.5 s, not at the retransmission after that
	 * (3 s, as before) */
	int ms = 2500;
	uint64_t t0;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	t0 = now;
	send_all(sk, "data", 4);
	tx_one(__LINE__);
	advance_to(t0 + RTO);
	tx_one(__LINE__);		/* the one retransmission */
	ck_assert_uint_eq(sk->t_rexmt_at, t0 + 2500000);
	advance_to(t0 + 2499000);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	advance_to(t0 + 2500000);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_take_error(sk), XT_ETIMEDOUT);
	finish(1);
}
END_TEST

START_TEST(wire_user_timeout_restarts_on_ack)
{
	/* an ACK that moves snd_una restarts the count for what is left */
	int ms = 2500;
	uint64_t t1;

	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &ms,
	    sizeof(ms)), XT_OK);
	send_all(sk, "ab", 2);
	tx_clear();
	advance_to(now + 1000);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN, NULL, 0);
	t1 = now;
	advance_to(t1 + 2499000);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	tx_clear();
	advance_to(t1 + 2500000);
	expect_state(sk, XT_TCPS_CLOSED);
	finish(1);
}
END_TEST

START_TEST(wire_passive_rtt_sample)
{
	/* Linux times its SYN-ACK: the passive side's first RTO follows
	 * the handshake's RTT (10 ms: the 200 ms floor) instead of the
	 * initial 1 s */
	struct xtcp_sock *c;

	engine_with(hook_rto_min_200);
	c = wire_accepted();
	ck_assert_uint_eq(c->t_rtt.nsamples, 1);
	ck_assert_uint_eq(c->t_rtt.srtt_us, RTT);
	send_all(c, "data", 4);
	tx_one(__LINE__);
	advance_to(now + 200000 - 1);
	expect_no_tx();
	advance_to(now + 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "data",
	    4);
	finish(2);
}
END_TEST

START_TEST(wire_passive_rtt_karn)
{
	/* Karn (RFC 6298 §3): no sample when the SYN-ACK went twice, by
	 * our timer (_i == 0) or because the peer resent its SYN */
	struct xtcp_sock *c = NULL;

	tcb_syn_received();
	if (_i == 0) {
		advance_to(now + RTO);
		expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	} else {
		now += RTT;
		peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
		expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	}
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.nsamples, 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rtt_samples"), 0);
	finish(2);
}
END_TEST

Suite *
xt_suite_tcp_wire(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_wire");

	tc = tcase_create("timeouts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keepalive_probes_and_drop);
	tcase_add_test(tc, user_timeout_drops);
	tcase_add_test(tc, syncnt_bounds_syn);
	tcase_add_test(tc, connect_then_reset_reports_success);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, wire_idle_active_open, 0, 2);
	tcase_add_loop_test(tc, wire_idle_passive_open, 0, 2);
	tcase_add_test(tc, wire_idle_simultaneous_open);
	tcase_add_test(tc, wire_read_opens_window);
	tcase_add_test(tc, wire_read_one_segment_no_update);
	tcase_add_test(tc, wire_keepinit_active);
	tcase_add_test(tc, wire_keepinit_passive);
	tcase_add_test(tc, wire_user_timeout_on_time);
	tcase_add_test(tc, wire_user_timeout_restarts_on_ack);
	tcase_add_test(tc, wire_passive_rtt_sample);
	tcase_add_loop_test(tc, wire_passive_rtt_karn, 0, 2);
	suite_add_tcase(s, tc);

	return (s);
}
