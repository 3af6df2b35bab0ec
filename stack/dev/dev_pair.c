/*
 * dev_pair.c - an in-memory link between two devices, for simulations.
 *
 * Each direction is a min-heap of queued frames ordered by (delivery
 * time, enqueue number), so frames due at the same instant come out in
 * the order they were sent.  Time is read from the caller's clock
 * pointer; nothing here reads a real clock, sleeps or has an fd.
 *
 * Per transmitted frame the link draws from its own xorshift64* PRNG in a
 * fixed order, whatever the knobs are set to, so that a seed reproduces a
 * run and changing one probability does not shift the others' decisions:
 *   1. loss        (uniform in [0,1) < loss: the frame vanishes)
 *   2. corruption  (uniform < corrupt; a second draw picks the bit)
 *   3. duplication (uniform < dup: a copy is queued with the same time)
 *   4. reordering  (uniform < reorder: the original, not the copy, is
 *                  held back by reorder_us)
 *   5. jitter      (uniform integer in 0..jitter_us)
 * That is six draws per frame, the same for every frame.
 *
 * Delivery time = now + serialisation + delay_us + jitter (+ reorder_us).
 * With rate_bps > 0 the wire is busy for len*8/rate_bps after each frame
 * starts, and a frame starts when the wire is free (a FIFO transmit
 * queue in front of the link); the busy time is kept in nanoseconds so
 * rounding does not accumulate.  Lost frames take no wire time; a
 * duplicate shares its original's slot.
 *
 * Memory: each queued frame is one malloc of its exact size, freed when
 * delivered (simulations only); the queue is bounded by queue_frames per
 * direction and a frame arriving at a full queue is dropped and counted.
 * Copy policy (phy.h): tx copies every frame; rx hands the callback a
 * pointer valid only for the duration of the call.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../xt_err.h"
#include "dev_pair.h"

#define PAIR_MAX_FRAME		(65535 + 14)	/* IPv4 max + Ethernet header */
#define PAIR_DEFAULT_QUEUE	1024
#define PAIR_MTU		1500
#define PAIR_SEED_MIX		0x9e3779b97f4a7c15ULL

struct pair_frame {
	uint64_t	due_us;		/* delivery time, µs (link clock) */
	uint64_t	seq;		/* enqueue number, breaks ties */
	uint32_t	len;		/* frame bytes */
	uint8_t		data[];
};

struct pair_dir {
	struct pair_frame	**heap;		/* min-heap by (due_us, seq) */
	uint32_t		n;		/* frames queued */
	uint64_t		next_seq;	/* next enqueue number */
	uint64_t		busy_until_ns;	/* wire free from here, ns */
};

struct xt_link {
	struct xt_link_params	p;
	const uint64_t		*clock_us;	/* caller's clock, µs */
	uint64_t		rng;		/* xorshift64* state, never 0 */
	struct pair_dir		dir[2];		/* [0]: a→b, [1]: b→a */
	struct xt_dev		dev[2];		/* a, b */
	struct xt_link_stats	st;
};

static int	pair_rx_burst(struct xt_dev *, xt_rx_fn, void *, unsigned);
static int	pair_tx_burst(struct xt_dev *, const struct iovec *, unsigned);
static int	pair_wait_fd(struct xt_dev *);
static void	pair_close(struct xt_dev *);

static uint64_t	pair_rand(struct xt_link *);
static double	pair_uniform(struct xt_link *);
static int	pair_before(const struct pair_frame *,
		    const struct pair_frame *);
static void	pair_push(struct pair_dir *, struct pair_frame *);
static struct pair_frame *pair_pop(struct pair_dir *);
static int	pair_enqueue(struct xt_link *, struct pair_dir *,
		    const uint8_t *, uint32_t, uint64_t, struct pair_frame **);
static int	pair_params_ok(const struct xt_link_params *);
static void	pair_tx_one(struct xt_link *, struct xt_dev *,
		    struct pair_dir *, const struct iovec *);

static const struct xt_dev_ops pair_ops = {
	.name = "pair",
	.rx_burst = pair_rx_burst,
	.tx_burst = pair_tx_burst,
	.wait_fd = pair_wait_fd,
	.close = pair_close,
};

/* xorshift64* (Marsaglia's xorshift, Vigna's multiplier). */
static uint64_t
pair_rand(struct xt_link *l)
{
	uint64_t x = l->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->rng = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* Uniform in [0, 1) from the top 53 bits. */
static double
pair_uniform(struct xt_link *l)
{
	return ((double)(pair_rand(l) >> 11) * (1.0 / 9007199254740992.0));
}

static int
pair_before(const struct pair_frame *x, const struct pair_frame *y)
{
	if (x->due_us != y->due_us)
		return (x->due_us < y->due_us);
	return (x->seq < y->seq);
}

/* Caller checked there is room. */
static void
pair_push(struct pair_dir *d, struct pair_frame *f)
{
	uint32_t i, parent;

	i = d->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!pair_before(f, d->heap[parent]))
			break;
		d->heap[i] = d->heap[parent];
		i = parent;
	}
	d->heap[i] = f;
}

static struct pair_frame *
pair_pop(struct pair_dir *d)
{
	struct pair_frame *top, *last;
	uint32_t i, c;

	if (d->n == 0)
		return (NULL);
	top = d->heap[0];
	last = d->heap[--d->n];
	i = 0;
	for (;;) {
		c = 2 * i + 1;
		if (c >= d->n)
			break;
		if (c + 1 < d->n && pair_before(d->heap[c + 1], d->heap[c]))
			c++;
		if (!pair_before(d->heap[c], last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->n > 0)
		d->heap[i] = last;
	return (top);
}

/*
 * Queue a copy of frame due at due_us; XT_ENOBUFS (counted as overflow)
 * if the direction is full.  *fp, if non-NULL, gets the queued entry.
 */
static int
pair_enqueue(struct xt_link *l, struct pair_dir *d, const uint8_t *frame,
    uint32_t len, uint64_t due_us, struct pair_frame **fp)
{
	struct pair_frame *f;

	if (d->n >= l->p.queue_frames) {
		l->st.overflow++;
		return (XT_ENOBUFS);
	}
	if ((f = malloc(sizeof(*f) + len)) == NULL)
		return (XT_ENOMEM);
	f->due_us = due_us;
	f->seq = d->next_seq++;
	f->len = len;
	if (len > 0)
		memcpy(f->data, frame, len);
	pair_push(d, f);
	if (fp != NULL)
		*fp = f;
	return (XT_OK);
}

static void
pair_tx_one(struct xt_link *l, struct xt_dev *dev, struct pair_dir *d,
    const struct iovec *iov)
{
	const uint8_t *frame = iov->iov_base;
	uint32_t len = (uint32_t)iov->iov_len;
	double u_loss, u_corrupt, u_dup, u_reorder;
	uint64_t r_bit, r_jitter, now, start_ns, due, bit;
	struct pair_frame *f;
	int reorder;

	l->st.sent++;
	if (iov->iov_len > PAIR_MAX_FRAME || (frame == NULL && len > 0)) {
		dev->tx_drops++;
		return;
	}

	/* The fixed draw order; see the banner. */
	u_loss = pair_uniform(l);
	u_corrupt = pair_uniform(l);
	r_bit = pair_rand(l);
	u_dup = pair_uniform(l);
	u_reorder = pair_uniform(l);
	r_jitter = pair_rand(l);

	if (u_loss < l->p.loss) {
		/* Lost on the wire: the device did send it. */
		l->st.dropped++;
		dev->tx_frames++;
		return;
	}
	if (d->n >= l->p.queue_frames) {
		/* Tail drop before the wire: takes no serialisation time. */
		l->st.overflow++;
		dev->tx_drops++;
		return;
	}

	now = *l->clock_us;
	due = now + l->p.delay_us;
	if (l->p.jitter_us > 0)
		due += r_jitter % ((uint64_t)l->p.jitter_us + 1);
	if (l->p.rate_bps > 0) {
		start_ns = now * 1000;
		if (d->busy_until_ns > start_ns)
			start_ns = d->busy_until_ns;
		d->busy_until_ns = start_ns +
		    ((uint64_t)len * 8 * 1000000000ULL + l->p.rate_bps - 1) /
		    l->p.rate_bps;
		/* Arrives when its last bit is off the wire (ns → µs, up). */
		due += (d->busy_until_ns + 999) / 1000 - now;
	}

	/*
	 * Reordering holds back the original only: a duplicated and
	 * reordered frame arrives copy first.
	 */
	reorder = u_reorder < l->p.reorder;
	if (pair_enqueue(l, d, frame, len,
	    reorder ? due + l->p.reorder_us : due, &f) != XT_OK) {
		dev->tx_drops++;
		return;
	}
	dev->tx_frames++;
	if (u_corrupt < l->p.corrupt && len > 0) {
		bit = r_bit % ((uint64_t)len * 8);
		f->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		l->st.corrupted++;
	}
	/* The copy duplicates the (possibly corrupted) frame. */
	if (u_dup < l->p.dup &&
	    pair_enqueue(l, d, f->data, len, due, NULL) == XT_OK)
		l->st.duplicated++;
	if (reorder)
		l->st.reordered++;
}

static int
pair_tx_burst(struct xt_dev *dev, const struct iovec *frames, unsigned n)
{
	struct xt_link *l = dev->priv;
	unsigned i;

	for (i = 0; i < n; i++)
		pair_tx_one(l, dev, &l->dir[dev - l->dev], &frames[i]);
	return ((int)n);
}

static int
pair_rx_burst(struct xt_dev *dev, xt_rx_fn cb, void *arg, unsigned max)
{
	struct xt_link *l = dev->priv;
	struct pair_dir *d = &l->dir[1 - (dev - l->dev)];
	struct pair_frame *f;
	unsigned got;

	if (max > INT_MAX)
		max = INT_MAX;
	for (got = 0; got < max; got++) {
		if (d->n == 0 || d->heap[0]->due_us > *l->clock_us)
			break;
		f = pair_pop(d);
		l->st.delivered++;
		dev->rx_frames++;
		cb(arg, f->data, f->len, 0);
		free(f);
	}
	return ((int)got);
}

static int
pair_wait_fd(struct xt_dev *dev)
{
	(void)dev;
	return (-1);
}

/* The link owns both devices; xt_link_free() releases them. */
static void
pair_close(struct xt_dev *dev)
{
	(void)dev;
}

static int
pair_params_ok(const struct xt_link_params *p)
{
	/* Written so that NaN fails too. */
	return (p->loss >= 0 && p->loss <= 1 && p->dup >= 0 && p->dup <= 1 &&
	    p->reorder >= 0 && p->reorder <= 1 &&
	    p->corrupt >= 0 && p->corrupt <= 1);
}

int
xt_link_new(const struct xt_link_params *p, const uint64_t *clock_us,
    struct xt_link **out, struct xt_dev **a, struct xt_dev **b)
{
	struct xt_link *l;
	int i, err;

	*out = NULL;
	if (clock_us == NULL || (p != NULL && !pair_params_ok(p)))
		return (XT_EINVAL);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (XT_ENOMEM);
	if (p != NULL)
		l->p = *p;
	if (l->p.queue_frames == 0)
		l->p.queue_frames = PAIR_DEFAULT_QUEUE;
	l->clock_us = clock_us;
	/* Spread small seeds over the state and avoid the all-zero state. */
	l->rng = (l->p.seed + 1) * PAIR_SEED_MIX;
	if (l->rng == 0)
		l->rng = PAIR_SEED_MIX;
	for (i = 0; i < 2; i++) {
		l->dir[i].heap = calloc(l->p.queue_frames,
		    sizeof(l->dir[i].heap[0]));
		if (l->dir[i].heap == NULL) {
			err = XT_ENOMEM;
			goto out;
		}
		l->dev[i].ops = &pair_ops;
		l->dev[i].mac[0] = 0x02;
		l->dev[i].mac[5] = (uint8_t)(i + 1);
		l->dev[i].mtu = PAIR_MTU;
		l->dev[i].priv = l;
	}
	*out = l;
	*a = &l->dev[0];
	*b = &l->dev[1];
	return (XT_OK);
out:
	xt_link_free(l);
	return (err);
}

void
xt_link_free(struct xt_link *l)
{
	struct pair_frame *f;
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if (l->dir[i].heap == NULL)
			continue;
		while ((f = pair_pop(&l->dir[i])) != NULL)
			free(f);
		free(l->dir[i].heap);
	}
	free(l);
}

uint64_t
xt_link_next_deadline(const struct xt_link *l)
{
	uint64_t t = UINT64_MAX;
	int i;

	for (i = 0; i < 2; i++)
		if (l->dir[i].n > 0 && l->dir[i].heap[0]->due_us < t)
			t = l->dir[i].heap[0]->due_us;
	return (t);
}

void
xt_link_get_stats(const struct xt_link *l, struct xt_link_stats *st)
{
	*st = l->st;
}
