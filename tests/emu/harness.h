/* SPDX-License-Identifier: MIT */
/* Small driver for the emulator core in tests: literal bytes in, bytes out, virtual time. */
#ifndef BLR_TESTS_EMU_HARNESS_H
#define BLR_TESTS_EMU_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"

struct h {
	struct emu_config cfg;
	struct emu *e;
	uint8_t *flash;
	uint64_t now;
	uint64_t wait_us; /* h_expect's wait; 50 ms by default */
	char log[64][160];
	unsigned nlog;
};

/* Fills flash with a pattern (fill < 0) or the byte fill. */
void h_init(struct h *h, const struct emu_config *cfg, int fill);
void h_free(struct h *h);
void h_send(struct h *h, const uint8_t *b, size_t n);
/* Advances time by wait_us and returns everything the device sent meanwhile. */
size_t h_recv(struct h *h, uint8_t *buf, size_t cap, uint64_t wait_us);
/* Sends, waits wait_us, and checks the reply is exactly want. */
void h_expect(struct h *h, const uint8_t *req, size_t n, const uint8_t *want, size_t wn);
/* 0x55 burst of ~6 ms at baud; expects exactly OK; then 30 ms settle. */
void h_sync(struct h *h, unsigned baud);
/* ROM sync, upload the synthetic loader of the given style, run it, loader sync at 2 Mbaud. */
void h_to_loader(struct h *h, int style);
/* Build a frame: id, checksum (computed when cks < 0), payload. Returns its length. */
size_t h_frame(uint8_t *out, uint8_t id, int cks, const uint8_t *p, size_t n);
/* Sends req and checks the reply is exactly FL + code (LE) / nothing at all. */
void h_expect_fl(struct h *h, const uint8_t *req, size_t n, uint16_t code);
void h_expect_nothing(struct h *h, const uint8_t *req, size_t n);
/* The latest of the last 64 log lines containing needle, or NULL. */
const char *h_log_find(const struct h *h, const char *needle);
#define EXPECT(h, req, want) h_expect(h, req, sizeof(req), want, sizeof(want))

#endif
