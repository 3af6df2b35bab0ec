/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_sys.h - the raw system calls both device backends make.  The shim
 * interposes the libc names; going through syscall(2) guarantees that a
 * backend never comes back into it.
 */
#ifndef XT_DEV_SYS_H
#define XT_DEV_SYS_H

#include <sys/syscall.h>
#include <unistd.h>

static inline int
sys_socket(int domain, int type, int proto)
{
	return ((int)syscall(SYS_socket, domain, type, proto));
}

static inline int
sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ((int)syscall(SYS_ioctl, fd, req, arg));
}

static inline int
sys_close(int fd)
{
	return ((int)syscall(SYS_close, fd));
}

#endif /* XT_DEV_SYS_H */
