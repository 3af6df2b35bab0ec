/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_abort.c - the end of every connection of an engine whose programs
 * are gone.
 *
 * A kernel closes the sockets of a process that dies, and its peers learn
 * of it at once.  The engine dies with its process, so the shim leaves a
 * small watcher behind (shim/watch.c) that, once the process (or its
 * whole family) is gone, takes the engine and calls
 * xtcp_engine_abort_all(): every connection still open is reset, so that
 * no peer is left with a half-open connection until its own timers give
 * up.  (A survivor of a family ends what a dead member alone held with
 * xtcp_abort(), tcp_usrreq.c.)
 *
 * The RST of each connection carries SND.NXT (the highest sequence number
 * sent, snd_max) with an ACK of RCV.NXT, as Linux's tcp_send_active_reset
 * does: a peer that got everything we sent has exactly that as RCV.NXT
 * and accepts it at once (RFC 5961 §3.2); a peer that missed some of it
 * sends a challenge ACK, which the engine, the TCB gone, answers with an
 * RST at the ACK's number (RFC 9293 §3.10.7.1), accepted in turn.
 *
 * DEVIATION: RFC 9293 §3.10.5 (ABORT) sends no RST from SYN-SENT, CLOSING
 * or LAST-ACK.  Here nothing will retransmit our SYN or our FIN once the
 * watcher has gone, so the peer could wait in SYN-RECEIVED or FIN-WAIT-2
 * until its own timeouts: these are reset too (check_tcp_abortall.c pins
 * it).  TIME-WAIT is left as it is: the peer has closed.
 *
 * Read first: RFC 9293 §3.10.5 (ABORT), §3.10.7.1 (RST for no
 * connection), RFC 5961 §3 (which RSTs a TCP accepts).
 */
#include <string.h>

#include "xt_engine.h"
#include "net/net.h"
#include "tcp/tcp_syncache.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"

static int	abort_needs_rst(const struct xtcp_sock *);
static int	abort_closing(const struct xtcp_sock *);
static unsigned	abort_halfopen(struct xtcp_sock *);
static unsigned	abort_one(struct xtcp_sock *);

/* Does aborting tp owe its peer an RST?  See the DEVIATION above. */
static int
abort_needs_rst(const struct xtcp_sock *tp)
{
	return (tp->state != XT_TCPS_CLOSED && tp->state != XT_TCPS_LISTEN &&
	    tp->state != XT_TCPS_TIME_WAIT);
}

/*
 * Is tp closing in an orderly way: our FIN queued or sent, the
 * connection not yet over?  A kernel carries such a connection on after
 * its process dies (an orphan); the watcher gives it a moment to end
 * before it resets what is left (shim/watch_reset.c).
 */
static int
abort_closing(const struct xtcp_sock *tp)
{
	if (!(tp->t_flags & XT_TF_FINQUEUED))
		return (0);
	switch (tp->state) {
	case XT_TCPS_FIN_WAIT_1:
	case XT_TCPS_FIN_WAIT_2:
	case XT_TCPS_CLOSING:
	case XT_TCPS_LAST_ACK:
		return (1);
	default:
		return (0);
	}
}

/*
 * The half-open connections of listener lis (its SYN cache): the peer
 * may already hold the connection as established after our SYN-ACK.
 * Each gets an RST at our ISN + 1, the peer's RCV.NXT once it has taken
 * the SYN-ACK; a peer still in SYN-SENT ignores it (RFC 9293 §3.10.7.3),
 * which is what we want.  Connections a SYN cookie answered have no
 * entry and cannot be found.  Returns the RSTs sent.
 */
static unsigned
abort_halfopen(struct xtcp_sock *lis)
{
	struct xt_syncache *sc = lis->t_syncache;
	struct xt_sc_entry *e;
	struct xt_tcp_repr th;
	uint32_t b, i;
	unsigned n = 0;

	if (sc == NULL || sc->sc_hash == NULL)
		return (0);
	for (b = 0; b < sc->sc_nbuckets; b++) {
		for (i = sc->sc_hash[b]; i != 0 && i <= sc->sc_cap;
		    i = e->sc_hnext) {
			e = &sc->sc_e[i - 1];
			/* as if the peer's ACK of our SYN-ACK came to a
			 * closed port: RST with SEQ = SEG.ACK */
			memset(&th, 0, sizeof(th));
			th.sport = e->sc_fport;
			th.dport = lis->lport;
			th.seq = e->sc_irs + 1;
			th.ack = e->sc_iss + 1;
			th.flags = XT_TH_ACK;
			xt_tcp_respond_rst(lis->eng, e->sc_laddr, e->sc_faddr,
			    &th, 0);
			n++;
		}
	}
	return (n);
}

/*
 * Abort tp, which nobody holds any more: RST as abort_needs_rst() says,
 * then free the TCB (a connection in TIME-WAIT becomes an entry that
 * answers as the TCB did).  A listener takes its half-open and
 * unaccepted connections with it, each reset.  Returns the RSTs sent.
 */
static unsigned
abort_one(struct xtcp_sock *tp)
{
	struct xtcp_sock *c;
	unsigned n = 0;

	tp->user = 0;
	tp->t_flags |= XT_TF_ORPHAN;
	if (tp->state == XT_TCPS_LISTEN) {
		n += abort_halfopen(tp);
		while ((c = tp->t_chead) != NULL) {
			n += abort_one(c);	/* unlinks and frees c */
			if (tp->t_chead == c)	/* cannot happen: bounded */
				break;
		}
	}
	if (abort_needs_rst(tp)) {
		xt_tcp_send_rst(tp);
		n++;
	}
	switch (tp->state) {
	case XT_TCPS_TIME_WAIT:
		xt_tcp_unlink_child(tp);	/* an unaccepted child */
		xt_tw_from_tcb(tp);		/* frees it */
		break;
	case XT_TCPS_CLOSED:
	case XT_TCPS_LISTEN:
		xt_tcp_set_state(tp, XT_TCPS_CLOSED);
		xt_tcp_free(tp);
		break;
	default:
		xt_tcp_drop(tp, XT_ECONNRESET);	/* frees the orphan */
		break;
	}
	return (n);
}

unsigned
xtcp_engine_abort_count(const struct xtcp_engine *eng, int spare_closing)
{
	const struct xtcp_sock *tp;
	unsigned n = 0;

	XT_TCP_FOREACH(eng, tp) {
		if (spare_closing && abort_closing(tp))
			continue;
		if (abort_needs_rst(tp))
			n++;
		else if (tp->state == XT_TCPS_LISTEN && tp->t_syncache != NULL)
			n += xt_syncache_count(tp);
	}
	return (n);
}

unsigned
xtcp_engine_abort_all(struct xtcp_engine *eng, uint64_t now_us,
    int spare_closing)
{
	struct xtcp_sock *tp, *nx;
	unsigned n = 0, left;
	int restart;

	eng->now = now_us;
	/*
	 * Nobody holds any socket any more.  Aborting a TCB frees it, and a
	 * listener its children too, which may be the next in the list:
	 * after a listener the walk starts again at the head (listeners
	 * are few).  Bounded by ntcb + 1 restarts all the same.
	 */
	for (left = eng->ntcb + 1; left > 0; left--) {
		restart = 0;
		for (tp = eng->tcbs; tp != NULL; tp = nx) {
			nx = tp->next;
			if (spare_closing && abort_closing(tp))
				continue;
			restart = tp->state == XT_TCPS_LISTEN;
			n += abort_one(tp);
			if (restart)
				break;
		}
		if (!restart)
			break;
	}
	XT_STAT_ADD(eng, tcp_abort_resets, n);
	xt_tx_flush(eng);
	return (n);
}
