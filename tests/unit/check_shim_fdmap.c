/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_fdmap.c - the shim's fd -> socket table (shim/fdmap.c)
 * without LD_PRELOAD: entries set, read, moved and shared as the hooks
 * do for socket(), dup() and close(), its limits, the walk the fork child
 * and close() use, and shim_fd_move_high() on real descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include <check.h>

#include "fdmap.h"

Suite	*xt_suite_shim_fdmap(void);

/* stand-ins for struct shim_sock pointers: any value above FDM_DEAD */
#define SOCK_A	((uintptr_t)0x1000)
#define SOCK_B	((uintptr_t)0x2000)

START_TEST(fdmap_insert_lookup)
{
	ck_assert_uint_eq(fdmap_peek(7), FDM_HOST);	/* never set */
	ck_assert_int_eq(fdmap_set(7, SOCK_A), 0);
	ck_assert_uint_eq(fdmap_peek(7), SOCK_A);
	ck_assert(FDM_IS_SOCK(fdmap_peek(7)));
	ck_assert_uint_eq(fdmap_peek(6), FDM_HOST);
	ck_assert_uint_eq(fdmap_peek(8), FDM_HOST);
	ck_assert_int_eq(fdmap_set(9, FDM_INTERNAL), 0);
	ck_assert_uint_eq(fdmap_peek(9), FDM_INTERNAL);
	ck_assert(!FDM_IS_SOCK(FDM_INTERNAL));
	ck_assert_int_eq(fdmap_set(10, FDM_DEAD), 0);
	ck_assert(!FDM_IS_SOCK(fdmap_peek(10)));
	fdmap_clear(7);
	fdmap_clear(9);
	fdmap_clear(10);
	ck_assert_uint_eq(fdmap_peek(7), FDM_HOST);
	ck_assert_uint_eq(fdmap_peek(9), FDM_HOST);
}
END_TEST

/* Outside the table: never ours, and a write says EMFILE. */
START_TEST(fdmap_limits)
{
	int top = fdmap_limit();

	ck_assert_int_gt(top, 1 << 20);
	ck_assert_uint_eq(fdmap_peek(-1), FDM_HOST);
	ck_assert_uint_eq(fdmap_peek(top), FDM_HOST);
	ck_assert_int_eq(fdmap_set(-1, SOCK_A), EMFILE);
	ck_assert_int_eq(fdmap_set(top, SOCK_A), EMFILE);
	ck_assert_int_eq(fdmap_set(top - 1, SOCK_A), 0);
	ck_assert_uint_eq(fdmap_peek(top - 1), SOCK_A);
	fdmap_clear(top - 1);
	ck_assert_uint_eq(fdmap_peek(top - 1), FDM_HOST);
	/* clearing in a chunk never used allocates nothing and succeeds */
	ck_assert_int_eq(fdmap_set(top - 5000, FDM_HOST), 0);
}
END_TEST

/* dup(): a second fd names the same socket; closing one leaves the
 * other; dup2 over an fd of another socket replaces its entry. */
START_TEST(fdmap_dup_and_move)
{
	ck_assert_int_eq(fdmap_set(20, SOCK_A), 0);
	ck_assert_int_eq(fdmap_set(21, fdmap_peek(20)), 0);	/* dup */
	ck_assert_uint_eq(fdmap_peek(21), SOCK_A);
	fdmap_clear(20);					/* close */
	ck_assert_uint_eq(fdmap_peek(20), FDM_HOST);
	ck_assert_uint_eq(fdmap_peek(21), SOCK_A);
	ck_assert_int_eq(fdmap_set(22, SOCK_B), 0);
	ck_assert_int_eq(fdmap_set(22, fdmap_peek(21)), 0);	/* dup2 */
	ck_assert_uint_eq(fdmap_peek(22), SOCK_A);
	/* a move to another chunk (F_DUPFD to a high number, then close) */
	ck_assert_int_eq(fdmap_set(3000, fdmap_peek(22)), 0);
	fdmap_clear(22);
	ck_assert_uint_eq(fdmap_peek(3000), SOCK_A);
	ck_assert_uint_eq(fdmap_peek(22), FDM_HOST);
	fdmap_clear(21);
	fdmap_clear(3000);
}
END_TEST

/* fdmap_next walks non-host entries in fd order, across chunks. */
START_TEST(fdmap_walk)
{
	uintptr_t v = 0;

	ck_assert_int_eq(fdmap_next(0, &v), -1);
	ck_assert_int_eq(fdmap_set(5, SOCK_A), 0);
	ck_assert_int_eq(fdmap_set(1500, FDM_INTERNAL), 0);
	ck_assert_int_eq(fdmap_set(70000, SOCK_B), 0);
	ck_assert_int_eq(fdmap_next(-3, &v), 5);
	ck_assert_uint_eq(v, SOCK_A);
	ck_assert_int_eq(fdmap_next(6, &v), 1500);
	ck_assert_uint_eq(v, FDM_INTERNAL);
	ck_assert_int_eq(fdmap_next(1501, &v), 70000);
	ck_assert_uint_eq(v, SOCK_B);
	ck_assert_int_eq(fdmap_next(70001, &v), -1);
	fdmap_clear(5);
	fdmap_clear(1500);
	fdmap_clear(70000);
	ck_assert_int_eq(fdmap_next(0, &v), -1);
}
END_TEST

/* Our own fds go to margin below min(1024, RLIMIT_NOFILE), close-on-exec,
 * and the old number is closed. */
START_TEST(fdmap_move_high)
{
	struct rlimit rl;
	int fd, nfd, top;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 256)
		return;		/* too few fds: it leaves them be */
	top = rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024;
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	nfd = shim_fd_move_high(fd, 64);
	ck_assert_int_ge(nfd, top - 64);
	ck_assert_int_lt(nfd, top);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);	/* old one closed */
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(fcntl(nfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* already high enough: kept */
	ck_assert_int_eq(shim_fd_move_high(nfd, 64), nfd);
	close(nfd);
}
END_TEST

Suite *
xt_suite_shim_fdmap(void)
{
	Suite *s = suite_create("shim_fdmap");
	TCase *tc = tcase_create("shim_fdmap");

	tcase_add_test(tc, fdmap_insert_lookup);
	tcase_add_test(tc, fdmap_limits);
	tcase_add_test(tc, fdmap_dup_and_move);
	tcase_add_test(tc, fdmap_walk);
	tcase_add_test(tc, fdmap_move_high);
	suite_add_tcase(s, tc);
	return (s);
}
