/*
 * xt_mem.c - the engine's allocator (see xt_mem.h).
 *
 * Accounting only: malloc(3) does the work.  A refused allocation is
 * counted here; the caller decides what it means (ENOBUFS to socket(),
 * a dropped segment, a smaller table) and counts that in its own terms.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_mem.h"

void
xt_mem_init(struct xt_mem *m, uint64_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

int
xt_mem_room(const struct xt_mem *m, size_t n)
{
	return (m->max == 0 || (n <= m->max && m->used <= m->max - n));
}

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

static void *
mem_get(struct xt_mem *m, size_t n, int zero)
{
	void *p;

	if (n == 0 || !mem_admit(m, n))
		return (NULL);
	if ((p = zero ? calloc(1, n) : malloc(n)) == NULL) {
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
	if (m != NULL)
		m->used = n <= m->used ? m->used - n : 0;
	free(p);
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
	if ((np = realloc(p, nn)) == NULL) {
		if (m != NULL)
			m->nfails++;
		return (NULL);
	}
	if (nn > on) {
		memset((uint8_t *)np + on, 0, nn - on);
		mem_took(m, nn - on);
	} else if (m != NULL)
		m->used = on - nn <= m->used ? m->used - (on - nn) : 0;
	return (np);
}
