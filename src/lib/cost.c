/* SPDX-License-Identifier: MIT */
/*
 * What a command costs on this link (doc/protocol.md OP-7): the line time follows from the
 * baud; the round-trip time and the chip's hash rate are measured with dev_now_ms on every
 * read and hash of the operation; erase and programming times are data-sheet typicals (the
 * values of EMU-13). Decisions that trade hashing against reading (blank probes, 4 KiB
 * hashes, 32/64 KiB erases) are taken from these numbers.
 */
#include <string.h>

#include "lib/flash.h"
#include "lib/isp.h"

#define RTT_PRIOR_MS  2.0
#define RTT_MIN_MS    0.1
#define HASH_PRIOR_MS (1.0 / 2000.0) /* per byte: 2,000 bytes/ms */
#define HASH_MIN_N    8192u	     /* smaller hashes measure the round trip instead */
#define PROG_PRIOR_MS (0.4 / 256.0)  /* per byte: 400 us per 256-byte page */
#define READ_OVERHEAD (ISP_REQ_HDR_LEN + ISP_RANGE_LEN + 4u) /* request + reply header */
#define HASH_OVERHEAD (ISP_REQ_HDR_LEN + ISP_RANGE_LEN + 4u + ISP_SHA256_LEN)
#define SEND_OVERHEAD (ISP_REQ_HDR_LEN + ISP_ADDR_LEN + 2u)

void fl_op_init(struct fl_op *o, struct blr_dev *dev)
{
	unsigned baud = dev->cur_baud ? dev->cur_baud : BLR_DEFAULT_BAUD;

	memset(o, 0, sizeof(*o));
	o->dev = dev;
	o->c.wire = 10000.0 / baud; /* 10 bits per byte */
	o->c.rtt = RTT_PRIOR_MS;
	o->c.hash = HASH_PRIOR_MS;
	o->c.prog = PROG_PRIOR_MS;
	o->c.erase[0] = 45.0;
	o->c.erase[1] = 120.0;
	o->c.erase[2] = 150.0;
}

static void note_rtt(struct fl_costs *c, double sample)
{
	if (sample < 0)
		sample = 0;
	if (c->rtt_n && sample > 10 * c->rtt + 50)
		return; /* a retry or a handshake in between, not the link */
	c->rtt_sum += sample;
	c->rtt_n++;
	c->rtt = c->rtt_sum / c->rtt_n;
	if (c->rtt < RTT_MIN_MS)
		c->rtt = RTT_MIN_MS;
}

void fl_cost_note_read(struct fl_op *o, size_t n, uint64_t dt_ms)
{
	note_rtt(&o->c, (double)dt_ms - o->c.wire * (double)(n + READ_OVERHEAD));
}

void fl_cost_note_hash(struct fl_op *o, size_t n, uint64_t dt_ms)
{
	struct fl_costs *c = &o->c;
	double t = (double)dt_ms - c->wire * HASH_OVERHEAD;

	if (n < HASH_MIN_N) {
		note_rtt(c, t - c->hash * (double)n);
		return;
	}
	t -= c->rtt;
	c->hash_ms += t > 0 ? t : 0;
	c->hash_bytes += (double)n;
	/* nothing measurable (a model without timing): keep the prior */
	if (c->hash_ms > 0)
		c->hash = c->hash_ms / c->hash_bytes;
}

int fl_cost_measure(struct fl_op *o)
{
	uint8_t d[ISP_SHA256_LEN];

	return fl_sha(o, 0, 0, d);
}

double fl_cost_read(const struct fl_op *o, size_t n)
{
	size_t chunk = fl_read_chunk(o->dev);
	double chunks = (double)((n + chunk - 1) / chunk);

	return chunks * (o->c.rtt + o->c.wire * READ_OVERHEAD) + o->c.wire * (double)n;
}

double fl_cost_hash(const struct fl_op *o, size_t n)
{
	return o->c.rtt + o->c.wire * HASH_OVERHEAD + o->c.hash * (double)n;
}

double fl_cost_send(const struct fl_op *o, size_t n, size_t out)
{
	size_t chunk = fl_write_chunk(o->dev);
	double frames = (double)((n + chunk - 1) / chunk);
	double line = o->c.wire * (double)n, prog = o->c.prog * (double)out;

	return frames * (o->c.rtt + o->c.wire * SEND_OVERHEAD) + (line > prog ? line : prog);
}

size_t fl_cost_ff_gap(const struct fl_op *o)
{
	return (size_t)(o->c.rtt / o->c.wire) + SEND_OVERHEAD;
}

double fl_erase_steps(const struct fl_op *o, uint64_t start, uint64_t end, size_t counts[3])
{
	double ms = 0;

	/* the loader's loop (ERASE-2) over the inclusive end end - 1 */
	while (start < end) {
		uint64_t left = end - start;
		unsigned k;

		if (start % FL_BLOCK == 0 && left > FL_BLOCK - FL_SECTOR)
			k = 2;
		else if (start % FL_HALF == 0 && left > FL_HALF - FL_SECTOR)
			k = 1;
		else
			k = 0;
		start -= k ? 0 : start % FL_SECTOR;
		start += k == 2 ? FL_BLOCK : k == 1 ? FL_HALF : FL_SECTOR;
		counts[k]++;
		ms += o->c.erase[k];
	}
	return ms;
}
