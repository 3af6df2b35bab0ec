/*
 * io.c - read/write, send/recv and their vector, message, sendfile and
 * fortified (_chk) variants.
 *
 * Semantics follow Linux TCP: a blocking send queues everything (short
 * only if an error or a signal cuts it off after progress), a blocking
 * recv returns as soon as anything is there (MSG_WAITALL: everything),
 * 0 is end of stream, SO_RCVTIMEO/SO_SNDTIMEO expire with EAGAIN, EPIPE
 * raises SIGPIPE unless MSG_NOSIGNAL.  A signal ends a blocking call with
 * EINTR (or the count so far); SA_RESTART is not honoured yet.
 */
#include "prelude.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* writev/sendmsg gather small pieces into one engine call */
#define IO_GATHER	4096
/* sendfile moves the file through a buffer this large */
#define IO_SENDFILE_BUF	65536
/* MSG_PEEK into several iovecs peeks at most this much */
#define IO_PEEK_MAX	(1 << 20)

#define XT_SEND_FLAGS	(XTCP_MSG_OOB | XTCP_MSG_MORE)
#define XT_RECV_FLAGS	(XTCP_MSG_OOB | XTCP_MSG_PEEK)

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
	*errp = shim_errno(r);
	return (-1);
}

ssize_t
io_recv(struct shim_sock *s, void *buf, size_t len, int flags, int *errp)
{
	char *p = buf;
	uint64_t deadline = 0;
	size_t done = 0, n;
	int r, err, nb, waitall;

	*errp = 0;
	nb = s->nonblock || (flags & MSG_DONTWAIT) != 0;
	waitall = (flags & MSG_WAITALL) != 0 && (flags & MSG_PEEK) == 0;
	for (;;) {
		n = 0;
		r = xtcp_recv(s->xs, shim_now_us(), p + done, len - done,
		    flags & XT_RECV_FLAGS, &n);
		if (r == XT_OK) {
			done += n;
			if (n == 0 || done == len || !waitall)
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

/* A destination on a stream socket is ignored, as Linux does. */
SHIM_EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_sendto(fd, buf, len, flags, addr, alen));
	n = io_send(s, buf, len, flags, &err);
	return (send_done(s, n, err, flags));
}

SHIM_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_sendmsg(fd, msg, flags));
	if (msg == NULL) {
		n = -1;
		err = EFAULT;
	} else
		n = io_sendv(s, msg->msg_iov, (int)msg->msg_iovlen, flags,
		    &err);
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

SHIM_EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct shim_sock *s;
	ssize_t n;
	int err;

	IO_CLASSIFY(fd, s, real_recvmsg(fd, msg, flags));
	if (msg == NULL) {
		n = -1;
		err = EFAULT;
	} else {
		n = io_recvv(s, msg->msg_iov, (int)msg->msg_iovlen, flags,
		    &err);
		if (n >= 0) {
			msg->msg_namelen = 0;
			msg->msg_controllen = 0;
			msg->msg_flags = 0;
		}
	}
	return (recv_done(s, n, err));
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
