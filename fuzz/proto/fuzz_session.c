/* SPDX-License-Identifier: MIT */
/*
 * Session fuzzer: the input is everything "the device" says. It is cut at the marker
 * A5 5A into segments; each frame the library writes makes the next segment readable, so the
 * fuzzer can answer every command differently. Time is virtual (a read that runs dry jumps
 * to its deadline). The library then connects (probe, ROM, upload of a small valid loader,
 * loader handshake) and runs every flash operation on whatever it gets. Nothing may crash,
 * hang, leak or read out of bounds; the results that must hold whatever the device says
 * (flash size, frame limit, differing-sector count) are checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"

struct script {
	const uint8_t *in;
	size_t len, pos; /* next unread byte of the input */
	size_t seg_end;	 /* end of the readable segment */
	uint64_t now_ms;
	unsigned writes;
};

static size_t next_marker(const struct script *s, size_t from)
{
	for (size_t i = from; i + 1 < s->len; i++)
		if (s->in[i] == 0xA5 && s->in[i + 1] == 0x5A)
			return i;
	return s->len;
}

static int sc_set_baud(void *ctx, unsigned baud)
{
	(void)ctx;
	return baud ? BLR_OK : BLR_E_INVAL;
}

static int sc_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct script *s = ctx;

	(void)buf;
	(void)len;
	(void)timeout_ms;
	s->writes++;
	/* skip what is left of this segment and its marker; open the next one */
	s->pos = s->seg_end;
	if (s->pos + 1 < s->len && s->in[s->pos] == 0xA5 && s->in[s->pos + 1] == 0x5A)
		s->pos += 2;
	s->seg_end = next_marker(s, s->pos);
	return BLR_OK;
}

static int sc_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct script *s = ctx;
	size_t n = s->seg_end - s->pos;

	if (n > len)
		n = len;
	memcpy(buf, s->in + s->pos, n);
	s->pos += n;
	*got = n;
	if (n == len)
		return BLR_OK;
	s->now_ms += timeout_ms;
	return BLR_E_TIMEOUT;
}

static int sc_flush(void *ctx)
{
	struct script *s = ctx;

	s->pos = s->seg_end;
	return BLR_OK;
}

static int sc_nop(void *ctx)
{
	(void)ctx;
	return BLR_OK;
}

static int sc_lines(void *ctx, int dtr, int rts)
{
	(void)ctx;
	(void)dtr;
	(void)rts;
	return BLR_E_UNSUPPORTED;
}

static uint64_t sc_now(void *ctx)
{
	return ((struct script *)ctx)->now_ms;
}

static void sc_sleep(void *ctx, unsigned ms)
{
	((struct script *)ctx)->now_ms += ms;
}

static void sc_close(void *ctx)
{
	(void)ctx;
}

static int sc_oserr(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct blr_transport_ops script_ops = {
    sc_set_baud, sc_write, sc_read,  sc_flush, sc_nop,
    sc_lines,	 sc_now,   sc_sleep, sc_close, sc_oserr,
};

/* A minimal valid loader image (DEADBEEF style, doc/protocol.md UPL-1), 64 body bytes. */
#define BODY 64
static void make_loader(uint8_t img[176 + 16 + BODY])
{
	uint8_t *seg = img + 176;

	memset(img, 0, 176 + 16 + BODY);
	memcpy(img, "BFNP", 4);
	put_le32(img + 96, hash_crc32(img + 12, 84));
	put_le32(img + 112, hash_crc32(img + 104, 8));
	put_le32(img + 116, 0x00030300u);
	put_le32(img + 120, 1);
	put_le32(img + 132, 0xDEADBEEFu);
	put_le32(img + 172, 0xDEADBEEFu);
	for (int i = 0; i < BODY; i++)
		seg[16 + i] = (uint8_t)i;
	put_le32(seg, 0x22010000u);
	put_le32(seg + 4, BODY);
	put_le32(seg + 8, hash_crc32(seg + 16, BODY));
	put_le32(seg + 12, hash_crc32(seg, 12));
}

static void log_stderr(void *user, enum blr_log_level lvl, const char *msg)
{
	(void)user;
	fprintf(stderr, "# [%d] %s\n", (int)lvl, msg);
}

static bool stop_after(void *user)
{
	struct script *s = user;

	return s->writes > 400; /* bound the work per input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = {.in = data, .len = size};
	struct blr_transport t = {&script_ops, &s};
	struct blr_connect_opts o = {0};
	struct blr_dev *dev = NULL;
	static uint8_t loader[176 + 16 + BODY];
	uint8_t buf[40000], sha[32], diff[16], mac[6];
	struct blr_chip_info ci;
	size_t nd;

	s.seg_end = next_marker(&s, 0);
	make_loader(loader);
	o.loader = loader;
	o.loader_len = sizeof(loader);
	o.handshake_tries = 1;
	if (blr_dev_new(&dev, &t) != BLR_OK)
		return 0;
	blr_dev_set_cancel(dev, stop_after, &s);
	if (getenv("BLR_FUZZ_VERBOSE")) /* replaying one input by hand */
		blr_dev_set_log(dev, log_stderr, NULL, BLR_LOG_DEBUG);
	if (blr_connect(dev, &o) == BLR_OK && blr_get_info(dev, &ci) == BLR_OK) {
		/* whatever the device said, a connected session has a sane flash size
		 * (doc/protocol.md JEDEC-2) and frame limit (§3.3) */
		if (ci.flash_size < (512u << 10) || ci.flash_size > (16u << 20) ||
		    (ci.flash_size & (ci.flash_size - 1)) || ci.frame_limit > 0x4004)
			abort();
		memset(buf, 0x5A, sizeof(buf));
		blr_flash_read(dev, 0x1000, buf, sizeof(buf));
		blr_flash_sha256(dev, 0, 0x10000, sha);
		blr_flash_erase(dev, 0x2000, 0x3000);
		blr_flash_write(dev, 0x2000, buf, 0x3000);
		blr_flash_write_check(dev);
		blr_read_mac(dev, mac);
		/* [0x1800, 0xA800) touches sectors 1..10 */
		if (blr_flash_compare(dev, 0x1800, buf, 0x9000, diff, &nd) == BLR_OK && nd > 10)
			abort();
		blr_flash_update(dev, 0x1800, buf, 0x9000, 0, NULL);
		blr_flash_erase_all(dev);
		blr_reset(dev);
	}
	blr_dev_free(dev);
	return 0;
}
