/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * init.c - when libxtcp comes to life, how the engine starts, and what
 * happens across fork and exit.
 *
 * Order (STYLE.md section 13): the constructor, and shim_init() at the top
 * of every hook for calls that come earlier, run init_once() exactly once:
 * resolve every real_* pointer before anything allocates or logs, then read
 * the XTCP_* environment.  The engine itself starts lazily, on the first
 * socket(AF_INET, SOCK_STREAM), so programs that never open one pay
 * nothing.
 *
 * Until init finished, hooks on the initialising thread see real_* as the
 * raw syscall fallbacks (real.c), and every fd is a host fd.  The parsing
 * (config.c) and the address claim (pool.c, kept here in one struct
 * shim_pool) belong to the testable layer and log through
 * shim_engine_log(); the device is opened through xtcp.h.
 */
#include "prelude.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "addrown.h"
#include "family.h"
#include "famexec.h"
#include "fdmap.h"
#include "pool.h"
#include "sandbox.h"
#include "shim.h"

extern char **environ;

/* How long exit() may wait for unacknowledged data and FINs. */
#define SHIM_EXIT_LINGER_MS	1000

struct shim_state shim = { .st = SHIM_ST_INERT };

static pthread_once_t	init_ctl = PTHREAD_ONCE_INIT;
static __thread int	in_init;
/* a malformed XTCP_* value, said once, when a program first wants TCP */
static char		bad_msg[256];
static int		bad_said;
/* the address this process claimed from XTCP_ADDR (pool.c) */
static struct shim_pool	pool = SHIM_POOL_INIT;
/* a shared address (portmap.c): the engine and device the port map
 * speaks for, and the held ports as ranges for the device filter */
static struct xtcp_engine	*share_eng;
static struct xt_dev		*share_dev;
static struct xtcp_port_range	share_ranges[65536 / 2 + 1];
static int			share_filter_said;
/* the least time between two ticks' work (the engine asks once a
 * second) */
#define SHIM_PORTS_TICK_MIN_US	900000

static void	init_once(void);
static int	engine_start(void);
static void	fork_prepare(void);
static void	fork_parent(void);
static void	fork_child(void);
static void	exit_hold(void);

static int	ports_cb(void *arg, int op, uint16_t port);
static void	ports_refilter(void);
static void	log_line(const char *line);
static int	engine_keys(struct xtcp_keys *k);
static void	keys_wipe(struct xtcp_keys *k);
static const char	*dev_hint(const struct shim_config *c, int err);
static const char	*dev_var(const struct shim_config *c);

/* ---- logging: one line, one raw write(2), never a hook (report.c) ---- */

static void
log_line(const char *line)
{
	shim_log_emit(XTCP_LOG_ERROR, line);
}

void
shim_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (level > (int)shim.conf.log_level)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	shim_log_emit(level, buf);
}

void
shim_engine_log(void *arg, int level, const char *line)
{
	(void)arg;
	if (level <= (int)shim.conf.log_level)
		shim_log_emit(level, line);
}

/* ---- init ---- */

static void
init_once(void)
{
	in_init = 1;
	shim.pid = (pid_t)syscall(SYS_getpid);
	real_resolve();
	shim_core_init();
	switch (shim_config_load(&shim.conf, bad_msg, sizeof(bad_msg))) {
	case SHIM_CFG_INERT:
		shim.st = SHIM_ST_INERT;
		break;
	case SHIM_CFG_BAD:
		shim.st = SHIM_ST_BAD;
		shim.fail_err = EAFNOSUPPORT;
		break;
	case SHIM_CFG_OK:
		shim.st = SHIM_ST_READY;
		break;
	}
	shim_config_warn_unknown(environ, shim_engine_log, NULL);
	(void)pthread_atfork(fork_prepare, fork_parent, fork_child);
	/* exec'd by a member of a family: its sockets are ours now (and
	 * this image's XTCP_TRACE, a callback of its own, from here on) */
	if (shim_famexec_init(&pool) == 1) {
		shim_rep.exec_member = 1;
		if (shim.conf.trace[0] != '\0') {
			shim_lock();
			shim_trace_start(shim.eng, shim.conf.trace, 1);
			shim_unlock();
		}
	}
	/* the exit report, also at a fatal signal */
	if (shim.st != SHIM_ST_INERT)
		shim_report_signals();
	in_init = 0;
}

void
shim_init(void)
{
	/* a hook called from inside init (by dlsym, say) runs on the
	 * fallbacks rather than deadlocking on init_ctl */
	if (in_init)
		return;
	(void)pthread_once(&init_ctl, init_once);
}

__attribute__((constructor)) static void
shim_ctor(void)
{
	shim_init();
}

enum shim_mode
shim_stream_mode(void)
{
	switch (shim.st) {
	case SHIM_ST_INERT:
	case SHIM_ST_FORKED:
	case SHIM_ST_FALLBACK:
		return (SHIM_MODE_KERNEL);
	case SHIM_ST_BAD:
		/*
		 * Said here rather than at load so that only the programs
		 * it affects say it (not every shell or timeout(1) in a
		 * wrapper), and whatever XTCP_LOG is.
		 */
		if (!bad_said) {
			bad_said = 1;
			log_line(bad_msg);
		}
		return (SHIM_MODE_FAIL);
	case SHIM_ST_FAILED:
		return (SHIM_MODE_FAIL);
	case SHIM_ST_RUNNING:
		return (SHIM_MODE_STACK);
	case SHIM_ST_READY:
		break;
	}
	if (engine_start() == 0)
		shim.st = SHIM_ST_RUNNING;
	else if (shim.st == SHIM_ST_READY)
		shim.st = SHIM_ST_FAILED;
	switch (shim.st) {
	case SHIM_ST_RUNNING:
		return (SHIM_MODE_STACK);
	case SHIM_ST_FALLBACK:
		return (SHIM_MODE_KERNEL);
	default:
		return (SHIM_MODE_FAIL);
	}
}

int
shim_vforked(void)
{
	return (shim.pid != 0 && (pid_t)syscall(SYS_getpid) != shim.pid);
}

/*
 * The engine's secrets (struct xtcp_keys), every byte from the kernel's
 * random source: getrandom(2), which waits only while the kernel's pool
 * is not yet seeded at boot, or /dev/urandom before Linux 3.17.  Raw
 * system calls, so that nothing of ours or the program's is in the way.
 * 0, or -1 when neither gives enough: the stack must not start on
 * guessable keys.
 */
static int
engine_keys(struct xtcp_keys *k)
{
	uint8_t *p = (uint8_t *)k;
	size_t left = sizeof(*k);
	long n;
	int fd, tries;

	for (tries = 0; left > 0 && tries < 64; tries++) {
		n = syscall(SYS_getrandom, p, left, 0);
		if (n > 0) {
			p += n;
			left -= (size_t)n;
		} else if (n < 0 && errno != EINTR) {
			break;
		}
	}
	if (left == 0)
		return (0);
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/urandom",
	    O_RDONLY | O_CLOEXEC);
	for (tries = 0; fd >= 0 && left > 0 && tries < 64; tries++) {
		n = syscall(SYS_read, fd, p, left);
		if (n > 0) {
			p += n;
			left -= (size_t)n;
		} else if (n == 0 || errno != EINTR) {
			break;
		}
	}
	if (fd >= 0)
		(void)syscall(SYS_close, fd);
	return (left == 0 ? 0 : -1);
}

/* Clear the stack copy of the keys; volatile so the stores stay. */
static void
keys_wipe(struct xtcp_keys *k)
{
	volatile uint8_t *b = (volatile uint8_t *)k;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		b[i] = 0;
}

static const char *
dev_hint(const struct shim_config *c, int err)
{
	switch (err) {
	case XT_EPERM:
		return (c->tap ? " (the TAP must be this user's: ip tuntap "
		    "add dev NAME mode tap user USER)" :
		    " (AF_PACKET needs CAP_NET_RAW)");
	case XT_ENODEV:
		return (c->tap ? " (no such TAP, or no /dev/net/tun)" :
		    " (no such interface)");
	default:
		return ("");
	}
}

/* The variable that named the device, for messages. */
static const char *
dev_var(const struct shim_config *c)
{
	return (c->tap ? "XTCP_TAP" : "XTCP_IF");
}

/*
 * The default socket limit (XTCP_MAX_SOCKETS unset): every shim socket
 * holds a descriptor (its eventfd), so the fd limit bounds what the
 * program can hold.  The soft limit first goes up to the hard one, as Go
 * and the JVM raise it at start.  Never below 4096: connections the
 * program has closed and that are still closing hold no descriptor.
 */
static uint32_t
shim_max_sockets(void)
{
	struct rlimit rl, up;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (4096);
	if (rl.rlim_cur < rl.rlim_max) {
		up.rlim_cur = up.rlim_max = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	n = rl.rlim_cur;
	return (shim_config_max_sockets(n == RLIM_INFINITY ? ~0ULL : n));
}

/* xtcp_fd_move_fn: the device's descriptors high, as our others. */
static int
dev_fd_high(int fd, void *arg)
{
	(void)arg;
	return (shim_fd_move_high(fd, 80));
}

/*
 * RFC 5227 §2.1.1 probing, once per address lease: a probe recorded in
 * the address's state file (pool.c) in the last SHIM_PROBE_VALID_S
 * seconds stands for this process too, so that only the first process
 * on an address waits for it.  Without a state file (none could be
 * opened) there is nowhere to record it and no probe is made.
 */
#define SHIM_PROBE_VALID_S	600

static int
probe_due(const struct shim_config *c)
{
	int64_t last, now;

	if (c->arp_probe_ms == 0 || pool.state_fd < 0)
		return (0);
	last = shim_pool_probe_time(&pool);
	now = (int64_t)time(NULL);
	return (last == 0 || now < last || now - last >= SHIM_PROBE_VALID_S);
}

/* Drive the engine until its probe has a verdict: 0 clear (recorded in
 * the state file), -1 conflict.  Bounded by the probe's time and a
 * second more; the program has no socket yet, nothing else waits. */
static int
probe_wait(struct xtcp_engine *eng, int wfd, uint32_t ms)
{
	struct pollfd pfd;
	struct timespec ts;
	uint64_t now, end, d;
	int v;

	end = shim_now_us() + (uint64_t)ms * 1000 + 1000000;
	while ((v = xtcp_engine_arp_probe_result(eng)) == 0) {
		now = shim_now_us();
		if (now >= end)
			break;
		xtcp_engine_poll(eng, now);
		(void)xtcp_engine_rx(eng, now, 64);
		if ((v = xtcp_engine_arp_probe_result(eng)) != 0)
			break;
		d = xtcp_engine_next_deadline(eng);
		if (d > end)
			d = end;
		d = d > now ? d - now : 0;
		ts.tv_sec = (time_t)(d / 1000000);
		ts.tv_nsec = (long)(d % 1000000) * 1000;
		pfd.fd = wfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		(void)syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 0);
	}
	if (v < 0)
		return (-1);
	shim_pool_probe_note(&pool, (int64_t)time(NULL));
	return (0);
}

static void
probe_refuse(struct shim_config *c)
{
	struct in_addr ia;
	char a[INET_ADDRSTRLEN];

	ia.s_addr = htonl(c->addr);
	inet_ntop(AF_INET, &ia, a, sizeof(a));
	if (c->fallback) {
		shim_log(XTCP_LOG_ERROR, "XTCP_ADDR=%s: another host on %s "
		    "has it (RFC 5227 probe): choose another XTCP_ADDR; TCP "
		    "sockets use the kernel's TCP (XTCP_FALLBACK=kernel)", a,
		    c->ifname);
		shim.st = SHIM_ST_FALLBACK;
	} else {
		shim_log(XTCP_LOG_ERROR, "XTCP_ADDR=%s: another host on %s "
		    "has it (RFC 5227 probe): choose another XTCP_ADDR; TCP "
		    "sockets fail with EADDRNOTAVAIL", a, c->ifname);
		shim.fail_err = EADDRNOTAVAIL;
	}
}

/*
 * The kernel holding our address on our interface answers ARP for it and
 * resets the connections the stack makes (addrown.c): refuse to start, as
 * for an address the pool cannot give, with one line and the fix.  0 when
 * the address is ours to use (or the kernel's addresses cannot be read).
 */
static int
addr_kernel_owned(struct shim_config *c)
{
	struct in_addr ia;
	char a[INET_ADDRSTRLEN];
	int plen = 32;

	if (shim_addr_kernel_owned(c->ifname, c->addr, &plen) != 1)
		return (0);
	ia.s_addr = htonl(c->addr);
	inet_ntop(AF_INET, &ia, a, sizeof(a));
	if (c->fallback) {
		shim_log(XTCP_LOG_ERROR, "XTCP_ADDR=%s is the kernel's on %s: "
		    "ip addr del %s/%d dev %s, or choose another XTCP_ADDR; "
		    "TCP sockets use the kernel's TCP (XTCP_FALLBACK=kernel)",
		    a, c->ifname, a, plen, c->ifname);
		shim.st = SHIM_ST_FALLBACK;
	} else {
		shim_log(XTCP_LOG_ERROR, "XTCP_ADDR=%s is the kernel's on %s: "
		    "ip addr del %s/%d dev %s, or choose another XTCP_ADDR; "
		    "TCP sockets fail with EADDRNOTAVAIL", a, c->ifname, a,
		    plen, c->ifname);
		shim.fail_err = EADDRNOTAVAIL;
	}
	return (-1);
}

/*
 * Claim an address (pool.c), open the device, create the engine, start
 * its thread.  Lock held.  On failure print one line naming the variable
 * and the reason; stream sockets then fail with EAFNOSUPPORT, or, when no
 * address of XTCP_ADDR is free, with EADDRNOTAVAIL or (XTCP_FALLBACK=
 * kernel, shim.st set to SHIM_ST_FALLBACK) go to the kernel.
 */
static int
engine_start(void)
{
	struct shim_config *c = &shim.conf;
	struct xtcp_engine *eng = NULL;
	struct xtcp_proc *proc = NULL;
	struct xtcp_arena arena;
	struct xtcp_config ec;
	struct xtcp_keys keys;
	struct xt_dev *dev = NULL;
	char msg[256];
	uint32_t ctr = 0;
	int r, wfd = -1, fds[XTCP_DEV_MAXFDS], nfds, i;

	shim.fail_err = EAFNOSUPPORT;
	if (shim_pool_claim(&pool, c, shim_engine_log, NULL, msg,
	    sizeof(msg)) != 0) {
		if (c->fallback) {
			shim_log(XTCP_LOG_ERROR, "%s; TCP sockets use the "
			    "kernel's TCP (XTCP_FALLBACK=kernel)", msg);
			shim.st = SHIM_ST_FALLBACK;
		} else {
			shim_log(XTCP_LOG_ERROR, "%s; TCP sockets fail with "
			    "EADDRNOTAVAIL (XTCP_FALLBACK=kernel would use the "
			    "kernel's TCP)", msg);
			shim.fail_err = EADDRNOTAVAIL;
		}
		return (-1);
	}
	if (addr_kernel_owned(c) != 0) {
		shim_pool_release(&pool);
		return (-1);
	}
	if (c->tap)
		r = xtcp_dev_open_tap(c->ifname,
		    (c->set & SHIM_CF_MAC) ? c->mac : NULL, c->mtu,
		    (c->offload ? 0 : XTCP_DEVOPEN_NO_OFFLOAD) |
		    ((c->set & SHIM_CF_TAPURING) && !c->tap_uring ?
		    XTCP_DEVOPEN_NO_URING : 0), &dev);
	else
		r = xtcp_dev_open_packet(c->ifname, c->addr,
		    (c->set & SHIM_CF_MAC) ? c->mac : NULL, c->mtu,
		    c->offload ? 0 : XTCP_DEVOPEN_NO_OFFLOAD, &dev);
	/* out of the low numbers a program may dup2 onto (sshd passes its
	 * re-exec state on fds 4 and 5) */
	if (r == XT_OK)
		xtcp_dev_move_fds(dev, dev_fd_high, NULL);
	if (r == XT_OK && (wfd = xtcp_dev_wait_fd(dev)) < 0) {
		xtcp_dev_close(dev);
		r = XT_EIO;
	}
	if (r != XT_OK) {
		shim_log(XTCP_LOG_ERROR, "%s=%s: cannot open the device: "
		    "%s%s; TCP sockets are disabled", dev_var(c), c->ifname,
		    xt_strerror(r), dev_hint(c, r));
		return (-1);
	}
	shim_pcap_wrap(&dev);
	xtcp_config_defaults(&ec);
	ec.max_sockets = shim_max_sockets();
	shim_config_apply(c, &ec);
	ec.log_fn = shim_engine_log;
	ec.log_arg = NULL;
	if (engine_keys(&keys) != 0) {
		shim_log(XTCP_LOG_ERROR, "no random bytes for the TCP secrets "
		    "(getrandom and /dev/urandom failed: %s); TCP sockets are "
		    "disabled", strerror(errno));
		keys_wipe(&keys);
		xtcp_dev_close(dev);
		return (-1);
	}
	/* the previous process on this address left its timestamp and port
	 * keys and its port counter (pool.c): go on with them */
	if (shim_pool_state_open(&pool, c, keys.ts, keys.port, &ctr,
	    shim_engine_log, NULL) == 1)
		shim_log(XTCP_LOG_INFO, "timestamp and port keys and port "
		    "counter %u taken from the last process on the address",
		    ctr);
	/* the family's region: the engine and all it allocates live there */
	if ((r = shim_family_create(SHIM_FAM_SIZE, &arena)) != 0) {
		shim_log(XTCP_LOG_ERROR, "cannot create the shared region "
		    "(memfd, %llu GiB of address space): %s; TCP sockets are "
		    "disabled", (unsigned long long)(SHIM_FAM_SIZE >> 30),
		    strerror(r));
		keys_wipe(&keys);
		xtcp_dev_close(dev);
		return (-1);
	}
	ec.arp_probe_ms = probe_due(c) ? c->arp_probe_ms : 0;
	r = xtcp_proc_new(dev, &proc);
	if (r == XT_OK)
		r = xtcp_engine_new_in(&ec, proc, &keys, shim_now_us(),
		    &arena, &eng);
	keys_wipe(&keys);
	if (r != XT_OK) {
		shim_log(XTCP_LOG_ERROR, "%s=%s: cannot start the stack: "
		    "%s; TCP sockets are disabled", dev_var(c), c->ifname,
		    xt_strerror(r));
		xtcp_proc_free(proc);
		shim_family_destroy();
		xtcp_dev_close(dev);
		return (-1);
	}
	if (ec.arp_probe_ms != 0 && probe_wait(eng, wfd, ec.arp_probe_ms) < 0) {
		probe_refuse(c);
		xtcp_engine_free(eng);
		xtcp_proc_free(proc);
		shim_family_destroy();
		xtcp_dev_close(dev);
		shim_pool_release(&pool);
		return (-1);
	}
	xtcp_engine_set_port_counter(eng, ctr);
	if (pool.shared) {
		/* the engine asks the port map before it takes a port; the
		 * device passes only the ports this process holds.  The
		 * claim is the family's: in its region, so that every member
		 * forked from here sees and changes one (portmap.c) */
		shim_portmap_share(&pool.pm, &shim_fam.f->ports);
		share_eng = eng;
		share_dev = dev;
		xtcp_engine_set_ports_callback(eng, ports_cb, NULL);
		xtcp_engine_set_leader(eng, pool.pm.c->leader);
		ports_refilter();
		shim_log(XTCP_LOG_INFO, "sharing the address with other "
		    "processes (claimant %d%s)", pool.pm.c->slot,
		    pool.pm.c->leader ? ", leader" : "");
	} else {
		shim_fam.f->ports.fd = -1;	/* no claim: said so for */
		shim_fam.f->ports.slot = -1;	/* an image after exec */
	}
	xtcp_engine_set_callbacks(eng, shim_wakeup, shim_loop_kick, NULL);
	xtcp_engine_set_urg_callback(eng, sock_urg);
	shim_trace_start(eng, c->trace, 0);
	/* the device's fds are ours from now on: programs must not close
	 * them (a TAP holds the TAP, an eventfd and two io_uring rings; a
	 * packet device a receiving and a sending socket) */
	nfds = xtcp_dev_fds(dev, fds, XTCP_DEV_MAXFDS);
	for (i = 0; i < nfds && i < XTCP_DEV_MAXFDS; i++)
		(void)fdmap_set(fds[i], FDM_INTERNAL);
	(void)fdmap_set(wfd, FDM_INTERNAL);
	if ((r = shim_loop_start(eng)) != 0) {
		shim_log(XTCP_LOG_ERROR, "%s=%s: cannot start the engine "
		    "thread: %s; TCP sockets are disabled", dev_var(c),
		    c->ifname, strerror(r));
		for (i = 0; i < nfds && i < XTCP_DEV_MAXFDS; i++)
			fdmap_clear(fds[i]);
		fdmap_clear(wfd);
		if (pool.shared)	/* the region goes: the claim back */
			shim_portmap_share(&pool.pm, &pool.pm.own);
		xtcp_engine_free(eng);
		xtcp_proc_free(proc);
		shim_family_destroy();
		xtcp_dev_close(dev);
		return (-1);
	}
	shim.eng = eng;
	shim.proc = proc;
	shim.dev = dev;
	shim_fam.f->eng = eng;
	shim_family_first_member();
	shim_stat_start();
	if ((r = shim_family_bell_start()) != 0)
		shim_log(XTCP_LOG_WARN, "no doorbell thread (%s): a fork "
		    "child's engine work reaches this process late",
		    strerror(r));
	/* every later hold is the region's lock, robust and shared */
	shim_lock_move(&shim_fam.f->mtx);
	/* issue 13: resets this process's connections if it is killed */
	shim_watch_begin();
	shim_log(XTCP_LOG_INFO, "stack up on %s%s, %u.%u.%u.%u/%u",
	    c->tap ? "TAP " : "", c->ifname, c->addr >> 24,
	    (c->addr >> 16) & 0xff, (c->addr >> 8) & 0xff, c->addr & 0xff,
	    c->prefixlen);
	return (0);
}

/* ---- a shared address: the engine's questions to the port map ---- */

/* The device filter anew: our ports, and the leader nobody's too. */
static void
ports_refilter(void)
{
	unsigned n;
	int r;

	n = shim_portmap_ranges(&pool.pm, share_ranges,
	    sizeof(share_ranges) / sizeof(share_ranges[0]));
	if (share_dev == NULL || shim.conf.tap)
		return;
	r = xtcp_dev_packet_filter(share_dev, shim.conf.addr, 0, share_ranges,
	    n);
	if (r != XT_OK && !share_filter_said) {
		share_filter_said = 1;
		shim_log(XTCP_LOG_ERROR, "%s=%s: cannot set the device filter "
		    "for the ports of this process: %s", dev_var(&shim.conf),
		    shim.conf.ifname, xt_strerror(r));
	}
}

/*
 * An xtcp_ports_fn (xtcp.h); the caller holds the engine lock, in
 * whichever member of the family runs the engine: the claim it changes
 * is the family's (pool.pm.c, in the shared region), and so is the
 * device filter it rebuilds (one packet socket, inherited by fork).
 */
static int
ports_cb(void *arg, int op, uint16_t port)
{
	struct shim_portmap *pm = &pool.pm;
	struct shim_pm_claim *c = pm->c;
	uint64_t now;
	int r = 0, was;

	(void)arg;
	switch (op) {
	case XTCP_PORTS_HELD:
		return (!shim_portmap_held(pm, port));
	case XTCP_PORTS_ANSWER:
		return (shim_portmap_answer(pm, port));
	case XTCP_PORTS_USE:
		shim_portmap_use(pm, port, 1);
		return (0);
	case XTCP_PORTS_LEASE:
		r = shim_portmap_lease(pm, port);
		break;
	case XTCP_PORTS_BIND:
		r = shim_portmap_bind(pm, port) != 0 ? XT_EADDRINUSE : 0;
		break;
	case XTCP_PORTS_UNUSE:
		shim_portmap_use(pm, port, -1);
		break;
	case XTCP_PORTS_TICK:
		/* the engine's tick is the family's already (its deadline is
		 * in the engine); a member that installed the callback anew
		 * restarts it, and a block must stay idle a whole tick */
		now = shim_now_us();
		if (c->tick_us != 0 && now - c->tick_us < SHIM_PORTS_TICK_MIN_US)
			break;
		c->tick_us = now;
		was = c->leader;
		if (shim_portmap_tick(pm))
			c->changed = 1;
		if (c->leader != was) {
			xtcp_engine_set_leader(share_eng, c->leader);
			c->changed = 1;
			shim_log(XTCP_LOG_INFO, "now leading the shared "
			    "address (ARP, ICMP, RSTs for unheld ports)");
		}
		break;
	default:
		break;
	}
	if (c->changed)
		ports_refilter();
	return (r);
}

/*
 * A member's new image after exec (famexec.c), lock held, with shim.eng,
 * shim.proc and shim.dev its own: on a shared address the family's claim
 * is in the region, and its map descriptor (the claim's fd, by number)
 * must have been handed over open.  Map the file again (the claim holds
 * no pointer) and put the ports callback into this image's proc.  0 (also
 * when the address is not shared), or an errno.
 */
int
shim_ports_rejoin(void)
{
	struct shim_pm_claim *c;
	int err;

	if (shim_fam.f == NULL || shim.eng == NULL || pool.shared)
		return (0);
	c = &shim_fam.f->ports;
	if (c->fd < 0 || c->slot < 0)
		return (0);
	if ((err = shim_portmap_attach(&pool.pm, c)) != 0)
		return (err);
	(void)fdmap_set(c->fd, FDM_INTERNAL);
	pool.shared = 1;
	share_eng = shim.eng;
	share_dev = shim.dev;
	xtcp_engine_set_ports_callback(shim.eng, ports_cb, NULL);
	return (0);
}

void
shim_ports_note(void)
{
	if (shim.eng != NULL)
		shim_pool_state_note(&pool,
		    xtcp_engine_port_counter(shim.eng), 0);
}

/* ---- fork ---- */

static void
fork_prepare(void)
{
	/* no thread is inside the engine while the address space is copied */
	shim_lock();
	if (shim.st == SHIM_ST_RUNNING)
		shim_family_fork_prepare();
}

static void
fork_parent(void)
{
	SHIM_REP_INC(forks);
	shim_family_fork_parent();
	shim_unlock_raw();
}

/*
 * The child is a member of the family (issue 13): the engine, its lock
 * and every socket are in the shared region, so inherited stack sockets
 * work in both processes, and a connection lives until the last member
 * holding it closes it.  The child keeps the device's fds, the region's
 * and the address lease's; the rest of our internal fds (the parent's
 * threads' bells, the engine thread's) are closed, and its own engine
 * and doorbell threads start on its first hold (core.c).  The lock is
 * still held by the parent's forking thread: it is not ours to release.
 *
 * When the family is full (SHIM_FAM_SLOTS members), the child is not a
 * member: inherited stack sockets are dead (ENOTCONN, close works), the
 * device and the region are left to the others, and new stream sockets
 * go to the kernel, or with XTCP_CHILD=stack to a stack of its own.
 * See xtcp(7).
 */
static void
fork_child(void)
{
	int keep[XTCP_DEV_MAXFDS + 5], nkeep = 0, n;

	shim.pid = (pid_t)syscall(SYS_getpid);
	if (shim.st == SHIM_ST_RUNNING && shim_family_fork_child() == 0) {
		xtcp_dev_fork_child(shim.dev);
		n = xtcp_dev_fds(shim.dev, keep, XTCP_DEV_MAXFDS);
		nkeep = n > 0 && n <= XTCP_DEV_MAXFDS ? n : 0;
		keep[nkeep++] = xtcp_dev_wait_fd(shim.dev);
		keep[nkeep++] = shim_fam.fd;
		/* the address lease is the family's (its lock holds while any
		 * member lives) */
		if (pool.fd >= 0)
			keep[nkeep++] = pool.fd;
		if (pool.state_fd >= 0)
			keep[nkeep++] = pool.state_fd;
		/* so is the shared address's port map (one claimant) */
		if (pool.shared && pool.pm.fd >= 0)
			keep[nkeep++] = pool.pm.fd;	/* = its claim's */
		shim_loop_fork_child();
		shim_core_fork_child(1, keep, nkeep);
		return;
	}
	if (shim.st == SHIM_ST_RUNNING || shim.st == SHIM_ST_READY)
		shim.st = shim.conf.child_stack ? SHIM_ST_READY :
		    SHIM_ST_FORKED;
	shim.eng = NULL;
	shim.proc = NULL;
	shim.dev = NULL;
	shim_pool_fork_child(&pool);
	shim_report_fork_child();
	shim_loop_fork_child();
	shim_core_fork_child(0, NULL, 0);
	shim_lock_fork_child();
}

/* ---- exit ---- */

/* XTCP_STATS: the counters of the engine, appended to a file (or
 * standard error) when the program exits. */
static void
shim_stats_at_exit(void)
{
	int fd;

	if (shim.conf.stats[0] == '\0' ||
	    shim_trylock() != 0)
		return;
	if (strcmp(shim.conf.stats, "-") == 0)
		fd = 2;
	else
		fd = (int)syscall(SYS_openat, AT_FDCWD, shim.conf.stats,
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		xtcp_stats_dump(shim.eng, fd);
		if (fd != 2)
			(void)syscall(SYS_close, fd);
	}
	shim_unlock();
}

/*
 * A kernel keeps sending queued data after the process exits; our stack
 * dies with it.  Give unacknowledged data and FINs a bounded moment to
 * drain.  Never block on the lock: another thread may be anywhere.
 */
__attribute__((destructor)) static void
shim_dtor(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned busy;
	int i;

	if (shim.st != SHIM_ST_RUNNING) {
		shim_report_write(0);
		return;
	}
	/* The kernel closes a process's sockets at exit: every connection
	 * still open gets its FIN after the queued data.  shutdown(SHUT_WR)
	 * does that without freeing anything another thread may still be
	 * using. */
	if (shim_trylock() == 0) {
		uintptr_t v;
		int fd = 0;

		while ((fd = fdmap_next(fd, &v)) >= 0) {
			struct shim_sock *s = (struct shim_sock *)v;

			/* what another member holds stays open */
			if (FDM_IS_SOCK(v) && s->xs != NULL &&
			    !xtcp_is_listening(s->xs) && shim_sock_sole(s))
				(void)xtcp_shutdown(s->xs, shim_now_us(), 1);
			fd++;
		}
		/* the next process on the address continues the ports
		 * exactly where this one stopped (not from a sandbox: no
		 * pwrite there, and the family lives on) */
		if (!shim_sandboxed)
			shim_pool_state_note(&pool,
			    xtcp_engine_port_counter(shim.eng), 1);
		shim_unlock();
	}
	/* the others go on driving the engine: no wait for their data */
	for (i = 0; i < SHIM_EXIT_LINGER_MS / 10 && shim_family_alone(); i++) {
		if (shim_trylock() == 0) {
			busy = xtcp_engine_busy(shim.eng);
			shim_unlock();
			if (busy == 0)
				break;
		}
		(void)nanosleep(&ts, NULL);
	}
	if (shim_trylock() == 0) {	/* XTCP_TRACE: the buffered rows */
		shim_trace_at_exit();
		shim_unlock();
	}
	shim_stats_at_exit();
	shim_pcap_at_exit();
	shim_report_write(0);
	exit_hold();
}

/*
 * With other members alive, our threads must not die inside a hold of
 * the family's lock (core.c, shim_lock_exit).  Alone, nobody else would
 * take it.
 */
static void
exit_hold(void)
{
	shim_stat_exit();
	if (shim.st == SHIM_ST_RUNNING && !shim_vforked() &&
	    !shim_family_alone())
		shim_lock_exit();
}

/* _exit(2) skips the destructors (python's os._exit in a fork child):
 * the same care, then the system call. */
SHIM_EXPORT void
_exit(int status)
{
	shim_init();
	shim_report_write(0);
	exit_hold();
	for (;;)
		(void)syscall(SYS_exit_group, status);
}

SHIM_EXPORT void
_Exit(int status)
{
	shim_init();
	shim_report_write(0);
	exit_hold();
	for (;;)
		(void)syscall(SYS_exit_group, status);
}
