/*
 * ipv4.c - IPv4 input validation and local delivery, and the engine's
 * table of transport protocols that delivery goes through.
 *
 * Read first: RFC 791 §3.1, RFC 1122 §3.2.1 (what a host must check),
 * §3.2.1.3 (addresses that are never a source, route.c decides them),
 * §3.2.1.8 (source-route options: we drop rather than reverse them).
 */
#include "xt_engine.h"
#include "net/net.h"
#include "dev/phy.h"
#include "wire/ipv4.h"

int
xt_ip_register(struct xtcp_engine *eng, uint8_t proto, xt_ip_input_fn input,
    xt_ip_ctlinput_fn ctlinput)
{
	struct xt_ipproto *slot = NULL;
	unsigned i;

	if (input == NULL)
		return (XT_EINVAL);
	for (i = 0; i < XT_IP_NPROTO; i++) {
		if (eng->ipproto[i].input == NULL) {
			if (slot == NULL)
				slot = &eng->ipproto[i];
		} else if (eng->ipproto[i].proto == proto)
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
		if (eng->ipproto[i].input != NULL &&
		    eng->ipproto[i].proto == proto)
			return (&eng->ipproto[i]);
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
