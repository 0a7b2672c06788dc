/* SPDX-License-Identifier: MIT */
/* EasyFlash v4 walker (doc/flash-layout.md §5) and the OpenBeken config (§6.2, §6.3). */
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "image/internal.h"

#define MAGIC_EF40 0x30344645u
#define MAGIC_KV40 0x3034564Bu

unsigned blr_ef_status(const uint8_t *tbl, size_t nbytes)
{
	unsigned st = 0;

	for (size_t i = 0; i < nbytes; i++)
		if (tbl[i] == 0x00)
			st = (unsigned)i + 1;
	return st;
}

/* Status bytes that are not a clean prefix of 00s followed by FFs. */
static bool status_odd(const uint8_t *tbl, size_t nbytes)
{
	unsigned st = blr_ef_status(tbl, nbytes);

	for (size_t i = 0; i < nbytes; i++)
		if (tbl[i] != (i < st ? 0x00 : 0xFF))
			return true;
	return false;
}

const char *blr_ef_state_name(enum blr_ef_state s)
{
	switch (s) {
	case BLR_EF_UNUSED:
		return "unused";
	case BLR_EF_PRE_WRITE:
		return "pre-write";
	case BLR_EF_WRITE:
		return "live";
	case BLR_EF_PRE_DELETE:
		return "pre-delete";
	case BLR_EF_DELETED:
		return "deleted";
	case BLR_EF_ERR_HDR:
		return "error-header";
	}
	return "?";
}

/* First m in [from, n-4] with "KV40" at m and m >= EF_ENT_MAGIC; returns the entry start
 * m - EF_ENT_MAGIC or n. */
static size_t find_kv40(const uint8_t *s, size_t n, size_t from)
{
	if (from < EF_ENT_MAGIC)
		from = EF_ENT_MAGIC;
	for (size_t m = from; m + 4 <= n; m++)
		if (s[m] == 'K' && get_le32(s + m) == MAGIC_KV40)
			return m - EF_ENT_MAGIC;
	return n;
}

static int walk_sector(const uint8_t *s, size_t n, uint32_t off, size_t area, blr_ef_entry_fn efn,
		       void *ctx, struct blr_ef_sector *sec, size_t *count)
{
	size_t free_start = n;
	size_t p = BLR_EF_SECTOR_HDR;
	bool resynced = false;

	while (free_start > 0 && s[free_start - 1] == 0xFF)
		free_start--;
	sec->blank = free_start == 0;
	if (n < BLR_EF_SECTOR_HDR) {
		sec->garbage = !sec->blank;
		return 0;
	}
	while (p < free_start) {
		if (p + EF_ENT_MAGIC + 4 > n || get_le32(s + p + EF_ENT_MAGIC) != MAGIC_KV40) {
			sec->garbage = true;
			p = find_kv40(s, n, p + EF_ENT_MAGIC + 1);
			if (p >= n)
				break;
			resynced = true;
			continue;
		}
		struct blr_ef_entry e;

		memset(&e, 0, sizeof(e));
		e.offset = off + (uint32_t)p;
		e.resynced = resynced;
		resynced = false;
		memcpy(e.status_raw, s + p, EF_STATUS_LEN);
		e.state = (uint8_t)blr_ef_status(s + p, EF_STATUS_LEN);
		e.status_odd = status_odd(s + p, EF_STATUS_LEN);
		if (p + BLR_EF_ENTRY_HDR > n) {
			e.header_broken = true;
			e.len = p + EF_ENT_LEN + 4 <= n ? get_le32(s + p + EF_ENT_LEN) : 0;
		} else {
			e.len = get_le32(s + p + EF_ENT_LEN);
			e.crc = get_le32(s + p + EF_ENT_CRC);
			e.name_len = s[p + EF_ENT_NAME_LEN];
			e.value_len = get_le32(s + p + EF_ENT_VALUE_LEN);
			/* EF-8: an entry is at least its 28-byte header (FLSPEC-2) */
			if (e.len == 0xFFFFFFFFu || e.len > area || e.len < BLR_EF_ENTRY_HDR)
				e.header_broken = true;
			size_t nl = e.name_len;

			if (nl > 64)
				nl = 64;
			for (size_t k = 0; k < nl && p + EF_ENT_NAME + k < n; k++) {
				uint8_t c = s[p + EF_ENT_NAME + k];

				e.name[k] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
			}
			e.name_off = e.offset + EF_ENT_NAME;
			e.value_off = e.name_off + e.name_len;
			if (!e.header_broken && p + e.len <= n) {
				e.crc_calc =
				    hash_crc32(s + p + EF_ENT_NAME_LEN, e.len - EF_ENT_NAME_LEN);
				e.crc_ok = e.crc_calc == e.crc;
				e.fits = e.name_len <= 64 &&
					 (uint64_t)EF_ENT_NAME + e.name_len + e.value_len <= e.len;
			}
		}
		(*count)++;
		sec->entries++;
		if (efn && efn(ctx, &e) != 0)
			return 1;
		if (e.crc_ok) {
			p += e.len;
		} else {
			size_t q = find_kv40(s, n, p + EF_ENT_MAGIC + 1);

			if (q >= n)
				break;
			p = q;
			resynced = true;
		}
	}
	return 0;
}

size_t blr_ef_walk(const uint8_t *part, size_t len, uint32_t base, blr_ef_sector_fn sfn,
		   blr_ef_entry_fn efn, void *ctx)
{
	size_t count = 0;

	if (!part)
		return 0;
	for (size_t so = 0; so < len; so += BLR_EF_SECTOR) {
		const uint8_t *s = part + so;
		size_t n = len - so < BLR_EF_SECTOR ? len - so : BLR_EF_SECTOR;
		struct blr_ef_sector sec;

		memset(&sec, 0, sizeof(sec));
		sec.offset = base + (uint32_t)so;
		if (n >= BLR_EF_SECTOR_HDR) {
			sec.magic_ok = get_le32(s + EF_SEC_MAGIC) == MAGIC_EF40;
			sec.store = (uint8_t)blr_ef_status(s, 3);
			sec.dirty = (uint8_t)blr_ef_status(s + 3, 3);
			sec.status_odd = status_odd(s, 3) || status_odd(s + 3, 3);
			sec.combined = get_le32(s + EF_SEC_COMBINED);
		}
		int stop = walk_sector(s, n, sec.offset, len, efn, ctx, &sec, &count);

		if (sfn && sfn(ctx, &sec) != 0)
			break;
		if (stop)
			break;
	}
	return count;
}

/* ---- OpenBeken ---- */

uint8_t blr_crc8_obk(const uint8_t *buf, size_t len)
{
	uint8_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint8_t)((crc >> 1) ^ 0x8Cu) : (uint8_t)(crc >> 1);
	}
	return crc;
}

size_t blr_obk_cfg_size(const uint8_t *val, size_t vlen)
{
	if (vlen < OBK_CFG_VERSION + 4)
		return 0;
	return get_le32(val + OBK_CFG_VERSION) == 3 ? 2016 : 3584;
}

bool blr_obk_cfg_valid(const uint8_t *val, size_t vlen)
{
	size_t sz = blr_obk_cfg_size(val, vlen);

	if (sz == 0 || vlen < sz || memcmp(val, "CFG", 3) != 0)
		return false;
	return blr_crc8_obk(val + OBK_CFG_VERSION, sz - OBK_CFG_VERSION) == val[OBK_CFG_CRC8];
}

const struct blr_obk_field_info img_obk_fields[] = {
    {"wifi_ssid", 0x14, 64, true},	   {"wifi_pass", 0x54, 64, true},
    {"mqtt_host", 0x94, 256, true},	   {"mqtt_clientId", 0x194, 64, false},
    {"mqtt_userName", 0x1D4, 64, true},	   {"mqtt_pass", 0x214, 128, true},
    {"shortDeviceName", 0x2DE, 32, false}, {"longDeviceName", 0x2FE, 64, false},
    {"wifi_ssid2", 0xC00, 64, true},	   {"wifi_pass2", 0xC40, 68, true},
    {"webPassword", 0xC84, 33, true},
};
const size_t img_obk_field_cnt = sizeof(img_obk_fields) / sizeof(img_obk_fields[0]);

size_t blr_obk_field_count(void)
{
	return img_obk_field_cnt;
}

const struct blr_obk_field_info *blr_obk_field_at(size_t i)
{
	return i < img_obk_field_cnt ? &img_obk_fields[i] : NULL;
}

/* KEY-1: station credentials (SDK demo apps, AT firmware), BLE keys, OpenBeken fast-connect. */
bool img_secret_key(const char *name, size_t name_len)
{
	static const char *const exact[] = {
	    "wifi_ssid", "wifi_pask", "LOCAL_IRK", "KEY_POOL", "bt/mesh/NetInfo", "fcdata",
	};

	if (name_len >= 8 && memcmp(name, "conf_ap_", 8) == 0)
		return true;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == name_len && memcmp(name, exact[i], name_len) == 0)
			return true;
	return false;
}
