/* SPDX-License-Identifier: MIT */
/*
 * The loader's 0x3F flash_decompress_write (doc/protocol.md §7.7): payload = address u32 + a piece
 * of an xz stream; address bit 31 starts a new stream, later pieces continue it and the decoded
 * bytes are programmed one after the other. Modelled on the loader's embedded decoder: CRC32 or no
 * check only, an LZMA2 dictionary of at most 32 KiB (XZ-2). OK is sent early, errors late (XZ-3).
 */
#include <inttypes.h>
#include <lzma.h>
#include <stdlib.h>

#include "bytes.h"
#include "emu_int.h"

struct xz_dec {
	lzma_stream s;
	uint32_t addr; /* where the next decoded byte is programmed */
};

void xz_end(struct emu *e)
{
	if (!e->xz)
		return;
	lzma_end(&e->xz->s);
	free(e->xz);
	e->xz = NULL;
}

static bool varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (unsigned sh = 0; sh < 63 && *pos < n; sh += 7) {
		uint8_t b = p[(*pos)++];
		*v |= (uint64_t)(b & 0x7F) << sh;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/*
 * A stream whose first block asks for a dictionary over 32 KiB cannot be decoded. Reads the
 * LZMA2 dictionary size from the first block header when it is in this piece (stream header:
 * 12 bytes; block header: size byte, flags, optional sizes, filter flags); false when it is
 * too large.
 */
static bool xz_dict_ok(const uint8_t *p, size_t n)
{
	size_t pos, hlen;
	uint64_t v, id, psz;
	unsigned nf;

	if (n < 14 || p[12] == 0)
		return true; /* header not here, or an empty stream (index follows) */
	hlen = ((size_t)p[12] + 1) * 4;
	if (12 + hlen > n)
		return true;
	nf = (p[13] & 3u) + 1;
	pos = 14;
	if ((p[13] & 0x40) && !varint(p, n, &pos, &v))
		return true;
	if ((p[13] & 0x80) && !varint(p, n, &pos, &v))
		return true;
	for (unsigned i = 0; i < nf; i++) {
		if (!varint(p, n, &pos, &id) || !varint(p, n, &pos, &psz) || pos + psz > n)
			return true;
		if (id == 0x21 && psz == 1) {
			uint8_t b = p[pos];
			uint64_t dict =
			    b >= 40 ? UINT64_MAX : (uint64_t)(2 | (b & 1)) << (b / 2 + 11);
			return dict <= 32768;
		}
		pos += (size_t)psz;
	}
	return true;
}

/* Starts a stream whose first piece is p[0..n). */
static bool xz_start(struct emu *e, uint32_t addr, const uint8_t *p, size_t n)
{
	xz_end(e);
	if (!xz_dict_ok(p, n))
		return false;
	e->xz = malloc(sizeof(*e->xz));
	if (!e->xz)
		return false;
	e->xz->s = (lzma_stream)LZMA_STREAM_INIT;
	e->xz->addr = addr;
	if (lzma_stream_decoder(&e->xz->s, 1u << 20, LZMA_TELL_ANY_CHECK) != LZMA_OK) {
		free(e->xz);
		e->xz = NULL;
		return false;
	}
	return true;
}

/* Decodes p[0..n) into the flash; returns the bytes written or -1 (stream ended on error). */
static long xz_feed(struct emu *e, const uint8_t *p, size_t n)
{
	lzma_stream *s = &e->xz->s;
	uint8_t out[4096];
	long total = 0;

	s->next_in = p;
	s->avail_in = n;
	for (;;) {
		lzma_ret r;
		size_t got;

		s->next_out = out;
		s->avail_out = sizeof(out);
		r = lzma_code(s, LZMA_RUN);
		if (r == LZMA_GET_CHECK) {
			lzma_check c = lzma_get_check(s);
			if (c != LZMA_CHECK_CRC32 && c != LZMA_CHECK_NONE)
				break;
			r = LZMA_OK;
		}
		got = sizeof(out) - s->avail_out;
		if (got) {
			flash_program(e, e->xz->addr, out, got);
			e->xz->addr += (uint32_t)got;
			total += (long)got;
		}
		if (r == LZMA_STREAM_END) {
			xz_end(e);
			return total;
		}
		if (r != LZMA_OK)
			break;
		if (s->avail_in == 0 && got < sizeof(out))
			return total;
	}
	xz_end(e);
	return -1;
}

int ldr_decompress_write(struct cmd_ctx *c)
{
	uint32_t addr;
	long done;

	if (c->n < 5)
		return FL_FLASH_DECOMPRESS_WRITE;
	addr = get_le32(c->p);
	cmd_args(c, " addr=0x%08" PRIX32 " len=%zu", addr, c->n - 4);
	reply_ok(c);
	if ((addr & 0x80000000u) && !xz_start(c->e, addr & 0x7FFFFFFFu, c->p + 4, c->n - 4))
		return FL_FLASH_WRITE_XZ;
	if (!c->e->xz)
		return FL_FLASH_WRITE_XZ;
	done = xz_feed(c->e, c->p + 4, c->n - 4);
	if (done < 0)
		return FL_FLASH_WRITE_XZ;
	c->t += flash_program_us(c->e, (size_t)done);
	return 0;
}
