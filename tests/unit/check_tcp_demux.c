/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_demux.c - TCP unit tests of demultiplexing at scale (issue
 * 12): the engine's tables (tcp_subr.c) find each of 20,000 connections
 * with work that does not grow with their number, the bind rules count
 * sockets per port as the walk over every TCB did, a listener's
 * children go with it, and a table that cannot grow keeps working.  The
 * fixture (tcp_fixture.h) builds each TCB; its teardown checks that the
 * tables agree with the TCBs (xt_tcp_tables_check).
 *
 * Work is measured by the engine's demux_lookups and demux_probes (the
 * entries compared), never by time.
 *
 * Read first: RFC 9293 §3.10.7 (which TCB a segment goes to), tcp(7)
 * and socket(7) (SO_REUSEADDR, SO_REUSEPORT).
 */
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"

Suite	*xt_suite_tcp_demux(void);

#define NACTIVE		10000	/* connections we open */
#define NPASSIVE	10000	/* connections the peer opens */
#define NCONN		(NACTIVE + NPASSIVE)
#define PEER_CPORT0	1024	/* the peer's first port towards us */
#define BIND_PORT	5555

/* Room for 20,000 connections, with small buffers. */
static void
hook_many(struct xtcp_config *c)
{
	c->max_sockets = NCONN + 16;
	c->sndbuf = 4096;
	c->rcvbuf = 4096;
}

/* An active open to PEER_IP:port completed; the fixture's lport and
 * pport name it afterwards. */
static struct xtcp_sock *
active_open(uint16_t port)
{
	struct xtcp_sock *s = NULL;
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, PEER_IP, port),
	    XT_EINPROGRESS);
	lport = s->lport;
	pport = port;
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	iss = th->seq;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	expect_state(s, XT_TCPS_ESTABLISHED);
	return (s);
}

/* The peer connects from port to listener lsk; the handshake completes
 * and the connection waits in the accept queue. */
static void
passive_open(uint16_t port)
{
	const struct xt_tcp_repr *th;

	lport = lsk->lport;
	pport = port;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	iss = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
}

/* ...and the program accepts it. */
static struct xtcp_sock *
passive_accept(uint16_t port)
{
	struct xtcp_sock *c = NULL;
	uint32_t a;
	uint16_t p;

	passive_open(port);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, &a, &p), XT_OK);
	ck_assert_uint_eq(a, PEER_IP);
	ck_assert_uint_eq(p, port);
	expect_state(c, XT_TCPS_ESTABLISHED);
	return (c);
}

static void
listen_on(uint16_t port, int backlog)
{
	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, port), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, backlog), XT_OK);
}

static void
tables_ok(int line)
{
	const char *why = xt_tcp_tables_check(eng);

	ck_assert_msg(why == NULL, "line %d: %s", line, why);
}

/*
 * 20,000 established connections, half opened by us towards four peer
 * ports (so ephemeral ports are shared across destinations), half by
 * the peer to one listener: each one's 4-tuple finds it, with at most a
 * few entries compared per lookup where the list walk compared half of
 * all TCBs on average; segments reach the right connection; and closing
 * them all shrinks the table back.
 */
START_TEST(demux_20000_connections)
{
	struct xtcp_sock **s;
	struct xtcp_sock *tp;
	uint16_t *lp, *pp;
	uint64_t l0, p0, before, d, dmax = 0;
	uint8_t byte;
	unsigned i;

	engine_with(hook_many);
	s = calloc(NCONN, sizeof(*s));
	lp = calloc(NCONN, sizeof(*lp));
	pp = calloc(NCONN, sizeof(*pp));
	ck_assert(s != NULL && lp != NULL && pp != NULL);
	for (i = 0; i < NACTIVE; i++) {
		s[i] = active_open((uint16_t)(PEER_PORT + i % 4));
		lp[i] = lport;
		pp[i] = pport;
	}
	listen_on(LISTEN_PORT, 4096);
	for (i = NACTIVE; i < NCONN; i++) {
		s[i] = passive_accept((uint16_t)(PEER_CPORT0 + i - NACTIVE));
		lp[i] = lport;
		pp[i] = pport;
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), NCONN + 1);
	ck_assert_uint_eq(eng->nconn, NCONN);
	/* the table grew with them: at most one TCB per bucket on average */
	ck_assert_uint_ge(eng->conn_mask + 1, NCONN);
	tables_ok(__LINE__);

	/* every 4-tuple finds its own TCB, in a few comparisons */
	l0 = eng->demux_lookups;
	p0 = eng->demux_probes;
	for (i = 0; i < NCONN; i++) {
		before = eng->demux_probes;
		tp = xt_tcp_lookup(eng, OUR_IP, lp[i], PEER_IP, pp[i], 1);
		ck_assert_ptr_eq(tp, s[i]);
		d = eng->demux_probes - before;
		if (d > dmax)
			dmax = d;
	}
	ck_assert_uint_eq(eng->demux_lookups - l0, NCONN);
	/* a chain of a keyed hash at load < 1: about 1.3 on average */
	ck_assert_msg(eng->demux_probes - p0 <= 2 * NCONN,
	    "%llu entries compared for %u lookups",
	    (unsigned long long)(eng->demux_probes - p0), NCONN);
	ck_assert_msg(dmax <= 12, "a lookup compared %llu entries",
	    (unsigned long long)dmax);

	/* a 4-tuple nobody has: a few chain entries, then the port */
	before = eng->demux_probes;
	ck_assert_ptr_null(xt_tcp_lookup(eng, OUR_IP, lp[0], PEER_IP,
	    (uint16_t)(PEER_PORT + 4), 1));
	ck_assert_uint_le(eng->demux_probes - before, 16);
	before = eng->demux_probes;
	ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP, LISTEN_PORT, PEER_IP, 7,
	    1), lsk);
	ck_assert_uint_le(eng->demux_probes - before, 16);

	/* segments: one byte to every 97th connection lands there */
	l0 = eng->demux_lookups;
	p0 = eng->demux_probes;
	for (i = 0; i < NCONN; i += 97) {
		lport = lp[i];
		pport = pp[i];
		byte = (uint8_t)i;
		iss = s[i]->iss;
		peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, &byte,
		    1);
		tx_clear();		/* its ACK (now or delayed) */
		expect_recv(s[i], &byte, 1);
	}
	ck_assert_uint_le(eng->demux_probes - p0,
	    2 * (eng->demux_lookups - l0));

	/* closing them all: the table shrinks back */
	for (i = 0; i < NCONN; i++) {
		xtcp_close(s[i], now);
		tx_clear();		/* the FINs */
	}
	ck_assert_uint_eq(eng->nconn, NCONN);	/* FIN-WAIT-1, orphans */
	for (i = 0; i < NCONN; i++) {
		tp = xt_tcp_lookup(eng, OUR_IP, lp[i], PEER_IP, pp[i], 0);
		ck_assert_ptr_eq(tp, s[i]);
		xt_tcp_drop(tp, XT_OK);		/* freed: orphaned */
	}
	ck_assert_uint_eq(eng->nconn, 0);
	ck_assert_uint_eq(eng->conn_mask + 1, 64);
	ck_assert_uint_eq(eng->nport, 1);	/* the listener's */
	tables_ok(__LINE__);
	free(s);
	free(lp);
	free(pp);
	finish(1);
}
END_TEST

/* The bind rules as Linux has them (tcp(7), socket(7)), from the counts
 * per port: a plain bind conflicts with any; SO_REUSEADDR on both
 * shares unless one listens; SO_REUSEPORT on both shares, listening or
 * not; options set after bind count too; a closed socket frees its
 * share. */
START_TEST(demux_bind_rules)
{
	struct xtcp_sock *a, *b, *c;
	int one = 1, zero = 0;

	ck_assert_int_eq(xtcp_socket(eng, &a), XT_OK);
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_socket(eng, &c), XT_OK);
	ck_assert_int_eq(xtcp_bind(a, 0, BIND_PORT), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_EADDRINUSE);
	ck_assert_uint_eq(b->lport, 0);
	ck_assert_ptr_null(b->t_port);
	ck_assert_int_eq(xtcp_bind(b, OUR_IP, BIND_PORT), XT_EADDRINUSE);

	/* SO_REUSEADDR on b alone is not enough; set on a after its bind,
	 * it is */
	ck_assert_int_eq(xtcp_setopt(b, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_EADDRINUSE);
	ck_assert_int_eq(xtcp_setopt(a, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_OK);
	tables_ok(__LINE__);
	ck_assert_uint_eq(a->t_port->p_nbound, 2);
	/* a third without it: refused */
	ck_assert_int_eq(xtcp_bind(c, 0, BIND_PORT), XT_EADDRINUSE);
	/* a listens: nobody else may then bind with SO_REUSEADDR alone */
	ck_assert_int_eq(xtcp_listen(a, 4), XT_OK);
	ck_assert_int_eq(xtcp_setopt(c, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(c, 0, BIND_PORT), XT_EADDRINUSE);
	/* SO_REUSEADDR taken back from b after its bind: it still holds
	 * its share, and now conflicts */
	ck_assert_int_eq(xtcp_setopt(b, SOL_SOCKET, SO_REUSEADDR, &zero,
	    sizeof(zero)), XT_OK);
	tables_ok(__LINE__);
	xtcp_close(a, now);
	ck_assert_int_eq(xtcp_bind(c, 0, BIND_PORT), XT_EADDRINUSE);
	xtcp_close(b, now);
	ck_assert_int_eq(xtcp_bind(c, 0, BIND_PORT), XT_OK);
	tables_ok(__LINE__);
	xtcp_close(c, now);
	ck_assert_uint_eq(eng->nport, 0);

	/* SO_REUSEPORT on both: two listeners on one port */
	ck_assert_int_eq(xtcp_socket(eng, &a), XT_OK);
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_setopt(a, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(a, 0, BIND_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(a, 4), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_EADDRINUSE);
	ck_assert_int_eq(xtcp_setopt(b, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(b, 4), XT_OK);
	tables_ok(__LINE__);
	/* ...and an ephemeral bind never picks their port */
	ck_assert_int_eq(xtcp_socket(eng, &c), XT_OK);
	ck_assert_int_eq(xtcp_bind(c, 0, 0), XT_OK);
	ck_assert_uint_ne(c->lport, BIND_PORT);
	ck_assert_uint_ne(c->lport, 0);
	xtcp_close(a, now);
	xtcp_close(b, now);
	xtcp_close(c, now);
	finish(0);
}
END_TEST

/* A connection in TIME-WAIT keeps its port from a plain bind, not from
 * one with SO_REUSEADDR (Linux); the program here still holds it (it
 * shut down its side, then read the peer's FIN). */
START_TEST(demux_bind_timewait)
{
	struct xtcp_sock *b, *c;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_bind(sk, 0, BIND_PORT), XT_OK);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = BIND_PORT;
	pport = PEER_PORT;
	iss = tx_one(__LINE__)->seq;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, iss + 1, MSS);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_int_eq(xtcp_shutdown(sk, now, SHUT_WR), XT_OK);
	expect_tx(XT_TH_FIN | XT_TH_ACK, iss + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, iss + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, iss + 2, PEER_ISS + 2);
	expect_state(sk, XT_TCPS_TIME_WAIT);
	tables_ok(__LINE__);

	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_EADDRINUSE);
	ck_assert_int_eq(xtcp_socket(eng, &c), XT_OK);
	ck_assert_int_eq(xtcp_setopt(c, SOL_SOCKET, SO_REUSEADDR,
	    &(int){ 1 }, sizeof(int)), XT_OK);
	ck_assert_int_eq(xtcp_bind(c, 0, BIND_PORT), XT_OK);
	/* its 4-tuple stays taken: connect from there is refused */
	ck_assert_int_eq(xtcp_connect(c, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	tables_ok(__LINE__);
	xtcp_close(b, now);
	xtcp_close(c, now);
	xtcp_close(sk, now);
	finish(0);	/* TIME-WAIT goes on, as an entry (tcp_timewait.c) */
}
END_TEST

/* A listener that closes takes its children not yet accepted with it
 * (an RST each, Linux), those in the accept queue and one that waits
 * for data under TCP_DEFER_ACCEPT alike; the accepted ones stay. */
START_TEST(demux_listener_close_frees_children)
{
	struct xtcp_sock *a1, *a2 = NULL;
	struct xt_eth_repr eh;
	struct xt_ipv4_repr ip;
	struct xt_tcp_repr th;
	int defer = 30;
	unsigned i, nrst = 0;

	listen_on(LISTEN_PORT, 16);
	a1 = passive_accept(PEER_CPORT0);
	for (i = 1; i <= 3; i++)
		passive_open((uint16_t)(PEER_CPORT0 + i));
	passive_open(PEER_CPORT0 + 9);
	ck_assert_int_eq(xtcp_accept(lsk, now, &a2, NULL, NULL), XT_OK);
	ck_assert_uint_eq(a2->fport, PEER_CPORT0 + 1);	/* the first */
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_DEFER_ACCEPT,
	    &defer, sizeof(defer)), XT_OK);
	passive_open(PEER_CPORT0 + 20);		/* waits for data */
	ck_assert_uint_eq(xt_tcp_accept_head(lsk)->fport, PEER_CPORT0 + 2);
	ck_assert_uint_eq(lsk->t_qlen, 4);	/* 2, 3, 9 queued; 20 not */
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 7);
	tables_ok(__LINE__);

	xtcp_close(lsk, now);
	lsk = NULL;
	for (i = 0; i < cap.n; i++) {
		xt_test_parse_tcp(cap.frame[i], cap.len[i], &eh, &ip, &th);
		if (th.flags & XT_TH_RST)
			nrst++;
	}
	ck_assert_uint_eq(nrst, 4);
	tx_clear();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 2);
	ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP, LISTEN_PORT, PEER_IP,
	    PEER_CPORT0, 1), a1);
	ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP, LISTEN_PORT, PEER_IP,
	    PEER_CPORT0 + 1, 1), a2);
	ck_assert_ptr_null(xt_tcp_lookup(eng, OUR_IP, LISTEN_PORT, PEER_IP,
	    PEER_CPORT0 + 2, 1));
	/* the port stays bound by the two accepted connections */
	ck_assert_uint_eq(eng->nport, 1);
	tables_ok(__LINE__);
	xtcp_close(a1, now);
	xtcp_close(a2, now);
	tx_clear();
	finish(2);			/* FIN-WAIT-1 */
}
END_TEST

/* shutdown(SHUT_RD) on a listener resets its children (Linux
 * tcp_disconnect) and keeps the socket: it is off the port after. */
START_TEST(demux_listener_shutdown)
{
	struct xtcp_sock *c = NULL;
	unsigned i;

	listen_on(LISTEN_PORT, 16);
	for (i = 0; i < 3; i++)
		passive_open((uint16_t)(PEER_CPORT0 + i));
	ck_assert_int_eq(xtcp_shutdown(lsk, now, SHUT_RD), XT_OK);
	ck_assert_uint_eq(cap.n, 3);		/* three RSTs */
	tx_clear();
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_uint_eq(lsk->t_qlen, 0);
	ck_assert_ptr_null(lsk->t_chead);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EINVAL);
	ck_assert_uint_eq(eng->nport, 0);
	tables_ok(__LINE__);
	/* the port is free again */
	ck_assert_int_eq(xtcp_socket(eng, &c), XT_OK);
	ck_assert_int_eq(xtcp_bind(c, 0, LISTEN_PORT), XT_OK);
	xtcp_close(c, now);
	finish(1);
}
END_TEST

/* A child reset in the middle of the accept queue leaves it in order,
 * without a walk of the queue. */
START_TEST(demux_acceptq_middle_reset)
{
	struct xtcp_sock *c = NULL;
	unsigned i;

	listen_on(LISTEN_PORT, 16);
	for (i = 0; i < 3; i++)
		passive_open((uint16_t)(PEER_CPORT0 + i));
	/* the second one is reset by the peer */
	pport = PEER_CPORT0 + 1;
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	expect_no_tx();
	ck_assert_uint_eq(lsk->t_qlen, 2);
	tables_ok(__LINE__);
	/* the last one too: the queue's tail moves back */
	pport = PEER_CPORT0 + 2;
	peer_sends(XT_TH_RST, PEER_ISS + 1, 0, 0, NULL, 0);
	ck_assert_ptr_eq(lsk->aq_tail, lsk->t_chead);
	tables_ok(__LINE__);
	passive_open(PEER_CPORT0 + 3);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT0);
	xtcp_close(c, now);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert_uint_eq(c->fport, PEER_CPORT0 + 3);
	xtcp_close(c, now);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EAGAIN);
	tx_clear();
	tables_ok(__LINE__);
	finish(3);
}
END_TEST

/* Two SO_REUSEPORT listeners share the connections by a keyed hash of
 * the 4-tuple: both take some, each 4-tuple always the same one; when
 * one closes, the other takes all. */
START_TEST(demux_reuseport_spread)
{
	struct xtcp_sock *l[2], *tp;
	unsigned i, j, n[2] = { 0, 0 };
	int one = 1;

	for (j = 0; j < 2; j++) {
		ck_assert_int_eq(xtcp_socket(eng, &l[j]), XT_OK);
		ck_assert_int_eq(xtcp_setopt(l[j], SOL_SOCKET, SO_REUSEPORT,
		    &one, sizeof(one)), XT_OK);
		ck_assert_int_eq(xtcp_bind(l[j], 0, LISTEN_PORT), XT_OK);
		ck_assert_int_eq(xtcp_listen(l[j], 16), XT_OK);
	}
	for (i = 0; i < 200; i++) {
		tp = xt_tcp_lookup_listener(eng, OUR_IP, LISTEN_PORT, PEER_IP,
		    (uint16_t)(2 * i + 30000));
		ck_assert(tp == l[0] || tp == l[1]);
		ck_assert_ptr_eq(tp, xt_tcp_lookup(eng, OUR_IP, LISTEN_PORT,
		    PEER_IP, (uint16_t)(2 * i + 30000), 1));
		n[tp == l[1]]++;
	}
	ck_assert_uint_ge(n[0], 60);
	ck_assert_uint_ge(n[1], 60);
	xtcp_close(l[0], now);
	for (i = 0; i < 20; i++)
		ck_assert_ptr_eq(xt_tcp_lookup_listener(eng, OUR_IP,
		    LISTEN_PORT, PEER_IP, (uint16_t)(2 * i + 30000)), l[1]);
	tables_ok(__LINE__);
	xtcp_close(l[1], now);
	finish(0);
}
END_TEST

/* With no memory for the tables: the 4-tuple table stays at its size
 * and still finds every connection (longer chains); a bind to a port
 * new to the engine fails with ENOBUFS and leaves the socket as it was;
 * with memory back, everything works again. */
START_TEST(demux_no_memory)
{
	struct xtcp_sock *s[300], *b;
	unsigned i;

	eng->demux_nomem = 1;
	/* no port entry for an ephemeral port: connect fails, cleanly */
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_connect(b, now, PEER_IP, PEER_PORT),
	    XT_ENOBUFS);
	ck_assert_uint_eq(cap.n, 0);
	ck_assert_ptr_null(b->t_port);
	ck_assert(!(b->t_flags & XT_TF_BOUND));
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_ENOBUFS);
	ck_assert_uint_eq(b->lport, 0);
	tables_ok(__LINE__);
	eng->demux_nomem = 0;
	ck_assert_int_eq(xtcp_bind(b, 0, BIND_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(b, 512), XT_OK);
	lsk = b;
	/* port entries exist now: children need no memory; the table
	 * cannot grow past its 64 buckets */
	eng->demux_nomem = 1;
	for (i = 0; i < 300; i++)
		s[i] = passive_accept((uint16_t)(PEER_CPORT0 + i));
	ck_assert_uint_eq(eng->conn_mask + 1, 64);
	for (i = 0; i < 300; i++)
		ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP, BIND_PORT,
		    PEER_IP, (uint16_t)(PEER_CPORT0 + i), 0), s[i]);
	tables_ok(__LINE__);
	/* memory back: the next one grows it */
	eng->demux_nomem = 0;
	(void)passive_accept(PEER_CPORT0 + 300);
	ck_assert_uint_ge(eng->conn_mask + 1, 512);
	tables_ok(__LINE__);
	finish(302);
}
END_TEST

/* Ephemeral ports for many connections to one destination: every
 * 4-tuple distinct, and an explicit bind to a port in use by a
 * connection to the same destination cannot connect. */
START_TEST(demux_ephemeral_distinct)
{
	struct xtcp_sock *s[2000], *b;
	unsigned i;

	engine_with(hook_many);
	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &s[i]), XT_OK);
		ck_assert_int_eq(xtcp_connect(s[i], now, PEER_IP, PEER_PORT),
		    XT_EINPROGRESS);
		tx_clear();
	}
	tables_ok(__LINE__);
	/* distinct ports: each tuple finds its own socket */
	for (i = 0; i < 2000; i++)
		ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP, s[i]->lport,
		    PEER_IP, PEER_PORT, 0), s[i]);
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_setopt(b, SOL_SOCKET, SO_REUSEADDR,
	    &(int){ 1 }, sizeof(int)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(s[7], SOL_SOCKET, SO_REUSEADDR,
	    &(int){ 1 }, sizeof(int)), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, s[7]->lport), XT_OK);
	ck_assert_int_eq(xtcp_connect(b, now, PEER_IP, PEER_PORT),
	    XT_EADDRNOTAVAIL);
	ck_assert_int_eq(xtcp_connect(b, now, PEER_IP, PEER_PORT + 1),
	    XT_EINPROGRESS);
	tx_clear();
	tables_ok(__LINE__);
	for (i = 0; i < 2000; i++)
		xtcp_close(s[i], now);
	xtcp_close(b, now);
	tx_clear();
	finish(0);
}
END_TEST

/* A connect refused, then listen on the same socket (Linux allows it:
 * the failed connect left it as new): it leaves the 4-tuple table for
 * its port's listeners, and its old peer's segments no longer reach
 * it as a connection. */
START_TEST(demux_refused_then_listen)
{
	struct xtcp_sock *c = NULL;

	tcb_syn_sent();
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, iss + 1, 0, NULL, 0);
	expect_state(sk, XT_TCPS_CLOSED);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ECONNREFUSED);
	ck_assert_uint_ne(sk->faddr, 0);	/* stale, as before */
	tables_ok(__LINE__);
	ck_assert_int_eq(xtcp_listen(sk, 4), XT_OK);
	tables_ok(__LINE__);
	ck_assert(!(sk->t_filed & XT_FILED_CONN));
	lsk = sk;
	(void)passive_accept(PEER_CPORT0);
	tables_ok(__LINE__);
	/* and back: closed, the listener is gone from the port */
	ck_assert_int_eq(xtcp_shutdown(lsk, now, SHUT_RDWR), XT_OK);
	tx_clear();
	tables_ok(__LINE__);
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_EINVAL);
	finish(2);
}
END_TEST

Suite *
xt_suite_tcp_demux(void)
{
	TCase *tc;
	Suite *s;

	s = suite_create("tcp_demux");
	tc = tcase_create("demux");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, demux_20000_connections);
	tcase_add_test(tc, demux_bind_rules);
	tcase_add_test(tc, demux_bind_timewait);
	tcase_add_test(tc, demux_listener_close_frees_children);
	tcase_add_test(tc, demux_listener_shutdown);
	tcase_add_test(tc, demux_acceptq_middle_reset);
	tcase_add_test(tc, demux_reuseport_spread);
	tcase_add_test(tc, demux_no_memory);
	tcase_add_test(tc, demux_ephemeral_distinct);
	tcase_add_test(tc, demux_refused_then_listen);
	suite_add_tcase(s, tc);
	return (s);
}
