/* SPDX-License-Identifier: MIT */
/* Loader image parser fuzzer: any input is either rejected with a reason or yields facts
 * consistent with the input (sizes, segment within the file, sane limits). */
#include <stdlib.h>

#include "blrescue/blrescue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_loader_info li;
	const char *why = NULL;
	int r = blr_loader_parse(data, size, &li, &why);

	if (r == BLR_E_FORMAT && !why)
		abort();
	if (r == BLR_OK) {
		if (li.size != size || li.seg_len == 0 || li.seg_len > size)
			abort();
		if (li.frame_limit < 4096 || li.frame_limit > 0x4004 || li.rx_timeout_ms == 0)
			abort();
	}
	return 0;
}
