/* SPDX-License-Identifier: MIT */
/* Boot-header decode, image hash check and slot classification on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_bootheader h;
	struct blr_fw_slot s;

	if (blr_bootheader_parse(data, size, 0, &h) == 0) {
		blr_bootheader_check_image(data, size, h.img_start, &h);
		blr_bootheader_check_image(data, size, BLR_FW_DATA_OFFSET, &h);
		for (size_t i = 0; i < blr_fcfg_field_count(); i++)
			(void)blr_fcfg_field_value(&h, i);
	}
	memset(&s, 0, sizeof(s));
	blr_fw_slot_parse(data, size, 0, (uint32_t)size, &s);
	blr_fw_slot_parse(data, size, 0, 0xFFFFFFFFu, &s);
	if (size > 16)
		blr_fw_slot_parse(data, size, 16, (uint32_t)size, &s);
	return 0;
}
