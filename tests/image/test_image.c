/* SPDX-License-Identifier: MIT */
/* Image parsers, inspection and check on synthetic images and damaged variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "synth_image.h"

#include "image_asserts.h"

/* ---- the valid synthetic image, field by field ---- */

static void synth_valid(void **state)
{
	uint8_t *img = syn_image();
	char sum[512];
	(void)state;

	assert_int_equal(verdict(img, SYN_SIZE, sum), BLR_VERDICT_OK);
	assert_non_null(strstr(sum, "complete and bootable"));
	struct blr_image_info *in = inspect(img, SYN_SIZE);

	assert_int_equal(count_sev(in, BLR_SEV_ERROR), 0);
	assert_int_equal(count_sev(in, BLR_SEV_WARN), 0);
	/* boot2 header */
	const struct blr_bootheader *h = &in->boot2;

	assert_true(h->magic_ok);
	assert_false(h->cpu1);
	assert_int_equal(h->revision, 1);
	assert_true(h->fcfg_magic_ok);
	assert_true(h->fcfg_crc_ok);
	assert_true(h->pcfg_magic_ok);
	assert_true(h->pcfg_crc_ok);
	assert_int_equal(h->xtal_type, 4);
	assert_int_equal(h->pll_clk, 4);
	assert_int_equal(h->flash_clk_type, 3);
	assert_int_equal(h->flash_clk_div, 1);
	assert_int_equal(h->boot_cfg, 0x3300);
	assert_true(h->no_segment);
	assert_true(h->cache_enable);
	assert_int_equal(h->cache_way_disable, 3);
	assert_false(h->crc_ignore);
	assert_false(h->hash_ignore);
	assert_int_equal(h->img_len, SYN_BOOT2_LEN);
	assert_int_equal(h->img_start, 0x2000);
	assert_int_equal(h->crc_state, BLR_CRC_OK);
	assert_int_equal(h->hash_state, BLR_HASH_OK);
	assert_int_equal(h->data_offset, 0x2000);
	assert_string_equal(in->boot2_date, "Jan  2 2024");
	assert_string_equal(in->boot2_time, "12:34:56");
	/* flash-config field table: ioMode at 0, mid at 13, pageSize u16 */
	bool saw_mid = false, saw_page = false;

	for (size_t i = 0; i < blr_fcfg_field_count(); i++) {
		if (strcmp(blr_fcfg_field_at(i)->name, "mid") == 0) {
			assert_int_equal(blr_fcfg_field_value(h, i), 0xEF);
			saw_mid = true;
		}
		if (strcmp(blr_fcfg_field_at(i)->name, "pageSize") == 0) {
			assert_int_equal(blr_fcfg_field_value(h, i), 256);
			saw_page = true;
		}
	}
	assert_true(saw_mid && saw_page);
	assert_null(blr_fcfg_field_at(blr_fcfg_field_count()));
	/* tables */
	for (int i = 0; i < 2; i++) {
		assert_true(in->pt[i].valid);
		assert_int_equal(in->pt[i].entry_cnt, 7);
		assert_int_equal(in->pt[i].age, 0);
	}
	assert_int_equal(in->active_pt, 0);
	assert_false(in->pt_differ);
	const struct blr_ptable *t = &in->pt[0];
	const struct blr_pt_entry *e = blr_ptable_find(t, "FW");

	assert_non_null(e);
	assert_int_equal(e->type, 0);
	assert_int_equal(e->addr[0], SYN_FW0);
	assert_int_equal(e->addr[1], SYN_FW1);
	assert_int_equal(e->max_len[0], SYN_FW0_LEN);
	assert_int_equal(e->max_len[1], SYN_FW1_LEN);
	assert_ptr_equal(blr_ptable_fw(t), e);
	e = blr_ptable_find(t, "factory");
	assert_non_null(e);
	assert_int_equal(e->type, 7);
	assert_int_equal(e->addr[0], SYN_FACTORY);
	assert_null(blr_ptable_find(t, "nope"));
	/* firmware */
	assert_true(in->have_fw);
	assert_int_equal(in->fw_active_index, 0);
	assert_int_equal(in->fw[0].kind, BLR_SLOT_IMAGE);
	assert_true(in->fw[0].active);
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_OK);
	assert_int_equal(in->fw[0].hdr.data_offset, SYN_FW0 + 0x1000);
	assert_int_equal(in->fw[0].overhang, 0);
	assert_string_equal(in->fw[0].sdk_version, "release_synth_sdk_1.0");
	assert_string_equal(in->fw[0].build_date, "Feb  3 2025");
	assert_int_equal(in->fw[1].kind, BLR_SLOT_ERASED);
	/* PSM */
	assert_true(in->have_psm);
	assert_int_equal(in->psm_offset, SYN_PSM);
	assert_int_equal(in->n_sectors, 8);
	assert_true(in->sectors[0].magic_ok);
	assert_int_equal(in->sectors[0].store, BLR_EF_STORE_USING);
	assert_int_equal(in->sectors[1].store, BLR_EF_STORE_EMPTY);
	assert_int_equal(in->n_kv, 1);
	assert_string_equal(in->kv[0].name, "boot_times");
	assert_int_equal(in->kv[0].state, BLR_EF_WRITE);
	assert_true(in->kv[0].crc_ok);
	assert_int_equal(in->kv[0].value_len, 1);
	assert_int_equal(in->kv[0].offset, SYN_PSM + 20);
	assert_int_equal(in->kv[0].value_off, SYN_PSM + 20 + 28 + 10);
	assert_int_equal(img[in->kv[0].value_off], '3');
	/* factory, size */
	assert_true(in->have_factory);
	assert_true(in->fdt.magic_ok);
	assert_true(in->fdt.size_ok);
	assert_true(in->fdt.walk_ok);
	assert_int_equal(in->flash_size_implied, SYN_SIZE);
	assert_int_equal(in->layout_end, SYN_FACTORY + SYN_FACTORY_LEN);
	assert_false(in->mirrored);
	blr_image_info_free(in);
	free(img);
}

/* ---- boot header CRC rules ---- */

static void header_crc_rules(void **state)
{
	uint8_t h[176];
	struct blr_bootheader d;
	(void)state;

	syn_header(h, 0x3300, 16, 0x2000, NULL);
	assert_int_equal(blr_bootheader_parse(h, 176, 0, &d), BLR_OK);
	assert_int_equal(d.crc_state, BLR_CRC_OK);
	/* wrong CRC */
	h[172] ^= 1;
	blr_bootheader_parse(h, 176, 0, &d);
	assert_int_equal(d.crc_state, BLR_CRC_BAD);
	/* DEADBEEF without the crcIgnore bit: bad */
	put_le32(h + 172, 0xDEADBEEF);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_int_equal(d.crc_state, BLR_CRC_BAD);
	/* bit set and DEADBEEF: ignored */
	put_le32(h + 116, 0x13300);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_true(d.crc_ignore);
	assert_int_equal(d.crc_state, BLR_CRC_IGNORED);
	/* bit set but another wrong value: bad */
	put_le32(h + 172, 0x12345678);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_int_equal(d.crc_state, BLR_CRC_BAD);
	/* bit set and a correct CRC: ok */
	syn_header_crc(h);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_int_equal(d.crc_state, BLR_CRC_OK);
	/* FCFG / PCFG CRC and magic */
	h[20] ^= 0xFF;
	blr_bootheader_parse(h, 176, 0, &d);
	assert_false(d.fcfg_crc_ok);
	assert_true(d.fcfg_magic_ok);
	h[20] ^= 0xFF;
	h[105] ^= 1;
	blr_bootheader_parse(h, 176, 0, &d);
	assert_true(d.fcfg_crc_ok);
	assert_false(d.pcfg_crc_ok);
	h[100] = 'X';
	blr_bootheader_parse(h, 176, 0, &d);
	assert_false(d.pcfg_magic_ok);
	/* BFAP accepted, anything else not */
	memcpy(h, "BFAP", 4);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_true(d.magic_ok);
	assert_true(d.cpu1);
	memcpy(h, "BFNX", 4);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_false(d.magic_ok);
	/* too short */
	assert_int_equal(blr_bootheader_parse(h, 175, 0, &d), BLR_E_FORMAT);
	assert_false(d.complete);
	assert_int_equal(blr_bootheader_parse(h, 176, 1, &d), BLR_E_FORMAT);
	assert_int_equal(blr_bootheader_parse(NULL, 176, 0, &d), BLR_E_INVAL);
	assert_int_equal(blr_bootheader_parse(h, 176, 0, NULL), BLR_E_INVAL);
}

static void header_bits(void **state)
{
	uint8_t h[176];
	struct blr_bootheader d;
	(void)state;

	/* sign 1, encrypt 2, keySel 3, noSegment, cacheEnable, notLoadInBoot, aesRegionLock,
	 * cacheWayDisable 0xA, crcIgnore, hashIgnore, haltCPU1 */
	syn_header(h,
		   0x1 | (2u << 2) | (3u << 4) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11) |
		       (0xAu << 12) | (1u << 16) | (1u << 17) | (1u << 18),
		   32, 0x1000, NULL);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_int_equal(d.sign, 1);
	assert_int_equal(d.encrypt_type, 2);
	assert_int_equal(d.key_sel, 3);
	assert_true(d.no_segment && d.cache_enable && d.not_load_in_boot && d.aes_region_lock);
	assert_int_equal(d.cache_way_disable, 0xA);
	assert_true(d.crc_ignore && d.hash_ignore && d.halt_cpu1);
	assert_int_equal(d.img_len, 32);
	assert_int_equal(d.img_start, 0x1000);
	syn_header(h, 0, 32, 0x1000, NULL);
	blr_bootheader_parse(h, 176, 0, &d);
	assert_false(d.no_segment || d.cache_enable || d.not_load_in_boot || d.crc_ignore ||
		     d.hash_ignore || d.halt_cpu1);
}

static void hash_rules(void **state)
{
	uint8_t *img = syn_image();
	struct blr_bootheader d;
	(void)state;

	/* boot2 hashes at imgStart */
	blr_bootheader_parse(img, SYN_SIZE, 0, &d);
	blr_bootheader_check_image(img, SYN_SIZE, d.img_start, &d);
	assert_int_equal(d.hash_state, BLR_HASH_OK);
	/* the FW header says imgStart 0x2000, yet the data is at slot + 0x1000 */
	struct blr_fw_slot s;

	memset(&s, 0, sizeof(s));
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.img_start, 0x2000);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_OK);
	blr_bootheader_check_image(img, SYN_SIZE, SYN_FW0 + s.hdr.img_start, &s.hdr);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_MISMATCH); /* POST's mistake */
	/* one flipped image byte */
	img[SYN_FW0 + 0x1000 + 100] ^= 0x40;
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_MISMATCH);
	struct blr_image_info *in = inspect(img, SYN_SIZE);

	assert_true(has_problem(in, BLR_P_HASH, BLR_SEV_ERROR));
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_SUSPICIOUS);
	/* hash ignore: needs the bit AND the first word DEADBEEF */
	uint8_t *h = img + SYN_FW0;

	put_le32(h + 132, 0xDEADBEEF);
	syn_header_crc(h);
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_MISMATCH);
	put_le32(h + 116, 0x23300);
	syn_header_crc(h);
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_IGNORED);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	/* bit without DEADBEEF: checked (and the flipped byte shows) */
	put_le32(h + 132, 0x01020304);
	syn_header_crc(h);
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_MISMATCH);
	/* image running past the end of the dump */
	put_le32(h + 120, SYN_SIZE);
	syn_header_crc(h);
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW0, SYN_FW0_LEN, &s);
	assert_int_equal(s.hdr.hash_state, BLR_HASH_TRUNCATED);
	free(img);
}

static void boot2_damage(void **state)
{
	uint8_t *img = syn_image();
	struct blr_image_info *in;
	(void)state;

	img[0x2000 + 5] ^= 1; /* boot2 code */
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->boot2.hash_state, BLR_HASH_MISMATCH);
	assert_true(has_problem(in, BLR_P_HASH, BLR_SEV_ERROR));
	blr_image_info_free(in);
	img[0x2000 + 5] ^= 1;
	img[10] ^= 1; /* header byte without CRC update */
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->boot2.crc_state, BLR_CRC_BAD);
	assert_true(has_problem(in, BLR_P_CRC, BLR_SEV_ERROR));
	blr_image_info_free(in);
	img[10] ^= 1;
	/* FCFG CRC wrong but header CRC right: warning */
	img[12 + 30] ^= 1;
	syn_header_crc(img);
	in = inspect(img, SYN_SIZE);
	assert_true(has_problem(in, BLR_P_CRC, BLR_SEV_WARN));
	assert_int_equal(count_sev(in, BLR_SEV_ERROR), 0);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_SUSPICIOUS);
	img[12 + 30] ^= 1;
	/* notLoadInBoot */
	put_le32(img + 116, 0x3700);
	syn_header_crc(img);
	in = inspect(img, SYN_SIZE);
	assert_true(has_problem(in, BLR_P_FIELD, BLR_SEV_ERROR));
	blr_image_info_free(in);
	/* no magic at 0 but tables present: still a BL602 dump, suspicious */
	memset(img, 0xFF, 176);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_SUSPICIOUS);
	free(img);
}

/* ---- partition tables ---- */

static void ptable_rules(void **state)
{
	uint8_t *img = syn_image();
	struct blr_ptable a, b;
	struct blr_image_info *in;
	(void)state;

	blr_ptable_parse(img, SYN_SIZE, 0xE000, &a);
	blr_ptable_parse(img, SYN_SIZE, 0xF000, &b);
	assert_int_equal(blr_ptable_active(&a, &b), 0); /* equal ages -> table 0 */
	/* table 1 newer -> 1; differing tables are information only (doc/flash-layout.md PT-7) */
	syn_ptable(img, 0xF000, 1, 1);
	blr_ptable_parse(img, SYN_SIZE, 0xF000, &b);
	assert_int_equal(blr_ptable_active(&a, &b), 1);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->active_pt, 1);
	assert_true(in->pt_differ);
	assert_true(has_problem(in, BLR_P_PTABLE, BLR_SEV_INFO));
	assert_int_equal(in->fw_active_index, 1); /* slot 1 active, but erased */
	assert_true(has_problem(in, BLR_P_SLOT, BLR_SEV_ERROR));
	blr_image_info_free(in);
	/* make table 1 point at slot 0 again: OK although the tables differ */
	syn_ptable(img, 0xF000, 5, 0);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	/* table 1 has a higher age but a broken entries CRC: table 0 wins, warning */
	img[0xF000 + 16 + 20] ^= 1;
	blr_ptable_parse(img, SYN_SIZE, 0xF000, &b);
	assert_true(b.magic_ok && b.hdr_crc_ok && b.count_ok);
	assert_false(b.ent_crc_ok);
	assert_false(b.valid);
	assert_int_equal(blr_ptable_active(&a, &b), 0);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->active_pt, 0);
	assert_true(has_problem(in, BLR_P_CRC, BLR_SEV_WARN));
	blr_image_info_free(in);
	/* both broken: error, boot2 halts */
	img[0xE000 + 8] ^= 1; /* age without header CRC */
	blr_ptable_parse(img, SYN_SIZE, 0xE000, &a);
	assert_false(a.hdr_crc_ok);
	assert_int_equal(blr_ptable_active(&a, &b), -1);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->active_pt, -1);
	assert_true(has_problem(in, BLR_P_PTABLE, BLR_SEV_ERROR));
	/* entries still shown for display */
	assert_true(in->have_fw);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_SUSPICIOUS);
	/* entry count > 16 */
	syn_ptable(img, 0xE000, 0, 0);
	put_le16(img + 0xE000 + 6, 17);
	syn_ptable_fix(img, 0xE000);
	blr_ptable_parse(img, SYN_SIZE, 0xE000, &a);
	assert_false(a.count_ok);
	assert_false(a.valid);
	assert_int_equal(a.n, 16);
	/* absent entries (Address 0, maxLen 0) */
	syn_ptable(img, 0xE000, 0, 0);
	memset(img + 0xE000 + 16 + 36 + 12, 0, 16);
	syn_ptable_fix(img, 0xE000);
	blr_ptable_parse(img, SYN_SIZE, 0xE000, &a);
	assert_true(a.valid);
	assert_true(a.e[1].absent);
	assert_string_equal(a.e[1].name, "mfg");
	/* truncated buffer */
	assert_int_equal(blr_ptable_parse(img, 0xE00F, 0xE000, &a), BLR_E_FORMAT);
	assert_int_equal(blr_ptable_parse(NULL, 0xE010, 0xE000, &a), BLR_E_INVAL);
	assert_false(a.present);
	free(img);
}

static void layout_rules(void **state)
{
	uint8_t *img = syn_image();
	struct blr_image_info *in;
	(void)state;

	/* PSM below FW slot 1: SDK app refuses it (PT-13) */
	for (uint32_t off = 0xE000; off <= 0xF000; off += 0x1000) {
		put_le32(img + off + 16 + 3 * 36 + 12, 0xD0000);
		syn_ptable_fix(img, off);
	}
	in = inspect(img, SYN_SIZE);
	assert_true(has_problem(in, BLR_P_LAYOUT, BLR_SEV_ERROR));
	blr_image_info_free(in);
	free(img);
	/* a layout overhanging the flash end by 16 KiB (vendor 4 MiB table): information */
	img = syn_image();
	for (uint32_t off = 0xE000; off <= 0xF000; off += 0x1000) {
		put_le32(img + off + 16 + 6 * 36 + 20, 0xC000); /* factory 1F8000 + C000 */
		syn_ptable_fix(img, off);
	}
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->flash_size_implied, SYN_SIZE);
	assert_int_equal(in->layout_end, 0x204000);
	assert_true(has_problem(in, BLR_P_LAYOUT, BLR_SEV_INFO));
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	free(img);
	/* eWeLink-style overlap of mfg with FW slot 1: information, not a failure */
	img = syn_image();
	for (uint32_t off = 0xE000; off <= 0xF000; off += 0x1000) {
		put_le32(img + off + 16 + 1 * 36 + 12, SYN_FW1);
		syn_ptable_fix(img, off);
	}
	in = inspect(img, SYN_SIZE);
	assert_true(has_problem(in, BLR_P_LAYOUT, BLR_SEV_INFO));
	assert_false(in->layout_assumed);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	free(img);
}

/* ---- firmware slots ---- */

static void slot_kinds(void **state)
{
	uint8_t *img = syn_image();
	struct blr_fw_slot s;
	struct blr_image_info *in;
	static const uint8_t xz[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
	(void)state;

	memset(&s, 0, sizeof(s));
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW1, SYN_FW1_LEN, &s);
	assert_int_equal(s.kind, BLR_SLOT_ERASED);
	img[SYN_FW1 + 0x500] = 0;
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW1, SYN_FW1_LEN, &s);
	assert_int_equal(s.kind, BLR_SLOT_GARBAGE);
	memcpy(img + SYN_FW1, xz, 6);
	blr_fw_slot_parse(img, SYN_SIZE, SYN_FW1, SYN_FW1_LEN, &s);
	assert_int_equal(s.kind, BLR_SLOT_XZ);
	blr_fw_slot_parse(img, SYN_SIZE, 0, 0, &s);
	assert_int_equal(s.kind, BLR_SLOT_NONE);
	blr_fw_slot_parse(img, 0x100000, SYN_FW1 + 0x100000, SYN_FW1_LEN, &s);
	assert_int_equal(s.kind, BLR_SLOT_OUTSIDE);
	/* XZ in the active slot: OTA pending, still bootable */
	syn_ptable(img, 0xE000, 0, 1);
	syn_ptable(img, 0xF000, 0, 1);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->fw[1].kind, BLR_SLOT_XZ);
	assert_true(in->fw[1].active);
	assert_int_equal(count_sev(in, BLR_SEV_ERROR), 0);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	/* mfg start request (PT-12) */
	in = inspect(img, SYN_SIZE);
	assert_false(in->mfg_request);
	blr_image_info_free(in);
	memcpy(img + SYN_MFG + 0xF000, "0mfg", 4);
	in = inspect(img, SYN_SIZE);
	assert_true(in->mfg_request);
	blr_image_info_free(in);
	/* activeIndex 2: copy pending, slot 0 */
	syn_ptable(img, 0xE000, 0, 2);
	syn_ptable(img, 0xF000, 0, 2);
	in = inspect(img, SYN_SIZE);
	assert_true(in->fw_copy_pending);
	assert_int_equal(in->fw_active_index, 0);
	blr_image_info_free(in);
	free(img);
}

static void slot_overhang(void **state)
{
	uint8_t *img = syn_image();
	struct blr_image_info *in;
	(void)state;

	/* move the image so that it ends 6560 bytes past slot 0, as on the PineCone (SLOT-3) */
	uint32_t len = SYN_FW0_LEN - 0x1000 + 6560;
	uint8_t *app = img + SYN_FW0 + 0x1000;

	for (uint32_t i = 0; i < len; i++)
		app[i] = (uint8_t)(i ^ (i >> 8));
	syn_header(img + SYN_FW0, 0x3300, len, 0x2000, app);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_OK);
	assert_int_equal(in->fw[0].overhang, 6560);
	assert_true(has_problem(in, BLR_P_OVERHANG, BLR_SEV_INFO));
	assert_int_equal(in->fw[1].kind, BLR_SLOT_GARBAGE);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	free(img);
}

/* ---- sizes ---- */

static void size_rules(void **state)
{
	uint8_t *img = syn_image();
	char sum[512];
	struct blr_image_info *in;
	(void)state;

	/* Dev Cube's inclusive end: one byte short */
	assert_int_equal(verdict(img, SYN_SIZE - 1, sum), BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(sum, "1 byte short"));
	in = inspect(img, SYN_SIZE - 1);
	assert_true(in->padded);
	assert_true(has_problem(in, BLR_P_SIZE, BLR_SEV_WARN));
	assert_int_equal(in->fw[0].hdr.hash_state, BLR_HASH_OK);
	blr_image_info_free(in);
	/* blflash's default 1 MiB dump of a 2 MiB layout */
	assert_int_equal(verdict(img, 1u << 20, sum), BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(sum, "truncated"));
	assert_non_null(strstr(sum, "describes 2 MiB of flash")); /* not "2048 KiB" */
	in = inspect(img, 1u << 20);
	assert_true(has_problem(in, BLR_P_TRUNCATED, BLR_SEV_WARN));
	assert_false(in->have_psm);
	blr_image_info_free(in);
	/* no partition table: the classic layout is only shown, so it implies no flash size and
	 * no "truncated" claim about a table that is not there */
	uint8_t *pts = malloc(0x2000);

	assert_non_null(pts);
	memcpy(pts, img + 0xE000, 0x2000);
	memset(img + 0xE000, 0, 0x2000);
	in = inspect(img, 1u << 20);
	assert_true(in->layout_assumed);
	assert_int_equal(in->flash_size_implied, 0);
	assert_false(has_problem(in, BLR_P_TRUNCATED, BLR_SEV_WARN));
	assert_true(has_problem(in, BLR_P_PTABLE, BLR_SEV_ERROR));
	blr_image_info_free(in);
	memcpy(img + 0xE000, pts, 0x2000);
	free(pts);
	/* 4 MiB read of a 2 MiB chip: mirrored halves */
	uint8_t *big = malloc(2 * SYN_SIZE);

	assert_non_null(big);
	memcpy(big, img, SYN_SIZE);
	memcpy(big + SYN_SIZE, img, SYN_SIZE);
	in = inspect(big, 2 * SYN_SIZE);
	assert_true(in->mirrored);
	blr_image_info_free(in);
	assert_int_equal(verdict(big, 2 * SYN_SIZE, sum), BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(sum, "read past the end of a 2 MiB chip"));
	/* blank */
	memset(big, 0xFF, 2 * SYN_SIZE);
	assert_int_equal(verdict(big, SYN_SIZE, sum), BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(sum, "0xFF"));
	memset(big, 0x00, SYN_SIZE);
	assert_int_equal(verdict(big, SYN_SIZE, sum), BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(sum, "0x00"));
	/* not a BL602 dump */
	for (uint32_t i = 0; i < SYN_SIZE; i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(verdict(big, SYN_SIZE, sum), BLR_VERDICT_NOT_BL602);
	assert_int_equal(verdict(big, 0, sum), BLR_VERDICT_NOT_BL602);
	assert_non_null(strstr(sum, "the file is empty"));
	assert_int_equal(verdict(big, 100, sum), BLR_VERDICT_NOT_BL602);
	/* chip size known and different */
	struct blr_check_result r;

	assert_int_equal(blr_image_check(img, SYN_SIZE, 4u << 20, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK); /* a 2 MiB image fits a 4 MiB chip */
	assert_int_equal(blr_image_check(img, SYN_SIZE, 1u << 20, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_SUSPICIOUS);
	assert_non_null(strstr(r.summary, "only 1 MiB"));
	assert_int_equal(blr_image_check(img, SYN_SIZE, SYN_SIZE, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	/* bad arguments: enum blr_err like the rest of the API */
	struct blr_image_info *none = NULL;

	assert_int_equal(blr_image_check(img, SYN_SIZE, 0, NULL), BLR_E_INVAL);
	assert_int_equal(blr_image_check(NULL, 5, 0, &r), BLR_E_INVAL);
	assert_int_equal(blr_image_inspect(NULL, 5, &none), BLR_E_INVAL);
	assert_null(none);
	assert_int_equal(blr_image_inspect(img, SYN_SIZE, NULL), BLR_E_INVAL);
	free(big);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(synth_valid),   cmocka_unit_test(header_crc_rules),
	    cmocka_unit_test(header_bits),   cmocka_unit_test(hash_rules),
	    cmocka_unit_test(boot2_damage),  cmocka_unit_test(ptable_rules),
	    cmocka_unit_test(layout_rules),  cmocka_unit_test(slot_kinds),
	    cmocka_unit_test(slot_overhang), cmocka_unit_test(size_rules),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
