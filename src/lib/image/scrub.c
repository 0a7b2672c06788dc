/* SPDX-License-Identifier: MIT */
/*
 * Secret scrubbing (image-format.md §6). Structure-aware first (EasyFlash values in every
 * entry state, the OpenBeken config, the factory device tree), then a sweep of the whole
 * dump for the user's own strings. Bytes covered by a boot hash or belonging to a structure
 * that cannot be edited in place (boot headers, boot2, partition tables, firmware images,
 * EasyFlash headers, device-tree names) are never changed: hits there are only reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "image/internal.h"

#define MAX_NEEDLES 12

struct needle {
	uint8_t *p;
	size_t n;
	const char *label;
};

struct range {
	uint32_t start, end;
};

struct sctx {
	uint8_t *b;
	size_t n;
	struct blr_scrub_report *rep;
	int err;
	struct needle nd[MAX_NEEDLES];
	size_t nnd;
	struct range *prot;
	size_t nprot, capprot;
};

static void rec(struct sctx *c, enum blr_scrub_action a, uint32_t off, uint32_t len,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void rec(struct sctx *c, enum blr_scrub_action a, uint32_t off, uint32_t len,
		const char *fmt, ...)
{
	struct blr_scrub_report *r = c->rep;
	va_list ap;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		struct blr_scrub_change *nc = realloc(r->c, ncap * sizeof(*nc));

		if (!nc) {
			c->err = BLR_E_NOMEM;
			return;
		}
		r->c = nc;
		r->cap = ncap;
	}
	struct blr_scrub_change *ch = &r->c[r->n++];

	ch->action = a;
	ch->offset = off;
	ch->length = len;
	va_start(ap, fmt);
	vsnprintf(ch->what, sizeof(ch->what), fmt, ap);
	va_end(ap);
	if (a == BLR_SCRUB_REPORTED)
		r->reported++;
	else
		r->edited++;
}

static void protect(struct sctx *c, uint64_t start, uint64_t end)
{
	if (end > c->n)
		end = c->n;
	if (start >= end)
		return;
	if (c->nprot == c->capprot) {
		size_t ncap = c->capprot ? c->capprot * 2 : 64;
		struct range *nr = realloc(c->prot, ncap * sizeof(*nr));

		if (!nr) {
			c->err = BLR_E_NOMEM;
			return;
		}
		c->prot = nr;
		c->capprot = ncap;
	}
	c->prot[c->nprot].start = (uint32_t)start;
	c->prot[c->nprot].end = (uint32_t)end;
	c->nprot++;
}

static bool is_protected(const struct sctx *c, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < c->nprot; i++)
		if (start < c->prot[i].end && c->prot[i].start < end)
			return true;
	return false;
}

/* Zero [off, off+len); returns true if any byte changed. */
static bool zero(struct sctx *c, uint32_t off, uint32_t len)
{
	bool changed = false;

	for (uint32_t i = 0; i < len; i++)
		if (c->b[off + i]) {
			c->b[off + i] = 0;
			changed = true;
		}
	return changed;
}

static size_t find(const uint8_t *h, size_t hn, const uint8_t *nd, size_t nn, size_t from)
{
	if (nn == 0 || hn < nn)
		return hn;
	for (size_t i = from; i + nn <= hn; i++) {
		const uint8_t *q = memchr(h + i, nd[0], hn - nn + 1 - i);

		if (!q)
			return hn;
		i = (size_t)(q - h);
		if (memcmp(q, nd, nn) == 0)
			return i;
	}
	return hn;
}

/* Zero every needle hit that lies fully inside [off, off+len). Returns true if changed. */
static bool wipe_needles_in(struct sctx *c, uint32_t off, uint32_t len, const char *where)
{
	bool any = false;

	for (size_t k = 0; k < c->nnd; k++) {
		const struct needle *d = &c->nd[k];
		size_t p = 0;

		while ((p = find(c->b + off, len, d->p, d->n, p)) < len) {
			if (zero(c, off + (uint32_t)p, (uint32_t)d->n)) {
				rec(c, BLR_SCRUB_KV_VALUE, off + (uint32_t)p, (uint32_t)d->n,
				    "%s found in %s", d->label, where);
				any = true;
			}
			p += d->n;
		}
	}
	return any;
}

/* ---- EasyFlash ---- */

static int on_entry(void *ctx, const struct blr_ef_entry *e)
{
	struct sctx *c = ctx;
	const char *st = blr_ef_state_name((enum blr_ef_state)e->state);
	char where[120];
	bool changed = false;

	/* headers and names are structure: never edited */
	protect(c, e->offset, (uint64_t)e->offset + EF_ENT_NAME + (e->fits ? e->name_len : 0));
	if (!e->fits)
		return 0;
	const uint8_t *nm = c->b + e->name_off;
	uint8_t *v = c->b + e->value_off;
	uint32_t vl = e->value_len;

	snprintf(where, sizeof(where), "value of '%s' (%s)", e->name, st);
	if (img_secret_key((const char *)nm, e->name_len)) {
		if (zero(c, e->value_off, vl)) {
			rec(c, BLR_SCRUB_KV_VALUE, e->value_off, vl, "%s: secret setting", where);
			changed = true;
		}
	} else if (e->name_len == OBK_CFG_KEY_LEN &&
		   memcmp(nm, BLR_OBK_CFG_KEY, OBK_CFG_KEY_LEN) == 0) {
		bool valid = blr_obk_cfg_valid(v, vl);
		size_t sz = blr_obk_cfg_size(v, vl);
		bool cfg_changed = false;

		if (sz > vl)
			sz = vl;
		for (size_t i = 0; i < img_obk_field_cnt; i++) {
			const struct blr_obk_field_info *f = &img_obk_fields[i];

			if (!f->secret || (size_t)f->off + f->size > sz)
				continue;
			if (zero(c, e->value_off + f->off, f->size)) {
				rec(c, BLR_SCRUB_OBK_FIELD, e->value_off + f->off, f->size,
				    "OpenBeken config field %s (%s entry)", f->name, st);
				cfg_changed = true;
			}
		}
		snprintf(where, sizeof(where), "OpenBeken config (%s entry)", st);
		if (wipe_needles_in(c, e->value_off, vl, where))
			cfg_changed = true;
		if (cfg_changed && valid) {
			uint8_t crc8 = blr_crc8_obk(v + OBK_CFG_VERSION,
						    blr_obk_cfg_size(v, vl) - OBK_CFG_VERSION);

			if (v[OBK_CFG_CRC8] != crc8) {
				v[OBK_CFG_CRC8] = crc8;
				rec(c, BLR_SCRUB_OBK_CRC8, e->value_off + OBK_CFG_CRC8, 1,
				    "OpenBeken config CRC-8 recomputed");
			}
		}
		changed = cfg_changed;
	} else if (wipe_needles_in(c, e->value_off, vl, where)) {
		changed = true;
	}
	if (changed && e->crc_ok) {
		uint32_t crc =
		    blr_crc32(c->b + e->offset + EF_ENT_NAME_LEN, e->len - EF_ENT_NAME_LEN);

		put_le32(c->b + e->offset + EF_ENT_CRC, crc);
		rec(c, BLR_SCRUB_KV_CRC, e->offset + EF_ENT_CRC, 4, "EasyFlash CRC-32 of '%s' (%s)",
		    e->name, st);
	}
	return 0;
}

static int on_sector(void *ctx, const struct blr_ef_sector *s)
{
	struct sctx *c = ctx;

	if (s->magic_ok)
		protect(c, s->offset, (uint64_t)s->offset + BLR_EF_SECTOR_HDR);
	return 0;
}

/* ---- factory device tree ---- */

static int on_prop(void *ctx, const char *path, const char *name, uint32_t voff, uint32_t vlen)
{
	struct sctx *c = ctx;
	char where[120];

	if ((strcmp(path, "/wifi/sta") == 0 || strcmp(path, "/wifi/ap") == 0) &&
	    (strcmp(name, "ssid") == 0 || strcmp(name, "pwd") == 0)) {
		if (zero(c, voff, vlen))
			rec(c, BLR_SCRUB_FDT_VALUE, voff, vlen, "factory device tree %s/%s", path,
			    name);
		return 0;
	}
	snprintf(where, sizeof(where), "factory device tree %s/%s", strcmp(path, "/") ? path : "",
		 name);
	for (size_t k = 0; k < c->nnd; k++) {
		const struct needle *d = &c->nd[k];
		size_t p = 0;

		while ((p = find(c->b + voff, vlen, d->p, d->n, p)) < vlen) {
			if (zero(c, voff + (uint32_t)p, (uint32_t)d->n))
				rec(c, BLR_SCRUB_FDT_VALUE, voff + (uint32_t)p, (uint32_t)d->n,
				    "%s found in %s", d->label, where);
			p += d->n;
		}
	}
	return 0;
}

/* ---- needles ---- */

static int add_needle(struct sctx *c, const uint8_t *p, size_t n, const char *label)
{
	if (c->nnd >= MAX_NEEDLES)
		return BLR_OK;
	uint8_t *d = malloc(n);

	if (!d)
		return BLR_E_NOMEM;
	memcpy(d, p, n);
	c->nd[c->nnd].p = d;
	c->nd[c->nnd].n = n;
	c->nd[c->nnd].label = label;
	c->nnd++;
	return BLR_OK;
}

static int add_hex(struct sctx *c, const uint8_t *p, size_t n, bool upper, const char *label)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *digits = upper ? up : lo;
	uint8_t *h = malloc(2 * n);
	int r;

	if (!h)
		return BLR_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		h[2 * i] = (uint8_t)digits[p[i] >> 4];
		h[2 * i + 1] = (uint8_t)digits[p[i] & 15];
	}
	r = add_needle(c, h, 2 * n, label);
	free(h);
	return r;
}

int blr_wpa_pmk(const char *ssid, const char *psk, uint8_t pmk[32])
{
	if (!ssid || !psk || !pmk)
		return BLR_E_INVAL;
	return blr_pbkdf2_sha1((const uint8_t *)psk, strlen(psk), (const uint8_t *)ssid,
			       strlen(ssid), 4096, pmk, 32) == 0
		   ? BLR_OK
		   : BLR_E_NOMEM;
}

/* The needles of one user string: itself and its hex spellings. */
static int add_string(struct sctx *c, const char *str, const char *label, const char *hexlabel)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t n = strlen(str);
	int r = add_needle(c, s, n, label);

	if (r == BLR_OK)
		r = add_hex(c, s, n, true, hexlabel);
	if (r == BLR_OK)
		r = add_hex(c, s, n, false, hexlabel);
	return r;
}

static int build_needles(struct sctx *c, const struct blr_scrub_opts *o)
{
	int r = BLR_OK;

	if (!o)
		return BLR_OK;
	if ((o->ssid && strlen(o->ssid) < 4) || (o->psk && strlen(o->psk) < 4))
		return BLR_E_RANGE;
	if (o->ssid)
		r = add_string(c, o->ssid, "SSID", "SSID (hex)");
	if (r == BLR_OK && o->psk)
		r = add_string(c, o->psk, "passphrase", "passphrase (hex)");
	if (r == BLR_OK && o->ssid && o->psk) {
		uint8_t pmk[32];

		r = blr_wpa_pmk(o->ssid, o->psk, pmk);
		if (r == BLR_OK)
			r = add_needle(c, pmk, 32, "PMK");
		if (r == BLR_OK)
			r = add_hex(c, pmk, 32, true, "PMK (hex)");
		if (r == BLR_OK)
			r = add_hex(c, pmk, 32, false, "PMK (hex)");
	}
	return r;
}

/* ---- main ---- */

static void protect_image(struct sctx *c, const struct blr_fw_slot *s)
{
	if (s->kind == BLR_SLOT_IMAGE)
		protect(c, s->addr, (uint64_t)s->addr + BLR_FW_DATA_OFFSET + s->hdr.img_len);
	else if (s->kind == BLR_SLOT_XZ)
		protect(c, s->addr, (uint64_t)s->addr + s->max_len);
}

static void scrub_table(struct sctx *c, const struct blr_ptable *t, uint32_t *psm_done,
			uint32_t *fac_done)
{
	const struct blr_pt_entry *e;

	/* firmware images (both slots) and a manufacturing image are covered by hashes */
	e = blr_ptable_fw(t);
	if (e)
		for (int s = 0; s < 2; s++) {
			struct blr_fw_slot sl;

			memset(&sl, 0, sizeof(sl));
			blr_fw_slot_parse(c->b, c->n, e->addr[s], e->max_len[s], &sl);
			protect_image(c, &sl);
		}
	e = blr_ptable_find(t, "mfg");
	if (e && !e->absent) {
		struct blr_fw_slot sl;

		memset(&sl, 0, sizeof(sl));
		blr_fw_slot_parse(c->b, c->n, e->addr[0], e->max_len[0], &sl);
		protect_image(c, &sl);
	}
	e = blr_ptable_find(t, "PSM");
	if (e && !e->absent && e->addr[0] < c->n && e->addr[0] != *psm_done) {
		size_t l = e->max_len[0];

		if (l > c->n - e->addr[0])
			l = c->n - e->addr[0];
		blr_ef_walk(c->b + e->addr[0], l, e->addr[0], on_sector, on_entry, c);
		*psm_done = e->addr[0];
	}
	e = blr_ptable_find(t, "factory");
	if (e && !e->absent && e->addr[0] < c->n && e->addr[0] != *fac_done) {
		size_t l = e->max_len[0];
		struct blr_fdt_info fi;

		if (l > c->n - e->addr[0])
			l = c->n - e->addr[0];
		blr_fdt_walk(c->b + e->addr[0], l, e->addr[0], &fi, on_prop, c);
		if (fi.magic_ok && fi.size_ok)
			protect(c, e->addr[0], (uint64_t)e->addr[0] + fi.totalsize);
		*fac_done = e->addr[0];
	}
}

int blr_image_scrub(uint8_t *buf, size_t len, const struct blr_scrub_opts *opts,
		    struct blr_scrub_report *rep)
{
	struct sctx c;
	int r;

	if (!buf || !rep || len > 0xFFFFFFFFu)
		return BLR_E_INVAL;
	memset(rep, 0, sizeof(*rep));
	memset(&c, 0, sizeof(c));
	c.b = buf;
	c.n = len;
	c.rep = rep;
	r = build_needles(&c, opts);
	if (r != BLR_OK)
		goto out;

	/* boot2 (header + image) and the partition tables: never edited */
	protect(&c, 0, 0x10000);
	struct blr_ptable pt[2];
	uint32_t psm_done = 0xFFFFFFFFu, fac_done = 0xFFFFFFFFu;

	blr_ptable_parse(buf, len, BLR_PT0_OFFSET, &pt[0]);
	blr_ptable_parse(buf, len, BLR_PT1_OFFSET, &pt[1]);
	int act = blr_ptable_active(&pt[0], &pt[1]);

	if (act >= 0) {
		scrub_table(&c, &pt[act], &psm_done, &fac_done);
		if (pt[!act].valid)
			scrub_table(&c, &pt[!act], &psm_done, &fac_done);
	} else if (pt[0].magic_ok || pt[1].magic_ok) {
		for (int i = 0; i < 2; i++)
			if (pt[i].magic_ok)
				scrub_table(&c, &pt[i], &psm_done, &fac_done);
	} else {
		/* no table at all: the classic layout; only structures whose magics and CRCs
		 * check out are edited, so a wrong guess changes nothing */
		struct blr_ptable cl;

		blr_ptable_classic(&cl);
		scrub_table(&c, &cl, &psm_done, &fac_done);
	}

	/* sweep the whole dump for what is left of the user's strings */
	for (size_t k = 0; k < c.nnd && !c.err; k++) {
		const struct needle *d = &c.nd[k];
		size_t p = 0;

		while ((p = find(buf, len, d->p, d->n, p)) < len) {
			if (is_protected(&c, p, p + d->n)) {
				rec(&c, BLR_SCRUB_REPORTED, (uint32_t)p, (uint32_t)d->n,
				    "%s inside a firmware image or a structure: NOT changed",
				    d->label);
			} else {
				zero(&c, (uint32_t)p, (uint32_t)d->n);
				rec(&c, BLR_SCRUB_RAW, (uint32_t)p, (uint32_t)d->n,
				    "%s outside any known structure", d->label);
			}
			p += d->n;
		}
	}
	r = c.err;
out:
	for (size_t k = 0; k < c.nnd; k++)
		free(c.nd[k].p);
	free(c.prot);
	if (r != BLR_OK) {
		blr_scrub_report_free(rep);
		memset(rep, 0, sizeof(*rep));
	}
	return r;
}

void blr_scrub_report_free(struct blr_scrub_report *rep)
{
	if (!rep)
		return;
	free(rep->c);
	rep->c = NULL;
	rep->n = rep->cap = rep->edited = rep->reported = 0;
}
