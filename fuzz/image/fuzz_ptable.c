/* SPDX-License-Identifier: MIT */
/* Partition-table decode and active-table choice on arbitrary bytes. */
#include <stdint.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_ptable a, b;
	uint32_t half = (uint32_t)(size / 2);

	blr_ptable_parse(data, size, 0, &a);
	blr_ptable_parse(data, size, half, &b);
	(void)blr_ptable_active(&a, &b);
	(void)blr_ptable_find(&a, "PSM");
	(void)blr_ptable_fw(&b);
	return 0;
}
