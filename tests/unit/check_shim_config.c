/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_config.c - the XTCP_* parser of the shim (shim/config.c)
 * without LD_PRELOAD: every variable with a value it takes and one it
 * refuses, the one-line message (variable, accepted form, the value as
 * given), the checks across variables, the copy onto the engine's
 * configuration, XTCP_PASSTHROUGH matching and the unknown-variable
 * report.  Variables come from arrays through shim_config_env_lookup(),
 * so the process environment is left alone (but by config_load_getenv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "shim_config.h"
#include "xtcp.h"

Suite	*xt_suite_shim_config(void);

#define BASE_IF		"XTCP_IF=eth0"
#define BASE_ADDR	"XTCP_ADDR=10.0.0.2/24"

static char			 msg[256];
static struct shim_config	 cf;

/* Parse NULL-terminated env; returns the result, message in msg. */
static enum shim_cfg_result
parse(char **env)
{
	memset(msg, 0, sizeof(msg));
	return (shim_config_parse(&cf, shim_config_env_lookup, env, msg,
	    sizeof(msg)));
}

/* Parse NAME=value alone with the base device and address it needs. */
static enum shim_cfg_result
parse_one(const char *name, const char *value)
{
	static char var[512];
	char *env[4];
	int n = 0;

	snprintf(var, sizeof(var), "%s=%s", name, value);
	env[n++] = var;
	if (strcmp(name, "XTCP_IF") != 0 && strcmp(name, "XTCP_TAP") != 0)
		env[n++] = BASE_IF;
	if (strcmp(name, "XTCP_ADDR") != 0)
		env[n++] = BASE_ADDR;
	env[n] = NULL;
	return (parse(env));
}

/* The message a refused value must give, exactly. */
static void
expect_bad(const char *name, const char *value, const char *form)
{
	char want[512];

	ck_assert_msg(parse_one(name, value) == SHIM_CFG_BAD,
	    "%s=%s accepted", name, value);
	/* the value as quoted: at most 64 characters, then "..." */
	snprintf(want, sizeof(want), "%s: expected %s, got \"%.64s%s\"",
	    name, form, value, strlen(value) > 64 ? "..." : "");
	ck_assert_str_eq(msg, want);
}

static void
expect_ok(const char *name, const char *value)
{
	ck_assert_msg(parse_one(name, value) == SHIM_CFG_OK,
	    "%s=%s refused: %s", name, value, msg);
}

/* ---- the variables with a form of their own ---- */

static const struct {
	const char	*name, *good, *bad, *form;
} formed[] = {
	{ "XTCP_IF", "eth0", "a/b",
	    "an interface name of 1..15 characters (e.g. eth0)" },
	{ "XTCP_IF", "veth-0123456789", "veth-0123456789x",
	    "an interface name of 1..15 characters (e.g. eth0)" },
	{ "XTCP_TAP", "tap0", "tap 0",
	    "a TAP interface name of 1..15 characters (e.g. tap0)" },
	{ "XTCP_ADDR", "10.0.0.2-10.0.0.9/24", "10.0.0.9-10.0.0.2/24",
	    "A.B.C.D/LEN or a range A.B.C.D-A.B.C.E/LEN "
	    "(e.g. 10.0.0.2/24 or 10.0.0.2-10.0.0.9/24)" },
	{ "XTCP_ADDR", "10.0.0.2/32", "127.0.0.1/8",
	    "A.B.C.D/LEN or a range A.B.C.D-A.B.C.E/LEN "
	    "(e.g. 10.0.0.2/24 or 10.0.0.2-10.0.0.9/24)" },
	{ "XTCP_ADDR", "10.0.0.2/24", "10.0.0.2/33",
	    "A.B.C.D/LEN or a range A.B.C.D-A.B.C.E/LEN "
	    "(e.g. 10.0.0.2/24 or 10.0.0.2-10.0.0.9/24)" },
	{ "XTCP_ADDR", "10.0.0.2/24", "10.0.0.2-10.0.1.2/24",
	    "A.B.C.D/LEN or a range A.B.C.D-A.B.C.E/LEN "
	    "(e.g. 10.0.0.2/24 or 10.0.0.2-10.0.0.9/24)" },
	{ "XTCP_GW", "10.0.0.1", "224.0.0.1", "A.B.C.D (e.g. 10.0.0.1)" },
	{ "XTCP_MAC", "02:00:5e:00:00:01", "01:00:5e:00:00:01",
	    "a unicast MAC aa:bb:cc:dd:ee:ff" },
	{ "XTCP_MAC", "02:00:5e:00:00:01", "00:00:00:00:00:00",
	    "a unicast MAC aa:bb:cc:dd:ee:ff" },
	{ "XTCP_MAC", "02:00:5e:00:00:01", "02:00:5e:00:00:0g",
	    "a unicast MAC aa:bb:cc:dd:ee:ff" },
	{ "XTCP_LOG", "debug", "verbose", "error, warn, info or debug" },
	{ "XTCP_FALLBACK", "kernel", "yes", "kernel or fail" },
	{ "XTCP_FALLBACK", "fail", "Kernel", "kernel or fail" },
	{ "XTCP_PASSTHROUGH", "10.1.0.0/16,192.168.1.7", "10.1.0.0/33",
	    "a comma list of at most 16 A.B.C.D/LEN or A.B.C.D "
	    "(e.g. 10.1.0.0/16,192.168.1.7)" },
	{ "XTCP_PASSTHROUGH", "1.0.0.0/8", "1.0.0.0/8,",
	    "a comma list of at most 16 A.B.C.D/LEN or A.B.C.D "
	    "(e.g. 10.1.0.0/16,192.168.1.7)" },
	{ "XTCP_PASSTHROUGH", "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,"
	    "6.6.6.6,7.7.7.7,8.8.8.8,9.9.9.9,10.1.1.1,11.1.1.1,12.1.1.1,"
	    "13.1.1.1,14.1.1.1,15.1.1.1,16.1.1.1",
	    "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,"
	    "6.6.6.6,7.7.7.7,8.8.8.8,9.9.9.9,10.1.1.1,11.1.1.1,12.1.1.1,"
	    "13.1.1.1,14.1.1.1,15.1.1.1,16.1.1.1,17.1.1.1",
	    "a comma list of at most 16 A.B.C.D/LEN or A.B.C.D "
	    "(e.g. 10.1.0.0/16,192.168.1.7)" },
	{ "XTCP_LOCKDIR", "/tmp/xtcp-locks", "tmp/xtcp-locks",
	    "an absolute directory path of at most 100 characters" },
	{ "XTCP_CHILD", "stack", "fork", "kernel or stack" },
	{ "XTCP_CC", "cubic", "bbr",
	    "a congestion control: reno, cubic or none" },
	{ "XTCP_CC", "reno", "",
	    "a congestion control: reno, cubic or none" },
};

/* ---- the integers: "an integer MIN..MAX" ---- */

static const struct {
	const char	*name;
	unsigned long	 min, max;
} ints[] = {
	{ "XTCP_TAP_URING", 0, 1 },
	{ "XTCP_MTU", 128, 65535 },
	{ "XTCP_RTO_MIN_MS", 1, 60000 },
	{ "XTCP_DELACK_MS", 1, 499 },
	{ "XTCP_MSL_MS", 1, 600000 },
	{ "XTCP_SNDBUF", 4096, 1073741824 },
	{ "XTCP_RCVBUF", 4096, 1073741824 },
	{ "XTCP_SACK_MAXHOLES", 1, 65536 },
	{ "XTCP_LISTEN_KERNEL", 0, 1 },
	{ "XTCP_SPIN_US", 0, 1000000 },
	{ "XTCP_DEVWAIT", 0, 1 },
	/* the engine tunables */
	{ "XTCP_DELAYED_ACK", 0, 1 },
	{ "XTCP_KEEPIDLE", 1, 32767 },
	{ "XTCP_KEEPINTVL", 1, 32767 },
	{ "XTCP_KEEPCNT", 1, 127 },
	{ "XTCP_KEEPINIT", 0, 3600000 },
	{ "XTCP_ALWAYS_KEEPALIVE", 0, 1 },
	{ "XTCP_BLACKHOLE", 0, 2 },
	{ "XTCP_LOG_IN_VAIN", 0, 2 },
	{ "XTCP_REXMIT_INITIAL", 200, 60000 },
	{ "XTCP_REXMIT_SLOP", 0, 10000 },
	{ "XTCP_RTO_MAX_MS", 1000, 600000 },
	{ "XTCP_REXMIT_MAX", 1, 255 },
	{ "XTCP_SYN_RETRIES", 1, 127 },
	{ "XTCP_INITCWND", 1, 100 },
	{ "XTCP_SACK", 0, 1 },
	{ "XTCP_TIMESTAMPS", 0, 1 },
	{ "XTCP_TS_OFFSET_PER_CONN", 0, 1 },
	{ "XTCP_WSCALE", 0, 1 },
	{ "XTCP_REASS_MAXQUEUELEN", 1, 65536 },
	{ "XTCP_ECN", 0, 2 },
	{ "XTCP_ECN_MAXRETRIES", 0, 30 },
	{ "XTCP_MSSDFLT", 88, 65495 },
	{ "XTCP_FINWAIT2_TIMEOUT", 0, 3600000 },
	{ "XTCP_FINWAIT2_NO_TIMEWAIT", 0, 1 },
	{ "XTCP_INSECURE_RST", 0, 1 },
	{ "XTCP_INSECURE_SYN", 0, 1 },
	{ "XTCP_PATH_MTU_DISCOVERY", 0, 1 },
	{ "XTCP_PMTUD_BLACKHOLE_DETECTION", 0, 1 },
	{ "XTCP_PMTUD_BLACKHOLE_MSS", 536, 65495 },
	{ "XTCP_FASTOPEN", 0, 3 },
	{ "XTCP_AUTOTUNE", 0, 1 },
	{ "XTCP_RMEM_MAX", 4096, 1073741824 },
	{ "XTCP_WMEM_MAX", 4096, 1073741824 },
	{ "XTCP_MAX_SOCKETS", 16, 1048576 },
	{ "XTCP_MAX_TW_BUCKETS", 0, 16777216 },
	{ "XTCP_SYNCOOKIES", 0, 2 },
	{ "XTCP_RFC1337", 0, 1 },
	{ "XTCP_INVALID_RATELIMIT_MS", 0, 3600000 },
};

START_TEST(config_formed_values)
{
	size_t i = (size_t)_i;

	expect_ok(formed[i].name, formed[i].good);
	expect_bad(formed[i].name, formed[i].bad, formed[i].form);
}
END_TEST

/* Both ends taken, one past each refused, and what is not a number. */
START_TEST(config_integer_ranges)
{
	const char *name = ints[_i].name;
	char form[64], v[32];

	snprintf(form, sizeof(form), "an integer %lu..%lu", ints[_i].min,
	    ints[_i].max);
	snprintf(v, sizeof(v), "%lu", ints[_i].min);
	expect_ok(name, v);
	snprintf(v, sizeof(v), "%lu", ints[_i].max);
	expect_ok(name, v);
	snprintf(v, sizeof(v), "%lu", ints[_i].max + 1);
	expect_bad(name, v, form);
	if (ints[_i].min > 0) {
		snprintf(v, sizeof(v), "%lu", ints[_i].min - 1);
		expect_bad(name, v, form);
	}
	expect_bad(name, "-1", form);
	expect_bad(name, "12abc", form);
	expect_bad(name, "", form);
	expect_bad(name, "99999999999999999999999", form);
}
END_TEST

/* The three variables outside both tables. */
START_TEST(config_noopt_stats_offload)
{
	struct xtcp_config ec;
	char *on[] = { "XTCP_NOOPT=1", "XTCP_SACK=1", BASE_IF, BASE_ADDR,
	    NULL };

	expect_bad("XTCP_NOOPT", "2", "0 or 1");
	expect_bad("XTCP_OFFLOAD", "yes", "0 or 1");
	expect_bad("XTCP_STATS", "", "a file name or -");
	expect_ok("XTCP_STATS", "-");
	ck_assert_str_eq(cf.stats, "-");
	expect_bad("XTCP_TRACE", "", "a file name (%p: the pid)");
	expect_ok("XTCP_TRACE", "/tmp/t-%p.csv");
	ck_assert_str_eq(cf.trace, "/tmp/t-%p.csv");
	expect_ok("XTCP_OFFLOAD", "0");
	ck_assert_int_eq(cf.offload, 0);
	expect_ok("XTCP_IF", "eth0");
	ck_assert_int_eq(cf.offload, 1);		/* the default */
	/* XTCP_NOOPT=1 wins over XTCP_SACK=1: no options but MSS */
	ck_assert_int_eq(parse(on), SHIM_CFG_OK);
	xtcp_config_defaults(&ec);
	ec.sack = ec.tstamps = ec.wscale = 1;
	shim_config_apply(&cf, &ec);
	ck_assert_int_eq(ec.sack, 0);
	ck_assert_int_eq(ec.tstamps, 0);
	ck_assert_int_eq(ec.wscale, 0);
}
END_TEST

/* A value is quoted with at most 64 characters, '?' for the
 * non-printable, and "..." when cut. */
START_TEST(config_message_quotes)
{
	char *env[] = { "XTCP_LOG=a\tb", BASE_IF, BASE_ADDR, NULL };
	char long_v[100], want[256];

	ck_assert_int_eq(parse(env), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_LOG: expected error, warn, info or "
	    "debug, got \"a?b\"");
	ck_assert_ptr_null(strchr(msg, '\n'));
	memset(long_v, 'x', sizeof(long_v) - 1);
	long_v[sizeof(long_v) - 1] = '\0';
	ck_assert_int_eq(parse_one("XTCP_FALLBACK", long_v), SHIM_CFG_BAD);
	snprintf(want, sizeof(want), "XTCP_FALLBACK: expected kernel or "
	    "fail, got \"%.64s...\"", long_v);
	ck_assert_str_eq(msg, want);
}
END_TEST

/* The checks across variables, each with its own line. */
START_TEST(config_combinations)
{
	char *none[] = { "PATH=/bin", NULL };
	char *tun_only[] = { "XTCP_KEEPCNT=5", NULL };
	char *tun_bad[] = { "XTCP_KEEPCNT=0", NULL };
	char *both[] = { "XTCP_TAP=tap0", BASE_IF, BASE_ADDR, NULL };
	char *no_if[] = { BASE_ADDR, NULL };
	char *no_addr[] = { BASE_IF, NULL };
	char *no_addr_tap[] = { "XTCP_TAP=tap0", NULL };
	char *gw_out[] = { "XTCP_GW=10.0.1.1", BASE_IF, BASE_ADDR, NULL };
	char *gw_pool[] = { "XTCP_GW=10.0.0.3", BASE_IF,
	    "XTCP_ADDR=10.0.0.2-10.0.0.4/24", NULL };
	char *ok[] = { "XTCP_GW=10.0.0.1", BASE_IF,
	    "XTCP_ADDR=10.0.0.2-10.0.0.4/24", NULL };

	ck_assert_int_eq(parse(none), SHIM_CFG_INERT);
	ck_assert_int_eq(parse(tun_only), SHIM_CFG_INERT);
	/* tunables are checked even without a device */
	ck_assert_int_eq(parse(tun_bad), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_KEEPCNT: expected an integer 1..127, "
	    "got \"0\"");
	ck_assert_int_eq(parse(both), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_TAP: not with XTCP_IF (give one device: "
	    "an interface for AF_PACKET or a TAP)");
	ck_assert_int_eq(parse(no_if), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_IF: required with XTCP_ADDR (the "
	    "interface to use, e.g. eth0; or XTCP_TAP, a TAP)");
	ck_assert_int_eq(parse(no_addr), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_ADDR: required with XTCP_IF (A.B.C.D/LEN "
	    "or A.B.C.D-A.B.C.E/LEN, e.g. 10.0.0.2/24)");
	ck_assert_int_eq(parse(no_addr_tap), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_ADDR: required with XTCP_TAP (A.B.C.D/LEN "
	    "or A.B.C.D-A.B.C.E/LEN, e.g. 10.0.0.2/24)");
	ck_assert_int_eq(parse(gw_out), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_GW: expected an address inside "
	    "XTCP_ADDR's prefix other than XTCP_ADDR, got \"10.0.1.1\"");
	ck_assert_int_eq(parse(gw_pool), SHIM_CFG_BAD);
	ck_assert_int_eq(parse(ok), SHIM_CFG_OK);
	ck_assert_uint_eq(cf.addr_lo, 0x0a000002u);
	ck_assert_uint_eq(cf.addr_hi, 0x0a000004u);
	ck_assert_uint_eq(cf.addr, 0x0a000002u);
	ck_assert_uint_eq(cf.prefixlen, 24);
	ck_assert_uint_eq(cf.gw, 0x0a000001u);
	ck_assert_str_eq(cf.ifname, "eth0");
	ck_assert_int_eq(cf.tap, 0);
}
END_TEST

/* What the engine gets: the address always, the rest only when given. */
START_TEST(config_apply)
{
	struct xtcp_config ec, def;
	char *env[] = { "XTCP_TAP=tap3", "XTCP_ADDR=192.168.7.9/16",
	    "XTCP_SNDBUF=65536", "XTCP_CC=reno", "XTCP_KEEPIDLE=30",
	    "XTCP_MAC=02:aa:bb:cc:dd:ee", "XTCP_LOG=info", NULL };

	ck_assert_int_eq(parse(env), SHIM_CFG_OK);
	ck_assert_int_eq(cf.tap, 1);
	ck_assert_str_eq(cf.ifname, "tap3");
	ck_assert_uint_eq(cf.mac[0], 0x02);
	ck_assert_uint_eq(cf.mac[5], 0xee);
	ck_assert_uint_ne(cf.set & SHIM_CF_MAC, 0);
	xtcp_config_defaults(&ec);
	def = ec;
	shim_config_apply(&cf, &ec);
	ck_assert_uint_eq(ec.addr, 0xc0a80709u);
	ck_assert_uint_eq(ec.prefixlen, 16);
	ck_assert_uint_eq(ec.sndbuf, 65536);
	ck_assert_uint_eq(ec.rcvbuf, def.rcvbuf);	/* not given */
	ck_assert_uint_eq(ec.rto_min_ms, def.rto_min_ms);
	ck_assert_str_eq(ec.congestion, "reno");
	ck_assert_uint_eq(ec.keepidle_s, 30);
	ck_assert_uint_eq(ec.keepcnt, def.keepcnt);
	ck_assert_int_eq(ec.log_level, XTCP_LOG_INFO);
}
END_TEST

START_TEST(config_passthrough)
{
	char *env[] = { "XTCP_PASSTHROUGH=10.1.0.0/16,192.168.1.7,0.0.0.0/0",
	    BASE_IF, BASE_ADDR, NULL };
	char *env2[] = { "XTCP_PASSTHROUGH=10.1.2.3/16", BASE_IF, BASE_ADDR,
	    NULL };

	ck_assert_int_eq(parse(env2), SHIM_CFG_OK);
	ck_assert_uint_eq(cf.npass, 1);
	ck_assert(shim_config_passthrough(&cf, 0x0a01ffffu));	/* 10.1.255.255 */
	ck_assert(!shim_config_passthrough(&cf, 0x0a020001u));
	ck_assert_int_eq(parse(env), SHIM_CFG_OK);
	ck_assert_uint_eq(cf.npass, 3);
	ck_assert(shim_config_passthrough(&cf, 0x08080808u));	/* /0 */
	ck_assert_int_eq(parse_one("XTCP_IF", "eth0"), SHIM_CFG_OK);
	ck_assert(!shim_config_passthrough(&cf, 0x0a010203u));	/* none */
}
END_TEST

struct seen {
	int	n;
	int	level;
	char	line[128];
};

static void
record(void *arg, int level, const char *line)
{
	struct seen *s = arg;

	s->n++;
	s->level = level;
	snprintf(s->line, sizeof(s->line), "%s", line);
}

/* Unknown XTCP_ names are reported, once each; others are not. */
START_TEST(config_unknown_reported)
{
	char *env[] = { "PATH=/bin", BASE_IF, "XTCP_IFF=eth0",
	    "XTCP_LOG=debug", NULL };
	char *clean[] = { BASE_IF, BASE_ADDR, "XTCP_=", NULL };
	struct seen s = { 0, -1, "" };

	shim_config_warn_unknown(env, record, &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.level, XTCP_LOG_WARN);
	ck_assert_str_eq(s.line, "XTCP_IFF: unknown variable, ignored");
	s.n = 0;
	shim_config_warn_unknown(clean, record, &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.line, "XTCP_: unknown variable, ignored");
	s.n = 0;
	shim_config_warn_unknown(NULL, record, &s);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

/* Was a bug, fixed: the tunables and the variables read apart from the
 * tables were reported as unknown. */
START_TEST(config_known_not_reported)
{
	char *env[] = { BASE_IF, BASE_ADDR, "XTCP_SACK=0",
	    "XTCP_KEEPIDLE=60", "XTCP_STATS=1", "XTCP_NOOPT=1",
	    "XTCP_OFFLOAD=0", "XTCP_RFC1337=1", NULL };
	struct seen s = { 0, -1, "" };

	shim_config_warn_unknown(env, record, &s);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

/* shim_config_load reads the process environment (getenv). */
START_TEST(config_load_getenv)
{
	ck_assert_int_eq(setenv("XTCP_IF", "lo", 1), 0);
	ck_assert_int_eq(setenv("XTCP_ADDR", "10.9.0.1/8", 1), 0);
	ck_assert_int_eq(shim_config_load(&cf, msg, sizeof(msg)),
	    SHIM_CFG_OK);
	ck_assert_uint_eq(cf.addr, 0x0a090001u);
	unsetenv("XTCP_IF");
	unsetenv("XTCP_ADDR");
	ck_assert_ptr_null(shim_config_env_lookup(NULL, "XTCP_IF"));
}
END_TEST

Suite *
xt_suite_shim_config(void)
{
	Suite *s = suite_create("shim_config");
	TCase *tc = tcase_create("shim_config");

	tcase_add_loop_test(tc, config_formed_values, 0,
	    (int)(sizeof(formed) / sizeof(formed[0])));
	tcase_add_loop_test(tc, config_integer_ranges, 0,
	    (int)(sizeof(ints) / sizeof(ints[0])));
	tcase_add_test(tc, config_noopt_stats_offload);
	tcase_add_test(tc, config_message_quotes);
	tcase_add_test(tc, config_combinations);
	tcase_add_test(tc, config_apply);
	tcase_add_test(tc, config_passthrough);
	tcase_add_test(tc, config_unknown_reported);
	tcase_add_test(tc, config_known_not_reported);
	tcase_add_test(tc, config_load_getenv);
	suite_add_tcase(s, tc);
	return (s);
}
