/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_famports.c - a fork family on a shared address is one
 * claimant (shim/portmap.c, struct shim_pm_claim): its members' views of
 * one claim (shim_portmap_share, shim_portmap_attach) see every port any
 * of them claimed, their use counts add up in one place, so a block one
 * member still uses is never given back by another's tick; a member that
 * leaves (forget) or dies takes nothing with it while another lives,
 * and the last one's death frees everything.
 *
 * The claim lives in memory of the test's own here (the region in the
 * shim); the dying members are forked processes that share the map's
 * open file, as a family's members do.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "portmap.h"
#include "xtcp.h"

Suite	*xt_suite_shim_famports(void);

#define LO	32768
#define HI	60999

static char	dir[64];
static char	path[128];
static char	msg[256];

static void
fp_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xtcp-check-famports.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/map", dir);
}

static void
fp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static struct shim_portmap *
view_new(void)
{
	struct shim_portmap *pm = calloc(1, sizeof(*pm));

	ck_assert_ptr_nonnull(pm);
	return (pm);
}

/* A claimant of its own (an unrelated process). */
static struct shim_portmap *
other_new(void)
{
	struct shim_portmap *pm = view_new();

	ck_assert_int_eq(shim_portmap_open(pm, path, LO, HI, msg,
	    sizeof(msg)), 0);
	return (pm);
}

/* A family's claim in shared memory and two members' views of it. */
static struct shim_pm_claim *
family_new(struct shim_portmap **a, struct shim_portmap **b)
{
	struct shim_pm_claim *c;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(c, MAP_FAILED);
	*a = other_new();
	shim_portmap_share(*a, c);
	ck_assert_ptr_eq((*a)->c, c);
	*b = view_new();
	ck_assert_int_eq(shim_portmap_attach(*b, c), 0);
	ck_assert_ptr_ne((*b)->m, (*a)->m);	/* a mapping of its own */
	return (c);
}

/* Views of one claim are one claimant: a block leased by one is held
 * in the other's eyes, a bound port too, and an unrelated claimant is
 * kept out of both. */
START_TEST(fp_one_claimant)
{
	struct shim_portmap *a, *b, *x;
	struct xtcp_port_range r[8];
	struct shim_pm_claim *c;
	unsigned n, i;

	c = family_new(&a, &b);
	x = other_new();
	ck_assert_int_eq(b->c->slot, a->c->slot);
	ck_assert_int_eq(b->c->leader, 1);	/* the family leads */
	ck_assert_int_eq(x->c->leader, 0);
	/* b (a fork child) leases; a (its parent) holds the block too */
	ck_assert_int_eq(shim_portmap_lease(b, LO + 3), 0);
	ck_assert_int_eq(shim_portmap_held(a, LO + 3), 1);
	ck_assert_int_eq(shim_portmap_held(a, LO + SHIM_PM_BLOCK - 1), 1);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 3), SHIM_PM_BLOCK - 3);
	/* a binds; for b the port is the family's already */
	ck_assert_int_eq(shim_portmap_bind(a, 8080), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 8080), 0);
	ck_assert_int_eq(shim_portmap_bind(x, 8080), EADDRINUSE);
	/* the filter built by either member passes both */
	for (i = 0; i < 2; i++) {
		n = shim_portmap_ranges(i == 0 ? a : b, r, 8);
		ck_assert_uint_ge(n, 1);
		ck_assert_int_eq(shim_portmap_held(i == 0 ? a : b, 8080), 1);
		ck_assert_int_eq(c->changed, 0);
	}
	ck_assert_int_eq(shim_portmap_owner(x, LO + 3), a->c->slot);
	shim_portmap_detach(b);
	shim_portmap_close(a);
	shim_portmap_close(x);
	munmap(c, sizeof(*c));
	free(a);
	free(b);
	free(x);
}
END_TEST

/* The engine's use counts add up in the claim whichever member ran the
 * engine: a block a child still uses survives the parent's ticks (and
 * its own), and goes back only when idle for a whole tick. */
START_TEST(fp_use_counts)
{
	struct shim_portmap *a, *b, *x;
	struct shim_pm_claim *c;

	c = family_new(&a, &b);
	x = other_new();
	ck_assert_int_eq(shim_portmap_lease(b, LO), 0);
	shim_portmap_use(b, LO + 1, 1);		/* the child's connect */
	shim_portmap_use(b, LO + 2, 1);		/* and another */
	shim_portmap_use(a, LO + 1, -1);	/* the parent ran its end */
	(void)shim_portmap_tick(a);
	(void)shim_portmap_tick(a);
	(void)shim_portmap_tick(b);
	ck_assert_int_eq(shim_portmap_held(a, LO), 1);
	ck_assert_int_eq(shim_portmap_owner(x, LO + 2), a->c->slot);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 2), SHIM_PM_BLOCK - 2);
	/* the last one ends in the parent: idle one tick, then given back
	 * by whichever member ticks */
	shim_portmap_use(a, LO + 2, -1);
	(void)shim_portmap_tick(b);
	ck_assert_int_eq(shim_portmap_held(b, LO), 1);
	ck_assert_int_eq(shim_portmap_tick(a), 1);
	ck_assert_int_eq(shim_portmap_held(a, LO), 0);
	ck_assert_int_eq(shim_portmap_held(b, LO), 0);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 2), 0);
	shim_portmap_detach(b);
	shim_portmap_close(a);
	shim_portmap_close(x);
	munmap(c, sizeof(*c));
	free(a);
	free(b);
	free(x);
}
END_TEST

/* A member that leaves the family (a fork child with no room in it)
 * forgets its view only: the claim and the map stay the others'. */
START_TEST(fp_forget)
{
	struct shim_portmap *a, *b, *x;
	struct shim_pm_claim *c;
	int fd;

	c = family_new(&a, &b);
	x = other_new();
	ck_assert_int_eq(shim_portmap_bind(a, 9000), 0);
	fd = c->fd;
	b->fd = -1;		/* the descriptor is a's here: keep it open */
	shim_portmap_forget(b);
	ck_assert_ptr_null(b->m);
	ck_assert_ptr_ne(b->c, c);
	ck_assert_int_eq(c->fd, fd);
	ck_assert_int_eq(c->slot, 0);
	ck_assert_int_eq(shim_portmap_held(a, 9000), 1);
	ck_assert_int_eq(shim_portmap_bind(x, 9000), EADDRINUSE);
	shim_portmap_close(a);
	shim_portmap_close(x);
	munmap(c, sizeof(*c));
	free(a);
	free(b);
	free(x);
}
END_TEST

/* Wait for one byte on fd: 1, or 0 when the writer went away. */
static int
sync_read(int fd)
{
	char ch;

	return (read(fd, &ch, 1) == 1);
}

/*
 * Members die, as processes: the parent that made the claim is killed
 * while its fork child lives, and the family's ports stay held (the
 * child shares the map's open file and so its locks), the family still
 * leads; the child's death frees them all and another takes the lead.
 */
START_TEST(fp_member_death)
{
	struct shim_portmap *x;
	int up[2], kp[2], st;
	pid_t parent, child = 0;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(kp), 0);
	parent = fork();
	ck_assert_int_ge(parent, 0);
	if (parent == 0) {
		struct shim_portmap *a = calloc(1, sizeof(*a)), *b;
		struct shim_pm_claim *c;
		pid_t kid;

		c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (a == NULL || c == MAP_FAILED ||
		    shim_portmap_open(a, path, LO, HI, msg, sizeof(msg)) != 0 ||
		    !a->c->leader)
			_exit(1);
		shim_portmap_share(a, c);
		if (shim_portmap_bind(a, 8080) != 0)
			_exit(1);
		if ((kid = fork()) < 0)
			_exit(1);
		if (kid == 0) {
			/* the child: its view is the inherited one; it
			 * leases, and uses what it leased */
			b = a;
			if (shim_portmap_lease(b, LO) != 0)
				_exit(1);
			shim_portmap_use(b, LO + 1, 1);
			(void)write(kp[1], "c", 1);
			for (;;)
				pause();
		}
		if (!sync_read(kp[0]))
			_exit(1);
		/* the parent sees the child's block, tells its pid */
		if (!shim_portmap_held(a, LO + 5))
			_exit(1);
		(void)write(up[1], &kid, sizeof(kid));
		for (;;)
			pause();
	}
	close(up[1]);
	close(kp[0]);
	close(kp[1]);
	ck_assert_int_eq(read(up[0], &child, sizeof(child)), sizeof(child));
	x = other_new();
	ck_assert_int_eq(x->c->leader, 0);
	ck_assert_int_eq(shim_portmap_bind(x, 8080), EADDRINUSE);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 1), SHIM_PM_BLOCK - 1);
	/* the claim's maker dies; the child keeps the family's claims */
	ck_assert_int_eq(kill(parent, SIGKILL), 0);
	ck_assert_int_eq(waitpid(parent, &st, 0), parent);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(shim_portmap_alive(x, 0), 1);
	(void)shim_portmap_tick(x);
	ck_assert_int_eq(x->c->leader, 0);
	ck_assert_int_eq(shim_portmap_bind(x, 8080), EADDRINUSE);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 1), SHIM_PM_BLOCK - 1);
	ck_assert_int_eq(shim_portmap_owner(x, LO + 1), 0);
	/* the last member dies: everything goes, x leads */
	ck_assert_int_eq(kill(child, SIGKILL), 0);
	/* not our child: its end shows in the locks (its files close at
	 * exit, zombie or not) */
	for (st = 0; st < 500 && shim_portmap_alive(x, 0); st++)
		usleep(10000);
	ck_assert_int_eq(shim_portmap_alive(x, 0), 0);
	ck_assert_int_eq(shim_portmap_tick(x), 1);
	ck_assert_int_eq(x->c->leader, 1);
	ck_assert_int_eq(shim_portmap_owner(x, 8080), -1);
	ck_assert_int_eq(shim_portmap_owner(x, LO + 1), -1);
	ck_assert_int_eq(shim_portmap_bind(x, 8080), 0);
	ck_assert_int_eq(shim_portmap_lease(x, LO + 1), 0);
	close(up[0]);
	shim_portmap_close(x);
	free(x);
}
END_TEST

Suite *
xt_suite_shim_famports(void)
{
	Suite *s = suite_create("shim_famports");
	TCase *tc = tcase_create("shim_famports");

	tcase_add_checked_fixture(tc, fp_setup, fp_teardown);
	tcase_add_test(tc, fp_one_claimant);
	tcase_add_test(tc, fp_use_counts);
	tcase_add_test(tc, fp_forget);
	tcase_add_test(tc, fp_member_death);
	suite_add_tcase(s, tc);
	return (s);
}
