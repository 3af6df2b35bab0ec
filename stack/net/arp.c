/*
 * arp.c - the neighbour cache: answer requests for our address, resolve
 * next hops with retries, hold a few frames while resolving, expire
 * entries, announce our address at start.
 *
 * Read first: RFC 826 (packet reception algorithm, the "merge" rule),
 * RFC 1122 §2.3.2.1 (cache timeout, request rate limit), RFC 5227 §3
 * (announcements).
 */
#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_var.h"
#include "wire/arp.h"
#include "wire/eth.h"

static struct xt_arp_entry *arp_find(struct xtcp_engine *, uint32_t);
static struct xt_arp_entry *arp_slot(struct xtcp_engine *, uint32_t);
static void	arp_send(struct xtcp_engine *, uint16_t, const uint8_t *,
		    uint32_t, const uint8_t *);
static void	arp_flush_queue(struct xtcp_engine *, struct xt_arp_entry *);
static void	arp_drop_queue(struct xt_arp_entry *);
static void	arp_update(struct xtcp_engine *, uint32_t, const uint8_t *,
		    int);

static struct xt_arp_entry *
arp_find(struct xtcp_engine *eng, uint32_t ip)
{
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++)
		if (eng->arp[i].state != XT_ARP_FREE && eng->arp[i].ip == ip)
			return (&eng->arp[i]);
	return (NULL);
}

/* A slot for ip: a free one, else the resolved entry that expires first. */
static struct xt_arp_entry *
arp_slot(struct xtcp_engine *eng, uint32_t ip)
{
	struct xt_arp_entry *e, *victim = NULL;
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++) {
		e = &eng->arp[i];
		if (e->state == XT_ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state != XT_ARP_PENDING &&
		    (victim == NULL || e->expire_at < victim->expire_at))
			victim = e;
	}
	if (victim == NULL) {
		XT_STAT_INC(eng, arp_cache_full);
		return (NULL);
	}
	arp_drop_queue(victim);
	memset(victim, 0, sizeof(*victim));
	victim->ip = ip;
	return (victim);
}

static void
arp_send(struct xtcp_engine *eng, uint16_t op, const uint8_t *dstmac,
    uint32_t tpa, const uint8_t *tha)
{
	uint8_t f[XT_ETH_HLEN + XT_ARP_LEN];
	struct xt_eth_repr eh;
	struct xt_arp_repr ar;

	memcpy(eh.dst, dstmac, 6);
	memcpy(eh.src, eng->mac, 6);
	eh.type = XT_ETHERTYPE_ARP;
	xt_eth_emit(&eh, f);
	memset(&ar, 0, sizeof(ar));
	ar.op = op;
	memcpy(ar.sha, eng->mac, 6);
	ar.spa = eng->cfg.addr;
	if (tha != NULL)
		memcpy(ar.tha, tha, 6);
	ar.tpa = tpa;
	xt_arp_emit(&ar, f + XT_ETH_HLEN);
	/* Ethernet pads short frames itself (veth/AF_PACKET accept 42 bytes) */
	xt_tx_raw(eng, f, sizeof(f));
	if (op == XT_ARP_REQUEST)
		XT_STAT_INC(eng, arp_tx_requests);
	else
		XT_STAT_INC(eng, arp_tx_replies);
}

static void
arp_drop_queue(struct xt_arp_entry *e)
{
	uint32_t i;

	for (i = 0; i < e->nq; i++)
		free(e->q[i]);
	e->nq = 0;
}

static void
arp_flush_queue(struct xtcp_engine *eng, struct xt_arp_entry *e)
{
	uint32_t i;

	for (i = 0; i < e->nq; i++) {
		memcpy(e->q[i], e->mac, 6);	/* destination MAC */
		xt_tx_raw(eng, e->q[i], e->qlen[i]);
		free(e->q[i]);
	}
	e->nq = 0;
}

/* Record ip -> mac.  create: make an entry if there is none (RFC 826: only
 * when the packet was for us). */
static void
arp_update(struct xtcp_engine *eng, uint32_t ip, const uint8_t *mac,
    int create)
{
	struct xt_arp_entry *e;

	if (ip == 0 || (mac[0] & 1) != 0)	/* no multicast/broadcast MACs */
		return;
	if ((e = arp_find(eng, ip)) == NULL) {
		if (!create || (e = arp_slot(eng, ip)) == NULL)
			return;
	}
	if (e->state != XT_ARP_RESOLVED)
		XT_STAT_INC(eng, arp_resolved);
	memcpy(e->mac, mac, 6);
	e->state = XT_ARP_RESOLVED;
	e->expire_at = eng->now + (uint64_t)eng->cfg.arp_timeout_ms * 1000;
	e->tries = 0;
	arp_flush_queue(eng, e);
}

void
xt_arp_input(struct xtcp_engine *eng, const uint8_t *pkt, size_t len)
{
	struct xt_arp_repr ar;
	int for_us;

	XT_STAT_INC(eng, arp_rx);
	if (xt_arp_parse(pkt, len, &ar) != XT_OK) {
		XT_STAT_INC(eng, arp_rx_bad);
		return;
	}
	if (ar.spa == eng->cfg.addr)	/* someone else claims our address */
		return;
	for_us = ar.tpa == eng->cfg.addr;
	/* RFC 826 merge: update an existing entry; add one if for us */
	arp_update(eng, ar.spa, ar.sha, for_us);
	if (for_us && ar.op == XT_ARP_REQUEST)
		arp_send(eng, XT_ARP_REPLY, ar.sha, ar.spa, ar.sha);
}

int
xt_arp_resolve(struct xtcp_engine *eng, uint32_t ip, uint8_t *mac)
{
	struct xt_arp_entry *e;

	if (ip == 0xffffffffu) {
		memcpy(mac, xt_eth_broadcast, 6);
		return (XT_OK);
	}
	e = arp_find(eng, ip);
	if (e != NULL && e->state == XT_ARP_RESOLVED &&
	    e->expire_at > eng->now) {
		memcpy(mac, e->mac, 6);
		return (XT_OK);
	}
	if (e != NULL && e->state == XT_ARP_FAILED && e->expire_at > eng->now)
		return (XT_EHOSTUNREACH);
	if (e != NULL && e->state == XT_ARP_PENDING)
		return (XT_EAGAIN);
	if (e == NULL && (e = arp_slot(eng, ip)) == NULL)
		return (XT_EHOSTUNREACH);
	/* new, expired or failed-and-expired: start resolving.  The request
	 * goes out from xt_arp_queue(), after the caller's frame is safe:
	 * the caller may be building that frame in the transmit slot the
	 * request would use. */
	arp_drop_queue(e);
	e->state = XT_ARP_PENDING;
	e->ip = ip;
	e->tries = 0;
	return (XT_EAGAIN);
}

void
xt_arp_queue(struct xtcp_engine *eng, uint32_t ip, const uint8_t *frame,
    size_t len)
{
	struct xt_arp_entry *e = arp_find(eng, ip);
	uint8_t *copy;

	if (e == NULL || e->state != XT_ARP_PENDING)
		return;
	if (e->nq == XT_ARP_QLEN || (copy = malloc(len)) == NULL) {
		XT_STAT_INC(eng, arp_queue_drops);
	} else {
		memcpy(copy, frame, len);
		e->q[e->nq] = copy;
		e->qlen[e->nq] = (uint32_t)len;
		e->nq++;
	}
	if (e->tries == 0) {
		/* first request for this neighbour */
		e->tries = 1;
		e->next_try_at = eng->now +
		    (uint64_t)eng->cfg.arp_retry_ms * 1000;
		arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, ip, NULL);
		xt_engine_timer_armed(eng, e->next_try_at);
	}
}

void
xt_arp_announce(struct xtcp_engine *eng)
{
	/* RFC 5227 §3: a request with sender and target both our address */
	arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, eng->cfg.addr, NULL);
}

/* Tell connections waiting on ip that it cannot be reached. */
static void
arp_fail_conns(struct xtcp_engine *eng, uint32_t ip)
{
	struct xtcp_sock *tp, *next;
	uint32_t nh;

	for (tp = eng->tcbs; tp != NULL; tp = next) {
		next = tp->next;
		if (tp->state != XT_TCPS_SYN_SENT)
			continue;
		if (xt_ip_route(eng, tp->faddr, &nh) == XT_OK && nh == ip)
			xt_tcp_drop(tp, XT_EHOSTUNREACH);
	}
}

void
xt_arp_timers(struct xtcp_engine *eng, uint64_t now)
{
	struct xt_arp_entry *e;
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++) {
		e = &eng->arp[i];
		if (e->state != XT_ARP_PENDING || e->next_try_at > now)
			continue;
		if (e->tries >= eng->cfg.arp_retries) {
			XT_STAT_INC(eng, arp_failed);
			arp_drop_queue(e);
			e->state = XT_ARP_FAILED;
			/* fail fast for a while, then try again */
			e->expire_at = now +
			    (uint64_t)eng->cfg.arp_retry_ms * 1000;
			arp_fail_conns(eng, e->ip);
			continue;
		}
		e->tries++;
		e->next_try_at = now + (uint64_t)eng->cfg.arp_retry_ms * 1000;
		arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, e->ip, NULL);
	}
}

uint64_t
xt_arp_next_deadline(const struct xtcp_engine *eng)
{
	uint64_t d = UINT64_MAX;
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++)
		if (eng->arp[i].state == XT_ARP_PENDING &&
		    eng->arp[i].next_try_at < d)
			d = eng->arp[i].next_try_at;
	return (d);
}

void
xt_arp_free_all(struct xtcp_engine *eng)
{
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++)
		arp_drop_queue(&eng->arp[i]);
}

void
xt_arp_revalidate(struct xtcp_engine *eng, uint32_t dst)
{
	struct xt_arp_entry *e;
	uint32_t nh;

	if (xt_ip_route(eng, dst, &nh) != XT_OK)
		return;
	/* ask again, but keep using the entry meanwhile: a reply (or its
	 * absence, at expiry) settles it */
	if ((e = arp_find(eng, nh)) != NULL && e->state == XT_ARP_RESOLVED) {
		XT_STAT_INC(eng, arp_revalidated);
		arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, nh, NULL);
	}
}
