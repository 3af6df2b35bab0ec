/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_hardening.c - TCP unit tests of segments a peer or an attacker
 * may send: RST and SYN inside the window (RFC 5961 §3-4), acceptability
 * and ACKs out of range (RFC 5961 §5), the challenge ACK rate limits (§7),
 * a tiny MSS option, path MTU by ICMP and black hole detection, the
 * blackhole and insecure_rst tunables, and links with very small MTUs.  The
 * fixture (tcp_fixture.h) builds each TCB; see there how a test reads.
 *
 * Read first: RFC 5961, RFC 9293 §3.10.7.4 (first and fifth steps),
 * RFC 1191, RFC 4821, RFC 879.
 */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_hardening(void);

/* ---- RFC 5961 ---- */

START_TEST(rst_exact_resets)
{
	size_t got;

	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert(xtcp_poll(sk) & (XTCP_POLLERR | XTCP_POLLHUP));
	ck_assert_int_eq(xtcp_recv(sk, now, &got, 1, 0, &got),
	    XT_ECONNRESET);
	/* then end of stream; send fails with EPIPE */
	expect_recv(sk, NULL, 0);
	ck_assert_int_eq(xtcp_send(sk, now, "x", 1, 0, &got), XT_EPIPE);
	finish(1);
}
END_TEST

START_TEST(rst_in_window_challenge)
{
	/* RFC 5961 §3.2: in the window but not RCV.NXT: challenge ACK */
	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 1 + 100, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	advance_to(now + RATELIMIT);	/* RFC 5961 §7: one per interval */
	peer_sends(XT_TH_RST | XT_TH_ACK, PEER_ISS + 2, iss + 1, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* outside the window: silently dropped */
	peer_sends(XT_TH_RST, PEER_ISS + 1 + 0x40000000u, 0, 0, NULL, 0);
	expect_no_tx();
	peer_sends(XT_TH_RST, PEER_ISS, 0, 0, NULL, 0);
	expect_no_tx();
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_int_eq(sk->so_error, XT_OK);
	/* the connection still works */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "ok", 2);
	expect_recv(sk, "ok", 2);
	finish(1);
}
END_TEST

START_TEST(syn_in_established_challenge)
{
	/* RFC 5961 §4.2 / RFC 9293 §3.10.7.4 fourth: challenge ACK
	 * whatever the sequence number */
	tcb_established();
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 1, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* RFC 5961 §7: one challenge ACK per interval */
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN, PEER_ISS + 5000, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN, 0x12345678u, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	advance_to(now + RATELIMIT);
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	finish(1);
}
END_TEST

/* ---- acceptability and the ACK field, RFC 9293 §3.10.7.4 ---- */

START_TEST(ack_too_much)
{
	/* fifth: SEG.ACK > SND.NXT: send an ACK, drop the segment */
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 50, PEER_WIN,
	    "zz", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_eq(sk->snd_una, iss + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	finish(1);
}
END_TEST

START_TEST(unacceptable_data_acked)
{
	/* first: an unacceptable segment gets <SEQ=SND.NXT><ACK=RCV.NXT> */
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1, PEER_WIN,
	    "far", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* an old duplicate is acknowledged at once */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	expect_no_tx();			/* delayed ACK */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    "abc", 3);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 4);
	/* a segment overlapping the left edge is trimmed */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 2, iss + 1, PEER_WIN,
	    "bcdef", 5);
	expect_recv(sk, "abcdef", 6);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 7);
	finish(1);
}
END_TEST

/* ---- path MTU: ICMP, black holes, and the blackhole and
 * insecure_rst tunables ---- */

/* RFC 1191: ICMP fragmentation needed quoting our outstanding segment
 * lowers the MSS and the data goes again in smaller segments. */
START_TEST(pmtu_icmp_lowers_mss)
{
	static uint8_t d[2 * 1460];
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	struct xt_tcp_repr t;
	uint8_t quoted[28], buf[FRAME_MAX];
	unsigned i;
	size_t n;

	tcb_established();
	send_all(sk, d, sizeof(d));
	ck_assert_uint_eq(cap.n, 2);
	/* the router quotes our first segment: IPv4 header + 8 bytes */
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_NEEDFRAG;
	m.mtu = 1000;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_uint_eq(sk->t_maxseg, 960);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_le(t.payload_len, 960);
	}
	tx_seg(0, &t);
	ck_assert_uint_eq(t.seq, iss + 1);	/* resent from snd_una */
	finish(1);
}
END_TEST

static void
hook_blackhole(struct xtcp_config *c)
{
	c->blackhole = 1;
}

static void
hook_insecure_rst(struct xtcp_config *c)
{
	c->insecure_rst = 1;
}

static void
hook_blackhole_detect(struct xtcp_config *c)
{
	c->pmtud_blackhole = 1;
}

/* PMTU black hole detection: the second timeout of full segments lowers
 * the MSS to 1200 and the data goes again in smaller segments. */
START_TEST(pmtud_blackhole_lowers_mss)
{
	static uint8_t d[2 * 1460];
	struct xt_tcp_repr t;
	unsigned i;

	engine_with(hook_blackhole_detect);
	tcb_established();
	send_all(sk, d, sizeof(d));
	tx_clear();
	advance_to(now + RTO);		/* first timeout */
	tx_clear();
	ck_assert_uint_eq(sk->t_maxseg, 1460);
	advance_to(now + 2 * RTO);	/* second: lower it */
	ck_assert_uint_eq(sk->t_maxseg, 1200);
	ck_assert_uint_ge(cap.n, 1);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_le(t.payload_len, 1200);
	}
	finish(1);
}
END_TEST

/* FreeBSD blackhole=1: a SYN to a closed port gets no RST. */
START_TEST(tunable_blackhole)
{
	engine_with(hook_blackhole);
	lport = 9;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1460);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_blackholed"), 1);
	finish(0);
}
END_TEST

/* insecure_rst=1: an in-window RST that is not exactly rcv_nxt resets
 * (no RFC 5961 challenge ACK). */
START_TEST(tunable_insecure_rst)
{
	char b[4];
	size_t got;

	engine_with(hook_insecure_rst);
	tcb_established();
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_recv(sk, now, b, sizeof(b), 0, &got),
	    XT_ECONNRESET);
	finish(1);
}
END_TEST

/* ---- small MTUs: options shrink to fit, data still flows ---- */

/* MTUs a device may have (68 is RFC 791's floor; XTCP_MTU starts at 128) */
static const unsigned small_mtus[] = { 68, 80, 96, 128 };

/* Restart the engine on a device of this MTU. */
static void
small_mtu_engine(unsigned mtu)
{
	cap.dev.mtu = mtu;
	engine_with(NULL);
}

/* The peer sends data (or an ACK) with a timestamp option echoing ours. */
static void
peer_sends_ts(xt_seq_t seq, xt_seq_t ack, const void *data, size_t len)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	r.has_ts = 1;
	r.tsval = PEER_TSVAL;
	r.tsecr = (uint32_t)(now / 1000) + sk->ts_offset;
	peer_sends_repr(&r, data, len);
}

/* SACK blocks that fit beside the timestamps in a frame of mtu bytes
 * holding `reserve` bytes of data: at most 3 (option space). */
static unsigned
sack_fit(unsigned mtu, unsigned reserve)
{
	unsigned n = (mtu - 20 - 32 - reserve - 4) / 8;

	return (n > 3 ? 3 : n);
}

/*
 * Was a bug, fixed: with timestamps and three SACK blocks due the header
 * is 60 bytes; at MTU 68 it was written past the 82-byte frame buffer
 * (and the ACK never left), at MTU 80 the room for data was 0 and
 * xt_tcp_output looped forever sending empty segments.  Now: the MSS
 * fits the MTU (advertised mtu - 40, sent mtu - 52), an ACK carries as
 * many blocks as fit (the newest first), data segments carry fewer and
 * at least one byte, every frame fits (the capture device checks), and
 * the bytes reach the peer in order; a FIN and its retransmission fit.
 */
START_TEST(small_mtu_sack_and_data)
{
	unsigned mtu = small_mtus[_i], k, i, rounds, nd, room;
	static uint8_t d[120], got[sizeof(d)];
	struct xt_tcp_repr t;
	xt_seq_t acked, lo;
	uint32_t off;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 1);
	memset(got, 0, sizeof(got));
	small_mtu_engine(mtu);
	tcb_established_opts(1);
	/* RFC 9293 §3.7.1; RFC 6691: the timestamps come off the MSS */
	ck_assert_uint_eq(sk->t_advmss, mtu - 40);
	ck_assert_uint_eq(sk->t_maxseg, mtu - 52);

	/* three out-of-order segments: three SACK blocks are due */
	for (k = 0; k < 3; k++) {
		lo = PEER_ISS + 1 + 10 * (k + 1);
		peer_sends_ts(lo, iss + 1, "abcde", 5);
		ck_assert_msg(cap.n == 1, "MTU %u: %u frames for out-of-order "
		    "segment %u:%s", mtu, cap.n, k, tx_describe());
		tx_seg(0, &t);
		tx_clear();
		ck_assert_uint_eq(t.ack, PEER_ISS + 1);
		ck_assert(t.has_ts);
		ck_assert_uint_eq(t.nsack, k + 1 < sack_fit(mtu, 0) ?
		    k + 1 : sack_fit(mtu, 0));
		/* RFC 2018 §4: the newest block first */
		ck_assert_uint_eq(t.sack[0][0], lo);
		ck_assert_uint_eq(t.sack[0][1], lo + 5);
	}

	/* our data flows while the blocks are still due */
	send_all(sk, d, sizeof(d));
	acked = iss + 1;
	for (rounds = 0; rounds < 40 && acked != iss + 1 + sizeof(d);
	    rounds++) {
		ck_assert_msg(cap.n > 0, "MTU %u: stalled at %u of %zu bytes",
		    mtu, acked - iss - 1, sizeof(d));
		for (i = 0; i < cap.n; i++) {
			tx_seg(i, &t);
			if (t.payload_len == 0)
				continue;
			nd = sack_fit(mtu, 1);
			ck_assert_uint_eq(t.nsack, nd);
			room = mtu - 20 - 32 - (nd > 0 ? 4 + 8 * nd : 0);
			if (room > sk->t_maxseg)
				room = sk->t_maxseg;
			ck_assert_uint_le(t.payload_len, room);
			off = t.seq - (iss + 1);
			ck_assert_uint_le(off + t.payload_len, sizeof(d));
			memcpy(got + off, t.payload, t.payload_len);
			if (SEQ_GEQ(acked, t.seq) &&
			    SEQ_GT(t.seq + (uint32_t)t.payload_len, acked))
				acked = t.seq + (uint32_t)t.payload_len;
		}
		tx_clear();
		now += 1000;
		peer_sends_ts(PEER_ISS + 1, acked, NULL, 0);
	}
	ck_assert_msg(acked == iss + 1 + sizeof(d), "MTU %u: %u of %zu "
	    "bytes acknowledged", mtu, acked - iss - 1, sizeof(d));
	ck_assert(memcmp(got, d, sizeof(d)) == 0);
	tx_clear();

	/* the FIN, and the timer's resend of it, fit too */
	xtcp_close(sk, now);
	ck_assert_uint_eq(cap.n, 1);
	tx_seg(0, &t);
	ck_assert(t.flags & XT_TH_FIN);
	ck_assert_uint_eq(t.nsack, sack_fit(mtu, 0));
	tx_clear();
	advance_to(sk->t_rexmt_at);
	ck_assert_uint_ge(cap.n, 1);
	tx_seg(cap.n - 1, &t);
	ck_assert(t.flags & XT_TH_FIN);
	tx_clear();
}
END_TEST

/*
 * Was a bug, fixed: a SYN or SYN-ACK with every option (MSS, timestamps
 * with SACK-permitted, window scale, a Fast Open cookie) is 52 bytes of
 * TCP and more; at MTU 68 (48 bytes of TCP a frame) it was written past
 * the buffer and never sent.  Now the cookie stays out when it does not
 * fit (and data with it, RFC 7413 §4.2), the handshake completes and
 * the data follows it.
 */
START_TEST(small_mtu_syn_options)
{
	unsigned mtu = small_mtus[_i];
	const struct xt_tcp_repr *th;
	struct xt_tcp_repr r;
	int one = 1, q = 8, cookie_fits;
	size_t sent;

	/* 20 + MSS 4 + TS 12 + WS 4 + an 8-byte cookie 12 */
	cookie_fits = 20 + 4 + 12 + 4 + 12 <= mtu - 20;
	test_fastopen = 3;
	small_mtu_engine(mtu);
	test_fastopen = 1;

	/* server: the SYN-ACK to a SYN with every option and a cookie
	 * request */
	tcb_listen();
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &q,
	    sizeof(q)), XT_OK);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN;
	r.seq = PEER_ISS;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = 1460;
	r.has_ws = 1;
	r.ws = 7;
	r.has_ts = 1;
	r.tsval = PEER_TSVAL;
	r.sack_perm = 1;
	r.has_tfo = 1;
	peer_sends_repr(&r, NULL, 0);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	ck_assert(th->has_mss && th->has_ts && th->has_ws && th->sack_perm);
	ck_assert_uint_eq(th->mss, mtu - 40);
	ck_assert(!th->has_tfo == !cookie_fits);
	xtcp_close(lsk, now);
	tx_clear();

	/* client: a cookie request fits; the cookie it brings back may not */
	pport = PEER_PORT;
	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	ck_assert(th->has_tfo);
	peer_grants_tfo_cookie(th);

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT), XT_OK);
	lport = sk->lport;
	ck_assert_int_eq(xtcp_send(sk, now, "data", 4, 0, &sent), XT_OK);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	ck_assert(!th->has_tfo == !cookie_fits);
	ck_assert_uint_eq(th->payload_len, cookie_fits ? 4 : 0);
	iss = th->seq;
	if (!cookie_fits) {
		/* the data goes after the handshake */
		now += RTT;
		peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, 1460);
		expect_tx_data(XT_TH_ACK | XT_TH_PSH, iss + 1, PEER_ISS + 1,
		    "data", 4);
	}
	xtcp_close(sk, now);
}
END_TEST

/* TCP_INFO's pmtu follows an ICMP fragmentation-needed that lowers the
 * path MTU (RFC 1191), as Linux's does; it started at the engine's. */
START_TEST(pmtu_icmp_tcpi_pmtu)
{
	static uint8_t d[2 * 1460];
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	struct tcp_info ti;
	uint8_t quoted[28], buf[FRAME_MAX];
	size_t n, len;

	tcb_established();
	len = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_pmtu, 1500);
	send_all(sk, d, sizeof(d));
	memcpy(quoted, cap.frame[0] + XT_ETH_HLEN, 28);
	tx_clear();
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_UNREACH;
	m.code = XT_ICMP_UNREACH_NEEDFRAG;
	m.mtu = 1000;
	m.data = quoted;
	m.data_len = sizeof(quoted);
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
	ck_assert_uint_eq(sk->t_maxseg, 960);
	len = sizeof(ti);
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_TCP, TCP_INFO, &ti, &len),
	    XT_OK);
	ck_assert_uint_eq(ti.tcpi_pmtu, 1000);
	ck_assert_uint_eq(ti.tcpi_snd_mss, 960);
	tx_clear();
	finish(1);
}
END_TEST

/* ---- hardening against the network (issue 10): MSS, RFC 5961 §5
 * and §7, rate limits ---- */

#define stat(name)	xtcp_stats_get(eng, (name))

/* The peer's SYN or SYN-ACK with an MSS option of mss (none if < 0)
 * and, if ts, timestamps. */
static void
peer_sends_syn_opts(uint8_t flags, xt_seq_t seq, xt_seq_t ack, int mss,
    int ts)
{
	struct xt_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = flags;
	r.seq = seq;
	r.ack = ack;
	r.win = PEER_WIN;
	if (mss >= 0) {
		r.has_mss = 1;
		r.mss = (uint16_t)mss;
	}
	if (ts) {
		r.has_ts = 1;
		r.tsval = 1000;
		r.tsecr = (flags & XT_TH_ACK) ? last.tsval : 0;
	}
	peer_sends_repr(&r, NULL, 0);
}

/* 300 bytes go out at once, in segments of exactly s->t_maxseg. */
static void
expect_sends_in(struct xtcp_sock *s, uint32_t maxseg)
{
	static const uint8_t d[300];
	struct xt_tcp_repr t;
	size_t total = 0;
	unsigned i;
	int one = 1;

	/* no Nagle: the last, short segment goes too */
	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	ck_assert_uint_eq(s->t_maxseg, maxseg);
	/* the initial window is ten of them (RFC 6928), not 655,280 */
	ck_assert_uint_le(s->snd_cwnd, 10 * maxseg);
	tx_clear();
	send_all(s, d, sizeof(d));
	ck_assert_uint_eq(cap.n, (sizeof(d) + maxseg - 1) / maxseg);
	for (i = 0; i < cap.n; i++) {
		tx_seg(i, &t);
		ck_assert_uint_gt(t.payload_len, 0);
		ck_assert_uint_le(t.payload_len, maxseg);
		total += t.payload_len;
	}
	ck_assert_uint_eq(total, sizeof(d));
	tx_clear();
}

/* Was a bug, fixed: a peer MSS below 12 with timestamps wrapped the
 * unsigned subtraction (t_maxseg 65528).  As Linux: an option of 0 is
 * no option (536); others are raised to 48 (tcp_min_snd_mss) before the
 * 12 bytes of timestamps are taken off.  Active and passive open. */
START_TEST(mss_tiny_option)
{
	static const int opt[] = { 0, 1, 11, 12, 48 };
	struct xtcp_sock *c;
	unsigned i, ts, passive;
	uint32_t want;

	for (passive = 0; passive < 2; passive++)
	for (ts = 0; ts < 2; ts++)
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		engine_with(NULL);
		want = opt[i] == 0 ? 536 : (opt[i] < 48 ? 48 : opt[i]);
		want -= ts ? 12 : 0;
		if (!passive) {
			tcb_syn_sent();
			last.tsval = 77;
			now += RTT;
			peer_sends_syn_opts(XT_TH_SYN | XT_TH_ACK, PEER_ISS,
			    iss + 1, opt[i], ts);
			tx_one(__LINE__);
			expect_state(sk, XT_TCPS_ESTABLISHED);
			c = sk;
		} else {
			tcb_listen();
			peer_sends_syn_opts(XT_TH_SYN, PEER_ISS, 0, opt[i], ts);
			tx_one(__LINE__);
			iss = last.seq;
			if (ts)
				peer_sends_syn_opts(XT_TH_ACK, PEER_ISS + 1,
				    iss + 1, -1, 1);
			else
				peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1,
				    PEER_WIN, NULL, 0);
			c = NULL;
			ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL,
			    NULL), XT_OK);
		}
		ck_assert_msg(c->t_maxseg == want, "%s open, MSS option %d, "
		    "ts %u: t_maxseg %u, want %u", passive ? "passive" :
		    "active", opt[i], ts, c->t_maxseg, want);
		ck_assert_uint_eq((c->t_flags & XT_TF_TS_OK) != 0, ts);
		expect_sends_in(c, want);
		lsk = NULL;
		sk = NULL;
		lport = 0;
		pport = PEER_PORT;
	}
}
END_TEST

/* The peer's segment with a given window and ack. */
static void
peer_acks(xt_seq_t ack, uint16_t win)
{
	peer_sends(XT_TH_ACK, PEER_ISS + 1, ack, win, NULL, 0);
}

/* RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND gets a challenge ACK
 * and the segment (its data too) is dropped; one within it is an old
 * ACK and is taken.  Nothing is acknowledged below the ISS either. */
START_TEST(ack_too_old_challenge)
{
	static uint8_t d[5000];
	struct xt_tcp_repr r;
	xt_seq_t una;

	/* the peer offers at most 2000 bytes, from its SYN-ACK on */
	tcb_syn_sent();
	now += RTT;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = iss + 1;
	r.win = 2000;
	r.has_mss = 1;
	r.mss = MSS;
	peer_sends_repr(&r, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* nothing sent yet: even SND.UNA - 1 (our SYN) is too old */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss, PEER_WIN,
	    "no", 2);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_eq(sk->rcv_nxt, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	ck_assert_int_eq(stat("tcp_rcv_ack_too_old"), 1);
	/* MAX.SND.WND = 2000 once 5000 bytes are acknowledged */
	send_all(sk, d, sizeof(d));
	una = iss + 1;
	while (sk->snd_una != sk->snd_max || cap.n > 0) {
		tx_clear();
		now += RTT;
		una = sk->snd_max;
		peer_acks(una, 2000);
	}
	ck_assert_uint_eq(una, iss + 1 + sizeof(d));
	ck_assert_uint_eq(sk->max_sndwnd, 2000);
	advance_to(now + RATELIMIT);
	tx_clear();
	peer_acks(una - 2000, 2000);		/* old, acceptable: no reply */
	expect_no_tx();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, una - 2001, 2000,
	    "no", 2);
	expect_tx(XT_TH_ACK, una, PEER_ISS + 1);
	ck_assert_uint_eq(xtcp_sock_rxbytes(sk), 0);
	ck_assert_int_eq(stat("tcp_rcv_ack_too_old"), 2);
	ck_assert_uint_eq(sk->snd_una, una);
	/* within the window the data is taken */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, una - 2000, 2000,
	    "ok", 2);
	expect_recv(sk, "ok", 2);
	finish(1);
}
END_TEST

/* RFC 5961 §7 as Linux tcp_invalid_ratelimit: ten in-window RSTs within
 * 500 ms get one challenge ACK, and one more after the interval; SYNs
 * share the same limit. */
START_TEST(ratelimit_challenge_acks)
{
	unsigned i;

	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 9);
	advance_to(now + RATELIMIT - 1);
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_no_tx();
	advance_to(now + 1);
	peer_sends(XT_TH_RST, PEER_ISS + 100, 0, 0, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* in-window SYNs, right after: the same budget */
	for (i = 0; i < 10; i++)
		peer_sends_syn(XT_TH_SYN, PEER_ISS + 100 + i, 0, MSS);
	expect_no_tx();
	advance_to(now + RATELIMIT);
	for (i = 0; i < 10; i++)
		peer_sends_syn(XT_TH_SYN, PEER_ISS + 100 + i, 0, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	/* ACKs of data never sent (RFC 5961 §5.2) */
	advance_to(now + RATELIMIT);
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1000, PEER_WIN,
		    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_snd_challenge_ack"), 4);
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 9 + 1 + 10 + 9 + 9);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

/* Out-of-window segments without data: one ACK per interval; with data
 * every one is answered (it may be a retransmission), as Linux. */
START_TEST(ratelimit_oow_acks)
{
	unsigned i;

	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1,
		    PEER_WIN, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(stat("tcp_oow_ack_skipped"), 9);
	for (i = 0; i < 10; i++)		/* old, as a keep-alive */
		peer_sends(XT_TH_ACK, PEER_ISS, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	advance_to(now + RATELIMIT);
	peer_sends(XT_TH_ACK, PEER_ISS, iss + 1, PEER_WIN, NULL, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + 0x40000000u, iss + 1,
		    PEER_WIN, "far", 3);
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	ck_assert_int_eq(stat("tcp_oow_ack_skipped"), 19);
	finish(1);
}
END_TEST

/* The limit is per connection: two connections each get their one
 * challenge ACK (a shared one would leak which was hit, CVE-2016-5696). */
START_TEST(ratelimit_per_connection)
{
	struct xtcp_sock *a;
	xt_seq_t iss_a, iss_b;
	uint16_t lport_a, lport_b;
	unsigned i;

	tcb_established();
	a = sk;
	iss_a = iss;
	lport_a = lport;
	tcb_established();
	iss_b = iss;
	lport_b = lport;
	ck_assert_uint_ne(lport_a, lport_b);
	for (i = 0; i < 10; i++) {
		lport = lport_a;
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
		lport = lport_b;
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	}
	ck_assert_uint_eq(cap.n, 2);
	lport = lport_a;
	iss = iss_a;
	tx_seg(0, &last);
	ck_assert_uint_eq(last.flags, XT_TH_ACK);
	ck_assert_uint_eq(last.seq, iss_a + 1);
	lport = lport_b;
	iss = iss_b;
	tx_seg(1, &last);
	ck_assert_uint_eq(last.seq, iss_b + 1);
	tx_clear();
	expect_state(a, XT_TCPS_ESTABLISHED);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(2);
}
END_TEST

static void
hook_no_ratelimit(struct xtcp_config *c)
{
	c->invalid_ratelimit_ms = 0;
}

/* XTCP_INVALID_RATELIMIT_MS=0: no limit, every RST is challenged. */
START_TEST(ratelimit_off)
{
	unsigned i;

	engine_with(hook_no_ratelimit);
	tcb_established();
	for (i = 0; i < 10; i++)
		peer_sends(XT_TH_RST, PEER_ISS + 100 + i, 0, 0, NULL, 0);
	ck_assert_uint_eq(cap.n, 10);
	tx_clear();
	ck_assert_int_eq(stat("tcp_challenge_ack_skipped"), 0);
	finish(1);
}
END_TEST

/* ---- hardening against the network (issue 10): MSS, RFC 5961 §5
 * and §7, rate limits ---- */

#undef stat

Suite *
xt_suite_tcp_hardening(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_hardening");

	tc = tcase_create("rfc5961");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rst_exact_resets);
	tcase_add_test(tc, rst_in_window_challenge);
	tcase_add_test(tc, syn_in_established_challenge);
	tcase_add_test(tc, ack_too_much);
	tcase_add_test(tc, unacceptable_data_acked);
	suite_add_tcase(s, tc);

	tc = tcase_create("pmtu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pmtu_icmp_lowers_mss);
	tcase_add_test(tc, pmtud_blackhole_lowers_mss);
	suite_add_tcase(s, tc);

	tc = tcase_create("tunables");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tunable_blackhole);
	tcase_add_test(tc, tunable_insecure_rst);
	suite_add_tcase(s, tc);

	tc = tcase_create("small_mtu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, small_mtu_sack_and_data, 0,
	    (int)(sizeof(small_mtus) / sizeof(small_mtus[0])));
	tcase_add_loop_test(tc, small_mtu_syn_options, 0,
	    (int)(sizeof(small_mtus) / sizeof(small_mtus[0])));
	tcase_add_test(tc, pmtu_icmp_tcpi_pmtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("hardening");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mss_tiny_option);
	tcase_add_test(tc, ack_too_old_challenge);
	tcase_add_test(tc, ratelimit_challenge_acks);
	tcase_add_test(tc, ratelimit_oow_acks);
	tcase_add_test(tc, ratelimit_per_connection);
	tcase_add_test(tc, ratelimit_off);
	suite_add_tcase(s, tc);

	return (s);
}
