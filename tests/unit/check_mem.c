/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_mem.c - memory on demand and the engine's allocator (issue 12):
 * an idle connection owns no payload storage; rings, reassembly ranges,
 * the SACK scoreboard and the RACK map appear with their first bytes and
 * go when they empty; XTCP_MEM_MAX refuses sockets with ENOBUFS and
 * drops received data with a counter while the connection lives on; an
 * allocation failing at any point of a connection's life is survived.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>

#include "xt_engine.h"
#include "xt_mem.h"
#include "tcp/tcp_var.h"
#include "tcp_fixture.h"
#include "shim_config.h"

Suite	*xt_suite_mem(void);

static uint8_t data[16384];	/* the lazy-ring test writes 10,000 */

static void
fill_data(void)
{
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
}

/* The engine's bytes in use now. */
static uint64_t
mem_used(void)
{
	return (eng->mem.used);
}

/* The TCB is all an idle established connection holds. */
static void
expect_idle(const struct xtcp_sock *s, int line)
{
	ck_assert_msg(xt_ring_size(&s->snd_buf) == 0 && s->snd_buf.buf == NULL,
	    "line %d: send ring holds %u bytes", line,
	    xt_ring_size(&s->snd_buf));
	ck_assert_msg(xt_ring_size(&s->rcv_buf) == 0 && s->rcv_buf.buf == NULL,
	    "line %d: receive ring holds %u bytes", line,
	    xt_ring_size(&s->rcv_buf));
	ck_assert_msg(s->rcv_asm.r == NULL, "line %d: reassembly ranges",
	    line);
	ck_assert_msg(s->t_sb.b == NULL && s->t_sb.r == NULL,
	    "line %d: SACK scoreboard", line);
	ck_assert_msg(s->tm == NULL && s->tm_cap == 0, "line %d: RACK map",
	    line);
}

/* An established connection costs its TCB and nothing else but its
 * share of the tables (its port's entry), and the window it offers is
 * still the receive buffer's size. */
START_TEST(mem_idle_owns_no_ring)
{
	uint64_t before;

	before = mem_used() - xt_tcp_tables_bytes(eng);
	tcb_established();
	expect_idle(sk, __LINE__);
	ck_assert_uint_eq(mem_used() - xt_tcp_tables_bytes(eng) - before,
	    sizeof(struct xtcp_sock));
	/* the TCB diet: the RACK map and the rings moved out */
	ck_assert_uint_le(sizeof(struct xtcp_sock), 1536);
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), sk->rcvbuf_size);
	ck_assert_uint_eq(xt_ring_space(&sk->snd_buf), sk->sndbuf_size);
	finish(1);
}
END_TEST

/* Bytes in: the receive ring appears; read: it is released. */
START_TEST(mem_rcv_ring_on_demand)
{
	uint8_t buf[256];
	size_t got;

	fill_data();
	tcb_established();
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    data, 100);
	ck_assert_uint_eq(xt_ring_size(&sk->rcv_buf), XT_RING_MIN);
	/* the window is the buffer's, not the storage's */
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), sk->rcvbuf_size - 100);
	ck_assert_int_eq(xtcp_recv(sk, now, buf, sizeof(buf), 0, &got),
	    XT_OK);
	ck_assert_uint_eq(got, 100);
	ck_assert(memcmp(buf, data, 100) == 0);
	expect_idle(sk, __LINE__);
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), sk->rcvbuf_size);
	finish(1);
}
END_TEST

/* The ring grows by doubling as data arrives, within the buffer. */
START_TEST(mem_rcv_ring_grows)
{
	uint32_t off;

	fill_data();
	tcb_established();
	no_quickack(sk);
	for (off = 0; off < 5 * 1000; off += 1000) {
		peer_sends(XT_TH_ACK, PEER_ISS + 1 + off, iss + 1, PEER_WIN,
		    data + off, 1000);
		tx_clear();
	}
	ck_assert_uint_eq(xt_ring_len(&sk->rcv_buf), 5000);
	ck_assert_uint_eq(xt_ring_size(&sk->rcv_buf), 8192);
	expect_recv(sk, data, 5000);
	expect_idle(sk, __LINE__);
	/* the next burst starts where this one ended, without the climb;
	 * bursts that use less than a quarter of it halve it */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 5000, iss + 1, PEER_WIN, data,
	    100);
	tx_clear();
	ck_assert_uint_eq(xt_ring_size(&sk->rcv_buf), 8192);
	expect_recv(sk, data, 100);
	expect_idle(sk, __LINE__);
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 5100, iss + 1, PEER_WIN, data,
	    100);
	tx_clear();
	ck_assert_uint_eq(xt_ring_size(&sk->rcv_buf), 4096);
	expect_recv(sk, data, 100);
	finish(1);
}
END_TEST

/* A hole: the ranges appear with it and go when it fills. */
START_TEST(mem_reass_on_demand)
{
	fill_data();
	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 1000, iss + 1, PEER_WIN,
	    data + 1000, 500);
	ck_assert_ptr_nonnull(sk->rcv_asm.r);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, data, 1000);
	ck_assert_ptr_null(sk->rcv_asm.r);
	expect_recv(sk, data, 1500);
	expect_idle(sk, __LINE__);
	finish(1);
}
END_TEST

/* Bytes out: the send ring and the RACK map appear; acknowledged: both
 * go, and with them every byte the connection took. */
START_TEST(mem_snd_ring_on_demand)
{
	uint64_t idle;

	int one = 1;

	fill_data();
	tcb_established();
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	idle = mem_used();
	send_all(sk, data, 3000);
	ck_assert_uint_gt(xt_ring_size(&sk->snd_buf), 0);
	ck_assert_ptr_nonnull(sk->tm);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 3000, PEER_WIN,
	    NULL, 0);
	expect_idle(sk, __LINE__);
	ck_assert_uint_eq(mem_used(), idle);
	finish(1);
}
END_TEST

/* The scoreboard comes with the first SACK block and goes when the
 * cumulative ACK covers it. */
START_TEST(mem_sack_on_demand)
{
	struct xt_tcp_repr r;
	int one = 1;

	fill_data();
	tcb_established_opts(0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)), XT_OK);
	send_all(sk, data, 3 * MSS);
	tx_clear();
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = PEER_ISS + 1;
	r.ack = iss + 1;
	r.win = PEER_WIN;
	r.nsack = 1;
	r.sack[0][0] = iss + 1 + MSS;
	r.sack[0][1] = iss + 1 + 2 * MSS;
	peer_sends_repr(&r, NULL, 0);
	ck_assert_ptr_nonnull(sk->t_sb.b);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1 + 3 * MSS, PEER_WIN,
	    NULL, 0);
	expect_idle(sk, __LINE__);
	finish(1);
}
END_TEST

static void
hook_mem_max(struct xtcp_config *c)
{
	c->mem_max = 64 << 20;
}

/* XTCP_MEM_MAX reaches the engine's allocator; past it socket() fails
 * with ENOBUFS and counts, and freeing memory lets it succeed again. */
START_TEST(mem_max_socket_enobufs)
{
	struct xtcp_sock *a, *b;

	engine_with(hook_mem_max);
	ck_assert_uint_eq(eng->mem.max, 64 << 20);
	eng->mem.max = mem_used() + sizeof(struct xtcp_sock);
	ck_assert_int_eq(xtcp_socket(eng, &a), XT_OK);
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_ENOBUFS);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_sock_nomem"), 1);
	xtcp_close(a, now);
	ck_assert_int_eq(xtcp_socket(eng, &b), XT_OK);
	finish(1);
}
END_TEST

/* Past the bound, received data is dropped with a counter and an ACK
 * that does not move; the window grows no further; the connection lives
 * and takes the retransmission once memory is back. */
START_TEST(mem_max_rcv_drop_recovers)
{
	const struct xt_tcp_repr *th;
	uint16_t win;

	fill_data();
	tcb_established();
	win = last.win;
	eng->mem.max = mem_used();		/* not one byte more */
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    data, 1000);
	th = expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1);
	ck_assert_uint_le(th->win, win);	/* never more than before */
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_nomem"), 1);
	ck_assert_uint_eq(xt_ring_len(&sk->rcv_buf), 0);
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), 0);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	/* a send finds no memory either: ENOBUFS, not EAGAIN forever */
	{
		size_t sent;

		ck_assert_int_eq(xtcp_send(sk, now, data, 10, 0, &sent),
		    XT_ENOBUFS);
		ck_assert_uint_eq(sent, 0);
	}
	/* memory comes back: the retransmission is taken */
	eng->mem.max = 0;
	now += RTO;
	peer_sends(XT_TH_ACK | XT_TH_PSH, PEER_ISS + 1, iss + 1, PEER_WIN,
	    data, 1000);
	tx_clear();
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), sk->rcvbuf_size - 1000);
	expect_recv(sk, data, 1000);
	expect_state(sk, XT_TCPS_ESTABLISHED);
	finish(1);
}
END_TEST

/* A bound that leaves some storage: what fits is kept, the rest is
 * dropped and counted, and the window stops at the storage held. */
START_TEST(mem_max_rcv_partial)
{
	fill_data();
	tcb_established();
	no_quickack(sk);
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, data, 100);
	tx_clear();
	ck_assert_uint_eq(xt_ring_size(&sk->rcv_buf), XT_RING_MIN);
	eng->mem.max = mem_used();		/* the ring cannot grow */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 100, iss + 1, PEER_WIN,
	    data + 100, 1400);
	tx_clear();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_nomem"), 0);
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 1500, iss + 1, PEER_WIN,
	    data + 1500, 1400);
	ck_assert_uint_eq(xt_ring_len(&sk->rcv_buf), XT_RING_MIN);
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_nomem"), 1);
	expect_tx(XT_TH_ACK, iss + 1, PEER_ISS + 1 + XT_RING_MIN);
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), 0);
	/* reading frees the storage: the window opens again */
	expect_recv(sk, data, XT_RING_MIN);
	ck_assert_uint_eq(xt_tcp_rcv_space(sk), sk->rcvbuf_size);
	finish(1);
}
END_TEST

/*
 * A connection's whole life with no error checks that could stop it:
 * every call may fail for lack of memory, and must then fail cleanly.
 * Active open with SACK and timestamps, data both ways with a hole and
 * a SACK, a retransmission timeout, a listener with a child, close.
 */
static void
life(void)
{
	struct xt_tcp_repr r, th;
	struct xtcp_sock *s = NULL, *l = NULL, *c = NULL;
	uint8_t buf[4096];
	size_t got, sent;
	xt_seq_t is = 0;
	int one = 1;

	if (xtcp_socket(eng, &s) != XT_OK) {
		ck_assert_int_ge(xtcp_stats_get(eng, "tcp_sock_nomem"), 1);
		return;
	}
	(void)xtcp_setopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)xtcp_connect(s, now, PEER_IP, PEER_PORT);
	lport = s->lport;
	pport = PEER_PORT;
	if (cap.n > 0) {
		tx_seg(0, &th);
		is = th.seq;
	}
	tx_clear();
	now += RTT;
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_SYN | XT_TH_ACK;
	r.seq = PEER_ISS;
	r.ack = is + 1;
	r.win = PEER_WIN;
	r.has_mss = 1;
	r.mss = MSS;
	r.has_ws = 1;
	r.sack_perm = 1;
	peer_sends_repr(&r, NULL, 0);
	tx_clear();
	(void)xtcp_send(s, now, data, 4 * MSS, 0, &sent);
	tx_clear();
	memset(&r, 0, sizeof(r));
	r.flags = XT_TH_ACK;
	r.seq = PEER_ISS + 1;
	r.ack = is + 1;
	r.win = PEER_WIN;
	r.nsack = 1;
	r.sack[0][0] = is + 1 + MSS;
	r.sack[0][1] = is + 1 + 2 * MSS;
	peer_sends_repr(&r, NULL, 0);
	tx_clear();
	/* a hole, then what fills it */
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 1000, is + 1, PEER_WIN,
	    data + 1000, 1000);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, is + 1, PEER_WIN, data, 1000);
	tx_clear();
	(void)xtcp_recv(s, now, buf, sizeof(buf), 0, &got);
	/* a timeout: retransmission, the retransmission table */
	advance_to(now + 2 * RTO);
	tx_clear();
	peer_sends(XT_TH_ACK, PEER_ISS + 1 + 2000, is + 1 + 2 * MSS,
	    PEER_WIN, NULL, 0);
	tx_clear();
	/* a listener and a child */
	if (xtcp_socket(eng, &l) == XT_OK) {
		(void)xtcp_bind(l, 0, LISTEN_PORT);
		(void)xtcp_listen(l, 4);
		lport = LISTEN_PORT;
		pport = PEER_CPORT;
		peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
		is = 0;
		if (cap.n > 0) {
			tx_seg(0, &th);
			is = th.seq;
		}
		tx_clear();
		peer_sends(XT_TH_ACK, PEER_ISS + 1, is + 1, PEER_WIN, data,
		    200);
		tx_clear();
		if (xtcp_accept(l, now, &c, NULL, NULL) == XT_OK && c != NULL)
			xtcp_close(c, now);
		tx_clear();
		xtcp_close(l, now);
		tx_clear();
	}
	lport = s->lport;
	pport = PEER_PORT;
	xtcp_close(s, now);
	tx_clear();
	advance_to(now + 10 * RTO);
	tx_clear();
}

/* Allocation n of a connection's life fails, for every n until a life
 * needs no more: no crash, and every byte comes back. */
START_TEST(mem_fail_every_allocation)
{
	uint64_t base, n;
	int reached = 1;

	fill_data();
	for (n = 1; reached && n < 1000; n++) {
		teardown();
		setup();
		base = mem_used();
		eng->mem.fail_at = eng->mem.nallocs + n;
		life();
		reached = eng->mem.nallocs >= eng->mem.fail_at;
		while (eng->tcbs != NULL)
			xt_tcp_free(eng->tcbs);
		ck_assert_msg(mem_used() == base, "failure at allocation %llu:"
		    " %llu bytes not given back", (unsigned long long)n,
		    (unsigned long long)(mem_used() - base));
		if (reached)
			ck_assert_uint_ge(eng->mem.nfails, 1);
	}
	ck_assert_msg(!reached, "a life takes more than %llu allocations",
	    (unsigned long long)n);
	/* the loop did go through the interesting ones */
	ck_assert_uint_ge(n, 8);
}
END_TEST

/* A ring alone: no storage until written, out-of-order bytes survive
 * the moves growth makes, storage goes on release and is accounted. */
START_TEST(mem_ring_lazy)
{
	struct xt_ring r;
	struct xt_mem m;
	uint8_t out[16];
	size_t i;

	fill_data();
	xt_mem_init(&m, 0);
	ck_assert_int_eq(xt_ring_init(&r, &m, 100000), XT_OK);
	ck_assert_uint_eq(xt_ring_size(&r), 0);
	ck_assert_uint_eq(m.used, 0);
	ck_assert_uint_eq(xt_ring_write_at(&r, 3000, "AAAAAAAAAA", 10), 10);
	ck_assert_uint_eq(xt_ring_size(&r), 4096);
	ck_assert_uint_eq(xt_ring_write_at(&r, 9000, "BBBBBBBBBB", 10), 10);
	ck_assert_uint_eq(xt_ring_size(&r), 16384);
	ck_assert_uint_eq(m.used, 16384);
	ck_assert_uint_eq(xt_ring_write_at(&r, 0, data, 3000), 3000);
	ck_assert_uint_eq(xt_ring_write_at(&r, 3010, data, 5990), 5990);
	ck_assert_uint_eq(xt_ring_commit(&r, 9010), 9010);
	ck_assert_uint_eq(xt_ring_peek(&r, 3000, out, 10), 10);
	ck_assert(memcmp(out, "AAAAAAAAAA", 10) == 0);
	ck_assert_uint_eq(xt_ring_peek(&r, 9000, out, 10), 10);
	ck_assert(memcmp(out, "BBBBBBBBBB", 10) == 0);
	/* wrap around a small ring, then grow: order kept */
	ck_assert_uint_eq(xt_ring_discard(&r, 9010), 9010);
	xt_ring_release(&r);
	ck_assert_uint_eq(m.used, 0);
	ck_assert_uint_eq(xt_ring_resize(&r, 3000), XT_OK);
	for (i = 0; i < 10; i++) {
		ck_assert_uint_eq(xt_ring_write(&r, data + i * 1000, 1000),
		    1000);
		ck_assert_uint_eq(xt_ring_peek(&r, 0, out, 16), 16);
		ck_assert(memcmp(out, data + i * 1000, 16) == 0);
		ck_assert_uint_eq(xt_ring_discard(&r, 1000), 1000);
	}
	ck_assert_uint_eq(xt_ring_size(&r), 3000);
	ck_assert_uint_eq(xt_ring_write(&r, data, 2000), 2000);
	ck_assert_uint_eq(xt_ring_resize(&r, 50000), XT_OK);
	ck_assert_uint_eq(xt_ring_write(&r, data + 2000, 6000), 6000);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 16);
	ck_assert(memcmp(out, data, 16) == 0);
	ck_assert_uint_eq(xt_ring_discard(&r, 1984), 1984);
	ck_assert_uint_eq(xt_ring_read(&r, out, 16), 16);
	ck_assert(memcmp(out, data + 2000, 16) == 0);
	/* a bound: what storage holds is written, no more */
	ck_assert_uint_eq(xt_ring_discard(&r, 5984), 5984);
	xt_ring_release(&r);
	m.max = 1;
	ck_assert_uint_eq(xt_ring_write(&r, data, 100), 0);
	ck_assert_uint_eq(xt_ring_space(&r), 50000);
	xt_ring_free(&r);
	ck_assert_uint_eq(m.used, 0);
}
END_TEST

/* The allocator alone: accounting, the bound, realloc, the test hook. */
START_TEST(mem_allocator)
{
	struct xt_mem m;
	uint8_t *p, *q;

	xt_mem_init(&m, 1000);
	ck_assert_ptr_null(xt_alloc(&m, 0));
	ck_assert_ptr_nonnull(p = xt_alloc(&m, 600));
	ck_assert_uint_eq(m.used, 600);
	ck_assert_ptr_null(xt_alloc(&m, 401));
	ck_assert_uint_eq(m.nfails, 1);
	ck_assert_ptr_null(xt_realloc(&m, p, 600, 1001));
	ck_assert_ptr_nonnull(q = xt_realloc(&m, p, 600, 1000));
	ck_assert_uint_eq(q[999], 0);
	ck_assert_uint_eq(m.used, 1000);
	ck_assert_ptr_nonnull(p = xt_realloc(&m, q, 1000, 10));
	ck_assert_uint_eq(m.used, 10);
	ck_assert_uint_eq(m.peak, 1000);
	m.fail_at = m.nallocs + 2;
	ck_assert_ptr_nonnull(q = xt_alloc(&m, 1));
	ck_assert_ptr_null(xt_alloc(&m, 1));
	xt_free(&m, q, 1);
	xt_free(&m, p, 10);
	xt_free(&m, NULL, 5);
	ck_assert_uint_eq(m.used, 0);
	ck_assert(xt_mem_room(&m, 1000));
	ck_assert(!xt_mem_room(&m, 1001));
}
END_TEST

/* Engine state names code and the caller's memory by handle: the
 * congestion control by its registry handle, the socket's owner by the
 * number it gave (issue 12: state that can move to shared memory). */
START_TEST(mem_handles_not_pointers)
{
	struct xtcp_sock *s;
	char name[16];
	size_t len = sizeof(name);

	ck_assert_uint_eq(xt_cc_handle(NULL), 0);
	ck_assert_ptr_eq(xt_cc_ops(0), xt_cc_default());
	ck_assert_ptr_eq(xt_cc_ops(xt_cc_handle(xt_cc_find("reno"))),
	    xt_cc_find("reno"));
	ck_assert_ptr_eq(xt_cc_ops(xt_cc_handle(xt_cc_find("none"))),
	    xt_cc_find("none"));
	ck_assert_ptr_eq(xt_cc_ops(200), xt_cc_default());
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	/* the fixture's engine runs "reno" */
	ck_assert_ptr_eq(xt_cc_ops(s->t_cc), xt_cc_find("reno"));
	ck_assert_int_eq(xtcp_setopt(s, IPPROTO_TCP, TCP_CONGESTION, "none",
	    4), XT_OK);
	ck_assert_ptr_eq(xt_cc_ops(s->t_cc), xt_cc_find("none"));
	ck_assert_int_eq(xtcp_getopt(s, IPPROTO_TCP, TCP_CONGESTION, name,
	    &len), XT_OK);
	ck_assert_str_eq(name, "none");
	ck_assert_uint_eq(xtcp_sock_get_user(s), 0);
	xtcp_sock_set_user(s, 77);
	ck_assert_uint_eq(xtcp_sock_get_user(s), 77);
	xtcp_close(s, now);
	finish(0);
}
END_TEST

static const char *env_mem;

static const char *
get_mem(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "XTCP_IF") == 0)
		return ("eth0");
	if (strcmp(name, "XTCP_ADDR") == 0)
		return ("10.0.0.2/24");
	return (strcmp(name, "XTCP_MEM_MAX") == 0 ? env_mem : NULL);
}

/* XTCP_MEM_MAX: bytes or K/M/G, 0, or 4M..1T; anything else refused. */
START_TEST(mem_max_config)
{
	static const struct {
		const char	*v;
		int		ok;
		uint64_t	bytes;
	} t[] = {
		{ "0", 1, 0 },
		{ "4194304", 1, 4194304 },
		{ "512M", 1, 512ull << 20 },
		{ "4096k", 1, 4ull << 20 },
		{ "2G", 1, 2ull << 30 },
		{ "1024G", 1, 1ull << 40 },
		{ "1025G", 0, 0 },
		{ "4194303", 0, 0 },
		{ "1M", 0, 0 },
		{ "", 0, 0 },
		{ "-1", 0, 0 },
		{ "12MB", 0, 0 },
		{ "M", 0, 0 },
		{ "99999999999999999999999", 0, 0 },
	};
	struct shim_config c;
	struct xtcp_config ec;
	char msg[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		env_mem = t[i].v;
		memset(&c, 0, sizeof(c));
		msg[0] = '\0';
		r = shim_config_parse(&c, get_mem, NULL, msg, sizeof(msg));
		if (!t[i].ok) {
			ck_assert_msg(r == SHIM_CFG_BAD &&
			    strstr(msg, "XTCP_MEM_MAX") != NULL,
			    "%s: accepted (%d, %s)", t[i].v, r, msg);
			continue;
		}
		ck_assert_msg(r == SHIM_CFG_OK, "%s: %d %s", t[i].v, r, msg);
		xtcp_config_defaults(&ec);
		shim_config_apply(&c, &ec);
		ck_assert_uint_eq(ec.mem_max, t[i].bytes);
	}
}
END_TEST

/* Without XTCP_MAX_SOCKETS the limit is the fd limit's (issue 12: not
 * 4096), within 4096..1048576. */
START_TEST(mem_max_sockets_default)
{
	ck_assert_uint_eq(shim_config_max_sockets(1024), 4096);
	ck_assert_uint_eq(shim_config_max_sockets(20000), 20000);
	ck_assert_uint_eq(shim_config_max_sockets(1ULL << 40), 1048576);
	ck_assert_uint_eq(shim_config_max_sockets(~0ULL), 1048576);
}
END_TEST

Suite *
xt_suite_mem(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("mem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mem_idle_owns_no_ring);
	tcase_add_test(tc, mem_rcv_ring_on_demand);
	tcase_add_test(tc, mem_rcv_ring_grows);
	tcase_add_test(tc, mem_reass_on_demand);
	tcase_add_test(tc, mem_snd_ring_on_demand);
	tcase_add_test(tc, mem_sack_on_demand);
	tcase_add_test(tc, mem_max_socket_enobufs);
	tcase_add_test(tc, mem_max_rcv_drop_recovers);
	tcase_add_test(tc, mem_max_rcv_partial);
	tcase_add_test(tc, mem_fail_every_allocation);
	tcase_add_test(tc, mem_ring_lazy);
	tcase_add_test(tc, mem_allocator);
	tcase_add_test(tc, mem_handles_not_pointers);
	tcase_add_test(tc, mem_max_config);
	tcase_add_test(tc, mem_max_sockets_default);
	suite_add_tcase(s, tc);
	return (s);
}
