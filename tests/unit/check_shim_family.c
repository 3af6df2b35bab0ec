/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_family.c - a process family's bookkeeping (shim/famtab.c,
 * issue 13): handles and their holders, the doorbell queues, slots
 * reserved for a fork child and taken by it, and what a member's death
 * leaves to be reset.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "famtab.h"

Suite	*xt_suite_shim_family(void);

static size_t	live;		/* bytes the table holds */

static void *
t_alloc(void *arg, size_t n)
{
	(void)arg;
	live += n;
	return (malloc(n));
}

static void
t_free(void *arg, void *p, size_t n)
{
	(void)arg;
	live -= n;
	free(p);
}

static struct shim_famtab ft;

static void
ft_setup(void)
{
	live = 0;
	shim_ft_init(&ft);
}

static void
ft_teardown(void)
{
	if (ft.fh != NULL)
		t_free(NULL, ft.fh, (size_t)ft.nfh * sizeof(*ft.fh));
	ck_assert_uint_eq(live, 0);
}

static int	xs_a, xs_b;	/* stand-ins for engine sockets */

/* Handles are reused, grow past the first table with records intact. */
START_TEST(ft_handles)
{
	uint32_t h[200], i;
	struct shim_fh *f;

	ck_assert_uint_eq(shim_ft_handle_get(&ft, &xs_a, -1, t_alloc, t_free,
	    NULL), 0);
	ck_assert_uint_eq(shim_ft_handle_get(&ft, &xs_a, SHIM_FAM_SLOTS,
	    t_alloc, t_free, NULL), 0);
	for (i = 0; i < 200; i++) {
		h[i] = shim_ft_handle_get(&ft, i % 2 ? &xs_a : &xs_b, 3,
		    t_alloc, t_free, NULL);
		ck_assert_uint_ne(h[i], 0);
		shim_ft_fh(&ft, h[i])->rcvtimeo_us = i;
	}
	ck_assert_uint_eq(ft.nused, 200);
	ck_assert_uint_ge(ft.nfh, 200);
	for (i = 0; i < 200; i++) {
		f = shim_ft_fh(&ft, h[i]);
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_eq(f->xs, i % 2 ? (void *)&xs_a : (void *)&xs_b);
		ck_assert_uint_eq(f->holders, SHIM_SLOT_BIT(3));
		ck_assert_uint_eq(f->rcvtimeo_us, i);
	}
	shim_ft_handle_put(&ft, h[7]);
	ck_assert_ptr_null(shim_ft_fh(&ft, h[7]));
	ck_assert_ptr_null(shim_ft_fh(&ft, 0));
	ck_assert_ptr_null(shim_ft_fh(NULL, h[8]));
	ck_assert_ptr_null(shim_ft_fh(&ft, ft.nfh + 1));
	/* the freed one comes back first, clean */
	ck_assert_uint_eq(shim_ft_handle_get(&ft, &xs_a, 0, t_alloc, t_free,
	    NULL), h[7]);
	ck_assert_uint_eq(shim_ft_fh(&ft, h[7])->rcvtimeo_us, 0);
	ck_assert_uint_eq(shim_ft_fh(&ft, h[7])->holders, SHIM_SLOT_BIT(0));
	shim_ft_handle_put(&ft, h[7]);
	shim_ft_handle_put(&ft, h[7]);		/* twice: no-op */
	ck_assert_uint_eq(ft.nused, 199);
}
END_TEST

/* A socket lives until the last holder lets go. */
START_TEST(ft_release)
{
	uint32_t h;

	h = shim_ft_handle_get(&ft, &xs_a, 0, t_alloc, t_free, NULL);
	shim_ft_fh(&ft, h)->holders |= SHIM_SLOT_BIT(5);
	ck_assert_int_eq(shim_ft_queue(&ft, 5, h), 1);
	ck_assert_uint_eq(shim_ft_release(&ft, h, 0), SHIM_SLOT_BIT(5));
	ck_assert_uint_eq(shim_ft_release(&ft, h, 0), SHIM_SLOT_BIT(5));
	ck_assert_uint_eq(shim_ft_release(&ft, h, 5), 0);
	ck_assert_uint_eq(shim_ft_fh(&ft, h)->pend, 0);
	shim_ft_handle_put(&ft, h);
	ck_assert_uint_eq(shim_ft_release(&ft, h, 5), 0);
}
END_TEST

static uint32_t	seen[SHIM_SLOT_QLEN * 2];
static unsigned	nseen;

static void
see(void *arg, uint32_t h)
{
	(void)arg;
	seen[nseen++] = h;
}

/* A doorbell queue takes each handle once until drained; past its
 * length it says "refresh everything". */
START_TEST(ft_queue)
{
	uint32_t h[SHIM_SLOT_QLEN + 5], i;

	for (i = 0; i < SHIM_SLOT_QLEN + 5; i++)
		h[i] = shim_ft_handle_get(&ft, &xs_a, 1, t_alloc, t_free,
		    NULL);
	ck_assert_int_eq(shim_ft_queue(&ft, 2, h[0]), 1);
	ck_assert_int_eq(shim_ft_queue(&ft, 2, h[0]), 0);
	ck_assert_int_eq(shim_ft_queue(&ft, 3, h[0]), 1);
	ck_assert_int_eq(shim_ft_queue(&ft, 2, h[1]), 1);
	ck_assert_int_eq(shim_ft_queue(&ft, 2, 0), 0);
	ck_assert_int_eq(shim_ft_queue(&ft, 64, h[1]), 0);
	nseen = 0;
	ck_assert_int_eq(shim_ft_drain(&ft, 2, see, NULL), 0);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_uint_eq(seen[0], h[0]);
	ck_assert_uint_eq(seen[1], h[1]);
	ck_assert_uint_eq(shim_ft_fh(&ft, h[0])->pend, SHIM_SLOT_BIT(3));
	/* again after the drain */
	ck_assert_int_eq(shim_ft_queue(&ft, 2, h[0]), 1);
	nseen = 0;
	(void)shim_ft_drain(&ft, 2, see, NULL);
	ck_assert_uint_eq(nseen, 1);
	/* overflow */
	for (i = 0; i < SHIM_SLOT_QLEN + 5; i++)
		ck_assert_int_eq(shim_ft_queue(&ft, 2, h[i]), 1);
	nseen = 0;
	ck_assert_int_eq(shim_ft_drain(&ft, 2, see, NULL), 1);
	ck_assert_uint_eq(nseen, SHIM_SLOT_QLEN);
	for (i = 0; i < SHIM_SLOT_QLEN + 5; i++)
		ck_assert_uint_eq(shim_ft_fh(&ft, h[i])->pend & SHIM_SLOT_BIT(2),
		    0);
	ck_assert_int_eq(shim_ft_drain(&ft, 2, see, NULL), 0);
}
END_TEST

static uint32_t	orphans[16];
static unsigned	norphans;

static void
orphan(void *arg, uint32_t h, void *xs)
{
	(void)xs;
	orphans[norphans++] = h;
	shim_ft_handle_put(arg, h);
}

/* Slots: reserved for a child, taken by it, freed by its death, which
 * leaves what only it held to be reset and nothing else. */
START_TEST(ft_slots)
{
	uint32_t gen, shared, mine, theirs;
	int i, s0, s1;

	s0 = shim_ft_slot_reserve(&ft, 10);
	ck_assert_int_eq(s0, 0);
	ck_assert_int_eq(shim_ft_slot_activate(&ft, s0, 100, 11), 0);
	ck_assert_int_eq(shim_ft_slot_activate(&ft, s0, 100, 11), -1);
	ck_assert_uint_eq(ft.slots[0].state, SHIM_SLOT_ACTIVE);
	ck_assert_int_eq(ft.slots[0].pid, 100);
	gen = ft.members_gen;
	/* the parent (slot 0) holds two sockets and forks */
	shared = shim_ft_handle_get(&ft, &xs_a, s0, t_alloc, t_free, NULL);
	mine = shim_ft_handle_get(&ft, &xs_b, s0, t_alloc, t_free, NULL);
	s1 = shim_ft_slot_reserve(&ft, 20);
	ck_assert_int_eq(s1, 1);
	ck_assert_uint_eq(ft.slots[1].state, SHIM_SLOT_RESERVED);
	ck_assert_uint_gt(ft.members_gen, gen);
	shim_ft_fh(&ft, shared)->holders |= SHIM_SLOT_BIT(s1);
	shim_ft_fh(&ft, mine)->holders |= SHIM_SLOT_BIT(s1);
	ck_assert_int_eq(shim_ft_slot_activate(&ft, s1, 101, 21), 0);
	/* the child accepts one of its own, the parent closes `mine' */
	theirs = shim_ft_handle_get(&ft, &xs_a, s1, t_alloc, t_free, NULL);
	ck_assert_uint_eq(shim_ft_release(&ft, mine, s0), SHIM_SLOT_BIT(s1));
	ck_assert_int_eq(shim_ft_queue(&ft, s1, shared), 1);
	/* the child dies */
	norphans = 0;
	ck_assert_uint_eq(shim_ft_slot_gone(&ft, s1, orphan, &ft), 2);
	ck_assert_uint_eq(norphans, 2);
	ck_assert_uint_eq(orphans[0], mine);
	ck_assert_uint_eq(orphans[1], theirs);
	ck_assert_ptr_null(shim_ft_fh(&ft, mine));
	ck_assert_ptr_null(shim_ft_fh(&ft, theirs));
	ck_assert_uint_eq(shim_ft_fh(&ft, shared)->holders, SHIM_SLOT_BIT(s0));
	ck_assert_uint_eq(shim_ft_fh(&ft, shared)->pend, 0);
	ck_assert_uint_eq(ft.slots[1].state, SHIM_SLOT_FREE);
	ck_assert_uint_eq(ft.slots[1].qn, 0);
	/* the slot is reused; all slots can be taken, then none */
	for (i = 1; i < SHIM_FAM_SLOTS; i++)
		ck_assert_int_eq(shim_ft_slot_reserve(&ft, 30), i);
	ck_assert_int_eq(shim_ft_slot_reserve(&ft, 30), -1);
	/* a reservation nobody took goes like a death; a child that comes
	 * after that is no member */
	ck_assert_uint_eq(shim_ft_slot_gone(&ft, 7, orphan, &ft), 0);
	ck_assert_int_eq(shim_ft_slot_activate(&ft, 7, 107, 50), -1);
	ck_assert_uint_eq(ft.slots[7].state, SHIM_SLOT_FREE);
	ck_assert_int_eq(shim_ft_slot_reserve(&ft, 40), 7);
	ck_assert_uint_eq(shim_ft_slot_gone(&ft, -1, orphan, &ft), 0);
	/* the whole family gone: what nobody holds */
	ck_assert_uint_eq(shim_ft_release(&ft, shared, s0), 0);
	norphans = 0;
	ck_assert_uint_eq(shim_ft_unheld(&ft, orphan, &ft), 1);
	ck_assert_uint_eq(orphans[0], shared);
	ck_assert_uint_eq(ft.nused, 0);
}
END_TEST

Suite *
xt_suite_shim_family(void)
{
	Suite *s = suite_create("shim_family");
	TCase *tc = tcase_create("famtab");

	tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
	tcase_add_test(tc, ft_handles);
	tcase_add_test(tc, ft_release);
	tcase_add_test(tc, ft_queue);
	tcase_add_test(tc, ft_slots);
	suite_add_tcase(s, tc);
	return (s);
}
