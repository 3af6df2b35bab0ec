/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmp4.h - ICMPv4 messages we use: echo request/reply and the error
 * messages that quote a datagram (RFC 792, RFC 1122 §3.2.2).
 */
#ifndef XT_WIRE_ICMP4_H
#define XT_WIRE_ICMP4_H

#include <stddef.h>
#include <stdint.h>

#define XT_ICMP_ECHOREPLY	0
#define XT_ICMP_UNREACH		3
#define XT_ICMP_ECHO		8
#define XT_ICMP_TIMXCEED	11
#define XT_ICMP_PARAMPROB	12
/* codes of XT_ICMP_UNREACH */
#define XT_ICMP_UNREACH_NET	0
#define XT_ICMP_UNREACH_HOST	1
#define XT_ICMP_UNREACH_PROTO	2
#define XT_ICMP_UNREACH_PORT	3
#define XT_ICMP_UNREACH_NEEDFRAG 4

#define XT_ICMP_HLEN		8

struct xt_icmp4_repr {
	uint8_t		type;
	uint8_t		code;
	uint16_t	id;		/* echo: identifier */
	uint16_t	seq;		/* echo: sequence */
	uint16_t	mtu;		/* unreach/needfrag: next-hop MTU */
	const uint8_t	*data;		/* echo payload, or the quoted datagram */
	size_t		data_len;
};

/* XT_ETRUNC if len < 8; XT_ECHECKSUM if verify_csum and the sum over all
 * len bytes is wrong.  r->data points into buf. */
int	xt_icmp4_parse(const uint8_t *buf, size_t len, int verify_csum,
	    struct xt_icmp4_repr *r);
/* Bytes xt_icmp4_emit writes: 8 + data_len. */
size_t	xt_icmp4_len(const struct xt_icmp4_repr *r);
/* Write header + data with checksum; XT_EMSGSIZE if len is too small. */
int	xt_icmp4_emit(const struct xt_icmp4_repr *r, uint8_t *buf, size_t len);

#endif
