/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_config.c - libFuzzer target: the XTCP_* environment parser of the
 * shim (shim/config.c), which stands alone: it reads getenv() and fills
 * a struct shim_config.  It is compiled into this target from its source
 * and needs nothing else of the shim (it reports through a callback);
 * xtcp_cc_known() comes from the stack library.
 *
 * Input: records "<k><value>\n", where byte k picks a variable name from
 * the table (every name config.c knows, plus unknown ones) and value is
 * the rest of the line (a NUL ends it early).  The environment is
 * replaced by the records (a later one of a name is not seen: getenv
 * finds the first), then parsed.  Properties:
 *  - shim_config_load never crashes, and on SHIM_CFG_BAD writes one
 *    line (NUL-terminated, no newline) into the message buffer;
 *  - on SHIM_CFG_OK the result keeps the documented ranges (address in
 *    its pool, prefix length <= 32, MTU 0 or 128..65535) and
 *    shim_config_apply yields an engine configuration
 *    xtcp_config_defaults-compatible values can be copied onto.
 */
#include "prelude.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_config.h"
#include "xtcp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CFG_FAIL(...) do {						\
	fprintf(stderr, "fuzz_config: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/* Where config.c reports unknown variables: each report is one
 * NUL-terminated line without a newline. */
static void
report_sink(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	if (line == NULL || strchr(line, '\n') != NULL)
		CFG_FAIL("a report is not one line");
}

static const char *const names[] = {
	"XTCP_IF", "XTCP_TAP", "XTCP_TAP_URING", "XTCP_ADDR", "XTCP_GW",
	"XTCP_MAC", "XTCP_MTU", "XTCP_LOG", "XTCP_RTO_MIN_MS",
	"XTCP_DELACK_MS", "XTCP_MSL_MS", "XTCP_SNDBUF", "XTCP_RCVBUF",
	"XTCP_SACK_MAXHOLES", "XTCP_FALLBACK", "XTCP_PASSTHROUGH",
	"XTCP_LISTEN_KERNEL", "XTCP_LOCKDIR", "XTCP_CHILD", "XTCP_CC",
	"XTCP_SPIN_US", "XTCP_DEVWAIT",
	"XTCP_DELAYED_ACK", "XTCP_KEEPIDLE", "XTCP_KEEPINTVL",
	"XTCP_KEEPCNT", "XTCP_KEEPINIT", "XTCP_ALWAYS_KEEPALIVE",
	"XTCP_BLACKHOLE", "XTCP_LOG_IN_VAIN", "XTCP_REXMIT_INITIAL",
	"XTCP_REXMIT_SLOP", "XTCP_RTO_MAX_MS", "XTCP_REXMIT_MAX",
	"XTCP_SYN_RETRIES", "XTCP_INITCWND", "XTCP_SACK",
	"XTCP_TIMESTAMPS", "XTCP_WSCALE", "XTCP_REASS_MAXQUEUELEN",
	"XTCP_ECN", "XTCP_ECN_MAXRETRIES", "XTCP_MSSDFLT",
	"XTCP_FINWAIT2_TIMEOUT", "XTCP_FINWAIT2_NO_TIMEWAIT",
	"XTCP_INSECURE_RST", "XTCP_INSECURE_SYN",
	"XTCP_PATH_MTU_DISCOVERY", "XTCP_PMTUD_BLACKHOLE_DETECTION",
	"XTCP_PMTUD_BLACKHOLE_MSS", "XTCP_FASTOPEN", "XTCP_AUTOTUNE",
	"XTCP_RMEM_MAX", "XTCP_WMEM_MAX", "XTCP_MAX_SOCKETS",
	"XTCP_MAX_TW_BUCKETS",
	"XTCP_SYNCOOKIES", "XTCP_NOOPT", "XTCP_STATS", "XTCP_OFFLOAD",
	"XTCP_RFC1337", "XTCP_INVALID_RATELIMIT_MS", "XTCP_TS_OFFSET_PER_CONN",
	"XTCP_UNKNOWN", "XTCP_", "XTCP_ADDRESS", "NOT_XTCP",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))
#define MAXENV	256

extern char **environ;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shim_config c;
	struct xtcp_config ec;
	char msg[256], val[1024];
	static char envbuf[16384];
	static char *envp[MAXENV + 1];
	size_t i = 0, n, len, used, nenv;
	enum shim_cfg_result res;
	uint32_t probe;

	/* the environment is built here, not with setenv(), whose old
	 * values glibc never frees (millions of runs exhaust memory) */
	clearenv();
	nenv = 0;
	used = 0;
	while (i < size && nenv < MAXENV) {
		const char *name = names[data[i++] % NNAMES];

		for (n = 0; i < size && data[i] != '\n' && data[i] != '\0' &&
		    n < sizeof(val) - 1; i++)
			val[n++] = (char)data[i];
		val[n] = '\0';
		if (i < size)
			i++;		/* the newline */
		len = strlen(name) + 1 + n + 1;
		if (used + len > sizeof(envbuf))
			break;
		snprintf(envbuf + used, len, "%s=%s", name, val);
		envp[nenv++] = envbuf + used;
		used += len;
	}
	envp[nenv] = NULL;
	environ = envp;
	memset(msg, 0x7f, sizeof(msg));
	res = shim_config_load(&c, msg, sizeof(msg));
	shim_config_warn_unknown(environ, report_sink, NULL);
	if (res == SHIM_CFG_BAD) {
		if (memchr(msg, '\0', sizeof(msg)) == NULL)
			CFG_FAIL("error message not terminated");
		if (strchr(msg, '\n') != NULL || msg[0] == '\0')
			CFG_FAIL("error message empty or more than a line");
		return (0);
	}
	if (res != SHIM_CFG_OK && res != SHIM_CFG_INERT)
		CFG_FAIL("result %d", (int)res);
	if (res == SHIM_CFG_INERT)
		return (0);
	if (c.prefixlen > 32 || c.addr_lo > c.addr_hi ||
	    c.addr < c.addr_lo || c.addr > c.addr_hi)
		CFG_FAIL("address %#x not in pool %#x-%#x /%u", c.addr,
		    c.addr_lo, c.addr_hi, c.prefixlen);
	if (c.mtu != 0 && (c.mtu < 128 || c.mtu > 65535))
		CFG_FAIL("MTU %u", c.mtu);
	if (c.npass > SHIM_NPASS)
		CFG_FAIL("%u passthrough prefixes", c.npass);
	if (memchr(c.ifname, '\0', sizeof(c.ifname)) == NULL ||
	    memchr(c.cc, '\0', sizeof(c.cc)) == NULL ||
	    memchr(c.lockdir, '\0', sizeof(c.lockdir)) == NULL ||
	    memchr(c.stats, '\0', sizeof(c.stats)) == NULL)
		CFG_FAIL("a string field is not terminated");
	xtcp_config_defaults(&ec);
	shim_config_apply(&c, &ec);
	if (ec.addr != c.addr || ec.prefixlen != c.prefixlen)
		CFG_FAIL("apply lost the address");
	if (memchr(ec.congestion, '\0', sizeof(ec.congestion)) == NULL)
		CFG_FAIL("congestion name not terminated");
	for (probe = 0; probe < 4; probe++)
		(void)shim_config_passthrough(&c, c.addr + probe * 0x01010101u);
	return (0);
}
