/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_tcp_api.c - TCP unit tests of the socket API as Linux has it (issue
 * 10): options a child inherits from its listener, poll states across the
 * connection's life and after shutdown, TCP_NOTSENT_LOWAT, zerocopy
 * completion ids and IP-level options.  The fixture (tcp_fixture.h) builds
 * each TCB; see there how a test reads.
 *
 * Read first: tcp(7), socket(7), ip(7) (Linux man-pages).
 */
#include <poll.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <check.h>

#include "tcp_fixture.h"

Suite	*xt_suite_tcp_api(void);

/* ---- socket API conformance (issue 10): inheritance, poll, options ---- */

/* Linux 6.x: an accepted socket takes the listener's options, but not
 * TCP_FASTOPEN (measured; see xt_tcp_inherit). */
START_TEST(api_child_inherits)
{
	struct xtcp_sock *c = NULL;
	struct linger lg = { 1, 9 };
	int one = 1, v;
	size_t l;

	ck_assert_int_eq(xtcp_socket(eng, &lsk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_OOBINLINE, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_ZEROCOPY, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_CONGESTION, "cubic",
	    5), XT_OK);
	v = 12345;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v,
	    sizeof(v)), XT_OK);
	v = 33;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_LINGER2, &v,
	    sizeof(v)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_IP, IP_FREEBIND, &one,
	    sizeof(one)), XT_OK);
	v = 5;
	ck_assert_int_eq(xtcp_setopt(lsk, IPPROTO_TCP, TCP_FASTOPEN, &v,
	    sizeof(v)), XT_OK);
	ck_assert_int_eq(xtcp_bind(lsk, 0, LISTEN_PORT), XT_OK);
	ck_assert_int_eq(xtcp_listen(lsk, 4), XT_OK);
	lport = LISTEN_PORT;
	pport = PEER_CPORT;
	peer_sends_syn(XT_TH_SYN, PEER_ISS, 0, 1400);
	iss = tx_one(__LINE__)->seq;
	now += RTT;
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, PEER_WIN, NULL, 0);
	tx_clear();
	ck_assert_int_eq(xtcp_accept(lsk, now, &c, NULL, NULL), XT_OK);
	ck_assert(c->t_flags & XT_TF_OOBINLINE);
	ck_assert(!(c->t_flags & XT_TF_LINGER0) && c->linger_s == 9);
	ck_assert_str_eq(xt_cc_ops(c->t_cc)->name, "cubic");
	ck_assert_uint_eq(c->t_notsent_lowat, 12345);
	ck_assert_int_eq(c->t_linger2_s, 33);
	ck_assert_uint_eq(c->t_cork_opt, 1);
	ck_assert_uint_eq(c->so_zerocopy, 1);
	ck_assert_uint_eq(c->ip_freebind, 1);
	l = sizeof(v);
	ck_assert_int_eq(xtcp_getopt(c, IPPROTO_TCP, TCP_FASTOPEN, &v, &l),
	    XT_OK);
	ck_assert_int_eq(v, 0);
	finish(2);
}
END_TEST

/* Linux tcp_poll: shutdown(SHUT_RD) plus our FIN is a hang-up; a new
 * socket is POLLOUT|POLLHUP; a refused connect, once reported by
 * connect(), leaves the socket as new. */
START_TEST(api_poll_states)
{
	const struct xt_tcp_repr *th;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLOUT | XTCP_POLLHUP);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	lport = sk->lport;
	th = tx_one(__LINE__);
	peer_sends(XT_TH_RST | XT_TH_ACK, 0, th->seq + 1, 0, NULL, 0);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLERR | XTCP_POLLHUP | XTCP_POLLRDHUP);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_ECONNREFUSED);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLOUT | XTCP_POLLHUP);
	xtcp_close(sk, now);
	sk = NULL;
	finish(0);
}
END_TEST

START_TEST(api_poll_shut_rdwr)
{
	tcb_established();
	ck_assert_int_eq(xtcp_shutdown(sk, now, 0), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLRDHUP);
	ck_assert_int_eq(xtcp_shutdown(sk, now, 1), XT_OK);
	ck_assert_uint_eq(xtcp_poll(sk), XTCP_POLLIN | XTCP_POLLOUT |
	    XTCP_POLLHUP | XTCP_POLLRDHUP);
	finish(1);
}
END_TEST

/* Linux tcp_poll with TCP_NOTSENT_LOWAT: writable only while twice the
 * unsent bytes are below the mark. */
START_TEST(api_notsent_lowat_half)
{
	static uint8_t d[700];
	int lowat = 1000;

	tcb_established();
	peer_sends(XT_TH_ACK, PEER_ISS + 1, iss + 1, 0, NULL, 0);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_TCP, TCP_NOTSENT_LOWAT,
	    &lowat, sizeof(lowat)), XT_OK);
	send_all(sk, d, 400);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLOUT, 0);	/* 800 < 1000 */
	send_all(sk, d, 100);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLOUT, 0);	/* 1000 */
	ck_assert_uint_eq(xtcp_sock_unsent(sk), 500);
	finish(1);
}
END_TEST

/* MSG_ZEROCOPY completions: one id per call, merged into one range until
 * read, POLLERR while pending; nothing without SO_ZEROCOPY. */
START_TEST(api_zerocopy_ids)
{
	uint32_t lo, hi;
	int one = 1;

	tcb_established();
	xtcp_zerocopy_sent(sk);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_EAGAIN);
	ck_assert_int_eq(xtcp_setopt(sk, SOL_SOCKET, SO_ZEROCOPY, &one,
	    sizeof(one)), XT_OK);
	xtcp_zerocopy_sent(sk);
	xtcp_zerocopy_sent(sk);
	ck_assert_uint_ne(xtcp_poll(sk) & XTCP_POLLERR, 0);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_OK);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 1);
	ck_assert_uint_eq(xtcp_poll(sk) & XTCP_POLLERR, 0);
	xtcp_zerocopy_sent(sk);
	ck_assert_int_eq(xtcp_take_zerocopy(sk, &lo, &hi), XT_OK);
	ck_assert_uint_eq(lo, 2);
	ck_assert_uint_eq(hi, 2);
	finish(1);
}
END_TEST

/* Linux do_ip_setsockopt/getsockopt: one byte in, one byte out; and
 * IP_BIND_ADDRESS_NO_PORT leaves the port to connect. */
START_TEST(api_ip_opts)
{
	uint8_t b = 0x20;
	size_t l = 1;
	uint32_t a;
	uint16_t p;
	int one = 1;

	ck_assert_int_eq(xtcp_socket(eng, &sk), XT_OK);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_IP, IP_TOS, &b, 1), XT_OK);
	b = 0;
	ck_assert_int_eq(xtcp_getopt(sk, IPPROTO_IP, IP_TOS, &b, &l), XT_OK);
	ck_assert_uint_eq(l, 1);
	ck_assert_uint_eq(b, 0x20);
	ck_assert_int_eq(xtcp_setopt(sk, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
	    &one, sizeof(one)), XT_OK);
	ck_assert_int_eq(xtcp_bind(sk, 0, 0), XT_OK);
	ck_assert_int_eq(xtcp_getsockname(sk, &a, &p), XT_OK);
	ck_assert_uint_eq(p, 0);
	ck_assert_int_eq(xtcp_connect(sk, now, PEER_IP, PEER_PORT),
	    XT_EINPROGRESS);
	ck_assert_int_eq(xtcp_getsockname(sk, &a, &p), XT_OK);
	ck_assert_uint_ne(p, 0);
	lport = p;
	(void)tx_one(__LINE__);
	finish(1);
}
END_TEST

Suite *
xt_suite_tcp_api(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("tcp_api");

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, api_child_inherits);
	tcase_add_test(tc, api_poll_states);
	tcase_add_test(tc, api_poll_shut_rdwr);
	tcase_add_test(tc, api_notsent_lowat_half);
	tcase_add_test(tc, api_zerocopy_ids);
	tcase_add_test(tc, api_ip_opts);
	suite_add_tcase(s, tc);

	return (s);
}
