/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_sharedaddr.c - the engine on an address shared by several
 * processes (xtcp_engine_set_ports_callback, xtcp_engine_set_leader):
 * the picker takes ports only from blocks the callback grants and asks
 * for a block only when its own are used up; bind() of a port another
 * process holds is EADDRINUSE; a segment for no socket is answered only
 * when the callback says so; a follower answers no ARP request and no
 * echo; the callback hears the ports used and given back, and a tick a
 * second; a connect to our own address is refused at once.
 *
 * The callback here plays the shim's port map: ports 40000..40999
 * ephemeral, blocks of 8, port 9000 held by "another process".
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "tcp_fixture.h"
#include "xt_engine.h"
#include "wire/icmp4.h"

Suite	*xt_suite_tcp_sharedaddr(void);

#define ELO		40000
#define EHI		40999
#define BLK		8
#define OTHERS_PORT	9000

static struct {
	uint8_t		held[65536];	/* ours */
	unsigned	leases, ticks;
	int		used[65536];	/* USE - UNUSE */
	int		answer;		/* XTCP_PORTS_ANSWER says */
} pm;

static int
fake_ports(void *arg, int op, uint16_t port)
{
	unsigned b, p;

	(void)arg;
	switch (op) {
	case XTCP_PORTS_HELD:
		return (!pm.held[port]);
	case XTCP_PORTS_LEASE:
		pm.leases++;
		b = (unsigned)(port - ELO) / BLK;
		for (p = ELO + b * BLK; p < ELO + (b + 1) * BLK; p++)
			pm.held[p] = 1;
		return (0);
	case XTCP_PORTS_BIND:
		if (port == OTHERS_PORT)
			return (XT_EADDRINUSE);
		pm.held[port] = 1;
		return (0);
	case XTCP_PORTS_USE:
		pm.used[port]++;
		return (0);
	case XTCP_PORTS_UNUSE:
		pm.used[port]--;
		return (0);
	case XTCP_PORTS_ANSWER:
		return (pm.answer);
	case XTCP_PORTS_TICK:
		pm.ticks++;
		return (0);
	}
	return (0);
}

static void
hook_ports(struct xtcp_config *c)
{
	c->port_lo = ELO;
	c->port_hi = EHI;
}

static void
shared_up(int leader)
{
	memset(&pm, 0, sizeof(pm));
	engine_with(hook_ports);
	xtcp_engine_set_ports_callback(eng, fake_ports, NULL);
	xtcp_engine_set_leader(eng, leader);
	tx_clear();
}

/* Ephemeral ports come from leased blocks, a new block only when the
 * ones held are used up; the callback hears every port used and freed. */
START_TEST(shared_pick_from_blocks)
{
	struct xtcp_sock *s[BLK + 1], *b[BLK + 1];
	unsigned i;
	uint16_t p;

	shared_up(1);
	for (i = 0; i < BLK + 1; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &s[i]), XT_OK);
		/* each destination's walk starts elsewhere (RFC 6056
		 * §3.3.3), yet the block held serves them all (a port may
		 * serve several destinations) */
		ck_assert_int_eq(xtcp_connect(s[i], now, PEER_IP,
		    (uint16_t)(1000 + 7 * i)), XT_EINPROGRESS);
		p = s[i]->lport;
		ck_assert_msg(pm.held[p], "port %u not granted", p);
		ck_assert_int_ge(pm.used[p], 1);
		ck_assert_uint_eq(pm.leases, 1);
	}
	/* bind(0) wants a port no socket has: the connects above took
	 * every port of the first block in turn (a port freed a moment ago
	 * is the last to come back), and nine such sockets cannot all fit
	 * in one block of eight */
	for (i = 0; i < BLK + 1; i++) {
		ck_assert_int_eq(xtcp_socket(eng, &b[i]), XT_OK);
		ck_assert_int_eq(xtcp_bind(b[i], 0, 0), XT_OK);
		ck_assert(pm.held[b[i]->lport]);
		ck_assert_int_eq(pm.used[b[i]->lport] >= 1, 1);
	}
	ck_assert_uint_eq(pm.leases, 3);
	for (i = 0; i < BLK + 1; i++)
		xtcp_close(b[i], now);
	for (i = 0; i < BLK + 1; i++) {
		p = s[i]->lport;
		xtcp_close(s[i], now);
	}
	for (i = 0; i < 65536; i++)
		ck_assert_int_eq(pm.used[i], 0);
	finish(0);
}
END_TEST

/* bind() to a port another process holds: EADDRINUSE, even with
 * SO_REUSEPORT; another port is granted and used. */
START_TEST(shared_bind_others_port)
{
	struct xtcp_sock *s;

	shared_up(1);
	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	s->t_flags |= XT_TF_REUSEPORT;
	ck_assert_int_eq(xtcp_bind(s, 0, OTHERS_PORT), XT_EADDRINUSE);
	ck_assert_int_eq(xtcp_bind(s, 0, OTHERS_PORT + 1), XT_OK);
	ck_assert_int_eq(pm.used[OTHERS_PORT + 1], 1);
	xtcp_close(s, now);
	ck_assert_int_eq(pm.used[OTHERS_PORT + 1], 0);
	finish(0);
}
END_TEST

/* A SYN for no socket: an RST only when the callback says we answer. */
START_TEST(shared_closed_port)
{
	shared_up(1);
	lport = OTHERS_PORT;
	pport = PEER_CPORT;
	pm.answer = 0;
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_rcv_otherport"), 1);
	pm.answer = 1;
	peer_sends_syn(XT_TH_SYN, 5000, 0, MSS);
	expect_tx(XT_TH_RST | XT_TH_ACK, 0, 5001);
	finish(0);
}
END_TEST

static void
ping(void)
{
	struct xt_test_frame f;
	struct xt_icmp4_repr m;
	uint8_t buf[256];
	size_t n;

	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, peer_mac, 6);
	memcpy(f.dst_mac, our_mac, 6);
	f.saddr = PEER_IP;
	f.daddr = OUR_IP;
	memset(&m, 0, sizeof(m));
	m.type = XT_ICMP_ECHO;
	m.id = 7;
	m.seq = 1;
	n = xt_test_build_icmp(buf, sizeof(buf), &f, &m);
	inject(buf, n);
}

/* A follower answers no ARP request and no echo; the leader does. */
START_TEST(shared_follower_quiet)
{
	shared_up(0);
	peer_arps();
	ping();
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "arp_rx_follower"), 1);
	ck_assert_int_eq(xtcp_stats_get(eng, "icmp_rx_echo_follower"), 1);
	xtcp_engine_set_leader(eng, 1);
	peer_arps();
	ck_assert_uint_eq(cap.n, 1);
	tx_clear();
	ping();
	ck_assert_uint_eq(cap.n, 1);
	tx_clear();
	finish(0);
}
END_TEST

/* The callback is ticked once a second, and the deadline says so. */
START_TEST(shared_tick)
{
	shared_up(1);
	advance_to(now + 1);
	ck_assert_uint_eq(pm.ticks, 1);
	ck_assert_uint_le(xtcp_engine_next_deadline(eng), now + 1000000);
	advance_to(now + 500000);
	ck_assert_uint_eq(pm.ticks, 1);
	advance_to(now + 500000);
	ck_assert_uint_eq(pm.ticks, 2);
	finish(0);
}
END_TEST

/* A connect to our own address: refused at once, nothing sent. */
START_TEST(shared_connect_self)
{
	struct xtcp_sock *s;

	ck_assert_int_eq(xtcp_socket(eng, &s), XT_OK);
	ck_assert_int_eq(xtcp_connect(s, now, OUR_IP, 8080),
	    XT_ECONNREFUSED);
	expect_no_tx();
	ck_assert_int_eq(xtcp_stats_get(eng, "tcp_conn_self"), 1);
	xtcp_close(s, now);
	finish(0);
}
END_TEST

Suite *
xt_suite_tcp_sharedaddr(void)
{
	Suite *s = suite_create("tcp_sharedaddr");
	TCase *tc = tcase_create("tcp_sharedaddr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shared_pick_from_blocks);
	tcase_add_test(tc, shared_bind_others_port);
	tcase_add_test(tc, shared_closed_port);
	tcase_add_test(tc, shared_follower_quiet);
	tcase_add_test(tc, shared_tick);
	tcase_add_test(tc, shared_connect_self);
	suite_add_tcase(s, tc);
	return (s);
}
