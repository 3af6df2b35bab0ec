/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_ports.c - what the shim keeps for the next process on an
 * address (issue 12): XTCP_PORT_RANGE's parsing and its copy onto the
 * engine, and the state file beside the address lock (shim/pool.c) that
 * carries the timestamp and port keys and the port counter from one
 * process to the next.  Lock files and state files live in a directory
 * of the test's own (mkdtemp); each struct shim_pool is a process.
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
#include "shim_config.h"
#include "xtcp.h"

Suite	*xt_suite_shim_ports(void);

#define ADDR	0x0a000002u	/* 10.0.0.2 */
#define STLEN	44		/* bytes of a state file */

static char		dir[64];
static unsigned long	netns;

struct seen {
	int	n;
	int	level;
	char	line[512];
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

/* ---- XTCP_PORT_RANGE ---- */

static enum shim_cfg_result
parse_range(const char *v, struct shim_config *c, char *msg, size_t len)
{
	static char var[128];
	char *env[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24", var, NULL };

	snprintf(var, sizeof(var), "XTCP_PORT_RANGE=%s", v);
	return (shim_config_parse(c, shim_config_env_lookup, env, msg, len));
}

/* LO-HI and Linux's "LO<tab>HI"; one port; the engine gets both ends. */
START_TEST(port_range_good)
{
	static const struct {
		const char	*v;
		uint16_t	lo, hi;
	} good[] = {
		{ "32768-60999", 32768, 60999 },
		{ "32768\t60999", 32768, 60999 },
		{ "40000   40999", 40000, 40999 },
		{ "1-65535", 1, 65535 },
		{ "5000-5000", 5000, 5000 },
		{ "01024-02023", 1024, 2023 },
	};
	struct shim_config c;
	struct xtcp_config ec;
	char msg[256];
	unsigned i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(parse_range(good[i].v, &c, msg, sizeof(msg)) ==
		    SHIM_CFG_OK, "%s refused: %s", good[i].v, msg);
		xtcp_config_defaults(&ec);
		shim_config_apply(&c, &ec);
		ck_assert_uint_eq(ec.port_lo, good[i].lo);
		ck_assert_uint_eq(ec.port_hi, good[i].hi);
	}
	/* not given: the engine's default, Linux's range */
	{
		char *env[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24", NULL };

		ck_assert_int_eq(shim_config_parse(&c, shim_config_env_lookup,
		    env, msg, sizeof(msg)), SHIM_CFG_OK);
		xtcp_config_defaults(&ec);
		shim_config_apply(&c, &ec);
		ck_assert_uint_eq(ec.port_lo, 32768);
		ck_assert_uint_eq(ec.port_hi, 60999);
	}
}
END_TEST

/* Everything else is one line naming the form. */
START_TEST(port_range_bad)
{
	static const char *const bad[] = {
		"", "40000", "0-100", "100-0", "2000-1000", "1-65536",
		"100000-2", "-5", "5-", "1--2", "1-2x", " 1-2", "1-2 ",
		"a-b", "1,2", "1 - 2", "000001-2",
	};
	struct shim_config c;
	char msg[256], want[256];
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_range(bad[i], &c, msg, sizeof(msg)) ==
		    SHIM_CFG_BAD, "\"%s\" accepted", bad[i]);
		snprintf(want, sizeof(want), "XTCP_PORT_RANGE: expected LO-HI, "
		    "two ports 1..65535 with LO <= HI (e.g. 32768-60999), got "
		    "\"%s\"", bad[i]);
		/* the quoted value shows a tab as '?', none here */
		ck_assert_str_eq(msg, want);
	}
}
END_TEST

/* ---- the state file ---- */

static void
state_setup(void)
{
	struct stat st;

	snprintf(dir, sizeof(dir), "/tmp/xtcp-check-ports.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	netns = stat("/proc/self/ns/net", &st) == 0 ?
	    (unsigned long)st.st_ino : 0;
	memset(&said, 0, sizeof(said));
}

static void
state_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static void
conf(struct shim_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "xt0");
	snprintf(c->lockdir, sizeof(c->lockdir), "%s", dir);
	c->addr = c->addr_lo = c->addr_hi = ADDR;
	c->prefixlen = 24;
}

static void
state_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/%lu-xt0-10.0.0.2.u%u.state", dir, netns,
	    (unsigned)geteuid());
}

/* A process: claim the address, then open its state with the fresh
 * keys ts/port (filled with byte f) and counter 0. */
struct proc {
	struct shim_pool	p;
	struct shim_config	c;
	uint8_t			ts[XT_KEY_LEN], port[XT_KEY_LEN];
	uint32_t		ctr;
	int			loaded;
};

static void
proc_start(struct proc *pr, uint8_t f)
{
	char msg[256];

	pr->p = (struct shim_pool)SHIM_POOL_INIT;
	conf(&pr->c);
	ck_assert_int_eq(shim_pool_claim(&pr->p, &pr->c, record, &said, msg,
	    sizeof(msg)), 0);
	memset(pr->ts, f, sizeof(pr->ts));
	memset(pr->port, f ^ 0xff, sizeof(pr->port));
	pr->ctr = 0;
	pr->loaded = shim_pool_state_open(&pr->p, &pr->c, pr->ts, pr->port,
	    &pr->ctr, record, &said);
}

/* The bytes of the state file (size into *n). */
static void
file_bytes(uint8_t *b, size_t max, ssize_t *n)
{
	char path[160];
	int fd;

	state_path(path, sizeof(path));
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	*n = read(fd, b, max);
	close(fd);
}

static uint32_t
file_ctr(void)
{
	uint8_t b[64];
	ssize_t n;

	file_bytes(b, sizeof(b), &n);
	ck_assert_int_eq(n, STLEN);
	return ((uint32_t)b[40] | (uint32_t)b[41] << 8 |
	    (uint32_t)b[42] << 16 | (uint32_t)b[43] << 24);
}

/*
 * The first process writes its fresh keys (a 0600 file of its own); its
 * counter is written ahead, once per SHIM_POOL_PORTS_AHEAD, and exactly
 * at exit; the next process gets the same keys and that counter.
 */
START_TEST(state_carried_over)
{
	struct proc a, b;
	char path[160];
	struct stat st;
	uint8_t want[XT_KEY_LEN];
	uint32_t i;

	proc_start(&a, 0x11);
	ck_assert_int_eq(a.loaded, 0);
	ck_assert_int_ge(a.p.state_fd, 0);
	ck_assert_uint_eq(fdmap_peek(a.p.state_fd), FDM_INTERNAL);
	ck_assert_int_eq(said.n, 0);
	state_path(path, sizeof(path));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_int_eq(st.st_size, STLEN);
	ck_assert_uint_eq(file_ctr(), 0);
	/* no move, no write; the first step writes AHEAD beyond it */
	shim_pool_state_note(&a.p, 0, 0);
	ck_assert_uint_eq(file_ctr(), 0);
	shim_pool_state_note(&a.p, 1, 0);
	ck_assert_uint_eq(file_ctr(), 1 + SHIM_POOL_PORTS_AHEAD);
	for (i = 2; i <= 1 + SHIM_POOL_PORTS_AHEAD; i++) {
		shim_pool_state_note(&a.p, i, 0);
		ck_assert_uint_eq(file_ctr(), 1 + SHIM_POOL_PORTS_AHEAD);
	}
	shim_pool_state_note(&a.p, i, 0);
	ck_assert_uint_eq(file_ctr(), i + SHIM_POOL_PORTS_AHEAD);
	/* a killed process stops here: its successor starts ahead */
	shim_pool_release(&a.p);
	ck_assert_int_eq(a.p.state_fd, -1);

	proc_start(&b, 0x22);
	ck_assert_int_eq(b.loaded, 1);
	memset(want, 0x11, sizeof(want));
	ck_assert(memcmp(b.ts, want, XT_KEY_LEN) == 0);
	memset(want, 0x11 ^ 0xff, sizeof(want));
	ck_assert(memcmp(b.port, want, XT_KEY_LEN) == 0);
	ck_assert_uint_eq(b.ctr, i + SHIM_POOL_PORTS_AHEAD);
	/* exit writes the counter itself */
	shim_pool_state_note(&b.p, b.ctr + 5, 1);
	ck_assert_uint_eq(file_ctr(), b.ctr + 5);
	shim_pool_release(&b.p);
	proc_start(&b, 0x33);
	ck_assert_int_eq(b.loaded, 1);
	ck_assert_uint_eq(b.ctr, i + SHIM_POOL_PORTS_AHEAD + 5);
	shim_pool_release(&b.p);
	ck_assert_int_eq(said.n, 0);
}
END_TEST

/* The counter wraps like the engine's (modulo 2^32): the file's value
 * is ahead of the counter across the wrap as well. */
START_TEST(state_counter_wraps)
{
	struct proc a;

	proc_start(&a, 0x44);
	shim_pool_state_note(&a.p, 0x7fffffffu, 0);
	ck_assert_uint_eq(file_ctr(), 0x7fffffffu + SHIM_POOL_PORTS_AHEAD);
	shim_pool_state_note(&a.p, UINT32_MAX - 10, 0);
	ck_assert_uint_eq(file_ctr(), SHIM_POOL_PORTS_AHEAD - 11);
	shim_pool_state_note(&a.p, 3, 0);	/* wrapped, still behind it */
	ck_assert_uint_eq(file_ctr(), SHIM_POOL_PORTS_AHEAD - 11);
	shim_pool_state_note(&a.p, 60, 0);
	ck_assert_uint_eq(file_ctr(), 60 + SHIM_POOL_PORTS_AHEAD);
	shim_pool_release(&a.p);
}
END_TEST

/* Write path with these bytes and this mode. */
static void
plant(const void *b, size_t n, mode_t mode)
{
	char path[160];
	int fd;

	state_path(path, sizeof(path));
	(void)unlink(path);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* A malformed file (short, long, wrong magic) is ignored with a warning
 * and written anew with the fresh keys. */
START_TEST(state_malformed)
{
	static const size_t lens[] = { 1, STLEN - 1, STLEN + 1, STLEN };
	uint8_t junk[STLEN + 1], b[64], want[XT_KEY_LEN];
	struct proc a;
	ssize_t n;
	unsigned i;

	memset(junk, 'x', sizeof(junk));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		plant(junk, lens[i], 0600);
		memset(&said, 0, sizeof(said));
		proc_start(&a, 0x55);
		ck_assert_int_eq(a.loaded, 0);
		ck_assert_int_eq(said.n, 1);
		ck_assert_int_eq(said.level, XTCP_LOG_WARN);
		ck_assert_ptr_nonnull(strstr(said.line, "malformed"));
		memset(want, 0x55, sizeof(want));
		ck_assert(memcmp(a.ts, want, XT_KEY_LEN) == 0);
		ck_assert_uint_eq(a.ctr, 0);
		ck_assert_int_ge(a.p.state_fd, 0);
		file_bytes(b, sizeof(b), &n);
		ck_assert_int_eq(n, STLEN);
		ck_assert(memcmp(b, "XTCPST1\n", 8) == 0);
		ck_assert(memcmp(b + 8, want, XT_KEY_LEN) == 0);
		shim_pool_release(&a.p);
	}
}
END_TEST

/* A file this user could not have written alone (another mode, another
 * owner, a second link, a symbolic link, not a file) is neither read
 * nor written: a warning, the fresh keys, nothing kept. */
START_TEST(state_not_ours)
{
	uint8_t good[STLEN], b[64], want[XT_KEY_LEN];
	char path[160], other[200];
	struct proc a;
	ssize_t n;
	int kind;

	/* a well-formed file whose keys must not be taken */
	memcpy(good, "XTCPST1\n", 8);
	memset(good + 8, 0xee, STLEN - 8);
	state_path(path, sizeof(path));
	snprintf(other, sizeof(other), "%s/other", dir);
	for (kind = 0; kind < 6; kind++) {
		(void)unlink(path);
		(void)unlink(other);
		(void)rmdir(path);
		switch (kind) {
		case 0:
			plant(good, sizeof(good), 0644);
			break;
		case 1:
			plant(good, sizeof(good), 0640);
			break;
		case 2:
			plant(good, sizeof(good), 0600);
			if (geteuid() != 0 || chown(path, 65534, 65534) != 0)
				continue;	/* needs root */
			break;
		case 3:
			plant(good, sizeof(good), 0600);
			ck_assert_int_eq(link(path, other), 0);
			break;
		case 4:
			plant(good, sizeof(good), 0600);
			ck_assert_int_eq(rename(path, other), 0);
			ck_assert_int_eq(symlink(other, path), 0);
			break;
		case 5:
			ck_assert_int_eq(mkdir(path, 0700), 0);
			break;
		}
		memset(&said, 0, sizeof(said));
		proc_start(&a, 0x66);
		ck_assert_msg(a.loaded == 0, "kind %d loaded", kind);
		ck_assert_msg(a.p.state_fd == -1, "kind %d kept", kind);
		ck_assert_msg(said.n == 1 && said.level == XTCP_LOG_WARN,
		    "kind %d: %d lines", kind, said.n);
		ck_assert_msg(strstr(said.line, path) != NULL, "kind %d: %s",
		    kind, said.line);
		memset(want, 0x66, sizeof(want));
		ck_assert(memcmp(a.ts, want, XT_KEY_LEN) == 0);
		ck_assert_uint_eq(a.ctr, 0);
		/* left as it was, and notes write nothing */
		shim_pool_state_note(&a.p, 100, 0);
		shim_pool_state_note(&a.p, 200, 1);
		if (kind != 5) {
			int fd = open(kind == 4 ? other : path, O_RDONLY);

			ck_assert_int_ge(fd, 0);
			n = read(fd, b, sizeof(b));
			close(fd);
			ck_assert_int_eq(n, STLEN);
			ck_assert(memcmp(b, good, STLEN) == 0);
		}
		shim_pool_release(&a.p);
	}
}
END_TEST

/* Without a lock (no usable lock directory) nothing is kept. */
START_TEST(state_without_lock)
{
	struct shim_pool p = SHIM_POOL_INIT;
	struct shim_config c;
	uint8_t ts[XT_KEY_LEN], port[XT_KEY_LEN];
	uint32_t ctr = 9;

	conf(&c);
	memset(ts, 1, sizeof(ts));
	memset(port, 2, sizeof(port));
	ck_assert_int_eq(shim_pool_state_open(&p, &c, ts, port, &ctr, record,
	    &said), 0);
	ck_assert_int_eq(p.state_fd, -1);
	ck_assert_uint_eq(ctr, 9);
	shim_pool_state_note(&p, 100, 1);
	shim_pool_release(&p);
}
END_TEST

/* A fork child forgets the state file with the claim. */
START_TEST(state_fork_child)
{
	struct proc a;
	int fd;

	proc_start(&a, 0x77);
	fd = a.p.state_fd;
	ck_assert_int_ge(fd, 0);
	shim_pool_fork_child(&a.p);
	ck_assert_int_eq(a.p.state_fd, -1);
	shim_pool_state_note(&a.p, 1000, 1);	/* no fd: nothing */
	ck_assert_uint_eq(file_ctr(), 0);
	fdmap_clear(fd);
	close(fd);
}
END_TEST

Suite *
xt_suite_shim_ports(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("shim_ports");
	tc = tcase_create("range");
	tcase_add_test(tc, port_range_good);
	tcase_add_test(tc, port_range_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_checked_fixture(tc, state_setup, state_teardown);
	tcase_add_test(tc, state_carried_over);
	tcase_add_test(tc, state_counter_wraps);
	tcase_add_test(tc, state_malformed);
	tcase_add_test(tc, state_not_ours);
	tcase_add_test(tc, state_without_lock);
	tcase_add_test(tc, state_fork_child);
	suite_add_tcase(s, tc);
	return (s);
}
