/* SPDX-License-Identifier: MIT */
/*
 * The UART line between host and device (emu.h "Baud", "Timing"):
 *  - host bytes are queued with an arrival time (paced at 10 bits per byte of the host's baud
 *    when the timing model is on) and the id of the emu_input() call that brought them (a
 *    "chunk": our stand-in for one FIFO read of the real firmware);
 *  - device bytes are queued with the time each is fully on the line: latency_us after the
 *    reply was produced, paced the same way;
 *  - a host baud more than 3 % off the device's makes both directions lose their bytes.
 * Every byte crossing the line passes line_in_put() or line_out_put(), where it is counted
 * and handed to the byte faults (fault.c); a byte an event waits for carries its mark.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_int.h"

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

/* Drops the bytes of q for which keep() is false; the events marked on them run at the
 * byte's time (fault_orphan). */
static void filter(struct emu *e, struct lqueue *q, bool (*keep)(const struct lbyte *, uint64_t),
		   uint64_t t, size_t upto)
{
	unsigned *marks = q == &e->line.in ? &e->line.in_marks : &e->line.out_marks;
	size_t k = q->head;

	for (size_t i = q->head; i < q->tail; i++) {
		struct lbyte x = q->b[i];
		if (i < upto && keep(&x, t)) {
			q->b[k++] = x;
			continue;
		}
		if (x.mark) {
			(*marks)--;
			fault_orphan(e, x.mark, x.t);
		}
	}
	q->tail = k;
	if (q->head == q->tail)
		q->head = q->tail = 0;
}

static bool keep_none(const struct lbyte *x, uint64_t t)
{
	(void)x, (void)t;
	return false;
}

static bool keep_later(const struct lbyte *x, uint64_t t)
{
	return x->t > t;
}

static bool keep_sent(const struct lbyte *x, uint64_t t)
{
	return x->t <= t;
}

/* Power cycle: both queues are emptied, the line is free from now on. */
void line_clear(struct emu *e, uint64_t now)
{
	struct emu_line *l = &e->line;

	filter(e, &l->in, keep_none, now, 0);
	filter(e, &l->out, keep_none, now, 0);
	l->in.free = l->out.free = now;
}

/* Position of the byte marked m in q (q->tail if none). */
static size_t mark_pos(const struct lqueue *q, uint8_t m)
{
	size_t i = q->head;

	while (i < q->tail && (m == 0 || q->b[i].mark != m))
		i++;
	return m ? i : q->tail;
}

/* Reset: the host bytes that reached the device by t are gone. */
void line_in_cut(struct emu *e, uint64_t t)
{
	filter(e, &e->line.in, keep_later, t, SIZE_MAX);
}

/* Reset: device bytes not on the line by t (or from the byte marked m on) are never sent. */
void line_out_cut(struct emu *e, uint64_t t, uint8_t m)
{
	struct lqueue *q = &e->line.out;

	filter(e, q, keep_sent, t, mark_pos(q, m));
	if (q->free > t)
		q->free = t;
}

/* No byte moves in [from, to): bytes due then (in the out queue: from the byte marked m on,
 * if m) move to `to`, and so do bytes queued later for that window. */
void line_stall(struct emu *e, uint64_t from, uint64_t to, uint8_t m)
{
	struct lqueue *qs[2] = {&e->line.in, &e->line.out};

	for (int k = 0; k < 2; k++) {
		struct lqueue *q = qs[k];
		size_t p = k == 1 && m ? mark_pos(q, m) : q->head;
		for (size_t i = p; i < q->tail; i++)
			if (q->b[i].t < to && (q->b[i].t >= from || (k == 1 && m)))
				q->b[i].t = to;
		if (q->free >= from && q->free < to)
			q->free = to;
	}
	e->line.stall_from = from;
	e->line.stall_to = to;
}

uint8_t line_in_mark(const struct emu *e)
{
	const struct lqueue *q = &e->line.in;

	return e->line.in_marks && q->head < q->tail ? q->b[q->head].mark : 0;
}

uint8_t line_out_mark(const struct emu *e, uint64_t *t)
{
	const struct lqueue *q = &e->line.out;

	for (size_t i = q->head; e->line.out_marks && i < q->tail; i++)
		if (q->b[i].mark) {
			*t = q->b[i].t;
			return q->b[i].mark;
		}
	return 0;
}

void line_unmark(struct emu *e, bool out, uint8_t m)
{
	struct lqueue *q = out ? &e->line.out : &e->line.in;
	size_t i = mark_pos(q, m);

	if (m && i < q->tail) {
		q->b[i].mark = 0;
		(*(out ? &e->line.out_marks : &e->line.in_marks))--;
	}
}

uint64_t line_out_last(const struct emu *e)
{
	const struct lqueue *q = &e->line.out;

	return q->head < q->tail ? q->b[q->tail - 1].t : 0;
}

/* Queues n bytes from start on (paced when the timing model is on, after what is queued),
 * with their marks (mk may be NULL). Bytes due in the last stall wait for its end. */
static void enqueue(struct emu *e, struct lqueue *q, uint64_t start, const uint8_t *buf,
		    const uint8_t *mk, size_t n, uint32_t chunk)
{
	unsigned *marks = q == &e->line.in ? &e->line.in_marks : &e->line.out_marks;
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
		if (x->t >= e->line.stall_from && x->t < e->line.stall_to)
			x->t = e->line.stall_to;
		x->mark = mk ? mk[i] : 0;
		if (x->mark)
			(*marks)++;
	}
	if (paced)
		q->free = start + line_us(e, n);
	else if (q->free < start)
		q->free = start;
}

/* Counts n bytes of one direction sent at t, applies the byte faults and queues the result
 * unless lost (a baud mismatch). */
static void put(struct emu *e, bool out, uint64_t t, const uint8_t *buf, size_t n, bool lost,
		uint32_t chunk)
{
	struct lqueue *q = out ? &e->line.out : &e->line.in;
	uint8_t *ob;
	size_t m;

	if (e->fault.vanished)
		return;
	if (fault_bytes_quiet(e, out)) {
		*(out ? &e->st.bytes_out : &e->st.bytes_in) += n;
		if (!lost)
			enqueue(e, q, t, buf, NULL, n, chunk);
		return;
	}
	ob = malloc(4 * n);
	if (!ob)
		return; /* out of memory: the bytes are lost, as on a broken line */
	m = fault_bytes(e, out, buf, n, t, ob, ob + 2 * n);
	for (size_t i = 0; lost && i < m; i++)
		fault_orphan(e, ob[2 * n + i], t);
	if (!lost)
		enqueue(e, q, t, ob, ob + 2 * n, m, chunk);
	free(ob);
}

/* Host bytes sent at now, as one chunk. */
void line_in_put(struct emu *e, const uint8_t *buf, size_t n, uint64_t now)
{
	put(e, false, now, buf, n, false, ++e->line.chunk_seq);
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

	if (x.mark) { /* consume() runs a marked byte's events first: cannot happen */
		e->line.in_marks--;
		fault_orphan(e, x.mark, x.t);
	}
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

	while (q->head < q->tail && q->b[q->head].chunk == chunk) {
		if (q->b[q->head].mark) { /* the device reached it: its events run now */
			e->line.in_marks--;
			fault_orphan(e, q->b[q->head].mark, q->b[q->head].t);
		}
		q->head++;
	}
}

/* Device output produced at time t: on the line latency_us later (timing model on). */
void line_out_put(struct emu *e, uint64_t t, const uint8_t *buf, size_t n)
{
	if (n == 0)
		return;
	put(e, true, t + (e->cfg.timing.enabled ? e->cfg.timing.latency_us : 0), buf, n,
	    line_garbled(e), 0);
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

	while (k < cap && q->head < q->tail && q->b[q->head].t <= now && !q->b[q->head].mark)
		buf[k++] = q->b[q->head++].b;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	return k;
}
