/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * icmp4.c - ICMP input, reached like any protocol through the engine's
 * protocol table: answer echo requests, and hand destination unreachable
 * messages to the protocol whose datagram they quote (its ctlinput in
 * the same table).
 *
 * Read first: RFC 792, RFC 1122 §3.2.2 (which errors are hard or soft;
 * §4.2.3.9 for TCP's reaction), RFC 5927 (checks against forged errors:
 * the quoted sequence number must be in the window).
 */
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

static void
icmp_echo_reply(struct xtcp_engine *eng, uint32_t src,
    const struct xt_icmp4_repr *req)
{
	struct xt_icmp4_repr rep;
	uint8_t *p;
	size_t len;

	rep = *req;
	rep.type = XT_ICMP_ECHOREPLY;
	rep.code = 0;
	len = xt_icmp4_len(&rep);
	if (len + XT_IPV4_HLEN > eng->mtu)
		return;		/* a larger request came fragmented: dropped */
	p = xt_tx_begin(eng);
	if (xt_icmp4_emit(&rep, p, len) != XT_OK)
		return;
	if (xt_tx_commit(eng, src, XT_IPPROTO_ICMP, 0, 0, len, NULL) ==
	    XT_OK)
		XT_STAT_INC(eng, icmp_tx_echoreply);
}

/* An xt_ip_input_fn.  ICMP checks its own checksum whatever the device
 * said, so verify_csum is unused; so are dst (ours) and tos. */
void
xt_icmp_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    uint8_t tos, const uint8_t *pkt, size_t len, int verify_csum)
{
	const struct xt_ipproto *pr;
	struct xt_icmp4_repr ic;
	struct xt_ipv4_repr qip;
	const uint8_t *ql;
	size_t qlen;

	(void)dst;
	(void)tos;
	(void)verify_csum;
	XT_STAT_INC(eng, icmp_rx);
	if (xt_icmp4_parse(pkt, len, 1, &ic) != XT_OK) {
		XT_STAT_INC(eng, icmp_rx_bad);
		return;
	}
	switch (ic.type) {
	case XT_ICMP_ECHO:
		XT_STAT_INC(eng, icmp_rx_echo);
		if (eng->follower)	/* the address's leader answers */
			XT_STAT_INC(eng, icmp_rx_echo_follower);
		else
			icmp_echo_reply(eng, src, &ic);
		break;
	case XT_ICMP_UNREACH:
		XT_STAT_INC(eng, icmp_rx_unreach);
		/* the quoted datagram: its header and at least 8 bytes
		 * (RFC 792); its total length may exceed what was quoted */
		if (ic.data_len < XT_IPV4_HLEN + 8 || (ic.data[0] >> 4) != 4)
			return;
		qip.hlen = (uint8_t)((ic.data[0] & 0x0f) * 4);
		if (qip.hlen < XT_IPV4_HLEN || ic.data_len < qip.hlen + 8u)
			return;
		qip.proto = ic.data[9];
		qip.src = (uint32_t)ic.data[12] << 24 | ic.data[13] << 16 |
		    ic.data[14] << 8 | ic.data[15];
		qip.dst = (uint32_t)ic.data[16] << 24 | ic.data[17] << 16 |
		    ic.data[18] << 8 | ic.data[19];
		if (qip.src != eng->cfg.addr ||
		    (pr = xt_ip_proto(eng, qip.proto)) == NULL ||
		    pr->ctlinput == NULL)
			return;
		ql = ic.data + qip.hlen;
		qlen = ic.data_len - qip.hlen;
		pr->ctlinput(eng, ic.type, ic.code, ic.mtu, qip.dst, ql, qlen);
		break;
	default:
		break;
	}
}
