/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dev_pair.c - an in-memory link between two devices, for simulations.
 *
 * Each direction is a min-heap of queued frames ordered by (delivery
 * time, enqueue number), so frames due at the same instant come out in
 * the order they were sent.  Time is read from the caller's clock
 * pointer; nothing here reads a real clock, sleeps or has an fd.
 *
 * Per transmitted frame the link draws from its fault model (dev_fault.h,
 * one for both directions, in XT_FAULT_ORDER_FIXED) in a fixed order,
 * whatever the knobs are set to, so that a seed reproduces a run and
 * changing one probability does not shift the others' decisions:
 *   1. loss        (uniform in [0,1) < loss: the frame vanishes)
 *   2. corruption  (uniform < corrupt; a second draw picks the bit)
 *   3. duplication (uniform < dup: a copy is queued with the same time)
 *   4. reordering  (uniform < reorder: the original, not the copy, is
 *                  held back by reorder_us)
 *   5. jitter      (uniform integer in 0..jitter_us)
 * That is six draws per frame, the same for every frame.  A second
 * stream, seeded from the same seed, makes the draws of the knobs added
 * later, again in a fixed order and two per frame:
 *   7. Gilbert-Elliott transition (uniform < ge_p from good, < ge_r
 *                  from bad: the direction's chain changes state)
 *   8. Gilbert-Elliott loss (uniform < ge_loss_bad or ge_loss_good, by
 *                  the state just reached: the frame vanishes)
 * so runs that leave those knobs at zero are what they were before the
 * knobs existed.
 *
 * Delivery time = now + serialisation + delay_us + jitter (+ reorder_us).
 * With rate_bps > 0 the wire is busy for len*8/rate_bps after each frame
 * starts, and a frame starts when the wire is free (a FIFO transmit
 * queue in front of the link); the busy time is kept in nanoseconds so
 * rounding does not accumulate.  Lost frames take no wire time; a
 * duplicate shares its original's slot.
 *
 * The bottleneck queue is that FIFO: per direction a ring of the
 * serialisation end times and lengths of the frames whose last bit is
 * not yet on the wire (entries whose end time has passed are dropped
 * from its head whenever a frame arrives).  Its occupancy on a frame's
 * arrival decides the tail drop (qlimit_*) and the CE mark (ecn_*).
 * Order per frame: random loss, burst loss, the in-flight bound
 * (queue_frames), the bottleneck's tail drop, CE marking, then
 * corruption on the wire (after the mark, so the mark's checksum update
 * cannot repair a flipped bit), duplication and reordering.
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

#include "xt_err.h"
#include "dev/dev_fault.h"
#include "dev/dev_pair.h"

#define PAIR_MAX_FRAME		(65535 + 14)	/* IPv4 max + Ethernet header */
#define PAIR_DEFAULT_QUEUE	1024
#define PAIR_MTU		1500
#define PAIR_SEED_MIX		0x9e3779b97f4a7c15ULL
#define PAIR_SEED_MIX2		0xd1b54a32d192ed03ULL
#define PAIR_ETH_HLEN		14
#define PAIR_ETHERTYPE_ARP	0x0806

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
	/* Bottleneck FIFO: ring of queue_frames slots (rate_bps > 0). */
	uint64_t		*q_end_ns;	/* serialisation end, ns */
	uint32_t		*q_len;		/* frame bytes */
	uint32_t		q_head;		/* oldest entry */
	uint32_t		q_n;		/* entries */
	uint64_t		q_bytes;	/* sum of q_len over entries */
	int			ge_bad;		/* Gilbert-Elliott state */
};

struct xt_link {
	struct xt_link_params	p;
	const uint64_t		*clock_us;	/* caller's clock, µs */
	struct xt_fault		fault;		/* both directions' draws */
	struct pair_dir		dir[2];		/* [0]: a→b, [1]: b→a */
	struct xt_dev		dev[2];		/* a, b */
	struct xt_link_stats	st;
};

static int	pair_rx_burst(struct xt_dev *, xt_rx_fn, void *, unsigned);
static int	pair_tx_burst(struct xt_dev *, const struct iovec *, unsigned);
static int	pair_wait_fd(struct xt_dev *);
static void	pair_close(struct xt_dev *);

static void	pair_q_expire(struct xt_link *, struct pair_dir *, uint64_t);
static void	pair_q_add(struct xt_link *, struct pair_dir *, uint64_t,
		    uint32_t);
static int	pair_before(const struct pair_frame *,
		    const struct pair_frame *);
static void	pair_push(struct pair_dir *, struct pair_frame *);
static struct pair_frame *pair_pop(struct pair_dir *);
static int	pair_enqueue(struct xt_link *, struct pair_dir *,
		    const uint8_t *, uint32_t, uint64_t, struct pair_frame **);
static int	pair_params_ok(const struct xt_link_params *);
static int	pair_admit(struct xt_link *, struct xt_dev *,
		    struct pair_dir *);
static int	pair_due(struct xt_link *, struct pair_dir *, uint32_t,
		    uint64_t *, uint64_t *, int *);
static void	pair_wire(struct xt_link *, struct pair_dir *,
		    struct pair_frame *, uint64_t, int);
static void	pair_tx_one(struct xt_link *, struct xt_dev *,
		    struct pair_dir *, const struct iovec *);

static const struct xt_dev_ops pair_ops = {
	.name = "pair",
	.rx_burst = pair_rx_burst,
	.tx_burst = pair_tx_burst,
	.wait_fd = pair_wait_fd,
	.close = pair_close,
};

/* Forget bottleneck entries whose last bit left the wire by now_ns. */
static void
pair_q_expire(struct xt_link *l, struct pair_dir *d, uint64_t now_ns)
{
	while (d->q_n > 0 && d->q_end_ns[d->q_head] <= now_ns) {
		d->q_bytes -= d->q_len[d->q_head];
		d->q_head = (d->q_head + 1) % l->p.queue_frames;
		d->q_n--;
	}
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

/*
 * Random loss, burst loss, then the bound on frames in flight: 1 if the
 * frame goes on.  A frame lost on the wire was sent by the device; one
 * dropped at a full queue was not.
 */
static int
pair_admit(struct xt_link *l, struct xt_dev *dev, struct pair_dir *d)
{
	if (xt_fault_chance(&l->fault, XT_FAULT_LOSS, l->p.loss)) {
		l->st.dropped++;
		dev->tx_frames++;
		return (0);
	}
	if (xt_fault_burst(&l->fault, &d->ge_bad, l->p.ge_p, l->p.ge_r,
	    l->p.ge_loss_good, l->p.ge_loss_bad)) {
		l->st.burst_dropped++;
		dev->tx_frames++;
		return (0);
	}
	if (d->n >= l->p.queue_frames) {
		/* Tail drop before the wire: takes no serialisation time. */
		l->st.overflow++;
		dev->tx_drops++;
		return (0);
	}
	return (1);
}

/*
 * When a frame of len bytes sent now arrives (*duep): now + delay_us +
 * jitter, and with rate_bps > 0 after its last bit leaves the wire
 * (*end_nsp) behind the frames queued before it.  0 if the bottleneck
 * queue tail-drops it; *markp is set if the queue is past an ECN
 * threshold.
 */
static int
pair_due(struct xt_link *l, struct pair_dir *d, uint32_t len,
    uint64_t *duep, uint64_t *end_nsp, int *markp)
{
	uint64_t now, now_ns, start_ns, end_ns, due;

	now = *l->clock_us;
	now_ns = now * 1000;
	due = now + l->p.delay_us;
	if (l->p.jitter_us > 0)
		due += xt_fault_raw(&l->fault, XT_FAULT_JITTER) %
		    ((uint64_t)l->p.jitter_us + 1);
	*end_nsp = 0;
	*markp = 0;
	if (l->p.rate_bps > 0) {
		pair_q_expire(l, d, now_ns);
		if ((l->p.qlimit_frames > 0 && d->q_n >= l->p.qlimit_frames) ||
		    (l->p.qlimit_bytes > 0 &&
		    d->q_bytes + len > l->p.qlimit_bytes) ||
		    d->q_n >= l->p.queue_frames)
			return (0);
		*markp = (l->p.ecn_frames > 0 && d->q_n >= l->p.ecn_frames) ||
		    (l->p.ecn_bytes > 0 && d->q_bytes >= l->p.ecn_bytes);
		start_ns = now_ns;
		if (d->busy_until_ns > start_ns)
			start_ns = d->busy_until_ns;
		end_ns = start_ns +
		    ((uint64_t)len * 8 * 1000000000ULL + l->p.rate_bps - 1) /
		    l->p.rate_bps;
		/* Arrives when its last bit is off the wire (ns → µs, up). */
		due += (end_ns + 999) / 1000 - now;
		*end_nsp = end_ns;
	}
	*duep = due;
	return (1);
}

/* The frame of len bytes whose last bit leaves at end_ns joins the
 * bottleneck queue and keeps the wire busy until then. */
static void
pair_q_add(struct xt_link *l, struct pair_dir *d, uint64_t end_ns,
    uint32_t len)
{
	uint32_t slot;

	d->busy_until_ns = end_ns;
	slot = (d->q_head + d->q_n) % l->p.queue_frames;
	d->q_end_ns[slot] = end_ns;
	d->q_len[slot] = len;
	d->q_n++;
	d->q_bytes += len;
	if (d->q_n > l->st.qmax_frames)
		l->st.qmax_frames = d->q_n;
	if (d->q_bytes > l->st.qmax_bytes)
		l->st.qmax_bytes = (uint32_t)d->q_bytes;
}

/*
 * What happens to the queued frame f on the way: the CE mark (in the
 * queue, before the wire can corrupt, so the mark's checksum update
 * cannot repair a flipped bit), a flipped bit, then a copy of the
 * (possibly corrupted) frame due at due.
 */
static void
pair_wire(struct xt_link *l, struct pair_dir *d, struct pair_frame *f,
    uint64_t due, int mark)
{
	uint32_t len = f->len;

	if (mark && xt_fault_ce_mark(f->data, len))
		l->st.ce_marked++;
	if (xt_fault_chance(&l->fault, XT_FAULT_CORRUPT, l->p.corrupt) &&
	    len > 0 && !(l->p.corrupt_no_arp && len >= PAIR_ETH_HLEN &&
	    ((uint16_t)f->data[12] << 8 | f->data[13]) == PAIR_ETHERTYPE_ARP)) {
		xt_fault_flip(&l->fault, f->data, len);
		l->st.corrupted++;
	}
	if (xt_fault_chance(&l->fault, XT_FAULT_DUP, l->p.dup) &&
	    pair_enqueue(l, d, f->data, len, due, NULL) == XT_OK)
		l->st.duplicated++;
}

static void
pair_tx_one(struct xt_link *l, struct xt_dev *dev, struct pair_dir *d,
    const struct iovec *iov)
{
	const uint8_t *frame = iov->iov_base;
	uint32_t len = (uint32_t)iov->iov_len;
	uint64_t due, end_ns;
	struct pair_frame *f;
	int reorder, mark;

	l->st.sent++;
	if (iov->iov_len > PAIR_MAX_FRAME || (frame == NULL && len > 0)) {
		dev->tx_drops++;
		return;
	}
	/* The fixed draw order; see the banner. */
	xt_fault_begin(&l->fault);
	if (!pair_admit(l, dev, d))
		return;
	if (!pair_due(l, d, len, &due, &end_ns, &mark)) {
		/* The router dropped it; the device did send it. */
		l->st.qdrops++;
		dev->tx_frames++;
		return;
	}
	/*
	 * Reordering holds back the original only: a duplicated and
	 * reordered frame arrives copy first.
	 */
	reorder = xt_fault_chance(&l->fault, XT_FAULT_REORDER, l->p.reorder);
	if (pair_enqueue(l, d, frame, len,
	    reorder ? due + l->p.reorder_us : due, &f) != XT_OK) {
		dev->tx_drops++;
		return;
	}
	dev->tx_frames++;
	if (l->p.rate_bps > 0)
		pair_q_add(l, d, end_ns, len);
	pair_wire(l, d, f, due, mark);
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
	    p->corrupt >= 0 && p->corrupt <= 1 &&
	    p->ge_p >= 0 && p->ge_p <= 1 && p->ge_r >= 0 && p->ge_r <= 1 &&
	    p->ge_loss_good >= 0 && p->ge_loss_good <= 1 &&
	    p->ge_loss_bad >= 0 && p->ge_loss_bad <= 1);
}

int
xt_link_new(const struct xt_link_params *p, const uint64_t *clock_us,
    struct xt_link **out, struct xt_dev **a, struct xt_dev **b)
{
	struct xt_link *l;
	uint64_t s1, s2;
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
	/*
	 * Spread small seeds over the states and avoid the all-zero state.
	 * This derivation, like the draw order, is pinned by the simulation
	 * baseline; linkem derives its own (see dev_fault.h).
	 */
	s1 = (l->p.seed + 1) * PAIR_SEED_MIX;
	if (s1 == 0)
		s1 = PAIR_SEED_MIX;
	s2 = (l->p.seed + 1) * PAIR_SEED_MIX2 ^ PAIR_SEED_MIX;
	if (s2 == 0)
		s2 = PAIR_SEED_MIX2;
	xt_fault_init(&l->fault, XT_FAULT_ORDER_FIXED, s1, s2);
	for (i = 0; i < 2; i++) {
		l->dir[i].heap = calloc(l->p.queue_frames,
		    sizeof(l->dir[i].heap[0]));
		l->dir[i].q_end_ns = calloc(l->p.queue_frames,
		    sizeof(l->dir[i].q_end_ns[0]));
		l->dir[i].q_len = calloc(l->p.queue_frames,
		    sizeof(l->dir[i].q_len[0]));
		if (l->dir[i].heap == NULL || l->dir[i].q_end_ns == NULL ||
		    l->dir[i].q_len == NULL) {
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
		free(l->dir[i].q_end_ns);
		free(l->dir[i].q_len);
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
