/* SPDX-License-Identifier: MIT */
/*
 * Decompress-write (0x3F, doc/protocol.md §7.7): xz streams in the form the loader's embedded
 * decoder takes (XZ-2: CRC32 check, one LZMA2 filter, 32 KiB dictionary), sent in packets
 * whose first one carries bit 31 of the address (XZ-1), none with checksum 0 (OP-14). A late
 * FL 0C 00 (XZ-3) arrives as the answer to a later command, at the latest to the write check
 * that ends the update's writing (OP-16). The stream is encoded as it goes (XZ-6): the next
 * packet's bytes while the current one is on the wire (the exchange's on_sent hook, dev.h),
 * never more than a packet of it in memory. Without liblzma (Meson feature xz) nothing is
 * encoded and updates write raw.
 */
#include <stdlib.h>
#include <string.h>

#ifdef BLR_HAVE_LZMA
#include <lzma.h>
#endif

#include "common/bytes.h"
#include "lib/exchange.h"
#include "lib/flash.h"
#include "lib/isp.h"
#include "lib/loader.h"

#define XZ_FIRST  0x80000000u /* XZ-1 */
#define XZ_DICT	  (32u * 1024u)
#define XZ_PRESET 6u
#define XZ_STEP	  (32u * 1024u) /* input handed to the encoder at a time */

bool fl_xz_available(void)
{
#ifdef BLR_HAVE_LZMA
	return true;
#else
	return false;
#endif
}

bool fl_xz_loader(const struct blr_dev *dev)
{
	size_t n = 0;
	const struct loader_build *b = loader_known_builds(&n);

	if (!dev->info.loader_build)
		return dev->has_boot_info; /* decided by the get_boot_info probe (BUILD-2) */
	for (size_t i = 0; i < n; i++)
		if (b[i].feat && b[i].name && !strcmp(b[i].name, dev->info.loader_build))
			return b[i].feat->has_decompress_write;
	return false;
}

#ifdef BLR_HAVE_LZMA
/* An encoder for the stream form of XZ-6: CRC32, one LZMA2 filter, preset 6, 32 KiB dictionary. */
static int enc_init(lzma_stream *s)
{
	lzma_options_lzma opt;
	lzma_filter f[2];

	if (lzma_lzma_preset(&opt, XZ_PRESET))
		return BLR_E_NOMEM;
	opt.dict_size = XZ_DICT;
	f[0] = (lzma_filter){.id = LZMA_FILTER_LZMA2, .options = &opt};
	f[1] = (lzma_filter){.id = LZMA_VLI_UNKNOWN, .options = NULL};
	return lzma_stream_encoder(s, f, LZMA_CHECK_CRC32) == LZMA_OK ? BLR_OK : BLR_E_NOMEM;
}

/* One stream being sent: the encoder over in[0..n), the stream bytes encoded and not yet sent
 * (buf[0..have), at most a packet's worth), and how the encoding went. */
struct xz_enc {
	lzma_stream s;
	const uint8_t *in;
	size_t n;
	uint8_t *buf;
	size_t cap, have;
	uint64_t sent; /* stream bytes sent */
	bool end;      /* the whole stream is encoded */
	int r;
};

/* Encode until a packet's worth of stream bytes is waiting or the stream is complete. The
 * input goes in steps, so that total_in follows what is encoded (progress). */
static void enc_fill(struct xz_enc *x)
{
	while (x->r == BLR_OK && !x->end && x->have < x->cap) {
		size_t fed = (size_t)x->s.total_in + x->s.avail_in;
		lzma_ret e;

		if (!x->s.avail_in && fed < x->n) {
			x->s.next_in = x->in + fed;
			x->s.avail_in = x->n - fed < XZ_STEP ? x->n - fed : XZ_STEP;
			fed += x->s.avail_in;
		}
		x->s.next_out = x->buf + x->have;
		x->s.avail_out = x->cap - x->have;
		e = lzma_code(&x->s, fed < x->n ? LZMA_RUN : LZMA_FINISH);
		x->have = x->cap - x->s.avail_out;
		if (e == LZMA_STREAM_END)
			x->end = true;
		else if (e != LZMA_OK)
			x->r = BLR_E_NOMEM;
	}
}

/* dev->on_sent: a packet is on the wire, its reply not yet awaited (ORD-2). */
static void enc_on_sent(void *user)
{
	enc_fill(user);
}

/* The next packet from x into p (address + stream bytes): its payload length, 0 at the end
 * of the stream or on an error (x->r). */
static size_t next_packet(struct xz_enc *x, uint32_t addr, uint8_t *p)
{
	size_t k;

	enc_fill(x);
	k = x->have;
	if (x->r != BLR_OK || !k)
		return 0;
	memcpy(p + ISP_ADDR_LEN, x->buf, k);
	if (!x->sent) {
		/* the address is the output's: shorten the packet instead (OP-14) */
		put_le32(p, addr | XZ_FIRST);
		while (k > 1 && ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0)
			k--;
	} else {
		/* later addresses are ignored (XZ-1): any value that makes the sum non-zero */
		put_le32(p, (addr + (uint32_t)x->sent) & ~XZ_FIRST);
		if (ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0)
			p[0] ^= 1;
	}
	if (ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0) {
		x->r = BLR_E_INVAL; /* a one-byte first packet with sum 0: not seen in xz */
		return 0;
	}
	x->have -= k;
	x->sent += k;
	memmove(x->buf, x->buf + k, x->have);
	return ISP_ADDR_LEN + k;
}

/* One packet. The exchange sends it again only when the loader did not take it (LDR_ONCE:
 * FL 03 01, CKS-3); after a lost reply the decoder may have taken it, and the stream is then
 * redone (XZ-6). While it is on the wire the next one is encoded. */
static int send_packet(struct fl_op *o, struct xz_enc *x, const uint8_t *p, size_t n)
{
	struct blr_dev *dev = o->dev;
	int r;

	if (!x->end) {
		dev->on_sent = enc_on_sent;
		dev->on_sent_user = x;
	}
	r = ldr_command(dev, ISP_FLASH_DECOMPRESS_WRITE, p, n, NULL, 0, NULL, 0, LDR_ONCE);
	dev->on_sent = NULL;
	dev->on_sent_user = NULL;
	return ldr_late_fl(dev, ISP_FLASH_DECOMPRESS_WRITE, r);
}
#endif

int fl_xz_size(const uint8_t *in, size_t n, uint64_t *out_len)
{
#ifdef BLR_HAVE_LZMA
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t scratch[4096];
	lzma_ret e = LZMA_OK;
	int r = enc_init(&s);

	*out_len = 0;
	if (r != BLR_OK)
		return r;
	s.next_in = in;
	s.avail_in = n;
	while (e == LZMA_OK) {
		s.next_out = scratch;
		s.avail_out = sizeof(scratch);
		e = lzma_code(&s, LZMA_FINISH);
	}
	*out_len = s.total_out;
	lzma_end(&s);
	return e == LZMA_STREAM_END ? BLR_OK : BLR_E_NOMEM;
#else
	(void)in;
	(void)n;
	*out_len = 0;
	return BLR_E_UNSUPPORTED;
#endif
}

int fl_xz_write(struct fl_op *o, uint32_t addr, const uint8_t *in, size_t n, uint64_t *xz_len)
{
	*xz_len = 0;
#ifdef BLR_HAVE_LZMA
	struct xz_enc x = {.s = LZMA_STREAM_INIT, .in = in, .n = n};
	uint8_t *p;
	int r;

	x.cap = fl_write_chunk(o->dev);
	x.buf = malloc(x.cap);
	p = malloc(ISP_ADDR_LEN + x.cap);
	x.r = x.buf && p ? enc_init(&x.s) : BLR_E_NOMEM;
	for (r = x.r; r == BLR_OK;) {
		size_t k = next_packet(&x, addr, p);

		r = x.r;
		if (r != BLR_OK || !k)
			break;
		if (dev_cancelled(o->dev)) {
			r = BLR_E_CANCELLED;
			break;
		}
		r = send_packet(o, &x, p, k);
		fl_write_progress(o, x.s.total_in);
	}
	if (x.end)
		*xz_len = x.s.total_out;
	lzma_end(&x.s);
	free(x.buf);
	free(p);
	return r;
#else
	(void)o;
	(void)addr;
	(void)in;
	(void)n;
	return BLR_E_UNSUPPORTED;
#endif
}
