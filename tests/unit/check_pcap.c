/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_pcap.c - the capture writer and device of XTCP_PCAP
 * (stack/dev/dev_pcap.c, issue 14): the file and record headers, the
 * name with %p, records in order in the file, the snap length, the size
 * cap and the rotation (FILE, FILE.1, ... the oldest dropped), the device
 * writing transmitted frames without their virtio-net header and
 * received ones as they come, and a fork child's file.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <check.h>

#include "xt_err.h"
#include "dev/dev_pcap.h"

Suite	*xt_suite_pcap(void);

static char	dir[64];
static char	path[128];

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* The whole of file f (malloc'd) and its length, or NULL. */
static uint8_t *
slurp(const char *f, size_t *len)
{
	struct stat st;
	uint8_t *b;
	FILE *fp;

	if (stat(f, &st) != 0 || (fp = fopen(f, "rb")) == NULL)
		return (NULL);
	b = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return (b);
}

/* Check a file: header, then n records whose first payload bytes are
 * first[0..n) and lengths len. */
static void
expect_file(const char *f, unsigned n, const uint8_t *first, size_t len)
{
	size_t got, off = XT_PCAP_FILE_HLEN;
	uint8_t *b = slurp(f, &got);
	unsigned i;

	ck_assert_msg(b != NULL, "no file %s", f);
	ck_assert_uint_eq(got, XT_PCAP_FILE_HLEN + n * (XT_PCAP_REC_HLEN + len));
	ck_assert_uint_eq(get32(b), XT_PCAP_MAGIC_NS);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(get32(b + off + 8), len);
		ck_assert_uint_eq(get32(b + off + 12), len);
		ck_assert_uint_eq(b[off + XT_PCAP_REC_HLEN], first[i]);
		off += XT_PCAP_REC_HLEN + len;
	}
	free(b);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_pcap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.pcap", dir);
}

static void
teardown(void)
{
	char f[160];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(f, sizeof(f), i ? "%s.%d" : "%s", path, i);
		(void)unlink(f);
	}
	snprintf(f, sizeof(f), "%s/c-42.pcap", dir);
	(void)unlink(f);
	snprintf(f, sizeof(f), "%s/c-43.pcap", dir);
	(void)unlink(f);
	(void)rmdir(dir);
}

START_TEST(pcap_headers)
{
	uint8_t h[XT_PCAP_FILE_HLEN], r[XT_PCAP_REC_HLEN];
	static const uint8_t want[XT_PCAP_FILE_HLEN] = {
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0 };

	xt_pcap_file_hdr(h);
	ck_assert_mem_eq(h, want, sizeof(want));
	xt_pcap_rec_hdr(r, 1700000000123456789ull, 60, 1514);
	ck_assert_uint_eq(get32(r), 1700000000u);
	ck_assert_uint_eq(get32(r + 4), 123456789u);
	ck_assert_uint_eq(get32(r + 8), 60);
	ck_assert_uint_eq(get32(r + 12), 1514);
}
END_TEST

START_TEST(pcap_names)
{
	char out[32];

	ck_assert_int_eq(xt_pcap_name("/t/a-%p.pcap", 4321, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/t/a-4321.pcap");
	ck_assert_int_eq(xt_pcap_name("%p%p", 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "77");
	ck_assert_int_eq(xt_pcap_name("100%%p", 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "100%p");
	ck_assert_int_eq(xt_pcap_name("plain", 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "plain");
	ck_assert_int_eq(xt_pcap_name("%p", 1234567, out, 8), 0);
	ck_assert_int_eq(xt_pcap_name("%p", 12345678, out, 8), -1);
	ck_assert_int_eq(xt_pcap_name("abcdefgh", 1, out, 8), -1);
}
END_TEST

START_TEST(pcap_records)
{
	static struct xt_pcap w;
	uint8_t f[3][100], first[3] = { 1, 2, 3 };
	unsigned i;

	ck_assert_int_eq(xt_pcap_init(&w, "", 1, 0, 1), XT_EINVAL);
	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 0, 0), XT_EINVAL);
	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 0, 1), XT_OK);
	for (i = 0; i < 3; i++) {
		memset(f[i], first[i], sizeof(f[i]));
		ck_assert_int_eq(xt_pcap_frame(&w, 1000 + i, f[i], 100), 0);
	}
	/* buffered: nothing in the file system yet */
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	expect_file(path, 3, first, 100);
	/* appended, not rewritten */
	ck_assert_int_eq(xt_pcap_frame(&w, 2000, f[0], 100), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	{
		uint8_t four[4] = { 1, 2, 3, 1 };

		expect_file(path, 4, four, 100);
	}
	ck_assert_uint_eq(w.frames, 4);
}
END_TEST

/* A record older than XT_PCAP_FLUSH_NS goes out with the next frame. */
START_TEST(pcap_age_flush)
{
	static struct xt_pcap w;
	uint8_t f[60] = { 9 };

	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 0, 1), XT_OK);
	ck_assert_int_eq(xt_pcap_frame(&w, 5, f, 60), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	ck_assert_int_eq(xt_pcap_frame(&w, 10, f, 60), 0);
	ck_assert_int_eq(xt_pcap_frame(&w, 10 + XT_PCAP_FLUSH_NS + 1, f, 60),
	    0);
	{
		uint8_t two[2] = { 9, 9 };

		expect_file(path, 2, two, 60);
	}
}
END_TEST

/* A frame over the snap length is cut there, its length kept. */
START_TEST(pcap_snaplen)
{
	static struct xt_pcap w;
	size_t big = XT_PCAP_SNAPLEN + 5000, got;
	uint8_t *f = calloc(1, big), *b;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 0, 1), XT_OK);
	ck_assert_int_eq(xt_pcap_frame(&w, 1, f, big), 0);
	ck_assert_int_eq(xt_pcap_frame(&w, 2, f, 64), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	b = slurp(path, &got);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(get32(b + 16), XT_PCAP_SNAPLEN);
	ck_assert_uint_eq(get32(b + 24 + 8), XT_PCAP_SNAPLEN);
	ck_assert_uint_eq(get32(b + 24 + 12), big);
	ck_assert_uint_eq(got, 24 + 16 + XT_PCAP_SNAPLEN + 16 + 64);
	free(b);
	free(f);
}
END_TEST

/* Two records a file, three files: frames 1..7 leave 7 in FILE, 5 and 6
 * in FILE.1, 3 and 4 in FILE.2, and no FILE.3. */
START_TEST(pcap_rotation)
{
	static struct xt_pcap w;
	uint8_t f[100];
	char p[160];
	unsigned i;

	ck_assert_int_eq(xt_pcap_init(&w, path, 1,
	    XT_PCAP_FILE_HLEN + 2 * (XT_PCAP_REC_HLEN + 100), 3), XT_OK);
	for (i = 1; i <= 7; i++) {
		memset(f, (int)i, sizeof(f));
		ck_assert_int_eq(xt_pcap_frame(&w, i, f, sizeof(f)), 0);
	}
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	ck_assert_uint_eq(w.rotations, 3);
	expect_file(path, 1, (const uint8_t []){ 7 }, 100);
	snprintf(p, sizeof(p), "%s.1", path);
	expect_file(p, 2, (const uint8_t []){ 5, 6 }, 100);
	snprintf(p, sizeof(p), "%s.2", path);
	expect_file(p, 2, (const uint8_t []){ 3, 4 }, 100);
	snprintf(p, sizeof(p), "%s.3", path);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* A cap below one record still writes each record, one a file. */
START_TEST(pcap_tiny_cap)
{
	static struct xt_pcap w;
	uint8_t f[100] = { 1 };
	char p[160];

	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 10, 2), XT_OK);
	ck_assert_int_eq(xt_pcap_frame(&w, 1, f, 100), 0);
	f[0] = 2;
	ck_assert_int_eq(xt_pcap_frame(&w, 2, f, 100), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	expect_file(path, 1, (const uint8_t []){ 2 }, 100);
	snprintf(p, sizeof(p), "%s.1", path);
	expect_file(p, 1, (const uint8_t []){ 1 }, 100);
}
END_TEST

/* ---- the device ---- */

struct fake {
	struct xt_dev	dev;
	size_t		txlen;
	uint8_t		tx0;
	int		closed;
};

static void
rx_got(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	unsigned *n = arg;

	(void)frame;
	(void)flags;
	*n += (unsigned)len;
}

static int
fake_rx(struct xt_dev *d, xt_rx_fn cb, void *arg, unsigned max)
{
	uint8_t f[80];

	(void)max;
	memset(f, 0xee, sizeof(f));
	cb(arg, f, sizeof(f), XT_RXF_CSUM_VALID);
	d->rx_frames++;
	return (1);
}

static int
fake_tx(struct xt_dev *d, const struct iovec *frames, unsigned n)
{
	struct fake *f = d->priv;

	f->txlen = frames[0].iov_len;
	f->tx0 = ((const uint8_t *)frames[0].iov_base)[0];
	d->tx_frames += n;
	return ((int)n);
}

static int
fake_wait_fd(struct xt_dev *d)
{
	(void)d;
	return (77);
}

static void
fake_close(struct xt_dev *d)
{
	((struct fake *)d->priv)->closed = 1;
}

static const struct xt_dev_ops fake_ops = {
	.name = "fake", .rx_burst = fake_rx, .tx_burst = fake_tx,
	.wait_fd = fake_wait_fd, .fds = NULL, .close = fake_close,
};

START_TEST(pcap_device)
{
	struct fake in = { .dev = { .ops = &fake_ops, .mtu = 1500,
	    .caps = XT_DEVCAP_OFFLOAD } };
	struct xt_dev *d;
	uint8_t frame[XT_VNET_HDR_LEN + 60];
	struct iovec iov = { frame, sizeof(frame) };
	unsigned got = 0;
	char pat[128], p[160];

	in.dev.priv = &in;
	snprintf(pat, sizeof(pat), "%s/c-%%p.pcap", dir);
	ck_assert_int_eq(xt_dev_pcap_new(&in.dev, pat, 42, 0, 1, &d), XT_OK);
	ck_assert_uint_eq(d->caps, XT_DEVCAP_OFFLOAD);
	ck_assert_uint_eq(d->mtu, 1500);
	ck_assert_ptr_eq(xt_dev_pcap_inner(d), &in.dev);
	ck_assert_ptr_eq(xt_dev_pcap_inner(&in.dev), &in.dev);
	ck_assert_ptr_null(xt_dev_pcap_writer(&in.dev));
	ck_assert_int_eq(d->ops->wait_fd(d), 77);
	memset(frame, 0, XT_VNET_HDR_LEN);
	memset(frame + XT_VNET_HDR_LEN, 0x11, 60);
	ck_assert_int_eq(d->ops->tx_burst(d, &iov, 1), 1);
	/* the inner device got the vnet header; the capture did not */
	ck_assert_uint_eq(in.txlen, sizeof(frame));
	ck_assert_uint_eq(in.tx0, 0);
	ck_assert_int_eq(d->ops->rx_burst(d, rx_got, &got, 8), 1);
	ck_assert_uint_eq(got, 80);
	ck_assert_uint_eq(d->tx_frames, 1);
	ck_assert_uint_eq(d->rx_frames, 1);
	ck_assert_int_eq(xt_pcap_flush(xt_dev_pcap_writer(d)), 0);
	snprintf(p, sizeof(p), "%s/c-42.pcap", dir);
	{
		size_t len;
		uint8_t *b = slurp(p, &len);

		ck_assert_ptr_nonnull(b);
		ck_assert_uint_eq(len, 24 + 16 + 60 + 16 + 80);
		ck_assert_uint_eq(get32(b + 24 + 8), 60);
		ck_assert_uint_eq(b[24 + 16], 0x11);
		ck_assert_uint_eq(b[24 + 16 + 60 + 16], 0xee);
		free(b);
	}
	/* a fork child (pid 43) forgets the buffer and writes its own */
	ck_assert_int_eq(d->ops->tx_burst(d, &iov, 1), 1);
	xt_pcap_fork_child(xt_dev_pcap_writer(d), 43);
	ck_assert_int_eq(d->ops->rx_burst(d, rx_got, &got, 8), 1);
	d->ops->close(d);
	ck_assert_int_eq(in.closed, 1);
	{
		size_t len;
		uint8_t *b = slurp(p, &len);

		ck_assert_ptr_nonnull(b);
		ck_assert_uint_eq(len, 24 + 16 + 60 + 16 + 80);
		free(b);
	}
	snprintf(p, sizeof(p), "%s/c-43.pcap", dir);
	expect_file(p, 1, (const uint8_t []){ 0xee }, 80);
}
END_TEST

/* Without %p a fork child writes nothing: the file is the parent's. */
START_TEST(pcap_fork_no_pid)
{
	static struct xt_pcap w;
	uint8_t f[50] = { 5 };

	ck_assert_int_eq(xt_pcap_init(&w, path, 1, 0, 1), XT_OK);
	ck_assert_int_eq(xt_pcap_frame(&w, 1, f, 50), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	ck_assert_int_eq(xt_pcap_frame(&w, 2, f, 50), 0);
	xt_pcap_fork_child(&w, 2);
	ck_assert_int_eq(xt_pcap_frame(&w, 3, f, 50), 0);
	ck_assert_int_eq(xt_pcap_flush(&w), 0);
	expect_file(path, 1, (const uint8_t []){ 5 }, 50);
}
END_TEST

/* A file that cannot be written stops the capture with its errno. */
START_TEST(pcap_unwritable)
{
	static struct xt_pcap w;
	uint8_t f[50] = { 5 };
	char p[160];

	snprintf(p, sizeof(p), "%s/no/such/dir.pcap", dir);
	ck_assert_int_eq(xt_pcap_init(&w, p, 1, 0, 1), XT_OK);
	ck_assert_int_eq(xt_pcap_frame(&w, 1, f, 50), 0);
	ck_assert_int_lt(xt_pcap_flush(&w), 0);
	ck_assert_int_lt(xt_pcap_frame(&w, 2, f, 50), 0);
	ck_assert_int_eq(w.dead, 1);
}
END_TEST

Suite *
xt_suite_pcap(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("pcap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pcap_headers);
	tcase_add_test(tc, pcap_names);
	tcase_add_test(tc, pcap_records);
	tcase_add_test(tc, pcap_age_flush);
	tcase_add_test(tc, pcap_snaplen);
	tcase_add_test(tc, pcap_rotation);
	tcase_add_test(tc, pcap_tiny_cap);
	tcase_add_test(tc, pcap_device);
	tcase_add_test(tc, pcap_fork_no_pid);
	tcase_add_test(tc, pcap_unwritable);
	suite_add_tcase(s, tc);
	return (s);
}
