/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sandbox.c - a member of the family whose program threads lose the
 * right to make system calls (issue 13): OpenSSH's pre-authentication
 * child, and any program that sandboxes itself with seccomp.
 *
 * OpenSSH's child chroots to an empty directory, becomes an unprivileged
 * user and installs a seccomp filter that kills the process on any system
 * call outside a short list (read, write, poll, ppoll, select, futex,
 * clock_gettime, mmap, munmap, madvise, brk, exit and a few more):
 * sendto, sendmmsg, recvmmsg, epoll, eventfd2, clone and socket calls are
 * not on it.  Its socket calls on the connection must then touch only
 * memory (the engine, under the engine lock, a futex) and eventfds.
 *
 * Before the filter.  OpenSSH lowers RLIMIT_NOFILE to 1 and RLIMIT_NPROC
 * to 0 first (no thread, no descriptor after that), and a fork child's
 * own stack and doorbell threads start only on its first hold: the
 * hooked setrlimit() takes a hold when a member lowers either, so that
 * they exist by then (sandbox_prepare).
 *
 * How the shim knows.  A filter comes from prctl(PR_SET_SECCOMP), which
 * is hooked here, or from seccomp(2), which libc does not wrap (a program
 * calls syscall(2): not seen).  Before the real call installs the filter
 * the hook, with the lock held, prepares the process:
 *   - the calling thread's bell (an eventfd, shim_thr_get) is made now:
 *     a sleeping hook waits on it, and eventfd2 is not on the list;
 *   - the device goes back to the stack thread's epoll set if a program
 *     thread watched it (epoll_ctl is not on the list either);
 *   - the process's part of the engine gets a deferring device
 *     (xtcp_proc_defer): every frame the engine sends from a program
 *     thread is copied into a queue, and the stack thread, which was
 *     created before the filter and is not subject to it (a filter set
 *     with prctl applies to the calling thread and the threads it creates
 *     later, not to the threads that exist: only seccomp(2)'s TSYNC flag
 *     would reach them), sends the queue at the end of each of its passes
 *     (loop.c) after a kick, which is a write(2) to an eventfd;
 *   - shim_sandboxed is set: program threads never watch the device
 *     (XTCP_DEVWAIT), never spin on it (XTCP_SPIN_US) and never receive
 *     from it; they sleep on their bells, and the stack thread receives.
 * What still needs a system call outside such a list fails or kills the
 * process as the program's own call would: a new stream socket (an
 * eventfd), a thread created after the filter (its bell), accept (an
 * eventfd for the new socket).  setresuid(2) and chroot(2) before the
 * filter change nothing for the stack: the device's sockets are open
 * already, and their use checks no credential.
 */
#include "prelude.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "shim.h"

int shim_sandboxed;

/*
 * A sandbox takes resources away before it takes system calls: OpenSSH
 * sets RLIMIT_NOFILE to 1 and RLIMIT_NPROC to 0 just before the filter,
 * after which no thread can be created and no descriptor made.  A fork
 * child's stack and doorbell threads start on its first hold (core.c),
 * which in such a child may come only after: so a member that lowers
 * either limit takes a hold first (the threads start), and its thread's
 * bell is made.  Lock not held.
 */
static void
sandbox_prepare(void)
{
	shim_init();
	if (shim.st != SHIM_ST_RUNNING || shim.eng == NULL || shim_vforked())
		return;
	shim_lock();
	(void)shim_thr_get();
	shim_unlock();
}

int
setrlimit(__rlimit_resource_t resource, const struct rlimit *rl)
{
	if (resource == RLIMIT_NOFILE || resource == RLIMIT_NPROC)
		sandbox_prepare();
	if (real_setrlimit != NULL)
		return (real_setrlimit(resource, rl));
	return ((int)syscall(SYS_prlimit64, 0, resource, rl, NULL));
}

/* The same name for programs built with 64-bit file offsets. */
int
setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rl)
{
	if (resource == RLIMIT_NOFILE || resource == RLIMIT_NPROC)
		sandbox_prepare();
	if (real_setrlimit64 != NULL)
		return (real_setrlimit64(resource, rl));
	return ((int)syscall(SYS_prlimit64, 0, resource, rl, NULL));
}

/* Before the filter: see above.  Lock not held. */
static void
sandbox_enter(void)
{
	int err = XT_OK;

	shim_init();
	if (shim.st != SHIM_ST_RUNNING || shim.eng == NULL || shim_vforked())
		return;
	shim_lock();
	if (!shim_sandboxed) {
		(void)shim_thr_get();
		shim_loop_watch_dev(1);
		if ((err = xtcp_proc_defer(shim.proc, shim_loop_kick,
		    NULL)) == XT_OK)
			shim_sandboxed = 1;
	}
	shim_unlock();
	if (err != XT_OK)
		shim_log(XTCP_LOG_ERROR, "prctl(PR_SET_SECCOMP): cannot hand "
		    "the device to the stack thread (%s): a sandboxed socket "
		    "call may be killed", xt_strerror(err));
	else
		shim_log(XTCP_LOG_DEBUG, "prctl(PR_SET_SECCOMP): the stack "
		    "thread does this process's device work from now on");
}

int
prctl(int option, ...)
{
	unsigned long a2, a3, a4, a5;
	va_list ap;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		sandbox_enter();
	if (real_prctl != NULL)
		return (real_prctl(option, a2, a3, a4, a5));
	return ((int)syscall(SYS_prctl, option, a2, a3, a4, a5));
}
