/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipv4.c - IPv4 header parse/emit and option validation.
 *
 * Read first: RFC 791 §3.1 (header format, options), RFC 1122 §3.2.1
 * (what a host must check: version §3.2.1.1, checksum §3.2.1.2, source
 * route §3.2.1.8), RFC 1071 (the header checksum).
 *
 * Order of checks in xt_ipv4_parse: enough bytes for the fixed header,
 * version, IHL, enough bytes for the header, total length against the header
 * length and the buffer, then the checksum.  Each failure has its own error
 * so the caller can count drops by cause.
 */
#include "xt_err.h"
#include "wire/cursor.h"
#include "wire/csum.h"
#include "wire/ipv4.h"

#define IPV4_MAXHLEN	60	/* IHL is 4 bits of 32-bit words */
#define IPOPT_EOL	0	/* RFC 791 §3.1: end of option list */
#define IPOPT_NOP	1	/* RFC 791 §3.1: no operation */
#define IPOPT_LSRR	131	/* RFC 791 §3.1: loose source route */
#define IPOPT_SSRR	137	/* RFC 791 §3.1: strict source route */

int
xt_ipv4_parse(const uint8_t *buf, size_t len, int verify_csum,
    struct xt_ipv4_repr *r, const uint8_t **payload, size_t *plen)
{
	size_t hlen, tlen;

	if (len < XT_IPV4_HLEN)
		return (XT_ETRUNC);
	/* RFC 1122 §3.2.1.1: silently discard a version other than 4. */
	if ((buf[0] >> 4) != 4)
		return (XT_EMALFORMED);
	hlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hlen < XT_IPV4_HLEN)
		return (XT_EMALFORMED);
	if (len < hlen)
		return (XT_ETRUNC);
	tlen = xt_get16(buf + 2);
	if (tlen < hlen)
		return (XT_EMALFORMED);
	if (len < tlen)
		return (XT_ETRUNC);
	/* RFC 1122 §3.2.1.2: verify the header checksum. */
	if (verify_csum && xt_csum_fold(xt_csum_add(0, buf, hlen)) != 0)
		return (XT_ECHECKSUM);

	r->hlen = (uint8_t)hlen;
	r->tos = buf[1];
	r->total_len = (uint16_t)tlen;
	r->id = xt_get16(buf + 4);
	r->frag = xt_get16(buf + 6);
	r->ttl = buf[8];
	r->proto = buf[9];
	r->src = xt_get32(buf + 12);
	r->dst = xt_get32(buf + 16);
	*payload = buf + hlen;
	*plen = tlen - hlen;
	return (XT_OK);
}

/*
 * RFC 791 §3.1: an option is either a single octet (EOL, NOP) or
 * type, length (counting type and length), data.  EOL ends the list even if
 * header bytes remain (they are padding).  A hlen outside 20..60 is a caller
 * error (XT_EINVAL).
 */
int
xt_ipv4_check_options(const uint8_t *buf, size_t hlen)
{
	size_t i, olen;
	uint8_t type;

	if (hlen < XT_IPV4_HLEN || hlen > IPV4_MAXHLEN)
		return (XT_EINVAL);
	i = XT_IPV4_HLEN;
	while (i < hlen) {
		type = buf[i];
		if (type == IPOPT_EOL)
			break;
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			return (XT_EMALFORMED);	/* length byte missing */
		olen = buf[i + 1];
		if (olen < 2 || olen > hlen - i)
			return (XT_EMALFORMED);
		/* RFC 1122 §3.2.1.8 lets a host reverse a received source
		 * route; we do not, so such datagrams are refused. */
		if (type == IPOPT_LSRR || type == IPOPT_SSRR)
			return (XT_EUNSUPP);
		i += olen;
	}
	return (XT_OK);
}

int
xt_ipv4_is_fragment(const struct xt_ipv4_repr *r)
{
	return ((r->frag & (XT_IPV4_MF | XT_IPV4_OFFMASK)) != 0);
}

void
xt_ipv4_emit(const struct xt_ipv4_repr *r, uint8_t *buf)
{
	buf[0] = 0x45;			/* version 4, IHL 5 */
	buf[1] = r->tos;
	xt_put16(buf + 2, r->total_len);
	xt_put16(buf + 4, r->id);
	xt_put16(buf + 6, r->frag);
	buf[8] = r->ttl;
	buf[9] = r->proto;
	xt_put16(buf + 10, 0);
	xt_put32(buf + 12, r->src);
	xt_put32(buf + 16, r->dst);
	xt_put16(buf + 10, xt_csum_fold(xt_csum_add(0, buf, XT_IPV4_HLEN)));
}
