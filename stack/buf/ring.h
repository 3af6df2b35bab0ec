/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ring.h - byte ring for socket send and receive buffers.
 *
 * The ring holds `len` bytes of readable data starting at `head`.  Bytes
 * beyond the readable data can be written at an offset without becoming
 * readable (out-of-order TCP data goes straight to its place in the
 * receive ring) and are made readable later with xt_ring_commit().
 * Storage is allocated on demand from the engine's allocator (ring.c):
 * a ring with nothing in it holds none.
 */
#ifndef XT_BUF_RING_H
#define XT_BUF_RING_H

#include <stdint.h>

struct xt_mem;

#define XT_RING_MIN	2048	/* first storage block, bytes */

struct xt_ring {
	uint8_t		*buf;	/* storage, size bytes; NULL when size is 0 */
	struct xt_mem	*mem;	/* where storage comes from */
	uint32_t	cap;	/* capacity, bytes */
	uint32_t	size;	/* storage allocated, bytes (<= cap) */
	uint32_t	head;	/* index of the first readable byte */
	uint32_t	len;	/* readable bytes */
	uint32_t	hi;	/* bytes from head that may hold data (>= len) */
	uint8_t		peak_lg; /* log2 of the most hi was since storage
				 * came, rounded up */
	uint8_t		last_lg; /* storage to start from after a release:
				 * 2^last_lg (cut to cap), 0 = XT_RING_MIN */
};

/* A ring of capacity cap (> 0) holding no storage yet; XT_EINVAL for 0. */
int		xt_ring_init(struct xt_ring *r, struct xt_mem *mem,
		    uint32_t cap);
/* Give back the storage; the ring is empty with capacity 0. */
void		xt_ring_free(struct xt_ring *r);
/* Empty (no readable data, and the caller keeps nothing past it): give
 * the storage back.  A no-op otherwise. */
void		xt_ring_release(struct xt_ring *r);
/* Change capacity keeping the readable data; XT_EINVAL if cap < len,
 * XT_ENOMEM if storage had to shrink and could not move. */
int		xt_ring_resize(struct xt_ring *r, uint32_t cap);
static inline uint32_t xt_ring_len(const struct xt_ring *r) { return (r->len); }
static inline uint32_t xt_ring_space(const struct xt_ring *r) { return (r->cap - r->len); }
/* Bytes of storage held. */
static inline uint32_t xt_ring_size(const struct xt_ring *r) { return (r->size); }
/* Append up to n bytes; returns bytes appended: min(n, space), or less
 * when storage could not grow. */
uint32_t	xt_ring_write(struct xt_ring *r, const void *src, uint32_t n);
/* Remove and copy up to n bytes from the front; returns bytes copied. */
uint32_t	xt_ring_read(struct xt_ring *r, void *dst, uint32_t n);
/* Copy up to n bytes starting off bytes after the front, without
 * consuming; returns bytes copied (0 if off >= len). */
uint32_t	xt_ring_peek(const struct xt_ring *r, uint32_t off, void *dst,
		    uint32_t n);
/* Drop up to n bytes from the front; returns bytes dropped. */
uint32_t	xt_ring_discard(struct xt_ring *r, uint32_t n);
/* Store up to n bytes at off bytes past the end of the readable data,
 * clipped to the free space; returns bytes stored.  len is unchanged. */
uint32_t	xt_ring_write_at(struct xt_ring *r, uint32_t off,
		    const void *src, uint32_t n);
/* Make n more bytes (stored earlier with write_at at offset 0..n) readable;
 * n is clipped to the free space.  Returns bytes committed. */
uint32_t	xt_ring_commit(struct xt_ring *r, uint32_t n);

#endif
