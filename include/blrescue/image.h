/* SPDX-License-Identifier: MIT */
/*
 * Offline analysis of BL602 flash dumps (doc/flash-layout.md): boot headers, partition tables,
 * firmware slots, the EasyFlash settings store, validity checks and secret scrubbing.
 * Pure functions over caller buffers; nothing prints, nothing does I/O.
 *
 * Every parser decodes what it can and reports typed problems (fields in its result struct,
 * plus a list of struct blr_problem for the whole-image inspection); none just "fails".
 * Functions returning a status return 0 (BLR_OK) or a negative enum blr_err (error.h).
 */
#ifndef BLRESCUE_IMAGE_H
#define BLRESCUE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum blr_verdict {
	BLR_VERDICT_OK = 0,	    /* complete and bootable */
	BLR_VERDICT_SUSPICIOUS = 1, /* reasons given */
	BLR_VERDICT_NOT_BL602 = 2,  /* not a BL602 flash dump */
};

struct blr_check_result {
	enum blr_verdict verdict;
	char summary[512]; /* one line a user can read: "complete and bootable (2 MiB, ...)" */
};

/* Judge a whole-flash dump. flash_size: the chip's size if known (0 = unknown).
 * Returns BLR_OK (res filled), BLR_E_INVAL (res NULL, or buf NULL with len > 0) or
 * BLR_E_NOMEM (res then says "could not be analysed"). */
int blr_image_check(const uint8_t *buf, size_t len, uint32_t flash_size,
		    struct blr_check_result *res);

/* ---------------------------------------------------------------------------------------- */
/* Problems */

enum blr_severity {
	BLR_SEV_INFO = 0,  /* information only (tables differ after an OTA, overhang, ...) */
	BLR_SEV_WARN = 1,  /* suspicious: makes the check verdict SUSPICIOUS */
	BLR_SEV_ERROR = 2, /* will not boot / broken: makes the verdict SUSPICIOUS */
};

enum blr_problem_code {
	BLR_P_SIZE = 1,	 /* dump size odd (2 MiB - 1, not a power of two, ...) */
	BLR_P_TRUNCATED, /* dump shorter than the layout / structure needs */
	BLR_P_BLANK,	 /* all 0xFF / all 0x00 */
	BLR_P_MIRRORED,	 /* second half repeats the first */
	BLR_P_MAGIC,	 /* bad magic */
	BLR_P_CRC,	 /* a CRC does not match */
	BLR_P_HASH,	 /* SHA-256 of an image does not match */
	BLR_P_FIELD,	 /* a field has a value boot2 refuses or that is odd */
	BLR_P_PTABLE,	 /* partition-table problem */
	BLR_P_LAYOUT,	 /* partition addresses (overlap, past the flash end, order) */
	BLR_P_SLOT,	 /* firmware slot content */
	BLR_P_OVERHANG,	 /* image runs past its slot (SLOT-3) */
	BLR_P_EASYFLASH, /* PSM settings store */
	BLR_P_FDT,	 /* factory device tree */
	BLR_P_OBK,	 /* OpenBeken config */
	BLR_P_INTERNAL,	 /* out of memory etc. */
};

struct blr_problem {
	enum blr_problem_code code;
	enum blr_severity sev;
	uint32_t offset; /* flash offset the problem is about (0xFFFFFFFF = none) */
	char text[160];
};

/* ---------------------------------------------------------------------------------------- */
/* Boot header (§2), 176 bytes */

#define BLR_BOOTHDR_LEN	   176
#define BLR_FW_DATA_OFFSET 0x1000u /* FW slot data lies at slot + 0x1000 (HASH-2) */

enum blr_crc_state {
	BLR_CRC_BAD = 0,
	BLR_CRC_OK = 1,
	BLR_CRC_IGNORED = 2, /* ignore bit set and stored value 0xDEADBEEF */
};

enum blr_hash_state {
	BLR_HASH_NOT_CHECKED = 0, /* no data offset known / header not decodable */
	BLR_HASH_OK,
	BLR_HASH_MISMATCH,
	BLR_HASH_IGNORED,   /* hashIgnore + first word 0xDEADBEEF (HASH-3) */
	BLR_HASH_TRUNCATED, /* image data runs past the end of the dump */
	BLR_HASH_ERROR,	    /* libcrypto failed */
};

struct blr_bootheader {
	uint32_t offset; /* flash offset of the header */
	bool complete;	 /* 176 bytes available */
	uint32_t magic;
	bool magic_ok; /* BFNP or BFAP */
	bool cpu1;     /* BFAP */
	uint32_t revision;
	/* flash config (FCFG) */
	bool fcfg_magic_ok;
	uint8_t fcfg[84]; /* raw config bytes 12..95; fields: blr_fcfg_field_* */
	uint32_t fcfg_crc, fcfg_crc_calc;
	bool fcfg_crc_ok;
	/* clock config (PCFG) */
	bool pcfg_magic_ok;
	uint8_t xtal_type, pll_clk, hclk_div, bclk_div, flash_clk_type, flash_clk_div;
	uint32_t pcfg_crc, pcfg_crc_calc;
	bool pcfg_crc_ok;
	/* bootCfg and its bits (§2.3) */
	uint32_t boot_cfg;
	uint8_t sign, encrypt_type, key_sel, cache_way_disable;
	bool no_segment, cache_enable, not_load_in_boot, aes_region_lock, crc_ignore, hash_ignore,
	    halt_cpu1;
	uint32_t img_len; /* imgSegmentInfo */
	uint32_t boot_entry;
	uint32_t img_start;
	uint8_t hash[32];
	uint32_t rsv1, rsv2;
	uint32_t crc, crc_calc;
	enum blr_crc_state crc_state;
	/* image hash check (blr_bootheader_check_image) */
	uint32_t data_offset; /* where the hashed data was taken from */
	enum blr_hash_state hash_state;
	uint8_t hash_calc[32];
};

/* Decode the header at buf[off]. Returns BLR_OK when decoded (look at the flags),
 * BLR_E_FORMAT if fewer than 176 bytes are available (h->complete false, h->offset set),
 * BLR_E_INVAL if buf or h is NULL. */
int blr_bootheader_parse(const uint8_t *buf, size_t len, uint32_t off, struct blr_bootheader *h);
/* Hash check of the image the header describes, taken from data_off (imgStart for the header
 * at 0; slot + 0x1000 for firmware slots, never imgStart). Sets data_offset and hash_state. */
void blr_bootheader_check_image(const uint8_t *buf, size_t len, uint32_t data_off,
				struct blr_bootheader *h);
/* Names of the 84-byte flash-config fields, for display: index 0..count-1. */
struct blr_fcfg_field {
	const char *name;
	uint8_t off;  /* offset inside fcfg[] */
	uint8_t size; /* 1, 2 or 4 */
};
size_t blr_fcfg_field_count(void);
const struct blr_fcfg_field *blr_fcfg_field_at(size_t i);
uint32_t blr_fcfg_field_value(const struct blr_bootheader *h, size_t i);

/* ---------------------------------------------------------------------------------------- */
/* What a file to be written is (doc/flash-layout.md §10): a whole-flash image belongs at 0; a
 * firmware (application) image belongs in a FW slot of the partition table (its boot header
 * at the slot start, its data at slot + 0x1000), never at 0. */

enum blr_image_kind {
	BLR_KIND_UNKNOWN = 0, /* none of the below (raw data, or a boot header whose image
			       * hashes nowhere: damaged or truncated) */
	BLR_KIND_EMPTY,	      /* no bytes, or all 0xFF (CLASS-1) */
	BLR_KIND_FULL,	      /* a BFPT partition table at 0xE000/0xF000: a whole-flash image
			       * (normally with boot2's header at 0; CLASS-2) */
	BLR_KIND_BOOT2,	      /* a boot header at 0 whose image lies at imgStart, no table */
	BLR_KIND_FIRMWARE,    /* an application image for a FW slot: boot header at 0, data at
			       * 0x1000 matching its hash (or hash check disabled), no table */
	BLR_KIND_XZ,	      /* an xz stream (a compressed OTA image; CLASS-4) */
};

struct blr_image_class {
	enum blr_image_kind kind;
	uint32_t img_len;	  /* image length from the boot header (BOOT2, FIRMWARE, and
				   * UNKNOWN with a boot header), else 0 */
	enum blr_hash_state hash; /* that image's hash: OK or IGNORED for BOOT2/FIRMWARE,
				   * MISMATCH/TRUNCATED for UNKNOWN with a header */
	char what[160];		  /* one line a user can read: "a firmware image (421888
				   * bytes, OpenBeken 1.1.176) for a FW slot, not a whole-flash
				   * image" */
};

/* Classify buf (a file to be written). BLR_OK (*out filled) or BLR_E_INVAL (out NULL, or buf
 * NULL with len > 0). */
int blr_image_classify(const uint8_t *buf, size_t len, struct blr_image_class *out);

/* ---------------------------------------------------------------------------------------- */
/* Partition tables (§3) */

#define BLR_PT0_OFFSET	   0xE000u
#define BLR_PT1_OFFSET	   0xF000u
#define BLR_PT_MAX_ENTRIES 16

struct blr_pt_entry {
	uint8_t type, device, active_index;
	char name[10]; /* NUL-terminated, non-printables replaced by '?' */
	uint32_t addr[2], max_len[2], len, age;
	bool absent; /* Address[0] = maxLen[0] = 0 */
};

struct blr_ptable {
	uint32_t offset;
	bool present; /* 16 header bytes available */
	bool magic_ok;
	uint16_t version, entry_cnt;
	uint32_t age;
	uint32_t hdr_crc, hdr_crc_calc;
	bool hdr_crc_ok;
	bool count_ok; /* entry_cnt <= 16 and entries inside the dump */
	uint32_t ent_crc, ent_crc_calc;
	bool ent_crc_ok;
	bool valid; /* all of the above: boot2 would accept it */
	size_t n;   /* entries decoded (min(entry_cnt, 16), bounded by the dump) */
	struct blr_pt_entry e[BLR_PT_MAX_ENTRIES];
};

/* Decode the table at buf[off]. BLR_OK when its 16 header bytes are there (look at the
 * flags: valid etc.), BLR_E_FORMAT if not (pt->present false), BLR_E_INVAL if buf or pt is
 * NULL. */
int blr_ptable_parse(const uint8_t *buf, size_t len, uint32_t off, struct blr_ptable *pt);
/* Which table boot2 uses: larger age wins, equal -> 0, only one valid -> that one, -1 none. */
int blr_ptable_active(const struct blr_ptable *pt0, const struct blr_ptable *pt1);
/* First entry with this name, or NULL. */
const struct blr_pt_entry *blr_ptable_find(const struct blr_ptable *pt, const char *name);
/* Entry with type 0 (what boot2 boots), or NULL. */
const struct blr_pt_entry *blr_ptable_fw(const struct blr_ptable *pt);
/* Fill t with the classic 2 MiB SDK layout (§3.6, PT-8): a display fallback when both tables are
 * unreadable (offset 0xFFFFFFFF, valid false). */
void blr_ptable_classic(struct blr_ptable *t);

/* ---------------------------------------------------------------------------------------- */
/* Firmware slots (§4) */

enum blr_slot_kind {
	BLR_SLOT_NONE = 0, /* no such slot (address and size 0) */
	BLR_SLOT_OUTSIDE,  /* slot lies past the end of the dump */
	BLR_SLOT_IMAGE,	   /* boot header (BFNP/BFAP) */
	BLR_SLOT_XZ,	   /* XZ stream: compressed OTA pending */
	BLR_SLOT_ERASED,   /* all 0xFF */
	BLR_SLOT_GARBAGE,  /* anything else */
};

struct blr_fw_slot {
	int index; /* 0 or 1 */
	uint32_t addr, max_len;
	bool active;
	enum blr_slot_kind kind;
	struct blr_bootheader hdr; /* valid when kind == IMAGE */
	uint32_t overhang;	   /* bytes the image runs past the slot end (0 = fits) */
	char sdk_version[64];	   /* "release_bl_iot_sdk_1.6.8-..." or "" */
	char build_date[24];	   /* "Sep 24 2020" or "" */
	char build_time[16];
	char app_version[64]; /* vendor version string (OpenBeken ...) or "" */
};

/* Classify and check one slot: header, hash at addr + 0x1000, version strings. */
void blr_fw_slot_parse(const uint8_t *buf, size_t len, uint32_t addr, uint32_t max_len,
		       struct blr_fw_slot *s);

/* ---------------------------------------------------------------------------------------- */
/* EasyFlash v4 (§5) */

#define BLR_EF_SECTOR	  4096u
#define BLR_EF_SECTOR_HDR 20u
#define BLR_EF_ENTRY_HDR  28u

enum blr_ef_sector_store {
	BLR_EF_STORE_UNUSED,
	BLR_EF_STORE_EMPTY,
	BLR_EF_STORE_USING,
	BLR_EF_STORE_FULL
};
enum blr_ef_sector_dirty {
	BLR_EF_DIRTY_UNUSED,
	BLR_EF_DIRTY_FALSE,
	BLR_EF_DIRTY_TRUE,
	BLR_EF_DIRTY_GC
};
enum blr_ef_state {
	BLR_EF_UNUSED = 0,
	BLR_EF_PRE_WRITE = 1,
	BLR_EF_WRITE = 2,      /* live */
	BLR_EF_PRE_DELETE = 3, /* EasyFlash copies it back as live at boot */
	BLR_EF_DELETED = 4,
	BLR_EF_ERR_HDR = 5,
};

/* Status by the rule (EF-3): 1 + index of the last 0x00 byte, 0 if none. */
unsigned blr_ef_status(const uint8_t *tbl, size_t nbytes);
const char *blr_ef_state_name(enum blr_ef_state s);

struct blr_ef_sector {
	uint32_t offset; /* flash offset */
	bool magic_ok;
	bool blank;	      /* whole sector 0xFF */
	uint8_t store, dirty; /* enum values */
	bool status_odd;      /* status bytes other than 00/FF or with gaps */
	uint32_t combined;
	unsigned entries; /* entries found in this sector */
	bool garbage;	  /* undecodable bytes found (resync used) */
};

struct blr_ef_entry {
	uint32_t offset; /* flash offset of the entry */
	uint8_t status_raw[5];
	uint8_t state; /* enum blr_ef_state, decoded by the rule */
	bool status_odd;
	bool header_broken; /* header cut off, or len absurd (EF-8: 0xFFFFFFFF, past the
			     * partition, below 28): CRC not checked, then resync */
	bool resynced;	    /* found by the byte-wise search for KV40 */
	uint32_t len, crc, crc_calc;
	bool crc_ok;
	bool fits; /* not broken, and name and value lie inside the entry and sector */
	uint8_t name_len;
	uint32_t value_len;
	char name[65];		      /* printable copy */
	uint32_t name_off, value_off; /* flash offsets */
};

/* Walk one PSM partition (part = its bytes, base = its flash offset). The callbacks may be
 * NULL; an entry callback returning non-zero stops the walk. Every 4 KiB sector is scanned
 * (EF-1: do not trust a configured size). Returns the number of entries found. */
typedef int (*blr_ef_sector_fn)(void *ctx, const struct blr_ef_sector *s);
typedef int (*blr_ef_entry_fn)(void *ctx, const struct blr_ef_entry *e);
size_t blr_ef_walk(const uint8_t *part, size_t len, uint32_t base, blr_ef_sector_fn sfn,
		   blr_ef_entry_fn efn, void *ctx);

/* ---------------------------------------------------------------------------------------- */
/* Factory device tree (minimal FDT walker, big-endian) */

struct blr_fdt_info {
	bool magic_ok;
	uint32_t totalsize;
	bool size_ok; /* totalsize <= the partition */
	bool walk_ok; /* structure block walked to FDT_END without error */
	unsigned nodes, props;
};

/* Property visitor: path like "/wifi/sta", name, value flash offset and length. */
typedef int (*blr_fdt_prop_fn)(void *ctx, const char *path, const char *name, uint32_t voff,
			       uint32_t vlen);
/* fdt = partition bytes, base = flash offset. Returns BLR_OK if the walk completed (also
 * when fn stopped it), BLR_E_FORMAT if the tree is malformed or cut off (info tells how far
 * it got), BLR_E_INVAL if fdt is NULL. */
int blr_fdt_walk(const uint8_t *fdt, size_t len, uint32_t base, struct blr_fdt_info *info,
		 blr_fdt_prop_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------- */
/* OpenBeken (§6.2, §6.3) */

#define BLR_OBK_CFG_KEY "mY0bcFg"
/* CRC-8, reflected polynomial 0x8C, init 0, no final XOR. */
uint8_t blr_crc8_obk(const uint8_t *buf, size_t len);
/* Size the CRC covers (2016 for version 3, else 3584). */
size_t blr_obk_cfg_size(const uint8_t *val, size_t vlen);
/* ident "CFG" present and CRC-8 matches. */
bool blr_obk_cfg_valid(const uint8_t *val, size_t vlen);

/* Fields of the OpenBeken config (§6.2), for display; secret = zeroed by scrub. */
struct blr_obk_field_info {
	const char *name;
	uint16_t off, size;
	bool secret;
};
size_t blr_obk_field_count(void);
const struct blr_obk_field_info *blr_obk_field_at(size_t i);

/* ---------------------------------------------------------------------------------------- */
/* Whole-image inspection */

#define BLR_MAX_PROBLEMS   128
#define BLR_MAX_KV	   512
#define BLR_MAX_EF_SECTORS 128

struct blr_image_info {
	size_t len;  /* dump length */
	bool padded; /* 2 MiB - 1: analysed with one 0xFF byte appended */
	bool all_ff, all_00, mirrored;
	uint32_t flash_size_implied; /* from the layout, power of two (0 = unknown) */
	uint32_t layout_end;	     /* max(address + maxLen) */

	struct blr_bootheader boot2; /* header at 0, hash at imgStart */
	char boot2_date[24], boot2_time[16];

	struct blr_ptable pt[2];
	int active_pt;		   /* -1 none valid */
	bool layout_assumed;	   /* neither table decodable: classic 2 MiB layout used */
	struct blr_ptable assumed; /* that layout (display only) */
	bool pt_differ;

	/* firmware: from the type-0 entry of the active (or any decodable) table */
	bool have_fw;
	int fw_active_index;  /* activeIndex & 1 */
	bool fw_copy_pending; /* activeIndex >= 2 */
	bool mfg_request;     /* '0'/'1' + name at mfg + 0xF000 (PT-12) */
	struct blr_fw_slot fw[2];

	/* PSM */
	bool have_psm;
	uint32_t psm_offset, psm_len;
	size_t n_sectors, sectors_dropped, n_kv, kv_dropped;
	struct blr_ef_sector sectors[BLR_MAX_EF_SECTORS];
	struct blr_ef_entry kv[BLR_MAX_KV];
	bool obk_cfg_found, obk_cfg_crc_ok;
	uint32_t obk_cfg_version;

	/* factory */
	bool have_factory;
	uint32_t factory_offset, factory_len;
	struct blr_fdt_info fdt;

	uint32_t fcdata_len; /* live OpenBeken fcdata value length (0 = none) */

	/* media */
	bool have_media, media_romfs, media_erased;

	size_t n_problems, problems_dropped;
	struct blr_problem problems[BLR_MAX_PROBLEMS];
};

/* Inspect a dump. *out is allocated (free with blr_image_info_free). Returns BLR_OK,
 * BLR_E_INVAL (out NULL, or buf NULL with len > 0) or BLR_E_NOMEM. A damaged dump is not
 * an error: look at the problems. */
int blr_image_inspect(const uint8_t *buf, size_t len, struct blr_image_info **out);
void blr_image_info_free(struct blr_image_info *info);
/* Verdict from an inspection. */
void blr_image_judge(const struct blr_image_info *info, uint32_t flash_size,
		     struct blr_check_result *res);

/* ---------------------------------------------------------------------------------------- */
/* Scrub (§6.5) */

enum blr_scrub_action {
	BLR_SCRUB_KV_VALUE = 1, /* EasyFlash value bytes zeroed */
	BLR_SCRUB_KV_CRC,	/* EasyFlash entry CRC-32 recomputed */
	BLR_SCRUB_OBK_FIELD,	/* OpenBeken config field zeroed */
	BLR_SCRUB_OBK_CRC8,	/* OpenBeken config CRC-8 recomputed */
	BLR_SCRUB_FDT_VALUE,	/* device-tree property value zeroed */
	BLR_SCRUB_RAW,		/* user string found outside a structure, zeroed */
	BLR_SCRUB_REPORTED,	/* left in place, NOT changed: a form of the user's strings
				 * inside a firmware image or a structure, or a copy of a
				 * secret value removed elsewhere (SCRUB-7) */
};

struct blr_scrub_change {
	enum blr_scrub_action action;
	uint32_t offset, length;
	char what[120];
};

struct blr_scrub_opts {
	const char *ssid; /* user's SSID or NULL */
	const char *psk;  /* user's passphrase or NULL */
};

struct blr_scrub_report {
	size_t n, cap;
	struct blr_scrub_change *c; /* malloc'ed; blr_scrub_report_free */
	size_t edited;		    /* changes that modified bytes */
	size_t reported;	    /* hits left in place (BLR_SCRUB_REPORTED): of the user's
				     * strings in any form, and of values removed elsewhere; the
				     * result is clean only when this is 0 */
	size_t values_left;	    /* of reported: copies of removed secret values */
	size_t values_in_images;    /* of values_left: inside boot2 or a firmware image, where
				     * such a copy is most likely a built-in default (an AP
				     * password "12345678" matches digit tables) */
	unsigned copies;	    /* the dump repeats its first len / copies bytes this many
				     * times (mirrored, SIZE-3); every copy was scrubbed alike */
};

/* Scrub buf in place (len bytes, a whole dump). Returns BLR_OK, BLR_E_INVAL (bad
 * arguments), BLR_E_NOMEM, or BLR_E_RANGE if a user string is shorter than 4 bytes (too
 * short to search safely; nothing is changed). */
int blr_image_scrub(uint8_t *buf, size_t len, const struct blr_scrub_opts *opts,
		    struct blr_scrub_report *rep);
void blr_scrub_report_free(struct blr_scrub_report *rep);

/* PMK = PBKDF2-HMAC-SHA1(psk, ssid, 4096, 32). Returns BLR_OK, BLR_E_INVAL (a NULL
 * argument) or BLR_E_NOMEM (libcrypto failed). */
int blr_wpa_pmk(const char *ssid, const char *psk, uint8_t pmk[32]);

#ifdef __cplusplus
}
#endif

#endif
