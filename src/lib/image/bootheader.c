/* SPDX-License-Identifier: MIT */
/* Boot header decode and checks (doc/flash-layout.md §2, CHECK-3), firmware slots (§4). */
#include <stdio.h>
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "image/internal.h"
#include "lib/bootheader.h"

_Static_assert(sizeof(((struct blr_bootheader *)0)->fcfg) == BH_FCFG_LEN, "fcfg[] size");
_Static_assert(sizeof(((struct blr_bootheader *)0)->hash) == BH_HASH_LEN, "hash[] size");

/* Flash-config fields (§2.4); offsets are relative to header byte 12. */
static const struct blr_fcfg_field fcfg_fields[] = {
    {"ioMode", 0, 1},
    {"cReadSupport", 1, 1},
    {"clkDelay", 2, 1},
    {"clkInvert", 3, 1},
    {"resetEnCmd", 4, 1},
    {"resetCmd", 5, 1},
    {"resetCreadCmd", 6, 1},
    {"resetCreadCmdSize", 7, 1},
    {"jedecIdCmd", 8, 1},
    {"jedecIdCmdDmyClk", 9, 1},
    {"qpiJedecIdCmd", 10, 1},
    {"qpiJedecIdCmdDmyClk", 11, 1},
    {"sectorSize", 12, 1},
    {"mid", 13, 1},
    {"pageSize", 14, 2},
    {"chipEraseCmd", 16, 1},
    {"sectorEraseCmd", 17, 1},
    {"blk32EraseCmd", 18, 1},
    {"blk64EraseCmd", 19, 1},
    {"writeEnableCmd", 20, 1},
    {"pageProgramCmd", 21, 1},
    {"qpageProgramCmd", 22, 1},
    {"qppAddrMode", 23, 1},
    {"fastReadCmd", 24, 1},
    {"frDmyClk", 25, 1},
    {"qpiFastReadCmd", 26, 1},
    {"qpiFrDmyClk", 27, 1},
    {"fastReadDoCmd", 28, 1},
    {"frDoDmyClk", 29, 1},
    {"fastReadDioCmd", 30, 1},
    {"frDioDmyClk", 31, 1},
    {"fastReadQoCmd", 32, 1},
    {"frQoDmyClk", 33, 1},
    {"fastReadQioCmd", 34, 1},
    {"frQioDmyClk", 35, 1},
    {"qpiFastReadQioCmd", 36, 1},
    {"qpiFrQioDmyClk", 37, 1},
    {"qpiPageProgramCmd", 38, 1},
    {"writeVregEnableCmd", 39, 1},
    {"wrEnableIndex", 40, 1},
    {"qeIndex", 41, 1},
    {"busyIndex", 42, 1},
    {"wrEnableBit", 43, 1},
    {"qeBit", 44, 1},
    {"busyBit", 45, 1},
    {"wrEnableWriteRegLen", 46, 1},
    {"wrEnableReadRegLen", 47, 1},
    {"qeWriteRegLen", 48, 1},
    {"qeReadRegLen", 49, 1},
    {"releasePowerDown", 50, 1},
    {"busyReadRegLen", 51, 1},
    {"readRegCmd0", 52, 1},
    {"readRegCmd1", 53, 1},
    {"readRegCmd2", 54, 1},
    {"readRegCmd3", 55, 1},
    {"writeRegCmd0", 56, 1},
    {"writeRegCmd1", 57, 1},
    {"writeRegCmd2", 58, 1},
    {"writeRegCmd3", 59, 1},
    {"enterQpi", 60, 1},
    {"exitQpi", 61, 1},
    {"cReadMode", 62, 1},
    {"cRExit", 63, 1},
    {"burstWrapCmd", 64, 1},
    {"burstWrapCmdDmyClk", 65, 1},
    {"burstWrapDataMode", 66, 1},
    {"burstWrapData", 67, 1},
    {"deBurstWrapCmd", 68, 1},
    {"deBurstWrapCmdDmyClk", 69, 1},
    {"deBurstWrapDataMode", 70, 1},
    {"deBurstWrapData", 71, 1},
    {"timeEsector", 72, 2},
    {"timeE32k", 74, 2},
    {"timeE64k", 76, 2},
    {"timePagePgm", 78, 2},
    {"timeCe", 80, 2},
    {"pdDelay", 82, 1},
    {"qeData", 83, 1},
};

size_t blr_fcfg_field_count(void)
{
	return sizeof(fcfg_fields) / sizeof(fcfg_fields[0]);
}

const struct blr_fcfg_field *blr_fcfg_field_at(size_t i)
{
	return i < blr_fcfg_field_count() ? &fcfg_fields[i] : NULL;
}

uint32_t blr_fcfg_field_value(const struct blr_bootheader *h, size_t i)
{
	const struct blr_fcfg_field *f = blr_fcfg_field_at(i);

	if (!f)
		return 0;
	if (f->size == 2)
		return get_le16(h->fcfg + f->off);
	return h->fcfg[f->off];
}

int blr_bootheader_parse(const uint8_t *buf, size_t len, uint32_t off, struct blr_bootheader *h)
{
	if (!h)
		return BLR_E_INVAL;
	memset(h, 0, sizeof(*h));
	h->offset = off;
	if (!buf)
		return BLR_E_INVAL;
	if (off > len || len - off < BH_LEN)
		return BLR_E_FORMAT;
	const uint8_t *p = buf + off;

	h->complete = true;
	h->magic = get_le32(p + BH_MAGIC);
	h->magic_ok = h->magic == BH_MAGIC_BFNP || h->magic == BH_MAGIC_BFAP;
	h->cpu1 = h->magic == BH_MAGIC_BFAP;
	h->revision = get_le32(p + BH_REVISION);

	h->fcfg_magic_ok = get_le32(p + BH_FCFG_MAGIC) == BH_MAGIC_FCFG;
	memcpy(h->fcfg, p + BH_FCFG, BH_FCFG_LEN);
	h->fcfg_crc = get_le32(p + BH_FCFG_CRC);
	h->fcfg_crc_calc = hash_crc32(p + BH_FCFG, BH_FCFG_LEN);
	h->fcfg_crc_ok = h->fcfg_crc == h->fcfg_crc_calc;

	h->pcfg_magic_ok = get_le32(p + BH_PCFG_MAGIC) == BH_MAGIC_PCFG;
	h->xtal_type = p[BH_PCFG + BH_PCFG_XTAL];
	h->pll_clk = p[BH_PCFG + BH_PCFG_PLL];
	h->hclk_div = p[BH_PCFG + BH_PCFG_HCLK_DIV];
	h->bclk_div = p[BH_PCFG + BH_PCFG_BCLK_DIV];
	h->flash_clk_type = p[BH_PCFG + BH_PCFG_FLASH_CLK];
	h->flash_clk_div = p[BH_PCFG + BH_PCFG_FLASH_CLKDV];
	h->pcfg_crc = get_le32(p + BH_PCFG_CRC);
	h->pcfg_crc_calc = hash_crc32(p + BH_PCFG, BH_PCFG_LEN);
	h->pcfg_crc_ok = h->pcfg_crc == h->pcfg_crc_calc;

	uint32_t c = get_le32(p + BH_BOOTCFG);

	h->boot_cfg = c;
	h->sign = (c >> BH_CFG_SIGN_SHIFT) & 3u;
	h->encrypt_type = (c >> BH_CFG_ENCRYPT_SHIFT) & 3u;
	h->key_sel = (c >> BH_CFG_KEY_SEL_SHIFT) & 3u;
	h->no_segment = c & BH_CFG_NO_SEGMENT;
	h->cache_enable = c & BH_CFG_CACHE_ENABLE;
	h->not_load_in_boot = c & BH_CFG_NOT_LOAD;
	h->aes_region_lock = c & BH_CFG_AES_LOCK;
	h->cache_way_disable = (c >> BH_CFG_CACHE_WAY_SHIFT) & 0xFu;
	h->crc_ignore = c & BH_CFG_CRC_IGNORE;
	h->hash_ignore = c & BH_CFG_HASH_IGNORE;
	h->halt_cpu1 = c & BH_CFG_HALT_CPU1;

	h->img_len = get_le32(p + BH_SEG_INFO);
	h->boot_entry = get_le32(p + BH_BOOT_ENTRY);
	h->img_start = get_le32(p + BH_IMG_START);
	memcpy(h->hash, p + BH_HASH, BH_HASH_LEN);
	h->rsv1 = get_le32(p + BH_RSV1);
	h->rsv2 = get_le32(p + BH_RSV2);
	h->crc = get_le32(p + BH_CRC);
	h->crc_calc = hash_crc32(p, BH_CRC);
	if (h->crc == h->crc_calc)
		h->crc_state = BLR_CRC_OK;
	else if (h->crc_ignore && h->crc == BH_DEADBEEF)
		h->crc_state = BLR_CRC_IGNORED;
	else
		h->crc_state = BLR_CRC_BAD;
	return BLR_OK;
}

void blr_bootheader_check_image(const uint8_t *buf, size_t len, uint32_t data_off,
				struct blr_bootheader *h)
{
	h->data_offset = data_off;
	memset(h->hash_calc, 0, sizeof(h->hash_calc));
	if (!h->complete) {
		h->hash_state = BLR_HASH_NOT_CHECKED;
		return;
	}
	if (h->hash_ignore && get_le32(h->hash) == BH_DEADBEEF) {
		h->hash_state = BLR_HASH_IGNORED;
		return;
	}
	if (data_off > len || len - data_off < h->img_len) {
		h->hash_state = BLR_HASH_TRUNCATED;
		return;
	}
	if (hash_sha256(buf + data_off, h->img_len, h->hash_calc) != 0) {
		h->hash_state = BLR_HASH_ERROR;
		return;
	}
	h->hash_state =
	    memcmp(h->hash_calc, h->hash, BH_HASH_LEN) == 0 ? BLR_HASH_OK : BLR_HASH_MISMATCH;
}

/* ---- version strings (§4.1) ------------------------------------------------------------------ */

static bool is_print(uint8_t c)
{
	return c >= 0x20 && c < 0x7F;
}

/* Copy the printable string starting at p (bounded by end) into out. */
static size_t copy_str(const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
	size_t n = 0;

	while (p + n < end && is_print(p[n]) && n + 1 < cap) {
		out[n] = (char)p[n];
		n++;
	}
	out[n] = 0;
	return n;
}

/* Find the next printable string of >= 3 characters within 48 bytes after p. */
static void next_string(const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
	const uint8_t *lim = end - p > 48 ? p + 48 : end;

	out[0] = 0;
	/* skip the rest of the current string (labels are padded with spaces) */
	while (p < lim && *p)
		p++;
	while (p < lim) {
		if (is_print(*p) && (p == end - 1 || p[-1] == 0)) {
			char tmp[64];
			size_t n = copy_str(p, end, tmp, sizeof(tmp));

			if (n >= 3) {
				/* trim trailing spaces */
				while (n && tmp[n - 1] == ' ')
					tmp[--n] = 0;
				snprintf(out, cap, "%s", tmp);
				return;
			}
		}
		p++;
	}
}

const uint8_t *img_find_bytes(const uint8_t *hay, size_t hlen, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0 || hlen < nl)
		return NULL;
	for (size_t i = 0; i + nl <= hlen; i++)
		if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

void img_find_versions(const uint8_t *img, size_t n, struct blr_fw_slot *s)
{
	const uint8_t *end = img + n, *q;

	s->sdk_version[0] = s->build_date[0] = s->build_time[0] = s->app_version[0] = 0;
	q = img_find_bytes(img, n, "Build Version:");
	if (q)
		next_string(q, end, s->sdk_version, sizeof(s->sdk_version));
	q = img_find_bytes(img, n, "Build Date:");
	if (q)
		next_string(q, end, s->build_date, sizeof(s->build_date));
	q = img_find_bytes(img, n, "Build Time:");
	if (q)
		next_string(q, end, s->build_time, sizeof(s->build_time));
	/* vendor marker: OpenBeken names its build "OpenBL602_<digits and dots>" */
	const uint8_t *from = img;

	while ((q = img_find_bytes(from, (size_t)(end - from), "OpenBL602_")) != NULL) {
		const uint8_t *v = q + 10;
		size_t k = 0;

		while (v + k < end && k < 32 && ((v[k] >= '0' && v[k] <= '9') || v[k] == '.'))
			k++;
		if (k >= 3 && v[0] >= '0' && v[0] <= '9') {
			snprintf(s->app_version, sizeof(s->app_version), "OpenBeken %.*s", (int)k,
				 (const char *)v);
			break;
		}
		from = q + 1;
	}
}

/* boot2 (VER-3): a __DATE__/__TIME__ pair just before the "BLSP_Boot2_" format strings. */
static bool is_date(const char *s)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

	if (strlen(s) != 11 || s[3] != ' ' || s[6] != ' ')
		return false;
	for (size_t i = 0; i < 12; i++)
		if (memcmp(s, mon[i], 3) == 0)
			return true;
	return false;
}

static bool is_time(const char *s)
{
	return strlen(s) == 8 && s[2] == ':' && s[5] == ':';
}

void img_find_boot2_date(const uint8_t *img, size_t n, char *date, size_t dcap, char *tim,
			 size_t tcap)
{
	const uint8_t *q = img_find_bytes(img, n, "BLSP_Boot2_");

	date[0] = tim[0] = 0;
	if (!q)
		return;
	const uint8_t *start = q - img > 64 ? q - 64 : img;

	for (const uint8_t *p = start; p < q; p++) {
		if (!is_print(*p) || (p > img && p[-1] != 0))
			continue;
		char tmp[32];

		copy_str(p, q, tmp, sizeof(tmp));
		if (is_date(tmp))
			snprintf(date, dcap, "%s", tmp);
		else if (is_time(tmp))
			snprintf(tim, tcap, "%s", tmp);
	}
}

/* ---- firmware slots ---- */

const uint8_t img_xz_magic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};

void blr_fw_slot_parse(const uint8_t *buf, size_t len, uint32_t addr, uint32_t max_len,
		       struct blr_fw_slot *s)
{
	int index = s->index;
	bool active = s->active;

	memset(s, 0, sizeof(*s));
	s->index = index;
	s->active = active;
	s->addr = addr;
	s->max_len = max_len;
	if (addr == 0 && max_len == 0) {
		s->kind = BLR_SLOT_NONE;
		return;
	}
	if (addr >= len) {
		s->kind = BLR_SLOT_OUTSIDE;
		return;
	}
	size_t avail = len - addr;
	size_t slot_n = max_len < avail ? max_len : avail;

	if (slot_n >= 6 && memcmp(buf + addr, img_xz_magic, sizeof(img_xz_magic)) == 0) {
		s->kind = BLR_SLOT_XZ;
		return;
	}
	if (blr_bootheader_parse(buf, len, addr, &s->hdr) == BLR_OK && s->hdr.magic_ok) {
		s->kind = BLR_SLOT_IMAGE;
		blr_bootheader_check_image(buf, len, addr + BLR_FW_DATA_OFFSET, &s->hdr);
		uint64_t end = (uint64_t)addr + BLR_FW_DATA_OFFSET + s->hdr.img_len;
		uint64_t slot_end = (uint64_t)addr + max_len;

		if (end > slot_end)
			s->overhang = (uint32_t)(end - slot_end);
		if ((uint64_t)addr + BLR_FW_DATA_OFFSET < len) {
			size_t dn = len - addr - BLR_FW_DATA_OFFSET;

			if (dn > s->hdr.img_len)
				dn = s->hdr.img_len;
			img_find_versions(buf + addr + BLR_FW_DATA_OFFSET, dn, s);
		}
		return;
	}
	s->kind = img_all_byte(buf + addr, slot_n, 0xFF) ? BLR_SLOT_ERASED : BLR_SLOT_GARBAGE;
}
