/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arp.c - ARP packet parse/emit for Ethernet/IPv4 (RFC 826).
 *
 * Read first: RFC 826 "Packet format"; RFC 5227 §2.1.1 for why a target
 * hardware address of zero in a request is normal.
 *
 * Body layout (28 bytes): htype(2) ptype(2) hlen(1) plen(1) op(2)
 * sha(6) spa(4) tha(6) tpa(4).  Ethernet minimum-frame padding after it is
 * ignored.
 */
#include <string.h>

#include "xt_err.h"
#include "wire/cursor.h"
#include "wire/arp.h"

#define ARP_HTYPE_ETHER	1	/* RFC 826: ares_hrd$Ethernet */
#define ARP_PTYPE_IPV4	0x0800
#define ARP_HLEN_ETHER	6
#define ARP_PLEN_IPV4	4

int
xt_arp_parse(const uint8_t *buf, size_t len, struct xt_arp_repr *r)
{
	uint16_t op;

	if (len < XT_ARP_LEN)
		return (XT_ETRUNC);
	if (xt_get16(buf) != ARP_HTYPE_ETHER ||
	    xt_get16(buf + 2) != ARP_PTYPE_IPV4 ||
	    buf[4] != ARP_HLEN_ETHER || buf[5] != ARP_PLEN_IPV4)
		return (XT_EUNSUPP);
	op = xt_get16(buf + 6);
	if (op != XT_ARP_REQUEST && op != XT_ARP_REPLY)
		return (XT_EMALFORMED);
	r->op = op;
	memcpy(r->sha, buf + 8, 6);
	r->spa = xt_get32(buf + 14);
	memcpy(r->tha, buf + 18, 6);
	r->tpa = xt_get32(buf + 24);
	return (XT_OK);
}

void
xt_arp_emit(const struct xt_arp_repr *r, uint8_t *buf)
{
	xt_put16(buf, ARP_HTYPE_ETHER);
	xt_put16(buf + 2, ARP_PTYPE_IPV4);
	buf[4] = ARP_HLEN_ETHER;
	buf[5] = ARP_PLEN_IPV4;
	xt_put16(buf + 6, r->op);
	memcpy(buf + 8, r->sha, 6);
	xt_put32(buf + 14, r->spa);
	memcpy(buf + 18, r->tha, 6);
	xt_put32(buf + 24, r->tpa);
}
