/* SPDX-License-Identifier: MIT */
/* `blrescue inspect --json`: the same facts as the text, one JSON object. */
#include <string.h>

#include "inspect.h"
#include "json.h"

static void json_boot_cfg(struct cli_json *j, const struct blr_bootheader *h)
{
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
		json_boot_cfg(j, h);
		cli_json_u(j, "img_len", h->img_len);
		cli_json_u(j, "boot_entry", h->boot_entry);
		cli_json_u(j, "img_start", h->img_start);
		cli_json_hex(j, "hash", h->hash, 32);
		cli_json_u(j, "crc", h->crc);
		cli_json_u(j, "crc_calc", h->crc_calc);
		cli_json_str(j, "crc_state", cli_crc_name(h->crc_state));
		cli_json_u(j, "data_offset", h->data_offset);
		cli_json_str(j, "hash_state", cli_hash_name(h->hash_state));
	}
	cli_json_close(j, '}');
}

static void json_tables(struct cli_json *j, const struct blr_image_info *in)
{
	cli_json_open(j, "partition_tables", '[');
	for (int i = 0; i < 2; i++) {
		const struct blr_ptable *p = &in->pt[i];

		cli_json_open(j, NULL, '{');
		cli_json_u(j, "offset", p->offset);
		cli_json_b(j, "present", p->present);
		cli_json_b(j, "magic_ok", p->magic_ok);
		cli_json_b(j, "valid", p->valid);
		cli_json_b(j, "active", in->active_pt == i);
		cli_json_u(j, "version", p->version);
		cli_json_u(j, "entry_count", p->entry_cnt);
		cli_json_u(j, "age", p->age);
		cli_json_b(j, "header_crc_ok", p->hdr_crc_ok);
		cli_json_b(j, "entries_crc_ok", p->ent_crc_ok);
		cli_json_open(j, "entries", '[');
		for (size_t k = 0; k < p->n; k++) {
			const struct blr_pt_entry *e = &p->e[k];

			cli_json_open(j, NULL, '{');
			cli_json_str(j, "name", e->name);
			cli_json_u(j, "type", e->type);
			cli_json_u(j, "device", e->device);
			cli_json_u(j, "active_index", e->active_index);
			cli_json_u(j, "address0", e->addr[0]);
			cli_json_u(j, "size0", e->max_len[0]);
			cli_json_u(j, "address1", e->addr[1]);
			cli_json_u(j, "size1", e->max_len[1]);
			cli_json_u(j, "len", e->len);
			cli_json_u(j, "age", e->age);
			cli_json_b(j, "absent", e->absent);
			cli_json_close(j, '}');
		}
		cli_json_close(j, ']');
		cli_json_close(j, '}');
	}
	cli_json_close(j, ']');
}

static void json_firmware(struct cli_json *j, const struct blr_image_info *in)
{
	cli_json_open(j, "firmware", '[');
	for (int s = 0; in->have_fw && s < 2; s++) {
		const struct blr_fw_slot *sl = &in->fw[s];

		cli_json_open(j, NULL, '{');
		cli_json_u(j, "slot", (unsigned)s);
		cli_json_u(j, "address", sl->addr);
		cli_json_u(j, "size", sl->max_len);
		cli_json_b(j, "active", sl->active);
		cli_json_str(j, "content", cli_slot_kind_name(sl->kind));
		if (sl->kind == BLR_SLOT_IMAGE) {
			json_header(j, "header", &sl->hdr);
			cli_json_u(j, "overhang", sl->overhang);
			cli_json_str(j, "sdk_version", sl->sdk_version);
			cli_json_str(j, "build_date", sl->build_date);
			cli_json_str(j, "build_time", sl->build_time);
			cli_json_str(j, "app_version", sl->app_version);
		}
		cli_json_close(j, '}');
	}
	cli_json_close(j, ']');
}

static void json_kv(struct cli_json *j, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;

	cli_json_open(j, "entries", '[');
	for (size_t i = 0; i < in->n_kv; i++) {
		const struct blr_ef_entry *e = &in->kv[i];

		cli_json_open(j, NULL, '{');
		cli_json_u(j, "offset", e->offset);
		cli_json_str(j, "key", e->name);
		cli_json_str(j, "state", blr_ef_state_name((enum blr_ef_state)e->state));
		cli_json_hex(j, "status_bytes", e->status_raw, 5);
		cli_json_b(j, "header_broken", e->header_broken);
		cli_json_b(j, "crc_ok", e->crc_ok);
		cli_json_u(j, "len", e->len);
		cli_json_u(j, "value_length", e->value_len);
		cli_json_u(j, "value_offset", e->value_off);
		if (x->show && e->fits) {
			const uint8_t *v = x->buf + e->value_off;

			if (cli_printable(v, e->value_len))
				cli_json_strn(j, "value", (const char *)v,
					      strnlen((const char *)v, e->value_len));
			else
				cli_json_hex(j, "value_hex", v, e->value_len);
		}
		cli_json_close(j, '}');
	}
	cli_json_close(j, ']');
}

static void json_psm(struct cli_json *j, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;

	cli_json_open(j, "psm", '{');
	cli_json_b(j, "present", in->have_psm);
	cli_json_u(j, "offset", in->psm_offset);
	cli_json_u(j, "size", in->psm_len);
	cli_json_open(j, "sectors", '[');
	for (size_t i = 0; i < in->n_sectors; i++) {
		const struct blr_ef_sector *s = &in->sectors[i];

		cli_json_open(j, NULL, '{');
		cli_json_u(j, "offset", s->offset);
		cli_json_b(j, "erased", s->blank);
		cli_json_b(j, "magic_ok", s->magic_ok);
		cli_json_str(j, "store", cli_ef_store_name(s->store));
		cli_json_str(j, "dirty", cli_ef_dirty_name(s->dirty));
		cli_json_u(j, "entries", s->entries);
		cli_json_close(j, '}');
	}
	cli_json_close(j, ']');
	json_kv(j, x);
	cli_json_b(j, "openbeken_config", in->obk_cfg_found);
	if (in->obk_cfg_found) {
		cli_json_u(j, "openbeken_config_version", in->obk_cfg_version);
		cli_json_b(j, "openbeken_config_crc_ok", in->obk_cfg_crc_ok);
	}
	cli_json_u(j, "openbeken_fcdata_length", in->fcdata_len);
	cli_json_close(j, '}');
}

static void json_problems(struct cli_json *j, const struct blr_image_info *in)
{
	cli_json_open(j, "problems", '[');
	for (size_t i = 0; i < in->n_problems; i++) {
		const struct blr_problem *p = &in->problems[i];

		cli_json_open(j, NULL, '{');
		cli_json_str(j, "severity", cli_severity_name(p->sev));
		cli_json_u(j, "code", (unsigned)p->code);
		if (p->offset != 0xFFFFFFFFu)
			cli_json_u(j, "offset", p->offset);
		cli_json_str(j, "text", p->text);
		cli_json_close(j, '}');
	}
	cli_json_close(j, ']');
}

void cli_inspect_json(FILE *f, const struct cli_inspect *x)
{
	const struct blr_image_info *in = x->in;
	struct cli_json j = {.f = f};

	cli_json_open(&j, NULL, '{');
	cli_json_str(&j, "file", x->path);
	cli_json_u(&j, "size", in->len);
	cli_json_str(&j, "verdict", cli_verdict_name(x->res->verdict));
	cli_json_str(&j, "summary", x->res->summary);
	cli_json_u(&j, "flash_size_implied", in->flash_size_implied);
	cli_json_u(&j, "layout_end", in->layout_end);
	cli_json_b(&j, "all_ff", in->all_ff);
	cli_json_b(&j, "all_00", in->all_00);
	cli_json_b(&j, "mirrored", in->mirrored);
	json_header(&j, "boot2", &in->boot2);
	cli_json_str(&j, "boot2_date", in->boot2_date);
	cli_json_str(&j, "boot2_time", in->boot2_time);
	json_tables(&j, in);
	cli_json_b(&j, "tables_differ", in->pt_differ);
	cli_json_b(&j, "layout_assumed", in->layout_assumed);
	cli_json_b(&j, "mfg_start_request", in->mfg_request);
	json_firmware(&j, in);
	json_psm(&j, x);
	cli_json_open(&j, "factory", '{');
	cli_json_b(&j, "present", in->have_factory);
	cli_json_u(&j, "offset", in->factory_offset);
	cli_json_b(&j, "fdt", in->fdt.magic_ok);
	cli_json_u(&j, "fdt_totalsize", in->fdt.totalsize);
	cli_json_b(&j, "fdt_ok", in->fdt.magic_ok && in->fdt.size_ok && in->fdt.walk_ok);
	cli_json_close(&j, '}');
	cli_json_b(&j, "media_romfs", in->media_romfs);
	cli_json_b(&j, "media_erased", in->media_erased);
	json_problems(&j, in);
	cli_json_close(&j, '}');
}
