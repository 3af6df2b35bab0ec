/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.c - where log lines go and how they look, and the exit report.
 *
 * Every line: "libxtcp[PID] HH:MM:SS.mmm LEVEL: text" (UTC time of day,
 * milliseconds), written with one raw writev(2) to standard error or to
 * XTCP_LOG_FILE (appended, "%p" in the name replaced by the pid, opened
 * on the first line of each process).  At most SHIM_LOG_BURST lines per
 * level and second: beyond that, lines are counted, and the first line
 * of the next second of that level is preceded by one "N lines
 * suppressed" line.  Lines that name a connection say
 * "a.b.c.d:port -> a.b.c.d:port" (xt_fmt_conn in the engine).
 *
 * The exit report: one paragraph, written once, at exit(3), _exit(2) or
 * death by a fatal signal, with XTCP_REPORT=1 (or at XTCP_LOG=info and
 * above unless XTCP_REPORT=0).  Fatal signals: for each signal in
 * fatal_sigs whose disposition is SIG_DFL when the library loads, a
 * handler (SA_RESETHAND | SA_NODEFER) that writes the report and raises
 * the signal again, now with the default action, so the process dies of
 * it as it would have (same wait status, same core dump).  sigaction()
 * and signal() are interposed so that the program still sees SIG_DFL for
 * such a signal, and a disposition the program installs replaces ours.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lograte.h"
#include "shim.h"

#define SHIM_LOG_BURST	200	/* lines per level and second */

struct shim_report shim_rep;

static int		log_fd = -1;	/* XTCP_LOG_FILE, once opened */
static pid_t		log_pid;	/* whose file log_fd is */
static int		rep_done;
static volatile sig_atomic_t	ours[NSIG];
static struct shim_lograte	rate[4];	/* per level */

static const int fatal_sigs[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGSEGV, SIGBUS,
	SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU, SIGXFSZ
};

static const char *const level_name[] = { "error", "warn", "info", "debug" };

static int
log_open(void)
{
	char path[300];
	const char *f = shim.conf.log_file;
	pid_t pid = (pid_t)syscall(SYS_getpid);
	size_t o = 0;
	int fd;

	if (f[0] == '\0')
		return (2);
	if (log_fd >= 0 && log_pid == pid)
		return (log_fd);
	for (; *f != '\0' && o + 12 < sizeof(path); f++) {
		if (f[0] == '%' && f[1] == 'p') {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%d",
			    (int)pid);
			f++;
		} else
			path[o++] = *f;
	}
	path[o] = '\0';
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return (2);
	log_fd = fd;
	log_pid = pid;
	return (fd);
}

/* One line as it is, with the prefix; no rate limit. */
static void
log_put(int level, const char *line)
{
	struct timespec ts;
	struct iovec iov[3];
	char pre[64];
	unsigned long s;
	int fd, n;

	if (level < 0 || level > 3)
		level = 0;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	s = (unsigned long)(ts.tv_sec % 86400);
	n = snprintf(pre, sizeof(pre), "libxtcp[%d] %02lu:%02lu:%02lu.%03ld "
	    "%s: ", (int)syscall(SYS_getpid), s / 3600, s / 60 % 60, s % 60,
	    ts.tv_nsec / 1000000, level_name[level]);
	iov[0].iov_base = pre;
	iov[0].iov_len = n > 0 ? (size_t)n : 0;
	iov[1].iov_base = (void *)line;
	iov[1].iov_len = strlen(line);
	iov[2].iov_base = (void *)"\n";
	iov[2].iov_len = 1;
	fd = log_open();
	if (syscall(SYS_writev, fd, iov, 3) < 0 && errno == EBADF &&
	    fd != 2) {
		/* the program closed it: open it again, once */
		log_fd = -1;
		(void)syscall(SYS_writev, log_open(), iov, 3);
	}
}

void
shim_log_emit(int level, const char *line)
{
	struct timespec ts;
	uint64_t sec;
	unsigned lost;
	char msg[64];
	int ok, l = level < 0 ? 0 : level > 3 ? 3 : level;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	sec = (uint64_t)ts.tv_sec;
	ok = shim_lograte_take(&rate[l], sec, SHIM_LOG_BURST, &lost);
	if (lost > 0) {
		(void)snprintf(msg, sizeof(msg), "%u lines suppressed (more "
		    "than %u a second)", lost, SHIM_LOG_BURST);
		log_put(level, msg);
	}
	if (!ok)
		return;
	log_put(level, line);
}

int
shim_report_wanted(void)
{
	if (shim.st == SHIM_ST_INERT && shim.conf.log_level == 0 &&
	    shim.conf.report <= 0)
		return (0);
	return (shim.conf.report == 1 || (shim.conf.report == -1 &&
	    shim.conf.log_level >= XTCP_LOG_INFO));
}

/* The paragraph; sig is the fatal signal, or 0. */
void
shim_report_write(int sig)
{
	char buf[1024], drops[600], how[48];
	const struct shim_report *r = &shim_rep;

	/* a vfork child shares our counters: they are not its own */
	if (!shim_report_wanted() || shim_vforked())
		return;
	/* a process that never asked for TCP (a shell of the wrapper, a
	 * helper) has nothing to say */
	if (shim.st != SHIM_ST_RUNNING && r->served == 0 &&
	    r->kernel[SHIM_HO_LOOPBACK] + r->kernel[SHIM_HO_PASSTHROUGH] +
	    r->kernel[SHIM_HO_INET6] + r->kernel[SHIM_HO_OPTION] +
	    r->kernel[SHIM_HO_FALLBACK] == 0)
		return;
	if (__atomic_exchange_n(&rep_done, 1, __ATOMIC_RELAXED))
		return;
	drops[0] = '\0';
	if (shim.st == SHIM_ST_RUNNING && shim.eng != NULL &&
	    shim_trylock() == 0) {
		(void)xtcp_stats_drops(shim.eng, drops, sizeof(drops));
		shim_unlock();
	}
	if (sig != 0)
		(void)snprintf(how, sizeof(how), "killed by signal %d, SIG%s",
		    sig, sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?");
	else
		(void)snprintf(how, sizeof(how), "exit");
	(void)snprintf(buf, sizeof(buf), "exit report (%s): %u sockets served "
	    "by the stack; handed to the kernel: loopback %u, passthrough %u, "
	    "AF_INET6 %u, option %u, fallback %u; forks %u%s; "
	    "drops: %s", how, r->served, r->kernel[SHIM_HO_LOOPBACK],
	    r->kernel[SHIM_HO_PASSTHROUGH], r->kernel[SHIM_HO_INET6],
	    r->kernel[SHIM_HO_OPTION], r->kernel[SHIM_HO_FALLBACK], r->forks,
	    r->exec_member ? ", started by an exec in a family" :
	    "", drops[0] != '\0' ? drops : shim.st == SHIM_ST_RUNNING ?
	    "unknown (engine busy)" : "none (no engine)");
	log_put(XTCP_LOG_INFO, buf);
}

static void
fatal_handler(int sig)
{
	int e = errno;

	ours[sig] = 0;		/* SA_RESETHAND: SIG_DFL again */
	shim_report_write(sig);
	errno = e;
	(void)syscall(SYS_tgkill, (pid_t)syscall(SYS_getpid),
	    (pid_t)syscall(SYS_gettid), sig);
}

void
shim_report_signals(void)
{
	struct sigaction sa, cur;
	size_t i;
	int sig;

	if (!shim_report_wanted() || real_sigaction == NULL)
		return;
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		sig = fatal_sigs[i];
		if (real_sigaction(sig, NULL, &cur) != 0 ||
		    cur.sa_handler != SIG_DFL ||
		    (cur.sa_flags & SA_SIGINFO) != 0)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = fatal_handler;
		sa.sa_flags = SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
		(void)sigemptyset(&sa.sa_mask);
		ours[sig] = 1;
		if (real_sigaction(sig, &sa, NULL) != 0)
			ours[sig] = 0;
	}
}

/* Is our handler still the one installed for sig? */
static int
still_ours(int sig)
{
	struct sigaction cur;

	if (sig <= 0 || sig >= NSIG || !ours[sig])
		return (0);
	if (real_sigaction(sig, NULL, &cur) != 0 ||
	    cur.sa_handler != fatal_handler) {
		ours[sig] = 0;
		return (0);
	}
	return (1);
}

SHIM_EXPORT int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int r, mine;

	shim_init();
	if (real_sigaction == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	mine = still_ours(sig);
	r = real_sigaction(sig, act, old);
	if (r == 0 && mine) {
		if (old != NULL) {
			memset(old, 0, sizeof(*old));
			old->sa_handler = SIG_DFL;
			(void)sigemptyset(&old->sa_mask);
		}
		if (act != NULL)
			ours[sig] = 0;
	}
	return (r);
}

SHIM_EXPORT sighandler_t
signal(int sig, sighandler_t h)
{
	struct sigaction sa, old;

	/* glibc's signal(): BSD semantics */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	if (sig > 0 && sig < NSIG)
		(void)sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) != 0)
		return (SIG_ERR);
	return (old.sa_handler);
}

void
shim_report_fork_child(void)
{
	memset(&shim_rep, 0, sizeof(shim_rep));
	rep_done = 0;
	log_fd = -1;
}
