/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "synth_image.h"

static const uint8_t st_write[5] = {0x00, 0x00, 0xFF, 0xFF, 0xFF};

void syn_header_crc(uint8_t *h)
{
	put_le32(h + 172, hash_crc32(h, 172));
}

void syn_header(uint8_t *h, uint32_t boot_cfg, uint32_t img_len, uint32_t img_start,
		const uint8_t *data)
{
	memset(h, 0xFF, 176);
	memcpy(h, "BFNP", 4);
	put_le32(h + 4, 1);
	memcpy(h + 8, "FCFG", 4);
	for (int i = 0; i < 84; i++)
		h[12 + i] = (uint8_t)(i * 7 + 1);
	h[12] = 0x04;	   /* ioMode */
	h[12 + 13] = 0xEF; /* mid */
	put_le16(h + 12 + 14, 256);
	put_le32(h + 96, hash_crc32(h + 12, 84));
	memcpy(h + 100, "PCFG", 4);
	static const uint8_t clk[8] = {4, 4, 0, 1, 3, 1, 0, 0};

	memcpy(h + 104, clk, 8);
	put_le32(h + 112, hash_crc32(h + 104, 8));
	put_le32(h + 116, boot_cfg);
	put_le32(h + 120, img_len);
	put_le32(h + 124, 0);
	put_le32(h + 128, img_start);
	if (data)
		hash_sha256(data, img_len, h + 132);
	put_le32(h + 164, 0);
	put_le32(h + 168, 0);
	syn_header_crc(h);
}

void syn_ptable_fix(uint8_t *img, uint32_t off)
{
	uint8_t *p = img + off;
	uint16_t n = get_le16(p + 6);

	put_le32(p + 12, hash_crc32(p, 12));
	put_le32(p + 16 + 36u * n, hash_crc32(p + 16, 36u * n));
}

static void pt_entry(uint8_t *e, uint8_t type, const char *name, uint32_t a0, uint32_t l0,
		     uint32_t a1, uint32_t l1, uint8_t active)
{
	memset(e, 0, 36);
	e[0] = type;
	e[1] = 0;
	e[2] = active;
	memcpy(e + 3, name, strlen(name));
	put_le32(e + 12, a0);
	put_le32(e + 16, a1);
	put_le32(e + 20, l0);
	put_le32(e + 24, l1);
}

void syn_ptable(uint8_t *img, uint32_t off, uint32_t age, uint8_t fw_active)
{
	uint8_t *p = img + off;

	memset(p, 0xFF, 4096);
	memcpy(p, "BFPT", 4);
	put_le16(p + 4, 0);
	put_le16(p + 6, 7);
	put_le32(p + 8, age);
	pt_entry(p + 16 + 0 * 36, 0, "FW", SYN_FW0, SYN_FW0_LEN, SYN_FW1, SYN_FW1_LEN, fw_active);
	pt_entry(p + 16 + 1 * 36, 2, "mfg", SYN_MFG, 0x32000, 0, 0, 0);
	pt_entry(p + 16 + 2 * 36, 3, "media", SYN_MEDIA, 0x57000, 0, 0, 0);
	pt_entry(p + 16 + 3 * 36, 4, "PSM", SYN_PSM, SYN_PSM_LEN, 0, 0, 0);
	pt_entry(p + 16 + 4 * 36, 5, "KEY", SYN_KEY, 0x2000, 0, 0, 0);
	pt_entry(p + 16 + 5 * 36, 6, "DATA", SYN_DATA, 0x5000, 0, 0, 0);
	pt_entry(p + 16 + 6 * 36, 7, "factory", SYN_FACTORY, SYN_FACTORY_LEN, 0, 0, 0);
	syn_ptable_fix(img, off);
}

void syn_ef_sector(uint8_t *s, const uint8_t store[3], const uint8_t dirty[3])
{
	memset(s, 0xFF, 4096);
	memcpy(s, store, 3);
	memcpy(s + 3, dirty, 3);
	memcpy(s + 8, "EF40", 4);
}

uint32_t syn_ef_entry(uint8_t *s, uint32_t *pos, const uint8_t status[5], const char *name,
		      const void *value, uint32_t vlen)
{
	uint8_t *e = s + *pos;
	uint32_t nl = (uint32_t)strlen(name), len = 28 + nl + vlen, at = *pos;

	memcpy(e, status, 5);
	memset(e + 5, 0xFF, 3);
	memcpy(e + 8, "KV40", 4);
	put_le32(e + 12, len);
	e[20] = (uint8_t)nl;
	memset(e + 21, 0xFF, 3);
	put_le32(e + 24, vlen);
	memcpy(e + 28, name, nl);
	memcpy(e + 28 + nl, value, vlen);
	put_le32(e + 16, hash_crc32(e + 20, len - 20));
	*pos += len;
	return at;
}

/* ---- FDT ---- */

struct fdtb {
	uint8_t *st;
	size_t sn;
	char strs[256];
	size_t strn;
};

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void tok(struct fdtb *b, uint32_t t)
{
	be32(b->st + b->sn, t);
	b->sn += 4;
}

static void node(struct fdtb *b, const char *name)
{
	size_t l = strlen(name) + 1;

	tok(b, 1);
	memset(b->st + b->sn, 0, (l + 3) & ~3u);
	memcpy(b->st + b->sn, name, l);
	b->sn += (l + 3) & ~3u;
}

static uint32_t str_off(struct fdtb *b, const char *s)
{
	for (size_t i = 0; i < b->strn; i += strlen(b->strs + i) + 1)
		if (strcmp(b->strs + i, s) == 0)
			return (uint32_t)i;
	uint32_t o = (uint32_t)b->strn;

	memcpy(b->strs + b->strn, s, strlen(s) + 1);
	b->strn += strlen(s) + 1;
	return o;
}

static void prop(struct fdtb *b, const char *name, const void *v, size_t vl)
{
	tok(b, 3);
	tok(b, (uint32_t)vl);
	tok(b, str_off(b, name));
	memset(b->st + b->sn, 0, (vl + 3) & ~(size_t)3);
	memcpy(b->st + b->sn, v, vl);
	b->sn += (vl + 3) & ~(size_t)3;
}

size_t syn_fdt(uint8_t *out, size_t cap, const char *sta_ssid, const char *sta_pwd,
	       const char *ap_ssid, const char *ap_pwd)
{
	uint8_t st[1024];
	struct fdtb b = {st, 0, {0}, 0};
	static const uint8_t mac[6] = {0x18, 0xB9, 0x05, 0x88, 0x88, 0x88};

	node(&b, "");
	prop(&b, "model", "synthetic", 10);
	node(&b, "wifi");
	node(&b, "mac");
	prop(&b, "sta_mac_addr", mac, 6);
	tok(&b, 2);
	node(&b, "sta");
	prop(&b, "ssid", sta_ssid, strlen(sta_ssid) + 1);
	prop(&b, "pwd", sta_pwd, strlen(sta_pwd) + 1);
	tok(&b, 2);
	node(&b, "ap");
	prop(&b, "ssid", ap_ssid, strlen(ap_ssid) + 1);
	prop(&b, "pwd", ap_pwd, strlen(ap_pwd) + 1);
	tok(&b, 2);
	tok(&b, 2); /* wifi */
	tok(&b, 2); /* root */
	tok(&b, 9);
	size_t off_rsv = 40, off_struct = 56, off_str = off_struct + b.sn;
	size_t total = off_str + b.strn;

	if (total > cap)
		return 0;
	memset(out, 0, total);
	be32(out, 0xD00DFEED);
	be32(out + 4, (uint32_t)total);
	be32(out + 8, (uint32_t)off_struct);
	be32(out + 12, (uint32_t)off_str);
	be32(out + 16, (uint32_t)off_rsv);
	be32(out + 20, 17);
	be32(out + 24, 16);
	be32(out + 28, 0);
	be32(out + 32, (uint32_t)b.strn);
	be32(out + 36, (uint32_t)b.sn);
	memcpy(out + off_struct, st, b.sn);
	memcpy(out + off_str, b.strs, b.strn);
	return total;
}

uint8_t syn_crc8(const uint8_t *p, size_t n)
{
	uint8_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint8_t)((c >> 1) ^ 0x8C) : (uint8_t)(c >> 1);
	}
	return c;
}

void syn_obk_cfg(uint8_t *v, const char *ssid, const char *pass)
{
	memset(v, 0, 3584);
	memcpy(v, "CFG", 3);
	put_le32(v + 4, 5);
	memcpy(v + 0x14, ssid, strlen(ssid));
	memcpy(v + 0x54, pass, strlen(pass));
	memcpy(v + 0x2DE, "obk-synth", 9);	  /* shortDeviceName: not a secret */
	memcpy(v + 0x33E, "\x01\x02\x03\x04", 4); /* pins */
	v[3] = syn_crc8(v + 4, 3584 - 4);
}

uint8_t *syn_image(void)
{
	uint8_t *img = malloc(SYN_SIZE);
	static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, empty[3] = {0x00, 0xFF, 0xFF};
	static const uint8_t dfalse[3] = {0x00, 0xFF, 0xFF};

	if (!img)
		return NULL;
	memset(img, 0xFF, SYN_SIZE);
	/* boot2 image at 0x2000 with a date pair before the BLSP_Boot2_ strings
	 * (doc/flash-layout.md VER-3) */
	uint8_t *b2 = img + 0x2000;

	for (uint32_t i = 0; i < SYN_BOOT2_LEN; i++)
		b2[i] = (uint8_t)(i * 31 + 7);
	memcpy(b2 + 0x100,
	       "\0Jan  2 2024\0"
	       "12:34:56\0BLSP_Boot2_SP:%s,%s\0",
	       42);
	syn_header(img, 0x00003300, SYN_BOOT2_LEN, 0x2000, b2);
	syn_ptable(img, 0xE000, 0, 0);
	syn_ptable(img, 0xF000, 0, 0);
	/* FW slot 0: imgStart says 0x2000 but boot2 hashes at slot + 0x1000 (HASH-2) */
	uint8_t *app = img + SYN_FW0 + 0x1000;

	for (uint32_t i = 0; i < SYN_APP_LEN; i++)
		app[i] = (uint8_t)(i * 13 + 5);
	memcpy(app + 0x200, "Build Version: \0release_synth_sdk_1.0\0Build Date: \0Feb  3 2025\0",
	       63);
	syn_header(img + SYN_FW0, 0x00003300, SYN_APP_LEN, 0x2000, app);
	/* PSM: sector 0 using, others empty */
	uint32_t pos = 20;

	syn_ef_sector(img + SYN_PSM, using_, dfalse);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "boot_times", "3", 1);
	for (uint32_t s = 1; s < SYN_PSM_LEN / 4096; s++)
		syn_ef_sector(img + SYN_PSM + s * 4096, empty, dfalse);
	/* factory FDT */
	syn_fdt(img + SYN_FACTORY, SYN_FACTORY_LEN, "", "", "BL602_AP", "12345678");
	return img;
}
