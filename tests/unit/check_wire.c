/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_wire.c - unit tests for the pure wire layer (stack/wire/).
 *
 * For each protocol: deconstruct real frames, construct them back
 * byte-for-byte, every truncated prefix (on heap blocks of exactly that
 * size, so valgrind/ASan see any over-read), bogus lengths, checksum
 * mismatches, round trips parse(emit(r)) == r and emit(parse(b)) == b, and
 * the option corner cases the parsers promise to normalise.
 *
 * The frame fixtures were captured with an AF_PACKET socket on one end of
 * a veth pair between two network namespaces (Linux 6.18, transmit
 * checksum offload off so every checksum is final): host A 10.77.0.1
 * (16:7b:44:1f:48:8f) runs "nc 10.77.0.2 5000" and sends "hello\n" to
 * host B 10.77.0.2 (16:50:3d:e5:64:eb), then a raw-socket ICMP echo.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_helpers.h"
#include "xt_err.h"
#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

Suite	*xt_suite_wire(void);

/* Offsets in an untagged Ethernet/IPv4 (no options) frame. */
#define OFF_IP		XT_ETH_HLEN
#define OFF_L4		(XT_ETH_HLEN + XT_IPV4_HLEN)
#define FRAME_MAX	2048

/* ARP who-has 10.77.0.2 tell 10.77.0.1, broadcast. */
static const char arp_request_hex[] =
    "ffffffffffff 167b441f488f 0806"
    "0001 0800 06 04 0001 167b441f488f 0a4d0001 000000000000 0a4d0002";
/* ARP 10.77.0.2 is-at 16:50:3d:e5:64:eb. */
static const char arp_reply_hex[] =
    "167b441f488f 16503de564eb 0806"
    "0001 0800 06 04 0002 16503de564eb 0a4d0002 167b441f488f 0a4d0001";
/* SYN 10.77.0.1:58412 -> 10.77.0.2:5000, options as Linux sends them:
 * MSS 1460, SACK_PERM, TS, NOP, WS 10. */
static const char syn_hex[] =
    "16503de564eb 167b441f488f 0800"
    "4500003c 48744000 4006ddab 0a4d0001 0a4d0002"
    "e42c1388 fd36f9ad 00000000 a002faf0 26140000"
    "020405b4 0402080a b7a26c1f 00000000 0103030a";
/* SYN-ACK from B, same option layout. */
static const char synack_hex[] =
    "167b441f488f 16503de564eb 0800"
    "4500003c 00004000 40062620 0a4d0002 0a4d0001"
    "1388e42c d322a544 fd36f9ae a012fe88 e6aa0000"
    "020405b4 0402080a 8d8235d6 b7a26c1f 0103030a";
/* Bare ACK with NOP, NOP, TS. */
static const char ack_hex[] =
    "16503de564eb 167b441f488f 0800"
    "45000034 48754000 4006ddb2 0a4d0001 0a4d0002"
    "e42c1388 fd36f9ae d322a545 8010003f 13c40000"
    "0101080a b7a26c1f 8d8235d6";
/* PSH|ACK carrying "hello\n" (odd-length segment: 32 + 6). */
static const char data_hex[] =
    "16503de564eb 167b441f488f 0800"
    "4500003a 48764000 4006ddab 0a4d0001 0a4d0002"
    "e42c1388 fd36f9ae d322a545 8018003f cfd90000"
    "0101080a b7a26c1f 8d8235d6 68656c6c6f0a";
/* ICMP echo request id 0x1234 seq 1, 20 bytes of data. */
static const char echo_hex[] =
    "16503de564eb 167b441f488f 0800"
    "45000030 d7e24000 40014e4e 0a4d0001 0a4d0002"
    "0800 04e1 1234 0001 787463702d6563686f2d30313233343536373839";
/* The kernel's echo reply to it. */
static const char echoreply_hex[] =
    "167b441f488f 16503de564eb 0800"
    "45000030 3b180000 40012b19 0a4d0002 0a4d0001"
    "0000 0ce1 1234 0001 787463702d6563686f2d30313233343536373839";

static const uint8_t mac_a[6] = { 0x16, 0x7b, 0x44, 0x1f, 0x48, 0x8f };
static const uint8_t mac_b[6] = { 0x16, 0x50, 0x3d, 0xe5, 0x64, 0xeb };
#define IP_A	0x0a4d0001u
#define IP_B	0x0a4d0002u

static const char *const all_frames[] = {
	arp_request_hex, arp_reply_hex, syn_hex, synack_hex, ack_hex,
	data_hex, echo_hex, echoreply_hex
};
#define NFRAMES	(sizeof(all_frames) / sizeof(all_frames[0]))

static size_t
load(const char *hex, uint8_t *buf)
{
	return (xt_test_hex(hex, buf, FRAME_MAX));
}

/* Straightforward RFC 1071 reference: one word at a time, fold as we go. */
static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return ((uint16_t)~sum);
}

/* ------------------------------------------------------------------ */
/* csum */

START_TEST(csum_rfc1071_example)
{
	/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 after
	 * folding, so the checksum is 220d. */
	static const uint8_t b[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};

	ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, b, sizeof(b))),
	    0x220d);
	ck_assert_uint_eq(xt_csum_fold(0x2ddf0), 0x220d);
	ck_assert_uint_eq(xt_csum_fold(0), 0xffff);
	ck_assert_uint_eq(xt_csum_fold(0xffff), 0x0000);
	ck_assert_uint_eq(xt_csum_fold(0xffffffffu), 0x0000);
}
END_TEST

START_TEST(csum_odd_length)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03 };
	uint8_t one = 0xab;

	/* 0102 + 0300 (odd byte padded with zero, RFC 1071 §4.1). */
	ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, b, 3)), 0xfbfd);
	ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, &one, 1)),
	    (uint16_t)~0xab00);
	ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, b, 0)), 0xffff);
}
END_TEST

START_TEST(csum_against_reference)
{
	static uint8_t buf[1600 + 8];
	uint64_t rs = 0x1234567;
	size_t i, len, off;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)xt_test_rand(&rs);
	/* Every length up to a jumbo-ish frame, at every alignment. */
	for (len = 0; len <= 1600; len++) {
		off = len % 8;
		ck_assert_msg(xt_csum_fold(xt_csum_add(0, buf + off, len)) ==
		    ref_csum(buf + off, len), "len %zu off %zu", len, off);
	}
	/* All-ones data: sums wrap many times. */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len <= 1600; len += 7)
		ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, buf, len)),
		    ref_csum(buf, len));
}
END_TEST

START_TEST(csum_chained)
{
	uint8_t buf[300];
	uint64_t rs = 99;
	uint32_t s;
	size_t i, cut;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)xt_test_rand(&rs);
	for (cut = 0; cut <= sizeof(buf); cut += 2) {
		s = xt_csum_add(0, buf, cut);
		s = xt_csum_add(s, buf + cut, sizeof(buf) - cut);
		ck_assert_uint_eq(xt_csum_fold(s), ref_csum(buf, sizeof(buf)));
	}
	/* A large starting sum must not lose carries. */
	s = xt_csum_add(0xfffffff0u, buf, sizeof(buf));
	ck_assert_uint_eq(xt_csum_fold(s),
	    xt_csum_fold(xt_csum_add(0xfff0 + 0xffff, buf, sizeof(buf))));
}
END_TEST

START_TEST(csum_pseudo_header)
{
	/* The pseudo-header laid out as bytes (RFC 9293 §3.1). */
	static const uint8_t ph[] = {
		0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02,
		0x00, 0x06, 0x00, 0x28
	};

	ck_assert_uint_eq(xt_csum_fold(xt_csum_pseudo(IP_A, IP_B, 6, 40)),
	    ref_csum(ph, sizeof(ph)));
	ck_assert_uint_eq(xt_csum_fold(xt_csum_pseudo(0xffffffffu,
	    0xffffffffu, 0xff, 0xffff)), xt_csum_fold(0xffff * 4 + 0xff +
	    0xffff));
}
END_TEST

START_TEST(csum_update16_rfc1624)
{
	/* RFC 1624 §4: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000 with
	 * eqn. 3 (eqn. 2 would give 0xffff). */
	ck_assert_uint_eq(xt_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}
END_TEST

START_TEST(csum_update16_vs_recompute)
{
	uint8_t buf[40];
	uint64_t rs = 7;
	uint16_t cs, oldv, newv, inc;
	size_t i, w;
	int iter;

	for (iter = 0; iter < 5000; iter++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)xt_test_rand(&rs);
		/* Word 5 holds the checksum, as in an IPv4 header. */
		buf[10] = buf[11] = 0;
		cs = ref_csum(buf, sizeof(buf));
		buf[10] = cs >> 8;
		buf[11] = cs & 0xff;
		w = (xt_test_rand(&rs) % 20) * 2;
		if (w == 10)
			w = 12;
		oldv = (uint16_t)(buf[w] << 8 | buf[w + 1]);
		newv = (uint16_t)xt_test_rand(&rs);
		if (iter % 10 == 0)
			newv = (uint16_t)~oldv;
		buf[w] = newv >> 8;
		buf[w + 1] = newv & 0xff;
		inc = xt_csum_update16(cs, oldv, newv);
		buf[10] = buf[11] = 0;
		ck_assert_msg(inc == ref_csum(buf, sizeof(buf)),
		    "iter %d word %zu: %04x != %04x", iter, w, inc,
		    ref_csum(buf, sizeof(buf)));
		/* And the updated header verifies. */
		buf[10] = inc >> 8;
		buf[11] = inc & 0xff;
		ck_assert_uint_eq(xt_csum_fold(xt_csum_add(0, buf,
		    sizeof(buf))), 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* eth */

START_TEST(eth_parse_arp_frame)
{
	uint8_t b[FRAME_MAX], out[XT_ETH_HLEN];
	struct xt_eth_repr r;
	const uint8_t *pl;
	size_t n, plen;

	n = load(arp_request_hex, b);
	ck_assert_uint_eq(n, 42);
	ck_assert_int_eq(xt_eth_parse(b, n, &r, &pl, &plen), XT_OK);
	ck_assert_mem_eq(r.dst, xt_eth_broadcast, 6);
	ck_assert_mem_eq(r.src, mac_a, 6);
	ck_assert_uint_eq(r.type, XT_ETHERTYPE_ARP);
	ck_assert_ptr_eq(pl, b + XT_ETH_HLEN);
	ck_assert_uint_eq(plen, 28);
	xt_eth_emit(&r, out);
	XT_EXPECT_BYTES(out, sizeof(out), b, (size_t)XT_ETH_HLEN);

	/* Header only: empty payload. */
	ck_assert_int_eq(xt_eth_parse(b, XT_ETH_HLEN, &r, &pl, &plen), XT_OK);
	ck_assert_uint_eq(plen, 0);
}
END_TEST

START_TEST(eth_truncated)
{
	uint8_t b[FRAME_MAX], *t;
	struct xt_eth_repr r;
	const uint8_t *pl;
	size_t n, len, plen;

	n = load(syn_hex, b);
	for (len = 0; len < XT_ETH_HLEN && len < n; len++) {
		t = xt_test_exact(b, len);
		ck_assert_int_eq(xt_eth_parse(t, len, &r, &pl, &plen),
		    XT_ETRUNC);
		xt_test_exact_free(t, len);
	}
}
END_TEST

START_TEST(eth_8023_length)
{
	uint8_t b[FRAME_MAX];
	struct xt_eth_repr r;
	const uint8_t *pl;
	size_t n, plen;

	n = load(syn_hex, b);
	b[12] = 0x05;		/* 0x05dc = 1500: an 802.3 length */
	b[13] = 0xdc;
	ck_assert_int_eq(xt_eth_parse(b, n, &r, &pl, &plen), XT_EUNSUPP);
	b[12] = 0x05;
	b[13] = 0xff;
	ck_assert_int_eq(xt_eth_parse(b, n, &r, &pl, &plen), XT_EUNSUPP);
	b[12] = 0x06;		/* 0x0600: first EtherType value */
	b[13] = 0x00;
	ck_assert_int_eq(xt_eth_parse(b, n, &r, &pl, &plen), XT_OK);
	ck_assert_uint_eq(r.type, 0x0600);
}
END_TEST

/* ------------------------------------------------------------------ */
/* arp */

START_TEST(arp_parse_request_reply)
{
	uint8_t b[FRAME_MAX], out[XT_ARP_LEN];
	static const uint8_t zero[6];
	struct xt_arp_repr r;
	size_t n;

	n = load(arp_request_hex, b);
	ck_assert_int_eq(xt_arp_parse(b + XT_ETH_HLEN, n - XT_ETH_HLEN, &r),
	    XT_OK);
	ck_assert_uint_eq(r.op, XT_ARP_REQUEST);
	ck_assert_mem_eq(r.sha, mac_a, 6);
	ck_assert_uint_eq(r.spa, IP_A);
	ck_assert_mem_eq(r.tha, zero, 6);
	ck_assert_uint_eq(r.tpa, IP_B);
	xt_arp_emit(&r, out);
	XT_EXPECT_BYTES(out, sizeof(out), b + XT_ETH_HLEN, n - XT_ETH_HLEN);

	n = load(arp_reply_hex, b);
	ck_assert_int_eq(xt_arp_parse(b + XT_ETH_HLEN, n - XT_ETH_HLEN, &r),
	    XT_OK);
	ck_assert_uint_eq(r.op, XT_ARP_REPLY);
	ck_assert_mem_eq(r.sha, mac_b, 6);
	ck_assert_uint_eq(r.spa, IP_B);
	ck_assert_mem_eq(r.tha, mac_a, 6);
	ck_assert_uint_eq(r.tpa, IP_A);
	xt_arp_emit(&r, out);
	XT_EXPECT_BYTES(out, sizeof(out), b + XT_ETH_HLEN, n - XT_ETH_HLEN);
}
END_TEST

START_TEST(arp_padding_ignored)
{
	uint8_t b[FRAME_MAX];
	struct xt_arp_repr r;
	size_t n;

	n = load(arp_request_hex, b);
	memset(b + n, 0, 18);	/* padded to the 60-byte minimum frame */
	ck_assert_int_eq(xt_arp_parse(b + XT_ETH_HLEN, 60 - XT_ETH_HLEN, &r),
	    XT_OK);
	ck_assert_uint_eq(r.tpa, IP_B);
}
END_TEST

START_TEST(arp_truncated)
{
	uint8_t b[FRAME_MAX], *t;
	struct xt_arp_repr r;
	size_t len;

	load(arp_reply_hex, b);
	for (len = 0; len < XT_ARP_LEN; len++) {
		t = xt_test_exact(b + XT_ETH_HLEN, len);
		ck_assert_int_eq(xt_arp_parse(t, len, &r), XT_ETRUNC);
		xt_test_exact_free(t, len);
	}
}
END_TEST

START_TEST(arp_unsupported_and_bad_op)
{
	static const struct {
		size_t	off;
		uint8_t	val;
		int	err;
	} cases[] = {
		{ 1, 6, XT_EUNSUPP },		/* htype 6 (IEEE 802) */
		{ 2, 0x86, XT_EUNSUPP }, /* ptype 0x86dd */
		{ 4, 8, XT_EUNSUPP },		/* hlen 8 */
		{ 5, 16, XT_EUNSUPP },		/* plen 16 */
		{ 7, 0, XT_EMALFORMED },	/* op 0 */
		{ 7, 3, XT_EMALFORMED },	/* op 3 (RARP request) */
	};
	uint8_t b[FRAME_MAX];
	struct xt_arp_repr r;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = load(arp_request_hex, b);
		b[XT_ETH_HLEN + cases[i].off] = cases[i].val;
		ck_assert_msg(xt_arp_parse(b + XT_ETH_HLEN, n - XT_ETH_HLEN,
		    &r) == cases[i].err, "case %zu", i);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* ipv4 */

START_TEST(ipv4_textbook_checksum)
{
	/* The classic worked example: UDP 192.168.0.1 -> 192.168.0.199,
	 * total length 115, header checksum 0xb861. */
	uint8_t b[0x73], out[XT_IPV4_HLEN];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t n, plen;

	memset(b, 0, sizeof(b));
	n = xt_test_hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7",
	    b, sizeof(b));
	ck_assert_uint_eq(n, 20);
	ck_assert_uint_eq(ref_csum(b, 20), 0);
	ck_assert_int_eq(xt_ipv4_parse(b, sizeof(b), 1, &r, &pl, &plen),
	    XT_OK);
	ck_assert_uint_eq(r.hlen, 20);
	ck_assert_uint_eq(r.total_len, 0x73);
	ck_assert_uint_eq(r.frag, XT_IPV4_DF);
	ck_assert_uint_eq(r.ttl, 64);
	ck_assert_uint_eq(r.proto, XT_IPPROTO_UDP);
	ck_assert_uint_eq(r.src, 0xc0a80001u);
	ck_assert_uint_eq(r.dst, 0xc0a800c7u);
	ck_assert_ptr_eq(pl, b + 20);
	ck_assert_uint_eq(plen, 0x73 - 20);
	xt_ipv4_emit(&r, out);
	ck_assert_uint_eq(out[10], 0xb8);
	ck_assert_uint_eq(out[11], 0x61);
	XT_EXPECT_BYTES(out, sizeof(out), b, (size_t)20);
}
END_TEST

START_TEST(ipv4_captured_roundtrip)
{
	static const char *const hexes[] = {
		syn_hex, synack_hex, ack_hex, data_hex, echo_hex,
		echoreply_hex
	};
	uint8_t b[FRAME_MAX], out[XT_IPV4_HLEN];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t i, n, plen;

	for (i = 0; i < sizeof(hexes) / sizeof(hexes[0]); i++) {
		n = load(hexes[i], b);
		ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP, 1, &r,
		    &pl, &plen), XT_OK);
		ck_assert_uint_eq(r.total_len, n - OFF_IP);
		ck_assert_int_eq(xt_ipv4_is_fragment(&r), 0);
		ck_assert_int_eq(xt_ipv4_check_options(b + OFF_IP, r.hlen),
		    XT_OK);
		xt_ipv4_emit(&r, out);
		XT_EXPECT_BYTES(out, sizeof(out), b + OFF_IP,
		    (size_t)XT_IPV4_HLEN);
	}
	n = load(syn_hex, b);
	ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP, 1, &r, &pl,
	    &plen), XT_OK);
	ck_assert_uint_eq(r.src, IP_A);
	ck_assert_uint_eq(r.dst, IP_B);
	ck_assert_uint_eq(r.id, 0x4874);
	ck_assert_uint_eq(r.proto, XT_IPPROTO_TCP);
	ck_assert_uint_eq(plen, 40);
}
END_TEST

START_TEST(ipv4_repr_roundtrip)
{
	struct xt_ipv4_repr r, p;
	uint8_t b[100];
	const uint8_t *pl;
	size_t plen;

	memset(&r, 0, sizeof(r));
	r.hlen = 20;
	r.tos = 0xb8;		/* EF + ECT(0)... any byte */
	r.total_len = sizeof(b);
	r.id = 0xbeef;
	r.frag = XT_IPV4_MF | 0x0123;
	r.ttl = 1;
	r.proto = XT_IPPROTO_ICMP;
	r.src = 0xc0000201u;
	r.dst = 0xc6336402u;
	memset(b, 0x5a, sizeof(b));
	xt_ipv4_emit(&r, b);
	ck_assert_uint_eq(b[0], 0x45);
	ck_assert_uint_eq(b[20], 0x5a);	/* nothing past the header */
	ck_assert_uint_eq(ref_csum(b, 20), 0);
	ck_assert_int_eq(xt_ipv4_parse(b, sizeof(b), 1, &p, &pl, &plen),
	    XT_OK);
	ck_assert_uint_eq(p.hlen, r.hlen);
	ck_assert_uint_eq(p.tos, r.tos);
	ck_assert_uint_eq(p.total_len, r.total_len);
	ck_assert_uint_eq(p.id, r.id);
	ck_assert_uint_eq(p.frag, r.frag);
	ck_assert_uint_eq(p.ttl, r.ttl);
	ck_assert_uint_eq(p.proto, r.proto);
	ck_assert_uint_eq(p.src, r.src);
	ck_assert_uint_eq(p.dst, r.dst);
	ck_assert_int_eq(xt_ipv4_is_fragment(&p), 1);
}
END_TEST

START_TEST(ipv4_ethernet_padding)
{
	uint8_t b[FRAME_MAX];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t n, plen;

	/* The bare ACK is 66 bytes; pad the IP packet with 10 junk bytes. */
	n = load(ack_hex, b);
	memset(b + n, 0xee, 10);
	ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP + 10, 1, &r,
	    &pl, &plen), XT_OK);
	ck_assert_uint_eq(plen, 32);
	ck_assert_ptr_eq(pl, b + OFF_L4);
}
END_TEST

START_TEST(ipv4_truncated)
{
	uint8_t b[FRAME_MAX], *t;
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t n, len, plen;

	/* Every prefix of a datagram is truncated: below 20, below the
	 * header length, below the total length. */
	n = load(data_hex, b) - OFF_IP;
	for (len = 0; len < n; len++) {
		t = xt_test_exact(b + OFF_IP, len);
		ck_assert_msg(xt_ipv4_parse(t, len, 1, &r, &pl, &plen) ==
		    XT_ETRUNC, "len %zu", len);
		xt_test_exact_free(t, len);
	}
	t = xt_test_exact(b + OFF_IP, n);
	ck_assert_int_eq(xt_ipv4_parse(t, n, 1, &r, &pl, &plen), XT_OK);
	xt_test_exact_free(t, n);
}
END_TEST

/* Put a header with the given IHL, total length and options into b and
 * fix its checksum; returns the header length. */
static size_t
ipv4_hdr_with_opts(uint8_t *b, const char *opthex, uint16_t tlen)
{
	uint8_t opts[40];
	size_t on;
	uint16_t cs;

	on = opthex != NULL ? xt_test_hex(opthex, opts, sizeof(opts)) : 0;
	ck_assert_uint_eq(on % 4, 0);
	xt_test_hex("4500 0000 1234 0000 4006 0000 0a000001 0a000002", b, 20);
	b[0] = (uint8_t)(0x40 | (20 + on) / 4);
	b[2] = tlen >> 8;
	b[3] = tlen & 0xff;
	memcpy(b + 20, opts, on);
	cs = ref_csum(b, 20 + on);
	b[10] = cs >> 8;
	b[11] = cs & 0xff;
	return (20 + on);
}

START_TEST(ipv4_bogus_lengths)
{
	uint8_t b[100];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t plen;
	unsigned ihl;

	memset(b, 0, sizeof(b));
	ipv4_hdr_with_opts(b, NULL, 40);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen), XT_OK);
	/* IHL 0..4 */
	for (ihl = 0; ihl < 5; ihl++) {
		b[0] = (uint8_t)(0x40 | ihl);
		ck_assert_int_eq(xt_ipv4_parse(b, 40, 0, &r, &pl, &plen),
		    XT_EMALFORMED);
	}
	/* Versions other than 4 (6 in particular). */
	b[0] = 0x65;
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 0, &r, &pl, &plen),
	    XT_EMALFORMED);
	b[0] = 0x05;
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 0, &r, &pl, &plen),
	    XT_EMALFORMED);
	/* total_len < hlen */
	ipv4_hdr_with_opts(b, NULL, 19);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen),
	    XT_EMALFORMED);
	ipv4_hdr_with_opts(b, "01010100", 20);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen),
	    XT_EMALFORMED);
	/* total_len == hlen: empty payload is fine. */
	ipv4_hdr_with_opts(b, "01010100", 24);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen), XT_OK);
	ck_assert_uint_eq(r.hlen, 24);
	ck_assert_uint_eq(plen, 0);
	ck_assert_ptr_eq(pl, b + 24);
	/* IHL 15 with only 40 bytes present. */
	ipv4_hdr_with_opts(b, NULL, 60);
	b[0] = 0x4f;
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 0, &r, &pl, &plen), XT_ETRUNC);
	/* total_len beyond the buffer. */
	ipv4_hdr_with_opts(b, NULL, 41);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen), XT_ETRUNC);
	ck_assert_int_eq(xt_ipv4_parse(b, 41, 1, &r, &pl, &plen), XT_OK);
	/* total_len 0 (TSO frames before segmentation) is malformed. */
	ipv4_hdr_with_opts(b, NULL, 0);
	ck_assert_int_eq(xt_ipv4_parse(b, 40, 1, &r, &pl, &plen),
	    XT_EMALFORMED);
}
END_TEST

START_TEST(ipv4_checksum_mismatch)
{
	uint8_t b[FRAME_MAX];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t n, plen;

	n = load(syn_hex, b);
	b[OFF_IP + 8] ^= 0x01;		/* TTL 64 -> 65 */
	ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP, 1, &r, &pl,
	    &plen), XT_ECHECKSUM);
	ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP, 0, &r, &pl,
	    &plen), XT_OK);
	ck_assert_uint_eq(r.ttl, 65);
	/* The header checksum does not cover the payload. */
	n = load(syn_hex, b);
	b[n - 1] ^= 0xff;
	ck_assert_int_eq(xt_ipv4_parse(b + OFF_IP, n - OFF_IP, 1, &r, &pl,
	    &plen), XT_OK);
	/* Options are covered. */
	ipv4_hdr_with_opts(b, "01010100", 24);
	b[21] = 0x00;
	ck_assert_int_eq(xt_ipv4_parse(b, 24, 1, &r, &pl, &plen),
	    XT_ECHECKSUM);
}
END_TEST

START_TEST(ipv4_options)
{
	static const struct {
		const char	*opts;
		int		 err;
	} cases[] = {
		{ "", XT_OK },
		{ "01010100", XT_OK },		/* NOP NOP NOP EOL */
		{ "01010101", XT_OK },		/* NOPs to the end */
		{ "07070400000000 00", XT_OK },	/* record route */
		{ "94040000", XT_OK },		/* router alert */
		{ "00830000", XT_OK },		/* EOL, then junk */
		{ "83070400000000 00", XT_EUNSUPP }, /* LSRR */
		{ "89070400000000 00", XT_EUNSUPP }, /* SSRR */
		{ "01 83070400000000", XT_EUNSUPP }, /* NOP, LSRR */
		{ "94040000 890b04 0a000001 0a000002 00", XT_EUNSUPP },
		{ "44000000", XT_EMALFORMED }, /* length 0 */
		{ "44010000", XT_EMALFORMED }, /* length 1 */
		{ "44080000", XT_EMALFORMED }, /* runs past hlen */
		{ "01010144", XT_EMALFORMED }, /* length missing */
	};
	uint8_t b[64], opts[40];
	size_t i, on;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(b, 0, sizeof(b));
		on = xt_test_hex(cases[i].opts, opts, sizeof(opts));
		memcpy(b + 20, opts, on);
		ck_assert_msg(xt_ipv4_check_options(b, 20 + on) ==
		    cases[i].err, "case %zu (%s): got %d", i, cases[i].opts,
		    xt_ipv4_check_options(b, 20 + on));
	}
	/* Caller errors. */
	ck_assert_int_eq(xt_ipv4_check_options(b, 19), XT_EINVAL);
	ck_assert_int_eq(xt_ipv4_check_options(b, 64), XT_EINVAL);
}
END_TEST

START_TEST(ipv4_parse_with_source_route)
{
	uint8_t b[64];
	struct xt_ipv4_repr r;
	const uint8_t *pl;
	size_t hl, plen;

	/* parse accepts the header; check_options refuses the route. */
	memset(b, 0, sizeof(b));
	hl = ipv4_hdr_with_opts(b, "01 830b04 0a000001 0a000002", 64);
	ck_assert_uint_eq(hl, 32);
	ck_assert_int_eq(xt_ipv4_parse(b, sizeof(b), 1, &r, &pl, &plen),
	    XT_OK);
	ck_assert_uint_eq(r.hlen, 32);
	ck_assert_uint_eq(plen, 32);
	ck_assert_int_eq(xt_ipv4_check_options(b, r.hlen), XT_EUNSUPP);
}
END_TEST

START_TEST(ipv4_fragments)
{
	struct xt_ipv4_repr r;

	memset(&r, 0, sizeof(r));
	r.frag = 0;
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 0);
	r.frag = XT_IPV4_DF;
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 0);
	r.frag = XT_IPV4_MF;
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 1);
	r.frag = 1;		/* last fragment, offset 8 */
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 1);
	r.frag = XT_IPV4_DF | XT_IPV4_OFFMASK;
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 1);
	r.frag = 0x8000;	/* the reserved bit alone */
	ck_assert_int_eq(xt_ipv4_is_fragment(&r), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* icmp4 */

START_TEST(icmp_echo_captured)
{
	uint8_t b[FRAME_MAX], rb[FRAME_MAX], out[FRAME_MAX];
	struct xt_icmp4_repr r;
	size_t n, rn;

	n = load(echo_hex, b) - OFF_L4;
	ck_assert_int_eq(xt_icmp4_parse(b + OFF_L4, n, 1, &r), XT_OK);
	ck_assert_uint_eq(r.type, XT_ICMP_ECHO);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.id, 0x1234);
	ck_assert_uint_eq(r.seq, 1);
	ck_assert_uint_eq(r.mtu, 0);
	ck_assert_ptr_eq(r.data, b + OFF_L4 + 8);
	ck_assert_uint_eq(r.data_len, 20);
	ck_assert_mem_eq(r.data, "xtcp-echo-0123456789", 20);
	ck_assert_uint_eq(xt_icmp4_len(&r), n);
	ck_assert_int_eq(xt_icmp4_emit(&r, out, n), XT_OK);
	XT_EXPECT_BYTES(out, n, b + OFF_L4, n);

	/* Turning the request around gives exactly Linux's reply. */
	rn = load(echoreply_hex, rb) - OFF_L4;
	r.type = XT_ICMP_ECHOREPLY;
	ck_assert_int_eq(xt_icmp4_emit(&r, out, sizeof(out)), XT_OK);
	XT_EXPECT_BYTES(out, xt_icmp4_len(&r), rb + OFF_L4, rn);

	/* In place, over the request itself (data == buf + 8). */
	ck_assert_int_eq(xt_icmp4_emit(&r, b + OFF_L4, n), XT_OK);
	XT_EXPECT_BYTES(b + OFF_L4, n, rb + OFF_L4, rn);
}
END_TEST

START_TEST(icmp_truncated_and_checksum)
{
	uint8_t b[FRAME_MAX], *t;
	struct xt_icmp4_repr r;
	size_t n, len;

	n = load(echo_hex, b) - OFF_L4;
	for (len = 0; len < XT_ICMP_HLEN; len++) {
		t = xt_test_exact(b + OFF_L4, len);
		ck_assert_int_eq(xt_icmp4_parse(t, len, 1, &r), XT_ETRUNC);
		ck_assert_int_eq(xt_icmp4_parse(t, len, 0, &r), XT_ETRUNC);
		xt_test_exact_free(t, len);
	}
	/* A shortened message fails its checksum but parses without it. */
	for (len = XT_ICMP_HLEN; len < n; len++) {
		t = xt_test_exact(b + OFF_L4, len);
		ck_assert_int_eq(xt_icmp4_parse(t, len, 1, &r), XT_ECHECKSUM);
		ck_assert_int_eq(xt_icmp4_parse(t, len, 0, &r), XT_OK);
		ck_assert_uint_eq(r.data_len, len - XT_ICMP_HLEN);
		xt_test_exact_free(t, len);
	}
	b[OFF_L4 + n - 1] ^= 0x40;	/* the checksum covers the data */
	ck_assert_int_eq(xt_icmp4_parse(b + OFF_L4, n, 1, &r), XT_ECHECKSUM);
}
END_TEST

START_TEST(icmp_odd_length)
{
	uint8_t out[64];
	struct xt_icmp4_repr r, p;

	memset(&r, 0, sizeof(r));
	r.type = XT_ICMP_ECHO;
	r.id = 0xfffe;
	r.seq = 0x8001;
	r.data = (const uint8_t *)"abcde";
	r.data_len = 5;
	ck_assert_uint_eq(xt_icmp4_len(&r), 13);
	ck_assert_int_eq(xt_icmp4_emit(&r, out, 13), XT_OK);
	ck_assert_uint_eq(ref_csum(out, 13), 0);
	ck_assert_int_eq(xt_icmp4_parse(out, 13, 1, &p), XT_OK);
	ck_assert_uint_eq(p.type, r.type);
	ck_assert_uint_eq(p.id, r.id);
	ck_assert_uint_eq(p.seq, r.seq);
	ck_assert_uint_eq(p.data_len, 5);
	ck_assert_mem_eq(p.data, "abcde", 5);
	/* Too small a buffer. */
	ck_assert_int_eq(xt_icmp4_emit(&r, out, 12), XT_EMSGSIZE);
	ck_assert_int_eq(xt_icmp4_emit(&r, out, 0), XT_EMSGSIZE);
}
END_TEST

START_TEST(icmp_errors_roundtrip)
{
	uint8_t b[FRAME_MAX], out[128];
	struct xt_icmp4_repr r, p;
	size_t n;

	/* Fragmentation needed, quoting the SYN's IP header + 8 bytes
	 * (RFC 792; next-hop MTU per RFC 1191 §4). */
	load(syn_hex, b);
	memset(&r, 0, sizeof(r));
	r.type = XT_ICMP_UNREACH;
	r.code = XT_ICMP_UNREACH_NEEDFRAG;
	r.mtu = 1400;
	r.data = b + OFF_IP;
	r.data_len = 28;
	memset(out, 0xa5, sizeof(out));
	n = xt_icmp4_len(&r);
	ck_assert_int_eq(xt_icmp4_emit(&r, out, sizeof(out)), XT_OK);
	ck_assert_uint_eq(out[n], 0xa5);	/* wrote exactly n bytes */
	ck_assert_uint_eq(out[4], 0);
	ck_assert_uint_eq(out[5], 0);
	ck_assert_uint_eq(out[6], 0x05);
	ck_assert_uint_eq(out[7], 0x78);
	ck_assert_int_eq(xt_icmp4_parse(out, n, 1, &p), XT_OK);
	ck_assert_uint_eq(p.type, r.type);
	ck_assert_uint_eq(p.code, r.code);
	ck_assert_uint_eq(p.mtu, 1400);
	ck_assert_uint_eq(p.id, 0);
	ck_assert_uint_eq(p.seq, 0);
	ck_assert_uint_eq(p.data_len, 28);
	ck_assert_mem_eq(p.data, b + OFF_IP, 28);

	/* Port unreachable and time exceeded: second word unused, zero. */
	r.code = XT_ICMP_UNREACH_PORT;
	ck_assert_int_eq(xt_icmp4_emit(&r, out, sizeof(out)), XT_OK);
	ck_assert_uint_eq(out[6], 0);
	ck_assert_uint_eq(out[7], 0);
	ck_assert_int_eq(xt_icmp4_parse(out, n, 1, &p), XT_OK);
	ck_assert_uint_eq(p.mtu, 0);
	r.type = XT_ICMP_TIMXCEED;
	r.code = 0;
	r.mtu = 0;
	ck_assert_int_eq(xt_icmp4_emit(&r, out, sizeof(out)), XT_OK);
	ck_assert_int_eq(xt_icmp4_parse(out, n, 1, &p), XT_OK);
	ck_assert_uint_eq(p.type, XT_ICMP_TIMXCEED);
	ck_assert_mem_eq(p.data, b + OFF_IP, 28);
}
END_TEST

/* ------------------------------------------------------------------ */
/* tcp */

static void
tcp_expect_repr(const struct xt_tcp_repr *got, const struct xt_tcp_repr *want)
{
	unsigned i;

	ck_assert_uint_eq(got->sport, want->sport);
	ck_assert_uint_eq(got->dport, want->dport);
	ck_assert_uint_eq(got->seq, want->seq);
	ck_assert_uint_eq(got->ack, want->ack);
	ck_assert_uint_eq(got->flags, want->flags);
	ck_assert_uint_eq(got->hlen, want->hlen);
	ck_assert_uint_eq(got->win, want->win);
	ck_assert_uint_eq(got->urp, want->urp);
	ck_assert_uint_eq(got->has_mss, want->has_mss);
	ck_assert_uint_eq(got->has_ws, want->has_ws);
	ck_assert_uint_eq(got->has_ts, want->has_ts);
	ck_assert_uint_eq(got->sack_perm, want->sack_perm);
	if (want->has_mss)
		ck_assert_uint_eq(got->mss, want->mss);
	if (want->has_ws)
		ck_assert_uint_eq(got->ws, want->ws);
	if (want->has_ts) {
		ck_assert_uint_eq(got->tsval, want->tsval);
		ck_assert_uint_eq(got->tsecr, want->tsecr);
	}
	ck_assert_uint_eq(got->nsack, want->nsack);
	for (i = 0; i < want->nsack && i < XT_TCP_MAX_SACK; i++) {
		ck_assert_uint_eq(got->sack[i][0], want->sack[i][0]);
		ck_assert_uint_eq(got->sack[i][1], want->sack[i][1]);
	}
	ck_assert_uint_eq(got->payload_len, want->payload_len);
}

START_TEST(tcp_parse_linux_syn)
{
	uint8_t b[FRAME_MAX];
	struct xt_tcp_repr r;
	size_t n;

	n = load(syn_hex, b) - OFF_L4;
	ck_assert_uint_eq(n, 40);
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 1, &r),
	    XT_OK);
	ck_assert_uint_eq(r.sport, 58412);
	ck_assert_uint_eq(r.dport, 5000);
	ck_assert_uint_eq(r.seq, 0xfd36f9adu);
	ck_assert_uint_eq(r.ack, 0);
	ck_assert_uint_eq(r.flags, XT_TH_SYN);
	ck_assert_uint_eq(r.hlen, 40);
	ck_assert_uint_eq(r.win, 64240);
	ck_assert_uint_eq(r.urp, 0);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.mss, 1460);
	ck_assert_uint_eq(r.sack_perm, 1);
	ck_assert_uint_eq(r.has_ts, 1);
	ck_assert_uint_eq(r.tsval, 0xb7a26c1fu);
	ck_assert_uint_eq(r.tsecr, 0);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 10);
	ck_assert_uint_eq(r.nsack, 0);
	ck_assert_ptr_eq(r.payload, b + OFF_L4 + 40);
	ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

START_TEST(tcp_captured_roundtrip)
{
	static const char *const hexes[] = {
		syn_hex, synack_hex, ack_hex, data_hex
	};
	uint8_t b[FRAME_MAX], out[FRAME_MAX];
	struct xt_eth_repr eth;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr r;
	size_t i, n, hl;

	for (i = 0; i < sizeof(hexes) / sizeof(hexes[0]); i++) {
		n = load(hexes[i], b);
		xt_test_parse_tcp(b, n, &eth, &ip, &r);
		/* emit(parse(b)) == b, checksum included */
		hl = xt_tcp_emit_hdr(&r, out);
		ck_assert_uint_eq(hl, r.hlen);
		ck_assert_uint_eq(hl, xt_tcp_hdr_len(&r));
		memcpy(out + hl, r.payload, r.payload_len);
		xt_tcp_fill_csum(out, hl + r.payload_len, ip.src, ip.dst);
		XT_EXPECT_BYTES(out, hl + r.payload_len, b + OFF_L4,
		    n - OFF_L4);
	}
	/* The data segment's payload. */
	n = load(data_hex, b);
	xt_test_parse_tcp(b, n, &eth, &ip, &r);
	ck_assert_uint_eq(r.flags, XT_TH_PSH | XT_TH_ACK);
	ck_assert_uint_eq(r.payload_len, 6);
	ck_assert_mem_eq(r.payload, "hello\n", 6);
	ck_assert_uint_eq(r.has_ts, 1);
	ck_assert_uint_eq(r.has_mss, 0);
}
END_TEST

START_TEST(tcp_frame_builder_matches_capture)
{
	uint8_t b[FRAME_MAX], out[FRAME_MAX];
	struct xt_test_frame f;
	struct xt_eth_repr eth;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr r;
	size_t n, on;

	n = load(syn_hex, b);
	xt_test_parse_tcp(b, n, &eth, &ip, &r);
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac_a, 6);
	memcpy(f.dst_mac, mac_b, 6);
	f.saddr = IP_A;
	f.daddr = IP_B;
	f.ip_id = 0x4874;
	f.ip_frag = XT_IPV4_DF;
	on = xt_test_build_tcp(out, sizeof(out), &f, &r, NULL, 0);
	XT_EXPECT_BYTES(out, on, b, n);

	n = load(data_hex, b);
	xt_test_parse_tcp(b, n, &eth, &ip, &r);
	f.ip_id = 0x4876;
	on = xt_test_build_tcp(out, sizeof(out), &f, &r, "hello\n", 6);
	XT_EXPECT_BYTES(out, on, b, n);

	/* And the ICMP builder against the captured echo request. */
	{
		struct xt_icmp4_repr m;

		n = load(echo_hex, b);
		ck_assert_int_eq(xt_icmp4_parse(b + OFF_L4, n - OFF_L4, 1,
		    &m), XT_OK);
		f.ip_id = 0xd7e2;
		on = xt_test_build_icmp(out, sizeof(out), &f, &m);
		XT_EXPECT_BYTES(out, on, b, n);
	}
}
END_TEST

START_TEST(tcp_truncated)
{
	uint8_t b[FRAME_MAX], *t;
	struct xt_tcp_repr r;
	size_t n, len;

	/* Below 20, then below the data offset (40). */
	n = load(syn_hex, b) - OFF_L4;
	for (len = 0; len < n; len++) {
		t = xt_test_exact(b + OFF_L4, len);
		ck_assert_msg(xt_tcp_parse(t, len, IP_A, IP_B, 0, &r) ==
		    XT_ETRUNC, "len %zu", len);
		ck_assert_msg(xt_tcp_parse(t, len, IP_A, IP_B, 1, &r) ==
		    XT_ETRUNC, "len %zu", len);
		xt_test_exact_free(t, len);
	}
	/* The data segment: prefixes that keep the header parse (no
	 * checksum), with a shorter payload. */
	n = load(data_hex, b) - OFF_L4;
	for (len = 32; len <= n; len++) {
		t = xt_test_exact(b + OFF_L4, len);
		ck_assert_int_eq(xt_tcp_parse(t, len, IP_A, IP_B, 0, &r),
		    XT_OK);
		ck_assert_uint_eq(r.payload_len, len - 32);
		ck_assert_int_eq(xt_tcp_parse(t, len, IP_A, IP_B, 1, &r),
		    len == n ? XT_OK : XT_ECHECKSUM);
		xt_test_exact_free(t, len);
	}
}
END_TEST

START_TEST(tcp_bad_data_offset)
{
	uint8_t b[FRAME_MAX], *big;
	struct xt_tcp_repr r;
	size_t n;
	unsigned doff;

	n = load(syn_hex, b) - OFF_L4;
	for (doff = 0; doff < 5; doff++) {
		b[OFF_L4 + 12] = (uint8_t)(doff << 4);
		ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 0,
		    &r), XT_EMALFORMED);
	}
	b[OFF_L4 + 12] = 0xf0;		/* 60 bytes, only 40 present */
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 0, &r),
	    XT_ETRUNC);
	/* Reserved bits in byte 12 do not change the data offset. */
	n = load(syn_hex, b) - OFF_L4;
	b[OFF_L4 + 12] |= 0x0f;
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 0, &r),
	    XT_OK);
	ck_assert_uint_eq(r.hlen, 40);
	/* Longer than any IPv4 datagram can carry. */
	big = calloc(1, 70000);
	ck_assert_ptr_nonnull(big);
	big[12] = 0x50;
	ck_assert_int_eq(xt_tcp_parse(big, 70000, IP_A, IP_B, 0, &r),
	    XT_EMALFORMED);
	ck_assert_int_eq(xt_tcp_parse(big, 65535, IP_A, IP_B, 0, &r), XT_OK);
	free(big);
}
END_TEST

START_TEST(tcp_checksum_mismatch)
{
	uint8_t b[FRAME_MAX];
	struct xt_tcp_repr r;
	size_t n;

	n = load(data_hex, b) - OFF_L4;
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 1, &r),
	    XT_OK);
	/* The pseudo-header is covered: wrong addresses fail. */
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B + 1, 1, &r),
	    XT_ECHECKSUM);
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_B, IP_A, 1, &r),
	    XT_OK);		/* swapping is invisible to the sum */
	/* The odd trailing payload byte is covered. */
	b[OFF_L4 + n - 1] ^= 0x01;
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 1, &r),
	    XT_ECHECKSUM);
	ck_assert_int_eq(xt_tcp_parse(b + OFF_L4, n, IP_A, IP_B, 0, &r),
	    XT_OK);
	ck_assert_uint_eq(r.payload[5], '\n' ^ 0x01);
}
END_TEST

/* Parse a pure-ACK header whose options area is opthex (a multiple of 4
 * bytes), from an exact-size heap copy, without checksum. */
static int
parse_opts(const char *opthex, struct xt_tcp_repr *r)
{
	uint8_t b[60], *t;
	size_t on, len;
	int err;

	memset(b, 0, sizeof(b));
	on = xt_test_hex(opthex, b + 20, 40);
	ck_assert_msg(on % 4 == 0, "options %s: %zu bytes", opthex, on);
	b[12] = (uint8_t)((20 + on) / 4 << 4);
	b[13] = XT_TH_ACK;
	len = 20 + on;
	t = xt_test_exact(b, len);
	err = xt_tcp_parse(t, len, IP_A, IP_B, 0, r);
	if (err == XT_OK)
		ck_assert_uint_eq(r->hlen, len);
	xt_test_exact_free(t, len);
	return (err);
}

START_TEST(tcp_opt_window_scale_clamp)
{
	struct xt_tcp_repr r;

	ck_assert_int_eq(parse_opts("01030307", &r), XT_OK);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 7);
	ck_assert_int_eq(parse_opts("0103030e", &r), XT_OK);
	ck_assert_uint_eq(r.ws, 14);
	/* RFC 7323 §2.3: > 14 is treated as 14. */
	ck_assert_int_eq(parse_opts("0103030f", &r), XT_OK);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 14);
	ck_assert_int_eq(parse_opts("010303ff", &r), XT_OK);
	ck_assert_uint_eq(r.ws, 14);
	ck_assert_int_eq(parse_opts("01030300", &r), XT_OK);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 0);
}
END_TEST

START_TEST(tcp_opt_bad_lengths)
{
	struct xt_tcp_repr r;

	/* No options at all. */
	ck_assert_int_eq(parse_opts("", &r), XT_OK);
	ck_assert_uint_eq(r.has_mss | r.has_ws | r.has_ts | r.sack_perm, 0);
	/* Length 0 stops processing: MSS kept, WS after it not read. */
	ck_assert_int_eq(parse_opts("020405b4 0800 030307 00 0000", &r),
	    XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.mss, 1460);
	ck_assert_uint_eq(r.has_ws, 0);
	/* Length 1, likewise. */
	ck_assert_int_eq(parse_opts("020405b4 0801 030307 00 0000", &r),
	    XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.has_ws, 0);
	ck_assert_uint_eq(r.has_ts, 0);
	/* Length running past the header: TS not decoded. */
	ck_assert_int_eq(parse_opts("020405b4 080a 01020304 05060708 0000"
	    "0000 0000", &r), XT_OK);
	ck_assert_uint_eq(r.has_ts, 1);		/* fits: 4 + 10 <= 20 */
	ck_assert_int_eq(parse_opts("020405b4 080a 0102 0304 0506", &r),
	    XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.has_ts, 0);
	ck_assert_int_eq(parse_opts("0101 08ff 00000000", &r), XT_OK);
	ck_assert_uint_eq(r.has_ts, 0);
	/* Length byte missing: the last option byte is a kind. */
	ck_assert_int_eq(parse_opts("01010103", &r), XT_OK);
	ck_assert_uint_eq(r.has_ws, 0);
	ck_assert_int_eq(parse_opts("020405b4 01010102", &r), XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.mss, 1460);
	/* Known option, wrong length: skipped, the walk goes on. */
	ck_assert_int_eq(parse_opts("020305 030307 0000", &r), XT_OK);
	ck_assert_uint_eq(r.has_mss, 0);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 7);
	ck_assert_int_eq(parse_opts("0403 00 080b 0102030405060708 00"
	    "0103030e 0000", &r), XT_OK);
	ck_assert_uint_eq(r.sack_perm, 0);
	ck_assert_uint_eq(r.has_ts, 0);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 14);
	ck_assert_int_eq(parse_opts("0202 0101 020405dc", &r), XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.mss, 1500);
}
END_TEST

START_TEST(tcp_opt_eol_nop_unknown)
{
	struct xt_tcp_repr r;

	/* EOL ends the list even with options after it. */
	ck_assert_int_eq(parse_opts("00 020405b4 010101", &r), XT_OK);
	ck_assert_uint_eq(r.has_mss, 0);
	/* Unknown kinds are skipped by their length (30 is MPTCP). */
	ck_assert_int_eq(parse_opts("1e06 00000000 020405b4 0000", &r),
	    XT_OK);
	ck_assert_uint_eq(r.has_mss, 1);
	ck_assert_uint_eq(r.mss, 1460);
	/* A repeated option: the last one wins. */
	ck_assert_int_eq(parse_opts("020405b4 02040578", &r), XT_OK);
	ck_assert_uint_eq(r.mss, 1400);
	/* Forty NOPs. */
	ck_assert_int_eq(parse_opts("01010101 01010101 01010101 01010101"
	    "01010101 01010101 01010101 01010101 01010101 01010101", &r),
	    XT_OK);
	ck_assert_uint_eq(r.hlen, 60);
}
END_TEST

START_TEST(tcp_opt_sack)
{
	struct xt_tcp_repr r;

	ck_assert_int_eq(parse_opts("0101050a 00000064 000000c8", &r), XT_OK);
	ck_assert_uint_eq(r.nsack, 1);
	ck_assert_uint_eq(r.sack[0][0], 100);
	ck_assert_uint_eq(r.sack[0][1], 200);
	ck_assert_int_eq(parse_opts("01010522 00000001 00000002 00000003"
	    "00000004 00000005 00000006 00000007 00000008", &r), XT_OK);
	ck_assert_uint_eq(r.nsack, 4);
	ck_assert_uint_eq(r.sack[3][0], 7);
	ck_assert_uint_eq(r.sack[3][1], 8);
	/* len - 2 not a multiple of 8: ignored, the walk continues. */
	ck_assert_int_eq(parse_opts("0101 050b 00000064 000000c8 00"
	    "0103 0305 000000", &r), XT_OK);
	ck_assert_uint_eq(r.nsack, 0);
	ck_assert_uint_eq(r.has_ws, 1);
	ck_assert_uint_eq(r.ws, 5);
	/* No blocks. */
	ck_assert_int_eq(parse_opts("01010502", &r), XT_OK);
	ck_assert_uint_eq(r.nsack, 0);
	/* TS + 3 blocks as Linux sends them. */
	ck_assert_int_eq(parse_opts("0101080a 11111111 22222222"
	    "0101051a 0000000a 00000014 0000001e 00000028 00000032 0000003c",
	    &r), XT_OK);
	ck_assert_uint_eq(r.has_ts, 1);
	ck_assert_uint_eq(r.tsval, 0x11111111u);
	ck_assert_uint_eq(r.tsecr, 0x22222222u);
	ck_assert_uint_eq(r.nsack, 3);
	ck_assert_uint_eq(r.sack[2][0], 50);
	ck_assert_uint_eq(r.sack[2][1], 60);
}
END_TEST

/* Emit layout table: repr -> exact option bytes. */
struct emit_case {
	const char	*name;
	unsigned	 mss:1, ts:1, sp:1, ws:1;
	uint8_t		 nsack;		/* requested */
	uint8_t		 nsack_out;	/* written */
	const char	*opts;		/* expected option bytes */
};

#define SACK4 "00000001 00000002 00000003 00000004 00000005 00000006" \
	" 00000007 00000008"

static const struct emit_case emit_cases[] = {
	{ "none", 0, 0, 0, 0, 0, 0, "" },
	{ "mss", 1, 0, 0, 0, 0, 0, "020405b4" },
	{ "ts", 0, 1, 0, 0, 0, 0, "0101080a 01020304 05060708" },
	{ "sackperm", 0, 0, 1, 0, 0, 0, "01010402" },
	{ "ws", 0, 0, 0, 1, 0, 0, "01030307" },
	{ "syn", 1, 1, 1, 1, 0, 0,
	  "020405b4 0402080a 01020304 05060708 01030307" },
	{ "syn-nots", 1, 0, 1, 1, 0, 0, "020405b4 01010402 01030307" },
	{ "syn-nosack", 1, 1, 0, 1, 0, 0,
	  "020405b4 0101080a 01020304 05060708 01030307" },
	{ "sack1", 0, 0, 0, 0, 1, 1, "0101050a 00000001 00000002" },
	{ "sack4", 0, 0, 0, 0, 4, 4, "01010522 " SACK4 },
	{ "sack5", 0, 0, 0, 0, 5, 4, "01010522 " SACK4 },
	{ "ts-sack3", 0, 1, 0, 0, 3, 3,
	  "0101080a 01020304 05060708 0101051a 00000001 00000002"
	  "00000003 00000004 00000005 00000006" },
	{ "ts-sack4", 0, 1, 0, 0, 4, 3,
	  "0101080a 01020304 05060708 0101051a 00000001 00000002"
	  "00000003 00000004 00000005 00000006" },
	{ "all-sack4", 1, 1, 1, 1, 4, 2,
	  "020405b4 0402080a 01020304 05060708 01030307"
	  "01010512 00000001 00000002 00000003 00000004" },
	{ "mss-sp-ws-sack4", 1, 0, 1, 1, 4, 3,
	  "020405b4 01010402 01030307"
	  "0101051a 00000001 00000002 00000003 00000004 00000005 00000006" },
};

static void
emit_case_repr(const struct emit_case *c, struct xt_tcp_repr *r)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->sport = 5000;
	r->dport = 40000;
	r->seq = 0x01020304;
	r->ack = 0xfffffff0u;
	r->flags = c->mss ? XT_TH_SYN | XT_TH_ACK : XT_TH_ACK;
	r->win = 502;
	r->has_mss = c->mss;
	r->mss = 1460;
	r->has_ts = c->ts;
	r->tsval = 0x01020304;
	r->tsecr = 0x05060708;
	r->sack_perm = c->sp;
	r->has_ws = c->ws;
	r->ws = 7;
	r->nsack = c->nsack;
	for (i = 0; i < XT_TCP_MAX_SACK; i++) {
		r->sack[i][0] = 2 * i + 1;
		r->sack[i][1] = 2 * i + 2;
	}
}

START_TEST(tcp_emit_layout)
{
	const struct emit_case *c = &emit_cases[_i];
	struct xt_tcp_repr r, p;
	uint8_t want[40], out[80];
	size_t wn, hl;

	emit_case_repr(c, &r);
	wn = xt_test_hex(c->opts, want, sizeof(want));
	hl = xt_tcp_hdr_len(&r);
	ck_assert_msg(hl == 20 + wn, "%s: hdr_len %zu want %zu", c->name, hl,
	    20 + wn);
	ck_assert_uint_eq(hl % 4, 0);
	ck_assert_uint_le(hl, 60);
	memset(out, 0xcc, sizeof(out));
	ck_assert_uint_eq(xt_tcp_emit_hdr(&r, out), hl);
	XT_EXPECT_BYTES(out + 20, hl - 20, want, wn);
	ck_assert_uint_eq(out[hl], 0xcc);	/* nothing past the header */
	ck_assert_uint_eq(out[12], (hl / 4) << 4);
	ck_assert_uint_eq(out[16], 0);		/* checksum left zero */
	ck_assert_uint_eq(out[17], 0);

	/* parse(emit(r)) == r, with the SACK blocks that fit. */
	xt_tcp_fill_csum(out, hl, IP_A, IP_B);
	ck_assert_int_eq(xt_tcp_parse(out, hl, IP_A, IP_B, 1, &p), XT_OK);
	r.hlen = (uint8_t)hl;
	r.nsack = c->nsack_out;
	tcp_expect_repr(&p, &r);
}
END_TEST

START_TEST(tcp_emit_header_fields)
{
	struct xt_tcp_repr r, p;
	uint8_t out[80], seg[80];
	size_t hl;

	memset(&r, 0, sizeof(r));
	r.sport = 0xfedc;
	r.dport = 0x0102;
	r.seq = 0x89abcdefu;
	r.ack = 0x76543210u;
	r.flags = 0xff;
	r.win = 0xffff;
	r.urp = 0x1234;
	hl = xt_tcp_emit_hdr(&r, out);
	ck_assert_uint_eq(hl, 20);
	XT_EXPECT_BYTES(out, hl, seg, xt_test_hex("fedc 0102 89abcdef 76543210"
	    "50ff ffff 0000 1234", seg, sizeof(seg)));
	/* Odd-length payload: the checksum still verifies and matches an
	 * independent computation over pseudo-header + segment. */
	memcpy(out + 20, "abc", 3);
	xt_tcp_fill_csum(out, 23, IP_A, IP_B);
	ck_assert_int_eq(xt_tcp_parse(out, 23, IP_A, IP_B, 1, &p), XT_OK);
	r.hlen = 20;
	r.payload_len = 3;
	tcp_expect_repr(&p, &r);
	{
		uint8_t ph[12 + 23];

		xt_test_hex("0a4d0001 0a4d0002 0006 0017", ph, 12);
		memcpy(ph + 12, out, 23);
		ph[12 + 16] = ph[12 + 17] = 0;
		ck_assert_uint_eq((unsigned)(out[16] << 8 | out[17]),
		    ref_csum(ph, sizeof(ph)));
	}
	/* fill_csum ignores whatever was in the checksum field. */
	out[16] = 0xde;
	out[17] = 0xad;
	xt_tcp_fill_csum(out, 23, IP_A, IP_B);
	ck_assert_int_eq(xt_tcp_parse(out, 23, IP_A, IP_B, 1, &p), XT_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* robustness: mutated and truncated frames through every parser */

static void
parse_everything(const uint8_t *f, size_t n)
{
	struct xt_eth_repr eth;
	struct xt_ipv4_repr ip;
	struct xt_arp_repr arp;
	struct xt_icmp4_repr icmp;
	struct xt_tcp_repr tcp;
	const uint8_t *p, *l4;
	size_t plen, l4len;
	int v;

	if (xt_eth_parse(f, n, &eth, &p, &plen) != XT_OK)
		return;
	ck_assert(p + plen == f + n);
	(void)xt_arp_parse(p, plen, &arp);
	for (v = 0; v < 2; v++) {
		if (xt_ipv4_parse(p, plen, v, &ip, &l4, &l4len) != XT_OK)
			continue;
		ck_assert(ip.hlen >= 20 && ip.hlen <= 60);
		ck_assert(l4 >= p && l4 + l4len <= p + plen);
		(void)xt_ipv4_check_options(p, ip.hlen);
		if (xt_icmp4_parse(l4, l4len, v, &icmp) == XT_OK)
			ck_assert(icmp.data + icmp.data_len == l4 + l4len);
		if (xt_tcp_parse(l4, l4len, ip.src, ip.dst, v, &tcp) ==
		    XT_OK) {
			ck_assert(tcp.hlen >= 20 && tcp.hlen <= l4len);
			ck_assert(tcp.payload + tcp.payload_len == l4 + l4len);
			ck_assert(tcp.ws <= XT_TCP_MAX_WS);
			ck_assert(tcp.nsack <= XT_TCP_MAX_SACK);
		}
	}
}

START_TEST(robust_mutations)
{
	uint8_t b[FRAME_MAX], m[FRAME_MAX], *t;
	uint64_t rs = 0x9e3779b97f4a7c15ULL;
	size_t fi, n, len, k, pos;
	int iter, nflip;

	for (fi = 0; fi < NFRAMES; fi++) {
		n = load(all_frames[fi], b);
		for (iter = 0; iter < 3000; iter++) {
			memcpy(m, b, n);
			nflip = 1 + (int)(xt_test_rand(&rs) % 4);
			for (k = 0; k < (size_t)nflip; k++) {
				/* Mostly header bytes (first 80). */
				pos = xt_test_rand(&rs) % (n < 80 ? n : 80);
				if (pos < XT_ETH_HLEN - 2)
					pos += XT_ETH_HLEN;
				m[pos] = (uint8_t)xt_test_rand(&rs);
			}
			len = n;
			if (iter % 3 == 0)
				len = xt_test_rand(&rs) % (n + 1);
			t = xt_test_exact(m, len);
			parse_everything(t, len);
			xt_test_exact_free(t, len);
		}
	}
}
END_TEST

Suite *
xt_suite_wire(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("wire");

	tc = tcase_create("csum");
	tcase_add_test(tc, csum_rfc1071_example);
	tcase_add_test(tc, csum_odd_length);
	tcase_add_test(tc, csum_against_reference);
	tcase_add_test(tc, csum_chained);
	tcase_add_test(tc, csum_pseudo_header);
	tcase_add_test(tc, csum_update16_rfc1624);
	tcase_add_test(tc, csum_update16_vs_recompute);
	suite_add_tcase(s, tc);

	tc = tcase_create("eth");
	tcase_add_test(tc, eth_parse_arp_frame);
	tcase_add_test(tc, eth_truncated);
	tcase_add_test(tc, eth_8023_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("arp");
	tcase_add_test(tc, arp_parse_request_reply);
	tcase_add_test(tc, arp_padding_ignored);
	tcase_add_test(tc, arp_truncated);
	tcase_add_test(tc, arp_unsupported_and_bad_op);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv4");
	tcase_add_test(tc, ipv4_textbook_checksum);
	tcase_add_test(tc, ipv4_captured_roundtrip);
	tcase_add_test(tc, ipv4_repr_roundtrip);
	tcase_add_test(tc, ipv4_ethernet_padding);
	tcase_add_test(tc, ipv4_truncated);
	tcase_add_test(tc, ipv4_bogus_lengths);
	tcase_add_test(tc, ipv4_checksum_mismatch);
	tcase_add_test(tc, ipv4_options);
	tcase_add_test(tc, ipv4_parse_with_source_route);
	tcase_add_test(tc, ipv4_fragments);
	suite_add_tcase(s, tc);

	tc = tcase_create("icmp4");
	tcase_add_test(tc, icmp_echo_captured);
	tcase_add_test(tc, icmp_truncated_and_checksum);
	tcase_add_test(tc, icmp_odd_length);
	tcase_add_test(tc, icmp_errors_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_parse_linux_syn);
	tcase_add_test(tc, tcp_captured_roundtrip);
	tcase_add_test(tc, tcp_frame_builder_matches_capture);
	tcase_add_test(tc, tcp_truncated);
	tcase_add_test(tc, tcp_bad_data_offset);
	tcase_add_test(tc, tcp_checksum_mismatch);
	tcase_add_test(tc, tcp_opt_window_scale_clamp);
	tcase_add_test(tc, tcp_opt_bad_lengths);
	tcase_add_test(tc, tcp_opt_eol_nop_unknown);
	tcase_add_test(tc, tcp_opt_sack);
	tcase_add_loop_test(tc, tcp_emit_layout, 0,
	    (int)(sizeof(emit_cases) / sizeof(emit_cases[0])));
	tcase_add_test(tc, tcp_emit_header_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("robust");
	tcase_add_test(tc, robust_mutations);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	return (s);
}
