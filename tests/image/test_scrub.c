/* SPDX-License-Identifier: MIT */
/* Scrub: planted credentials in a synthetic image, and the OpenBeken fixture. */
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
#include "synth_image.h"

#define SSID   "HomeNet42"
#define PSK    "correct horse battery"
#define OLDPSK "oldpassword1"
#define MQTTPW "mqttsecret"

static const uint8_t st_write[5] = {0, 0, 0xFF, 0xFF, 0xFF};
static const uint8_t st_del[5] = {0, 0, 0, 0, 0xFF};
static const uint8_t st_pdel[5] = {0, 0, 0, 0xFF, 0xFF};
static const uint8_t st_direct[5] = {0, 0, 0xFF, 0, 0xFF};

static void hex(const uint8_t *p, size_t n, bool upper, char *out)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

static size_t count(const uint8_t *b, size_t n, const void *nd, size_t nn, size_t *first)
{
	size_t c = 0;

	for (size_t i = 0; i + nn <= n; i++)
		if (memcmp(b + i, nd, nn) == 0) {
			if (c == 0 && first)
				*first = i;
			c++;
		}
	return c;
}

static void pmk_vector(void **state)
{
	uint8_t pmk[32];
	char h[65];
	(void)state;

	/* IEEE 802.11i-2004 H.4 test vector */
	assert_int_equal(blr_wpa_pmk("IEEE", "password", pmk), BLR_OK);
	hex(pmk, 32, false, h);
	assert_string_equal(h, "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e");
	assert_int_equal(blr_wpa_pmk(NULL, "x", pmk), BLR_E_INVAL);
}

struct planted {
	uint8_t *img;
	uint32_t fw_hit;     /* SSID inside the firmware image */
	uint32_t boot_times; /* value offset */
	uint32_t obk_val;    /* live mY0bcFg value offset */
};

static void plant(struct planted *p)
{
	static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, dfalse[3] = {0x00, 0xFF, 0xFF};
	uint8_t *img = syn_image(), *s;
	uint8_t pmk[32], fc[148], irk[16];
	char pmkhex[65], pskhex[2 * sizeof(PSK) + 1], ssidhex[2 * sizeof(SSID) + 1];
	uint8_t *cfg = malloc(3584);
	uint32_t pos;

	assert_non_null(img);
	assert_non_null(cfg);
	assert_int_equal(blr_wpa_pmk(SSID, PSK, pmk), BLR_OK);
	hex(pmk, 32, false, pmkhex);
	/* sector 0: SDK, AT, BLE keys, fcdata, a user note, boot_times */
	s = img + SYN_PSM;
	syn_ef_sector(s, using_, dfalse);
	pos = 20;
	syn_ef_entry(s, &pos, st_del, "conf_ap_ssid", SSID, sizeof(SSID) - 1);
	syn_ef_entry(s, &pos, st_del, "conf_ap_psk", OLDPSK, sizeof(OLDPSK) - 1);
	syn_ef_entry(s, &pos, st_direct, "conf_ap_psk", OLDPSK "x", sizeof(OLDPSK));
	syn_ef_entry(s, &pos, st_pdel, "conf_ap_ssid", SSID, sizeof(SSID) - 1);
	syn_ef_entry(s, &pos, st_write, "conf_ap_ssid", SSID, sizeof(SSID) - 1);
	syn_ef_entry(s, &pos, st_write, "conf_ap_psk", PSK, sizeof(PSK) - 1);
	syn_ef_entry(s, &pos, st_write, "conf_ap_pmk", pmkhex, 64);
	syn_ef_entry(s, &pos, st_write, "wifi_ssid", SSID, sizeof(SSID) - 1);
	syn_ef_entry(s, &pos, st_write, "wifi_pask", PSK, sizeof(PSK) - 1);
	for (int i = 0; i < 16; i++)
		irk[i] = (uint8_t)(0xA0 + i);
	syn_ef_entry(s, &pos, st_write, "LOCAL_IRK", irk, 16);
	memset(fc, 0, sizeof(fc));
	memcpy(fc, "\x11\x22\x33\x44\x55\x66", 6);
	put_le32(fc + 8, 6);
	put_le32(fc + 12, 4);
	hex(pmk, 32, true, (char *)fc + 16); /* writes 65 bytes: 16..80, NUL at 80 */
	memcpy(fc + 80, PSK, sizeof(PSK));
	syn_ef_entry(s, &pos, st_write, "fcdata", fc, sizeof(fc));
	syn_ef_entry(s, &pos, st_write, "note", "my wifi is " SSID "!", 21);
	p->boot_times = SYN_PSM + syn_ef_entry(s, &pos, st_write, "boot_times", "3", 1) + 28 + 10;
	/* sector 1: live OpenBeken config; sector 2: an older, deleted one */
	syn_obk_cfg(cfg, SSID, PSK);
	memcpy(cfg + 0x214, MQTTPW, sizeof(MQTTPW));
	cfg[3] = syn_crc8(cfg + 4, 3584 - 4);
	s = img + SYN_PSM + 4096;
	syn_ef_sector(s, using_, dfalse);
	pos = 20;
	p->obk_val =
	    SYN_PSM + 4096 + syn_ef_entry(s, &pos, st_write, "mY0bcFg", cfg, 3584) + 28 + 7;
	syn_obk_cfg(cfg, "OldNet", OLDPSK);
	s = img + SYN_PSM + 2 * 4096;
	syn_ef_sector(s, using_, dfalse);
	pos = 20;
	syn_ef_entry(s, &pos, st_del, "mY0bcFg", cfg, 3584);
	/* factory FDT with the station credentials */
	memset(img + SYN_FACTORY, 0xFF, SYN_FACTORY_LEN);
	assert_true(
	    syn_fdt(img + SYN_FACTORY, SYN_FACTORY_LEN, SSID, PSK, "BL602_AP", "apsecret9") > 0);
	/* raw copies outside any structure */
	memcpy(img + SYN_KEY + 0x10, SSID, sizeof(SSID) - 1);
	memcpy(img + SYN_DATA + 0x40, pmk, 32);
	hex((const uint8_t *)PSK, sizeof(PSK) - 1, true, pskhex);
	memcpy(img + SYN_DATA + 0x100, pskhex, strlen(pskhex));
	hex((const uint8_t *)SSID, sizeof(SSID) - 1, false, ssidhex);
	memcpy(img + SYN_MEDIA + 0x20, ssidhex, strlen(ssidhex));
	/* inside the firmware image (re-hashed so the image stays valid) */
	p->fw_hit = SYN_FW0 + 0x1000 + 0x300;
	memcpy(img + p->fw_hit, SSID, sizeof(SSID) - 1);
	syn_header(img + SYN_FW0, 0x3300, SYN_APP_LEN, 0x2000, img + SYN_FW0 + 0x1000);
	p->img = img;
	free(cfg);
}

struct kvs {
	struct blr_ef_entry e[64];
	size_t n;
};

static int grab(void *ctx, const struct blr_ef_entry *e)
{
	struct kvs *k = ctx;

	if (k->n < 64)
		k->e[k->n++] = *e;
	return 0;
}

static void all_changes_reported(const uint8_t *a, const uint8_t *b, size_t n,
				 const struct blr_scrub_report *rep)
{
	size_t diffs = 0;

	for (size_t i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;
		diffs++;
		bool covered = false;

		for (size_t k = 0; k < rep->n && !covered; k++)
			covered = rep->c[k].action != BLR_SCRUB_REPORTED && i >= rep->c[k].offset &&
				  i < (size_t)rep->c[k].offset + rep->c[k].length;
		if (!covered)
			fail_msg("byte 0x%zx changed but not in the report", i);
	}
	assert_true(diffs > 0 || rep->edited == 0);
	/* and nothing reported as left in place was changed */
	for (size_t k = 0; k < rep->n; k++)
		if (rep->c[k].action == BLR_SCRUB_REPORTED)
			assert_memory_equal(a + rep->c[k].offset, b + rep->c[k].offset,
					    rep->c[k].length);
}

/* Every occurrence of str in b lies in a record of what was left in place (SCRUB-7). */
static void every_hit_reported(const uint8_t *b, size_t n, const struct blr_scrub_report *rep,
			       const char *str)
{
	size_t sl = strlen(str);

	for (size_t i = 0; i + sl <= n; i++) {
		bool covered = false;

		if (memcmp(b + i, str, sl) != 0)
			continue;
		for (size_t k = 0; k < rep->n && !covered; k++)
			covered = rep->c[k].action == BLR_SCRUB_REPORTED && i >= rep->c[k].offset &&
				  i < (size_t)rep->c[k].offset + rep->c[k].length;
		if (!covered)
			fail_msg("'%s' at 0x%zx left and not reported", str, i);
	}
}

static void scrub_planted(void **state)
{
	struct planted p;
	struct blr_scrub_report rep;
	struct blr_scrub_opts o = {SSID, PSK};
	struct blr_check_result r;
	struct kvs before, after;
	uint8_t pmk[32];
	char hx[160];
	size_t first = 0;
	(void)state;

	plant(&p);
	assert_int_equal(blr_image_check(p.img, SYN_SIZE, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	uint8_t *orig = malloc(SYN_SIZE);

	assert_non_null(orig);
	memcpy(orig, p.img, SYN_SIZE);
	memset(&before, 0, sizeof(before));
	blr_ef_walk(orig + SYN_PSM, SYN_PSM_LEN, SYN_PSM, NULL, grab, &before);
	assert_int_equal(before.n, 15);

	assert_int_equal(blr_image_scrub(p.img, SYN_SIZE, &o, &rep), BLR_OK);
	const uint8_t *b = p.img;

	/* the user's strings survive only inside the firmware image, reported */
	assert_int_equal(count(b, SYN_SIZE, SSID, sizeof(SSID) - 1, &first), 1);
	assert_int_equal(first, p.fw_hit);
	assert_int_equal(rep.reported, 1);
	assert_int_equal(count(b, SYN_SIZE, PSK, sizeof(PSK) - 1, NULL), 0);
	assert_int_equal(blr_wpa_pmk(SSID, PSK, pmk), BLR_OK);
	assert_int_equal(count(b, SYN_SIZE, pmk, 32, NULL), 0);
	hex(pmk, 32, false, hx);
	assert_int_equal(count(b, SYN_SIZE, hx, 64, NULL), 0);
	hex(pmk, 32, true, hx);
	assert_int_equal(count(b, SYN_SIZE, hx, 64, NULL), 0);
	hex((const uint8_t *)PSK, sizeof(PSK) - 1, true, hx);
	assert_int_equal(count(b, SYN_SIZE, hx, strlen(hx), NULL), 0);
	hex((const uint8_t *)SSID, sizeof(SSID) - 1, false, hx);
	assert_int_equal(count(b, SYN_SIZE, hx, strlen(hx), NULL), 0);
	/* secrets known by key name, also in deleted copies and the old OBK config */
	assert_int_equal(count(b, SYN_SIZE, OLDPSK, sizeof(OLDPSK) - 1, NULL), 0);
	assert_int_equal(count(b, SYN_SIZE, "OldNet", 6, NULL), 0);
	assert_int_equal(count(b, SYN_SIZE, MQTTPW, sizeof(MQTTPW) - 1, NULL), 0);
	assert_int_equal(count(b, SYN_SIZE, "apsecret9", 9, NULL), 0);
	assert_int_equal(count(b, SYN_SIZE, "\xA0\xA1\xA2\xA3", 4, NULL), 0); /* LOCAL_IRK */
	/* still OK, and every changed byte is in the report */
	assert_int_equal(blr_image_check(b, SYN_SIZE, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	all_changes_reported(orig, b, SYN_SIZE, &rep);
	/* EasyFlash still valid: same entries, same states, CRCs good where they were */
	memset(&after, 0, sizeof(after));
	blr_ef_walk(b + SYN_PSM, SYN_PSM_LEN, SYN_PSM, NULL, grab, &after);
	assert_int_equal(after.n, before.n);
	for (size_t i = 0; i < after.n; i++) {
		assert_int_equal(after.e[i].offset, before.e[i].offset);
		assert_memory_equal(after.e[i].status_raw, before.e[i].status_raw, 5);
		assert_int_not_equal(after.e[i].state, BLR_EF_PRE_DELETE + 10);
		assert_int_equal(after.e[i].crc_ok, before.e[i].crc_ok);
		assert_true(after.e[i].crc_ok);
	}
	/* untouched: boot_times, OBK non-secret fields */
	assert_int_equal(b[p.boot_times], '3');
	assert_true(blr_obk_cfg_valid(b + p.obk_val, 3584));
	assert_memory_equal(b + p.obk_val + 0x2DE, "obk-synth", 9);
	assert_memory_equal(b + p.obk_val + 0x33E, "\x01\x02\x03\x04", 4);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(b[p.obk_val + 0x14 + i], 0);
	/* what the report says */
	size_t kinds[8] = {0};

	for (size_t k = 0; k < rep.n; k++)
		kinds[rep.c[k].action]++;
	assert_true(kinds[BLR_SCRUB_KV_VALUE] >= 10);
	assert_true(kinds[BLR_SCRUB_KV_CRC] >= 10);
	assert_int_equal(kinds[BLR_SCRUB_OBK_CRC8], 2); /* live and deleted copy */
	assert_true(kinds[BLR_SCRUB_OBK_FIELD] >= 4);
	assert_int_equal(kinds[BLR_SCRUB_FDT_VALUE], 4);
	assert_int_equal(kinds[BLR_SCRUB_RAW], 4);
	blr_scrub_report_free(&rep);

	/* idempotent */
	assert_int_equal(blr_image_scrub(p.img, SYN_SIZE, &o, &rep), BLR_OK);
	assert_int_equal(rep.edited, 0);
	blr_scrub_report_free(&rep);
	free(orig);
	free(p.img);
}

static void scrub_no_strings(void **state)
{
	struct planted p;
	struct blr_scrub_report rep;
	(void)state;

	plant(&p);
	/* key-name rules alone; user strings in raw areas then stay, but every copy of a
	 * removed value is reported (SCRUB-7): the SSID of conf_ap_ssid in KEY, in "note" and
	 * in the firmware image */
	assert_int_equal(blr_image_scrub(p.img, SYN_SIZE, NULL, &rep), BLR_OK);
	assert_int_equal(count(p.img + SYN_PSM, SYN_PSM_LEN, PSK, sizeof(PSK) - 1, NULL), 0);
	assert_int_equal(count(p.img + SYN_KEY, 0x2000, SSID, sizeof(SSID) - 1, NULL), 1);
	/* "note" is not a secret key: its SSID stays without --ssid */
	assert_int_equal(count(p.img + SYN_PSM, SYN_PSM_LEN, "my wifi is " SSID, 20, NULL), 1);
	assert_int_equal(rep.reported, 3);
	assert_int_equal(rep.values_left, 3);
	assert_int_equal(rep.values_in_images, 1); /* the one in the firmware image */
	every_hit_reported(p.img, SYN_SIZE, &rep, SSID);
	blr_scrub_report_free(&rep);
	/* both partition tables gone: the classic layout is used to find PSM and factory */
	free(p.img);
	plant(&p);
	memset(p.img + 0xE000, 0xFF, 0x2000);
	assert_int_equal(blr_image_scrub(p.img, SYN_SIZE, NULL, &rep), BLR_OK);
	assert_int_equal(count(p.img + SYN_PSM, SYN_PSM_LEN, PSK, sizeof(PSK) - 1, NULL), 0);
	assert_int_equal(count(p.img + SYN_FACTORY, SYN_FACTORY_LEN, PSK, sizeof(PSK) - 1, NULL),
			 0);
	blr_scrub_report_free(&rep);
	/* too-short strings are refused */
	struct blr_scrub_opts o = {"abc", NULL};

	assert_int_equal(blr_image_scrub(p.img, SYN_SIZE, &o, &rep), BLR_E_RANGE);
	assert_int_equal(rep.n, 0);
	assert_int_equal(blr_image_scrub(NULL, 0, NULL, &rep), BLR_E_INVAL);
	free(p.img);
}

/* Secrets planted by plant(), other than the user's own strings. */
static const char *const key_secrets[] = {OLDPSK, "OldNet", MQTTPW, "apsecret9", PSK};

/* A 2 MiB image read as 2, 4 MiB (SIZE-3): every copy is scrubbed alike (SCRUB-6), the result
 * stays mirrored and checks as before. */
static void scrub_mirrored(void **state)
{
	(void)state;
	for (size_t copies = 2; copies <= 4; copies += 2) {
		struct planted p;
		struct blr_scrub_report rep;
		struct blr_scrub_opts o = {SSID, PSK};
		struct blr_check_result before, after;
		size_t n = copies * SYN_SIZE;
		uint8_t *b = malloc(n), *orig = malloc(n);

		assert_non_null(b);
		assert_non_null(orig);
		plant(&p);
		for (size_t k = 0; k < copies; k++)
			memcpy(b + k * SYN_SIZE, p.img, SYN_SIZE);
		memcpy(orig, b, n);
		assert_int_equal(blr_image_check(b, n, 0, &before), BLR_OK);
		assert_int_equal(before.verdict, BLR_VERDICT_SUSPICIOUS);
		assert_non_null(strstr(before.summary, "second half repeats the first"));

		assert_int_equal(blr_image_scrub(b, n, &o, &rep), BLR_OK);
		assert_int_equal(rep.copies, copies);
		for (size_t k = 1; k < copies; k++)
			assert_memory_equal(b + k * SYN_SIZE, b, SYN_SIZE);
		for (size_t i = 0; i < sizeof(key_secrets) / sizeof(key_secrets[0]); i++)
			assert_int_equal(count(b, n, key_secrets[i], strlen(key_secrets[i]), NULL),
					 0);
		assert_int_equal(count(b, n, "\xA0\xA1\xA2\xA3", 4, NULL), 0);
		/* the SSID inside each copy's firmware image is left, and reported */
		assert_int_equal(count(b, n, SSID, strlen(SSID), NULL), copies);
		assert_int_equal(rep.reported, copies);
		every_hit_reported(b, n, &rep, SSID);
		all_changes_reported(orig, b, n, &rep);
		assert_int_equal(blr_image_check(b, n, 0, &after), BLR_OK);
		assert_int_equal(after.verdict, before.verdict);
		assert_string_equal(after.summary, before.summary);
		blr_scrub_report_free(&rep);

		/* without the user's strings: key-named secrets go from every copy, and every
		 * copy of their values left elsewhere is reported */
		memcpy(b, orig, n);
		assert_int_equal(blr_image_scrub(b, n, NULL, &rep), BLR_OK);
		for (size_t i = 0; i < sizeof(key_secrets) / sizeof(key_secrets[0]); i++)
			assert_int_equal(count(b, n, key_secrets[i], strlen(key_secrets[i]), NULL),
					 0);
		assert_int_equal(rep.reported, 3 * copies);
		every_hit_reported(b, n, &rep, SSID);
		blr_scrub_report_free(&rep);
		free(p.img);
		free(orig);
		free(b);
	}
}

/* Two copies that differ in one byte are not a mirror: the second is not scrubbed, and every
 * secret value it still holds is reported (SCRUB-7), never a clean result. */
static void scrub_leftovers_reported(void **state)
{
	struct planted p;
	struct blr_scrub_report rep;
	uint8_t *b = malloc(2 * SYN_SIZE);
	(void)state;

	assert_non_null(b);
	plant(&p);
	memcpy(b, p.img, SYN_SIZE);
	memcpy(b + SYN_SIZE, p.img, SYN_SIZE);
	b[SYN_SIZE + SYN_DATA + 0x800] ^= 0x5A;
	assert_int_equal(blr_image_scrub(b, 2 * SYN_SIZE, NULL, &rep), BLR_OK);
	assert_int_equal(rep.copies, 1);
	size_t left = 0;

	for (size_t i = 0; i < sizeof(key_secrets) / sizeof(key_secrets[0]); i++) {
		const char *k = key_secrets[i];

		assert_int_equal(count(b, SYN_SIZE, k, strlen(k), NULL), 0);
		left += count(b + SYN_SIZE, SYN_SIZE, k, strlen(k), NULL);
		every_hit_reported(b, 2 * SYN_SIZE, &rep, k);
	}
	assert_true(left >= 10);
	assert_true(rep.values_left >= left);
	assert_true(rep.reported >= left);
	blr_scrub_report_free(&rep);
	free(p.img);
	free(b);
}

/* Bytes a check covers are never zeroed by the raw sweep (SCRUB-3): boot2's image even where
 * it runs past 0x10000, and a live EasyFlash entry with a good CRC that does not fit (name
 * longer than 64). Hits there are reported, and the verdict stays. */
static void scrub_keeps_checked_bytes(void **state)
{
	struct blr_scrub_opts o = {SSID, NULL};
	struct blr_scrub_report rep;
	struct blr_check_result r;
	char name[71];
	uint8_t *img = syn_image();
	uint32_t pos = 20 + 28 + 10 + 1, ent;
	(void)state;

	assert_non_null(img);
	memcpy(img + 0x1F000, SSID, strlen(SSID));
	syn_header(img, 0x3300, 0x1E000, 0x2000, img + 0x2000);
	memset(name, 'n', 70);
	name[70] = 0;
	memcpy(name + 20, SSID, strlen(SSID));
	ent = SYN_PSM + syn_ef_entry(img + SYN_PSM, &pos, st_write, name, "value", 5);
	assert_int_equal(blr_image_check(img, SYN_SIZE, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);

	assert_int_equal(blr_image_scrub(img, SYN_SIZE, &o, &rep), BLR_OK);
	assert_int_equal(count(img, SYN_SIZE, SSID, strlen(SSID), NULL), 2);
	assert_int_equal(rep.reported, 2);
	every_hit_reported(img, SYN_SIZE, &rep, SSID);
	assert_memory_equal(img + ent + 28 + 20, SSID, strlen(SSID));
	assert_memory_equal(img + 0x1F000, SSID, strlen(SSID));
	assert_int_equal(blr_image_check(img, SYN_SIZE, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	blr_scrub_report_free(&rep);
	free(img);
}

static void scrub_openbeken_fixture(void **state)
{
	size_t len = 0;
	uint8_t *b = load_fixture("openbeken-full-2m.bin", &len);
	struct blr_scrub_report rep;
	struct blr_check_result r;
	struct kvs k;
	(void)state;

	if (!b)
		skip();
	uint8_t *orig = malloc(len);

	assert_non_null(orig);
	memcpy(orig, b, len);
	assert_int_equal(blr_image_scrub(b, len, NULL, &rep), BLR_OK);
	all_changes_reported(orig, b, len, &rep);
	/* the removed mqtt_userName "homeassistant" and the factory AP password "12345678" are
	 * also strings of the firmware image and boot2: reported, as protected copies */
	assert_true(rep.reported > 0);
	assert_int_equal(rep.values_in_images, rep.reported);
	every_hit_reported(b, len, &rep, "homeassistant");
	every_hit_reported(b, len, &rep, "12345678");
	memset(&k, 0, sizeof(k));
	blr_ef_walk(b + 0x1E9000, 0x8000, 0x1E9000, NULL, grab, &k);
	bool found = false;

	for (size_t i = 0; i < k.n; i++) {
		assert_true(k.e[i].crc_ok); /* CRC-32 valid */
		if (strcmp(k.e[i].name, "mY0bcFg") != 0 || k.e[i].state != BLR_EF_WRITE)
			continue;
		const uint8_t *v = b + k.e[i].value_off;

		found = true;
		assert_true(blr_obk_cfg_valid(v, k.e[i].value_len)); /* CRC-8 valid */
		/* doc/flash-layout.md §6.2 offsets: wifi_ssid, wifi_pass, mqtt_host, mqtt_userName,
		 * mqtt_pass, wifi_ssid2, wifi_pass2, webPassword all zero */
		static const uint16_t f[][2] = {{0x14, 64},  {0x54, 64},   {0x94, 256},
						{0x1D4, 64}, {0x214, 128}, {0xC00, 64},
						{0xC40, 68}, {0xC84, 33}};

		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			for (size_t x = 0; x < f[j][1]; x++)
				assert_int_equal(v[f[j][0] + x], 0);
		/* the pin map is kept */
		assert_memory_equal(v + 0x33E, orig + k.e[i].value_off + 0x33E, 160);
	}
	assert_true(found);
	assert_int_equal(blr_image_check(b, len, 0, &r), BLR_OK);
	assert_int_equal(r.verdict, BLR_VERDICT_OK);
	/* only the PSM and the factory partition changed */
	for (size_t i = 0; i < len; i++)
		if (orig[i] != b[i])
			assert_true((i >= 0x1E9000 && i < 0x1F1000) ||
				    (i >= 0x1F8000 && i < 0x1FF000));
	blr_scrub_report_free(&rep);
	free(orig);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pmk_vector),
	    cmocka_unit_test(scrub_planted),
	    cmocka_unit_test(scrub_no_strings),
	    cmocka_unit_test(scrub_mirrored),
	    cmocka_unit_test(scrub_leftovers_reported),
	    cmocka_unit_test(scrub_keeps_checked_bytes),
	    cmocka_unit_test(scrub_openbeken_fixture),
	};
	return cmocka_run_group_tests_name("scrub", tests, NULL, NULL);
}
