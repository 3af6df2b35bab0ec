/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watch.h - the watcher (watch.c): a small process the shim leaves
 * behind when the engine starts, which outlives the program and, once the
 * program has died, runs a function of the caller's (the shim resets the
 * connections the program held: watch_reset.c).  Part of the shim's
 * testable layer: it calls nothing of the hooks.
 */
#ifndef SHIM_WATCH_H
#define SHIM_WATCH_H

#include <sys/types.h>

#include "shim_config.h"

#define SHIM_WATCH_MAXFDS	16	/* descriptors the watcher keeps */
#define SHIM_WATCH_NAME		"xtcp-watch"	/* its name (comm) */

/* What the watcher runs once the watched process is gone; never returns
 * into the program's code: the watcher exits after it. */
typedef void (*shim_watch_fn)(void *arg);

struct shim_watch {
	int		keep[SHIM_WATCH_MAXFDS];	/* fds it keeps open */
	unsigned	nkeep;
	shim_watch_fn	fn;
	void		*arg;
	unsigned	max_s;		/* fn's time, s (SIGALRM ends it);
					 * 0: SHIM_WATCH_MAX_S */
};

#define SHIM_WATCH_MAX_S	5	/* the default bound of fn's time */

/*
 * Start a watcher of the calling process that runs w->fn once the
 * process has died (every thread of it).  The watcher is not our child:
 * an intermediate process made by clone(2) with no exit signal (sharing
 * our memory while this thread waits) forks it and exits, and is reaped here (waitpid __WCLONE); so no
 * SIGCHLD, no waitpid(2) result for the program, and no pthread_atfork
 * handler runs.  The watcher starts a session of its own (Ctrl-C and
 * hang-ups of the program's terminal do not reach it), ignores every
 * signal but SIGKILL, moves to /, takes the name SHIM_WATCH_NAME and
 * closes every descriptor but those in w->keep (and standard error when
 * it is a regular file, for its one log line).  Whatever fn does, the
 * watcher lives at most w->max_s seconds after the death (alarm(2)),
 * unless fn lifts the bound (shim_watch_bound).
 * Returns 0, or an errno
 * value: ENOSYS without pidfd_open(2) (Linux 5.3), EPERM when the
 * process is PID 1 or a child subreaper (an orphaned watcher would be
 * its child), or what clone(2) says.
 */
int	shim_watch_spawn(const struct shim_watch *w);

/*
 * Close every descriptor except the n in keep (and fd 2 if keep2).
 * Bounded: close_range(2) over the gaps, or one close(2) per number up
 * to the highest open one where close_range is missing.  The watcher's
 * first act; a test may call it in a child of its own.
 */
void	shim_watch_close_fds(const int *keep, unsigned n, int keep2);

/* Wait until the process pidfd refers to has died: 0, or an errno value
 * (EBADF: pidfd is no pidfd). */
int	shim_watch_wait(int pidfd);

/* In the watcher's function: it ends in secs (alarm(2), SIGALRM's default
 * action); 0 lifts the bound (while it waits for other processes). */
void	shim_watch_bound(unsigned secs);

#endif /* SHIM_WATCH_H */
