/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_helpers.h - small helpers shared by the Check suites.
 *
 * Everything here is static inline so a suite that uses only part of it
 * builds without unused-function warnings.  Helpers assert with ck_assert*,
 * so a misuse fails the calling test (with CK_FORK, only that test).
 *
 *	xt_test_hex()		hex text ("45 00 3c", "16:7b:44") to bytes
 *	XT_EXPECT_BYTES()	byte-array comparison that names the first
 *				difference and shows both sides around it
 *	xt_test_exact()		copy into a heap block of exactly n bytes, so
 *				valgrind/ASan catch any read past the end
 *	xt_test_rand()		seeded xorshift64* for reproducible inputs
 *	xt_test_build_tcp()	Ethernet + IPv4 + TCP frame from reprs
 *	xt_test_build_icmp()	Ethernet + IPv4 + ICMP frame
 *	xt_test_parse_tcp()	frame -> eth/ipv4/tcp reprs, asserting validity
 *	xt_test_ip()		dotted quad to host-order address
 */
#ifndef XT_CHECK_HELPERS_H
#define XT_CHECK_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xt_err.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/icmp4.h"
#include "wire/tcp.h"

/* Parse hex digits into out (cap bytes); whitespace, ':' and '-' between
 * byte pairs are ignored.  Returns the byte count. */
static inline size_t
xt_test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;
	char c;

	for (; *hex != '\0'; hex++) {
		c = *hex;
		if (c == ' ' || c == '\t' || c == '\n' || c == ':' || c == '-')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else {
			ck_abort_msg("xt_test_hex: bad character '%c'", c);
			return (0);
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_msg(n < cap, "xt_test_hex: more than %zu bytes", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_msg(hi < 0, "xt_test_hex: odd number of digits");
	return (n);
}

/* Compare; on mismatch write a description into msg and return 0. */
static inline int
xt_test_bytes_eq(const uint8_t *got, size_t glen, const uint8_t *want,
    size_t wlen, char *msg, size_t msglen)
{
	size_t i, n, from, to, k;
	int off;

	n = glen < wlen ? glen : wlen;
	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (i == n && glen == wlen)
		return (1);
	from = i >= 4 ? i - 4 : 0;
	to = i + 4;
	off = snprintf(msg, msglen, "length got %zu want %zu, first "
	    "difference at offset %zu; got:", glen, wlen, i);
	for (k = from; k < to && k < glen && off > 0 && (size_t)off < msglen;
	    k++)
		off += snprintf(msg + off, msglen - off, " %02x", got[k]);
	if (off > 0 && (size_t)off < msglen)
		off += snprintf(msg + off, msglen - off, " want:");
	for (k = from; k < to && k < wlen && off > 0 && (size_t)off < msglen;
	    k++)
		off += snprintf(msg + off, msglen - off, " %02x", want[k]);
	return (0);
}

#define XT_EXPECT_BYTES(got, glen, want, wlen) do {			\
	char xt_msg_[256];						\
	ck_assert_msg(xt_test_bytes_eq((got), (glen), (want), (wlen),	\
	    xt_msg_, sizeof(xt_msg_)), "%s: %s", #got, xt_msg_);	\
} while (0)

/* A heap copy of exactly n bytes; free with xt_test_exact_free().  For
 * n == 0 the pointer is one past a 1-byte block, so any read is caught. */
static inline uint8_t *
xt_test_exact(const void *src, size_t n)
{
	uint8_t *p;

	if (n == 0) {
		p = malloc(1);
		ck_assert_ptr_nonnull(p);
		return (p + 1);
	}
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	memcpy(p, src, n);
	return (p);
}

static inline void
xt_test_exact_free(uint8_t *p, size_t n)
{
	free(n == 0 ? p - 1 : p);
}

/* xorshift64*: seeded, reproducible; state must start non-zero. */
static inline uint64_t
xt_test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* "10.0.0.1" -> 0x0a000001 */
static inline uint32_t
xt_test_ip(const char *s)
{
	unsigned a, b, c, d;

	ck_assert_msg(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) == 4 &&
	    a < 256 && b < 256 && c < 256 && d < 256, "bad address %s", s);
	return ((uint32_t)a << 24 | b << 16 | c << 8 | d);
}

/* Addresses and IPv4 header fields for the frame builders. */
struct xt_test_frame {
	uint8_t		src_mac[XT_ETH_ALEN];
	uint8_t		dst_mac[XT_ETH_ALEN];
	uint32_t	saddr;		/* host order */
	uint32_t	daddr;		/* host order */
	uint16_t	ip_id;
	uint16_t	ip_frag;	/* e.g. XT_IPV4_DF */
	uint8_t		tos;
	uint8_t		ttl;		/* 0 means 64 */
};

/* Ethernet + IPv4 headers for an l4len-byte payload of protocol proto. */
static inline uint8_t *
xt_test_build_l3(uint8_t *buf, size_t cap, const struct xt_test_frame *f,
    uint8_t proto, size_t l4len)
{
	struct xt_eth_repr eth;
	struct xt_ipv4_repr ip;

	ck_assert_uint_le(XT_ETH_HLEN + XT_IPV4_HLEN + l4len, cap);
	ck_assert_uint_le(XT_IPV4_HLEN + l4len, 0xffff);
	memcpy(eth.dst, f->dst_mac, XT_ETH_ALEN);
	memcpy(eth.src, f->src_mac, XT_ETH_ALEN);
	eth.type = XT_ETHERTYPE_IPV4;
	xt_eth_emit(&eth, buf);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = XT_IPV4_HLEN;
	ip.tos = f->tos;
	ip.total_len = (uint16_t)(XT_IPV4_HLEN + l4len);
	ip.id = f->ip_id;
	ip.frag = f->ip_frag;
	ip.ttl = f->ttl != 0 ? f->ttl : 64;
	ip.proto = proto;
	ip.src = f->saddr;
	ip.dst = f->daddr;
	xt_ipv4_emit(&ip, buf + XT_ETH_HLEN);
	return (buf + XT_ETH_HLEN + XT_IPV4_HLEN);
}

/* Build a whole TCP frame (checksums filled); returns its length.  The
 * repr's payload fields are ignored: the payload is payload/plen. */
static inline size_t
xt_test_build_tcp(uint8_t *buf, size_t cap, const struct xt_test_frame *f,
    const struct xt_tcp_repr *t, const void *payload, size_t plen)
{
	uint8_t *seg;
	size_t hlen;

	hlen = xt_tcp_hdr_len(t);
	seg = xt_test_build_l3(buf, cap, f, XT_IPPROTO_TCP, hlen + plen);
	ck_assert_uint_eq(xt_tcp_emit_hdr(t, seg), hlen);
	if (plen > 0)
		memcpy(seg + hlen, payload, plen);
	xt_tcp_fill_csum(seg, hlen + plen, f->saddr, f->daddr);
	return (XT_ETH_HLEN + XT_IPV4_HLEN + hlen + plen);
}

/* Build a whole ICMP frame; returns its length. */
static inline size_t
xt_test_build_icmp(uint8_t *buf, size_t cap, const struct xt_test_frame *f,
    const struct xt_icmp4_repr *m)
{
	uint8_t *p;
	size_t n;

	n = xt_icmp4_len(m);
	p = xt_test_build_l3(buf, cap, f, XT_IPPROTO_ICMP, n);
	ck_assert_int_eq(xt_icmp4_emit(m, p, n), XT_OK);
	return (XT_ETH_HLEN + XT_IPV4_HLEN + n);
}

/* Parse an Ethernet/IPv4/TCP frame with every checksum verified; any
 * failure fails the test.  Pointers in *tcp point into buf. */
static inline void
xt_test_parse_tcp(const uint8_t *buf, size_t len, struct xt_eth_repr *eth,
    struct xt_ipv4_repr *ip, struct xt_tcp_repr *tcp)
{
	const uint8_t *p, *l4;
	size_t plen, l4len;

	ck_assert_int_eq(xt_eth_parse(buf, len, eth, &p, &plen), XT_OK);
	ck_assert_uint_eq(eth->type, XT_ETHERTYPE_IPV4);
	ck_assert_int_eq(xt_ipv4_parse(p, plen, 1, ip, &l4, &l4len), XT_OK);
	ck_assert_uint_eq(ip->proto, XT_IPPROTO_TCP);
	ck_assert_int_eq(xt_tcp_parse(l4, l4len, ip->src, ip->dst, 1, tcp),
	    XT_OK);
}

#endif /* XT_CHECK_HELPERS_H */
