/* SPDX-License-Identifier: MIT */
/*
 * The one layout of the BL602 boot header (doc/flash-layout.md §2) and of the
 * segment header that follows it in a loader image (doc/protocol.md §6.3): byte offsets, lengths,
 * magics and bootCfg bits. Used by the loader validation (loader.c), the loader upload
 * (connect.c) and the image parsers (image/bootheader.c, image/inspect.c). Not installed.
 */
#ifndef BLR_LIB_BOOTHEADER_H
#define BLR_LIB_BOOTHEADER_H

#include "blrescue/image.h" /* BLR_BOOTHDR_LEN */

/* ---- boot header, BLR_BOOTHDR_LEN (176) bytes, all fields u32 LE unless noted ---------- */

#define BH_LEN	      BLR_BOOTHDR_LEN
#define BH_MAGIC      0u /* "BFNP" (or "BFAP" for CPU1) */
#define BH_REVISION   4u
#define BH_FCFG_MAGIC 8u  /* "FCFG" */
#define BH_FCFG	      12u /* flash configuration, BH_FCFG_LEN bytes */
#define BH_FCFG_LEN   84u
#define BH_FCFG_CRC   96u  /* CRC-32 of [BH_FCFG, BH_FCFG_CRC) */
#define BH_PCFG_MAGIC 100u /* "PCFG" */
#define BH_PCFG	      104u /* clock configuration: six u8 fields, 2 bytes padding */
#define BH_PCFG_LEN   8u
#define BH_PCFG_CRC   112u /* CRC-32 of [BH_PCFG, BH_PCFG_CRC) */
#define BH_BOOTCFG    116u /* bit fields below */
#define BH_SEG_INFO   120u /* imgSegmentInfo: image length (noSegment) or segment count */
#define BH_BOOT_ENTRY 124u
#define BH_IMG_START  128u
#define BH_HASH	      132u /* SHA-256 of the image, BH_HASH_LEN bytes */
#define BH_HASH_LEN   32u
#define BH_RSV1	      164u
#define BH_RSV2	      168u
#define BH_CRC	      172u /* CRC-32 of [0, BH_CRC) */

/* offsets of the six u8 clock fields inside BH_PCFG */
#define BH_PCFG_XTAL	    0u
#define BH_PCFG_PLL	    1u
#define BH_PCFG_HCLK_DIV    2u
#define BH_PCFG_BCLK_DIV    3u
#define BH_PCFG_FLASH_CLK   4u
#define BH_PCFG_FLASH_CLKDV 5u

#define BH_MAGIC_BFNP 0x504E4642u /* "BFNP" read LE */
#define BH_MAGIC_BFAP 0x50414642u /* "BFAP" */
#define BH_MAGIC_FCFG 0x47464346u /* "FCFG" */
#define BH_MAGIC_PCFG 0x47464350u /* "PCFG" */
#define BH_DEADBEEF   0xDEADBEEFu /* stored CRC / first hash word when the check is ignored */

/* bootCfg bits (doc/flash-layout.md §2.3) */
#define BH_CFG_SIGN_SHIFT      0u /* 2 bits */
#define BH_CFG_ENCRYPT_SHIFT   2u /* 2 bits */
#define BH_CFG_KEY_SEL_SHIFT   4u /* 2 bits */
#define BH_CFG_NO_SEGMENT      (1u << 8)
#define BH_CFG_CACHE_ENABLE    (1u << 9)
#define BH_CFG_NOT_LOAD	       (1u << 10)
#define BH_CFG_AES_LOCK	       (1u << 11)
#define BH_CFG_CACHE_WAY_SHIFT 12u /* 4 bits */
#define BH_CFG_CRC_IGNORE      (1u << 16)
#define BH_CFG_HASH_IGNORE     (1u << 17)
#define BH_CFG_HALT_CPU1       (1u << 18)

/* ---- segment header of a loader image (doc/protocol.md §6.3), 16 bytes after the header ------ */

#define SEG_HDR_LEN  16u
#define SEG_DEST     0u
#define SEG_LEN	     4u
#define SEG_DATA_CRC 8u
#define SEG_HDR_CRC  12u	    /* CRC-32 of [0, SEG_HDR_CRC) */
#define SEG_MAX_LEN  (256u * 1024u) /* BL602 RAM is 276 KiB; a loader is ~38 KiB */

#endif
