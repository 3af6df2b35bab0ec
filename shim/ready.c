/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ready.c - the readiness computations of poll, select and epoll that
 * need no real fd (ready.h): from the engine's XTCP_POLL* bits to the
 * bits each call reports, select's sets to pollfds and back, and epoll's
 * rules for which registration is queued and what it reports (Linux
 * fs/eventpoll.c ep_poll_callback and ep_send_events, fs/select.c).
 * Part of the shim's testable layer: pure functions, no lock, no state.
 * Unit tests: tests/unit/check_shim_ready.c.
 */
#include "prelude.h"

#include <string.h>
#include <sys/epoll.h>

#include "ready.h"
#include "xtcp.h"

/* flags that survive an EPOLLONESHOT report (Linux EP_PRIVATE_BITS) */
#define EP_PRIVATE	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

/* bits of an unsigned long, the word of an fd_set */
#define BITS	(8 * sizeof(unsigned long))

/*
 * Linux tcp_poll() reports EPOLLIN only once SO_RCVLOWAT bytes are there
 * (tcp_stream_is_readable), or at end of stream.
 */
unsigned
shim_ready_lowat(unsigned ev, int rcvlowat, int listening, uint32_t rxbytes)
{
	if (rcvlowat > 1 && (ev & XTCP_POLLIN) != 0 &&
	    (ev & XTCP_POLLRDHUP) == 0 && !listening &&
	    rxbytes < (uint32_t)rcvlowat)
		ev &= ~XTCP_POLLIN;
	return (ev);
}

short
shim_ready_revents(unsigned ev, short events)
{
	/* Linux sockets report the NORM bits along with IN and OUT */
	if (ev & XTCP_POLLIN)
		ev |= POLLRDNORM;
	if (ev & XTCP_POLLOUT)
		ev |= POLLWRNORM;
	return ((short)(ev & ((unsigned short)events | POLLERR | POLLHUP)));
}

unsigned
shim_ready_epoll(unsigned ev)
{
	if (ev & XTCP_POLLIN)
		ev |= EPOLLRDNORM;
	if (ev & XTCP_POLLOUT)
		ev |= EPOLLWRNORM;
	return (ev);
}

/* ---- select ---- */

int
shim_fdset_isset(const fd_set *set, int fd)
{
	const unsigned long *w = (const unsigned long *)(const void *)set;

	return (set != NULL && (w[fd / BITS] >> (fd % BITS)) & 1);
}

void
shim_fdset_set(fd_set *set, int fd)
{
	unsigned long *w = (unsigned long *)(void *)set;

	w[fd / BITS] |= 1UL << (fd % BITS);
}

void
shim_fdset_zero(fd_set *set, int nfds)
{
	if (set != NULL)
		memset(set, 0, ((size_t)nfds + BITS - 1) / BITS *
		    sizeof(unsigned long));
}

int
shim_sel_to_poll(int nfds, const fd_set *rd, const fd_set *wr,
    const fd_set *ex, struct pollfd *pfds)
{
	int fd, n = 0;

	for (fd = 0; fd < nfds; fd++) {
		if (!shim_fdset_isset(rd, fd) && !shim_fdset_isset(wr, fd) &&
		    !shim_fdset_isset(ex, fd))
			continue;
		if (pfds != NULL) {
			pfds[n].fd = fd;
			pfds[n].events = (shim_fdset_isset(rd, fd) ? POLLIN : 0) |
			    (shim_fdset_isset(wr, fd) ? POLLOUT : 0) |
			    (shim_fdset_isset(ex, fd) ? POLLPRI : 0);
			pfds[n].revents = 0;
		}
		n++;
	}
	return (n);
}

int
shim_sel_from_poll(const struct pollfd *pfds, int n, int nfds, fd_set *rd,
    fd_set *wr, fd_set *ex)
{
	int i, r, ready = 0;

	for (i = 0; i < n; i++)
		if (pfds[i].revents & POLLNVAL)
			return (-1);
	shim_fdset_zero(rd, nfds);
	shim_fdset_zero(wr, nfds);
	shim_fdset_zero(ex, nfds);
	for (i = 0; i < n; i++) {
		r = pfds[i].revents;
		if ((pfds[i].events & POLLIN) &&
		    (r & (POLLIN | POLLRDNORM | POLLHUP | POLLERR))) {
			shim_fdset_set(rd, pfds[i].fd);
			ready++;
		}
		if ((pfds[i].events & POLLOUT) &&
		    (r & (POLLOUT | POLLWRNORM | POLLERR))) {
			shim_fdset_set(wr, pfds[i].fd);
			ready++;
		}
		if ((pfds[i].events & POLLPRI) && (r & POLLPRI)) {
			shim_fdset_set(ex, pfds[i].fd);
			ready++;
		}
	}
	return (ready);
}

/* ---- epoll ---- */

unsigned
shim_ep_rose(unsigned cur, unsigned last, uint32_t seq, uint32_t last_seq)
{
	unsigned rose = cur & ~last;

	/* new input (data, FIN, error, a child ready to accept) is a new
	 * EPOLLIN event, as Linux's sk_data_ready wakeup is */
	if (seq != last_seq && (cur & XTCP_POLLIN))
		rose |= XTCP_POLLIN | EPOLLRDNORM;
	return (rose);
}

enum shim_ep_act
shim_ep_on_change(uint32_t events, unsigned cur, unsigned rose,
    uint32_t *pending)
{
	if ((cur & events) == 0)
		return (SHIM_EP_UNQUEUE);
	if (events & EPOLLET) {
		if ((rose & events) == 0)
			return (SHIM_EP_KEEP);
		*pending |= rose & events;
	}
	return (SHIM_EP_QUEUE);
}

uint32_t
shim_ep_report(uint32_t *events, uint32_t *pending, unsigned cur,
    int *requeue)
{
	uint32_t rev;

	*requeue = 0;
	rev = cur & *events;
	if ((*events & EPOLLET) && *pending == 0)
		rev = 0;
	*pending = 0;
	if (rev == 0)
		return (0);
	if (*events & EPOLLONESHOT)
		*events &= EP_PRIVATE;
	/* level-triggered: report again next time if still ready */
	if ((*events & (EPOLLET | EPOLLONESHOT)) == 0)
		*requeue = 1;
	return (rev);
}
