/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * real.c - find libc's version of every function we interpose.
 *
 * The pointers start out as raw syscall(2) fallbacks (fb_*), so a hook
 * that runs before resolution finished (another constructor, or a call
 * made by dlsym itself) still works.  real_resolve() then replaces each
 * with dlsym(RTLD_NEXT, name), unless that lookup fails or lands back in
 * this object (libxtcp loaded twice, or a symbol loop): then the fallback
 * stays.  Nothing here allocates or logs.
 */
#include "prelude.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real.h"

/* ---- raw syscall fallbacks for the mandatory symbols ---- */

static int
fb_socket(int domain, int type, int protocol)
{
	return (syscall(SYS_socket, domain, type, protocol));
}

static int
fb_bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return (syscall(SYS_bind, fd, addr.__sockaddr__, len));
}

static int
fb_listen(int fd, int backlog)
{
	return (syscall(SYS_listen, fd, backlog));
}

static int
fb_accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	return (syscall(SYS_accept4, fd, addr.__sockaddr__, len, flags));
}

static int
fb_accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return (fb_accept4(fd, addr, len, 0));
}

static int
fb_connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	return (syscall(SYS_connect, fd, addr.__sockaddr__, len));
}

static int
fb_shutdown(int fd, int how)
{
	return (syscall(SYS_shutdown, fd, how));
}

static int
fb_close(int fd)
{
	return (syscall(SYS_close, fd));
}

static int
fb_dup(int fd)
{
	return (syscall(SYS_dup, fd));
}

static int
fb_dup3(int fd, int fd2, int flags)
{
	return (syscall(SYS_dup3, fd, fd2, flags));
}

static int
fb_dup2(int fd, int fd2)
{
	/* dup3 refuses fd == fd2; dup2 then just checks fd is open. */
	if (fd == fd2)
		return (syscall(SYS_fcntl, fd, F_GETFD) < 0 ? -1 : fd2);
	return (fb_dup3(fd, fd2, 0));
}

static int
fb_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (syscall(SYS_fcntl, fd, cmd, arg));
}

static int
fb_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return (syscall(SYS_ioctl, fd, req, arg));
}

static ssize_t
fb_read(int fd, void *buf, size_t len)
{
	return (syscall(SYS_read, fd, buf, len));
}

static ssize_t
fb_write(int fd, const void *buf, size_t len)
{
	return (syscall(SYS_write, fd, buf, len));
}

static ssize_t
fb_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return (syscall(SYS_readv, fd, iov, iovcnt));
}

static ssize_t
fb_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return (syscall(SYS_writev, fd, iov, iovcnt));
}

static ssize_t
fb_sendto(int fd, const void *buf, size_t len, int flags,
    __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
	return (syscall(SYS_sendto, fd, buf, len, flags, addr.__sockaddr__,
	    alen));
}

static ssize_t
fb_recvfrom(int fd, void *restrict buf, size_t len, int flags,
    __SOCKADDR_ARG addr, socklen_t *restrict alen)
{
	return (syscall(SYS_recvfrom, fd, buf, len, flags, addr.__sockaddr__,
	    alen));
}

static ssize_t
fb_send(int fd, const void *buf, size_t len, int flags)
{
	return (fb_sendto(fd, buf, len, flags, (struct sockaddr *)NULL, 0));
}

static ssize_t
fb_recv(int fd, void *buf, size_t len, int flags)
{
	return (fb_recvfrom(fd, buf, len, flags, (struct sockaddr *)NULL,
	    NULL));
}

static ssize_t
fb_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (syscall(SYS_sendmsg, fd, msg, flags));
}

static ssize_t
fb_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return (syscall(SYS_recvmsg, fd, msg, flags));
}

static ssize_t
fb_sendfile(int out, int in, off_t *off, size_t count)
{
	return (syscall(SYS_sendfile, out, in, off, count));
}

static int
fb_getsockopt(int fd, int level, int name, void *restrict val,
    socklen_t *restrict len)
{
	return (syscall(SYS_getsockopt, fd, level, name, val, len));
}

static int
fb_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (syscall(SYS_setsockopt, fd, level, name, val, len));
}

static int
fb_getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return (syscall(SYS_getsockname, fd, addr.__sockaddr__, len));
}

static int
fb_getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	return (syscall(SYS_getpeername, fd, addr.__sockaddr__, len));
}

static int
fb_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
    const sigset_t *mask)
{
	struct timespec t;

	/* The kernel writes the time left back; ppoll(3) does not. */
	if (ts != NULL)
		t = *ts;
	return (syscall(SYS_ppoll, fds, nfds, ts != NULL ? &t : NULL, mask,
	    _NSIG / 8));
}

static int
fb_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec t;

	t.tv_sec = timeout / 1000;
	t.tv_nsec = (long)(timeout % 1000) * 1000000;
	return (fb_ppoll(fds, nfds, timeout < 0 ? NULL : &t, NULL));
}

static int
fb_pselect(int nfds, fd_set *restrict rd, fd_set *restrict wr,
    fd_set *restrict ex, const struct timespec *restrict ts,
    const sigset_t *restrict mask)
{
	struct timespec t;
	struct {
		const sigset_t	*set;
		size_t		 size;
	} sm = { mask, _NSIG / 8 };

	if (ts != NULL)
		t = *ts;
	return (syscall(SYS_pselect6, nfds, rd, wr, ex, ts != NULL ? &t : NULL,
	    &sm));
}

static int
fb_select(int nfds, fd_set *restrict rd, fd_set *restrict wr,
    fd_set *restrict ex, struct timeval *restrict tv)
{
	struct timespec t;
	int r;

	if (tv != NULL) {
		t.tv_sec = tv->tv_sec;
		t.tv_nsec = tv->tv_usec * 1000;
	}
	r = syscall(SYS_pselect6, nfds, rd, wr, ex, tv != NULL ? &t : NULL,
	    NULL);
	if (tv != NULL) {	/* Linux select(2) reports the time left */
		tv->tv_sec = t.tv_sec;
		tv->tv_usec = t.tv_nsec / 1000;
	}
	return (r);
}

/* ---- pointers and the resolution table ---- */

#define FB_M(name)	fb_##name
#define FB_O(name)	NULL
#define SYM(ret, name, params, kind)					\
	ret (*real_##name) params = FB_##kind(name);
#include "syms.def"
#undef SYM

struct real_sym {
	const char	*name;
	void		**ptr;
};

static const struct real_sym real_syms[] = {
#define SYM(ret, name, params, kind)	{ #name, (void **)&real_##name },
#include "syms.def"
#undef SYM
};

void
real_resolve(void)
{
	Dl_info self, info;
	size_t i;
	void *p;

	memset(&self, 0, sizeof(self));
	(void)dladdr((void *)real_resolve, &self);
	for (i = 0; i < sizeof(real_syms) / sizeof(real_syms[0]); i++) {
		p = dlsym(RTLD_NEXT, real_syms[i].name);
		if (p == NULL)
			continue;
		/* Circular: RTLD_NEXT found libxtcp again. */
		if (dladdr(p, &info) != 0 && self.dli_fbase != NULL &&
		    info.dli_fbase == self.dli_fbase)
			continue;
		*real_syms[i].ptr = p;
	}
}
