/* SPDX-License-Identifier: MIT */
/* The check verdict of a whole-flash dump from its inspection (doc/flash-layout.md §8). */
#include <stdio.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "blrescue/image.h"
#include "image/internal.h"

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
	img_appendf(res->summary, sizeof(res->summary), "suspicious: ");
	if (flash_size && in->len > flash_size) {
		blr_format_size(flash_size, sz, sizeof(sz));
		img_appendf(res->summary, sizeof(res->summary),
			    "%sthe image has %zu bytes but the chip only %s",
			    nreasons++ ? "; " : "", in->len, sz);
	} else if (flash_size && in->flash_size_implied > flash_size) {
		blr_format_size(flash_size, sz, sizeof(sz));
		img_appendf(res->summary, sizeof(res->summary),
			    "%sthe partition table needs %u KiB of flash but the chip has %s",
			    nreasons++ ? "; " : "", in->flash_size_implied >> 10, sz);
	}
	for (int sev = BLR_SEV_ERROR; sev >= BLR_SEV_WARN; sev--)
		for (size_t i = 0; i < in->n_problems; i++)
			if ((int)in->problems[i].sev == sev)
				img_appendf(res->summary, sizeof(res->summary), "%s%s",
					    nreasons++ ? "; " : "", in->problems[i].text);
	if (nreasons) {
		res->verdict = BLR_VERDICT_SUSPICIOUS;
		return;
	}
	res->verdict = BLR_VERDICT_OK;
	blr_format_size(in->len, sz, sizeof(sz));
	res->summary[0] = 0;
	img_appendf(res->summary, sizeof(res->summary), "complete and bootable: %s, boot2 %s", sz,
		    img_hash_text(in->boot2.hash_state));
	if (in->active_pt >= 0)
		img_appendf(res->summary, sizeof(res->summary), ", partition table %d (age %u)",
			    in->active_pt, in->pt[in->active_pt].age);
	if (in->have_fw) {
		const struct blr_fw_slot *s = &in->fw[in->fw_active_index];

		img_appendf(res->summary, sizeof(res->summary), ", firmware slot %d at 0x%X %s",
			    s->index, s->addr,
			    s->kind == BLR_SLOT_XZ ? "(XZ, OTA pending)"
						   : img_hash_text(s->hdr.hash_state));
		if (s->sdk_version[0])
			img_appendf(res->summary, sizeof(res->summary), " (%s)", s->sdk_version);
	}
	if (in->have_psm) {
		size_t live = 0;

		for (size_t i = 0; i < in->n_kv; i++)
			live += in->kv[i].state == BLR_EF_WRITE && in->kv[i].crc_ok;
		img_appendf(res->summary, sizeof(res->summary), ", %zu live setting%s", live,
			    live == 1 ? "" : "s");
	}
	if (in->have_factory && in->fdt.magic_ok)
		img_appendf(res->summary, sizeof(res->summary), ", factory device tree");
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
