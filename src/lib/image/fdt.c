/* SPDX-License-Identifier: MIT */
/* Minimal, bounds-checked flattened-device-tree walker for the factory partition. */
#include <string.h>

#include "blrescue/image.h"
#include "common/bytes.h"

#define FDT_MAGIC	0xD00DFEEDu
#define FDT_BEGIN_NODE	1u
#define FDT_END_NODE	2u
#define FDT_PROP	3u
#define FDT_NOP		4u
#define FDT_END		9u
#define FDT_HDR_LEN	40u /* header fields below, big-endian u32 */
#define FDT_TOTALSIZE	4u
#define FDT_OFF_STRUCT	8u
#define FDT_OFF_STRS	12u
#define FDT_VERSION	20u
#define FDT_SIZE_STRS	32u
#define FDT_SIZE_STRUCT 36u
#define MAX_DEPTH	16
#define MAX_PATH	256

static size_t align4(size_t v)
{
	return (v + 3u) & ~(size_t)3u;
}

int blr_fdt_walk(const uint8_t *fdt, size_t len, uint32_t base, struct blr_fdt_info *info,
		 blr_fdt_prop_fn fn, void *ctx)
{
	struct blr_fdt_info dummy;
	char path[MAX_PATH];
	size_t plen[MAX_DEPTH + 1];
	int depth = 0;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (!fdt)
		return BLR_E_INVAL;
	if (len < FDT_HDR_LEN)
		return BLR_E_FORMAT;
	info->magic_ok = get_be32(fdt) == FDT_MAGIC;
	info->totalsize = get_be32(fdt + FDT_TOTALSIZE);
	info->size_ok = info->totalsize >= FDT_HDR_LEN && info->totalsize <= len;
	if (!info->magic_ok || !info->size_ok)
		return BLR_E_FORMAT;
	size_t total = info->totalsize;
	size_t off_struct = get_be32(fdt + FDT_OFF_STRUCT),
	       off_strings = get_be32(fdt + FDT_OFF_STRS);
	size_t size_strings = get_be32(fdt + FDT_SIZE_STRS);
	size_t size_struct = get_be32(fdt + FDT_SIZE_STRUCT);
	uint32_t version = get_be32(fdt + FDT_VERSION);

	if (off_struct > total || off_strings > total)
		return BLR_E_FORMAT;
	if (size_strings > total - off_strings)
		size_strings = total - off_strings;
	size_t end = total;

	if (version >= 17 && size_struct <= total - off_struct)
		end = off_struct + size_struct;
	size_t p = off_struct;

	path[0] = 0;
	plen[0] = 0;
	while (p + 4 <= end) {
		uint32_t tok = get_be32(fdt + p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			size_t s = p;

			while (p < end && fdt[p])
				p++;
			if (p >= end)
				return BLR_E_FORMAT;
			size_t nl = p - s;

			p = align4(p + 1);
			if (depth >= MAX_DEPTH)
				return BLR_E_FORMAT;
			size_t cur = plen[depth];

			/* root node has an empty name: path "/" only once children appear */
			if (depth > 0 || nl > 0) {
				if (cur + 1 + nl + 1 > MAX_PATH)
					return BLR_E_FORMAT;
				path[cur] = '/';
				memcpy(path + cur + 1, fdt + s, nl);
				cur += 1 + nl;
				path[cur] = 0;
			}
			plen[++depth] = cur;
			info->nodes++;
		} else if (tok == FDT_END_NODE) {
			if (depth == 0)
				return BLR_E_FORMAT;
			depth--;
			path[plen[depth]] = 0;
		} else if (tok == FDT_PROP) {
			if (p + 8 > end || depth == 0)
				return BLR_E_FORMAT;
			size_t vlen = get_be32(fdt + p), noff = get_be32(fdt + p + 4);

			p += 8;
			if (vlen > end - p || noff >= size_strings)
				return BLR_E_FORMAT;
			const char *nm = (const char *)fdt + off_strings + noff;
			size_t maxn = size_strings - noff;

			if (!memchr(nm, 0, maxn))
				return BLR_E_FORMAT;
			info->props++;
			if (fn && fn(ctx, plen[depth] ? path : "/", nm, base + (uint32_t)p,
				     (uint32_t)vlen) != 0)
				return BLR_OK;
			p = align4(p + vlen);
		} else if (tok == FDT_NOP) {
			continue;
		} else if (tok == FDT_END) {
			info->walk_ok = depth == 0;
			return info->walk_ok ? BLR_OK : BLR_E_FORMAT;
		} else {
			return BLR_E_FORMAT;
		}
	}
	return BLR_E_FORMAT;
}
