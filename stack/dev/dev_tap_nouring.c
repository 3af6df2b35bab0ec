/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_tap_nouring.c - the TAP backend's io_uring entry points when libxtcp
 * is built --without-liburing (it replaces dev_tap_uring.c).  Setting up
 * the rings always fails, so dev_tap.c takes the read(2)/write(2) path,
 * the one it takes anyway where the kernel or a seccomp filter refuses
 * io_uring (and the one a fork child uses); the other three are never
 * reached, as p->uring stays 0.
 */
#include "dev/tap_state.h"

#ifdef HAVE_LIBURING
#error "dev_tap_nouring.c is for builds without liburing (see Makefile.am)"
#endif

int
xt_tap_uring_init(struct tap_priv *p)
{
	(void)p;
	return (-1);
}

void
xt_tap_uring_fini(struct tap_priv *p)
{
	(void)p;
}

int
xt_tap_rx_uring(struct tap_priv *p, xt_rx_fn cb, void *arg, unsigned max)
{
	(void)p;
	(void)cb;
	(void)arg;
	(void)max;
	return (0);
}

int
xt_tap_tx_uring(struct tap_priv *p, const struct iovec *frames, unsigned n,
    unsigned *donep, int *hardp)
{
	(void)p;
	(void)frames;
	(void)n;
	*donep = 0;
	*hardp = 0;
	return (0);
}
