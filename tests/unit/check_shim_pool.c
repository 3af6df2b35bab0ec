/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_pool.c - the address pool of XTCP_ADDR (shim/pool.c)
 * without LD_PRELOAD or root: claims in a lock directory of the test's
 * own (mkdtemp), lowest free address first; a released address is free
 * again; lock files left behind do not count, only locks do; every
 * message of a failed claim; a directory that cannot hold locks.  Each
 * struct shim_pool opens its own lock, so one process plays several.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "fdmap.h"
#include "pool.h"
#include "xtcp.h"

Suite	*xt_suite_shim_pool(void);

#define LO	0x0a000002u	/* 10.0.0.2 */
#define HI	0x0a000004u	/* 10.0.0.4 */

static char		dir[64];
static char		msg[256];
static unsigned long	netns;

struct seen {
	int	n;
	int	level;
	char	line[256];
};

static struct seen	said;

static void
record(void *arg, int level, const char *line)
{
	struct seen *s = arg;

	s->n++;
	s->level = level;
	snprintf(s->line, sizeof(s->line), "%s", line);
}

static void
pool_setup(void)
{
	struct stat st;

	snprintf(dir, sizeof(dir), "/tmp/xtcp-check-pool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	netns = stat("/proc/self/ns/net", &st) == 0 ?
	    (unsigned long)st.st_ino : 0;
	memset(&said, 0, sizeof(said));
}

static void
pool_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

/* A configuration of the range lo..hi on xt0 with our lock directory. */
static void
conf(struct shim_config *c, uint32_t lo, uint32_t hi)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "xt0");
	snprintf(c->lockdir, sizeof(c->lockdir), "%s", dir);
	c->addr = c->addr_lo = lo;
	c->addr_hi = hi;
	c->prefixlen = 24;
}

static void
lock_path(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%lu-xt0-%u.%u.%u.%u", dir, netns, a >> 24,
	    (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static int
claim(struct shim_pool *p, struct shim_config *c)
{
	memset(msg, 0, sizeof(msg));
	return (shim_pool_claim(p, c, record, &said, msg, sizeof(msg)));
}

/* Lowest free first; all taken: one line; a release frees one. */
START_TEST(pool_claim_release)
{
	struct shim_pool p[4] = { SHIM_POOL_INIT, SHIM_POOL_INIT,
	    SHIM_POOL_INIT, SHIM_POOL_INIT };
	struct shim_config c[4];
	char path[128], want[256];
	int i;

	for (i = 0; i < 3; i++) {
		conf(&c[i], LO, HI);
		ck_assert_int_eq(claim(&p[i], &c[i]), 0);
		ck_assert_uint_eq(c[i].addr, LO + (uint32_t)i);
		ck_assert_int_ge(p[i].fd, 0);
		/* the lock fd is ours: programs cannot close it */
		ck_assert_uint_eq(fdmap_peek(p[i].fd), FDM_INTERNAL);
		lock_path(LO + (uint32_t)i, path, sizeof(path));
		ck_assert_int_eq(access(path, F_OK), 0);
	}
	ck_assert_int_eq(said.level, XTCP_LOG_INFO);
	ck_assert_str_eq(said.line, "claimed 10.0.0.4 from XTCP_ADDR's range");
	/* a second claim on a held pool keeps what it has */
	ck_assert_int_eq(claim(&p[0], &c[0]), 0);
	ck_assert_uint_eq(c[0].addr, LO);
	conf(&c[3], LO, HI);
	ck_assert_int_eq(claim(&p[3], &c[3]), EADDRNOTAVAIL);
	ck_assert_int_eq(p[3].fd, -1);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2-10.0.0.4/24: no "
	    "free address: all 3 are in use by other processes on xt0 "
	    "(locks in %s)", dir);
	ck_assert_str_eq(msg, want);
	shim_pool_release(&p[1]);
	ck_assert_int_eq(p[1].fd, -1);
	ck_assert_int_eq(claim(&p[3], &c[3]), 0);
	ck_assert_uint_eq(c[3].addr, LO + 1);
	for (i = 0; i < 4; i++)
		shim_pool_release(&p[i]);
}
END_TEST

/* A lock file without a lock (a process that died) is free. */
START_TEST(pool_stale_files)
{
	struct shim_pool p = SHIM_POOL_INIT;
	struct shim_config c;
	char path[128];
	int fd;

	lock_path(LO, path, sizeof(path));
	fd = open(path, O_CREAT | O_RDWR, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	conf(&c, LO, HI);
	ck_assert_int_eq(claim(&p, &c), 0);
	ck_assert_uint_eq(c.addr, LO);
	shim_pool_release(&p);
}
END_TEST

/* A single address: claimed the same way; in use: its own line. */
START_TEST(pool_single_address)
{
	struct shim_pool a = SHIM_POOL_INIT, b = SHIM_POOL_INIT;
	struct shim_config ca, cb;
	char want[256];

	conf(&ca, LO, LO);
	conf(&cb, LO, LO);
	ck_assert_int_eq(claim(&a, &ca), 0);
	ck_assert_int_eq(said.n, 0);		/* nothing said for one */
	ck_assert_int_eq(claim(&b, &cb), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2/24: the address is "
	    "in use by another process on xt0 (lock in %s)", dir);
	ck_assert_str_eq(msg, want);
	shim_pool_release(&a);
	ck_assert_int_eq(claim(&b, &cb), 0);
	shim_pool_release(&b);
}
END_TEST

/* A lock directory that is a file: no address is claimed, with one line
 * (one address no longer goes without a lock: two stacks would answer
 * for it). */
START_TEST(pool_unusable_dir)
{
	struct shim_pool p = SHIM_POOL_INIT;
	struct shim_config c;
	char file[128], want[256];
	int fd;

	snprintf(file, sizeof(file), "%s/file", dir);
	fd = open(file, O_CREAT | O_RDWR, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	conf(&c, LO, LO);
	snprintf(c.lockdir, sizeof(c.lockdir), "%s", file);
	ck_assert_int_eq(claim(&p, &c), EADDRNOTAVAIL);
	ck_assert_int_eq(p.fd, -1);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2/24: lock directory "
	    "%s: %s (set XTCP_LOCKDIR)", file, strerror(ENOTDIR));
	ck_assert_str_eq(msg, want);
	conf(&c, LO, HI);
	snprintf(c.lockdir, sizeof(c.lockdir), "%s", file);
	ck_assert_int_eq(claim(&p, &c), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2-10.0.0.4/24: lock "
	    "directory %s: %s (set XTCP_LOCKDIR)", file, strerror(ENOTDIR));
	ck_assert_str_eq(msg, want);
}
END_TEST

/* A lock file that cannot be opened (a directory in its place) is
 * passed over; when none can be, the line says so. */
START_TEST(pool_unusable_files)
{
	struct shim_pool p = SHIM_POOL_INIT;
	struct shim_config c;
	char path[128], want[256];
	uint32_t a;

	lock_path(LO, path, sizeof(path));
	ck_assert_int_eq(mkdir(path, 0755), 0);
	conf(&c, LO, HI);
	ck_assert_int_eq(claim(&p, &c), 0);
	ck_assert_uint_eq(c.addr, LO + 1);
	shim_pool_release(&p);
	for (a = LO + 1; a <= HI; a++) {
		lock_path(a, path, sizeof(path));
		(void)unlink(path);	/* LO + 1 claimed, the rest never */
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	ck_assert_int_eq(claim(&p, &c), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2-10.0.0.4/24: no "
	    "free address: 0 in use, 3 lock files unusable in %s (%s)", dir,
	    strerror(EISDIR));
	ck_assert_str_eq(msg, want);
}
END_TEST

/* In a fork child the claim is forgotten, and the lock stays held by
 * the parent's descriptor (the child's copy is closed with the other
 * internal fds, not here). */
START_TEST(pool_fork_child_forgets)
{
	struct shim_pool p = SHIM_POOL_INIT, q = SHIM_POOL_INIT;
	struct shim_config c;
	int fd;

	conf(&c, LO, LO);
	ck_assert_int_eq(claim(&p, &c), 0);
	fd = p.fd;
	shim_pool_fork_child(&p);
	ck_assert_int_eq(p.fd, -1);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);	/* internal: kept */
	ck_assert_int_eq(claim(&q, &c), EADDRNOTAVAIL);	/* still locked */
	fdmap_clear(fd);
	close(fd);
	ck_assert_int_eq(claim(&q, &c), 0);
	shim_pool_release(&q);
}
END_TEST

Suite *
xt_suite_shim_pool(void)
{
	Suite *s = suite_create("shim_pool");
	TCase *tc = tcase_create("shim_pool");

	tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
	tcase_add_test(tc, pool_claim_release);
	tcase_add_test(tc, pool_stale_files);
	tcase_add_test(tc, pool_single_address);
	tcase_add_test(tc, pool_unusable_dir);
	tcase_add_test(tc, pool_unusable_files);
	tcase_add_test(tc, pool_fork_child_forgets);
	suite_add_tcase(s, tc);
	return (s);
}
