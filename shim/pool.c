/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool.c - which address of XTCP_ADDR this process uses.
 *
 * XTCP_ADDR names one address or a range A.B.C.D-A.B.C.E/LEN.  Several
 * processes may share one interface and one range: each claims a free
 * address by taking an exclusive flock(2) on a lock file named after it,
 *
 *	LOCKDIR/NETNS-IFNAME-A.B.C.D
 *
 * where LOCKDIR is XTCP_LOCKDIR (default /run/xtcp/uUID, or /tmp/xtcp-uUID
 * when /run is not writable; UID the effective one) and NETNS is the
 * inode number of the process's
 * network namespace, so that processes in different namespaces (parallel
 * tests, containers) never compete for an address they do not share.
 * The lock lives as long as its open file description: the fd is
 * internal (programs cannot close it), close-on-exec (an exec'd program
 * claims afresh), and closed in a fork child (which has no stack); the
 * kernel drops it when the process exits or crashes.  A lock file left
 * behind is harmless: only the lock counts, never the file.
 *
 * That is the pool (a range, or XTCP_ADDR_SHARE=0): one process per
 * address.  A single address is shared by default (XTCP_ADDR_SHARE=1):
 * every process on it joins the address's port map,
 *
 *	LOCKDIR/NETNS-IFNAME-A.B.C.D.map
 *
 * and holds only its own ports (portmap.c).  A TAP device carries one
 * process's frames, whatever their ports: on a TAP the address is always
 * claimed whole, and the second process is told why.
 *
 * Only those who may use the device may touch the locks and the map:
 * LOCKDIR must be a directory of this user's (root's, for AF_PACKET)
 * that nobody else can write, and it is made with mode 0700; a directory
 * writable by group or others, owned by another user, or not a directory
 * is refused with one line (and no address is claimed), since anyone
 * who can open a lock file can flock it and deny the address, and anyone
 * who can write the map can take every port.  Its parent must not let
 * others replace it (sticky, or not writable by them).
 *
 * Beside the lock, each user keeps what the next process on the address
 * must continue (issue 12), in a state file of 44 bytes,
 *
 *	LOCKDIR/NETNS-IFNAME-A.B.C.D.uUID.state
 *
 * mode 0600: a magic line "XTCPST1\n", the timestamp-offset key and the
 * ephemeral-port key (16 bytes each, struct xtcp_keys' ts and port), and
 * the port counter (RFC 6056 §3.3.3 next_ephemeral, 4 bytes, little
 * endian).  So TSvals towards a peer keep growing across processes (RFC
 * 6191 §2: a new SYN passes PAWS at a peer still in TIME-WAIT), and port
 * choice goes on where the last process stopped instead of reusing the
 * 4-tuples it just left.  The lock file cannot hold it: it is open to
 * every user, and the keys are secrets.  Only the lock holder reads or
 * writes the file.  A file that is not this user's own regular 0600 file
 * is never read (warn; nothing is kept this time); a malformed one is
 * ignored and written anew (warn).  The counter is written ahead
 * (SHIM_POOL_PORTS_AHEAD), so one pwrite(2) serves many connections and
 * a process killed between two writes never leaves it behind a port it
 * used; exit writes the exact value.  Eight more bytes, when present,
 * hold the time (CLOCK_REALTIME seconds, little endian) of the address's
 * last RFC 5227 probe (init.c: a probe is good for SHIM_PROBE_VALID_S).
 *
 * Part of the shim's testable layer: the claim lives in the caller's
 * struct shim_pool, messages go to the caller's report function, and
 * nothing here calls the hooks.  Unit tests: tests/unit/check_shim_pool.c
 * (lock files in a directory of their own).
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdmap.h"
#include "pool.h"
#include "xtcp.h"

static const char	*lock_dir(const struct shim_config *c, char *buf,
		    size_t len);
static int	dir_ready(const char *dir, char *why, size_t whylen);
static int	share_claim(struct shim_pool *p, struct shim_config *c,
		    const char *dir, unsigned long ns, char *msg,
		    size_t msglen);
static int	try_lock(const char *path, int op);
static void	addr_str(uint32_t a, char *buf, size_t len);
static int	state_read(int fd, uint8_t *ts_key, uint8_t *port_key,
		    uint32_t *ctr);
static int	state_write(int fd, const uint8_t *ts_key,
		    const uint8_t *port_key, uint32_t ctr);
static void	say(shim_report_fn report, void *arg, int level,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One line to report, formatted as shim_log() formats. */
static void
say(shim_report_fn report, void *arg, int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report(arg, level, buf);
}

static void
addr_str(uint32_t a, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
}

/* The lock directory: XTCP_LOCKDIR, or the default into buf. */
static const char *
lock_dir(const struct shim_config *c, char *buf, size_t len)
{
	if (c->lockdir[0] != '\0')
		return (c->lockdir);
	if (access("/run", W_OK) == 0)
		snprintf(buf, len, "/run/xtcp/u%u", (unsigned)geteuid());
	else
		snprintf(buf, len, "/tmp/xtcp-u%u", (unsigned)geteuid());
	return (buf);
}

/*
 * Make dir if missing (mode 0700; the default's parent /run/xtcp 0755)
 * and check that only this user can use it: 0, or an errno with the
 * reason in why.
 */
static int
dir_ready(const char *dir, char *why, size_t whylen)
{
	char parent[128];
	struct stat st;
	char *slash;

	why[0] = '\0';
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), "/");
	if (strncmp(dir, "/run/xtcp/", 10) == 0 &&
	    mkdir("/run/xtcp", 0755) != 0 && errno != EEXIST)
		return (errno);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return (errno);
	if (lstat(dir, &st) != 0)
		return (errno);
	if (!S_ISDIR(st.st_mode))
		return (ENOTDIR);
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "owned by uid %u, not this user (uid "
		    "%u)", (unsigned)st.st_uid, (unsigned)geteuid());
		return (EPERM);
	}
	if (st.st_mode & 022) {
		snprintf(why, whylen, "writable by %s (mode %04o)",
		    (st.st_mode & 02) ? "everyone" : "its group",
		    (unsigned)(st.st_mode & 07777));
		return (EPERM);
	}
	if (stat(parent, &st) == 0 && (st.st_mode & 022) &&
	    !(st.st_mode & S_ISVTX) && st.st_uid != geteuid()) {
		(void)snprintf(why, whylen, "in a directory others can write "
		    "(mode %04o, not sticky)",
		    (unsigned)(st.st_mode & 07777));
		return (EPERM);
	}
	return (0);
}

/* The lock fd, locked op (LOCK_EX: the address whole; LOCK_SH: shared
 * by port), -1 if another process holds it the other way (errno
 * EWOULDBLOCK), or -1 with another errno if the file cannot be opened. */
static int
try_lock(const char *path, int op)
{
	int fd, err;

	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0)
		return (-1);
	if (syscall(SYS_flock, fd, op | LOCK_NB) != 0) {
		err = errno;
		(void)syscall(SYS_close, fd);
		errno = err == EAGAIN ? EWOULDBLOCK : err;
		return (-1);
	}
	return (fd);
}

/* Claim an address of c's range, lowest free first (pool.h). */
int
shim_pool_claim(struct shim_pool *p, struct shim_config *c,
    shim_report_fn report, void *arg, char *msg, size_t msglen)
{
	char path[256], a[2 * INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	char dbuf[64], why[160];
	unsigned long ns = 0;
	const char *dir;
	struct stat st;
	uint32_t addr;
	int fd = -1, err = 0, busy = 0, other = 0;

	if (p->fd >= 0)
		return (0);		/* claimed before (a restart) */
	dir = lock_dir(c, dbuf, sizeof(dbuf));
	if (stat("/proc/self/ns/net", &st) == 0)
		ns = (unsigned long)st.st_ino;
	addr_str(c->addr_lo, a, sizeof(a));
	addr_str(c->addr_hi, b, sizeof(b));
	if ((err = dir_ready(dir, why, sizeof(why))) != 0) {
		if (c->addr_lo != c->addr_hi)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "-%s",
			    b);
		/* anyone who may open a lock could deny the address, and
		 * anyone who may write the map could take its ports */
		if (why[0] != '\0')
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: lock directory "
			    "%s is %s: refused, it must be this user's alone, "
			    "mode 0700 (or set XTCP_LOCKDIR)", a, c->prefixlen,
			    dir, why);
		else
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: lock directory "
			    "%s: %s (set XTCP_LOCKDIR)", a, c->prefixlen, dir,
			    strerror(err));
		return (EADDRNOTAVAIL);
	}
	if (c->addr_share && !c->tap && c->addr_lo == c->addr_hi)
		return (share_claim(p, c, dir, ns, msg, msglen));
	for (addr = c->addr_lo; ; addr++) {
		addr_str(addr, b, sizeof(b));
		snprintf(path, sizeof(path), "%s/%lu-%s-%s", dir, ns,
		    c->ifname, b);
		if ((fd = try_lock(path, LOCK_EX)) >= 0)
			break;
		if (errno == EWOULDBLOCK)
			busy++;
		else {
			other++;
			err = errno;
		}
		if (addr == c->addr_hi)
			break;
	}
	if (fd < 0) {
		addr_str(c->addr_hi, b, sizeof(b));
		if (c->addr_lo == c->addr_hi && c->tap && c->addr_share)
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: the address "
			    "is in use by another process on TAP %s, which "
			    "cannot be shared by port (lock in %s)",
			    a, c->prefixlen, c->ifname, dir);
		else if (c->addr_lo == c->addr_hi)
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: the address "
			    "is in use by another process on %s (lock in %s)",
			    a, c->prefixlen, c->ifname, dir);
		else if (other == 0)
			snprintf(msg, msglen, "XTCP_ADDR=%s-%s/%u: no free "
			    "address: all %d are in use by other processes "
			    "on %s (locks in %s)", a, b, c->prefixlen, busy,
			    c->ifname, dir);
		else
			snprintf(msg, msglen, "XTCP_ADDR=%s-%s/%u: no free "
			    "address: %d in use, %d lock files unusable in %s "
			    "(%s)", a, b, c->prefixlen, busy, other, dir,
			    strerror(err));
		return (EADDRNOTAVAIL);
	}
	fd = shim_fd_move_high(fd, 96);
	if ((err = fdmap_set(fd, FDM_INTERNAL)) != 0) {
		/* fd beyond the table: still held, only unprotected */
		say(report, arg, XTCP_LOG_WARN, "address lock fd %d not protected: "
		    "%s", fd, strerror(err));
	}
	p->fd = fd;
	c->addr = addr;
	if (c->addr_lo != c->addr_hi)
		say(report, arg, XTCP_LOG_INFO, "claimed %s from XTCP_ADDR's range",
		    b);
	return (0);
}

/* A shared address: join its port map (portmap.c). */
static int
share_claim(struct shim_pool *p, struct shim_config *c, const char *dir,
    unsigned long ns, char *msg, size_t msglen)
{
	char path[256], a[INET_ADDRSTRLEN], why[200];
	int fd, err;

	/* the address's lock file, shared: a process that wants the
	 * address whole (LOCK_EX) and the sharers exclude each other */
	addr_str(c->addr_lo, a, sizeof(a));
	snprintf(path, sizeof(path), "%s/%lu-%s-%s", dir, ns, c->ifname, a);
	if ((fd = try_lock(path, LOCK_SH)) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: the address "
			    "is held whole by another process on %s "
			    "(XTCP_ADDR_SHARE=0 or a range; lock in %s)", a,
			    c->prefixlen, c->ifname, dir);
		else
			snprintf(msg, msglen, "XTCP_ADDR=%s/%u: cannot share "
			    "the address: lock file %s: %s", a, c->prefixlen,
			    path, strerror(errno));
		return (EADDRNOTAVAIL);
	}
	snprintf(path, sizeof(path), "%s/%lu-%s-%s.map", dir, ns, c->ifname,
	    a);
	if ((err = shim_portmap_open(&p->pm, path,
	    c->port_lo != 0 ? c->port_lo : 32768,
	    c->port_hi != 0 ? c->port_hi : 60999, why, sizeof(why))) != 0) {
		snprintf(msg, msglen, "XTCP_ADDR=%s/%u: cannot share the "
		    "address: %s", a, c->prefixlen, why);
		(void)syscall(SYS_close, fd);
		return (EADDRNOTAVAIL);
	}
	fd = shim_fd_move_high(fd, 96);
	(void)fdmap_set(fd, FDM_INTERNAL);
	p->fd = fd;
	p->shared = 1;
	c->addr = c->addr_lo;
	return (0);
}

/* ---- the state kept with the address ---- */

#define STATE_MAGIC	"XTCPST1\n"
#define STATE_MAGIC_LEN	8
#define STATE_TS	STATE_MAGIC_LEN			/* ts key */
#define STATE_PORT	(STATE_TS + XT_KEY_LEN)		/* port key */
#define STATE_CTR	(STATE_PORT + XT_KEY_LEN)	/* port counter */
#define STATE_LEN	(STATE_CTR + 4)
/* optional: the time of the last RFC 5227 probe (8 bytes, le) */
#define STATE_PROBE	STATE_LEN
#define STATE_PROBE_LEN	(STATE_PROBE + 8)

static void
put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

/* The file's keys and counter: 0, or -1 if it is not a state file. */
static int
state_read(int fd, uint8_t *ts_key, uint8_t *port_key, uint32_t *ctr)
{
	uint8_t b[STATE_PROBE_LEN + 1];
	long n;

	n = syscall(SYS_pread64, fd, b, sizeof(b), 0);
	if ((n != STATE_LEN && n != STATE_PROBE_LEN) || memcmp(b, STATE_MAGIC, STATE_MAGIC_LEN) != 0)
		return (-1);
	memcpy(ts_key, b + STATE_TS, XT_KEY_LEN);
	memcpy(port_key, b + STATE_PORT, XT_KEY_LEN);
	*ctr = (uint32_t)b[STATE_CTR] | (uint32_t)b[STATE_CTR + 1] << 8 |
	    (uint32_t)b[STATE_CTR + 2] << 16 | (uint32_t)b[STATE_CTR + 3] << 24;
	return (0);
}

/* The whole file, in one write: 0 or -1. */
static int
state_write(int fd, const uint8_t *ts_key, const uint8_t *port_key,
    uint32_t ctr)
{
	uint8_t b[STATE_LEN];
	int r;

	memcpy(b, STATE_MAGIC, STATE_MAGIC_LEN);
	memcpy(b + STATE_TS, ts_key, XT_KEY_LEN);
	memcpy(b + STATE_PORT, port_key, XT_KEY_LEN);
	put_le32(b + STATE_CTR, ctr);
	r = syscall(SYS_ftruncate, fd, 0) == 0 &&
	    syscall(SYS_pwrite64, fd, b, sizeof(b), 0) == STATE_LEN ? 0 : -1;
	memset(b, 0, sizeof(b));	/* keys: no copy left on the stack */
	return (r);
}

int
shim_pool_state_open(struct shim_pool *p, const struct shim_config *c,
    uint8_t *ts_key, uint8_t *port_key, uint32_t *ctr,
    shim_report_fn report, void *arg)
{
	char path[256], a[INET_ADDRSTRLEN], dbuf[64];
	unsigned long ns = 0;
	unsigned uid;
	struct stat st;
	int fd, err, loaded = 0;

	if (p->fd < 0 || p->state_fd >= 0)
		return (0);		/* no lock: nothing is ours to keep */
	if (stat("/proc/self/ns/net", &st) == 0)
		ns = (unsigned long)st.st_ino;
	uid = (unsigned)geteuid();
	addr_str(c->addr, a, sizeof(a));
	snprintf(path, sizeof(path), "%s/%lu-%s-%s.u%u.state",
	    lock_dir(c, dbuf, sizeof(dbuf)), ns, c->ifname, a, uid);
	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT |
		    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		say(report, arg, XTCP_LOG_WARN, "state file %s: %s: timestamp "
		    "and port state not kept for the next process", path,
		    strerror(errno));
		return (0);
	}
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != (uid_t)uid || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1) {
		say(report, arg, XTCP_LOG_WARN, "state file %s: not a regular "
		    "0600 file of uid %u with one link: not used, timestamp and "
		    "port state not kept", path, uid);
		(void)syscall(SYS_close, fd);
		return (0);
	}
	if (st.st_size != 0) {
		if (state_read(fd, ts_key, port_key, ctr) == 0)
			loaded = 1;
		else
			say(report, arg, XTCP_LOG_WARN, "state file %s: "
			    "malformed (%lld bytes): ignored and written anew",
			    path, (long long)st.st_size);
	}
	if (!loaded && state_write(fd, ts_key, port_key, *ctr) != 0) {
		say(report, arg, XTCP_LOG_WARN, "state file %s: cannot write "
		    "it: %s: timestamp and port state not kept", path,
		    strerror(errno));
		(void)syscall(SYS_close, fd);
		return (0);
	}
	fd = shim_fd_move_high(fd, 96);
	if ((err = fdmap_set(fd, FDM_INTERNAL)) != 0)
		say(report, arg, XTCP_LOG_WARN, "state file fd %d not "
		    "protected: %s", fd, strerror(err));
	p->state_fd = fd;
	p->saved = *ctr;
	return (loaded);
}

void
shim_pool_state_note(struct shim_pool *p, uint32_t ctr, int final)
{
	uint8_t b[4];
	uint32_t v;

	if (p->state_fd < 0)
		return;
	if (final)
		v = ctr;
	else if ((int32_t)(ctr - p->saved) > 0)
		v = ctr + SHIM_POOL_PORTS_AHEAD;
	else
		return;
	put_le32(b, v);
	if (syscall(SYS_pwrite64, p->state_fd, b, sizeof(b), STATE_CTR) == 4)
		p->saved = v;
}

int64_t
shim_pool_probe_time(const struct shim_pool *p)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	if (p->state_fd < 0 || syscall(SYS_pread64, p->state_fd, b,
	    sizeof(b), STATE_PROBE) != (long)sizeof(b))
		return (0);
	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return ((int64_t)v);
}

void
shim_pool_probe_note(struct shim_pool *p, int64_t when)
{
	uint8_t b[8];
	uint64_t v = (uint64_t)when;
	int i;

	if (p->state_fd < 0)
		return;
	for (i = 0; i < 8; i++, v >>= 8)
		b[i] = (uint8_t)v;
	(void)syscall(SYS_pwrite64, p->state_fd, b, sizeof(b), STATE_PROBE);
}

/* Close an internal fd of p, forgetting its fdmap entry. */
static void
internal_close(int *fdp)
{
	if (*fdp < 0)
		return;
	if (fdmap_peek(*fdp) == FDM_INTERNAL)
		fdmap_clear(*fdp);
	(void)syscall(SYS_close, *fdp);
	*fdp = -1;
}

void
shim_pool_release(struct shim_pool *p)
{
	internal_close(&p->state_fd);
	internal_close(&p->fd);
	if (p->shared)
		shim_portmap_close(&p->pm);
	p->shared = 0;
}

/*
 * In a fork child (lock held), before core.c closes our internal fds
 * (the lock's among them): the parent keeps the lock through its own
 * descriptor.  A child that starts a stack (XTCP_CHILD=stack) claims an
 * address of its own.
 */
void
shim_pool_fork_child(struct shim_pool *p)
{
	if (p->fd >= 0 && fdmap_peek(p->fd) != FDM_INTERNAL)
		(void)syscall(SYS_close, p->fd);	/* was unprotected */
	p->fd = -1;
	if (p->state_fd >= 0 && fdmap_peek(p->state_fd) != FDM_INTERNAL)
		(void)syscall(SYS_close, p->state_fd);
	p->state_fd = -1;
	if (p->shared)
		shim_portmap_forget(&p->pm);
	p->shared = 0;
}
