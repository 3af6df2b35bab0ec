/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * siphash.c - SipHash-2-4, written from the description in Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF" (INDOCRYPT 2012), §2.
 *
 * The state is four 64-bit words initialised from the key and four
 * constants ("somepseudorandomlygeneratedbytes" in ASCII).  The message
 * is cut into little-endian 64-bit words; the last one holds the
 * remaining 0-7 bytes and, in its top byte, the message length modulo
 * 256.  Each word is xored into v3, followed by c = 2 SipRounds, and
 * then into v0.  Finalisation xors 0xff into v2, runs d = 4 SipRounds
 * and returns the xor of the four words.  The paper's Appendix A vector
 * and others are in tests/unit/check_keys.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "wire/siphash.h"

static uint64_t	sip_rotl(uint64_t x, unsigned b);
static uint64_t	sip_load64(const uint8_t *p);
static void	sip_round(uint64_t v[4]);
static void	sip_compress(uint64_t v[4], uint64_t m);

static uint64_t
sip_rotl(uint64_t x, unsigned b)
{
	return ((x << b) | (x >> (64 - b)));
}

static uint64_t
sip_load64(const uint8_t *p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return (x);
}

/* One SipRound: two ARX half-rounds over (v0, v1) and (v2, v3). */
static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[2] += v[3];
	v[1] = sip_rotl(v[1], 13);
	v[3] = sip_rotl(v[3], 16);
	v[1] ^= v[0];
	v[3] ^= v[2];
	v[0] = sip_rotl(v[0], 32);
	v[2] += v[1];
	v[0] += v[3];
	v[1] = sip_rotl(v[1], 17);
	v[3] = sip_rotl(v[3], 21);
	v[1] ^= v[2];
	v[3] ^= v[0];
	v[2] = sip_rotl(v[2], 32);
}

/* Absorb one message word with c = 2 rounds. */
static void
sip_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

void
xt_sipkey_load(struct xt_sipkey *k, const uint8_t b[XT_SIPKEY_LEN])
{
	k->k0 = sip_load64(b);
	k->k1 = sip_load64(b + 8);
}

uint64_t
xt_siphash24(const struct xt_sipkey *k, const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint64_t v[4], last;
	size_t i, full = len & ~(size_t)7;
	int j;

	v[0] = k->k0 ^ 0x736f6d6570736575ULL;
	v[1] = k->k1 ^ 0x646f72616e646f6dULL;
	v[2] = k->k0 ^ 0x6c7967656e657261ULL;
	v[3] = k->k1 ^ 0x7465646279746573ULL;
	for (i = 0; i < full; i += 8)
		sip_compress(v, sip_load64(p + i));
	last = (uint64_t)(len & 0xff) << 56;
	for (j = (int)(len - full) - 1; j >= 0; j--)
		last |= (uint64_t)p[full + (size_t)j] << (8 * j);
	sip_compress(v, last);
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		sip_round(v);
	return (v[0] ^ v[1] ^ v[2] ^ v[3]);
}

uint64_t
xt_siphash24_2u64(const struct xt_sipkey *k, uint64_t m0, uint64_t m1)
{
	uint8_t b[16];
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(m0 >> (8 * i));
		b[8 + i] = (uint8_t)(m1 >> (8 * i));
	}
	return (xt_siphash24(k, b, sizeof(b)));
}
