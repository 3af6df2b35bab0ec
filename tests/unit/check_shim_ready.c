/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_ready.c - the readiness bookkeeping of the shim (shim/
 * ready.c) without LD_PRELOAD or real sockets: SO_RCVLOWAT as Linux
 * tcp_poll applies it, poll's revents and epoll's bits from the engine's
 * XTCP_POLL* bits, select's sets to pollfds and back, and epoll's rules
 * for queueing and reporting level-triggered, edge-triggered and one-shot
 * registrations (Linux fs/eventpoll.c).
 */
#define _GNU_SOURCE		/* POLLRDHUP */
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <check.h>

#include "ready.h"
#include "xtcp.h"

Suite	*xt_suite_shim_ready(void);

/* The engine's bits are Linux's, so poll and epoll can pass them on. */
START_TEST(ready_bits_are_linux)
{
	ck_assert_int_eq(XTCP_POLLIN, POLLIN);
	ck_assert_int_eq(XTCP_POLLPRI, POLLPRI);
	ck_assert_int_eq(XTCP_POLLOUT, POLLOUT);
	ck_assert_int_eq(XTCP_POLLERR, POLLERR);
	ck_assert_int_eq(XTCP_POLLHUP, POLLHUP);
	ck_assert_int_eq(XTCP_POLLRDHUP, EPOLLRDHUP);
}
END_TEST

START_TEST(ready_lowat)
{
	/* no mark, or 1: as the engine says */
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN, 0, 0, 1), XTCP_POLLIN);
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN, 1, 0, 1), XTCP_POLLIN);
	/* below the mark: not readable (writable stays) */
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN | XTCP_POLLOUT, 100, 0,
	    99), XTCP_POLLOUT);
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN, 100, 0, 100),
	    XTCP_POLLIN);
	/* end of stream, or a listener: readable whatever the mark */
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN | XTCP_POLLRDHUP, 100,
	    0, 3), XTCP_POLLIN | XTCP_POLLRDHUP);
	ck_assert_uint_eq(shim_ready_lowat(XTCP_POLLIN, 100, 1, 0),
	    XTCP_POLLIN);
}
END_TEST

START_TEST(ready_poll_revents)
{
	/* IN brings RDNORM, OUT WRNORM, as far as the program asked */
	ck_assert_int_eq(shim_ready_revents(XTCP_POLLIN | XTCP_POLLOUT,
	    POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	ck_assert_int_eq(shim_ready_revents(XTCP_POLLIN | XTCP_POLLOUT,
	    POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
	ck_assert_int_eq(shim_ready_revents(XTCP_POLLOUT, POLLIN), 0);
	/* ERR and HUP whatever was asked, even nothing */
	ck_assert_int_eq(shim_ready_revents(XTCP_POLLERR | XTCP_POLLHUP |
	    XTCP_POLLIN, 0), POLLERR | POLLHUP);
	ck_assert_int_eq(shim_ready_revents(XTCP_POLLRDHUP | XTCP_POLLIN,
	    POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
	ck_assert_uint_eq(shim_ready_epoll(XTCP_POLLIN | XTCP_POLLOUT),
	    EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM);
	ck_assert_uint_eq(shim_ready_epoll(XTCP_POLLHUP), EPOLLHUP);
}
END_TEST

/* select's sets to pollfds and back, fds of several words. */
START_TEST(ready_select_sets)
{
	fd_set rd, wr, ex;
	struct pollfd p[8];
	int n;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(3, &rd);
	FD_SET(3, &wr);
	FD_SET(70, &wr);
	FD_SET(130, &ex);
	FD_SET(200, &rd);		/* beyond nfds: not looked at */
	ck_assert_int_eq(shim_sel_to_poll(131, &rd, &wr, &ex, NULL), 3);
	n = shim_sel_to_poll(131, &rd, &wr, &ex, p);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(p[0].fd, 3);
	ck_assert_int_eq(p[0].events, POLLIN | POLLOUT);
	ck_assert_int_eq(p[1].fd, 70);
	ck_assert_int_eq(p[1].events, POLLOUT);
	ck_assert_int_eq(p[2].fd, 130);
	ck_assert_int_eq(p[2].events, POLLPRI);
	/* 3 readable and in error (counts in both sets), 70 not ready,
	 * 130 urgent */
	p[0].revents = POLLIN | POLLERR;
	p[1].revents = 0;
	p[2].revents = POLLPRI;
	ck_assert_int_eq(shim_sel_from_poll(p, n, 131, &rd, &wr, &ex), 3);
	ck_assert(FD_ISSET(3, &rd));
	ck_assert(FD_ISSET(3, &wr));
	ck_assert(!FD_ISSET(70, &wr));
	ck_assert(FD_ISSET(130, &ex));
	ck_assert(FD_ISSET(200, &rd));	/* beyond nfds: left alone */
	/* a hang-up reads as readable, not writable */
	p[0].revents = POLLHUP;
	p[2].revents = 0;
	ck_assert_int_eq(shim_sel_from_poll(p, n, 131, &rd, NULL, &ex), 1);
	ck_assert(FD_ISSET(3, &rd));
	/* an fd closed meanwhile: EBADF, the sets untouched */
	p[1].revents = POLLNVAL;
	ck_assert_int_eq(shim_sel_from_poll(p, n, 131, &rd, &wr, &ex), -1);
	ck_assert(FD_ISSET(3, &rd));
	ck_assert(shim_fdset_isset(&rd, 3));
	ck_assert(!shim_fdset_isset(NULL, 3));
}
END_TEST

START_TEST(ready_epoll_rose)
{
	unsigned in = XTCP_POLLIN | EPOLLRDNORM;

	ck_assert_uint_eq(shim_ep_rose(in | EPOLLOUT, in, 5, 5), EPOLLOUT);
	ck_assert_uint_eq(shim_ep_rose(in, in, 5, 5), 0);
	/* more data while still readable: a new EPOLLIN edge */
	ck_assert_uint_eq(shim_ep_rose(in, in, 6, 5), in);
	/* the counter moved but nothing to read: no edge */
	ck_assert_uint_eq(shim_ep_rose(EPOLLOUT, EPOLLOUT, 6, 5), 0);
	/* falling bits are no edge */
	ck_assert_uint_eq(shim_ep_rose(0, in, 5, 5), 0);
}
END_TEST

START_TEST(ready_epoll_on_change)
{
	uint32_t pending = 0;
	uint32_t lt = EPOLLIN | EPOLLERR | EPOLLHUP;
	uint32_t et = lt | EPOLLET;

	ck_assert_int_eq(shim_ep_on_change(lt, EPOLLOUT, 0, &pending),
	    SHIM_EP_UNQUEUE);
	ck_assert_int_eq(shim_ep_on_change(lt, EPOLLIN, 0, &pending),
	    SHIM_EP_QUEUE);
	ck_assert_uint_eq(pending, 0);		/* LT keeps no edges */
	ck_assert_int_eq(shim_ep_on_change(et, EPOLLIN, 0, &pending),
	    SHIM_EP_KEEP);
	ck_assert_int_eq(shim_ep_on_change(et, EPOLLIN | EPOLLOUT, EPOLLOUT,
	    &pending), SHIM_EP_KEEP);		/* not an edge it wants */
	ck_assert_int_eq(shim_ep_on_change(et, EPOLLIN, EPOLLIN, &pending),
	    SHIM_EP_QUEUE);
	ck_assert_uint_eq(pending, EPOLLIN);
	ck_assert_int_eq(shim_ep_on_change(et, EPOLLIN | EPOLLHUP, EPOLLHUP,
	    &pending), SHIM_EP_QUEUE);
	ck_assert_uint_eq(pending, EPOLLIN | EPOLLHUP);
	ck_assert_int_eq(shim_ep_on_change(et, 0, 0, &pending),
	    SHIM_EP_UNQUEUE);
}
END_TEST

START_TEST(ready_epoll_report)
{
	uint32_t ev, pending;
	int requeue;

	/* level-triggered: reported, and stays on the list */
	ev = EPOLLIN | EPOLLERR | EPOLLHUP;
	pending = 0;
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLIN | EPOLLOUT,
	    &requeue), EPOLLIN);
	ck_assert_int_eq(requeue, 1);
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLOUT, &requeue),
	    0);
	ck_assert_int_eq(requeue, 0);
	/* edge-triggered: only with an edge pending, then off the list */
	ev = EPOLLIN | EPOLLET | EPOLLERR | EPOLLHUP;
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLIN, &requeue),
	    0);
	pending = EPOLLIN;
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLIN, &requeue),
	    EPOLLIN);
	ck_assert_int_eq(requeue, 0);
	ck_assert_uint_eq(pending, 0);
	/* one-shot: reported once, then disarmed until EPOLL_CTL_MOD */
	ev = EPOLLIN | EPOLLONESHOT | EPOLLERR | EPOLLHUP;
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLIN, &requeue),
	    EPOLLIN);
	ck_assert_int_eq(requeue, 0);
	ck_assert_uint_eq(ev, EPOLLONESHOT);
	ck_assert_uint_eq(shim_ep_report(&ev, &pending, EPOLLIN | EPOLLHUP,
	    &requeue), 0);
}
END_TEST

Suite *
xt_suite_shim_ready(void)
{
	Suite *s = suite_create("shim_ready");
	TCase *tc = tcase_create("shim_ready");

	tcase_add_test(tc, ready_bits_are_linux);
	tcase_add_test(tc, ready_lowat);
	tcase_add_test(tc, ready_poll_revents);
	tcase_add_test(tc, ready_select_sets);
	tcase_add_test(tc, ready_epoll_rose);
	tcase_add_test(tc, ready_epoll_on_change);
	tcase_add_test(tc, ready_epoll_report);
	suite_add_tcase(s, tc);
	return (s);
}
