/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_pcap.c - the capture writer and the capturing device of
 * dev_pcap.h.  The writer touches the file system only in pcap_write_out()
 * and pcap_rotate(), through raw system calls (dev_sys.h: never back into
 * the shim's hooks), from whichever thread drives the device (the one
 * holding the engine lock).
 *
 * Read first: dev_pcap.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xt_err.h"
#include "dev/dev_pcap.h"
#include "dev/dev_sys.h"

struct pcap_dev {
	struct xt_dev	 dev;		/* first: what the engine sees */
	struct xt_dev	*inner;
	xt_rx_fn	 cb;		/* rx_burst's caller, during it */
	void		*cb_arg;
	struct xt_pcap	 w;
};

static const struct xt_dev_ops pcap_ops;

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void
xt_pcap_file_hdr(uint8_t out[XT_PCAP_FILE_HLEN])
{
	put32(out, XT_PCAP_MAGIC_NS);
	out[4] = 2;			/* version 2.4 */
	out[5] = 0;
	out[6] = 4;
	out[7] = 0;
	put32(out + 8, 0);		/* reserved (thiszone) */
	put32(out + 12, 0);		/* reserved (sigfigs) */
	put32(out + 16, XT_PCAP_SNAPLEN);
	put32(out + 20, XT_PCAP_LINKTYPE_ETH);
}

void
xt_pcap_rec_hdr(uint8_t out[XT_PCAP_REC_HLEN], uint64_t t_ns,
    uint32_t caplen, uint32_t origlen)
{
	put32(out, (uint32_t)(t_ns / 1000000000u));
	put32(out + 4, (uint32_t)(t_ns % 1000000000u));
	put32(out + 8, caplen);
	put32(out + 12, origlen);
}

int
xt_pcap_name(const char *pattern, int pid, char *out, size_t n)
{
	char num[16];
	size_t o = 0, k, i;
	int v;

	for (i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == '%' && pattern[i + 1] == 'p') {
			v = pid < 0 ? 0 : pid;
			k = 0;
			do {
				num[k++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			while (k > 0) {
				if (o + 1 >= n)
					return (-1);
				out[o++] = num[--k];
			}
			i++;
			continue;
		}
		if (pattern[i] == '%' && pattern[i + 1] == '%')
			i++;
		if (o + 1 >= n)
			return (-1);
		out[o++] = pattern[i];
	}
	if (n == 0)
		return (-1);
	out[o] = '\0';
	return (0);
}

/* A new file: its header first in the buffer, created (truncated) by the
 * next write out. */
static void
pcap_start(struct xt_pcap *w)
{
	xt_pcap_file_hdr(w->buf);
	w->len = XT_PCAP_FILE_HLEN;
	w->size = XT_PCAP_FILE_HLEN;
	w->fresh = 1;
}

/* Does the buffer hold a record (more than a new file's header)? */
static int
pcap_held(const struct xt_pcap *w)
{
	return (w->len > (w->fresh ? XT_PCAP_FILE_HLEN : 0));
}

static int
pcap_die(struct xt_pcap *w, int err)
{
	w->dead = 1;
	w->err = err;
	w->len = 0;
	return (-err);
}

/* The buffer onto the end of path (or into a new path). */
static int
pcap_write_out(struct xt_pcap *w)
{
	size_t off = 0;
	long n;
	int fd;

	if (w->dead)
		return (-w->err);
	if (w->len == 0)
		return (0);
	fd = (int)syscall(SYS_openat, AT_FDCWD, w->path, O_WRONLY | O_CREAT |
	    O_CLOEXEC | O_NOCTTY | (w->fresh ? O_TRUNC : O_APPEND), 0644);
	if (fd < 0)
		return (pcap_die(w, errno));
	while (off < w->len) {
		n = syscall(SYS_write, fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			n = n < 0 ? errno : EIO;
			(void)sys_close(fd);
			return (pcap_die(w, (int)n));
		}
		off += (size_t)n;
	}
	(void)sys_close(fd);
	w->len = 0;
	w->fresh = 0;
	return (0);
}

/* FILE.i for i > 0, FILE for 0. */
static int
pcap_nth(const struct xt_pcap *w, unsigned i, char *out, size_t n)
{
	size_t l = strlen(w->path);
	unsigned d = i, k = 0;
	char num[12];

	if (l + 1 > n)
		return (-1);
	memcpy(out, w->path, l + 1);
	if (i == 0)
		return (0);
	do {
		num[k++] = (char)('0' + d % 10);
		d /= 10;
	} while (d > 0);
	if (l + 1 + k + 1 > n)
		return (-1);
	out[l++] = '.';
	while (k > 0)
		out[l++] = num[--k];
	out[l] = '\0';
	return (0);
}

/* FILE is full: FILE.(files-2) -> FILE.(files-1), ..., FILE -> FILE.1
 * (the oldest falls off), and a new FILE. */
static int
pcap_rotate(struct xt_pcap *w)
{
	char from[XT_PCAP_PATHMAX + 12], to[XT_PCAP_PATHMAX + 12];
	unsigned i;
	int r;

	if ((r = pcap_write_out(w)) != 0)
		return (r);
	for (i = w->files - 1; i >= 1; i--) {
		if (pcap_nth(w, i - 1, from, sizeof(from)) != 0 ||
		    pcap_nth(w, i, to, sizeof(to)) != 0)
			return (pcap_die(w, ENAMETOOLONG));
		if (syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to) != 0 &&
		    errno != ENOENT)
			return (pcap_die(w, errno));
	}
	w->rotations++;
	pcap_start(w);
	return (0);
}

int
xt_pcap_init(struct xt_pcap *w, const char *pattern, int pid,
    uint64_t max_bytes, unsigned files)
{
	size_t n;

	if (w == NULL || pattern == NULL || files == 0 ||
	    (n = strlen(pattern)) == 0 || n >= sizeof(w->pattern) - 8)
		return (XT_EINVAL);
	memset(w, 0, offsetof(struct xt_pcap, buf));
	memcpy(w->pattern, pattern, n + 1);
	if (xt_pcap_name(pattern, pid, w->path, sizeof(w->path) - 8) != 0)
		return (XT_EINVAL);
	w->pid = pid;
	w->max_bytes = max_bytes;
	w->files = files;
	pcap_start(w);
	return (XT_OK);
}

int
xt_pcap_frame(struct xt_pcap *w, uint64_t t_ns, const uint8_t *f,
    size_t len)
{
	uint32_t cap = len > XT_PCAP_SNAPLEN ? XT_PCAP_SNAPLEN : (uint32_t)len;
	size_t rec = XT_PCAP_REC_HLEN + cap;
	int r;

	if (w->dead)
		return (-w->err);
	/* a file holds at least its header and one record */
	if (w->max_bytes != 0 && w->size + rec > w->max_bytes &&
	    w->size > XT_PCAP_FILE_HLEN && (r = pcap_rotate(w)) != 0)
		return (r);
	if (w->len + rec > sizeof(w->buf) || (pcap_held(w) &&
	    t_ns - w->buf_t0 > XT_PCAP_FLUSH_NS)) {
		if ((r = pcap_write_out(w)) != 0)
			return (r);
	}
	if (!pcap_held(w))
		w->buf_t0 = t_ns;
	xt_pcap_rec_hdr(w->buf + w->len, t_ns, cap, (uint32_t)len);
	memcpy(w->buf + w->len + XT_PCAP_REC_HLEN, f, cap);
	w->len += rec;
	w->size += rec;
	w->frames++;
	return (0);
}

int
xt_pcap_flush(struct xt_pcap *w)
{
	return (pcap_write_out(w));
}

void
xt_pcap_fork_child(struct xt_pcap *w, int pid)
{
	w->len = 0;
	w->pid = pid;
	if (w->dead)
		return;
	if (strstr(w->pattern, "%p") == NULL ||
	    xt_pcap_name(w->pattern, pid, w->path, sizeof(w->path) - 8) != 0) {
		w->dead = 1;	/* the parent's file is the parent's */
		w->err = 0;
		return;
	}
	w->frames = 0;
	w->rotations = 0;
	pcap_start(w);
}

/* ---- the device ---- */

static uint64_t
pcap_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static void
pcap_sync(struct pcap_dev *p)
{
	p->dev.rx_frames = p->inner->rx_frames;
	p->dev.tx_frames = p->inner->tx_frames;
	p->dev.tx_drops = p->inner->tx_drops;
}

static void
pcap_rx_cb(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	struct pcap_dev *p = arg;

	(void)xt_pcap_frame(&p->w, pcap_now_ns(), frame, len);
	p->cb(p->cb_arg, frame, len, flags);
}

static int
pcap_rx_burst(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	struct pcap_dev *p = d->priv;
	xt_rx_fn ocb = p->cb;
	void *oarg = p->cb_arg;
	int r;

	p->cb = cb;
	p->cb_arg = arg;
	r = p->inner->ops->rx_burst(p->inner, pcap_rx_cb, p, max);
	p->cb = ocb;
	p->cb_arg = oarg;
	pcap_sync(p);
	return (r);
}

static int
pcap_tx_burst(struct xt_dev *d, const struct iovec *frames, unsigned n)
{
	struct pcap_dev *p = d->priv;
	size_t skip = (p->inner->caps & XT_DEVCAP_OFFLOAD) ?
	    XT_VNET_HDR_LEN : 0;
	uint64_t now;
	unsigned i;
	int r;

	if (!p->w.dead && n > 0) {
		now = pcap_now_ns();
		for (i = 0; i < n; i++)
			if (frames[i].iov_len > skip)
				(void)xt_pcap_frame(&p->w, now,
				    (const uint8_t *)frames[i].iov_base + skip,
				    frames[i].iov_len - skip);
	}
	r = p->inner->ops->tx_burst(p->inner, frames, n);
	pcap_sync(p);
	return (r);
}

static int
pcap_wait_fd(struct xt_dev *d)
{
	struct pcap_dev *p = d->priv;

	return (p->inner->ops->wait_fd(p->inner));
}

static unsigned
pcap_fds(const struct xt_dev *d, int *all)
{
	const struct pcap_dev *p = d->priv;
	int n = xt_dev_fds(p->inner, all, XT_DEV_MAXFDS);

	return (n > 0 ? (unsigned)n : 0);
}

static void
pcap_close(struct xt_dev *d)
{
	struct pcap_dev *p = d->priv;

	(void)xt_pcap_flush(&p->w);
	p->inner->ops->close(p->inner);
	free(p);
}

static const struct xt_dev_ops pcap_ops = {
	.name = "pcap",
	.rx_burst = pcap_rx_burst,
	.tx_burst = pcap_tx_burst,
	.wait_fd = pcap_wait_fd,
	.fds = pcap_fds,
	.close = pcap_close,
};

int
xt_dev_pcap_new(struct xt_dev *inner, const char *pattern, int pid,
    uint64_t max_bytes, unsigned files, struct xt_dev **out)
{
	struct pcap_dev *p;
	int r;

	if (inner == NULL || out == NULL)
		return (XT_EINVAL);
	if ((p = malloc(sizeof(*p))) == NULL)
		return (XT_ENOMEM);
	memset(p, 0, offsetof(struct pcap_dev, w));
	if ((r = xt_pcap_init(&p->w, pattern, pid, max_bytes, files)) != XT_OK) {
		free(p);
		return (r);
	}
	p->inner = inner;
	p->dev.ops = &pcap_ops;
	memcpy(p->dev.mac, inner->mac, sizeof(p->dev.mac));
	p->dev.mtu = inner->mtu;
	p->dev.caps = inner->caps;
	p->dev.priv = p;
	pcap_sync(p);
	*out = &p->dev;
	return (XT_OK);
}

struct xt_dev *
xt_dev_pcap_inner(struct xt_dev *d)
{
	if (d != NULL && d->ops == &pcap_ops)
		return (((struct pcap_dev *)d->priv)->inner);
	return (d);
}

void
xt_dev_pcap_fork_child(struct xt_dev *d)
{
	struct xt_pcap *w = xt_dev_pcap_writer(d);

	if (w != NULL)
		xt_pcap_fork_child(w, (int)syscall(SYS_getpid));
}

struct xt_pcap *
xt_dev_pcap_writer(struct xt_dev *d)
{
	if (d != NULL && d->ops == &pcap_ops)
		return (&((struct pcap_dev *)d->priv)->w);
	return (NULL);
}
