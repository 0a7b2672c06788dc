/* SPDX-License-Identifier: MIT */
/*
 * Response decoder fuzzer. Byte 0 selects the mode (bit 0: data command, bits 1-7: buffer
 * size class), byte 1 the feed piece size; the rest is the device's byte stream. Checks the
 * decoder's invariants: it always makes progress, never consumes past the input, never
 * announces more data than its buffer, and piecewise feeding gives the same events as
 * byte-at-a-time feeding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/codec.h"

#define MAX_EVENTS 4096

struct trace {
	size_t n;
	uint8_t ev[MAX_EVENTS];
	uint16_t code[MAX_EVENTS];
	size_t len[MAX_EVENTS];
};

static void run(const uint8_t *in, size_t n, bool data, size_t cap, size_t piece, struct trace *t)
{
	uint8_t *buf = malloc(cap ? cap : 1);
	struct isp_decoder d;
	size_t off = 0;

	if (!buf)
		abort();
	isp_dec_init(&d, data, buf, cap);
	t->n = 0;
	while (off < n) {
		size_t want = isp_dec_want(&d);
		size_t k = piece ? piece : want;
		enum isp_ev ev;

		if (want == 0)
			abort();
		if (k > n - off)
			k = n - off;
		size_t used = isp_dec_feed(&d, in + off, k, &ev);

		if (used == 0 || used > k)
			abort();
		if (!piece && ev != ISP_EV_NONE && used != k)
			abort(); /* reading exactly want() must end on the event */
		if (ev == ISP_EV_DATA && d.len > cap)
			abort();
		off += used;
		if (ev != ISP_EV_NONE && t->n < MAX_EVENTS) {
			t->ev[t->n] = (uint8_t)ev;
			t->code[t->n] = d.code;
			t->len[t->n] = d.len;
			t->n++;
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace a, b;

	if (size < 2)
		return 0;
	bool expect = data[0] & 1;
	size_t cap = (size_t)(data[0] >> 1) * 136; /* 0 .. 17 272 */
	size_t piece = data[1] % 17;

	run(data + 2, size - 2, expect, cap, piece, &a);
	run(data + 2, size - 2, expect, cap, 1, &b);
	if (a.n != b.n || memcmp(a.ev, b.ev, a.n) != 0 ||
	    memcmp(a.code, b.code, a.n * sizeof(a.code[0])) != 0 ||
	    memcmp(a.len, b.len, a.n * sizeof(a.len[0])) != 0)
		abort();
	return 0;
}
