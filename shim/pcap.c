/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap.c - XTCP_PCAP in the shim: the engine's device wrapped in a
 * capturing one (stack/dev/dev_pcap.h) when the engine starts, its
 * buffer written out when the process exits.  The capture is the
 * process's own: a fork child drops what it inherited in the buffer and
 * writes FILE with its own pid in place of %p, or nothing when the name
 * has no %p (xtcp_dev_fork_child, from fork_child() in init.c); an exec'd
 * image (famexec.c) takes the device over without the capture.
 */
#include "prelude.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

void
shim_pcap_wrap(struct xt_dev **devp)
{
	const struct shim_config *c = &shim.conf;
	struct xt_dev *w;
	char path[300];
	int r;

	if (c->pcap[0] == '\0')
		return;
	r = xtcp_dev_pcap_wrap(*devp, c->pcap, (int)syscall(SYS_getpid),
	    (uint64_t)c->pcap_max_mb << 20, c->pcap_files, &w);
	if (r != XT_OK) {
		shim_log(XTCP_LOG_ERROR, "XTCP_PCAP=%s: %s; no capture",
		    c->pcap, xt_strerror(r));
		return;
	}
	*devp = w;
	/* the file now, so that a name we cannot write is said at once */
	if ((r = xtcp_dev_pcap_flush(w, path, sizeof(path))) != 0)
		shim_log(XTCP_LOG_ERROR, "XTCP_PCAP: cannot write %s: %s; no "
		    "capture", path, strerror(r));
	else
		shim_log(XTCP_LOG_INFO, "capturing every frame to %s", path);
}

void
shim_pcap_at_exit(void)
{
	char path[300];
	int r;

	if (shim.conf.pcap[0] == '\0' || shim.dev == NULL ||
	    shim_trylock() != 0)
		return;
	r = xtcp_dev_pcap_flush(shim.dev, path, sizeof(path));
	shim_unlock();
	if (r != 0)
		shim_log(XTCP_LOG_ERROR, "XTCP_PCAP: capture to %s stopped: %s",
		    path, strerror(r));
}
