/* SPDX-License-Identifier: MIT */
/*
 * What the partitions of a dump hold (doc/flash-layout.md §4, §5, PT-12, §3.7): the firmware
 * slots, the PSM settings store, the factory device tree, media, a pending mfg start request
 * and vendor partitions with data. Part of the whole-image inspection (inspect.c).
 */
#include <stdio.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "image/internal.h"

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
		img_problem(in, BLR_P_EASYFLASH, BLR_SEV_WARN, s->offset,
			    "PSM sector 0x%X: no EF40 header (EasyFlash will erase it at boot)",
			    s->offset);
	else if (s->garbage)
		img_problem(in, BLR_P_EASYFLASH, BLR_SEV_INFO, s->offset,
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
		img_problem(in, BLR_P_EASYFLASH, sev, e->offset,
			    "PSM entry at 0x%X: broken header (length 0x%X)", e->offset, e->len);
	else if (!e->crc_ok)
		img_problem(in, BLR_P_CRC, sev, e->offset + EF_ENT_CRC,
			    "PSM entry '%s' (%s) at 0x%X: CRC 0x%08X, computed 0x%08X", e->name,
			    blr_ef_state_name((enum blr_ef_state)e->state), e->offset, e->crc,
			    e->crc_calc);
	if (e->state == BLR_EF_WRITE && e->crc_ok && e->fits && e->name_len == 6 &&
	    memcmp(w->b + e->name_off, "fcdata", 6) == 0) {
		in->fcdata_len = e->value_len;
		if (e->value_len != 148 && e->value_len != 80)
			img_problem(in, BLR_P_OBK, BLR_SEV_INFO, e->value_off,
				    "OpenBeken fcdata at 0x%X has %u bytes (expected 148, or 80 in "
				    "older builds)",
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
			img_problem(in, BLR_P_OBK, BLR_SEV_WARN, e->value_off,
				    "OpenBeken config at 0x%X: ident or CRC-8 invalid (OpenBeken "
				    "will reset it)",
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
			 img_hash_text(s->hdr.hash_state));
		break;
	}
}

static void analyse_fw(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
		       size_t n)
{
	const struct blr_pt_entry *fw = blr_ptable_fw(t);
	char txt[120], what[48];

	if (!fw) {
		img_problem(in, BLR_P_PTABLE, BLR_SEV_ERROR, t->offset,
			    "no firmware entry (type 0) in the partition table");
		return;
	}
	in->have_fw = true;
	in->fw_active_index = fw->active_index & 1;
	in->fw_copy_pending = fw->active_index >= 2;
	if (in->fw_copy_pending)
		img_problem(
		    in, BLR_P_PTABLE, BLR_SEV_INFO, IMG_NO_OFFSET,
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
				img_check_header(in, &sl->hdr, what, true);
				break;
			case BLR_SLOT_XZ:
				img_problem(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
					    "active firmware slot %d at 0x%X: OTA pending, boot2 "
					    "will decompress the XZ stream",
					    s, sl->addr);
				break;
			default:
				slot_kind_text(sl, txt, sizeof(txt));
				img_problem(in, BLR_P_SLOT, BLR_SEV_ERROR, sl->addr,
					    "active firmware slot %d at 0x%X %s: nothing to boot",
					    s, sl->addr, txt);
				break;
			}
		} else if (sl->kind != BLR_SLOT_NONE) {
			slot_kind_text(sl, txt, sizeof(txt));
			const struct blr_fw_slot *o = &in->fw[!s];

			if (sl->kind == BLR_SLOT_GARBAGE && o->kind == BLR_SLOT_IMAGE &&
			    o->overhang && o->addr + o->max_len == sl->addr)
				img_problem(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
					    "inactive firmware slot %d at 0x%X %s (its first %u "
					    "bytes are the overhang of slot %d)",
					    s, sl->addr, txt, o->overhang, !s);
			else
				img_problem(in, BLR_P_SLOT, BLR_SEV_INFO, sl->addr,
					    "inactive firmware slot %d at 0x%X %s", s, sl->addr,
					    txt);
		}
		if (sl->kind == BLR_SLOT_IMAGE && sl->overhang)
			img_problem(in, BLR_P_OVERHANG, BLR_SEV_INFO, sl->addr + sl->max_len,
				    "firmware slot %d: image runs %u bytes past the slot end "
				    "(boot2 does not check this)",
				    s, sl->overhang);
	}
}

/* Where partition name (its first slot) lies in the dump, clamped to it: false when the table
 * has none (said with code) or it starts past the end (truncation is reported already). */
static bool part_span(struct blr_image_info *in, const struct blr_ptable *t, const char *name,
		      enum blr_problem_code code, size_t n, uint32_t *off, uint32_t *len)
{
	const struct blr_pt_entry *e = blr_ptable_find(t, name);

	if (!e || e->absent) {
		img_problem(in, code, BLR_SEV_INFO, IMG_NO_OFFSET, "no %s partition in the table",
			    name);
		return false;
	}
	if (e->addr[0] >= n)
		return false;
	*off = e->addr[0];
	*len = e->max_len[0];
	if ((uint64_t)e->addr[0] + e->max_len[0] > n)
		*len = (uint32_t)(n - e->addr[0]);
	return true;
}

static void analyse_psm(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			size_t n)
{
	in->have_psm = part_span(in, t, "PSM", BLR_P_EASYFLASH, n, &in->psm_offset, &in->psm_len);
	if (!in->have_psm)
		return;
	struct walk_ctx w = {in, b};

	blr_ef_walk(b + in->psm_offset, in->psm_len, in->psm_offset, on_sector, on_entry, &w);
	if (in->sectors_dropped)
		img_problem(in, BLR_P_EASYFLASH, BLR_SEV_INFO, IMG_NO_OFFSET,
			    "%zu more PSM sectors not listed", in->sectors_dropped);
	if (in->kv_dropped)
		img_problem(in, BLR_P_EASYFLASH, BLR_SEV_INFO, IMG_NO_OFFSET,
			    "%zu more PSM entries not listed", in->kv_dropped);
}

static void analyse_factory(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			    size_t n)
{
	in->have_factory =
	    part_span(in, t, "factory", BLR_P_FDT, n, &in->factory_offset, &in->factory_len);
	if (!in->have_factory)
		return;
	blr_fdt_walk(b + in->factory_offset, in->factory_len, in->factory_offset, &in->fdt,
		     on_prop_count, NULL);
	if (!in->fdt.magic_ok)
		img_problem(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
			    "factory partition at 0x%X holds no device tree (SDK apps halt without "
			    "it unless the firmware embeds one)",
			    in->factory_offset);
	else if (!in->fdt.size_ok)
		img_problem(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
			    "factory device tree: totalsize %u does not fit the partition",
			    in->fdt.totalsize);
	else if (!in->fdt.walk_ok)
		img_problem(in, BLR_P_FDT, BLR_SEV_WARN, in->factory_offset,
			    "factory device tree: structure block is damaged");
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
		in->media_erased = img_all_byte(b + m->addr[0], ml, 0xFF);
	}
	/* PT-12: a pending "mfg start request" makes boot2 boot another partition once */
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
			img_problem(
			    in, BLR_P_LAYOUT, BLR_SEV_INFO, mf->addr[0] + 0xF000,
			    "mfg start request at 0x%X: boot2 will boot partition '%s' once",
			    mf->addr[0] + 0xF000, name);
		}
	}
	/* PT-18: vendor partitions that may hold secrets */
	for (size_t k = 0; k < sizeof(vendor) / sizeof(vendor[0]); k++) {
		const struct blr_pt_entry *v = blr_ptable_find(t, vendor[k]);

		if (!v || v->absent || v->addr[0] >= n)
			continue;
		size_t vl = v->max_len[0] < n - v->addr[0] ? v->max_len[0] : n - v->addr[0];

		if (!img_all_byte(b + v->addr[0], vl, 0xFF))
			img_problem(
			    in, BLR_P_LAYOUT, BLR_SEV_INFO, v->addr[0],
			    "%s partition at 0x%X holds data (vendor format; may contain secrets)",
			    v->name, v->addr[0]);
	}
}

void img_analyse_partitions(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			    size_t n)
{
	analyse_fw(in, t, b, n);
	analyse_psm(in, t, b, n);
	analyse_factory(in, t, b, n);
	analyse_others(in, t, b, n);
}
