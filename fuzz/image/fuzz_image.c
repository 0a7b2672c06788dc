/* SPDX-License-Identifier: MIT */
/* Whole-dump inspect, check and scrub on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_image_info *in = NULL;
	struct blr_check_result r;
	struct blr_scrub_report rep;
	/* SSID only: the PMK (4096 PBKDF2 rounds) would make every run slow */
	struct blr_scrub_opts o = {"TestNet", NULL};

	if (blr_image_inspect(data, size, &in) == 0) {
		blr_image_judge(in, 0, &r);
		blr_image_judge(in, 2u << 20, &r);
		blr_image_info_free(in);
	}
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (blr_image_scrub(copy, size, &o, &rep) == 0) {
		for (size_t i = 0; i < rep.n; i++)
			if ((uint64_t)rep.c[i].offset + rep.c[i].length > size)
				abort();
		blr_scrub_report_free(&rep);
	}
	free(copy);
	return 0;
}
