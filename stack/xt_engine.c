/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xt_engine.c - the engine context's services to every layer: random
 * numbers, the deadline notice to the caller, the transmit batch that
 * gathers frames for one burst to the device, and logging.  It calls
 * only the device and wire/, never net/ or tcp/: the public calls that
 * drive the layers are in xtcp_engine.c.
 *
 * Nothing here reads a clock: eng->now is what the last entry point was
 * given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xt_engine.h"
#include "dev/phy.h"

uint64_t
xt_random(struct xtcp_engine *eng)
{
	return (xt_siphash24_2u64(&eng->rng_key, eng->rng_ctr++, 0));
}

void
xt_engine_timer_armed(struct xtcp_engine *eng, uint64_t at)
{
	if (at != 0 && at < eng->armed) {
		eng->armed = at;
		if (eng->proc->kick != NULL)
			eng->proc->kick(eng->proc->cb_arg);
	}
}

/* ---- transmit ---- */

uint8_t *
xt_tx_begin(struct xtcp_engine *eng)
{
	if (eng->ntx == XT_TX_BATCH)
		xt_tx_flush(eng);
	return (eng->txbuf[eng->ntx] + eng->txhead + XT_TX_HEADROOM);
}

size_t
xt_tx_l4max(const struct xtcp_engine *eng)
{
	return ((eng->offload ? XT_TSO_MAX : eng->mtu) - XT_IPV4_HLEN);
}

void
xt_tx_raw(struct xtcp_engine *eng, const uint8_t *frame, size_t len)
{
	uint8_t *base;

	if (eng->txhead + len > eng->txbuf_size)
		return;
	if (eng->ntx == XT_TX_BATCH)
		xt_tx_flush(eng);
	base = eng->txbuf[eng->ntx];
	memset(base, 0, eng->txhead);		/* no offload for this one */
	memcpy(base + eng->txhead, frame, len);
	eng->txv[eng->ntx].iov_base = base;
	eng->txv[eng->ntx].iov_len = eng->txhead + len;
	eng->ntx++;
}

void
xt_tx_flush(struct xtcp_engine *eng)
{
	int n;

	if (eng->ntx == 0)
		return;
	n = eng->proc->dev->ops->tx_burst(eng->proc->dev, eng->txv,
	    eng->ntx);
	if (n < 0)
		n = 0;
	XT_STAT_ADD(eng, eth_tx_frames, (unsigned)n);
	XT_STAT_ADD(eng, eth_tx_dev_drops, eng->ntx - (unsigned)n);
	eng->ntx = 0;
}

/* ---- logging ---- */

/*
 * "a.b.c.d:port -> a.b.c.d:port" into the caller's buf (addresses and ports
 * in host order), the form every log line naming a connection uses;
 * returns buf.  Pure: no I/O.
 */
char *
xt_fmt_conn(char *buf, size_t len, uint32_t laddr, uint16_t lport,
    uint32_t faddr, uint16_t fport)
{
	(void)snprintf(buf, len, "%u.%u.%u.%u:%u -> %u.%u.%u.%u:%u",
	    laddr >> 24, (laddr >> 16) & 0xff, (laddr >> 8) & 0xff,
	    laddr & 0xff, lport, faddr >> 24, (faddr >> 16) & 0xff,
	    (faddr >> 8) & 0xff, faddr & 0xff, fport);
	return (buf);
}

void
xt_log(struct xtcp_engine *eng, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (level > eng->cfg.log_level || eng->proc->log_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	eng->proc->log_fn(eng->proc->log_arg, level, line);
}
