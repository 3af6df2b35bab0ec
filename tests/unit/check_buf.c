/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_buf.c - unit tests for the byte ring (buf/ring.c) and the
 * out-of-order range tracker (buf/assembler.c).
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "xt_err.h"
#include "buf/assembler.h"
#include "buf/ring.h"

Suite	*xt_suite_buf(void);

/* Fill p with a pattern that identifies each byte's stream offset. */
static void
pattern(uint8_t *p, uint32_t n, uint32_t from)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((from + i) * 7 + 3);
}

/* Move head to pos (< cap) on an empty ring by writing and reading. */
static void
ring_seek(struct xt_ring *r, uint32_t pos)
{
	uint8_t junk[256];

	ck_assert_uint_le(pos, sizeof(junk));
	ck_assert_uint_eq(xt_ring_len(r), 0);
	memset(junk, 0xee, sizeof(junk));
	ck_assert_uint_eq(xt_ring_write(r, junk, pos), pos);
	ck_assert_uint_eq(xt_ring_discard(r, pos), pos);
	ck_assert_uint_eq(r->head, pos);
}

/* ---- ring ---- */

START_TEST(ring_init_bad)
{
	struct xt_ring r;

	ck_assert_int_eq(xt_ring_init(&r, NULL, 0), XT_EINVAL);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 16), XT_OK);
	ck_assert_uint_eq(xt_ring_len(&r), 0);
	ck_assert_uint_eq(xt_ring_space(&r), 16);
	xt_ring_free(&r);
	ck_assert_ptr_null(r.buf);
}
END_TEST

START_TEST(ring_write_read_basic)
{
	struct xt_ring r;
	uint8_t in[16], out[16];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 16), XT_OK);
	ck_assert_uint_eq(xt_ring_write(&r, in, 10), 10);
	ck_assert_uint_eq(xt_ring_len(&r), 10);
	ck_assert_uint_eq(xt_ring_space(&r), 6);
	ck_assert_uint_eq(xt_ring_read(&r, out, 4), 4);
	ck_assert_mem_eq(out, in, 4);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 6);
	ck_assert_mem_eq(out, in + 4, 6);
	ck_assert_uint_eq(xt_ring_len(&r), 0);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 0);
	ck_assert_uint_eq(xt_ring_write(&r, in, 0), 0);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_partial_write)
{
	struct xt_ring r;
	uint8_t in[32], out[32];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 8), XT_OK);
	ck_assert_uint_eq(xt_ring_write(&r, in, 5), 5);
	/* Only 3 bytes of space left: a 10-byte write stores 3. */
	ck_assert_uint_eq(xt_ring_write(&r, in + 5, 10), 3);
	ck_assert_uint_eq(xt_ring_space(&r), 0);
	ck_assert_uint_eq(xt_ring_write(&r, in + 8, 1), 0);
	ck_assert_uint_eq(xt_ring_read(&r, out, sizeof(out)), 8);
	ck_assert_mem_eq(out, in, 8);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_wrap)
{
	struct xt_ring r;
	uint8_t in[64], out[64];
	uint32_t start;

	pattern(in, sizeof(in), 100);
	/* Every head position: a full-capacity write wraps in all ways. */
	for (start = 0; start < 10; start++) {
		ck_assert_int_eq(xt_ring_init(&r, NULL, 10), XT_OK);
		ring_seek(&r, start);
		ck_assert_uint_eq(xt_ring_write(&r, in, 7), 7);
		ck_assert_uint_eq(xt_ring_write(&r, in + 7, 7), 3);
		memset(out, 0, sizeof(out));
		ck_assert_uint_eq(xt_ring_read(&r, out, 3), 3);
		ck_assert_mem_eq(out, in, 3);
		ck_assert_uint_eq(xt_ring_write(&r, in + 10, 3), 3);
		ck_assert_uint_eq(xt_ring_read(&r, out, 64), 10);
		ck_assert_mem_eq(out, in + 3, 10);
		ck_assert_uint_eq(r.head, (start + 13) % 10);
		xt_ring_free(&r);
	}
}
END_TEST

START_TEST(ring_stream)
{
	struct xt_ring r;
	uint8_t in[37], out[37], want[37];
	uint32_t wr = 0, rd = 0, n, k, round;

	/* Odd-sized chunks through a 13-byte ring: wraps at every offset. */
	ck_assert_int_eq(xt_ring_init(&r, NULL, 13), XT_OK);
	for (round = 0; round < 500; round++) {
		k = (round * 5) % 11 + 1;
		pattern(in, k, wr);
		wr += xt_ring_write(&r, in, k);
		k = (round * 3) % 9 + 1;
		n = xt_ring_read(&r, out, k);
		pattern(want, n, rd);
		ck_assert_mem_eq(out, want, n);
		rd += n;
		ck_assert_uint_eq(xt_ring_len(&r), wr - rd);
	}
	ck_assert_uint_gt(rd, 1000);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_peek_offsets)
{
	struct xt_ring r;
	uint8_t in[12], out[12];
	uint32_t off;

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 12), XT_OK);
	ring_seek(&r, 9);
	ck_assert_uint_eq(xt_ring_write(&r, in, 12), 12);
	for (off = 0; off < 12; off++) {
		memset(out, 0, sizeof(out));
		ck_assert_uint_eq(xt_ring_peek(&r, off, out, 5),
		    off + 5 <= 12 ? 5 : 12 - off);
		ck_assert_mem_eq(out, in + off, off + 5 <= 12 ? 5 : 12 - off);
	}
	ck_assert_uint_eq(xt_ring_peek(&r, 12, out, 5), 0);
	ck_assert_uint_eq(xt_ring_peek(&r, 1000, out, 5), 0);
	ck_assert_uint_eq(xt_ring_peek(&r, 3, out, 0), 0);
	/* Peeking does not consume. */
	ck_assert_uint_eq(xt_ring_len(&r), 12);
	ck_assert_uint_eq(r.head, 9);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_discard)
{
	struct xt_ring r;
	uint8_t in[10], out[10];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 8), XT_OK);
	ring_seek(&r, 6);
	ck_assert_uint_eq(xt_ring_write(&r, in, 8), 8);
	ck_assert_uint_eq(xt_ring_discard(&r, 3), 3);
	ck_assert_uint_eq(xt_ring_read(&r, out, 2), 2);
	ck_assert_mem_eq(out, in + 3, 2);
	ck_assert_uint_eq(xt_ring_discard(&r, 100), 3);
	ck_assert_uint_eq(xt_ring_len(&r), 0);
	ck_assert_uint_eq(xt_ring_discard(&r, 1), 0);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_write_at_commit)
{
	struct xt_ring r;
	uint8_t in[20], out[20];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 16), XT_OK);
	ck_assert_uint_eq(xt_ring_write(&r, in, 4), 4);
	/* Out of order: stream bytes 8..11 land at offset 4 past the data. */
	ck_assert_uint_eq(xt_ring_write_at(&r, 4, in + 8, 4), 4);
	ck_assert_uint_eq(xt_ring_len(&r), 4);
	/* Peek cannot see uncommitted bytes. */
	ck_assert_uint_eq(xt_ring_peek(&r, 4, out, 4), 0);
	/* The hole arrives, then all 8 become readable at once. */
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, in + 4, 4), 4);
	ck_assert_uint_eq(xt_ring_commit(&r, 8), 8);
	ck_assert_uint_eq(xt_ring_len(&r), 12);
	ck_assert_uint_eq(xt_ring_read(&r, out, 20), 12);
	ck_assert_mem_eq(out, in, 12);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_write_at_clip)
{
	struct xt_ring r;
	uint8_t in[20];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 10), XT_OK);
	ck_assert_uint_eq(xt_ring_write(&r, in, 6), 6);
	/* 4 bytes free: offset 2 takes 2 bytes, offset 4 and beyond none. */
	ck_assert_uint_eq(xt_ring_write_at(&r, 2, in, 5), 2);
	ck_assert_uint_eq(xt_ring_write_at(&r, 3, in, 5), 1);
	ck_assert_uint_eq(xt_ring_write_at(&r, 4, in, 5), 0);
	ck_assert_uint_eq(xt_ring_write_at(&r, UINT32_MAX, in, 5), 0);
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, in, 0), 0);
	/* Commit is clipped to the free space. */
	ck_assert_uint_eq(xt_ring_commit(&r, 100), 4);
	ck_assert_uint_eq(xt_ring_len(&r), 10);
	ck_assert_uint_eq(xt_ring_commit(&r, 1), 0);
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, in, 1), 0);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_write_at_wrap)
{
	struct xt_ring r;
	uint8_t in[16], out[16];
	uint32_t start;

	pattern(in, sizeof(in), 50);
	for (start = 0; start < 11; start++) {
		ck_assert_int_eq(xt_ring_init(&r, NULL, 11), XT_OK);
		ring_seek(&r, start);
		ck_assert_uint_eq(xt_ring_write(&r, in, 3), 3);
		/* Three out-of-order pieces, the last ending at capacity. */
		ck_assert_uint_eq(xt_ring_write_at(&r, 5, in + 8, 3), 3);
		ck_assert_uint_eq(xt_ring_write_at(&r, 2, in + 5, 3), 3);
		ck_assert_uint_eq(xt_ring_write_at(&r, 0, in + 3, 2), 2);
		ck_assert_uint_eq(xt_ring_commit(&r, 8), 8);
		ck_assert_uint_eq(xt_ring_space(&r), 0);
		memset(out, 0, sizeof(out));
		ck_assert_uint_eq(xt_ring_read(&r, out, 16), 11);
		ck_assert_mem_eq(out, in, 11);
		xt_ring_free(&r);
	}
}
END_TEST

START_TEST(ring_write_at_survives_drain)
{
	struct xt_ring r;
	uint8_t in[16], out[16];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 8), XT_OK);
	ring_seek(&r, 5);
	ck_assert_uint_eq(xt_ring_write(&r, in, 2), 2);
	ck_assert_uint_eq(xt_ring_write_at(&r, 1, in + 3, 3), 3);
	/* Reading everything readable must not move the stored bytes. */
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 2);
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, in + 2, 1), 1);
	ck_assert_uint_eq(xt_ring_commit(&r, 4), 4);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 4);
	ck_assert_mem_eq(out, in + 2, 4);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_resize)
{
	struct xt_ring r;
	uint8_t in[32], out[32];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 8), XT_OK);
	ring_seek(&r, 6);
	ck_assert_uint_eq(xt_ring_write(&r, in, 6), 6);	/* wraps */
	/* Grow: data kept, space added. */
	ck_assert_int_eq(xt_ring_resize(&r, 20), XT_OK);
	ck_assert_uint_eq(r.cap, 20);
	ck_assert_uint_eq(xt_ring_len(&r), 6);
	ck_assert_uint_eq(xt_ring_space(&r), 14);
	ck_assert_uint_eq(xt_ring_write(&r, in + 6, 14), 14);
	ck_assert_uint_eq(xt_ring_peek(&r, 0, out, 32), 20);
	ck_assert_mem_eq(out, in, 20);
	/* Shrink below len refused, ring unchanged. */
	ck_assert_int_eq(xt_ring_resize(&r, 19), XT_EINVAL);
	ck_assert_int_eq(xt_ring_resize(&r, 0), XT_EINVAL);
	ck_assert_uint_eq(xt_ring_len(&r), 20);
	/* Shrink to exactly len after a read that moved head. */
	ck_assert_uint_eq(xt_ring_read(&r, out, 15), 15);
	ck_assert_int_eq(xt_ring_resize(&r, 5), XT_OK);
	ck_assert_uint_eq(xt_ring_space(&r), 0);
	ck_assert_uint_eq(xt_ring_read(&r, out, 32), 5);
	ck_assert_mem_eq(out, in + 15, 5);
	ck_assert_int_eq(xt_ring_resize(&r, 5), XT_OK);
	xt_ring_free(&r);
}
END_TEST

START_TEST(ring_resize_keeps_out_of_order)
{
	struct xt_ring r;
	uint8_t in[16], out[16];

	pattern(in, sizeof(in), 0);
	ck_assert_int_eq(xt_ring_init(&r, NULL, 8), XT_OK);
	ring_seek(&r, 7);
	ck_assert_uint_eq(xt_ring_write(&r, in, 2), 2);
	ck_assert_uint_eq(xt_ring_write_at(&r, 2, in + 4, 3), 3);
	ck_assert_int_eq(xt_ring_resize(&r, 12), XT_OK);
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, in + 2, 2), 2);
	ck_assert_uint_eq(xt_ring_commit(&r, 5), 5);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 7);
	ck_assert_mem_eq(out, in, 7);
	xt_ring_free(&r);
}
END_TEST

/* ---- assembler ---- */

/* Assert the tracker holds exactly the n ranges given as start,end pairs. */
static void
asm_expect(const struct xt_asm *a, uint32_t n, const uint32_t *se)
{
	uint32_t i;

	ck_assert_uint_eq(a->n, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(a->r[i].start, se[2 * i]);
		ck_assert_uint_eq(a->r[i].end, se[2 * i + 1]);
	}
}

#define ASM_EXPECT(a, ...) do {						\
	static const uint32_t se_[] = { __VA_ARGS__ };			\
	asm_expect((a), sizeof(se_) / sizeof(se_[0]) / 2, se_);		\
} while (0)

START_TEST(asm_in_order)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 4), XT_OK);
	ck_assert(xt_asm_empty(&a));
	ck_assert_uint_eq(xt_asm_take_front(&a), 0);
	ck_assert_int_eq(xt_asm_add(&a, 0, 100), XT_OK);
	ck_assert_uint_eq(xt_asm_take_front(&a), 100);
	ck_assert(xt_asm_empty(&a));
	ck_assert_int_eq(xt_asm_add(&a, 0, 0), XT_OK);
	ck_assert(xt_asm_empty(&a));
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_out_of_order)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 4), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 200, 100), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 500, 50), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 100, 50), XT_OK);
	ASM_EXPECT(&a, 100, 150, 200, 300, 500, 550);
	ck_assert_uint_eq(xt_asm_take_front(&a), 0);
	/* The first hole fills: [0,150) comes out, the rest shift by 150. */
	ck_assert_int_eq(xt_asm_add(&a, 0, 100), XT_OK);
	ASM_EXPECT(&a, 0, 150, 200, 300, 500, 550);
	ck_assert_uint_eq(xt_asm_take_front(&a), 150);
	ASM_EXPECT(&a, 50, 150, 350, 400);
	ck_assert_uint_eq(xt_asm_take_front(&a), 0);
	ck_assert_int_eq(xt_asm_add(&a, 0, 50), XT_OK);
	ck_assert_uint_eq(xt_asm_take_front(&a), 150);
	ASM_EXPECT(&a, 200, 250);
	ck_assert_uint_eq(a.overflows, 0);
	xt_asm_free(&a);
}
END_TEST

/*
 * Every shape of overlap against one existing range [100, 200), and
 * against two ranges [100, 200) [300, 400).
 */
START_TEST(asm_overlaps)
{
	static const struct {
		uint32_t off, len;
		uint32_t n, se[6];
	} one[] = {
		{ 10, 20,	2, { 10, 30, 100, 200 } },	/* before */
		{ 50, 50,	1, { 50, 200 } },	/* adjacent before */
		{ 50, 60,	1, { 50, 200 } },	/* overlaps start */
		{ 100, 100,	1, { 100, 200 } },	/* identical */
		{ 120, 30,	1, { 100, 200 } },	/* inside */
		{ 100, 30,	1, { 100, 200 } },	/* same start, inside */
		{ 150, 50,	1, { 100, 200 } },	/* same end, inside */
		{ 50, 200,	1, { 50, 250 } },	/* covers */
		{ 100, 150,	1, { 100, 250 } },	/* same start, longer */
		{ 50, 150,	1, { 50, 200 } },	/* same end, longer */
		{ 150, 100,	1, { 100, 250 } },	/* overlaps end */
		{ 200, 10,	1, { 100, 210 } },	/* adjacent after */
		{ 250, 10,	2, { 100, 200, 250, 260 } },	/* after, gap */
		{ 99, 1,	1, { 99, 200 } },	/* one byte adjacent */
	}, two[] = {
		{ 200, 100,	1, { 100, 400 } },	/* exactly the hole */
		{ 150, 200,	1, { 100, 400 } },	/* bridges */
		{ 0, 1000,	1, { 0, 1000 } },	/* covers both */
		{ 50, 300,	1, { 50, 400 } },	/* into 2nd */
		/* inside the hole */
		{ 210, 50,	3, { 100, 200, 210, 260, 300, 400 } },
		{ 200, 50,	2, { 100, 250, 300, 400 } },	/* touch 1st */
		{ 250, 50,	2, { 100, 200, 250, 400 } },	/* touch 2nd */
		{ 350, 100,	2, { 100, 200, 300, 450 } },	/* extend 2nd */
		{ 400, 1,	2, { 100, 200, 300, 401 } },
	};
	struct xt_asm a;
	size_t i;
	uint32_t k;

	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		ck_assert_int_eq(xt_asm_init(&a, NULL, 3), XT_OK);
		ck_assert_int_eq(xt_asm_add(&a, 100, 100), XT_OK);
		ck_assert_int_eq(xt_asm_add(&a, one[i].off, one[i].len), XT_OK);
		ck_assert_msg(a.n == one[i].n, "one[%zu]: n %u", i, a.n);
		for (k = 0; k < one[i].n; k++) {
			ck_assert_msg(a.r[k].start == one[i].se[2 * k] &&
			    a.r[k].end == one[i].se[2 * k + 1],
			    "one[%zu] range %u: [%u,%u)", i, k,
			    a.r[k].start, a.r[k].end);
		}
		xt_asm_free(&a);
	}
	for (i = 0; i < sizeof(two) / sizeof(two[0]); i++) {
		ck_assert_int_eq(xt_asm_init(&a, NULL, 3), XT_OK);
		ck_assert_int_eq(xt_asm_add(&a, 300, 100), XT_OK);
		ck_assert_int_eq(xt_asm_add(&a, 100, 100), XT_OK);
		ck_assert_int_eq(xt_asm_add(&a, two[i].off, two[i].len), XT_OK);
		ck_assert_msg(a.n == two[i].n, "two[%zu]: n %u", i, a.n);
		for (k = 0; k < two[i].n; k++) {
			ck_assert_msg(a.r[k].start == two[i].se[2 * k] &&
			    a.r[k].end == two[i].se[2 * k + 1],
			    "two[%zu] range %u: [%u,%u)", i, k,
			    a.r[k].start, a.r[k].end);
		}
		xt_asm_free(&a);
	}
}
END_TEST

START_TEST(asm_merge_many)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 8), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 10, 5), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 20, 5), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 30, 5), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 40, 5), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 50, 5), XT_OK);
	/* One range swallowing the middle three, touching the outer two. */
	ck_assert_int_eq(xt_asm_add(&a, 15, 25), XT_OK);
	ASM_EXPECT(&a, 10, 45, 50, 55);
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_adjacent_no_slot)
{
	struct xt_asm a;

	/* With every slot used, adjacent and overlapping data still fits. */
	ck_assert_int_eq(xt_asm_init(&a, NULL, 2), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 100, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 200, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 110, 10), XT_OK);	/* after 1st */
	ck_assert_int_eq(xt_asm_add(&a, 190, 10), XT_OK);	/* before 2nd */
	ck_assert_int_eq(xt_asm_add(&a, 205, 20), XT_OK);	/* over 2nd */
	ck_assert_int_eq(xt_asm_add(&a, 120, 70), XT_OK);	/* joins both */
	ASM_EXPECT(&a, 100, 225);
	ck_assert_uint_eq(a.overflows, 0);
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_overflow)
{
	struct xt_asm a, before;
	struct xt_asm_range saved[3];

	ck_assert_int_eq(xt_asm_init(&a, NULL, 3), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 10, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 30, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 50, 10), XT_OK);
	before = a;
	memcpy(saved, a.r, sizeof(saved));
	/* Before, between, after: all need a fourth slot. */
	ck_assert_int_eq(xt_asm_add(&a, 0, 5), XT_ENOBUFS);
	ck_assert_int_eq(xt_asm_add(&a, 22, 5), XT_ENOBUFS);
	ck_assert_int_eq(xt_asm_add(&a, 70, 5), XT_ENOBUFS);
	ck_assert_uint_eq(a.overflows, 3);
	ck_assert_uint_eq(a.n, before.n);
	ck_assert_mem_eq(a.r, saved, sizeof(saved));
	/* Filling a hole frees a slot again. */
	ck_assert_int_eq(xt_asm_add(&a, 20, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 70, 5), XT_OK);
	ASM_EXPECT(&a, 10, 40, 50, 60, 70, 75);
	ck_assert_uint_eq(a.overflows, 3);
	/* Clearing keeps the counter. */
	xt_asm_clear(&a);
	ck_assert(xt_asm_empty(&a));
	ck_assert_uint_eq(a.overflows, 3);
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_zero_slots)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 0), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 0, 10), XT_ENOBUFS);
	ck_assert_uint_eq(a.overflows, 1);
	ck_assert_int_eq(xt_asm_add(&a, 0, 0), XT_OK);
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_end_overflow)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 2), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, UINT32_MAX - 10, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, UINT32_MAX - 10, 11), XT_EINVAL);
	ASM_EXPECT(&a, UINT32_MAX - 10, UINT32_MAX - 0);
	xt_asm_free(&a);
}
END_TEST

START_TEST(asm_advance)
{
	struct xt_asm a;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 4), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 10, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 30, 10), XT_OK);
	ck_assert_int_eq(xt_asm_add(&a, 50, 10), XT_OK);
	xt_asm_advance(&a, 0);
	ASM_EXPECT(&a, 10, 20, 30, 40, 50, 60);
	xt_asm_advance(&a, 5);
	ASM_EXPECT(&a, 5, 15, 25, 35, 45, 55);
	/* First range entirely below 0, second cut in the middle. */
	xt_asm_advance(&a, 30);
	ASM_EXPECT(&a, 0, 5, 15, 25);
	ck_assert_uint_eq(xt_asm_take_front(&a), 5);
	ASM_EXPECT(&a, 10, 20);
	/* Advance exactly to a range's end drops it. */
	xt_asm_advance(&a, 20);
	ck_assert(xt_asm_empty(&a));
	xt_asm_advance(&a, 7);
	ck_assert(xt_asm_empty(&a));
	xt_asm_free(&a);
}
END_TEST

/* Random adds checked against a byte map. */
START_TEST(asm_random_vs_bitmap)
{
	struct xt_asm a;
	uint8_t map[512];
	uint64_t x = 88172645463325252ULL;
	uint32_t i, k, off, len, pos, n;
	int err, ok;

	ck_assert_int_eq(xt_asm_init(&a, NULL, 6), XT_OK);
	memset(map, 0, sizeof(map));
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		off = (uint32_t)(x % 480);
		len = (uint32_t)((x >> 20) % 30);
		err = xt_asm_add(&a, off, len);
		if (err == XT_OK)
			memset(map + off, 1, len);
		else
			ck_assert_int_eq(err, XT_ENOBUFS);
		/*
		 * Ranges match the map, sorted, disjoint, non-adjacent.  Plain
		 * comparisons: a ck_assert per byte would be far too slow.
		 */
		ok = 1;
		pos = 0;
		for (k = 0; k < a.n; k++) {
			if (a.r[k].start >= a.r[k].end ||
			    (k > 0 && a.r[k].start <= a.r[k - 1].end))
				ok = 0;
			for (; pos < a.r[k].start && pos < sizeof(map); pos++)
				ok &= map[pos] == 0;
			for (; pos < a.r[k].end && pos < sizeof(map); pos++)
				ok &= map[pos] == 1;
		}
		for (; pos < sizeof(map); pos++)
			ok &= map[pos] == 0;
		if (!ok)
			ck_abort_msg("iteration %u: tracker and map differ", i);
		if ((x >> 40) % 8 == 0) {
			n = xt_asm_take_front(&a);
			if (n == 0)
				n = (uint32_t)((x >> 45) % 40);
			/* Either way the front moves by n bytes. */
			if (map[0] == 0)
				xt_asm_advance(&a, n);
			memmove(map, map + n, sizeof(map) - n);
			memset(map + sizeof(map) - n, 0, n);
		}
	}
	/* The run exercised refusals, not just merges. */
	ck_assert_uint_gt(a.overflows, 0);
	xt_asm_free(&a);
}
END_TEST

Suite *
xt_suite_buf(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("buf");

	tc = tcase_create("ring");
	tcase_add_test(tc, ring_init_bad);
	tcase_add_test(tc, ring_write_read_basic);
	tcase_add_test(tc, ring_partial_write);
	tcase_add_test(tc, ring_wrap);
	tcase_add_test(tc, ring_stream);
	tcase_add_test(tc, ring_peek_offsets);
	tcase_add_test(tc, ring_discard);
	tcase_add_test(tc, ring_write_at_commit);
	tcase_add_test(tc, ring_write_at_clip);
	tcase_add_test(tc, ring_write_at_wrap);
	tcase_add_test(tc, ring_write_at_survives_drain);
	tcase_add_test(tc, ring_resize);
	tcase_add_test(tc, ring_resize_keeps_out_of_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("assembler");
	tcase_add_test(tc, asm_in_order);
	tcase_add_test(tc, asm_out_of_order);
	tcase_add_test(tc, asm_overlaps);
	tcase_add_test(tc, asm_merge_many);
	tcase_add_test(tc, asm_adjacent_no_slot);
	tcase_add_test(tc, asm_overflow);
	tcase_add_test(tc, asm_zero_slots);
	tcase_add_test(tc, asm_end_overflow);
	tcase_add_test(tc, asm_advance);
	tcase_add_test(tc, asm_random_vs_bitmap);
	suite_add_tcase(s, tc);

	return (s);
}
