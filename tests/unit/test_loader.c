/* SPDX-License-Identifier: MIT */
/*
 * Loader image validation on synthetic images of both header styles (tests/support) and on
 * corrupted variants of each field the ROM checks (protocol.md §5.1-§5.3); the table of
 * known official builds (§5.5) checked for consistency.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/isp.h"
#include "lib/loader.h"
#include "synth_loader.h"

static const enum synth_style styles[] = {SYNTH_DEADBEEF, SYNTH_REAL_CRC};

static uint8_t *make(enum synth_style st, size_t body, size_t *len)
{
	uint8_t *img = synth_loader_build(st, body, len);

	assert_non_null(img);
	return img;
}

/* parse must fail with BLR_E_FORMAT and a reason containing `what` */
static void expect_reject(const uint8_t *img, size_t len, const char *what)
{
	struct blr_loader_info li;
	const char *why = NULL;

	assert_int_equal(blr_loader_parse(img, len, &li, &why), BLR_E_FORMAT);
	assert_non_null(why);
	if (!strstr(why, what))
		fail_msg("reason \"%s\" does not mention \"%s\"", why, what);
}

static void valid_images(void **state)
{
	(void)state;
	for (size_t s = 0; s < 2; s++) {
		size_t len = 0;
		uint8_t *img = make(styles[s], 5000, &len);
		struct blr_loader_info li;
		uint8_t sha[32];

		assert_int_equal(len, 176 + 16 + 5000);
		assert_int_equal(blr_loader_parse(img, len, &li, NULL), BLR_OK);
		assert_int_equal(li.size, len);
		assert_int_equal(li.seg_len, 5000);
		assert_int_equal(li.seg_dest, 0x22010000u);
		assert_int_equal(li.header_crc_ignored, styles[s] == SYNTH_DEADBEEF);
		assert_int_equal(li.hash_ignored, styles[s] == SYNTH_DEADBEEF);
		assert_int_equal(blr_sha256(img, len, sha), 0);
		assert_memory_equal(li.sha256, sha, 32);
		/* unknown build: conservative limits */
		assert_null(li.build);
		assert_int_equal(li.frame_limit, 0x2404);
		assert_false(li.has_pd);
		assert_false(li.has_get_boot_info);
		assert_false(li.has_decompress_write);
		assert_int_equal(li.rx_timeout_ms, 2000);
		free(img);
	}
}

static void corrupt_header_fields(void **state)
{
	(void)state;
	for (size_t s = 0; s < 2; s++) {
		size_t len = 0;
		uint8_t *img = make(styles[s], 1000, &len);
		uint8_t *c = malloc(len);
		struct blr_loader_info li;

		assert_non_null(c);
#define FLIP(off, what)                                                                            \
	do {                                                                                       \
		memcpy(c, img, len);                                                               \
		c[off] ^= 0x01;                                                                    \
		expect_reject(c, len, what);                                                       \
	} while (0)
		FLIP(0, "magic");
		FLIP(20, "flash configuration CRC");
		FLIP(96, "flash configuration CRC");
		FLIP(106, "clock configuration CRC");
		FLIP(176 + 2, "segment header CRC");	  /* destination */
		FLIP(176 + 12, "segment header CRC");	  /* the CRC itself */
		FLIP(176 + 16 + 500, "segment data CRC"); /* body */
		FLIP(176 + 8, "segment header CRC");	  /* data CRC field */
#undef FLIP
		/* a field covered only by the header CRC (boot entry) */
		memcpy(c, img, len);
		c[124] ^= 0x01;
		if (styles[s] == SYNTH_REAL_CRC)
			expect_reject(c, len, "boot header CRC");
		else
			assert_int_equal(blr_loader_parse(c, len, &li, NULL), BLR_OK);
		/* DEADBEEF without the crc_ignore bit is a plain wrong CRC (§5.2) */
		if (styles[s] == SYNTH_DEADBEEF) {
			memcpy(c, img, len);
			c[118] &= (uint8_t)~0x01; /* bootcfg bit 16 */
			expect_reject(c, len, "CRC");
		}
		/* segment count 0 and 2 */
		for (uint32_t n = 0; n <= 2; n += 2) {
			memcpy(c, img, len);
			put_le32(c + 120, n);
			if (styles[s] == SYNTH_REAL_CRC)
				put_le32(c + 172, blr_crc32(c, 172));
			expect_reject(c, len, "segment count");
		}
		free(c);
		free(img);
	}
}

static void corrupt_lengths(void **state)
{
	(void)state;
	for (size_t s = 0; s < 2; s++) {
		size_t len = 0;
		uint8_t *img = make(styles[s], 1000, &len);
		uint8_t *c = malloc(len + 1);

		assert_non_null(c);
		expect_reject(img, len - 1, "truncated");
		expect_reject(img, 176 + 16 + 10, "truncated");
		expect_reject(img, 176 + 15, "too short");
		expect_reject(img, 0, "too short");
		memcpy(c, img, len);
		c[len] = 0;
		expect_reject(c, len + 1, "trailing");
		/* a segment length of 0, with its header CRC made consistent */
		memcpy(c, img, len);
		put_le32(c + 176 + 4, 0);
		put_le32(c + 176 + 12, blr_crc32(c + 176, 12));
		expect_reject(c, len, "segment length");
		free(c);
		free(img);
	}
}

static void hash_mismatch_real_crc(void **state)
{
	size_t len = 0;
	uint8_t *img = make(SYNTH_REAL_CRC, 2000, &len);
	uint8_t *seg = img + 176;
	(void)state;

	/* change the body and make every CRC consistent again: only the SHA-256 catches it */
	seg[16 + 100] ^= 0xFF;
	put_le32(seg + 8, blr_crc32(seg + 16, 2000));
	put_le32(seg + 12, blr_crc32(seg, 12));
	expect_reject(img, len, "SHA-256");
	/* with hash_ignore + DEADBEEF the same body is accepted */
	put_le32(img + 116, get_le32(img + 116) | (1u << 17));
	put_le32(img + 132, 0xDEADBEEFu);
	put_le32(img + 172, blr_crc32(img, 172));
	struct blr_loader_info li;

	assert_int_equal(blr_loader_parse(img, len, &li, NULL), BLR_OK);
	assert_true(li.hash_ignored);
	assert_false(li.header_crc_ignored);
	free(img);
}

static void bad_arguments(void **state)
{
	struct blr_loader_info li;
	uint8_t b[8] = {0};
	(void)state;
	assert_int_equal(blr_loader_parse(NULL, 10, &li, NULL), BLR_E_INVAL);
	assert_int_equal(blr_loader_parse(b, sizeof(b), NULL, NULL), BLR_E_INVAL);
}

static void known_build_table(void **state)
{
	static const size_t sizes[] = {22064, 29264, 37376, 37920, 38784};
	size_t n = 0;
	const struct loader_build *b = loader_known_builds(&n);
	(void)state;

	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(b[i].size, sizes[i]);
		assert_int_equal(strlen(b[i].sha256_hex), 64);
		for (size_t k = 0; k < 64; k++)
			assert_non_null(strchr("0123456789abcdef", b[i].sha256_hex[k]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(b[i].sha256_hex, b[j].sha256_hex);
		bool is_new = b[i].has_get_boot_info;

		/* §5.5: decompress-write, PD, DEADBEEF style and the 0x4008 buffer go with the new
		 * (24-command) set */
		assert_int_equal(b[i].has_decompress_write, is_new);
		assert_int_equal(b[i].has_pd, is_new);
		assert_int_equal(b[i].deadbeef_style, is_new);
		assert_int_equal(b[i].frame_limit, is_new ? 0x4004 : 0x2404);
		assert_true(b[i].frame_limit >= ISP_ROM_MAX_PAYLOAD);
		assert_true(b[i].rx_timeout_ms == 2000 || b[i].rx_timeout_ms == 10000);
		assert_non_null(b[i].name);
	}
	assert_int_equal(b[4].rx_timeout_ms, 10000); /* the 38 784-byte build */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_images),    cmocka_unit_test(corrupt_header_fields),
	    cmocka_unit_test(corrupt_lengths), cmocka_unit_test(hash_mismatch_real_crc),
	    cmocka_unit_test(bad_arguments),   cmocka_unit_test(known_build_table),
	};
	return cmocka_run_group_tests_name("loader images", tests, NULL, NULL);
}
