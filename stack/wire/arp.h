/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arp.h - ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses
 * only.
 */
#ifndef XT_WIRE_ARP_H
#define XT_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#define XT_ARP_LEN	28	/* Ethernet/IPv4 ARP body */
#define XT_ARP_REQUEST	1
#define XT_ARP_REPLY	2

struct xt_arp_repr {
	uint16_t	op;		/* XT_ARP_REQUEST or XT_ARP_REPLY */
	uint8_t		sha[6];		/* sender MAC */
	uint32_t	spa;		/* sender IPv4, host order */
	uint8_t		tha[6];		/* target MAC */
	uint32_t	tpa;		/* target IPv4, host order */
};

/* XT_ETRUNC if len < 28; XT_EUNSUPP unless htype 1, ptype 0x0800, hlen 6,
 * plen 4; XT_EMALFORMED for an op other than 1 or 2.  Trailing padding
 * is ignored. */
int	xt_arp_parse(const uint8_t *buf, size_t len, struct xt_arp_repr *r);
/* Write exactly XT_ARP_LEN bytes. */
void	xt_arp_emit(const struct xt_arp_repr *r, uint8_t *buf);

#endif
