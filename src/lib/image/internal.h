/* SPDX-License-Identifier: MIT */
/* Helpers shared by the image modules (not public). */
#ifndef BLR_IMAGE_INTERNAL_H
#define BLR_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/image.h"

void blr_find_versions(const uint8_t *img, size_t n, struct blr_fw_slot *s);
void blr_find_boot2_date(const uint8_t *img, size_t n, char *date, size_t dcap, char *tim,
			 size_t tcap);

/* OpenBeken config field table (§5.6). */
extern const struct blr_obk_field_info blr_obk_fields[];
extern const size_t blr_obk_field_cnt;

/* Names of EasyFlash keys that hold secrets (§5.5). */
bool blr_secret_key(const char *name, size_t name_len);

#endif
