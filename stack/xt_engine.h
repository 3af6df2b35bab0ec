/*
 * xt_engine.h - the engine context and the internal services every layer
 * uses: time, randomness, logging, counters, the transmit path.
 *
 * There is no global state: everything hangs off struct xtcp_engine.
 */
#ifndef XT_ENGINE_H
#define XT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "xtcp.h"
#include "xt_stats.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/siphash.h"

struct xt_dev;
struct xtcp_sock;

#define XT_TX_BATCH	32	/* frames gathered before one tx_burst */
#define XT_TX_HEADROOM	(XT_ETH_HLEN + XT_IPV4_HLEN)
#define XT_TSO_MAX	65535	/* IPv4 datagram carrying a TSO super-frame */
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
};

struct xtcp_engine {
	struct xtcp_config	cfg;
	struct xt_dev		*dev;
	uint8_t			mac[6];
	uint32_t		mtu;		/* IP MTU */
	uint64_t		now;		/* µs, from the last entry point */
	/* secrets (struct xtcp_keys), independent of one another */
	struct xt_sipkey	isn_key;	/* RFC 6528 §3 F() */
	struct xt_sipkey	tfo_key;	/* RFC 7413 §4.1.2 cookie MAC */
	struct xt_sipkey	sc_key;		/* RFC 4987 §3.6 SYN cookie MAC */
	struct xt_sipkey	ts_key;		/* RFC 7323 §5.4 TSval offsets */
	struct xt_sipkey	rng_key;	/* xt_random(): SipHash in counter mode */
	uint64_t		rng_ctr;	/* xt_random() calls so far */
	struct xt_tfo_cache {
		uint32_t	ip;		/* server, host order; 0 = free */
		uint8_t		len;		/* cookie bytes */
		uint8_t		cookie[16];
	}			tfo_cache[16];	/* client cookies (RFC 7413 §4.1.3) */
	unsigned		tfo_next;	/* next slot to replace */
	uint16_t		ip_id;		/* next IPv4 identification */
	struct xt_stats		stats;

	/* sockets / TCBs */
	struct xtcp_sock	*tcbs;		/* doubly linked list */
	uint32_t		ntcb;

	/* neighbour cache */
	struct xt_arp_cache	arp;

	/* transmit batch */
	uint8_t			*txbuf[XT_TX_BATCH];	/* each txbuf_size bytes */
	size_t			txbuf_size;
	size_t			txhead;		/* vnet header bytes before Ethernet */
	int			offload;	/* device does checksums and TSO */
	struct iovec		txv[XT_TX_BATCH];
	unsigned		ntx;		/* frames committed */

	/* callbacks */
	xtcp_wakeup_fn		wakeup;
	xtcp_kick_fn		kick;
	xtcp_wakeup_fn		urg;		/* urgent data announced (SIGURG) */
	void			*cb_arg;
	uint64_t		armed;		/* deadline last reported */
};

/* xt_engine.c */
/* 64 random bits: SipHash-2-4 under the engine's own key of a counter,
 * so outputs (ports, jitter) reveal neither that key nor the others. */
uint64_t xt_random(struct xtcp_engine *eng);
void	xt_log(struct xtcp_engine *eng, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define XT_LOG_DEBUG(eng, ...) do { \
	if ((eng)->cfg.log_level >= XTCP_LOG_DEBUG) \
		xt_log((eng), XTCP_LOG_DEBUG, __VA_ARGS__); \
} while (0)
/* A timer at `at` was armed: tell the caller if it is earlier than the
 * deadline it knows. */
void	xt_engine_timer_armed(struct xtcp_engine *eng, uint64_t at);
/* Transmit path: begin returns where the IPv4 payload goes (room for
 * mtu - 20 bytes); commit builds the IPv4 and Ethernet headers around
 * l4len payload bytes, resolves the next hop and queues the frame. */
uint8_t	*xt_tx_begin(struct xtcp_engine *eng);
/* TCP offload for one frame (devices with XT_DEVCAP_OFFLOAD): the
 * checksum field holds the pseudo-header sum and the device finishes it;
 * gso_size > 0 asks the device to cut the payload into segments. */
struct xt_tx_offload {
	uint16_t	gso_size;	/* payload per segment, 0 = no TSO */
	uint16_t	l4hlen;		/* TCP header with options */
	uint8_t		ecn;		/* CWR set (XT_VNET_GSO_ECN) */
};
int	xt_tx_commit(struct xtcp_engine *eng, uint32_t dst, uint8_t proto,
	    uint8_t tos, uint8_t ttl, size_t l4len,
	    const struct xt_tx_offload *ol);
/* Largest IPv4 payload one frame may carry (MTU, or TSO size). */
size_t	xt_tx_l4max(const struct xtcp_engine *eng);
void	xt_tx_flush(struct xtcp_engine *eng);
/* Queue a complete Ethernet frame (ARP uses it). */
void	xt_tx_raw(struct xtcp_engine *eng, const uint8_t *frame, size_t len);

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
/* Ask ARP again for dst's next hop, still using the entry meanwhile
 * (RFC 1122 §2.3.2.1 cache validation). */
void	xt_arp_revalidate(struct xtcp_engine *eng, uint32_t dst);
void	xt_arp_timers(struct xtcp_engine *eng, uint64_t now);
uint64_t xt_arp_next_deadline(const struct xtcp_engine *eng);
void	xt_arp_free_all(struct xtcp_engine *eng);

/* net/ipv4.c */
void	xt_ip_input(struct xtcp_engine *eng, const uint8_t *pkt, size_t len,
	    unsigned rxflags);
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
void	xt_icmp_input(struct xtcp_engine *eng, const struct xt_ipv4_repr *ip,
	    const uint8_t *pkt, size_t len);

#endif
