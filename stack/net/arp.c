/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arp.c - the neighbour cache: answer requests for our address, resolve
 * next hops with retries, hold a few frames while resolving, expire
 * entries, announce and defend our address.
 *
 * The cache is hardened against a hostile link:
 *  - what may change an entry: an ARP whose sender hardware address is
 *    not the frame's Ethernet source is dropped; an entry is created only
 *    by our own resolution or by a request for our address (RFC 826
 *    merge, Linux arp_accept=0); a resolved entry changes MAC only on a
 *    reply to our address while our own request for it is outstanding,
 *    and unsolicited ARP (gratuitous or not) may only refresh it with
 *    the same MAC;
 *  - what may leave the cache: the gateway's entry never; otherwise the
 *    least valuable first (failed or expired, learnt-but-unused,
 *    pending for answers to unverified peers, pending, then resolved by
 *    least recent use), and a new entry only pushes out one of its own
 *    class or lower, so a flood of spoofed sources recycles its own
 *    entries instead of the ones connections use;
 *  - what it may send: one request per target per arp_retry_ms (Linux
 *    retrans_time) and a global token bucket (XT_ARP_REQ_RATE) whose
 *    last XT_ARP_REQ_RESERVE tokens only the engine's own connections
 *    may spend; an answer to an unverified peer (RST, SYN-ACK, ICMP) for
 *    a neighbour not in the cache is dropped when that reserve is
 *    reached, without taking a slot;
 *  - what it may hold: XT_ARP_QLEN frames per neighbour, XT_ARP_QTOTAL
 *    in all, of which at most XT_ARP_QLOW answers to unverified peers
 *    (Linux unres_qlen);
 *  - another host claiming our address is counted, logged once and
 *    defended with at most one announcement per DEFEND_INTERVAL
 *    (RFC 5227 §2.4 (c)).
 *
 * When it gives up on a neighbour it says so through the engine's
 * on_neigh_unreachable hook and leaves to the layer above what that
 * means for its connections; it reads no TCB.
 *
 * Read first: RFC 826 (packet reception algorithm, the "merge" rule),
 * RFC 1122 §2.3.2.1 (cache timeout, request rate limit), RFC 5227 §2.4
 * and §3 (conflict detection, defence, announcements).
 */
#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/tcp.h"

/* arp_try() outcomes */
#define ARP_SENT	0
#define ARP_TARGET_LIMIT 1	/* per-target interval not over */
#define ARP_BUDGET	2	/* global bucket empty (for this class) */

#define ARP_TOKEN_US	(1000000ull / XT_ARP_REQ_RATE)

static struct xt_arp_entry *arp_find(struct xtcp_engine *, uint32_t);
static int	arp_rank(const struct xtcp_engine *,
		    const struct xt_arp_entry *);
static struct xt_arp_entry *arp_slot(struct xtcp_engine *, uint32_t, int);
static int	arp_low_priority(const uint8_t *, size_t);
static void	arp_refill(struct xtcp_engine *);
static uint64_t	arp_budget_wait(struct xtcp_engine *, int);
static void	arp_send(struct xtcp_engine *, uint16_t, const uint8_t *,
		    uint32_t, const uint8_t *);
static int	arp_request(struct xtcp_engine *, struct xt_arp_entry *, int);
static void	arp_try(struct xtcp_engine *, struct xt_arp_entry *);
static void	arp_flush_queue(struct xtcp_engine *, struct xt_arp_entry *);
static void	arp_drop_queue(struct xtcp_engine *, struct xt_arp_entry *);
static void	arp_fill(struct xtcp_engine *, struct xt_arp_entry *,
		    const uint8_t *);
static void	arp_learn(struct xtcp_engine *, const struct xt_arp_repr *,
		    int);
static void	arp_conflict(struct xtcp_engine *, const struct xt_arp_repr *);
static void	arp_probe_conflict(struct xtcp_engine *,
		    const struct xt_arp_repr *);
static void	arp_timer_one(struct xtcp_engine *, struct xt_arp_entry *,
		    uint64_t);
static uint64_t	arp_grace_us(const struct xtcp_engine *);
static int	arp_stale_usable(struct xtcp_engine *, struct xt_arp_entry *);

static struct xt_arp_entry *
arp_find(struct xtcp_engine *eng, uint32_t ip)
{
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++)
		if (eng->arp.e[i].state != XT_ARP_FREE &&
		    eng->arp.e[i].ip == ip)
			return (&eng->arp.e[i]);
	return (NULL);
}

/* Eviction classes: lower goes first.  A new entry may only push out
 * one of its own class or lower, so nothing learnt from or for an
 * unverified peer displaces what the engine's connections use. */
#define ARP_RANK_DEAD	0	/* failed, or resolved and expired */
#define ARP_RANK_WEAK	1	/* learnt from a request, never used */
#define ARP_RANK_LOW	2	/* pending for answers to unverified peers */
#define ARP_RANK_PENDING 3	/* pending for the engine's own traffic */
#define ARP_RANK_USED	4	/* resolved */

/* Eviction class of an entry; -1: never (the gateway). */
static int
arp_rank(const struct xtcp_engine *eng, const struct xt_arp_entry *e)
{
	if (eng->cfg.gw != 0 && e->ip == eng->cfg.gw)
		return (-1);
	switch (e->state) {
	case XT_ARP_PENDING:
		return (e->low ? ARP_RANK_LOW : ARP_RANK_PENDING);
	case XT_ARP_RESOLVED:
		if (e->expire_at <= eng->now && !(e->stale &&
		    eng->now < e->expire_at + arp_grace_us(eng)))
			return (ARP_RANK_DEAD);
		return (e->weak ? ARP_RANK_WEAK : ARP_RANK_USED);
	default:
		return (ARP_RANK_DEAD);
	}
}

/* A slot for ip: a free one, else the entry of the lowest eviction class
 * (at most maxrank) used least recently; never the gateway's. */
static struct xt_arp_entry *
arp_slot(struct xtcp_engine *eng, uint32_t ip, int maxrank)
{
	struct xt_arp_entry *e, *victim = NULL;
	int r, vr = 0;
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++) {
		e = &eng->arp.e[i];
		if (e->state == XT_ARP_FREE) {
			victim = e;
			break;
		}
		if ((r = arp_rank(eng, e)) < 0 || r > maxrank)
			continue;
		if (victim == NULL || r < vr ||
		    (r == vr && e->used_at < victim->used_at)) {
			victim = e;
			vr = r;
		}
	}
	if (victim == NULL) {
		XT_STAT_INC(eng, arp_cache_full);
		return (NULL);
	}
	if (victim->state != XT_ARP_FREE)
		XT_STAT_INC(eng, arp_evicted);
	arp_drop_queue(eng, victim);
	memset(victim, 0, sizeof(*victim));
	victim->ip = ip;
	victim->used_at = eng->now;
	return (victim);
}

/*
 * Whether an IPv4 datagram we send answers a peer nobody has verified: a
 * RST, a SYN-ACK (either may answer a spoofed segment) or an ICMP
 * message.  Resolving its next hop may only use what the engine's own
 * connections leave over.
 */
static int
arp_low_priority(const uint8_t *dgram, size_t len)
{
	size_t hl;
	uint8_t fl;

	if (dgram == NULL || len < XT_IPV4_HLEN)
		return (0);
	if (dgram[9] == XT_IPPROTO_ICMP)
		return (1);
	hl = (size_t)(dgram[0] & 0x0f) * 4;
	if (dgram[9] != XT_IPPROTO_TCP || len < hl + 14)
		return (0);
	fl = dgram[hl + 13];
	return ((fl & XT_TH_RST) != 0 ||
	    (fl & (XT_TH_SYN | XT_TH_ACK)) == (XT_TH_SYN | XT_TH_ACK));
}

/* Top the request bucket up for the time since the last refill. */
static void
arp_refill(struct xtcp_engine *eng)
{
	struct xt_arp_cache *c = &eng->arp;
	uint64_t max = XT_ARP_REQ_BURST * ARP_TOKEN_US;

	if (eng->now > c->refill_at) {
		c->credit_us += eng->now - c->refill_at;
		if (c->credit_us > max)
			c->credit_us = max;
		c->refill_at = eng->now;
	}
}

/* 0 if a request of this class may go now, else µs until it may. */
static uint64_t
arp_budget_wait(struct xtcp_engine *eng, int low)
{
	uint64_t need;

	arp_refill(eng);
	need = (low ? XT_ARP_REQ_RESERVE + 1 : 1) * ARP_TOKEN_US;
	return (eng->arp.credit_us >= need ? 0 : need - eng->arp.credit_us);
}

/* Build one ARP frame, sender hardware address ours and sender
 * protocol address spa (0 for an RFC 5227 probe), and queue it. */
static void
arp_frame_tx(struct xtcp_engine *eng, uint16_t op, const uint8_t *dstmac,
    uint32_t spa, uint32_t tpa, const uint8_t *tha)
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
	ar.spa = spa;
	if (tha != NULL)
		memcpy(ar.tha, tha, 6);
	ar.tpa = tpa;
	xt_arp_emit(&ar, f + XT_ETH_HLEN);
	/* Ethernet pads short frames itself (veth/AF_PACKET accept 42 bytes) */
	xt_tx_raw(eng, f, sizeof(f));
}

static void
arp_send(struct xtcp_engine *eng, uint16_t op, const uint8_t *dstmac,
    uint32_t tpa, const uint8_t *tha)
{
	arp_frame_tx(eng, op, dstmac, eng->cfg.addr, tpa, tha);
	if (op == XT_ARP_REQUEST)
		XT_STAT_INC(eng, arp_tx_requests);
	else
		XT_STAT_INC(eng, arp_tx_replies);
}

/* Broadcast a request for e->ip if both limits allow: ARP_SENT, or why
 * not (counted). */
static int
arp_request(struct xtcp_engine *eng, struct xt_arp_entry *e, int low)
{
	uint64_t ival = (uint64_t)eng->cfg.arp_retry_ms * 1000;

	/* RFC 1122 §2.3.2.1: at most one request per target per interval */
	if (e->asked && eng->now < e->req_at + ival) {
		XT_STAT_INC(eng, arp_tx_target_limited);
		return (ARP_TARGET_LIMIT);
	}
	if (arp_budget_wait(eng, low) != 0) {
		XT_STAT_INC(eng, arp_tx_budget_limited);
		return (ARP_BUDGET);
	}
	eng->arp.credit_us -= ARP_TOKEN_US;
	e->asked = 1;
	e->probing = 1;
	e->req_at = eng->now;
	arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, e->ip, NULL);
	return (ARP_SENT);
}

/* The next request for pending entry e, now or when the limits allow. */
static void
arp_try(struct xtcp_engine *eng, struct xt_arp_entry *e)
{
	uint64_t ival = (uint64_t)eng->cfg.arp_retry_ms * 1000;

	switch (arp_request(eng, e, e->low)) {
	case ARP_SENT:
		e->tries++;
		e->next_try_at = eng->now + ival;
		break;
	case ARP_TARGET_LIMIT:
		e->next_try_at = e->req_at + ival;
		break;
	default:
		/* an answer to an unverified peer gives up a try; the
		 * engine's own traffic waits for the next token */
		if (e->low) {
			e->tries++;
			e->next_try_at = eng->now + ival;
		} else
			e->next_try_at = eng->now +
			    arp_budget_wait(eng, 0);
		break;
	}
	xt_engine_timer_armed(eng, e->next_try_at);
}

static void
arp_drop_queue(struct xtcp_engine *eng, struct xt_arp_entry *e)
{
	uint32_t i;

	for (i = 0; i < e->nq; i++) {
		xt_free(&eng->mem, e->q[i], e->qlen[i]);
		if (e->qlow & (1u << i))
			eng->arp.nq_low--;
	}
	eng->arp.nq -= e->nq;
	e->nq = 0;
	e->qlow = 0;
}

static void
arp_flush_queue(struct xtcp_engine *eng, struct xt_arp_entry *e)
{
	uint32_t i;

	for (i = 0; i < e->nq; i++) {
		memcpy(e->q[i], e->mac, 6);	/* destination MAC */
		xt_tx_raw(eng, e->q[i], e->qlen[i]);
	}
	arp_drop_queue(eng, e);
}

/* e now maps to mac; send what waited for it. */
static void
arp_fill(struct xtcp_engine *eng, struct xt_arp_entry *e, const uint8_t *mac)
{
	if (e->state != XT_ARP_RESOLVED)
		XT_STAT_INC(eng, arp_resolved);
	memcpy(e->mac, mac, 6);
	e->state = XT_ARP_RESOLVED;
	e->expire_at = eng->now + (uint64_t)eng->cfg.arp_timeout_ms * 1000;
	e->tries = 0;
	e->low = 0;
	e->probing = 0;		/* answered: later replies are unsolicited */
	e->stale = 0;
	arp_flush_queue(eng, e);
}

/* How long an entry past its lifetime stays usable while it is asked
 * again: the time its requests take to run out. */
static uint64_t
arp_grace_us(const struct xtcp_engine *eng)
{
	return ((uint64_t)eng->cfg.arp_retries * eng->cfg.arp_retry_ms * 1000);
}

/*
 * A resolved entry past its lifetime that traffic still uses: keep its
 * MAC while the neighbour is asked again, as Linux keeps a STALE entry
 * and probes it (RFC 1122 §2.3.2.1 leaves the method open).  Forgetting
 * it at once would hold at most XT_ARP_QLEN frames of a busy connection
 * until the answer and drop the rest.  The timer sends the requests, not
 * this path, which may be building a frame in the transmit slot a
 * request would use.  Past the grace period the entry is expired.
 */
static int
arp_stale_usable(struct xtcp_engine *eng, struct xt_arp_entry *e)
{
	if (eng->now >= e->expire_at + arp_grace_us(eng))
		return (0);
	if (!e->stale) {
		e->stale = 1;
		e->tries = 0;
		e->next_try_at = eng->now;
		xt_engine_timer_armed(eng, e->next_try_at);
	}
	return (1);
}

/*
 * What an ARP packet from ar->spa (Ethernet source already checked) may
 * do to the cache; for_us: its target address is ours.
 */
static void
arp_learn(struct xtcp_engine *eng, const struct xt_arp_repr *ar, int for_us)
{
	struct xt_arp_entry *e;
	uint64_t ival = (uint64_t)eng->cfg.arp_retry_ms * 1000;

	if (xt_ip_martian(eng, ar->spa) != XT_MARTIAN_NONE)
		return;
	e = arp_find(eng, ar->spa);
	if (e == NULL) {
		/* RFC 826: a request for us creates the sender's entry (it
		 * is about to talk to us); nothing else does (Linux
		 * arp_accept=0) */
		if (ar->op != XT_ARP_REQUEST || !for_us ||
		    !xt_ip_onlink(eng, ar->spa) ||
		    (e = arp_slot(eng, ar->spa, ARP_RANK_WEAK)) == NULL)
			return;
		e->weak = 1;
		arp_fill(eng, e, ar->sha);
		return;
	}
	switch (e->state) {
	case XT_ARP_PENDING:
	case XT_ARP_FAILED:
		/* we asked for it: any answer from it will do */
		arp_fill(eng, e, ar->sha);
		break;
	case XT_ARP_RESOLVED:
		if (memcmp(e->mac, ar->sha, 6) == 0) {
			arp_fill(eng, e, ar->sha);	/* refresh */
			break;
		}
		/* a different MAC: only a reply to our own outstanding
		 * request (revalidation) may change it */
		if (ar->op == XT_ARP_REPLY && for_us && e->probing &&
		    eng->now < e->req_at + ival) {
			XT_STAT_INC(eng, arp_changed);
			arp_fill(eng, e, ar->sha);
			break;
		}
		XT_STAT_INC(eng, arp_rx_unsolicited);
		break;
	default:
		break;
	}
}

/* RFC 5227 §2.4: another host uses our address. */
static void
arp_conflict(struct xtcp_engine *eng, const struct xt_arp_repr *ar)
{
	struct xt_arp_cache *c = &eng->arp;
	uint32_t a = eng->cfg.addr;

	XT_STAT_INC(eng, arp_addr_conflict);
	if (!c->conflict_logged) {
		c->conflict_logged = 1;
		xt_log(eng, XTCP_LOG_ERROR, "arp: %u.%u.%u.%u is also claimed "
		    "by %02x:%02x:%02x:%02x:%02x:%02x; defending it",
		    a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
		    ar->sha[0], ar->sha[1], ar->sha[2], ar->sha[3],
		    ar->sha[4], ar->sha[5]);
	}
	/* (c): keep the address, at most one announcement per
	 * DEFEND_INTERVAL */
	if (c->defended && eng->now < c->defend_at + XT_ARP_DEFEND_US)
		return;
	c->defended = 1;
	c->defend_at = eng->now;
	XT_STAT_INC(eng, arp_defended);
	xt_arp_announce(eng);
}

/* RFC 5227 §2.1.1: another host has our address, or probes for it. */
static void
arp_probe_conflict(struct xtcp_engine *eng, const struct xt_arp_repr *ar)
{
	uint32_t a = eng->cfg.addr;

	eng->arp.probing = 0;
	eng->arp.probe_result = -1;
	XT_STAT_INC(eng, arp_probe_conflict);
	xt_log(eng, XTCP_LOG_WARN, "arp: %u.%u.%u.%u is in use by "
	    "%02x:%02x:%02x:%02x:%02x:%02x (%s)",
	    a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
	    ar->sha[0], ar->sha[1], ar->sha[2], ar->sha[3], ar->sha[4],
	    ar->sha[5], ar->spa == 0 ? "its probe for it" : "it claims it");
}

/* One probe: a request with sender 0.0.0.0 and our address as target,
 * target MAC zero (RFC 5227 §2.1.1). */
static void
arp_probe_send(struct xtcp_engine *eng)
{
	arp_frame_tx(eng, XT_ARP_REQUEST, xt_eth_broadcast, 0, eng->cfg.addr,
	    NULL);
	XT_STAT_INC(eng, arp_probes_sent);
}

void
xt_arp_probe_start(struct xtcp_engine *eng, uint64_t now, uint64_t total_us)
{
	struct xt_arp_cache *c = &eng->arp;

	c->probing = 1;
	c->probe_result = 0;
	c->probe_sent = 1;
	/* probes at 0, s and 2s, the verdict at 4s = total */
	c->probe_step_us = total_us / (XT_ARP_PROBE_NUM + 1);
	if (c->probe_step_us == 0)
		c->probe_step_us = 1;
	c->probe_next_at = now + c->probe_step_us;
	arp_probe_send(eng);
}

int
xt_arp_probe_result(const struct xtcp_engine *eng)
{
	return (eng->arp.probe_result);
}

/* A probe's time has come: the next probe, or (after the wait) the
 * verdict and the announcement (RFC 5227 §2.3). */
static void
arp_probe_timer(struct xtcp_engine *eng, uint64_t now)
{
	struct xt_arp_cache *c = &eng->arp;

	if (!c->probing || now < c->probe_next_at)
		return;
	if (c->probe_sent < XT_ARP_PROBE_NUM) {
		c->probe_sent++;
		arp_probe_send(eng);
		c->probe_next_at = now + (c->probe_sent == XT_ARP_PROBE_NUM ?
		    2 : 1) * c->probe_step_us;
		return;
	}
	c->probing = 0;
	c->probe_result = 1;
	xt_arp_announce(eng);
}

void
xt_arp_input(struct xtcp_engine *eng, const uint8_t *ethsrc,
    const uint8_t *pkt, size_t len)
{
	static const uint8_t zero[6];
	struct xt_arp_repr ar;
	int for_us;

	XT_STAT_INC(eng, arp_rx);
	if (xt_arp_parse(pkt, len, &ar) != XT_OK) {
		XT_STAT_INC(eng, arp_rx_bad);
		return;
	}
	/* the sender must be who sent the frame, and a unicast station */
	if (memcmp(ar.sha, ethsrc, 6) != 0 || (ar.sha[0] & 1) != 0 ||
	    memcmp(ar.sha, zero, 6) == 0) {
		XT_STAT_INC(eng, arp_rx_spoofed);
		return;
	}
	if (memcmp(ar.sha, eng->mac, 6) == 0)
		return;			/* our own, looped back */
	/* RFC 5227 §2.1.1: while probing, any ARP with our address as
	 * sender, or another host's probe for it, means it is taken */
	if (eng->arp.probing && (ar.spa == eng->cfg.addr ||
	    (ar.spa == 0 && ar.tpa == eng->cfg.addr &&
	    ar.op == XT_ARP_REQUEST))) {
		arp_probe_conflict(eng, &ar);
		return;
	}
	if (eng->arp.probing)
		return;		/* not ours yet: no answer (RFC 5227 §2.1.1) */
	if (ar.spa == eng->cfg.addr) {
		arp_conflict(eng, &ar);
		return;
	}
	for_us = ar.tpa == eng->cfg.addr;
	arp_learn(eng, &ar, for_us);
	if (for_us && ar.op == XT_ARP_REQUEST) {
		/* an address shared by processes: its leader answers, once */
		if (eng->follower) {
			XT_STAT_INC(eng, arp_rx_follower);
			return;
		}
		arp_send(eng, XT_ARP_REPLY, ar.sha, ar.spa, ar.sha);
	}
}

int
xt_arp_resolve(struct xtcp_engine *eng, uint32_t ip, const uint8_t *dgram,
    size_t len, uint8_t *mac)
{
	struct xt_arp_entry *e;
	int low;

	if (ip == 0xffffffffu) {
		memcpy(mac, xt_eth_broadcast, 6);
		return (XT_OK);
	}
	low = arp_low_priority(dgram, len);
	e = arp_find(eng, ip);
	if (e != NULL && e->state == XT_ARP_RESOLVED &&
	    (e->expire_at > eng->now || arp_stale_usable(eng, e))) {
		memcpy(mac, e->mac, 6);
		e->used_at = eng->now;
		if (!low)
			e->weak = 0;
		return (XT_OK);
	}
	if (e != NULL && e->state == XT_ARP_FAILED && e->expire_at > eng->now)
		return (XT_EHOSTUNREACH);
	if (e != NULL && e->state == XT_ARP_PENDING) {
		if (!low)
			e->low = 0;	/* the engine's own traffic now */
		return (XT_EAGAIN);
	}
	if (e == NULL) {
		/* Under a flood of spoofed sources, answering them must not
		 * spend the cache or the request budget (Linux bounds the
		 * same work with unres_qlen and the neighbour table's gc
		 * thresholds) */
		if (low && arp_budget_wait(eng, 1) != 0) {
			XT_STAT_INC(eng, arp_unres_drops);
			return (XT_EAGAIN);	/* no entry: not queued */
		}
		if ((e = arp_slot(eng, ip, low ? ARP_RANK_LOW :
		    ARP_RANK_USED)) == NULL)
			return (XT_EHOSTUNREACH);
	}
	/* new, expired or failed-and-expired: start resolving.  The request
	 * goes out from xt_arp_queue(), after the caller's frame is safe:
	 * the caller may be building that frame in the transmit slot the
	 * request would use. */
	arp_drop_queue(eng, e);
	e->state = XT_ARP_PENDING;
	e->ip = ip;
	e->tries = 0;
	e->weak = 0;
	e->stale = 0;
	e->low = (uint8_t)low;
	e->used_at = eng->now;
	e->next_try_at = eng->now;	/* the timer asks if nobody queues */
	return (XT_EAGAIN);
}

void
xt_arp_queue(struct xtcp_engine *eng, uint32_t ip, const uint8_t *frame,
    size_t len)
{
	struct xt_arp_entry *e = arp_find(eng, ip);
	struct xt_arp_cache *c = &eng->arp;
	uint8_t *copy;
	int low;

	if (e == NULL || e->state != XT_ARP_PENDING)
		return;
	low = len > XT_ETH_HLEN &&
	    arp_low_priority(frame + XT_ETH_HLEN, len - XT_ETH_HLEN);
	if (e->nq == XT_ARP_QLEN || c->nq == XT_ARP_QTOTAL ||
	    (low && c->nq_low == XT_ARP_QLOW) ||
	    (copy = xt_alloc(&eng->mem, len)) == NULL) {
		XT_STAT_INC(eng, arp_queue_drops);
	} else {
		memcpy(copy, frame, len);
		e->q[e->nq] = copy;
		e->qlen[e->nq] = (uint32_t)len;
		if (low) {
			e->qlow |= (uint8_t)(1u << e->nq);
			c->nq_low++;
		}
		e->nq++;
		c->nq++;
	}
	if (e->tries == 0)
		arp_try(eng, e);	/* first request for this neighbour */
}

void
xt_arp_init(struct xtcp_engine *eng)
{
	memset(&eng->arp, 0, sizeof(eng->arp));
	eng->arp.credit_us = XT_ARP_REQ_BURST * ARP_TOKEN_US;	/* full */
	eng->arp.refill_at = eng->now;
}

void
xt_arp_announce(struct xtcp_engine *eng)
{
	/* RFC 5227 §3: a request with sender and target both our address */
	arp_send(eng, XT_ARP_REQUEST, xt_eth_broadcast, eng->cfg.addr, NULL);
}

/* A pending entry whose time has come: ask again, or give up. */
static void
arp_timer_one(struct xtcp_engine *eng, struct xt_arp_entry *e, uint64_t now)
{
	if (e->tries >= eng->cfg.arp_retries) {
		XT_STAT_INC(eng, arp_failed);
		arp_drop_queue(eng, e);
		e->state = XT_ARP_FAILED;
		/* fail fast for a while, then try again */
		e->expire_at = now + (uint64_t)eng->cfg.arp_retry_ms * 1000;
		/* tell whoever waits on this neighbour (the engine's hook) */
		if (eng->proc->on_neigh_unreachable != NULL)
			eng->proc->on_neigh_unreachable(eng, e->ip);
		return;
	}
	arp_try(eng, e);
}

/*
 * Two passes: neighbours not asked yet first, then retries, so that
 * when the request budget is short a new neighbour's first request goes
 * before another's third.
 */
void
xt_arp_timers(struct xtcp_engine *eng, uint64_t now)
{
	struct xt_arp_entry *e;
	unsigned i, pass;

	arp_probe_timer(eng, now);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < XT_ARP_SLOTS; i++) {
			e = &eng->arp.e[i];
			if (e->state == XT_ARP_PENDING &&
			    e->next_try_at <= now &&
			    (e->tries == 0) == (pass == 0))
				arp_timer_one(eng, e, now);
		}
	}
	/* entries in use past their lifetime: ask again, keep the MAC */
	for (i = 0; i < XT_ARP_SLOTS; i++) {
		e = &eng->arp.e[i];
		if (e->state != XT_ARP_RESOLVED || !e->stale)
			continue;
		if (now >= e->expire_at + arp_grace_us(eng))
			e->stale = 0;	/* unanswered: expired now */
		else if (e->tries < eng->cfg.arp_retries &&
		    e->next_try_at <= now)
			arp_try(eng, e);
	}
}

uint64_t
xt_arp_next_deadline(const struct xtcp_engine *eng)
{
	uint64_t d = UINT64_MAX;
	unsigned i;

	if (eng->arp.probing)
		d = eng->arp.probe_next_at;
	for (i = 0; i < XT_ARP_SLOTS; i++) {
		const struct xt_arp_entry *e = &eng->arp.e[i];

		if ((e->state == XT_ARP_PENDING || (e->state ==
		    XT_ARP_RESOLVED && e->stale &&
		    e->tries < eng->cfg.arp_retries)) && e->next_try_at < d)
			d = e->next_try_at;
	}
	return (d);
}

void
xt_arp_free_all(struct xtcp_engine *eng)
{
	unsigned i;

	for (i = 0; i < XT_ARP_SLOTS; i++)
		arp_drop_queue(eng, &eng->arp.e[i]);
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
	if ((e = arp_find(eng, nh)) != NULL && e->state == XT_ARP_RESOLVED &&
	    arp_request(eng, e, 0) == ARP_SENT)
		XT_STAT_INC(eng, arp_revalidated);
}
