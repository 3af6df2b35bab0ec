/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp.c - TCP header and option parse/emit.
 *
 * Read first: RFC 9293 §3.1 (header format, options, pseudo-header),
 * §3.2 (option kinds), §3.7.1 (MSS option); RFC 7323 §2 (window scale)
 * and §3 (timestamps) and Appendix A (padding layout); RFC 2018 §2-4
 * (SACK-permitted and SACK blocks); RFC 9293 §3.1 and RFC 1122 §4.2.2.5
 * on robustness against malformed options.
 *
 * Option parsing (xt_tcp_parse) never fails the segment:
 *  - EOL ends the list; NOP is one byte;
 *  - any other kind needs a length byte >= 2 that stays inside the header,
 *    otherwise the walk stops and what was decoded so far is kept (RFC 9293
 *    §3.1: a malformed option must not crash the receiver; RFC 1122
 *    §4.2.2.5: be prepared to handle an illegal option length);
 *  - a known kind with the wrong length is skipped (not decoded), unknown
 *    kinds are skipped by their length;
 *  - a window-scale shift above 14 is taken as 14 (RFC 7323 §2.3);
 *  - a SACK option whose length is not 2 + 8n is ignored; n is at most
 *    four because options are at most 40 bytes;
 *  - a repeated option overrides the earlier one.
 * Whether an option is acceptable in this segment (e.g. MSS on a non-SYN)
 * is for the TCP layer to decide, not the parser.
 *
 * Option layout written by xt_tcp_emit_hdr (the order Linux uses; every
 * group is a multiple of 4 bytes, so no trailing padding is ever needed):
 *
 *	MSS                 02 04 mm mm                              4 bytes
 *	SACK_PERM + TS      04 02 08 0a vvvvvvvv eeeeeeee           12 bytes
 *	  or TS alone       01 01 08 0a vvvvvvvv eeeeeeee           12 bytes
 *	  or SACK_PERM alone 01 01 04 02                             4 bytes
 *	WS                  01 03 03 ss                              4 bytes
 *	SACK blocks         01 01 05 LL (llllllll rrrrrrrr)*n    4 + 8n bytes
 *
 * The first four groups need at most 20 bytes and always fit; the SACK
 * blocks get what is left of the 40 bytes and the trailing blocks are
 * dropped when they do not fit (RFC 2018 §4: the first block must be the
 * most recent one, so the first ones are kept).
 */
#include <string.h>

#include "xt_err.h"
#include "wire/cursor.h"
#include "wire/csum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define TCPOLEN_MSS		4	/* RFC 9293 §3.2 */
#define TCPOLEN_WS		3	/* RFC 7323 §2.2 */
#define TCPOLEN_SACK_PERM	2	/* RFC 2018 §2 */
#define TCPOLEN_TS		10	/* RFC 7323 §3.2 */
#define TCPOLEN_SACK_BLOCK	8	/* RFC 2018 §3 */

#define EMIT_LEN_MSS		4
#define EMIT_LEN_TS		12	/* SACK_PERM or NOP,NOP, then TS */
#define EMIT_LEN_SACK_PERM	4	/* NOP,NOP,SACK_PERM */
#define EMIT_LEN_WS		4	/* NOP,WS */
#define EMIT_LEN_SACK_HDR	4	/* NOP,NOP,kind,len */

static void	tcp_parse_option(uint8_t kind, const uint8_t *opt,
		    size_t olen, struct xt_tcp_repr *r);
static void	tcp_parse_options(const uint8_t *p, size_t len,
		    struct xt_tcp_repr *r);
static size_t	tcp_base_optlen(const struct xt_tcp_repr *r);
static unsigned	tcp_emit_nsack(const struct xt_tcp_repr *r);

/* Decode one option; opt points at its kind byte, olen is its length. */
static void
tcp_parse_option(uint8_t kind, const uint8_t *opt, size_t olen,
    struct xt_tcp_repr *r)
{
	unsigned i, n;

	switch (kind) {
	case XT_TCPOPT_MSS:
		if (olen != TCPOLEN_MSS)
			break;
		r->has_mss = 1;
		r->mss = xt_get16(opt + 2);
		break;
	case XT_TCPOPT_WS:
		if (olen != TCPOLEN_WS)
			break;
		r->has_ws = 1;
		/* RFC 7323 §2.3: use 14 for any larger shift. */
		r->ws = opt[2] > XT_TCP_MAX_WS ? XT_TCP_MAX_WS : opt[2];
		break;
	case XT_TCPOPT_SACK_PERM:
		if (olen != TCPOLEN_SACK_PERM)
			break;
		r->sack_perm = 1;
		break;
	case XT_TCPOPT_TS:
		if (olen != TCPOLEN_TS)
			break;
		r->has_ts = 1;
		r->tsval = xt_get32(opt + 2);
		r->tsecr = xt_get32(opt + 6);
		break;
	case XT_TCPOPT_SACK:
		if ((olen - 2) % TCPOLEN_SACK_BLOCK != 0)
			break;
		n = (unsigned)((olen - 2) / TCPOLEN_SACK_BLOCK);
		if (n > XT_TCP_MAX_SACK)
			break;	/* cannot happen within 40 bytes */
		for (i = 0; i < n; i++) {
			r->sack[i][0] = xt_get32(opt + 2 + i * 8);
			r->sack[i][1] = xt_get32(opt + 6 + i * 8);
		}
		r->nsack = (uint8_t)n;
		break;
	case XT_TCPOPT_FASTOPEN:
		/* RFC 7413 §4.1.1: empty (request) or a 4-16 byte cookie;
		 * other lengths are ignored */
		if (olen == 2 || (olen - 2 >= XT_TFO_COOKIE_MIN &&
		    olen - 2 <= XT_TFO_COOKIE_MAX)) {
			r->has_tfo = 1;
			r->tfo_len = (uint8_t)(olen - 2);
			memcpy(r->tfo_cookie, opt + 2, olen - 2);
		}
		break;
	default:
		break;		/* unknown: skipped by its length */
	}
}

/* Walk the options area p[0..len). */
static void
tcp_parse_options(const uint8_t *p, size_t len, struct xt_tcp_repr *r)
{
	size_t i, olen;
	uint8_t kind;

	i = 0;
	while (i < len) {
		kind = p[i];
		if (kind == XT_TCPOPT_EOL)
			return;
		if (kind == XT_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return;		/* length byte missing */
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return;	/* bad length: stop, keep the rest */
		tcp_parse_option(kind, p + i, olen, r);
		i += olen;
	}
}

/*
 * len > 65535 cannot come from an IPv4 datagram and cannot be expressed in
 * the pseudo-header: XT_EMALFORMED.
 */
int
xt_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
    int verify_csum, struct xt_tcp_repr *r)
{
	size_t hlen;
	uint32_t sum;

	if (len < XT_TCP_HLEN)
		return (XT_ETRUNC);
	hlen = (size_t)(buf[12] >> 4) * 4;
	if (hlen < XT_TCP_HLEN)
		return (XT_EMALFORMED);
	if (len < hlen)
		return (XT_ETRUNC);
	if (len > 0xffff)
		return (XT_EMALFORMED);
	if (verify_csum) {
		sum = xt_csum_pseudo(src, dst, XT_IPPROTO_TCP, (uint16_t)len);
		if (xt_csum_fold(xt_csum_add(sum, buf, len)) != 0)
			return (XT_ECHECKSUM);
	}

	memset(r, 0, sizeof(*r));
	r->sport = xt_get16(buf);
	r->dport = xt_get16(buf + 2);
	r->seq = xt_get32(buf + 4);
	r->ack = xt_get32(buf + 8);
	r->hlen = (uint8_t)hlen;
	/* The 4 reserved bits of byte 12 are ignored (RFC 9293 §3.1). */
	r->flags = buf[13];
	r->win = xt_get16(buf + 14);
	r->urp = xt_get16(buf + 18);
	tcp_parse_options(buf + XT_TCP_HLEN, hlen - XT_TCP_HLEN, r);
	r->payload = buf + hlen;
	r->payload_len = len - hlen;
	return (XT_OK);
}

/* Option bytes before the SACK blocks (at most 20). */
static size_t
tcp_base_optlen(const struct xt_tcp_repr *r)
{
	size_t n = 0;

	if (r->has_mss)
		n += EMIT_LEN_MSS;
	if (r->has_ts)
		n += EMIT_LEN_TS;
	else if (r->sack_perm)
		n += EMIT_LEN_SACK_PERM;
	if (r->has_ws)
		n += EMIT_LEN_WS;
	if (r->has_tfo)
		n += (2 + (size_t)r->tfo_len + 3) & ~(size_t)3;
	return (n);
}

/* SACK blocks that emit will write: as many of r->nsack as fit. */
static unsigned
tcp_emit_nsack(const struct xt_tcp_repr *r)
{
	size_t room;
	unsigned n;

	n = r->nsack > XT_TCP_MAX_SACK ? XT_TCP_MAX_SACK : r->nsack;
	if (n == 0)
		return (0);
	room = XT_TCP_MAXOPT - tcp_base_optlen(r);
	if (room < EMIT_LEN_SACK_HDR + TCPOLEN_SACK_BLOCK)
		return (0);
	room = (room - EMIT_LEN_SACK_HDR) / TCPOLEN_SACK_BLOCK;
	return (n < room ? n : (unsigned)room);
}

size_t
xt_tcp_hdr_len(const struct xt_tcp_repr *r)
{
	size_t n;
	unsigned nsack;

	n = tcp_base_optlen(r);
	nsack = tcp_emit_nsack(r);
	if (nsack > 0)
		n += EMIT_LEN_SACK_HDR + (size_t)nsack * TCPOLEN_SACK_BLOCK;
	/* Every group is a multiple of 4; keep the rounding for safety. */
	n = (n + 3) & ~(size_t)3;
	return (XT_TCP_HLEN + n);
}

size_t
xt_tcp_emit_hdr(const struct xt_tcp_repr *r, uint8_t *buf)
{
	size_t hlen;
	uint8_t *p;
	unsigned i, nsack;

	hlen = xt_tcp_hdr_len(r);
	xt_put16(buf, r->sport);
	xt_put16(buf + 2, r->dport);
	xt_put32(buf + 4, r->seq);
	xt_put32(buf + 8, r->ack);
	buf[12] = (uint8_t)((hlen / 4) << 4);
	buf[13] = r->flags;
	xt_put16(buf + 14, r->win);
	xt_put16(buf + 16, 0);
	xt_put16(buf + 18, r->urp);

	p = buf + XT_TCP_HLEN;
	if (r->has_mss) {
		p[0] = XT_TCPOPT_MSS;
		p[1] = TCPOLEN_MSS;
		xt_put16(p + 2, r->mss);
		p += EMIT_LEN_MSS;
	}
	if (r->has_ts) {
		if (r->sack_perm) {
			p[0] = XT_TCPOPT_SACK_PERM;
			p[1] = TCPOLEN_SACK_PERM;
		} else {
			p[0] = XT_TCPOPT_NOP;
			p[1] = XT_TCPOPT_NOP;
		}
		p[2] = XT_TCPOPT_TS;
		p[3] = TCPOLEN_TS;
		xt_put32(p + 4, r->tsval);
		xt_put32(p + 8, r->tsecr);
		p += EMIT_LEN_TS;
	} else if (r->sack_perm) {
		p[0] = XT_TCPOPT_NOP;
		p[1] = XT_TCPOPT_NOP;
		p[2] = XT_TCPOPT_SACK_PERM;
		p[3] = TCPOLEN_SACK_PERM;
		p += EMIT_LEN_SACK_PERM;
	}
	if (r->has_ws) {
		p[0] = XT_TCPOPT_NOP;
		p[1] = XT_TCPOPT_WS;
		p[2] = TCPOLEN_WS;
		p[3] = r->ws;
		p += EMIT_LEN_WS;
	}
	if (r->has_tfo) {
		/* RFC 7413: kind, length, cookie; NOP-padded to 4 bytes */
		size_t tl = 2 + (size_t)r->tfo_len;

		p[0] = XT_TCPOPT_FASTOPEN;
		p[1] = (uint8_t)tl;
		memcpy(p + 2, r->tfo_cookie, r->tfo_len);
		while (tl % 4 != 0)
			p[tl++] = XT_TCPOPT_NOP;
		p += tl;
	}
	nsack = tcp_emit_nsack(r);
	if (nsack > 0) {
		p[0] = XT_TCPOPT_NOP;
		p[1] = XT_TCPOPT_NOP;
		p[2] = XT_TCPOPT_SACK;
		p[3] = (uint8_t)(2 + nsack * TCPOLEN_SACK_BLOCK);
		p += EMIT_LEN_SACK_HDR;
		for (i = 0; i < nsack; i++) {
			xt_put32(p, r->sack[i][0]);
			xt_put32(p + 4, r->sack[i][1]);
			p += TCPOLEN_SACK_BLOCK;
		}
	}
	/* Pad with EOL up to the 4-byte boundary (never needed today). */
	while (p < buf + hlen)
		*p++ = XT_TCPOPT_EOL;
	return (hlen);
}

void
xt_tcp_fill_csum(uint8_t *seg, size_t seglen, uint32_t src, uint32_t dst)
{
	uint32_t sum;

	xt_put16(seg + 16, 0);
	sum = xt_csum_pseudo(src, dst, XT_IPPROTO_TCP, (uint16_t)seglen);
	xt_put16(seg + 16, xt_csum_fold(xt_csum_add(sum, seg, seglen)));
}
