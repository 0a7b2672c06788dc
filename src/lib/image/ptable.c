/* SPDX-License-Identifier: MIT */
/* Partition tables at 0xE000 / 0xF000 (doc/flash-layout.md §3). */
#include <stdio.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "image/internal.h"

/* entry fields (§3.2) */
#define PE_TYPE	    0u
#define PE_DEVICE   1u
#define PE_ACTIVE   2u
#define PE_NAME	    3u /* 9 bytes, NUL-padded */
#define PE_ADDR0    12u
#define PE_ADDR1    16u
#define PE_LEN0	    20u
#define PE_LEN1	    24u
#define PE_LEN	    28u
#define PE_AGE	    32u
#define PE_NAME_MAX 9u

int blr_ptable_parse(const uint8_t *buf, size_t len, uint32_t off, struct blr_ptable *pt)
{
	if (!pt)
		return BLR_E_INVAL;
	memset(pt, 0, sizeof(*pt));
	pt->offset = off;
	if (!buf)
		return BLR_E_INVAL;
	if (off > len || len - off < PT_HDR_LEN)
		return BLR_E_FORMAT;
	const uint8_t *p = buf + off;
	size_t avail = len - off;

	pt->present = true;
	pt->magic_ok = get_le32(p + PT_OFF_MAGIC) == PT_MAGIC;
	pt->version = get_le16(p + PT_OFF_VER);
	pt->entry_cnt = get_le16(p + PT_OFF_CNT);
	pt->age = get_le32(p + PT_OFF_AGE);
	pt->hdr_crc = get_le32(p + PT_OFF_CRC);
	pt->hdr_crc_calc = hash_crc32(p, PT_OFF_CRC);
	pt->hdr_crc_ok = pt->hdr_crc == pt->hdr_crc_calc;

	size_t cnt = pt->entry_cnt;

	pt->count_ok = cnt <= BLR_PT_MAX_ENTRIES && PT_SIZE(cnt) <= avail;
	if (cnt > BLR_PT_MAX_ENTRIES)
		cnt = BLR_PT_MAX_ENTRIES;
	/* decode as many entries as the dump holds */
	size_t fit = (avail - PT_HDR_LEN) / PT_ENTRY_LEN;

	if (cnt > fit)
		cnt = fit;
	pt->n = cnt;
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *e = p + PT_HDR_LEN + PT_ENTRY_LEN * i;
		struct blr_pt_entry *d = &pt->e[i];

		d->type = e[PE_TYPE];
		d->device = e[PE_DEVICE];
		d->active_index = e[PE_ACTIVE];
		for (size_t k = 0; k < PE_NAME_MAX; k++) {
			uint8_t c = e[PE_NAME + k];

			if (c == 0)
				break;
			d->name[k] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
		}
		d->addr[0] = get_le32(e + PE_ADDR0);
		d->addr[1] = get_le32(e + PE_ADDR1);
		d->max_len[0] = get_le32(e + PE_LEN0);
		d->max_len[1] = get_le32(e + PE_LEN1);
		d->len = get_le32(e + PE_LEN);
		d->age = get_le32(e + PE_AGE);
		d->absent = d->addr[0] == 0 && d->max_len[0] == 0;
	}
	if (pt->count_ok) {
		size_t n = PT_ENTRY_LEN * (size_t)pt->entry_cnt;

		pt->ent_crc = get_le32(p + PT_HDR_LEN + n);
		pt->ent_crc_calc = hash_crc32(p + PT_HDR_LEN, n);
		pt->ent_crc_ok = pt->ent_crc == pt->ent_crc_calc;
	}
	pt->valid = pt->magic_ok && pt->hdr_crc_ok && pt->count_ok && pt->ent_crc_ok;
	return BLR_OK;
}

int blr_ptable_active(const struct blr_ptable *pt0, const struct blr_ptable *pt1)
{
	if (pt0->valid && pt1->valid)
		return pt1->age > pt0->age ? 1 : 0;
	if (pt0->valid)
		return 0;
	if (pt1->valid)
		return 1;
	return -1;
}

const struct blr_pt_entry *blr_ptable_find(const struct blr_ptable *pt, const char *name)
{
	for (size_t i = 0; i < pt->n; i++)
		if (strcmp(pt->e[i].name, name) == 0)
			return &pt->e[i];
	return NULL;
}

const struct blr_pt_entry *blr_ptable_fw(const struct blr_ptable *pt)
{
	for (size_t i = 0; i < pt->n; i++)
		if (pt->e[i].type == 0)
			return &pt->e[i];
	return NULL;
}

/* The classic 2 MiB SDK layout (§3.6, PT-8), shown when neither table can be decoded. */
void blr_ptable_classic(struct blr_ptable *t)
{
	static const struct {
		const char *name;
		uint8_t type;
		uint32_t a0, l0, a1, l1;
	} c[] = {
	    {"FW", 0, 0x10000, 0xC8000, 0xD8000, 0x88000},
	    {"mfg", 2, 0x160000, 0x32000, 0, 0},
	    {"media", 3, 0x192000, 0x57000, 0, 0},
	    {"PSM", 4, 0x1E9000, 0x8000, 0, 0},
	    {"KEY", 5, 0x1F1000, 0x2000, 0, 0},
	    {"DATA", 6, 0x1F3000, 0x5000, 0, 0},
	    {"factory", 7, 0x1F8000, 0x7000, 0, 0},
	};

	memset(t, 0, sizeof(*t));
	t->offset = 0xFFFFFFFFu;
	t->n = sizeof(c) / sizeof(c[0]);
	for (size_t i = 0; i < t->n; i++) {
		snprintf(t->e[i].name, sizeof(t->e[i].name), "%s", c[i].name);
		t->e[i].type = c[i].type;
		t->e[i].addr[0] = c[i].a0;
		t->e[i].max_len[0] = c[i].l0;
		t->e[i].addr[1] = c[i].a1;
		t->e[i].max_len[1] = c[i].l1;
	}
}
