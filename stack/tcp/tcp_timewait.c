/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_timewait.c - TIME-WAIT without a socket.
 *
 * When a connection nobody holds any more enters TIME-WAIT its TCB (KBs,
 * and a place under max_sockets) is freed and a 64-byte entry keeps the
 * 4-tuple, SND.NXT and RCV.NXT, the timestamp state (offset, TS.Recent),
 * the window our ACKs offer and the expiry, as Linux's
 * inet_timewait_sock and FreeBSD's tcptw do.  Entries live in one array
 * and refer to one another by index: a hash table of chains keyed by
 * SipHash of the 4-tuple (grown by doubling), and one expiry queue.
 * Every entry waits 2MSL from its last (re)start, so the queue is in
 * expiry order when entries join at the tail: insertion, restart and
 * expiry are O(1).  At most max_tw_buckets entries: past that, as Linux,
 * the connection is not kept in TIME-WAIT at all (tcp_tw_overflow).
 *
 * An entry does what the TCB did in TIME-WAIT (tcp_input.c, which stays
 * the reference): PAWS, the acceptability test with the RFC 5961 §7
 * limit on the ACKs it sends, a retransmitted FIN ACKed and 2MSL
 * restarted (RFC 9293 §3.10.7.4 eighth), RSTs kept out by RFC 1337 or
 * taken when exact, challenge ACKs for SYNs and bad ACKs; and a new SYN
 * with a newer timestamp or a sequence number past RCV.NXT goes to the
 * listener as a new connection (RFC 6191 §3, as Linux
 * tcp_timewait_state_process), with an ISN above the old SND.NXT.
 *
 * Read first: RFC 9293 §3.6.1 and §3.10.7.4, RFC 6191 §2-3, RFC 7323
 * §5.3, RFC 1337 §3, RFC 5961 §3-5 and §7.
 */
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"
#include "wire/tcp.h"

#define TW_NONE		UINT32_MAX	/* no entry (index) */

/* tw_flags */
#define TWF_TS		0x01	/* timestamps in use (RFC 7323 §3.2) */
#define TWF_SACK	0x02	/* SACK permitted: D-SACK in our ACKs */
#define TWF_ECN		0x04	/* ECN negotiated (RFC 3168) */
#define TWF_ECE		0x08	/* CE seen, no CWR yet: ECE on ACKs */

struct xt_tw {
	uint64_t	tw_expire_at;	/* µs: 2MSL after the last (re)start */
	uint64_t	tw_oow_ack_us;	/* last limited ACK (RFC 5961 §7) */
	uint32_t	tw_faddr;	/* host order; the local address is
					 * the engine's */
	uint16_t	tw_lport;
	uint16_t	tw_fport;
	xt_seq_t	tw_snd_nxt;
	xt_seq_t	tw_rcv_nxt;
	uint32_t	tw_ts_offset;	/* our TSval offset */
	uint32_t	tw_ts_recent;	/* TS.Recent */
	uint32_t	tw_rcv_wnd;	/* acceptability window, bytes */
	uint32_t	tw_ack_wnd;	/* RFC 5961 §5.2: ACKs older than
					 * SND.NXT - this are refused */
	uint32_t	tw_hnext;	/* hash chain; free list when unused */
	uint32_t	tw_qnext;	/* expiry queue */
	uint32_t	tw_qprev;
	uint16_t	tw_win;		/* window field of our ACKs */
	uint8_t		tw_flags;	/* TWF_* */
	uint8_t		tw_tos;		/* IP_TOS of our segments */
};
_Static_assert(sizeof(struct xt_tw) == 64, "a TIME-WAIT entry is 64 bytes");

struct xt_tw_table {
	struct xt_tw	*e;		/* entries, by index */
	uint32_t	cap;		/* entries allocated */
	uint32_t	n;		/* in use */
	uint32_t	free;		/* free list (tw_hnext) */
	uint32_t	*bucket;	/* chain heads */
	uint32_t	nbucket;	/* a power of two */
	uint32_t	head;		/* expiry queue: soonest */
	uint32_t	tail;
};

/*
 * Memory: the table, its entries and its chain heads come from the
 * engine's allocator (xt_mem.h), made at the first entry and given back
 * with the last one.  Entries double as they fill (a refusal under
 * XTCP_MEM_MAX is the table-full case), and are packed into half the
 * room once a quarter of it is in use; chain heads double when entries
 * outnumber them and halve when they are four times as many.  The count
 * of entries per local port that bind() needs is kept on the port's
 * entry in the demux table (p_ntw), so that an entry costs its 64 bytes
 * and a chain head, and a port entry per port no socket holds.
 */
#define TW_MIN		64	/* entries and chain heads at least */

/* Sets the table's hash apart from the other users of the ISN key: no
 * other input has this bit (tcp_subr.c's reuseport hash has bit 63). */
#define TW_HASH_DOMAIN	(1ULL << 62)

static uint32_t
tw_hash(const struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport, uint32_t nbucket)
{
	return ((uint32_t)xt_siphash24_2u64(&eng->isn_key,
	    (uint64_t)faddr << 32 | (uint32_t)lport << 16 | fport,
	    TW_HASH_DOMAIN) & (nbucket - 1));
}

/* nb empty chain heads, or NULL. */
static uint32_t *
tw_buckets(struct xtcp_engine *eng, uint32_t nb)
{
	uint32_t *b, i;

	if ((b = xt_alloc_raw(&eng->mem, (size_t)nb * sizeof(*b))) == NULL)
		return (NULL);
	for (i = 0; i < nb; i++)
		b[i] = TW_NONE;
	return (b);
}

/* The table, made on first use; NULL if there is no memory for it. */
static struct xt_tw_table *
tw_table(struct xtcp_engine *eng)
{
	struct xt_tw_table *t = eng->tw;

	if (t != NULL)
		return (t);
	if ((t = xt_alloc(&eng->mem, sizeof(*t))) == NULL)
		return (NULL);
	t->nbucket = TW_MIN;
	if ((t->bucket = tw_buckets(eng, t->nbucket)) == NULL) {
		xt_free(&eng->mem, t, sizeof(*t));
		return (NULL);
	}
	t->free = t->head = t->tail = TW_NONE;
	eng->tw = t;
	return (t);
}

/* The table and all it holds go back to the engine (entries end
 * uncounted: the caller did that). */
static void
tw_table_free(struct xtcp_engine *eng)
{
	struct xt_tw_table *t = eng->tw;

	xt_free(&eng->mem, t->e, (size_t)t->cap * sizeof(*t->e));
	xt_free(&eng->mem, t->bucket, (size_t)t->nbucket * sizeof(*t->bucket));
	xt_free(&eng->mem, t, sizeof(*t));
	eng->tw = NULL;
}

/* Every entry onto its chain under the nb empty heads b. */
static void
tw_chain_all(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t *b,
    uint32_t nb)
{
	uint32_t i, h;
	struct xt_tw *w;

	for (i = t->head; i != TW_NONE; i = w->tw_qnext) {
		w = &t->e[i];
		h = tw_hash(eng, w->tw_lport, w->tw_faddr, w->tw_fport, nb);
		w->tw_hnext = b[h];
		b[h] = i;
	}
}

/* The chains again under nb heads (more keep chains short on average);
 * new heads that find no memory leave the old ones, chains rebuilt
 * in place when rebuild says they must be. */
static void
tw_rehash(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t nb,
    int rebuild)
{
	uint32_t *b, i;

	if (nb != t->nbucket && (b = tw_buckets(eng, nb)) != NULL) {
		tw_chain_all(eng, t, b, nb);
		xt_free(&eng->mem, t->bucket,
		    (size_t)t->nbucket * sizeof(*t->bucket));
		t->bucket = b;
		t->nbucket = nb;
	} else if (rebuild) {
		for (i = 0; i < t->nbucket; i++)
			t->bucket[i] = TW_NONE;
		tw_chain_all(eng, t, t->bucket, t->nbucket);
	}
}

/* The n > 0 entries packed, in expiry order, into ncap >= n slots; on
 * no memory they stay where they are. */
static void
tw_pack(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t ncap)
{
	struct xt_tw *e;
	uint32_t i, k = 0, nb;

	if ((e = xt_alloc_raw(&eng->mem, (size_t)ncap * sizeof(*e))) == NULL)
		return;
	for (i = t->head; i != TW_NONE; i = t->e[i].tw_qnext, k++) {
		e[k] = t->e[i];
		e[k].tw_qprev = k == 0 ? TW_NONE : k - 1;
		e[k].tw_qnext = k + 1;
	}
	e[k - 1].tw_qnext = TW_NONE;
	t->head = 0;
	t->tail = k - 1;
	t->free = TW_NONE;
	for (i = ncap; i-- > k; ) {
		e[i].tw_hnext = t->free;
		t->free = i;
	}
	xt_free(&eng->mem, t->e, (size_t)t->cap * sizeof(*t->e));
	t->e = e;
	t->cap = ncap;
	/* the chains by the new indices, under fewer heads if they are
	 * four times the entries */
	for (nb = t->nbucket; nb > TW_MIN && nb / 4 >= t->n; nb /= 2)
		;
	tw_rehash(eng, t, nb, 1);
}

/* After an entry left: the table shrinks with what it holds, and goes
 * when it holds nothing. */
static void
tw_trim(struct xtcp_engine *eng)
{
	struct xt_tw_table *t = eng->tw;

	if (t->n == 0)
		tw_table_free(eng);
	else if (t->cap > TW_MIN && t->n <= t->cap / 4)
		tw_pack(eng, t, t->cap / 2);
}

/* A free entry's index, TW_NONE when full or out of memory (the
 * engine's bound, XTCP_MEM_MAX, counts here). */
static uint32_t
tw_alloc(struct xtcp_engine *eng, struct xt_tw_table *t)
{
	uint32_t max = eng->cfg.max_tw_buckets, ncap, i;
	struct xt_tw *e;

	if (t->n >= max)
		return (TW_NONE);
	if (t->free == TW_NONE) {
		ncap = t->cap == 0 ? TW_MIN : t->cap * 2;
		if (ncap > max)
			ncap = max;
		if (ncap <= t->cap || (e = xt_realloc(&eng->mem, t->e,
		    (size_t)t->cap * sizeof(*e),
		    (size_t)ncap * sizeof(*e))) == NULL)
			return (TW_NONE);
		t->e = e;
		for (i = ncap; i-- > t->cap; ) {
			e[i].tw_hnext = t->free;
			t->free = i;
		}
		t->cap = ncap;
	}
	i = t->free;
	t->free = t->e[i].tw_hnext;
	t->n++;
	eng->stats.tcp_timewait_entries++;
	if (t->n > t->nbucket)
		tw_rehash(eng, t, t->nbucket * 2, 0);
	return (i);
}

/* Into the expiry queue, before every entry that expires later: at the
 * tail but for an entry whose 2MSL began before it was made (a program
 * that closed its TIME-WAIT socket late). */
static void
tw_queue(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t i)
{
	struct xt_tw *w = &t->e[i];
	uint32_t p = t->tail;

	while (p != TW_NONE && t->e[p].tw_expire_at > w->tw_expire_at)
		p = t->e[p].tw_qprev;
	w->tw_qprev = p;
	w->tw_qnext = p == TW_NONE ? t->head : t->e[p].tw_qnext;
	if (w->tw_qnext != TW_NONE)
		t->e[w->tw_qnext].tw_qprev = i;
	else
		t->tail = i;
	if (p != TW_NONE)
		t->e[p].tw_qnext = i;
	else
		t->head = i;
	xt_engine_timer_armed(eng, w->tw_expire_at);
}

static void
tw_unqueue(struct xt_tw_table *t, uint32_t i)
{
	struct xt_tw *w = &t->e[i];

	if (w->tw_qprev != TW_NONE)
		t->e[w->tw_qprev].tw_qnext = w->tw_qnext;
	else
		t->head = w->tw_qnext;
	if (w->tw_qnext != TW_NONE)
		t->e[w->tw_qnext].tw_qprev = w->tw_qprev;
	else
		t->tail = w->tw_qprev;
}

/* The entry leaves the table, its queue, its chain and its port's
 * count; the table may shrink or go (tw_trim): what pointed into it is
 * stale after this. */
static void
tw_remove(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t i)
{
	struct xt_tw *w = &t->e[i];
	uint32_t *pp;

	tw_unqueue(t, i);
	pp = &t->bucket[tw_hash(eng, w->tw_lport, w->tw_faddr, w->tw_fport,
	    t->nbucket)];
	while (*pp != i)
		pp = &t->e[*pp].tw_hnext;
	*pp = w->tw_hnext;
	(void)xt_tcp_port_tw(eng, w->tw_lport, -1);
	w->tw_hnext = t->free;
	t->free = i;
	t->n--;
	eng->stats.tcp_timewait_entries--;
	tw_trim(eng);
}

/* RFC 9293 §3.10.7.4 eighth: TIME-WAIT starts again, 2MSL from now. */
static void
tw_restart(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t i)
{
	tw_unqueue(t, i);
	t->e[i].tw_expire_at = eng->now + 2ull * eng->cfg.msl_ms * 1000;
	tw_queue(eng, t, i);
}

static uint32_t
tw_find(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	struct xt_tw_table *t = eng->tw;
	struct xt_tw *w;
	uint32_t i;

	if (t == NULL || t->n == 0)
		return (TW_NONE);
	for (i = t->bucket[tw_hash(eng, lport, faddr, fport, t->nbucket)];
	    i != TW_NONE; i = w->tw_hnext) {
		w = &t->e[i];
		if (w->tw_lport == lport && w->tw_faddr == faddr &&
		    w->tw_fport == fport)
			return (i);
	}
	return (TW_NONE);
}

struct xt_tw *
xt_tw_lookup(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	uint32_t i = tw_find(eng, lport, faddr, fport);

	return (i == TW_NONE ? NULL : &eng->tw->e[i]);
}

/*
 * Does a TIME-WAIT entry of ours keep connect from this 4-tuple?  Not
 * when Linux tcp_tw_reuse = 1 (tcp_twsk_unique) lets a connect take it
 * over: that connection used timestamps and its entry is at least a
 * second old.  PAWS then keeps the old connection's duplicates out of
 * the new one, since our TSvals for a 4-tuple only grow (tcp_subr.c,
 * xt_tcp_ts_offset), and the peer, which closed second, holds no state
 * for it.  The entry then goes; the caller takes the port.
 */
int
xt_tw_holds(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	struct xt_tw_table *t = eng->tw;
	uint64_t msl2 = 2ull * eng->cfg.msl_ms * 1000, since;
	uint32_t i;

	if ((i = tw_find(eng, lport, faddr, fport)) == TW_NONE)
		return (0);
	if (eng->cfg.tw_reuse != 1 || !(t->e[i].tw_flags & TWF_TS))
		return (1);
	since = t->e[i].tw_expire_at > msl2 ? t->e[i].tw_expire_at - msl2 : 0;
	if (eng->now < since + 1000000)
		return (1);
	tw_remove(eng, t, i);
	XT_STAT_INC(eng, tcp_tw_reused);
	return (0);
}

uint32_t
xt_tw_count(const struct xtcp_engine *eng)
{
	return (eng->tw != NULL ? eng->tw->n : 0);
}

uint64_t
xt_tw_bytes(const struct xtcp_engine *eng)
{
	const struct xt_tw_table *t = eng->tw;

	if (t == NULL)
		return (0);
	return (sizeof(*t) + (uint64_t)t->cap * sizeof(*t->e) +
	    (uint64_t)t->nbucket * sizeof(*t->bucket));
}

const char *
xt_tw_check(struct xtcp_engine *eng)
{
	struct xt_tw_table *t = eng->tw;
	uint32_t i, n = 0, nfree = 0;

	if (t == NULL)
		return (NULL);
	if (t->n == 0 || t->n > t->cap || t->e == NULL)
		return ("the TIME-WAIT table holds what it should not");
	for (i = t->head; i != TW_NONE; i = t->e[i].tw_qnext) {
		if (++n > t->n)
			return ("the TIME-WAIT queue is too long");
		if (tw_find(eng, t->e[i].tw_lport, t->e[i].tw_faddr,
		    t->e[i].tw_fport) != i)
			return ("a TIME-WAIT entry is not on its chain");
		if (xt_tcp_port_ntw(eng, t->e[i].tw_lport) == 0)
			return ("a TIME-WAIT entry is not counted on its port");
	}
	for (i = t->free; i != TW_NONE; i = t->e[i].tw_hnext)
		if (++nfree > t->cap)
			return ("the TIME-WAIT free list loops");
	if (n != t->n || n + nfree != t->cap)
		return ("TIME-WAIT entries are lost");
	return (NULL);
}

/* The table is full, or memory for the entry was refused: as Linux
 * (tcp_time_wait), the connection ends without TIME-WAIT; said once in
 * the log, counted always. */
static void
tw_overflow(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	XT_STAT_INC(eng, tcp_tw_overflow);
	if (eng->stats.tcp_tw_overflow == 1)
		xt_log(eng, XTCP_LOG_WARN, "TIME-WAIT table full (%u entries, "
		    "XTCP_MAX_TW_BUCKETS, or XTCP_MEM_MAX reached): closed "
		    "connections skip TIME-WAIT", eng->cfg.max_tw_buckets);
	xt_tcp_drop(tp, XT_OK);
}

void
xt_tw_from_tcb(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_tw_table *t;
	struct xt_tw *w;
	uint32_t i, adv, space, acked;
	uint16_t win;

	if (tp->state != XT_TCPS_TIME_WAIT || tp->user != 0 ||
	    !(tp->t_flags & XT_TF_ORPHAN) || tp->t_listener != NULL)
		return;
	if ((t = tw_table(eng)) == NULL) {
		tw_overflow(tp);
		return;
	}
	/* the port first: its entry may need memory too */
	if (xt_tcp_port_tw(eng, tp->lport, 1) != XT_OK) {
		if (t->n == 0)
			tw_table_free(eng);
		tw_overflow(tp);
		return;
	}
	if ((i = tw_alloc(eng, t)) == TW_NONE) {
		(void)xt_tcp_port_tw(eng, tp->lport, -1);
		if (t->n == 0)
			tw_table_free(eng);
		tw_overflow(tp);
		return;
	}
	w = &t->e[i];
	memset(w, 0, sizeof(*w));
	w->tw_faddr = tp->faddr;
	w->tw_lport = tp->lport;
	w->tw_fport = tp->fport;
	w->tw_snd_nxt = tp->snd_max;
	w->tw_rcv_nxt = tp->rcv_nxt;
	/* what the TCB's next ACK would have offered, then the window its
	 * acceptability test would have used (tcp_input.c tcp_rcv_wnd) */
	win = xt_tcp_window_field(tp);
	adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	space = xt_tcp_rcv_space(tp);
	w->tw_win = win;
	w->tw_rcv_wnd = adv > space ? adv : space;
	acked = SEQ_GT(tp->snd_una, tp->iss) ? tp->snd_una - tp->iss - 1 : 0;
	w->tw_ack_wnd = tp->max_sndwnd < acked ? tp->max_sndwnd : acked;
	w->tw_oow_ack_us = tp->t_oow_ack_us;
	w->tw_tos = tp->ip_tos & 0xfc;
	if (tp->t_flags & XT_TF_TS_OK) {
		w->tw_flags |= TWF_TS;
		w->tw_ts_offset = tp->ts_offset;
		w->tw_ts_recent = tp->ts_recent;
	}
	if (tp->t_flags & XT_TF_SACK_OK)
		w->tw_flags |= TWF_SACK;
	if (tp->t_flags & XT_TF_ECN_OK)
		w->tw_flags |= TWF_ECN;
	if (tp->t_flags & XT_TF_ECE_SEND)
		w->tw_flags |= TWF_ECE;
	w->tw_expire_at = tp->t_2msl_at != 0 ? tp->t_2msl_at :
	    eng->now + 2ull * eng->cfg.msl_ms * 1000;
	w->tw_hnext = t->bucket[tw_hash(eng, w->tw_lport, w->tw_faddr,
	    w->tw_fport, t->nbucket)];
	t->bucket[tw_hash(eng, w->tw_lport, w->tw_faddr, w->tw_fport,
	    t->nbucket)] = i;
	tw_queue(eng, t, i);
	xt_tcp_drop(tp, XT_OK);		/* an orphan: freed */
}

/*
 * A segment of ours from the entry: an ACK (with a D-SACK block of
 * [dlo, dhi) when that is not empty) or, with rst, an RST; as the TCB
 * sent them in TIME-WAIT (tcp_output.c xt_tcp_send_seg), with the IP TTL
 * the engine's default as Linux's TIME-WAIT replies have.
 */
static void
tw_send(struct xtcp_engine *eng, const struct xt_tw *w, int rst,
    xt_seq_t dlo, xt_seq_t dhi)
{
	struct xt_tcp_repr r;
	uint8_t *p;
	size_t hl;

	memset(&r, 0, sizeof(r));
	r.sport = w->tw_lport;
	r.dport = w->tw_fport;
	r.seq = w->tw_snd_nxt;
	r.ack = w->tw_rcv_nxt;
	r.flags = XT_TH_ACK | (rst ? XT_TH_RST : 0);
	r.win = rst ? 0 : w->tw_win;
	if (w->tw_flags & TWF_TS) {
		r.has_ts = 1;
		r.tsval = (uint32_t)(eng->now / 1000) + w->tw_ts_offset;
		r.tsecr = w->tw_ts_recent;
	}
	if (!rst && (w->tw_flags & TWF_SACK) && dlo != dhi) {
		r.nsack = 1;
		r.sack[0][0] = dlo;
		r.sack[0][1] = dhi;
	}
	if (w->tw_flags & TWF_ECE)
		r.flags |= XT_TH_ECE;
	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(&r, p);
	xt_tcp_fill_csum(p, hl, eng->cfg.addr, w->tw_faddr);
	if (xt_tx_commit(eng, w->tw_faddr, XT_IPPROTO_TCP, w->tw_tos, 0, hl,
	    NULL) != XT_OK)
		return;
	XT_STAT_INC(eng, tcp_snd_total);
	if (rst) {
		XT_STAT_INC(eng, tcp_snd_ctrl);
		XT_STAT_INC(eng, tcp_snd_rst);
	} else {
		XT_STAT_INC(eng, tcp_snd_acks);
	}
}

static void
tw_challenge_ack(struct xtcp_engine *eng, struct xt_tw *w)
{
	if (xt_tcp_ack_ratelimited(eng, &w->tw_oow_ack_us)) {
		XT_STAT_INC(eng, tcp_challenge_ack_skipped);
		return;
	}
	XT_STAT_INC(eng, tcp_snd_challenge_ack);
	tw_send(eng, w, 0, 0, 0);
}

/*
 * RFC 6191 §3 as Linux (tcp_timewait_state_process): a SYN not refused
 * by PAWS whose timestamp is newer than TS.Recent, or whose sequence
 * number lies past RCV.NXT, may start a new connection.  Returns 1 if
 * it does: a listener takes it.
 */
static int
tw_syn_reopens(struct xtcp_engine *eng, const struct xt_tw *w,
    uint32_t src, uint32_t dst, const struct xt_tcp_repr *th)
{
	int32_t d = (int32_t)(th->tsval - w->tw_ts_recent);
	int ts = (w->tw_flags & TWF_TS) && th->has_ts;

	if ((th->flags & (XT_TH_SYN | XT_TH_ACK | XT_TH_RST | XT_TH_FIN)) !=
	    XT_TH_SYN)
		return (0);
	if (ts && d < 0)
		return (0);		/* PAWS: an old duplicate */
	if (!SEQ_GT(th->seq, w->tw_rcv_nxt) && !(ts && d > 0))
		return (0);
	return (xt_tcp_lookup_listener(eng, dst, th->dport, src, th->sport) !=
	    NULL);
}

/*
 * The steps of tcp_input.c xt_tcp_sync_input for TIME-WAIT: PAWS, the
 * acceptability test (an unacceptable segment gets an ACK within the
 * limit; a FIN among them restarts 2MSL), RST (RFC 1337), SYN (a
 * challenge), the ACK field (too new or too old: a challenge), and a FIN
 * in the window: ACKed, 2MSL again.  TS.Recent needs no age: RFC 7323
 * §5.5's 24 days cannot pass within 2MSL of the FIN that set it.
 */
static void
tw_segment(struct xtcp_engine *eng, struct xt_tw_table *t, uint32_t i,
    uint8_t tos, struct xt_tcp_seg *sg)
{
	struct xt_tw *w = &t->e[i];
	const struct xt_tcp_repr *th = &sg->th;
	xt_seq_t seq = th->seq, end = seq + sg->seglen, dlo = 0, dhi = 0;
	xt_seq_t rn = w->tw_rcv_nxt;
	uint32_t wnd = w->tw_rcv_wnd, dlen, trim;
	int ok, fin = sg->fin, syn = (th->flags & XT_TH_SYN) != 0;

	/* tcp_input.c xt_tcp_seg_arrived: RFC 3168 §6.1.3's CE echo */
	if ((w->tw_flags & TWF_ECN) && sg->seglen > 0) {
		if (th->flags & XT_TH_CWR)
			w->tw_flags &= ~TWF_ECE;
		if ((tos & 3) == 3) {
			XT_STAT_INC(eng, tcp_ecn_ce_rcvd);
			w->tw_flags |= TWF_ECE;
		}
	}
	/* RFC 7323 §5.3 PAWS */
	if ((w->tw_flags & TWF_TS) && th->has_ts && !(th->flags & XT_TH_RST) &&
	    (int32_t)(th->tsval - w->tw_ts_recent) < 0) {
		XT_STAT_INC(eng, tcp_rcv_paws_drop);
		if (xt_tcp_oow_ack_owed(eng, &w->tw_oow_ack_us, sg))
			tw_send(eng, w, 0, 0, 0);
		return;
	}
	/* RFC 9293 §3.10.7.4 first: acceptability */
	if (sg->seglen == 0)
		ok = wnd == 0 ? seq == rn : SEQ_IN(seq, rn, rn + wnd);
	else
		ok = wnd != 0 && (SEQ_IN(seq, rn, rn + wnd) ||
		    SEQ_IN(end - 1, rn, rn + wnd));
	if (!ok) {
		if (sg->seglen > 0 && wnd == 0 && seq == rn)
			XT_STAT_INC(eng, tcp_rcv_win_probe);
		else if (SEQ_LEQ(end, rn)) {
			XT_STAT_INC(eng, tcp_rcv_dup_pack);
			if (sg->dlen > 0) {	/* RFC 2883 §4 */
				dlo = seq;
				dhi = seq + sg->dlen;
			}
		} else
			XT_STAT_INC(eng, tcp_rcv_unacceptable);
		ok = xt_tcp_oow_ack_owed(eng, &w->tw_oow_ack_us, sg);
		/* eighth step: a retransmitted FIN restarts 2MSL */
		if ((th->flags & XT_TH_FIN) && !(th->flags & XT_TH_RST))
			tw_restart(eng, t, i);
		if (ok)
			tw_send(eng, w, 0, dlo, dhi);
		return;
	}
	/* trim what we have from the front (a SYN there goes with it) and
	 * what lies beyond the window from the back, the FIN with it */
	dlen = sg->dlen;
	if (SEQ_LT(seq, rn)) {
		trim = rn - seq;
		if (syn) {
			syn = 0;
			seq++;
			trim--;
		}
		if (trim > dlen)
			trim = dlen;
		dlen -= trim;
		seq += trim;
	}
	if (SEQ_GT(seq + dlen, rn + wnd)) {
		XT_STAT_INC(eng, tcp_rcv_after_win);
		fin = 0;
	}
	/* RFC 7323 §4.3: TS.Recent (Last.ACK.sent is RCV.NXT here) */
	if ((w->tw_flags & TWF_TS) && th->has_ts && SEQ_LEQ(seq, rn) &&
	    (int32_t)(th->tsval - w->tw_ts_recent) >= 0)
		w->tw_ts_recent = th->tsval;
	/* second: RST; RFC 1337 §3 (or not exact): dropped, no challenge */
	if (th->flags & XT_TH_RST) {
		if (eng->cfg.rfc1337 || seq != rn) {
			if (eng->cfg.rfc1337)
				XT_STAT_INC(eng, tcp_rcv_rst_timewait);
			else
				XT_STAT_INC(eng, tcp_rcv_rst_bad);
			return;
		}
		XT_STAT_INC(eng, tcp_rcv_rst);
		tw_remove(eng, t, i);
		return;
	}
	/* fourth: SYN (RFC 5961 §4.2), or RFC 793's reset */
	if (syn) {
		if (eng->cfg.insecure_syn) {
			XT_STAT_INC(eng, tcp_conn_reset);
			tw_send(eng, w, 1, 0, 0);
			tw_remove(eng, t, i);
			return;
		}
		XT_STAT_INC(eng, tcp_rcv_syn_estab);
		tw_challenge_ack(eng, w);
		return;
	}
	/* fifth: ACK */
	if (!(th->flags & XT_TH_ACK)) {
		XT_STAT_INC(eng, tcp_rcv_no_ack);
		return;
	}
	if (SEQ_GT(th->ack, w->tw_snd_nxt)) {
		XT_STAT_INC(eng, tcp_rcv_ack_too_much);
		tw_challenge_ack(eng, w);
		return;
	}
	if (SEQ_LT(th->ack, w->tw_snd_nxt - w->tw_ack_wnd)) {
		XT_STAT_INC(eng, tcp_rcv_ack_too_old);
		tw_challenge_ack(eng, w);
		return;
	}
	if (fin) {
		tw_restart(eng, t, i);
		tw_send(eng, w, 0, 0, 0);
	}
}

int
xt_tw_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    uint8_t tos, struct xt_tcp_seg *sg)
{
	struct xt_tw_table *t = eng->tw;
	struct xt_tw *w;
	uint32_t i, isn;

	if ((i = tw_find(eng, sg->th.dport, src, sg->th.sport)) == TW_NONE)
		return (0);
	w = &t->e[i];
	if (tw_syn_reopens(eng, w, src, dst, &sg->th)) {
		/* Linux: the new ISN lies a maximal window past the old
		 * SND.NXT, and is never 0 (0 means none here) */
		isn = w->tw_snd_nxt + 65535 + 2;
		sg->tw_isn = isn != 0 ? isn : 1;
		XT_STAT_INC(eng, tcp_timewait_reuse);
		tw_remove(eng, t, i);
		return (0);
	}
	tw_segment(eng, t, i, tos, sg);
	return (1);
}

uint64_t
xt_tw_earliest(struct xtcp_engine *eng, uint64_t d)
{
	struct xt_tw_table *t = eng->tw;
	uint64_t at;

	if (t == NULL || t->head == TW_NONE)
		return (d);
	at = t->e[t->head].tw_expire_at;
	return (at < d ? at : d);
}

void
xt_tw_expire(struct xtcp_engine *eng, uint64_t now)
{
	struct xt_tw_table *t;

	/* tw_remove may pack the table or free it: look again each time */
	while ((t = eng->tw) != NULL && t->e[t->head].tw_expire_at <= now)
		tw_remove(eng, t, t->head);
}

void
xt_tw_destroy(struct xtcp_engine *eng)
{
	struct xt_tw_table *t = eng->tw;

	uint32_t i;

	if (t == NULL)
		return;
	for (i = t->head; i != TW_NONE; i = t->e[i].tw_qnext)
		(void)xt_tcp_port_tw(eng, t->e[i].tw_lport, -1);
	eng->stats.tcp_timewait_entries -= t->n;
	tw_table_free(eng);
}
