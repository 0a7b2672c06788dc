/* SPDX-License-Identifier: MIT */
/*
 * Offline analysis of BL602 flash dumps (image-format.md): boot headers, partition tables,
 * firmware slots, the EasyFlash settings store, validity checks and secret scrubbing.
 * Pure functions over caller buffers; nothing prints, nothing does I/O.
 *
 * (Minimal contract; the image module extends this header.)
 */
#ifndef BLRESCUE_IMAGE_H
#define BLRESCUE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum blr_verdict {
	BLR_VERDICT_OK = 0,          /* complete and bootable */
	BLR_VERDICT_SUSPICIOUS = 1,  /* reasons given */
	BLR_VERDICT_NOT_BL602 = 2,   /* not a BL602 flash dump */
};

struct blr_check_result {
	enum blr_verdict verdict;
	char summary[512]; /* one line a user can read: "complete and bootable (2 MiB, ...)" */
};

/* Judge a whole-flash dump. flash_size: the chip's size if known (0 = unknown). */
int blr_image_check(const uint8_t *buf, size_t len, uint32_t flash_size,
		    struct blr_check_result *res);

#ifdef __cplusplus
}
#endif

#endif
