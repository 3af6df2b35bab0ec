/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * famtab.c - a process family's slots and handles (famtab.h).
 *
 * The handle table is an array in the region, doubled as it fills (a
 * copy: nobody keeps a record pointer across a handle_get), with the
 * free handles chained through next_free.  Unit tests:
 * tests/unit/check_shim_family.c.
 */
#include "prelude.h"

#include <string.h>

#include "famtab.h"

void
shim_ft_init(struct shim_famtab *ft)
{
	memset(ft, 0, sizeof(*ft));
}

/* Double the table; 0 or -1. */
static int
ft_grow(struct shim_famtab *ft, shim_ft_alloc_fn alloc, shim_ft_free_fn fr,
    void *arg)
{
	struct shim_fh *nfh;
	uint32_t n, h;

	if (ft->nfh >= (UINT32_MAX >> 2))
		return (-1);
	n = ft->nfh == 0 ? 64 : ft->nfh * 2;
	if ((nfh = alloc(arg, (size_t)n * sizeof(*nfh))) == NULL)
		return (-1);
	memset(nfh, 0, (size_t)n * sizeof(*nfh));
	if (ft->fh != NULL) {
		memcpy(nfh, ft->fh, (size_t)ft->nfh * sizeof(*nfh));
		fr(arg, ft->fh, (size_t)ft->nfh * sizeof(*nfh));
	}
	/* new handles free, lowest first */
	for (h = n; h > ft->nfh; h--) {
		nfh[h - 1].next_free = ft->fh_free;
		ft->fh_free = h;
	}
	ft->fh = nfh;
	ft->nfh = n;
	return (0);
}

uint32_t
shim_ft_handle_get(struct shim_famtab *ft, void *xs, int slot,
    shim_ft_alloc_fn alloc, shim_ft_free_fn fr, void *arg)
{
	struct shim_fh *f;
	uint32_t h;

	if (slot < 0 || slot >= SHIM_FAM_SLOTS)
		return (0);
	if (ft->fh_free == 0 && ft_grow(ft, alloc, fr, arg) != 0)
		return (0);
	h = ft->fh_free;
	f = &ft->fh[h - 1];
	ft->fh_free = f->next_free;
	memset(f, 0, sizeof(*f));
	f->used = 1;
	f->xs = xs;
	f->holders = SHIM_SLOT_BIT(slot);
	ft->nused++;
	return (h);
}

struct shim_fh *
shim_ft_fh(struct shim_famtab *ft, uint32_t h)
{
	if (ft == NULL || h == 0 || h > ft->nfh || !ft->fh[h - 1].used)
		return (NULL);
	return (&ft->fh[h - 1]);
}

void
shim_ft_handle_put(struct shim_famtab *ft, uint32_t h)
{
	struct shim_fh *f;

	if ((f = shim_ft_fh(ft, h)) == NULL)
		return;
	memset(f, 0, sizeof(*f));
	f->next_free = ft->fh_free;
	ft->fh_free = h;
	ft->nused--;
}

uint64_t
shim_ft_release(struct shim_famtab *ft, uint32_t h, int slot)
{
	struct shim_fh *f;

	if ((f = shim_ft_fh(ft, h)) == NULL)
		return (0);
	if (slot >= 0 && slot < SHIM_FAM_SLOTS) {
		f->holders &= ~SHIM_SLOT_BIT(slot);
		f->pend &= ~SHIM_SLOT_BIT(slot);
	}
	return (f->holders);
}

int
shim_ft_queue(struct shim_famtab *ft, int slot, uint32_t h)
{
	struct shim_slot *sl;
	struct shim_fh *f;

	if (slot < 0 || slot >= SHIM_FAM_SLOTS ||
	    (f = shim_ft_fh(ft, h)) == NULL)
		return (0);
	if (f->pend & SHIM_SLOT_BIT(slot))
		return (0);
	sl = &ft->slots[slot];
	f->pend |= SHIM_SLOT_BIT(slot);
	if (sl->qn < SHIM_SLOT_QLEN)
		sl->q[sl->qn++] = h;
	else
		sl->qover = 1;
	return (1);
}

int
shim_ft_drain(struct shim_famtab *ft, int slot,
    void (*fn)(void *arg, uint32_t h), void *arg)
{
	struct shim_slot *sl;
	struct shim_fh *f;
	uint32_t i, h;
	int over;

	if (slot < 0 || slot >= SHIM_FAM_SLOTS)
		return (0);
	sl = &ft->slots[slot];
	for (i = 0; i < sl->qn; i++) {
		h = sl->q[i];
		if ((f = shim_ft_fh(ft, h)) != NULL)
			f->pend &= ~SHIM_SLOT_BIT(slot);
		fn(arg, h);
	}
	sl->qn = 0;
	over = (int)sl->qover;
	sl->qover = 0;
	if (over)		/* what did not fit is still marked pending */
		for (h = 1; h <= ft->nfh; h++)
			ft->fh[h - 1].pend &= ~SHIM_SLOT_BIT(slot);
	return (over);
}

int
shim_ft_slot_reserve(struct shim_famtab *ft, uint64_t now_us)
{
	uint32_t want;
	int i;

	for (i = 0; i < SHIM_FAM_SLOTS; i++) {
		want = SHIM_SLOT_FREE;
		if (atomic_compare_exchange_strong(&ft->slots[i].state, &want,
		    SHIM_SLOT_RESERVED)) {
			atomic_store(&ft->slots[i].pid, 0);
			atomic_store(&ft->slots[i].bell, 0);
			ft->slots[i].since_us = now_us;
			atomic_fetch_add(&ft->members_gen, 1);
			return (i);
		}
	}
	return (-1);
}

int
shim_ft_slot_activate(struct shim_famtab *ft, int slot, int32_t pid,
    uint64_t now_us)
{
	uint32_t want = SHIM_SLOT_RESERVED;

	if (slot < 0 || slot >= SHIM_FAM_SLOTS)
		return (-1);
	atomic_store(&ft->slots[slot].pid, pid);
	if (!atomic_compare_exchange_strong(&ft->slots[slot].state, &want,
	    SHIM_SLOT_ACTIVE))
		return (-1);
	ft->slots[slot].since_us = now_us;
	atomic_fetch_add(&ft->members_gen, 1);
	return (0);
}

unsigned
shim_ft_slot_gone(struct shim_famtab *ft, int slot, shim_ft_orphan_fn orphan,
    void *arg)
{
	struct shim_fh *f;
	uint64_t bit;
	uint32_t h;
	unsigned n = 0;

	if (slot < 0 || slot >= SHIM_FAM_SLOTS)
		return (0);
	bit = SHIM_SLOT_BIT(slot);
	for (h = 1; h <= ft->nfh; h++) {
		f = &ft->fh[h - 1];
		if (!f->used || !(f->holders & bit))
			continue;
		f->holders &= ~bit;
		f->pend &= ~bit;
		if (f->holders == 0) {
			n++;
			orphan(arg, h, f->xs);
		}
	}
	ft->slots[slot].qn = 0;
	ft->slots[slot].qover = 0;
	atomic_store(&ft->slots[slot].pid, 0);
	atomic_store(&ft->slots[slot].state, SHIM_SLOT_FREE);
	atomic_fetch_add(&ft->members_gen, 1);
	return (n);
}

unsigned
shim_ft_unheld(struct shim_famtab *ft, shim_ft_orphan_fn orphan, void *arg)
{
	uint32_t h;
	unsigned n = 0;

	for (h = 1; h <= ft->nfh; h++)
		if (ft->fh[h - 1].used && ft->fh[h - 1].holders == 0) {
			n++;
			orphan(arg, h, ft->fh[h - 1].xs);
		}
	return (n);
}
