/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eth.h - Ethernet II header (IEEE 802.3 with EtherType, RFC 894).
 */
#ifndef XT_WIRE_ETH_H
#define XT_WIRE_ETH_H

#include <stddef.h>
#include <stdint.h>

#define XT_ETH_HLEN		14
#define XT_ETH_ALEN		6
#define XT_ETHERTYPE_IPV4	0x0800
#define XT_ETHERTYPE_ARP	0x0806

struct xt_eth_repr {
	uint8_t		dst[XT_ETH_ALEN];	/* destination MAC */
	uint8_t		src[XT_ETH_ALEN];	/* source MAC */
	uint16_t	type;			/* EtherType, host order */
};

/* Parse; *payload and *plen get what follows the header.  XT_ETRUNC if
 * len < 14; EtherTypes below 0x0600 (802.3 lengths) give XT_EUNSUPP. */
int	xt_eth_parse(const uint8_t *buf, size_t len, struct xt_eth_repr *r,
	    const uint8_t **payload, size_t *plen);
/* Write exactly XT_ETH_HLEN bytes. */
void	xt_eth_emit(const struct xt_eth_repr *r, uint8_t *buf);

extern const uint8_t xt_eth_broadcast[XT_ETH_ALEN];

#endif
