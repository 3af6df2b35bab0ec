/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_mem.c - the engine's allocator (see xt_mem.h).
 *
 * Accounting is on the bytes asked for, whatever the class rounds them
 * to, so XTCP_MEM_MAX means what it meant with malloc(3).  A refused
 * allocation is counted here; the caller decides what it means (ENOBUFS
 * to socket(), a dropped segment, a smaller table) and counts that in
 * its own terms.
 *
 * The arena.  Small blocks (classes up to XT_MEM_SMALL) are 16-byte
 * aligned and stay on their class's free list, resident, once freed.
 * Big ones are page aligned; a freed one is described by a small node
 * (struct xt_mem_big, itself from class 0) so that its pages can go back
 * to the system without losing the list: the first XT_MEM_IDLE_MAX bytes
 * of freed big blocks are kept (a ring that empties and fills again
 * costs no system call), the rest are released at once with madvise(2),
 * and read as zeros when they are taken again.  The caller holds the
 * engine's lock: nothing here is atomic.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xt_mem.h"

#define MEM_SMALL_CLASSES	8	/* 16, 32, ... 128 */

/* A freed big block. */
struct xt_mem_big {
	struct xt_mem_big	*next;
	uint8_t			*blk;
	uint64_t		released;	/* its pages went back: zero */
};
/* the small class the nodes take */
#define MEM_NODE_CLASS	((int)((sizeof(struct xt_mem_big) + 15) / 16) - 1)
#define MEM_NODE_SIZE	((uint64_t)(MEM_NODE_CLASS + 1) * 16)

void
xt_mem_init(struct xt_mem *m, uint64_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void
xt_mem_init_arena(struct xt_mem *m, void *base, uint64_t size, uint64_t max,
    enum xt_mem_release release)
{
	xt_mem_init(m, max);
	m->base = base;
	m->size = size;
	m->release = (int)release;
}

int
xt_mem_room(const struct xt_mem *m, size_t n)
{
	return (m->max == 0 || (n <= m->max && m->used <= m->max - n));
}

int
xt_mem_class(uint64_t n, uint64_t *csize)
{
	uint64_t step, k;
	unsigned e;

	if (n <= 16 * MEM_SMALL_CLASSES) {
		k = n <= 16 ? 1 : (n + 15) / 16;
		*csize = k * 16;
		return ((int)k - 1);
	}
	e = 63 - (unsigned)__builtin_clzll(n - 1);	/* 2^e < n <= 2^(e+1) */
	step = (uint64_t)1 << (e - 2);
	k = (n - ((uint64_t)1 << e) + step - 1) / step;	/* 1..4 */
	*csize = ((uint64_t)1 << e) + k * step;
	if (MEM_SMALL_CLASSES + (e - 7) * 4 + (k - 1) >= XT_MEM_NCLASS)
		return (-1);
	return ((int)(MEM_SMALL_CLASSES + (e - 7) * 4 + (k - 1)));
}

/* ---- the arena ---- */

/* Fresh bytes at the break, aligned; NULL when the arena is full. */
static uint8_t *
arena_carve(struct xt_mem *m, uint64_t csz, uint64_t align)
{
	uint64_t at;

	at = (m->brk + align - 1) & ~(align - 1);
	if (at > m->size || csz > m->size - at)
		return (NULL);
	m->brk = at + csz;
	return (m->base + at);
}

static void
arena_release(struct xt_mem *m, uint8_t *p, uint64_t csz)
{
	int adv;

	switch (m->release) {
	case XT_MEM_DONTNEED:
		adv = MADV_DONTNEED;
		break;
	case XT_MEM_REMOVE:
		adv = MADV_REMOVE;
		break;
	default:
		return;
	}
	(void)madvise(p, csz, adv);
	m->nreleased++;
}

/* A small block of class c (size csz): from its list or the break.
 * *fresh says it is known zero. */
static uint8_t *
arena_small(struct xt_mem *m, int c, uint64_t csz, int *fresh)
{
	uint8_t *p;

	if ((p = m->free[c]) != NULL) {
		memcpy(&m->free[c], p, sizeof(void *));
		*fresh = 0;
		return (p);
	}
	*fresh = 1;
	return (arena_carve(m, csz, 16));
}

static void
arena_small_put(struct xt_mem *m, int c, uint8_t *p)
{
	memcpy(p, &m->free[c], sizeof(void *));
	m->free[c] = p;
}

static uint8_t *
arena_get(struct xt_mem *m, uint64_t n, int *fresh)
{
	struct xt_mem_big *b;
	uint64_t csz;
	uint8_t *p;
	int c;

	if ((c = xt_mem_class(n, &csz)) < 0)
		return (NULL);
	if (csz <= XT_MEM_SMALL)
		return (arena_small(m, c, csz, fresh));
	if ((b = m->free[c]) != NULL) {
		m->free[c] = b->next;
		p = b->blk;
		if (b->released)
			*fresh = 1;
		else {
			*fresh = 0;
			m->idle -= csz;
		}
		arena_small_put(m, MEM_NODE_CLASS, (uint8_t *)b);
		return (p);
	}
	*fresh = 1;
	return (arena_carve(m, csz, XT_MEM_PAGE));
}

static void
arena_put(struct xt_mem *m, uint8_t *p, uint64_t n)
{
	struct xt_mem_big *b;
	uint64_t csz;
	int c, fresh;

	if ((c = xt_mem_class(n, &csz)) < 0)
		return;
	if (csz <= XT_MEM_SMALL) {
		arena_small_put(m, c, p);
		return;
	}
	if ((b = (struct xt_mem_big *)arena_small(m, MEM_NODE_CLASS,
	    MEM_NODE_SIZE, &fresh)) == NULL) {
		/* no room even for a node: the pages at least go back */
		arena_release(m, p, csz);
		return;
	}
	b->blk = p;
	b->released = 0;
	if (m->idle + csz > XT_MEM_IDLE_MAX && m->release != XT_MEM_KEEP) {
		arena_release(m, p, csz);
		b->released = 1;
	} else
		m->idle += csz;
	b->next = m->free[c];
	m->free[c] = b;
}

/* ---- accounting ---- */

/* Count one allocation of n bytes: may it go ahead? */
static int
mem_admit(struct xt_mem *m, size_t n)
{
	if (m == NULL)
		return (1);
	m->nallocs++;
	if ((m->fail_at != 0 && m->nallocs == m->fail_at) ||
	    !xt_mem_room(m, n)) {
		m->nfails++;
		return (0);
	}
	return (1);
}

static void
mem_took(struct xt_mem *m, size_t n)
{
	if (m == NULL)
		return;
	m->used += n;
	if (m->used > m->peak)
		m->peak = m->used;
}

static void
mem_gave(struct xt_mem *m, size_t n)
{
	if (m != NULL)
		m->used = n <= m->used ? m->used - n : 0;
}

static void *
mem_get(struct xt_mem *m, size_t n, int zero)
{
	void *p;
	int fresh;

	if (n == 0 || !mem_admit(m, n))
		return (NULL);
	if (m != NULL && m->base != NULL) {
		if ((p = arena_get(m, n, &fresh)) != NULL && zero && !fresh)
			memset(p, 0, n);
	} else
		p = zero ? calloc(1, n) : malloc(n);
	if (p == NULL) {
		if (m != NULL)
			m->nfails++;
		return (NULL);
	}
	mem_took(m, n);
	return (p);
}

void *
xt_alloc(struct xt_mem *m, size_t n)
{
	return (mem_get(m, n, 1));
}

void *
xt_alloc_raw(struct xt_mem *m, size_t n)
{
	return (mem_get(m, n, 0));
}

void
xt_free(struct xt_mem *m, void *p, size_t n)
{
	if (p == NULL)
		return;
	mem_gave(m, n);
	if (m != NULL && m->base != NULL)
		arena_put(m, p, n);
	else
		free(p);
}

/* xt_realloc in the arena: in place within the class, else a move. */
static void *
arena_realloc(struct xt_mem *m, void *p, size_t on, size_t nn)
{
	uint64_t ocsz, ncsz;
	uint8_t *np;
	int oc, nc, fresh;

	oc = xt_mem_class(on, &ocsz);
	nc = xt_mem_class(nn, &ncsz);
	if (nc < 0)
		return (NULL);
	if (oc == nc)
		return (p);
	if ((np = arena_get(m, nn, &fresh)) == NULL)
		return (NULL);
	memcpy(np, p, on < nn ? on : nn);
	arena_put(m, p, on);
	return (np);
}

void *
xt_realloc(struct xt_mem *m, void *p, size_t on, size_t nn)
{
	void *np;

	if (p == NULL)
		return (xt_alloc(m, nn));
	if (nn == 0) {
		xt_free(m, p, on);
		return (NULL);
	}
	if (nn > on && !mem_admit(m, nn - on))
		return (NULL);
	if (m != NULL && m->base != NULL)
		np = arena_realloc(m, p, on, nn);
	else
		np = realloc(p, nn);
	if (np == NULL) {
		if (m != NULL)
			m->nfails++;
		return (NULL);
	}
	if (nn > on) {
		memset((uint8_t *)np + on, 0, nn - on);
		mem_took(m, nn - on);
	} else
		mem_gave(m, on - nn);
	return (np);
}
