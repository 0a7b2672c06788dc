/* SPDX-License-Identifier: MIT */
/*
 * Synthetic flash-loader image (doc/flash-layout.md §2.1, doc/protocol.md §6.3, BUILD-4): generated
 * header fields and generated body bytes; no vendor code or data.
 */
#include "synth_loader.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"

#define HDR	  176u
#define SEG	  16u
#define LOAD_ADDR 0x22010000u

uint8_t *synth_loader_build(enum synth_style style, size_t body_len, size_t *len)
{
	static const char tag[] = "blrescue synthetic loader - not executable";
	uint8_t *img, *h, *s, *body;
	uint32_t x = 0x2545F491u;
	size_t total;

	if (!len || (style != SYNTH_DEADBEEF && style != SYNTH_REAL_CRC))
		return NULL;
	if (body_len == 0)
		body_len = 8192;
	if (body_len > 0x30000u)
		return NULL;
	total = HDR + SEG + body_len;
	img = calloc(1, total);
	if (!img)
		return NULL;
	h = img;
	s = img + HDR;
	body = s + SEG;

	/* Body: a tag, then xorshift32 bytes. */
	for (size_t i = 0; i < body_len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		body[i] = i < sizeof(tag) - 1 ? (uint8_t)tag[i] : (uint8_t)x;
	}

	/* Boot header (doc/flash-layout.md §2.1). */
	memcpy(h, "BFNP", 4);
	put_le32(h + 4, 1);
	memcpy(h + 8, "FCFG", 4);
	for (int i = 0; i < 84; i++) /* flash config table: generated, opaque to the ROM */
		h[12 + i] = (uint8_t)(i * 7 + 3);
	put_le32(h + 96, hash_crc32(h + 12, 84));
	memcpy(h + 100, "PCFG", 4);
	h[104] = 4; /* xtal 40 MHz */
	h[105] = 4; /* pll */
	h[106] = 0;
	h[107] = 1;
	h[108] = 2;
	h[109] = 0;
	put_le32(h + 112, hash_crc32(h + 104, 8));
	put_le32(h + 116, style == SYNTH_DEADBEEF ? 0x00030300u : 0x00000200u);
	put_le32(h + 120, 1);	      /* segment count */
	put_le32(h + 124, 0);	      /* boot entry */
	put_le32(h + 128, LOAD_ADDR); /* RAM image: load/entry address */

	/* Segment header (doc/protocol.md §6.3). */
	put_le32(s, LOAD_ADDR);
	put_le32(s + 4, (uint32_t)body_len);
	put_le32(s + 8, hash_crc32(body, body_len));
	put_le32(s + 12, hash_crc32(s, 12));

	if (style == SYNTH_DEADBEEF) {
		put_le32(h + 132, 0xDEADBEEFu); /* hash ignored (bit 17 + sentinel) */
		put_le32(h + 172, 0xDEADBEEFu); /* CRC ignored (bit 16 + sentinel) */
	} else {
		if (hash_sha256(s, SEG + body_len, h + 132) != 0) {
			free(img);
			return NULL;
		}
		put_le32(h + 172, hash_crc32(h, 172));
	}
	*len = total;
	return img;
}
