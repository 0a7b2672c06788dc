/* SPDX-License-Identifier: MIT */
/* Offline commands: inspect, check, scrub, chips (issue 4; image-format.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blrescue/chipdb.h"
#include "blrescue/image.h"
#include "cli/cli_int.h"
#include "cli/json.h"

/* ---- shared helpers ---- */

/* Options: the shared parser (opts.c), so the global options are accepted here too, as
 * 'blrescue --help' says. Returns 0, an exit code, or -1 when --help was printed. The
 * positional arguments land in pos; exactly npos_want of them are required. */
static int parse_opts(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
		      cli_opt_handler on, void *ctx, const char **pos, size_t npos_want,
		      const char *what)
{
	size_t n;
	int rc = cli_parse_cmd(cli, argc, argv, argv[0], opts, on, ctx, pos, npos_want, &n);

	if (rc)
		return rc;
	if (n != npos_want) {
		cli_err(cli, "%s: %s", argv[0], what);
		cli_usage(argv[0], stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static const char *verdict_name(enum blr_verdict v)
{
	return v == BLR_VERDICT_OK	     ? "ok"
	       : v == BLR_VERDICT_SUSPICIOUS ? "suspicious"
					     : "not_bl602";
}

static int verdict_exit(enum blr_verdict v)
{
	return v == BLR_VERDICT_OK	     ? EXIT_OK_
	       : v == BLR_VERDICT_SUSPICIOUS ? EXIT_MISMATCH
					     : EXIT_NOT_DUMP;
}

static const char *sev_name(enum blr_severity s)
{
	return s == BLR_SEV_ERROR ? "error" : s == BLR_SEV_WARN ? "warning" : "info";
}

static const char *crc_name(enum blr_crc_state s)
{
	return s == BLR_CRC_OK ? "ok" : s == BLR_CRC_IGNORED ? "ignored" : "bad";
}

static const char *hash_name(enum blr_hash_state s)
{
	switch (s) {
	case BLR_HASH_OK:
		return "ok";
	case BLR_HASH_MISMATCH:
		return "mismatch";
	case BLR_HASH_IGNORED:
		return "ignored";
	case BLR_HASH_TRUNCATED:
		return "truncated";
	case BLR_HASH_ERROR:
		return "error";
	case BLR_HASH_NOT_CHECKED:
		break;
	}
	return "not_checked";
}

static const char *slot_kind_name(enum blr_slot_kind k)
{
	static const char *const n[] = {"none", "outside", "image", "xz", "erased", "garbage"};

	return (unsigned)k < 6 ? n[k] : "?";
}

static const char *const store_names[] = {"unused", "empty", "using", "full"};
static const char *const dirty_names[] = {"unused", "false", "true", "gc"};

static bool printable(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= 0x20 && p[i] < 0x7F)
		i++;
	while (i < n && p[i] == 0) /* trailing NULs are fine */
		i++;
	return i == n;
}

static void print_value(FILE *f, const uint8_t *p, size_t n)
{
	size_t shown = n > 256 ? 256 : n;

	if (printable(p, shown)) {
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

/* ---- inspect ---- */

struct inspect_opts {
	bool json, show;
};

static int inspect_opt(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct inspect_opts *o = ctx;

	(void)cli;
	(void)arg;
	if (c == 'j')
		o->json = true;
	else if (c == 's')
		o->show = true;
	return 0;
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
		crc_name(h->crc_state), h->crc, h->crc_calc);
	fprintf(f, "%simage hash at 0x%X: %s\n", indent, h->data_offset, hash_name(h->hash_state));
}

/* With --show-values: the OpenBeken config fields by name (§5.6). */
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

static void text_inspect(struct cli *cli, const char *path, const struct blr_image_info *in,
			 const struct blr_check_result *res, const uint8_t *buf, bool show)
{
	FILE *f = cli->out;
	char sz[32];

	cli_fmt_size(in->len, sz, sizeof(sz));
	if (in->len % 1024) /* "5000 bytes", not "5000 bytes (5000 bytes)" or "(1.99 MiB)" */
		fprintf(f, "%s: %zu bytes\n", path, in->len);
	else
		fprintf(f, "%s: %zu bytes (%s)\n", path, in->len, sz);
	fprintf(f, "verdict: %s: %s\n", verdict_name(res->verdict), res->summary);
	if (in->flash_size_implied) {
		cli_fmt_size(in->flash_size_implied, sz, sizeof(sz));
		fprintf(f, "flash size implied by the layout: %s (layout ends at 0x%X)\n", sz,
			in->layout_end);
	}
	if (in->all_ff || in->all_00 || in->len == 0)
		goto problems;

	fprintf(f, "\nboot2 header at 0x0:\n");
	text_header(f, &in->boot2, "  ", cli->verbose > 0);
	if (in->boot2_date[0])
		fprintf(f, "  boot2 built %s %s\n", in->boot2_date, in->boot2_time);

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
	if (in->have_fw) {
		fprintf(f, "\nfirmware:\n");
		for (int s = 0; s < 2; s++) {
			const struct blr_fw_slot *sl = &in->fw[s];

			if (sl->kind == BLR_SLOT_NONE)
				continue;
			fprintf(f, "  slot %d at 0x%X (max 0x%X)%s: %s\n", s, sl->addr, sl->max_len,
				sl->active ? " [active]" : "", slot_kind_name(sl->kind));
			if (sl->kind != BLR_SLOT_IMAGE)
				continue;
			text_header(f, &sl->hdr, "    ", cli->verbose > 0);
			if (sl->overhang)
				fprintf(f, "    image runs %u bytes past the slot end\n",
					sl->overhang);
			if (sl->sdk_version[0])
				fprintf(f, "    SDK: %s\n", sl->sdk_version);
			if (sl->build_date[0])
				fprintf(f, "    built: %s %s\n", sl->build_date, sl->build_time);
			if (sl->app_version[0])
				fprintf(f, "    application: %s\n", sl->app_version);
		}
	}
	if (in->have_psm) {
		cli_fmt_size(in->psm_len, sz, sizeof(sz));
		fprintf(f, "\nsettings (PSM, EasyFlash v4) at 0x%X, %s:\n", in->psm_offset, sz);
		for (size_t i = 0; i < in->n_sectors; i++) {
			const struct blr_ef_sector *s = &in->sectors[i];

			if (s->blank) {
				fprintf(f, "  sector 0x%X: erased\n", s->offset);
				continue;
			}
			fprintf(f, "  sector 0x%X: %s, store %s, dirty %s, %u entries%s%s\n",
				s->offset, s->magic_ok ? "EF40" : "NO MAGIC",
				store_names[s->store & 3], dirty_names[s->dirty & 3], s->entries,
				s->status_odd ? ", odd status bytes" : "",
				s->garbage ? ", undecodable bytes" : "");
		}
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
			if (show) {
				fputs(" = ", f);
				print_value(f, buf + e->value_off, e->value_len);
			}
			fputc('\n', f);
		}
		if (in->obk_cfg_found)
			fprintf(f, "  OpenBeken config: version %u, CRC-8 %s\n",
				in->obk_cfg_version, in->obk_cfg_crc_ok ? "ok" : "BAD");
		if (in->obk_cfg_found && show)
			text_obk(f, in, buf);
		if (in->fcdata_len)
			fprintf(f, "  OpenBeken fast-connect record (fcdata): %u bytes\n",
				in->fcdata_len);
		if (!show && in->n_kv)
			fprintf(f, "  (values hidden; --show-values prints them)\n");
	}
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
problems:
	fprintf(f, "\nproblems: %zu\n", in->n_problems);
	for (size_t i = 0; i < in->n_problems; i++) {
		const struct blr_problem *p = &in->problems[i];

		fprintf(f, "  %-7s %s\n", sev_name(p->sev), p->text);
	}
	if (in->problems_dropped)
		fprintf(f, "  ... %zu more\n", in->problems_dropped);
}

static void json_header(struct cli_json *j, const char *key, const struct blr_bootheader *h)
{
	cli_json_open(j, key, '{');
	cli_json_u(j, "offset", h->offset);
	cli_json_b(j, "complete", h->complete);
	cli_json_b(j, "magic_ok", h->magic_ok);
	if (h->complete && h->magic_ok) {
		cli_json_str(j, "magic", h->cpu1 ? "BFAP" : "BFNP");
		cli_json_u(j, "revision", h->revision);
		cli_json_open(j, "flash_cfg", '{');
		cli_json_b(j, "magic_ok", h->fcfg_magic_ok);
		cli_json_b(j, "crc_ok", h->fcfg_crc_ok);
		cli_json_u(j, "crc", h->fcfg_crc);
		cli_json_open(j, "fields", '{');
		for (size_t i = 0; i < blr_fcfg_field_count(); i++)
			cli_json_u(j, blr_fcfg_field_at(i)->name, blr_fcfg_field_value(h, i));
		cli_json_close(j, '}');
		cli_json_close(j, '}');
		cli_json_open(j, "clock_cfg", '{');
		cli_json_b(j, "magic_ok", h->pcfg_magic_ok);
		cli_json_b(j, "crc_ok", h->pcfg_crc_ok);
		cli_json_u(j, "xtal_type", h->xtal_type);
		cli_json_u(j, "pll_clk", h->pll_clk);
		cli_json_u(j, "hclk_div", h->hclk_div);
		cli_json_u(j, "bclk_div", h->bclk_div);
		cli_json_u(j, "flash_clk_type", h->flash_clk_type);
		cli_json_u(j, "flash_clk_div", h->flash_clk_div);
		cli_json_close(j, '}');
		cli_json_open(j, "boot_cfg", '{');
		cli_json_u(j, "value", h->boot_cfg);
		cli_json_u(j, "sign", h->sign);
		cli_json_u(j, "encrypt_type", h->encrypt_type);
		cli_json_u(j, "key_sel", h->key_sel);
		cli_json_b(j, "no_segment", h->no_segment);
		cli_json_b(j, "cache_enable", h->cache_enable);
		cli_json_b(j, "not_load_in_boot", h->not_load_in_boot);
		cli_json_b(j, "aes_region_lock", h->aes_region_lock);
		cli_json_u(j, "cache_way_disable", h->cache_way_disable);
		cli_json_b(j, "crc_ignore", h->crc_ignore);
		cli_json_b(j, "hash_ignore", h->hash_ignore);
		cli_json_b(j, "halt_cpu1", h->halt_cpu1);
		cli_json_close(j, '}');
		cli_json_u(j, "img_len", h->img_len);
		cli_json_u(j, "boot_entry", h->boot_entry);
		cli_json_u(j, "img_start", h->img_start);
		cli_json_hex(j, "hash", h->hash, 32);
		cli_json_u(j, "crc", h->crc);
		cli_json_u(j, "crc_calc", h->crc_calc);
		cli_json_str(j, "crc_state", crc_name(h->crc_state));
		cli_json_u(j, "data_offset", h->data_offset);
		cli_json_str(j, "hash_state", hash_name(h->hash_state));
	}
	cli_json_close(j, '}');
}

static void json_inspect(struct cli *cli, const char *path, const struct blr_image_info *in,
			 const struct blr_check_result *res, const uint8_t *buf, bool show)
{
	struct cli_json j;

	cli_json_init(&j, cli->out, false);

	cli_json_open(&j, NULL, '{');
	cli_json_str(&j, "file", path);
	cli_json_u(&j, "size", in->len);
	cli_json_str(&j, "verdict", verdict_name(res->verdict));
	cli_json_str(&j, "summary", res->summary);
	cli_json_u(&j, "flash_size_implied", in->flash_size_implied);
	cli_json_u(&j, "layout_end", in->layout_end);
	cli_json_b(&j, "all_ff", in->all_ff);
	cli_json_b(&j, "all_00", in->all_00);
	cli_json_b(&j, "mirrored", in->mirrored);
	json_header(&j, "boot2", &in->boot2);
	cli_json_str(&j, "boot2_date", in->boot2_date);
	cli_json_str(&j, "boot2_time", in->boot2_time);
	cli_json_open(&j, "partition_tables", '[');
	for (int i = 0; i < 2; i++) {
		const struct blr_ptable *p = &in->pt[i];

		cli_json_open(&j, NULL, '{');
		cli_json_u(&j, "offset", p->offset);
		cli_json_b(&j, "present", p->present);
		cli_json_b(&j, "magic_ok", p->magic_ok);
		cli_json_b(&j, "valid", p->valid);
		cli_json_b(&j, "active", in->active_pt == i);
		cli_json_u(&j, "version", p->version);
		cli_json_u(&j, "entry_count", p->entry_cnt);
		cli_json_u(&j, "age", p->age);
		cli_json_b(&j, "header_crc_ok", p->hdr_crc_ok);
		cli_json_b(&j, "entries_crc_ok", p->ent_crc_ok);
		cli_json_open(&j, "entries", '[');
		for (size_t k = 0; k < p->n; k++) {
			const struct blr_pt_entry *e = &p->e[k];

			cli_json_open(&j, NULL, '{');
			cli_json_str(&j, "name", e->name);
			cli_json_u(&j, "type", e->type);
			cli_json_u(&j, "device", e->device);
			cli_json_u(&j, "active_index", e->active_index);
			cli_json_u(&j, "address0", e->addr[0]);
			cli_json_u(&j, "size0", e->max_len[0]);
			cli_json_u(&j, "address1", e->addr[1]);
			cli_json_u(&j, "size1", e->max_len[1]);
			cli_json_u(&j, "len", e->len);
			cli_json_u(&j, "age", e->age);
			cli_json_b(&j, "absent", e->absent);
			cli_json_close(&j, '}');
		}
		cli_json_close(&j, ']');
		cli_json_close(&j, '}');
	}
	cli_json_close(&j, ']');
	cli_json_b(&j, "tables_differ", in->pt_differ);
	cli_json_b(&j, "layout_assumed", in->layout_assumed);
	cli_json_b(&j, "mfg_start_request", in->mfg_request);
	cli_json_open(&j, "firmware", '[');
	for (int s = 0; in->have_fw && s < 2; s++) {
		const struct blr_fw_slot *sl = &in->fw[s];

		cli_json_open(&j, NULL, '{');
		cli_json_i(&j, "slot", s);
		cli_json_u(&j, "address", sl->addr);
		cli_json_u(&j, "size", sl->max_len);
		cli_json_b(&j, "active", sl->active);
		cli_json_str(&j, "content", slot_kind_name(sl->kind));
		if (sl->kind == BLR_SLOT_IMAGE) {
			json_header(&j, "header", &sl->hdr);
			cli_json_u(&j, "overhang", sl->overhang);
			cli_json_str(&j, "sdk_version", sl->sdk_version);
			cli_json_str(&j, "build_date", sl->build_date);
			cli_json_str(&j, "build_time", sl->build_time);
			cli_json_str(&j, "app_version", sl->app_version);
		}
		cli_json_close(&j, '}');
	}
	cli_json_close(&j, ']');
	cli_json_open(&j, "psm", '{');
	cli_json_b(&j, "present", in->have_psm);
	cli_json_u(&j, "offset", in->psm_offset);
	cli_json_u(&j, "size", in->psm_len);
	cli_json_open(&j, "sectors", '[');
	for (size_t i = 0; i < in->n_sectors; i++) {
		const struct blr_ef_sector *s = &in->sectors[i];

		cli_json_open(&j, NULL, '{');
		cli_json_u(&j, "offset", s->offset);
		cli_json_b(&j, "erased", s->blank);
		cli_json_b(&j, "magic_ok", s->magic_ok);
		cli_json_str(&j, "store", store_names[s->store & 3]);
		cli_json_str(&j, "dirty", dirty_names[s->dirty & 3]);
		cli_json_u(&j, "entries", s->entries);
		cli_json_close(&j, '}');
	}
	cli_json_close(&j, ']');
	cli_json_open(&j, "entries", '[');
	for (size_t i = 0; i < in->n_kv; i++) {
		const struct blr_ef_entry *e = &in->kv[i];

		cli_json_open(&j, NULL, '{');
		cli_json_u(&j, "offset", e->offset);
		cli_json_str(&j, "key", e->name);
		cli_json_str(&j, "state", blr_ef_state_name((enum blr_ef_state)e->state));
		cli_json_hex(&j, "status_bytes", e->status_raw, 5);
		cli_json_b(&j, "header_broken", e->header_broken);
		cli_json_b(&j, "crc_ok", e->crc_ok);
		cli_json_u(&j, "len", e->len);
		cli_json_u(&j, "value_length", e->value_len);
		cli_json_u(&j, "value_offset", e->value_off);
		if (show && e->fits) {
			if (printable(buf + e->value_off, e->value_len)) {
				size_t l = strnlen((const char *)buf + e->value_off, e->value_len);

				cli_json_strn(&j, "value", (const char *)buf + e->value_off, l);
			} else {
				cli_json_hex(&j, "value_hex", buf + e->value_off, e->value_len);
			}
		}
		cli_json_close(&j, '}');
	}
	cli_json_close(&j, ']');
	cli_json_b(&j, "openbeken_config", in->obk_cfg_found);
	if (in->obk_cfg_found) {
		cli_json_u(&j, "openbeken_config_version", in->obk_cfg_version);
		cli_json_b(&j, "openbeken_config_crc_ok", in->obk_cfg_crc_ok);
	}
	cli_json_u(&j, "openbeken_fcdata_length", in->fcdata_len);
	cli_json_close(&j, '}');
	cli_json_open(&j, "factory", '{');
	cli_json_b(&j, "present", in->have_factory);
	cli_json_u(&j, "offset", in->factory_offset);
	cli_json_b(&j, "fdt", in->fdt.magic_ok);
	cli_json_u(&j, "fdt_totalsize", in->fdt.totalsize);
	cli_json_b(&j, "fdt_ok", in->fdt.magic_ok && in->fdt.size_ok && in->fdt.walk_ok);
	cli_json_close(&j, '}');
	cli_json_b(&j, "media_romfs", in->media_romfs);
	cli_json_b(&j, "media_erased", in->media_erased);
	cli_json_open(&j, "problems", '[');
	for (size_t i = 0; i < in->n_problems; i++) {
		const struct blr_problem *p = &in->problems[i];

		cli_json_open(&j, NULL, '{');
		cli_json_str(&j, "severity", sev_name(p->sev));
		cli_json_u(&j, "code", (unsigned)p->code);
		if (p->offset != 0xFFFFFFFFu)
			cli_json_u(&j, "offset", p->offset);
		cli_json_str(&j, "text", p->text);
		cli_json_close(&j, '}');
	}
	cli_json_close(&j, ']');
	cli_json_close(&j, '}');
}

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, 'j'},
	    {"show-values", 0, OPT_NONE, 's'},
	    {NULL, 0, 0, 0},
	};
	struct inspect_opts o = {false, false};
	const char *path;
	int r = parse_opts(cli, argc, argv, lo, inspect_opt, &o, &path, 1, "expected one FILE");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	uint8_t *buf;
	size_t len;
	struct blr_image_info *in;
	struct blr_check_result res;

	r = cli_read_input(cli, argv[0], path, &buf, &len);
	if (r != 0)
		return r;
	if (blr_image_inspect(buf, len, &in) != 0) {
		free(buf);
		cli_err(cli, "inspect: out of memory");
		return EXIT_SOFTWARE;
	}
	blr_image_judge(in, 0, &res);
	cli->json = o.json;
	if (o.json)
		json_inspect(cli, path, in, &res, buf, o.show);
	else
		text_inspect(cli, path, in, &res, buf, o.show);
	blr_image_info_free(in);
	free(buf);
	return EXIT_OK_;
}

/* ---- check ---- */

static int json_opt(struct cli *cli, void *ctx, int c, const char *arg)
{
	(void)cli;
	(void)arg;
	if (c == 'j')
		*(bool *)ctx = true;
	return 0;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, 'j'},
	    {NULL, 0, 0, 0},
	};
	bool json = false;
	const char *path;
	int r = parse_opts(cli, argc, argv, lo, json_opt, &json, &path, 1, "expected one FILE");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	uint8_t *buf;
	size_t len;
	struct blr_check_result res;

	r = cli_read_input(cli, argv[0], path, &buf, &len);
	if (r != 0)
		return r;
	r = blr_image_check(buf, len, 0, &res);
	free(buf);
	if (r != 0) {
		cli_err(cli, "check: out of memory");
		return EXIT_SOFTWARE;
	}
	cli->json = json;
	if (json) {
		struct cli_json j;

		cli_json_init(&j, cli->out, false);

		cli_json_open(&j, NULL, '{');
		cli_json_str(&j, "file", path);
		cli_json_u(&j, "size", len);
		cli_json_str(&j, "verdict", verdict_name(res.verdict));
		cli_json_str(&j, "summary", res.summary);
		cli_json_close(&j, '}');
	} else {
		fprintf(cli->out, "%s: %s\n", path, res.summary);
	}
	return verdict_exit(res.verdict);
}

/* ---- scrub ---- */

struct scrub_opts {
	const char *ssid, *psk;
	bool force;
};

static int scrub_opt(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct scrub_opts *o = ctx;

	(void)cli;
	if (c == 's')
		o->ssid = arg;
	else if (c == 'p')
		o->psk = arg;
	else if (c == 'f')
		o->force = true;
	return 0;
}

static const char *action_name(enum blr_scrub_action a)
{
	switch (a) {
	case BLR_SCRUB_KV_VALUE:
	case BLR_SCRUB_OBK_FIELD:
	case BLR_SCRUB_FDT_VALUE:
	case BLR_SCRUB_RAW:
		return "zeroed";
	case BLR_SCRUB_KV_CRC:
	case BLR_SCRUB_OBK_CRC8:
		return "updated";
	case BLR_SCRUB_REPORTED:
		return "LEFT";
	}
	return "?";
}

int cmd_scrub(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"ssid", 0, OPT_ARG, 's'},
	    {"psk", 0, OPT_ARG, 'p'},
	    {"force", 0, OPT_NONE, 'f'},
	    {NULL, 0, 0, 0},
	};
	struct scrub_opts o = {NULL, NULL, false};
	const char *pos[2];
	int r = parse_opts(cli, argc, argv, lo, scrub_opt, &o, pos, 2, "expected IN and OUT");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	const char *inp = pos[0], *outp = pos[1];
	struct stat si, so;

	if (strcmp(outp, "-") == 0 || strcmp(inp, "-") == 0) {
		cli_err(cli, "scrub: IN and OUT must be files");
		return EXIT_USAGE;
	}
	if (strcmp(inp, outp) == 0 || (stat(inp, &si) == 0 && stat(outp, &so) == 0 &&
				       si.st_dev == so.st_dev && si.st_ino == so.st_ino)) {
		cli_err(cli, "scrub: IN and OUT are the same file; the original is kept untouched, "
			     "name a new OUT");
		return EXIT_USAGE;
	}
	if (!o.force && access(outp, F_OK) == 0) {
		cli_err(cli, "scrub: %s exists; use --force to overwrite it", outp);
		return EXIT_CANTCREAT;
	}
	uint8_t *buf;
	size_t len;
	struct blr_check_result before, after;
	struct blr_scrub_report rep;
	struct blr_scrub_opts so2 = {o.ssid, o.psk};

	r = cli_read_input(cli, "scrub", inp, &buf, &len);
	if (r != 0)
		return r;
	if (blr_image_check(buf, len, 0, &before) != 0) {
		free(buf);
		return EXIT_SOFTWARE;
	}
	if (before.verdict == BLR_VERDICT_NOT_BL602 && !o.ssid && !o.psk) {
		cli_err(cli, "scrub: %s: %s", inp, before.summary);
		free(buf);
		return EXIT_DATAERR;
	}
	r = blr_image_scrub(buf, len, &so2, &rep);
	if (r == -2) {
		cli_err(cli, "scrub: --ssid/--psk shorter than 4 characters cannot be searched "
			     "safely");
		free(buf);
		return EXIT_USAGE;
	}
	if (r != 0) {
		cli_err(cli, "scrub: out of memory");
		free(buf);
		return EXIT_SOFTWARE;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const struct blr_scrub_change *c = &rep.c[i];

		fprintf(cli->out, "0x%06X %5u  %-7s %s\n", c->offset, c->length,
			action_name(c->action), c->what);
	}
	fprintf(cli->out, "%zu change%s, %zu hit%s left in place\n", rep.edited,
		rep.edited == 1 ? "" : "s", rep.reported, rep.reported == 1 ? "" : "s");
	if (rep.reported)
		cli_warn(cli,
			 "scrub: %zu occurrence(s) of your strings lie inside firmware images "
			 "or structures and were NOT removed (see LEFT lines)",
			 rep.reported);
	blr_scrub_report_free(&rep);
	blr_image_check(buf, len, 0, &after);
	r = cli_write_file_atomic(outp, buf, len, o.force);
	int e = errno; /* before free() */

	free(buf);
	if (r != 0) {
		cli_err(cli, "scrub: cannot write %s: %s%s", outp, strerror(e),
			e == EEXIST ? " (use --force to overwrite it)" : "");
		return EXIT_CANTCREAT;
	}
	fprintf(cli->out, "wrote %s: %s\n", outp, after.summary);
	if (after.verdict > before.verdict)
		cli_warn(cli, "scrub: the result checks worse than the input (%s)",
			 verdict_name(after.verdict));
	return EXIT_OK_;
}

/* ---- chips ---- */

int cmd_chips(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, 'j'},
	    {NULL, 0, 0, 0},
	};
	bool json = false;
	FILE *f = cli->out;
	char sz[32];
	int r = parse_opts(cli, argc, argv, lo, json_opt, &json, NULL, 0, "takes no arguments");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	cli->json = json;
	if (json) {
		struct cli_json j;
		char id[8];

		cli_json_init(&j, f, false);

		cli_json_open(&j, NULL, '{');
		cli_json_open(&j, "markings", '[');
		for (size_t i = 0; i < blr_chip_marking_count(); i++) {
			const struct blr_chip_marking *m = blr_chip_marking_at(i);

			cli_json_open(&j, NULL, '{');
			cli_json_str(&j, "marking", m->marking);
			cli_json_u(&j, "flash_size", m->flash_size);
			cli_json_str(&j, "note", m->note);
			cli_json_close(&j, '}');
		}
		cli_json_close(&j, ']');
		cli_json_open(&j, "flash", '[');
		for (size_t i = 0; i < blr_flash_part_count(); i++) {
			const struct blr_flash_part *p = blr_flash_part_at(i);

			snprintf(id, sizeof(id), "%02x%02x%02x", p->jedec[0], p->jedec[1],
				 p->jedec[2]);
			cli_json_open(&j, NULL, '{');
			cli_json_str(&j, "jedec", id);
			cli_json_str(&j, "vendor", p->vendor);
			cli_json_str(&j, "part", p->part);
			cli_json_u(&j, "size", p->size);
			cli_json_str(&j, "source", p->source);
			cli_json_close(&j, '}');
		}
		cli_json_close(&j, ']');
		cli_json_close(&j, '}');
		return EXIT_OK_;
	}
	fprintf(f, "chip markings (flash in the package):\n");
	for (size_t i = 0; i < blr_chip_marking_count(); i++) {
		const struct blr_chip_marking *m = blr_chip_marking_at(i);

		if (m->flash_size)
			cli_fmt_size(m->flash_size, sz, sizeof(sz));
		else
			snprintf(sz, sizeof(sz), "external");
		fprintf(f, "  %-9s %-9s %s\n", m->marking, sz, m->note);
	}
	fprintf(f, "\nSPI flash (JEDEC id: manufacturer, type, capacity):\n");
	fprintf(f, "  %-8s %-16s %-22s %-8s %s\n", "id", "vendor", "part", "size", "source");
	for (size_t i = 0; i < blr_flash_part_count(); i++) {
		const struct blr_flash_part *p = blr_flash_part_at(i);

		cli_fmt_size(p->size, sz, sizeof(sz));
		fprintf(f, "  %02X %02X %02X %-16s %-22s %-8s %s\n", p->jedec[0], p->jedec[1],
			p->jedec[2], p->vendor, p->part ? p->part : "-", sz, p->source);
	}
	fprintf(f, "\nOther ids: size = 512 KiB << ((capacity & 0x1F) - 0x13) for capacity "
		   "0x13..0x18.\n");
	return EXIT_OK_;
}
