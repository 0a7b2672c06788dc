/* SPDX-License-Identifier: MIT */
/*
 * What blrescue knows about BL602 chip markings and SPI-flash parts (doc/flash-layout.md §7,
 * doc/protocol.md JEDEC-2). One table, used by `blrescue info` and printed by `blrescue chips`.
 */
#ifndef BLRESCUE_CHIPDB_H
#define BLRESCUE_CHIPDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct blr_flash_part {
	uint8_t jedec[3];   /* manufacturer, memory type, capacity */
	const char *vendor; /* "Winbond" */
	const char *part;   /* "W25Q16JV" or NULL when only the size is known */
	uint32_t size;	    /* bytes */
	const char *source; /* where the row comes from: "SDK", "MCU", "SDK+MCU" */
};

struct blr_chip_marking {
	const char *marking; /* "BL602C20" */
	uint32_t flash_size; /* in-package flash in bytes, 0 = none (external flash) */
	const char *note;    /* evidence / caveat */
};

/* Size in bytes implied by a JEDEC capacity byte: 512 KiB << ((cap & 0x1F) - 0x13) for
 * cap & 0x1F in 0x13..0x18 (also covers Macronix 0x3x codes); 0 = unknown/absurd. */
uint32_t blr_jedec_flash_size(uint8_t capacity);
/* Exact row for a JEDEC id, or NULL. */
const struct blr_flash_part *blr_flash_part_lookup(const uint8_t jedec[3]);
/* Vendor name for a manufacturer byte, or NULL. */
const char *blr_flash_vendor_name(uint8_t mid);

size_t blr_flash_part_count(void);
const struct blr_flash_part *blr_flash_part_at(size_t i);
size_t blr_chip_marking_count(void);
const struct blr_chip_marking *blr_chip_marking_at(size_t i);

#ifdef __cplusplus
}
#endif

#endif
