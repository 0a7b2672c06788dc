/* SPDX-License-Identifier: MIT */
/*
 * Decompress-write (0x3F, doc/protocol.md §7.7): xz streams in the form the loader's embedded
 * decoder takes (XZ-2: CRC32 check, one LZMA2 filter, 32 KiB dictionary), sent in packets
 * whose first one carries bit 31 of the address (XZ-1), none with checksum 0 (OP-14). A late
 * FL 0C 00 (XZ-3) arrives as the answer to a later command, at the latest to the write check
 * that ends the update's writing (OP-16). Without liblzma (Meson feature xz) nothing is
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

int fl_xz_encode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
#ifdef BLR_HAVE_LZMA
	lzma_options_lzma opt;
	lzma_filter f[2];
	size_t cap = lzma_stream_buffer_bound(n), pos = 0;
	uint8_t *o;

	*out = NULL;
	if (lzma_lzma_preset(&opt, XZ_PRESET))
		return BLR_E_NOMEM;
	opt.dict_size = XZ_DICT;
	f[0] = (lzma_filter){.id = LZMA_FILTER_LZMA2, .options = &opt};
	f[1] = (lzma_filter){.id = LZMA_VLI_UNKNOWN, .options = NULL};
	o = malloc(cap);
	if (!o)
		return BLR_E_NOMEM;
	if (lzma_stream_buffer_encode(f, LZMA_CHECK_CRC32, NULL, in, n, o, &pos, cap) != LZMA_OK) {
		free(o);
		return BLR_E_NOMEM;
	}
	*out = o;
	*out_len = pos;
	return BLR_OK;
#else
	(void)in;
	(void)n;
	(void)out_len;
	*out = NULL;
	return BLR_E_UNSUPPORTED;
#endif
}

/* One packet. The exchange sends it again only when the loader did not take it (LDR_ONCE:
 * FL 03 01, CKS-3); after a lost reply the decoder may have taken it, and the stream is then
 * redone (XZ-6). */
static int send_packet(struct fl_op *o, const uint8_t *p, size_t n)
{
	int r = ldr_command(o->dev, ISP_FLASH_DECOMPRESS_WRITE, p, n, NULL, 0, NULL, 0, LDR_ONCE);

	return ldr_late_fl(o->dev, ISP_FLASH_DECOMPRESS_WRITE, r);
}

int fl_xz_send(struct fl_op *o, uint32_t addr, const uint8_t *xz, size_t n, size_t out)
{
	struct blr_dev *dev = o->dev;
	size_t chunk = fl_write_chunk(dev);
	uint8_t *p = malloc(ISP_ADDR_LEN + chunk);
	int r = BLR_OK;

	if (!p)
		return BLR_E_NOMEM;
	for (size_t off = 0; r == BLR_OK && off < n;) {
		size_t k = n - off < chunk ? n - off : chunk;

		if (dev_cancelled(dev)) {
			r = BLR_E_CANCELLED;
			break;
		}
		memcpy(p + ISP_ADDR_LEN, xz + off, k);
		if (off == 0) {
			/* the address is the output's: shorten the packet instead (OP-14) */
			put_le32(p, addr | XZ_FIRST);
			while (k > 1 && ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0)
				k--;
		} else {
			/* later addresses are ignored (XZ-1): any value that makes the sum non-zero
			 */
			put_le32(p, (addr + (uint32_t)off) & ~XZ_FIRST);
			if (ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0)
				p[0] ^= 1;
		}
		if (ldr_frame_sum(p, ISP_ADDR_LEN + k) == 0) {
			r = BLR_E_INVAL; /* a one-byte first packet with sum 0: not seen in xz */
			break;
		}
		r = send_packet(o, p, ISP_ADDR_LEN + k);
		off += k;
		fl_write_progress(o, (uint64_t)out * off / n);
	}
	free(p);
	return r;
}
