/*
 * ring.c - byte ring for socket send and receive buffers.
 *
 * The readable data is the `len` bytes starting at `head`, wrapping at
 * `cap`.  The free space after it doubles as the landing area for
 * out-of-order TCP data (RFC 9293 §3.10.7.4, "seventh, process the
 * segment text"): xt_ring_write_at() stores bytes at an offset past the
 * readable data and xt_ring_commit() later makes them readable.  Because
 * of that, `head` is never reset when the ring drains: bytes already
 * placed beyond the readable data must stay where they are.
 *
 * Every index is computed in 64 bits so that a capacity close to 2^32
 * cannot overflow head + offset.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "buf/ring.h"

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
	return ((uint32_t)(((uint64_t)r->head + off) % r->cap));
}

/* Copy n bytes (n <= cap) into storage starting at index pos, wrapping. */
static void
ring_copy_in(struct xt_ring *r, uint32_t pos, const uint8_t *src, uint32_t n)
{
	uint32_t first;

	first = min_u32(n, r->cap - pos);
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, src + first, n - first);
}

/* Copy n bytes (n <= cap) out of storage starting at index pos, wrapping. */
static void
ring_copy_out(const struct xt_ring *r, uint32_t pos, uint8_t *dst, uint32_t n)
{
	uint32_t first;

	first = min_u32(n, r->cap - pos);
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy(dst + first, r->buf, n - first);
}

int
xt_ring_init(struct xt_ring *r, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	if (cap == 0)
		return (XT_EINVAL);
	/* calloc: bytes past the readable data are copied by resize. */
	if ((r->buf = calloc(1, cap)) == NULL)
		return (XT_ENOMEM);
	r->cap = cap;
	return (XT_OK);
}

void
xt_ring_free(struct xt_ring *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/*
 * Linearise into new storage.  Besides the readable data, as much of the
 * area past it as fits in the new capacity is kept too, so out-of-order
 * bytes stored with write_at survive a resize unless the ring shrinks
 * below their offset.
 */
int
xt_ring_resize(struct xt_ring *r, uint32_t cap)
{
	uint8_t *nb;
	uint32_t keep;

	if (cap == 0 || cap < r->len)
		return (XT_EINVAL);
	if (cap == r->cap)
		return (XT_OK);
	if ((nb = calloc(1, cap)) == NULL)
		return (XT_ENOMEM);
	keep = min_u32(cap, r->cap);
	if (keep > 0)
		ring_copy_out(r, r->head, nb, keep);
	free(r->buf);
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return (XT_OK);
}

uint32_t
xt_ring_write(struct xt_ring *r, const void *src, uint32_t n)
{
	n = min_u32(n, r->cap - r->len);
	if (n == 0)
		return (0);
	ring_copy_in(r, ring_idx(r, r->len), src, n);
	r->len += n;
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
	if (n > 0)
		ring_copy_in(r, ring_idx(r, (uint64_t)r->len + off), src, n);
	return (n);
}

uint32_t
xt_ring_commit(struct xt_ring *r, uint32_t n)
{
	n = min_u32(n, r->cap - r->len);
	r->len += n;
	return (n);
}
