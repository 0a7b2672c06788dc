/* SPDX-License-Identifier: MIT */
/* Helpers of the image tests: inspect or check a buffer, look for a problem (cmocka). */
#ifndef BLR_TEST_IMAGE_ASSERTS_H
#define BLR_TEST_IMAGE_ASSERTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/image.h"

static inline struct blr_image_info *inspect(const uint8_t *b, size_t n)
{
	struct blr_image_info *in = NULL;

	assert_int_equal(blr_image_inspect(b, n, &in), BLR_OK);
	assert_non_null(in);
	return in;
}

static inline enum blr_verdict verdict(const uint8_t *b, size_t n, char *summary)
{
	struct blr_check_result r;

	assert_int_equal(blr_image_check(b, n, 0, &r), BLR_OK);
	if (summary)
		strcpy(summary, r.summary);
	return r.verdict;
}

static inline bool has_problem(const struct blr_image_info *in, enum blr_problem_code code,
			       enum blr_severity sev)
{
	for (size_t i = 0; i < in->n_problems; i++)
		if (in->problems[i].code == code && in->problems[i].sev == sev)
			return true;
	return false;
}

static inline size_t count_sev(const struct blr_image_info *in, enum blr_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < in->n_problems; i++)
		n += in->problems[i].sev == sev;
	return n;
}

#endif
