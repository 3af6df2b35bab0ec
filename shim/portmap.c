/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portmap.c - one address shared by several processes, each with its
 * own ports.
 *
 * Every process on the address (a claimant: one process, or a fork
 * family, whose members share the open file) maps one file,
 *
 *	LOCKDIR/NETNS-IFNAME-A.B.C.D.map	(pool.c names it; mode 0600)
 *
 * holding, for every port, the claimant slot that holds it (0: nobody).
 * Nothing in the file says who is alive: open file description (OFD)
 * locks do, fcntl(2) F_OFD_SETLK on bytes far past the file's end,
 *
 *	PM_LK_MAP	held (waiting) while the map changes
 *	PM_LK_LEADER	held by the address's leader while it lives
 *	PM_LK_SLOT + i	held by slot i's claimant while it lives
 *
 * An OFD lock belongs to the open file, not to a pid: a fork family
 * shares it, and the kernel drops it when the last descriptor of it
 * closes, which happens at exit however the process ends (SIGKILL
 * included).  Pids are reused; these locks are not.  So a claimant that
 * died loses its claims: whoever meets one of its ports (a bind, a
 * lease, the leader's sweep once a second) finds its slot unlocked and
 * clears everything it held.  A claimant killed while it changed the map
 * left at worst its own slot half written, which is cleared the same way.
 *
 * Ports are claimed one by one by bind() (and listen), and ephemeral
 * ones in blocks of SHIM_PM_BLOCK (the ports of a block inside the
 * ephemeral range): the engine walks the blocks it holds first (RFC 6056
 * §3.3.3, tcp_subr.c) and leases another one only when none has a free
 * port.  A leased block nobody uses for a whole tick (one to two
 * seconds) goes back; a bound port goes back when the engine stops using
 * it (no socket, no TIME-WAIT entry).
 *
 * The leader answers what belongs to no port: ARP requests, ICMP echo,
 * and segments for ports nobody holds (one RST, or none with
 * XTCP_BLACKHOLE); so its device filter passes those ports beside its
 * own, rebuilt on its tick when others' claims moved.  The first claimant leads; when it dies, the others
 * find the leader lock free on their next tick and one of them takes it.
 *
 * A claimant's own bookkeeping (struct shim_pm_claim: what it holds,
 * which blocks the engine uses, whether it leads) is one per claimant
 * too: a fork family keeps it in its shared region (init.c moves it
 * there with shim_portmap_share() when the engine starts), so that a
 * block one member leased is held in every member's eyes, the use
 * counts of the engine, which any member may run, add up in one place,
 * and the tick and the device filter (one packet socket, shared by the
 * family) see all of it.  It holds no pointer: each member's struct
 * shim_portmap is its view, with the map as mapped there.
 *
 * Part of the shim's testable layer: nothing here calls the hooks or
 * logs; the caller builds the device filter from shim_portmap_ranges().
 * Unit tests: tests/unit/check_shim_portmap.c, check_shim_famports.c (a
 * family's views of one claim).
 */
#include "prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdmap.h"
#include "portmap.h"
#include "xtcp.h"

#define PM_MAGIC	"XTCPPM1\n"
#define PM_LK_MAP	(1L << 20)
#define PM_LK_LEADER	(PM_LK_MAP + 1)
#define PM_LK_SLOT	(PM_LK_MAP + 16)

struct shim_pm_file {
	char		magic[8];
	uint32_t	size;		/* sizeof(struct shim_pm_file) */
	uint32_t	gen;		/* bumped by every change */
	uint8_t		used[SHIM_PM_SLOTS];
					/* slot may have ports */
	uint8_t		owner[65536];	/* slot + 1, or 0 */
};

#define BIT(a, i)	(((a)[(i) >> 6] >> ((i) & 63)) & 1)
#define SET(a, i)	((a)[(i) >> 6] |= 1ULL << ((i) & 63))
#define CLR(a, i)	((a)[(i) >> 6] &= ~(1ULL << ((i) & 63)))
/* The device passes port p: ours, or (the leader's) nobody's.  The map
 * is read without its lock: a port claimed meanwhile gets through to the
 * engine, which drops it (XTCP_PORTS_ANSWER); one freed meanwhile is
 * dropped silently until the next tick rebuilds the filter. */
#define PASSES(pm, all, p) \
	(BIT((pm)->c->held, (p)) || ((all) && (pm)->m->owner[(p)] == 0))

/* An OFD lock on one byte: cmd F_OFD_SETLK(W) or F_OFD_GETLK.  For
 * GETLK, returns 1 if another open file holds it, else 0; otherwise 0 or
 * -1 (errno). */
static int
ofd_lock(int fd, int cmd, short type, long off)
{
	struct flock fl;
	long r;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	do
		r = syscall(SYS_fcntl, fd, cmd, &fl);
	while (r != 0 && errno == EINTR);
	if (r != 0)
		return (-1);
	if (cmd == F_OFD_GETLK)
		return (fl.l_type != F_UNLCK);
	return (0);
}

static void
map_lock(const struct shim_portmap *pm)
{
	(void)ofd_lock(pm->c->fd, F_OFD_SETLKW, F_WRLCK, PM_LK_MAP);
}

static void
map_unlock(const struct shim_portmap *pm)
{
	(void)ofd_lock(pm->c->fd, F_OFD_SETLK, F_UNLCK, PM_LK_MAP);
}

int
shim_portmap_alive(const struct shim_portmap *pm, int slot)
{
	if (slot == pm->c->slot)
		return (1);
	return (ofd_lock(pm->c->fd, F_OFD_GETLK, F_WRLCK, PM_LK_SLOT + slot) ==
	    1);
}

/* Map lock held: forget every port of slot (a dead claimant's). */
static void
slot_clear(struct shim_portmap *pm, int slot)
{
	uint8_t *o = pm->m->owner, v = (uint8_t)(slot + 1);
	unsigned i;

	for (i = 0; i < 65536; i++)
		if (o[i] == v)
			o[i] = 0;
	pm->m->used[slot] = 0;
	pm->m->gen++;
}

/* Map lock held: may we take port?  Clears a dead holder's slot. */
static int
port_free(struct shim_portmap *pm, unsigned port)
{
	unsigned o = pm->m->owner[port];

	if (o == 0 || (int)o - 1 == pm->c->slot)
		return (1);
	if (shim_portmap_alive(pm, (int)o - 1))
		return (0);
	slot_clear(pm, (int)o - 1);
	return (1);
}

int
shim_portmap_open(struct shim_portmap *pm, const char *path, uint16_t lo,
    uint16_t hi, char *msg, size_t msglen)
{
	struct shim_pm_file *m;
	struct stat st;
	int fd, err, i;

	memset(pm, 0, sizeof(*pm));
	pm->c = &pm->own;
	pm->fd = -1;
	pm->c->fd = -1;
	pm->c->slot = -1;
	pm->c->lo = lo;
	pm->c->hi = hi;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		err = errno;
		snprintf(msg, msglen, "port map %s: %s", path, strerror(err));
		return (err);
	}
	if (syscall(SYS_fstat, fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1) {
		snprintf(msg, msglen, "port map %s: not a regular 0600 file of "
		    "uid %u with one link: not used", path,
		    (unsigned)geteuid());
		(void)syscall(SYS_close, fd);
		return (EACCES);
	}
	fd = shim_fd_move_high(fd, 96);
	pm->c->fd = fd;
	pm->fd = fd;
	map_lock(pm);
	if ((size_t)st.st_size < sizeof(*m) &&
	    syscall(SYS_ftruncate, fd, (long)sizeof(*m)) != 0) {
		err = errno;
		goto fail;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		err = errno;
		goto fail;
	}
	pm->m = m;
	if (memcmp(m->magic, PM_MAGIC, 8) != 0 || m->size != sizeof(*m)) {
		/* new, or not ours to trust: begin afresh (under the lock,
		 * so only the first claimant does) */
		memset(m, 0, sizeof(*m));
		memcpy(m->magic, PM_MAGIC, 8);
		m->size = sizeof(*m);
	}
	for (i = 0; i < SHIM_PM_SLOTS; i++)
		if (ofd_lock(fd, F_OFD_SETLK, F_WRLCK, PM_LK_SLOT + i) == 0)
			break;
	if (i == SHIM_PM_SLOTS) {
		map_unlock(pm);
		snprintf(msg, msglen, "port map %s: all %d claimant slots are "
		    "held by live processes", path, SHIM_PM_SLOTS);
		shim_portmap_close(pm);
		return (EADDRNOTAVAIL);
	}
	pm->c->slot = i;
	if (m->used[i])
		slot_clear(pm, i);	/* a dead claimant's leftovers */
	m->used[i] = 1;
	map_unlock(pm);
	(void)fdmap_set(fd, FDM_INTERNAL);
	pm->c->leader = ofd_lock(fd, F_OFD_SETLK, F_WRLCK, PM_LK_LEADER) == 0;
	pm->c->changed = 1;
	return (0);
fail:
	map_unlock(pm);
	snprintf(msg, msglen, "port map %s: %s", path, strerror(err));
	shim_portmap_close(pm);
	return (err);
}

void
shim_portmap_close(struct shim_portmap *pm)
{
	struct shim_pm_claim *c = pm->c;

	if (pm->m != NULL)
		(void)munmap(pm->m, sizeof(*pm->m));
	pm->m = NULL;
	if (c == NULL)
		return;
	if (c->fd >= 0) {
		if (fdmap_peek(c->fd) == FDM_INTERNAL)
			fdmap_clear(c->fd);
		(void)syscall(SYS_close, c->fd);
	}
	c->fd = -1;
	c->slot = -1;
	c->leader = 0;
	pm->fd = -1;
}

/* The view alone goes back to no claim; the claim is not touched. */
static void
view_reset(struct shim_portmap *pm)
{
	if (pm->m != NULL)
		(void)munmap(pm->m, sizeof(*pm->m));
	pm->m = NULL;
	pm->fd = -1;
	memset(&pm->own, 0, sizeof(pm->own));
	pm->own.fd = -1;
	pm->own.slot = -1;
	pm->c = &pm->own;
}

void
shim_portmap_forget(struct shim_portmap *pm)
{
	int fd = pm->fd;

	/* the claim may be the family's, whose other members go on with
	 * it (and whose region this child may have unmapped already): only
	 * this process's view and descriptor go */
	if (fd >= 0 && fdmap_peek(fd) != FDM_INTERNAL)
		(void)syscall(SYS_close, fd);	/* core.c closes the
						 * internal ones */
	view_reset(pm);
}

void
shim_portmap_share(struct shim_portmap *pm, struct shim_pm_claim *c)
{
	if (pm->c == c)
		return;
	memcpy(c, pm->c, sizeof(*c));
	pm->c = c;
}

int
shim_portmap_attach(struct shim_portmap *pm, struct shim_pm_claim *c)
{
	struct shim_pm_file *m;

	view_reset(pm);
	if (c->fd < 0 || c->slot < 0)
		return (EBADF);
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
	    0);
	if (m == MAP_FAILED)
		return (errno);
	if (memcmp(m->magic, PM_MAGIC, 8) != 0 || m->size != sizeof(*m)) {
		(void)munmap(m, sizeof(*m));
		return (EINVAL);
	}
	pm->m = m;
	pm->c = c;
	pm->fd = c->fd;
	return (0);
}

void
shim_portmap_detach(struct shim_portmap *pm)
{
	view_reset(pm);
}

int
shim_portmap_held(const struct shim_portmap *pm, uint16_t port)
{
	return ((int)BIT(pm->c->held, port));
}

int
shim_portmap_lease(struct shim_portmap *pm, uint16_t port)
{
	unsigned b = port / SHIM_PM_BLOCK, first, last, p;
	int ok = 1;

	first = b * SHIM_PM_BLOCK;
	last = first + SHIM_PM_BLOCK - 1;
	if (first < pm->c->lo)
		first = pm->c->lo;
	if (last > pm->c->hi)
		last = pm->c->hi;
	if (pm->m == NULL || port < first || port > last)
		return (1);
	map_lock(pm);
	for (p = first; p <= last && ok; p++)
		ok = port_free(pm, p);
	if (ok) {
		for (p = first; p <= last; p++) {
			pm->m->owner[p] = (uint8_t)(pm->c->slot + 1);
			SET(pm->c->held, p);
		}
		pm->m->gen++;
	}
	map_unlock(pm);
	if (!ok)
		return ((int)(last - port + 1));
	SET(pm->c->leased, b);
	pm->c->idle[b] = 0;
	pm->c->changed = 1;
	return (0);
}

int
shim_portmap_bind(struct shim_portmap *pm, uint16_t port)
{
	int ok;

	if (BIT(pm->c->held, port))
		return (0);
	if (pm->m == NULL)
		return (EADDRINUSE);
	map_lock(pm);
	if ((ok = port_free(pm, port)) != 0) {
		pm->m->owner[port] = (uint8_t)(pm->c->slot + 1);
		pm->m->gen++;
	}
	map_unlock(pm);
	if (!ok)
		return (EADDRINUSE);
	SET(pm->c->held, port);
	SET(pm->c->single, port);
	pm->c->changed = 1;
	return (0);
}

void
shim_portmap_use(struct shim_portmap *pm, uint16_t port, int d)
{
	unsigned b = port / SHIM_PM_BLOCK;

	if (d > 0) {
		if (pm->c->inuse[b] < 255)
			pm->c->inuse[b]++;
		pm->c->idle[b] = 0;
		return;
	}
	if (pm->c->inuse[b] > 0)
		pm->c->inuse[b]--;
	/* a port bound one by one goes back now; a leased block when it
	 * was idle for a tick */
	if (!BIT(pm->c->single, port))
		return;
	CLR(pm->c->single, port);
	if (BIT(pm->c->leased, b))
		return;
	CLR(pm->c->held, port);
	pm->c->changed = 1;
	if (pm->m == NULL)
		return;
	map_lock(pm);
	if (pm->m->owner[port] == pm->c->slot + 1) {
		pm->m->owner[port] = 0;
		pm->m->gen++;
	}
	map_unlock(pm);
}

int
shim_portmap_answer(const struct shim_portmap *pm, uint16_t port)
{
	if (BIT(pm->c->held, port))
		return (1);
	/* the leader answers for nobody's ports; a dead claimant's stay
	 * silent until the sweep clears them (a tick) */
	return (pm->c->leader && pm->m != NULL && pm->m->owner[port] == 0);
}

int
shim_portmap_owner(const struct shim_portmap *pm, uint16_t port)
{
	if (pm->m == NULL)
		return (-1);
	return ((int)pm->m->owner[port] - 1);
}

/* Give back leased block b (map lock not held). */
static void
block_release(struct shim_portmap *pm, unsigned b)
{
	unsigned p;

	map_lock(pm);
	for (p = b * SHIM_PM_BLOCK; p < (b + 1) * SHIM_PM_BLOCK; p++) {
		if (BIT(pm->c->single, p))
			continue;
		CLR(pm->c->held, p);
		if (pm->m->owner[p] == pm->c->slot + 1)
			pm->m->owner[p] = 0;
	}
	pm->m->gen++;
	map_unlock(pm);
	CLR(pm->c->leased, b);
	pm->c->changed = 1;
}

int
shim_portmap_tick(struct shim_portmap *pm)
{
	int changed = 0, s;
	unsigned b;

	if (pm->m == NULL)
		return (0);
	if (!pm->c->leader &&
	    ofd_lock(pm->c->fd, F_OFD_SETLK, F_WRLCK, PM_LK_LEADER) == 0) {
		pm->c->leader = 1;
		changed = 1;
	}
	if (pm->c->leader)
		for (s = 0; s < SHIM_PM_SLOTS; s++) {
			if (s == pm->c->slot || !pm->m->used[s] ||
			    shim_portmap_alive(pm, s))
				continue;
			map_lock(pm);
			if (pm->m->used[s] && !shim_portmap_alive(pm, s))
				slot_clear(pm, s);
			map_unlock(pm);
		}
	for (b = 0; b < SHIM_PM_NBLOCK; b++) {
		if (!BIT(pm->c->leased, b) || pm->c->inuse[b] != 0)
			continue;
		if (pm->c->idle[b]) {
			block_release(pm, b);
			changed = 1;
		} else
			pm->c->idle[b] = 1;
	}
	/* the leader passes nobody's ports too: others' claims moved */
	if (pm->c->leader && pm->m->gen != pm->c->seen_gen)
		changed = 1;
	return (changed || pm->c->changed);
}

unsigned
shim_portmap_ranges(struct shim_portmap *pm, struct xtcp_port_range *r,
    unsigned max)
{
	unsigned p = 0, n = 0, start;
	int all = pm->c->leader && pm->m != NULL;

	pm->c->changed = 0;
	if (all)
		pm->c->seen_gen = pm->m->gen;
	while (p < 65536) {
		/* skip whole empty words */
		if (!all && (p & 63) == 0 && pm->c->held[p >> 6] == 0) {
			p += 64;
			continue;
		}
		if (!PASSES(pm, all, p)) {
			p++;
			continue;
		}
		start = p;
		while (p < 65536 && PASSES(pm, all, p))
			p++;
		if (n < max) {
			r[n].lo = (uint16_t)start;
			r[n].hi = (uint16_t)(p - 1);
			n++;
		} else if (max > 0)
			r[max - 1].hi = (uint16_t)(p - 1);
	}
	return (n);
}
