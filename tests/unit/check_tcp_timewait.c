/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_timewait.c - TCP unit tests of TIME-WAIT without a socket
 * (tcp_timewait.c): a connection the program has closed leaves its TCB
 * for a compact entry that answers the network as the TCB did (FIN
 * re-ACKed, RFC 1337, PAWS), lets a newer SYN start a new connection
 * through the listener (RFC 6191), expires after 2MSL, keeps its 4-tuple
 * from connect's port choice and stops at max_tw_buckets; and, in
 * SYN-SENT, the SYN sent again at once behind the RST for a stale ACK.
 *
 * Read first: RFC 9293 §3.10.7.3-4, RFC 6191, RFC 1337, RFC 7323 §5.3.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_timewait(void);

#define stat(name)	xtcp_stats_get(eng, (name))
#define tw_entries()	stat("tcp_timewait_entries")

/* The peer's timestamps in these tests: its clock starts here. */
#define TS0		5000u

static uint32_t peer_ts;		/* the peer's last TSval, 0 = none */
static uint64_t rtt = RTT;		/* round trip in server_closes_first */

/* The peer sends a segment with its timestamp (if on) echoing 0. */
static void
peer_sends_ts(uint8_t flags, xt_seq_t seq, xt_seq_t ack, uint32_t tsval)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	if (tsval != 0) {
		r.has_ts = 1;
		r.tsval = tsval;
	}
	if (flags & XT_TH_SYN) {
		r.has_mss = 1;
		r.mss = MSS;
		r.has_ws = 1;
		r.ws = 0;
		r.sack_perm = 1;
	}
	peer_sends_repr(&r, NULL, 0);
}

/*
 * A server whose program closes first (the web server with
 * Connection: close): listener, the peer's handshake from port pport
 * with initial sequence number pis (timestamps if peer_ts), accept,
 * close: FIN out, the peer's FIN and ACK in, our ACK out.  The
 * connection is then a TIME-WAIT entry; iss is its ISN.
 */
static void
server_closes_first(xt_seq_t pis)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c = NULL;

	peer_sends_ts(XT_TH_SYN, pis, 0, peer_ts);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	iss = th->seq;
	now += rtt;
	peer_sends_ts(XT_TH_ACK, pis + 1, iss + 1, peer_ts ? ++peer_ts : 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	xtcp_close(c, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, pis + 1);
	now += rtt;
	peer_sends_ts(XT_TH_FIN | XT_TH_ACK, pis + 1, iss + 2,
	    peer_ts ? ++peer_ts : 0);
	expect_tx(XT_TH_ACK, iss + 2, pis + 2);
}

static void
hook_rfc1337_off(struct xtcp_config *c)
{
	c->rfc1337 = 0;
}

static void
hook_tw_cap_1(struct xtcp_config *c)
{
	c->max_tw_buckets = 1;
}

static void
hook_one_port(struct xtcp_config *c)
{
	c->port_lo = c->port_hi = 40001;
}

static void
hook_one_port_reuse(struct xtcp_config *c)
{
	hook_one_port(c);
	c->tw_reuse = 1;
}

/* The closed connection's TCB is gone, the socket count is back, and an
 * entry holds TIME-WAIT; 2MSL later the entry is gone too. */
START_TEST(orphan_leaves_tcb)
{
	uint64_t t;

	tcb_listen();
	server_closes_first(PEER_ISS);
	t = now;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);	/* the listener */
	ck_assert_int_eq(tw_entries(), 1);
	/* the engine's next deadline is the entry's expiry */
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), t + 2 * MSL);
	advance_to(t + 2 * MSL - 1);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	expect_no_tx();
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), UINT64_MAX);
	finish(1);
}
END_TEST

/* RFC 9293 §3.10.7.4 eighth: a retransmitted FIN is ACKed from the
 * entry, with our timestamp and its echo, and 2MSL starts again. */
START_TEST(fin_reacked_from_entry)
{
	const struct xt_tcp_repr *th;
	uint64_t t;

	peer_ts = TS0;
	tcb_listen();
	server_closes_first(PEER_ISS);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	t = now;
	advance_to(t + MSL);
	/* a duplicate: TS.Recent stays the first FIN's (RFC 7323 §4.3) */
	peer_sends_ts(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2,
	    peer_ts + 1);
	th = expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert(th->has_ts);
	ck_assert_uint_eq(th->tsecr, peer_ts);
	ck_assert_uint_ne(th->win, 0);
	advance_to(t + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 1);		/* restarted */
	advance_to(t + 3 * MSL - 1);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 3 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(1);
}
END_TEST

/* An old duplicate (PAWS, RFC 7323 §5.3) gets an ACK and changes
 * nothing; the same within the RFC 5961 §7 interval gets none. */
START_TEST(paws_in_entry)
{
	tcb_listen();
	peer_ts = TS0;
	server_closes_first(PEER_ISS);
	peer_sends_ts(XT_TH_ACK, PEER_ISS + 2, iss + 2, TS0 - 10);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(stat("tcp_rcv_paws_drop"), 1);
	peer_sends_ts(XT_TH_ACK, PEER_ISS + 2, iss + 2, TS0 - 10);
	expect_no_tx();
	ck_assert_int_eq(stat("tcp_oow_ack_skipped"), 1);
	ck_assert_int_eq(tw_entries(), 1);
	finish(1);
}
END_TEST

/* RFC 1337 (default): no RST ends the entry; XTCP_RFC1337=0: the one
 * exactly at RCV.NXT does, the others are dropped without an answer. */
START_TEST(rst_rfc1337)
{
	tcb_listen();
	server_closes_first(PEER_ISS);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	peer_sends(XT_TH_RST | XT_TH_ACK, PEER_ISS + 2, iss + 2, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(tw_entries(), 1);
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 2);
	finish(1);
}
END_TEST

START_TEST(rst_rfc1337_off)
{
	engine_with(hook_rfc1337_off);
	tcb_listen();
	server_closes_first(PEER_ISS);
	peer_sends(XT_TH_RST, PEER_ISS + 3, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(tw_entries(), 1);
	peer_sends(XT_TH_RST, PEER_ISS + 2, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(tw_entries(), 0);
	ck_assert_int_eq(stat("tcp_rcv_rst_timewait"), 0);
	finish(1);
}
END_TEST

/* RFC 6191: a SYN with a newer timestamp starts a new connection through
 * the listener even below RCV.NXT; our ISN lies above the old SND.NXT
 * (Linux: 65535 + 2 past it). */
START_TEST(syn_newer_ts_reopens)
{
	const struct xt_tcp_repr *th;
	xt_seq_t old_snd_nxt;

	peer_ts = TS0;
	tcb_listen();
	server_closes_first(PEER_ISS);
	old_snd_nxt = iss + 2;
	now += RTT;
	peer_sends_ts(XT_TH_SYN, PEER_ISS - 1000, 0, ++peer_ts);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, PEER_ISS - 999);
	ck_assert_uint_eq(th->seq, old_snd_nxt + 65537);
	ck_assert_int_eq(tw_entries(), 0);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 1);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 1);
	finish(1);
}
END_TEST

/* A SYN whose timestamp is older is an old duplicate, above RCV.NXT or
 * not: no new connection; PAWS answers it with an ACK. */
START_TEST(syn_older_ts_not_new)
{
	peer_ts = TS0;
	tcb_listen();
	server_closes_first(PEER_ISS);
	now += RTT;
	peer_sends_ts(XT_TH_SYN, PEER_ISS + 100000, 0, TS0 - 1);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), 0);
	ck_assert_int_eq(stat("tcp_syncache_entries"), 0);
	ck_assert_int_eq(stat("tcp_rcv_paws_drop"), 1);
	finish(1);
}
END_TEST

/* Without timestamps a SYN above RCV.NXT reopens (ISN above the old
 * SND.NXT); one at or below it is answered with an ACK. */
START_TEST(syn_no_ts_by_seq)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	server_closes_first(PEER_ISS);
	now += RTT;
	peer_sends_ts(XT_TH_SYN, PEER_ISS + 1, 0, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
	now += RATELIMIT;
	peer_sends_ts(XT_TH_SYN, PEER_ISS + 7, 0, 0);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->seq, iss + 2 + 65537);
	ck_assert_int_eq(tw_entries(), 0);
	finish(1);
}
END_TEST

/* max_tw_buckets reached: as Linux, the next connection skips
 * TIME-WAIT: counted, no entry, no TCB left either. */
START_TEST(cap_reached)
{
	engine_with(hook_tw_cap_1);
	tcb_listen();
	server_closes_first(PEER_ISS);
	ck_assert_int_eq(tw_entries(), 1);
	pport = PEER_CPORT + 1;
	server_closes_first(PEER_ISS);
	ck_assert_int_eq(tw_entries(), 1);
	ck_assert_int_eq(stat("tcp_tw_overflow"), 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	/* that 4-tuple has no TIME-WAIT: a segment gets an RST */
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_RST, iss + 2, 0);
	finish(1);
}
END_TEST

/* Our side closes first on a one-port range with timestamps (or not),
 * so that the only 4-tuple a connect can take is in TIME-WAIT. */
static void
client_closes_first(int ts)
{
	tcb_established_opts(ts);
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends_ts(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2,
	    ts ? PEER_TSVAL + 1 : 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
}

/* XTCP_TW_REUSE=1 (Linux tcp_tw_reuse): a connect takes over a TIME-WAIT
 * 4-tuple that used timestamps once the entry is a second old, not
 * before; the entry goes and the new SYN leaves. */
START_TEST(tw_reuse_after_a_second)
{
	struct xtcp_sock *s;
	uint64_t t;

	engine_with(hook_one_port_reuse);
	client_closes_first(1);
	t = now;
	advance_to(t + 999999);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	ck_assert_int_eq(tw_entries(), 1);
	advance_to(t + 1000000);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	ck_assert_int_eq(tw_entries(), 0);
	ck_assert_uint_eq(xtcp_stats_get(eng, "tcp_tw_reused"), 1);
	ck_assert_uint_eq(tx_one(__LINE__)->flags, XT_TH_SYN);
	xtcp_close(s, now);
	tx_clear();
	finish(0);
}
END_TEST

/* Not without timestamps (nothing would keep old duplicates out), and
 * not by default (Linux's 2: loopback only, which never comes here). */
START_TEST(tw_reuse_needs_ts_and_setting)
{
	struct xtcp_sock *s;

	engine_with(hook_one_port_reuse);
	client_closes_first(0);
	advance_to(now + 1500000);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	ck_assert_int_eq(tw_entries(), 1);
	xtcp_close(s, now);
	finish(0);
	setup();
	engine_with(hook_one_port);
	client_closes_first(1);
	advance_to(now + 1500000);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	ck_assert_uint_eq(xtcp_stats_get(eng, "tcp_tw_reused"), 0);
	xtcp_close(s, now);
	finish(0);
}
END_TEST

/* connect() does not choose a 4-tuple an entry holds (the peer may
 * still be in LAST-ACK, or take our SYN for an old duplicate). */
START_TEST(connect_avoids_entry)
{
	struct xtcp_sock *s;

	engine_with(hook_one_port);
	tcb_established();
	xtcp_close(sk, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	ck_assert_int_eq(tw_entries(), 1);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	xtcp_close(s, now);
	advance_to(now + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	tx_clear();
	finish(1);
}
END_TEST

/* bind() to the port of a closed connection in TIME-WAIT: EADDRINUSE
 * without SO_REUSEADDR, allowed with it, as while it was a socket (and
 * as on Linux). */
START_TEST(bind_needs_reuseaddr)
{
	struct xtcp_sock *s;
	int one = 1;

	tcb_listen();
	server_closes_first(PEER_ISS);
	xtcp_close(lsk, now);
	lsk = NULL;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_bind(s, 0, LISTEN_PORT), XT_EADDRINUSE);
	ck_assert_int_eq(xtcp_setopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(s, 0, LISTEN_PORT), XT_OK);
	xtcp_close(s, now);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	advance_to(now + 2 * MSL);
	ck_assert_int_eq(xtcp_bind(s, 0, LISTEN_PORT), XT_OK);
	finish(1);
}
END_TEST

/*
 * The server: 20,000 short connections, the server closing
 * first, 5,000 client ports each used four times while its last
 * connection is still in TIME-WAIT (every SYN above the old RCV.NXT
 * reopens it).  The socket count never passes 2 (listener and the
 * connection of the moment); with a TCB per TIME-WAIT it passed 4,096.
 */
START_TEST(many_short_connections)
{
	unsigned k, ports = 5000, n = 20000, max_tw = 0;

	rtt = 10;	/* 120 µs a connection: a port comes back in 0.6 s */
	tcb_listen();
	for (k = 0; k < n; k++) {
		pport = (uint16_t)(10000 + k % ports);
		server_closes_first((xt_seq_t)k * 100000u);
		ck_assert_uint_le(xtcp_engine_ntcb(eng), 2);
		if ((unsigned)tw_entries() > max_tw)
			max_tw = (unsigned)tw_entries();
		advance_to(now + 100);
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_timewait_reuse"), n - ports);
	ck_assert_uint_eq(max_tw, ports);
	advance_to(now + 2 * MSL);
	ck_assert_int_eq(tw_entries(), 0);
	finish(1);
}
END_TEST

/*
 * RFC 9293 §3.10.7.3: a SYN met by an ACK for something else (the peer
 * holds a stale connection on this 4-tuple) gets an RST; the SYN goes
 * again at once behind it, not an RTO later, and only once per
 * retransmission step however often the peer answers so.
 */
START_TEST(synsent_stale_ack_resends_syn)
{
	struct xt_tcp_repr th;

	tcb_syn_sent();
	now += RTT;
	peer_sends(XT_TH_ACK, 12345, 777, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(cap.n, 2);
	tx_seg(0, &th);
	ck_assert_uint_eq(th.flags, XT_TH_RST);
	ck_assert_uint_eq(th.seq, 777);
	tx_seg(1, &th);
	ck_assert_uint_eq(th.flags & (XT_TH_SYN | XT_TH_ACK), XT_TH_SYN);
	ck_assert_uint_eq(th.seq, iss);
	tx_clear();
	ck_assert_int_eq(stat("tcp_syn_stale_resend"), 1);
	/* the same again: an RST only */
	peer_sends(XT_TH_ACK, 12345, 777, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, 777, 0);
	/* the timer still runs from the first SYN; after it, once more */
	advance_to(now - RTT + RTO);
	expect_tx(XT_TH_SYN, iss, 0);
	peer_sends(XT_TH_ACK, 12345, 777, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(cap.n, 2);
	tx_clear();
	ck_assert_int_eq(stat("tcp_syn_stale_resend"), 2);
	/* and the handshake then completes */
	now += RTT;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_timewait(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_timewait");

	tc = tcase_create("entry");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, orphan_leaves_tcb);
	tcase_add_test(tc, fin_reacked_from_entry);
	tcase_add_test(tc, paws_in_entry);
	tcase_add_test(tc, rst_rfc1337);
	tcase_add_test(tc, rst_rfc1337_off);
	tcase_add_test(tc, syn_newer_ts_reopens);
	tcase_add_test(tc, syn_older_ts_not_new);
	tcase_add_test(tc, syn_no_ts_by_seq);
	tcase_add_test(tc, cap_reached);
	tcase_add_test(tc, connect_avoids_entry);
	tcase_add_test(tc, tw_reuse_after_a_second);
	tcase_add_test(tc, tw_reuse_needs_ts_and_setting);
	tcase_add_test(tc, bind_needs_reuseaddr);
	suite_add_tcase(s, tc);

	/* 20,000 connections: seconds, more under the sanitizers */
	tc = tcase_create("scale");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, many_short_connections);
	suite_add_tcase(s, tc);

	tc = tcase_create("synsent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, synsent_stale_ack_resends_syn);
	suite_add_tcase(s, tc);

	return (s);
}
