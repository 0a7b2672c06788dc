/* SPDX-License-Identifier: MIT */
/* The PSM partition (EasyFlash, OpenBeken config; doc/flash-layout.md §5, §6) and the factory
 * device tree: walkers on synthetic partitions, and their problems in a whole synthetic image. */
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
#include "image_asserts.h"
#include "synth_image.h"

/* ---- EasyFlash ---- */

static void ef_status_rule(void **state)
{
	static const struct {
		uint8_t b[5];
		unsigned st;
	} v[] = {
	    {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, BLR_EF_UNUSED},
	    {{0x00, 0xFF, 0xFF, 0xFF, 0xFF}, BLR_EF_PRE_WRITE},
	    {{0x00, 0x00, 0xFF, 0xFF, 0xFF}, BLR_EF_WRITE},
	    {{0x00, 0x00, 0x00, 0xFF, 0xFF}, BLR_EF_PRE_DELETE},
	    {{0x00, 0x00, 0x00, 0x00, 0xFF}, BLR_EF_DELETED},
	    {{0x00, 0x00, 0x00, 0x00, 0x00}, BLR_EF_ERR_HDR},
	    {{0x00, 0x00, 0xFF, 0x00, 0xFF}, BLR_EF_DELETED}, /* EF-3: direct delete */
	    {{0xFF, 0xFF, 0xFF, 0x00, 0xFF}, BLR_EF_DELETED},
	    {{0x00, 0x7F, 0xFF, 0xFF, 0xFF}, BLR_EF_PRE_WRITE},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(blr_ef_status(v[i].b, 5), v[i].st);
	static const uint8_t s1[3] = {0x00, 0xFF, 0xFF}, s3[3] = {0x00, 0x00, 0x00};

	assert_int_equal(blr_ef_status(s1, 3), BLR_EF_STORE_EMPTY);
	assert_int_equal(blr_ef_status(s3, 3), BLR_EF_STORE_FULL);
	assert_string_equal(blr_ef_state_name(BLR_EF_WRITE), "live");
	assert_string_equal(blr_ef_state_name(BLR_EF_DELETED), "deleted");
}

struct collect {
	struct blr_ef_entry e[32];
	size_t n;
	struct blr_ef_sector s[8];
	size_t ns;
};

static int c_entry(void *ctx, const struct blr_ef_entry *e)
{
	struct collect *c = ctx;

	if (c->n < 32)
		c->e[c->n++] = *e;
	return 0;
}

static int c_sector(void *ctx, const struct blr_ef_sector *s)
{
	struct collect *c = ctx;

	if (c->ns < 8)
		c->s[c->ns++] = *s;
	return 0;
}

static void ef_walk(void **state)
{
	uint8_t part[3 * 4096];
	static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, full[3] = {0x00, 0x00, 0x00};
	static const uint8_t dtrue[3] = {0x00, 0x00, 0xFF};
	static const uint8_t st_write[5] = {0, 0, 0xFF, 0xFF, 0xFF};
	static const uint8_t st_del[5] = {0, 0, 0, 0, 0xFF};
	static const uint8_t st_pdel[5] = {0, 0, 0, 0xFF, 0xFF};
	static const uint8_t st_direct[5] = {0, 0, 0xFF, 0, 0xFF};
	struct collect c;
	uint32_t pos = 20, broken, bad, after;
	(void)state;

	memset(part, 0xFF, sizeof(part));
	syn_ef_sector(part, full, dtrue);
	syn_ef_entry(part, &pos, st_del, "conf_ap_ssid", "old", 3);
	syn_ef_entry(part, &pos, st_pdel, "conf_ap_ssid", "mid", 3);
	syn_ef_entry(part, &pos, st_direct, "x", "12", 2);
	bad = syn_ef_entry(part, &pos, st_write, "badcrc", "value", 5);
	part[bad + 28 + 6] ^= 1; /* corrupt the value: CRC fails, resync by KV40 search */
	after = syn_ef_entry(part, &pos, st_write, "conf_ap_ssid", "new", 3);
	/* a broken header (len 0xFFFFFFFF) followed by garbage, then a good entry */
	broken = pos;
	memset(part + pos, 0x00, 40);
	memcpy(part + pos + 8, "KV40", 4);
	put_le32(part + pos + 12, 0xFFFFFFFF);
	pos += 40;
	uint32_t last = syn_ef_entry(part, &pos, st_write, "boot_times", "3", 1);
	/* sector 1: using, one entry; sector 2: erased */
	syn_ef_sector(part + 4096, using_, dtrue);
	pos = 20;
	syn_ef_entry(part + 4096, &pos, st_write, "wifi_pask", "secret", 6);

	memset(&c, 0, sizeof(c));
	size_t n = blr_ef_walk(part, sizeof(part), 0x1000, c_sector, c_entry, &c);

	assert_int_equal(n, 8);
	assert_int_equal(c.n, 8);
	assert_int_equal(c.ns, 3);
	assert_true(c.s[0].magic_ok);
	assert_int_equal(c.s[0].store, BLR_EF_STORE_FULL);
	assert_int_equal(c.s[0].dirty, BLR_EF_DIRTY_TRUE);
	assert_int_equal(c.s[0].entries, 7);
	assert_int_equal(c.s[1].store, BLR_EF_STORE_USING);
	assert_true(c.s[2].blank);
	assert_int_equal(c.e[0].state, BLR_EF_DELETED);
	assert_int_equal(c.e[0].offset, 0x1000 + 20);
	assert_string_equal(c.e[0].name, "conf_ap_ssid");
	assert_int_equal(c.e[0].name_len, 12);
	assert_int_equal(c.e[0].value_len, 3);
	assert_int_equal(c.e[0].len, 28 + 12 + 3);
	assert_int_equal(c.e[0].value_off, 0x1000 + 20 + 28 + 12);
	assert_true(c.e[0].crc_ok);
	assert_int_equal(c.e[1].state, BLR_EF_PRE_DELETE);
	assert_int_equal(c.e[2].state, BLR_EF_DELETED);
	assert_true(c.e[2].status_odd);
	assert_int_equal(c.e[3].offset, 0x1000 + bad);
	assert_false(c.e[3].crc_ok);
	assert_int_equal(c.e[4].offset, 0x1000 + after);
	assert_true(c.e[4].resynced);
	assert_true(c.e[4].crc_ok);
	assert_int_equal(c.e[5].offset, 0x1000 + broken);
	assert_true(c.e[5].header_broken);
	assert_false(c.e[5].fits);
	assert_int_equal(c.e[6].offset, 0x1000 + last);
	assert_string_equal(c.e[6].name, "boot_times");
	assert_true(c.e[6].resynced);
	assert_int_equal(c.e[7].offset, 0x1000 + 4096 + 20);
	assert_string_equal(c.e[7].name, "wifi_pask");
	/* a sector without EF40 magic */
	memcpy(part + 4096 + 8, "XXXX", 4);
	memset(&c, 0, sizeof(c));
	blr_ef_walk(part, sizeof(part), 0, c_sector, c_entry, &c);
	assert_false(c.s[1].magic_ok);
	/* truncated partition: no crash, entries cut off are reported as not fitting */
	memset(&c, 0, sizeof(c));
	blr_ef_walk(part, 60, 0, c_sector, c_entry, &c);
	assert_int_equal(c.n, 1);
	assert_false(c.e[0].fits);
}

/* EF-8: an entry shorter than its 28-byte header is broken, even with a matching CRC. */
static void ef_short_entry(void **state)
{
	static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, dfalse[3] = {0x00, 0xFF, 0xFF};
	static const uint8_t st_write[5] = {0, 0, 0xFF, 0xFF, 0xFF};
	static const uint32_t lens[] = {20, 24, 27, 28};
	uint8_t sec[4096];
	struct collect c;
	(void)state;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t pos = 20 + 28, len = lens[i];

		syn_ef_sector(sec, using_, dfalse);
		memcpy(sec + 20, st_write, 5);
		memcpy(sec + 28, "KV40", 4);
		put_le32(sec + 32, len);
		memset(sec + 40, 0, 8); /* name length 0, value length 0 */
		memset(sec + 41, 0xFF, 3);
		put_le32(sec + 36, hash_crc32(sec + 40, len - 20));
		syn_ef_entry(sec, &pos, st_write, "boot_times", "3", 1);
		memset(&c, 0, sizeof(c));
		blr_ef_walk(sec, sizeof(sec), 0, NULL, c_entry, &c);
		assert_int_equal(c.n, 2);
		assert_int_equal(c.e[0].len, len);
		assert_int_equal(c.e[0].header_broken, len < 28);
		assert_int_equal(c.e[0].crc_ok, len == 28);
		assert_int_equal(c.e[0].fits, len == 28);
		assert_string_equal(c.e[1].name, "boot_times");
		assert_int_equal(c.e[1].resynced, len < 28);
		assert_true(c.e[1].crc_ok);
	}
}

static void psm_problems(void **state)
{
	uint8_t *img = syn_image();
	struct blr_image_info *in;
	(void)state;

	/* corrupt the live entry's value: warning, suspicious */
	img[SYN_PSM + 20 + 28 + 10] = '4';
	in = inspect(img, SYN_SIZE);
	assert_false(in->kv[0].crc_ok);
	assert_true(has_problem(in, BLR_P_CRC, BLR_SEV_WARN));
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_SUSPICIOUS);
	free(img);
	/* an all-0xFF PSM is a valid factory-reset state */
	img = syn_image();
	memset(img + SYN_PSM, 0xFF, SYN_PSM_LEN);
	in = inspect(img, SYN_SIZE);
	assert_int_equal(in->n_kv, 0);
	assert_true(in->sectors[0].blank);
	blr_image_info_free(in);
	assert_int_equal(verdict(img, SYN_SIZE, NULL), BLR_VERDICT_OK);
	/* OpenBeken config with a bad CRC-8 */
	static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, dfalse[3] = {0x00, 0xFF, 0xFF};
	static const uint8_t st_write[5] = {0, 0, 0xFF, 0xFF, 0xFF};
	uint8_t *cfg = malloc(3584);
	uint32_t pos = 20;

	assert_non_null(cfg);
	syn_obk_cfg(cfg, "net", "pw");
	assert_true(blr_obk_cfg_valid(cfg, 3584));
	syn_ef_sector(img + SYN_PSM, using_, dfalse);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "mY0bcFg", cfg, 3584);
	in = inspect(img, SYN_SIZE);
	assert_true(in->obk_cfg_found);
	assert_true(in->obk_cfg_crc_ok);
	assert_int_equal(in->obk_cfg_version, 5);
	blr_image_info_free(in);
	cfg[3] ^= 1;
	assert_false(blr_obk_cfg_valid(cfg, 3584));
	pos = 20;
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "mY0bcFg", cfg, 3584);
	in = inspect(img, SYN_SIZE);
	assert_true(in->obk_cfg_found);
	assert_false(in->obk_cfg_crc_ok);
	assert_true(has_problem(in, BLR_P_OBK, BLR_SEV_WARN));
	blr_image_info_free(in);
	/* version 3: CRC over 2016 bytes */
	syn_obk_cfg(cfg, "", "");
	put_le32(cfg + 4, 3);
	cfg[3] = syn_crc8(cfg + 4, 2016 - 4);
	assert_int_equal(blr_obk_cfg_size(cfg, 3584), 2016);
	assert_true(blr_obk_cfg_valid(cfg, 2016));
	assert_false(blr_obk_cfg_valid(cfg, 2000));
	free(cfg);
	free(img);
}

static void crc8_check_value(void **state)
{
	(void)state;
	/* CRC-8/MAXIM (Dallas) check value */
	assert_int_equal(blr_crc8_obk((const uint8_t *)"123456789", 9), 0xA1);
}

/* ---- factory FDT ---- */

struct props {
	char names[16][64];
	uint32_t off[16], len[16];
	size_t n;
};

static int c_prop(void *ctx, const char *path, const char *name, uint32_t voff, uint32_t vlen)
{
	struct props *p = ctx;

	if (p->n < 16) {
		snprintf(p->names[p->n], 64, "%s/%s", path, name);
		p->off[p->n] = voff;
		p->len[p->n] = vlen;
		p->n++;
	}
	return 0;
}

static void fdt_walk(void **state)
{
	uint8_t f[2048];
	struct blr_fdt_info fi;
	struct props p;
	(void)state;

	size_t n = syn_fdt(f, sizeof(f), "home", "secretpw", "ap1", "appw1234");

	assert_true(n > 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(blr_fdt_walk(f, n, 0x100, &fi, c_prop, &p), BLR_OK);
	assert_true(fi.magic_ok && fi.size_ok && fi.walk_ok);
	assert_int_equal(fi.totalsize, n);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.names[0], "//model");
	assert_string_equal(p.names[1], "/wifi/mac/sta_mac_addr");
	assert_string_equal(p.names[2], "/wifi/sta/ssid");
	assert_int_equal(p.len[2], 5);
	assert_memory_equal(f + p.off[2] - 0x100, "home", 5);
	assert_string_equal(p.names[3], "/wifi/sta/pwd");
	assert_string_equal(p.names[5], "/wifi/ap/pwd");
	/* totalsize larger than the partition */
	assert_int_equal(blr_fdt_walk(f, n - 1, 0, &fi, NULL, NULL), BLR_E_FORMAT);
	assert_true(fi.magic_ok);
	assert_false(fi.size_ok);
	/* bad magic */
	f[0] = 0;
	assert_int_equal(blr_fdt_walk(f, n, 0, &fi, NULL, NULL), BLR_E_FORMAT);
	assert_false(fi.magic_ok);
	f[0] = 0xD0;
	/* corrupt a token: walk fails, no crash */
	f[56] = 0x7F;
	assert_int_equal(blr_fdt_walk(f, n, 0, &fi, NULL, NULL), BLR_E_FORMAT);
	assert_false(fi.walk_ok);
	assert_int_equal(blr_fdt_walk(NULL, n, 0, &fi, NULL, NULL), BLR_E_INVAL);
}

static void factory_missing(void **state)
{
	uint8_t *img = syn_image();
	struct blr_image_info *in;
	(void)state;

	memset(img + SYN_FACTORY, 0xFF, SYN_FACTORY_LEN);
	in = inspect(img, SYN_SIZE);
	assert_true(in->have_factory);
	assert_false(in->fdt.magic_ok);
	assert_true(has_problem(in, BLR_P_FDT, BLR_SEV_WARN));
	blr_image_info_free(in);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ef_status_rule),	cmocka_unit_test(ef_walk),
	    cmocka_unit_test(ef_short_entry),	cmocka_unit_test(psm_problems),
	    cmocka_unit_test(crc8_check_value), cmocka_unit_test(fdt_walk),
	    cmocka_unit_test(factory_missing),
	};
	return cmocka_run_group_tests_name("psm", tests, NULL, NULL);
}
