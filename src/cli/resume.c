/* SPDX-License-Identifier: MIT */
/*
 * The sidecar of an interrupted read (resume.h). Only C stdio and the command's own file
 * helpers (cli_read_file, cli_write_file_atomic: temp file, fsync, rename) touch files here.
 *
 * Format, version 1 (integers little-endian):
 *     0  16  magic "BLRESCUE-RESUME\n"
 *    16   4  format version (1)
 *    20   4  range start (flash address)
 *    24   4  range length (bytes, > 0)
 *    28   4  flash size (bytes)
 *    32   3  JEDEC id: manufacturer, type, capacity
 *    35   1  0
 *    36   6  MAC, display order
 *    42   2  0
 *    44   4  number of blocks N
 *    48 44N  blocks: address (4), length (4, > 0), flags (4; bit 0: every byte 0xFF, no data
 *            stored; other bits 0), the SHA-256 the chip confirmed for it (32); each block lies
 *            inside the range
 *     .   .  the bytes of each block without flag bit 0, in block order
 *   end  32  SHA-256 of everything before it
 * Blocks may overlap (a rerun's blocks next to the ones it was given); their bytes agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "resume.h"

#define MAGIC	    "BLRESCUE-RESUME\n"
#define MAGIC_LEN   16u
#define VERSION	    1u
#define HDR_LEN	    48u
#define BLK_LEN	    44u
#define TRAILER_LEN 32u
#define F_BLANK	    1u
#define FILE_MAX    (3u * CLI_INPUT_MAX) /* blocks may overlap: more than the range */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int cli_resume_init(struct cli_resume *r, const char *path)
{
	FILE *f;
	int n;

	memset(r, 0, sizeof(*r));
	n = snprintf(r->path, sizeof(r->path), "%s%s", path, CLI_RESUME_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(r->path))
		return -1;
	f = fopen(r->path, "rb");
	r->found = f != NULL || errno != ENOENT;
	if (f)
		fclose(f);
	return 0;
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

int cli_resume_encode(const struct cli_resume_id *id, const struct blr_block *blk, size_t n,
		      const uint8_t *buf, uint8_t **out, size_t *out_len)
{
	uint64_t size = HDR_LEN + (uint64_t)BLK_LEN * n + TRAILER_LEN;
	uint8_t *o, *d;

	for (size_t i = 0; i < n; i++)
		if (!all_ff(buf + (blk[i].addr - id->addr), blk[i].len))
			size += blk[i].len;
	if (size > SIZE_MAX || !(o = calloc(1, (size_t)size)))
		return -1;
	memcpy(o, MAGIC, MAGIC_LEN);
	put_le32(o + 16, VERSION);
	put_le32(o + 20, id->addr);
	put_le32(o + 24, id->len);
	put_le32(o + 28, id->flash_size);
	memcpy(o + 32, id->jedec, 3);
	memcpy(o + 36, id->mac, 6);
	put_le32(o + 44, (uint32_t)n);
	d = o + HDR_LEN + (size_t)BLK_LEN * n;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = o + HDR_LEN + (size_t)BLK_LEN * i;
		const uint8_t *src = buf + (blk[i].addr - id->addr);
		bool blank = all_ff(src, blk[i].len);

		put_le32(e, blk[i].addr);
		put_le32(e + 4, blk[i].len);
		put_le32(e + 8, blank ? F_BLANK : 0u);
		memcpy(e + 12, blk[i].sha256, 32);
		if (!blank) {
			memcpy(d, src, blk[i].len);
			d += blk[i].len;
		}
	}
	if (blr_sha256(o, (size_t)size - TRAILER_LEN, o + size - TRAILER_LEN)) {
		free(o);
		return -1;
	}
	*out = o;
	*out_len = (size_t)size;
	return 0;
}

/* Check the structure of a sidecar's bytes (d, n): 0, or -1 with *why. */
static int check_format(const uint8_t *d, size_t n, const char **why)
{
	uint8_t h[32];
	uint64_t nb, data = 0, end, room;
	uint32_t addr, len;

	if (n < MAGIC_LEN || memcmp(d, MAGIC, MAGIC_LEN)) {
		*why = "it is not a blrescue resume file";
		return -1;
	}
	if (n < HDR_LEN + TRAILER_LEN || blr_sha256(d, n - TRAILER_LEN, h) ||
	    memcmp(h, d + n - TRAILER_LEN, 32)) {
		*why = "it is damaged (truncated, or its checksum does not match)";
		return -1;
	}
	if (get_le32(d + 16) != VERSION) {
		*why = "it was written by another version of blrescue";
		return -1;
	}
	addr = get_le32(d + 20);
	len = get_le32(d + 24);
	end = (uint64_t)addr + len;
	nb = get_le32(d + 44);
	room = n - HDR_LEN - TRAILER_LEN;
	*why = "its contents are inconsistent";
	if (len == 0 || nb > room / BLK_LEN)
		return -1;
	for (uint64_t i = 0; i < nb; i++) {
		const uint8_t *e = d + HDR_LEN + BLK_LEN * i;
		uint32_t ba = get_le32(e), bl = get_le32(e + 4), fl = get_le32(e + 8);

		if (bl == 0 || ba < addr || (uint64_t)ba + bl > end || (fl & ~F_BLANK))
			return -1;
		if (!(fl & F_BLANK))
			data += bl;
	}
	if (data != room - BLK_LEN * nb)
		return -1;
	*why = NULL;
	return 0;
}

int cli_resume_load(struct cli_resume *r, const char **why)
{
	uint8_t *d;
	size_t n;

	if (cli_read_file(r->path, FILE_MAX, &d, &n)) {
		*why = errno == EFBIG ? "it is too large to be a resume file" : strerror(errno);
		return -1;
	}
	if (check_format(d, n, why)) {
		free(d);
		return -1;
	}
	r->data = d;
	r->data_len = n;
	r->data_off = HDR_LEN + (size_t)BLK_LEN * get_le32(d + 44);
	r->id.addr = get_le32(d + 20);
	r->id.len = get_le32(d + 24);
	r->id.flash_size = get_le32(d + 28);
	memcpy(r->id.jedec, d + 32, 3);
	memcpy(r->id.mac, d + 36, 6);
	r->loaded = true;
	return 0;
}

void cli_resume_id_of(struct cli_resume_id *id, const struct blr_chip_info *info, uint32_t addr,
		      uint32_t len)
{
	memset(id, 0, sizeof(*id));
	id->addr = addr;
	id->len = len;
	id->flash_size = info->flash_size;
	memcpy(id->jedec, info->jedec, 3);
	memcpy(id->mac, info->mac, 6);
}

bool cli_resume_matches(const struct cli_resume *r, const struct cli_resume_id *want,
			const char **why)
{
	const struct cli_resume_id *h = &r->id;

	if (memcmp(h->mac, want->mac, 6) || memcmp(h->jedec, want->jedec, 3) ||
	    h->flash_size != want->flash_size) {
		*why = "another chip";
		return false;
	}
	if (h->addr != want->addr || h->len != want->len) {
		*why = "another range";
		return false;
	}
	*why = NULL;
	return true;
}

static bool block_ok(const struct blr_block *b, uint32_t base, const uint8_t *buf)
{
	uint8_t h[32];

	return blr_sha256(buf + (b->addr - base), b->len, h) == 0 && !memcmp(h, b->sha256, 32);
}

static int by_addr(const void *a, const void *b)
{
	const struct blr_block *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->len == y->len ? 0 : x->len > y->len ? -1 : 1; /* the longer first */
}

/* Keep the blocks of b[0..*n) whose bytes in buf (the range's, from base) still have their
 * SHA-256, sorted, without those inside another; returns the bytes they cover. */
static uint64_t prune(struct blr_block *b, size_t *n, uint32_t base, const uint8_t *buf)
{
	size_t k = 0, m = 0;
	uint64_t end = 0, covered = 0;

	for (size_t i = 0; i < *n; i++)
		if (block_ok(&b[i], base, buf))
			b[k++] = b[i];
	if (k)
		qsort(b, k, sizeof(b[0]), by_addr);
	for (size_t i = 0; i < k; i++) {
		uint64_t be = (uint64_t)b[i].addr + b[i].len;

		if (m && be <= end)
			continue; /* inside the kept block that reaches furthest */
		covered += be - (b[i].addr > end ? b[i].addr : end);
		end = be;
		b[m++] = b[i];
	}
	*n = m;
	return covered;
}

static int push(struct cli_resume *r, const struct blr_block *b)
{
	if (r->nblk == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct blr_block *n = realloc(r->blk, cap * sizeof(*n));

		if (!n)
			return -1;
		r->blk = n;
		r->cap = cap;
	}
	r->blk[r->nblk++] = *b;
	return 0;
}

uint64_t cli_resume_fill(struct cli_resume *r, uint8_t *buf)
{
	const uint8_t *d = r->data;
	size_t nb, p = r->data_off;

	if (!r->loaded)
		return 0;
	nb = get_le32(d + 44);
	free(r->held);
	r->nheld = 0;
	r->held = calloc(nb ? nb : 1, sizeof(*r->held));
	if (!r->held)
		return 0;
	for (size_t i = 0; i < nb; i++) {
		const uint8_t *e = d + HDR_LEN + (size_t)BLK_LEN * i;
		struct blr_block *b = &r->held[i];
		uint8_t *dst;

		b->addr = get_le32(e);
		b->len = get_le32(e + 4);
		memcpy(b->sha256, e + 12, 32);
		dst = buf + (b->addr - r->id.addr);
		if (get_le32(e + 8) & F_BLANK) {
			memset(dst, 0xFF, b->len);
		} else {
			memcpy(dst, d + p, b->len);
			p += b->len;
		}
	}
	r->nheld = nb;
	return prune(r->held, &r->nheld, r->id.addr, buf);
}

void cli_resume_block(void *user, const struct blr_block *b)
{
	struct cli_resume *r = user;

	if (push(r, b))
		r->lost = true;
}

int cli_resume_save(struct cli_resume *r, const struct cli_resume_id *id, const uint8_t *buf,
		    uint64_t *kept)
{
	uint8_t *o;
	size_t n;
	int rc;

	*kept = 0;
	for (size_t i = 0; i < r->nheld; i++) /* those reported again too: prune drops copies */
		if (push(r, &r->held[i]))
			r->lost = true;
	r->nheld = 0;
	r->id = *id;
	*kept = prune(r->blk, &r->nblk, id->addr, buf);
	if (!r->nblk)
		return 0;
	if (cli_resume_encode(id, r->blk, r->nblk, buf, &o, &n)) {
		errno = ENOMEM;
		return -1;
	}
	rc = cli_write_file_atomic(r->path, o, n, true);
	free(o);
	return rc;
}

int cli_resume_remove(const struct cli_resume *r)
{
	if (remove(r->path) && errno != ENOENT)
		return -1;
	return 0;
}

void cli_resume_free(struct cli_resume *r)
{
	free(r->held);
	free(r->blk);
	free(r->data);
	r->held = r->blk = NULL;
	r->data = NULL;
	r->nblk = r->cap = r->nheld = 0;
	r->loaded = false;
}
