/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_pcap.h - XTCP_PCAP: a capture of every frame a device sends and
 * receives, as a classic pcap file (LINKTYPE_ETHERNET, nanosecond
 * timestamps, snap length 262144 so that a 64 KB TSO super-frame is one
 * whole record).  Two parts:
 *   - the writer (struct xt_pcap): records into a buffer, the buffer into
 *     FILE with open/append/close when it fills, when it is older than a
 *     second, on rotation and on xt_pcap_flush(); FILE holds at most
 *     max_bytes, then FILE becomes FILE.1 (FILE.1 becomes FILE.2 and so
 *     on) and a new FILE starts, keeping `files' files in all.  No
 *     descriptor stays open between flushes, so a program that closes
 *     every descriptor or forks or execs cannot break it.
 *   - a device (xt_dev_pcap_new) that wraps another one and gives every
 *     frame to a writer on its way: transmitted frames without their
 *     virtio-net header (a TSO super-frame is written as one frame, its
 *     TCP checksum possibly partial: the device fills it later).
 * "%p" in the name is the pid of the process that writes; a fork child
 * (xt_dev_pcap_fork_child) drops what it inherited in the buffer and
 * writes a file of its own when the name has %p, else nothing.
 *
 * Read first: the pcap file format (tcpdump.org, "pcap-savefile(5)";
 * draft-ietf-opsawg-pcap), magic 0xa1b23c4d for nanoseconds.
 */
#ifndef XT_DEV_PCAP_H
#define XT_DEV_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "dev/phy.h"

#define XT_PCAP_MAGIC_NS	0xa1b23c4du	/* nanosecond timestamps */
#define XT_PCAP_LINKTYPE_ETH	1		/* LINKTYPE_ETHERNET */
#define XT_PCAP_SNAPLEN		262144u
#define XT_PCAP_FILE_HLEN	24
#define XT_PCAP_REC_HLEN	16
#define XT_PCAP_BUFSZ		(320 * 1024)	/* > a whole record */
#define XT_PCAP_PATHMAX		256
#define XT_PCAP_FLUSH_NS	1000000000ull	/* a buffer older than this
						 * goes out with the next frame */

struct xt_pcap {
	char		pattern[XT_PCAP_PATHMAX];	/* with %p */
	char		path[XT_PCAP_PATHMAX];		/* %p replaced */
	uint64_t	max_bytes;	/* per file, 0 = no cap */
	unsigned	files;		/* FILE and FILE.1 .. FILE.files-1 */
	int		pid;		/* whose file path is */
	int		dead;		/* an error: writes nothing more */
	int		err;		/* the errno that killed it */
	int		fresh;		/* path not yet created this process */
	uint64_t	size;		/* bytes of path, buffer included */
	uint64_t	buf_t0;		/* time of the oldest buffered record */
	size_t		len;		/* bytes in buf */
	uint64_t	frames;		/* records written */
	uint64_t	rotations;
	uint8_t		buf[XT_PCAP_BUFSZ];
};

/* The 24-byte file header and a 16-byte record header, little-endian as
 * this host writes them (readers swap by the magic). */
void	xt_pcap_file_hdr(uint8_t out[XT_PCAP_FILE_HLEN]);
void	xt_pcap_rec_hdr(uint8_t out[XT_PCAP_REC_HLEN], uint64_t t_ns,
	    uint32_t caplen, uint32_t origlen);
/* pattern with every %p replaced by pid ("%%" is one '%'): 0, or -1 if
 * it does not fit in n bytes. */
int	xt_pcap_name(const char *pattern, int pid, char *out, size_t n);
/* Set w up for pattern (at most XT_PCAP_PATHMAX - 8 bytes) in process
 * pid; the file is created on the first record (or xt_pcap_flush).
 * XT_EINVAL for a bad name or files 0. */
int	xt_pcap_init(struct xt_pcap *w, const char *pattern, int pid,
	    uint64_t max_bytes, unsigned files);
/* One frame seen at t_ns (wall clock).  0, or -errno once w is dead. */
int	xt_pcap_frame(struct xt_pcap *w, uint64_t t_ns, const uint8_t *f,
	    size_t len);
/* Write out the buffer (creating the file if need be): 0 or -errno. */
int	xt_pcap_flush(struct xt_pcap *w);
/* In a fork child, now pid: forget the parent's buffered records; a new
 * file for pid if the name has %p, else w writes nothing more. */
void	xt_pcap_fork_child(struct xt_pcap *w, int pid);

/* A device over inner that captures into a writer set up as xt_pcap_init
 * says (in the calling process pid).  Closing it closes inner.
 * XT_EINVAL, XT_ENOMEM. */
int	xt_dev_pcap_new(struct xt_dev *inner, const char *pattern, int pid,
	    uint64_t max_bytes, unsigned files, struct xt_dev **out);
/* d's inner device if d is a capture device, else d. */
struct xt_dev	*xt_dev_pcap_inner(struct xt_dev *d);
/* In a fork child: xt_pcap_fork_child() of d's writer, if d captures. */
void	xt_dev_pcap_fork_child(struct xt_dev *d);
/* The writer of a capture device, or NULL for any other device. */
struct xt_pcap	*xt_dev_pcap_writer(struct xt_dev *d);

#endif /* XT_DEV_PCAP_H */
