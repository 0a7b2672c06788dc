/* SPDX-License-Identifier: MIT */
/* The official eflash_loader files, known by SHA-256 (doc/protocol.md §8.3): facts and hashes
 * only, never the files. */
#ifndef BLR_LIB_LOADER_H
#define BLR_LIB_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"

/* What a build is known to do (§8.3, BUILD-1); blr_loader_parse() copies it into struct
 * blr_loader_info. Builds without it get the conservative values of BUILD-2. */
struct loader_features {
	bool deadbeef_style;	   /* DEADBEEF + ignore bits (new) or real CRC + SHA (old) */
	bool has_get_boot_info;	   /* answers 0x10 (the 24-command set) */
	bool has_decompress_write; /* implements 0x3F (the 24-command set) */
	bool has_pd;		   /* sends "PD" during erases */
	uint32_t frame_limit;	   /* largest request payload N */
	unsigned rx_timeout_ms;	   /* per-frame receive timeout */
};

/* The chip a file is for (BUILD-3): only BL602 files are accepted. */
enum loader_chip {
	CHIP_BL602 = 0,
	CHIP_BL702,
	CHIP_BL606P,
	CHIP_BL606P_BL702, /* one eflash_loader_none.bin shipped for both */
	CHIP_BL60X,	   /* the legacy BL60x family ("bl60x"/"bl56x" folders) */
	CHIP_COUNT,
};

#define XTAL_RC 0u /* xtal_khz of a build for no crystal (internal RC oscillator) */

/* One official file. */
struct loader_build {
	enum loader_chip chip;
	uint32_t xtal_khz; /* the crystal it is built for; XTAL_RC: the none/rc32m files */
	const char *files; /* its official name(s), ", "-separated */
	size_t size;
	const char *releases;	/* the bflb-mcu-tool releases that ship it; NULL: another origin */
	const char *sha256_hex; /* of the whole file, lower case */
	const char *name;	/* features known: the build's name (§8.3), else NULL */
	const struct loader_features *feat; /* NULL: features not known */
};

/* The table and its length. */
const struct loader_build *loader_known_builds(size_t *n);
/* The row of the file with this size and SHA-256, or NULL. */
const struct loader_build *loader_identify(size_t size, const uint8_t sha256[32]);
/* blr_loader_parse after the identification (b: the file's row or NULL; sha256: of the file):
 * refuses another chip's file (BLR_E_FORMAT, *info then filled with what it is), checks the
 * image (UPL-1) and fills *info. Separate so that the tests can give any row. */
int loader_parse_identified(const uint8_t *buf, size_t len, const uint8_t sha256[32],
			    const struct loader_build *b, struct blr_loader_info *info,
			    const char **why);

/* Conservative assumptions for an unknown (valid) loader. */
#define LOADER_UNKNOWN_FRAME_LIMIT 0x2404u
#define LOADER_UNKNOWN_RX_TIMEOUT  2000u

#endif
