/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_subr.c - the TCB's life cycle and what the other TCP files share:
 * allocation and teardown, demultiplexing (the owner of the TCB list,
 * see XT_TCP_FOREACH, and of the tables that find a TCB by 4-tuple, by
 * listening port and by bound port), initial sequence numbers and timestamp
 * offsets, ephemeral ports, state changes and wakeups, the MSS and
 * window scale we offer and the options both SYNs agreed on, the end of
 * the handshake; and the replies that are no output of a connection's
 * own: RSTs for segments that match no connection, and the rate-limited
 * challenge and out-of-window ACKs of RFC 5961.
 *
 * Read first: RFC 9293 §3.4.1 (ISN selection), RFC 6528 (ISN = M + F),
 * RFC 7323 §5.4 and RFC 6191 §2 (timestamp offsets),
 * RFC 6056 §3.3.3 (ephemeral port selection), RFC 9293 §3.7.1 and
 * RFC 7323 §2-3 (SYN options), RFC 9293 §3.10.7.1 (RST generation for
 * CLOSED), RFC 5961 §7 (ACK throttling).
 */
#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"

static void	tcp_unfile(struct xtcp_sock *);

static const char *const state_names[XT_TCPS_NSTATES] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
	"FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK",
	"TIME-WAIT"
};

const char *
xt_tcp_state_name(enum xt_tcp_state st)
{
	return ((unsigned)st < XT_TCPS_NSTATES ? state_names[st] : "?");
}

struct xtcp_sock *
xt_tcp_alloc(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;

	if (eng->ntcb >= eng->cfg.max_sockets)
		return (NULL);
	/* the timer heap's slot first, so that arming never needs memory */
	if (xt_tcp_timers_reserve(eng, eng->ntcb + 1) != XT_OK) {
		XT_STAT_INC(eng, tcp_sock_nomem);
		return (NULL);
	}
	/* the TCB alone: rings, ranges and the scoreboard take memory
	 * only once they have something to hold */
	if ((tp = xt_alloc(&eng->mem, sizeof(*tp))) == NULL) {
		XT_STAT_INC(eng, tcp_sock_nomem);
		return (NULL);
	}
	tp->eng = eng;
	tp->t_serial = eng->tm.serial++;
	tp->sndbuf_size = eng->cfg.sndbuf;
	tp->rcvbuf_size = eng->cfg.rcvbuf;
	if (xt_ring_init(&tp->snd_buf, &eng->mem, tp->sndbuf_size) != XT_OK ||
	    xt_ring_init(&tp->rcv_buf, &eng->mem, tp->rcvbuf_size) != XT_OK) {
		xt_free(&eng->mem, tp, sizeof(*tp));
		return (NULL);
	}
	(void)xt_asm_init(&tp->rcv_asm, &eng->mem, eng->cfg.reass_max_ranges);
	(void)xt_sack_init(&tp->t_sb, &eng->mem, eng->cfg.sack_maxholes);
	xt_rtt_init(&tp->t_rtt, eng->cfg.rto_init_ms * 1000,
	    eng->cfg.rto_min_ms * 1000, eng->cfg.rto_max_ms * 1000);
	tp->keep_idle_s = eng->cfg.keepidle_s;
	tp->keep_intvl_s = eng->cfg.keepintvl_s;
	tp->keep_cnt = eng->cfg.keepcnt;
	if (eng->cfg.always_keepalive)
		tp->t_flags |= XT_TF_KEEPALIVE;
	tp->t_cc = xt_cc_handle(xt_cc_find(eng->cfg.congestion));
	tp->t_initcwnd_segs = eng->cfg.initcwnd_segs;
	tp->t_linger2_s = -1;
	tp->t_pcat = XT_PCAT_NONE;	/* filed nowhere until xt_tcp_rehash */
	tp->next = eng->tcbs;
	if (eng->tcbs != NULL)
		eng->tcbs->prev = tp;
	eng->tcbs = tp;
	eng->ntcb++;
	return (tp);
}

/*
 * ---- a listener's children ----
 * One doubly linked list per listener, the accept queue first (up to
 * aq_tail, in arrival order), then the children still in their
 * handshake: taking one off or queueing it is O(1), and a listener that
 * goes away finds its children without a walk over every TCB.
 */

/* The lists on t_cnext/t_cprev (a listener's children, the engine's
 * SYN-SENT opens; a TCB is on one at most): put tp after `after` (NULL:
 * first) in the list at *head, or take it off. */
static void
clist_insert_after(struct xtcp_sock **head, struct xtcp_sock *after,
    struct xtcp_sock *tp)
{
	struct xtcp_sock **pn = after != NULL ? &after->t_cnext : head;

	tp->t_cprev = after;
	tp->t_cnext = *pn;
	if (tp->t_cnext != NULL)
		tp->t_cnext->t_cprev = tp;
	*pn = tp;
}

static void
clist_unlink(struct xtcp_sock **head, struct xtcp_sock *tp)
{
	if (tp->t_cprev != NULL)
		tp->t_cprev->t_cnext = tp->t_cnext;
	else
		*head = tp->t_cnext;
	if (tp->t_cnext != NULL)
		tp->t_cnext->t_cprev = tp->t_cprev;
	tp->t_cnext = tp->t_cprev = NULL;
}

/* Put child tp into lis's list after `after` (NULL: first). */
static void
child_insert_after(struct xtcp_sock *lis, struct xtcp_sock *after,
    struct xtcp_sock *tp)
{
	clist_insert_after(&lis->t_chead, after, tp);
}

static void
child_remove(struct xtcp_sock *lis, struct xtcp_sock *tp)
{
	/* the queue is a prefix: the one before its tail is queued too */
	if (lis->aq_tail == tp)
		lis->aq_tail = tp->t_cprev;
	clist_unlink(&lis->t_chead, tp);
}

void
xt_tcp_link_child(struct xtcp_sock *lis, struct xtcp_sock *tp)
{
	tp->t_listener = lis;
	tp->in_acceptq = 0;
	child_insert_after(lis, lis->aq_tail, tp);
	lis->t_qlen++;
}

/* Remove a child from its listener's bookkeeping. */
void
xt_tcp_unlink_child(struct xtcp_sock *tp)
{
	struct xtcp_sock *l = tp->t_listener;

	if (l == NULL)
		return;
	child_remove(l, tp);
	tp->in_acceptq = 0;
	l->t_qlen--;
	tp->t_listener = NULL;
}

struct xtcp_sock *
xt_tcp_accept_head(const struct xtcp_sock *lis)
{
	struct xtcp_sock *c = lis->t_chead;

	return (c != NULL && c->in_acceptq ? c : NULL);
}

void
xt_tcp_free(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xtcp_sock *c;

	xt_tcp_unlink_child(tp);
	/* and its half-open ones: they had no socket (tcp_syncache.c) */
	xt_syncache_destroy(tp);
	/* a listener going away takes its unaccepted children with it */
	while ((c = tp->t_chead) != NULL) {
		xt_tcp_unlink_child(c);
		c->t_flags |= XT_TF_ORPHAN;
		c->user = 0;
		if (c->state != XT_TCPS_CLOSED)
			xt_tcp_send_rst(c);
		xt_tcp_set_state(c, XT_TCPS_CLOSED);
		xt_tcp_free(c);
	}
	tcp_unfile(tp);
	if (tp->prev != NULL)
		tp->prev->next = tp->next;
	else
		eng->tcbs = tp->next;
	if (tp->next != NULL)
		tp->next->prev = tp->prev;
	eng->ntcb--;
	xt_tcp_timers_forget(tp);
	xt_tcp_timers_trim(eng);
	XT_STAT_INC(eng, tcp_closed);
	xt_ring_free(&tp->snd_buf);
	xt_ring_free(&tp->rcv_buf);
	xt_asm_free(&tp->rcv_asm);
	xt_sack_free(&tp->t_sb);
	xt_tcp_tmap_free(tp);
	xt_free(&eng->mem, tp, sizeof(*tp));
}

/*
 * ---- the demultiplexing tables ----
 * Three, all chained hash tables of the engine (xt_engine.h), each under
 * demux_key so that no peer can choose 4-tuples or ports that pile into
 * one chain (the key is derived from isn_key and reveals nothing of it):
 *
 *  conn_tab	every TCB with a peer (faddr set) that is not listening,
 *		in any state, CLOSED included while a program holds it;
 *		key (lport, faddr, fport), laddr compared in the chain
 *		(the engine has one address; a TCB with laddr 0 matches
 *		any).  Grown to the next power of two when it holds as
 *		many TCBs as buckets, halved below an eighth; a failed
 *		allocation keeps the old table, whose chains just grow
 *		longer.
 *  port_tab	one struct xt_port per local port that a socket is bound
 *		to (XT_TF_BOUND) or listens on: counts by XT_PCAT for the
 *		bind rules, and the list of listeners.
 *  synsent	the active opens still in SYN-SENT (tcp_neigh.c).
 *
 * What a TCB's filing depends on (lport, faddr, fport, laddr, state,
 * XT_TF_BOUND, SO_REUSEADDR, SO_REUSEPORT) changes only where
 * xt_tcp_rehash is called right after: xt_tcp_set_state, bind, listen,
 * connect, accept, a listener's stop, setsockopt and the child's birth
 * (tcp_listen.c).  xt_tcp_tables_check says whether that held.
 */
#define XT_DEMUX_MIN	64		/* buckets at first, and at least */
#define XT_DEMUX_MAX	(1u << 30)	/* buckets at most */

/* Sets the tables' inputs apart from the other hashes under isn_key
 * and under demux_key: ISN inputs are 12 bytes, the REUSEPORT pick's
 * second word has bit 63, a 4-tuple's second word is below 2^32. */
#define XT_DEMUX_DOMAIN	(1ULL << 62)

static uint32_t
conn_hash(const struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	return ((uint32_t)xt_siphash24_2u64(&eng->demux_key, faddr,
	    (uint64_t)lport << 16 | fport));
}

static uint32_t
port_hash(const struct xtcp_engine *eng, uint16_t port)
{
	return ((uint32_t)xt_siphash24_2u64(&eng->demux_key, port,
	    XT_DEMUX_DOMAIN));
}

int
xt_tcp_tables_init(struct xtcp_engine *eng)
{
	eng->demux_key.k0 = xt_siphash24_2u64(&eng->isn_key,
	    0x78756d6564ULL, XT_DEMUX_DOMAIN | 1);	/* "demux" */
	eng->demux_key.k1 = xt_siphash24_2u64(&eng->isn_key,
	    0x78756d6564ULL, XT_DEMUX_DOMAIN | 2);
	eng->conn_tab = xt_alloc(&eng->mem,
	    XT_DEMUX_MIN * sizeof(*eng->conn_tab));
	eng->port_tab = xt_alloc(&eng->mem,
	    XT_DEMUX_MIN * sizeof(*eng->port_tab));
	if (eng->conn_tab == NULL || eng->port_tab == NULL) {
		xt_free(&eng->mem, eng->conn_tab,
		    XT_DEMUX_MIN * sizeof(*eng->conn_tab));
		xt_free(&eng->mem, eng->port_tab,
		    XT_DEMUX_MIN * sizeof(*eng->port_tab));
		eng->conn_tab = NULL;
		eng->port_tab = NULL;
		return (XT_ENOMEM);
	}
	eng->conn_mask = eng->port_mask = XT_DEMUX_MIN - 1;
	/* and the timer heap's first slots: the tables' least size is
	 * there from the start, so that what TCBs cost is theirs alone */
	return (xt_tcp_timers_reserve(eng, 1));
}

/* After the last TCB and the TIME-WAIT table: every port entry went
 * with its last reference, but any left is given back too.  Again is a
 * no-op. */
void
xt_tcp_tables_free(struct xtcp_engine *eng)
{
	struct xt_port *pe, *next;
	uint32_t i;

	if (eng->port_tab != NULL)
		for (i = 0; i <= eng->port_mask; i++)
			for (pe = eng->port_tab[i]; pe != NULL; pe = next) {
				next = pe->p_next;
				xt_free(&eng->mem, pe, sizeof(*pe));
			}
	if (eng->conn_tab != NULL)
		xt_free(&eng->mem, eng->conn_tab,
		    (size_t)(eng->conn_mask + 1) * sizeof(*eng->conn_tab));
	if (eng->port_tab != NULL)
		xt_free(&eng->mem, eng->port_tab,
		    (size_t)(eng->port_mask + 1) * sizeof(*eng->port_tab));
	eng->nconn = eng->nport = 0;
	eng->conn_tab = NULL;
	eng->port_tab = NULL;
	eng->conn_mask = eng->port_mask = 0;
}

/* Buckets for n entries and one more: the least power of two above n
 * (in one step, should earlier growth have failed for want of memory). */
static uint32_t
demux_size(uint32_t n)
{
	uint32_t b = XT_DEMUX_MIN;

	while (b <= n && b < XT_DEMUX_MAX)
		b *= 2;
	return (b);
}

/* A chain through t_hnext/t_hpprev: a 4-tuple bucket or a port's
 * listeners. */
static void
chain_insert(struct xtcp_sock **head, struct xtcp_sock *tp)
{
	tp->t_hnext = *head;
	if (tp->t_hnext != NULL)
		tp->t_hnext->t_hpprev = &tp->t_hnext;
	*head = tp;
	tp->t_hpprev = head;
}

static void
chain_remove(struct xtcp_sock *tp)
{
	*tp->t_hpprev = tp->t_hnext;
	if (tp->t_hnext != NULL)
		tp->t_hnext->t_hpprev = tp->t_hpprev;
	tp->t_hnext = NULL;
	tp->t_hpprev = NULL;
}

/* Rebuild conn_tab with n buckets (a power of two); on no memory the
 * old one stays. */
static void
conn_resize(struct xtcp_engine *eng, uint32_t n)
{
	struct xtcp_sock **nt, *tp, *next;
	uint32_t i;

	if (eng->demux_nomem ||
	    (nt = xt_alloc(&eng->mem, (size_t)n * sizeof(*nt))) == NULL)
		return;
	for (i = 0; i <= eng->conn_mask; i++)
		for (tp = eng->conn_tab[i]; tp != NULL; tp = next) {
			next = tp->t_hnext;
			chain_insert(&nt[tp->t_hash & (n - 1)], tp);
		}
	xt_free(&eng->mem, eng->conn_tab,
	    (size_t)(eng->conn_mask + 1) * sizeof(*eng->conn_tab));
	eng->conn_tab = nt;
	eng->conn_mask = n - 1;
}

static void
conn_insert(struct xtcp_engine *eng, struct xtcp_sock *tp, uint32_t h)
{
	if (eng->nconn > eng->conn_mask && eng->conn_mask < XT_DEMUX_MAX - 1)
		conn_resize(eng, demux_size(eng->nconn));
	tp->t_hash = h;
	chain_insert(&eng->conn_tab[h & eng->conn_mask], tp);
	tp->t_filed |= XT_FILED_CONN;
	eng->nconn++;
}

static void
conn_remove(struct xtcp_engine *eng, struct xtcp_sock *tp)
{
	chain_remove(tp);
	tp->t_filed &= ~XT_FILED_CONN;
	eng->nconn--;
	if (eng->nconn < (eng->conn_mask + 1) / 8 &&
	    eng->conn_mask + 1 > XT_DEMUX_MIN)
		conn_resize(eng, (eng->conn_mask + 1) / 2);
}

/* Rebuild port_tab with n buckets; on no memory the old one stays. */
static void
port_resize(struct xtcp_engine *eng, uint32_t n)
{
	struct xt_port **nt, *pe, *next;
	uint32_t i, b;

	if (eng->demux_nomem ||
	    (nt = xt_alloc(&eng->mem, (size_t)n * sizeof(*nt))) == NULL)
		return;
	for (i = 0; i <= eng->port_mask; i++)
		for (pe = eng->port_tab[i]; pe != NULL; pe = next) {
			next = pe->p_next;
			b = port_hash(eng, pe->p_port) & (n - 1);
			pe->p_next = nt[b];
			nt[b] = pe;
		}
	xt_free(&eng->mem, eng->port_tab,
	    (size_t)(eng->port_mask + 1) * sizeof(*eng->port_tab));
	eng->port_tab = nt;
	eng->port_mask = n - 1;
}

static struct xt_port *
port_find(struct xtcp_engine *eng, uint16_t port)
{
	struct xt_port *pe;

	for (pe = eng->port_tab[port_hash(eng, port) & eng->port_mask];
	    pe != NULL; pe = pe->p_next) {
		eng->demux_probes++;
		if (pe->p_port == port)
			return (pe);
	}
	return (NULL);
}

/* The entry of port, made if new; NULL when that needs memory there is
 * not.  It lives while a TCB refers to it (p_nref) or a TIME-WAIT entry
 * is on the port (p_ntw). */
static struct xt_port *
port_get(struct xtcp_engine *eng, uint16_t port)
{
	struct xt_port *pe, **b;

	if ((pe = port_find(eng, port)) != NULL)
		return (pe);
	if (eng->demux_nomem ||
	    (pe = xt_alloc(&eng->mem, sizeof(*pe))) == NULL)
		return (NULL);
	pe->p_port = port;
	if (eng->nport > eng->port_mask)
		port_resize(eng, demux_size(eng->nport));
	b = &eng->port_tab[port_hash(eng, port) & eng->port_mask];
	pe->p_next = *b;
	*b = pe;
	eng->nport++;
	if (XT_PORTS_SHARED(eng))	/* the shared address's map */
		(void)XT_PORTS_ASK(eng, XTCP_PORTS_USE, port);
	return (pe);
}

/* pe has lost a reference: freed when it has none left. */
static void
port_drop(struct xtcp_engine *eng, struct xt_port *pe)
{
	struct xt_port **pp;

	if (pe->p_nref > 0 || pe->p_ntw > 0)
		return;
	for (pp = &eng->port_tab[port_hash(eng, pe->p_port) &
	    eng->port_mask]; *pp != NULL; pp = &(*pp)->p_next)
		if (*pp == pe) {
			*pp = pe->p_next;
			break;
		}
	if (XT_PORTS_SHARED(eng))
		(void)XT_PORTS_ASK(eng, XTCP_PORTS_UNUSE, pe->p_port);
	xt_free(&eng->mem, pe, sizeof(*pe));
	eng->nport--;
	if (eng->nport < (eng->port_mask + 1) / 8 &&
	    eng->port_mask + 1 > XT_DEMUX_MIN)
		port_resize(eng, (eng->port_mask + 1) / 2);
}

/* One TCB less refers to pe. */
static void
port_put(struct xtcp_engine *eng, struct xt_port *pe)
{
	pe->p_nref--;
	port_drop(eng, pe);
}

uint64_t
xt_tcp_tables_bytes(const struct xtcp_engine *eng)
{
	uint64_t b;

	b = (uint64_t)(eng->conn_tab != NULL ? eng->conn_mask + 1 : 0) *
	    sizeof(*eng->conn_tab);
	b += (uint64_t)(eng->port_tab != NULL ? eng->port_mask + 1 : 0) *
	    sizeof(*eng->port_tab);
	b += (uint64_t)eng->nport * sizeof(struct xt_port);
	b += (uint64_t)eng->tm.cap *
	    (sizeof(*eng->tm.heap) + sizeof(*eng->tm.due));
	return (b + xt_tw_bytes(eng));
}

uint32_t
xt_tcp_port_ntw(struct xtcp_engine *eng, uint16_t port)
{
	struct xt_port *pe = port_find(eng, port);

	return (pe != NULL ? pe->p_ntw : 0);
}

int
xt_tcp_port_tw(struct xtcp_engine *eng, uint16_t port, int d)
{
	struct xt_port *pe;

	if (d > 0) {
		if ((pe = port_get(eng, port)) == NULL)
			return (XT_ENOBUFS);
		pe->p_ntw++;
		return (XT_OK);
	}
	if (eng->port_tab != NULL && (pe = port_find(eng, port)) != NULL &&
	    pe->p_ntw > 0) {
		pe->p_ntw--;
		port_drop(eng, pe);
	}
	return (XT_OK);
}

/* What tp counts as on its port when bound (XT_PCAT, XT_PCAT_UNCONN). */
static uint8_t
port_cat(const struct xtcp_sock *tp)
{
	int cls = XT_PCLS_OTHER;
	uint8_t c;

	if (tp->state == XT_TCPS_LISTEN)
		cls = XT_PCLS_LISTEN;
	else if (tp->state == XT_TCPS_TIME_WAIT)
		cls = XT_PCLS_TIMEWAIT;
	c = (uint8_t)XT_PCAT((tp->t_flags & XT_TF_REUSEADDR) != 0,
	    (tp->t_flags & XT_TF_REUSEPORT) != 0, cls);
	if (tp->faddr == 0)
		c |= XT_PCAT_UNCONN;
	return (c);
}

static void
port_count(struct xt_port *pe, uint8_t cat, int d)
{
	pe->p_nbound += (uint32_t)d;
	if (cat & XT_PCAT_UNCONN)
		pe->p_nunconn += (uint32_t)d;
	pe->p_ncat[cat & ~XT_PCAT_UNCONN] += (uint32_t)d;
}

/* The engine's SYN-SENT list, through t_cnext/t_cprev (an active open
 * is nobody's child). */
static void
synsent_file(struct xtcp_engine *eng, struct xtcp_sock *tp, int in)
{
	if (in) {
		clist_insert_after(&eng->synsent, NULL, tp);
		tp->t_filed |= XT_FILED_SYNSENT;
		return;
	}
	clist_unlink(&eng->synsent, tp);
	tp->t_filed &= ~XT_FILED_SYNSENT;
}

/* The port part of filing: pe is tp's port entry from now on (NULL for
 * none), bound and listening say what it counts as there. */
static void
port_file(struct xtcp_sock *tp, struct xt_port *pe, int bound, int lis)
{
	struct xt_port *old = tp->t_port;
	uint8_t cat = bound ? port_cat(tp) : XT_PCAT_NONE;

	if (pe != NULL)
		pe->p_nref++;		/* old may be pe: hold it first */
	if (pe != old || cat != tp->t_pcat) {
		if (tp->t_pcat != XT_PCAT_NONE)
			port_count(old, tp->t_pcat, -1);
		if (cat != XT_PCAT_NONE)
			port_count(pe, cat, 1);
		tp->t_pcat = cat;
	}
	if ((tp->t_filed & XT_FILED_LISTEN) && (!lis || pe != old)) {
		chain_remove(tp);
		tp->t_filed &= ~XT_FILED_LISTEN;
	}
	if (lis && !(tp->t_filed & XT_FILED_LISTEN)) {
		/* the last to listen first, as the TCB list had them */
		chain_insert(&pe->p_listeners, tp);
		tp->t_filed |= XT_FILED_LISTEN;
	}
	tp->t_port = pe;
	if (old != NULL)
		port_put(tp->eng, old);
}

int
xt_tcp_rehash(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	struct xt_port *pe = NULL;
	int lis, bound, conn, syn, err = XT_OK;
	uint32_t h;

	lis = tp->state == XT_TCPS_LISTEN && tp->lport != 0;
	bound = (tp->t_flags & XT_TF_BOUND) && tp->lport != 0;
	conn = !lis && tp->lport != 0 && tp->faddr != 0;
	syn = tp->state == XT_TCPS_SYN_SENT && tp->t_listener == NULL;

	/* out of the 4-tuple table first: t_hnext may be wanted for the
	 * port's listeners (the same hash is the same bucket: no move) */
	h = conn ? conn_hash(eng, tp->lport, tp->faddr, tp->fport) : 0;
	if ((tp->t_filed & XT_FILED_CONN) && (!conn || h != tp->t_hash))
		conn_remove(eng, tp);

	/* the port: the one step that may need memory */
	if (bound || lis) {
		pe = tp->t_port;
		if (pe == NULL || pe->p_port != tp->lport)
			pe = port_get(eng, tp->lport);
		if (pe == NULL) {
			err = XT_ENOBUFS;
			bound = lis = 0;
		}
	}
	port_file(tp, pe, bound, lis);

	if (conn && !(tp->t_filed & XT_FILED_CONN))
		conn_insert(eng, tp, h);

	if (syn != ((tp->t_filed & XT_FILED_SYNSENT) != 0))
		synsent_file(eng, tp, syn);
	return (err);
}

/* Is tp in the chain at head? */
static int
chain_has(struct xtcp_sock *head, const struct xtcp_sock *tp)
{
	for (; head != NULL; head = head->t_hnext)
		if (head == tp)
			return (1);
	return (0);
}

/* Take (d = -1) or give back (d = 1) every bound TCB's share of its
 * port's counts: taken, every count must be 0. */
static void
tables_tally(struct xtcp_engine *eng, int d)
{
	struct xtcp_sock *tp;

	XT_TCP_FOREACH(eng, tp) {
		if (tp->t_port == NULL)
			continue;
		tp->t_port->p_nref += (uint32_t)d;
		if (tp->t_pcat != XT_PCAT_NONE)
			port_count(tp->t_port, tp->t_pcat, d);
	}
}

/* Every TCB filed as xt_tcp_rehash would file it now. */
static const char *
tables_check_tcbs(struct xtcp_engine *eng, uint32_t *nconn, uint32_t *nsyn)
{
	struct xtcp_sock *tp, *c;
	uint32_t n;
	int lis, bound, conn, syn;

	XT_TCP_FOREACH(eng, tp) {
		lis = tp->state == XT_TCPS_LISTEN && tp->lport != 0;
		bound = (tp->t_flags & XT_TF_BOUND) && tp->lport != 0;
		conn = !lis && tp->lport != 0 && tp->faddr != 0;
		syn = tp->state == XT_TCPS_SYN_SENT && tp->t_listener == NULL;
		if (conn != ((tp->t_filed & XT_FILED_CONN) != 0))
			return ("a TCB wrongly in or out of the 4-tuple table");
		if (conn && (tp->t_hash != conn_hash(eng, tp->lport,
		    tp->faddr, tp->fport) || !chain_has(eng->conn_tab[
		    tp->t_hash & eng->conn_mask], tp)))
			return ("a TCB is not in its 4-tuple's bucket");
		if (lis != ((tp->t_filed & XT_FILED_LISTEN) != 0))
			return ("a TCB wrongly in or out of the listeners");
		if (syn != ((tp->t_filed & XT_FILED_SYNSENT) != 0))
			return ("a TCB wrongly in or out of the SYN-SENT list");
		*nconn += (uint32_t)conn;
		*nsyn += (uint32_t)syn;
		if (tp->state != XT_TCPS_LISTEN && tp->t_chead != NULL)
			return ("a TCB that does not listen has children");
		n = 0;
		for (c = tp->t_chead; c != NULL; c = c->t_cnext) {
			if (c->t_listener != tp || (c->t_cprev == NULL ?
			    tp->t_chead != c : c->t_cprev->t_cnext != c))
				return ("a listener's child list is broken");
			if (c->in_acceptq && c->t_cprev != NULL &&
			    !c->t_cprev->in_acceptq)
				return ("the accept queue is not first");
			if (c->in_acceptq && c->t_cnext != NULL &&
			    !c->t_cnext->in_acceptq && tp->aq_tail != c)
				return ("aq_tail is not the queue's last");
			n++;
		}
		if (n != tp->t_qlen)
			return ("a listener's child list misses some");
		if (!bound && !lis) {
			if (tp->t_port != NULL || tp->t_pcat != XT_PCAT_NONE)
				return ("a TCB on no port has a port entry");
			continue;
		}
		if (tp->t_port == NULL || tp->t_port->p_port != tp->lport ||
		    port_find(eng, tp->lport) != tp->t_port)
			return ("a bound TCB lacks its port's entry");
		if (tp->t_pcat != (bound ? port_cat(tp) : XT_PCAT_NONE))
			return ("a TCB counts as the wrong category");
		if (lis && !chain_has(tp->t_port->p_listeners, tp))
			return ("a listener is not in its port's list");
	}
	return (NULL);
}

/* Every port entry, with the TCBs' shares taken off its counts. */
static const char *
tables_check_ports(struct xtcp_engine *eng)
{
	struct xt_port *pe;
	struct xtcp_sock *tp;
	uint32_t i, n = 0, ntw = 0;
	unsigned c;

	for (i = 0; i <= eng->port_mask; i++)
		for (pe = eng->port_tab[i]; pe != NULL; pe = pe->p_next) {
			n++;
			ntw += pe->p_ntw;
			if ((port_hash(eng, pe->p_port) & eng->port_mask) != i)
				return ("a port entry in the wrong bucket");
			if (pe->p_nref != 0 || pe->p_nbound != 0 ||
			    pe->p_nunconn != 0)
				return ("a port's counts are wrong");
			for (c = 0; c < XT_PCAT_N; c++)
				if (pe->p_ncat[c] != 0)
					return ("a port's categories are wrong");
			for (tp = pe->p_listeners; tp != NULL;
			    tp = tp->t_hnext)
				if (tp->t_port != pe ||
				    !(tp->t_filed & XT_FILED_LISTEN))
					return ("a stranger among listeners");
		}
	if (ntw != xt_tw_count(eng))
		return ("the ports' TIME-WAIT counts are wrong");
	return (n == eng->nport ? NULL : "the count of ports is wrong");
}

/* Tests and the fuzzer; O(TCBs + buckets + ports), and it changes
 * nothing (the counts it takes off, it gives back). */
const char *
xt_tcp_tables_check(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;
	uint32_t nconn = 0, nsyn = 0, n = 0, i;
	const char *why;

	if ((why = tables_check_tcbs(eng, &nconn, &nsyn)) != NULL)
		return (why);
	if (nconn != eng->nconn)
		return ("the count of connections is wrong");
	for (i = 0; i <= eng->conn_mask; i++)
		for (tp = eng->conn_tab[i]; tp != NULL; tp = tp->t_hnext)
			if (!(tp->t_filed & XT_FILED_CONN) ||
			    (tp->t_hash & eng->conn_mask) != i || ++n > nconn)
				return ("a stranger in the 4-tuple table");
	for (n = 0, tp = eng->synsent; tp != NULL; tp = tp->t_cnext)
		if (!(tp->t_filed & XT_FILED_SYNSENT) || ++n > nsyn)
			return ("a stranger in the SYN-SENT list");
	if (n != nsyn)
		return ("the SYN-SENT list misses some");
	tables_tally(eng, -1);
	why = tables_check_ports(eng);
	tables_tally(eng, 1);
	if (why == NULL)
		why = xt_tw_check(eng);
	return (why);
}

/* Out of every table, before the TCB is freed. */
static void
tcp_unfile(struct xtcp_sock *tp)
{
	port_file(tp, NULL, 0, 0);
	if (tp->t_filed & XT_FILED_CONN)
		conn_remove(tp->eng, tp);
	if (tp->t_filed & XT_FILED_SYNSENT)
		synsent_file(tp->eng, tp, 0);
}

/* Sets the listener-choice hash apart from the ISN's F() under the same
 * key: no ISN input has this bit (the two never hash the same words). */
#define XT_REUSEPORT_DOMAIN	(1ULL << 63)

/*
 * Demultiplex: an exact 4-tuple match wins; else, if want_listen, a
 * listener on lport.  One bucket of conn_tab, then one of port_tab and
 * the listeners of that port: the work does not grow with the number of
 * connections (demux_probes counts it for the tests).
 */
struct xtcp_sock *
xt_tcp_lookup(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport, int want_listen)
{
	struct xtcp_sock *tp;

	eng->demux_lookups++;
	for (tp = eng->conn_tab[conn_hash(eng, lport, faddr, fport) &
	    eng->conn_mask]; tp != NULL; tp = tp->t_hnext) {
		eng->demux_probes++;
		if (tp->lport != lport || tp->fport != fport ||
		    tp->faddr != faddr || tp->state == XT_TCPS_CLOSED)
			continue;
		if (tp->laddr == laddr || tp->laddr == 0)
			return (tp);
	}
	if (!want_listen)
		return (NULL);
	return (xt_tcp_lookup_listener(eng, laddr, lport, faddr, fport));
}

/* The listener that takes a new connection from faddr:fport, or NULL. */
struct xtcp_sock *
xt_tcp_lookup_listener(struct xtcp_engine *eng, uint32_t laddr,
    uint16_t lport, uint32_t faddr, uint16_t fport)
{
	struct xt_port *pe;
	struct xtcp_sock *tp;
	uint32_t nlis = 0, pick;

	if ((pe = port_find(eng, lport)) == NULL)
		return (NULL);
	for (tp = pe->p_listeners; tp != NULL; tp = tp->t_hnext) {
		eng->demux_probes++;
		if (tp->laddr == 0 || tp->laddr == laddr)
			nlis++;
	}
	if (nlis == 0)
		return (NULL);
	/* SO_REUSEPORT listeners share the connections by a keyed hash of
	 * the 4-tuple scaled to their number, as Linux spreads them
	 * (reuseport_select_sock, reciprocal_scale); the hash must mix
	 * well: a Linux client's ports are all even */
	pick = (uint32_t)(((xt_siphash24_2u64(&eng->isn_key,
	    (uint64_t)laddr << 32 | faddr,
	    XT_REUSEPORT_DOMAIN | (uint64_t)lport << 16 | fport) &
	    0xffffffffu) * nlis) >> 32);
	for (tp = pe->p_listeners; tp != NULL; tp = tp->t_hnext)
		if ((tp->laddr == 0 || tp->laddr == laddr) && pick-- == 0)
			break;
	return (tp);
}

/* Big-endian stores for keyed-hash inputs. */
static uint8_t *
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return (p + 4);
}

static uint8_t *
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return (p + 2);
}

/* The connection's identity as keyed-hash input, 12 bytes: local
 * address, local port, remote address, remote port, network order. */
static void
tuple_bytes(uint8_t b[12], uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	b = put_be32(b, laddr);
	b = put_be16(b, lport);
	b = put_be32(b, faddr);
	(void)put_be16(b, fport);
}

xt_seq_t
xt_tcp_new_isn(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport)
{
	uint8_t b[12];
	uint64_t f;

	/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
	 * remoteport, secretkey), F = SipHash-2-4 under the ISN key alone;
	 * M ticks every 4 µs (RFC 9293 §3.4.1). */
	tuple_bytes(b, laddr, lport, faddr, fport);
	f = xt_siphash24(&eng->isn_key, b, sizeof(b));
	return ((xt_seq_t)(eng->now / 4) + (xt_seq_t)f);
}

/*
 * RFC 7323 §5.4: TSval = the millisecond clock plus an offset an outsider
 * cannot guess, a keyed hash under its own key.  By default
 * (ts_offset_per_conn, as FreeBSD, and as Linux 6.18 does when measured
 * here) the 4-tuple decides: one 4-tuple's TSvals still grow from one
 * connection to the next, since the key stays (the shim keeps it with the
 * address lease, across processes), so a reused 4-tuple's SYN passes
 * PAWS at a peer still in TIME-WAIT for it (RFC 6191 §2).  With 0 the
 * address pair decides (Linux 4.11 to 6.x): TSvals grow towards a peer
 * across all its 4-tuples, but a peer learns that every connection shares
 * one clock.  The two inputs differ in length and never collide.
 */
uint32_t
xt_tcp_ts_offset(struct xtcp_engine *eng, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport)
{
	uint8_t b[12];

	if (eng->cfg.ts_offset_per_conn) {
		tuple_bytes(b, laddr, lport, faddr, fport);
		return ((uint32_t)xt_siphash24(&eng->ts_key, b, 12));
	}
	(void)put_be32(put_be32(b, laddr), faddr);
	return ((uint32_t)xt_siphash24(&eng->ts_key, b, 8));
}

/*
 * Would a bind of self to port conflict with a bound socket?  Counted by
 * category on the port's entry, so O(1) however many sockets share it.
 */
int
xt_tcp_port_in_use(struct xtcp_engine *eng, uint16_t port,
    const struct xtcp_sock *self)
{
	struct xt_port *pe;
	uint32_t n;
	int sra, srp, ra, rp, cls, c;

	sra = (self->t_flags & XT_TF_REUSEADDR) != 0;
	if ((pe = port_find(eng, port)) == NULL)
		return (0);
	/* a closed connection in TIME-WAIT keeps its port from a bind
	 * without SO_REUSEADDR (tcp_timewait.c counts them on the port) */
	if (!sra && pe->p_ntw != 0)
		return (1);
	srp = (self->t_flags & XT_TF_REUSEPORT) != 0;
	for (c = 0; c < XT_PCAT_N; c++) {
		n = pe->p_ncat[c];
		if (self->t_port == pe && self->t_pcat != XT_PCAT_NONE &&
		    (self->t_pcat & ~XT_PCAT_UNCONN) == c)
			n--;		/* not with itself */
		if (n == 0)
			continue;
		ra = (c >> 1) & 1;
		rp = c & 1;
		cls = c / 4;
		/* SO_REUSEADDR lets a new socket share a port with
		 * connections that are not listening (Linux semantics). */
		if (sra && ra && cls != XT_PCLS_LISTEN)
			continue;
		if (sra && cls == XT_PCLS_TIMEWAIT)
			continue;
		/* SO_REUSEPORT on both: they share the port (Linux) */
		if (srp && rp)
			continue;
		return (1);
	}
	return (0);
}

/* Is the 4-tuple taken by a connection in any state, or the port by a
 * listener? */
static int
tuple_in_use(struct xtcp_engine *eng, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	struct xt_port *pe;
	struct xtcp_sock *tp;

	if ((pe = port_find(eng, lport)) != NULL && pe->p_listeners != NULL)
		return (1);
	for (tp = eng->conn_tab[conn_hash(eng, lport, faddr, fport) &
	    eng->conn_mask]; tp != NULL; tp = tp->t_hnext) {
		eng->demux_probes++;
		if (tp->lport == lport && tp->faddr == faddr &&
		    tp->fport == fport)
			return (1);
	}
	/* a TIME-WAIT entry of ours holds it, unless XTCP_TW_REUSE lets a
	 * connect take it over (then it is gone) */
	return (xt_tw_holds(eng, lport, faddr, fport));
}

/* Is port p bound, by any socket or (unconnected) by one with no peer:
 * a listener or a socket bound and not connected? */
static int
port_bound(struct xtcp_engine *eng, uint16_t p, int unconnected)
{
	struct xt_port *pe;

	if ((pe = port_find(eng, p)) == NULL)
		return (0);
	return ((unconnected ? pe->p_nunconn : pe->p_nbound) > 0);
}

/*
 * RFC 6056 §3.3.3 (Algorithm 3, simple hash-based): the search starts at
 * a keyed hash of (local address, remote address, remote port) plus the
 * address's counter and goes up one port per probe; the counter moves on
 * by the probes used.  So successive connections to one destination walk
 * the range in order, a 4-tuple comes back only after the whole range
 * went by (its last TIME-WAIT at the peer long over, or its timestamps
 * newer: RFC 6191), and another destination starts elsewhere.  The shim
 * keeps the counter and the port key with the address, so the next
 * process on it continues the walk (xtcp_engine_port_counter).  For
 * connect (faddr set) a port is free if the 4-tuple is; for bind, if no
 * socket has it.
 */
int
xt_tcp_pick_port(struct xtcp_engine *eng, uint32_t faddr, uint16_t fport,
    uint16_t *port)
{
	uint32_t lo = eng->cfg.port_lo, n = eng->cfg.port_hi - lo + 1;
	uint32_t start = xt_tcp_port_offset(eng, faddr, fport) % n, from, i;
	uint16_t p;
	int used, pass, r;

	/* both terms below n: the sum never wraps */
	start = (start + eng->port_ctr % n) % n;
	/*
	 * An address shared with other processes: the walk first visits
	 * only the ports of blocks this process holds, and leases a new
	 * block (pass 1) only when none of those is free, skipping the
	 * blocks others hold.  That first walk goes on after the port it
	 * took last, not from the hash, so every held port is used once
	 * before any comes back: a port freed a moment ago (the peer's
	 * TIME-WAIT may still hold its 4-tuple) is the last to be taken
	 * again, not the first.
	 */
	for (pass = XT_PORTS_SHARED(eng) ? 0 : 1; pass < 2; pass++) {
		from = start;
		if (pass == 0 && eng->port_last >= lo &&
		    (uint32_t)(eng->port_last - lo) < n)
			from = (uint32_t)(eng->port_last - lo) + 1;
		for (i = 0; i < n; i++) {
			p = (uint16_t)(lo + (from + i) % n);
			if (XT_PORTS_SHARED(eng) &&
			    XT_PORTS_ASK(eng, XTCP_PORTS_HELD, p) != 0) {
				if (pass == 0)
					continue;
				r = XT_PORTS_ASK(eng, XTCP_PORTS_LEASE, p);
				if (r != 0) {
					/* r ports from p on are others' */
					if ((uint32_t)r > 1 &&
					    (start + i) % n + (uint32_t)r <= n)
						i += (uint32_t)r - 1;
					continue;
				}
			}
			/* for connect, never share with a listener or a
			 * bound socket either */
			if (faddr != 0)
				used = port_bound(eng, p, 1) ||
				    tuple_in_use(eng, p, faddr, fport);
			else
				used = port_bound(eng, p, 0);
			if (!used) {
				eng->port_ctr += i + 1;
				eng->port_last = p;
				*port = p;
				return (XT_OK);
			}
		}
	}
	eng->port_ctr += n;
	return (XT_EADDRNOTAVAIL);
}

/* RFC 6056 §3.3.3 F(): where the walk towards faddr:fport starts, under
 * the port key alone (so that a port tells nothing of the other keys). */
uint32_t
xt_tcp_port_offset(struct xtcp_engine *eng, uint32_t faddr, uint16_t fport)
{
	uint8_t b[10];

	(void)put_be16(put_be32(put_be32(b, eng->cfg.addr), faddr), fport);
	return ((uint32_t)xt_siphash24(&eng->port_key, b, sizeof(b)));
}

/* A child of a listener is ready for accept(): to the accept queue's
 * end, which is just before its first child still in the handshake. */
void
xt_tcp_enqueue_accept(struct xtcp_sock *tp)
{
	struct xtcp_sock *lis = tp->t_listener;

	if (lis == NULL || tp->in_acceptq)
		return;
	child_remove(lis, tp);
	child_insert_after(lis, lis->aq_tail, tp);
	lis->aq_tail = tp;
	tp->in_acceptq = 1;
	lis->t_evseq++;
	xt_tcp_wakeup(tp);
}

void
xt_tcp_set_state(struct xtcp_sock *tp, enum xt_tcp_state st)
{
	if (tp->state == st)
		return;
	if (tp->eng->cfg.log_level >= XTCP_LOG_DEBUG) {
		char c[XT_CONNSTR_LEN];

		xt_log(tp->eng, XTCP_LOG_DEBUG, "tcp %s: %s to %s",
		    xt_fmt_conn(c, sizeof(c), tp->laddr != 0 ? tp->laddr :
		    tp->eng->cfg.addr, tp->lport, tp->faddr, tp->fport),
		    xt_tcp_state_name(tp->state), xt_tcp_state_name(st));
	}
	tp->state = st;
	if (st == XT_TCPS_ESTABLISHED)
		tp->t_flags |= XT_TF_WASCONN;
	/* LISTEN, TIME-WAIT and SYN-SENT file it elsewhere; no new port
	 * entry is needed (listen filed the port before), so it cannot
	 * fail */
	(void)xt_tcp_rehash(tp);
}

void
xt_tcp_wakeup(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	if (tp->user != 0 && eng->proc->wakeup != NULL)
		eng->proc->wakeup(eng->proc->cb_arg, tp->user);
	/* a child becoming ready wakes whoever waits in accept() */
	if (tp->t_listener != NULL && tp->in_acceptq &&
	    tp->t_listener->user != 0 && eng->proc->wakeup != NULL)
		eng->proc->wakeup(eng->proc->cb_arg, tp->t_listener->user);
}

int
xt_tcp_maybe_free(struct xtcp_sock *tp)
{
	if (tp->state == XT_TCPS_CLOSED && (tp->t_flags & XT_TF_ORPHAN)) {
		xt_tcp_free(tp);
		return (1);
	}
	return (0);
}

void
xt_tcp_drop(struct xtcp_sock *tp, int err)
{
	if (err != XT_OK)
		tp->so_error = err;
	tp->t_evseq++;
	xt_tcp_timers_stop(tp);
	tp->t_flags |= XT_TF_RCVSHUT;
	xt_tcp_set_state(tp, XT_TCPS_CLOSED);
	/* a child that dies before accept() leaves the queue quietly */
	if (tp->t_listener != NULL) {
		tp->t_flags |= XT_TF_ORPHAN;
		xt_tcp_unlink_child(tp);
	}
	xt_tcp_wakeup(tp);
	xt_tcp_maybe_free(tp);
}

/*
 * Free receive space: the buffer's size less what it holds, whatever
 * storage it has (storage comes as data does).  Only while memory is
 * short (tcp_input.c) is it what the storage already held can take.
 */
uint32_t
xt_tcp_rcv_space(const struct xtcp_sock *tp)
{
	uint32_t held;

	if (tp->t_rcv_memshort) {
		held = xt_ring_size(&tp->rcv_buf) - xt_ring_len(&tp->rcv_buf);
		if (held < xt_ring_space(&tp->rcv_buf))
			return (held);
	}
	return (xt_ring_space(&tp->rcv_buf));
}

void
xt_tcp_mss_ws(const struct xtcp_engine *eng, uint16_t user_mss,
    uint32_t rcvbuf, int rcvbuf_locked, uint16_t *advmss, uint8_t *wsp)
{
	uint32_t mss = eng->mtu - 40;	/* RFC 9293 §3.7.1 */
	uint8_t ws = 0;

	if (user_mss != 0 && user_mss < mss)
		mss = user_mss;
	*advmss = (uint16_t)(mss > 65535 ? 65535 : mss);
	/* RFC 7323 §2.2: the smallest shift that covers the buffer */
	/* with autotuning the buffer may grow to rmem_max: the shift must
	 * already cover that (it is fixed at the SYN, RFC 7323 §2.2) */
	while (ws < XT_TCP_MAX_WS && ((eng->cfg.autotune && !rcvbuf_locked &&
	    eng->cfg.rmem_max > rcvbuf ? eng->cfg.rmem_max : rcvbuf) >> ws) >
	    65535)
		ws++;
	*wsp = ws;
}

/* MSS and window scale from buffer sizes and the MTU. */
void
xt_tcp_init_buffers_mss(struct xtcp_sock *tp)
{
	xt_tcp_mss_ws(tp->eng, tp->t_user_mss, tp->rcvbuf_size,
	    tp->t_rcvbuf_locked, &tp->t_advmss, &tp->request_scale);
}

/* RFC 9293 §3.10.7.1: the reply to a segment for no connection. */
void
xt_tcp_respond_rst(struct xtcp_engine *eng, uint32_t laddr, uint32_t faddr,
    const struct xt_tcp_repr *th, size_t seglen)
{
	struct xt_tcp_repr r;
	uint8_t *p;
	size_t hl;

	(void)laddr;
	if (th->flags & XT_TH_RST)
		return;
	memset(&r, 0, sizeof(r));
	r.sport = th->dport;
	r.dport = th->sport;
	if (th->flags & XT_TH_ACK) {
		r.seq = th->ack;
		r.flags = XT_TH_RST;
	} else {
		r.seq = 0;
		r.ack = th->seq + (uint32_t)seglen;
		r.flags = XT_TH_RST | XT_TH_ACK;
	}
	p = xt_tx_begin(eng);
	hl = xt_tcp_emit_hdr(&r, p);
	xt_tcp_fill_csum(p, hl, eng->cfg.addr, faddr);
	if (xt_tx_commit(eng, faddr, XT_IPPROTO_TCP, 0, 0, hl, NULL) == XT_OK) {
		XT_STAT_INC(eng, tcp_snd_total);
		XT_STAT_INC(eng, tcp_snd_rst);
	}
}

/*
 * RFC 9293 §3.10.7.1: a segment for no connection (CLOSED).  Counted,
 * logged as FreeBSD's log_in_vain asks, dropped silently as its
 * blackhole asks (tcp(4)), else answered with an RST.
 */
void
xt_tcp_closed_input(struct xtcp_engine *eng, uint32_t src, uint32_t dst,
    const struct xt_tcp_seg *sg)
{
	const struct xt_tcp_repr *th = &sg->th;

	/* a port of another process on the address: its own filter passed
	 * the segment to it, and it answers */
	if (XT_PORTS_SHARED(eng) &&
	    XT_PORTS_ASK(eng, XTCP_PORTS_ANSWER, th->dport) == 0) {
		XT_STAT_INC(eng, tcp_rcv_otherport);
		return;
	}
	XT_STAT_INC(eng, tcp_rcv_noport);
	if (eng->cfg.log_in_vain >= 2 || (eng->cfg.log_in_vain == 1 &&
	    (th->flags & (XT_TH_SYN | XT_TH_ACK)) == XT_TH_SYN))
	{
		char c[XT_CONNSTR_LEN];

		/* the peer first: the attempt came from it */
		xt_log(eng, XTCP_LOG_INFO, "connection attempt %s, no "
		    "listener, flags %#x", xt_fmt_conn(c, sizeof(c), src,
		    th->sport, dst, th->dport), th->flags);
	}
	if (eng->cfg.blackhole >= 2 || (eng->cfg.blackhole == 1 &&
	    (th->flags & XT_TH_SYN))) {
		XT_STAT_INC(eng, tcp_rcv_blackholed);
		return;
	}
	xt_tcp_respond_rst(eng, dst, src, th, sg->seglen);
}

/*
 * RFC 5961 §7 (as Linux tcp_invalid_ratelimit): at most one ACK per
 * interval per connection in reply to a segment that proves nothing:
 * challenge ACKs, and ACKs to out-of-window or PAWS-failed segments that
 * hold no data (data and FINs are always answered: they may be a
 * retransmission whose ACK was lost; Linux tcp_oow_rate_limited).  Kept
 * per connection: a limit shared by all connections tells an off-path
 * attacker which of its guesses hit (CVE-2016-5696).  *last_us is the
 * connection's (a TCB's or a TIME-WAIT entry's) last limited ACK.
 * Returns 1 if this ACK must not go.
 */
int
xt_tcp_ack_ratelimited(struct xtcp_engine *eng, uint64_t *last_us)
{
	uint64_t ival = (uint64_t)eng->cfg.invalid_ratelimit_ms * 1000;

	if (ival != 0 && *last_us != 0 && eng->now - *last_us < ival)
		return (1);
	*last_us = eng->now;
	return (0);
}

/* An out-of-window or PAWS-failed segment: is an ACK owed?  Never for an
 * RST; a SYN or a segment without data or FIN only within the limit. */
int
xt_tcp_oow_ack_owed(struct xtcp_engine *eng, uint64_t *last_us,
    const struct xt_tcp_seg *sg)
{
	if (sg->th.flags & XT_TH_RST)
		return (0);
	if ((sg->seglen == 0 || (sg->th.flags & XT_TH_SYN)) &&
	    xt_tcp_ack_ratelimited(eng, last_us)) {
		XT_STAT_INC(eng, tcp_oow_ack_skipped);
		return (0);
	}
	return (1);
}

void
xt_tcp_oow_ack(struct xtcp_sock *tp, const struct xt_tcp_seg *sg)
{
	if (xt_tcp_oow_ack_owed(tp->eng, &tp->t_oow_ack_us, sg))
		tp->t_flags |= XT_TF_ACKNOW;
}

/* A challenge ACK (RFC 5961 §3.2, §4.2, §5.2), within the limit. */
void
xt_tcp_challenge_ack(struct xtcp_sock *tp)
{
	if (xt_tcp_ack_ratelimited(tp->eng, &tp->t_oow_ack_us)) {
		XT_STAT_INC(tp->eng, tcp_challenge_ack_skipped);
		return;
	}
	XT_STAT_INC(tp->eng, tcp_snd_challenge_ack);
	xt_tcp_send_ack(tp);
}

/*
 * The options the peer's SYN (or SYN-ACK) th carried, against what we
 * offered: the send MSS, timestamps, SACK and window scale as both ends
 * agreed (RFC 9293 §3.7.1, RFC 7323 §2.2 and §3.2, RFC 2018 §2), then
 * the initial window.  For both opens: SYN-SENT and a child made from a
 * SYN (tcp_listen.c).
 */
void
xt_tcp_syn_options(struct xtcp_sock *tp, const struct xt_tcp_repr *th)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t mss;

	/* RFC 9293 §3.7.1: 536 without the option (FreeBSD mssdflt); an
	 * option of 0 counts as none (Linux tcp_parse_options) */
	mss = th->has_mss && th->mss != 0 ? th->mss : eng->cfg.mssdflt;
	/* the floor goes on the peer's value, before the options are
	 * taken off (Linux tcp_min_snd_mss): a tiny MSS cannot make the
	 * subtraction below wrap */
	if (mss < XT_TCP_MIN_SND_MSS)
		mss = XT_TCP_MIN_SND_MSS;
	if (mss > tp->t_advmss)
		mss = tp->t_advmss;	/* at least 28: MTU >= 68 */
	if (th->has_ts && eng->cfg.tstamps) {
		/* RFC 7323 §3.2: both sides sent TS; the option takes 12
		 * bytes of every segment (RFC 6691: from the data) */
		tp->t_flags |= XT_TF_TS_OK;
		tp->ts_recent = th->tsval;
		tp->ts_recent_age_us = eng->now;
		mss -= 12;
	}
	if (th->sack_perm && eng->cfg.sack)
		tp->t_flags |= XT_TF_SACK_OK;
	tp->t_maxseg = (uint16_t)mss;
	if (th->has_ws && eng->cfg.wscale) {	/* RFC 7323 §2.2: both sent WS */
		tp->t_flags |= XT_TF_WS_OK;
		tp->snd_scale = th->ws;
		tp->rcv_scale = tp->request_scale;
	} else {
		tp->t_flags &= ~XT_TF_WS_OK;
		tp->snd_scale = 0;
		tp->rcv_scale = 0;
	}
	/* never more than a frame of our own MTU holds beside the options */
	if (tp->t_maxseg > xt_tcp_mss_fit(tp))
		tp->t_maxseg = (uint16_t)xt_tcp_mss_fit(tp);
	/* RFC 5681 §3.1 / RFC 6928: IW = 10 segments, by the algorithm */
	xt_tcp_cc_init(tp);
	/* quick ACKs while the peer's slow start begins (Linux quickack
	 * mode): delayed ACKs would slow its window growth */
	tp->t_quickacks = 16;
}

/* An RTT sample; one below the clock's reach still took time (Linux
 * keeps at least one tick), so 0 is never recorded. */
void
xt_tcp_rtt_sample(struct xtcp_sock *tp, uint32_t rtt_us)
{
	xt_rtt_sample(&tp->t_rtt, rtt_us == 0 ? 1 : rtt_us);
}

/*
 * The handshake completed (RFC 9293 §3.10.7.3-4): the send window from
 * this segment, and an RTT sample from our SYN or SYN-ACK (both sides, as
 * Linux) if it went once (Karn, RFC 6298 §3).  No sample from the
 * timestamp echo after a resend, though Linux takes one: the echo may
 * name our first copy, answered late by the peer's own retransmission
 * (a SYN-ACK resent after our SYN resent echoes the first SYN), and a
 * sample of seconds then makes the RTO several times that (sim_matrix).
 */
void
xt_tcp_handshake_done(struct xtcp_sock *tp, const struct xt_tcp_repr *th,
    uint32_t win)
{
	struct xtcp_engine *eng = tp->eng;

	tp->snd_wnd = win;
	tp->max_sndwnd = win;
	tp->snd_wl1 = th->seq;
	tp->snd_wl2 = th->ack;
	if (tp->t_rtttime != 0 && tp->t_rxtshift == 0) {
		xt_tcp_rtt_sample(tp, (uint32_t)(eng->now - tp->t_rtttime));
		XT_STAT_INC(eng, tcp_rtt_samples);
	}
	tp->t_rtttime = 0;
	tp->t_rxtshift = 0;
	XT_STAT_INC(eng, tcp_connects);
}
