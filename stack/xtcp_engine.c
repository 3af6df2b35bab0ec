/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtcp_engine.c - the engine's public calls (xtcp.h): configuration
 * defaults and keys, creation (which ties the protocols above IPv4 into
 * net/'s table and hook) and freeing, the caller's callbacks, the
 * receive entry points with the Ethernet demultiplexer, the timer poll
 * and next deadline, connection counts and the counters' export.  It
 * sits on top: it calls into tcp/, net/ and the engine context
 * (xt_engine.c), and nothing below calls back into it by name.
 *
 * Every entry point takes the time (monotonic µs) as an argument and
 * stores it in eng->now for the layers below; nothing here reads a clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "xt_engine.h"
#include "dev/phy.h"
#include "net/net.h"
#include "tcp/tcp_timewait.h"
#include "tcp/tcp_var.h"
#include "wire/eth.h"

/* the arena of an engine of its own: address space, touched on use */
#define XT_ENGINE_PRIVATE_ARENA	((uint64_t)4 << 30)

static void	engine_rx_cb(void *arg, const uint8_t *frame, size_t len,
		    unsigned flags);
static void	engine_input(struct xtcp_engine *eng, const uint8_t *frame,
		    size_t len, unsigned rxflags);
static void	engine_wipe(void *p, size_t n);
static int	engine_protocols(struct xtcp_engine *eng);

void
xtcp_config_defaults(struct xtcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->prefixlen = 24;
	cfg->rto_init_ms = 1000;	/* RFC 6298 §2.1 */
	cfg->rto_min_ms = 200;		/* Linux TCP_RTO_MIN */
	cfg->rto_max_ms = 120000;	/* Linux TCP_RTO_MAX */
	cfg->delack_ms = 40;		/* Linux TCP_DELACK_MIN */
	cfg->msl_ms = 30000;		/* FreeBSD net.inet.tcp.msl */
	cfg->rexmit_max = 15;		/* Linux tcp_retries2 */
	cfg->syn_retries = 6;		/* Linux tcp_syn_retries */
	cfg->sndbuf = 256 * 1024;
	cfg->rcvbuf = 256 * 1024;
	cfg->max_sockets = 4096;
	cfg->max_tw_buckets = 262144;	/* Linux tcp_max_tw_buckets */
	cfg->tw_reuse = 2;		/* Linux tcp_tw_reuse: loopback only */
	cfg->reass_max_ranges = 32;
	cfg->tstamps = 1;
	cfg->sack = 1;
	cfg->wscale = 1;
	cfg->sack_maxholes = 64;
	cfg->keepidle_s = 7200;		/* RFC 1122 §4.2.3.6: >= two hours */
	cfg->keepintvl_s = 75;
	cfg->keepcnt = 8;
	cfg->keepinit_ms = 0;	/* Linux: TCP_SYNCNT alone decides (127 s) */
	cfg->always_keepalive = 0;
	strcpy(cfg->congestion, "cubic");
	cfg->initcwnd_segs = 10;
	cfg->ecn = 2;
	cfg->ecn_maxretries = 1;
	cfg->fastopen = 1;
	cfg->delayed_ack = 1;
	cfg->blackhole = 0;
	cfg->log_in_vain = 0;
	cfg->mssdflt = 536;		/* RFC 9293 §3.7.1 */
	cfg->rexmit_slop_ms = 0;
	cfg->insecure_rst = 0;
	cfg->insecure_syn = 0;
	cfg->rfc1337 = 1;		/* FreeBSD; Linux tcp_rfc1337 is 0 */
	cfg->ts_offset_per_conn = 1;	/* FreeBSD's default; Linux 6.18 too */
	cfg->invalid_ratelimit_ms = 500;	/* Linux tcp_invalid_ratelimit */
	cfg->finwait2_timeout_ms = 60000;	/* FreeBSD and Linux: 60 s */
	cfg->fast_finwait2_recycle = 0;
	cfg->path_mtu_discovery = 1;
	cfg->pmtud_blackhole = 0;
	cfg->pmtud_blackhole_mss = 1200;
	cfg->autotune = 1;
	cfg->syncookies = 1;
	cfg->rmem_max = 6 << 20;
	cfg->wmem_max = 4 << 20;
	cfg->port_lo = 32768;		/* Linux ip_local_port_range */
	cfg->port_hi = 60999;
	cfg->arp_timeout_ms = 60000;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->log_level = XTCP_LOG_ERROR;
}

/* Clear secrets in a way the compiler may not drop as a dead store. */
static void
engine_wipe(void *p, size_t n)
{
	volatile uint8_t *b = p;

	while (n-- > 0)
		*b++ = 0;
}

/*
 * Test keys: key i is two SipHash outputs under a fixed public key of
 * (seed, label i, half).  Anyone who knows the seed knows the keys, so
 * only tests and simulations use this; what it gives them is keys as
 * independent of one another as real ones, from a seed they can replay.
 */
void
xtcp_keys_from_seed(uint64_t seed, struct xtcp_keys *keys)
{
	static const struct xt_sipkey pub = {
		0x78746370206b6579ULL, 0x732066726f6d2073ULL	/* any public value */
	};
	uint8_t *dst[] = { keys->isn, keys->syncookie, keys->tfo, keys->ts,
	    keys->rng, keys->port };
	uint64_t h;
	unsigned i, half, b;

	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
		for (half = 0; half < 2; half++) {
			h = xt_siphash24_2u64(&pub, seed,
			    (uint64_t)i << 8 | half);
			for (b = 0; b < 8; b++)
				dst[i][half * 8 + b] = (uint8_t)(h >> (8 * b));
		}
}

/*
 * The protocols above IPv4 and what ARP's failures mean: ICMP (net/'s
 * own) and TCP get their datagrams through the protocol table, TCP the
 * ICMP errors that quote its segments, and TCP the neighbours ARP gives
 * up on through the hook.  This is the one place that ties net/ to what
 * sits on it.
 */
static int
engine_protocols(struct xtcp_engine *eng)
{
	int err;

	memset(eng->proc->ipproto, 0, sizeof(eng->proc->ipproto));
	eng->proc->on_neigh_unreachable = xt_tcp_neigh_unreachable;
	if ((err = xt_ip_register(eng, XT_IPPROTO_ICMP, xt_icmp_input,
	    NULL)) != XT_OK)
		return (err);
	return (xt_ip_register(eng, XT_IPPROTO_TCP, xt_tcp_input,
	    xt_tcp_ctlinput));
}

int
xtcp_proc_new(struct xt_dev *dev, struct xtcp_proc **out)
{
	struct xtcp_proc *p;

	*out = NULL;
	if (dev == NULL)
		return (XT_EINVAL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (XT_ENOMEM);
	p->dev = dev;
	*out = p;
	return (XT_OK);
}

void
xtcp_proc_free(struct xtcp_proc *proc)
{
	free(proc);
}

void
xtcp_engine_adopt(struct xtcp_engine *eng, struct xtcp_proc *proc)
{
	eng->proc = proc;
}

int
xtcp_proc_defer(struct xtcp_proc *proc, xtcp_kick_fn kick, void *arg)
{
	struct xt_dev *d;
	int err;

	if (proc == NULL || proc->dev == NULL)
		return (XT_EINVAL);
	if ((err = xt_dev_defer_new(proc->dev, kick, arg, &d)) != XT_OK)
		return (err);
	proc->dev = d;
	return (XT_OK);
}

void
xtcp_proc_flush(struct xtcp_proc *proc)
{
	if (proc != NULL)
		xt_dev_defer_flush(proc->dev);
}

int
xtcp_engine_join(struct xtcp_engine *eng, struct xtcp_proc *proc)
{
	if (eng == NULL || proc == NULL)
		return (XT_EINVAL);
	eng->proc = proc;
	return (engine_protocols(eng));
}

/*
 * The holder of the caller's lock died in the middle of a hold (a
 * process of the family killed).  If it was inside a unit of work
 * (tcp_var.h, XT_WORK_BEGIN: a segment's input, one TCB's timers, a user
 * call), the connections that unit stamped may be half changed: each is
 * aborted as Linux aborts a connection it gives up on, an RST to the peer
 * where one is due (tcp_need_reset: synchronized and not yet closing on
 * our side, or SYN-RECEIVED) and ECONNABORTED to its socket.  Listeners
 * stay: one SYN's work lost costs the peer a retransmission.  Between two
 * units everything is whole and nothing is reset.  Frames the dead hold
 * had batched are dropped unsent either way.
 */
unsigned
xtcp_engine_owner_dead(struct xtcp_engine *eng, struct xtcp_proc *proc,
    uint64_t now_us)
{
	struct xtcp_sock *tp, *nx;
	unsigned n = 0;

	eng->proc = proc;
	eng->now = now_us;
	eng->ntx = 0;
	XT_STAT_INC(eng, engine_owner_dead);
	if (!eng->work_open)
		return (0);	/* it died between two changes */
	eng->work_open = 0;
	XT_TCP_FOREACH_SAFE(eng, tp, nx) {
		if (tp->t_hold != eng->work_seq ||
		    tp->state == XT_TCPS_LISTEN ||
		    tp->state == XT_TCPS_CLOSED ||
		    tp->state == XT_TCPS_TIME_WAIT)
			continue;
		XT_STAT_INC(eng, engine_owner_dead_resets);
		n++;
		switch (tp->state) {
		case XT_TCPS_SYN_RECEIVED:
		case XT_TCPS_ESTABLISHED:
		case XT_TCPS_CLOSE_WAIT:
		case XT_TCPS_FIN_WAIT_1:
		case XT_TCPS_FIN_WAIT_2:
			xt_tcp_send_rst(tp);
			break;
		default:
			break;
		}
		xt_tcp_drop(tp, XT_ECONNABORTED);
	}
	xt_tx_flush(eng);
	return (n);
}

void *
xtcp_engine_mem_alloc(struct xtcp_engine *eng, size_t n)
{
	return (xt_alloc(&eng->mem, n));
}

void
xtcp_engine_mem_free(struct xtcp_engine *eng, void *p, size_t n)
{
	xt_free(&eng->mem, p, n);
}

void
xtcp_engine_work_done(struct xtcp_engine *eng)
{
	XT_WORK_END(eng);
}

int
xtcp_engine_work_open(const struct xtcp_engine *eng)
{
	return (eng->work_open);
}

uint64_t
xtcp_engine_arena_used(const struct xtcp_engine *eng)
{
	return (eng->mem.brk);
}

int
xtcp_engine_new(const struct xtcp_config *cfg, struct xt_dev *dev,
    uint64_t seed, uint64_t now_us, struct xtcp_engine **out)
{
	struct xtcp_keys keys;
	int r;

	xtcp_keys_from_seed(seed, &keys);
	r = xtcp_engine_new_keyed(cfg, dev, &keys, now_us, out);
	engine_wipe(&keys, sizeof(keys));
	return (r);
}

/*
 * An engine of its own: a private anonymous mapping as its arena (pages
 * come as they are touched, zeroed; nothing is reserved), and a private
 * proc.  Tests and the simulator run every engine this way, through the
 * same allocator as the shim's shared one.  A mapping, not calloc(3):
 * under AddressSanitizer a 4 GiB heap block has its shadow written on
 * allocation and on free, which made each engine cost a few hundred
 * milliseconds of system time.
 */
int
xtcp_engine_new_keyed(const struct xtcp_config *cfg, struct xt_dev *dev,
    const struct xtcp_keys *keys, uint64_t now_us, struct xtcp_engine **out)
{
	struct xtcp_proc *proc;
	struct xtcp_arena a;
	void *mem;
	int err;

	*out = NULL;
	if ((err = xtcp_proc_new(dev, &proc)) != XT_OK)
		return (err);
	mem = mmap(NULL, XT_ENGINE_PRIVATE_ARENA, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		xtcp_proc_free(proc);
		return (XT_ENOMEM);
	}
	a.base = mem;		/* page aligned */
	a.size = XT_ENGINE_PRIVATE_ARENA;
	a.shared = 0;
	if ((err = xtcp_engine_new_in(cfg, proc, keys, now_us, &a,
	    out)) != XT_OK) {
		(void)munmap(mem, XT_ENGINE_PRIVATE_ARENA);
		xtcp_proc_free(proc);
		return (err);
	}
	(*out)->own_arena = mem;
	(*out)->own_proc = proc;
	return (XT_OK);
}

int
xtcp_engine_new_in(const struct xtcp_config *cfg, struct xtcp_proc *proc,
    const struct xtcp_keys *keys, uint64_t now_us,
    const struct xtcp_arena *arena, struct xtcp_engine **out)
{
	struct xtcp_engine *eng;
	struct xt_mem m;
	unsigned i;
	int err;

	*out = NULL;
	if (keys == NULL || proc == NULL || proc->dev == NULL ||
	    arena == NULL || arena->base == NULL)
		return (XT_EINVAL);
	if (cfg == NULL || cfg->addr == 0 ||
	    cfg->prefixlen > 32 || cfg->port_lo == 0 ||
	    cfg->port_lo > cfg->port_hi)
		return (XT_EINVAL);
	/* the engine is the arena's first block, outside the accounting
	 * as it was outside it with malloc: it holds the allocator
	 * (eng->mem) through which everything below comes */
	xt_mem_init_arena(&m, arena->base, arena->size, 0,
	    arena->shared ? XT_MEM_REMOVE : XT_MEM_DONTNEED);
	if ((eng = xt_alloc(&m, sizeof(*eng))) == NULL)
		return (XT_ENOMEM);
	m.used = m.peak = m.nallocs = 0;
	m.max = cfg->mem_max;
	eng->mem = m;
	eng->cfg = *cfg;
	/* the log sink is the process's, not the shared engine's */
	if (proc->log_fn == NULL) {
		proc->log_fn = cfg->log_fn;
		proc->log_arg = cfg->log_arg;
	}
	eng->cfg.log_fn = NULL;
	eng->cfg.log_arg = NULL;
	eng->proc = proc;
	memcpy(eng->mac, proc->dev->mac, 6);
	eng->mtu = cfg->mtu != 0 ? cfg->mtu : proc->dev->mtu;
	if (eng->mtu < 68)		/* RFC 791: every host takes 68 */
		eng->mtu = 68;
	if (eng->mtu > 65535)
		eng->mtu = 65535;
	eng->now = now_us;
	xt_sipkey_load(&eng->isn_key, keys->isn);
	xt_sipkey_load(&eng->sc_key, keys->syncookie);
	xt_sipkey_load(&eng->tfo_key, keys->tfo);
	xt_sipkey_load(&eng->ts_key, keys->ts);
	xt_sipkey_load(&eng->rng_key, keys->rng);
	xt_sipkey_load(&eng->port_key, keys->port);
	eng->ip_id = (uint16_t)xt_random(eng);
	eng->armed = UINT64_MAX;
	if ((err = xt_tcp_tables_init(eng)) != XT_OK) {
		xtcp_engine_free(eng);
		return (err);
	}
	if ((err = engine_protocols(eng)) != XT_OK) {
		xtcp_engine_free(eng);
		return (err);
	}
	/* with an offloading device: a vnet header in front of every frame
	 * and room for 64 KB TSO super-frames */
	eng->offload = (proc->dev->caps & XT_DEVCAP_OFFLOAD) != 0;
	eng->txhead = eng->offload ? XT_VNET_HDR_LEN : 0;
	eng->txbuf_size = eng->txhead + XT_ETH_HLEN +
	    (eng->offload ? XT_TSO_MAX : eng->mtu);
	for (i = 0; i < XT_TX_BATCH; i++) {
		if ((eng->txbuf[i] = xt_alloc(&eng->mem,
		    eng->txbuf_size)) == NULL) {
			xtcp_engine_free(eng);
			return (XT_ENOMEM);
		}
	}
	xt_arp_init(eng);
	/* RFC 5227 §2.1.1: probe first when asked; announce after */
	if (cfg->arp_probe_ms != 0)
		xt_arp_probe_start(eng, now_us,
		    (uint64_t)cfg->arp_probe_ms * 1000);
	else
		xt_arp_announce(eng);
	xt_tx_flush(eng);
	*out = eng;
	return (XT_OK);
}

void
xtcp_engine_free(struct xtcp_engine *eng)
{
	struct xtcp_proc *own_proc;
	void *own_arena;
	unsigned i;

	if (eng == NULL)
		return;
	while (eng->tcbs != NULL)
		xt_tcp_free(eng->tcbs);
	xt_tw_destroy(eng);
	xt_tcp_tables_free(eng);
	xt_tcp_timers_fini(eng);
	xt_arp_free_all(eng);
	for (i = 0; i < XT_TX_BATCH; i++)
		xt_free(&eng->mem, eng->txbuf[i], eng->txbuf_size);
	own_arena = eng->own_arena;
	own_proc = eng->own_proc;
	engine_wipe(eng, sizeof(*eng));
	if (own_arena != NULL)
		(void)munmap(own_arena, XT_ENGINE_PRIVATE_ARENA);
	xtcp_proc_free(own_proc);
}

void
xtcp_engine_set_callbacks(struct xtcp_engine *eng, xtcp_wakeup_fn wakeup,
    xtcp_kick_fn kick, void *arg)
{
	eng->proc->wakeup = wakeup;
	eng->proc->kick = kick;
	eng->proc->cb_arg = arg;
}

void
xtcp_engine_set_urg_callback(struct xtcp_engine *eng, xtcp_wakeup_fn urg)
{
	eng->proc->urg = urg;
}

void
xtcp_engine_set_ports_callback(struct xtcp_engine *eng, xtcp_ports_fn fn,
    void *arg)
{
	eng->proc->ports = fn;
	eng->proc->ports_arg = arg;
	eng->ports_tick = 0;
}

void
xtcp_engine_set_trace_callback(struct xtcp_engine *eng, xtcp_trace_fn fn,
    void *arg)
{
	eng->proc->trace = fn;
	eng->proc->trace_arg = arg;
}

void
xtcp_engine_set_leader(struct xtcp_engine *eng, int leader)
{
	eng->follower = !leader;
}

int
xtcp_engine_arp_probe_result(const struct xtcp_engine *eng)
{
	return (xt_arp_probe_result(eng));
}

/* A walk over every TCB: the shim asks only while the process exits
 * (its SO_LINGER-like wait), never per segment or per socket call. */
unsigned
xtcp_engine_busy(const struct xtcp_engine *eng)
{
	const struct xtcp_sock *tp;
	unsigned n = 0;

	XT_TCP_FOREACH(eng, tp)
		if (XT_TCPS_SYNCHRONIZED(tp->state) &&
		    tp->state != XT_TCPS_TIME_WAIT &&
		    (xt_ring_len(&tp->snd_buf) > 0 ||
		    ((tp->t_flags & XT_TF_FINQUEUED) &&
		    tp->snd_una != tp->snd_max)))
			n++;
	return (n);
}

unsigned
xtcp_engine_ntcb(const struct xtcp_engine *eng)
{
	return (eng->ntcb);
}

static void
engine_rx_cb(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	engine_input(arg, frame, len, flags);
}

int
xtcp_engine_rx(struct xtcp_engine *eng, uint64_t now_us, unsigned budget)
{
	int n;

	eng->now = now_us;
	n = eng->proc->dev->ops->rx_burst(eng->proc->dev, engine_rx_cb, eng,
	    budget);
	xt_tx_flush(eng);
	return (n < 0 ? 0 : n);
}

void
xtcp_engine_input(struct xtcp_engine *eng, uint64_t now_us,
    const uint8_t *frame, size_t len, unsigned rxflags)
{
	eng->now = now_us;
	engine_input(eng, frame, len, rxflags);
	xt_tx_flush(eng);
}

/* Ethernet demultiplexing; replies wait in the transmit batch. */
static void
engine_input(struct xtcp_engine *eng, const uint8_t *frame, size_t len,
    unsigned rxflags)
{
	struct xt_eth_repr eh;
	const uint8_t *pl;
	size_t plen;

	XT_STAT_INC(eng, eth_rx_frames);
	if (xt_eth_parse(frame, len, &eh, &pl, &plen) != XT_OK) {
		XT_STAT_INC(eng, eth_rx_short);
		return;
	}
	if (memcmp(eh.dst, eng->mac, 6) != 0 &&
	    memcmp(eh.dst, xt_eth_broadcast, 6) != 0) {
		XT_STAT_INC(eng, eth_rx_not_ours);
		return;
	}
	switch (eh.type) {
	case XT_ETHERTYPE_ARP:
		xt_arp_input(eng, eh.src, pl, plen);
		break;
	case XT_ETHERTYPE_IPV4:
		xt_ip_input(eng, pl, plen, rxflags);
		break;
	default:
		XT_STAT_INC(eng, eth_rx_unknown_type);
		break;
	}
}

void
xtcp_engine_poll(struct xtcp_engine *eng, uint64_t now_us)
{
	eng->now = now_us;
	xt_arp_timers(eng, now_us);
	xt_tcp_timers_run(eng, now_us);
	/* a shared address: once a second the shim sees who leads it */
	if (XT_PORTS_SHARED(eng) && now_us >= eng->ports_tick) {
		eng->ports_tick = now_us + XT_PORTS_TICK_US;
		(void)XT_PORTS_ASK(eng, XTCP_PORTS_TICK, 0);
	}
	xt_tx_flush(eng);
}

uint64_t
xtcp_engine_next_deadline(struct xtcp_engine *eng)
{
	uint64_t d, t;

	d = xt_arp_next_deadline(eng);
	t = xt_tcp_timers_next(eng);
	if (t < d)
		d = t;
	if (XT_PORTS_SHARED(eng) && eng->ports_tick < d)
		d = eng->ports_tick;
	eng->armed = d;
	return (d);
}

void
xtcp_stats_dump(const struct xtcp_engine *eng, int fd)
{
	char line[160];
	unsigned i;
	int n;

	for (i = 0; i < xt_stats_count(); i++) {
		n = snprintf(line, sizeof(line), "%s %llu\n", xt_stats_name(i),
		    (unsigned long long)xt_stats_value(&eng->stats, i));
		if (n > 0)
			(void)syscall(SYS_write, fd, line, (size_t)n);
	}
}

/*
 * The drops by cause for an exit report: "name N" for each nonzero counter
 * whose meaning says a packet was dropped (xt_stats.def), comma-separated,
 * into buf; "none" if there were none.  Returns the number of causes.
 */
unsigned
xtcp_stats_drops(const struct xtcp_engine *eng, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i, n = 0;
	uint64_t v;
	int w;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	for (i = 0; i < xt_stats_count(); i++) {
		if (strstr(xt_stats_desc(i), "dropped") == NULL &&
		    strstr(xt_stats_name(i), "drop") == NULL)
			continue;
		if ((v = xt_stats_value(&eng->stats, i)) == 0)
			continue;
		w = snprintf(buf + off, len - off, "%s%s %llu",
		    n > 0 ? ", " : "", xt_stats_name(i), (unsigned long long)v);
		n++;
		if (w < 0 || (size_t)w >= len - off) {
			buf[len - 1] = '\0';
			break;
		}
		off += (size_t)w;
	}
	if (n == 0)
		(void)snprintf(buf, len, "none");
	return (n);
}

int64_t
xtcp_stats_get(const struct xtcp_engine *eng, const char *name)
{
	unsigned i;

	for (i = 0; i < xt_stats_count(); i++)
		if (strcmp(xt_stats_name(i), name) == 0)
			return ((int64_t)xt_stats_value(&eng->stats, i));
	return (-1);
}

unsigned
xtcp_stats_copy(const struct xtcp_engine *eng, uint64_t *v, unsigned max)
{
	unsigned i, n = xt_stats_count();

	for (i = 0; i < n && i < max; i++)
		v[i] = xt_stats_value(&eng->stats, i);
	return (n);
}

const char *
xtcp_stats_name(unsigned i)
{
	return (i < xt_stats_count() ? xt_stats_name(i) : NULL);
}

const char *
xtcp_stats_desc(unsigned i)
{
	return (i < xt_stats_count() ? xt_stats_desc(i) : NULL);
}
