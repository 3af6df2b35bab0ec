/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_ackpolicy.c - TCP unit tests of when a receiver ACKs
 * (xt_tcp_ack_owed and the window update rule in tcp_output.c), against
 * Linux's behaviour: quick ACKs while a connection starts, then an ACK for
 * every second full-sized segment, a GRO/GSO super-frame counting as the
 * segments it carries (one ACK per super-frame at least), the delayed-ACK
 * timer for a lone segment, and a pure window update after a read only
 * when the window offered had fallen to half of what could be offered.
 *
 * Read first: RFC 1122 §4.2.3.2 (when to send an ACK), RFC 9293
 * §3.8.6.2.2 (receiver SWS avoidance), RFC 7323 §3.2 (the timestamp
 * option, which makes a full segment 12 bytes shorter than the MSS).
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_ackpolicy(void);

#define SUPER_MAX	(8 * MSS)	/* the largest super-frame built here */
#define TSOPT		12		/* RFC 7323 §3.2: 10 bytes + 2 NOPs */

static uint8_t payload[SUPER_MAX];

/* The peer sends len bytes at seq in one frame (a super-frame when len is
 * more than one MSS, as a GRO device hands it over), with a timestamp
 * option when ts. */
static void
peer_sends_big(xt_seq_t seq, size_t len, int ts)
{
	static uint8_t buf[SUPER_MAX + 256];
	struct xt_test_frame f;
	struct xt_tcp_repr r;
	size_t n;

	ck_assert_uint_le(len, SUPER_MAX);
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = seq;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	if (ts) {
		r.has_ts = 1;
		r.tsval = PEER_TSVAL + 1;
		r.tsecr = (uint32_t)(now / 1000) + sk->ts_offset;
	}
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	f.ip_frag = XT_IPV4_DF;
	r.sport = pport;
	r.dport = lport;
	n = xt_test_build_tcp(buf, sizeof(buf), &f, &r, payload, len);
	inject(buf, n);
}

static void
seg(unsigned i)
{
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + i * MSS, iss + 1, PEER_WIN,
	    payload, MSS);
}

START_TEST(ack_every_second_segment)
{
	/* RFC 1122 §4.2.3.2: an ACK for at least every second full-sized
	 * segment; Linux sends it for exactly every second one */
	unsigned i;

	tcb_established();
	no_quickack(sk);
	for (i = 0; i < 6; i += 2) {
		seg(i);
		expect_no_tx();
		seg(i + 1);
		expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + (i + 2) * MSS);
	}
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_delack"), 0);
	finish(1);
}
END_TEST

START_TEST(ack_per_super_frame)
{
	/* a super-frame of k full segments is k segments: its ACK goes at
	 * once, one ACK for the frame, never one per segment */
	unsigned k = 2 + (unsigned)_i;

	tcb_established();
	no_quickack(sk);
	peer_sends_big(PEER_ISS + 1, (size_t)k * MSS, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + k * MSS);
	peer_sends_big(PEER_ISS + 1 + k * MSS, (size_t)k * MSS, 0);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 2 * k * MSS);
	finish(1);
}
END_TEST

START_TEST(ack_per_super_frame_timestamps)
{
	/* Was a bug, fixed: with timestamps a full segment carries MSS - 12
	 * bytes, and a super-frame of two of them (2 * 1448) counted as one
	 * segment against the MSS: its ACK waited for the next frame or the
	 * delayed-ACK timer */
	size_t full = MSS - TSOPT;

	tcb_established_opts(1);
	no_quickack(sk);
	peer_sends_big(PEER_ISS + 1, 2 * full, 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 2 * full);
	/* one full segment alone still waits */
	peer_sends_big(PEER_ISS + 1 + 2 * full, full, 1);
	expect_no_tx();
	peer_sends_big(PEER_ISS + 1 + 3 * full, full, 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 4 * full);
	finish(1);
}
END_TEST

START_TEST(quick_acks_at_start)
{
	/* Linux starts a connection in quick-ACK mode (up to 16 segments
	 * ACKed one by one, TCP_MAX_QUICKACKS) so that the sender's slow
	 * start is not held back by delayed ACKs; then every second one */
	unsigned i;

	tcb_established();
	for (i = 0; i < 16; i++) {
		seg(i);
		expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + (i + 1) * MSS);
	}
	seg(16);
	expect_no_tx();
	seg(17);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 18 * MSS);
	finish(1);
}
END_TEST

START_TEST(delack_timer_lone_segment)
{
	/* RFC 1122 §4.2.3.2: a lone segment is ACKed within the delayed-ACK
	 * time, not before it (XTCP_DELACK_MS, 40 ms here as Linux's
	 * minimum) */
	uint64_t t0;

	tcb_established();
	no_quickack(sk);
	seg(0);
	expect_no_tx();
	t0 = now;
	advance_to(t0 + DELACK - 1);
	expect_no_tx();
	advance_to(t0 + DELACK);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_delack"), 1);
	/* a short segment counts as one too (Linux: any segment) */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + MSS, iss + 1, PEER_WIN,
	    payload, 100);
	expect_no_tx();
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + MSS + 100, iss + 1, PEER_WIN,
	    payload, 100);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + MSS + 200);
	finish(1);
}
END_TEST

static void
hook_rcvbuf_32(struct xtcp_config *c)
{
	c->rcvbuf = 32 * MSS;
	c->autotune = 0;
}

/* Read n bytes; they must all be there. */
static void
read_n(size_t n)
{
	static uint8_t b[32 * MSS];
	size_t got;

	ck_assert_int_eq(xtcp_recv(sk, now, b, n, 0, &got), XT_OK);
	ck_assert_uint_eq(got, n);
}

START_TEST(window_update_only_when_half_closed)
{
	/* Linux tcp_cleanup_rbuf: a read sends a pure window update only
	 * when the window offered is at most half of the largest and the
	 * one now possible at least doubles it.  Was a bug: every read of
	 * two segments or more sent one, so a streaming receiver reading
	 * 128 KB at a time sent half again as many ACKs as the data asked
	 * for */
	const struct xt_tcp_repr *th;
	int64_t w0;
	unsigned i;

	engine_with(hook_rcvbuf_32);
	tcb_established();
	no_quickack(sk);
	ck_assert_uint_eq(sk->rcv_scale, 0);
	for (i = 0; i < 10; i++)
		seg(i);
	tx_clear();
	w0 = xtcp_stats_get(eng, "tcp_snd_winupd");
	/* 22 of 32 segments offered: reading 4 is no news */
	read_n(4 * MSS);
	expect_no_tx();
	for (i = 10; i < 20; i++)
		seg(i);
	tx_clear();
	/* 16 of 32 offered (half): a read that does not double it, none */
	read_n(2 * MSS);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), w0);
	/* reading the rest doubles it: one update with the whole window */
	read_n(14 * MSS);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + 20 * MSS);
	ck_assert_uint_eq(th->win, 32 * MSS);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_snd_winupd"), w0 + 1);
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_ackpolicy(void)
{
	Suite *s = suite_create("tcp_ackpolicy");
	TCase *tc = tcase_create("ackpolicy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ack_every_second_segment);
	tcase_add_loop_test(tc, ack_per_super_frame, 0, 5);
	tcase_add_test(tc, ack_per_super_frame_timestamps);
	tcase_add_test(tc, quick_acks_at_start);
	tcase_add_test(tc, delack_timer_lone_segment);
	tcase_add_test(tc, window_update_only_when_half_closed);
	suite_add_tcase(s, tc);
	return (s);
}
