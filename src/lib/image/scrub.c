/* SPDX-License-Identifier: MIT */
/*
 * Secret scrubbing (doc/flash-layout.md §6.5). Structure-aware first (EasyFlash values in every
 * entry state, the OpenBeken config, the factory device tree), then a sweep for the user's own
 * strings (SCRUB-1..SCRUB-5). A mirrored dump is scrubbed as its first copy and every copy is
 * made equal to it (SCRUB-6). Last, the whole dump is searched again for every form of the
 * user's strings and every secret value removed, and whatever remains is reported (SCRUB-7).
 * Bytes covered by a boot hash or belonging to a structure that cannot be edited in place (boot
 * headers, boot2, partition tables, firmware images, EasyFlash headers, device-tree names) are
 * never changed: hits there are only reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "image/internal.h"

#define MIN_NEEDLE 4u /* SCRUB-1: shorter strings are not searched */

struct needle {
	uint8_t *p;
	size_t n;
	bool removed; /* a secret value the scrubber zeroed (SCRUB-7), not a user string */
	char label[120];
};

struct range {
	uint32_t start, end;
	bool image; /* boot2 or a firmware image, not another structure */
};

struct sctx {
	uint8_t *b;
	size_t n; /* bytes scrubbed: the dump, or its first copy (SCRUB-6) */
	struct blr_scrub_report *rep;
	int err;
	struct needle *nd;
	size_t nnd, capnd;
	struct range *prot;
	size_t nprot, capprot;
};

/* Room for element n of arr (cap elements of sz bytes): arr, a larger copy, or NULL (c->err
 * set, arr untouched). */
static void *grow(struct sctx *c, void *arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 32;
	void *na = realloc(arr, ncap * sz);

	if (!na)
		c->err = BLR_E_NOMEM;
	else
		*cap = ncap;
	return na;
}

static void rec(struct sctx *c, enum blr_scrub_action a, uint32_t off, uint32_t len,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void rec(struct sctx *c, enum blr_scrub_action a, uint32_t off, uint32_t len,
		const char *fmt, ...)
{
	struct blr_scrub_report *r = c->rep;
	struct blr_scrub_change *nc = grow(c, r->c, &r->cap, r->n, sizeof(*nc));
	va_list ap;

	if (!nc)
		return;
	r->c = nc;
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

static void protect(struct sctx *c, uint64_t start, uint64_t end, bool image)
{
	if (end > c->n)
		end = c->n;
	if (start >= end)
		return;
	struct range *nr = grow(c, c->prot, &c->capprot, c->nprot, sizeof(*nr));

	if (!nr)
		return;
	c->prot = nr;
	c->prot[c->nprot].start = (uint32_t)start;
	c->prot[c->nprot].end = (uint32_t)end;
	c->prot[c->nprot].image = image;
	c->nprot++;
}

/* What [start, end) overlaps: 0 nothing protected, 1 a structure, 2 an image. */
static int protection(const struct sctx *c, uint64_t start, uint64_t end)
{
	int r = 0;

	for (size_t i = 0; i < c->nprot && r < 2; i++)
		if (start < c->prot[i].end && c->prot[i].start < end)
			r = c->prot[i].image ? 2 : 1;
	return r;
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

/* Remember a needle (a copy of p[0..n)); one already known is not added twice. */
static void add_needle(struct sctx *c, const uint8_t *p, size_t n, bool removed, const char *label)
{
	for (size_t k = 0; k < c->nnd; k++)
		if (c->nd[k].n == n && memcmp(c->nd[k].p, p, n) == 0)
			return;
	struct needle *nn = grow(c, c->nd, &c->capnd, c->nnd, sizeof(*nn));
	uint8_t *d = nn ? malloc(n) : NULL;

	if (nn)
		c->nd = nn;
	if (!d) {
		c->err = BLR_E_NOMEM;
		return;
	}
	memcpy(d, p, n);
	c->nd[c->nnd].p = d;
	c->nd[c->nnd].n = n;
	c->nd[c->nnd].removed = removed;
	snprintf(c->nd[c->nnd].label, sizeof(c->nd[c->nnd].label), "%s", label);
	c->nnd++;
}

/* Zero a secret value (SCRUB-2) and remember what it held (SCRUB-7): up to its first NUL for
 * a C-string field, else without trailing 0x00/0xFF bytes; kept when at least MIN_NEEDLE
 * bytes long and not one byte repeated. Returns true if any byte changed. */
static bool zero_secret(struct sctx *c, uint32_t off, uint32_t len, bool cstr, const char *label)
{
	const uint8_t *v = c->b + off, *z = cstr ? memchr(v, 0, len) : NULL;
	size_t n = z ? (size_t)(z - v) : len;

	while (n && (v[n - 1] == 0x00 || v[n - 1] == 0xFF))
		n--;
	if (n >= MIN_NEEDLE && !img_all_byte(v, n, v[0]))
		add_needle(c, v, n, true, label);
	return zero(c, off, len);
}

/* Zero every hit of a user string that lies fully inside [off, off+len) (SCRUB-2). Returns
 * true if changed. */
static bool wipe_needles_in(struct sctx *c, uint32_t off, uint32_t len, const char *where,
			    enum blr_scrub_action a)
{
	bool any = false;

	for (size_t k = 0; k < c->nnd; k++) {
		const struct needle *d = &c->nd[k];
		size_t p = 0;

		while (!d->removed && (p = find(c->b + off, len, d->p, d->n, p)) < len) {
			if (zero(c, off + (uint32_t)p, (uint32_t)d->n)) {
				rec(c, a, off + (uint32_t)p, (uint32_t)d->n, "%s found in %s",
				    d->label, where);
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
	char where[120], field[120];
	bool changed = false;

	/* headers and names are structure, never edited; an entry with a good CRC is edited
	 * only here, where its CRC is renewed (the raw sweep would break it) */
	protect(c, e->offset,
		(uint64_t)e->offset +
		    (e->crc_ok ? e->len : EF_ENT_NAME + (e->fits ? e->name_len : 0)),
		false);
	if (!e->fits)
		return 0;
	const uint8_t *nm = c->b + e->name_off;
	uint8_t *v = c->b + e->value_off;
	uint32_t vl = e->value_len;

	snprintf(where, sizeof(where), "value of '%s' (%s)", e->name, st);
	if (img_secret_key((const char *)nm, e->name_len)) {
		if (zero_secret(c, e->value_off, vl, false, where)) {
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
			snprintf(field, sizeof(field), "OpenBeken config field %s (%s entry)",
				 f->name, st);
			if (zero_secret(c, e->value_off + f->off, f->size, true, field)) {
				rec(c, BLR_SCRUB_OBK_FIELD, e->value_off + f->off, f->size, "%s",
				    field);
				cfg_changed = true;
			}
		}
		snprintf(where, sizeof(where), "OpenBeken config (%s entry)", st);
		if (wipe_needles_in(c, e->value_off, vl, where, BLR_SCRUB_KV_VALUE))
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
	} else if (wipe_needles_in(c, e->value_off, vl, where, BLR_SCRUB_KV_VALUE)) {
		changed = true;
	}
	if (changed && e->crc_ok) {
		uint32_t crc =
		    hash_crc32(c->b + e->offset + EF_ENT_NAME_LEN, e->len - EF_ENT_NAME_LEN);

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
		protect(c, s->offset, (uint64_t)s->offset + BLR_EF_SECTOR_HDR, false);
	return 0;
}

/* ---- factory device tree ---- */

static int on_prop(void *ctx, const char *path, const char *name, uint32_t voff, uint32_t vlen)
{
	struct sctx *c = ctx;
	char where[120] = "";

	if (!path || !name)
		return 0;
	img_appendf(where, sizeof(where), "factory device tree %s/%s",
		    strcmp(path, "/") ? path : "", name);
	if ((strcmp(path, "/wifi/sta") == 0 || strcmp(path, "/wifi/ap") == 0) &&
	    (strcmp(name, "ssid") == 0 || strcmp(name, "pwd") == 0)) {
		if (zero_secret(c, voff, vlen, true, where))
			rec(c, BLR_SCRUB_FDT_VALUE, voff, vlen, "%s", where);
		return 0;
	}
	wipe_needles_in(c, voff, vlen, where, BLR_SCRUB_FDT_VALUE);
	return 0;
}

/* ---- needles ---- */

static void add_hex(struct sctx *c, const uint8_t *p, size_t n, bool upper, const char *label)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *digits = upper ? up : lo;
	uint8_t *h = malloc(2 * n);

	if (!h) {
		c->err = BLR_E_NOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		h[2 * i] = (uint8_t)digits[p[i] >> 4];
		h[2 * i + 1] = (uint8_t)digits[p[i] & 15];
	}
	add_needle(c, h, 2 * n, false, label);
	free(h);
}

int blr_wpa_pmk(const char *ssid, const char *psk, uint8_t pmk[32])
{
	if (!ssid || !psk || !pmk)
		return BLR_E_INVAL;
	return hash_pbkdf2_sha1((const uint8_t *)psk, strlen(psk), (const uint8_t *)ssid,
				strlen(ssid), 4096, pmk, 32) == 0
		   ? BLR_OK
		   : BLR_E_NOMEM;
}

/* The needles of one user string: itself and its hex spellings (SCRUB-1). */
static void add_string(struct sctx *c, const uint8_t *s, size_t n, const char *label,
		       const char *hexlabel)
{
	add_needle(c, s, n, false, label);
	add_hex(c, s, n, true, hexlabel);
	add_hex(c, s, n, false, hexlabel);
}

static int build_needles(struct sctx *c, const struct blr_scrub_opts *o)
{
	if (!o)
		return BLR_OK;
	if ((o->ssid && strlen(o->ssid) < MIN_NEEDLE) || (o->psk && strlen(o->psk) < MIN_NEEDLE))
		return BLR_E_RANGE;
	if (o->ssid)
		add_string(c, (const uint8_t *)o->ssid, strlen(o->ssid), "SSID", "SSID (hex)");
	if (o->psk)
		add_string(c, (const uint8_t *)o->psk, strlen(o->psk), "passphrase",
			   "passphrase (hex)");
	if (o->ssid && o->psk) {
		uint8_t pmk[32];
		int r = blr_wpa_pmk(o->ssid, o->psk, pmk);

		if (r != BLR_OK)
			return r;
		add_string(c, pmk, sizeof(pmk), "PMK", "PMK (hex)");
	}
	return c->err;
}

/* ---- main ---- */

/* SCRUB-3: an image in a slot (header to the end of its data, SLOT-1) or an xz stream (the
 * whole slot). Only the header is read: the hash does not matter here. */
static void protect_slot(struct sctx *c, uint32_t addr, uint32_t max_len)
{
	struct blr_bootheader h;

	if (addr >= c->n || (addr == 0 && max_len == 0))
		return;
	if (c->n - addr >= sizeof(img_xz_magic) &&
	    memcmp(c->b + addr, img_xz_magic, sizeof(img_xz_magic)) == 0)
		protect(c, addr, (uint64_t)addr + max_len, true);
	else if (blr_bootheader_parse(c->b, c->n, addr, &h) == BLR_OK && h.magic_ok)
		protect(c, addr, (uint64_t)addr + BLR_FW_DATA_OFFSET + h.img_len, true);
}

static void scrub_table(struct sctx *c, const struct blr_ptable *t, uint32_t *psm_done,
			uint32_t *fac_done)
{
	const struct blr_pt_entry *e;

	/* firmware images (both slots) and a manufacturing image are covered by hashes */
	e = blr_ptable_fw(t);
	for (int s = 0; e && s < 2; s++)
		protect_slot(c, e->addr[s], e->max_len[s]);
	e = blr_ptable_find(t, "mfg");
	if (e && !e->absent)
		protect_slot(c, e->addr[0], e->max_len[0]);
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
			protect(c, e->addr[0], (uint64_t)e->addr[0] + fi.totalsize, false);
		*fac_done = e->addr[0];
	}
}

/* SCRUB-3, SCRUB-4: the structures of the tables found, else of the classic layout. */
static void scrub_layout(struct sctx *c)
{
	struct blr_ptable pt[2];
	uint32_t psm_done = 0xFFFFFFFFu, fac_done = 0xFFFFFFFFu;

	/* boot2 (header + image, even past 0x10000) and the partition tables: never edited */
	struct blr_bootheader h;

	protect(c, 0, 0x10000, false);
	if (blr_bootheader_parse(c->b, c->n, 0, &h) == BLR_OK && h.magic_ok)
		protect(c, h.img_start, (uint64_t)h.img_start + h.img_len, true);
	blr_ptable_parse(c->b, c->n, BLR_PT0_OFFSET, &pt[0]);
	blr_ptable_parse(c->b, c->n, BLR_PT1_OFFSET, &pt[1]);
	int act = blr_ptable_active(&pt[0], &pt[1]);

	if (act >= 0) {
		scrub_table(c, &pt[act], &psm_done, &fac_done);
		if (pt[!act].valid)
			scrub_table(c, &pt[!act], &psm_done, &fac_done);
	} else if (pt[0].magic_ok || pt[1].magic_ok) {
		for (int i = 0; i < 2; i++)
			if (pt[i].magic_ok)
				scrub_table(c, &pt[i], &psm_done, &fac_done);
	} else {
		/* no table at all: the classic layout; only structures whose magics and CRCs
		 * check out are edited, so a wrong guess changes nothing */
		struct blr_ptable cl;

		blr_ptable_classic(&cl);
		scrub_table(c, &cl, &psm_done, &fac_done);
	}
}

/* SCRUB-5: the user's strings outside every protected range are zeroed. */
static void sweep_user_strings(struct sctx *c)
{
	for (size_t k = 0; k < c->nnd && !c->err; k++) {
		const struct needle *d = &c->nd[k];
		size_t p = 0;

		while (!d->removed && (p = find(c->b, c->n, d->p, d->n, p)) < c->n) {
			if (!protection(c, p, p + d->n)) {
				zero(c, (uint32_t)p, (uint32_t)d->n);
				rec(c, BLR_SCRUB_RAW, (uint32_t)p, (uint32_t)d->n,
				    "%s outside any known structure", d->label);
			}
			p += d->n;
		}
	}
}

/* SCRUB-6: every further copy of a mirrored dump becomes the scrubbed first one; each change
 * is listed for each copy. */
static void copy_mirrors(struct sctx *c, size_t len)
{
	size_t edits = c->rep->n;

	for (size_t k = 1; k < len / c->n && !c->err; k++) {
		memcpy(c->b + k * c->n, c->b, c->n);
		for (size_t i = 0; i < edits; i++) {
			struct blr_scrub_change ch = c->rep->c[i]; /* rec() may move the list */

			rec(c, ch.action, ch.offset + (uint32_t)(k * c->n), ch.length,
			    "copy %zu: %s", k + 1, ch.what);
		}
	}
}

/* SCRUB-7: every hit left anywhere of a user string's forms or of a removed value. */
static void report_left(struct sctx *c, size_t len)
{
	for (size_t k = 0; k < c->nnd && !c->err; k++) {
		const struct needle *d = &c->nd[k];
		size_t p = 0;

		while ((p = find(c->b, len, d->p, d->n, p)) < len) {
			static const char *const where[] = {"outside the structures scrubbed",
							    "inside a structure",
							    "inside a firmware image"};
			size_t q = p % c->n;
			int prot = protection(c, q, q + d->n);

			c->rep->values_left += d->removed;
			c->rep->values_in_images += d->removed && prot == 2;
			rec(c, BLR_SCRUB_REPORTED, (uint32_t)p, (uint32_t)d->n,
			    "%s%s %s: NOT changed", d->removed ? "copy of the removed " : "",
			    d->label, where[prot]);
			p += d->n;
		}
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
	c.n = len ? img_mirror_period(buf, len) : 0;
	c.rep = rep;
	rep->copies = c.n ? (unsigned)(len / c.n) : 1;
	r = build_needles(&c, opts);
	if (r == BLR_OK && len) {
		scrub_layout(&c);
		sweep_user_strings(&c);
		copy_mirrors(&c, len);
		report_left(&c, len);
		r = c.err;
	}
	for (size_t k = 0; k < c.nnd; k++)
		free(c.nd[k].p);
	free(c.nd);
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
	rep->n = rep->cap = rep->edited = rep->reported = rep->values_left = rep->values_in_images =
	    0;
}
