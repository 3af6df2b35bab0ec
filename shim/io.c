/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * io.c - read/write, send/recv and their vector, message, sendfile and
 * fortified (_chk) variants.
 *
 * Semantics follow Linux TCP: a blocking send queues everything (short
 * only if an error or a signal cuts it off after progress), a blocking
 * recv returns as soon as SO_RCVLOWAT bytes (default 1) are there
 * (MSG_WAITALL: everything), 0 is end of stream, SO_RCVTIMEO/SO_SNDTIMEO
 * expire with EAGAIN, EPIPE raises SIGPIPE unless MSG_NOSIGNAL.  A signal
 * ends a blocking call with the count so far, or EINTR, or restarts it
 * per SA_RESTART as Linux would (core.c, shim_wait).  MSG_TRUNC on recv
 * discards the bytes (Linux TCP); MSG_ERRQUEUE is EAGAIN (TCP has no
 * error queue).  Urgent data (RFC 9293 section 3.8.5, the seeds' CX/UX
 * and illumos tcp(4P)): send with MSG_OOB marks the last byte urgent;
 * recv with MSG_OOB takes the urgent byte and never waits (Linux
 * tcp_recv_urg: EINVAL when there is none or SO_OOBINLINE is set, EAGAIN
 * when it is announced but not here yet); a read never returns data
 * across the mark, even with MSG_WAITALL or SO_RCVLOWAT, so the pages'
 * read-until-SIOCATMARK loop works.
 * splice(2) with one of our sockets at either end copies through a buffer.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inet6.h"
#include "shim.h"

/* writev/sendmsg gather small pieces into one engine call */
#define IO_GATHER	4096
/* sendfile moves the file through a buffer this large */
#define IO_SENDFILE_BUF	65536
/* MSG_PEEK into several iovecs peeks at most this much */
#define IO_PEEK_MAX	(1 << 20)

/* MSG_TRUNC discards through a buffer this large */
#define IO_DISCARD_BUF	4096
/* splice moves at most this much per call */
#define IO_SPLICE_BUF	65536

#define XT_SEND_FLAGS	(XTCP_MSG_OOB | XTCP_MSG_MORE)
#define XT_RECV_FLAGS	(XTCP_MSG_PEEK | XTCP_MSG_OOB)

static int	iov_check(const struct iovec *iov, int iovcnt, size_t *totalp);
static ssize_t	io_sendv(struct shim_sock *s, const struct iovec *iov,
		    int iovcnt, int flags, int *errp);
static ssize_t	io_peekv(struct shim_sock *s, const struct iovec *iov,
		    int iovcnt, size_t total, int flags, int *errp);
static ssize_t	io_recvv(struct shim_sock *s, const struct iovec *iov,
		    int iovcnt, int flags, int *errp);
static ssize_t	send_done(struct shim_sock *s, ssize_t n, int err, int flags);
static ssize_t	recv_done(struct shim_sock *s, ssize_t n, int err);
static ssize_t	dead_io(void);
static ssize_t	do_read(int fd, void *buf, size_t len);
static ssize_t	do_recv(int fd, void *buf, size_t len, int flags);
static ssize_t	do_recvfrom(int fd, void *restrict buf, size_t len, int flags,
		    struct sockaddr *sa, socklen_t *restrict alen);
static ssize_t	io_sendfile(struct shim_sock *s, int in, off64_t *off,
		    size_t count, int *errp);
static int	xrecv(struct shim_sock *s, void *buf, size_t len, int flags,
		    size_t *got);
static ssize_t	io_sendmsg(struct shim_sock *s, const struct msghdr *msg,
		    int flags, int *errp);
static ssize_t	io_recvmsg(struct shim_sock *s, struct msghdr *msg,
		    int flags, int *errp);
static int	is_pipe(int fd);
static int	pipe_ready(int fd, short events);
static ssize_t	splice_to_sock(struct shim_sock *s, int in, size_t len,
		    unsigned int flags, int *errp);
static ssize_t	splice_from_sock(struct shim_sock *s, int out, size_t len,
		    unsigned int flags, int *errp);

/* ---- the two loops everything else is built on ---- */

ssize_t
io_send(struct shim_sock *s, const void *buf, size_t len, int flags,
    int *errp)
{
	const char *p = buf;
	uint64_t deadline = 0;
	size_t done = 0, n;
	int r, err, nb;

	*errp = 0;
	nb = s->nonblock || (flags & MSG_DONTWAIT) != 0;
	for (;;) {
		n = 0;
		/* TCP_NOTSENT_LOWAT: the engine takes what Linux would and
		 * says XT_EAGAIN above the mark */
		r = xtcp_send(s->xs, shim_now_us(), p + done, len - done,
		    flags & XT_SEND_FLAGS, &n);
		if (r == XT_OK && n == 0 && done < len)
			r = XT_EAGAIN;		/* no room after all */
		if (r == XT_OK) {
			done += n;
			if (done == len || nb)
				break;
			continue;
		}
		if (r != XT_EAGAIN || nb)
			break;
		if (deadline == 0)
			deadline = shim_deadline(s->sndtimeo_us);
		if ((err = shim_wait(s, deadline)) != 0) {
			if (done > 0)
				return (done);
			*errp = err;
			return (-1);
		}
	}
	if (done > 0 || r == XT_OK)
		return (done);
	/* Linux sk_stream_wait_connect: sending on a TCP socket that is
	 * neither connected nor connecting is EPIPE (and SIGPIPE) */
	*errp = r == XT_ENOTCONN ? EPIPE : shim_errno(r);
	return (-1);
}

/*
 * One engine receive.  MSG_TRUNC (Linux tcp_recvmsg): the bytes are
 * consumed but not copied, and with MSG_PEEK only counted.
 */
static int
xrecv(struct shim_sock *s, void *buf, size_t len, int flags, size_t *got)
{
	char scratch[IO_DISCARD_BUF];
	size_t n, k, rx;
	int r;

	if ((flags & MSG_TRUNC) == 0)
		return (xtcp_recv(s->xs, shim_now_us(), buf, len,
		    flags & XT_RECV_FLAGS, got));
	*got = 0;
	if (flags & MSG_PEEK) {
		r = xtcp_recv(s->xs, shim_now_us(), scratch, len > 0 ? 1 : 0,
		    XTCP_MSG_PEEK, &k);
		if (r == XT_OK && k > 0) {
			rx = xtcp_sock_rxbytes(s->xs);
			*got = rx < len ? rx : len;
		}
		return (r);
	}
	for (n = 0; ; n += k) {
		k = len - n < sizeof(scratch) ? len - n : sizeof(scratch);
		r = xtcp_recv(s->xs, shim_now_us(), scratch, k, 0, &k);
		if (r != XT_OK || k == 0 || n + k == len) {
			*got = n + (r == XT_OK ? k : 0);
			return (*got > 0 ? XT_OK : r);
		}
	}
}

ssize_t
io_recv(struct shim_sock *s, void *buf, size_t len, int flags, int *errp)
{
	char *p = buf;
	uint64_t deadline = 0;
	size_t done = 0, n, target;
	int r, err, nb;
	char oob;

	*errp = 0;
	if (flags & MSG_ERRQUEUE) {
		/* only MSG_ZEROCOPY completions are queued; no control
		 * buffer here, so the entry is just taken (Linux) */
		uint32_t lo, hi;

		if (xtcp_take_zerocopy(s->xs, &lo, &hi) == XT_OK)
			return (0);
		*errp = EAGAIN;
		return (-1);
	}
	if (flags & MSG_OOB) {
		/* Linux tcp_recv_urg: one byte at most, never waits, and
		 * MSG_TRUNC with it just takes the byte */
		r = xtcp_recv(s->xs, shim_now_us(), (flags & MSG_TRUNC) ?
		    (void *)&oob : buf, len > 0 ? 1 : 0,
		    flags & XT_RECV_FLAGS, &n);
		if (r == XT_OK)
			return ((ssize_t)n);
		*errp = shim_errno(r);
		return (-1);
	}
	nb = s->nonblock || (flags & MSG_DONTWAIT) != 0;
	/* Linux sock_rcvlowat(): MSG_WAITALL wants len, else SO_RCVLOWAT */
	if ((flags & MSG_WAITALL) != 0 && (flags & MSG_PEEK) == 0)
		target = len;
	else if ((flags & MSG_PEEK) == 0 && s->rcvlowat > 1)
		target = (size_t)s->rcvlowat < len ? (size_t)s->rcvlowat : len;
	else
		target = 1;
	for (;;) {
		n = 0;
		r = xrecv(s, p != NULL ? p + done : NULL, len - done, flags, &n);
		if (r == XT_OK) {
			done += n;
			if (n == 0 || done >= target || done == len)
				break;
			/* never across the urgent mark (Linux tcp_recvmsg
			 * stops there once it has copied something) */
			if (done > 0 && xtcp_sock_atmark(s->xs))
				break;
			continue;
		}
		if (r != XT_EAGAIN || nb)
			break;
		if (deadline == 0)
			deadline = shim_deadline(s->rcvtimeo_us);
		if ((err = shim_wait(s, deadline)) != 0) {
			if (done > 0)
				return (done);
			*errp = err;
			return (-1);
		}
	}
	if (done > 0 || r == XT_OK)
		return (done);
	*errp = shim_errno(r);
	return (-1);
}

/* ---- vectors ---- */

static int
iov_check(const struct iovec *iov, int iovcnt, size_t *totalp)
{
	size_t total = 0;
	int i;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return (EINVAL);
	if (iovcnt > 0 && iov == NULL)
		return (EFAULT);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return (EINVAL);
		total += iov[i].iov_len;
	}
	*totalp = total;
	return (0);
}

static ssize_t
io_sendv(struct shim_sock *s, const struct iovec *iov, int iovcnt,
    int flags, int *errp)
{
	char tmp[IO_GATHER];
	size_t total = 0, fill = 0, len;
	ssize_t n;
	int i;

	if ((*errp = iov_check(iov, iovcnt, &len)) != 0)
		return (-1);
	/*
	 * Pieces smaller than IO_GATHER are copied together so a header and
	 * a body go out as one segment, as one sendmsg would on Linux; large
	 * ones go straight to the engine.  Counts stay exact: the stream of
	 * bytes is the same, only the calls differ.
	 */
	for (i = 0; i <= iovcnt; i++) {
		len = i < iovcnt ? iov[i].iov_len : 0;
		if (fill > 0 && (i == iovcnt || fill + len > sizeof(tmp))) {
			n = io_send(s, tmp, fill, flags, errp);
			if (n < 0)
				goto out;
			total += n;
			if ((size_t)n < fill)
				goto out;
			fill = 0;
		}
		if (i == iovcnt || len == 0)
			continue;
		if (len < sizeof(tmp)) {
			memcpy(tmp + fill, iov[i].iov_base, len);
			fill += len;
			continue;
		}
		n = io_send(s, iov[i].iov_base, len, flags, errp);
		if (n < 0)
			goto out;
		total += n;
		if ((size_t)n < len)
			goto out;
	}
out:
	if (total > 0)
		*errp = 0;
	return (total > 0 || *errp == 0 ? (ssize_t)total : -1);
}

/* MSG_PEEK into several iovecs: one peek, then scatter. */
static ssize_t
io_peekv(struct shim_sock *s, const struct iovec *iov, int iovcnt,
    size_t total, int flags, int *errp)
{
	size_t off, k;
	ssize_t n;
	char *buf;
	int i;

	if (total > IO_PEEK_MAX)
		total = IO_PEEK_MAX;
	if ((buf = malloc(total > 0 ? total : 1)) == NULL) {
		*errp = ENOMEM;
		return (-1);
	}
	n = io_recv(s, buf, total, flags, errp);
	for (i = 0, off = 0; n > 0 && i < iovcnt && off < (size_t)n; i++) {
		k = (size_t)n - off < iov[i].iov_len ? (size_t)n - off :
		    iov[i].iov_len;
		memcpy(iov[i].iov_base, buf + off, k);
		off += k;
	}
	free(buf);
	return (n);
}

static ssize_t
io_recvv(struct shim_sock *s, const struct iovec *iov, int iovcnt,
    int flags, int *errp)
{
	size_t total = 0, len;
	ssize_t n;
	int i, f;

	if ((*errp = iov_check(iov, iovcnt, &len)) != 0)
		return (-1);
	if ((flags & MSG_PEEK) != 0 && iovcnt > 1)
		return (io_peekv(s, iov, iovcnt, len, flags, errp));
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		/* block for the first byte only (MSG_WAITALL: for all) */
		f = flags;
		if (total > 0 && (flags & MSG_WAITALL) == 0)
			f |= MSG_DONTWAIT;
		n = io_recv(s, iov[i].iov_base, iov[i].iov_len, f, errp);
		if (n < 0) {
			if (total > 0) {
				*errp = 0;
				return (total);
			}
			return (-1);
		}
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return (total);
}

/* ---- finishing a call ---- */

static ssize_t
send_done(struct shim_sock *s, ssize_t n, int err, int flags)
{
	/* MSG_ZEROCOPY: one completion per call that sent (SO_ZEROCOPY) */
	if (n > 0 && (flags & MSG_ZEROCOPY))
		xtcp_zerocopy_sent(s->xs);
	shim_sock_put(s);
	if (n >= 0)
		return (n);
	/* Linux: EPIPE on a stream socket raises SIGPIPE (to this thread) */
	if (err == EPIPE && (flags & MSG_NOSIGNAL) == 0)
		(void)raise(SIGPIPE);
	return (shim_fail_errno(err));
}

static ssize_t
recv_done(struct shim_sock *s, ssize_t n, int err)
{
	shim_sock_put(s);
	return (n >= 0 ? n : shim_fail_errno(err));
}

static ssize_t
dead_io(void)
{
	return (shim_fail_errno(ENOTCONN));
}

/* ---- hooks ---- */

#define IO_CLASSIFY(fd, s, hostcall) do {				\
	enum shim_fd_kind k_;						\
									\
	shim_init();							\
	if ((k_ = shim_fd_get((fd), &(s))) != SHIM_FD_OURS)		\
		return (k_ == SHIM_FD_DEAD ? dead_io() : (hostcall));	\
} while (0)

static ssize_t
do_read(int fd, void *buf, size_t len)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_read(fd, buf, len));
	n = io_recv(s, buf, len, 0, &err);
	return (recv_done(s, n, err));
}

SHIM_EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	return (do_read(fd, buf, len));
}

SHIM_EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_write(fd, buf, len));
	n = io_send(s, buf, len, 0, &err);
	return (send_done(s, n, err, 0));
}

SHIM_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_readv(fd, iov, iovcnt));
	n = io_recvv(s, iov, iovcnt, 0, &err);
	return (recv_done(s, n, err));
}

SHIM_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_writev(fd, iov, iovcnt));
	n = io_sendv(s, iov, iovcnt, 0, &err);
	return (send_done(s, n, err, 0));
}

SHIM_EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_send(fd, buf, len, flags));
	n = io_send(s, buf, len, flags, &err);
	return (send_done(s, n, err, flags));
}

/*
 * sendto/sendmsg with MSG_FASTOPEN on a socket that is not connected
 * (RFC 7413, Linux's client API): connect and put the data in the SYN
 * when a cookie for the server is known.  Without one the SYN asks for a
 * cookie: a non-blocking socket gets EINPROGRESS (nothing sent), a
 * blocking one waits for the connection and sends the data after it, as
 * Linux does.  Returns -2 when MSG_FASTOPEN does not apply (the socket is
 * connected): a plain send; -3 when the destination is the kernel's
 * (loopback, XTCP_PASSTHROUGH, real IPv6): the socket is handed over.
 */
static ssize_t
io_fastopen(struct shim_sock *s, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t alen, int *errp)
{
	uint64_t deadline = 0;
	uint32_t a;
	uint16_t p;
	size_t sent = 0;
	int r, err, kernel;

	*errp = 0;
	if ((err = sock_addr_in(s, sa, alen, SHIM_IN6_CONNECT, &a, &p,
	    &kernel)) != 0) {
		*errp = err;
		return (-1);
	}
	if (kernel) {
		*errp = kernel;		/* why (enum shim_handover) */
		return (-3);
	}
	r = xtcp_sendto_fastopen(s->xs, shim_now_us(), a, p, buf, len, &sent);
	if (r == XT_OK)
		return ((ssize_t)sent);
	if (r == XT_EISCONN || r == XT_EALREADY)
		return (-2);
	if (r != XT_EINPROGRESS) {
		*errp = shim_errno(r);
		return (-1);
	}
	if (s->nonblock || (flags & MSG_DONTWAIT)) {
		*errp = EINPROGRESS;
		return (-1);
	}
	/* blocking: wait for the handshake, take its outcome, then send */
	for (;;) {
		if ((xtcp_poll(s->xs) & (XTCP_POLLOUT | XTCP_POLLERR |
		    XTCP_POLLHUP)) != 0) {
			r = xtcp_connect(s->xs, shim_now_us(), a, p);
			if (r != XT_EALREADY)
				break;
		}
		if (deadline == 0)
			deadline = shim_deadline(s->sndtimeo_us);
		if ((err = shim_wait(s, deadline)) != 0) {
			*errp = err == EAGAIN ? EINPROGRESS : err;
			return (-1);
		}
	}
	if (r != XT_OK && r != XT_EISCONN) {
		*errp = shim_errno(r);
		return (-1);
	}
	return (-2);
}

/* A destination on a stream socket is ignored, as Linux does, but for
 * MSG_FASTOPEN. */
SHIM_EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_sendto(fd, buf, len, flags, addr, alen));
	if ((flags & MSG_FASTOPEN) && SA_PTR(addr) != NULL) {
		n = io_fastopen(s, buf, len, flags, SA_PTR(addr), alen, &err);
		/* the kernel's destination: a kernel socket connects, unless
		 * ours is connected already (EISCONN: a plain send) */
		if (n == -3 && (err = sock_handover(fd, s,
		    (enum shim_handover)err)) != EISCONN) {
			shim_sock_put(s);
			return (err != 0 ? shim_fail_errno(err) :
			    real_sendto(fd, buf, len, flags, addr, alen));
		}
		if (n >= -1)
			return (send_done(s, n, err, flags));
	}
	n = io_send(s, buf, len, flags & ~MSG_FASTOPEN, &err);
	return (send_done(s, n, err, flags));
}

/* Linux ___sys_sendmsg: the destination and control data of a stream
 * socket are ignored; more than UIO_MAXIOV pieces is EMSGSIZE. */
static ssize_t
io_sendmsg(struct shim_sock *s, const struct msghdr *msg, int flags,
    int *errp)
{
	if (msg == NULL) {
		*errp = EFAULT;
		return (-1);
	}
	if (msg->msg_iovlen > IOV_MAX) {
		*errp = EMSGSIZE;
		return (-1);
	}
	return (io_sendv(s, msg->msg_iov, (int)msg->msg_iovlen, flags, errp));
}

SHIM_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_sendmsg(fd, msg, flags));
	n = io_sendmsg(s, msg, flags, &err);
	return (send_done(s, n, err, flags));
}

static ssize_t
do_recv(int fd, void *buf, size_t len, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_recv(fd, buf, len, flags));
	n = io_recv(s, buf, len, flags, &err);
	return (recv_done(s, n, err));
}

SHIM_EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	return (do_recv(fd, buf, len, flags));
}

/* A stream socket reports no source: *alen becomes 0, as on Linux. */
static ssize_t
do_recvfrom(int fd, void *restrict buf, size_t len, int flags,
    struct sockaddr *sa, socklen_t *restrict alen)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_recvfrom(fd, buf, len, flags, sa, alen));
	n = io_recv(s, buf, len, flags, &err);
	if (n >= 0 && sa != NULL && alen != NULL)
		*alen = 0;
	return (recv_done(s, n, err));
}

SHIM_EXPORT ssize_t
recvfrom(int fd, void *restrict buf, size_t len, int flags,
    __SOCKADDR_ARG addr, socklen_t *restrict alen)
{
	return (do_recvfrom(fd, buf, len, flags, SA_PTR(addr), alen));
}

/*
 * Linux ip_recv_error for a MSG_ZEROCOPY completion: no data, the flag
 * MSG_ERRQUEUE, and one SOL_IP/IP_RECVERR message holding a struct
 * sock_extended_err (origin SO_EE_ORIGIN_ZEROCOPY, ee_info..ee_data the
 * ids, SO_EE_CODE_ZEROCOPY_COPIED: the bytes were copied) followed by
 * an empty offender address; a short control buffer gets MSG_CTRUNC.
 * An AF_INET6 socket's (Linux ipv6_recv_error, checked on 6.x) is one
 * SOL_IPV6/IPV6_RECVERR message whose offender is an empty sockaddr_in6,
 * and names no source.
 */
static ssize_t
io_errqueue(struct shim_sock *s, struct msghdr *msg, int *errp)
{
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in6	 offender;	/* or a sockaddr_in */
	} eh;
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(eh))];
	} cm;
	struct sockaddr_in sin;
	uint32_t lo, hi;
	size_t n, ehlen;

	if (xtcp_take_zerocopy(s->xs, &lo, &hi) != XT_OK) {
		*errp = EAGAIN;
		return (-1);
	}
	memset(&eh, 0, sizeof(eh));
	eh.ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	eh.ee.ee_code = SO_EE_CODE_ZEROCOPY_COPIED;
	eh.ee.ee_info = lo;
	eh.ee.ee_data = hi;
	memset(&cm, 0, sizeof(cm));
	if (s->inet6) {
		ehlen = sizeof(eh);
		cm.h.cmsg_level = SOL_IPV6;
		cm.h.cmsg_type = IPV6_RECVERR;
	} else {
		ehlen = sizeof(eh.ee) + sizeof(struct sockaddr_in);
		cm.h.cmsg_level = SOL_IP;
		cm.h.cmsg_type = IP_RECVERR;
	}
	cm.h.cmsg_len = CMSG_LEN(ehlen);
	memcpy(CMSG_DATA(&cm.h), &eh, ehlen);
	msg->msg_flags = MSG_ERRQUEUE;
	if (s->inet6)
		msg->msg_namelen = 0;
	else if (msg->msg_name != NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		n = msg->msg_namelen < sizeof(sin) ? msg->msg_namelen :
		    sizeof(sin);
		memcpy(msg->msg_name, &sin, n);
		msg->msg_namelen = sizeof(sin);
	}
	n = CMSG_SPACE(ehlen);
	if (msg->msg_control == NULL || msg->msg_controllen < n) {
		msg->msg_flags |= MSG_CTRUNC;
		n = msg->msg_control == NULL ||
		    msg->msg_controllen < sizeof(struct cmsghdr) ? 0 :
		    msg->msg_controllen;
	}
	if (n > 0)
		memcpy(msg->msg_control, cm.b, n);
	msg->msg_controllen = n;
	return (0);
}

/* A stream socket names no source and passes no control data: both
 * lengths come back 0, and msg_flags (MSG_TRUNC, MSG_CTRUNC) clear. */
static ssize_t
io_recvmsg(struct shim_sock *s, struct msghdr *msg, int flags, int *errp)
{
	ssize_t n;

	if (msg == NULL) {
		*errp = EFAULT;
		return (-1);
	}
	if (msg->msg_iovlen > IOV_MAX) {
		*errp = EMSGSIZE;
		return (-1);
	}
	if (flags & MSG_ERRQUEUE)
		return (io_errqueue(s, msg, errp));
	n = io_recvv(s, msg->msg_iov, (int)msg->msg_iovlen, flags, errp);
	if (n >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		/* Linux tcp_recv_urg flags the urgent byte MSG_OOB */
		msg->msg_flags = (flags & MSG_OOB) ? MSG_OOB : 0;
	}
	return (n);
}

SHIM_EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_recvmsg(fd, msg, flags));
	n = io_recvmsg(s, msg, flags, &err);
	return (recv_done(s, n, err));
}

/*
 * Linux __sys_sendmmsg: one sendmsg per entry until one fails; after at
 * least one went, the count is returned and the error dropped.
 */
SHIM_EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct shim_sock *s;
	unsigned int i;
	ssize_t n = 0;
	int err = 0;

	IO_CLASSIFY(fd, s, real_sendmmsg != NULL ?
	    real_sendmmsg(fd, vec, vlen, flags) :
	    (int)syscall(SYS_sendmmsg, fd, vec, vlen, flags));
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (i = 0; i < vlen; i++) {
		n = io_sendmsg(s, &vec[i].msg_hdr, flags, &err);
		if (n < 0)
			break;
		vec[i].msg_len = (unsigned int)n;
		if (n > 0 && (flags & MSG_ZEROCOPY))
			xtcp_zerocopy_sent(s->xs);	/* one per message */
	}
	flags &= ~MSG_ZEROCOPY;
	if (i == 0)
		return ((int)send_done(s, -1, err, flags));
	/* the failed sendmsg raised SIGPIPE on Linux even so */
	if (n < 0 && err == EPIPE && (flags & MSG_NOSIGNAL) == 0)
		(void)raise(SIGPIPE);
	return ((int)send_done(s, (ssize_t)i, 0, flags));
}

/*
 * Linux __sys_recvmmsg: one recvmsg per entry; MSG_WAITFORONE makes the
 * entries after the first non-blocking; the timeout is only looked at
 * between entries (as the kernel does); after at least one entry an error
 * ends the call with the count.
 */
SHIM_EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
    struct timespec *tmo)
{
	struct shim_sock *s;
	uint64_t deadline = UINT64_MAX, now;
	unsigned int i;
	ssize_t n = 0;
	int err = 0, f = flags & ~MSG_WAITFORONE;

	IO_CLASSIFY(fd, s, real_recvmmsg != NULL ?
	    real_recvmmsg(fd, vec, vlen, flags, tmo) :
	    (int)syscall(SYS_recvmmsg, fd, vec, vlen, flags, tmo));
	if (tmo != NULL) {
		if (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		    tmo->tv_nsec >= 1000000000) {
			shim_sock_put(s);
			return (shim_fail_errno(EINVAL));
		}
		deadline = shim_now_us() + (uint64_t)tmo->tv_sec * 1000000 +
		    (uint64_t)tmo->tv_nsec / 1000;
	}
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (i = 0; i < vlen; i++) {
		n = io_recvmsg(s, &vec[i].msg_hdr, f, &err);
		if (n < 0)
			break;
		vec[i].msg_len = (unsigned int)n;
		if (flags & MSG_WAITFORONE)
			f |= MSG_DONTWAIT;
		if (tmo != NULL && shim_now_us() >= deadline) {
			i++;
			break;
		}
	}
	if (tmo != NULL) {
		now = shim_now_us();
		now = now < deadline ? deadline - now : 0;
		tmo->tv_sec = now / 1000000;
		tmo->tv_nsec = (now % 1000000) * 1000;
	}
	if (i > 0)
		return ((int)recv_done(s, (ssize_t)i, 0));
	return ((int)recv_done(s, -1, err));
}

/* ---- fortified entry points (-D_FORTIFY_SOURCE programs) ---- */

SHIM_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	shim_init();
	/* an overflow: let glibc report it the way the program expects */
	if (len > buflen && real___read_chk != NULL)
		return (real___read_chk(fd, buf, len, buflen));
	return (do_read(fd, buf, len > buflen ? buflen : len));
}

SHIM_EXPORT ssize_t
__recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	shim_init();
	if (len > buflen && real___recv_chk != NULL)
		return (real___recv_chk(fd, buf, len, buflen, flags));
	return (do_recv(fd, buf, len > buflen ? buflen : len, flags));
}

SHIM_EXPORT ssize_t
__recvfrom_chk(int fd, void *restrict buf, size_t len, size_t buflen,
    int flags, __SOCKADDR_ARG addr, socklen_t *restrict alen)
{
	shim_init();
	if (len > buflen && real___recvfrom_chk != NULL)
		return (real___recvfrom_chk(fd, buf, len, buflen, flags, addr,
		    alen));
	return (do_recvfrom(fd, buf, len > buflen ? buflen : len, flags,
	    SA_PTR(addr), alen));
}

/* ---- sendfile ---- */

/*
 * The file goes through a buffer; the engine lock is not held while the
 * file is read.  Bytes read but not queued are given back to the file
 * offset, so the count stays exact.
 */
static ssize_t
io_sendfile(struct shim_sock *s, int in, off64_t *off, size_t count,
    int *errp)
{
	size_t total = 0, chunk;
	ssize_t nr, ns;
	char *buf;

	*errp = 0;
	if (fdmap_peek(in) != FDM_HOST) {
		*errp = EINVAL;		/* not from a socket, as Linux */
		return (-1);
	}
	if (count == 0)
		return (0);
	chunk = count < IO_SENDFILE_BUF ? count : IO_SENDFILE_BUF;
	if ((buf = malloc(chunk)) == NULL) {
		*errp = ENOMEM;
		return (-1);
	}
	shim_unlock();
	while (total < count) {
		if (count - total < chunk)
			chunk = count - total;
		nr = off != NULL ? pread64(in, buf, chunk, *off + total) :
		    real_read(in, buf, chunk);
		if (nr <= 0) {
			if (nr < 0)
				*errp = errno;
			break;
		}
		shim_lock();
		ns = io_send(s, buf, nr, 0, errp);
		shim_unlock();
		if (ns < nr && off == NULL)
			(void)lseek64(in, -(off64_t)(nr - (ns > 0 ? ns : 0)),
			    SEEK_CUR);
		if (ns > 0)
			total += ns;
		if (ns < nr)
			break;
	}
	shim_lock();
	free(buf);
	if (off != NULL)
		*off += total;
	if (total > 0 || *errp == 0)
		return (total);
	return (-1);
}

SHIM_EXPORT ssize_t
sendfile(int out, int in, off_t *off, size_t count)
{
	struct shim_sock *s;
	off64_t o;
	ssize_t n;
	int err;

	IO_CLASSIFY(out, s, real_sendfile(out, in, off, count));
	o = off != NULL ? *off : 0;
	n = io_sendfile(s, in, off != NULL ? &o : NULL, count, &err);
	if (off != NULL)
		*off = o;
	return (send_done(s, n, err, 0));
}

SHIM_EXPORT ssize_t
sendfile64(int out, int in, off64_t *off, size_t count)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(out, s, real_sendfile64 != NULL ?
	    real_sendfile64(out, in, off, count) :
	    real_sendfile(out, in, (off_t *)off, count));
	n = io_sendfile(s, in, off, count, &err);
	return (send_done(s, n, err, 0));
}

/* ---- splice ---- */

/*
 * splice(2) needs a pipe at one end; with one of our sockets at the other
 * the bytes are copied through a buffer (the lock is dropped while the
 * pipe is read or written).  Counts stay exact: into a socket, what was
 * taken from the pipe is queued completely (blocking for the rest if it
 * must); out of a socket, the bytes are peeked and only what the pipe
 * took is consumed.  SPLICE_F_NONBLOCK or a non-blocking socket give
 * EAGAIN rather than waiting at the start.
 */
static int
is_pipe(int fd)
{
	struct stat st;

	return (syscall(SYS_fstat, fd, &st) == 0 && S_ISFIFO(st.st_mode));
}

static int
pipe_ready(int fd, short events)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = events;
	return (syscall(SYS_poll, &pfd, 1, 0) == 1);
}

static ssize_t
splice_to_sock(struct shim_sock *s, int in, size_t len, unsigned int flags,
    int *errp)
{
	ssize_t nr, ns;
	char *buf;
	int nb, saved;

	*errp = 0;
	nb = s->nonblock || (flags & SPLICE_F_NONBLOCK) != 0;
	if (nb && ((shim_sock_poll(s) & XTCP_POLLOUT) == 0 ||
	    ((flags & SPLICE_F_NONBLOCK) && !pipe_ready(in, POLLIN)))) {
		*errp = EAGAIN;
		return (-1);
	}
	if (len > IO_SPLICE_BUF)
		len = IO_SPLICE_BUF;
	if (len == 0)
		return (0);
	if ((buf = malloc(len)) == NULL) {
		*errp = ENOMEM;
		return (-1);
	}
	shim_unlock();
	nr = real_read(in, buf, len);
	if (nr < 0)
		*errp = errno;
	shim_lock();
	if (nr <= 0) {
		free(buf);
		return (nr);
	}
	/* the bytes left the pipe: queue them all */
	saved = s->nonblock;
	s->nonblock = 0;
	ns = io_send(s, buf, (size_t)nr, flags & SPLICE_F_MORE ? MSG_MORE : 0,
	    errp);
	s->nonblock = saved;
	free(buf);
	if (ns > 0)
		*errp = 0;
	return (ns);
}

static ssize_t
splice_from_sock(struct shim_sock *s, int out, size_t len,
    unsigned int flags, int *errp)
{
	ssize_t n, w;
	size_t k;
	char *buf;

	*errp = 0;
	if ((flags & SPLICE_F_NONBLOCK) && !pipe_ready(out, POLLOUT)) {
		*errp = EAGAIN;
		return (-1);
	}
	if (len > IO_SPLICE_BUF)
		len = IO_SPLICE_BUF;
	if (len == 0)
		return (0);
	if ((buf = malloc(len)) == NULL) {
		*errp = ENOMEM;
		return (-1);
	}
	n = io_recv(s, buf, len, MSG_PEEK |
	    ((flags & SPLICE_F_NONBLOCK) ? MSG_DONTWAIT : 0), errp);
	if (n <= 0) {
		free(buf);
		return (n);
	}
	shim_unlock();
	w = real_write(out, buf, (size_t)n);
	if (w < 0)
		*errp = errno;
	shim_lock();
	if (w > 0)
		(void)xtcp_recv(s->xs, shim_now_us(), buf, (size_t)w, 0, &k);
	free(buf);
	return (w);
}

SHIM_EXPORT ssize_t
splice(int in, off64_t *offin, int out, off64_t *offout, size_t len,
    unsigned int flags)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	ssize_t n;
	int err;

	shim_init();
	if (!FDM_IS_SOCK(fdmap_peek(in)) && !FDM_IS_SOCK(fdmap_peek(out)))
		return (real_splice != NULL ? real_splice(in, offin, out,
		    offout, len, flags) : syscall(SYS_splice, in, offin, out,
		    offout, len, flags));
	/* Linux: one end must be a pipe, and neither has an offset
	 * (a pipe's gives ESPIPE, a socket's EINVAL) */
	if (FDM_IS_SOCK(fdmap_peek(out)) ? !is_pipe(in) : !is_pipe(out))
		return (shim_fail_errno(EINVAL));
	if (offin != NULL || offout != NULL)
		return (shim_fail_errno(FDM_IS_SOCK(fdmap_peek(out)) ?
		    (offout != NULL ? EINVAL : ESPIPE) :
		    (offin != NULL ? EINVAL : ESPIPE)));
	if (FDM_IS_SOCK(fdmap_peek(out))) {
		if ((k = shim_fd_get(out, &s)) != SHIM_FD_OURS)
			return (shim_fail_errno(k == SHIM_FD_DEAD ? ENOTCONN :
			    EBADF));
		n = splice_to_sock(s, in, len, flags, &err);
		/* EPIPE raises SIGPIPE, as tcp_sendmsg does for splice */
		return (send_done(s, n, err, 0));
	}
	if ((k = shim_fd_get(in, &s)) != SHIM_FD_OURS)
		return (shim_fail_errno(k == SHIM_FD_DEAD ? ENOTCONN : EBADF));
	n = splice_from_sock(s, out, len, flags, &err);
	return (recv_done(s, n, err));
}
