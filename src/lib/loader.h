/* SPDX-License-Identifier: MIT */
/* Known official eflash_loader builds (protocol.md §5.5): facts and hashes only. */
#ifndef BLR_LIB_LOADER_H
#define BLR_LIB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loader_build {
	const char *name;
	size_t size;
	const char *sha256_hex;
	bool deadbeef_style; /* DEADBEEF + ignore bits (new) or real CRC + SHA (old) */
	unsigned ncommands;  /* 21 (old set) or 24 (new set) */
	bool has_pd;
	uint32_t frame_limit; /* largest request payload N */
	unsigned rx_timeout_ms;
};

/* The table and its length. */
const struct loader_build *loader_known_builds(size_t *n);

/* Boot header offsets (§5.1) and segment header offsets (§5.3). */
#define BH_MAGIC       0u
#define BH_FLASH_CFG   12u
#define BH_FLASH_CRC   96u
#define BH_CLK_CFG     104u
#define BH_CLK_CRC     112u
#define BH_BOOTCFG     116u
#define BH_SEG_CNT     120u
#define BH_HASH	       132u
#define BH_CRC	       172u
#define BH_MAGIC_BFNP  0x504E4642u /* "BFNP" read LE */
#define BH_CRC_IGNORE  (1u << 16)
#define BH_HASH_IGNORE (1u << 17)
#define BH_DEADBEEF    0xDEADBEEFu
#define SEG_DEST       0u
#define SEG_LEN	       4u
#define SEG_DATA_CRC   8u
#define SEG_HDR_CRC    12u
#define SEG_MAX_LEN    (256u * 1024u) /* BL602 RAM is 276 KiB; a loader is ~38 KiB */

/* Conservative assumptions for an unknown (valid) loader. */
#define LOADER_UNKNOWN_FRAME_LIMIT 0x2404u
#define LOADER_UNKNOWN_RX_TIMEOUT  2000u

#endif
