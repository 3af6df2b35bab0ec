/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xtcp_api.c - the engine calls the LD_PRELOAD shim makes beyond the
 * socket API: opening and closing a device, the fds it waits on, whether
 * a congestion control name exists, the spin counter, and the ephemeral
 * port counter the shim keeps with the address.  They are thin
 * wrappers over dev/phy.h, tcp/tcp_cc.h and xt_stats.h, so that the shim
 * includes xtcp.h alone and the device, CC and counter layouts may change
 * without touching it.  Nothing here holds state or changes behaviour.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xtcp.h"
#include "xt_engine.h"
#include "dev/phy.h"
#include "dev/dev_pcap.h"
#include "tcp/tcp_cc.h"

_Static_assert(XTCP_DEVOPEN_NO_OFFLOAD == XT_DEVOPEN_NO_OFFLOAD,
    "xtcp.h and phy.h agree on NO_OFFLOAD");
_Static_assert(XTCP_DEVOPEN_NO_URING == XT_DEVOPEN_NO_URING,
    "xtcp.h and phy.h agree on NO_URING");
_Static_assert(XTCP_DEV_MAXFDS == XT_DEV_MAXFDS,
    "xtcp.h and phy.h agree on MAXFDS");

int
xtcp_cc_known(const char *name)
{
	return (name != NULL && xt_cc_find(name) != NULL);
}

int
xtcp_dev_open_packet(const char *ifname, uint32_t addr, const uint8_t *mac,
    uint32_t mtu, unsigned flags, struct xt_dev **out)
{
	return (xt_dev_packet_open_flags(ifname, addr, mac, mtu, flags, out));
}

int
xtcp_dev_packet_filter(struct xt_dev *dev, uint32_t addr, int all,
    const struct xtcp_port_range *r, unsigned n)
{
	_Static_assert(sizeof(struct xtcp_port_range) ==
	    sizeof(struct xt_port_range), "one layout for port ranges");
	return (xt_dev_packet_filter(xt_dev_pcap_inner(dev), addr, all,
	    (const struct xt_port_range *)(const void *)r, n));
}

int
xtcp_dev_open_tap(const char *ifname, const uint8_t *mac, uint32_t mtu,
    unsigned flags, struct xt_dev **out)
{
	return (xt_dev_tap_open(ifname, mac, mtu, flags, out));
}

void
xtcp_dev_close(struct xt_dev *dev)
{
	if (dev != NULL)
		dev->ops->close(dev);
}

int
xtcp_dev_wait_fd(struct xt_dev *dev)
{
	if (dev == NULL)
		return (-1);
	return (dev->ops->wait_fd(dev));
}

int
xtcp_dev_fds(const struct xt_dev *dev, int *fds, unsigned max)
{
	return (xt_dev_fds(dev, fds, max));
}

void
xtcp_dev_fork_child(struct xt_dev *dev)
{
	xt_dev_pcap_fork_child(dev);
	(void)xt_dev_tap_fork_child(xt_dev_pcap_inner(dev));
}

int
xtcp_dev_export(const struct xt_dev *dev, struct xtcp_dev_state *st)
{
	int err;

	dev = xt_dev_pcap_inner((struct xt_dev *)(uintptr_t)dev);
	if ((err = xt_dev_packet_export(dev, st)) != XT_EOPNOTSUPP)
		return (err);
	return (xt_dev_tap_export(dev, st));
}

void
xtcp_dev_move_fds(struct xt_dev *dev, xtcp_fd_move_fn mv, void *arg)
{
	if (dev != NULL && mv != NULL)
		xt_dev_packet_move_fds(xt_dev_pcap_inner(dev), mv, arg);
}

int
xtcp_dev_pcap_wrap(struct xt_dev *inner, const char *pattern, int pid,
    uint64_t max_bytes, unsigned files, struct xt_dev **out)
{
	return (xt_dev_pcap_new(inner, pattern, pid, max_bytes, files, out));
}

int
xtcp_dev_pcap_flush(struct xt_dev *dev, char *path, size_t n)
{
	struct xt_pcap *w = xt_dev_pcap_writer(dev);
	size_t l;

	if (w == NULL)
		return (0);
	if (path != NULL && n > 0) {
		l = strlen(w->path);
		l = l < n - 1 ? l : n - 1;
		memcpy(path, w->path, l);
		path[l] = '\0';
	}
	return (-xt_pcap_flush(w));
}

int
xtcp_dev_import(const struct xtcp_dev_state *st, struct xt_dev **out)
{
	if (st == NULL || out == NULL)
		return (XT_EINVAL);
	switch (st->kind) {
	case XT_DEVSTATE_PACKET:
		return (xt_dev_packet_import(st, out));
	case XT_DEVSTATE_TAP:
		return (xt_dev_tap_import(st, out));
	default:
		return (XT_EOPNOTSUPP);
	}
}

int
xtcp_engine_wait_fd(const struct xtcp_engine *eng)
{
	if (eng == NULL)
		return (-1);
	return (xtcp_dev_wait_fd(eng->proc->dev));
}

void
xtcp_engine_count_spin(struct xtcp_engine *eng)
{
	if (eng != NULL)
		XT_STAT_INC(eng, dev_spin_polls);
}

uint32_t
xtcp_engine_port_counter(const struct xtcp_engine *eng)
{
	return (eng->port_ctr);
}

void
xtcp_engine_set_port_counter(struct xtcp_engine *eng, uint32_t ctr)
{
	eng->port_ctr = ctr;
}

void
xtcp_engine_count_wake(struct xtcp_engine *eng)
{
	if (eng != NULL)
		XT_STAT_INC(eng, dev_wake_polls);
}
