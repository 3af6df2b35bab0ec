/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_main.c - the single runner for every Check unit suite.
 *
 * The suite list comes from suites.def (an X-macro list, one
 * XT_SUITE(name) per line); each name is a function xt_suite_name() defined
 * in a check_*.c file.  All suites go into one SRunner.  Forking is Check's
 * default (CK_FORK), so a crashing test is reported as an error and the
 * rest still run; set CK_FORK=no to debug one test in gdb or valgrind.
 * Check's own environment variables select what runs: CK_RUN_SUITE=wire,
 * CK_RUN_CASE=tcp, CK_VERBOSITY=verbose, CK_TAP_LOG_FILE_NAME=...
 *
 * Exit status is 0 only if every test passed (Automake reads it).
 *
 * A standalone build may point at another list with
 * -DXT_SUITES_DEF='"my.def"'.
 */
#include <stdlib.h>

#include <check.h>

#ifndef XT_SUITES_DEF
#define XT_SUITES_DEF "suites.def"
#endif

#define XT_SUITE(name)	Suite *xt_suite_##name(void);
#include XT_SUITES_DEF
#undef XT_SUITE

static Suite *(*const suite_ctors[])(void) = {
#define XT_SUITE(name)	xt_suite_##name,
#include XT_SUITES_DEF
#undef XT_SUITE
};

#define NSUITES	(sizeof(suite_ctors) / sizeof(suite_ctors[0]))

int
main(void)
{
	SRunner *sr;
	size_t i;
	int failed;

	/* suites.def is never empty: the wire suite is always there. */
	sr = srunner_create(suite_ctors[0]());
	for (i = 1; i < NSUITES; i++)
		srunner_add_suite(sr, suite_ctors[i]());
	/* CK_ENV: CK_NORMAL (the one-line summary plus failures) unless
	 * CK_VERBOSITY says otherwise. */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
