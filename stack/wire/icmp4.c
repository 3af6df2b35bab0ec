/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmp4.c - ICMPv4 message parse/emit.
 *
 * Read first: RFC 792 (message formats), RFC 1122 §3.2.2 (host rules:
 * §3.2.2.6 echo, §3.2.2.1 destination unreachable), RFC 1191 §4 (the
 * next-hop MTU field in "fragmentation needed").
 *
 * The second word of the header depends on the type: identifier + sequence
 * for echo and echo reply, unused(16) + next-hop MTU(16) for unreachable
 * code 4; it is decoded into id/seq or mtu and the other fields are zero.
 * For all other types it is not decoded (unused per RFC 792, or e.g. the
 * parameter-problem pointer), and emit writes it as zero.
 */
#include <string.h>

#include "xt_err.h"
#include "wire/cursor.h"
#include "wire/csum.h"
#include "wire/icmp4.h"

static int	icmp4_is_echo(uint8_t type);
static int	icmp4_is_needfrag(uint8_t type, uint8_t code);

static int
icmp4_is_echo(uint8_t type)
{
	return (type == XT_ICMP_ECHO || type == XT_ICMP_ECHOREPLY);
}

static int
icmp4_is_needfrag(uint8_t type, uint8_t code)
{
	return (type == XT_ICMP_UNREACH && code == XT_ICMP_UNREACH_NEEDFRAG);
}

int
xt_icmp4_parse(const uint8_t *buf, size_t len, int verify_csum,
    struct xt_icmp4_repr *r)
{
	if (len < XT_ICMP_HLEN)
		return (XT_ETRUNC);
	/* RFC 792: the checksum covers the whole ICMP message. */
	if (verify_csum && xt_csum_fold(xt_csum_add(0, buf, len)) != 0)
		return (XT_ECHECKSUM);
	r->type = buf[0];
	r->code = buf[1];
	r->id = 0;
	r->seq = 0;
	r->mtu = 0;
	if (icmp4_is_echo(r->type)) {
		r->id = xt_get16(buf + 4);
		r->seq = xt_get16(buf + 6);
	} else if (icmp4_is_needfrag(r->type, r->code))
		r->mtu = xt_get16(buf + 6);
	r->data = buf + XT_ICMP_HLEN;
	r->data_len = len - XT_ICMP_HLEN;
	return (XT_OK);
}

size_t
xt_icmp4_len(const struct xt_icmp4_repr *r)
{
	return (XT_ICMP_HLEN + r->data_len);
}

/*
 * r->data may point anywhere, including into buf itself (an echo reply
 * built in place over the request): the copy is a memmove.
 */
int
xt_icmp4_emit(const struct xt_icmp4_repr *r, uint8_t *buf, size_t len)
{
	size_t n;

	n = xt_icmp4_len(r);
	if (n < r->data_len || len < n)
		return (XT_EMSGSIZE);
	if (r->data_len > 0 && r->data != buf + XT_ICMP_HLEN)
		memmove(buf + XT_ICMP_HLEN, r->data, r->data_len);
	buf[0] = r->type;
	buf[1] = r->code;
	xt_put16(buf + 2, 0);
	if (icmp4_is_echo(r->type)) {
		xt_put16(buf + 4, r->id);
		xt_put16(buf + 6, r->seq);
	} else if (icmp4_is_needfrag(r->type, r->code)) {
		xt_put16(buf + 4, 0);
		xt_put16(buf + 6, r->mtu);
	} else
		xt_put32(buf + 4, 0);
	xt_put16(buf + 2, xt_csum_fold(xt_csum_add(0, buf, n)));
	return (XT_OK);
}
