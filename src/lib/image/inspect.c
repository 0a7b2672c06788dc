/* SPDX-License-Identifier: MIT */
/*
 * Whole-dump inspection (doc/flash-layout.md §7.3, §8): size, blank and mirror checks, boot2, the
 * partition tables and the layout; what the partitions hold is analysed in partitions.c, the
 * verdict is judge.c's. Also the problem list and the helpers the three share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "blrescue/image.h"
#include "common/bytes.h"
#include "image/internal.h"
#include "lib/bootheader.h"

void img_problem(struct blr_image_info *in, enum blr_problem_code code, enum blr_severity sev,
		 uint32_t off, const char *fmt, ...)
{
	va_list ap;

	if (in->n_problems >= BLR_MAX_PROBLEMS) {
		in->problems_dropped++;
		return;
	}
	struct blr_problem *p = &in->problems[in->n_problems++];

	p->code = code;
	p->sev = sev;
	p->offset = off;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
}

void img_appendf(char *dst, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(dst);
	va_list ap;

	if (l + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + l, cap - l, fmt, ap);
	va_end(ap);
}

bool img_all_byte(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

size_t img_mirror_period(const uint8_t *b, size_t n)
{
	while (is_pow2(n) && n >= 0x20000 && memcmp(b, b + n / 2, n / 2) == 0)
		n /= 2;
	return n;
}

const char *img_hash_text(enum blr_hash_state s)
{
	switch (s) {
	case BLR_HASH_OK:
		return "hash OK";
	case BLR_HASH_MISMATCH:
		return "hash MISMATCH";
	case BLR_HASH_IGNORED:
		return "hash check disabled (DEADBEEF)";
	case BLR_HASH_TRUNCATED:
		return "image runs past the end of the dump";
	case BLR_HASH_ERROR:
		return "hash not computed (libcrypto error)";
	case BLR_HASH_NOT_CHECKED:
		break;
	}
	return "hash not checked";
}

void img_check_header(struct blr_image_info *in, const struct blr_bootheader *h, const char *what,
		      bool bootable_needed)
{
	enum blr_severity e = bootable_needed ? BLR_SEV_ERROR : BLR_SEV_INFO;
	enum blr_severity w = bootable_needed ? BLR_SEV_WARN : BLR_SEV_INFO;

	if (!h->complete) {
		img_problem(in, BLR_P_TRUNCATED, e, h->offset,
			    "%s at 0x%X: cut off by the end of the dump", what, h->offset);
		return;
	}
	if (!h->magic_ok) {
		img_problem(in, BLR_P_MAGIC, e, h->offset, "%s at 0x%X: no BFNP magic", what,
			    h->offset);
		return;
	}
	if (h->crc_state == BLR_CRC_BAD)
		img_problem(in, BLR_P_CRC, e, h->offset + BH_CRC,
			    "%s at 0x%X: header CRC 0x%08X, computed 0x%08X", what, h->offset,
			    h->crc, h->crc_calc);
	if (!h->fcfg_magic_ok || !h->fcfg_crc_ok)
		img_problem(in, BLR_P_CRC, w, h->offset + BH_FCFG_MAGIC,
			    "%s at 0x%X: flash config %s", what, h->offset,
			    h->fcfg_magic_ok ? "CRC mismatch" : "magic missing");
	if (!h->pcfg_magic_ok || !h->pcfg_crc_ok)
		img_problem(in, BLR_P_CRC, w, h->offset + BH_PCFG_MAGIC,
			    "%s at 0x%X: clock config %s", what, h->offset,
			    h->pcfg_magic_ok ? "CRC mismatch" : "magic missing");
	if (h->not_load_in_boot)
		img_problem(in, BLR_P_FIELD, e, h->offset + BH_BOOTCFG,
			    "%s at 0x%X: notLoadInBoot set, boot2 refuses it", what, h->offset);
	if (h->img_len == 0)
		img_problem(in, BLR_P_FIELD, e, h->offset + BH_SEG_INFO,
			    "%s at 0x%X: image length 0", what, h->offset);
	if (!h->no_segment)
		img_problem(in, BLR_P_FIELD, w, h->offset + BH_BOOTCFG,
			    "%s at 0x%X: segmented image (noSegment = 0)", what, h->offset);
	if (h->sign || h->encrypt_type)
		img_problem(in, BLR_P_FIELD, BLR_SEV_INFO, h->offset + BH_BOOTCFG,
			    "%s at 0x%X: %s%s%s (needs eFuse keys of the chip)", what, h->offset,
			    h->sign ? "signed" : "", h->sign && h->encrypt_type ? " and " : "",
			    h->encrypt_type ? "encrypted" : "");
	if (h->hash_state == BLR_HASH_MISMATCH)
		img_problem(in, BLR_P_HASH, e, h->data_offset,
			    "%s at 0x%X: SHA-256 of %u bytes at 0x%X does not match", what,
			    h->offset, h->img_len, h->data_offset);
	else if (h->hash_state == BLR_HASH_TRUNCATED)
		img_problem(in, BLR_P_TRUNCATED, e, h->data_offset,
			    "%s at 0x%X: image of %u bytes at 0x%X runs past the end of the dump",
			    what, h->offset, h->img_len, h->data_offset);
	else if (h->hash_state == BLR_HASH_ERROR)
		img_problem(in, BLR_P_INTERNAL, e, h->data_offset, "%s: SHA-256 failed", what);
}

static void check_ptable(struct blr_image_info *in, int i, enum blr_severity sev)
{
	const struct blr_ptable *pt = &in->pt[i];

	if (!pt->present) {
		img_problem(in, BLR_P_TRUNCATED, sev, pt->offset,
			    "partition table %d at 0x%X: not in the dump", i, pt->offset);
		return;
	}
	if (!pt->magic_ok) {
		img_problem(in, BLR_P_PTABLE, sev, pt->offset,
			    "partition table %d at 0x%X: no BFPT magic", i, pt->offset);
		return;
	}
	if (!pt->hdr_crc_ok)
		img_problem(in, BLR_P_CRC, sev, pt->offset + PT_OFF_CRC,
			    "partition table %d: header CRC 0x%08X, computed 0x%08X", i,
			    pt->hdr_crc, pt->hdr_crc_calc);
	if (!pt->count_ok)
		img_problem(in, BLR_P_PTABLE, sev, pt->offset + PT_OFF_CNT,
			    "partition table %d: entry count %u invalid", i, pt->entry_cnt);
	else if (!pt->ent_crc_ok)
		img_problem(in, BLR_P_CRC, sev,
			    pt->offset + PT_HDR_LEN + PT_ENTRY_LEN * pt->entry_cnt,
			    "partition table %d: entries CRC 0x%08X, computed 0x%08X", i,
			    pt->ent_crc, pt->ent_crc_calc);
}

/* Which table to read the layout from: the active one, else a decodable one for display,
 * else the classic layout (display only). */
static const struct blr_ptable *layout_table(struct blr_image_info *in)
{
	if (in->active_pt >= 0)
		return &in->pt[in->active_pt];
	for (int i = 0; i < 2; i++)
		if (in->pt[i].magic_ok && in->pt[i].n > 0)
			return &in->pt[i];
	blr_ptable_classic(&in->assumed);
	in->layout_assumed = true;
	img_problem(in, BLR_P_PTABLE, BLR_SEV_INFO, IMG_NO_OFFSET,
		    "no partition table could be decoded: showing the classic 2 MiB layout");
	return &in->assumed;
}

static void analyse_layout(struct blr_image_info *in, const struct blr_ptable *t, size_t n)
{
	uint64_t max_end = 0, max_start = 0;

	if (in->layout_assumed)
		return; /* the classic layout is shown, not read: it implies no flash size */

	for (size_t i = 0; i < t->n; i++) {
		const struct blr_pt_entry *e = &t->e[i];

		for (int s = 0; s < 2; s++) {
			if (e->max_len[s] == 0)
				continue;
			uint64_t end = (uint64_t)e->addr[s] + e->max_len[s];

			if (end > max_end)
				max_end = end;
			if ((uint64_t)e->addr[s] + 1 > max_start)
				max_start = (uint64_t)e->addr[s] + 1;
		}
	}
	if (max_end == 0)
		return;
	uint64_t implied = pow2_ceil(max_end), by_start = pow2_ceil(max_start);

	if (by_start < implied) {
		/* PT-15: the vendor's 4 MiB layout ends 16 KiB past the chip */
		char sz[32];

		blr_format_size(by_start, sz, sizeof(sz));
		img_problem(in, BLR_P_LAYOUT, BLR_SEV_INFO, IMG_NO_OFFSET,
			    "layout ends at 0x%llX, 0x%llX bytes past a %s flash (the vendor 4 MiB "
			    "layout does this too)",
			    (unsigned long long)max_end, (unsigned long long)(max_end - by_start),
			    sz);
		implied = by_start;
	}
	in->layout_end = max_end > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)max_end;
	in->flash_size_implied = implied > 0x80000000u ? 0 : (uint32_t)implied;
	if (n < implied) {
		char sz[32];

		blr_format_size(implied, sz, sizeof(sz));
		img_problem(in, BLR_P_TRUNCATED, BLR_SEV_WARN, (uint32_t)n,
			    "dump has %zu bytes but the partition table describes %s of flash: "
			    "truncated dump%s",
			    n, sz,
			    n == (1u << 20) ? " (blflash dumps stop at 1 MiB by default)" : "");
	}
	/* overlaps between slots (vendor layouts do this: information) */
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = i; j < t->n; j++)
			for (int a = 0; a < 2; a++)
				for (int b = 0; b < 2; b++) {
					const struct blr_pt_entry *x = &t->e[i], *y = &t->e[j];

					if (i == j && a >= b)
						continue;
					if (!x->max_len[a] || !y->max_len[b])
						continue;
					uint64_t xs = x->addr[a], xe = xs + x->max_len[a];
					uint64_t ys = y->addr[b], ye = ys + y->max_len[b];

					if (xs < ye && ys < xe)
						img_problem(in, BLR_P_LAYOUT, BLR_SEV_INFO,
							    (uint32_t)ys,
							    "partitions %s[%d] and %s[%d] overlap",
							    x->name, a, y->name, b);
				}
	/* PT-13: PSM, factory and media must lie above both FW slots */
	const struct blr_pt_entry *fw = blr_ptable_fw(t);

	if (fw) {
		static const char *const need[] = {"PSM", "factory", "media"};

		for (size_t k = 0; k < 3; k++) {
			const struct blr_pt_entry *e = blr_ptable_find(t, need[k]);

			if (!e || e->addr[0] == 0)
				continue;
			if (e->addr[0] < fw->addr[0] ||
			    (fw->max_len[1] && e->addr[0] < fw->addr[1]))
				img_problem(in, BLR_P_LAYOUT, BLR_SEV_ERROR, e->addr[0],
					    "%s at 0x%X lies below a firmware slot: the SDK app "
					    "refuses it and halts",
					    e->name, e->addr[0]);
		}
	}
}

static void analyse_boot2(struct blr_image_info *in, const uint8_t *b, size_t n)
{
	blr_bootheader_parse(b, n, 0, &in->boot2);
	if (in->boot2.complete && in->boot2.magic_ok) {
		blr_bootheader_check_image(b, n, in->boot2.img_start, &in->boot2);
		if (in->boot2.img_start < n) {
			size_t dn = n - in->boot2.img_start;

			if (dn > in->boot2.img_len)
				dn = in->boot2.img_len;
			img_find_boot2_date(b + in->boot2.img_start, dn, in->boot2_date,
					    sizeof(in->boot2_date), in->boot2_time,
					    sizeof(in->boot2_time));
		}
	}
	img_check_header(in, &in->boot2, "boot2 header", true);
}

static void analyse_tables(struct blr_image_info *in, const uint8_t *b, size_t n)
{
	blr_ptable_parse(b, n, BLR_PT0_OFFSET, &in->pt[0]);
	blr_ptable_parse(b, n, BLR_PT1_OFFSET, &in->pt[1]);
	in->active_pt = blr_ptable_active(&in->pt[0], &in->pt[1]);
	if (in->active_pt < 0) {
		img_problem(in, BLR_P_PTABLE, BLR_SEV_ERROR, BLR_PT0_OFFSET,
			    "no valid partition table: boot2 halts (\"No valid PT\")");
		check_ptable(in, 0, BLR_SEV_ERROR);
		check_ptable(in, 1, BLR_SEV_ERROR);
		return;
	}
	int other = !in->active_pt;

	if (!in->pt[other].valid) {
		check_ptable(in, other, BLR_SEV_WARN);
		return;
	}
	size_t sz0 = PT_SIZE(in->pt[0].entry_cnt), sz1 = PT_SIZE(in->pt[1].entry_cnt);

	in->pt_differ = sz0 != sz1 || memcmp(b + BLR_PT0_OFFSET, b + BLR_PT1_OFFSET, sz0) != 0;
	if (in->pt_differ)
		img_problem(in, BLR_P_PTABLE, BLR_SEV_INFO, IMG_NO_OFFSET,
			    "the two partition tables differ (normal after an update); table %d is "
			    "active (age %u vs %u)",
			    in->active_pt, in->pt[in->active_pt].age, in->pt[other].age);
}

/* Size, blank and mirror checks of the whole dump; false: nothing more to analyse. */
static bool analyse_whole(struct blr_image_info *in, const uint8_t *b, size_t n)
{
	size_t len = in->len;

	if (len == 0) {
		img_problem(in, BLR_P_SIZE, BLR_SEV_ERROR, 0, "empty file");
		return false;
	}
	in->all_ff = img_all_byte(b, len, 0xFF);
	in->all_00 = img_all_byte(b, len, 0x00);
	if (in->all_ff || in->all_00) {
		img_problem(in, BLR_P_BLANK, BLR_SEV_ERROR, 0, "all bytes are 0x%s (%s)",
			    in->all_ff ? "FF" : "00",
			    in->all_ff ? "erased flash, or the read failed" : "the read failed");
		return false;
	}
	if (!in->padded && !is_pow2(n))
		img_problem(in, BLR_P_SIZE, BLR_SEV_WARN, IMG_NO_OFFSET,
			    "dump has %zu bytes, not a power of two like a flash chip", n);
	if (img_mirror_period(b, n) < n) {
		char sz[32];

		in->mirrored = true;
		blr_format_size(n / 2, sz, sizeof(sz));
		img_problem(in, BLR_P_MIRRORED, BLR_SEV_WARN, (uint32_t)(n / 2),
			    "second half repeats the first: read past the end of a %s chip?", sz);
	}
	return true;
}

int blr_image_inspect(const uint8_t *buf, size_t len, struct blr_image_info **out)
{
	if (!out || (!buf && len))
		return BLR_E_INVAL;
	*out = NULL;
	struct blr_image_info *in = calloc(1, sizeof(*in));
	uint8_t *pad = NULL;
	const uint8_t *b = buf;
	size_t n = len;

	if (!in)
		return BLR_E_NOMEM;
	in->len = len;
	in->active_pt = -1;
	/* 2 MiB - 1 (Dev Cube's inclusive end): analyse with the missing byte as 0xFF */
	if (len >= 4095 && len % 4096 == 4095) {
		pad = malloc(len + 1);
		if (!pad) {
			free(in);
			return BLR_E_NOMEM;
		}
		memcpy(pad, buf, len);
		pad[len] = 0xFF;
		b = pad;
		n = len + 1;
		in->padded = true;
		img_problem(
		    in, BLR_P_SIZE, BLR_SEV_WARN, (uint32_t)len,
		    "dump has %zu bytes, 1 byte short of %zu (Dev Cube's end address is inclusive)",
		    len, n);
	}
	if (analyse_whole(in, b, n)) {
		const struct blr_ptable *t;

		analyse_boot2(in, b, n);
		analyse_tables(in, b, n);
		t = layout_table(in);
		analyse_layout(in, t, n);
		img_analyse_partitions(in, t, b, n);
	}
	free(pad);
	*out = in;
	return BLR_OK;
}

void blr_image_info_free(struct blr_image_info *info)
{
	free(info);
}
