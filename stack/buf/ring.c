/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ring.c - byte ring for socket send and receive buffers.
 *
 * The readable data is the `len` bytes starting at `head`, wrapping at
 * `cap`.  The free space after it doubles as the landing area for
 * out-of-order TCP data (RFC 9293 §3.10.7.4, "seventh, process the
 * segment text"): xt_ring_write_at() stores bytes at an offset past the
 * readable data and xt_ring_commit() later makes them readable.  Because
 * of that, `head` is not reset when the ring drains: bytes already
 * placed beyond the readable data must stay where they are (only
 * xt_ring_release(), which the caller calls when it keeps nothing there,
 * starts over).
 *
 * Storage comes on demand (the issue of memory on demand): `cap` is the
 * buffer size the socket has (SO_SNDBUF, SO_RCVBUF, autotuning), what
 * every space and window computation sees, while `size` is what is
 * allocated, 0 until the first byte needs a place.  It grows by doubling
 * as bytes arrive, never past cap, and xt_ring_release() gives it back
 * once the ring is empty.  Indices wrap at `size`; the readable data and
 * anything written past it (up to `hi` bytes from head) always fit in it,
 * and only those `hi` bytes move when storage does.  Storage comes back
 * at the size the last burst needed (`last_lg`, halved when a burst used
 * less than a quarter of it), so a connection that streams does not pay
 * for a climb from XT_RING_MIN, and the copies it brings, each time its
 * reader empties the ring.  When storage cannot grow (XTCP_MEM_MAX,
 * malloc) a write keeps what the present storage holds and returns
 * less: the caller tells that apart from a full ring by xt_ring_space().
 *
 * Every index is computed in 64 bits so that a capacity close to 2^32
 * cannot overflow head + offset.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "xt_mem.h"
#include "buf/ring.h"

static int	ring_grow(struct xt_ring *, uint64_t);
static int	ring_restore(struct xt_ring *, uint32_t);

static uint32_t	ring_idx(const struct xt_ring *, uint64_t);
static void	ring_copy_in(struct xt_ring *, uint32_t, const uint8_t *,
		    uint32_t);
static void	ring_copy_out(const struct xt_ring *, uint32_t, uint8_t *,
		    uint32_t);

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return (a < b ? a : b);
}

/* Storage index of the byte off bytes after head. */
static uint32_t
ring_idx(const struct xt_ring *r, uint64_t off)
{
	return ((uint32_t)(((uint64_t)r->head + off) % r->size));
}

/* Copy n bytes (n <= cap) into storage starting at index pos, wrapping. */
static void
ring_copy_in(struct xt_ring *r, uint32_t pos, const uint8_t *src, uint32_t n)
{
	uint32_t first;

	first = min_u32(n, r->size - pos);
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, src + first, n - first);
}

/* Copy n bytes (n <= cap) out of storage starting at index pos, wrapping. */
static void
ring_copy_out(const struct xt_ring *r, uint32_t pos, uint8_t *dst, uint32_t n)
{
	uint32_t first;

	first = min_u32(n, r->size - pos);
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy(dst + first, r->buf, n - first);
}

/*
 * Move the storage to a block of nsize bytes, linearised: the readable
 * data and as much of the area past it as fits come along, so bytes
 * stored with write_at survive unless the storage shrinks below them.
 * nsize 0 frees it.
 */
static int
ring_restore(struct xt_ring *r, uint32_t nsize)
{
	uint8_t *nb = NULL;
	uint32_t keep;

	if (nsize == r->size)
		return (XT_OK);
	if (nsize > 0 && (nb = xt_alloc_raw(r->mem, nsize)) == NULL)
		return (XT_ENOMEM);
	keep = min_u32(nsize, r->hi);
	if (keep > 0)
		ring_copy_out(r, r->head, nb, keep);
	xt_free(r->mem, r->buf, r->size);
	r->buf = nb;
	r->size = nsize;
	r->head = 0;
	r->hi = keep;
	return (XT_OK);
}

/* Make storage hold need bytes from head (need <= cap): double from
 * what there is (or from 2^last_lg, at least XT_RING_MIN) up to the first
 * size that does, cap at most. */
static int
ring_grow(struct xt_ring *r, uint64_t need)
{
	uint64_t nsize;

	if (need <= r->size)
		return (XT_OK);
	nsize = r->size != 0 ? r->size :
	    r->last_lg != 0 ? (uint64_t)1 << r->last_lg : 0;
	if (nsize < XT_RING_MIN)
		nsize = XT_RING_MIN;
	while (nsize < need)
		nsize *= 2;
	if (nsize > r->cap)
		nsize = r->cap;
	return (ring_restore(r, (uint32_t)nsize));
}

/* The ring reached hi bytes from head. */
static inline void
ring_reach(struct xt_ring *r, uint64_t hi)
{
	if (hi > r->hi)
		r->hi = (uint32_t)hi;
	while (((uint64_t)1 << r->peak_lg) < r->hi)
		r->peak_lg++;
}

int
xt_ring_init(struct xt_ring *r, struct xt_mem *mem, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	if (cap == 0)
		return (XT_EINVAL);
	r->mem = mem;
	r->cap = cap;
	return (XT_OK);
}

void
xt_ring_free(struct xt_ring *r)
{
	struct xt_mem *mem = r->mem;

	xt_free(mem, r->buf, r->size);
	memset(r, 0, sizeof(*r));
	r->mem = mem;
}

void
xt_ring_release(struct xt_ring *r)
{
	if (r->len != 0 || r->buf == NULL)
		return;
	/* size is a power of two, or cap (2^last_lg is then cut to it) */
	r->last_lg = 0;
	while (((uint64_t)1 << r->last_lg) < r->size)
		r->last_lg++;
	if (((uint64_t)1 << r->peak_lg) <= r->size / 4)
		r->last_lg--;		/* a burst used a quarter or less */
	r->peak_lg = 0;
	r->hi = 0;
	(void)ring_restore(r, 0);
}

/*
 * A new capacity: storage that fits stays as it is; storage larger than
 * the new capacity moves to a block of that size.
 */
int
xt_ring_resize(struct xt_ring *r, uint32_t cap)
{
	int err;

	if (cap == 0 || cap < r->len)
		return (XT_EINVAL);
	if (cap < r->size && (err = ring_restore(r, cap)) != XT_OK)
		return (err);
	r->cap = cap;
	return (XT_OK);
}

uint32_t
xt_ring_write(struct xt_ring *r, const void *src, uint32_t n)
{
	n = min_u32(n, r->cap - r->len);
	if (n == 0)
		return (0);
	if (ring_grow(r, (uint64_t)r->len + n) != XT_OK)
		n = r->size - r->len;	/* what the storage holds */
	if (n == 0)
		return (0);
	ring_copy_in(r, ring_idx(r, r->len), src, n);
	r->len += n;
	ring_reach(r, r->len);
	return (n);
}

uint32_t
xt_ring_read(struct xt_ring *r, void *dst, uint32_t n)
{
	n = xt_ring_peek(r, 0, dst, n);
	return (xt_ring_discard(r, n));
}

uint32_t
xt_ring_peek(const struct xt_ring *r, uint32_t off, void *dst, uint32_t n)
{
	if (off >= r->len)
		return (0);
	n = min_u32(n, r->len - off);
	if (n > 0)
		ring_copy_out(r, ring_idx(r, off), dst, n);
	return (n);
}

uint32_t
xt_ring_discard(struct xt_ring *r, uint32_t n)
{
	n = min_u32(n, r->len);
	if (n == 0)
		return (0);
	r->head = ring_idx(r, n);
	r->len -= n;
	r->hi -= n;		/* hi >= len + n */
	return (n);
}

uint32_t
xt_ring_write_at(struct xt_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t space;

	space = r->cap - r->len;
	if (off >= space)
		return (0);
	n = min_u32(n, space - off);
	if (n == 0)
		return (0);
	if (ring_grow(r, (uint64_t)r->len + off + n) != XT_OK) {
		if ((uint64_t)r->len + off >= r->size)
			return (0);
		n = min_u32(n, r->size - r->len - off);
	}
	ring_copy_in(r, ring_idx(r, (uint64_t)r->len + off), src, n);
	ring_reach(r, (uint64_t)r->len + off + n);
	return (n);
}

uint32_t
xt_ring_commit(struct xt_ring *r, uint32_t n)
{
	n = min_u32(n, r->size - r->len);
	r->len += n;
	ring_reach(r, r->len);
	return (n);
}
