/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_neigh.c - what TCP does when the net layer gives up on a
 * neighbour: the engine installs xt_tcp_neigh_unreachable() as its
 * on_neigh_unreachable hook, and it ends with EHOSTUNREACH the
 * connections still in SYN-SENT whose next hop that neighbour is, so a
 * connect() fails at once instead of after its SYN retries.  Connections
 * that are synchronized keep going: their retransmission timer decides
 * (and asks ARP again, RFC 1122 §2.3.2.1, in tcp_timer.c).
 *
 * Read first: RFC 1122 §2.3.2.1 (ARP cache validation and the flooding
 * limit that makes ARP give up).
 */
#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_var.h"

void
xt_tcp_neigh_unreachable(struct xtcp_engine *eng, uint32_t nexthop)
{
	struct xtcp_sock *tp, *next;
	uint32_t nh;

	/* only the active opens in SYN-SENT, the ones this can end: the
	 * engine keeps them in a list of their own (tcp_subr.c), so a
	 * neighbour's failure never walks the established connections */
	for (tp = eng->synsent; tp != NULL; tp = next) {
		next = tp->t_cnext;	/* tp may be freed */
		if (xt_ip_route(eng, tp->faddr, &nh) == XT_OK &&
		    nh == nexthop)
			xt_tcp_drop(tp, XT_EHOSTUNREACH);
	}
}
