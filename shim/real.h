/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * real.h - pointers to the libc functions we interpose (real_<name>) and
 * the prototypes of our hooks, both generated from syms.def.
 *
 * Inside libxtcp, call real_<name>() (or syscall(2)), never <name>():
 * the public name is our own hook.
 */
#ifndef SHIM_REAL_H
#define SHIM_REAL_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

/* Marks a hook: the only symbols libxtcp.so exports (with xtcp.map). */
#define SHIM_EXPORT	__attribute__((visibility("default")))

#define SYM(ret, name, params, kind)					\
	extern ret (*real_##name) params;				\
	SHIM_EXPORT ret name params;
#include "syms.def"
#undef SYM

/* Resolve every real_* pointer; called once from shim_init(). */
void	real_resolve(void);

#endif /* SHIM_REAL_H */
