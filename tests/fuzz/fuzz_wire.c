/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_wire.c - libFuzzer target: the pure wire parsers of stack/wire/
 * (Ethernet, ARP, IPv4 and its options, ICMPv4, TCP and its options, the
 * Internet checksum), each with an emit/re-parse round trip.
 *
 * The first input byte picks the parser (a frame walk through all of
 * them, or one parser alone); the rest is the buffer, copied to a heap
 * block of exactly its length so ASan sees any read past the end.
 * Properties, beyond "no crash, no out-of-bounds read":
 *  - what a parser accepts, its emitter writes, and the parser reads the
 *    written bytes back to the same representation (parse(emit(r)) == r);
 *    Ethernet and ARP also give back the very same bytes
 *    (emit(parse(b)) == b, their format has no freedom);
 *  - an emitted IPv4 header, ICMP message and TCP segment carry
 *    checksums that verify;
 *  - xt_csum_add over a buffer equals the sum over two pieces split at an
 *    even offset, and xt_csum_update16 after a 16-bit change equals a
 *    fresh sum (RFC 1624).
 *
 * Read first: STYLE.md §4 (the wire layer's contract), RFC 1071, RFC 1624.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xt_err.h"
#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WIRE_FAIL(...) do {						\
	fprintf(stderr, "fuzz_wire: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static uint8_t out[65536 + 128];

static void
wire_eth(const uint8_t *b, size_t len)
{
	struct xt_eth_repr r, r2;
	const uint8_t *p, *p2;
	size_t pl, pl2;

	if (xt_eth_parse(b, len, &r, &p, &pl) != XT_OK)
		return;
	if (p != b + XT_ETH_HLEN || pl != len - XT_ETH_HLEN)
		WIRE_FAIL("eth: payload outside the buffer");
	xt_eth_emit(&r, out);
	if (memcmp(out, b, XT_ETH_HLEN) != 0)
		WIRE_FAIL("eth: emit(parse(b)) != b");
	if (xt_eth_parse(out, XT_ETH_HLEN, &r2, &p2, &pl2) != XT_OK ||
	    memcmp(&r, &r2, sizeof(r)) != 0 || pl2 != 0)
		WIRE_FAIL("eth: parse(emit(r)) != r");
}

static void
wire_arp(const uint8_t *b, size_t len)
{
	struct xt_arp_repr r, r2;

	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	if (xt_arp_parse(b, len, &r) != XT_OK)
		return;
	xt_arp_emit(&r, out);
	if (memcmp(out, b, XT_ARP_LEN) != 0)
		WIRE_FAIL("arp: emit(parse(b)) != b");
	if (xt_arp_parse(out, XT_ARP_LEN, &r2) != XT_OK ||
	    memcmp(&r, &r2, sizeof(r)) != 0)
		WIRE_FAIL("arp: parse(emit(r)) != r");
}

static void
wire_icmp(const uint8_t *b, size_t len, int verify)
{
	struct xt_icmp4_repr r, r2;

	if (xt_icmp4_parse(b, len, verify, &r) != XT_OK)
		return;
	if (r.data_len > 0 && (r.data < b || r.data + r.data_len > b + len))
		WIRE_FAIL("icmp: data outside the buffer");
	if (xt_icmp4_len(&r) != len)
		WIRE_FAIL("icmp: length %zu, parsed %zu", xt_icmp4_len(&r),
		    len);
	if (xt_icmp4_emit(&r, out, len - 1) != XT_EMSGSIZE)
		WIRE_FAIL("icmp: emit into a short buffer");
	if (xt_icmp4_emit(&r, out, sizeof(out)) != XT_OK)
		WIRE_FAIL("icmp: emit failed");
	if (xt_icmp4_parse(out, len, 1, &r2) != XT_OK)
		WIRE_FAIL("icmp: emitted message does not verify");
	if (r2.type != r.type || r2.code != r.code || r2.id != r.id ||
	    r2.seq != r.seq || r2.mtu != r.mtu ||
	    r2.data_len != r.data_len ||
	    memcmp(r2.data, r.data, r.data_len) != 0)
		WIRE_FAIL("icmp: parse(emit(r)) != r");
}

static void
wire_tcp(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
    int verify)
{
	struct xt_tcp_repr r, r2;
	size_t hl;
	unsigned i;

	if (xt_tcp_parse(b, len, src, dst, verify, &r) != XT_OK)
		return;
	if (r.hlen < XT_TCP_HLEN || r.hlen > 60 || r.hlen > len ||
	    r.payload != b + r.hlen || r.payload_len != len - r.hlen)
		WIRE_FAIL("tcp: header length %u, payload outside", r.hlen);
	if (r.ws > XT_TCP_MAX_WS || r.nsack > XT_TCP_MAX_SACK ||
	    (r.has_tfo && r.tfo_len > XT_TFO_COOKIE_MAX))
		WIRE_FAIL("tcp: option out of range");
	hl = xt_tcp_hdr_len(&r);
	if (hl + r.payload_len > 0xffff)
		return;		/* longer options: no longer a datagram */
	if (hl < XT_TCP_HLEN || hl > XT_TCP_HLEN + XT_TCP_MAXOPT ||
	    hl % 4 != 0)
		WIRE_FAIL("tcp: emit length %zu", hl);
	if (xt_tcp_emit_hdr(&r, out) != hl)
		WIRE_FAIL("tcp: emit wrote another length");
	memcpy(out + hl, r.payload, r.payload_len);
	xt_tcp_fill_csum(out, hl + r.payload_len, src, dst);
	if (xt_tcp_parse(out, hl + r.payload_len, src, dst, 1, &r2) != XT_OK)
		WIRE_FAIL("tcp: emitted segment does not verify");
	if (r2.sport != r.sport || r2.dport != r.dport || r2.seq != r.seq ||
	    r2.ack != r.ack || r2.flags != r.flags || r2.win != r.win ||
	    r2.urp != r.urp || r2.hlen != hl ||
	    r2.payload_len != r.payload_len ||
	    memcmp(r2.payload, r.payload, r.payload_len) != 0)
		WIRE_FAIL("tcp: parse(emit(r)) header differs");
	if (r2.has_mss != r.has_mss || (r.has_mss && r2.mss != r.mss) ||
	    r2.has_ws != r.has_ws || (r.has_ws && r2.ws != r.ws) ||
	    r2.sack_perm != r.sack_perm || r2.has_ts != r.has_ts ||
	    (r.has_ts && (r2.tsval != r.tsval || r2.tsecr != r.tsecr)) ||
	    r2.has_tfo != r.has_tfo || (r.has_tfo &&
	    (r2.tfo_len != r.tfo_len ||
	    memcmp(r2.tfo_cookie, r.tfo_cookie, r.tfo_len) != 0)))
		WIRE_FAIL("tcp: parse(emit(r)) options differ");
	/* SACK blocks that did not fit are dropped from the end */
	if (r2.nsack > r.nsack)
		WIRE_FAIL("tcp: more SACK blocks after emit");
	for (i = 0; i < r2.nsack; i++)
		if (r2.sack[i][0] != r.sack[i][0] ||
		    r2.sack[i][1] != r.sack[i][1])
			WIRE_FAIL("tcp: SACK block %u differs", i);
}

static void
wire_ipv4(const uint8_t *b, size_t len, int verify, int walk)
{
	struct xt_ipv4_repr r, r2;
	const uint8_t *p, *p2;
	size_t pl, pl2;

	if (xt_ipv4_parse(b, len, verify, &r, &p, &pl) != XT_OK)
		return;
	if (r.hlen < XT_IPV4_HLEN || r.hlen > 60 || p != b + r.hlen ||
	    r.hlen + pl > len || r.total_len != r.hlen + pl)
		WIRE_FAIL("ipv4: header %u payload %zu of %zu bytes", r.hlen,
		    pl, len);
	(void)xt_ipv4_check_options(b, r.hlen);
	(void)xt_ipv4_is_fragment(&r);
	r2 = r;
	r2.total_len = (uint16_t)(XT_IPV4_HLEN + pl);
	xt_ipv4_emit(&r2, out);
	memcpy(out + XT_IPV4_HLEN, p, pl);
	if (xt_ipv4_parse(out, XT_IPV4_HLEN + pl, 1, &r2, &p2, &pl2) !=
	    XT_OK)
		WIRE_FAIL("ipv4: emitted header does not verify");
	if (r2.hlen != XT_IPV4_HLEN || r2.tos != r.tos || r2.id != r.id ||
	    r2.frag != r.frag || r2.ttl != r.ttl || r2.proto != r.proto ||
	    r2.src != r.src || r2.dst != r.dst || pl2 != pl)
		WIRE_FAIL("ipv4: parse(emit(r)) != r");
	if (!walk)
		return;
	if (r.proto == XT_IPPROTO_TCP)
		wire_tcp(p, pl, r.src, r.dst, verify);
	else if (r.proto == XT_IPPROTO_ICMP)
		wire_icmp(p, pl, verify);
}

static void
wire_frame(const uint8_t *b, size_t len, int verify)
{
	struct xt_eth_repr e;
	const uint8_t *p;
	size_t pl;

	wire_eth(b, len);
	if (xt_eth_parse(b, len, &e, &p, &pl) != XT_OK)
		return;
	if (e.type == XT_ETHERTYPE_ARP)
		wire_arp(p, pl);
	else if (e.type == XT_ETHERTYPE_IPV4)
		wire_ipv4(p, pl, verify, 1);
}

static void
wire_csum(const uint8_t *b, size_t len)
{
	uint32_t whole, parts;
	uint16_t c, c2, oldv, newv;
	size_t split, at;
	uint8_t *copy;

	if (len < 3)
		return;
	split = ((size_t)b[0] * 2) % len & ~(size_t)1;
	whole = xt_csum_add(0, b, len);
	parts = xt_csum_add(xt_csum_add(0, b, split), b + split, len - split);
	if (xt_csum_fold(whole) != xt_csum_fold(parts))
		WIRE_FAIL("csum: split at %zu changes the sum", split);
	/* RFC 1624: change the 16-bit word at an even offset */
	if ((copy = malloc(len)) == NULL)
		return;
	memcpy(copy, b, len);
	at = ((size_t)b[1] * 2) % (len - 1) & ~(size_t)1;
	c = xt_csum_fold(xt_csum_add(0, copy, len));
	oldv = (uint16_t)(copy[at] << 8 | copy[at + 1]);
	newv = (uint16_t)(oldv ^ (b[2] << 8 | b[2]));
	copy[at] = (uint8_t)(newv >> 8);
	copy[at + 1] = (uint8_t)newv;
	c2 = xt_csum_fold(xt_csum_add(0, copy, len));
	/* 0x0000 and 0xffff are the same one's-complement value */
	if (xt_csum_update16(c, oldv, newv) != c2 &&
	    !((xt_csum_update16(c, oldv, newv) == 0xffff && c2 == 0) ||
	    (xt_csum_update16(c, oldv, newv) == 0 && c2 == 0xffff)))
		WIRE_FAIL("csum: update16 %#x, fresh sum %#x",
		    xt_csum_update16(c, oldv, newv), c2);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;
	size_t len;
	uint8_t sel;

	if (size < 1)
		return (0);
	sel = data[0];
	len = size - 1;
	/* an exact heap block: one past the end is a redzone */
	if ((b = malloc(len == 0 ? 1 : len)) == NULL)
		return (0);
	memcpy(b, data + 1, len);
	switch (sel % 8) {
	case 0:	wire_frame(b, len, 0); break;
	case 1:	wire_frame(b, len, 1); break;
	case 2:	wire_ipv4(b, len, sel & 0x80, 0); break;
	case 3:	wire_tcp(b, len, 0x0a000002u, 0x0a000001u, sel & 0x80); break;
	case 4:	wire_icmp(b, len, sel & 0x80); break;
	case 5:	wire_arp(b, len); break;
	case 6:	wire_csum(b, len); break;
	default:
		(void)xt_ipv4_check_options(b, len < 60 ? len : 60);
		break;
	}
	free(b);
	return (0);
}
