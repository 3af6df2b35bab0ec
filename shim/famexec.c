/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * famexec.c - the family's sockets survive exec (issue 13).
 *
 * A process that replaces its image keeps its descriptors (all but the
 * close-on-exec ones) and its pid, and loses its memory: its fd table,
 * its shim_socks, its device handle, its engine thread.  The family's
 * region is a file: the new image maps it again at the same address and
 * finds there everything else the old image knew.
 *
 * Old image (the exec hooks below: execve, execv, execvp, execvpe, execl,
 * execlp, execle, fexecve, execveat).  When the new image will run under
 * the shim (its LD_PRELOAD names libxtcp and it is not a static program),
 * the hook takes the engine lock and, keeping it across the exec, writes
 * a hand-over record for its pid into the region's exec area (at the end
 * of the region's header, struct fx_area): the device as plain data
 * (xtcp_dev_export), the address claim's descriptors, and for every fd
 * that names a stack socket and is not close-on-exec, the socket's
 * family handle (famtab.h) and what the shim keeps of it privately (the
 * bound port, the AF_INET6 flags, F_SETOWN; O_NONBLOCK, the timeouts and
 * SO_RCVLOWAT are the family's already).  It clears close-on-exec on the
 * region's descriptor, the device's and the claim's for this exec only
 * (they are close-on-exec otherwise, so that a program the family runs
 * without the shim, the shell of an ssh session, never holds a raw
 * packet socket or the stack's memory), and passes XTCP_FAMILY=FD:BASE:SIZE in the new
 * environment, whatever environment the program passes.  If the exec
 * fails, all of it is undone and the lock released.
 *
 * The lock is held across the exec so that no other thread of the old
 * image is inside the engine when the kernel ends it: the kernel then
 * releases the robust mutex with its owner-died bit, and whoever takes it
 * next (the new image, or another member) gets EOWNERDEAD.  The hold is
 * settled first (shim_lock_settle: mirrors, doorbells, and the engine's
 * work marked done, as at exit), so the taker makes the mutex
 * consistent and resets nothing (family.c).
 *
 * New image (shim_famexec_init, from the constructor, before any hook
 * sees an fd): map the region at its address with MAP_FIXED_NOREPLACE
 * (if something of the new image sits there, say so and start as a
 * process of its own: the inherited sockets are then plain eventfds),
 * take the lock, find the record of our pid and the member slot of our
 * pid (an exec keeps both), rebuild the device (xtcp_dev_import) and our
 * part of the engine (struct xtcp_proc, xtcp_engine_join), then a
 * shim_sock for each recorded handle on the fds the record names, after
 * checking each is still an eventfd; the sockets the slot holds that no
 * fd names any more (close-on-exec in the old image) are let go of as a
 * close would.  The engine and doorbell threads start, and the stack
 * runs at once (not lazily: the sockets are live).
 *
 * A new image without the shim (LD_PRELOAD dropped, or a static program)
 * sees each inherited stack socket as what the fd really is: an eventfd
 * (socket calls fail with ENOTSOCK; read(2) returns EAGAIN or an 8-byte
 * counter; write(2) of 8 bytes adds to the counter).  The old image logs
 * one line when it can tell.
 *
 * Limits: of a TAP only the TAP descriptor goes over (its io_uring rings
 * were mappings of the old image: the new image reads and writes the TAP
 * itself, as a fork child does); FX_ENTS sockets per exec; epoll sets
 * that hold stack sockets and XTCP_LISTEN_KERNEL companions are not
 * carried; an exec from a
 * vfork child (posix_spawn) or by a raw system call is not seen.
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <elf.h>

#include "family.h"
#include "famexec.h"
#include "fdmap.h"
#include "pool.h"
#include "shim.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define FX_AREA_SIZE	(64u << 10)	/* at the end of the region header */
#define FX_MAGIC	0x6365786570746678ULL	/* "xftpexec" */
#define FX_RECS		32		/* execs in flight at once */
#define FX_WAIT_MS	1000		/* for a record, when all are taken */
#define FX_ENTS		64		/* sockets one exec hands over */
#define FX_MAXARGS	65536		/* execl*: arguments we collect */

/* what the shim keeps of a socket privately (shim.h, struct shim_sock;
 * O_NONBLOCK, the timeouts and SO_RCVLOWAT are the family's, famtab.h) */
#define FX_BOUND	0x02
#define FX_INET6	0x04
#define FX_V6ONLY	0x08

struct fx_ent {
	int32_t		fd;
	uint32_t	handle;		/* the family's (famtab.h) */
	uint32_t	flags;		/* FX_* */
	uint16_t	bind_port;
	uint8_t		mapped;
	uint8_t		pad;
	int32_t		own_pid;	/* F_SETOWN */
	int32_t		own_type;
};

struct fx_rec {
	int32_t			pid;		/* 0: free */
	uint32_t		n;		/* entries in ent */
	int32_t			pool_fd;	/* the address claim, or -1 */
	int32_t			pool_state_fd;
	uint32_t		pool_saved;
	uint32_t		addr;		/* the claimed address */
	struct xtcp_dev_state	dev;
	struct fx_ent		ent[FX_ENTS];
};

struct fx_area {
	uint64_t		magic;
	struct fx_rec		rec[FX_RECS];
};

_Static_assert(sizeof(struct fx_area) <= FX_AREA_SIZE,
    "the exec area outgrew its room");
_Static_assert(sizeof(struct shim_fam) <= SHIM_FAM_HDR - FX_AREA_SIZE,
    "the region header runs into the exec area");

/* an exec in progress (old image), between prepare and the real call */
struct fx_exec {
	int		 held;		/* lock held, record written */
	int		 child_start;	/* shim_fam's, put back if it fails */
	struct fx_rec	*rec;
	int		 fds[XTCP_DEV_MAXFDS + 4];
	int		 nfds;		/* close-on-exec cleared on these */
	char		**envp;		/* our copy, or NULL */
};

static struct shim_pool	*fx_pool;
static int		 fx_said;	/* the no-shim exec line, once */

extern char **environ;

static struct fx_area *
fx_area(struct shim_fam *f)
{
	struct fx_area *a;

	a = (struct fx_area *)((uint8_t *)f + SHIM_FAM_HDR - FX_AREA_SIZE);
	if (a->magic != FX_MAGIC) {	/* lock held: first use */
		memset(a, 0, sizeof(*a));
		a->magic = FX_MAGIC;
	}
	return (a);
}

/* ---- the old image ---- */

/* The value of NAME in envp, or NULL. */
static const char *
env_get(char *const envp[], const char *name)
{
	size_t n = strlen(name);
	int i;

	if (envp == NULL)
		return (NULL);
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return (envp[i] + n + 1);
	return (NULL);
}

/* Does LD_PRELOAD (space- or colon-separated) name a libxtcp? */
static int
preload_has_us(const char *v)
{
	const char *p, *e, *b;

	for (p = v; p != NULL && *p != '\0'; p = e) {
		while (*p == ' ' || *p == ':')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != ':'; e++)
			;
		for (b = e; b > p && b[-1] != '/'; b--)
			;
		if (e - b >= 7 && strncmp(b, "libxtcp", 7) == 0)
			return (1);
	}
	return (0);
}

/*
 * Is the ELF file at fd a static program (no PT_INTERP)?  1 if it is
 * surely one; 0 if dynamic or not an ELF file (a script: its interpreter
 * decides) or unreadable.
 */
static int
elf_static(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned i;

	if (syscall(SYS_pread64, fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum > 256)
		return (0);
	for (i = 0; i < eh.e_phnum; i++) {
		if (syscall(SYS_pread64, fd, &ph, sizeof(ph),
		    (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    sizeof(ph))
			return (0);
		if (ph.p_type == PT_INTERP)
			return (0);
	}
	return (1);
}

/*
 * Will the exec be a secure one (AT_SECURE), in which the dynamic loader
 * ignores LD_PRELOAD paths?  Set-user-ID or set-group-ID to another
 * owner, or file capabilities.
 */
static int
elf_secure(int fd)
{
	struct stat st;
	char v[64];

	if (syscall(SYS_fstat, fd, &st) != 0)
		return (0);
	if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	    ((st.st_mode & S_ISGID) && st.st_gid != getegid()))
		return (1);
	return (syscall(SYS_fgetxattr, fd, "security.capability", v,
	    sizeof(v)) > 0);
}

/* The program exec will run: dirfd/path as execveat, or searched in
 * PATH when search is set and path has no slash.  Why LD_PRELOAD cannot
 * reach it, or NULL. */
static const char *
image_unreachable(int dirfd, const char *path, int search,
    char *const envp[])
{
	char buf[4096];
	const char *pp, *e, *why = NULL;
	int fd;

	if (path == NULL)
		return (NULL);
	if (!search || strchr(path, '/') != NULL || path[0] == '\0') {
		fd = (int)syscall(SYS_openat, dirfd, path,
		    O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return (NULL);
		if (elf_static(fd))
			why = "it is a static program, which LD_PRELOAD "
			    "cannot reach";
		else if (elf_secure(fd))
			why = "it runs set-user-ID, set-group-ID or with file "
			    "capabilities, and the loader ignores LD_PRELOAD";
		(void)syscall(SYS_close, fd);
		return (why);
	}
	(void)envp;
	pp = getenv("PATH");
	if (pp == NULL)
		pp = "/bin:/usr/bin";
	for (; *pp != '\0'; pp = *e != '\0' ? e + 1 : e) {
		for (e = pp; *e != '\0' && *e != ':'; e++)
			;
		if ((size_t)(e - pp) + strlen(path) + 2 > sizeof(buf))
			continue;
		(void)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(e - pp),
		    pp, e > pp ? "/" : "", path);
		if (syscall(SYS_faccessat, AT_FDCWD, buf, X_OK) != 0)
			continue;
		return (image_unreachable(AT_FDCWD, buf, 0, envp));
	}
	return (NULL);
}

/* envp with XTCP_FAMILY=val in place of any it had; NULL (no memory). */
static char **
env_with_family(char *const envp[], const char *entry)
{
	char **v;
	int i, n = 0, j = 0;

	while (envp != NULL && envp[n] != NULL)
		n++;
	if ((v = calloc((size_t)n + 2, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], "XTCP_FAMILY=", 12) != 0)
			v[j++] = envp[i];
	v[j++] = (char *)entry;
	v[j] = NULL;
	return (v);
}

static void
fx_cloexec(int fd, int on)
{
	long fl;

	if (fd < 0 || (fl = syscall(SYS_fcntl, fd, F_GETFD)) < 0)
		return;
	(void)syscall(SYS_fcntl, fd, F_SETFD,
	    on ? (fl | FD_CLOEXEC) : (fl & ~(long)FD_CLOEXEC));
}

/* Lock held: a free record for pid (or pid's own, or a dead pid's). */
static struct fx_rec *
rec_claim(struct fx_area *a, pid_t pid)
{
	struct fx_rec *r;
	int i;

	for (i = 0; i < FX_RECS; i++)
		if (a->rec[i].pid == pid)
			return (&a->rec[i]);
	for (i = 0; i < FX_RECS; i++) {
		r = &a->rec[i];
		if (r->pid == 0 || (syscall(SYS_kill, r->pid, 0) != 0 &&
		    errno == ESRCH))
			return (r);
	}
	return (NULL);
}

/* The fds that name stack sockets and survive the exec.  Lock held, or
 * (for a log line) not: fdmap reads are lock-free and nothing here
 * follows an entry. */
static unsigned
surviving(int *fds, unsigned max, unsigned *total)
{
	uintptr_t v;
	unsigned n = 0;
	long fl;
	int fd;

	*total = 0;
	for (fd = fdmap_next(0, &v); fd >= 0; fd = fdmap_next(fd + 1, &v)) {
		if (!FDM_IS_SOCK(v))
			continue;
		fl = syscall(SYS_fcntl, fd, F_GETFD);
		if (fl < 0 || (fl & FD_CLOEXEC))
			continue;
		if (n < max)
			fds[n++] = fd;
		(*total)++;
	}
	return (n);
}

static void
fds_said(char *buf, size_t len, const int *fds, unsigned n)
{
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n && o + 16 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? " " : "",
		    fds[i]);
	if (i < n)
		(void)snprintf(buf + o, len - o, " ...");
}

static void
ent_fill(struct fx_ent *e, int fd, const struct shim_sock *s)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->handle = s->handle;
	e->flags = (s->bound ? FX_BOUND : 0) | (s->inet6 ? FX_INET6 : 0) |
	    (s->v6only ? FX_V6ONLY : 0);
	e->bind_port = s->bind_port;
	e->mapped = (uint8_t)s->mapped;
	e->own_pid = s->own_pid;
	e->own_type = s->own_type;
}

/*
 * Before the real exec.  Returns the environment to pass: envp, or a copy
 * with XTCP_FAMILY when the family is handed over (x->held: the lock is
 * held, fx_undo() if the exec returns).
 */
static char *const *
fx_prepare(struct fx_exec *x, int dirfd, const char *path, int search,
    char *const envp[])
{
	static char entry[96];
	int fds[FX_ENTS];
	struct shim_sock *s;
	struct fx_area *a;
	struct fx_rec *r;
	unsigned n, total, i;
	const char *why = NULL;
	char list[128];
	int err;
	pid_t pid;

	memset(x, 0, sizeof(*x));
	shim_init();
	if (shim.st != SHIM_ST_RUNNING || shim_fam.f == NULL ||
	    shim.eng == NULL || shim_vforked())
		return (envp);
	if (!preload_has_us(env_get(envp, "LD_PRELOAD")))
		why = "its environment's LD_PRELOAD does not name libxtcp";
	else
		why = image_unreachable(dirfd, path, search, envp);
	if (why != NULL) {
		/* no hold for a log line: a fork child's first hold would
		 * start its threads just before the exec ends them (and the
		 * program may have closed what they need: sshd's session
		 * child) */
		n = surviving(fds, FX_ENTS, &total);
		if (total > 0 && !fx_said) {
			fx_said = 1;
			fds_said(list, sizeof(list), fds, n);
			shim_log(XTCP_LOG_WARN, "exec of %s: %s: the stack "
			    "socket%s it inherits (fd %s) %s plain eventfd%s "
			    "there (socket calls fail with ENOTSOCK)",
			    path != NULL ? path : "(fd)", why,
			    total == 1 ? "" : "s", list,
			    total == 1 ? "is a" : "are", total == 1 ? "" : "s");
		}
		return (envp);
	}
	/* the same for the hand-over: the new image starts its own */
	x->child_start = shim_fam.child_start;
	shim_fam.child_start = 0;
	shim_lock();
	n = surviving(fds, FX_ENTS, &total);
	a = fx_area(shim_fam.f);
	pid = (pid_t)syscall(SYS_getpid);
	/* every record taken: the other execs finish within milliseconds
	 * (their new images take their records in their constructors) */
	for (i = 0; (r = rec_claim(a, pid)) == NULL && i < FX_WAIT_MS; i++) {
		shim_unlock();
		(void)nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		shim_lock();
		n = surviving(fds, FX_ENTS, &total);
	}
	if (r == NULL) {
		shim_log(XTCP_LOG_ERROR, "exec: %d other execs of the family "
		    "are in flight: the stack sockets are not handed over",
		    FX_RECS);
		shim_fam.child_start = x->child_start;
		shim_unlock();
		return (envp);
	}
	memset(r, 0, sizeof(*r));
	if ((err = xtcp_dev_export(shim.dev, &r->dev)) != XT_OK) {
		if (total > 0)
			shim_log(XTCP_LOG_WARN, "exec: the stack socket%s on "
			    "this device cannot be handed over (%s: AF_PACKET "
			    "and TAP devices only); the new image sees "
			    "eventfd%s",
			    total == 1 ? "" : "s", xt_strerror(err),
			    total == 1 ? "" : "s");
		shim_fam.child_start = x->child_start;
		shim_unlock();
		return (envp);
	}
	if (total > n)
		shim_log(XTCP_LOG_WARN, "exec: %u stack sockets, %u handed "
		    "over", total, n);
	for (i = 0; i < n; i++) {
		s = (struct shim_sock *)fdmap_peek(fds[i]);
		ent_fill(&r->ent[i], fds[i], s);
	}
	r->n = n;
	r->pool_fd = fx_pool != NULL ? fx_pool->fd : -1;
	r->pool_state_fd = fx_pool != NULL ? fx_pool->state_fd : -1;
	r->pool_saved = fx_pool != NULL ? fx_pool->saved : 0;
	r->addr = shim.conf.addr;
	r->pid = pid;
	x->rec = r;
	/* these survive this exec only (of a TAP's, the TAP alone) */
	x->fds[x->nfds++] = shim_fam.fd;
	x->fds[x->nfds++] = r->dev.fd;
	if (r->dev.txfd >= 0 && r->dev.txfd != r->dev.fd)
		x->fds[x->nfds++] = r->dev.txfd;
	if (r->pool_fd >= 0)
		x->fds[x->nfds++] = r->pool_fd;
	if (r->pool_state_fd >= 0)
		x->fds[x->nfds++] = r->pool_state_fd;
	/* a shared address's port map: the claim in the region names it
	 * by number (shim_ports_rejoin) */
	if (fx_pool != NULL && fx_pool->shared && fx_pool->pm.fd >= 0)
		x->fds[x->nfds++] = fx_pool->pm.fd;
	for (i = 0; i < (unsigned)x->nfds; i++)
		fx_cloexec(x->fds[i], 0);
	/* nothing half done: the next taker of the lock resets nothing */
	shim_lock_settle();
	(void)snprintf(entry, sizeof(entry), "XTCP_FAMILY=%d:%" PRIx64 ":%"
	    PRIx64, shim_fam.fd, (uint64_t)(uintptr_t)shim_fam.f,
	    shim_fam.size);
	x->envp = env_with_family(envp, entry);
	x->held = 1;
	shim_log(XTCP_LOG_DEBUG, "exec of %s: %u stack socket%s handed over",
	    path != NULL ? path : "(fd)", n, n == 1 ? "" : "s");
	return (x->envp != NULL ? x->envp : envp);
}

/* The exec returned (it failed): undo fx_prepare.  errno kept. */
static void
fx_undo(struct fx_exec *x)
{
	int e = errno, i;

	if (x->held) {
		for (i = 0; i < x->nfds; i++)
			fx_cloexec(x->fds[i], 1);
		if (x->rec != NULL)
			x->rec->pid = 0;
		shim_fam.child_start = x->child_start;
		shim_unlock();
	}
	free(x->envp);
	x->envp = NULL;
	x->held = 0;
	errno = e;
}

/* ---- the exec hooks ---- */

static int
sys_execveat(int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags)
{
	return ((int)syscall(SYS_execveat, dirfd, path, argv, envp, flags));
}

int
execve(const char *path, char *const argv[], char *const envp[])
{
	struct fx_exec x;
	char *const *ev;
	int r;

	ev = fx_prepare(&x, AT_FDCWD, path, 0, envp);
	if (real_execve != NULL)
		r = real_execve(path, argv, ev);
	else
		r = (int)syscall(SYS_execve, path, argv, ev);
	fx_undo(&x);
	return (r);
}

int
execv(const char *path, char *const argv[])
{
	return (execve(path, argv, environ));
}

int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct fx_exec x;
	char *const *ev;
	int r;

	if (real_execvpe == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	ev = fx_prepare(&x, AT_FDCWD, file, 1, envp);
	r = real_execvpe(file, argv, ev);
	fx_undo(&x);
	return (r);
}

int
execvp(const char *file, char *const argv[])
{
	return (execvpe(file, argv, environ));
}

int
fexecve(int fd, char *const argv[], char *const envp[])
{
	struct fx_exec x;
	char *const *ev;
	int r;

	ev = fx_prepare(&x, fd, "", 0, envp);
	if (real_fexecve != NULL)
		r = real_fexecve(fd, argv, ev);
	else
		r = sys_execveat(fd, "", argv, ev, AT_EMPTY_PATH);
	fx_undo(&x);
	return (r);
}

int
execveat(int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags)
{
	struct fx_exec x;
	char *const *ev;
	int r;

	ev = fx_prepare(&x, dirfd, path, 0, envp);
	if (real_execveat != NULL)
		r = real_execveat(dirfd, path, argv, ev, flags);
	else
		r = sys_execveat(dirfd, path, argv, ev, flags);
	fx_undo(&x);
	return (r);
}

/*
 * The list forms: the arguments into an array (and for execle the
 * environment after the terminating NULL), then the vector form.
 */
static char **
args_collect(const char *arg, va_list ap, char ***envpp)
{
	char **v, **nv;
	size_t n = 0, cap = 16;

	if ((v = malloc(cap * sizeof(*v))) == NULL)
		return (NULL);
	v[n++] = (char *)arg;
	while (arg != NULL) {
		arg = va_arg(ap, const char *);
		if (n == cap) {
			if (cap >= FX_MAXARGS ||
			    (nv = realloc(v, 2 * cap * sizeof(*v))) == NULL) {
				free(v);
				errno = cap >= FX_MAXARGS ? E2BIG : ENOMEM;
				return (NULL);
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = (char *)arg;
	}
	if (envpp != NULL)
		*envpp = va_arg(ap, char **);
	return (v);
}

/* The list forms' end: exec v (NULL: args_collect failed), free it. */
static int
exec_collected(const char *name, int search, char **v, char *const envp[])
{
	int r, e;

	if (v == NULL)
		return (-1);
	r = search ? execvpe(name, v, envp) : execve(name, v, envp);
	e = errno;
	free(v);
	errno = e;
	return (r);
}

int
execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **v;

	va_start(ap, arg);
	v = args_collect(arg, ap, NULL);
	va_end(ap);
	return (exec_collected(path, 0, v, environ));
}

int
execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **v;

	va_start(ap, arg);
	v = args_collect(arg, ap, NULL);
	va_end(ap);
	return (exec_collected(file, 1, v, environ));
}

int
execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **v, **envp = NULL;

	va_start(ap, arg);
	v = args_collect(arg, ap, &envp);
	va_end(ap);
	return (exec_collected(path, 0, v, envp));
}

/* ---- the new image ---- */

/* XTCP_FAMILY=FD:BASE:SIZE.  0 or -1. */
static int
family_var(int *fd, uint64_t *base, uint64_t *size)
{
	const char *v = getenv("XTCP_FAMILY");
	unsigned long long b, s;
	int f, n = 0;

	if (v == NULL || sscanf(v, "%d:%llx:%llx%n", &f, &b, &s, &n) != 3 ||
	    v[n] != '\0' || f < 0 || b == 0 || s <= SHIM_FAM_HDR ||
	    b % 4096 != 0)
		return (-1);
	*fd = f;
	*base = b;
	*size = s;
	return (0);
}

/* Is fd an eventfd?  (Every eventfd is the one anonymous inode.) */
static int
is_eventfd(int fd, const struct stat *ref)
{
	struct stat st;

	return (syscall(SYS_fstat, fd, &st) == 0 && st.st_dev == ref->st_dev &&
	    st.st_ino == ref->st_ino);
}

/* Lock held: shim_socks for the record's fds. */
static unsigned
socks_rebuild(const struct fx_rec *r, int slot)
{
	struct shim_famtab *ft = SHIM_FT();
	const struct fx_ent *e;
	struct shim_sock *s;
	struct shim_fh *fh;
	struct stat ref;
	unsigned i, n = 0;
	int efd;

	efd = (int)syscall(SYS_eventfd2, 0, EFD_CLOEXEC);
	if (efd < 0 || syscall(SYS_fstat, efd, &ref) != 0) {
		if (efd >= 0)
			(void)syscall(SYS_close, efd);
		return (0);
	}
	(void)syscall(SYS_close, efd);
	for (i = 0; i < r->n && i < FX_ENTS; i++) {
		e = &r->ent[i];
		fh = shim_ft_fh(ft, e->handle);
		if (fh == NULL || !(fh->holders & SHIM_SLOT_BIT(slot)) ||
		    !is_eventfd(e->fd, &ref) || fdmap_peek(e->fd) != FDM_HOST) {
			shim_log(XTCP_LOG_WARN, "exec: fd %d is not the stack "
			    "socket the old image left there; left alone",
			    e->fd);
			continue;
		}
		/* dups of one socket share one shim_sock */
		if ((s = shim_sock_by_handle(e->handle)) == NULL) {
			if ((s = shim_sock_adopt(e->handle)) == NULL)
				continue;
			s->bound = (e->flags & FX_BOUND) != 0;
			s->inet6 = (e->flags & FX_INET6) != 0;
			s->v6only = (e->flags & FX_V6ONLY) != 0;
			s->bind_port = e->bind_port;
			s->mapped = e->mapped;
			s->own_pid = e->own_pid;
			s->own_type = e->own_type;
		}
		if (fdmap_set(e->fd, (uintptr_t)s) != 0)
			continue;
		s->refs++;
		shim_sock_fd_added(s, e->fd);
		shim_sock_refresh(e->handle);
		n++;
	}
	return (n);
}

/*
 * Lock held.  What the old image held on close-on-exec descriptors only
 * went with the exec, as the kernel closes them: this member lets go of
 * every socket it holds that no fd of the new image names.
 */
static unsigned
socks_release_rest(int slot)
{
	struct shim_famtab *ft = SHIM_FT();
	struct shim_fh *fh;
	unsigned n = 0;
	uint32_t h;

	for (h = 1; h <= ft->nfh; h++) {
		fh = shim_ft_fh(ft, h);
		if (fh == NULL || !(fh->holders & SHIM_SLOT_BIT(slot)) ||
		    shim_sock_by_handle(h) != NULL)
			continue;
		n++;
		if (shim_ft_release(ft, h, slot) == 0) {
			if (fh->xs != NULL)
				xtcp_close(fh->xs, shim_now_us());
			shim_ft_handle_put(ft, h);
		}
	}
	return (n);
}

/* Our slot: the one the old image had (same pid), or -1. */
static int
slot_of(struct shim_fam *f, pid_t pid)
{
	int i;

	for (i = 0; i < SHIM_FAM_SLOTS; i++)
		if (atomic_load(&f->ft.slots[i].state) == SHIM_SLOT_ACTIVE &&
		    atomic_load(&f->ft.slots[i].pid) == (int32_t)pid)
			return (i);
	return (-1);
}

int
shim_famexec_init(struct shim_pool *p)
{
	struct xtcp_proc *proc = NULL;
	struct xt_dev *dev = NULL;
	struct shim_fam *f;
	struct fx_area *a;
	struct fx_rec *r;
	struct stat st;
	uint64_t base, size;
	unsigned i, n, gone;
	pid_t pid;
	void *m;
	int fd, lr, err, dfds[XTCP_DEV_MAXFDS], nd, slot;

	fx_pool = p;
	if (family_var(&fd, &base, &size) != 0)
		return (0);
	/* the variable outlives the family in images that ignore it */
	(void)unsetenv("XTCP_FAMILY");
	if (shim.st != SHIM_ST_READY)
		return (0);
	/* a variable left over from another process names a closed fd, or
	 * one that is now some other file: only a memfd (it has seals) of
	 * the family's size is looked at */
	if (syscall(SYS_fstat, fd, &st) != 0 || (uint64_t)st.st_size != size ||
	    syscall(SYS_fcntl, fd, F_GET_SEALS) < 0)
		return (0);
	m = mmap((void *)(uintptr_t)base, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_NORESERVE, fd, 0);
	if (m == MAP_FAILED || (uint64_t)(uintptr_t)m != base) {
		if (m != MAP_FAILED)
			(void)munmap(m, size);
		shim_log(XTCP_LOG_ERROR, "XTCP_FAMILY: cannot map the "
		    "family's region at %#" PRIx64 " again (%s): the stack "
		    "sockets inherited across exec are plain eventfds here",
		    base, m == MAP_FAILED ? strerror(errno) :
		    "the kernel moved it");
		fx_cloexec(fd, 1);
		return (0);
	}
	f = m;
	if (f->magic != SHIM_FAM_MAGIC || f->version != SHIM_FAM_VERSION ||
	    f->self != f || f->size != size || f->eng == NULL) {
		(void)munmap(m, size);
		return (0);
	}
	lr = pthread_mutex_lock(&f->mtx);
	if (lr != 0 && lr != EOWNERDEAD) {
		(void)munmap(m, size);
		return (0);
	}
	a = fx_area(f);
	pid = (pid_t)syscall(SYS_getpid);
	for (r = NULL, i = 0; i < FX_RECS; i++)
		if (a->rec[i].pid == pid)
			r = &a->rec[i];
	if (r == NULL)		/* not handed to us: the family did not exec
				 * this image */
		goto giveup;
	if ((slot = slot_of(f, pid)) < 0) {
		shim_log(XTCP_LOG_ERROR, "exec: no member slot of the family "
		    "has pid %d: the stack sockets inherited are plain "
		    "eventfds here", (int)pid);
		goto giveup;
	}
	err = xtcp_dev_import(&r->dev, &dev);
	if (err == XT_OK)
		err = xtcp_proc_new(dev, &proc);
	if (err != XT_OK) {
		shim_log(XTCP_LOG_ERROR, "exec: cannot take over the "
		    "family's device (%s): the stack sockets inherited are "
		    "plain eventfds here", xt_strerror(err));
		if (dev != NULL)
			xtcp_dev_close(dev);	/* our copies of its fds */
		goto giveup;
	}
	shim_fam.f = f;
	shim_fam.fd = fd;
	shim_fam.size = size;
	shim_fam.slot = slot;
	shim_fam.fork_slot = -1;
	shim_fam.ring = 0;
	shim_fam.child_start = 0;
	shim_fam.bell_up = 0;
	shim.eng = f->eng;
	shim.proc = proc;
	shim.dev = dev;
	shim_lock_set(&f->mtx);
	if ((err = xtcp_engine_join(shim.eng, proc)) != XT_OK)
		shim_log(XTCP_LOG_ERROR, "exec: cannot join the family's "
		    "engine: %s", xt_strerror(err));
	xtcp_engine_set_callbacks(shim.eng, shim_wakeup, shim_loop_kick,
	    NULL);
	xtcp_engine_set_urg_callback(shim.eng, sock_urg);
	/* the old image held it across the exec, its hold marked clean:
	 * family.c says so and resets nothing */
	if (lr == EOWNERDEAD)
		shim_family_owner_dead(&f->mtx);
	xtcp_engine_adopt(shim.eng, proc);
	/* ours again, and close-on-exec again */
	(void)fdmap_set(fd, FDM_INTERNAL);
	fx_cloexec(fd, 1);
	nd = xtcp_dev_fds(dev, dfds, XTCP_DEV_MAXFDS);
	for (i = 0; nd > 0 && i < (unsigned)nd && i < XTCP_DEV_MAXFDS; i++) {
		(void)fdmap_set(dfds[i], FDM_INTERNAL);
		fx_cloexec(dfds[i], 1);
	}
	if (p != NULL && r->pool_fd >= 0) {
		p->fd = r->pool_fd;
		p->state_fd = r->pool_state_fd;
		p->saved = r->pool_saved;
		(void)fdmap_set(p->fd, FDM_INTERNAL);
		fx_cloexec(p->fd, 1);
		if (p->state_fd >= 0) {
			(void)fdmap_set(p->state_fd, FDM_INTERNAL);
			fx_cloexec(p->state_fd, 1);
		}
	}
	shim.conf.addr = r->addr;
	/* on a shared address, the family's claim: map its file again */
	if ((err = shim_ports_rejoin()) != 0)
		shim_log(XTCP_LOG_ERROR, "exec: cannot map the address's port "
		    "map again: %s", strerror(err));
	else if (shim_fam.f->ports.fd >= 0 && shim_fam.f->ports.slot >= 0)
		fx_cloexec(shim_fam.f->ports.fd, 1);
	n = socks_rebuild(r, slot);
	gone = socks_release_rest(slot);
	r->pid = 0;
	if ((err = shim_loop_start(shim.eng)) != 0 ||
	    (err = shim_family_bell_start()) != 0)
		shim_log(XTCP_LOG_ERROR, "exec: cannot start the engine "
		    "thread: %s; other members of the family run the stack",
		    strerror(err));
	shim.st = SHIM_ST_RUNNING;
	shim_log(XTCP_LOG_INFO, "exec: the family's stack taken over: %u "
	    "socket%s (%u left with the old image) on %u.%u.%u.%u", n,
	    n == 1 ? "" : "s", gone,
	    shim.conf.addr >> 24, (shim.conf.addr >> 16) & 0xff,
	    (shim.conf.addr >> 8) & 0xff, shim.conf.addr & 0xff);
	/* libev's epoll fd is internal already (loop.c marks it as it is
	 * made), so main's own closefrom() cannot take it */
	shim_unlock();
	return (1);

giveup:
	/* what the old image let through this exec goes no further */
	fx_cloexec(fd, 1);
	if (r != NULL) {
		fx_cloexec(r->dev.fd, 1);
		fx_cloexec(r->dev.txfd, 1);
		fx_cloexec(r->pool_fd, 1);
		fx_cloexec(r->pool_state_fd, 1);
		r->pid = 0;
	}
	if (lr == EOWNERDEAD)
		(void)pthread_mutex_consistent(&f->mtx);
	pthread_mutex_unlock(&f->mtx);
	(void)munmap(m, size);
	return (0);
}
