/* SPDX-License-Identifier: MIT */
/* Load a file from $BLR_FIXTURES (the two real 2 MiB dumps). */
#ifndef BLR_TEST_FIXTURE_H
#define BLR_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static inline unsigned char *load_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("BLR_FIXTURES");
	char path[4096];
	FILE *f;
	unsigned char *buf;

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(4u << 20);
	if (buf)
		*len = fread(buf, 1, 4u << 20, f);
	fclose(f);
	return buf;
}

#endif
