/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "synth_loader.h"

static void h_log(void *user, const char *line)
{
	struct h *h = user;

	if (getenv("EMU_TEST_LOG"))
		fprintf(stderr, "# emu: %s\n", line);
	snprintf(h->log[h->nlog % 64], sizeof(h->log[0]), "%s", line);
	h->nlog++;
}

void h_init(struct h *h, const struct emu_config *cfg, int fill)
{
	memset(h, 0, sizeof(*h));
	if (cfg)
		h->cfg = *cfg;
	else
		emu_config_defaults(&h->cfg);
	h->cfg.log = h_log;
	h->cfg.log_user = h;
	h->flash = malloc(h->cfg.flash_size);
	assert_non_null(h->flash);
	if (fill >= 0) {
		memset(h->flash, fill, h->cfg.flash_size);
	} else {
		uint32_t x = 12345;
		for (size_t i = 0; i < h->cfg.flash_size; i++) {
			x = x * 1103515245u + 12345u;
			h->flash[i] = (uint8_t)(x >> 16);
		}
	}
	h->e = emu_new(&h->cfg, h->flash);
	assert_non_null(h->e);
	h->now = 1000;
	h->wait_us = 50000;
}

void h_free(struct h *h)
{
	emu_free(h->e);
	free(h->flash);
}

void h_send(struct h *h, const uint8_t *b, size_t n)
{
	emu_input(h->e, b, n, h->now);
}

size_t h_recv(struct h *h, uint8_t *buf, size_t cap, uint64_t wait_us)
{
	uint64_t end = h->now + wait_us;
	size_t k = 0;

	for (;;) {
		uint64_t next;
		k += emu_output(h->e, buf + k, cap - k, h->now);
		if (k == cap)
			break;
		next = emu_next_event_us(h->e);
		if (next > end)
			break;
		assert_true(next > h->now);
		h->now = next;
	}
	if (h->now < end)
		h->now = end;
	k += emu_output(h->e, buf + k, cap - k, h->now);
	return k;
}

void h_expect(struct h *h, const uint8_t *req, size_t n, const uint8_t *want, size_t wn)
{
	uint8_t *got = malloc(wn + 64);
	size_t k;

	assert_non_null(got);
	h_send(h, req, n);
	k = h_recv(h, got, wn + 64, h->wait_us);
	if (k != wn || (wn && memcmp(got, want, wn) != 0)) {
		fprintf(stderr, "# want %zu bytes:", wn);
		for (size_t i = 0; i < wn && i < 40; i++)
			fprintf(stderr, " %02X", want[i]);
		fprintf(stderr, "\n# got  %zu bytes:", k);
		for (size_t i = 0; i < k && i < 40; i++)
			fprintf(stderr, " %02X", got[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(k, wn);
	if (wn)
		assert_memory_equal(got, want, wn);
	free(got);
}

void h_sync(struct h *h, unsigned baud)
{
	static const uint8_t ok[2] = {0x4F, 0x4B};
	size_t n = (size_t)baud * 6 / 10000;
	uint8_t *b = malloc(n);

	assert_non_null(b);
	memset(b, 0x55, n);
	emu_set_baud(h->e, baud);
	h_expect(h, b, n, ok, 2);
	free(b);
	h->now += 30000;
}

size_t h_frame(uint8_t *out, uint8_t id, int cks, const uint8_t *p, size_t n)
{
	unsigned s = (unsigned)(n & 0xFF) + (unsigned)(n >> 8);

	out[0] = id;
	put_le16(out + 2, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		out[4 + i] = p[i];
		s += p[i];
	}
	out[1] = cks < 0 ? (uint8_t)s : (uint8_t)cks;
	return 4 + n;
}

void h_to_loader(struct h *h, int style)
{
	static const uint8_t ok[2] = {0x4F, 0x4B};
	size_t len, off;
	uint8_t *img = synth_loader_build((enum synth_style)style, 0, &len);
	uint8_t *f = malloc(4 + 4092), want[20];

	assert_non_null(img);
	assert_non_null(f);
	h_sync(h, 500000);
	h_expect(h, f, h_frame(f, 0x11, 0, img, 176), ok, 2);
	want[0] = 0x4F;
	want[1] = 0x4B;
	want[2] = 0x10;
	want[3] = 0x00;
	memcpy(want + 4, img + 176, 16);
	h_expect(h, f, h_frame(f, 0x17, 0, img + 176, 16), want, 20);
	for (off = 192; off < len;) {
		size_t k = len - off > 4080 ? 4080 : len - off;
		h_expect(h, f, h_frame(f, 0x18, 0, img + off, k), ok, 2);
		off += k;
	}
	h_expect(h, (const uint8_t *)"\x19\x00\x00\x00", 4, ok, 2);
	h_expect(h, (const uint8_t *)"\x1A\x00\x00\x00", 4, ok, 2);
	assert_int_equal(emu_get_state(h->e), EMU_LDR_WAIT_SYNC);
	h->now += 100000;
	h_sync(h, 2000000);
	assert_int_equal(emu_get_state(h->e), EMU_LDR_CMD);
	free(f);
	free(img);
}

void h_expect_fl(struct h *h, const uint8_t *req, size_t n, uint16_t code)
{
	uint8_t want[4] = {0x46, 0x4C, (uint8_t)code, (uint8_t)(code >> 8)};

	h_expect(h, req, n, want, sizeof(want));
}

void h_expect_nothing(struct h *h, const uint8_t *req, size_t n)
{
	h_expect(h, req, n, NULL, 0);
}

const char *h_log_find(const struct h *h, const char *needle)
{
	for (unsigned i = 0; i < 64 && i < h->nlog; i++) {
		const char *l = h->log[(h->nlog - 1 - i) % 64];
		if (strstr(l, needle))
			return l;
	}
	return NULL;
}
