/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipv4.h - IPv4 header (RFC 791; checks per RFC 1122 §3.2.1).
 */
#ifndef XT_WIRE_IPV4_H
#define XT_WIRE_IPV4_H

#include <stddef.h>
#include <stdint.h>

#define XT_IPV4_HLEN		20	/* header without options */
#define XT_IPPROTO_ICMP		1
#define XT_IPPROTO_TCP		6
#define XT_IPPROTO_UDP		17
#define XT_IPV4_DF		0x4000	/* don't fragment, in frag field */
#define XT_IPV4_MF		0x2000	/* more fragments */
#define XT_IPV4_OFFMASK		0x1fff	/* fragment offset, 8-byte units */

struct xt_ipv4_repr {
	uint8_t		hlen;		/* header length in bytes (20..60) */
	uint8_t		tos;		/* DSCP + ECN */
	uint16_t	total_len;	/* header + payload, bytes */
	uint16_t	id;		/* identification */
	uint16_t	frag;		/* flags (DF, MF) + offset, raw */
	uint8_t		ttl;		/* time to live */
	uint8_t		proto;		/* payload protocol */
	uint32_t	src;		/* host order */
	uint32_t	dst;		/* host order */
};

/*
 * Validate and decode.  Errors: XT_ETRUNC (len < 20, len < hlen, or
 * len < total_len), XT_EMALFORMED (version != 4, IHL < 5, total_len <
 * hlen), XT_ECHECKSUM (when verify_csum and the header sum is wrong).
 * Bytes after total_len (Ethernet padding) are ignored: *plen is
 * total_len - hlen.
 */
int	xt_ipv4_parse(const uint8_t *buf, size_t len, int verify_csum,
	    struct xt_ipv4_repr *r, const uint8_t **payload, size_t *plen);
/*
 * Walk the options area of a parsed header (buf points at the header):
 * XT_OK if all options are well formed and none asks for source routing;
 * XT_EUNSUPP for LSRR/SSRR (RFC 1122 §3.2.1.8: we drop rather than
 * reverse); XT_EMALFORMED for a bad option length.
 */
int	xt_ipv4_check_options(const uint8_t *buf, size_t hlen);
/* Is the datagram a fragment (MF set or offset non-zero)? */
int	xt_ipv4_is_fragment(const struct xt_ipv4_repr *r);
/* Write a 20-byte header (r->hlen ignored, no options) with its checksum. */
void	xt_ipv4_emit(const struct xt_ipv4_repr *r, uint8_t *buf);

#endif
