/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_synflood.c - TCP unit tests of half-open connections under a
 * SYN flood (issue 10): a SYN costs a SYN cache entry, never a socket;
 * entries expire, die by RST or ICMP, wait for a full accept queue, give
 * the SYN-ACK's RTT sample, fall back to SYN cookies or to drops, follow a
 * new listen() backlog; a Fast Open request is no socket either.  The
 * fixture (tcp_fixture.h) builds each TCB; see there how a test reads.
 *
 * Read first: RFC 4987 §3.3 and §3.6, RFC 9293 §3.10.7.2.
 */
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_synflood(void);

/* ---- SYN flood: half-open connections in the SYN cache (issue 10) ---- */

/* Bytes the allocator has handed out (heap and mmap). */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/* The peer (from port pport) sends a SYN with MSS 1460 and WS 0; our
 * reply is returned (exactly one segment, a SYN-ACK for it). */
static const struct xt_tcp_repr *
flood_syn(xt_seq_t seq)
{
	const struct xt_tcp_repr *th;

	peer_sends_syn(XT_TH_SYN, seq, 0, 1460);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert_uint_eq(th->ack, seq + 1);
	return (th);
}

/*
 * Was a bug, fixed: every SYN made a TCB with two 256 KB rings in the
 * socket table, so with listen(SOMAXCONN) a flood filled the table
 * (4096) before the backlog check sent cookies, and the program's own
 * socket() failed with ENOBUFS.  Now 6000 SYNs from distinct ports cost
 * no socket and no buffer: backlog + 1 of them wait in the SYN cache,
 * the rest get cookies; a handshake begun amid the flood and one made
 * from a cookie both complete.
 */
START_TEST(synflood_costs_no_sockets)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *s2, *c;
	xt_seq_t mid_iss = 0, ck_iss = 0;
	uint16_t mid_port = PEER_CPORT + 100, ck_port = 0;
	size_t before, after;
	unsigned i, cached = 0, cookies = 0;
	struct tcp_info ti;
	size_t ilen;
	char line[256];

	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	before = heap_in_use();
	ck_assert_int_eq(xtcp_listen(lsk, SOMAXCONN), XT_OK);
	after = heap_in_use();
	/* the table: backlog + 1 entries of at most 80 bytes with buckets */
	ck_assert_uint_le(after - before, 4097 * 80);
	lport = LISTEN_PORT;
	before = heap_in_use();
	for (i = 0; i < 6000; i++) {
		pport = (uint16_t)(PEER_CPORT + i);
		th = flood_syn(PEER_ISS + i);
		/* an entry remembers the SYN's options; a cookie cannot */
		if (th->has_ws)
			cached++;
		else
			cookies++;
		if (pport == mid_port)
			mid_iss = th->seq;
		if (i == 5999) {
			ck_port = pport;
			ck_iss = th->seq;
		}
		if (i % 500 == 0)
			ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	}
	after = heap_in_use();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_uint_le(after, before + 16384);	/* no rings, no TCBs */
	ck_assert_uint_eq(cached, 4097);
	ck_assert_uint_eq(cookies, 6000 - 4097);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 4097);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 6000 - 4097);
	/* what ss would show: nothing to accept yet, backlog, half-open */
	ilen = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(lsk, IPPROTO_TCP, TCP_INFO, &ti, &ilen),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_unacked, 0);
	ck_assert_uint_eq(ti.tcpi_sacked, SOMAXCONN);
	xtcp_sock_describe(lsk, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "synq=4097"));
	/* the program's own socket() still works */
	ck_assert_int_eq(xtcp_socket(eng, &s2), XT_OK);
	xtcp_close(s2, now);
	/* a handshake begun amid the flood completes, with its options */
	now += RTT;
	pport = mid_port;
	peer_sends(XT_TH_ACK, PEER_ISS + 100 + 1, mid_iss + 1, PEER_WIN,
	    "hi", 2);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->fport, mid_port);
	ck_assert(c->t_flags & XT_TF_WS_OK);
	expect_recv(c, "hi", 2);
	tx_clear();
	/* and so does one answered with a cookie */
	pport = ck_port;
	peer_sends(XT_TH_ACK, PEER_ISS + 5999 + 1, ck_iss + 1, PEER_WIN, NULL,
	    0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(c->fport, ck_port);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 4096);
	ck_assert_int_eq(xtcp_getopt(lsk, IPPROTO_TCP, TCP_INFO, &ti, &ilen),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_unacked, 0);	/* both accepted */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 3);
	xtcp_close(lsk, now);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
}
END_TEST

/* The SYN-ACK of an entry is resent at 1, 3, 7, 15 and 31 s (RFC 6298
 * §5.5 backoff, Linux tcp_synack_retries 5) and the entry expires at
 * 63 s; its ACK then gets an RST. */
START_TEST(synflood_entry_expires)
{
	const struct xt_tcp_repr *th;
	uint64_t t0, at = RTO;
	unsigned k;

	tcb_listen();
	t0 = now;
	th = flood_syn(PEER_ISS);
	iss = th->seq;
	for (k = 0; k < 5; k++) {
		advance_to(t0 + at - 1);
		expect_no_tx();
		advance_to(t0 + at);
		th = expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
		ck_assert(th->has_mss && th->has_ws);	/* same options */
		at = 2 * at + RTO;
	}
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	advance_to(t0 + at);			/* 63 s */
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_expired"), 1);
	ck_assert_uint_eq(xtcp_engine_next_deadline(eng), UINT64_MAX);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/* RFC 5961 §3.2 in SYN-RECEIVED: an in-window RST that is not exact
 * gets the SYN-ACK again (the challenge); the exact one removes the
 * entry, and the ACK then finds no connection. */
START_TEST(synflood_rst_kills_entry)
{
	const struct xt_tcp_repr *th;

	tcb_listen();
	th = flood_syn(PEER_ISS);
	iss = th->seq;
	peer_sends(XT_TH_RST, PEER_ISS + 10, 0, 0, NULL, 0);
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_reset"), 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/* An ICMP host unreachable quoting the SYN-ACK removes the entry; one
 * quoting another sequence number does not (RFC 5927 §4.1). */
START_TEST(synflood_icmp_kills_entry)
{
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	uint8_t quoted[28], buf[FRAME_MAX];
	size_t n;

	tcb_listen();
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	iss = tx_one(__LINE__)->seq;
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_HOST;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	/* our SYN-ACK as a router would quote it: IPv4 header, 8 bytes */
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);	/* resent: capture it */
	ck_assert_uint_eq(cap.n, 1);
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	quoted[XT_IPV4_HLEN + 7] ^= 1;			/* wrong seq */
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	quoted[XT_IPV4_HLEN + 7] ^= 1;
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_RST, iss + 1, 0);
	finish(1);
}
END_TEST

/*
 * The accept queue holds backlog + 1 connections (Linux).  When it is
 * full a new SYN is dropped (no cookie: the peer retries), and the ACK
 * of a handshake already in the SYN cache is dropped with the entry
 * kept; its SYN-ACK is resent and, once accept() made room, the peer's
 * next ACK completes it.
 */
START_TEST(synflood_accept_queue_full)
{
	xt_seq_t iss_a, iss_b, iss_c;
	struct xtcp_sock *c;

	tcb_listen();
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);
	pport = PEER_CPORT;
	iss_a = flood_syn(PEER_ISS)->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_a + 1, PEER_WIN, NULL, 0);
	tx_clear();
	pport = PEER_CPORT + 1;
	iss_b = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 2;
	iss_c = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 1;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_b + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 2);		/* full */
	/* C's ACK: dropped, nothing sent, the entry stays */
	pport = PEER_CPORT + 2;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_c + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(lsk->t_qlen, 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_listen_ack_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 1);
	/* a new SYN: dropped, not even a cookie */
	pport = PEER_CPORT + 3;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 0);
	/* room again; C's SYN-ACK comes back at 1 s and the ACK makes it */
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT);
	pport = PEER_CPORT + 2;
	advance_to(now + RTO);
	iss = iss_c;
	expect_tx(XT_TH_SYN | XT_TH_ACK, iss_c, PEER_ISS + 1);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss_c + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 0);
	xtcp_close(lsk, now);
}
END_TEST

/*
 * The passive side's first RTT sample comes from the SYN-ACK (the entry
 * keeps its send time) and the handshake's ACK, as Linux: the first RTO
 * then follows the path (here the 200 ms floor) instead of the initial
 * 1 s.  A SYN-ACK sent twice gives no sample (Karn).
 */
START_TEST(synflood_synack_rtt_sample)
{
	struct xtcp_sock *c;
	uint64_t t;

	engine_with(hook_rto_min_200);
	tcb_listen();
	iss = flood_syn(PEER_ISS)->seq;
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.srtt_us, RTT);
	send_all(c, "x", 1);
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "x", 1);
	t = now;
	advance_to(t + 200000 - 1);
	expect_no_tx();
	advance_to(t + 200000);			/* not 1 s */
	expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1, "x", 1);
	xtcp_close(c, now);
	tx_clear();
	/* Karn: the peer resent its SYN, so did we: no sample */
	pport = PEER_CPORT + 1;
	iss = flood_syn(PEER_ISS)->seq;
	now += RTT;
	flood_syn(PEER_ISS);
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->t_rtt.srtt_us, 0);
	xtcp_close(c, now);
	xtcp_close(lsk, now);
}
END_TEST

static void
hook_syncookies_off(struct xtcp_config *c)
{
	c->syncookies = 0;
}

/* XTCP_SYNCOOKIES=0: past a full SYN cache a SYN is dropped, and
 * counted; the entries already there still complete. */
START_TEST(synflood_no_cookies_drops)
{
	struct xtcp_sock *c;

	engine_with(hook_syncookies_off);
	tcb_listen();
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);	/* two entries */
	iss = flood_syn(PEER_ISS)->seq;
	pport = PEER_CPORT + 1;
	flood_syn(PEER_ISS);
	pport = PEER_CPORT + 2;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_listen_overflow"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sc_sent"), 0);
	pport = PEER_CPORT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT);
	finish(2);
}
END_TEST

/* listen() again with a smaller backlog keeps the oldest entries that
 * fit and forgets the others (counted); a larger one keeps them all. */
START_TEST(synflood_relisten_resizes)
{
	xt_seq_t first;
	unsigned i;

	tcb_listen();				/* backlog 4: five entries */
	for (i = 0; i < 3; i++) {
		pport = (uint16_t)(PEER_CPORT + i);
		if (i == 0)
			first = flood_syn(PEER_ISS)->seq;
		else
			flood_syn(PEER_ISS);
	}
	ck_assert_int_eq(xtcp_listen(lsk, 16), XT_OK);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 3);
	ck_assert_int_eq(xtcp_listen(lsk, 1), XT_OK);	/* two entries */
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_entries"), 2);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_syncache_dropped"), 1);
	/* the oldest survived, with its timer */
	pport = PEER_CPORT;
	iss = first;
	advance_to(now + RTO);
	ck_assert_uint_eq(cap.n, 2);		/* both SYN-ACKs resent */
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, first + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_uint_eq(lsk->t_qlen, 1);
	finish(2);
}
END_TEST

/* RFC 7413: a Fast Open cookie request is a SYN like another: an entry,
 * no socket; the entry's SYN-ACK carries the cookie (and resends it). */
START_TEST(synflood_tfo_request_no_socket)
{
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	uint8_t cookie[8];
	int q = 8;

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
	r.has_tfo = 1;
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	ck_assert_uint_eq(th->tfo_len, 8);
	memcpy(cookie, th->tfo_cookie, 8);
	iss = th->seq;
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	advance_to(now + RTO);
	th = expect_tx(XT_TH_SYN | XT_TH_ACK, iss, PEER_ISS + 1);
	ck_assert(th->has_tfo && memcmp(th->tfo_cookie, cookie, 8) == 0);
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_synflood(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_synflood");

	tc = tcase_create("synflood");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, synflood_costs_no_sockets);
	tcase_add_test(tc, synflood_entry_expires);
	tcase_add_test(tc, synflood_rst_kills_entry);
	tcase_add_test(tc, synflood_icmp_kills_entry);
	tcase_add_test(tc, synflood_accept_queue_full);
	tcase_add_test(tc, synflood_synack_rtt_sample);
	tcase_add_test(tc, synflood_no_cookies_drops);
	tcase_add_test(tc, synflood_relisten_resizes);
	tcase_add_test(tc, synflood_tfo_request_no_socket);
	suite_add_tcase(s, tc);

	return (s);
}
