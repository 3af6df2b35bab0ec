/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names.c - what an fd says about itself: getsockname, getpeername (a
 * sockaddr_in, or v4-mapped sockaddr_in6 for an AF_INET6 socket), and
 * fstat (S_IFSOCK, as the kernel reports for a socket; libuv, systemd and
 * daemons checking their stdio look).
 */
#include "prelude.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inet6.h"
#include "shim.h"

static int	sock_name(int fd, struct sockaddr *sa, socklen_t *lenp,
		    int peer);
static void	as_socket(int fd, mode_t *mode);

int
sock_name_out(const struct shim_sock *s, struct sockaddr *sa,
    socklen_t *lenp, uint32_t addr, uint16_t port)
{
	if (s->inet6)
		return (shim_in6_out(sa, lenp, addr, port, s->mapped == 2));
	return (shim_sin_out(sa, lenp, addr, port));
}

static int
sock_name(int fd, struct sockaddr *sa, socklen_t *lenp, int peer)
{
	struct shim_sock *s;
	enum shim_fd_kind k;
	uint32_t a = 0;
	uint16_t p = 0;
	int r, err;

	if ((k = shim_fd_get(fd, &s)) != SHIM_FD_OURS) {
		if (k == SHIM_FD_DEAD)
			return (shim_fail_errno(ENOTCONN));
		return (peer ? real_getpeername(fd, sa, lenp) :
		    real_getsockname(fd, sa, lenp));
	}
	if (sa == NULL || lenp == NULL)
		err = EFAULT;
	else if ((err = shim_sin_check_out(sa, lenp)) == 0) {
		r = peer ? xtcp_getpeername(s->xs, &a, &p) :
		    xtcp_getsockname(s->xs, &a, &p);
		err = r == XT_OK ? sock_name_out(s, sa, lenp, a, p) :
		    shim_errno(r);
	}
	shim_sock_put(s);
	return (err == 0 ? 0 : shim_fail_errno(err));
}

SHIM_EXPORT int
getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	shim_init();
	return (sock_name(fd, SA_PTR(addr), len, 0));
}

SHIM_EXPORT int
getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	shim_init();
	return (sock_name(fd, SA_PTR(addr), len, 1));
}

/* Ours (live or inherited) report S_IFSOCK; the rest is the eventfd's. */
static void
as_socket(int fd, mode_t *mode)
{
	uintptr_t v = fdmap_peek(fd);

	if (FDM_IS_SOCK(v) || v == FDM_DEAD)
		*mode = (*mode & ~S_IFMT) | S_IFSOCK;
}

SHIM_EXPORT int
fstat(int fd, struct stat *st)
{
	int r;

	shim_init();
	r = real_fstat != NULL ? real_fstat(fd, st) :
	    syscall(SYS_fstat, fd, st);
	if (r == 0)
		as_socket(fd, &st->st_mode);
	return (r);
}

SHIM_EXPORT int
fstat64(int fd, struct stat64 *st)
{
	int r;

	shim_init();
	r = real_fstat64 != NULL ? real_fstat64(fd, st) :
	    syscall(SYS_fstat, fd, st);
	if (r == 0)
		as_socket(fd, &st->st_mode);
	return (r);
}

/* glibc before 2.33 compiled fstat into calls to these */
SHIM_EXPORT int
__fxstat(int ver, int fd, struct stat *st)
{
	int r;

	shim_init();
	r = real___fxstat != NULL ? real___fxstat(ver, fd, st) :
	    syscall(SYS_fstat, fd, st);
	if (r == 0)
		as_socket(fd, &st->st_mode);
	return (r);
}

SHIM_EXPORT int
__fxstat64(int ver, int fd, struct stat64 *st)
{
	int r;

	shim_init();
	r = real___fxstat64 != NULL ? real___fxstat64(ver, fd, st) :
	    syscall(SYS_fstat, fd, st);
	if (r == 0)
		as_socket(fd, &st->st_mode);
	return (r);
}
