/* SPDX-License-Identifier: MIT */
/* Shared set-up for the library <-> emulator tests: an emulator core over flash in memory,
 * the in-process virtual-clock transport, a device context and the synthetic loader. */
#ifndef BLR_TESTS_SESSION_FIXTURE_H
#define BLR_TESTS_SESSION_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"
#include "emu/emu.h"

struct fx {
	struct emu_config cfg;
	uint8_t *flash;
	struct emu *e;
	struct blr_transport t; /* copy of what the device owns: for raw frames */
	struct blr_dev *dev;
	uint8_t *loader;
	size_t loader_len;
	struct blr_connect_opts opts;
};

/* Flash contents: 0xFF, the PineCone dump (fx_read_fixture), or a pattern. */
enum fx_fill { FX_ERASED, FX_PATTERN, FX_FIXTURE_PINECONE };

/* Builds everything with cfg (NULL = emulator defaults). Fails the test on error. */
void fx_init(struct fx *f, const struct emu_config *cfg, enum fx_fill fill);
void fx_free(struct fx *f);
/* blr_connect with f->opts (loader = the synthetic one). */
int fx_connect(struct fx *f);
/* Read a whole file of $BLR_FIXTURES; when it is missing (a public clone), the generated
 * bootable 2 MiB image of tests/image/synth_image.c instead. */
uint8_t *fx_read_fixture(const char *name, size_t *len);
/* A test that checks what only the real dumps give (how many sectors are data, how well they
 * compress): skip() with its reason when ../shared/fixtures is absent (a public clone). */
void fx_need_fixtures(void);
/* Deterministic pattern bytes. */
void fx_pattern(uint8_t *buf, size_t len, uint32_t seed);
/* Log sink printing TAP comments when BLR_TEST_VERBOSE is set. */
void fx_log(void *user, enum blr_log_level lvl, const char *msg);

#endif
