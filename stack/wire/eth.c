/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eth.c - Ethernet II header parse/emit.
 *
 * Read first: RFC 894 (IPv4 over Ethernet II), IEEE 802.3 §3.2.6 (values
 * below 0x0600 in the type field are lengths, not EtherTypes).
 */
#include <string.h>

#include "xt_err.h"
#include "wire/cursor.h"
#include "wire/eth.h"

/* EtherType values start here; smaller values are 802.3 lengths. */
#define ETH_TYPE_MIN	0x0600

const uint8_t xt_eth_broadcast[XT_ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

int
xt_eth_parse(const uint8_t *buf, size_t len, struct xt_eth_repr *r,
    const uint8_t **payload, size_t *plen)
{
	uint16_t type;

	if (len < XT_ETH_HLEN)
		return (XT_ETRUNC);
	type = xt_get16(buf + 12);
	if (type < ETH_TYPE_MIN)
		return (XT_EUNSUPP);
	memcpy(r->dst, buf, XT_ETH_ALEN);
	memcpy(r->src, buf + 6, XT_ETH_ALEN);
	r->type = type;
	*payload = buf + XT_ETH_HLEN;
	*plen = len - XT_ETH_HLEN;
	return (XT_OK);
}

void
xt_eth_emit(const struct xt_eth_repr *r, uint8_t *buf)
{
	memcpy(buf, r->dst, XT_ETH_ALEN);
	memcpy(buf + 6, r->src, XT_ETH_ALEN);
	xt_put16(buf + 12, r->type);
}
