/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * siphash.h - SipHash-2-4, the keyed pseudorandom function of Aumasson
 * and Bernstein ("SipHash: a fast short-input PRF", 2012).  A pure
 * function: no state, no allocation.
 *
 * The engine uses it wherever an outsider must not predict or forge a
 * value: the F() of RFC 6528 §3 for initial sequence numbers, SYN
 * cookies (RFC 4987 §3.6), Fast Open cookies (RFC 7413 §4.1.2),
 * timestamp offsets (RFC 7323 §5.4) and, in counter mode, the engine's
 * general random numbers.
 */
#ifndef XT_WIRE_SIPHASH_H
#define XT_WIRE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define XT_SIPKEY_LEN	16		/* bytes in a key */

/* A key: its 16 bytes read as two little-endian words (k0 first). */
struct xt_sipkey {
	uint64_t	k0;
	uint64_t	k1;
};

void		xt_sipkey_load(struct xt_sipkey *k,
		    const uint8_t b[XT_SIPKEY_LEN]);
/* SipHash-2-4 of len bytes at msg under key k. */
uint64_t	xt_siphash24(const struct xt_sipkey *k, const void *msg,
		    size_t len);
/* The same of the 16 bytes that are m0 then m1, each little-endian. */
uint64_t	xt_siphash24_2u64(const struct xt_sipkey *k, uint64_t m0,
		    uint64_t m1);

#endif /* XT_WIRE_SIPHASH_H */
