/* SPDX-License-Identifier: MIT */
/*
 * BL602 UART ISP vocabulary: command ids with the vendor's names (doc/protocol.md §6.1, §7.2),
 * device error codes used by the library's logic (§10), frame constants (§3) and the one
 * per-command table of reply kind and timeout (§9.2). No logic lives here.
 */
#ifndef BLR_LIB_ISP_H
#define BLR_LIB_ISP_H

#include <stddef.h>
#include <stdint.h>

/* ---- command ids (ROM table §6.1 and loader table §7.2) -------------------------------------- */

enum isp_cmd {
	ISP_GET_BOOT_INFO = 0x10,
	ISP_LOAD_BOOT_HEADER = 0x11,
	ISP_LOAD_PUBLIC_KEY = 0x12,
	ISP_LOAD_SIGNATURE = 0x14,
	ISP_LOAD_AES_IV = 0x16,
	ISP_LOAD_SEG_HEADER = 0x17,
	ISP_LOAD_SEG_DATA = 0x18,
	ISP_CHECK_IMAGE = 0x19,
	ISP_RUN_IMAGE = 0x1A,
	ISP_CHANGE_RATE = 0x20,
	ISP_RESET = 0x21,
	ISP_FLASH_ERASE = 0x30,
	ISP_FLASH_WRITE = 0x31,
	ISP_FLASH_READ = 0x32,
	ISP_FLASH_BOOT = 0x33,
	ISP_FLASH_XIP_READ = 0x34,
	ISP_FLASH_READ_JEDEC_ID = 0x36,
	ISP_FLASH_READ_STATUS_REG = 0x37,
	ISP_FLASH_WRITE_STATUS_REG = 0x38,
	ISP_FLASH_WRITE_CHECK = 0x3A,
	ISP_FLASH_SET_PARA = 0x3B,
	ISP_FLASH_CHIP_ERASE = 0x3C,
	ISP_FLASH_READ_SHA256 = 0x3D,
	ISP_FLASH_XIP_READ_SHA256 = 0x3E,
	ISP_FLASH_DECOMPRESS_WRITE = 0x3F,
	ISP_EFUSE_WRITE = 0x40,
	ISP_EFUSE_READ = 0x41,
	ISP_EFUSE_READ_MAC = 0x42,
	ISP_MEMORY_WRITE = 0x50,
	ISP_MEMORY_READ = 0x51,
	ISP_FLASH_XIP_READ_START = 0x60,
	ISP_FLASH_XIP_READ_FINISH = 0x61,
	ISP_LOG_READ = 0x71,
};

/* ---- device error codes the library reacts to (§10; names in err.c) -------------------------- */

enum isp_fl_code {
	ISP_FL_FLASH_WRITE_ERROR = 0x0006,	/* late, after the early OK of 0x31 (ORD-2) */
	ISP_FL_DECOMPRESS_WRITE_ERROR = 0x000B, /* late, after the early OK of 0x3F */
	ISP_FL_XZ_ERROR = 0x000C,		/* late, 0x3F stream undecodable, not latched */
	ISP_FL_CMD_LEN_ERROR = 0x0102,		/* handshake leftovers (HS-8, REC-1) */
	ISP_FL_CMD_CRC_ERROR = 0x0103,		/* loader checksum mismatch (CKS-3) */
};

/* ---- framing (§3) ----------------------------------------------------------------------- */

#define ISP_REQ_HDR_LEN		4u	/* id, checksum, u16 LE length */
#define ISP_MAX_PAYLOAD_FIELD	0xFFFFu /* u16 length field */
#define ISP_ROM_MAX_PAYLOAD	4092u	/* LIM-1 */
#define ISP_LDR_OLD_MAX_PAYLOAD 0x2404u /* 22 064 / 29 264-byte builds, buffer 0x2408 */
#define ISP_LDR_NEW_MAX_PAYLOAD 0x4004u /* >= 37 376-byte builds, buffer 0x4008 */
#define ISP_READ_CLAMP_NEW	0x4004u /* 0x32 length clamp of new builds (READ-2) */

/* Two-byte reply tags (§3.4). */
#define ISP_TAG_OK_0 0x4F /* 'O' */
#define ISP_TAG_OK_1 0x4B /* 'K' */
#define ISP_TAG_FL_0 0x46 /* 'F' */
#define ISP_TAG_FL_1 0x4C /* 'L' */
#define ISP_TAG_PD_0 0x50 /* 'P' */
#define ISP_TAG_PD_1 0x44 /* 'D' */

/* ---- handshake (§2) -------------------------------------------------------------------------- */

#define ISP_SYNC_BYTE	      0x55
#define ISP_SYNC_BURST_US     6000u   /* 6 ms of 0x55: count = 0.006 * baud / 10 */
#define ISP_SYNC_MAX_US	      7000u   /* never longer (HS-2, HS-8, HS-9) */
#define ISP_SYNC_MIN_BYTES    16u     /* at low bauds only as far as ISP_SYNC_MAX_US allows */
#define ISP_SYNC_REPLY_MS     100u    /* window after the burst to collect "OK" */
#define ISP_SYNC_SETTLE_MS    30u     /* wait after OK, then flush (HS-5) */
#define ISP_RUN_TO_SYNC_MS    100u    /* after run_image's OK, before the loader handshake */
#define ISP_ROM_FALLBACK_BAUD 115200u /* ROM handshake when the ROM baud fails (BAUD-2) */
#define ISP_ROM_IDLE_SYNC_MS  2000u   /* ROM drops to handshake after 2 s idle (ROM-TO-1) */

/* ---- get_boot_info (§6.2) -------------------------------------------------------------------- */

#define ISP_BOOT_INFO_LEN	20u
#define ISP_BOOT_INFO_OTP_OFF	4u
#define ISP_BOOT_INFO_OTP_LEN	16u
#define ISP_BOOT_VERSION_LOADER 0xFFFFFFFFu
#define ISP_OTP_SIGN		0u /* offsets inside the 16 OTP bytes */
#define ISP_OTP_ENCRYPT		1u
#define ISP_OTP_SW_CFG0		4u
#define ISP_OTP_CHIP_ID		8u
#define ISP_CHIP_ID_LEN		8u
#define ISP_MAC_LEN		6u

/* ---- loader upload (§8.2; the image layout is in bootheader.h) ------------------------------- */

#define ISP_SEG_CHUNK 4080u /* 0x18 data chunk: official choice, <= 4092 (UPL-3) */

/* ---- fixed reply lengths -------------------------------------------------------------------- */

#define ISP_JEDEC_LEN	  4u
#define ISP_JEDEC_KNOWN	  0x80u /* flags byte: flash recognised by the loader */
#define ISP_SHA256_LEN	  32u
#define ISP_MAC_REPLY_LEN 10u /* MAC[6] + CRC32 LE */
#define ISP_ADDR_LEN	  4u  /* u32 flash address leading 0x31/0x3F payloads and ranges */
#define ISP_RANGE_LEN	  8u  /* addr u32 + len/end u32 */

/* PD may extend an erase's wait by at most this much in total (a 16 MiB chip erase takes up
 * to a few minutes on slow parts); a device that sends PD for ever is given up on. */
#define ISP_PD_MAX_WAIT_MS (10u * 60u * 1000u)

/* ---- per-command table (RPL-1 reply kind, §9.2 timeouts) ------------------------------------- */

enum isp_reply {
	ISP_REPLY_ACK,	/* "OK" */
	ISP_REPLY_DATA, /* "OK" + u16 length + data */
};

struct isp_cmd_spec {
	uint8_t id;
	const char *name;
	enum isp_reply reply;
	unsigned timeout_ms;	     /* for one reply (restarted on PD) */
	unsigned timeout_ms_per_mib; /* added per MiB of the range, counted per started 64 KiB
				      * (SHA-256, erase: a 64 KiB block erase takes up to 1.2 s) */
};

/* The table row for id, or a generic row (ack, 2 s) for ids not in the table. Never NULL. */
const struct isp_cmd_spec *isp_cmd_spec(uint8_t id);
/* Timeout for one reply of command id over len bytes, plus twice the line time of
 * reply_bytes at baud. */
unsigned isp_timeout_ms(uint8_t id, uint64_t len, size_t reply_bytes, unsigned baud);

#endif
