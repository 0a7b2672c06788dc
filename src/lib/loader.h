/* SPDX-License-Identifier: MIT */
/* Known official eflash_loader builds (protocol.md §5.5): facts and hashes only. */
#ifndef BLR_LIB_LOADER_H
#define BLR_LIB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a build is known to do; blr_loader_parse() copies these into struct blr_loader_info. */
struct loader_build {
	const char *name;
	size_t size;
	const char *sha256_hex;
	bool deadbeef_style;	   /* DEADBEEF + ignore bits (new) or real CRC + SHA (old) */
	bool has_get_boot_info;	   /* answers 0x10 (the 24-command set) */
	bool has_decompress_write; /* implements 0x3F (the 24-command set) */
	bool has_pd;		   /* sends "PD" during erases */
	uint32_t frame_limit;	   /* largest request payload N */
	unsigned rx_timeout_ms;	   /* per-frame receive timeout */
};

/* The table and its length. */
const struct loader_build *loader_known_builds(size_t *n);

/* Conservative assumptions for an unknown (valid) loader. */
#define LOADER_UNKNOWN_FRAME_LIMIT 0x2404u
#define LOADER_UNKNOWN_RX_TIMEOUT  2000u

#endif
