/* SPDX-License-Identifier: MIT */
/*
 * What a file to be written is (doc/flash-layout.md §10, CLASS-1..CLASS-5): a whole-flash
 * image, boot2 alone, a firmware image for a FW slot, an xz stream, blank, or something else,
 * with one line a user can read.
 */
#include <stdio.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "blrescue/image.h"
#include "image/internal.h"

/* ", OpenBeken 1.17.205, SDK release_..." (VER-1, VER-2), or "" */
static void version_text(const struct blr_fw_slot *s, char *out, size_t cap)
{
	out[0] = 0;
	if (s->app_version[0])
		img_appendf(out, cap, ", %s", s->app_version);
	if (s->sdk_version[0])
		img_appendf(out, cap, ", SDK %s", s->sdk_version);
	else if (!s->app_version[0] && s->build_date[0])
		img_appendf(out, cap, ", built %s", s->build_date);
}

/* CLASS-2: a BFPT table at 0xE000 or 0xF000; the firmware named is the active slot's. */
static void classify_full(const uint8_t *buf, size_t len, const struct blr_bootheader *h,
			  const char *sz, struct blr_image_class *out)
{
	struct blr_ptable pt[2];
	struct blr_fw_slot s;
	const struct blr_pt_entry *fw;
	char fwtxt[128] = "no firmware entry in the partition table", ver[96];

	blr_ptable_parse(buf, len, BLR_PT0_OFFSET, &pt[0]);
	blr_ptable_parse(buf, len, BLR_PT1_OFFSET, &pt[1]);
	int act = blr_ptable_active(&pt[0], &pt[1]);

	fw = blr_ptable_fw(&pt[act >= 0 ? act : !pt[0].magic_ok]);
	memset(&s, 0, sizeof(s));
	if (fw) {
		int i = fw->active_index & 1;

		blr_fw_slot_parse(buf, len, fw->addr[i], fw->max_len[i], &s);
		version_text(&s, ver, sizeof(ver));
		fwtxt[0] = 0;
		if (s.kind == BLR_SLOT_IMAGE)
			img_appendf(fwtxt, sizeof(fwtxt), "firmware slot %d%s", i,
				    ver[0] ? ver : " without a version string");
		else
			img_appendf(fwtxt, sizeof(fwtxt), "firmware slot %d %s", i,
				    s.kind == BLR_SLOT_XZ ? "holds an xz update"
							  : "holds no image");
	}
	out->kind = BLR_KIND_FULL;
	img_appendf(out->what, sizeof(out->what), "a whole-flash image (%s, %s%s) for address 0",
		    sz, fwtxt, h->magic_ok ? "" : "; no boot2 header at 0: it will not boot");
}

/* CLASS-3: the data that hashes decides (HASH-1 at imgStart, HASH-2 at 0x1000). */
static void classify_header(const uint8_t *buf, size_t len, const struct blr_bootheader *h,
			    const char *sz, struct blr_image_class *out)
{
	struct blr_fw_slot s;
	struct blr_bootheader b2 = *h;
	char ver[96], date[24], tim[16];
	const uint8_t *data = NULL;
	size_t dn = 0;

	memset(&s, 0, sizeof(s));
	blr_fw_slot_parse(buf, len, 0, len > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)len, &s);
	blr_bootheader_check_image(buf, len, h->img_start, &b2);
	if (h->img_start < len) {
		data = buf + h->img_start;
		dn = len - h->img_start < h->img_len ? len - h->img_start : h->img_len;
	}
	bool boot2_str = data && img_find_bytes(data, dn, "BLSP_Boot2_"); /* VER-3 */
	bool fw_ok = s.hdr.hash_state == BLR_HASH_OK, b2_ok = b2.hash_state == BLR_HASH_OK;
	bool ignored = s.hdr.hash_state == BLR_HASH_IGNORED;
	const char *crc = h->crc_state == BLR_CRC_BAD ? ", header CRC bad: will not boot" : "";
	const char *ign = ignored ? ", hash check disabled" : "";

	out->img_len = h->img_len;
	if ((b2_ok && (boot2_str || !fw_ok)) || (ignored && boot2_str)) {
		out->kind = BLR_KIND_BOOT2;
		out->hash = b2.hash_state;
		img_find_boot2_date(data, dn, date, sizeof(date), tim, sizeof(tim));
		img_appendf(out->what, sizeof(out->what),
			    "boot2 alone (%s, image at 0x%X%s%s%s%s), not a whole-flash image: no "
			    "partition table",
			    sz, h->img_start, date[0] ? ", built " : "", date, ign, crc);
	} else if (fw_ok || ignored) {
		out->kind = BLR_KIND_FIRMWARE;
		out->hash = s.hdr.hash_state;
		version_text(&s, ver, sizeof(ver));
		img_appendf(out->what, sizeof(out->what),
			    "a firmware image (%s%s%s%s) for a FW slot, not a whole-flash image",
			    sz, ver, ign, crc);
	} else {
		out->hash = s.hdr.hash_state;
		img_appendf(
		    out->what, sizeof(out->what),
		    "a boot header whose %u-byte image hashes neither at 0x1000 (firmware) nor "
		    "at 0x%X (boot2): damaged or truncated (%s)",
		    h->img_len, h->img_start, sz);
	}
}

int blr_image_classify(const uint8_t *buf, size_t len, struct blr_image_class *out)
{
	struct blr_bootheader h;
	char sz[32];

	if (!out || (!buf && len))
		return BLR_E_INVAL;
	memset(out, 0, sizeof(*out));
	blr_format_size(len, sz, sizeof(sz));
	if (len == 0 || img_all_byte(buf, len, 0xFF)) { /* CLASS-1 */
		out->kind = BLR_KIND_EMPTY;
		img_appendf(out->what, sizeof(out->what),
			    len ? "blank: all %s are 0xFF" : "an empty file", sz);
		return BLR_OK;
	}
	if (len >= sizeof(img_xz_magic) && memcmp(buf, img_xz_magic, sizeof(img_xz_magic)) == 0) {
		/* CLASS-4: an xz stream ends with the footer magic "YZ" */
		out->kind = BLR_KIND_XZ;
		img_appendf(
		    out->what, sizeof(out->what),
		    "an xz stream (%s): a compressed OTA image, not a whole-flash image%s", sz,
		    memcmp(buf + len - 2, "YZ", 2) ? "; its end is missing (truncated?)" : "");
		return BLR_OK;
	}
	blr_bootheader_parse(buf, len, 0, &h);
	for (int i = 0; i < 2; i++) {
		struct blr_ptable pt;

		if (blr_ptable_parse(buf, len, i ? BLR_PT1_OFFSET : BLR_PT0_OFFSET, &pt) ==
			BLR_OK &&
		    pt.magic_ok) {
			classify_full(buf, len, &h, sz, out);
			return BLR_OK;
		}
	}
	if (h.magic_ok) {
		classify_header(buf, len, &h, sz, out);
		return BLR_OK;
	}
	img_appendf(out->what, sizeof(out->what),
		    "unknown data (%s): no boot header at 0, no partition table at 0xE000/0xF000, "
		    "no xz stream",
		    sz);
	return BLR_OK;
}
