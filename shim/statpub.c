/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * statpub.c - what xtcpstat(1) reads: the engine's counters and
 * connection table in /dev/shm/xtcp.PID (xtstat.h has the layout and the
 * protocol).
 *
 * One object per process running the stack, named by its pid: the one
 * that started the engine, each fork child and each exec'd image of a
 * process family (issue 13).  The family's engine is one, so every
 * member's object shows the same connections and counters, the whole
 * family's; each goes with its process.  The engine thread asks for the
 * object on every pass (loop.c), which costs a comparison once it is
 * made or has failed in this process.
 *
 * Cost: a thread of our own sleeps on a futex in the object until a
 * reader asks; only then does it take the engine lock, once, and copy.
 * Nobody reading, nothing runs.  The file is created 0600 with O_EXCL
 * and O_NOFOLLOW, so another user reads nothing, and is removed at exit
 * (shim_stat_exit), or, when the process died without removing it, by
 * xtcpstat or the next stack of the user to start (pub_sweep).  A process
 * under a seccomp filter (sandbox.c) leaves it to them.
 */
#include "prelude.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "shim.h"
#include "xtstat.h"

static struct xtstat_obj *pub;		/* NULL: not published */
static pid_t		 pub_pid;	/* the process that made it */
static char		 pub_path[64];

static void
pub_snapshot(void)
{
	struct timespec ts;
	unsigned n;

	shim_lock();
	if (shim.eng != NULL) {
		atomic_fetch_add_explicit((_Atomic uint32_t *)&pub->gen, 1,
		    memory_order_acq_rel);
		n = xtcp_stats_copy(shim.eng, pub->stats, XTSTAT_NSTATS);
		pub->nstats = n < XTSTAT_NSTATS ? n : XTSTAT_NSTATS;
		pub->nconn = xtcp_engine_conns(shim.eng, pub->conn,
		    XTSTAT_NCONN);
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		pub->time_us = (uint64_t)ts.tv_sec * 1000000 +
		    (uint64_t)ts.tv_nsec / 1000;
		atomic_fetch_add_explicit((_Atomic uint32_t *)&pub->gen, 1,
		    memory_order_acq_rel);
	}
	shim_unlock();
	(void)syscall(SYS_futex, &pub->gen, FUTEX_WAKE, 1 << 30, NULL,
	    NULL, 0);
}

static void *
pub_main(void *arg)
{
	uint32_t seen;

	(void)arg;
	seen = atomic_load((_Atomic uint32_t *)&pub->req);
	for (;;) {
		/* a shared mapping: the futex is not process-private */
		(void)syscall(SYS_futex, &pub->req, FUTEX_WAIT, seen, NULL,
		    NULL, 0);
		if (atomic_load((_Atomic uint32_t *)&pub->req) == seen)
			continue;
		seen = atomic_load((_Atomic uint32_t *)&pub->req);
		pub_snapshot();
	}
	return (NULL);
}

/* The objects of our user's processes that died without removing theirs
 * (killed by a signal): gone, so that /dev/shm does not fill up between
 * two runs of xtcpstat. */
static void
pub_sweep(void)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	long pid;

	if ((d = opendir(XTSTAT_DIR)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if ((pid = xtstat_name_pid(de->d_name)) < 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid())
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)closedir(d);
}

/* After the engine started (init.c) and on every engine pass (loop.c),
 * lock held: make this process's object, once per process.  Failure is
 * logged and leaves the program alone: the object is an extra. */
void
shim_stat_start(void)
{
	static pid_t tried;
	struct xtstat_obj *o;
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	unsigned i;
	int fd, err;

	if (tried == shim.pid || shim.eng == NULL || shim_vforked() ||
	    shim_sandboxed)
		return;
	tried = shim.pid;
	if (pub != NULL) {
		/* a fork child: the parent's mapping, not ours to write */
		(void)munmap(pub, sizeof(*pub));
		pub = NULL;
	}
	pub_pid = (pid_t)syscall(SYS_getpid);
	(void)snprintf(pub_path, sizeof(pub_path), "%s/%s%d", XTSTAT_DIR,
	    XTSTAT_PREFIX, (int)pub_pid);
	pub_sweep();
	/* an object of our pid is a dead process's (or this pid's image
	 * before exec): ours now */
	(void)unlink(pub_path);
	fd = (int)syscall(SYS_openat, AT_FDCWD, pub_path, O_RDWR | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		shim_log(XTCP_LOG_INFO, "%s: %s; xtcpstat cannot see this "
		    "process", pub_path, strerror(errno));
		return;
	}
	if (ftruncate(fd, sizeof(*o)) != 0 ||
	    (o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		shim_log(XTCP_LOG_INFO, "%s: %s; xtcpstat cannot see this "
		    "process", pub_path, strerror(errno));
		(void)syscall(SYS_close, fd);
		(void)unlink(pub_path);
		return;
	}
	(void)syscall(SYS_close, fd);	/* the mapping is enough */
	o->size = sizeof(*o);
	o->pid = pub_pid;
	for (i = 0; i < XTSTAT_NSTATS && xtcp_stats_name(i) != NULL; i++) {
		(void)snprintf(o->names[i], sizeof(o->names[i]), "%s",
		    xtcp_stats_name(i));
		(void)snprintf(o->descs[i], sizeof(o->descs[i]), "%s",
		    xtcp_stats_desc(i));
	}
	o->version = XTSTAT_VERSION;
	atomic_store((_Atomic uint32_t *)&o->magic, XTSTAT_MAGIC);
	pub = o;
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&tid, &attr, pub_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (err != 0) {
		shim_log(XTCP_LOG_INFO, "no xtcpstat thread: %s",
		    strerror(err));
		shim_stat_exit();
	}
}

/* At exit (init.c): the object goes, if this process made it (a fork
 * child inherits the mapping, not the object). */
void
shim_stat_exit(void)
{
	if (pub == NULL || (pid_t)syscall(SYS_getpid) != pub_pid)
		return;
	/* a seccomp filter (OpenSSH's kills on unlink): xtcpstat removes
	 * the object when it finds the process gone */
	if (shim_sandboxed)
		return;
	(void)unlink(pub_path);
	pub = NULL;
}
