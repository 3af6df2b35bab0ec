/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_sack.c - unit tests for the sender's SACK scoreboard
 * (tcp/tcp_sack.c): block bookkeeping (RFC 2018 §3-4, RFC 2883 §4),
 * the RFC 6675 queries IsLost(), SetPipe() and NextSeg() (§4), and the
 * records of retransmissions in flight that RACK (RFC 8985) reads.
 *
 * All expected values are worked out by hand; the sequence numbers are
 * chosen with mss 1000 so that every hole and block is a round number.
 * The comment above each group of assertions gives the arithmetic.  The
 * IsLost(), SetPipe() and NextSeg() scenarios, which differ only in their
 * blocks, retransmissions and expected answers, are tables of steps that
 * sb_run() executes, one loop test per table.
 */
#include <stdint.h>

#include <check.h>

#include "xt_err.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

Suite	*xt_suite_sack(void);

#define MSS	1000u
/* 2^32 - 2000: a send window starting here wraps after 2000 octets */
#define WRAP_UNA	((xt_seq_t)0xfffff830u)

#define EXPECT_BLK(sb, k, s, e) do {					\
	ck_assert_uint_gt((sb)->n, (k));				\
	ck_assert_uint_eq((sb)->b[(k)].start, (s));			\
	ck_assert_uint_eq((sb)->b[(k)].end, (e));			\
} while (0)

#define EXPECT_RTX(sb, k, s, e, t, l) do {				\
	ck_assert_uint_gt((sb)->nr, (k));				\
	ck_assert_uint_eq((sb)->r[(k)].start, (s));			\
	ck_assert_uint_eq((sb)->r[(k)].end, (e));			\
	ck_assert_uint_eq((sb)->r[(k)].t_us, (t));			\
	ck_assert_int_eq((sb)->r[(k)].lost, (l));			\
} while (0)

/* fn (xt_sack_next_lost or xt_sack_rescue) offers [s, s + l) */
#define EXPECT_SEG(fn, sb, una, max, mss, s, l) do {			\
	xt_seq_t gs_ = 0;						\
	uint32_t gl_ = 0;						\
									\
	ck_assert_int_eq(fn((sb), (una), (max), (mss), &gs_, &gl_), 1);	\
	ck_assert_uint_eq(gs_, (s));					\
	ck_assert_uint_eq(gl_, (l));					\
} while (0)

/* fn offers nothing */
#define EXPECT_NO_SEG(fn, sb, una, max, mss) do {			\
	xt_seq_t gs_ = 0;						\
	uint32_t gl_ = 0;						\
									\
	ck_assert_int_eq(fn((sb), (una), (max), (mss), &gs_, &gl_), 0);	\
} while (0)

#define EXPECT_NEXT(sb, una, max, mss, s, l)				\
	EXPECT_SEG(xt_sack_next_lost, sb, una, max, mss, s, l)
#define EXPECT_NO_NEXT(sb, una, max, mss)				\
	EXPECT_NO_SEG(xt_sack_next_lost, sb, una, max, mss)
#define EXPECT_RESCUE(sb, una, max, mss, s, l)				\
	EXPECT_SEG(xt_sack_rescue, sb, una, max, mss, s, l)
#define EXPECT_NO_RESCUE(sb, una, max, mss)				\
	EXPECT_NO_SEG(xt_sack_rescue, sb, una, max, mss)

static void
sb_init(struct xt_scoreboard *sb, uint32_t max)
{
	ck_assert_int_eq(xt_sack_init(sb, NULL, max), XT_OK);
	ck_assert_uint_eq(sb->n, 0);
	ck_assert_uint_eq(sb->nr, 0);
	ck_assert_uint_eq(sb->dupthresh, XT_SACK_DUPTHRESH);
}

/* One ACK carrying the single SACK block [s, e). */
static uint32_t
sack1(struct xt_scoreboard *sb, xt_seq_t una, xt_seq_t max, xt_seq_t s,
    xt_seq_t e)
{
	uint32_t blk[1][2];

	blk[0][0] = s;
	blk[0][1] = e;
	return (xt_sack_update(sb, una, max, (const uint32_t (*)[2])blk, 1));
}

/* Three SACK blocks of 1000 octets: [4000,5000) [6000,7000) [8000,9000),
 * with snd_una 1000 and snd_max 11000. */
static void
sb_three(struct xt_scoreboard *sb)
{
	static const uint32_t blk[][2] = {
		{ 8000, 9000 }, { 6000, 7000 }, { 4000, 5000 }
	};

	ck_assert_uint_eq(xt_sack_update(sb, 1000, 11000, blk, 3), 3000);
	ck_assert_uint_eq(sb->n, 3);
}

/* ---- scenarios as tables: a scoreboard, then one step after another ---- */

/*
 * The IsLost(), SetPipe() and NextSeg() tests are each a scoreboard of
 * max blocks and a list of steps: change the scoreboard (a SACK, a
 * retransmission, RACK's lost_end), then ask a query and assert its
 * answer.  sb_run() executes a case; a failure names the case and the
 * step.  The arguments of a step are a..e, in the order of the call.
 */
enum sb_op {
	SB_END = 0,
	SB_SACK,	/* sack1(sb, a, b, c, d) returns e */
	SB_THREE,	/* sb_three() */
	SB_CLEAR,	/* xt_sack_clear() */
	SB_ADVANCE,	/* xt_sack_advance(sb, a) */
	SB_LOST_END,	/* sb.lost_end = a */
	SB_LOST_VALID,	/* sb.lost_valid = a */
	SB_DUPTHRESH,	/* sb.dupthresh = a */
	SB_RESCUE_RXT,	/* sb.rescue_rxt = a */
	SB_RTX,		/* xt_sack_rtx_sent(sb, a, b, c) */
	SB_MARK,	/* xt_sack_rtx_mark(sb, a) returns e */
	SB_N,		/* sb.n is e */
	SB_NR,		/* sb.nr is e */
	SB_EXPECT_RTX,	/* EXPECT_RTX(sb, a, b, c, d, e) */
	SB_ISLOST,	/* xt_sack_is_lost(sb, a, b) returns e */
	SB_PIPE,	/* xt_sack_pipe(sb, a, b, c) returns e */
	SB_NEXT,	/* EXPECT_NEXT(sb, a, b, c, d, e) */
	SB_NO_NEXT,	/* EXPECT_NO_NEXT(sb, a, b, c) */
	SB_RESCUE,	/* EXPECT_RESCUE(sb, a, b, c, d, e) */
	SB_NO_RESCUE	/* EXPECT_NO_RESCUE(sb, a, b, c) */
};

struct sb_step {
	enum sb_op	op;
	uint32_t	a, b, c, d, e;
};

/* One step each; the arguments are those of the call, the answer last. */
#define SACK1(una, max, s, e, want)	{ SB_SACK, una, max, s, e, want }
#define THREE				{ SB_THREE, 0, 0, 0, 0, 0 }
#define CLEAR				{ SB_CLEAR, 0, 0, 0, 0, 0 }
#define ADVANCE(una)			{ SB_ADVANCE, una, 0, 0, 0, 0 }
#define LOST_END(v)			{ SB_LOST_END, v, 0, 0, 0, 0 }
#define LOST_VALID(v)			{ SB_LOST_VALID, v, 0, 0, 0, 0 }
#define DUPTHRESH(v)			{ SB_DUPTHRESH, v, 0, 0, 0, 0 }
#define RESCUE_RXT(v)			{ SB_RESCUE_RXT, v, 0, 0, 0, 0 }
#define RTX_SENT(s, e, t)		{ SB_RTX, s, e, t, 0, 0 }
#define RTX_MARK(t, want)		{ SB_MARK, t, 0, 0, 0, want }
#define N_IS(want)			{ SB_N, 0, 0, 0, 0, want }
#define NR_IS(want)			{ SB_NR, 0, 0, 0, 0, want }
#define RTX_IS(k, s, e, t, lost)	{ SB_EXPECT_RTX, k, s, e, t, lost }
#define IS_LOST(seq, mss, want)		{ SB_ISLOST, seq, mss, 0, 0, want }
#define PIPE(una, max, mss, want)	{ SB_PIPE, una, max, mss, 0, want }
#define NEXT(una, max, mss, s, l)	{ SB_NEXT, una, max, mss, s, l }
#define NO_NEXT(una, max, mss)		{ SB_NO_NEXT, una, max, mss, 0, 0 }
#define RESCUE(una, max, mss, s, l)	{ SB_RESCUE, una, max, mss, s, l }
#define NO_RESCUE(una, max, mss)	{ SB_NO_RESCUE, una, max, mss, 0, 0 }

#define SB_STEPS	16

struct sb_case {
	const char	*name;		/* the test it was */
	uint32_t	max;		/* xt_sack_init()'s block count */
	struct sb_step	step[SB_STEPS];	/* up to an SB_END (zeroes) */
};

#define STEP_EQ(tc, k, what, got, want)					\
	ck_assert_msg((uint64_t)(got) == (uint64_t)(want),		\
	    "%s step %u: %s is %llu, want %llu", (tc)->name, (k), (what),\
	    (unsigned long long)(got), (unsigned long long)(want))

static void
sb_run(const struct sb_case *tc)
{
	struct xt_scoreboard sb;
	const struct sb_step *st;
	xt_seq_t gs;
	uint32_t gl;
	unsigned k;
	int r;

	sb_init(&sb, tc->max);
	for (k = 0; k < SB_STEPS && tc->step[k].op != SB_END; k++) {
		st = &tc->step[k];
		switch (st->op) {
		case SB_SACK:
			STEP_EQ(tc, k, "sack1", sack1(&sb, st->a, st->b, st->c,
			    st->d), st->e);
			break;
		case SB_THREE:
			sb_three(&sb);
			break;
		case SB_CLEAR:
			xt_sack_clear(&sb);
			break;
		case SB_ADVANCE:
			xt_sack_advance(&sb, st->a);
			break;
		case SB_LOST_END:
			sb.lost_end = st->a;
			break;
		case SB_LOST_VALID:
			sb.lost_valid = (int)st->a;
			break;
		case SB_DUPTHRESH:
			sb.dupthresh = st->a;
			break;
		case SB_RESCUE_RXT:
			sb.rescue_rxt = st->a;
			break;
		case SB_RTX:
			xt_sack_rtx_sent(&sb, st->a, st->b, st->c);
			break;
		case SB_MARK:
			STEP_EQ(tc, k, "rtx_mark", xt_sack_rtx_mark(&sb, st->a),
			    st->e);
			break;
		case SB_N:
			STEP_EQ(tc, k, "n", sb.n, st->e);
			break;
		case SB_NR:
			STEP_EQ(tc, k, "nr", sb.nr, st->e);
			break;
		case SB_EXPECT_RTX:
			ck_assert_msg(sb.nr > st->a, "%s step %u: no record %u",
			    tc->name, k, st->a);
			STEP_EQ(tc, k, "start", sb.r[st->a].start, st->b);
			STEP_EQ(tc, k, "end", sb.r[st->a].end, st->c);
			STEP_EQ(tc, k, "t_us", sb.r[st->a].t_us, st->d);
			STEP_EQ(tc, k, "lost", sb.r[st->a].lost, st->e);
			break;
		case SB_ISLOST:
			STEP_EQ(tc, k, "is_lost", xt_sack_is_lost(&sb, st->a,
			    st->b), st->e);
			break;
		case SB_PIPE:
			STEP_EQ(tc, k, "pipe", xt_sack_pipe(&sb, st->a, st->b,
			    st->c), st->e);
			break;
		case SB_NEXT:
		case SB_NO_NEXT:
		case SB_RESCUE:
		case SB_NO_RESCUE:
			gs = 0;
			gl = 0;
			if (st->op == SB_NEXT || st->op == SB_NO_NEXT)
				r = xt_sack_next_lost(&sb, st->a, st->b, st->c,
				    &gs, &gl);
			else
				r = xt_sack_rescue(&sb, st->a, st->b, st->c,
				    &gs, &gl);
			if (st->op == SB_NO_NEXT || st->op == SB_NO_RESCUE) {
				STEP_EQ(tc, k, "offers", r, 0);
				break;
			}
			STEP_EQ(tc, k, "offers", r, 1);
			STEP_EQ(tc, k, "seq", gs, st->d);
			STEP_EQ(tc, k, "len", gl, st->e);
			break;
		default:
			ck_abort_msg("%s step %u: bad op %d", tc->name, k,
			    (int)st->op);
		}
	}
	xt_sack_free(&sb);
}

#define NCASES(t)	((int)(sizeof(t) / sizeof((t)[0])))

/* ---- xt_sack_update: RFC 2018 blocks into the scoreboard ---- */

START_TEST(sack_update_insert)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_high(&sb, 1000), 1000);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 3000, 4000), 1000);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 6000, 7000), 1000);
	/* a lower block goes in front: the table stays sorted */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 1500, 2000), 500);
	ck_assert_uint_eq(sb.n, 3);
	EXPECT_BLK(&sb, 0, 1500, 2000);
	EXPECT_BLK(&sb, 1, 3000, 4000);
	EXPECT_BLK(&sb, 2, 6000, 7000);
	ck_assert_uint_eq(sb.sacked_bytes, 2500);
	ck_assert_uint_eq(xt_sack_high(&sb, 1000), 7000);
	/* the same block again is nothing new */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 3000, 4000), 0);
	ck_assert_uint_eq(sb.n, 3);
	ck_assert_uint_eq(sb.dsacks, 0);
	ck_assert_uint_eq(sb.overflows, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_merge)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 3000, 4000), 1000);
	/* overlapping on the right: [4000,4500) is new */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 3500, 4500), 500);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 3000, 4500);
	/* adjacent on the right and on the left merge too */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 4500, 5000), 500);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 2000, 3000), 1000);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 2000, 5000);
	/* [2000,5000) [6000,7000) [8000,9000); then [4000,8000) bridges
	 * all three: new octets [5000,6000) + [7000,8000) = 2000 */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 6000, 7000), 1000);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 8000, 9000), 1000);
	ck_assert_uint_eq(sb.n, 3);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 4000, 8000), 2000);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 2000, 9000);
	ck_assert_uint_eq(sb.sacked_bytes, 7000);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_multi)
{
	/* RFC 2018 §4: the most recently received block first */
	static const uint32_t blk[][2] = {
		{ 5000, 6000 }, { 3000, 4000 }, { 7000, 8000 }
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, blk, 3), 3000);
	ck_assert_uint_eq(sb.n, 3);
	EXPECT_BLK(&sb, 0, 3000, 4000);
	EXPECT_BLK(&sb, 1, 5000, 6000);
	EXPECT_BLK(&sb, 2, 7000, 8000);
	ck_assert_uint_eq(sb.sacked_bytes, 3000);
	ck_assert_uint_eq(sb.dsacks, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_outside)
{
	/* snd_una 1000, snd_max 5000; the first block is valid so that
	 * none of the others is taken for a D-SACK */
	static const uint32_t blk[][2] = {
		{ 2000, 3000 },		/* stored */
		{ 500, 900 },		/* below snd_una: ignored */
		{ 4000, 6000 },		/* beyond snd_max: ignored */
		{ 5000, 5500 },		/* all beyond snd_max */
	};
	static const uint32_t strad[][2] = {
		{ 4000, 5000 },		/* ends at snd_max: fine */
		{ 800, 1500 },		/* straddles snd_una: [1000,1500) */
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 5000, blk, 4), 1000);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 2000, 3000);
	ck_assert_uint_eq(sb.dsacks, 0);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 5000, strad, 2), 1500);
	ck_assert_uint_eq(sb.n, 3);
	EXPECT_BLK(&sb, 0, 1000, 1500);
	EXPECT_BLK(&sb, 1, 2000, 3000);
	EXPECT_BLK(&sb, 2, 4000, 5000);
	ck_assert_uint_eq(sb.dsacks, 0);
	ck_assert_uint_eq(sb.overflows, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_inverted)
{
	static const uint32_t blk[][2] = {
		{ 900, 500 },		/* inverted, below snd_una */
		{ 3000, 2000 },		/* inverted */
		{ 3000, 3000 },		/* empty */
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, blk, 3), 0);
	ck_assert_uint_eq(sb.n, 0);
	ck_assert_uint_eq(sb.sacked_bytes, 0);
	/* an inverted first block is no D-SACK either */
	ck_assert_uint_eq(sb.dsacks, 0);
	ck_assert_uint_eq(sb.overflows, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_dsack_below)
{
	static const uint32_t two[][2] = {
		{ 3000, 3500 }, { 5000, 5500 }
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	/* RFC 2883 §4.1.1: ACK 4000 with SACK 3000-3500 reports a
	 * duplicate below the cumulative ACK */
	ck_assert_uint_eq(sack1(&sb, 4000, 6000, 3000, 3500), 0);
	ck_assert_uint_eq(sb.dsacks, 1);
	ck_assert_uint_eq(sb.n, 0);
	/* ending exactly at snd_una ("at or below") */
	ck_assert_uint_eq(sack1(&sb, 4000, 6000, 3500, 4000), 0);
	ck_assert_uint_eq(sb.dsacks, 2);
	ck_assert_uint_eq(sb.n, 0);
	/* a D-SACK followed by an ordinary block: only the latter stays */
	ck_assert_uint_eq(xt_sack_update(&sb, 4000, 6000, two, 2), 500);
	ck_assert_uint_eq(sb.dsacks, 3);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 5000, 5500);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_dsack_inside)
{
	/* RFC 2883 §4.1.2 shape: ACK 1000, SACK 3000-3500, 3000-5000 */
	static const uint32_t dup[][2] = {
		{ 3000, 3500 }, { 3000, 5000 }
	};
	/* a duplicate in a later block is not recognised */
	static const uint32_t late[][2] = {
		{ 6000, 7000 }, { 3000, 3500 }
	};
	/* a first block sticking out of the second is ordinary */
	static const uint32_t out[][2] = {
		{ 2500, 3500 }, { 3000, 5000 }
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, dup, 2), 2000);
	ck_assert_uint_eq(sb.dsacks, 1);
	ck_assert_uint_eq(sb.n, 1);
	EXPECT_BLK(&sb, 0, 3000, 5000);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, late, 2), 1000);
	ck_assert_uint_eq(sb.dsacks, 1);
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, out, 2), 500);
	ck_assert_uint_eq(sb.dsacks, 1);
	ck_assert_uint_eq(sb.n, 2);
	EXPECT_BLK(&sb, 0, 2500, 5000);
	EXPECT_BLK(&sb, 1, 6000, 7000);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_update_overflow)
{
	static const uint32_t two[][2] = {
		{ 8000, 9000 }, { 1500, 1800 }
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 2);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 2000, 3000), 1000);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 4000, 5000), 1000);
	/* a retransmission the dropped block would have covered */
	xt_sack_rtx_sent(&sb, 6000, 7000, 100);
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 6000, 7000), 0);
	ck_assert_uint_eq(sb.overflows, 1);
	ck_assert_uint_eq(sb.n, 2);
	ck_assert_uint_eq(sb.sacked_bytes, 2000);
	/* not stored, so its retransmission is not taken as delivered */
	ck_assert_uint_eq(sb.nr, 1);
	ck_assert_uint_eq(sb.rtx_delivered, 0);
	/* a block that merges needs no room */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 5000, 5500), 500);
	ck_assert_uint_eq(sb.overflows, 1);
	EXPECT_BLK(&sb, 1, 4000, 5500);
	/* two new blocks in one ACK: two overflows */
	ck_assert_uint_eq(xt_sack_update(&sb, 1000, 10000, two, 2), 0);
	ck_assert_uint_eq(sb.overflows, 3);
	ck_assert_uint_eq(sb.n, 2);
	ck_assert_uint_eq(sb.dsacks, 0);
	xt_sack_free(&sb);
}
END_TEST

/* ---- xt_sack_advance: the cumulative ACK moves ---- */

START_TEST(sack_advance_trim)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	sb_three(&sb);
	/* [4000,5000) goes entirely (end <= 5000) */
	xt_sack_advance(&sb, 5000);
	ck_assert_uint_eq(sb.n, 2);
	EXPECT_BLK(&sb, 0, 6000, 7000);
	ck_assert_uint_eq(sb.sacked_bytes, 2000);
	/* into a block: it is trimmed to [6500,7000) */
	xt_sack_advance(&sb, 6500);
	ck_assert_uint_eq(sb.n, 2);
	EXPECT_BLK(&sb, 0, 6500, 7000);
	EXPECT_BLK(&sb, 1, 8000, 9000);
	ck_assert_uint_eq(sb.sacked_bytes, 1500);
	ck_assert_uint_eq(xt_sack_high(&sb, 6500), 9000);
	/* past everything */
	xt_sack_advance(&sb, 9000);
	ck_assert_uint_eq(sb.n, 0);
	ck_assert_uint_eq(sb.sacked_bytes, 0);
	ck_assert_uint_eq(xt_sack_high(&sb, 9000), 9000);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_advance_lost_end)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	sb.lost_end = 3000;
	sb.lost_valid = 1;
	xt_sack_advance(&sb, 2999);
	ck_assert_int_eq(sb.lost_valid, 1);
	ck_assert_uint_eq(sb.lost_end, 3000);
	xt_sack_advance(&sb, 3000);
	ck_assert_int_eq(sb.lost_valid, 0);
	xt_sack_free(&sb);
}
END_TEST

/* ---- xt_sack_is_lost: RFC 6675 §4 IsLost() ---- */

static const struct sb_case islost_cases[] = {
	{ "sack_islost_blocks", 4, {
		/* three one-octet blocks: DupThresh blocks, but only 3
		 * bytes */
		SACK1(1000, 10000, 2000, 2001, 1),
		SACK1(1000, 10000, 3000, 3001, 1),
		SACK1(1000, 10000, 4000, 4001, 1),
		IS_LOST(1000, MSS, 1),
		IS_LOST(1999, MSS, 1),
		/* two blocks (2 bytes) above: not lost */
		IS_LOST(2001, MSS, 0),
		IS_LOST(3500, MSS, 0),
		/* nothing above the highest block */
		IS_LOST(5000, MSS, 0),
	} },
	{ "sack_islost_bytes", 4, {
		/* exactly (DupThresh - 1) * mss = 2000 bytes is not "more
		 * than" */
		SACK1(1000, 10000, 2000, 4000, 2000),
		IS_LOST(1000, MSS, 0),
		/* 2001 bytes in one block is */
		SACK1(1000, 10000, 4000, 4001, 1),
		N_IS(1),
		IS_LOST(1000, MSS, 1),
		IS_LOST(1999, MSS, 1),
		/* the same octets with a larger mss are not */
		IS_LOST(1000, 1460, 0),
		CLEAR,
		/* two blocks, 2000 bytes: neither rule */
		SACK1(1000, 10000, 2000, 3000, 1000),
		SACK1(1000, 10000, 4000, 5000, 1000),
		IS_LOST(1000, MSS, 0),
		/* one more octet, discontiguous: three blocks below 1000 */
		SACK1(1000, 10000, 6000, 6001, 1),
		IS_LOST(1000, MSS, 1),
		/* above 3000: two blocks, 1001 bytes */
		IS_LOST(3000, MSS, 0),
	} },
	{ "sack_islost_sacked", 8, {
		/* four blocks: every hole below the third is lost by
		 * blocks */
		THREE,
		SACK1(1000, 11000, 2000, 3000, 1000),
		LOST_END(11000),
		LOST_VALID(1),
		/* a SACKed octet is never lost, whatever lies above it */
		IS_LOST(2000, MSS, 0),
		IS_LOST(2999, MSS, 0),
		IS_LOST(4500, MSS, 0),
		IS_LOST(8999, MSS, 0),
		/* the octets just after a block are holes again */
		IS_LOST(3000, MSS, 1),
		IS_LOST(9000, MSS, 1),
	} },
	{ "sack_islost_lost_end", 4, {
		/* one block of 1000: IsLost() alone says nothing is lost */
		SACK1(1000, 10000, 2000, 3000, 1000),
		IS_LOST(1000, MSS, 0),
		/* RACK: holes below 4500 are lost, also above the highest
		 * block */
		LOST_END(4500),
		LOST_VALID(1),
		IS_LOST(1000, MSS, 1),
		IS_LOST(1999, MSS, 1),
		IS_LOST(2500, MSS, 0),
		IS_LOST(3000, MSS, 1),
		IS_LOST(4499, MSS, 1),
		IS_LOST(4500, MSS, 0),
		IS_LOST(9999, MSS, 0),
		/* lost_end only counts while lost_valid */
		LOST_VALID(0),
		IS_LOST(1000, MSS, 0),
		IS_LOST(3000, MSS, 0),
	} },
	{ "sack_islost_dupthresh", 8, {
		THREE,
		IS_LOST(1000, MSS, 1),
		/* DupThresh 5 (reordering seen): 3 blocks < 5 and
		 * 3000 bytes <= 4 * 1000 */
		DUPTHRESH(5),
		IS_LOST(1000, MSS, 0),
		/* five blocks are enough again */
		SACK1(1000, 13000, 10000, 10001, 1),
		IS_LOST(1000, MSS, 0),
		SACK1(1000, 13000, 12000, 12001, 1),
		IS_LOST(1000, MSS, 1),
		/* and in bytes: more than 4000 */
		CLEAR,
		SACK1(1000, 10000, 2000, 6000, 4000),
		IS_LOST(1000, MSS, 0),
		SACK1(1000, 10000, 6000, 6001, 1),
		IS_LOST(1000, MSS, 1),
	} },
};

START_TEST(sack_islost)
{
	sb_run(&islost_cases[_i]);
}
END_TEST

/* ---- retransmission records ---- */

START_TEST(sack_rtx_sorted)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	xt_sack_rtx_sent(&sb, 5000, 6000, 100);
	xt_sack_rtx_sent(&sb, 1000, 2000, 200);
	xt_sack_rtx_sent(&sb, 3000, 4000, 300);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 0, 1000, 2000, 200, 0);
	EXPECT_RTX(&sb, 1, 3000, 4000, 300, 0);
	EXPECT_RTX(&sb, 2, 5000, 6000, 100, 0);
	/* empty and inverted ranges are nothing */
	xt_sack_rtx_sent(&sb, 7000, 7000, 400);
	xt_sack_rtx_sent(&sb, 8000, 7000, 400);
	ck_assert_uint_eq(sb.nr, 3);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_merge)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	/* same instant, adjacent on the left */
	xt_sack_rtx_sent(&sb, 1000, 2000, 100);
	xt_sack_rtx_sent(&sb, 2000, 3000, 100);
	ck_assert_uint_eq(sb.nr, 1);
	EXPECT_RTX(&sb, 0, 1000, 3000, 100, 0);
	/* a range filling the gap joins both neighbours */
	xt_sack_rtx_sent(&sb, 4000, 5000, 100);
	ck_assert_uint_eq(sb.nr, 2);
	xt_sack_rtx_sent(&sb, 3000, 4000, 100);
	ck_assert_uint_eq(sb.nr, 1);
	EXPECT_RTX(&sb, 0, 1000, 5000, 100, 0);
	/* another instant stays apart */
	xt_sack_rtx_sent(&sb, 5000, 6000, 200);
	ck_assert_uint_eq(sb.nr, 2);
	EXPECT_RTX(&sb, 1, 5000, 6000, 200, 0);
	/* same instant, adjacent on the right */
	xt_sack_rtx_sent(&sb, 500, 1000, 100);
	ck_assert_uint_eq(sb.nr, 2);
	EXPECT_RTX(&sb, 0, 500, 5000, 100, 0);
	/* a record marked lost takes no new octets */
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 150), 1);
	xt_sack_rtx_sent(&sb, 400, 500, 100);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 0, 400, 500, 100, 0);
	EXPECT_RTX(&sb, 1, 500, 5000, 100, 1);
	/* while a live one still does */
	xt_sack_rtx_sent(&sb, 6000, 7000, 200);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 2, 5000, 7000, 200, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_overwrite)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	xt_sack_rtx_sent(&sb, 1000, 4000, 100);
	/* a later resend of the middle splits the record */
	xt_sack_rtx_sent(&sb, 2000, 3000, 200);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 0, 1000, 2000, 100, 0);
	EXPECT_RTX(&sb, 1, 2000, 3000, 200, 0);
	EXPECT_RTX(&sb, 2, 3000, 4000, 100, 0);
	/* [1500,3500) covers the tail of one, the whole of the next and
	 * the head of the third */
	xt_sack_rtx_sent(&sb, 1500, 3500, 300);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 0, 1000, 1500, 100, 0);
	EXPECT_RTX(&sb, 1, 1500, 3500, 300, 0);
	EXPECT_RTX(&sb, 2, 3500, 4000, 100, 0);
	/* RACK says the two sent at 100 are lost */
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 150), 2);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 999), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1000), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1499), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1500), 1);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 3499), 1);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 3500), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 4000), 0);
	/* resending a lost range replaces it with a live record */
	xt_sack_rtx_sent(&sb, 1000, 1500, 400);
	ck_assert_uint_eq(sb.nr, 3);
	EXPECT_RTX(&sb, 0, 1000, 1500, 400, 0);
	EXPECT_RTX(&sb, 1, 1500, 3500, 300, 0);
	EXPECT_RTX(&sb, 2, 3500, 4000, 100, 1);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1000), 1);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_mark_oldest)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 0);
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 1000), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1000), 0);
	xt_sack_rtx_sent(&sb, 1000, 2000, 100);
	xt_sack_rtx_sent(&sb, 3000, 4000, 300);
	xt_sack_rtx_sent(&sb, 5000, 6000, 200);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 100);
	/* RFC 8985 §6.2: marks what was sent at or before `before` */
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 99), 0);
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 200), 2);
	EXPECT_RTX(&sb, 0, 1000, 2000, 100, 1);
	EXPECT_RTX(&sb, 1, 3000, 4000, 300, 0);
	EXPECT_RTX(&sb, 2, 5000, 6000, 200, 1);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 300);
	/* already lost: not counted again */
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 200), 0);
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 300), 1);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 3500), 0);
	ck_assert_uint_eq(sb.nr, 3);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_delivered_sack)
{
	static const uint32_t two[][2] = {
		{ 3000, 4000 }, { 5000, 5500 }
	};
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	xt_sack_rtx_sent(&sb, 1000, 2000, 100);
	xt_sack_rtx_sent(&sb, 3000, 4000, 300);
	xt_sack_rtx_sent(&sb, 5000, 6000, 200);
	/* the tail of the first record arrives */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	ck_assert_uint_eq(sack1(&sb, 500, 10000, 1500, 2000), 500);
	ck_assert_uint_eq(sb.rtx_delivered, 500);
	ck_assert_uint_eq(sb.rtx_delivered_t, 100);
	EXPECT_RTX(&sb, 0, 1000, 1500, 100, 0);
	/* the whole second and the head of the third: 1000 + 500 bytes,
	 * newest time max(300, 200) */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	ck_assert_uint_eq(xt_sack_update(&sb, 500, 10000, two, 2), 1500);
	ck_assert_uint_eq(sb.rtx_delivered, 1500);
	ck_assert_uint_eq(sb.rtx_delivered_t, 300);
	ck_assert_uint_eq(sb.nr, 2);
	EXPECT_RTX(&sb, 0, 1000, 1500, 100, 0);
	EXPECT_RTX(&sb, 1, 5500, 6000, 200, 0);
	/* octets never retransmitted deliver no retransmission */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	ck_assert_uint_eq(sack1(&sb, 500, 10000, 7000, 8000), 1000);
	ck_assert_uint_eq(sb.rtx_delivered, 0);
	ck_assert_uint_eq(sb.rtx_delivered_t, 0);
	/* nor does a block reported again */
	ck_assert_uint_eq(sack1(&sb, 500, 10000, 3000, 4000), 0);
	ck_assert_uint_eq(sb.rtx_delivered, 0);
	ck_assert_uint_eq(sb.nr, 2);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_delivered_split)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	xt_sack_rtx_sent(&sb, 1000, 4000, 100);
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	/* a SACK strictly inside the record splits it */
	ck_assert_uint_eq(sack1(&sb, 1000, 10000, 2000, 3000), 1000);
	ck_assert_uint_eq(sb.rtx_delivered, 1000);
	ck_assert_uint_eq(sb.rtx_delivered_t, 100);
	ck_assert_uint_eq(sb.nr, 2);
	EXPECT_RTX(&sb, 0, 1000, 2000, 100, 0);
	EXPECT_RTX(&sb, 1, 3000, 4000, 100, 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1999), 1);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 2500), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 3000), 1);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_delivered_advance)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	xt_sack_rtx_sent(&sb, 1000, 2000, 100);
	xt_sack_rtx_sent(&sb, 3000, 4000, 200);
	xt_sack_rtx_sent(&sb, 5000, 6000, 50);
	/* ACK 3500: all of the first, half of the second */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	xt_sack_advance(&sb, 3500);
	ck_assert_uint_eq(sb.rtx_delivered, 1500);
	ck_assert_uint_eq(sb.rtx_delivered_t, 200);
	ck_assert_uint_eq(sb.nr, 2);
	EXPECT_RTX(&sb, 0, 3500, 4000, 200, 0);
	EXPECT_RTX(&sb, 1, 5000, 6000, 50, 0);
	/* the same ACK again delivers nothing */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	xt_sack_advance(&sb, 3500);
	ck_assert_uint_eq(sb.rtx_delivered, 0);
	ck_assert_uint_eq(sb.rtx_delivered_t, 0);
	ck_assert_uint_eq(sb.nr, 2);
	/* ACK 5000 ends at the third record, which stays */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	xt_sack_advance(&sb, 5000);
	ck_assert_uint_eq(sb.rtx_delivered, 500);
	ck_assert_uint_eq(sb.rtx_delivered_t, 200);
	ck_assert_uint_eq(sb.nr, 1);
	EXPECT_RTX(&sb, 0, 5000, 6000, 50, 0);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_rtx_full)
{
	struct xt_scoreboard sb;
	uint32_t k;

	/* max 2 blocks: 4 * 2 = 8 records */
	sb_init(&sb, 2);
	ck_assert_uint_eq(sb.rmax, 8);
	for (k = 1; k <= 8; k++)
		xt_sack_rtx_sent(&sb, 1000 * k, 1000 * k + 100, 10 * k);
	ck_assert_uint_eq(sb.nr, 8);
	/* full: [1500,1600) stretches its left neighbour [1000,1100) */
	xt_sack_rtx_sent(&sb, 1500, 1600, 500);
	ck_assert_uint_eq(sb.nr, 8);
	EXPECT_RTX(&sb, 0, 1000, 1600, 500, 0);
	EXPECT_RTX(&sb, 1, 2000, 2100, 20, 0);
	/* with no left neighbour, the first record stretches down */
	xt_sack_rtx_sent(&sb, 500, 600, 600);
	ck_assert_uint_eq(sb.nr, 8);
	EXPECT_RTX(&sb, 0, 500, 1600, 600, 0);
	/* the stretched record is live again, with the newest time */
	ck_assert_uint_eq(xt_sack_rtx_mark(&sb, 600), 8);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 0);
	xt_sack_rtx_sent(&sb, 8500, 8600, 700);
	ck_assert_uint_eq(sb.nr, 8);
	EXPECT_RTX(&sb, 7, 8000, 8600, 700, 0);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 700);
	/* a cut strictly inside with no room to split: the upper part of
	 * [2000,2100) is forgotten, [2040,2060) counted as delivered */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	ck_assert_uint_eq(sack1(&sb, 500, 10000, 2040, 2060), 20);
	ck_assert_uint_eq(sb.nr, 8);
	EXPECT_RTX(&sb, 1, 2000, 2040, 20, 1);
	EXPECT_RTX(&sb, 2, 3000, 3100, 30, 1);
	ck_assert_uint_eq(sb.rtx_delivered, 20);
	ck_assert_uint_eq(sb.rtx_delivered_t, 20);
	xt_sack_free(&sb);
}
END_TEST

/* ---- xt_sack_pipe: RFC 6675 §4 SetPipe() ---- */

static const struct sb_case pipe_cases[] = {
	{ "sack_pipe_holes", 4, {
		/* nothing SACKed: every octet of [1000,11000) */
		PIPE(1000, 11000, MSS, 10000),
		/* one block: its 1000 octets leave, nothing is lost */
		SACK1(1000, 11000, 4000, 5000, 1000),
		PIPE(1000, 11000, MSS, 9000),
		/*
		 * [4000,5000) [6000,7000) [8000,9000):
		 *   hole [1000,4000)   3 blocks above: lost      0
		 *   hole [5000,6000)   2 blocks, 2000 bytes     1000
		 *   hole [7000,8000)   1 block                  1000
		 *   hole [9000,11000)  nothing above            2000
		 */
		SACK1(1000, 11000, 6000, 7000, 1000),
		SACK1(1000, 11000, 8000, 9000, 1000),
		PIPE(1000, 11000, MSS, 4000),
	} },
	{ "sack_pipe_rtx", 4, {
		THREE,
		PIPE(1000, 11000, MSS, 4000),
		/* a lost octet retransmitted counts once (§4 (b) only) */
		RTX_SENT(1000, 2000, 100),
		PIPE(1000, 11000, MSS, 5000),
		/* a not-lost octet retransmitted counts twice ((a) and
		 * (b)) */
		RTX_SENT(5000, 5500, 100),
		PIPE(1000, 11000, MSS, 5500),
		/* retransmissions lost again count no more */
		RTX_MARK(100, 2),
		PIPE(1000, 11000, MSS, 4000),
		RTX_SENT(2000, 3000, 200),
		PIPE(1000, 11000, MSS, 5000),
	} },
	{ "sack_pipe_lost_end", 4, {
		SACK1(1000, 11000, 5000, 6000, 1000),
		/* hole [1000,5000): [1000,3000) lost, 2000 left;
		 * hole [6000,11000): above lost_end, 5000 */
		LOST_END(3000),
		LOST_VALID(1),
		PIPE(1000, 11000, MSS, 7000),
		/* hole [1000,5000) all lost; [6000,8000) of the top hole
		 * too: 0 + 3000 */
		LOST_END(8000),
		PIPE(1000, 11000, MSS, 3000),
		LOST_VALID(0),
		PIPE(1000, 11000, MSS, 9000),
	} },
};

START_TEST(sack_pipe)
{
	sb_run(&pipe_cases[_i]);
}
END_TEST

/* ---- NextSeg(): xt_sack_next_lost, RFC 6675 §4 rule 1, and
 * xt_sack_rescue, rule (4) ---- */

static const struct sb_case nextseg_cases[] = {
	{ "sack_next_basic", 4, {
		/* nothing SACKed, nothing lost */
		NO_NEXT(1000, 11000, MSS),
		/* one block: nothing lost either */
		SACK1(1000, 11000, 4000, 5000, 1000),
		NO_NEXT(1000, 11000, MSS),
		CLEAR,
		/* three blocks: hole [1000,4000) lost, one mss of it */
		THREE,
		NEXT(1000, 11000, MSS, 1000, 1000),
		/* never past the hole, whatever the mss */
		NEXT(1000, 11000, 5000, 1000, 3000),
	} },
	{ "sack_next_skip_inflight", 4, {
		THREE,
		RTX_SENT(1000, 2000, 100),
		NEXT(1000, 11000, MSS, 2000, 1000),
		RTX_SENT(2000, 3000, 100),
		NEXT(1000, 11000, MSS, 3000, 1000),
		/* the whole lost hole is out again; hole [5000,6000) is
		 * not lost (2 blocks, 2000 bytes above) */
		RTX_SENT(3000, 4000, 100),
		NR_IS(1),
		NO_NEXT(1000, 11000, MSS),
		/* RACK marks the retransmission lost: it is due again */
		RTX_MARK(100, 1),
		NEXT(1000, 11000, MSS, 1000, 1000),
		RTX_SENT(1000, 2000, 300),
		NEXT(1000, 11000, MSS, 2000, 1000),
	} },
	{ "sack_next_stop_before", 4, {
		THREE,
		RTX_SENT(1300, 1400, 100),
		RTX_SENT(1500, 2000, 100),
		/* [1000,1300) then the retransmission at 1300 */
		NEXT(1000, 11000, MSS, 1000, 300),
		RTX_SENT(1000, 1300, 100),
		/* skips [1000,1400), stops at 1500 */
		NEXT(1000, 11000, MSS, 1400, 100),
		RTX_SENT(1400, 1500, 100),
		NR_IS(1),
		RTX_IS(0, 1000, 2000, 100, 0),
		NEXT(1000, 11000, MSS, 2000, 1000),
	} },
	{ "sack_next_lost_end", 4, {
		SACK1(1000, 11000, 2000, 3000, 1000),
		LOST_END(4500),
		LOST_VALID(1),
		NEXT(1000, 11000, MSS, 1000, 1000),
		RTX_SENT(1000, 2000, 100),
		/* the hole above the highest block, up to lost_end */
		NEXT(1000, 11000, MSS, 3000, 1000),
		RTX_SENT(3000, 4000, 100),
		NEXT(1000, 11000, MSS, 4000, 500),
		RTX_SENT(4000, 4500, 100),
		NO_NEXT(1000, 11000, MSS),
	} },
	{ "sack_rescue_once", 4, {
		SACK1(1000, 6000, 2000, 3000, 1000),
		/* recovery starts: RescueRxt = HighACK; the highest
		 * outstanding unSACKed octet is 5999, so the segment is
		 * [5000,6000) */
		RESCUE_RXT(1000),
		RESCUE(1000, 6000, MSS, 5000, 1000),
		/* its retransmission in flight: nothing to rescue */
		RTX_SENT(5000, 6000, 100),
		NO_RESCUE(1000, 6000, MSS),
		/* that retransmission lost too: it may go again */
		RTX_MARK(100, 1),
		RESCUE(1000, 6000, MSS, 5000, 1000),
		/* the caller sent it: RescueRxt = RecoveryPoint */
		RESCUE_RXT(6000),
		NO_RESCUE(1000, 6000, MSS),
		NO_RESCUE(5999, 6000, MSS),
		/* next recovery, once HighACK has reached RescueRxt: no
		 * blocks, the last segment below snd_max */
		ADVANCE(6000),
		RESCUE(6000, 9000, MSS, 8000, 1000),
	} },
	/* The last block reaches snd_max: the rescue is the top of the
	 * hole below it, never more than that hole. */
	{ "sack_rescue_below_last_block", 4, {
		SACK1(1000, 6000, 2000, 3000, 1000),
		SACK1(1000, 6000, 5500, 6000, 500),
		RESCUE_RXT(1000),
		RESCUE(1000, 6000, MSS, 4500, 1000),
		SACK1(1000, 6000, 3000, 5000, 2000),
		/* blocks [2000,5000) and [5500,6000): the hole is
		 * [5000,5500) */
		RESCUE(1000, 6000, MSS, 5000, 500),
		SACK1(1000, 6000, 5000, 5500, 500),
		/* [2000,6000) SACKed: the hole below it is [1000,2000) */
		RESCUE(1000, 6000, MSS, 1000, 1000),
	} },
	/* Three blocks up to 9000, snd_max 11000: [10000,11000) whatever
	 * is lost below (rule (4) does not look at IsLost). */
	{ "sack_rescue_tail", 4, {
		THREE,
		RESCUE_RXT(1000),
		RESCUE(1000, 11000, MSS, 10000, 1000),
	} },
};

START_TEST(sack_nextseg)
{
	sb_run(&nextseg_cases[_i]);
}
END_TEST

/* ---- xt_sack_clear, and everything across 2^32 ---- */

START_TEST(sack_clear)
{
	struct xt_scoreboard sb;

	sb_init(&sb, 4);
	sb_three(&sb);
	xt_sack_rtx_sent(&sb, 1000, 2000, 100);
	sb.lost_end = 10000;
	sb.lost_valid = 1;
	xt_sack_clear(&sb);
	ck_assert_uint_eq(sb.n, 0);
	ck_assert_uint_eq(sb.sacked_bytes, 0);
	ck_assert_uint_eq(sb.nr, 0);
	ck_assert_int_eq(sb.lost_valid, 0);
	ck_assert_int_eq(xt_sack_is_lost(&sb, 1000, MSS), 0);
	ck_assert_int_eq(xt_sack_rtx_inflight(&sb, 1000), 0);
	ck_assert_uint_eq(xt_sack_rtx_oldest(&sb), 0);
	ck_assert_uint_eq(xt_sack_pipe(&sb, 1000, 11000, MSS), 10000);
	ck_assert_uint_eq(xt_sack_high(&sb, 1000), 1000);
	EXPECT_NO_NEXT(&sb, 1000, 11000, MSS);
	/* the capacity is kept */
	ck_assert_uint_eq(sb.max, 4);
	ck_assert_uint_eq(sb.rmax, 16);
	sb_three(&sb);
	xt_sack_free(&sb);
}
END_TEST

START_TEST(sack_wrap)
{
	/*
	 * snd_una U = 2^32 - 2000, snd_max U + 10000 = 8000.  Blocks
	 * [U+3000,U+4000) = [1000,2000), [U+1000,U+2500) = [0xfffffc18,500)
	 * (across 2^32) and [U+5000,U+6000) = [3000,4000).
	 */
	static const uint32_t blk[][2] = {
		{ 1000, 2000 }, { 0xfffffc18u, 500 }, { 3000, 4000 }
	};
	struct xt_scoreboard sb;
	const xt_seq_t una = WRAP_UNA;

	sb_init(&sb, 4);
	ck_assert_uint_eq(xt_sack_update(&sb, una, 8000, blk, 3), 3500);
	ck_assert_uint_eq(sb.dsacks, 0);
	ck_assert_uint_eq(sb.n, 3);
	EXPECT_BLK(&sb, 0, 0xfffffc18u, 500);
	EXPECT_BLK(&sb, 1, 1000, 2000);
	EXPECT_BLK(&sb, 2, 3000, 4000);
	ck_assert_uint_eq(sb.sacked_bytes, 3500);
	ck_assert_uint_eq(xt_sack_high(&sb, una), 4000);
	/* IsLost: [U,U+1000) has 3 blocks above; [500,1000) two, 2000
	 * bytes; octets on both sides of 2^32 inside the block are SACKed */
	ck_assert_int_eq(xt_sack_is_lost(&sb, una, MSS), 1);
	ck_assert_int_eq(xt_sack_is_lost(&sb, 0xfffffc17u, MSS), 1);
	ck_assert_int_eq(xt_sack_is_lost(&sb, 0xffffffffu, MSS), 0);
	ck_assert_int_eq(xt_sack_is_lost(&sb, 0, MSS), 0);
	ck_assert_int_eq(xt_sack_is_lost(&sb, 500, MSS), 0);
	/* pipe: 0 + [500,1000) 500 + [2000,3000) 1000 + [4000,8000) 4000 */
	ck_assert_uint_eq(xt_sack_pipe(&sb, una, 8000, MSS), 5500);
	/* recovery */
	sb.rescue_rxt = una;
	EXPECT_NEXT(&sb, una, 8000, MSS, una, 1000);
	xt_sack_rtx_sent(&sb, una, 0xfffffc18u, 100);
	EXPECT_NO_NEXT(&sb, una, 8000, MSS);
	ck_assert_uint_eq(xt_sack_pipe(&sb, una, 8000, MSS), 6500);
	/* rescue: the highest unSACKed octet is 7999: [7000,8000) */
	EXPECT_RESCUE(&sb, una, 8000, MSS, 7000, 1000);
	/* ACK U+1500 = 0xfffffe0c: the retransmission is delivered, the
	 * block across 2^32 trimmed to [0xfffffe0c,500) */
	sb.rtx_delivered_t = 0;
	sb.rtx_delivered = 0;
	xt_sack_advance(&sb, 0xfffffe0cu);
	ck_assert_uint_eq(sb.nr, 0);
	ck_assert_uint_eq(sb.rtx_delivered, 1000);
	ck_assert_uint_eq(sb.rtx_delivered_t, 100);
	ck_assert_uint_eq(sb.n, 3);
	EXPECT_BLK(&sb, 0, 0xfffffe0cu, 500);
	ck_assert_uint_eq(sb.sacked_bytes, 3000);
	/* ACK 700 (past 2^32) drops it */
	xt_sack_advance(&sb, 700);
	ck_assert_uint_eq(sb.n, 2);
	EXPECT_BLK(&sb, 0, 1000, 2000);
	ck_assert_uint_eq(sb.sacked_bytes, 2000);
	/* a D-SACK for [0xffffff38,200), below ACK 700 across 2^32 */
	ck_assert_uint_eq(sack1(&sb, 700, 8000, 0xffffff38u, 200), 0);
	ck_assert_uint_eq(sb.dsacks, 1);
	ck_assert_uint_eq(sb.n, 2);
	xt_sack_free(&sb);
}
END_TEST

Suite *
xt_suite_sack(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("sack");

	tc = tcase_create("update");
	tcase_add_test(tc, sack_update_insert);
	tcase_add_test(tc, sack_update_merge);
	tcase_add_test(tc, sack_update_multi);
	tcase_add_test(tc, sack_update_outside);
	tcase_add_test(tc, sack_update_inverted);
	tcase_add_test(tc, sack_update_dsack_below);
	tcase_add_test(tc, sack_update_dsack_inside);
	tcase_add_test(tc, sack_update_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("advance");
	tcase_add_test(tc, sack_advance_trim);
	tcase_add_test(tc, sack_advance_lost_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("islost");
	tcase_add_loop_test(tc, sack_islost, 0, NCASES(islost_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("rtx");
	tcase_add_test(tc, sack_rtx_sorted);
	tcase_add_test(tc, sack_rtx_merge);
	tcase_add_test(tc, sack_rtx_overwrite);
	tcase_add_test(tc, sack_rtx_mark_oldest);
	tcase_add_test(tc, sack_rtx_delivered_sack);
	tcase_add_test(tc, sack_rtx_delivered_split);
	tcase_add_test(tc, sack_rtx_delivered_advance);
	tcase_add_test(tc, sack_rtx_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("pipe");
	tcase_add_loop_test(tc, sack_pipe, 0, NCASES(pipe_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("nextseg");
	tcase_add_loop_test(tc, sack_nextseg, 0, NCASES(nextseg_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, sack_clear);
	tcase_add_test(tc, sack_wrap);
	suite_add_tcase(s, tc);

	return (s);
}
