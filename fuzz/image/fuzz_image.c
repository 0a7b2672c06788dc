/* SPDX-License-Identifier: MIT */
/*
 * Whole-dump classify, inspect, check and scrub on arbitrary bytes. A dump that checks as
 * complete and bootable still does after the scrub (doc/flash-layout.md §6.5), and every change
 * the scrub reports lies inside the dump.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blr_image_info *in = NULL;
	struct blr_check_result before, after;
	struct blr_scrub_report rep;
	struct blr_image_class cl;
	/* SSID only: the PMK (4096 PBKDF2 rounds) would make every run slow */
	struct blr_scrub_opts o = {"TestNet", NULL};

	if (blr_image_classify(data, size, &cl) != 0 || cl.what[sizeof(cl.what) - 1] != 0)
		abort();
	if (blr_image_inspect(data, size, &in) != 0)
		return 0;
	blr_image_judge(in, 2u << 20, &before);
	blr_image_judge(in, 0, &before);
	blr_image_info_free(in);
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
		if (blr_image_check(copy, size, 0, &after) == 0 && after.verdict > before.verdict)
			abort(); /* the scrub made a dump check worse */
	}
	free(copy);
	return 0;
}
