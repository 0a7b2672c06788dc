/* SPDX-License-Identifier: MIT */
/*
 * Builds synthetic BL602 flash images for the tests straight from doc/flash-layout.md (byte
 * offsets written out here, independently of the library's parsers).
 */
#ifndef BLR_TEST_SYNTH_IMAGE_H
#define BLR_TEST_SYNTH_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define SYN_SIZE	(2u << 20)
#define SYN_FW0		0x10000u
#define SYN_FW0_LEN	0xC8000u
#define SYN_FW1		0xD8000u
#define SYN_FW1_LEN	0x88000u
#define SYN_MFG		0x160000u
#define SYN_MEDIA	0x192000u
#define SYN_PSM		0x1E9000u
#define SYN_PSM_LEN	0x8000u
#define SYN_KEY		0x1F1000u
#define SYN_DATA	0x1F3000u
#define SYN_FACTORY	0x1F8000u
#define SYN_FACTORY_LEN 0x7000u
#define SYN_BOOT2_LEN	1024u
#define SYN_APP_LEN	4096u

/* boot header fields */
void syn_header(uint8_t *h, uint32_t boot_cfg, uint32_t img_len, uint32_t img_start,
		const uint8_t *data);
void syn_header_crc(uint8_t *h); /* recompute the header CRC (bytes 0..171 -> 172) */

/* partition table at off: classic 2 MiB layout (§3.6), age, FW activeIndex */
void syn_ptable(uint8_t *img, uint32_t off, uint32_t age, uint8_t fw_active);
void syn_ptable_fix(uint8_t *img, uint32_t off); /* recompute both CRCs */

/* EasyFlash: sector header (store/dirty as status byte tables) */
void syn_ef_sector(uint8_t *s, const uint8_t store[3], const uint8_t dirty[3]);
/* Append a KV entry at *pos (offset within the sector). status: 5 bytes. Returns its offset. */
uint32_t syn_ef_entry(uint8_t *s, uint32_t *pos, const uint8_t status[5], const char *name,
		      const void *value, uint32_t vlen);

/* Minimal FDT with /wifi/sta {ssid,pwd}, /wifi/ap {ssid,pwd}, /wifi/mac {sta_mac_addr}. */
size_t syn_fdt(uint8_t *out, size_t cap, const char *sta_ssid, const char *sta_pwd,
	       const char *ap_ssid, const char *ap_pwd);

/* OpenBeken config value (3584 bytes, version 5) with wifi_ssid/pass set; CRC-8 valid. */
void syn_obk_cfg(uint8_t *v, const char *ssid, const char *pass);
uint8_t syn_crc8(const uint8_t *p, size_t n);

/* A complete valid 2 MiB image: boot2, both tables, FW slot 0 (slot 1 erased), PSM with
 * boot_times="3", factory FDT. Caller frees. */
uint8_t *syn_image(void);

#endif
