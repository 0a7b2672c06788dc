/* SPDX-License-Identifier: MIT */
/* `blrescue inspect` as text (doc/flash-layout.md names the structures). */
#include <string.h>

#include "cli_int.h"
#include "inspect.h"

/* A settings value: as a string when printable, else in hex; at most 256 bytes. */
static void print_value(FILE *f, const uint8_t *p, size_t n)
{
	size_t shown = n > 256 ? 256 : n;

	if (cli_printable(p, shown)) {
		fputc('"', f);
		for (size_t i = 0; i < shown && p[i]; i++)
			fputc(p[i], f);
		fputc('"', f);
	} else {
		for (size_t i = 0; i < shown; i++)
			fprintf(f, "%02x", p[i]);
	}
	if (shown < n)
		fprintf(f, "... (%zu more bytes)", n - shown);
}

static void text_header(FILE *f, const struct blr_bootheader *h, const char *indent, bool verbose)
{
	if (!h->complete) {
		fprintf(f, "%scut off by the end of the dump\n", indent);
		return;
	}
	if (!h->magic_ok) { /* the other fields would be decoded garbage */
		fprintf(f, "%smagic MISSING: no boot header here\n", indent);
		return;
	}
	fprintf(f, "%smagic %s, revision %u\n", indent, h->cpu1 ? "BFAP" : "BFNP", h->revision);
	fprintf(f, "%sflash config: magic %s, CRC %s (stored 0x%08X), ioMode 0x%02X, mid 0x%02X\n",
		indent, h->fcfg_magic_ok ? "ok" : "BAD", h->fcfg_crc_ok ? "ok" : "BAD", h->fcfg_crc,
		h->fcfg[0], h->fcfg[13]);
	if (verbose)
		for (size_t i = 0; i < blr_fcfg_field_count(); i++)
			fprintf(f, "%s  %-22s 0x%X\n", indent, blr_fcfg_field_at(i)->name,
				blr_fcfg_field_value(h, i));
	fprintf(f,
		"%sclock config: magic %s, CRC %s, xtal %u, pll %u, hclkDiv %u, bclkDiv %u, "
		"flashClk %u /%u\n",
		indent, h->pcfg_magic_ok ? "ok" : "BAD", h->pcfg_crc_ok ? "ok" : "BAD",
		h->xtal_type, h->pll_clk, h->hclk_div, h->bclk_div, h->flash_clk_type,
		h->flash_clk_div);
	fprintf(
	    f,
	    "%sbootCfg 0x%08X: sign %u, encrypt %u, keySel %u, noSegment %d, cacheEnable %d, "
	    "notLoadInBoot %d, aesRegionLock %d, cacheWayDisable %u, crcIgnore %d, hashIgnore %d, "
	    "haltCPU1 %d\n",
	    indent, h->boot_cfg, h->sign, h->encrypt_type, h->key_sel, h->no_segment,
	    h->cache_enable, h->not_load_in_boot, h->aes_region_lock, h->cache_way_disable,
	    h->crc_ignore, h->hash_ignore, h->halt_cpu1);
	fprintf(f, "%simage length %u, entry 0x%X, imgStart 0x%X, rsv 0x%X 0x%X\n", indent,
		h->img_len, h->boot_entry, h->img_start, h->rsv1, h->rsv2);
	fprintf(f, "%sheader CRC: %s (stored 0x%08X, computed 0x%08X)\n", indent,
		cli_crc_name(h->crc_state), h->crc, h->crc_calc);
	fprintf(f, "%simage hash at 0x%X: %s\n", indent, h->data_offset,
		cli_hash_name(h->hash_state));
}

/* With --show-values: the OpenBeken config fields by name (§6.2). */
static void text_obk(FILE *f, const struct blr_image_info *in, const uint8_t *buf)
{
	for (size_t i = 0; i < in->n_kv; i++) {
		const struct blr_ef_entry *e = &in->kv[i];

		if (e->state != BLR_EF_WRITE || !e->fits || strcmp(e->name, BLR_OBK_CFG_KEY) != 0)
			continue;
		for (size_t k = 0; k < blr_obk_field_count(); k++) {
			const struct blr_obk_field_info *fi = blr_obk_field_at(k);

			if ((size_t)fi->off + fi->size > e->value_len)
				continue;
			const uint8_t *v = buf + e->value_off + fi->off;

			fprintf(f, "    %-16s ", fi->name);
			print_value(f, v, strnlen((const char *)v, fi->size));
			fputc('\n', f);
		}
		break;
	}
}

static void text_partitions(FILE *f, const struct blr_image_info *in, const struct blr_ptable *t)
{
	if (!t->n)
		return;
	if (t == &in->assumed)
		fprintf(f, "\npartitions (assumed):\n");
	else
		fprintf(f, "\npartitions (table %d%s):\n", (int)(t - in->pt),
			in->active_pt == (int)(t - in->pt) ? ", active" : "");
	fprintf(f, "  %-8s %4s %3s %3s  %-21s %-21s %8s %4s\n", "name", "type", "dev", "act",
		"slot 0 address/size", "slot 1 address/size", "len", "age");
	for (size_t i = 0; i < t->n; i++) {
		const struct blr_pt_entry *e = &t->e[i];
		char s0[32], s1[32];

		snprintf(s0, sizeof(s0), "0x%06X/0x%06X", e->addr[0], e->max_len[0]);
		if (e->addr[1] || e->max_len[1])
			snprintf(s1, sizeof(s1), "0x%06X/0x%06X", e->addr[1], e->max_len[1]);
		else
			snprintf(s1, sizeof(s1), "-");
		fprintf(f, "  %-8s %4u %3u %3u  %-21s %-21s %8u %4u%s\n", e->name, e->type,
			e->device, e->active_index, s0, s1, e->len, e->age,
			e->absent ? " (absent)" : "");
	}
}

/* The two partition table headers, then the entries of the one that counts. */
static void text_tables(FILE *f, const struct blr_image_info *in)
{
	fprintf(f, "\npartition tables:\n");
	for (int i = 0; i < 2; i++) {
		const struct blr_ptable *p = &in->pt[i];

		fprintf(f, "  table %d at 0x%X: ", i, p->offset);
		if (!p->present) {
			fprintf(f, "not in the dump\n");
			continue;
		}
		if (!p->magic_ok) {
			fprintf(f, "no BFPT magic\n");
			continue;
		}
		fprintf(f, "%s, version %u, %u entries, age %u, header CRC %s, entries CRC %s%s\n",
			p->valid ? "valid" : "INVALID", p->version, p->entry_cnt, p->age,
			p->hdr_crc_ok ? "ok" : "BAD",
			p->count_ok ? (p->ent_crc_ok ? "ok" : "BAD") : "-",
			in->active_pt == i ? " [active]" : "");
	}
	if (in->active_pt >= 0 && in->pt[!in->active_pt].valid)
		fprintf(f, "  the tables are %s\n", in->pt_differ ? "different" : "identical");
	const struct blr_ptable *t = in->active_pt >= 0	  ? &in->pt[in->active_pt]
				     : in->pt[0].magic_ok ? &in->pt[0]
							  : &in->pt[1];
	if (in->layout_assumed) {
		t = &in->assumed;
		fprintf(f, "\nno readable partition table; assuming the classic 2 MiB layout\n");
	}
	text_partitions(f, in, t);
	if (in->pt_differ)
		text_partitions(f, in, &in->pt[!in->active_pt]);
}

static void text_firmware(FILE *f, const struct blr_image_info *in, bool verbose)
{
	if (!in->have_fw)
		return;
	fprintf(f, "\nfirmware:\n");
	for (int s = 0; s < 2; s++) {
		const struct blr_fw_slot *sl = &in->fw[s];

		if (sl->kind == BLR_SLOT_NONE)
			continue;
		fprintf(f, "  slot %d at 0x%X (max 0x%X)%s: %s\n", s, sl->addr, sl->max_len,
			sl->active ? " [active]" : "", cli_slot_kind_name(sl->kind));
		if (sl->kind != BLR_SLOT_IMAGE)
			continue;
		text_header(f, &sl->hdr, "    ", verbose);
		if (sl->overhang)
			fprintf(f, "    image runs %u bytes past the slot end\n", sl->overhang);
		if (sl->sdk_version[0])
			fprintf(f, "    SDK: %s\n", sl->sdk_version);
		if (sl->build_date[0])
			fprintf(f, "    built: %s %s\n", sl->build_date, sl->build_time);
		if (sl->app_version[0])
			fprintf(f, "    application: %s\n", sl->app_version);
	}
}

static void text_kv(FILE *f, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;

	if (in->n_kv)
		fprintf(f, "  %-10s %-12s %-4s %-16s %s\n", "offset", "state", "crc", "key",
			"value");
	for (size_t i = 0; i < in->n_kv; i++) {
		const struct blr_ef_entry *e = &in->kv[i];

		fprintf(f, "  0x%-8X %-12s %-4s %-16s ", e->offset,
			blr_ef_state_name((enum blr_ef_state)e->state),
			e->header_broken ? "HDR"
			: e->crc_ok	 ? "ok"
					 : "BAD",
			e->name);
		if (!e->fits) {
			fprintf(f, "(undecodable)\n");
			continue;
		}
		fprintf(f, "%u bytes", e->value_len);
		if (x->show) {
			fputs(" = ", f);
			print_value(f, x->buf + e->value_off, e->value_len);
		}
		fputc('\n', f);
	}
}

static void text_psm(FILE *f, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;
	char sz[32];

	if (!in->have_psm)
		return;
	blr_format_size(in->psm_len, sz, sizeof(sz));
	fprintf(f, "\nsettings (PSM, EasyFlash v4) at 0x%X, %s:\n", in->psm_offset, sz);
	for (size_t i = 0; i < in->n_sectors; i++) {
		const struct blr_ef_sector *s = &in->sectors[i];

		if (s->blank) {
			fprintf(f, "  sector 0x%X: erased\n", s->offset);
			continue;
		}
		fprintf(f, "  sector 0x%X: %s, store %s, dirty %s, %u entries%s%s\n", s->offset,
			s->magic_ok ? "EF40" : "NO MAGIC", cli_ef_store_name(s->store),
			cli_ef_dirty_name(s->dirty), s->entries,
			s->status_odd ? ", odd status bytes" : "",
			s->garbage ? ", undecodable bytes" : "");
	}
	text_kv(f, x);
	if (in->obk_cfg_found)
		fprintf(f, "  OpenBeken config: version %u, CRC-8 %s\n", in->obk_cfg_version,
			in->obk_cfg_crc_ok ? "ok" : "BAD");
	if (in->obk_cfg_found && x->show)
		text_obk(f, in, x->buf);
	if (in->fcdata_len)
		fprintf(f, "  OpenBeken fast-connect record (fcdata): %u bytes\n", in->fcdata_len);
	if (!x->show && in->n_kv)
		fprintf(f, "  (values hidden; --show-values prints them)\n");
}

static void text_factory(FILE *f, const struct blr_image_info *in)
{
	if (in->have_factory)
		fprintf(f, "\nfactory device tree at 0x%X: %s\n", in->factory_offset,
			in->fdt.magic_ok
			    ? (in->fdt.size_ok && in->fdt.walk_ok ? "present" : "damaged")
			    : "absent");
	if (in->fdt.magic_ok)
		fprintf(f, "  totalsize %u, %u nodes, %u properties\n", in->fdt.totalsize,
			in->fdt.nodes, in->fdt.props);
	if (in->have_media)
		fprintf(f, "media: %s\n",
			in->media_romfs	   ? "romfs"
			: in->media_erased ? "erased"
					   : "no romfs header");
}

void cli_inspect_text(const struct cli *cli, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;
	FILE *f = cli->out;
	char sz[32];

	blr_format_size(in->len, sz, sizeof(sz));
	if (in->len % 1024) /* "5000 bytes", not "5000 bytes (5000 bytes)" or "(1.99 MiB)" */
		fprintf(f, "%s: %zu bytes\n", x->path, in->len);
	else
		fprintf(f, "%s: %zu bytes (%s)\n", x->path, in->len, sz);
	/* the summary starts with the verdict in words ("suspicious: ...", "not a BL602 flash
	 * dump: ..."); the machine name (cli_verdict_name) is for JSON only */
	fprintf(f, "verdict: %s\n", x->res->summary);
	if (in->flash_size_implied) {
		blr_format_size(in->flash_size_implied, sz, sizeof(sz));
		fprintf(f, "flash size implied by the layout: %s (layout ends at 0x%X)\n", sz,
			in->layout_end);
	}
	if (!in->all_ff && !in->all_00 && in->len != 0) {
		fprintf(f, "\nboot2 header at 0x0:\n");
		text_header(f, &in->boot2, "  ", cli->verbose > 0);
		if (in->boot2_date[0])
			fprintf(f, "  boot2 built %s %s\n", in->boot2_date, in->boot2_time);
		text_tables(f, in);
		text_firmware(f, in, cli->verbose > 0);
		text_psm(f, x);
		text_factory(f, in);
	}
	fprintf(f, "\nproblems: %zu\n", in->n_problems);
	for (size_t i = 0; i < in->n_problems; i++) {
		const struct blr_problem *p = &in->problems[i];

		fprintf(f, "  %-7s %s\n", cli_severity_name(p->sev), p->text);
	}
	if (in->problems_dropped)
		fprintf(f, "  ... %zu more\n", in->problems_dropped);
}
