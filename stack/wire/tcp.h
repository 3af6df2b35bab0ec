/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp.h - TCP header and options (RFC 9293 §3.1; MSS RFC 9293 §3.7.1,
 * window scale and timestamps RFC 7323 §2-3, SACK RFC 2018).
 */
#ifndef XT_WIRE_TCP_H
#define XT_WIRE_TCP_H

#include <stddef.h>
#include <stdint.h>

#define XT_TCP_HLEN	20	/* header without options */
#define XT_TCP_MAXOPT	40

#define XT_TH_FIN	0x01
#define XT_TH_SYN	0x02
#define XT_TH_RST	0x04
#define XT_TH_PSH	0x08
#define XT_TH_ACK	0x10
#define XT_TH_URG	0x20
#define XT_TH_ECE	0x40
#define XT_TH_CWR	0x80

#define XT_TCPOPT_EOL		0
#define XT_TCPOPT_NOP		1
#define XT_TCPOPT_MSS		2
#define XT_TCPOPT_WS		3
#define XT_TCPOPT_SACK_PERM	4
#define XT_TCPOPT_SACK		5
#define XT_TCPOPT_TS		8
#define XT_TCPOPT_FASTOPEN	34	/* RFC 7413 §4.1.1 */

#define XT_TFO_COOKIE_MIN	4	/* RFC 7413 §4.1.1: 4..16 bytes, even */
#define XT_TFO_COOKIE_MAX	16

#define XT_TCP_MAX_WS		14	/* RFC 7323 §2.3 */
#define XT_TCP_MAX_SACK		4	/* blocks that fit in 40 option bytes */

struct xt_tcp_repr {
	uint16_t	sport;		/* host order */
	uint16_t	dport;
	uint32_t	seq;
	uint32_t	ack;
	uint8_t		flags;		/* XT_TH_* */
	uint8_t		hlen;		/* data offset in bytes (parse only) */
	uint16_t	win;		/* raw (unscaled) window field */
	uint16_t	urp;		/* urgent pointer */
	/* options (parse fills; emit writes those whose has_ bit is set) */
	unsigned	has_mss:1, has_ws:1, has_ts:1, sack_perm:1;
	uint16_t	mss;		/* bytes */
	uint8_t		ws;		/* shift count, clamped to 14 on parse */
	uint32_t	tsval;		/* RFC 7323 §3 */
	uint32_t	tsecr;
	unsigned	has_tfo:1;	/* Fast Open option present (RFC 7413) */
	uint8_t		tfo_len;	/* cookie bytes; 0 = a cookie request */
	uint8_t		tfo_cookie[XT_TFO_COOKIE_MAX];
	uint8_t		nsack;		/* SACK blocks present */
	uint32_t	sack[XT_TCP_MAX_SACK][2];	/* [left, right) */
	/* payload (parse only) */
	const uint8_t	*payload;
	size_t		payload_len;
};

/*
 * Validate and decode a TCP segment of len bytes (header + payload, as
 * bounded by the IPv4 total length).  src/dst are the IPv4 addresses in
 * host order for the pseudo-header.  Errors: XT_ETRUNC (len < 20 or
 * len < data offset), XT_EMALFORMED (data offset < 5), XT_ECHECKSUM (when
 * verify_csum).  Malformed options never fail the parse: an option with a
 * bad length stops option processing (the rest is ignored), unknown
 * options are skipped, ws > 14 is clamped to 14 (RFC 7323 §2.3).
 */
int	xt_tcp_parse(const uint8_t *buf, size_t len, uint32_t src,
	    uint32_t dst, int verify_csum, struct xt_tcp_repr *r);
/* Header length emit will write: 20 + options, padded to 4 bytes. */
size_t	xt_tcp_hdr_len(const struct xt_tcp_repr *r);
/* Write the header and options (checksum field zero); returns its length.
 * buf must have xt_tcp_hdr_len(r) bytes. */
size_t	xt_tcp_emit_hdr(const struct xt_tcp_repr *r, uint8_t *buf);
/* Compute and store the checksum of the segment at seg (header already
 * written, payload following it), seglen bytes in all. */
void	xt_tcp_fill_csum(uint8_t *seg, size_t seglen, uint32_t src,
	    uint32_t dst);

#endif
