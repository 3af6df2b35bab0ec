/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_shim_portmap.c - one address shared by several processes
 * (shim/portmap.c, shim/pool.c's shared claim) and the device filter
 * that passes each process its own ports (stack/dev/dev_packet.c
 * xt_pkt_filter_build): claims one by one and in blocks, a block given
 * back when idle, a dead claimant's ports (SIGKILL) free again and its
 * leadership taken over, who answers a port nobody holds, the held
 * ports as ranges, and the BPF program run here by a small interpreter
 * (and checked by the kernel's own verifier on a UDP socket) for ranges
 * up to the 4,096-instruction bound.  Every struct shim_portmap opens
 * the map on its own, so one process plays several claimants (OFD locks
 * belong to the open file).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/if_packet.h>

#include <check.h>

#include "dev/phy.h"
#include "fdmap.h"
#include "pool.h"
#include "portmap.h"
#include "shim_config.h"
#include "xtcp.h"

Suite	*xt_suite_shim_portmap(void);

#define LO	32768
#define HI	60999
#define ADDR	0x0a000002u	/* 10.0.0.2 */

static char	dir[64];
static char	path[128];
static char	msg[256];

static void
pm_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xtcp-check-portmap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/map", dir);
}

static void
pm_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static struct shim_portmap *
pm_new(void)
{
	struct shim_portmap *pm = calloc(1, sizeof(*pm));

	ck_assert_ptr_nonnull(pm);
	ck_assert_int_eq(shim_portmap_open(pm, path, LO, HI, msg,
	    sizeof(msg)), 0);
	return (pm);
}

static void
pm_free(struct shim_portmap *pm)
{
	shim_portmap_close(pm);
	free(pm);
}

/* Bound ports: one claimant each; given back when no longer used. */
START_TEST(pm_bind_claims)
{
	struct shim_portmap *a = pm_new(), *b = pm_new();
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(a->c->slot, 0);
	ck_assert_int_eq(b->c->slot, 1);
	ck_assert_int_eq(a->c->leader, 1);		/* the first leads */
	ck_assert_int_eq(b->c->leader, 0);
	ck_assert_int_eq(shim_portmap_bind(a, 8080), 0);
	shim_portmap_use(a, 8080, 1);
	ck_assert_int_eq(shim_portmap_bind(a, 8080), 0);	/* ours */
	ck_assert_int_eq(shim_portmap_bind(b, 8080), EADDRINUSE);
	ck_assert_int_eq(shim_portmap_owner(b, 8080), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 8081), 0);
	shim_portmap_use(a, 8080, -1);		/* the last socket went */
	ck_assert_int_eq(shim_portmap_held(a, 8080), 0);
	ck_assert_int_eq(shim_portmap_owner(b, 8080), -1);
	ck_assert_int_eq(shim_portmap_bind(b, 8080), 0);
	pm_free(a);
	pm_free(b);
}
END_TEST

/* Ephemeral ports in blocks: a block is one claimant's; the others are
 * told how many ports to skip; an idle block goes back after a tick. */
START_TEST(pm_blocks)
{
	struct shim_portmap *a = pm_new(), *b = pm_new();
	unsigned p;

	ck_assert_int_eq(shim_portmap_held(a, LO + 5), 0);
	ck_assert_int_eq(shim_portmap_lease(a, LO + 5), 0);
	for (p = LO; p < LO + SHIM_PM_BLOCK; p++)
		ck_assert_int_eq(shim_portmap_held(a, (uint16_t)p), 1);
	ck_assert_int_eq(shim_portmap_held(a, LO + SHIM_PM_BLOCK), 0);
	ck_assert_int_eq(shim_portmap_lease(b, LO + 2),
	    SHIM_PM_BLOCK - 2);
	ck_assert_int_eq(shim_portmap_bind(b, LO + 40), EADDRINUSE);
	ck_assert_int_eq(shim_portmap_lease(b, LO + SHIM_PM_BLOCK), 0);
	/* outside the ephemeral range: nothing to lease */
	ck_assert_int_eq(shim_portmap_lease(a, 80), 1);
	/* a port in use keeps the block through ticks */
	shim_portmap_use(a, LO + 5, 1);
	(void)shim_portmap_tick(a);
	(void)shim_portmap_tick(a);
	ck_assert_int_eq(shim_portmap_held(a, LO), 1);
	/* idle for a whole tick: given back */
	shim_portmap_use(a, LO + 5, -1);
	(void)shim_portmap_tick(a);
	ck_assert_int_eq(shim_portmap_held(a, LO), 1);
	ck_assert_int_eq(shim_portmap_tick(a), 1);
	ck_assert_int_eq(shim_portmap_held(a, LO), 0);
	ck_assert_int_eq(shim_portmap_lease(b, LO + 2), 0);
	pm_free(a);
	pm_free(b);
}
END_TEST

/* The range's ends cut the blocks: 32768..32800 leases only those. */
START_TEST(pm_block_range_ends)
{
	struct shim_portmap *a = calloc(1, sizeof(*a)), *b = pm_new();

	ck_assert_int_eq(shim_portmap_open(a, path, LO, LO + 32, msg,
	    sizeof(msg)), 0);
	ck_assert_int_eq(shim_portmap_lease(a, LO + 32), 0);
	ck_assert_int_eq(shim_portmap_held(a, LO + 32), 1);
	ck_assert_int_eq(shim_portmap_held(a, LO + 33), 0);
	ck_assert_int_eq(shim_portmap_lease(a, LO + 33), 1);
	ck_assert_int_eq(shim_portmap_bind(b, LO + 33), 0);
	pm_free(a);
	pm_free(b);
}
END_TEST

/* Who answers a segment for a port no socket has: the holder for its
 * own ports, the leader for nobody's, nobody for another's. */
START_TEST(pm_answer)
{
	struct shim_portmap *a = pm_new(), *b = pm_new();

	ck_assert_int_eq(shim_portmap_bind(b, 8080), 0);
	ck_assert_int_eq(shim_portmap_answer(a, 9999), 1);	/* leader */
	ck_assert_int_eq(shim_portmap_answer(b, 9999), 0);
	ck_assert_int_eq(shim_portmap_answer(a, 8080), 0);	/* b's */
	ck_assert_int_eq(shim_portmap_answer(b, 8080), 1);
	pm_free(a);
	pm_free(b);
}
END_TEST

/* A claimant killed by SIGKILL: its ports are free to the next bind,
 * the leader's sweep clears the rest, and its leadership is taken. */
START_TEST(pm_dead_claimant)
{
	struct shim_portmap *b;
	int go[2], st;
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shim_portmap *a = calloc(1, sizeof(*a));

		if (a == NULL || shim_portmap_open(a, path, LO, HI, msg,
		    sizeof(msg)) != 0 || !a->c->leader ||
		    shim_portmap_bind(a, 8080) != 0 ||
		    shim_portmap_bind(a, 8081) != 0 ||
		    shim_portmap_lease(a, LO) != 0)
			_exit(1);
		(void)write(go[1], "x", 1);
		for (;;)
			pause();
	}
	close(go[1]);
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	close(go[0]);
	b = pm_new();
	ck_assert_int_eq(b->c->leader, 0);
	ck_assert_int_eq(shim_portmap_bind(b, 8080), EADDRINUSE);
	(void)shim_portmap_tick(b);
	ck_assert_int_eq(b->c->leader, 0);			/* still alive */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(shim_portmap_alive(b, 0), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 8080), 0);	/* freed */
	ck_assert_int_eq(shim_portmap_answer(b, 8081), 0);	/* not yet */
	ck_assert_int_eq(shim_portmap_tick(b), 1);	/* leads, sweeps */
	ck_assert_int_eq(b->c->leader, 1);
	ck_assert_int_eq(shim_portmap_owner(b, 8081), -1);
	ck_assert_int_eq(shim_portmap_owner(b, LO + 1), -1);
	ck_assert_int_eq(shim_portmap_answer(b, 8081), 1);
	pm_free(b);
}
END_TEST

/* A claimant that dies leaves its slot to the next: the leftovers go. */
START_TEST(pm_slot_reuse)
{
	struct shim_portmap *a = pm_new(), *b;

	ck_assert_int_eq(shim_portmap_bind(a, 7000), 0);
	/* a crash, as the kernel sees it: the file closed (descriptor and
	 * mapping), nothing cleared */
	shim_portmap_close(a);
	b = pm_new();
	ck_assert_int_eq(b->c->slot, 0);
	ck_assert_int_eq(shim_portmap_owner(b, 7000), -1);
	pm_free(b);
	pm_free(a);
}
END_TEST

/* What the device passes, as ranges: a follower's own ports (folded
 * into the last range when too many); the leader's, every port but the
 * others', rebuilt on a tick when their claims moved. */
START_TEST(pm_ranges)
{
	struct shim_portmap *a = pm_new(), *b = pm_new();
	struct xtcp_port_range r[8];

	ck_assert_int_eq(shim_portmap_bind(b, 80), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 81), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 443), 0);
	ck_assert_int_eq(shim_portmap_lease(b, LO + 70), 0);
	ck_assert_int_eq(shim_portmap_bind(b, 65535), 0);
	ck_assert_uint_eq(shim_portmap_ranges(b, r, 4), 4);
	ck_assert_int_eq(b->c->changed, 0);
	ck_assert_uint_eq(r[0].lo, 80);
	ck_assert_uint_eq(r[0].hi, 81);
	ck_assert_uint_eq(r[1].lo, 443);
	ck_assert_uint_eq(r[1].hi, 443);
	ck_assert_uint_eq(r[2].lo, LO + 64);
	ck_assert_uint_eq(r[2].hi, LO + 127);
	ck_assert_uint_eq(r[3].lo, 65535);
	ck_assert_uint_eq(shim_portmap_ranges(b, r, 2), 2);
	ck_assert_uint_eq(r[1].lo, 443);
	ck_assert_uint_eq(r[1].hi, 65535);
	/* the leader: its own (7000) and nobody's, not b's */
	ck_assert_int_eq(shim_portmap_bind(a, 7000), 0);
	ck_assert_uint_eq(shim_portmap_ranges(a, r, 8), 4);
	ck_assert_uint_eq(r[0].lo, 0);
	ck_assert_uint_eq(r[0].hi, 79);
	ck_assert_uint_eq(r[1].lo, 82);
	ck_assert_uint_eq(r[1].hi, 442);
	ck_assert_uint_eq(r[2].lo, 444);
	ck_assert_uint_eq(r[2].hi, LO + 63);
	ck_assert_uint_eq(r[3].lo, LO + 128);
	ck_assert_uint_eq(r[3].hi, 65534);
	(void)shim_portmap_tick(a);
	ck_assert_int_eq(shim_portmap_tick(a), 0);	/* nothing moved */
	ck_assert_int_eq(shim_portmap_bind(b, 9000), 0);
	ck_assert_int_eq(shim_portmap_tick(a), 1);	/* b claimed */
	ck_assert_uint_eq(shim_portmap_ranges(a, r, 8), 5);
	ck_assert_uint_eq(r[2].hi, 8999);
	ck_assert_uint_eq(r[3].lo, 9001);
	pm_free(a);
	pm_free(b);
}
END_TEST

/* The shared claim through pool.c: two claims on one address both
 * succeed; a range, or XTCP_ADDR_SHARE=0, still claims it whole; a TAP
 * cannot be shared and says so. */
START_TEST(pm_pool_share)
{
	struct shim_pool p = SHIM_POOL_INIT, q = SHIM_POOL_INIT,
	    x = SHIM_POOL_INIT;
	struct shim_config c;
	char want[256];

	memset(&c, 0, sizeof(c));
	snprintf(c.ifname, sizeof(c.ifname), "xt0");
	snprintf(c.lockdir, sizeof(c.lockdir), "%s", dir);
	c.addr_lo = c.addr_hi = ADDR;
	c.prefixlen = 24;
	c.addr_share = 1;
	ck_assert_int_eq(shim_pool_claim(&p, &c, NULL, NULL, msg,
	    sizeof(msg)), 0);
	ck_assert_int_eq(p.shared, 1);
	ck_assert_int_eq(shim_pool_claim(&q, &c, NULL, NULL, msg,
	    sizeof(msg)), 0);
	ck_assert_int_eq(q.shared, 1);
	ck_assert_int_eq(q.pm.c->slot, 1);
	ck_assert_uint_eq(c.addr, ADDR);
	/* the address whole (XTCP_ADDR_SHARE=0) while others share it: no */
	c.addr_share = 0;
	ck_assert_int_eq(shim_pool_claim(&x, &c, NULL, NULL, msg,
	    sizeof(msg)), EADDRNOTAVAIL);
	shim_pool_release(&p);
	shim_pool_release(&q);
	ck_assert_int_eq(shim_pool_claim(&x, &c, NULL, NULL, msg,
	    sizeof(msg)), 0);
	/* and sharing it while one holds it whole: no */
	c.addr_share = 1;
	ck_assert_int_eq(shim_pool_claim(&p, &c, NULL, NULL, msg,
	    sizeof(msg)), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2/24: the address is "
	    "held whole by another process on xt0 (XTCP_ADDR_SHARE=0 or a "
	    "range; lock in %s)", dir);
	ck_assert_str_eq(msg, want);
	shim_pool_release(&x);
	/* a TAP is claimed whole, and a second process is told why */
	c.tap = 1;
	ck_assert_int_eq(shim_pool_claim(&x, &c, NULL, NULL, msg,
	    sizeof(msg)), 0);
	ck_assert_int_eq(x.shared, 0);
	ck_assert_int_eq(shim_pool_claim(&q, &c, NULL, NULL, msg,
	    sizeof(msg)), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2/24: the address is "
	    "in use by another process on TAP xt0, which cannot be shared by "
	    "port (lock in %s)", dir);
	ck_assert_str_eq(msg, want);
	shim_pool_release(&x);
}
END_TEST

/* A lock directory others can write, or another user's, is refused. */
START_TEST(pm_pool_dir_refused)
{
	struct shim_pool p = SHIM_POOL_INIT;
	struct shim_config c;
	char want[512];

	memset(&c, 0, sizeof(c));
	snprintf(c.ifname, sizeof(c.ifname), "xt0");
	snprintf(c.lockdir, sizeof(c.lockdir), "%s", dir);
	c.addr_lo = c.addr_hi = ADDR;
	c.prefixlen = 24;
	c.addr_share = 1;
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_int_eq(shim_pool_claim(&p, &c, NULL, NULL, msg,
	    sizeof(msg)), EADDRNOTAVAIL);
	snprintf(want, sizeof(want), "XTCP_ADDR=10.0.0.2/24: lock directory "
	    "%s is writable by everyone (mode 1777): refused, it must be "
	    "this user's alone, mode 0700 (or set XTCP_LOCKDIR)", dir);
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(chmod(dir, 0770), 0);
	ck_assert_int_eq(shim_pool_claim(&p, &c, NULL, NULL, msg,
	    sizeof(msg)), EADDRNOTAVAIL);
	ck_assert_ptr_nonnull(strstr(msg, "writable by its group"));
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(shim_pool_claim(&p, &c, NULL, NULL, msg,
	    sizeof(msg)), 0);
	shim_pool_release(&p);
}
END_TEST

/* XTCP_ADDR_SHARE: the default by XTCP_ADDR's form; a bad value, and
 * sharing a range, each one line. */
static const char *
env_of(void *arg, const char *name)
{
	return (shim_config_env_lookup(arg, name));
}

START_TEST(pm_config_share)
{
	char *one[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24", NULL };
	char *pool1[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2-10.0.0.2/24",
	    NULL };
	char *off[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24",
	    "XTCP_ADDR_SHARE=0", NULL };
	char *on1[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2-10.0.0.2/24",
	    "XTCP_ADDR_SHARE=1", NULL };
	char *bad[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2/24",
	    "XTCP_ADDR_SHARE=yes", NULL };
	char *range[] = { "XTCP_IF=eth0", "XTCP_ADDR=10.0.0.2-10.0.0.4/24",
	    "XTCP_ADDR_SHARE=1", NULL };
	struct shim_config c;

	ck_assert_int_eq(shim_config_parse(&c, env_of, one, msg,
	    sizeof(msg)), SHIM_CFG_OK);
	ck_assert_uint_eq(c.addr_share, 1);
	ck_assert_int_eq(shim_config_parse(&c, env_of, pool1, msg,
	    sizeof(msg)), SHIM_CFG_OK);
	ck_assert_uint_eq(c.addr_share, 0);
	ck_assert_int_eq(shim_config_parse(&c, env_of, off, msg,
	    sizeof(msg)), SHIM_CFG_OK);
	ck_assert_uint_eq(c.addr_share, 0);
	ck_assert_int_eq(shim_config_parse(&c, env_of, on1, msg,
	    sizeof(msg)), SHIM_CFG_OK);
	ck_assert_uint_eq(c.addr_share, 1);
	ck_assert_int_eq(shim_config_parse(&c, env_of, bad, msg,
	    sizeof(msg)), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_ADDR_SHARE: expected an integer 0..1, "
	    "got \"yes\"");
	ck_assert_int_eq(shim_config_parse(&c, env_of, range, msg,
	    sizeof(msg)), SHIM_CFG_BAD);
	ck_assert_str_eq(msg, "XTCP_ADDR_SHARE: 1 needs a single address "
	    "in XTCP_ADDR (a range gives each process an address of its "
	    "own)");
}
END_TEST

/* ---- the device filter ---- */

/* A frame: Ethernet, IPv4 to dst with protocol proto, TCP to dport. */
static size_t
frame(uint8_t *f, uint16_t etype, uint32_t dst, uint8_t proto,
    uint16_t dport, uint16_t frag)
{
	memset(f, 0, 64);
	f[12] = (uint8_t)(etype >> 8);
	f[13] = (uint8_t)etype;
	f[14] = 0x45;			/* IPv4, 20-byte header */
	f[20] = (uint8_t)(frag >> 8);
	f[21] = (uint8_t)frag;
	f[23] = proto;
	f[30] = (uint8_t)(dst >> 24);
	f[31] = (uint8_t)(dst >> 16);
	f[32] = (uint8_t)(dst >> 8);
	f[33] = (uint8_t)dst;
	f[36] = (uint8_t)(dport >> 8);	/* 14 + 20 + 2 */
	f[37] = (uint8_t)dport;
	return (54);
}

/* Classic BPF, the instructions xt_pkt_filter_build uses: what the
 * program returns for frame f (pkttype as the kernel's ancillary). */
static uint32_t
bpf_run(const struct sock_filter *prog, unsigned len, const uint8_t *f,
    size_t flen, uint32_t pkttype)
{
	uint32_t a = 0, x = 0, k;
	unsigned pc = 0, steps;

	for (steps = 0; pc < len && steps < 10000; steps++) {
		const struct sock_filter *in = &prog[pc++];

		k = in->k;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k == (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)) {
				a = pkttype;
				break;
			}
			if (k + 4 > flen)
				return (0);
			a = (uint32_t)f[k] << 24 | (uint32_t)f[k + 1] << 16 |
			    (uint32_t)f[k + 2] << 8 | f[k + 3];
			break;
		case BPF_LD | BPF_H | BPF_ABS:
			if (k + 2 > flen)
				return (0);
			a = (uint32_t)f[k] << 8 | f[k + 1];
			break;
		case BPF_LD | BPF_B | BPF_ABS:
			if (k + 1 > flen)
				return (0);
			a = f[k];
			break;
		case BPF_LD | BPF_H | BPF_IND:
			if (x + k + 2 > flen)
				return (0);
			a = (uint32_t)f[x + k] << 8 | f[x + k + 1];
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (k + 1 > flen)
				return (0);
			x = 4u * (f[k] & 0xf);
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & k) ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return (k);
		default:
			ck_abort_msg("instruction %#x not interpreted",
			    in->code);
		}
	}
	ck_abort_msg("ran off the program");
	return (0);
}

static struct sock_filter	prog[XT_PKT_FILTER_MAX];

static int
passes(unsigned len, uint16_t dport)
{
	uint8_t f[64];
	size_t n = frame(f, 0x0800, ADDR, 6, dport, 0);

	return (bpf_run(prog, len, f, n, PACKET_HOST) != 0);
}

/* The kernel's verifier takes it (any socket can hold a classic filter). */
static void
kernel_accepts(unsigned len)
{
	struct sock_fprog fp = { .len = (unsigned short)len, .filter = prog };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_msg(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
	    sizeof(fp)) == 0, "the kernel refused a %u-instruction program: %s",
	    len, strerror(errno));
	close(fd);
}

START_TEST(pm_filter_ports)
{
	const struct xt_port_range r[] = { { 80, 80 }, { 1000, 1063 },
	    { 65535, 65535 } };
	uint8_t f[64];
	unsigned len;
	size_t n;

	len = xt_pkt_filter_build(ADDR, 0, r, 3, prog);
	ck_assert_uint_eq(len, 17 + 3 * 3 + 1);
	kernel_accepts(len);
	ck_assert(passes(len, 80));
	ck_assert(!passes(len, 79));
	ck_assert(!passes(len, 81));
	ck_assert(!passes(len, 999));
	ck_assert(passes(len, 1000));
	ck_assert(passes(len, 1063));
	ck_assert(!passes(len, 1064));
	ck_assert(passes(len, 65535));
	n = frame(f, 0x0806, 0, 0, 0, 0);		/* ARP */
	ck_assert_uint_ne(bpf_run(prog, len, f, n, PACKET_BROADCAST), 0);
	n = frame(f, 0x0800, ADDR, 1, 0, 0);		/* ICMP */
	ck_assert_uint_ne(bpf_run(prog, len, f, n, PACKET_HOST), 0);
	n = frame(f, 0x0800, ADDR, 17, 80, 0);		/* UDP */
	ck_assert_uint_eq(bpf_run(prog, len, f, n, PACKET_HOST), 0);
	n = frame(f, 0x0800, ADDR + 1, 6, 80, 0);	/* another address */
	ck_assert_uint_eq(bpf_run(prog, len, f, n, PACKET_HOST), 0);
	n = frame(f, 0x0800, ADDR, 6, 80, 0x0010);	/* a later fragment */
	ck_assert_uint_eq(bpf_run(prog, len, f, n, PACKET_HOST), 0);
	n = frame(f, 0x0800, ADDR, 6, 80, 0);		/* our own, sent */
	ck_assert_uint_eq(bpf_run(prog, len, f, n, PACKET_OUTGOING), 0);
	n = frame(f, 0x86dd, ADDR, 6, 80, 0);		/* IPv6 */
	ck_assert_uint_eq(bpf_run(prog, len, f, n, PACKET_HOST), 0);
	/* no ports: ARP and ICMP only */
	len = xt_pkt_filter_build(ADDR, 0, NULL, 0, prog);
	kernel_accepts(len);
	ck_assert(!passes(len, 80));
	/* the leader: every port */
	len = xt_pkt_filter_build(ADDR, 1, r, 3, prog);
	kernel_accepts(len);
	ck_assert(passes(len, 81));
	ck_assert(passes(len, 0));
}
END_TEST

/* Up to the bound: 1,359 ranges fit as they are (4,095 instructions);
 * more are merged, never beyond 4,096, and no held port is lost. */
START_TEST(pm_filter_bound)
{
	static struct xt_port_range r[32768];
	unsigned len, i, n;

	for (i = 0; i < 1359; i++) {
		r[i].lo = (uint16_t)(1000 + 3 * i);
		r[i].hi = r[i].lo;
	}
	len = xt_pkt_filter_build(ADDR, 0, r, 1359, prog);
	ck_assert_uint_eq(len, 4095);
	kernel_accepts(len);
	ck_assert(passes(len, 1000));
	ck_assert(!passes(len, 1001));
	ck_assert(passes(len, 1000 + 3 * 1358));
	ck_assert(!passes(len, 1001 + 3 * 1358));
	/* one more: merged (some ports of others get through), still
	 * every held port passes */
	r[1359].lo = r[1359].hi = 1000 + 3 * 1359;
	len = xt_pkt_filter_build(ADDR, 0, r, 1360, prog);
	ck_assert_uint_le(len, XT_PKT_FILTER_MAX);
	kernel_accepts(len);
	for (i = 0; i < 1360; i++)
		ck_assert(passes(len, r[i].lo));
	ck_assert(!passes(len, 999));
	ck_assert(!passes(len, 1001 + 3 * 1359));
	/* the worst case: every other port of the whole space */
	for (i = 0, n = 0; i < 65536; i += 2, n++)
		r[n].lo = r[n].hi = (uint16_t)i;
	len = xt_pkt_filter_build(ADDR, 0, r, n, prog);
	ck_assert_uint_le(len, XT_PKT_FILTER_MAX);
	kernel_accepts(len);
	for (i = 0; i < 65536; i += 2)
		ck_assert(passes(len, (uint16_t)i));
	/* large clusters far apart: only the gaps inside are merged */
	for (i = 0, n = 0; n < 2000; i += 2, n++) {
		r[n].lo = r[n].hi = (uint16_t)((n < 1000 ? 2000 : 40000) +
		    (n % 1000) * 2);
	}
	len = xt_pkt_filter_build(ADDR, 0, r, n, prog);
	ck_assert_uint_le(len, XT_PKT_FILTER_MAX);
	kernel_accepts(len);
	ck_assert(passes(len, 2000));
	ck_assert(passes(len, 41998));
	ck_assert(!passes(len, 20000));
	ck_assert(!passes(len, 1999));
}
END_TEST

Suite *
xt_suite_shim_portmap(void)
{
	Suite *s = suite_create("shim_portmap");
	TCase *tc = tcase_create("shim_portmap");

	tcase_add_checked_fixture(tc, pm_setup, pm_teardown);
	tcase_add_test(tc, pm_bind_claims);
	tcase_add_test(tc, pm_blocks);
	tcase_add_test(tc, pm_block_range_ends);
	tcase_add_test(tc, pm_answer);
	tcase_add_test(tc, pm_dead_claimant);
	tcase_add_test(tc, pm_slot_reuse);
	tcase_add_test(tc, pm_ranges);
	tcase_add_test(tc, pm_pool_share);
	tcase_add_test(tc, pm_pool_dir_refused);
	tcase_add_test(tc, pm_config_share);
	tcase_add_test(tc, pm_filter_ports);
	tcase_add_test(tc, pm_filter_bound);
	suite_add_tcase(s, tc);
	return (s);
}
