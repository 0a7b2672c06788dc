/* SPDX-License-Identifier: MIT */
/* Partition tables at 0xE000 / 0xF000 (image-format.md §3.2, §3.3). */
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"

#define MAGIC_BFPT 0x54504642u
#define PT_HDR 16u
#define PT_ENTRY 36u

int blr_ptable_parse(const uint8_t *buf, size_t len, uint32_t off, struct blr_ptable *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->offset = off;
	if (!buf || off > len || len - off < PT_HDR)
		return -1;
	const uint8_t *p = buf + off;
	size_t avail = len - off;

	pt->present = true;
	pt->magic_ok = get_le32(p) == MAGIC_BFPT;
	pt->version = get_le16(p + 4);
	pt->entry_cnt = get_le16(p + 6);
	pt->age = get_le32(p + 8);
	pt->hdr_crc = get_le32(p + 12);
	pt->hdr_crc_calc = blr_crc32(p, 12);
	pt->hdr_crc_ok = pt->hdr_crc == pt->hdr_crc_calc;

	size_t cnt = pt->entry_cnt;

	pt->count_ok = cnt <= BLR_PT_MAX_ENTRIES && PT_HDR + PT_ENTRY * cnt + 4 <= avail;
	if (cnt > BLR_PT_MAX_ENTRIES)
		cnt = BLR_PT_MAX_ENTRIES;
	/* decode as many entries as the dump holds */
	size_t fit = (avail - PT_HDR) / PT_ENTRY;

	if (cnt > fit)
		cnt = fit;
	pt->n = cnt;
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *e = p + PT_HDR + PT_ENTRY * i;
		struct blr_pt_entry *d = &pt->e[i];

		d->type = e[0];
		d->device = e[1];
		d->active_index = e[2];
		for (size_t k = 0; k < 9; k++) {
			uint8_t c = e[3 + k];

			if (c == 0)
				break;
			d->name[k] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
		}
		d->addr[0] = get_le32(e + 12);
		d->addr[1] = get_le32(e + 16);
		d->max_len[0] = get_le32(e + 20);
		d->max_len[1] = get_le32(e + 24);
		d->len = get_le32(e + 28);
		d->age = get_le32(e + 32);
		d->absent = d->addr[0] == 0 && d->max_len[0] == 0;
	}
	if (pt->count_ok) {
		size_t n = PT_ENTRY * (size_t)pt->entry_cnt;

		pt->ent_crc = get_le32(p + PT_HDR + n);
		pt->ent_crc_calc = blr_crc32(p + PT_HDR, n);
		pt->ent_crc_ok = pt->ent_crc == pt->ent_crc_calc;
	}
	pt->valid = pt->magic_ok && pt->hdr_crc_ok && pt->count_ok && pt->ent_crc_ok;
	return 0;
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
