/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_mem_tables.c - unit tests of the engine's tables under its
 * allocator (issue 12, "all engine allocation through one allocator"):
 * the demultiplexing tables and port entries (tcp_subr.c), the timer
 * heap (tcp_timer.c) and the TIME-WAIT table (tcp_timewait.c) take
 * their memory from eng->mem, so XTCP_MEM_MAX bounds them; a growth it
 * refuses leaves the old table working, a TIME-WAIT entry it refuses is
 * the table-full case (tcp_tw_overflow), a heap slot it refuses fails
 * socket() cleanly; and the memory they took comes back once the
 * connections are gone.  The fixture's teardown checks the tables
 * (xt_tcp_tables_check) and that every byte came back.
 *
 * Read first: xt_mem.h, the comments over the three tables.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"
#include "tcp/tcp_timewait.h"

Suite	*xt_suite_mem_tables(void);

#define stat(name)	xtcp_stats_get(eng, (name))
#define NSCALE		10000	/* connections of the scale test */
#define PEER_CPORT0	1024	/* the peer's first port towards us */
#define BIND_PORT0	20000	/* ports the bound sockets take */

static void
tables_ok_at(int line)
{
	const char *why = xt_tcp_tables_check(eng);

	ck_assert_msg(why == NULL, "line %d: %s", line, why);
}
#define tables_ok()	tables_ok_at(__LINE__)

/* Room for the scale test's connections, with small buffers. */
static void
hook_many(struct xtcp_config *c)
{
	c->max_sockets = NSCALE + 16;
	c->sndbuf = 4096;
	c->rcvbuf = 4096;
}

/* From now on the engine may allocate nothing more. */
static void
mem_shut(void)
{
	eng->mem.max = eng->mem.used;
}

/* The handshake of s, which sent its SYN to PEER_IP:port; our ISN is
 * stored in *is. */
static void
complete_active(struct xtcp_sock *s, uint16_t port, xt_seq_t *is)
{
	const struct xt_tcp_repr *th;

	lport = s->lport;
	pport = port;
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN);
	*is = th->seq;
	peer_sends_syn(XT_TH_SYN | XT_TH_ACK, PEER_ISS, *is + 1, MSS);
	expect_tx(XT_TH_ACK, *is + 1, PEER_ISS + 1);
	expect_state(s, XT_TCPS_ESTABLISHED);
}

/* The peer connects from port to the listener lsk, which accepts; our
 * ISN is stored in *is. */
static struct xtcp_sock *
passive_accept(uint16_t port, xt_seq_t *is)
{
	const struct xt_tcp_repr *th;
	struct xtcp_sock *c = NULL;

	lport = lsk->lport;
	pport = port;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, MSS);
	th = tx_one(__LINE__);
	ck_assert_uint_eq(th->flags, XT_TH_SYN | XT_TH_ACK);
	*is = th->seq;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, *is + 1, PEER_WIN, NULL, 0);
	expect_no_tx();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	expect_state(c, XT_TCPS_ESTABLISHED);
	return (c);
}

/* We close s (an idle connection, local port lp, the peer's port pp,
 * our ISN is) first; the peer ACKs our FIN and sends its own, which we
 * ACK: s is TIME-WAIT now, an entry or (no room) nothing. */
static void
close_first(struct xtcp_sock *s, uint16_t lp, uint16_t pp, xt_seq_t is)
{
	lport = lp;
	pport = pp;
	xtcp_close(s, now);
	expect_tx(XT_TH_FIN | XT_TH_ACK, is + 1, PEER_ISS + 1);
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, is + 2, PEER_WIN,
	    NULL, 0);
	expect_tx(XT_TH_ACK, is + 2, PEER_ISS + 2);
}

static void
listen_on(uint16_t port, int backlog)
{
	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, port), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, backlog), XT_OK);
}

/*
 * The 4-tuple table cannot grow past its 64 buckets for want of memory
 * (XTCP_MEM_MAX reached: sockets bound and their TCBs made before): 200
 * connections still complete, each found by its 4-tuple (longer
 * chains), the refusals counted by the allocator; with memory back the
 * next connection grows the table.
 */
START_TEST(demux_growth_refused)
{
	struct xtcp_sock *s[201];
	xt_seq_t is;
	uint64_t fails;
	unsigned i;

	engine_with(hook_many);
	for (i = 0; i < 201; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &s[i]), XT_OK);
		ck_assert_int_eq(xtcp_bind(s[i], 0,
		    (uint16_t)(BIND_PORT0 + i)), XT_OK);
	}
	ck_assert_uint_eq(eng->conn_mask + 1, 64);
	mem_shut();
	fails = eng->mem.nfails;
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(xtcp_connect(s[i], now, PEER_IP, PEER_PORT),
		    XT_EINPROGRESS);
		complete_active(s[i], PEER_PORT, &is);
	}
	ck_assert_uint_eq(eng->conn_mask + 1, 64);
	ck_assert_uint_gt(eng->mem.nfails, fails);
	for (i = 0; i < 200; i++)
		ck_assert_ptr_eq(xt_tcp_lookup(eng, OUR_IP,
		    (uint16_t)(BIND_PORT0 + i), PEER_IP, PEER_PORT, 0), s[i]);
	tables_ok();
	/* memory back (for a receive ring): a segment reaches the right
	 * one among the long chains */
	eng->mem.max = 0;
	lport = BIND_PORT0 + 117;
	pport = PEER_PORT;
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, s[117]->snd_nxt,
	    PEER_WIN, "x", 1);
	ck_assert_uint_eq(xt_ring_len(&s[117]->rcv_buf), 1);
	tx_clear();
	/* and the next connection grows the table */
	ck_assert_int_eq(xtcp_connect(s[200], now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	complete_active(s[200], PEER_PORT, &is);
	ck_assert_uint_ge(eng->conn_mask + 1, 256);
	tables_ok();
	finish(201);
}
END_TEST

/*
 * The timer heap's room is taken when a TCB is made: the heap starts
 * with 16 slots, and the 17th socket needs it to double (32 slots and
 * 32 due pointers, 768 bytes).  With 700 bytes left, the slots' block
 * fits and the pointers' does not: socket() fails with ENOBUFS
 * (counted), the block that fitted is given back and the heap is as it
 * was; the 16 run their timers as before.
 */
START_TEST(heap_growth_refused)
{
	struct xtcp_sock *s[17];
	xt_seq_t is;
	uint64_t used;
	unsigned i;

	engine_with(hook_many);
	ck_assert_uint_eq(eng->tm.cap, 16);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(xtcp_socket(eng, &s[i]), XT_OK);
	used = eng->mem.used;
	eng->mem.max = used + 700;
	ck_assert_int_eq(xtcp_socket(eng, &s[16]), XT_ENOBUFS);
	ck_assert_ptr_null(s[16]);
	ck_assert_uint_eq(eng->mem.used, used);
	ck_assert_int_eq(stat("tcp_sock_nomem"), 1);
	ck_assert_uint_eq(eng->tm.cap, 16);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 16);
	/* a timer of one of the 16: its SYN is retransmitted */
	ck_assert_int_eq(xtcp_connect(s[3], now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = s[3]->lport;
	pport = PEER_PORT;
	is = tx_one(__LINE__)->seq;
	advance_to(now + RTO);
	expect_tx(XT_TH_SYN, is, 0);
	ck_assert_int_eq(xt_tcp_timers_verify(eng), XT_OK);
	tables_ok();
	/* memory back: the 17th is made */
	eng->mem.max = 0;
	ck_assert_int_eq(xtcp_socket(eng, &s[16]), XT_OK);
	ck_assert_uint_eq(eng->tm.cap, 32);
	finish(17);
}
END_TEST

/*
 * No memory for the TIME-WAIT table: a connection closed first by us
 * skips TIME-WAIT, counted as the full table is (tcp_tw_overflow), and
 * its TCB is gone all the same.  Then, the table at its first 64
 * entries and memory shut: the 65th is refused the same way, while the
 * 64 go on answering; 2MSL later they are gone and so is the table.
 */
START_TEST(timewait_entry_refused)
{
	struct xtcp_sock *c, *b;
	xt_seq_t is;
	unsigned i;

	engine_with(hook_many);
	listen_on(LISTEN_PORT, 128);
	c = passive_accept(PEER_CPORT0, &is);
	mem_shut();
	close_first(c, LISTEN_PORT, PEER_CPORT0, is);
	ck_assert_int_eq(stat("tcp_tw_overflow"), 1);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 0);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_ptr_null(eng->tw);
	tables_ok();
	eng->mem.max = 0;

	for (i = 1; i <= 64; i++) {
		c = passive_accept((uint16_t)(PEER_CPORT0 + i), &is);
		close_first(c, LISTEN_PORT, (uint16_t)(PEER_CPORT0 + i), is);
	}
	ck_assert_int_eq(stat("tcp_timewait_entries"), 64);
	ck_assert_uint_eq(xt_tcp_port_ntw(eng, LISTEN_PORT), 64);
	c = passive_accept(PEER_CPORT0 + 65, &is);
	mem_shut();
	close_first(c, LISTEN_PORT, PEER_CPORT0 + 65, is);
	ck_assert_int_eq(stat("tcp_tw_overflow"), 2);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 64);
	ck_assert_ptr_null(xt_tw_lookup(eng, LISTEN_PORT, PEER_IP,
	    PEER_CPORT0 + 65));
	for (i = 1; i <= 64; i++)
		ck_assert_ptr_nonnull(xt_tw_lookup(eng, LISTEN_PORT, PEER_IP,
		    (uint16_t)(PEER_CPORT0 + i)));
	tables_ok();
	/* an entry still answers a retransmitted FIN (memory shut) */
	lport = LISTEN_PORT;
	pport = PEER_CPORT0 + 5;
	peer_sends(XT_TH_FIN | XT_TH_ACK, PEER_ISS + 1, 0, PEER_WIN, NULL, 0);
	ck_assert_uint_eq(cap.n, 1);
	tx_clear();
	/* the port keeps a bind without SO_REUSEADDR out while they
	 * last, the listener gone: its entry lives on their count */
	eng->mem.max = 0;
	xtcp_close(lsk, now);
	lsk = NULL;
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	ck_assert_int_eq(xtcp_bind(b, 0, LISTEN_PORT), XT_EADDRINUSE);
	tables_ok();
	advance_to(now + 2 * MSL + 1);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 0);
	ck_assert_ptr_null(eng->tw);
	ck_assert_uint_eq(xt_tcp_port_ntw(eng, LISTEN_PORT), 0);
	ck_assert_int_eq(xtcp_bind(b, 0, LISTEN_PORT), XT_OK);
	tables_ok();
	finish(1);
}
END_TEST

/*
 * 10,000 connections open at once, half opened by us to four peer
 * ports, half by the peer to one listener, then all closed by us first:
 * every one a TIME-WAIT entry, with no TCB.  The tables grow with them
 * and, once TIME-WAIT has expired and the listener is closed, every
 * byte the engine took is back: the memory in use is what it was when
 * the engine started.
 */
START_TEST(tables_memory_returns)
{
	struct xtcp_sock **s;
	uint16_t *lp, *pp;
	xt_seq_t *is;
	uint64_t start, tables_peak;
	unsigned i, half = NSCALE / 2;

	engine_with(hook_many);
	start = eng->mem.used;
	s = calloc(NSCALE, sizeof(*s));
	lp = calloc(NSCALE, sizeof(*lp));
	pp = calloc(NSCALE, sizeof(*pp));
	is = calloc(NSCALE, sizeof(*is));
	ck_assert(s != NULL && lp != NULL && pp != NULL && is != NULL);
	for (i = 0; i < half; i++) {
		pp[i] = (uint16_t)(PEER_PORT + i % 4);
		ck_assert_int_eq(xtcp_socket(eng, &s[i]), XT_OK);
		ck_assert_int_eq(xtcp_connect(s[i], now, PEER_IP, pp[i]),
		    XT_EINPROGRESS);
		complete_active(s[i], pp[i], &is[i]);
		lp[i] = s[i]->lport;
	}
	listen_on(LISTEN_PORT, 128);
	for (i = half; i < NSCALE; i++) {
		pp[i] = (uint16_t)(PEER_CPORT0 + i);
		lp[i] = LISTEN_PORT;
		s[i] = passive_accept(pp[i], &is[i]);
	}
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), NSCALE + 1);
	ck_assert_uint_ge(eng->conn_mask + 1, NSCALE);
	ck_assert_uint_ge(eng->tm.cap, NSCALE + 1);
	tables_ok();
	for (i = 0; i < NSCALE; i++)
		close_first(s[i], lp[i], pp[i], is[i]);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 1);
	ck_assert_int_eq(stat("tcp_timewait_entries"), NSCALE);
	ck_assert_int_eq(stat("tcp_tw_overflow"), 0);
	/* the TCBs' tables shrank; TIME-WAIT's holds an entry each */
	ck_assert_uint_eq(eng->conn_mask + 1, 64);
	ck_assert_uint_le(eng->tm.cap, 16);
	tables_peak = xt_tcp_tables_bytes(eng);
	ck_assert_uint_ge(tables_peak, (uint64_t)NSCALE * 64);
	tables_ok();
	xtcp_close(lsk, now);
	lsk = NULL;
	advance_to(now + 2 * MSL + 1);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 0);
	ck_assert_uint_eq(xtcp_engine_ntcb(eng), 0);
	ck_assert_uint_eq(eng->nport, 0);
	ck_assert_msg(eng->mem.used == start, "%lld bytes not given back",
	    (long long)(eng->mem.used - start));
	ck_assert_uint_ge(eng->mem.peak, start + tables_peak);
	free(s);
	free(lp);
	free(pp);
	free(is);
	finish(0);
}
END_TEST

/*
 * A TIME-WAIT table that empties in steps packs itself into less room:
 * 1,000 entries expire a quarter at a time, and the table's bytes fall
 * with them, every remaining entry still found by its 4-tuple.
 */
START_TEST(timewait_table_shrinks)
{
	struct xtcp_sock *c;
	xt_seq_t is;
	uint64_t b0, b1;
	unsigned i, k;

	engine_with(hook_many);
	listen_on(LISTEN_PORT, 128);
	for (k = 0; k < 4; k++) {
		for (i = k * 250; i < (k + 1) * 250; i++) {
			c = passive_accept((uint16_t)(PEER_CPORT0 + i), &is);
			close_first(c, LISTEN_PORT,
			    (uint16_t)(PEER_CPORT0 + i), is);
		}
		now += MSL / 2;		/* a quarter every half MSL */
	}
	ck_assert_int_eq(stat("tcp_timewait_entries"), 1000);
	b0 = xt_tw_bytes(eng);
	ck_assert_uint_ge(b0, 1000 * 64);
	/* 2MSL after the third quarter: three quarters are gone */
	advance_to(T0 + 2 * MSL + MSL + RTT);
	ck_assert_int_eq(stat("tcp_timewait_entries"), 250);
	b1 = xt_tw_bytes(eng);
	ck_assert_uint_lt(b1, b0 * 3 / 5);
	for (i = 750; i < 1000; i++)
		ck_assert_ptr_nonnull(xt_tw_lookup(eng, LISTEN_PORT, PEER_IP,
		    (uint16_t)(PEER_CPORT0 + i)));
	ck_assert_ptr_null(xt_tw_lookup(eng, LISTEN_PORT, PEER_IP,
	    PEER_CPORT0 + 749));
	tables_ok();
	finish(1);
}
END_TEST

Suite *
xt_suite_mem_tables(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("mem_tables");

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, demux_growth_refused);
	tcase_add_test(tc, heap_growth_refused);
	tcase_add_test(tc, timewait_entry_refused);
	suite_add_tcase(s, tc);

	/* 10,000 connections: seconds, more under the sanitizers */
	tc = tcase_create("returns");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tables_memory_returns);
	tcase_add_test(tc, timewait_table_shrinks);
	suite_add_tcase(s, tc);

	return (s);
}
