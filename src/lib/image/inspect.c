/* SPDX-License-Identifier: MIT */
/* Whole-dump inspection and the check verdict (image-format.md §7, §12). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "blrescue/image.h"
#include "common/bytes.h"
#include "image/internal.h"
#include "lib/bootheader.h"

#define NOOFF 0xFFFFFFFFu

static void add(struct blr_image_info *in, enum blr_problem_code code, enum blr_severity sev,
		uint32_t off, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct blr_image_info *in, enum blr_problem_code code, enum blr_severity sev,
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

static bool all_byte(const uint8_t *p, size_t n, uint8_t v)
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

static const char *hash_str(enum blr_hash_state s)
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

/* Problems of one boot header; what = "boot2 header" or "firmware slot 0 header". */
static void check_header(struct blr_image_info *in, const struct blr_bootheader *h,
			 const char *what, bool bootable_needed)
{
	enum blr_severity e = bootable_needed ? BLR_SEV_ERROR : BLR_SEV_INFO;
	enum blr_severity w = bootable_needed ? BLR_SEV_WARN : BLR_SEV_INFO;

	if (!h->complete) {
		add(in, BLR_P_TRUNCATED, e, h->offset, "%s at 0x%X: cut off by the end of the dump",
		    what, h->offset);
		return;
	}
	if (!h->magic_ok) {
		add(in, BLR_P_MAGIC, e, h->offset, "%s at 0x%X: no BFNP magic", what, h->offset);
		return;
	}
	if (h->crc_state == BLR_CRC_BAD)
		add(in, BLR_P_CRC, e, h->offset + BH_CRC,
		    "%s at 0x%X: header CRC 0x%08X, computed 0x%08X", what, h->offset, h->crc,
		    h->crc_calc);
	if (!h->fcfg_magic_ok || !h->fcfg_crc_ok)
		add(in, BLR_P_CRC, w, h->offset + BH_FCFG_MAGIC, "%s at 0x%X: flash config %s",
		    what, h->offset, h->fcfg_magic_ok ? "CRC mismatch" : "magic missing");
	if (!h->pcfg_magic_ok || !h->pcfg_crc_ok)
		add(in, BLR_P_CRC, w, h->offset + BH_PCFG_MAGIC, "%s at 0x%X: clock config %s",
		    what, h->offset, h->pcfg_magic_ok ? "CRC mismatch" : "magic missing");
	if (h->not_load_in_boot)
		add(in, BLR_P_FIELD, e, h->offset + BH_BOOTCFG,
		    "%s at 0x%X: notLoadInBoot set, boot2 refuses it", what, h->offset);
	if (h->img_len == 0)
		add(in, BLR_P_FIELD, e, h->offset + BH_SEG_INFO, "%s at 0x%X: image length 0", what,
		    h->offset);
	if (!h->no_segment)
		add(in, BLR_P_FIELD, w, h->offset + BH_BOOTCFG,
		    "%s at 0x%X: segmented image (noSegment = 0)", what, h->offset);
	if (h->sign || h->encrypt_type)
		add(in, BLR_P_FIELD, BLR_SEV_INFO, h->offset + BH_BOOTCFG,
		    "%s at 0x%X: %s%s%s (needs eFuse keys of the chip)", what, h->offset,
		    h->sign ? "signed" : "", h->sign && h->encrypt_type ? " and " : "",
		    h->encrypt_type ? "encrypted" : "");
	if (h->hash_state == BLR_HASH_MISMATCH)
		add(in, BLR_P_HASH, e, h->data_offset,
		    "%s at 0x%X: SHA-256 of %u bytes at 0x%X does not match", what, h->offset,
		    h->img_len, h->data_offset);
	else if (h->hash_state == BLR_HASH_TRUNCATED)
		add(in, BLR_P_TRUNCATED, e, h->data_offset,
		    "%s at 0x%X: image of %u bytes at 0x%X runs past the end of the dump", what,
		    h->offset, h->img_len, h->data_offset);
	else if (h->hash_state == BLR_HASH_ERROR)
		add(in, BLR_P_INTERNAL, e, h->data_offset, "%s: SHA-256 failed", what);
}

static void check_ptable(struct blr_image_info *in, int i, enum blr_severity sev)
{
	const struct blr_ptable *pt = &in->pt[i];

	if (!pt->present) {
		add(in, BLR_P_TRUNCATED, sev, pt->offset,
		    "partition table %d at 0x%X: not in the dump", i, pt->offset);
		return;
	}
	if (!pt->magic_ok) {
		add(in, BLR_P_PTABLE, sev, pt->offset, "partition table %d at 0x%X: no BFPT magic",
		    i, pt->offset);
		return;
	}
	if (!pt->hdr_crc_ok)
		add(in, BLR_P_CRC, sev, pt->offset + PT_OFF_CRC,
		    "partition table %d: header CRC 0x%08X, computed 0x%08X", i, pt->hdr_crc,
		    pt->hdr_crc_calc);
	if (!pt->count_ok)
		add(in, BLR_P_PTABLE, sev, pt->offset + PT_OFF_CNT,
		    "partition table %d: entry count %u invalid", i, pt->entry_cnt);
	else if (!pt->ent_crc_ok)
		add(in, BLR_P_CRC, sev, pt->offset + PT_HDR_LEN + PT_ENTRY_LEN * pt->entry_cnt,
		    "partition table %d: entries CRC 0x%08X, computed 0x%08X", i, pt->ent_crc,
		    pt->ent_crc_calc);
}

struct walk_ctx {
	struct blr_image_info *in;
	const uint8_t *b;
};

static int on_sector(void *ctx, const struct blr_ef_sector *s)
{
	struct walk_ctx *w = ctx;
	struct blr_image_info *in = w->in;

	if (in->n_sectors < BLR_MAX_EF_SECTORS)
		in->sectors[in->n_sectors++] = *s;
	else
		in->sectors_dropped++;
	if (!s->blank && !s->magic_ok)
		add(in, BLR_P_EASYFLASH, BLR_SEV_WARN, s->offset,
		    "PSM sector 0x%X: no EF40 header (EasyFlash will erase it at boot)", s->offset);
	else if (s->garbage)
		add(in, BLR_P_EASYFLASH, BLR_SEV_INFO, s->offset,
		    "PSM sector 0x%X: undecodable bytes skipped (resynchronised on KV40)",
		    s->offset);
	return 0;
}

static int on_entry(void *ctx, const struct blr_ef_entry *e)
{
	struct walk_ctx *w = ctx;
	struct blr_image_info *in = w->in;
	bool live = e->state == BLR_EF_WRITE || e->state == BLR_EF_PRE_DELETE;
	enum blr_severity sev = live ? BLR_SEV_WARN : BLR_SEV_INFO;

	if (in->n_kv < BLR_MAX_KV)
		in->kv[in->n_kv++] = *e;
	else
		in->kv_dropped++;
	if (e->header_broken)
		add(in, BLR_P_EASYFLASH, sev, e->offset,
		    "PSM entry at 0x%X: broken header (length 0x%X)", e->offset, e->len);
	else if (!e->crc_ok)
		add(in, BLR_P_CRC, sev, e->offset + EF_ENT_CRC,
		    "PSM entry '%s' (%s) at 0x%X: CRC 0x%08X, computed 0x%08X", e->name,
		    blr_ef_state_name((enum blr_ef_state)e->state), e->offset, e->crc, e->crc_calc);
	if (e->state == BLR_EF_WRITE && e->crc_ok && e->fits && e->name_len == 6 &&
	    memcmp(w->b + e->name_off, "fcdata", 6) == 0) {
		in->fcdata_len = e->value_len;
		if (e->value_len != 148 && e->value_len != 80)
			add(in, BLR_P_OBK, BLR_SEV_INFO, e->value_off,
			    "OpenBeken fcdata at 0x%X has %u bytes (expected 148, or 80 in older "
			    "builds)",
			    e->value_off, e->value_len);
	}
	if (e->state == BLR_EF_WRITE && e->crc_ok && e->fits && e->name_len == OBK_CFG_KEY_LEN &&
	    memcmp(w->b + e->name_off, BLR_OBK_CFG_KEY, OBK_CFG_KEY_LEN) == 0) {
		const uint8_t *v = w->b + e->value_off;

		in->obk_cfg_found = true;
		in->obk_cfg_version =
		    e->value_len >= OBK_CFG_VERSION + 4 ? get_le32(v + OBK_CFG_VERSION) : 0;
		in->obk_cfg_crc_ok = blr_obk_cfg_valid(v, e->value_len);
		if (!in->obk_cfg_crc_ok)
			add(in, BLR_P_OBK, BLR_SEV_WARN, e->value_off,
			    "OpenBeken config at 0x%X: ident or CRC-8 invalid (OpenBeken will "
			    "reset it)",
			    e->value_off);
	}
	return 0;
}

static int on_prop_count(void *ctx, const char *path, const char *name, uint32_t voff,
			 uint32_t vlen)
{
	(void)ctx;
	(void)path;
	(void)name;
	(void)voff;
	(void)vlen;
	return 0;
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
	add(in, BLR_P_PTABLE, BLR_SEV_INFO, NOOFF,
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
		/* §12.2: the vendor's 4 MiB layout ends 16 KiB past the chip */
		char sz[32];

		blr_format_size(by_start, sz, sizeof(sz));
		add(in, BLR_P_LAYOUT, BLR_SEV_INFO, NOOFF,
		    "layout ends at 0x%llX, 0x%llX bytes past a %s flash (the vendor 4 MiB "
		    "layout does this too)",
		    (unsigned long long)max_end, (unsigned long long)(max_end - by_start), sz);
		implied = by_start;
	}
	in->layout_end = max_end > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)max_end;
	in->flash_size_implied = implied > 0x80000000u ? 0 : (uint32_t)implied;
	if (n < implied) {
		char sz[32];

		blr_format_size(implied, sz, sizeof(sz));
		add(in, BLR_P_TRUNCATED, BLR_SEV_WARN, (uint32_t)n,
		    "dump has %zu bytes but the partition table describes %s of flash: "
		    "truncated dump%s",
		    n, sz, n == (1u << 20) ? " (blflash dumps stop at 1 MiB by default)" : "");
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
						add(in, BLR_P_LAYOUT, BLR_SEV_INFO, (uint32_t)ys,
						    "partitions %s[%d] and %s[%d] overlap", x->name,
						    a, y->name, b);
				}
	/* §3.3: PSM, factory and media must lie above both FW slots */
	const struct blr_pt_entry *fw = blr_ptable_fw(t);

	if (fw) {
		static const char *const need[] = {"PSM", "factory", "media"};

		for (size_t k = 0; k < 3; k++) {
			const struct blr_pt_entry *e = blr_ptable_find(t, need[k]);

			if (!e || e->addr[0] == 0)
				continue;
			if (e->addr[0] < fw->addr[0] ||
			    (fw->max_len[1] && e->addr[0] < fw->addr[1]))
				add(in, BLR_P_LAYOUT, BLR_SEV_ERROR, e->addr[0],
				    "%s at 0x%X lies below a firmware slot: the SDK app refuses it "
				    "and "
				    "halts",
				    e->name, e->addr[0]);
		}
	}
}

static void slot_kind_text(const struct blr_fw_slot *s, char *out, size_t cap)
{
	switch (s->kind) {
	case BLR_SLOT_NONE:
		snprintf(out, cap, "not configured");
		break;
	case BLR_SLOT_OUTSIDE:
		snprintf(out, cap, "lies past the end of the dump");
		break;
	case BLR_SLOT_XZ:
		snprintf(out, cap, "holds an XZ stream (compressed OTA; boot2 will decompress it)");
		break;
	case BLR_SLOT_ERASED:
		snprintf(out, cap, "is erased (all 0xFF)");
		break;
	case BLR_SLOT_GARBAGE:
		snprintf(out, cap, "holds no boot header (not erased)");
		break;
	case BLR_SLOT_IMAGE:
		snprintf(out, cap, "holds an image of %u bytes, %s", s->hdr.img_len,
			 hash_str(s->hdr.hash_state));
		break;
	}
}

static void analyse_fw(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
		       size_t n)
{
	const struct blr_pt_entry *fw = blr_ptable_fw(t);
	char txt[120], what[48];

	if (!fw) {
		add(in, BLR_P_PTABLE, BLR_SEV_ERROR, t->offset,
		    "no firmware entry (type 0) in the partition table");
		return;
	}
	in->have_fw = true;
	in->fw_active_index = fw->active_index & 1;
	in->fw_copy_pending = fw->active_index >= 2;
	if (in->fw_copy_pending)
		add(in, BLR_P_PTABLE, BLR_SEV_INFO, NOOFF,
		    "firmware activeIndex %u: boot2 will first copy %u bytes to the other slot",
		    fw->active_index, fw->len);
	for (int s = 0; s < 2; s++) {
		in->fw[s].index = s;
		in->fw[s].active = s == in->fw_active_index;
		blr_fw_slot_parse(b, n, fw->addr[s], fw->max_len[s], &in->fw[s]);
	}
	for (int s = 0; s < 2; s++) {
		struct blr_fw_slot *sl = &in->fw[s];

		snprintf(what, sizeof(what), "firmware slot %d header", s);
		if (sl->active) {
			switch (sl->kind) {
			case BLR_SLOT_IMAGE:
				check_header(in, &sl->hdr, what, true);
				break;
			case BLR_SLOT_XZ:
				add(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
				    "active firmware slot %d at 0x%X: OTA pending, boot2 will "
				    "decompress the XZ stream",
				    s, sl->addr);
				break;
			default:
				slot_kind_text(sl, txt, sizeof(txt));
				add(in, BLR_P_SLOT, BLR_SEV_ERROR, sl->addr,
				    "active firmware slot %d at 0x%X %s: nothing to boot", s,
				    sl->addr, txt);
				break;
			}
		} else if (sl->kind != BLR_SLOT_NONE) {
			slot_kind_text(sl, txt, sizeof(txt));
			const struct blr_fw_slot *o = &in->fw[!s];

			if (sl->kind == BLR_SLOT_GARBAGE && o->kind == BLR_SLOT_IMAGE &&
			    o->overhang && o->addr + o->max_len == sl->addr)
				add(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
				    "inactive firmware slot %d at 0x%X %s (its first %u bytes are "
				    "the "
				    "overhang of slot %d)",
				    s, sl->addr, txt, o->overhang, !s);
			else
				add(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
				    "inactive firmware slot %d at 0x%X %s", s, sl->addr, txt);
		}
		if (sl->kind == BLR_SLOT_IMAGE && sl->overhang)
			add(in, BLR_P_OVERHANG, BLR_SEV_INFO, sl->addr + sl->max_len,
			    "firmware slot %d: image runs %u bytes past the slot end (boot2 does "
			    "not "
			    "check this)",
			    s, sl->overhang);
	}
}

static void analyse_psm(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			size_t n)
{
	const struct blr_pt_entry *e = blr_ptable_find(t, "PSM");

	if (!e || e->absent) {
		add(in, BLR_P_EASYFLASH, BLR_SEV_INFO, NOOFF, "no PSM partition in the table");
		return;
	}
	if (e->addr[0] >= n)
		return; /* truncation already reported */
	in->have_psm = true;
	in->psm_offset = e->addr[0];
	in->psm_len = e->max_len[0];
	if ((uint64_t)e->addr[0] + e->max_len[0] > n)
		in->psm_len = (uint32_t)(n - e->addr[0]);
	struct walk_ctx w = {in, b};

	blr_ef_walk(b + in->psm_offset, in->psm_len, in->psm_offset, on_sector, on_entry, &w);
	if (in->sectors_dropped)
		add(in, BLR_P_EASYFLASH, BLR_SEV_INFO, NOOFF, "%zu more PSM sectors not listed",
		    in->sectors_dropped);
	if (in->kv_dropped)
		add(in, BLR_P_EASYFLASH, BLR_SEV_INFO, NOOFF, "%zu more PSM entries not listed",
		    in->kv_dropped);
}

static void analyse_factory(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			    size_t n)
{
	const struct blr_pt_entry *e = blr_ptable_find(t, "factory");

	if (!e || e->absent) {
		add(in, BLR_P_FDT, BLR_SEV_INFO, NOOFF, "no factory partition in the table");
		return;
	}
	if (e->addr[0] >= n)
		return;
	in->have_factory = true;
	in->factory_offset = e->addr[0];
	in->factory_len = e->max_len[0];
	if ((uint64_t)e->addr[0] + e->max_len[0] > n)
		in->factory_len = (uint32_t)(n - e->addr[0]);
	blr_fdt_walk(b + in->factory_offset, in->factory_len, in->factory_offset, &in->fdt,
		     on_prop_count, NULL);
	if (!in->fdt.magic_ok)
		add(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
		    "factory partition at 0x%X holds no device tree (SDK apps halt without it "
		    "unless the firmware embeds one)",
		    in->factory_offset);
	else if (!in->fdt.size_ok)
		add(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
		    "factory device tree: totalsize %u does not fit the partition",
		    in->fdt.totalsize);
	else if (!in->fdt.walk_ok)
		add(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
		    "factory device tree: structure block is damaged");
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
	check_header(in, &in->boot2, "boot2 header", true);
}

static void analyse_tables(struct blr_image_info *in, const uint8_t *b, size_t n)
{
	blr_ptable_parse(b, n, BLR_PT0_OFFSET, &in->pt[0]);
	blr_ptable_parse(b, n, BLR_PT1_OFFSET, &in->pt[1]);
	in->active_pt = blr_ptable_active(&in->pt[0], &in->pt[1]);
	if (in->active_pt < 0) {
		add(in, BLR_P_PTABLE, BLR_SEV_ERROR, BLR_PT0_OFFSET,
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
		add(in, BLR_P_PTABLE, BLR_SEV_INFO, NOOFF,
		    "the two partition tables differ (normal after an update); table %d is active "
		    "(age %u vs %u)",
		    in->active_pt, in->pt[in->active_pt].age, in->pt[other].age);
}

/* media contents, a pending mfg start request, vendor partitions holding data */
static void analyse_others(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			   size_t n)
{
	static const char *const vendor[] = {"KEY", "DATA", "reserve", "rf_para"};
	const struct blr_pt_entry *m = blr_ptable_find(t, "media");
	const struct blr_pt_entry *mf = blr_ptable_find(t, "mfg");

	if (m && !m->absent && m->addr[0] < n && n - m->addr[0] >= 8) {
		size_t ml = m->max_len[0] < n - m->addr[0] ? m->max_len[0] : n - m->addr[0];

		in->have_media = true;
		in->media_romfs = memcmp(b + m->addr[0], "-rom1fs-", 8) == 0;
		in->media_erased = all_byte(b + m->addr[0], ml, 0xFF);
	}
	/* §3.3.7: a pending "mfg start request" makes boot2 boot another partition once */
	if (mf && !mf->absent && (uint64_t)mf->addr[0] + 0xF000 + 16 <= n) {
		const uint8_t *q = b + mf->addr[0] + 0xF000;

		if (q[0] == '0' || q[0] == '1') {
			char name[16];
			size_t k = 0;

			while (k < 15 && q[1 + k] >= 0x21 && q[1 + k] < 0x7F && 1 + k < 16) {
				name[k] = (char)q[1 + k];
				k++;
			}
			name[k] = 0;
			in->mfg_request = true;
			add(in, BLR_P_LAYOUT, BLR_SEV_INFO, mf->addr[0] + 0xF000,
			    "mfg start request at 0x%X: boot2 will boot partition '%s' once",
			    mf->addr[0] + 0xF000, name);
		}
	}
	/* §3.5: vendor partitions that may hold secrets */
	for (size_t k = 0; k < sizeof(vendor) / sizeof(vendor[0]); k++) {
		const struct blr_pt_entry *v = blr_ptable_find(t, vendor[k]);

		if (!v || v->absent || v->addr[0] >= n)
			continue;
		size_t vl = v->max_len[0] < n - v->addr[0] ? v->max_len[0] : n - v->addr[0];

		if (!all_byte(b + v->addr[0], vl, 0xFF))
			add(in, BLR_P_LAYOUT, BLR_SEV_INFO, v->addr[0],
			    "%s partition at 0x%X holds data (vendor format; may contain secrets)",
			    v->name, v->addr[0]);
	}
}

/* Size, blank and mirror checks of the whole dump; false: nothing more to analyse. */
static bool analyse_whole(struct blr_image_info *in, const uint8_t *b, size_t n)
{
	size_t len = in->len;

	if (len == 0) {
		add(in, BLR_P_SIZE, BLR_SEV_ERROR, 0, "empty file");
		return false;
	}
	in->all_ff = all_byte(b, len, 0xFF);
	in->all_00 = all_byte(b, len, 0x00);
	if (in->all_ff || in->all_00) {
		add(in, BLR_P_BLANK, BLR_SEV_ERROR, 0, "all bytes are 0x%s (%s)",
		    in->all_ff ? "FF" : "00",
		    in->all_ff ? "erased flash, or the read failed" : "the read failed");
		return false;
	}
	if (!in->padded && !is_pow2(n))
		add(in, BLR_P_SIZE, BLR_SEV_WARN, NOOFF,
		    "dump has %zu bytes, not a power of two like a flash chip", n);
	if (is_pow2(n) && n >= 0x20000 && memcmp(b, b + n / 2, n / 2) == 0) {
		char sz[32];

		in->mirrored = true;
		blr_format_size(n / 2, sz, sizeof(sz));
		add(in, BLR_P_MIRRORED, BLR_SEV_WARN, (uint32_t)(n / 2),
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
		add(in, BLR_P_SIZE, BLR_SEV_WARN, (uint32_t)len,
		    "dump has %zu bytes, 1 byte short of %zu (Dev Cube's end address is inclusive)",
		    len, n);
	}
	if (analyse_whole(in, b, n)) {
		const struct blr_ptable *t;

		analyse_boot2(in, b, n);
		analyse_tables(in, b, n);
		t = layout_table(in);
		analyse_layout(in, t, n);
		analyse_fw(in, t, b, n);
		analyse_psm(in, t, b, n);
		analyse_factory(in, t, b, n);
		analyse_others(in, t, b, n);
	}
	free(pad);
	*out = in;
	return BLR_OK;
}

void blr_image_info_free(struct blr_image_info *info)
{
	free(info);
}

static void appendf(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void appendf(char *dst, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(dst);
	va_list ap;

	if (l + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + l, cap - l, fmt, ap);
	va_end(ap);
}

void blr_image_judge(const struct blr_image_info *in, uint32_t flash_size,
		     struct blr_check_result *res)
{
	char sz[32];
	size_t nreasons = 0;

	memset(res, 0, sizeof(*res));
	if (in->len == 0) {
		res->verdict = BLR_VERDICT_NOT_BL602;
		snprintf(res->summary, sizeof(res->summary),
			 "not a BL602 flash dump: the file is empty");
		return;
	}
	if (!in->all_ff && !in->all_00 && !in->boot2.magic_ok && !in->pt[0].magic_ok &&
	    !in->pt[1].magic_ok) {
		res->verdict = BLR_VERDICT_NOT_BL602;
		snprintf(res->summary, sizeof(res->summary),
			 "not a BL602 flash dump: no BFNP boot header at 0 and no BFPT partition "
			 "table at 0xE000/0xF000");
		return;
	}
	res->summary[0] = 0;
	appendf(res->summary, sizeof(res->summary), "suspicious: ");
	if (flash_size && in->len > flash_size) {
		blr_format_size(flash_size, sz, sizeof(sz));
		appendf(res->summary, sizeof(res->summary),
			"%sthe image has %zu bytes but the chip only %s", nreasons++ ? "; " : "",
			in->len, sz);
	} else if (flash_size && in->flash_size_implied > flash_size) {
		blr_format_size(flash_size, sz, sizeof(sz));
		appendf(res->summary, sizeof(res->summary),
			"%sthe partition table needs %u KiB of flash but the chip has %s",
			nreasons++ ? "; " : "", in->flash_size_implied >> 10, sz);
	}
	for (int sev = BLR_SEV_ERROR; sev >= BLR_SEV_WARN; sev--)
		for (size_t i = 0; i < in->n_problems; i++)
			if ((int)in->problems[i].sev == sev)
				appendf(res->summary, sizeof(res->summary), "%s%s",
					nreasons++ ? "; " : "", in->problems[i].text);
	if (nreasons) {
		res->verdict = BLR_VERDICT_SUSPICIOUS;
		return;
	}
	res->verdict = BLR_VERDICT_OK;
	blr_format_size(in->len, sz, sizeof(sz));
	res->summary[0] = 0;
	appendf(res->summary, sizeof(res->summary), "complete and bootable: %s, boot2 %s", sz,
		hash_str(in->boot2.hash_state));
	if (in->active_pt >= 0)
		appendf(res->summary, sizeof(res->summary), ", partition table %d (age %u)",
			in->active_pt, in->pt[in->active_pt].age);
	if (in->have_fw) {
		const struct blr_fw_slot *s = &in->fw[in->fw_active_index];

		appendf(res->summary, sizeof(res->summary), ", firmware slot %d at 0x%X %s",
			s->index, s->addr,
			s->kind == BLR_SLOT_XZ ? "(XZ, OTA pending)" : hash_str(s->hdr.hash_state));
		if (s->sdk_version[0])
			appendf(res->summary, sizeof(res->summary), " (%s)", s->sdk_version);
	}
	if (in->have_psm) {
		size_t live = 0;

		for (size_t i = 0; i < in->n_kv; i++)
			live += in->kv[i].state == BLR_EF_WRITE && in->kv[i].crc_ok;
		appendf(res->summary, sizeof(res->summary), ", %zu live setting%s", live,
			live == 1 ? "" : "s");
	}
	if (in->have_factory && in->fdt.magic_ok)
		appendf(res->summary, sizeof(res->summary), ", factory device tree");
}

int blr_image_check(const uint8_t *buf, size_t len, uint32_t flash_size,
		    struct blr_check_result *res)
{
	struct blr_image_info *in;
	int r;

	if (!res)
		return BLR_E_INVAL;
	r = blr_image_inspect(buf, len, &in);
	if (r != BLR_OK) {
		memset(res, 0, sizeof(*res));
		res->verdict = BLR_VERDICT_SUSPICIOUS;
		snprintf(res->summary, sizeof(res->summary), "could not be analysed (%s)",
			 blr_strerror(r));
		return r;
	}
	blr_image_judge(in, flash_size, res);
	blr_image_info_free(in);
	return BLR_OK;
}
