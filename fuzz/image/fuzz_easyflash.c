/* SPDX-License-Identifier: MIT */
/* EasyFlash walker on arbitrary partition bytes; every reported range is read back. */
#include <stdint.h>
#include <stdlib.h>

#include "blrescue/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const uint8_t *d;
	size_t n;
	unsigned sum;
};

static int on_entry(void *p, const struct blr_ef_entry *e)
{
	struct ctx *c = p;

	if (e->offset >= c->n)
		abort();
	if (e->fits) {
		if ((uint64_t)e->value_off + e->value_len > c->n || e->name_off > c->n)
			abort();
		for (uint32_t i = 0; i < e->value_len; i++)
			c->sum += c->d[e->value_off + i];
		(void)blr_obk_cfg_valid(c->d + e->value_off, e->value_len);
	}
	return 0;
}

static int on_sector(void *p, const struct blr_ef_sector *s)
{
	struct ctx *c = p;

	if (s->offset >= c->n)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = {data, size, 0};

	blr_ef_walk(data, size, 0, on_sector, on_entry, &c);
	if (size >= 5)
		(void)blr_ef_status(data, 5);
	(void)blr_crc8_obk(data, size);
	return (int)(c.sum & 0);
}
