/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * route.c - where our addresses end: the route lookup for output (one
 * on-link prefix and an optional default gateway), whether an address is
 * on that prefix, and which sources can never come from the network.
 * Pure functions of the engine's configuration; no state of their own.
 *
 * Read first: RFC 1122 §3.2.1.3 (addresses that are never a source),
 * §3.3.1 (routing outbound datagrams: on-link, else the gateway),
 * RFC 3021 (a /31 has no broadcast address).
 */
#include "xt_engine.h"
#include "net/net.h"

static uint32_t
prefix_mask(uint8_t len)
{
	return (len == 0 ? 0 : 0xffffffffu << (32 - len));
}

int
xt_ip_route(const struct xtcp_engine *eng, uint32_t dst, uint32_t *nexthop)
{
	if (xt_ip_onlink(eng, dst)) {
		*nexthop = dst;
		return (XT_OK);
	}
	if (eng->cfg.gw != 0) {
		*nexthop = eng->cfg.gw;
		return (XT_OK);
	}
	return (XT_ENETUNREACH);
}

int
xt_ip_onlink(const struct xtcp_engine *eng, uint32_t ip)
{
	uint32_t mask = prefix_mask(eng->cfg.prefixlen);

	return ((ip & mask) == (eng->cfg.addr & mask));
}

enum xt_martian
xt_ip_martian(const struct xtcp_engine *eng, uint32_t src)
{
	uint32_t mask = prefix_mask(eng->cfg.prefixlen);

	/* RFC 1122 §3.2.1.3 (a), (b): "this host/network" */
	if ((src >> 24) == 0)
		return (XT_MARTIAN_ZERO);
	/* (g): loopback never appears on a network */
	if ((src >> 24) == 127)
		return (XT_MARTIAN_LOOPBACK);
	/* RFC 1122 §3.2.1.3: a source is never a multicast address */
	if ((src >> 28) == 0xe)
		return (XT_MARTIAN_MULTICAST);
	/* (c), (d): limited and directed broadcast; a /31 or /32 has no
	 * broadcast address (RFC 3021) */
	if (src == 0xffffffffu || (eng->cfg.prefixlen < 31 &&
	    src == (eng->cfg.addr | ~mask)))
		return (XT_MARTIAN_BROADCAST);
	if (src == eng->cfg.addr)
		return (XT_MARTIAN_OURS);
	return (XT_MARTIAN_NONE);
}
