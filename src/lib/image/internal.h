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

/* ---- partition table (doc/flash-layout.md §3.1, §3.2), all fields LE ------------------------- */

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

/* ---- OpenBeken config value (§6.2) ----------------------------------------------------------- */

#define OBK_CFG_KEY_LEN (sizeof(BLR_OBK_CFG_KEY) - 1) /* the EasyFlash key's length */
#define OBK_CFG_CRC8	3u /* CRC-8 of [OBK_CFG_VERSION, blr_obk_cfg_size()) */
#define OBK_CFG_VERSION 4u /* u32 */

/* ---- whole-image inspection: inspect.c, partitions.c, judge.c ----------------------------- */

#define IMG_NO_OFFSET 0xFFFFFFFFu /* struct blr_problem.offset: about no byte in particular */

/* Append a problem to in->problems (counted in problems_dropped when the list is full). */
void img_problem(struct blr_image_info *in, enum blr_problem_code code, enum blr_severity sev,
		 uint32_t off, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Problems of one boot header; what = "boot2 header" or "firmware slot 0 header". */
void img_check_header(struct blr_image_info *in, const struct blr_bootheader *h, const char *what,
		      bool bootable_needed);
/* What the partitions of layout t hold (partitions.c). */
void img_analyse_partitions(struct blr_image_info *in, const struct blr_ptable *t, const uint8_t *b,
			    size_t n);
/* SIZE-3: the length of the part a dump of n bytes repeats (n / 2, n / 4, ... while the
 * halves of a power-of-two length of at least 128 KiB are equal), n when it is not mirrored. */
size_t img_mirror_period(const uint8_t *b, size_t n);
/* "hash OK", "hash MISMATCH", ... */
const char *img_hash_text(enum blr_hash_state s);

/* ---- helpers ---------------------------------------------------------------------------- */

/* Append to the NUL-terminated string dst (cap bytes), truncating. */
void img_appendf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* All n bytes at p equal v. */
bool img_all_byte(const uint8_t *p, size_t n, uint8_t v);

/* First occurrence of the string needle in hay[0..hlen), or NULL. */
const uint8_t *img_find_bytes(const uint8_t *hay, size_t hlen, const char *needle);
/* The 6 bytes an xz stream starts with (doc/flash-layout.md §1, SLOT-2). */
extern const uint8_t img_xz_magic[6];

void img_find_versions(const uint8_t *img, size_t n, struct blr_fw_slot *s);
void img_find_boot2_date(const uint8_t *img, size_t n, char *date, size_t dcap, char *tim,
			 size_t tcap);

/* OpenBeken config field table (§6.2). */
extern const struct blr_obk_field_info img_obk_fields[];
extern const size_t img_obk_field_cnt;

/* Names of EasyFlash keys that hold secrets (KEY-1). */
bool img_secret_key(const char *name, size_t name_len);

#endif
