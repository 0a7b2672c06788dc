/* SPDX-License-Identifier: MIT */
/*
 * blr_image_classify (doc/flash-layout.md §10): synthetic files cut from syn_image(), damaged
 * variants, and pieces of the two real dumps (expected versions read from the bytes with xxd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "fixture.h"
#include "synth_image.h"

static struct blr_image_class classify(const uint8_t *b, size_t n)
{
	struct blr_image_class c;

	assert_int_equal(blr_image_classify(b, n, &c), BLR_OK);
	assert_true(strlen(c.what) > 10);
	return c;
}

static void contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* The firmware of slot 0 as a file: header, 0xFF, data at 0x1000 (SLOT-1). */
static uint8_t *fw_file(const uint8_t *img, size_t *n)
{
	uint8_t *f = malloc(0x1000 + SYN_APP_LEN);

	assert_non_null(f);
	memcpy(f, img + SYN_FW0, 0x1000 + SYN_APP_LEN);
	*n = 0x1000 + SYN_APP_LEN;
	return f;
}

static void whole_and_pieces(void **state)
{
	uint8_t *img = syn_image(), *f;
	struct blr_image_class c;
	size_t n;
	(void)state;

	c = classify(img, SYN_SIZE);
	assert_int_equal(c.kind, BLR_KIND_FULL);
	contains(c.what, "whole-flash image (2 MiB, firmware slot 0, SDK release_synth_sdk_1.0)");
	/* only a table, no boot2 header: still for address 0, and said not to boot */
	memset(img, 0xFF, 176);
	c = classify(img, SYN_SIZE);
	assert_int_equal(c.kind, BLR_KIND_FULL);
	contains(c.what, "will not boot");
	free(img);

	img = syn_image();
	f = fw_file(img, &n);
	c = classify(f, n);
	assert_int_equal(c.kind, BLR_KIND_FIRMWARE);
	assert_int_equal(c.img_len, SYN_APP_LEN);
	assert_int_equal(c.hash, BLR_HASH_OK);
	contains(c.what, "a firmware image (8 KiB, SDK release_synth_sdk_1.0) for a FW slot");
	/* imgStart 0x1000 (HASH-2: other tools write it) changes nothing */
	syn_header(f, 0x3300, SYN_APP_LEN, 0x1000, f + 0x1000);
	assert_int_equal(classify(f, n).kind, BLR_KIND_FIRMWARE);
	/* hash check disabled (BCFG hashIgnore + DEADBEEF): the data cannot tell, no boot2
	 * strings: a firmware image */
	syn_header(f, 0x23300, SYN_APP_LEN, 0x2000, NULL);
	put_le32(f + 132, 0xDEADBEEF);
	syn_header_crc(f);
	c = classify(f, n);
	assert_int_equal(c.kind, BLR_KIND_FIRMWARE);
	assert_int_equal(c.hash, BLR_HASH_IGNORED);
	contains(c.what, "hash check disabled");
	/* a damaged image: UNKNOWN, with its length and the hash state */
	syn_header(f, 0x3300, SYN_APP_LEN, 0x2000, f + 0x1000);
	f[0x1800] ^= 1;
	c = classify(f, n);
	assert_int_equal(c.kind, BLR_KIND_UNKNOWN);
	assert_int_equal(c.img_len, SYN_APP_LEN);
	assert_int_equal(c.hash, BLR_HASH_MISMATCH);
	contains(c.what, "damaged or truncated");
	f[0x1800] ^= 1;
	c = classify(f, n - 1);
	assert_int_equal(c.kind, BLR_KIND_UNKNOWN);
	assert_int_equal(c.hash, BLR_HASH_TRUNCATED);
	/* a bad header CRC is said */
	f[164] = 1;
	c = classify(f, n);
	assert_int_equal(c.kind, BLR_KIND_FIRMWARE);
	contains(c.what, "header CRC bad");
	free(f);

	/* boot2 alone: header at 0, image at imgStart 0x2000, date before BLSP_Boot2_ */
	n = 0x2000 + SYN_BOOT2_LEN;
	c = classify(img, n);
	assert_int_equal(c.kind, BLR_KIND_BOOT2);
	assert_int_equal(c.img_len, SYN_BOOT2_LEN);
	assert_int_equal(c.hash, BLR_HASH_OK);
	contains(c.what, "boot2 alone (9 KiB, image at 0x2000, built Jan  2 2024)");
	/* boot2 with its hash check disabled: recognised by its strings (VER-3) */
	put_le32(img + 116, 0x23300);
	put_le32(img + 132, 0xDEADBEEF);
	syn_header_crc(img);
	c = classify(img, n);
	assert_int_equal(c.kind, BLR_KIND_BOOT2);
	assert_int_equal(c.hash, BLR_HASH_IGNORED);
	/* boot2 at imgStart 0x1000 hashes at both places: the strings say boot2 */
	f = malloc(0x1000 + SYN_BOOT2_LEN);
	assert_non_null(f);
	memcpy(f + 0x1000, img + 0x2000, SYN_BOOT2_LEN);
	syn_header(f, 0x3300, SYN_BOOT2_LEN, 0x1000, f + 0x1000);
	memset(f + 176, 0xFF, 0x1000 - 176);
	assert_int_equal(classify(f, 0x1000 + SYN_BOOT2_LEN).kind, BLR_KIND_BOOT2);
	free(f);
	free(img);
}

static void other_kinds(void **state)
{
	static const uint8_t xz[] = {0xFD, '7', 'z', 'X', 'Z', 0, 1, 2, 3, 'Y', 'Z'};
	uint8_t buf[4096];
	struct blr_image_class c;
	(void)state;

	c = classify(xz, sizeof(xz));
	assert_int_equal(c.kind, BLR_KIND_XZ);
	contains(c.what, "an xz stream (11 bytes): a compressed OTA image");
	assert_null(strstr(c.what, "truncated"));
	c = classify(xz, sizeof(xz) - 1);
	assert_int_equal(c.kind, BLR_KIND_XZ);
	contains(c.what, "truncated");
	assert_int_equal(classify(xz, 5).kind, BLR_KIND_UNKNOWN); /* magic cut off */

	c = classify(NULL, 0);
	assert_int_equal(c.kind, BLR_KIND_EMPTY);
	contains(c.what, "empty file");
	memset(buf, 0xFF, sizeof(buf));
	c = classify(buf, sizeof(buf));
	assert_int_equal(c.kind, BLR_KIND_EMPTY);
	contains(c.what, "all 4 KiB are 0xFF");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(classify(buf, sizeof(buf)).kind, BLR_KIND_UNKNOWN);
	memcpy(buf, "BFNP", 4); /* a magic alone is not a header: 176 bytes needed (BH-1) */
	c = classify(buf, 100);
	assert_int_equal(c.kind, BLR_KIND_UNKNOWN);
	contains(c.what, "no boot header at 0");
	assert_int_equal(blr_image_classify(NULL, 1, &c), BLR_E_INVAL);
	assert_int_equal(blr_image_classify(buf, 1, NULL), BLR_E_INVAL);
}

static void fixtures(void **state)
{
	static const struct {
		const char *file, *version;
		enum blr_hash_state fw_hash;
		const char *boot2_date;
	} fx[] = {
	    {"openbeken-full-2m.bin", "OpenBeken 1.18.57", BLR_HASH_OK, "Aug 10 2020"},
	    {"pinecone-factory-2m.bin", "SDK release_bl_iot_sdk_1.6.8-9-g2aea8d1f1-dirty",
	     BLR_HASH_IGNORED, "Jun 29 2020"},
	};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		size_t len = 0;
		uint8_t *b = load_fixture(fx[i].file, &len);
		struct blr_image_class c;

		if (!b)
			skip();
		c = classify(b, len);
		assert_int_equal(c.kind, BLR_KIND_FULL);
		contains(c.what, fx[i].version);
		/* a blflash-style 1 MiB cut is still a whole-flash image */
		assert_int_equal(classify(b, 1u << 20).kind, BLR_KIND_FULL);
		/* slot 0 cut out (header at 0x10000, length at header offset 120) */
		uint32_t fl = get_le32(b + 0x10000 + 120), bl = get_le32(b + 120);

		c = classify(b + 0x10000, 0x1000 + fl);
		assert_int_equal(c.kind, BLR_KIND_FIRMWARE);
		assert_int_equal(c.img_len, fl);
		assert_int_equal(c.hash, fx[i].fw_hash);
		contains(c.what, fx[i].version);
		/* boot2 cut out: header and its image at 0x2000 */
		c = classify(b, 0x2000 + bl);
		assert_int_equal(c.kind, BLR_KIND_BOOT2);
		contains(c.what, fx[i].boot2_date);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(whole_and_pieces),
	    cmocka_unit_test(other_kinds),
	    cmocka_unit_test(fixtures),
	};
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
