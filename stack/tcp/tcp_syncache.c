/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_syncache.c - the per-listener table of half-open passive
 * connections: lookup by 4-tuple, timer queues for the SYN-ACK
 * retransmissions, and the SYN-ACK itself.
 *
 * The table is sized by listen() and never grows on the packet path.
 * Entries sit in a hash of chains (keyed by a random value so a peer
 * choosing its ports cannot build one long chain) and in one of
 * XT_SC_LEVELS timer queues, one per backoff step: every entry of a
 * queue waits the same time, so each queue stays in deadline order with
 * appends at its tail, and the earliest deadline is at one of the heads.
 * What the entry's segments do, and the TCB its handshake's ACK makes,
 * is tcp_listen.c's part.
 *
 * Read first: RFC 4987 §3.2-3.3 (SYN caches), RFC 6298 §5.5 (backoff),
 * RFC 7323 §2.2 and §3.2 (WS and TS in a SYN-ACK), RFC 2018 §2, RFC 3168
 * §6.1.1, RFC 7413 §4.1.
 */
#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_var.h"
#include "wire/tcp.h"

#define IDX(sc, e)	((uint32_t)((e) - (sc)->sc_e) + 1)	/* index + 1 */
#define ENT(sc, i)	(&(sc)->sc_e[(i) - 1])

static uint32_t
sc_bucket(const struct xt_syncache *sc, uint32_t faddr, uint16_t fport)
{
	uint64_t h = ((uint64_t)faddr << 16 | fport) ^ sc->sc_hkey;

	/* a multiply-shift hash (Dietzfelbinger) under the random key */
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return ((uint32_t)(h >> 32) & (sc->sc_nbuckets - 1));
}

/* The base RTO of a connection without samples, backed off shift times
 * (what a child TCB's xt_tcp_arm_rexmt would give), plus the slop. */
static uint64_t
sc_rto(const struct xtcp_engine *eng, unsigned shift)
{
	struct xt_rtt r;

	xt_rtt_init(&r, eng->cfg.rto_init_ms * 1000,
	    eng->cfg.rto_min_ms * 1000, eng->cfg.rto_max_ms * 1000);
	return ((uint64_t)xt_rtt_rto(&r, shift) +
	    (uint64_t)eng->cfg.rexmit_slop_ms * 1000);
}

/* The timer of entry e for instant t, clipped to the end of its life so
 * that the entry goes on time, not at the next resend (as a TCB's
 * retransmission timer is clipped, tcp_timer.c). */
static uint64_t
sc_deadline(const struct xtcp_sock *lis, const struct xt_sc_entry *e,
    uint64_t t)
{
	uint64_t age_max = xt_tcp_estab_limit_us(lis->eng,
	    lis->t_user_timeout_ms);

	if (age_max != 0 && t > e->sc_synack_us + age_max)
		t = e->sc_synack_us + age_max;
	return (t);
}

static void
sc_queue_unlink(struct xt_syncache *sc, struct xt_sc_entry *e)
{
	unsigned l = e->sc_level;

	if (e->sc_tprev != 0)
		ENT(sc, e->sc_tprev)->sc_tnext = e->sc_tnext;
	else
		sc->sc_qhead[l] = e->sc_tnext;
	if (e->sc_tnext != 0)
		ENT(sc, e->sc_tnext)->sc_tprev = e->sc_tprev;
	else
		sc->sc_qtail[l] = e->sc_tprev;
	e->sc_tnext = e->sc_tprev = 0;
}

/* Onto the queue of its backoff step, in deadline order (from the tail:
 * where it belongs but for a change of the RTO bounds). */
static void
sc_queue_insert(struct xt_syncache *sc, struct xt_sc_entry *e)
{
	unsigned l = e->sc_rxtshift < XT_SC_LEVELS ? e->sc_rxtshift :
	    XT_SC_LEVELS - 1;
	uint32_t i = sc->sc_qtail[l], me = IDX(sc, e);

	e->sc_level = (uint8_t)l;
	while (i != 0 && ENT(sc, i)->sc_rexmt_at > e->sc_rexmt_at)
		i = ENT(sc, i)->sc_tprev;
	e->sc_tprev = i;
	if (i == 0) {
		e->sc_tnext = sc->sc_qhead[l];
		sc->sc_qhead[l] = me;
	} else {
		e->sc_tnext = ENT(sc, i)->sc_tnext;
		ENT(sc, i)->sc_tnext = me;
	}
	if (e->sc_tnext != 0)
		ENT(sc, e->sc_tnext)->sc_tprev = me;
	else
		sc->sc_qtail[l] = me;
}

static void
sc_hash_unlink(struct xt_syncache *sc, struct xt_sc_entry *e)
{
	uint32_t *pp = &sc->sc_hash[sc_bucket(sc, e->sc_faddr, e->sc_fport)];
	uint32_t me = IDX(sc, e);

	while (*pp != 0 && *pp != me)
		pp = &ENT(sc, *pp)->sc_hnext;
	if (*pp == me)
		*pp = e->sc_hnext;
	e->sc_hnext = 0;
}

/* Give a table and its arrays back (any of them may be missing). */
static void
sc_free(struct xtcp_engine *eng, struct xt_syncache *sc)
{
	xt_free(&eng->mem, sc->sc_e, sc->sc_cap * sizeof(*sc->sc_e));
	xt_free(&eng->mem, sc->sc_hash,
	    sc->sc_nbuckets * sizeof(*sc->sc_hash));
	xt_free(&eng->mem, sc, sizeof(*sc));
}

void
xt_syncache_destroy(struct xtcp_sock *lis)
{
	struct xt_syncache *sc = lis->t_syncache;

	if (sc == NULL)
		return;
	XT_STAT_ADD(lis->eng, tcp_syncache_dropped, sc->sc_count);
	lis->eng->stats.tcp_syncache_entries -= sc->sc_count;
	sc_free(lis->eng, sc);
	lis->t_syncache = NULL;
}

void
xt_syncache_setup(struct xtcp_sock *lis, uint32_t cap)
{
	struct xtcp_engine *eng = lis->eng;
	struct xt_syncache *sc = lis->t_syncache, *nsc;
	struct xt_sc_entry *e, *ne;
	uint32_t i, nb, b;

	if (sc != NULL && sc->sc_cap == cap)
		return;
	for (nb = 16; nb < cap && nb < (1u << 30); nb <<= 1)
		;
	if ((nsc = xt_alloc(&eng->mem, sizeof(*nsc))) == NULL)
		return;		/* keep what there is: SYNs past it get cookies */
	nsc->sc_cap = cap;
	nsc->sc_nbuckets = nb;
	if ((nsc->sc_e = xt_alloc(&eng->mem, cap * sizeof(*nsc->sc_e))) ==
	    NULL || (nsc->sc_hash = xt_alloc(&eng->mem,
	    nb * sizeof(*nsc->sc_hash))) == NULL) {
		sc_free(eng, nsc);
		return;
	}
	nsc->sc_hkey = xt_random(eng);
	for (i = cap; i > 0; i--) {
		nsc->sc_e[i - 1].sc_tnext = nsc->sc_free;
		nsc->sc_free = i;
	}
	/* a new backlog: move the entries over, oldest first, as many as
	 * fit (Linux keeps them all; the rest would expire anyway) */
	if (sc != NULL) {
		for (b = 0; b < XT_SC_LEVELS; b++) {
			for (i = sc->sc_qhead[b]; i != 0; i = e->sc_tnext) {
				e = ENT(sc, i);
				if (nsc->sc_free == 0) {
					XT_STAT_INC(eng, tcp_syncache_dropped);
					continue;
				}
				ne = ENT(nsc, nsc->sc_free);
				nsc->sc_free = ne->sc_tnext;
				*ne = *e;
				ne->sc_hnext = nsc->sc_hash[sc_bucket(nsc,
				    ne->sc_faddr, ne->sc_fport)];
				nsc->sc_hash[sc_bucket(nsc, ne->sc_faddr,
				    ne->sc_fport)] = IDX(nsc, ne);
				sc_queue_insert(nsc, ne);
				nsc->sc_count++;
			}
		}
		eng->stats.tcp_syncache_entries -= sc->sc_count;
		eng->stats.tcp_syncache_entries += nsc->sc_count;
		sc_free(eng, sc);
	}
	lis->t_syncache = nsc;
}

struct xt_sc_entry *
xt_syncache_lookup(struct xtcp_sock *lis, uint32_t laddr, uint32_t faddr,
    uint16_t fport)
{
	struct xt_syncache *sc = lis->t_syncache;
	struct xt_sc_entry *e;
	uint32_t i;

	if (sc == NULL || sc->sc_count == 0)
		return (NULL);
	for (i = sc->sc_hash[sc_bucket(sc, faddr, fport)]; i != 0;
	    i = e->sc_hnext) {
		e = ENT(sc, i);
		if (e->sc_faddr == faddr && e->sc_fport == fport &&
		    e->sc_laddr == laddr)
			return (e);
	}
	return (NULL);
}

int
xt_syncache_full(const struct xtcp_sock *lis)
{
	return (lis->t_syncache == NULL || lis->t_syncache->sc_free == 0);
}

uint32_t
xt_syncache_count(const struct xtcp_sock *lis)
{
	return (lis->t_syncache != NULL ? lis->t_syncache->sc_count : 0);
}

struct xt_sc_entry *
xt_syncache_insert(struct xtcp_sock *lis, uint32_t laddr, uint32_t faddr,
    uint16_t fport)
{
	struct xtcp_engine *eng = lis->eng;
	struct xt_syncache *sc = lis->t_syncache;
	struct xt_sc_entry *e;
	uint32_t b;

	if (sc == NULL || sc->sc_free == 0)
		return (NULL);
	e = ENT(sc, sc->sc_free);
	sc->sc_free = e->sc_tnext;
	memset(e, 0, sizeof(*e));
	e->sc_laddr = laddr;
	e->sc_faddr = faddr;
	e->sc_fport = fport;
	e->sc_synack_us = eng->now;
	e->sc_rexmt_at = sc_deadline(lis, e, eng->now + sc_rto(eng, 0));
	b = sc_bucket(sc, faddr, fport);
	e->sc_hnext = sc->sc_hash[b];
	sc->sc_hash[b] = IDX(sc, e);
	sc_queue_insert(sc, e);
	sc->sc_count++;
	XT_STAT_INC(eng, tcp_syncache_added);
	eng->stats.tcp_syncache_entries++;
	xt_tcp_timer_sooner(lis, e->sc_rexmt_at);	/* listener's key */
	xt_engine_timer_armed(eng, e->sc_rexmt_at);
	return (e);
}

void
xt_syncache_remove(struct xtcp_sock *lis, struct xt_sc_entry *e)
{
	struct xt_syncache *sc = lis->t_syncache;

	sc_hash_unlink(sc, e);
	sc_queue_unlink(sc, e);
	e->sc_tnext = sc->sc_free;
	sc->sc_free = IDX(sc, e);
	sc->sc_count--;
	lis->eng->stats.tcp_syncache_entries--;
}

void
xt_syncache_our_opts(const struct xtcp_sock *lis, uint16_t *advmss,
    uint8_t *ws)
{
	/* the child's buffer is the listener's, and not locked */
	xt_tcp_mss_ws(lis->eng, lis->t_user_mss, lis->rcvbuf_size, 0, advmss,
	    ws);
}

/*
 * The SYN-ACK a child TCB in SYN-RECEIVED would send (tcp_output.c
 * xt_tcp_send_seg): our MSS; WS, TS and SACK-permitted only if the SYN
 * had them and they are on (RFC 7323 §2.2, §3.2; RFC 2018 §2); the
 * window unscaled, the whole (empty) buffer up to 65535; ECE for an
 * ECN-setup SYN (RFC 3168 §6.1.1); a Fast Open cookie if owed.
 */
void
xt_syncache_synack(struct xtcp_sock *lis, struct xt_sc_entry *e)
{
	struct xtcp_engine *eng = lis->eng;
	struct xt_tcp_repr r;
	uint8_t *p, ws;
	size_t hl;

	memset(&r, 0, sizeof(r));
	r.sport = lis->lport;
	r.dport = e->sc_fport;
	r.seq = e->sc_iss;
	r.ack = e->sc_irs + 1;
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.has_mss = 1;
	xt_syncache_our_opts(lis, &r.mss, &ws);
	if ((e->sc_flags & XT_SCF_WS) && eng->cfg.wscale) {
		r.has_ws = 1;
		r.ws = ws;
	}
	if ((e->sc_flags & XT_SCF_TS) && eng->cfg.tstamps) {
		r.has_ts = 1;
		r.tsval = (uint32_t)(eng->now / 1000) + e->sc_ts_offset;
		r.tsecr = e->sc_tsval;
	}
	if ((e->sc_flags & XT_SCF_SACK) && eng->cfg.sack)
		r.sack_perm = 1;
	if (e->sc_flags & XT_SCF_TFO) {
		r.has_tfo = 1;
		r.tfo_len = 8;
		xt_tfo_cookie_for(eng, e->sc_faddr, r.tfo_cookie);
	}
	r.win = (uint16_t)(lis->rcvbuf_size > 65535 ? 65535 :
	    lis->rcvbuf_size);
	if (e->sc_flags & XT_SCF_ECN)
		r.flags |= XT_TH_ECE;
	(void)xt_tcp_tfo_fit(eng, &r);	/* the SYN's data waits for the ACK */
	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(&r, p);
	xt_tcp_fill_csum(p, hl, eng->cfg.addr, e->sc_faddr);
	if (xt_tx_commit(eng, e->sc_faddr, XT_IPPROTO_TCP, lis->ip_tos & 0xfc,
	    lis->ip_ttl, hl, NULL) != XT_OK)
		return;		/* no route: as if lost; the timer resends */
	XT_STAT_INC(eng, tcp_snd_total);
	XT_STAT_INC(eng, tcp_snd_ctrl);
}

uint64_t
xt_syncache_next_deadline(const struct xtcp_sock *lis)
{
	const struct xt_syncache *sc = lis->t_syncache;
	uint64_t d = UINT64_MAX, t;
	unsigned l;

	if (sc == NULL || sc->sc_count == 0)
		return (UINT64_MAX);
	for (l = 0; l < XT_SC_LEVELS; l++) {
		if (sc->sc_qhead[l] == 0)
			continue;
		t = ENT(sc, sc->sc_qhead[l])->sc_rexmt_at;
		if (t < d)
			d = t;
	}
	return (d);
}

/*
 * RFC 6298 §5.5-5.6 for a SYN-ACK: resend it with the timer doubled, up
 * to XT_SYNACK_RETRIES times (the listener's TCP_SYNCNT instead, as
 * Linux), then forget the entry.  The connection-establishment limits a
 * child TCB had still apply: TCP_USER_TIMEOUT of the listener, or
 * keepinit.
 */
void
xt_syncache_timers(struct xtcp_sock *lis, uint64_t now)
{
	struct xtcp_engine *eng = lis->eng;
	struct xt_syncache *sc = lis->t_syncache;
	struct xt_sc_entry *e;
	uint32_t limit = lis->t_syncnt != 0 ? lis->t_syncnt :
	    XT_SYNACK_RETRIES;
	uint64_t age_max;
	unsigned l;

	if (sc == NULL)
		return;
	age_max = xt_tcp_estab_limit_us(eng, lis->t_user_timeout_ms);
	for (l = 0; l < XT_SC_LEVELS; l++) {
		while (sc->sc_qhead[l] != 0 &&
		    (e = ENT(sc, sc->sc_qhead[l]))->sc_rexmt_at <= now) {
			XT_STAT_INC(eng, tcp_rexmt_timeout);
			if (e->sc_rxtshift + 1u > limit || (age_max != 0 &&
			    now - e->sc_synack_us >= age_max)) {
				XT_STAT_INC(eng, tcp_syncache_expired);
				xt_syncache_remove(lis, e);
				continue;
			}
			sc_queue_unlink(sc, e);
			e->sc_rxtshift++;
			e->sc_flags |= XT_SCF_RESENT;
			XT_STAT_INC(eng, tcp_syncache_rexmit);
			xt_syncache_synack(lis, e);
			e->sc_rexmt_at = sc_deadline(lis, e,
			    now + sc_rto(eng, e->sc_rxtshift));
			if (e->sc_rexmt_at <= now)
				e->sc_rexmt_at = now + 1;	/* never this pass */
			sc_queue_insert(sc, e);
			xt_tcp_timer_sooner(lis, e->sc_rexmt_at);
			xt_engine_timer_armed(eng, e->sc_rexmt_at);
		}
	}
}
