/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_report.c - issue 14, logging and the exit report: every
 * variable xtcp(7) documents is one the parser knows (no "unknown
 * variable" for it), connections print as a.b.c.d:port -> a.b.c.d:port,
 * and the drops of the report come from the drop counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "lograte.h"
#include "shim_config.h"
#include "xt_engine.h"
#include "xtcp.h"
#include "null_dev.h"

#ifndef XT_MAN7
#define XT_MAN7	"man/xtcp.7"
#endif

Suite	*xt_suite_shim_report(void);

struct seen {
	int	n;
	char	line[128];
};

static void
record(void *arg, int level, const char *line)
{
	struct seen *s = arg;

	(void)level;
	s->n++;
	snprintf(s->line, sizeof(s->line), "%s", line);
}

/* Every ".It Ev XTCP_NAME" of man/xtcp.7 passes the unknown-variable
 * check: the check reads every table of config.c. */
START_TEST(report_man_vars_known)
{
	char path[1024], buf[512], name[96], *env[2];
	const char *src = getenv("XTTEST_SRCDIR");
	struct seen s = { 0, "" };
	FILE *f;
	int nvars = 0;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".",
	    XT_MAN7);
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(path, sizeof(path), "%s/../../%s", ".", XT_MAN7);
		f = fopen(path, "r");
	}
	ck_assert_msg(f != NULL, "cannot read %s (set XTTEST_SRCDIR)", path);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (sscanf(buf, ".It Ev %80[A-Z0-9_]", name) != 1 ||
		    strncmp(name, "XTCP_", 5) != 0)
			continue;
		strcat(name, "=1");
		env[0] = name;
		env[1] = NULL;
		s.n = 0;
		shim_config_warn_unknown(env, record, &s);
		ck_assert_msg(s.n == 0, "documented but reported: %s", s.line);
		nvars++;
	}
	fclose(f);
	/* the page lists them all: far more than one table's worth */
	ck_assert_int_ge(nvars, 60);
}
END_TEST

/* The variables this issue adds are known, and parsed with ranges. */
START_TEST(report_vars_parse)
{
	char *ok[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24",
	    "XTCP_REPORT=1", "XTCP_LOG_FILE=/tmp/x.%p", NULL };
	char *bad[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24",
	    "XTCP_REPORT=2", NULL };
	struct shim_config c;
	struct seen s = { 0, "" };
	char msg[256];

	shim_config_warn_unknown(ok, record, &s);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(shim_config_parse(&c, shim_config_env_lookup, ok,
	    msg, sizeof(msg)), SHIM_CFG_OK);
	ck_assert_int_eq(c.report, 1);
	ck_assert_str_eq(c.log_file, "/tmp/x.%p");
	ck_assert_int_eq(shim_config_parse(&c, shim_config_env_lookup, bad,
	    msg, sizeof(msg)), SHIM_CFG_BAD);
	ck_assert_ptr_nonnull(strstr(msg, "XTCP_REPORT"));
}
END_TEST

/* Was a bug: debug lines printed the peer as one integer. */
START_TEST(report_conn_format)
{
	char b[XT_CONNSTR_LEN];

	ck_assert_str_eq(xt_fmt_conn(b, sizeof(b), 0x0a630002, 7003,
	    0x0ae6f001, 42664), "10.99.0.2:7003 -> 10.230.240.1:42664");
	ck_assert_str_eq(xt_fmt_conn(b, sizeof(b), 0xffffffff, 65535,
	    0xffffffff, 65535),
	    "255.255.255.255:65535 -> 255.255.255.255:65535");
	/* a short buffer truncates, never overruns */
	ck_assert_str_eq(xt_fmt_conn(b, 8, 0x0a630002, 1, 0, 2), "10.99.0");
}
END_TEST

/* The drops of the report: the nonzero drop counters, by name. */
START_TEST(report_drops)
{
	struct xtcp_engine *eng;
	struct xtcp_config cfg;
	char buf[256];

	xtcp_config_defaults(&cfg);
	cfg.addr = 0x0a000002;
	cfg.prefixlen = 24;
	ck_assert_int_eq(xtcp_engine_new(&cfg, &xt_test_null_dev, 1, 1000,
	    &eng), XT_OK);
	ck_assert_uint_eq(xtcp_stats_drops(eng, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "none");
	eng->stats.eth_rx_short = 3;
	eng->stats.arp_queue_drops = 2;
	eng->stats.eth_rx_frames = 9;	/* not a drop */
	ck_assert_uint_eq(xtcp_stats_drops(eng, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "eth_rx_short 3, arp_queue_drops 2");
	ck_assert_uint_eq(xtcp_stats_drops(eng, buf, 10), 1);
	ck_assert_uint_eq(strlen(buf), 9);
	xtcp_engine_free(eng);
}
END_TEST


/* The rate limit: burst lines a second, then one count of the rest at
 * the next second's first line. */
START_TEST(report_rate_limit)
{
	struct shim_lograte r = { 0, 0, 0 };
	unsigned said, i, out = 0;

	for (i = 0; i < 250; i++) {
		out += (unsigned)shim_lograte_take(&r, 7, 200, &said);
		ck_assert_uint_eq(said, 0);
	}
	ck_assert_uint_eq(out, 200);
	/* the next second: the 50 are said once, and the line goes out */
	ck_assert_int_eq(shim_lograte_take(&r, 8, 200, &said), 1);
	ck_assert_uint_eq(said, 50);
	ck_assert_int_eq(shim_lograte_take(&r, 8, 200, &said), 1);
	ck_assert_uint_eq(said, 0);
	/* a quiet second between: nothing owed */
	ck_assert_int_eq(shim_lograte_take(&r, 20, 200, &said), 1);
	ck_assert_uint_eq(said, 0);
	/* burst 0 suppresses everything, and counts it */
	ck_assert_int_eq(shim_lograte_take(&r, 21, 0, &said), 0);
	ck_assert_int_eq(shim_lograte_take(&r, 22, 0, &said), 0);
	ck_assert_uint_eq(said, 1);
}
END_TEST

Suite *
xt_suite_shim_report(void)
{
	Suite *s = suite_create("shim_report");
	TCase *tc = tcase_create("report");

	tcase_add_test(tc, report_man_vars_known);
	tcase_add_test(tc, report_vars_parse);
	tcase_add_test(tc, report_conn_format);
	tcase_add_test(tc, report_drops);
	tcase_add_test(tc, report_rate_limit);
	suite_add_tcase(s, tc);
	return (s);
}
