/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * csum.c - the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624).
 *
 * Read first: RFC 1071 §1-2 (one's complement sum, byte-order independence,
 * deferred carries), RFC 1624 §3 (why eqn. 3 and not eqn. 2).
 *
 * xt_csum_add is on the per-packet path.  It uses the two properties of
 * RFC 1071 §2: (B) byte-order independence, so words are loaded in host
 * order and the folded result is byte-swapped once at the end on a
 * little-endian machine; (C) parallel summation, so 32-bit words are added
 * into a 64-bit accumulator and the carries are folded back only at the end.
 */
#include <string.h>

#include "wire/csum.h"

/* Bytes summed before folding the 64-bit accumulator: 2^30 bytes are 2^28
 * 32-bit words, far below the 2^32 that could overflow it. */
#define CSUM_CHUNK	((size_t)1 << 30)

static uint16_t	csum_block(const uint8_t *p, size_t len);

/* One's complement sum of a block, folded to 16 bits, in host order. */
static uint16_t
csum_block(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint32_t w[8];
	uint16_t h;
	uint8_t tail[2];

	while (len >= 32) {
		memcpy(w, p, 32);
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
		acc += (uint64_t)w[4] + w[5] + w[6] + w[7];
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		memcpy(w, p, 4);
		acc += w[0];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* RFC 1071 §4.1: pad the odd byte with a zero byte. */
		tail[0] = p[0];
		tail[1] = 0;
		memcpy(&h, tail, 2);
		acc += h;
	}
	/* Fold 64 -> 32 -> 16 bits with end-around carry. */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return ((uint16_t)acc);
}

uint32_t
xt_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	uint16_t h;
	size_t n;

	while (len > 0) {
		n = len < CSUM_CHUNK ? len : CSUM_CHUNK;
		h = csum_block(p, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* RFC 1071 §2(B): a host-order sum is the byte-swapped
		 * network-order sum. */
		h = (uint16_t)(h << 8 | h >> 8);
#endif
		s += h;
		p += n;
		len -= n;
	}
	/* Keep the result a valid unfolded sum: end-around carry. */
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return ((uint32_t)s);
}

uint16_t
xt_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

uint32_t
xt_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len)
{
	/* RFC 9293 §3.1: source, destination, zero + protocol, TCP length. */
	return ((src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    proto + l4len);
}

uint16_t
xt_csum_update16(uint16_t csum, uint16_t oldv, uint16_t newv)
{
	uint32_t sum;

	/* RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'). */
	sum = (uint32_t)(uint16_t)~csum + (uint16_t)~oldv + newv;
	return (xt_csum_fold(sum));
}
