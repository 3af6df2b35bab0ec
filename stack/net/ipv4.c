/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipv4.c - IPv4 input validation and local delivery through the engine's
 * protocol table, and IPv4 output: the IPv4 and Ethernet headers (and
 * the device's offload header) around a payload in the transmit batch,
 * with the next hop resolved by ARP or the frame held until it is.
 *
 * Read first: RFC 791 §3.1, RFC 1122 §3.2.1 (what a host must check),
 * §3.2.1.3 (addresses that are never a source, route.c decides them),
 * §3.2.1.8 (source-route options: we drop rather than reverse them);
 * RFC 1191 §3 (DF set for path MTU discovery).
 */
#include "xt_engine.h"
#include "net/net.h"
#include <string.h>

#include "dev/phy.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

int
xt_ip_register(struct xtcp_engine *eng, uint8_t proto, xt_ip_input_fn input,
    xt_ip_ctlinput_fn ctlinput)
{
	struct xt_ipproto *slot = NULL;
	unsigned i;

	if (input == NULL)
		return (XT_EINVAL);
	for (i = 0; i < XT_IP_NPROTO; i++) {
		if (eng->proc->ipproto[i].input == NULL) {
			if (slot == NULL)
				slot = &eng->proc->ipproto[i];
		} else if (eng->proc->ipproto[i].proto == proto)
			return (XT_EINVAL);
	}
	if (slot == NULL)
		return (XT_ENOBUFS);
	slot->proto = proto;
	slot->input = input;
	slot->ctlinput = ctlinput;
	return (XT_OK);
}

const struct xt_ipproto *
xt_ip_proto(const struct xtcp_engine *eng, uint8_t proto)
{
	unsigned i;

	for (i = 0; i < XT_IP_NPROTO; i++)
		if (eng->proc->ipproto[i].input != NULL &&
		    eng->proc->ipproto[i].proto == proto)
			return (&eng->proc->ipproto[i]);
	return (NULL);
}

void
xt_ip_input(struct xtcp_engine *eng, const uint8_t *pkt, size_t len,
    unsigned rxflags)
{
	const struct xt_ipproto *pr;
	struct xt_ipv4_repr ip;
	enum xt_martian mc;
	const uint8_t *pl;
	size_t plen;
	int err;

	XT_STAT_INC(eng, ip_rx);
	err = xt_ipv4_parse(pkt, len, 1, &ip, &pl, &plen);
	if (err == XT_ECHECKSUM) {
		XT_STAT_INC(eng, ip_rx_bad_csum);
		return;
	}
	if (err != XT_OK) {
		XT_STAT_INC(eng, ip_rx_bad_header);
		XT_LOG_DEBUG(eng, "ip bad header err %d len %zu", err, len);
		return;
	}
	if (ip.dst != eng->cfg.addr) {
		XT_STAT_INC(eng, ip_rx_not_ours);
		return;
	}
	/* a martian source: spoofed, or looped back; neither TCP nor ICMP
	 * may answer it (Linux drops these in ip_route_input as well) */
	if ((mc = xt_ip_martian(eng, ip.src)) != XT_MARTIAN_NONE) {
		XT_STAT_INC(eng, ip_rx_martian_src);
		XT_LOG_DEBUG(eng, "ip martian source %u.%u.%u.%u class %d",
		    ip.src >> 24, (ip.src >> 16) & 0xff, (ip.src >> 8) & 0xff,
		    ip.src & 0xff, (int)mc);
		return;
	}
	if (ip.hlen > XT_IPV4_HLEN) {
		err = xt_ipv4_check_options(pkt, ip.hlen);
		if (err == XT_EUNSUPP) {
			XT_STAT_INC(eng, ip_rx_srcroute);
			return;
		}
		if (err != XT_OK) {
			XT_STAT_INC(eng, ip_rx_bad_options);
			return;
		}
	}
	if (xt_ipv4_is_fragment(&ip)) {
		/* TODO(#5): reassembly (RFC 791 §3.2, RFC 815) */
		XT_STAT_INC(eng, ip_rx_fragments);
		return;
	}
	if ((pr = xt_ip_proto(eng, ip.proto)) == NULL) {
		XT_STAT_INC(eng, ip_rx_unknown_proto);
		return;
	}
	pr->input(eng, ip.src, ip.dst, ip.tos, pl, plen,
	    (rxflags & (XT_RXF_CSUM_PARTIAL | XT_RXF_CSUM_VALID)) == 0);
}

/* ---- output ---- */

/* Finish a TCP checksum the device was to fill, for a frame that will
 * leave without its vnet header (queued for ARP). */
static void
tx_software_csum(struct xtcp_engine *eng, uint8_t *l4, size_t l4len,
    uint32_t dst)
{
	l4[16] = l4[17] = 0;
	xt_tcp_fill_csum(l4, l4len, eng->cfg.addr, dst);
}

int
xt_tx_commit(struct xtcp_engine *eng, uint32_t dst, uint8_t proto,
    uint8_t tos, uint8_t ttl, size_t l4len, const struct xt_tx_offload *ol)
{
	uint8_t *base = eng->txbuf[eng->ntx];
	uint8_t *f = base + eng->txhead;
	struct xt_ipv4_repr ip;
	struct xt_eth_repr eh;
	struct xt_vnet_hdr vh;
	uint32_t nexthop;
	int err;

	if (l4len > xt_tx_l4max(eng) ||
	    (l4len + XT_IPV4_HLEN > eng->mtu &&
	    (ol == NULL || ol->gso_size == 0)))
		return (XT_EMSGSIZE);
	if ((err = xt_ip_route(eng, dst, &nexthop)) != XT_OK) {
		XT_STAT_INC(eng, ip_tx_noroute);
		return (err);
	}
	memset(&ip, 0, sizeof(ip));
	ip.tos = tos;
	ip.total_len = (uint16_t)(XT_IPV4_HLEN + l4len);
	ip.id = eng->ip_id++;
	/* RFC 1191: DF for path MTU discovery, unless turned off */
	ip.frag = eng->cfg.path_mtu_discovery ? XT_IPV4_DF : 0;
	ip.ttl = ttl != 0 ? ttl : 64;
	ip.proto = proto;
	ip.src = eng->cfg.addr;
	ip.dst = dst;
	xt_ipv4_emit(&ip, f + XT_ETH_HLEN);
	memcpy(eh.src, eng->mac, 6);
	eh.type = XT_ETHERTYPE_IPV4;
	XT_STAT_INC(eng, ip_tx);
	err = xt_arp_resolve(eng, nexthop, f + XT_ETH_HLEN,
	    XT_IPV4_HLEN + l4len, eh.dst);
	xt_eth_emit(&eh, f);
	if (err == XT_EAGAIN) {
		/* held for ARP, it leaves later as a plain frame: no TSO,
		 * a software checksum */
		if (ol != NULL && ol->gso_size != 0 &&
		    l4len + XT_IPV4_HLEN > eng->mtu)
			return (XT_OK);		/* dropped; TCP resends */
		if (ol != NULL)
			tx_software_csum(eng, f + XT_TX_HEADROOM, l4len, dst);
		xt_arp_queue(eng, nexthop, f, XT_TX_HEADROOM + l4len);
		return (XT_OK);
	}
	if (err != XT_OK)
		return (err);
	if (eng->txhead > 0) {
		memset(&vh, 0, sizeof(vh));
		if (ol != NULL) {
			vh.flags = XT_VNET_F_NEEDS_CSUM;
			vh.csum_start = XT_TX_HEADROOM;
			vh.csum_offset = 16;	/* TCP checksum field */
			if (ol->gso_size != 0 &&
			    l4len - ol->l4hlen > ol->gso_size) {
				vh.gso_type = XT_VNET_GSO_TCPV4 |
				    (ol->ecn ? XT_VNET_GSO_ECN : 0);
				vh.gso_size = ol->gso_size;
				vh.hdr_len = (uint16_t)(XT_TX_HEADROOM +
				    ol->l4hlen);
			}
		}
		memcpy(base, &vh, XT_VNET_HDR_LEN);
	}
	eng->txv[eng->ntx].iov_base = base;
	eng->txv[eng->ntx].iov_len = eng->txhead + XT_TX_HEADROOM + l4len;
	eng->ntx++;
	return (XT_OK);
}
