/* SPDX-License-Identifier: MIT */
/*
 * The UART line between host and device (emu.h "Baud", "Timing"):
 *  - host bytes are queued with an arrival time (paced at 10 bits per byte of the host's baud
 *    when the timing model is on) and the id of the emu_input() call that brought them (a
 *    "chunk": our stand-in for one FIFO read of the real firmware);
 *  - device bytes are queued with the time each is fully on the line: latency_us after the
 *    reply was produced, paced the same way;
 *  - a host baud more than 3 % off the device's makes both directions lose their bytes.
 * Every byte crossing the line passes line_in_put() or line_out_put().
 */
#include <stdlib.h>
#include <string.h>

#include "emu/emu_int.h"

static unsigned pace_baud(const struct emu *e)
{
	return e->line.host_baud ? e->line.host_baud : 115200u;
}

/* Line time of n bytes at 10 bits per byte. */
static uint64_t line_us(const struct emu *e, uint64_t n)
{
	uint64_t b = pace_baud(e);

	return (n * 10000000u + b - 1) / b;
}

/*
 * The device's UART runs at the baud it measured at its last sync. If the host's line is
 * set to something else (more than 3 % off), both directions are garbage; we model that as
 * lost bytes (documented simplification; real hardware would deliver junk).
 */
bool line_garbled(const struct emu *e)
{
	uint64_t h = e->line.host_baud, d = e->line.dev_baud;

	if (!h || !d)
		return false;
	return (h > d ? h - d : d - h) * 100u > d * 3u;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *p;

	if (need <= *cap)
		return true;
	nc = *cap ? *cap : 256;
	while (nc < need)
		nc *= 2;
	p = realloc(*buf, nc * elem);
	if (!p)
		return false;
	*buf = p;
	*cap = nc;
	return true;
}

/* Power cycle: both queues are emptied, the line is free from now on. */
void line_clear(struct emu *e, uint64_t now)
{
	struct emu_line *l = &e->line;

	l->in.head = l->in.tail = l->out.head = l->out.tail = 0;
	l->in.free = l->out.free = now;
}

/* Queues n bytes from start on (paced when the timing model is on, after what is queued). */
static void enqueue(struct emu *e, struct lqueue *q, uint64_t start, const uint8_t *buf, size_t n,
		    uint32_t chunk)
{
	bool paced = e->cfg.timing.enabled;

	if (q->head > 0 && q->head == q->tail)
		q->head = q->tail = 0;
	if (q->head > 4096 && q->head * 2 > q->tail) {
		memmove(q->b, q->b + q->head, (q->tail - q->head) * sizeof(*q->b));
		q->tail -= q->head;
		q->head = 0;
	}
	if (!grow((void **)&q->b, &q->cap, q->tail + n, sizeof(*q->b)))
		return; /* out of memory: the bytes are lost, as on a broken line */
	if (paced && start < q->free)
		start = q->free;
	for (size_t i = 0; i < n; i++) {
		struct lbyte *x = &q->b[q->tail++];
		x->b = buf[i];
		x->chunk = chunk;
		x->t = paced ? start + line_us(e, i + 1) : start;
	}
	if (paced)
		q->free = start + line_us(e, n);
	else if (q->free < start)
		q->free = start;
}

/* Host bytes sent at now, as one chunk. */
void line_in_put(struct emu *e, const uint8_t *buf, size_t n, uint64_t now)
{
	enqueue(e, &e->line.in, now, buf, n, ++e->line.chunk_seq);
}

uint64_t line_in_next(const struct emu *e)
{
	const struct lqueue *q = &e->line.in;

	return q->head < q->tail ? q->b[q->head].t : UINT64_MAX;
}

/* The next host byte (line_in_next() must not be UINT64_MAX). */
struct lbyte line_in_take(struct emu *e)
{
	struct lqueue *q = &e->line.in;
	struct lbyte x = q->b[q->head++];

	if (q->head == q->tail)
		q->head = q->tail = 0;
	return x;
}

/* How many bytes of the given chunk are still queued (at most max). */
size_t line_in_chunk_left(const struct emu *e, uint32_t chunk, size_t max)
{
	const struct lqueue *q = &e->line.in;
	size_t k = 0;

	while (k < max && q->head + k < q->tail && q->b[q->head + k].chunk == chunk)
		k++;
	return k;
}

/* Drop the bytes still queued from the given chunk (the rest of a "FIFO read"). */
void line_in_drop_chunk(struct emu *e, uint32_t chunk)
{
	struct lqueue *q = &e->line.in;

	while (q->head < q->tail && q->b[q->head].chunk == chunk)
		q->head++;
}

/* Device output produced at time t: on the line latency_us later (timing model on). */
void line_out_put(struct emu *e, uint64_t t, const uint8_t *buf, size_t n)
{
	if (n == 0 || line_garbled(e))
		return;
	enqueue(e, &e->line.out, t + (e->cfg.timing.enabled ? e->cfg.timing.latency_us : 0), buf, n,
		0);
}

uint64_t line_out_next(const struct emu *e)
{
	const struct lqueue *q = &e->line.out;

	return q->head < q->tail ? q->b[q->head].t : UINT64_MAX;
}

/* Device bytes on the line by now. */
size_t line_out_get(struct emu *e, uint8_t *buf, size_t cap, uint64_t now)
{
	struct lqueue *q = &e->line.out;
	size_t k = 0;

	while (k < cap && q->head < q->tail && q->b[q->head].t <= now)
		buf[k++] = q->b[q->head++].b;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	return k;
}
