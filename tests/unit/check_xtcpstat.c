/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_xtcpstat.c - what the engine hands xtcpstat (issue 14): the
 * connection table as xtcp_engine_conns() copies it, and the counters
 * as xtcp_stats_copy() does, in xt_stats.def's order with their names.
 */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_xtcpstat(void);

/* An established connection: Linux's state number, both ends, the
 * window and MSS the handshake set, the algorithm's name. */
START_TEST(stat_conn_established)
{
	struct xtcp_conn_info ci[2];
	char cc[16];
	size_t l;

	tcb_established();
	memset(ci, 0xa5, sizeof(ci));
	ck_assert_uint_eq(xtcp_engine_conns(eng, ci, 2), 1);
	ck_assert_uint_eq(ci[0].state, TCP_ESTABLISHED);
	ck_assert_uint_eq(ci[0].laddr, OUR_IP);
	ck_assert_uint_eq(ci[0].faddr, PEER_IP);
	ck_assert_uint_eq(ci[0].fport, PEER_PORT);
	ck_assert_uint_ne(ci[0].lport, 0);
	ck_assert_uint_eq(ci[0].mss, MSS);
	ck_assert_uint_eq(ci[0].cwnd, sk->snd_cwnd);
	ck_assert_uint_gt(ci[0].cwnd, 0);
	ck_assert_uint_eq(ci[0].ssthresh, UINT32_MAX);	/* infinite */
	ck_assert_uint_gt(ci[0].srtt_us, 0);		/* the SYN's RTT */
	ck_assert_uint_gt(ci[0].rto_us, 0);
	ck_assert_uint_eq(ci[0].sendq, 0);
	ck_assert_uint_eq(ci[0].recvq, 0);
	l = sizeof(cc);
	memset(cc, 0, sizeof(cc));
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_TCP, TCP_CONGESTION, cc, &l),
	    XT_OK);
	ck_assert_str_eq(ci[0].cc, cc);			/* as getsockopt */
	ck_assert_uint_eq(ci[1].state, 0xa5);		/* left alone */
	/* no room: the count all the same, nothing written */
	ck_assert_uint_eq(xtcp_engine_conns(eng, NULL, 0), 1);
	finish(1);
}
END_TEST

/* Data queued and not acknowledged is the send queue; a listener is a
 * row of its own. */
START_TEST(stat_conn_queues)
{
	struct xtcp_conn_info ci[4];
	size_t sent;
	unsigned n, i, seen = 0;

	tcb_established();
	ck_assert_int_eq(xtcp_send(sk, now, "hello", 5, 0, &sent), XT_OK);
	ck_assert_uint_eq(sent, 5);
	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, 4), XT_OK);
	n = xtcp_engine_conns(eng, ci, 4);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		if (ci[i].state == TCP_ESTABLISHED) {
			ck_assert_uint_eq(ci[i].sendq, 5);
			seen |= 1;
		} else {
			ck_assert_uint_eq(ci[i].state, TCP_LISTEN);
			ck_assert_uint_eq(ci[i].lport, LISTEN_PORT);
			ck_assert_uint_eq(ci[i].faddr, 0);
			seen |= 2;
		}
	}
	ck_assert_uint_eq(seen, 3);
	xtcp_close(lsk, now);
	lsk = NULL;
	finish(1);
}
END_TEST

/* The counters by index, as XTCP_STATS names them. */
START_TEST(stat_counters)
{
	uint64_t v[512];
	unsigned n, i;

	tcb_established();
	n = xtcp_stats_copy(eng, v, 512);
	ck_assert_uint_gt(n, 10);
	ck_assert_uint_lt(n, 512);
	ck_assert_ptr_null(xtcp_stats_name(n));
	ck_assert_ptr_null(xtcp_stats_desc(n));
	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(xtcp_stats_name(i));
		ck_assert_ptr_nonnull(xtcp_stats_desc(i));
		ck_assert_int_eq((int64_t)v[i],
		    xtcp_stats_get(eng, xtcp_stats_name(i)));
	}
	ck_assert_int_gt(xtcp_stats_get(eng, "tcp_snd_total"), 0);
	/* a short buffer: what fits, and the count */
	ck_assert_uint_eq(xtcp_stats_copy(eng, v, 1), n);
	finish(1);
}
END_TEST

Suite *
xt_suite_xtcpstat(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("xtcpstat");
	tc = tcase_create("xtcpstat");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stat_conn_established);
	tcase_add_test(tc, stat_conn_queues);
	tcase_add_test(tc, stat_counters);
	suite_add_tcase(s, tc);
	return (s);
}
