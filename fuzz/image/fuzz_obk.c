/* SPDX-License-Identifier: MIT */
/*
 * The OpenBeken configuration (doc/flash-layout.md §6.2, OBK-1..OBK-3) on arbitrary value
 * bytes: validity, the field table, and the scrub of the value stored as the live "mY0bcFg"
 * entry of a small image (partition table with PSM at 0x10000). After the scrub the entry's
 * CRC-32 still matches, a valid configuration is still valid, and its secret fields are zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"

#define PSM	0x10000u
#define IMG_LEN (PSM + BLR_EF_SECTOR)
#define KEY	BLR_OBK_CFG_KEY
#define KEY_LEN (sizeof(KEY) - 1)
#define ENTRY	(PSM + BLR_EF_SECTOR_HDR)
#define VALUE	(ENTRY + BLR_EF_ENTRY_HDR + KEY_LEN)
#define MAX_VAL (IMG_LEN - VALUE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* §3.1, §3.2: one entry "PSM" at 0x10000, one sector long. */
static void table(uint8_t *t)
{
	memcpy(t, "BFPT", 4);
	put_le16(t + 4, 0);
	put_le16(t + 6, 1);
	put_le32(t + 8, 0);
	put_le32(t + 12, hash_crc32(t, 12));
	memset(t + 16, 0, 36);
	t[16] = 4;
	memcpy(t + 19, "PSM", 3);
	put_le32(t + 28, PSM);
	put_le32(t + 36, BLR_EF_SECTOR);
	put_le32(t + 52, hash_crc32(t + 16, 36));
}

/* §5.1, §5.3: a "using" sector holding one live entry KEY = v. */
static void psm(uint8_t *img, const uint8_t *v, size_t n)
{
	static const uint8_t hdr[12] = {0, 0, 0xFF, 0, 0xFF, 0xFF, 0xFF, 0xFF, 'E', 'F', '4', '0'};
	static const uint8_t live[8] = {0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	uint8_t *e = img + ENTRY;

	memcpy(img + PSM, hdr, sizeof(hdr));
	memcpy(e, live, sizeof(live));
	memcpy(e + 8, "KV40", 4);
	put_le32(e + 12, (uint32_t)(BLR_EF_ENTRY_HDR + KEY_LEN + n));
	e[20] = (uint8_t)KEY_LEN;
	put_le32(e + 24, (uint32_t)n);
	memcpy(e + BLR_EF_ENTRY_HDR, KEY, KEY_LEN);
	memcpy(img + VALUE, v, n);
	put_le32(e + 16, hash_crc32(e + 20, BLR_EF_ENTRY_HDR - 20 + KEY_LEN + n));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int check_entry(void *ctx, const struct blr_ef_entry *e)
{
	if (e->offset == ENTRY && !e->crc_ok)
		abort(); /* the scrub broke the entry's CRC-32 (OBK-3) */
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_scrub_opts o = {"TestNet", NULL};
	struct blr_scrub_report rep;
	size_t n = size < MAX_VAL ? size : MAX_VAL, sz = blr_obk_cfg_size(data, n);
	bool valid = blr_obk_cfg_valid(data, n);
	unsigned sum = 0;

	for (size_t i = 0; i < blr_obk_field_count(); i++) {
		const struct blr_obk_field_info *f = blr_obk_field_at(i);

		for (size_t k = 0; (size_t)f->off + k < n && k < f->size; k++)
			sum += data[f->off + k];
	}
	uint8_t *img = malloc(IMG_LEN);

	if (!img)
		return 0;
	memset(img, 0xFF, IMG_LEN);
	table(img + BLR_PT0_OFFSET);
	psm(img, data, n);
	if (blr_image_scrub(img, IMG_LEN, &o, &rep) == BLR_OK) {
		blr_ef_walk(img + PSM, BLR_EF_SECTOR, PSM, NULL, check_entry, NULL);
		if (valid && !blr_obk_cfg_valid(img + VALUE, n))
			abort();
		if (sz > n)
			sz = n;
		for (size_t i = 0; i < blr_obk_field_count(); i++) {
			const struct blr_obk_field_info *f = blr_obk_field_at(i);

			if (f->secret && (size_t)f->off + f->size <= sz &&
			    !all_zero(img + VALUE + f->off, f->size))
				abort(); /* a secret field left (§6.2) */
		}
		blr_scrub_report_free(&rep);
	}
	free(img);
	return (int)(sum & 0);
}
