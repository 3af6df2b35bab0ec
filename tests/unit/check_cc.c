/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_cc.c - unit tests for the congestion-control modules
 * (tcp/tcp_cc.c, cc_newreno.c, cc_cubic.c, cc_none.c).
 *
 * No stack: a small harness holds an algorithm's private area and a
 * view, calls one hook, and copies the answer back into the view the way
 * the stack will.  The output struct is filled with garbage before each
 * call, so a hook that forgets to set a field fails the test.
 *
 * CUBIC expectations are RFC 9438 eq. 1 evaluated by hand (values in the
 * comments), with C = 0.4, beta = 0.7, MSS = 1000 bytes and an srtt of
 * 100 ms, so the target is W_cubic(t + 0.1 s).  An ACK that acknowledges
 * a whole cwnd moves cwnd by (target - cwnd) / cwnd per SMSS times cwnd,
 * i.e. straight to the target, which is what lets a test read W(t).
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp/tcp_cc.h"

Suite	*xt_suite_cc(void);

#define MSS	1000u
#define INF	XT_CC_SSTHRESH_INF
#define SEC	1000000ull

struct cc_h {
	const struct xt_cc_ops	*ops;
	union {
		uint8_t		b[XT_CC_PRIV_MAX];
		uint64_t	u;
		double		d;
	} priv;
	struct xt_cc_view	v;
};

static void
h_garbage(struct xt_cc_out *o)
{
	memset(o, 0xa5, sizeof(*o));
}

static void
h_apply(struct cc_h *h, const struct xt_cc_out *o)
{
	ck_assert_uint_ne(o->cwnd, 0xa5a5a5a5u);
	ck_assert_uint_ne(o->ssthresh, 0xa5a5a5a5u);
	h->v.cwnd = o->cwnd;
	h->v.ssthresh = o->ssthresh;
	h->v.in_slow_start = o->cwnd < o->ssthresh;
}

static void
h_init(struct cc_h *h, const struct xt_cc_ops *ops, uint32_t mss,
    uint32_t iw)
{
	struct xt_cc_out o;

	memset(h, 0, sizeof(*h));
	memset(&h->priv, 0x5a, sizeof(h->priv));	/* init must clear it */
	h->ops = ops;
	h->v.mss = mss;
	h->v.init_cwnd = iw;
	h->v.min_rtt_us = UINT32_MAX;
	h->v.cwnd_limited = 1;
	h_garbage(&o);
	ops->init(h->priv.b, &h->v, &o);
	h_apply(h, &o);
}

static void
h_ack(struct cc_h *h, uint32_t acked, uint64_t now)
{
	struct xt_cc_out o;

	h->v.acked_bytes = acked;
	h->v.now_us = now;
	h_garbage(&o);
	h->ops->on_ack(h->priv.b, &h->v, &o);
	h_apply(h, &o);
}

static void
h_cong(struct cc_h *h, enum xt_cc_signal sig)
{
	struct xt_cc_out o;

	h_garbage(&o);
	h->ops->on_congestion(h->priv.b, sig, &h->v, &o);
	h_apply(h, &o);
}

static void
h_idle(struct cc_h *h)
{
	struct xt_cc_out o;

	ck_assert_ptr_nonnull(h->ops->on_idle_restart);
	h_garbage(&o);
	h->ops->on_idle_restart(h->priv.b, &h->v, &o);
	h_apply(h, &o);
}

static void
h_recovery_exit(struct cc_h *h)
{
	struct xt_cc_out o;

	ck_assert_ptr_nonnull(h->ops->on_recovery_exit);
	h_garbage(&o);
	h->ops->on_recovery_exit(h->priv.b, &h->v, &o);
	h_apply(h, &o);
}

#define ck_assert_near(x, want, tol) do {				\
	int64_t d_ = (int64_t)(x) - (int64_t)(want);			\
	ck_assert_msg(d_ <= (tol) && d_ >= -(tol),			\
	    "%s = %lld, want %lld +- %d", #x, (long long)(x),		\
	    (long long)(want), (int)(tol));				\
} while (0)

/* ---- registry ---- */

START_TEST(registry_find)
{
	ck_assert_ptr_eq(xt_cc_find("reno"), &xt_cc_newreno);
	ck_assert_ptr_eq(xt_cc_find("cubic"), &xt_cc_cubic);
	ck_assert_ptr_eq(xt_cc_find("none"), &xt_cc_none);
	ck_assert_ptr_eq(xt_cc_find("newreno"), &xt_cc_newreno);
	ck_assert_ptr_eq(xt_cc_default(), &xt_cc_cubic);
	/* Unknown names: the caller turns NULL into ENOENT. */
	ck_assert_ptr_null(xt_cc_find("vegas"));
	ck_assert_ptr_null(xt_cc_find("bbr"));
	ck_assert_ptr_null(xt_cc_find("Reno"));
	ck_assert_ptr_null(xt_cc_find("cubic "));
	ck_assert_ptr_null(xt_cc_find("cubi"));
	ck_assert_ptr_null(xt_cc_find(""));
	ck_assert_ptr_null(xt_cc_find(NULL));
}
END_TEST

START_TEST(registry_names)
{
	char buf[128], *tok, *save;
	const struct xt_cc_ops *ops;
	int n = 0;

	ck_assert_str_eq(xt_cc_names(), "reno,cubic,none");
	ck_assert_uint_lt(strlen(xt_cc_names()), sizeof(buf));
	strcpy(buf, xt_cc_names());
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		ops = xt_cc_find(tok);
		ck_assert_ptr_nonnull(ops);
		ck_assert_str_eq(ops->name, tok);
		ck_assert_uint_lt(strlen(tok), XT_CC_NAME_MAX);
		n++;
	}
	ck_assert_int_eq(n, 3);
}
END_TEST

START_TEST(registry_ops_complete)
{
	const struct xt_cc_ops *all[] = { &xt_cc_newreno, &xt_cc_cubic,
	    &xt_cc_none };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ck_assert_ptr_nonnull(all[i]->name);
		ck_assert_ptr_nonnull(all[i]->init);
		ck_assert_ptr_nonnull(all[i]->on_ack);
		ck_assert_ptr_nonnull(all[i]->on_congestion);
		ck_assert_uint_le(all[i]->priv_size, XT_CC_PRIV_MAX);
	}
}
END_TEST

START_TEST(initial_window)
{
	struct xt_cc_view v;

	memset(&v, 0, sizeof(v));
	v.mss = 1460;
	v.init_cwnd = 4 * 1460;
	ck_assert_uint_eq(xt_cc_initial_window(&v), 4 * 1460);
	/* RFC 6928 §2 when the stack leaves it 0. */
	v.init_cwnd = 0;
	ck_assert_uint_eq(xt_cc_initial_window(&v), 14600);
	v.mss = 536;
	ck_assert_uint_eq(xt_cc_initial_window(&v), 5360);
	v.mss = 8960;
	ck_assert_uint_eq(xt_cc_initial_window(&v), 2 * 8960);
}
END_TEST

/* ---- NewReno ---- */

START_TEST(reno_init)
{
	struct cc_h h;

	h_init(&h, &xt_cc_newreno, 1460, 14600);
	ck_assert_uint_eq(h.v.cwnd, 14600);
	ck_assert_uint_eq(h.v.ssthresh, INF);
}
END_TEST

START_TEST(reno_slow_start)
{
	struct cc_h h;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h_ack(&h, MSS, 1);
	ck_assert_uint_eq(h.v.cwnd, 11 * MSS);
	h_ack(&h, 2 * MSS, 2);
	ck_assert_uint_eq(h.v.cwnd, 13 * MSS);
	/* RFC 3465 L = 2: a stretch ACK counts for at most 2 SMSS. */
	h_ack(&h, 7 * MSS, 3);
	ck_assert_uint_eq(h.v.cwnd, 15 * MSS);
	h_ack(&h, 300, 4);
	ck_assert_uint_eq(h.v.cwnd, 15 * MSS + 300);
	/* Growth stops at ssthresh. */
	h.v.ssthresh = 16 * MSS;
	h_ack(&h, 2 * MSS, 5);
	ck_assert_uint_eq(h.v.cwnd, 16 * MSS);
}
END_TEST

START_TEST(reno_cong_avoid_per_rtt)
{
	struct cc_h h;
	int rtt, i, n;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.ssthresh = 10 * MSS;
	/* Each RTT acknowledges one cwnd; cwnd grows by exactly one SMSS
	 * per RTT (RFC 5681 §3.1, byte counting). */
	for (rtt = 0; rtt < 5; rtt++) {
		n = (int)(h.v.cwnd / MSS);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(h.v.cwnd, (10u + rtt) * MSS);
			h_ack(&h, MSS, (uint64_t)rtt * 100000 + i);
		}
		ck_assert_uint_eq(h.v.cwnd, (11u + rtt) * MSS);
	}
	ck_assert_uint_eq(h.v.ssthresh, 10 * MSS);
}
END_TEST

START_TEST(reno_no_growth_app_limited)
{
	struct cc_h h;
	int i;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.cwnd_limited = 0;
	for (i = 0; i < 50; i++)
		h_ack(&h, MSS, i);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);		/* slow start */
	h.v.ssthresh = 10 * MSS;
	for (i = 0; i < 50; i++)
		h_ack(&h, MSS, 100 + i);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);		/* CA */
	/* In recovery on_ack changes nothing either. */
	h.v.cwnd_limited = 1;
	h.v.in_recovery = 1;
	h_ack(&h, 5 * MSS, 200);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);
	h.v.in_recovery = 0;
	for (i = 0; i < 10; i++)
		h_ack(&h, MSS, 300 + i);
	ck_assert_uint_eq(h.v.cwnd, 11 * MSS);
}
END_TEST

START_TEST(reno_loss_halves)
{
	struct cc_h h;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.cwnd = 40 * MSS;
	h.v.flight_bytes = 30 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	/* RFC 5681 eq. 4 uses FlightSize, not cwnd. */
	ck_assert_uint_eq(h.v.ssthresh, 15 * MSS);
	ck_assert_uint_eq(h.v.cwnd, 15 * MSS);
	/* Never below 2 SMSS. */
	h.v.flight_bytes = 3 * MSS;
	h_cong(&h, XT_CC_SIG_ECN);
	ck_assert_uint_eq(h.v.ssthresh, 2 * MSS);
	ck_assert_uint_eq(h.v.cwnd, 2 * MSS);
}
END_TEST

START_TEST(reno_recovery_exit_and_idle)
{
	struct cc_h h;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.cwnd = 40 * MSS;
	h.v.flight_bytes = 40 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	/* The stack inflates/PRRs during recovery; exit deflates. */
	h.v.cwnd = 27 * MSS;
	h_recovery_exit(&h);
	ck_assert_uint_eq(h.v.cwnd, 20 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 20 * MSS);
	/* RFC 5681 §4.1: restart window min(IW, cwnd); ssthresh keeps
	 * 3/4 of the old cwnd. */
	h.v.cwnd = 100 * MSS;
	h_idle(&h);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 75 * MSS);
	/* Below IW nothing changes. */
	h.v.cwnd = 6 * MSS;
	h_idle(&h);
	ck_assert_uint_eq(h.v.cwnd, 6 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 75 * MSS);
}
END_TEST

START_TEST(reno_rto_and_undo)
{
	struct cc_h h;

	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.cwnd = 40 * MSS;
	h.v.ssthresh = 30 * MSS;
	h.v.flight_bytes = 36 * MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	ck_assert_uint_eq(h.v.cwnd, MSS);		/* loss window */
	ck_assert_uint_eq(h.v.ssthresh, 18 * MSS);
	/* A second timeout of the same data holds ssthresh. */
	h.v.flight_bytes = MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	ck_assert_uint_eq(h.v.cwnd, MSS);
	ck_assert_uint_eq(h.v.ssthresh, 18 * MSS);
	/* F-RTO: the ACKs after the RTO grow cwnd, then the timeout is
	 * found spurious: back to the window before it. */
	h_ack(&h, MSS, 10);
	ck_assert_uint_eq(h.v.cwnd, 2 * MSS);
	h_cong(&h, XT_CC_SIG_RTO_SPURIOUS);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 30 * MSS);
	/* Used up: a second undo changes nothing. */
	h.v.cwnd = 12 * MSS;
	h_cong(&h, XT_CC_SIG_RTO_SPURIOUS);
	ck_assert_uint_eq(h.v.cwnd, 12 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 30 * MSS);
	/* An ECN reduction cannot be undone. */
	h.v.flight_bytes = 12 * MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	h_cong(&h, XT_CC_SIG_ECN);
	ck_assert_uint_eq(h.v.ssthresh, 6 * MSS);
	h_cong(&h, XT_CC_SIG_RTO_SPURIOUS);
	ck_assert_uint_eq(h.v.ssthresh, 6 * MSS);
	ck_assert_uint_eq(h.v.cwnd, 6 * MSS);
	/* An RTO during fast recovery keeps recovery's ssthresh, and the
	 * undo point from before recovery. */
	h_init(&h, &xt_cc_newreno, MSS, 10 * MSS);
	h.v.cwnd = 40 * MSS;
	h.v.flight_bytes = 40 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	ck_assert_uint_eq(h.v.ssthresh, 20 * MSS);
	h.v.in_recovery = 1;
	h.v.flight_bytes = 10 * MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	ck_assert_uint_eq(h.v.cwnd, MSS);
	ck_assert_uint_eq(h.v.ssthresh, 20 * MSS);
	h.v.in_recovery = 0;
	h_cong(&h, XT_CC_SIG_RTO_SPURIOUS);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, INF);
}
END_TEST

/* ---- none ---- */

START_TEST(none_fixed)
{
	struct cc_h h;

	h_init(&h, &xt_cc_none, MSS, 10 * MSS);
	ck_assert_uint_eq(h.v.cwnd, XT_CC_NONE_CWND);
	ck_assert_uint_eq(h.v.ssthresh, INF);
	h.v.flight_bytes = 500 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	h_cong(&h, XT_CC_SIG_RTO);
	h_ack(&h, 10 * MSS, 1);
	ck_assert_uint_eq(h.v.cwnd, XT_CC_NONE_CWND);
	ck_assert_uint_eq(h.v.ssthresh, INF);
}
END_TEST

/* ---- CUBIC ---- */

/* A CUBIC connection that had cwnd 100 segments at a loss: W_max = 100,
 * cwnd = ssthresh = 70 segments, K = cbrt(30 / 0.4) = 4.2171633 s. */
static void
cubic_after_loss(struct cc_h *h)
{
	h_init(h, &xt_cc_cubic, MSS, 10 * MSS);
	h->v.srtt_us = 100000;
	h->v.cwnd = 100 * MSS;
	h->v.flight_bytes = 100 * MSS;
	h_cong(h, XT_CC_SIG_DUPACK);
}

START_TEST(cubic_loss_beta)
{
	struct cc_h h;

	cubic_after_loss(&h);
	ck_assert_uint_eq(h.v.ssthresh, 70 * MSS);
	ck_assert_uint_eq(h.v.cwnd, 70 * MSS);
	/* ssthresh = max(0.7 cwnd, 2 SMSS), from cwnd (RFC 9438 §4.6). */
	h.v.cwnd = 2 * MSS;
	h.v.flight_bytes = 0;
	h_cong(&h, XT_CC_SIG_ECN);
	ck_assert_uint_eq(h.v.ssthresh, 2 * MSS);
	ck_assert_uint_eq(h.v.cwnd, 2 * MSS);
}
END_TEST

START_TEST(cubic_curve)
{
	/* W(t) = 0.4 (t + 0.1 - 4.2171633)^3 + 100 segments. */
	static const struct {
		uint64_t	t_us;
		uint32_t	want;
	} pts[] = {
		{ 1 * SEC, 87885 },	/* 0.4 * (-3.1171633)^3 = -12.1154 */
		{ 2 * SEC, 96204 },	/* 0.4 * (-2.1171633)^3 =  -3.7960 */
		{ 3 * SEC, 99442 },	/* 0.4 * (-1.1171633)^3 =  -0.5577 */
		{ 4 * SEC, 99999 },	/* 0.4 * (-0.1171633)^3 =  -0.0006 */
		{ 5 * SEC, 100275 },	/* 0.4 * ( 0.8828367)^3 =   0.2752 */
		{ 6 * SEC, 102670 },	/* 0.4 * ( 1.8828367)^3 =   2.6699 */
	};
	struct cc_h h;
	uint64_t t0 = 10 * SEC;
	size_t i;

	cubic_after_loss(&h);
	/* The first ACK in CA starts the epoch: t = 0 there. */
	h_ack(&h, MSS, t0);
	ck_assert_uint_ge(h.v.cwnd, 70 * MSS);
	ck_assert_uint_lt(h.v.cwnd, 70 * MSS + 100);
	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		h_ack(&h, h.v.cwnd, t0 + pts[i].t_us);
		ck_assert_near(h.v.cwnd, pts[i].want, 1);
	}
	ck_assert_uint_eq(h.v.ssthresh, 70 * MSS);
}
END_TEST

START_TEST(cubic_no_growth_app_limited)
{
	struct cc_h h;
	uint64_t t0 = 10 * SEC;
	uint32_t w;

	cubic_after_loss(&h);
	h_ack(&h, MSS, t0);
	w = h.v.cwnd;
	h.v.cwnd_limited = 0;
	h_ack(&h, w, t0 + SEC / 2);
	h_ack(&h, w, t0 + 3 * SEC);
	ck_assert_uint_eq(h.v.cwnd, w);
	/* RFC 9438 §5.8: the 5 s application-limited do not count, so
	 * t = 0.5 s: W(0.6) = 100 + 0.4 (0.6 - 4.2171633)^3 = 81.0694
	 * segments (without the shift it would be W(5.6) = 101.06). */
	h.v.cwnd_limited = 1;
	h_ack(&h, w, t0 + 5 * SEC + SEC / 2);
	ck_assert_near(h.v.cwnd, 81069, 1);
}
END_TEST

START_TEST(cubic_fast_convergence)
{
	struct cc_h h;
	uint64_t t0 = 10 * SEC, t1 = 100 * SEC;

	cubic_after_loss(&h);			/* W_max = 100 */
	/* A loss below W_max: W_max = 80 (1 + 0.7) / 2 = 68 segments,
	 * ssthresh = 56, K = cbrt((68 - 56) / 0.4) = 3.1072325 s. */
	h.v.cwnd = 80 * MSS;
	h.v.flight_bytes = 80 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	ck_assert_uint_eq(h.v.ssthresh, 56 * MSS);
	h_ack(&h, MSS, t0);
	/* W(1.1) = 68 + 0.4 (1.1 - 3.1072325)^3 = 64.7652 */
	h_ack(&h, h.v.cwnd, t0 + SEC);
	ck_assert_near(h.v.cwnd, 64765, 1);
	/* The plateau is at 68 segments, not at the 80 of the loss. */
	h_ack(&h, h.v.cwnd, t0 + 3007233);
	ck_assert_near(h.v.cwnd, 68000, 1);
	/* A loss above W_max: no fast convergence, W_max = 120 segments,
	 * ssthresh = 84, K = cbrt(36 / 0.4) = 4.4814047 s. */
	h.v.cwnd = 120 * MSS;
	h.v.flight_bytes = 120 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	ck_assert_uint_eq(h.v.ssthresh, 84 * MSS);
	h_ack(&h, MSS, t1);
	h_ack(&h, h.v.cwnd, t1 + 4381405);	/* t + RTT = K */
	ck_assert_near(h.v.cwnd, 120000, 1);
}
END_TEST

START_TEST(cubic_reno_friendly)
{
	struct cc_h h;
	uint64_t now = 10 * SEC;
	uint32_t before = 0;
	int r, i, n;

	/* Small BDP, 1 ms RTT: W_max = 20 segments, K = cbrt(15) =
	 * 2.466 s, so after 200 RTTs (0.2 s) W_cubic is only ~15.3
	 * segments, while the Reno estimate has grown ~1 segment per RTT
	 * (alpha_cubic = 0.53 up to cwnd_prior = 20, then 1). */
	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.srtt_us = 1000;
	h.v.cwnd = 20 * MSS;
	h.v.flight_bytes = 20 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	ck_assert_uint_eq(h.v.cwnd, 14 * MSS);
	for (r = 0; r < 200; r++) {
		before = h.v.cwnd;
		n = (int)(h.v.cwnd / MSS);
		for (i = 0; i < n; i++)
			h_ack(&h, MSS, now);
		now += 1000;
	}
	/* ~206 segments by the hand model; CUBIC alone would be ~15. */
	ck_assert_uint_ge(h.v.cwnd, 200 * MSS);
	ck_assert_uint_le(h.v.cwnd, 212 * MSS);
	/* Reno-like: about one SMSS in the last RTT. */
	ck_assert_uint_ge(h.v.cwnd - before, 900);
	ck_assert_uint_le(h.v.cwnd - before, 1100);
}
END_TEST

START_TEST(cubic_rto_and_undo)
{
	struct cc_h h;
	uint64_t t0 = 10 * SEC;

	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.srtt_us = 100000;
	h.v.cwnd = 100 * MSS;
	h.v.flight_bytes = 100 * MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	ck_assert_uint_eq(h.v.cwnd, MSS);
	ck_assert_uint_eq(h.v.ssthresh, 70 * MSS);
	h.v.flight_bytes = MSS;
	h_cong(&h, XT_CC_SIG_RTO);			/* backoff: held */
	ck_assert_uint_eq(h.v.cwnd, MSS);
	ck_assert_uint_eq(h.v.ssthresh, 70 * MSS);
	/* After the RTO slow start is plain RFC 3465 (L = 2). */
	h_ack(&h, 5 * MSS, t0);
	ck_assert_uint_eq(h.v.cwnd, 3 * MSS);
	h_cong(&h, XT_CC_SIG_RTO_SPURIOUS);
	ck_assert_uint_eq(h.v.cwnd, 100 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, INF);

	/* A real timeout: the first CA stage after it uses K = 0 and
	 * W_max = cwnd at its start (RFC 9438 §4.8). */
	h.v.flight_bytes = 100 * MSS;
	h_cong(&h, XT_CC_SIG_RTO);
	h.v.cwnd = 70 * MSS;			/* slow start regrew it */
	h_ack(&h, MSS, t0);
	/* t = 1: W_cubic(1) = 70.4 < W_est = 70.537: Reno-friendly. */
	h_ack(&h, h.v.cwnd, t0 + SEC);
	ck_assert_near(h.v.cwnd, 70537, 1);
	/* t = 3: W_cubic(3) = 80.8 > W_est; target W(3.1) = 70 +
	 * 0.4 * 3.1^3 = 81.9164 segments. */
	h_ack(&h, h.v.cwnd, t0 + 3 * SEC);
	ck_assert_near(h.v.cwnd, 81916, 1);
}
END_TEST

START_TEST(cubic_recovery_exit_and_idle)
{
	struct cc_h h;

	cubic_after_loss(&h);
	h.v.cwnd = 60 * MSS;		/* PRR brought it here */
	h_recovery_exit(&h);
	ck_assert_uint_eq(h.v.cwnd, 70 * MSS);
	h.v.cwnd = 90 * MSS;		/* 3/4 of it is below ssthresh */
	h_idle(&h);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 70 * MSS);
	h.v.cwnd = 200 * MSS;
	h_idle(&h);
	ck_assert_uint_eq(h.v.cwnd, 10 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, 150 * MSS);
}
END_TEST

/* ---- HyStart++ ---- */

/*
 * One round trip of a cwnd-limited sender: n = cwnd / MSS ACKs of one
 * segment each, all with the given RTT sample.  flight_bytes is what is
 * still outstanding after each ACK (the rest of this round plus what was
 * sent in reply to earlier ACKs of it), so at the round's first ACK it
 * is (n - 1) * MSS and the algorithm's round lines up with this one.
 * Stops early once slow start ends; returns the number of ACKs fed.
 */
static int
hs_round(struct cc_h *h, uint32_t rtt_us, uint64_t *now)
{
	uint32_t n, i, sent = 0, before;

	n = h->v.cwnd / MSS;
	for (i = 0; i < n; i++) {
		before = h->v.cwnd;
		h->v.flight_bytes = (n - i - 1) * MSS + sent;
		h->v.rtt_us = rtt_us;
		h_ack(h, MSS, *now);
		*now += rtt_us / n;
		sent += MSS + (h->v.cwnd - before);
		if (h->v.ssthresh != INF)
			return ((int)i + 1);
	}
	return ((int)n);
}

START_TEST(hystart_stays_without_rise)
{
	struct cc_h h;
	uint64_t now = SEC;

	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.srtt_us = 100000;
	hs_round(&h, 100000, &now);
	hs_round(&h, 100000, &now);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS);
	/* +12 ms is below RttThresh = clamp(100 / 8, 4, 16) = 12.5 ms. */
	hs_round(&h, 112000, &now);
	ck_assert_uint_eq(h.v.cwnd, 80 * MSS);
	hs_round(&h, 112000, &now);
	ck_assert_uint_eq(h.v.cwnd, 160 * MSS);
	ck_assert_uint_eq(h.v.ssthresh, INF);
}
END_TEST

START_TEST(hystart_exits_on_rise)
{
	struct cc_h h;
	uint64_t now = SEC;
	int r, acks;

	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.srtt_us = 100000;
	hs_round(&h, 100000, &now);
	hs_round(&h, 100000, &now);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS);
	/* +13 ms >= 12.5 ms: after N_RTT_SAMPLE = 8 samples of this
	 * round, CSS: the other 32 ACKs grow cwnd by MSS / 4 each. */
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS + 8 * MSS + 32 * MSS / 4);
	ck_assert_uint_eq(h.v.ssthresh, INF);
	/* CSS rounds: growth / 4 (56 -> 70 -> 87.5 -> 109.25 -> 136.5). */
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 70000);
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 87500);
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 109250);
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 136500);
	ck_assert_uint_eq(h.v.ssthresh, INF);
	/* CSS_ROUNDS = 5 rounds in CSS (the one it began in and four
	 * more) are complete when the next begins: congestion avoidance,
	 * ssthresh = cwnd. */
	acks = 0;
	for (r = 0; r < 3 && h.v.ssthresh == INF; r++)
		acks = hs_round(&h, 113000, &now);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(acks, 1);
	ck_assert_uint_eq(h.v.ssthresh, 136750);
	ck_assert_uint_eq(h.v.cwnd, 136750);
}
END_TEST

START_TEST(hystart_css_spurious)
{
	struct cc_h h;
	uint64_t now = SEC;

	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.srtt_us = 100000;
	hs_round(&h, 100000, &now);
	hs_round(&h, 100000, &now);
	hs_round(&h, 113000, &now);
	ck_assert_uint_eq(h.v.cwnd, 56000);
	/* The RTT falls below the CSS baseline: back to slow start after
	 * 8 samples (8 ACKs at MSS / 4, 48 at MSS). */
	hs_round(&h, 105000, &now);
	ck_assert_uint_eq(h.v.cwnd, 56000 + 8 * 250 + 48 * MSS);
	hs_round(&h, 105000, &now);
	ck_assert_uint_eq(h.v.cwnd, 2 * 106000);
	ck_assert_uint_eq(h.v.ssthresh, INF);
}
END_TEST

START_TEST(hystart_min_threshold)
{
	struct cc_h h;
	uint64_t now = SEC;

	/* 10 ms path: 10 / 8 = 1.25 ms, clamped up to 4 ms. */
	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	hs_round(&h, 10000, &now);
	hs_round(&h, 10000, &now);
	hs_round(&h, 13999, &now);
	ck_assert_uint_eq(h.v.cwnd, 80 * MSS);
	hs_round(&h, 17998, &now);
	ck_assert_uint_eq(h.v.cwnd, 160 * MSS);	/* 17.998 < 13.999 + 4 */

	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	hs_round(&h, 10000, &now);
	hs_round(&h, 10000, &now);
	hs_round(&h, 14000, &now);
	ck_assert_uint_eq(h.v.cwnd, 40 * MSS + 8 * MSS + 32 * 250);
}
END_TEST

START_TEST(hystart_limits)
{
	struct cc_h h;
	uint64_t now = SEC;

	/* RFC 9406 L = 8 for a sender that does not pace. */
	h_init(&h, &xt_cc_cubic, MSS, 10 * MSS);
	h.v.flight_bytes = 10 * MSS;
	h_ack(&h, 20 * MSS, now);
	ck_assert_uint_eq(h.v.cwnd, 18 * MSS);
	/* No growth while application-limited. */
	h.v.cwnd_limited = 0;
	h_ack(&h, MSS, now);
	ck_assert_uint_eq(h.v.cwnd, 18 * MSS);
	/* Not after a loss: ssthresh is finite, HyStart++ is over. */
	h.v.cwnd_limited = 1;
	h.v.flight_bytes = 18 * MSS;
	h_cong(&h, XT_CC_SIG_DUPACK);
	ck_assert_uint_eq(h.v.ssthresh, 12600);
}
END_TEST

Suite *
xt_suite_cc(void)
{
	Suite *s = suite_create("cc");
	TCase *tc;

	tc = tcase_create("registry");
	tcase_add_test(tc, registry_find);
	tcase_add_test(tc, registry_names);
	tcase_add_test(tc, registry_ops_complete);
	tcase_add_test(tc, initial_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("newreno");
	tcase_add_test(tc, reno_init);
	tcase_add_test(tc, reno_slow_start);
	tcase_add_test(tc, reno_cong_avoid_per_rtt);
	tcase_add_test(tc, reno_no_growth_app_limited);
	tcase_add_test(tc, reno_loss_halves);
	tcase_add_test(tc, reno_recovery_exit_and_idle);
	tcase_add_test(tc, reno_rto_and_undo);
	suite_add_tcase(s, tc);

	tc = tcase_create("none");
	tcase_add_test(tc, none_fixed);
	suite_add_tcase(s, tc);

	tc = tcase_create("cubic");
	tcase_add_test(tc, cubic_loss_beta);
	tcase_add_test(tc, cubic_curve);
	tcase_add_test(tc, cubic_no_growth_app_limited);
	tcase_add_test(tc, cubic_fast_convergence);
	tcase_add_test(tc, cubic_reno_friendly);
	tcase_add_test(tc, cubic_rto_and_undo);
	tcase_add_test(tc, cubic_recovery_exit_and_idle);
	suite_add_tcase(s, tc);

	tc = tcase_create("hystart");
	tcase_add_test(tc, hystart_stays_without_rise);
	tcase_add_test(tc, hystart_exits_on_rise);
	tcase_add_test(tc, hystart_css_spurious);
	tcase_add_test(tc, hystart_min_threshold);
	tcase_add_test(tc, hystart_limits);
	suite_add_tcase(s, tc);
	return (s);
}
