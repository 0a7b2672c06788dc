/* SPDX-License-Identifier: MIT */
/* Load a file from $BLR_FIXTURES (the two real 2 MiB dumps). */
#ifndef BLR_TEST_FIXTURE_H
#define BLR_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/* NULL when the file is missing (a public clone has no ../shared/fixtures): the caller then
 * calls skip(), and the TAP comment printed here is the reason tests/tap_skip.sh gives. */
static inline unsigned char *load_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("BLR_FIXTURES");
	char path[4096];
	FILE *f;
	unsigned char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
	f = dir ? fopen(path, "rb") : NULL;
	if (!f) {
		printf("# skip reason: needs %s of ../shared/fixtures (not in a public clone)\n",
		       name);
		fflush(stdout);
		return NULL;
	}
	buf = malloc(4u << 20);
	if (buf)
		*len = fread(buf, 1, 4u << 20, f);
	fclose(f);
	return buf;
}

#endif
