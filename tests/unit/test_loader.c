/* SPDX-License-Identifier: MIT */
/*
 * Loader image validation on synthetic images of both header styles (tests/support) and on
 * corrupted variants of each field the ROM checks (doc/protocol.md §8.1); the table of
 * official files (§8.3) checked for consistency, and what is done with another chip's file,
 * another crystal's and an unknown one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
		assert_int_equal(hash_sha256(img, len, sha), 0);
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
		/* DEADBEEF without the crc_ignore bit is a plain wrong CRC (UPL-1) */
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
				put_le32(c + 172, hash_crc32(c, 172));
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
		put_le32(c + 176 + 12, hash_crc32(c + 176, 12));
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
	put_le32(seg + 8, hash_crc32(seg + 16, 2000));
	put_le32(seg + 12, hash_crc32(seg, 12));
	expect_reject(img, len, "SHA-256");
	/* with hash_ignore + DEADBEEF the same body is accepted */
	put_le32(img + 116, get_le32(img + 116) | (1u << 17));
	put_le32(img + 132, 0xDEADBEEFu);
	put_le32(img + 172, hash_crc32(img, 172));
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

/* hex digits to bytes */
static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* The first row of chip c (and crystal xtal_khz unless 1), or fail. */
static const struct loader_build *row_of(enum loader_chip c, uint32_t xtal_khz, size_t size)
{
	size_t n = 0;
	const struct loader_build *b = loader_known_builds(&n);

	for (size_t i = 0; i < n; i++)
		if (b[i].chip == c && (xtal_khz == 1 || b[i].xtal_khz == xtal_khz) &&
		    (!size || b[i].size == size))
			return &b[i];
	fail_msg("no row for chip %d, %u kHz, size %zu", (int)c, (unsigned)xtal_khz, size);
	return NULL;
}

/* doc/protocol.md §8.3: every official file, by SHA-256; the five builds of BUILD-1 with
 * their features. */
static void known_build_table(void **state)
{
	static const size_t feature_sizes[] = {22064, 29264, 37920, 38784, 37376};
	size_t n = 0, nfeat = 0, per_chip[CHIP_COUNT] = {0};
	const struct loader_build *b = loader_known_builds(&n);
	(void)state;

	assert_int_equal(n, 2 + 98); /* two of other origins, 98 from bflb-mcu-tool */
	for (size_t i = 0; i < n; i++) {
		const char *x = strstr(b[i].files, "eflash_loader_");

		assert_int_equal(strlen(b[i].sha256_hex), 64);
		for (size_t k = 0; k < 64; k++)
			assert_non_null(strchr("0123456789abcdef", b[i].sha256_hex[k]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(b[i].sha256_hex, b[j].sha256_hex);
		assert_true(b[i].chip < CHIP_COUNT);
		per_chip[b[i].chip]++;
		/* the crystal is the first file name's */
		assert_non_null(x);
		x += strlen("eflash_loader_");
		if (b[i].xtal_khz == XTAL_RC)
			assert_true(!strncmp(x, "none", 4) || !strncmp(x, "rc32m", 5));
		else if (b[i].xtal_khz == 38400)
			assert_true(!strncmp(x, "38p4m", 5));
		else
			assert_int_equal(strtoul(x, NULL, 10) * 1000, b[i].xtal_khz);
		assert_true(b[i].releases != NULL || b[i].feat != NULL);
		if (b[i].size == 20512)
			assert_int_equal(b[i].chip, CHIP_BL60X);
		if (!b[i].feat) {
			assert_null(b[i].name);
			continue;
		}
		/* BUILD-1: the five are BL602 40 MHz builds; decompress-write, PD, the DEADBEEF
		 * style and the 0x4008 buffer go with the new (24-command) set */
		assert_int_equal(b[i].size, feature_sizes[nfeat]);
		nfeat++;
		assert_int_equal(b[i].chip, CHIP_BL602);
		assert_int_equal(b[i].xtal_khz, 40000);
		assert_non_null(b[i].name);
		bool is_new = b[i].feat->has_get_boot_info;

		assert_int_equal(b[i].feat->has_decompress_write, is_new);
		assert_int_equal(b[i].feat->has_pd, is_new);
		assert_int_equal(b[i].feat->deadbeef_style, is_new);
		assert_int_equal(b[i].feat->frame_limit, is_new ? 0x4004 : 0x2404);
		assert_true(b[i].feat->frame_limit >= ISP_ROM_MAX_PAYLOAD);
		assert_int_equal(b[i].feat->rx_timeout_ms, b[i].size == 38784 ? 10000 : 2000);
	}
	assert_int_equal(nfeat, 5);
	assert_int_equal(per_chip[CHIP_BL602], 2 + 73);
	assert_int_equal(per_chip[CHIP_BL702], 12);
	assert_int_equal(per_chip[CHIP_BL606P], 6);
	assert_int_equal(per_chip[CHIP_BL606P_BL702], 1);
	assert_int_equal(per_chip[CHIP_BL60X], 6);
	/* loader_identify finds a row by size and SHA-256, and nothing for another size */
	for (size_t i = 0; i < n; i += 7) {
		uint8_t sha[32];

		unhex(b[i].sha256_hex, sha, 32);
		assert_ptr_equal(loader_identify(b[i].size, sha), &b[i]);
		assert_null(loader_identify(b[i].size + 1, sha));
	}
}

/* Another chip's official file is refused (its header cannot tell, only the SHA-256): the
 * reason names what it is and what a BL602 needs, *info says what it is. */
static void other_chips_refused(void **state)
{
	static const struct {
		enum loader_chip chip;
		const char *name, *in_why;
	} cases[] = {
	    {CHIP_BL702, "BL702", "BL702"},
	    {CHIP_BL606P, "BL606P", "BL606P"},
	    {CHIP_BL606P_BL702, "BL606P or BL702", "BL606P and BL702"},
	    {CHIP_BL60X, "legacy BL60x", "legacy BL60x"},
	};
	size_t len = 0;
	uint8_t *img = make(SYNTH_DEADBEEF, 1000, &len), sha[32];
	(void)state;

	assert_int_equal(hash_sha256(img, len, sha), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct loader_build *b = row_of(cases[i].chip, 1, 0);
		struct blr_loader_info li;
		const char *why = NULL;

		memset(&li, 0, sizeof(li));
		/* a valid image: refused for what it is all the same */
		assert_int_equal(loader_parse_identified(img, len, sha, b, &li, &why),
				 BLR_E_FORMAT);
		assert_non_null(why);
		assert_non_null(strstr(why, cases[i].in_why));
		assert_non_null(strstr(why, "eflash_loader_40m.bin"));
		assert_non_null(strstr(why, "BL602"));
		assert_string_equal(li.chip, cases[i].name);
		assert_ptr_equal(li.file_names, b->files);
		assert_ptr_equal(li.releases, b->releases);
		assert_int_equal(li.size, len);
		assert_memory_equal(li.sha256, sha, 32);
		assert_null(li.build);
		/* and a broken one too: the identity comes first */
		assert_int_equal(loader_parse_identified(img, 10, sha, b, &li, &why), BLR_E_FORMAT);
		assert_non_null(strstr(why, cases[i].in_why));
	}
	free(img);
}

/* BL602 files: identity for all, the features only for the five builds of BUILD-1; an
 * unknown file has no identity. */
static void bl602_identity(void **state)
{
	size_t len = 0;
	uint8_t *img = make(SYNTH_REAL_CRC, 3000, &len), sha[32];
	struct blr_loader_info li;
	const struct loader_build *b;
	(void)state;

	assert_int_equal(hash_sha256(img, len, sha), 0);
	/* another crystal: accepted, said what it is, conservative limits */
	b = row_of(CHIP_BL602, 26000, 37920);
	assert_int_equal(loader_parse_identified(img, len, sha, b, &li, NULL), BLR_OK);
	assert_string_equal(li.chip, "BL602");
	assert_int_equal(li.xtal_khz, 26000);
	assert_false(li.xtal_rc);
	assert_string_equal(li.file_names, "eflash_loader_26m.bin");
	assert_string_equal(li.releases, "1.8.4, 1.10.0");
	assert_null(li.build);
	assert_int_equal(li.frame_limit, 0x2404);
	assert_false(li.has_pd);
	assert_int_equal(li.rx_timeout_ms, 2000);
	assert_int_equal(li.seg_len, 3000);
	/* no crystal */
	b = row_of(CHIP_BL602, XTAL_RC, 37920);
	assert_int_equal(loader_parse_identified(img, len, sha, b, &li, NULL), BLR_OK);
	assert_true(li.xtal_rc);
	assert_int_equal(li.xtal_khz, 0);
	/* the 40 MHz build of 1.8.4/1.10.0: features known */
	b = row_of(CHIP_BL602, 40000, 37920);
	assert_int_equal(loader_parse_identified(img, len, sha, b, &li, NULL), BLR_OK);
	assert_string_equal(li.build, "eflash_loader 37920 (bflb-mcu-tool 1.10.0)");
	assert_int_equal(li.frame_limit, 0x4004);
	assert_true(li.has_pd && li.has_get_boot_info && li.has_decompress_write);
	assert_int_equal(li.xtal_khz, 40000);
	/* a known BL602 row does not excuse a broken image */
	assert_int_equal(loader_parse_identified(img, len - 1, sha, b, &li, NULL), BLR_E_FORMAT);
	/* not in the table */
	assert_int_equal(blr_loader_parse(img, len, &li, NULL), BLR_OK);
	assert_null(li.chip);
	assert_null(li.file_names);
	assert_null(li.releases);
	assert_null(li.build);
	assert_int_equal(li.xtal_khz, 0);
	assert_false(li.xtal_rc);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_images),	   cmocka_unit_test(corrupt_header_fields),
	    cmocka_unit_test(corrupt_lengths),	   cmocka_unit_test(hash_mismatch_real_crc),
	    cmocka_unit_test(bad_arguments),	   cmocka_unit_test(known_build_table),
	    cmocka_unit_test(other_chips_refused), cmocka_unit_test(bl602_identity),
	};
	return cmocka_run_group_tests_name("loader images", tests, NULL, NULL);
}
