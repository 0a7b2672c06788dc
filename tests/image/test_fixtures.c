/* SPDX-License-Identifier: MIT */
/*
 * The two real dumps in ../shared/fixtures. Expected values come from
 * doc/flash-layout.md and from looking at the bytes with xxd, not from this program's output.
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
#include "common/hash.h"
#include "fixture.h"

struct part {
	const char *name;
	uint8_t type;
	uint32_t a0, l0, a1, l1;
};

static void expect_table(const struct blr_ptable *t, const struct part *p, size_t n)
{
	assert_true(t->valid);
	assert_int_equal(t->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct blr_pt_entry *e = blr_ptable_find(t, p[i].name);

		assert_non_null(e);
		assert_int_equal(e->type, p[i].type);
		assert_int_equal(e->addr[0], p[i].a0);
		assert_int_equal(e->max_len[0], p[i].l0);
		assert_int_equal(e->addr[1], p[i].a1);
		assert_int_equal(e->max_len[1], p[i].l1);
	}
}

static size_t find_kv(const struct blr_image_info *in, const char *name, int state, size_t from)
{
	for (size_t i = from; i < in->n_kv; i++)
		if (strcmp(in->kv[i].name, name) == 0 && (state < 0 || in->kv[i].state == state))
			return i;
	return (size_t)-1;
}

static void pinecone(void **state)
{
	size_t len = 0;
	uint8_t *b = load_fixture("pinecone-factory-2m.bin", &len);
	struct blr_image_info *in;
	struct blr_check_result r;
	/* §3.6, row "PineCone factory (fixture)"; its types (PineCone: 0, 1 ... 6) as PT-4 says */
	static const struct part p[] = {
	    {"FW", 0, 0x10000, 0xC8000, 0xD8000, 0x88000},
	    {"mfg", 1, 0x160000, 0x10000, 0, 0},
	    {"media", 2, 0x170000, 0x79000, 0, 0},
	    {"PSM", 3, 0x1E9000, 0x8000, 0, 0},
	    {"KEY", 4, 0x1F1000, 0x2000, 0, 0},
	    {"DATA", 5, 0x1F3000, 0x5000, 0, 0},
	    {"factory", 6, 0x1F8000, 0x8000, 0, 0},
	};
	(void)state;

	if (!b)
		skip();
	assert_int_equal(len, 2097152);
	assert_int_equal(blr_image_inspect(b, len, &in), BLR_OK);
	/* BCFG-2: bootCfg 0x33300, CRC and hash ignored (BH-4, HASH-3), both headers */
	assert_true(in->boot2.magic_ok);
	assert_int_equal(in->boot2.boot_cfg, 0x33300);
	assert_int_equal(in->boot2.crc_state, BLR_CRC_IGNORED);
	assert_int_equal(in->boot2.hash_state, BLR_HASH_IGNORED);
	assert_int_equal(in->boot2.img_start, 0x2000);
	/* BH-3: bytes 12..15 04 01 01 03 on the PineCone */
	assert_int_equal(in->boot2.fcfg[3], 0x03);
	assert_true(in->boot2.fcfg_crc_ok);
	assert_true(in->boot2.pcfg_crc_ok);
	assert_int_equal(in->boot2.fcfg[13], 0xEF); /* mid template value (FCFG-1) */
	expect_table(&in->pt[0], p, 7);
	expect_table(&in->pt[1], p, 7);
	assert_int_equal(in->active_pt, 0);
	assert_false(in->pt_differ);
	/* firmware: slot 0 active, runs 6,560 bytes past its end (SLOT-3) */
	assert_true(in->have_fw);
	assert_int_equal(in->fw_active_index, 0);
	assert_int_equal(in->fw[0].kind, BLR_SLOT_IMAGE);
	assert_int_equal(in->fw[0].hdr.boot_cfg, 0x33300);
	assert_int_equal(in->fw[0].hdr.crc_state, BLR_CRC_IGNORED);
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_IGNORED);
	assert_int_equal(in->fw[0].overhang, 6560);
	assert_non_null(strstr(in->fw[0].sdk_version, "1.6.8")); /* VER-1: SDK 1.6.8 */
	assert_int_not_equal(in->fw[1].kind, BLR_SLOT_IMAGE);
	/* PSM with boot_times only (KEY-2) */
	assert_true(in->have_psm);
	assert_int_equal(in->psm_offset, 0x1E9000);
	size_t k = find_kv(in, "boot_times", BLR_EF_WRITE, 0);

	assert_int_not_equal(k, (size_t)-1);
	assert_true(in->kv[k].crc_ok);
	assert_int_equal(in->kv[k].value_len, 1);
	for (size_t i = 0; i < in->n_kv; i++)
		assert_string_equal(in->kv[i].name, "boot_times");
	/* factory FDT */
	assert_true(in->have_factory);
	assert_true(in->fdt.magic_ok);
	assert_true(in->fdt.size_ok);
	assert_true(in->fdt.walk_ok);
	assert_int_equal(in->flash_size_implied, 2097152);
	blr_image_info_free(in);
	assert_int_equal(blr_image_check(b, len, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	assert_int_equal(blr_image_check(b, len, 2097152, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	free(b);
}

static void openbeken(void **state)
{
	size_t len = 0;
	uint8_t *b = load_fixture("openbeken-full-2m.bin", &len);
	struct blr_image_info *in;
	struct blr_check_result r;
	/* §3.6: the classic 2 MiB SDK/blflash layout, as in the OpenBeken fixture */
	static const struct part p[] = {
	    {"FW", 0, 0x10000, 0xC8000, 0xD8000, 0x88000},
	    {"mfg", 2, 0x160000, 0x32000, 0, 0},
	    {"media", 3, 0x192000, 0x57000, 0, 0},
	    {"PSM", 4, 0x1E9000, 0x8000, 0, 0},
	    {"KEY", 5, 0x1F1000, 0x2000, 0, 0},
	    {"DATA", 6, 0x1F3000, 0x5000, 0, 0},
	    {"factory", 7, 0x1F8000, 0x7000, 0, 0},
	};
	(void)state;

	if (!b)
		skip();
	assert_int_equal(len, 2097152);
	assert_int_equal(blr_image_inspect(b, len, &in), BLR_OK);
	assert_int_equal(in->boot2.boot_cfg, 0x3300);
	assert_int_equal(in->boot2.crc_state, BLR_CRC_OK);
	assert_int_equal(in->boot2.hash_state, BLR_HASH_OK);
	expect_table(&in->pt[0], p, 7);
	assert_int_equal(in->active_pt, 0);
	assert_int_equal(in->fw[0].kind, BLR_SLOT_IMAGE);
	assert_int_equal(in->fw[0].hdr.crc_state, BLR_CRC_OK);
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_OK);
	assert_int_equal(in->fw[0].hdr.data_offset, 0x11000);
	assert_int_equal(in->fw[0].overhang, 0);
	assert_non_null(strstr(in->fw[0].app_version, "1.18.57")); /* VER-2 */
	/* PSM: mY0bcFg (3584 bytes, OBK-1) live, myBtCnts live + deleted generations */
	size_t k = find_kv(in, "mY0bcFg", BLR_EF_WRITE, 0);

	assert_int_not_equal(k, (size_t)-1);
	assert_int_equal(in->kv[k].value_len, 3584);
	assert_true(in->kv[k].crc_ok);
	assert_true(in->obk_cfg_found);
	assert_true(in->obk_cfg_crc_ok);
	assert_true(blr_obk_cfg_valid(b + in->kv[k].value_off, 3584));
	assert_memory_equal(b + in->kv[k].value_off, "CFG", 3);
	k = find_kv(in, "myBtCnts", BLR_EF_WRITE, 0);
	assert_int_not_equal(k, (size_t)-1);
	assert_int_equal(in->kv[k].value_len, 64); /* KEY-2: 64 bytes in the fixture */
	assert_int_not_equal(find_kv(in, "myBtCnts", BLR_EF_DELETED, 0), (size_t)-1);
	for (size_t i = 0; i < in->n_kv; i++)
		assert_true(in->kv[i].crc_ok);
	assert_true(in->fdt.magic_ok);
	assert_true(in->fdt.walk_ok);
	blr_image_info_free(in);
	assert_int_equal(blr_image_check(b, len, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	free(b);
}

static void damaged_copies(void **state)
{
	size_t len = 0;
	uint8_t *b = load_fixture("openbeken-full-2m.bin", &len);
	struct blr_check_result r;
	struct blr_image_info *in;
	(void)state;

	if (!b)
		skip();
	/* 1 MiB (blflash default), 2 MiB - 1 (Dev Cube) */
	blr_image_check(b, 1u << 20, 0, &r);
	assert_int_equal(r.verdict, BLR_VERDICT_SUSPICIOUS);
	blr_image_check(b, len - 1, 0, &r);
	assert_int_equal(r.verdict, BLR_VERDICT_SUSPICIOUS);
	/* a flipped bit in the application */
	b[0x11000 + 0x1234] ^= 0x10;
	blr_image_check(b, len, 0, &r);
	assert_int_equal(r.verdict, BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(r.summary, "SHA-256"));
	b[0x11000 + 0x1234] ^= 0x10;
	/* both partition tables destroyed: everything else still reported */
	memset(b + 0xE000, 0x00, 0x2000);
	assert_int_equal(blr_image_inspect(b, len, &in), BLR_OK);
	assert_int_equal(in->active_pt, -1);
	assert_true(in->boot2.magic_ok);
	assert_int_equal(in->boot2.hash_state, BLR_HASH_OK);
	/* firmware, settings and factory found through the classic layout (PT-8, §3.6) */
	assert_true(in->layout_assumed);
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_OK);
	assert_true(in->have_psm);
	assert_true(in->obk_cfg_found);
	assert_true(in->fdt.magic_ok);
	blr_image_info_free(in);
	blr_image_check(b, len, 0, &r);
	assert_int_equal(r.verdict, BLR_VERDICT_SUSPICIOUS);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pinecone),
	    cmocka_unit_test(openbeken),
	    cmocka_unit_test(damaged_copies),
	};
	return cmocka_run_group_tests_name("image-fixtures", tests, NULL, NULL);
}
