/* SPDX-License-Identifier: MIT */
/*
 * Helpers and structure layouts shared by the image modules (not public, not exported under
 * blr_). The boot header's layout is in lib/bootheader.h.
 */
#ifndef BLR_IMAGE_INTERNAL_H
#define BLR_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/image.h"

/* ---- partition table (image-format.md §3.2), all fields LE ------------------------------ */

#define PT_MAGIC       0x54504642u /* "BFPT" */
#define PT_OFF_MAGIC   0u
#define PT_OFF_VER     4u /* u16 */
#define PT_OFF_CNT     6u /* u16 entry count */
#define PT_OFF_AGE     8u
#define PT_OFF_CRC     12u /* CRC-32 of [0, PT_OFF_CRC) */
#define PT_HDR_LEN     16u
#define PT_ENTRY_LEN   36u
#define PT_ENT_CRC_LEN 4u /* CRC-32 of the entries, after the last one */
/* bytes of a table with n entries: header, entries, their CRC */
#define PT_SIZE(n) (PT_HDR_LEN + PT_ENTRY_LEN * (size_t)(n) + PT_ENT_CRC_LEN)

/* ---- EasyFlash v4 (§5): offsets inside a sector header / an entry ------------------------ */

#define EF_SEC_MAGIC	 8u /* "EF40" */
#define EF_SEC_COMBINED	 12u
#define EF_ENT_MAGIC	 8u  /* "KV40" */
#define EF_ENT_LEN	 12u /* whole entry length */
#define EF_ENT_CRC	 16u /* CRC-32 of [EF_ENT_NAME_LEN, entry length) */
#define EF_ENT_NAME_LEN	 20u /* u8; the CRC covers the entry from here */
#define EF_ENT_VALUE_LEN 24u
#define EF_ENT_NAME	 BLR_EF_ENTRY_HDR /* name bytes, then the value */
#define EF_STATUS_LEN	 5u		  /* entry status table at offset 0 */

/* ---- OpenBeken config value (§5.6) ------------------------------------------------------- */

#define OBK_CFG_KEY_LEN (sizeof(BLR_OBK_CFG_KEY) - 1) /* the EasyFlash key's length */
#define OBK_CFG_CRC8	3u /* CRC-8 of [OBK_CFG_VERSION, blr_obk_cfg_size()) */
#define OBK_CFG_VERSION 4u /* u32 */

/* ---- helpers ---------------------------------------------------------------------------- */

void img_find_versions(const uint8_t *img, size_t n, struct blr_fw_slot *s);
void img_find_boot2_date(const uint8_t *img, size_t n, char *date, size_t dcap, char *tim,
			 size_t tcap);

/* OpenBeken config field table (§5.6). */
extern const struct blr_obk_field_info img_obk_fields[];
extern const size_t img_obk_field_cnt;

/* Names of EasyFlash keys that hold secrets (§5.5). */
bool img_secret_key(const char *name, size_t name_len);

#endif
