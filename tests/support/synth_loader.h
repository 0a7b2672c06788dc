/* SPDX-License-Identifier: MIT */
/*
 * A synthetic flash-loader image for tests: a valid 176-byte boot header (BFNP, FCFG and
 * PCFG blocks with correct CRCs), one 16-byte segment header (destination 0x22010000, length,
 * data CRC, header CRC) and body_len bytes of generated data. It contains no vendor code;
 * the emulator accepts any image with a valid header, and the library treats it as an
 * unknown (conservative) build.
 */
#ifndef BLR_TESTS_SYNTH_LOADER_H
#define BLR_TESTS_SYNTH_LOADER_H

#include <stddef.h>
#include <stdint.h>

enum synth_style {
	SYNTH_DEADBEEF = 0, /* crc_ignore + hash_ignore with DEADBEEF sentinels (new builds) */
	SYNTH_REAL_CRC = 1, /* real header CRC and real SHA-256 (old builds) */
};

/* Returns a malloc'ed image and its length in *len, or NULL. body_len 0 = 8192. */
uint8_t *synth_loader_build(enum synth_style style, size_t body_len, size_t *len);

#endif
