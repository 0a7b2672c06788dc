/* SPDX-License-Identifier: MIT */
/*
 * speed_vendor: the flash operations done the way the vendor's tool does them, for
 * bench/speed.sh to compare with blrescue (a benchmark client, not a test). Same connect as
 * blrescue (blr_connect with the loader), then raw loader commands (src/lib/exchange.h):
 *   read OUT      the whole flash in 2 KiB reads (0x32)
 *   write FILE    erase the file's range in one 0x30 (doc/protocol.md §7.2), send the file as one
 *                 xz stream (LZMA2, 32 KiB dictionary, CRC32 check: §7.7 XZ-2) in 2 KiB
 *                 0x3F frames, then write check (0x3A) and SHA-256 (0x3D) against the file
 *   verify FILE   SHA-256 (0x3D) of the file's range against the file's
 *   connect       only connect
 * Usage: speed_vendor PORT LOADER OP [FILE]. Prints one line:
 *   connect S op S out N in N cmds N
 * (seconds of wall time; bytes written and read at the transport and commands sent during the
 * operation). Exit status 0, or 1 on any error or mismatch.
 */
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/exchange.h"
#include "lib/isp.h"

#define PIECE 2048u /* the vendor tool's read and write frame payload */

/* ---- a transport that counts the bytes crossing it ------------------------------------- */

struct counter {
	struct blr_transport in;
	unsigned long long tx, rx;
};

static int c_set_baud(void *ctx, unsigned baud)
{
	struct counter *c = ctx;

	return c->in.ops->set_baud(c->in.ctx, baud);
}

static int c_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct counter *c = ctx;
	int r = c->in.ops->write(c->in.ctx, buf, len, timeout_ms);

	if (r == BLR_OK)
		c->tx += len;
	return r;
}

static int c_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct counter *c = ctx;
	int r = c->in.ops->read(c->in.ctx, buf, len, timeout_ms, got);

	c->rx += *got;
	return r;
}

static int c_flush_input(void *ctx)
{
	struct counter *c = ctx;

	return c->in.ops->flush_input(c->in.ctx);
}

static int c_drain(void *ctx)
{
	struct counter *c = ctx;

	return c->in.ops->drain(c->in.ctx);
}

static int c_set_lines(void *ctx, int dtr, int rts)
{
	struct counter *c = ctx;

	return c->in.ops->set_lines(c->in.ctx, dtr, rts);
}

static uint64_t c_now_ms(void *ctx)
{
	struct counter *c = ctx;

	return c->in.ops->now_ms(c->in.ctx);
}

static void c_sleep_ms(void *ctx, unsigned ms)
{
	struct counter *c = ctx;

	c->in.ops->sleep_ms(c->in.ctx, ms);
}

static void c_close(void *ctx)
{
	struct counter *c = ctx;

	c->in.ops->close(c->in.ctx);
}

static int c_last_os_error(void *ctx)
{
	struct counter *c = ctx;

	return c->in.ops->last_os_error(c->in.ctx);
}

static const struct blr_transport_ops counter_ops = {
    c_set_baud,	 c_write,  c_read,     c_flush_input, c_drain,
    c_set_lines, c_now_ms, c_sleep_ms, c_close,	      c_last_os_error,
};

/* ---- the operations -------------------------------------------------------------------- */

struct run {
	struct blr_dev *dev;
	struct counter cnt;
	unsigned long cmds;
	uint32_t flash_size;
};

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "speed_vendor: %s: %s\n", what, r ? blr_strerror(r) : "mismatch");
	return 1;
}

/* One loader command, no retry (a repeated 0x3F frame would corrupt the stream). The timeout
 * only bounds the wait: after an early-OK 0x3F the loader may program for seconds (a stream of
 * 0xFF expands to the whole range), and the next command waits for that. */
static int cmd(struct run *u, uint8_t id, const uint8_t *p, size_t n, uint8_t *rsp, size_t cap,
	       size_t *got)
{
	u->cmds++;
	return ldr_command(u->dev, id, p, n, rsp, cap, got, 60000, 1);
}

static int chip_sha_matches(struct run *u, const uint8_t *data, uint32_t len)
{
	uint8_t p[8], chip[32], host[32];
	size_t got = 0;
	int r;

	put_le32(p, 0);
	put_le32(p + 4, len);
	r = cmd(u, ISP_FLASH_READ_SHA256, p, 8, chip, sizeof(chip), &got);
	if (r != BLR_OK)
		return fail("0x3D", r);
	if (got != 32 || hash_sha256(data, len, host) != 0 || memcmp(chip, host, 32) != 0)
		return fail("SHA-256", 0);
	return 0;
}

static int op_read(struct run *u, const char *out)
{
	uint8_t *buf = malloc(u->flash_size), p[8];
	FILE *f;
	int r = 0;

	if (!buf)
		return 1;
	for (uint32_t a = 0; a < u->flash_size && r == 0; a += PIECE) {
		size_t got = 0;
		int e;

		put_le32(p, a);
		put_le32(p + 4, PIECE);
		e = cmd(u, ISP_FLASH_READ, p, 8, buf + a, PIECE, &got);
		if (e != BLR_OK || got != PIECE)
			r = fail("0x32", e);
	}
	f = r ? NULL : fopen(out, "wb");
	if (!r && (!f || fwrite(buf, 1, u->flash_size, f) != u->flash_size))
		r = fail(out, BLR_E_IO);
	if (f && fclose(f) != 0)
		r = 1;
	free(buf);
	return r;
}

/* The file as one xz stream the loader accepts (§7.7 XZ-2). */
static uint8_t *xz_encode(const uint8_t *data, size_t len, size_t *xlen)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	size_t cap = lzma_stream_buffer_bound(len);
	uint8_t *xz = malloc(cap);

	*xlen = 0;
	if (!xz || lzma_lzma_preset(&opt, 6)) {
		free(xz);
		return NULL;
	}
	opt.dict_size = 32u << 10;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	if (lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, data, len, xz, xlen, cap) !=
	    LZMA_OK) {
		free(xz);
		return NULL;
	}
	return xz;
}

static int op_write(struct run *u, const uint8_t *data, uint32_t len)
{
	uint8_t p[4 + PIECE];
	size_t xlen;
	uint8_t *xz;
	int r;

	put_le32(p, 0);
	put_le32(p + 4, len - 1); /* inclusive end */
	r = cmd(u, ISP_FLASH_ERASE, p, 8, NULL, 0, NULL);
	if (r != BLR_OK)
		return fail("0x30", r);
	xz = xz_encode(data, len, &xlen);
	if (!xz)
		return fail("xz", BLR_E_NOMEM);
	for (size_t off = 0; off < xlen && r == BLR_OK; off += PIECE) {
		size_t k = xlen - off < PIECE ? xlen - off : PIECE;

		put_le32(p, off == 0 ? 0x80000000u : 0); /* bit 31: first packet, address 0 */
		memcpy(p + 4, xz + off, k);
		r = cmd(u, ISP_FLASH_DECOMPRESS_WRITE, p, 4 + k, NULL, 0, NULL);
	}
	free(xz);
	if (r != BLR_OK)
		return fail("0x3F", r);
	r = cmd(u, ISP_FLASH_WRITE_CHECK, NULL, 0, NULL, 0, NULL);
	if (r != BLR_OK)
		return fail("0x3A", r);
	return chip_sha_matches(u, data, len);
}

static uint8_t *load(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(max + 1);

	*len = 0;
	if (f && buf)
		*len = fread(buf, 1, max + 1, f);
	if (f)
		fclose(f);
	if (*len == 0 || *len > max) {
		fprintf(stderr, "speed_vendor: %s: missing, empty or larger than the flash\n",
			path);
		free(buf);
		return NULL;
	}
	return buf;
}

static int run_op(struct run *u, const char *op, const char *file)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r;

	if (!strcmp(op, "connect"))
		return 0;
	if (!strcmp(op, "read"))
		return op_read(u, file);
	data = load(file, u->flash_size, &len);
	if (!data)
		return 1;
	if (!strcmp(op, "write"))
		r = op_write(u, data, (uint32_t)len);
	else
		r = chip_sha_matches(u, data, (uint32_t)len);
	free(data);
	return r;
}

int main(int argc, char **argv)
{
	struct run u = {0};
	struct blr_transport t;
	struct blr_connect_opts o = {0};
	struct blr_chip_info ci;
	double t0, t1, t2;
	size_t llen;
	uint8_t *loader;
	int r;
	bool connect_only = argc == 4 && !strcmp(argv[3], "connect");

	if (!connect_only && (argc != 5 || (strcmp(argv[3], "read") && strcmp(argv[3], "write") &&
					    strcmp(argv[3], "verify")))) {
		fprintf(stderr,
			"usage: speed_vendor PORT LOADER read|write|verify|connect [FILE]\n");
		return 2;
	}
	loader = load(argv[2], 1u << 20, &llen);
	if (!loader)
		return 1;
	o.loader = loader;
	o.loader_len = llen;
	t0 = wall_s();
	r = blr_serial_open(argv[1], BLR_DEFAULT_ROM_BAUD, &u.cnt.in, NULL);
	if (r != BLR_OK)
		return fail(argv[1], r);
	t.ops = &counter_ops;
	t.ctx = &u.cnt;
	if ((r = blr_dev_new(&u.dev, &t)) != BLR_OK || (r = blr_connect(u.dev, &o)) != BLR_OK ||
	    (r = blr_get_info(u.dev, &ci)) != BLR_OK)
		return fail("connect", r);
	u.flash_size = ci.flash_size;
	u.cnt.tx = u.cnt.rx = 0;
	t1 = wall_s();
	r = run_op(&u, argv[3], argc > 4 ? argv[4] : NULL);
	t2 = wall_s();
	blr_dev_free(u.dev);
	free(loader);
	if (r == 0)
		printf("connect %.3f op %.3f out %llu in %llu cmds %lu\n", t1 - t0, t2 - t1,
		       u.cnt.tx, u.cnt.rx, u.cmds);
	return r;
}
