/* SPDX-License-Identifier: MIT */
/* Device-tree walker on arbitrary bytes; every property value range is read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t *d;
	size_t n;
	unsigned sum;
};

static int on_prop(void *p, const char *path, const char *name, uint32_t voff, uint32_t vlen)
{
	struct ctx *c = p;

	if ((uint64_t)voff + vlen > c->n)
		abort();
	c->sum += (unsigned)strlen(path) + (unsigned)strlen(name);
	for (uint32_t i = 0; i < vlen; i++)
		c->sum += c->d[voff + i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = {data, size, 0};
	struct blr_fdt_info fi;

	blr_fdt_walk(data, size, 0, &fi, on_prop, &c);
	return (int)(c.sum & 0);
}
