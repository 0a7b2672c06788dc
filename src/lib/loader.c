/* SPDX-License-Identifier: MIT */
/*
 * Loader image validation (protocol.md §5.1-§5.3) and identification of the official
 * builds by SHA-256 (§5.5). The table holds only hashes and facts, never the binaries.
 */
#include <string.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/bootheader.h"
#include "lib/isp.h"
#include "lib/loader.h"

/* Old builds have the 21-command set, real CRCs and a 0x2408-byte buffer; new builds the
 * 24-command set (get_boot_info, decompress-write), DEADBEEF headers, 0x4008 and PD. */
static const struct loader_build builds[] = {
    {.name = "eflash_loader 22064 (bl_iot_sdk 2020)",
     .size = 22064,
     .sha256_hex = "865b2b9d565e015f5f5f66204d14214f605b4aa9ef87f24c7d4427902fc2a144",
     .deadbeef_style = false,
     .has_get_boot_info = false,
     .has_decompress_write = false,
     .has_pd = false,
     .frame_limit = ISP_LDR_OLD_MAX_PAYLOAD,
     .rx_timeout_ms = 2000},
    {.name = "eflash_loader 29264 (BLOpenFlasher/blflash)",
     .size = 29264,
     .sha256_hex = "fe27c9c4baf4d4958cb9708e41e5fa72ad6a3679f10278761af73b9939fd544b",
     .deadbeef_style = false,
     .has_get_boot_info = false,
     .has_decompress_write = false,
     .has_pd = false,
     .frame_limit = ISP_LDR_OLD_MAX_PAYLOAD,
     .rx_timeout_ms = 2000},
    {.name = "eflash_loader 37376 (bflb-mcu-tool 2023)",
     .size = 37376,
     .sha256_hex = "b7da05e3cbd2b40a732279fe0406b827ef57f493341f6abbaae8693df3bcbf51",
     .deadbeef_style = true,
     .has_get_boot_info = true,
     .has_decompress_write = true,
     .has_pd = true,
     .frame_limit = ISP_LDR_NEW_MAX_PAYLOAD,
     .rx_timeout_ms = 2000},
    {.name = "eflash_loader 37920 (bflb-mcu-tool 1.10.0)",
     .size = 37920,
     .sha256_hex = "a9aa9a8d74462b78abf97f7ff2527059867590525dfec2a934d34527b944da23",
     .deadbeef_style = true,
     .has_get_boot_info = true,
     .has_decompress_write = true,
     .has_pd = true,
     .frame_limit = ISP_LDR_NEW_MAX_PAYLOAD,
     .rx_timeout_ms = 2000},
    {.name = "eflash_loader 38784 (BK7231GUIFlashTool)",
     .size = 38784,
     .sha256_hex = "2aa46589cabb9b9abda0ade8116ce72584946061c8847a54364e8aba04d99176",
     .deadbeef_style = true,
     .has_get_boot_info = true,
     .has_decompress_write = true,
     .has_pd = true,
     .frame_limit = ISP_LDR_NEW_MAX_PAYLOAD,
     .rx_timeout_ms = 10000},
};

const struct loader_build *loader_known_builds(size_t *n)
{
	*n = sizeof(builds) / sizeof(builds[0]);
	return builds;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return BLR_E_FORMAT;
}

/* CRC field at crc_off over [off, crc_off); ignored when the DEADBEEF rule applies. */
static bool crc_ok(const uint8_t *buf, size_t off, size_t crc_off, bool crc_ignore)
{
	uint32_t stored = get_le32(buf + crc_off);

	if (crc_ignore && stored == BH_DEADBEEF)
		return true;
	return blr_crc32(buf + off, crc_off - off) == stored;
}

int blr_loader_parse(const uint8_t *buf, size_t len, struct blr_loader_info *info, const char **why)
{
	struct blr_loader_info li = {0};
	const uint8_t *seg;
	uint32_t bootcfg, seg_len, data_crc;
	uint8_t hash[BH_HASH_LEN];
	char hex[2 * BLR_SHA256_LEN + 1];
	bool crc_ignore;

	if (why)
		*why = NULL;
	if (!buf || !info)
		return BLR_E_INVAL;
	if (len < BH_LEN + SEG_HDR_LEN)
		return fail(why, "file too short for a boot header and a segment header");
	if (get_le32(buf + BH_MAGIC) != BH_MAGIC_BFNP)
		return fail(why, "no BFNP boot header magic");
	bootcfg = get_le32(buf + BH_BOOTCFG);
	crc_ignore = bootcfg & BH_CFG_CRC_IGNORE;
	if (!crc_ok(buf, BH_FCFG, BH_FCFG_CRC, crc_ignore))
		return fail(why, "flash configuration CRC mismatch");
	if (!crc_ok(buf, BH_PCFG, BH_PCFG_CRC, crc_ignore))
		return fail(why, "clock configuration CRC mismatch");
	if (!crc_ok(buf, 0, BH_CRC, crc_ignore))
		return fail(why, "boot header CRC mismatch");
	li.header_crc_ignored = crc_ignore && get_le32(buf + BH_CRC) == BH_DEADBEEF;
	if (get_le32(buf + BH_SEG_INFO) != 1)
		return fail(why, "segment count is not 1");

	seg = buf + BH_LEN;
	if (blr_crc32(seg, SEG_HDR_CRC) != get_le32(seg + SEG_HDR_CRC))
		return fail(why, "segment header CRC mismatch");
	seg_len = get_le32(seg + SEG_LEN);
	if (seg_len == 0 || seg_len > SEG_MAX_LEN)
		return fail(why, "segment length is zero or too large");
	if (len - BH_LEN - SEG_HDR_LEN < seg_len)
		return fail(why, "file shorter than its segment (truncated)");
	if (len - BH_LEN - SEG_HDR_LEN > seg_len)
		return fail(why, "trailing bytes after the segment");
	/* "rsvd" in [DOC]; every official image holds the data CRC there, blisp sends 0. */
	data_crc = get_le32(seg + SEG_DATA_CRC);
	if (data_crc != 0 && blr_crc32(seg + SEG_HDR_LEN, seg_len) != data_crc)
		return fail(why, "segment data CRC mismatch");

	li.hash_ignored = (bootcfg & BH_CFG_HASH_IGNORE) && get_le32(buf + BH_HASH) == BH_DEADBEEF;
	if (!li.hash_ignored) {
		if (blr_sha256(seg, len - BH_LEN, hash) != 0)
			return BLR_E_NOMEM;
		if (memcmp(hash, buf + BH_HASH, BH_HASH_LEN) != 0)
			return fail(why, "image SHA-256 does not match the boot header");
	}
	li.size = len;
	li.seg_dest = get_le32(seg + SEG_DEST);
	li.seg_len = seg_len;
	if (blr_sha256(buf, len, li.sha256) != 0)
		return BLR_E_NOMEM;

	/* Unknown valid image: conservative limits (PD is tolerated anyway). */
	li.frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	li.rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	blr_hex(li.sha256, BLR_SHA256_LEN, hex);
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		if (builds[i].size != len || strcmp(builds[i].sha256_hex, hex) != 0)
			continue;
		li.build = builds[i].name;
		li.frame_limit = builds[i].frame_limit;
		li.has_pd = builds[i].has_pd;
		li.has_get_boot_info = builds[i].has_get_boot_info;
		li.has_decompress_write = builds[i].has_decompress_write;
		li.rx_timeout_ms = builds[i].rx_timeout_ms;
	}
	*info = li;
	return BLR_OK;
}
