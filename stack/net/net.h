/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net.h - the face of the net layer (net/): the neighbour cache and its
 * limits (arp.c); IPv4 input and output (ipv4.c); route lookup and
 * source checks (route.c); ICMP input (icmp4.c); and what the layer
 * hands upward: the engine's protocol table (every protocol above IPv4,
 * ICMP included, and where ICMP errors go) and its hook for a neighbour
 * ARP gave up on.  The engine embeds the cache and the table in its
 * context, fills both in at creation and calls the entry points below;
 * net/ includes nothing from tcp/, reads no TCB and names no symbol of
 * the layers above it.
 *
 * Read first: RFC 826, RFC 1122 §2.3.2.1 and §3.2.1, RFC 791 §3.1,
 * RFC 792.
 */
#ifndef XT_NET_H
#define XT_NET_H

#include <stddef.h>
#include <stdint.h>

struct xtcp_engine;

#define XT_ARP_SLOTS	64	/* neighbour cache entries */
#define XT_ARP_QLEN	4	/* frames held per unresolved neighbour (<= 8) */
#define XT_ARP_QTOTAL	64	/* frames held for all neighbours together */
#define XT_ARP_QLOW	(XT_ARP_QTOTAL / 2)	/* of which answers to
						 * unverified peers */
/* Global ARP request budget, a token bucket: XT_ARP_REQ_RATE requests per
 * second, bursts of XT_ARP_REQ_BURST; requests for answers to unverified
 * peers (RST, SYN-ACK, ICMP) leave XT_ARP_REQ_RESERVE tokens untouched
 * for the engine's own connections. */
#define XT_ARP_REQ_RATE		16
#define XT_ARP_REQ_BURST	32
#define XT_ARP_REQ_RESERVE	8
/* RFC 5227 §1.1 DEFEND_INTERVAL: at most one defence per 10 s */
#define XT_ARP_DEFEND_US	10000000ull
#define XT_ARP_PROBE_NUM	3	/* RFC 5227 §1.1 PROBE_NUM */

enum xt_arp_state {
	XT_ARP_FREE = 0,
	XT_ARP_PENDING,		/* request sent, waiting */
	XT_ARP_RESOLVED,
	XT_ARP_FAILED		/* out of retries; fails fast until expiry */
};

struct xt_arp_entry {
	enum xt_arp_state	state;
	uint32_t		ip;		/* host order */
	uint8_t			mac[6];
	uint8_t			low;		/* PENDING: only for answers to
						 * unverified peers */
	uint8_t			weak;		/* RESOLVED: learnt from a
						 * request, never used by us */
	uint8_t			asked;		/* requested at req_at */
	uint8_t			probing;	/* ... and is not answered yet */
	uint8_t			qlow;		/* bit i: q[i] is low priority */
	uint8_t			stale;		/* RESOLVED, past expire_at and
						 * used: asked again (tries,
						 * next_try_at) meanwhile */
	uint64_t		expire_at;	/* µs */
	uint64_t		next_try_at;	/* µs, PENDING: next request */
	uint64_t		req_at;		/* µs, last request for ip */
	uint64_t		used_at;	/* µs, created or last used */
	uint32_t		tries;		/* requests sent or given up */
	uint32_t		nq;		/* frames queued */
	uint8_t			*q[XT_ARP_QLEN];	/* frames (full Ethernet) */
	uint32_t		qlen[XT_ARP_QLEN];
};

/* The neighbour cache and what limits it (net/arp.c). */
struct xt_arp_cache {
	struct xt_arp_entry	e[XT_ARP_SLOTS];
	uint32_t		nq;		/* frames queued, all entries */
	uint32_t		nq_low;		/* of which low priority */
	uint64_t		credit_us;	/* request bucket, µs of rate */
	uint64_t		refill_at;	/* µs, bucket last topped up */
	uint64_t		defend_at;	/* µs, last defence */
	uint8_t			defended;	/* defend_at is valid */
	uint8_t			conflict_logged; /* conflict reported once */
	/* RFC 5227 §2.1.1 probing (xt_arp_probe_start) */
	uint8_t			probing;	/* probes out, no verdict yet */
	uint8_t			probe_sent;	/* probes sent so far */
	int8_t			probe_result;	/* 0 none, 1 clear, -1 conflict */
	uint64_t		probe_step_us;	/* between probes; wait = 2 x */
	uint64_t		probe_next_at;	/* µs, next probe or verdict */
};

/*
 * What net/ hands upward.  The engine fills these in at creation and
 * net/ calls them, so net/ names no symbol of the layers above it (the
 * shape of FreeBSD's protosw pr_input and pr_ctlinput).
 */
/* A datagram for us of a registered protocol: its payload, and whether
 * the transport checksum is still to be checked (the device did not). */
typedef void (*xt_ip_input_fn)(struct xtcp_engine *eng, uint32_t src,
    uint32_t dst, uint8_t tos, const uint8_t *pl, size_t len,
    int verify_csum);
/* An ICMP error (RFC 792) quoting a datagram we sent to faddr: type,
 * code, next-hop MTU (fragmentation needed), and the quoted transport
 * header and what follows it. */
typedef void (*xt_ip_ctlinput_fn)(struct xtcp_engine *eng, uint8_t type,
    uint8_t code, uint16_t mtu, uint32_t faddr, const uint8_t *quoted,
    size_t qlen);
/* ARP gave up on next hop nexthop (RFC 1122 §2.3.2.1). */
typedef void (*xt_neigh_unreachable_fn)(struct xtcp_engine *eng,
    uint32_t nexthop);

#define XT_IP_NPROTO	4	/* protocols one engine may register */

/* One entry of the engine's protocol table. */
struct xt_ipproto {
	uint8_t			proto;		/* IP protocol number */
	xt_ip_input_fn		input;		/* NULL: a free entry */
	xt_ip_ctlinput_fn	ctlinput;	/* NULL: errors not passed on */
};

/* net/arp.c */
/* An ARP packet (pkt) arrived in a frame from Ethernet address ethsrc. */
void	xt_arp_input(struct xtcp_engine *eng, const uint8_t *ethsrc,
	    const uint8_t *pkt, size_t len);
/* Find the MAC of next hop ip for the IPv4 datagram dgram (NULL: the
 * engine's own traffic): XT_OK (mac filled), XT_EAGAIN (queue the frame
 * with xt_arp_queue, which sends the request), XT_EHOSTUNREACH. */
int	xt_arp_resolve(struct xtcp_engine *eng, uint32_t ip,
	    const uint8_t *dgram, size_t len, uint8_t *mac);
void	xt_arp_queue(struct xtcp_engine *eng, uint32_t ip,
	    const uint8_t *frame, size_t len);
/* An empty cache with a full request budget (engine creation). */
void	xt_arp_init(struct xtcp_engine *eng);
void	xt_arp_announce(struct xtcp_engine *eng);
/* RFC 5227 §2.1.1: probe for our address, XT_ARP_PROBE_NUM probes spread
 * over total_us (the last followed by a wait of half of it); frames from
 * our own MAC do not count.  xt_arp_probe_result: 0 while probing, 1
 * when no other host claimed the address, -1 on a conflict. */
void	xt_arp_probe_start(struct xtcp_engine *eng, uint64_t now,
	    uint64_t total_us);
int	xt_arp_probe_result(const struct xtcp_engine *eng);
/* Ask ARP again for dst's next hop, still using the entry meanwhile
 * (RFC 1122 §2.3.2.1 cache validation). */
void	xt_arp_revalidate(struct xtcp_engine *eng, uint32_t dst);
void	xt_arp_timers(struct xtcp_engine *eng, uint64_t now);
uint64_t xt_arp_next_deadline(const struct xtcp_engine *eng);
void	xt_arp_free_all(struct xtcp_engine *eng);

/* net/ipv4.c */
void	xt_ip_input(struct xtcp_engine *eng, const uint8_t *pkt, size_t len,
	    unsigned rxflags);
/* Deliver protocol proto's datagrams to input and the ICMP errors that
 * quote them to ctlinput: XT_OK, XT_EINVAL (no input, or proto taken),
 * XT_ENOBUFS (table full). */
int	xt_ip_register(struct xtcp_engine *eng, uint8_t proto,
	    xt_ip_input_fn input, xt_ip_ctlinput_fn ctlinput);
/* The entry for proto, or NULL. */
const struct xt_ipproto *xt_ip_proto(const struct xtcp_engine *eng,
	    uint8_t proto);

/* TCP offload for one frame (devices with XT_DEVCAP_OFFLOAD): the
 * checksum field holds the pseudo-header sum and the device finishes it;
 * gso_size > 0 asks the device to cut the payload into segments. */
struct xt_tx_offload {
	uint16_t	gso_size;	/* payload per segment, 0 = no TSO */
	uint16_t	l4hlen;		/* TCP header with options */
	uint8_t		ecn;		/* CWR set (XT_VNET_GSO_ECN) */
};
/* IPv4 output: after xt_tx_begin() (xt_engine.h) filled l4len payload
 * bytes, build the IPv4 and Ethernet headers around them, resolve the
 * next hop and queue the frame (or hold it for ARP).  ttl 0: 64.
 * XT_OK, XT_EMSGSIZE, XT_ENETUNREACH, XT_EHOSTUNREACH. */
int	xt_tx_commit(struct xtcp_engine *eng, uint32_t dst, uint8_t proto,
	    uint8_t tos, uint8_t ttl, size_t l4len,
	    const struct xt_tx_offload *ol);

/* net/route.c */
/* Next hop for dst: XT_OK, XT_ENETUNREACH. */
int	xt_ip_route(const struct xtcp_engine *eng, uint32_t dst,
	    uint32_t *nexthop);
/* Whether ip is on our prefix (a neighbour). */
int	xt_ip_onlink(const struct xtcp_engine *eng, uint32_t ip);
/* Why src cannot be the source of a datagram from the network (RFC 1122
 * §3.2.1.3), or XT_MARTIAN_NONE. */
enum xt_martian {
	XT_MARTIAN_NONE = 0,
	XT_MARTIAN_ZERO,	/* 0.0.0.0/8, "this network" */
	XT_MARTIAN_LOOPBACK,	/* 127.0.0.0/8 */
	XT_MARTIAN_MULTICAST,	/* 224.0.0.0/4 */
	XT_MARTIAN_BROADCAST,	/* 255.255.255.255, our subnet broadcast */
	XT_MARTIAN_OURS		/* our own address */
};
enum xt_martian xt_ip_martian(const struct xtcp_engine *eng, uint32_t src);

/* net/icmp4.c */
/* An xt_ip_input_fn: the engine registers it for XT_IPPROTO_ICMP. */
void	xt_icmp_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
	    uint8_t tos, const uint8_t *pkt, size_t len, int verify_csum);

#endif
