/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_timer.c - the per-connection timers: retransmission (and SYN),
 * persist, delayed ACK, cork, keep-alive, 2MSL (TIME-WAIT, orphaned
 * FIN-WAIT-2, TCP_DEFER_ACCEPT), and the dispatch of the loss-recovery
 * timers (RACK reordering, tail loss probe) whose work is
 * tcp_recovery.c's; a listener's SYN cache timers are tcp_syncache.c's.
 * Deadlines are absolute µs in the TCB.  The engine asks TCP only two
 * things, the earliest deadline (xt_tcp_timers_next) and to run what is
 * due (xt_tcp_timers_run); both take O(log n) per due TCB from a heap of
 * TCBs, with no walk over all of them.
 *
 * Read first: RFC 6298 §5 (retransmission timer), RFC 5681 §3.1 eq. 4
 * (ssthresh after a timeout), RFC 9293 §3.8.6.1 (zero-window probing),
 * RFC 1122 §4.2.3.2 (delayed ACK) and §4.2.3.6 (keep-alive), RFC 9293
 * §3.6.1 (TIME-WAIT = 2 MSL), RFC 8985 §7 (tail loss probe), RFC 2923
 * §2.1 (PMTU black holes).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"

static void	tcp_timer_rexmt(struct xtcp_sock *);
static void	tcp_timer_persist(struct xtcp_sock *);
static void	tcp_timer_2msl(struct xtcp_sock *);
static int	tcp_timer_keep(struct xtcp_sock *);
static uint64_t	tcp_give_up_at(const struct xtcp_sock *);

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return (b);
	if (b == 0)
		return (a);
	return (a < b ? a : b);
}

uint64_t
xt_tcp_next_deadline(const struct xtcp_sock *tp)
{
	uint64_t d;

	d = earliest(tp->t_rexmt_at, tp->t_persist_at);
	d = earliest(d, tp->t_delack_at);
	d = earliest(d, tp->t_2msl_at);
	d = earliest(d, tp->t_keep_at);
	d = earliest(d, tp->t_cork_at);
	d = earliest(d, tp->t_tlp_at);
	d = earliest(d, tp->t_rack_at);
	/* a listener: its half-open connections' SYN-ACK timers */
	if (tp->t_syncache != NULL) {
		uint64_t s = xt_syncache_next_deadline(tp);

		if (s != UINT64_MAX)
			d = earliest(d, s);
	}
	return (d == 0 ? UINT64_MAX : d);
}

/*
 * The timer heap.  Every TCB with a deadline is in eng->tm.heap (or, for
 * the length of xt_tcp_timers_run, in eng->tm.due), under a key no later
 * than its earliest deadline: xt_tcp_timer_set() moves a TCB up when a
 * deadline comes earlier than its key, and nothing is done when one goes
 * later or off, so a key may be early (stale).  A stale key is corrected
 * when it reaches the top: the TCB's real deadline is computed again and
 * it moves down, or leaves.  So the top's key, once not stale, is the
 * engine's earliest deadline, and next and run look only at the TCBs
 * that are due or were stale, never at all of them.
 */
#define XT_TM_SLOT(eng, tp)	(&(eng)->tm.heap[(tp)->t_tmidx - 1])
/* Debug builds check the heap against a full scan at each call while
 * the engine has at most this many TCBs. */
#define XT_TM_CHECK_MAX	64
/* Slots in the heap (and the due array) at least, once there are any. */
#define XT_TM_MIN	16

static void
tm_place(struct xtcp_engine *eng, uint32_t i, uint64_t key,
    struct xtcp_sock *tp)
{
	eng->tm.heap[i].key = key;
	eng->tm.heap[i].tp = tp;
	tp->t_tmidx = i + 1;
}

/* Move the slot at i toward the top while its key is smaller. */
static void
tm_up(struct xtcp_engine *eng, uint32_t i)
{
	struct xt_tm_slot s = eng->tm.heap[i];
	uint32_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (eng->tm.heap[parent].key <= s.key)
			break;
		tm_place(eng, i, eng->tm.heap[parent].key,
		    eng->tm.heap[parent].tp);
		i = parent;
	}
	tm_place(eng, i, s.key, s.tp);
}

/* Move the slot at i toward the bottom while a child's key is smaller. */
static void
tm_down(struct xtcp_engine *eng, uint32_t i)
{
	struct xt_tm_slot s = eng->tm.heap[i];
	uint32_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= eng->tm.n)
			break;
		if (c + 1 < eng->tm.n &&
		    eng->tm.heap[c + 1].key < eng->tm.heap[c].key)
			c++;
		if (s.key <= eng->tm.heap[c].key)
			break;
		tm_place(eng, i, eng->tm.heap[c].key, eng->tm.heap[c].tp);
		i = c;
	}
	tm_place(eng, i, s.key, s.tp);
}

static void
tm_remove(struct xtcp_engine *eng, struct xtcp_sock *tp)
{
	uint32_t i = tp->t_tmidx - 1;
	struct xt_tm_slot last;

	tp->t_tmidx = 0;
	last = eng->tm.heap[--eng->tm.n];
	if (i == eng->tm.n)
		return;
	tm_place(eng, i, last.key, last.tp);
	tm_up(eng, i);
	tm_down(eng, last.tp->t_tmidx - 1);
}

/* Key tp by its real earliest deadline: in, moved, or out. */
static void
tm_rekey(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint64_t d = xt_tcp_next_deadline(tp);
	uint32_t i;

	if (d == UINT64_MAX) {
		if (tp->t_tmidx != 0)
			tm_remove(eng, tp);
		return;
	}
	if (tp->t_tmidx == 0) {
		/* xt_tcp_timers_reserve made room for every TCB */
		tm_place(eng, eng->tm.n++, d, tp);
		tm_up(eng, tp->t_tmidx - 1);
		return;
	}
	i = tp->t_tmidx - 1;
	eng->tm.heap[i].key = d;
	tm_up(eng, i);
	tm_down(eng, tp->t_tmidx - 1);
}

void
xt_tcp_timer_sooner(struct xtcp_sock *tp, uint64_t at)
{
	struct xtcp_engine *eng = tp->eng;

	if (tp->t_tmidx == 0) {
		tm_place(eng, eng->tm.n++, at, tp);
		tm_up(eng, tp->t_tmidx - 1);
	} else if (at < XT_TM_SLOT(eng, tp)->key) {
		XT_TM_SLOT(eng, tp)->key = at;
		tm_up(eng, tp->t_tmidx - 1);
	}
}

/*
 * The heap and the due array in cap slots each, from the engine's
 * allocator: both new blocks first, so that a refusal (XTCP_MEM_MAX)
 * leaves the old ones as they were.
 */
static int
tm_resize(struct xtcp_engine *eng, uint32_t cap)
{
	struct xt_tcp_timerq *q = &eng->tm;
	struct xt_tm_slot *h;
	struct xtcp_sock **due;

	h = xt_alloc_raw(&eng->mem, (size_t)cap * sizeof(*h));
	due = xt_alloc_raw(&eng->mem, (size_t)cap * sizeof(*due));
	if (h == NULL || due == NULL) {
		xt_free(&eng->mem, h, (size_t)cap * sizeof(*h));
		xt_free(&eng->mem, due, (size_t)cap * sizeof(*due));
		return (XT_ENOMEM);
	}
	if (q->n > 0)
		memcpy(h, q->heap, (size_t)q->n * sizeof(*h));
	if (q->ndue > 0)
		memcpy(due, q->due, (size_t)q->ndue * sizeof(*due));
	xt_free(&eng->mem, q->heap, (size_t)q->cap * sizeof(*h));
	xt_free(&eng->mem, q->due, (size_t)q->cap * sizeof(*due));
	q->heap = h;
	q->due = due;
	q->cap = cap;
	return (XT_OK);
}

int
xt_tcp_timers_reserve(struct xtcp_engine *eng, uint32_t n)
{
	uint32_t cap;

	if (n <= eng->tm.cap)
		return (XT_OK);
	cap = eng->tm.cap < XT_TM_MIN ? XT_TM_MIN : eng->tm.cap;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? n : cap * 2;
	return (tm_resize(eng, cap));
}

/* Fewer TCBs: the heap halves (as often as needed) while they fill less
 * than a quarter of it, so that it stays above twice their number; not
 * while timers run (the due array is in use then: xt_tcp_timers_run
 * trims at its end).  No memory for the smaller copy: it stays. */
void
xt_tcp_timers_trim(struct xtcp_engine *eng)
{
	uint32_t cap = eng->tm.cap;

	if (eng->tm.ndue != 0)
		return;
	while (cap > XT_TM_MIN && eng->ntcb < cap / 4)
		cap /= 2;
	if (cap != eng->tm.cap)
		(void)tm_resize(eng, cap);
}

void
xt_tcp_timers_forget(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	if (tp->t_tmidx != 0)
		tm_remove(eng, tp);
	if (tp->t_tmdue != 0) {
		/* freed by a timer: xt_tcp_timers_run skips it */
		eng->tm.due[tp->t_tmdue - 1] = NULL;
		tp->t_tmdue = 0;
	}
}

void
xt_tcp_timers_fini(struct xtcp_engine *eng)
{
	xt_free(&eng->mem, eng->tm.heap,
	    (size_t)eng->tm.cap * sizeof(*eng->tm.heap));
	xt_free(&eng->mem, eng->tm.due,
	    (size_t)eng->tm.cap * sizeof(*eng->tm.due));
	eng->tm.heap = NULL;
	eng->tm.due = NULL;
	eng->tm.n = eng->tm.ndue = eng->tm.cap = 0;
}

int
xt_tcp_timers_verify(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;
	uint64_t d;
	uint32_t i, n = 0;

	if (eng->tm.n > eng->tm.cap || eng->tm.n > eng->ntcb)
		return (XT_EINVAL);
	for (i = 0; i < eng->tm.n; i++) {
		tp = eng->tm.heap[i].tp;
		if (tp == NULL || tp->t_tmidx != i + 1 ||
		    (i > 0 && eng->tm.heap[(i - 1) / 2].key >
		    eng->tm.heap[i].key))
			return (XT_EINVAL);
	}
	XT_TCP_FOREACH(eng, tp) {
		d = xt_tcp_next_deadline(tp);
		if (tp->t_tmidx != 0) {
			n++;
			if (XT_TM_SLOT(eng, tp)->key > d)
				return (XT_EINVAL);	/* would fire late */
		} else if (d != UINT64_MAX && tp->t_tmdue == 0)
			return (XT_EINVAL);	/* would never fire */
	}
	return (n == eng->tm.n ? XT_OK : XT_EINVAL);
}

/*
 * The scan of every TCB that the heap replaced, kept as the reference
 * the simulator compares the heap with (eng->tm.scan; tests only): the
 * earliest deadline, and the timers of every due TCB in list order.
 */
static uint64_t
tm_scan_next(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;
	uint64_t d = UINT64_MAX, t;

	XT_TCP_FOREACH(eng, tp) {
		t = xt_tcp_next_deadline(tp);
		if (t < d)
			d = t;
	}
	d = xt_tw_earliest(eng, d);
	return (d);
}

static void
tm_scan_run(struct xtcp_engine *eng, uint64_t now)
{
	struct xtcp_sock *tp, *next;

	xt_tw_expire(eng, now);
	XT_TCP_FOREACH_SAFE(eng, tp, next) {
		XT_WORK_BEGIN(eng);
		XT_TCB_HOLD(tp);
		if (xt_tcp_next_deadline(tp) <= now)
			xt_tcp_timers(tp, now);
		XT_WORK_END(eng);
	}
}

#ifdef XTCP_DEBUG
/* The heap's answer against the scan of every TCB it replaced. */
static void
tm_check(struct xtcp_engine *eng, uint64_t heap_next)
{
	uint64_t d;

	if (eng->ntcb > XT_TM_CHECK_MAX)
		return;
	d = tm_scan_next(eng);
	if (xt_tcp_timers_verify(eng) != XT_OK ||
	    (heap_next != UINT64_MAX && heap_next != d)) {
		xt_log(eng, XTCP_LOG_ERROR, "timer heap: next %llu, scan %llu",
		    (unsigned long long)heap_next, (unsigned long long)d);
		abort();	/* a missed timer is a hang: stop the test */
	}
}
#endif

/*
 * The earliest deadline of every TCP timer of the engine, UINT64_MAX for
 * none: the heap's top, once its key is not stale.
 */
uint64_t
xt_tcp_timers_next(struct xtcp_engine *eng)
{
	struct xtcp_sock *tp;
	uint64_t next = UINT64_MAX;

	if (eng->tm.scan)
		return (tm_scan_next(eng));
	while (eng->tm.n > 0) {
		tp = eng->tm.heap[0].tp;
		eng->tm.visits++;
		if (xt_tcp_next_deadline(tp) == eng->tm.heap[0].key) {
			next = eng->tm.heap[0].key;
			break;
		}
		tm_rekey(tp);		/* stale: later, or none */
	}
	next = xt_tw_earliest(eng, next);	/* TIME-WAIT entries */
#ifdef XTCP_DEBUG
	tm_check(eng, next);
#endif
	return (next);
}

/* Newest TCB first: the order of the engine's TCB list (xt_tcp_alloc
 * puts a new TCB at its head), which the scan before the heap ran timers
 * in; sim_timers holds the two to the same order. */
static int
tm_newest_first(const void *a, const void *b)
{
	const struct xtcp_sock *x = *(struct xtcp_sock *const *)a;
	const struct xtcp_sock *y = *(struct xtcp_sock *const *)b;

	return (x->t_serial < y->t_serial ? 1 :
	    x->t_serial > y->t_serial ? -1 : 0);
}

/*
 * Run the timers of every TCB with a deadline at or before now; a timer
 * may free its TCB, or another.  The due TCBs leave the heap for
 * eng->tm.due first, so that what their timers arm goes back into the
 * heap without being run again in this pass.
 */
void
xt_tcp_timers_run(struct xtcp_engine *eng, uint64_t now)
{
	struct xtcp_sock *tp;
	uint32_t i;

	if (eng->tm.scan) {
		tm_scan_run(eng, now);
		return;
	}
	xt_tw_expire(eng, now);		/* TIME-WAIT entries */
	eng->tm.ndue = 0;
	while (eng->tm.n > 0 && eng->tm.heap[0].key <= now) {
		tp = eng->tm.heap[0].tp;
		eng->tm.visits++;
		if (xt_tcp_next_deadline(tp) > now) {
			tm_rekey(tp);	/* stale */
			continue;
		}
		tm_remove(eng, tp);
		eng->tm.due[eng->tm.ndue++] = tp;
	}
	if (eng->tm.ndue > 1)
		qsort(eng->tm.due, eng->tm.ndue, sizeof(*eng->tm.due),
		    tm_newest_first);
	for (i = 0; i < eng->tm.ndue; i++)
		eng->tm.due[i]->t_tmdue = i + 1;
	for (i = 0; i < eng->tm.ndue; i++) {
		if ((tp = eng->tm.due[i]) == NULL)
			continue;	/* freed by an earlier one's timer */
		XT_WORK_BEGIN(eng);
		XT_TCB_HOLD(tp);
		if (xt_tcp_next_deadline(tp) <= now)
			xt_tcp_timers(tp, now);
		XT_WORK_END(eng);
		if (eng->tm.due[i] == NULL)
			continue;	/* freed by its own */
		tp->t_tmdue = 0;
		tm_rekey(tp);
	}
	eng->tm.ndue = 0;
	xt_tcp_timers_trim(eng);
#ifdef XTCP_DEBUG
	tm_check(eng, UINT64_MAX);
#endif
}

/*
 * How long a connection attempt may take, in µs, 0 for no bound but the
 * retransmission count: TCP_USER_TIMEOUT (user_timeout_ms) if set, else
 * FreeBSD keepinit (macOS TCP_CONNECTIONTIMEOUT).  For a TCB and for a
 * SYN cache entry, whose listener's setting it takes.
 */
uint64_t
xt_tcp_estab_limit_us(const struct xtcp_engine *eng, uint32_t user_timeout_ms)
{
	return ((uint64_t)(user_timeout_ms != 0 ? user_timeout_ms :
	    eng->cfg.keepinit_ms) * 1000);
}

/*
 * The instant the connection gives up whatever the retransmission count
 * says, 0 for none: for a connection attempt, the establishment limit
 * from the first SYN sent or received; once synchronized,
 * TCP_USER_TIMEOUT (RFC 5482 §2) from the time the oldest unacknowledged
 * data went unacknowledged.
 */
static uint64_t
tcp_give_up_at(const struct xtcp_sock *tp)
{
	uint64_t us;

	if (tp->state == XT_TCPS_SYN_SENT ||
	    tp->state == XT_TCPS_SYN_RECEIVED) {
		us = xt_tcp_estab_limit_us(tp->eng, tp->t_user_timeout_ms);
		return (us == 0 ? 0 : tp->t_conn_start_us + us);
	}
	if (tp->t_user_timeout_ms == 0 || tp->t_una_since_us == 0)
		return (0);
	return (tp->t_una_since_us + (uint64_t)tp->t_user_timeout_ms * 1000);
}

/*
 * RFC 6298 §5.1: (re)start the timer, one backed-off RTO from now; but
 * never past the instant the connection gives up (as Linux
 * tcp_clamp_rto_to_user_timeout), so the drop comes then and not at the
 * next retransmission after it.
 */
void
xt_tcp_arm_rexmt(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint64_t at, limit;

	at = eng->now + xt_rtt_rto(&tp->t_rtt, tp->t_rxtshift) +
	    (uint64_t)eng->cfg.rexmit_slop_ms * 1000;
	limit = tcp_give_up_at(tp);
	if (limit != 0 && limit < at)
		at = limit > eng->now ? limit : eng->now + 1;
	xt_tcp_timer_set(tp, XT_T_REXMT, at);
	xt_engine_timer_armed(eng, tp->t_rexmt_at);
	xt_tcp_arm_tlp(tp);
}

/*
 * RFC 8985 §7.2: a tail loss probe before the RTO, so a lost last
 * segment is found by an ACK rather than a timeout.  Armed whenever the
 * RTO is and whenever new data goes out; only with SACK, an RTT sample,
 * outside recovery and before any backoff.  PTO = 2 SRTT plus, when one
 * segment is in flight, the worst-case delayed ACK (Linux adds 2 ms in
 * the other case, and so do we, for timer slack); and never later than
 * the RTO: when they coincide the probe goes instead of the timeout,
 * which keeps the congestion window.
 */
void
xt_tcp_arm_tlp(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint64_t pto, at, limit;

	xt_tcp_timer_set(tp, XT_T_TLP, 0);
	if (!(tp->t_flags & XT_TF_SACK_OK) || tp->t_tlp_out ||
	    (tp->t_flags & XT_TF_INRECOVERY) || tp->t_rxtshift != 0 ||
	    tp->t_rtt.srtt_us == 0 || !XT_TCPS_SYNCHRONIZED(tp->state) ||
	    tp->t_rexmt_at == 0 || tp->snd_una == tp->snd_max ||
	    tp->snd_nxt != tp->snd_max)	/* still going back after an RTO */
		return;
	pto = 2ull * tp->t_rtt.srtt_us;
	if (tp->snd_max - tp->snd_una <= tp->t_maxseg)
		pto += 200000;		/* WCDelAckT */
	else
		pto += 2000;
	at = eng->now + pto;
	if (at > tp->t_rexmt_at)
		at = tp->t_rexmt_at;
	/* no probe when the connection ends then (TCP_USER_TIMEOUT) */
	limit = tcp_give_up_at(tp);
	if (limit != 0 && at >= limit)
		return;
	xt_tcp_timer_set(tp, XT_T_TLP, at);
	xt_engine_timer_armed(eng, tp->t_tlp_at);
}

void
xt_tcp_arm_persist(struct xtcp_sock *tp)
{
	uint32_t t = xt_rtt_rto(&tp->t_rtt, tp->t_persist_shift);

	/* BSD bounds the persist interval to [5 s, 60 s]; Linux uses the
	 * RTO with backoff up to TCP_RTO_MAX.  We follow Linux. */
	xt_tcp_timer_set(tp, XT_T_PERSIST, tp->eng->now + t);
	xt_engine_timer_armed(tp->eng, tp->t_persist_at);
}

void
xt_tcp_timers_stop(struct xtcp_sock *tp)
{
	xt_tcp_timer_set(tp, XT_T_REXMT, 0);
	xt_tcp_timer_set(tp, XT_T_PERSIST, 0);
	xt_tcp_timer_set(tp, XT_T_DELACK, 0);
	xt_tcp_timer_set(tp, XT_T_2MSL, 0);
	xt_tcp_timer_set(tp, XT_T_KEEP, 0);
	xt_tcp_timer_set(tp, XT_T_CORK, 0);
	xt_tcp_timer_set(tp, XT_T_TLP, 0);
	xt_tcp_timer_set(tp, XT_T_RACK, 0);
}

void
xt_tcp_start_timewait(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	xt_tcp_set_state(tp, XT_TCPS_TIME_WAIT);
	xt_tcp_timer_set(tp, XT_T_REXMT, 0);
	xt_tcp_timer_set(tp, XT_T_PERSIST, 0);
	xt_tcp_timer_set(tp, XT_T_DELACK, 0);
	xt_tcp_timer_set(tp, XT_T_KEEP, 0);
	xt_tcp_timer_set(tp, XT_T_TLP, 0);
	xt_tcp_timer_set(tp, XT_T_RACK, 0);
	xt_tcp_timer_set(tp, XT_T_2MSL,
	    eng->now + 2ull * eng->cfg.msl_ms * 1000);
	xt_engine_timer_armed(eng, tp->t_2msl_at);
}

void
xt_tcp_timers(struct xtcp_sock *tp, uint64_t now)
{
	if (tp->t_syncache != NULL)
		xt_syncache_timers(tp, now);
	if (tp->t_delack_at != 0 && tp->t_delack_at <= now) {
		xt_tcp_timer_set(tp, XT_T_DELACK, 0);
		if (tp->t_flags & XT_TF_DELACK) {
			XT_STAT_INC(tp->eng, tcp_delack);
			xt_tcp_send_ack(tp);
		}
	}
	if (tp->t_cork_at != 0 && tp->t_cork_at <= now) {
		/* the corked partial segment waited long enough */
		xt_tcp_timer_set(tp, XT_T_CORK, 0);
		tp->t_flags |= XT_TF_FORCE;
		xt_tcp_output(tp);
		tp->t_flags &= ~XT_TF_FORCE;
	}
	if (tp->t_persist_at != 0 && tp->t_persist_at <= now) {
		xt_tcp_timer_set(tp, XT_T_PERSIST, 0);
		tcp_timer_persist(tp);
	}
	if (tp->t_2msl_at != 0 && tp->t_2msl_at <= now) {
		xt_tcp_timer_set(tp, XT_T_2MSL, 0);
		tcp_timer_2msl(tp);
		return;		/* tp is gone */
	}
	if (tp->t_keep_at != 0 && tp->t_keep_at <= now) {
		xt_tcp_timer_set(tp, XT_T_KEEP, 0);
		if (tcp_timer_keep(tp))
			return;		/* dropped, and freed if orphaned */
	}
	if (tp->t_rack_at != 0 && tp->t_rack_at <= now) {
		xt_tcp_timer_set(tp, XT_T_RACK, 0);
		xt_tcp_rack_timeout(tp);
	}
	if (tp->t_tlp_at != 0 && tp->t_tlp_at <= now) {
		xt_tcp_timer_set(tp, XT_T_TLP, 0);
		xt_tcp_tlp_timeout(tp);
	}
	if (tp->t_rexmt_at != 0 && tp->t_rexmt_at <= now) {
		xt_tcp_timer_set(tp, XT_T_REXMT, 0);
		xt_tcp_timer_set(tp, XT_T_TLP, 0);
		tcp_timer_rexmt(tp);
	}
}

/* Time bounds beside the retransmission count (tcp_give_up_at). */
static int
tcp_out_of_time(const struct xtcp_sock *tp)
{
	uint64_t limit = tcp_give_up_at(tp);

	return (limit != 0 && tp->eng->now >= limit);
}

/* RFC 6298 §5.4-5.6 and RFC 5681 §3.1 on a retransmission timeout. */
static void
tcp_timer_rexmt(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint32_t limit;

	XT_STAT_INC(eng, tcp_rexmt_timeout);
	if (eng->cfg.log_level >= XTCP_LOG_DEBUG) {
		char line[400];

		(void)xtcp_sock_describe(tp, line, sizeof(line));
		xt_log(eng, XTCP_LOG_DEBUG, "rto: %s sacked %u blocks %u "
		    "lost_end %d", line, tp->t_sb.sacked_bytes, tp->t_sb.n,
		    tp->t_sb.lost_valid ? (int)(tp->t_sb.lost_end - tp->iss) :
		    -1);
	}
	if (tp->snd_una == tp->snd_max && tp->state != XT_TCPS_SYN_SENT &&
	    tp->state != XT_TCPS_SYN_RECEIVED)
		return;		/* nothing outstanding */
	if (tp->state == XT_TCPS_SYN_SENT ||
	    tp->state == XT_TCPS_SYN_RECEIVED)
		limit = tp->t_syncnt != 0 ? tp->t_syncnt : eng->cfg.syn_retries;
	else
		limit = eng->cfg.rexmit_max;
	if (++tp->t_rxtshift > limit || tcp_out_of_time(tp)) {
		XT_STAT_INC(eng, tcp_timeout_drop);
		/* a soft ICMP error seen meanwhile explains the timeout */
		xt_tcp_drop(tp, tp->so_error != XT_OK ? tp->so_error :
		    XT_ETIMEDOUT);
		return;
	}
	if (tp->state == XT_TCPS_SYN_SENT ||
	    tp->state == XT_TCPS_SYN_RECEIVED) {
		tp->snd_nxt = tp->iss;		/* resend the SYN */
	} else {
		xt_tcp_recovery_rto(tp);
		tp->snd_nxt = tp->snd_una;	/* go back N */
	}
	tp->t_rtttime = 0;			/* Karn */
	/*
	 * PMTU black hole detection (FreeBSD pmtud_blackhole_detection,
	 * RFC 2923 §2.1): when full-sized segments keep timing out, a router
	 * may be dropping them without the ICMP that RFC 1191 needs.  After
	 * the second timeout try the smaller MSS; after the sixth, the hole
	 * was elsewhere: go back to the original.
	 */
	if (eng->cfg.pmtud_blackhole && XT_TCPS_SYNCHRONIZED(tp->state)) {
		if (tp->t_rxtshift == 2 && tp->t_bh_saved_mss == 0 &&
		    tp->t_maxseg > eng->cfg.pmtud_blackhole_mss) {
			XT_STAT_INC(eng, tcp_pmtud_blackhole_lowered);
			tp->t_bh_saved_mss = tp->t_maxseg;
			tp->t_maxseg = (uint16_t)eng->cfg.pmtud_blackhole_mss;
		} else if (tp->t_rxtshift == 6 && tp->t_bh_saved_mss != 0) {
			XT_STAT_INC(eng, tcp_pmtud_blackhole_restored);
			tp->t_maxseg = tp->t_bh_saved_mss;
			tp->t_bh_saved_mss = 0;
		}
	}
	/* RFC 1122 §2.3.2.1: a path that keeps timing out may have a
	 * stale (or forged) neighbour entry: resolve it again */
	if (tp->t_rxtshift == 4)
		xt_arp_revalidate(eng, tp->faddr);
	xt_tcp_arm_rexmt(tp);			/* §5.5-5.6: backed off */
	xt_tcp_output(tp);
	XT_TCP_TRACE(tp, XTCP_TRACE_RTO);	/* after §5.7's cwnd cut */
}

/* RFC 9293 §3.8.6.1: probe a zero window.  Like Linux, an ACK carrying
 * snd_una - 1 makes the receiver answer with its current window without
 * putting data at risk. */
static void
tcp_timer_persist(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;

	XT_STAT_INC(eng, tcp_persist_timeout);
	if (xt_ring_len(&tp->snd_buf) == 0) {
		tp->t_persist_shift = 0;
		return;
	}
	if (tp->snd_wnd != 0) {
		/* a small window: send what fits (SWS override) */
		tp->t_persist_shift = 0;
		tp->t_flags |= XT_TF_FORCE;
		xt_tcp_output(tp);
		return;
	}
	XT_STAT_INC(eng, tcp_snd_probe);
	(void)xt_tcp_send_seg(tp, tp->snd_una - 1, 0, 0);
	if (tp->t_persist_shift < 16)
		tp->t_persist_shift++;
	xt_tcp_arm_persist(tp);
}

static void
tcp_timer_2msl(struct xtcp_sock *tp)
{
	struct xtcp_sock *lis = tp->t_listener;

	/* TCP_DEFER_ACCEPT ran out: hand the connection over anyway */
	if (tp->t_deferred && lis != NULL) {
		tp->t_deferred = 0;
		xt_tcp_enqueue_accept(tp);
		return;
	}
	/* TIME-WAIT done, or an orphan in FIN-WAIT-2 gave up waiting */
	xt_tcp_drop(tp, XT_OK);
}

/* Arm the keep-alive check for an established connection that wants it
 * (RFC 1122 §4.2.3.6: only after keep_idle of silence). */
void
xt_tcp_arm_keep(struct xtcp_sock *tp)
{
	uint64_t at;

	if (!(tp->t_flags & XT_TF_KEEPALIVE) ||
	    !XT_TCPS_SYNCHRONIZED(tp->state) ||
	    tp->state == XT_TCPS_TIME_WAIT) {
		xt_tcp_timer_set(tp, XT_T_KEEP, 0);
		return;
	}
	at = tp->t_last_rx_us + (uint64_t)tp->keep_idle_s * 1000000;
	xt_tcp_timer_set(tp, XT_T_KEEP, at > tp->eng->now ? at :
	    tp->eng->now + 1);
	xt_engine_timer_armed(tp->eng, tp->t_keep_at);
}

/*
 * Keep-alive (RFC 1122 §4.2.3.6): after keep_idle seconds without a
 * segment from the peer, send a probe (an ACK one below snd_una, which
 * the peer must answer) every keep_intvl seconds; keep_cnt unanswered
 * probes end the connection with ETIMEDOUT.  Any segment from the peer
 * resets the count (tcp_input).  Probes wait while data is outstanding:
 * the retransmission timer covers that case.
 */
static int
tcp_timer_keep(struct xtcp_sock *tp)
{
	struct xtcp_engine *eng = tp->eng;
	uint64_t idle_us;

	if (!(tp->t_flags & XT_TF_KEEPALIVE) ||
	    !XT_TCPS_SYNCHRONIZED(tp->state) ||
	    tp->state == XT_TCPS_TIME_WAIT)
		return (0);
	idle_us = eng->now - tp->t_last_rx_us;
	if (tp->t_keep_probes == 0 &&
	    idle_us < (uint64_t)tp->keep_idle_s * 1000000) {
		xt_tcp_arm_keep(tp);
		return (0);
	}
	if (tp->snd_una != tp->snd_max) {
		xt_tcp_timer_set(tp, XT_T_KEEP,
		    eng->now + (uint64_t)tp->keep_intvl_s * 1000000);
		xt_engine_timer_armed(eng, tp->t_keep_at);
		return (0);
	}
	if (tp->t_keep_probes >= tp->keep_cnt ||
	    (tp->t_user_timeout_ms != 0 &&
	    idle_us >= (uint64_t)tp->t_user_timeout_ms * 1000 &&
	    tp->t_keep_probes > 0)) {
		XT_STAT_INC(eng, tcp_keep_drop);
		xt_tcp_drop(tp, XT_ETIMEDOUT);
		return (1);	/* tp may be freed (an orphan is) */
	}
	XT_STAT_INC(eng, tcp_keep_probe);
	tp->t_keep_probes++;
	(void)xt_tcp_send_seg(tp, tp->snd_una - 1, 0, 0);
	xt_tcp_timer_set(tp, XT_T_KEEP,
	    eng->now + (uint64_t)tp->keep_intvl_s * 1000000);
	xt_engine_timer_armed(eng, tp->t_keep_at);
	return (0);
}

