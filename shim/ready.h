/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ready.h - readiness bookkeeping of the shim that needs no real fd: the
 * engine's XTCP_POLL* bits turned into what poll(2), select(2) and
 * epoll(7) report, SO_RCVLOWAT's effect, and epoll's level-triggered,
 * edge-triggered and one-shot rules.  poll.c, epoll.c and core.c do the
 * locking, the sleeping and the fds; ready.c only computes.
 */
#ifndef SHIM_READY_H
#define SHIM_READY_H

#include <poll.h>
#include <stdint.h>
#include <sys/select.h>

/* ev as Linux tcp_poll() reports it with SO_RCVLOWAT rcvlowat: no POLLIN
 * before rcvlowat bytes are there, unless at end of stream or listening. */
unsigned shim_ready_lowat(unsigned ev, int rcvlowat, int listening,
	    uint32_t rxbytes);
/* poll(2) revents of a socket with readiness ev asked for events: the
 * NORM bits come with IN and OUT, ERR and HUP always. */
short	shim_ready_revents(unsigned ev, short events);
/* epoll's view of ev: the NORM bits added as Linux sockets add them. */
unsigned shim_ready_epoll(unsigned ev);

/* fd_set as a plain bit array, so nfds beyond FD_SETSIZE work too; a
 * NULL set has no bits. */
int	shim_fdset_isset(const fd_set *set, int fd);
void	shim_fdset_set(fd_set *set, int fd);
void	shim_fdset_zero(fd_set *set, int nfds);
/* select's sets below nfds as pollfds (Linux fs/select.c POLLIN_SET,
 * POLLOUT_SET, POLLEX_SET): fills pfds (NULL: only counts) and returns
 * how many fds are in any set. */
int	shim_sel_to_poll(int nfds, const fd_set *rd, const fd_set *wr,
	    const fd_set *ex, struct pollfd *pfds);
/* poll's answer back into select's sets (cleared below nfds first);
 * returns the ready count as select(2) does, or -1 if one fd was POLLNVAL
 * (select fails with EBADF; the sets are then left alone). */
int	shim_sel_from_poll(const struct pollfd *pfds, int n, int nfds,
	    fd_set *rd, fd_set *wr, fd_set *ex);

/* The epoll events that rose on a socket since the last scan (readiness
 * last, event counter last_seq): bits newly set, and EPOLLIN again when
 * the counter moved while readable (new data, FIN, error, connection), as
 * Linux's sk_data_ready wakes an edge-triggered waiter. */
unsigned shim_ep_rose(unsigned cur, unsigned last, uint32_t seq,
	    uint32_t last_seq);
/* What a registration (its events, its pending edge bits) does on a
 * change to readiness cur with rose: */
enum shim_ep_act {
	SHIM_EP_UNQUEUE,	/* not ready: off the ready list, no pending */
	SHIM_EP_KEEP,		/* edge-triggered, no new edge: as it was */
	SHIM_EP_QUEUE		/* on the ready list (*pending updated) */
};
enum shim_ep_act shim_ep_on_change(uint32_t events, unsigned cur,
	    unsigned rose, uint32_t *pending);
/* A registration taken off the ready list by epoll_wait, readiness cur
 * now: the events to report (0: none), *pending cleared, *events
 * disarmed after a one-shot report; *requeue set when it stays on the
 * list (level-triggered and reported). */
uint32_t shim_ep_report(uint32_t *events, uint32_t *pending, unsigned cur,
	    int *requeue);

#endif /* SHIM_READY_H */
