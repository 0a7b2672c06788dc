/* SPDX-License-Identifier: MIT */
/*
 * BL602 download-mode emulator core: mask ROM (protocol.md §4.1, §5, §12.2) and eflash_loader
 * (§4.2, §6.4, §12.3) as one event machine over virtual time in microseconds.
 *
 * Written from protocol.md only; shares nothing with src/lib but the CRC/SHA wrappers of
 * src/common (emu.h, INDEPENDENCE RULE).
 *
 * Model in brief (details and deviations at each place, summary in emu.h):
 *  - Input bytes are queued with an arrival time (paced at 10 bits per byte of the host's baud
 *    when the timing model is on) and the id of the emu_input() call that brought them (a
 *    "chunk": our stand-in for one FIFO read of the real firmware).
 *  - The device consumes a byte at max(arrival, time the device became free). Replies are
 *    queued with the time each byte is on the line.
 *  - Device timeouts (ROM 2 s between bytes, loader 2 x receive timeout) are events too.
 */
#include "emu/emu.h"

#include <inttypes.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"

#define ROM_SYNC_WAIT_US 8000u	  /* §1.2 [RE]: 8 ms from detection to OK */
#define ROM_SYNC_DROP_US 8000u	  /* §12.2 R2, §12.5: leftovers after ~8 ms are parsed */
#define LDR_SYNC_WAIT_US 12000u	  /* §1.4 [RE]: 12 ms from detection to OK */
#define LDR_SYNC_DROP_US 13000u	  /* §12.3 L2: the loader drops what arrives 1 ms after OK */
#define ROM_IDLE_US	 2000000u /* §1.2, §12.2 R13: 2 s between received bytes */
#define ROM_MAX_PAYLOAD	 4092u	  /* §3.3, §12.2 R10 */
#define LDR_MAX_NEW	 0x4004u  /* §3.3, §12.3 L10/L20 */
#define LDR_MAX_OLD	 0x2404u  /* §3.3 (inferred), §5.5 table */
#define FRAME_BUF	 (4u + LDR_MAX_NEW)
#define LDR_MAX_FAILS	 3u   /* §3.5, §12.3 L7 */
#define BOOT_HEADER_LEN	 176u /* §5.1 */
#define SEG_HEADER_LEN	 16u  /* §5.3 */
#define DEADBEEF	 0xDEADBEEFu
#define XTAL_HZ		 40000000u

/* ROM: RAM a segment may be loaded to (ITCM/DTCM/WRAM, both aliases); not from protocol.md,
 * which only says 0x10000000 is refused with FL 0x0211 (§12.2 R7). */
#define RAM_LO 0x22008000u
#define RAM_HI 0x22040000u

struct inbyte {
	uint64_t t;	/* arrival time */
	uint32_t chunk; /* emu_input() call it came with */
	uint8_t b;
};

struct outbyte {
	uint64_t t; /* time the byte is fully on the line */
	uint8_t b;
};

struct emu {
	struct emu_config cfg;
	uint8_t *flash;
	uint32_t mask; /* flash_size - 1: addresses wrap (§10 flash model) */
	uint8_t efuse[128];
	uint8_t otp[16];

	enum emu_state state;
	unsigned host_baud; /* what the client's line is set to (0 = unknown) */
	unsigned dev_baud;  /* what the device measured at its last sync (0 = unknown) */
	uint64_t now;

	struct inbyte *in;
	size_t in_head, in_tail, in_cap;
	uint32_t chunk_seq;
	uint64_t in_line_free;

	struct outbyte *out;
	size_t out_head, out_tail, out_cap;
	uint64_t out_line_free;

	uint64_t dev_free;	/* the device is busy with a command until then */
	uint64_t discard_until; /* sync window: bytes consumed before this are dropped */
	bool sync_run;		/* timing off: still inside the 0x55 run of the handshake */

	uint8_t frame[FRAME_BUF];
	size_t flen;  /* bytes collected, header included */
	size_t fneed; /* 4 + N once the header is complete, else 0 */
	bool fskip;   /* ROM: frame of a disabled/unknown id, consumed without a reply */
	bool stalled; /* loader: oversize frame that never completes (L20) */

	/* ROM image loading state (§5.2-§5.4, §12.2 R7/R8) */
	uint64_t rom_last;
	bool hdr_ok, img_ok, hash_check;
	uint32_t seg_cnt, seg_idx, seg_left;
	uint8_t hash[32];
	struct blr_sha256_ctx *sha;

	/* loader */
	uint64_t rx_start;
	unsigned rx_timeouts;
	unsigned fails;
	uint16_t latched;
	bool fail_next_program;
	bool xz_active;
	uint32_t xz_addr;
	lzma_stream xz;

	unsigned long served;
	uint64_t erased, programmed;
	char logbuf[256];
};

/* ------------------------------------------------------------------ config, setup */

void emu_config_defaults(struct emu_config *cfg)
{
	static const uint8_t mac[6] = {0x01, 0x00, 0x2B, 0x60, 0x42, 0x02};

	memset(cfg, 0, sizeof(*cfg));
	cfg->flash_size = 2u << 20;
	cfg->jedec[0] = 0xC8;
	cfg->jedec[1] = 0x40;
	cfg->jedec[2] = 0x15;
	cfg->jedec_known = true;
	memcpy(cfg->efuse_mac, mac, 6);
	cfg->loader_rx_timeout_ms = 2000;
	cfg->timing.enabled = false;
	cfg->timing.latency_us = 1000;
	cfg->timing.sector_erase_us = 45000;
	cfg->timing.block32_erase_us = 120000;
	cfg->timing.block64_erase_us = 150000;
	cfg->timing.chip_erase_us = 5000000;
	cfg->timing.page_program_us = 400;
	cfg->timing.sha_bytes_per_ms = 2000;
}

static unsigned popcount8(uint8_t v)
{
	unsigned n = 0;

	while (v) {
		n += v & 1u;
		v >>= 1;
	}
	return n;
}

/*
 * eFuse image and the 16 OTP bytes of get_boot_info (§4.1.1, §12.2 R3/R4):
 * [0] sign = word0 bit 2; [1] encrypt = word0 bits 0-1 if bit 7 (2 and 3 swapped) else 0;
 * [2] (bit13 << 4) | bits 28-31; [3] bit 12; [4..7] eFuse 0x10-0x13 (sw_cfg0);
 * [8..14] eFuse 0x14-0x1A (MAC in eFuse order + count of zero bits of the MAC); [15] 0.
 */
static void build_efuse(struct emu *e)
{
	uint32_t w0 = e->cfg.efuse_word0;
	unsigned zeros = 0;

	memset(e->efuse, 0, sizeof(e->efuse));
	if (e->cfg.secured)
		w0 |= 0x86u; /* sign bit 2, encryption enabled (bit 7) with type 2 -> reported 3 */
	put_le32(e->efuse, w0);
	put_le32(e->efuse + 0x10, e->cfg.sw_cfg0);
	memcpy(e->efuse + 0x14, e->cfg.efuse_mac, 6);
	for (int i = 0; i < 6; i++)
		zeros += 8 - popcount8(e->cfg.efuse_mac[i]);
	e->efuse[0x1A] = (uint8_t)zeros;

	memset(e->otp, 0, sizeof(e->otp));
	e->otp[0] = (uint8_t)((w0 >> 2) & 1u);
	if (w0 & 0x80u) {
		uint8_t enc = (uint8_t)(w0 & 3u);
		if (enc == 2)
			enc = 3;
		else if (enc == 3)
			enc = 2;
		e->otp[1] = enc;
	}
	e->otp[2] = (uint8_t)((((w0 >> 13) & 1u) << 4) | ((w0 >> 28) & 0xFu));
	e->otp[3] = (uint8_t)((w0 >> 12) & 1u);
	memcpy(e->otp + 4, e->efuse + 0x10, 4);
	memcpy(e->otp + 8, e->efuse + 0x14, 7);
	e->otp[15] = 0;
}

struct emu *emu_new(const struct emu_config *cfg, uint8_t *flash)
{
	struct emu *e;
	size_t sz;

	if (!cfg || !flash)
		return NULL;
	sz = cfg->flash_size;
	if (sz < (64u << 10) || sz > (16u << 20) || (sz & (sz - 1)) != 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	if (e->cfg.loader_rx_timeout_ms == 0)
		e->cfg.loader_rx_timeout_ms = 2000;
	e->flash = flash;
	e->mask = (uint32_t)(sz - 1);
	e->state = EMU_ROM_WAIT_SYNC;
	build_efuse(e);
	e->xz = (lzma_stream)LZMA_STREAM_INIT;
	return e;
}

static void xz_end(struct emu *e)
{
	if (e->xz_active)
		lzma_end(&e->xz);
	e->xz_active = false;
	e->xz = (lzma_stream)LZMA_STREAM_INIT;
}

void emu_free(struct emu *e)
{
	if (!e)
		return;
	xz_end(e);
	blr_sha256_free(e->sha);
	free(e->in);
	free(e->out);
	free(e);
}

void emu_set_baud(struct emu *e, unsigned baud)
{
	e->host_baud = baud;
}

enum emu_state emu_get_state(const struct emu *e)
{
	return e->state;
}

unsigned long emu_commands_served(const struct emu *e)
{
	return e->served;
}

uint64_t emu_bytes_erased(const struct emu *e)
{
	return e->erased;
}

uint64_t emu_bytes_programmed(const struct emu *e)
{
	return e->programmed;
}

void emu_fail_next_program(struct emu *e)
{
	e->fail_next_program = true;
}

/* ------------------------------------------------------------------ logging */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
logf_(struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(e->logbuf, sizeof(e->logbuf), fmt, ap);
	va_end(ap);
	e->cfg.log(e->cfg.log_user, e->logbuf);
}

/* ------------------------------------------------------------------ line model */

static unsigned pace_baud(const struct emu *e)
{
	return e->host_baud ? e->host_baud : 115200u;
}

/* Line time of n bytes at 10 bits per byte. */
static uint64_t line_us(const struct emu *e, uint64_t n)
{
	uint64_t b = pace_baud(e);

	return (n * 10000000u + b - 1) / b;
}

/*
 * The device's UART runs at the baud it measured at its last sync. If the host's line is
 * set to something else (more than 3 % off), both directions are garbage; we model that as
 * lost bytes (documented simplification; real hardware would deliver junk).
 */
static bool line_garbled(const struct emu *e)
{
	uint64_t h = e->host_baud, d = e->dev_baud;

	if (!h || !d)
		return false;
	return (h > d ? h - d : d - h) * 100u > d * 3u;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *p;

	if (need <= *cap)
		return true;
	nc = *cap ? *cap : 256;
	while (nc < need)
		nc *= 2;
	p = realloc(*buf, nc * elem);
	if (!p)
		return false;
	*buf = p;
	*cap = nc;
	return true;
}

/* Queue device output produced at time t (latency added when the timing model is on). */
static void emit(struct emu *e, uint64_t t, const uint8_t *buf, size_t n)
{
	uint64_t start = t;

	if (n == 0 || line_garbled(e))
		return;
	if (e->out_head > 0 && e->out_head == e->out_tail)
		e->out_head = e->out_tail = 0;
	if (e->out_head > 4096 && e->out_head * 2 > e->out_tail) {
		memmove(e->out, e->out + e->out_head,
			(e->out_tail - e->out_head) * sizeof(*e->out));
		e->out_tail -= e->out_head;
		e->out_head = 0;
	}
	if (!grow((void **)&e->out, &e->out_cap, e->out_tail + n, sizeof(*e->out)))
		return; /* out of memory: the bytes are lost, as on a broken line */
	if (e->cfg.timing.enabled) {
		start += e->cfg.timing.latency_us;
		if (start < e->out_line_free)
			start = e->out_line_free;
	}
	for (size_t i = 0; i < n; i++) {
		struct outbyte *o = &e->out[e->out_tail++];
		o->b = buf[i];
		o->t = e->cfg.timing.enabled ? start + line_us(e, i + 1) : start;
	}
	if (e->cfg.timing.enabled)
		e->out_line_free = start + line_us(e, n);
	else if (e->out_line_free < start)
		e->out_line_free = start;
}

static void emit_ok(struct emu *e, uint64_t t)
{
	static const uint8_t ok[2] = {0x4F, 0x4B};

	emit(e, t, ok, 2);
}

static void emit_pd(struct emu *e, uint64_t t)
{
	static const uint8_t pd[2] = {0x50, 0x44};

	emit(e, t, pd, 2);
}

static void emit_fl(struct emu *e, uint64_t t, uint16_t code)
{
	uint8_t b[4] = {0x46, 0x4C, 0, 0};

	put_le16(b + 2, code);
	emit(e, t, b, 4);
}

/* OK + u16 length + data (§3.4). */
static void emit_data(struct emu *e, uint64_t t, const uint8_t *d, size_t n)
{
	uint8_t *b = malloc(4 + n);

	if (!b)
		return;
	b[0] = 0x4F;
	b[1] = 0x4B;
	put_le16(b + 2, (uint16_t)n);
	if (n)
		memcpy(b + 4, d, n);
	emit(e, t, b, 4 + n);
	free(b);
}

/* ------------------------------------------------------------------ flash model */

static void flash_changed(struct emu *e, uint32_t off, uint32_t len)
{
	if (e->cfg.flash_changed && len)
		e->cfg.flash_changed(e->cfg.flash_user, off, len);
}

/* Erase [addr, addr+len) modulo the flash size (erase sets 0xFF). */
static void flash_erase(struct emu *e, uint64_t addr, uint64_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	e->erased += len;
	if (len >= size) {
		memset(e->flash, 0xFF, (size_t)size);
		flash_changed(e, 0, (uint32_t)size);
		return;
	}
	while (len) {
		uint32_t a = (uint32_t)(addr & e->mask);
		uint64_t n = size - a < len ? size - a : len;
		memset(e->flash + a, 0xFF, (size_t)n);
		flash_changed(e, a, (uint32_t)n);
		addr += n;
		len -= n;
	}
}

/* NOR programming: bits can only go from 1 to 0 (§10 flash model, §12.3 L15). */
static void flash_program(struct emu *e, uint32_t addr, const uint8_t *d, size_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	e->programmed += len;
	while (len) {
		uint32_t a = addr & e->mask;
		size_t n = (size_t)(size - a < len ? size - a : len);
		for (size_t i = 0; i < n; i++)
			e->flash[a + i] &= d[i];
		flash_changed(e, a, (uint32_t)n);
		addr += (uint32_t)n;
		d += n;
		len -= n;
	}
}

static void flash_read(const struct emu *e, uint32_t addr, uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		d[i] = e->flash[(addr + i) & e->mask];
}

static uint64_t program_us(const struct emu *e, size_t len)
{
	if (!e->cfg.timing.enabled)
		return 0;
	return (uint64_t)((len + 255) / 256) * e->cfg.timing.page_program_us;
}

/* ------------------------------------------------------------------ state changes */

static void frame_reset(struct emu *e)
{
	e->flen = 0;
	e->fneed = 0;
	e->fskip = false;
	e->stalled = false;
}

static void rom_image_reset(struct emu *e)
{
	e->hdr_ok = false;
	e->img_ok = false;
	e->seg_cnt = e->seg_idx = e->seg_left = 0;
	blr_sha256_free(e->sha);
	e->sha = NULL;
}

static void to_rom_wait_sync(struct emu *e)
{
	e->state = EMU_ROM_WAIT_SYNC;
	e->dev_baud = 0;
	frame_reset(e);
	rom_image_reset(e);
	xz_end(e);
}

static void to_ldr_wait_sync(struct emu *e)
{
	e->state = EMU_LDR_WAIT_SYNC;
	e->dev_baud = 0;
	frame_reset(e);
	xz_end(e);
}

void emu_reset(struct emu *e, uint64_t now_us)
{
	/* Power cycle with GPIO8 high: queues are cleared, the ROM waits for a handshake. */
	e->in_head = e->in_tail = 0;
	e->out_head = e->out_tail = 0;
	e->in_line_free = e->out_line_free = now_us;
	e->dev_free = now_us;
	if (now_us > e->now)
		e->now = now_us;
	e->fails = 0;
	e->latched = 0;
	e->rx_timeouts = 0;
	to_rom_wait_sync(e);
	logf_(e, "reset -> ROM wait sync");
}

/* Drop the bytes still queued from the given input chunk (the rest of a "FIFO read"). */
static void drop_rest_of_chunk(struct emu *e, uint32_t chunk)
{
	while (e->in_head < e->in_tail && e->in[e->in_head].chunk == chunk)
		e->in_head++;
}

/*
 * Auto-baud (§1.2, §1.4 [RE]): baud = 40 MHz / (count + 1); the ROM rounds results above
 * 1.25 M, the loader above 970 k, to the nearest multiple of 500 k. Unusable when the divisor
 * is <= 3 (§12.4). Returns false when no sync is possible; 0 in *out when the host's baud is
 * unknown (no check then).
 */
static bool measure_baud(const struct emu *e, bool rom, unsigned *out)
{
	uint64_t h = e->host_baud, div, b, lim;

	*out = 0;
	if (!h)
		return true;
	div = (XTAL_HZ + h / 2) / h;
	if (div <= 3)
		return false;
	b = XTAL_HZ / div;
	lim = rom ? 1250000u : 970000u;
	if (b > lim)
		b = (b + 250000u) / 500000u * 500000u;
	*out = (unsigned)b;
	return true;
}

static void sync(struct emu *e, uint64_t t, bool rom)
{
	unsigned b;

	if (!measure_baud(e, rom, &b))
		return;
	e->dev_baud = b;
	e->sync_run = true;
	frame_reset(e);
	if (rom) {
		e->state = EMU_ROM_CMD;
		rom_image_reset(e);
		e->discard_until = t + ROM_SYNC_DROP_US;
		e->rom_last = e->discard_until;
		emit_ok(e, t + ROM_SYNC_WAIT_US);
		logf_(e, "ROM sync (host %u baud, device %u) -> OK", e->host_baud, b);
	} else {
		e->state = EMU_LDR_CMD;
		e->discard_until = t + LDR_SYNC_DROP_US;
		e->rx_start = e->discard_until;
		e->rx_timeouts = 0;
		e->fails = 0;
		e->latched = 0;
		emit_ok(e, t + LDR_SYNC_WAIT_US);
		logf_(e, "LDR sync (host %u baud, device %u) -> OK", e->host_baud, b);
	}
	e->dev_free = t;
}

/* ------------------------------------------------------------------ ROM */

/* 0x41 efuse_read, the same in the ROM (R15) and the loader (L23): addr u32, len u32 (N = 8),
 * len clipped to 0x80 - addr. Returns 0 (data emitted, *dlen set) or the FL code. */
static int efuse_read(struct emu *e, const uint8_t *p, size_t n, uint64_t t, size_t *dlen,
		      char *args, size_t asz)
{
	uint32_t a, l;

	if (n != 8)
		return 0x0404;
	a = get_le32(p);
	if (a >= 0x80)
		return 0x0405;
	l = get_le32(p + 4);
	if (l > 0x80 - a)
		l = 0x80 - a;
	emit_data(e, t, e->efuse + a, l);
	*dlen = l;
	if (args)
		snprintf(args, asz, " addr=0x%02" PRIX32 " len=%" PRIu32, a, l);
	return 0;
}

static const char *rom_name(uint8_t id)
{
	switch (id) {
	case 0x10:
		return "get_boot_info";
	case 0x11:
		return "load_boot_header";
	case 0x12:
		return "load_public_key";
	case 0x14:
		return "load_signature";
	case 0x16:
		return "load_aes_iv";
	case 0x17:
		return "load_segment_header";
	case 0x18:
		return "load_segment_data";
	case 0x19:
		return "check_image";
	case 0x1A:
		return "run_image";
	case 0x20:
		return "change_rate";
	case 0x21:
		return "reset";
	case 0x30:
		return "flash_erase";
	case 0x31:
		return "flash_write";
	case 0x32:
		return "flash_read (disabled)";
	case 0x33:
		return "flash_boot";
	case 0x40:
		return "efuse_write";
	case 0x41:
		return "efuse_read";
	case 0x50:
		return "memory_write";
	case 0x51:
		return "memory_read";
	default:
		return "unknown";
	}
}

/* ROM command table (§4.1 [RE]): every entry but 0x32 is enabled. */
static bool rom_enabled(uint8_t id)
{
	switch (id) {
	case 0x10:
	case 0x11:
	case 0x12:
	case 0x14:
	case 0x16:
	case 0x17:
	case 0x18:
	case 0x19:
	case 0x1A:
	case 0x20:
	case 0x21:
	case 0x30:
	case 0x31:
	case 0x33:
	case 0x40:
	case 0x41:
	case 0x50:
	case 0x51:
		return true;
	default:
		return false;
	}
}

/* Result of a command for the log line. */
static void log_result(struct emu *e, const char *who, uint8_t id, const char *name,
		       const char *args, int code, size_t datalen)
{
	if (code < 0)
		logf_(e, "%s 0x%02X %s%s -> no reply", who, id, name, args);
	else if (code > 0)
		logf_(e, "%s 0x%02X %s%s -> FL %04X", who, id, name, args, (unsigned)code);
	else if (datalen)
		logf_(e, "%s 0x%02X %s%s -> OK +%zu bytes", who, id, name, args, datalen);
	else
		logf_(e, "%s 0x%02X %s%s -> OK", who, id, name, args);
}

/* 0x11 (§5.1, §5.2, §12.2 R7/R8/R17). Returns 0 or the FL code. */
static int rom_boot_header(struct emu *e, const uint8_t *p, size_t n)
{
	uint32_t cfg, crc, hw_sign, hw_enc;

	rom_image_reset(e);
	if (n != BOOT_HEADER_LEN)
		return 0x0201;
	if (memcmp(p, "BFNP", 4) != 0)
		return 0x0203;
	cfg = get_le32(p + 116);
	crc = get_le32(p + 172);
	/* CRC skipped only with crc_ignore (bit 16) AND the DEADBEEF sentinel (§5.2). */
	if (!((cfg & (1u << 16)) && crc == DEADBEEF) && blr_crc32(p, 172) != crc)
		return 0x0204;
	/* The chip's eFuse state must match the image (§5.2); encryption first (R17).
	 * Compared for equality both ways: not verified on a chip (see report). */
	hw_sign = e->otp[0];
	hw_enc = e->otp[1];
	if ((((cfg >> 2) & 3u) != 0) != (hw_enc != 0))
		return 0x0205;
	if (((cfg & 3u) != 0) != (hw_sign != 0))
		return 0x0206;
	if (get_le32(p + 120) == 0)
		return 0x0207;
	e->hdr_ok = true;
	e->seg_cnt = get_le32(p + 120);
	e->hash_check = !((cfg & (1u << 17)) && get_le32(p + 132) == DEADBEEF);
	memcpy(e->hash, p + 132, 32);
	e->sha = blr_sha256_new();
	return 0;
}

/* 0x17 (§5.3, §12.2 R7). */
static int rom_seg_header(struct emu *e, const uint8_t *p, size_t n)
{
	uint32_t dst, len;

	if (!e->hdr_ok)
		return 0x0104;
	if (n != SEG_HEADER_LEN)
		return 0x020F;
	if (blr_crc32(p, 12) != get_le32(p + 12))
		return 0x0210;
	dst = get_le32(p);
	len = get_le32(p + 4);
	if (dst < RAM_LO || dst >= RAM_HI || len > RAM_HI - dst)
		return 0x0211;
	if (e->seg_idx >= e->seg_cnt)
		return 0x0207; /* more segment headers than segment_cnt: unverified code */
	e->seg_idx++;
	e->seg_left = len;
	if (e->sha)
		blr_sha256_update(e->sha, p, n);
	return 0;
}

/* 0x18: data of the current segment; more than announced -> FL 0x0214 (R7). */
static int rom_seg_data(struct emu *e, const uint8_t *p, size_t n)
{
	if (!e->hdr_ok || e->seg_idx == 0)
		return 0x0104;
	if (n > e->seg_left)
		return 0x0214;
	e->seg_left -= (uint32_t)n;
	if (e->sha && n)
		blr_sha256_update(e->sha, p, n);
	return 0;
}

/* 0x19: any failure invalidates the header (R7: seg header after a failed check FL 04 01). */
static int rom_check(struct emu *e)
{
	uint8_t d[32];
	int rc = 0;

	if (!e->hdr_ok)
		return 0x0104;
	if (e->seg_idx < e->seg_cnt || e->seg_left)
		rc = 0x0216;
	else if (e->hash_check) {
		if (!e->sha || blr_sha256_final(e->sha, d) != 0 || memcmp(d, e->hash, 32) != 0)
			rc = 0x0217;
	}
	if (rc) {
		rom_image_reset(e);
		return rc;
	}
	e->img_ok = true;
	return 0;
}

static void rom_exec(struct emu *e, uint64_t t)
{
	uint8_t id = e->frame[0];
	const uint8_t *p = e->frame + 4;
	size_t n = e->fneed - 4;
	char args[64] = "";
	uint8_t buf[0x80 + 4];
	int rc = 0;
	size_t dlen = 0;
	bool replied = false;

	e->served++;
	switch (id) {
	case 0x10: /* payload ignored (R6) */
		put_le32(buf, 1);
		memcpy(buf + 4, e->otp, 16);
		emit_data(e, t, buf, 20);
		dlen = 20;
		replied = true;
		break;
	case 0x11:
		rc = rom_boot_header(e, p, n);
		break;
	case 0x17:
		rc = rom_seg_header(e, p, n);
		if (!rc) {
			emit_data(e, t, p, 16); /* echo (§4.1, R7) */
			dlen = 16;
			replied = true;
			snprintf(args, sizeof(args), " dst=0x%08" PRIX32 " len=%" PRIu32,
				 get_le32(p), get_le32(p + 4));
		}
		break;
	case 0x18:
		snprintf(args, sizeof(args), " len=%zu", n);
		rc = rom_seg_data(e, p, n);
		break;
	case 0x19:
		rc = rom_check(e);
		break;
	case 0x1A:
		/* Without a checked image we refuse (not verified on the chip). */
		rc = e->img_ok ? 0 : 0x0104;
		break;
	case 0x20: /* change_rate (§2.3): OK at the new rate */
		if (n != 8) {
			rc = 0x0301;
			break;
		}
		/* The host switches after sending; the OK is delivered whatever it reads at. */
		e->dev_baud = 0;
		emit_ok(e, t + 3000);
		replied = true;
		e->dev_baud = get_le32(p + 4);
		snprintf(args, sizeof(args), " new=%" PRIu32, get_le32(p + 4));
		break;
	case 0x21:
		break;
	case 0x41: /* efuse_read (R15) */
		rc = efuse_read(e, p, n, t, &dlen, args, sizeof(args));
		replied = rc == 0;
		break;
	case 0x51: /* memory_read (R16); RAM contents are not modelled: zeros */
		if (n != 8 || (get_le32(p + 4) & ~3u) > 0xFFC ||
		    (get_le32(p) & 0x0FFF0000u) == 0x01000000u) {
			rc = 0x0504;
			break;
		} else {
			uint8_t z[0xFFC];
			uint32_t l = get_le32(p + 4) & ~3u;
			memset(z, 0, l);
			emit_data(e, t, z, l);
			dlen = l;
			replied = true;
		}
		break;
	default:
		/* 0x12/0x14/0x16 (signed images), 0x30/0x31/0x33/0x40/0x50: enabled in the ROM
		 * but not modelled: consumed without a reply. */
		rc = -1;
		break;
	}
	if (rc > 0)
		emit_fl(e, t, (uint16_t)rc);
	else if (rc == 0 && !replied)
		emit_ok(e, t);
	log_result(e, "ROM", id, rom_name(id), args, rc, dlen);
	if (rc == 0 && id == 0x1A) {
		/* The loader starts, re-initialises its UART with auto-baud (§2.3). */
		to_ldr_wait_sync(e);
		e->fails = 0;
		e->latched = 0;
	} else if (rc == 0 && id == 0x21) {
		to_rom_wait_sync(e); /* R14: OK then system reset; GPIO8 assumed high */
	}
}

/* One byte in ROM_CMD. rest = bytes of this chunk from this one on (capped at 4). */
static void rom_byte(struct emu *e, const struct inbyte *ib, size_t rest)
{
	uint8_t b = ib->b;

	if (e->flen == 0 && !rom_enabled(b)) {
		/*
		 * §3.5 [RE], R2, R12: in its idle state the ROM skips a lone non-command byte,
		 * but parses a read of >= 4 bytes as a header anyway. Simplification of R12: such
		 * a frame is consumed without a reply (the chip sometimes re-runs the previous
		 * command instead); if its length is > 4092 it is answered FL 0x0102 (R2).
		 */
		if (rest < 4)
			return;
		e->fskip = true;
	}
	e->frame[e->flen++] = b;
	if (e->flen == 4) {
		size_t n = get_le16(e->frame + 2);
		if (n > ROM_MAX_PAYLOAD) {
			/* R10/R11: FL 0x0102; only the rest of this read is dropped. */
			e->served++;
			emit_fl(e, ib->t, 0x0102);
			logf_(e, "ROM 0x%02X %s len=%zu -> FL 0102 (too long)", e->frame[0],
			      rom_name(e->frame[0]), n);
			frame_reset(e);
			drop_rest_of_chunk(e, ib->chunk);
			return;
		}
		e->fneed = 4 + n;
	}
	if (e->fneed && e->flen == e->fneed) {
		if (e->fskip) {
			e->served++;
			logf_(e, "ROM 0x%02X %s len=%zu -> no reply", e->frame[0],
			      rom_name(e->frame[0]), e->fneed - 4);
		} else {
			rom_exec(e, ib->t);
		}
		if (e->state == EMU_ROM_CMD)
			frame_reset(e);
	}
}

/* ------------------------------------------------------------------ loader */

static bool ldr_has(const struct emu *e, uint8_t id)
{
	/* Command tables (§4.2 [RE]). */
	switch (id) {
	case 0x21:
	case 0x30:
	case 0x31:
	case 0x32:
	case 0x34:
	case 0x3A:
	case 0x3B:
	case 0x3C:
	case 0x3D:
	case 0x3E:
	case 0x40:
	case 0x41:
	case 0x42:
	case 0x50:
	case 0x51:
	case 0x71:
	case 0x60:
	case 0x61:
	case 0x36:
	case 0x37:
	case 0x38:
		return true;
	case 0x10:
	case 0x3F:
	case 0x33:
		return !e->cfg.old_loader;
	default:
		return false;
	}
}

static const char *ldr_name(uint8_t id)
{
	switch (id) {
	case 0x10:
		return "get_boot_info";
	case 0x21:
		return "reset";
	case 0x30:
		return "flash_erase";
	case 0x31:
		return "flash_write";
	case 0x32:
		return "flash_read";
	case 0x33:
		return "flash_boot";
	case 0x34:
		return "flash_xip_read";
	case 0x36:
		return "flash_read_jedec_id";
	case 0x37:
		return "flash_read_status_reg";
	case 0x38:
		return "flash_write_status_reg";
	case 0x3A:
		return "flash_write_check";
	case 0x3B:
		return "flash_set_para";
	case 0x3C:
		return "flash_chip_erase";
	case 0x3D:
		return "flash_read_sha256";
	case 0x3E:
		return "flash_xip_read_sha256";
	case 0x3F:
		return "flash_decompress_write";
	case 0x40:
		return "efuse_write";
	case 0x41:
		return "efuse_read";
	case 0x42:
		return "efuse_read_mac";
	case 0x50:
		return "memory_write";
	case 0x51:
		return "memory_read";
	case 0x60:
		return "flash_xip_read_start";
	case 0x61:
		return "flash_xip_read_finish";
	case 0x71:
		return "log_read";
	default:
		return "unknown";
	}
}

static uint32_t ldr_limit(const struct emu *e)
{
	return e->cfg.old_loader ? LDR_MAX_OLD : LDR_MAX_NEW;
}

/* Erase duration of one step. */
static uint64_t erase_us(const struct emu *e, uint32_t step)
{
	if (!e->cfg.timing.enabled)
		return 0;
	if (step == 0x10000)
		return e->cfg.timing.block64_erase_us;
	if (step == 0x8000)
		return e->cfg.timing.block32_erase_us;
	return e->cfg.timing.sector_erase_us;
}

static bool range_blank(const struct emu *e, uint32_t start, uint64_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	if (len > size)
		len = size;
	for (uint64_t i = 0; i < len; i++)
		if (e->flash[(start + i) & e->mask] != 0xFF)
			return false;
	return true;
}

/*
 * 0x30 (§4.2, §6.4, §12.3 L11-L13): inclusive end; per step one PD (new builds) sent before
 * the step; 64 KiB when aligned and more than 60 KiB remain, 32 KiB when aligned and more than
 * 28 KiB remain, else the 4 KiB sector holding start. The latched write error is cleared first.
 * Arithmetic is 64-bit (the real 32-bit loop would never end for end = 0xFFFFFFFF).
 */
static int ldr_erase(struct emu *e, const uint8_t *p, size_t n, uint64_t *tc, char *args,
		     size_t asz)
{
	uint64_t start, end, covered = 0, size = (uint64_t)e->mask + 1;
	unsigned steps = 0;

	e->latched = 0;
	if (n != 8)
		return 0x0002;
	start = get_le32(p);
	end = get_le32(p + 4);
	snprintf(args, asz, " start=0x%08" PRIX64 " end=0x%08" PRIX64, start, end);
	if (end < start)
		return 0;
	if (e->cfg.jedec[0] == 0xEF && end + 1 - start >= 0x2800 &&
	    range_blank(e, (uint32_t)start, end + 1 - start)) {
		snprintf(args + strlen(args), asz - strlen(args), " (blank, skipped)");
		return 0; /* Winbond blank skip (L13) */
	}
	while (start <= end) {
		uint64_t rem = end + 1 - start;
		uint32_t step;

		if (!e->cfg.old_loader)
			emit_pd(e, *tc);
		if ((start & 0xFFFF) == 0 && rem > 0xF000)
			step = 0x10000;
		else if ((start & 0x7FFF) == 0 && rem > 0x7000)
			step = 0x8000;
		else {
			step = 0x1000;
			start &= ~(uint64_t)0xFFF;
		}
		if (covered < size)
			flash_erase(e, start, step);
		else
			e->erased += step;
		covered += step;
		*tc += erase_us(e, step);
		start += step;
		steps++;
	}
	snprintf(args + strlen(args), asz - strlen(args), " steps=%u", steps);
	return 0;
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
 * The loader's embedded xz decoder has a 32 KiB dictionary (§4.3): a stream whose first
 * block asks for more cannot be decoded. Reads the LZMA2 dictionary size from the first
 * block header when it is in this packet; false when it is too large.
 */
static bool xz_dict_ok(const uint8_t *p, size_t n)
{
	size_t pos = 13, hlen;
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

/* 0x3F (§4.3): address bit 31 starts a new xz stream; OK early, errors late (L17/L18). */
static int ldr_xz(struct emu *e, const uint8_t *p, size_t n, uint64_t *tc)
{
	uint32_t addr;
	uint8_t out[4096];
	lzma_ret r;
	size_t total = 0;

	addr = get_le32(p);
	if (addr & 0x80000000u) {
		xz_end(e);
		if (lzma_stream_decoder(&e->xz, 1u << 20, LZMA_TELL_ANY_CHECK) != LZMA_OK)
			return 0x000C;
		e->xz_active = true;
		e->xz_addr = addr & 0x7FFFFFFFu;
		if (!xz_dict_ok(p + 4, n - 4)) {
			xz_end(e);
			return 0x000C;
		}
	}
	if (!e->xz_active)
		return 0x000C;
	e->xz.next_in = p + 4;
	e->xz.avail_in = n - 4;
	for (;;) {
		e->xz.next_out = out;
		e->xz.avail_out = sizeof(out);
		r = lzma_code(&e->xz, LZMA_RUN);
		if (r == LZMA_GET_CHECK) {
			/* The loader's embedded decoder knows CRC32 and none only (L18). */
			lzma_check c = lzma_get_check(&e->xz);
			if (c != LZMA_CHECK_CRC32 && c != LZMA_CHECK_NONE) {
				xz_end(e);
				return 0x000C;
			}
			r = LZMA_OK;
		}
		size_t got = sizeof(out) - e->xz.avail_out;
		if (got) {
			flash_program(e, e->xz_addr, out, got);
			e->xz_addr += (uint32_t)got;
			total += got;
		}
		if (r == LZMA_STREAM_END) {
			xz_end(e);
			break;
		}
		if (r != LZMA_OK) {
			xz_end(e);
			return 0x000C;
		}
		if (e->xz.avail_in == 0 && got < sizeof(out))
			break;
	}
	*tc += program_us(e, total);
	return 0;
}

static const char ldr_log_text[] = "blrescue-emu: emulated BL602 eflash_loader\r\n"
				   "no application code; the flash is a file or a buffer\r\n";

static void ldr_exec(struct emu *e, uint64_t t)
{
	uint8_t id = e->frame[0];
	uint8_t cks = e->frame[1];
	const uint8_t *p = e->frame + 4;
	size_t n = e->fneed - 4;
	uint64_t tc = t;
	char args[96] = "";
	int rc = 0;
	size_t dlen = 0;
	bool replied = false;

	e->served++;
	/* §3.2: checksum = low byte of len_lo + len_hi + payload; 0 = unchecked (L4/L5). */
	if (cks != 0) {
		unsigned s = e->frame[2] + e->frame[3];
		for (size_t i = 0; i < n; i++)
			s += p[i];
		if ((s & 0xFFu) != cks) {
			emit_fl(e, t, 0x0103);
			logf_(e, "LDR 0x%02X %s len=%zu -> FL 0103 (checksum %02X, want %02X)", id,
			      ldr_name(id), n, cks, s & 0xFFu);
			if (id == 0x40) {
				to_ldr_wait_sync(e);
				logf_(e, "LDR checksum error on 0x40 -> wait sync");
			}
			e->dev_free = t;
			return;
		}
	}
	if (!ldr_has(e, id)) {
		log_result(e, "LDR", id, ldr_name(id), "", -1, 0); /* L6 */
		e->dev_free = t;
		return;
	}
	switch (id) {
	case 0x10: { /* L3 */
		uint8_t b[20];
		put_le32(b, 0xFFFFFFFFu);
		memcpy(b + 4, e->otp, 16);
		emit_data(e, tc, b, 20);
		dlen = 20;
		replied = true;
		break;
	}
	case 0x21: /* L24 */
		break;
	case 0x30:
		rc = ldr_erase(e, p, n, &tc, args, sizeof(args));
		break;
	case 0x31: /* §3.5 early OK, L14-L16 */
		if (n < 5) {
			rc = 0x0004;
			break;
		}
		if (get_le32(p) == 0xFFFFFFFFu) {
			rc = 0x0005;
			break;
		}
		snprintf(args, sizeof(args), " addr=0x%08" PRIX32 " len=%zu", get_le32(p), n - 4);
		emit_ok(e, tc);
		replied = true;
		if (e->fail_next_program) {
			e->fail_next_program = false;
			e->latched = 0x0006;
			rc = 0x0006; /* late FL after the OK */
			break;
		}
		flash_program(e, get_le32(p), p + 4, n - 4);
		tc += program_us(e, n - 4);
		break;
	case 0x3F:
		if (n < 5) {
			rc = 0x000B;
			break;
		}
		snprintf(args, sizeof(args), " addr=0x%08" PRIX32 " len=%zu", get_le32(p), n - 4);
		emit_ok(e, tc);
		replied = true;
		rc = ldr_xz(e, p, n, &tc);
		break;
	case 0x32: /* L10 */
	case 0x34: {
		uint32_t a, l;
		uint8_t *buf;
		if (n != 8) {
			rc = 0x0004;
			break;
		}
		a = get_le32(p);
		l = get_le32(p + 4);
		if (l > ldr_limit(e))
			l = ldr_limit(e);
		snprintf(args, sizeof(args), " addr=0x%08" PRIX32 " len=%" PRIu32, a,
			 get_le32(p + 4));
		buf = malloc(l ? l : 1);
		if (!buf) {
			rc = 0x0004;
			break;
		}
		flash_read(e, a, buf, l);
		emit_data(e, tc, buf, l);
		free(buf);
		dlen = l;
		replied = true;
		break;
	}
	case 0x3A:
		rc = e->latched;
		break;
	case 0x3B:
		if (n != 4 && n != 88)
			rc = 0x0008;
		break;
	case 0x3C: { /* PD about every second of the erase (§4.2); one with timing off */
		uint64_t dur = e->cfg.timing.enabled ? e->cfg.timing.chip_erase_us : 0;
		uint64_t end = tc + dur;
		if (!e->cfg.old_loader) {
			emit_pd(e, tc);
			for (uint64_t x = tc + 1000000u; x < end; x += 1000000u)
				emit_pd(e, x);
		}
		flash_erase(e, 0, (uint64_t)e->mask + 1);
		tc = end;
		break;
	}
	case 0x3D: /* L19 */
	case 0x3E: {
		uint32_t a, l;
		uint8_t d[32], blk[4096];
		struct blr_sha256_ctx *c;
		if (n != 8) {
			rc = 0x0004;
			break;
		}
		a = get_le32(p);
		l = get_le32(p + 4);
		snprintf(args, sizeof(args), " addr=0x%08" PRIX32 " len=%" PRIu32, a, l);
		c = blr_sha256_new();
		if (!c) {
			rc = 0x0004;
			break;
		}
		for (uint64_t off = 0; off < l;) {
			size_t k = l - off < sizeof(blk) ? (size_t)(l - off) : sizeof(blk);
			flash_read(e, (uint32_t)(a + off), blk, k);
			blr_sha256_update(c, blk, k);
			off += k;
		}
		blr_sha256_final(c, d);
		blr_sha256_free(c);
		if (e->cfg.timing.enabled && e->cfg.timing.sha_bytes_per_ms)
			tc += (uint64_t)l * 1000u / e->cfg.timing.sha_bytes_per_ms;
		emit_data(e, tc, d, 32);
		dlen = 32;
		replied = true;
		break;
	}
	case 0x36: { /* L8 */
		uint8_t b[4] = {e->cfg.jedec[0], e->cfg.jedec[1], e->cfg.jedec[2],
				e->cfg.jedec_known ? 0x80 : 0x00};
		emit_data(e, tc, b, 4);
		dlen = 4;
		replied = true;
		break;
	}
	case 0x37: { /* status registers are not modelled: zeros, at most 4 bytes */
		uint8_t z[4] = {0, 0, 0, 0};
		uint32_t l;
		if (n != 8) {
			rc = 0x0009;
			break;
		}
		l = get_le32(p + 4);
		if (l > 4)
			l = 4;
		emit_data(e, tc, z, l);
		dlen = l;
		replied = true;
		break;
	}
	case 0x38:
		if (n != 12)
			rc = 0x000A;
		break;
	case 0x40: /* efuse_write: bits OR'ed into the in-memory eFuse only */
		if (n < 5) {
			rc = 0x0401;
			break;
		}
		if (get_le32(p) >= 0x80) {
			rc = 0x0402;
			break;
		}
		for (size_t i = 0; i < n - 4 && get_le32(p) + i < 0x80; i++)
			e->efuse[get_le32(p) + i] |= p[4 + i];
		break;
	case 0x41:
		rc = efuse_read(e, p, n, tc, &dlen, NULL, 0);
		replied = rc == 0;
		break;
	case 0x42: { /* L9: eFuse 0x14-0x19 in eFuse order + CRC32 LE */
		uint8_t b[10];
		memcpy(b, e->efuse + 0x14, 6);
		put_le32(b + 6, blr_crc32(b, 6));
		emit_data(e, tc, b, 10);
		dlen = 10;
		replied = true;
		break;
	}
	case 0x50:
		if (n % 8)
			rc = 0x0401;
		break;
	case 0x51: { /* L22: the word at addr repeated; RAM is not modelled (zeros) */
		uint32_t l;
		uint8_t *z;
		if (n != 8) {
			rc = 0x0404;
			break;
		}
		l = get_le32(p + 4) & ~3u;
		if (l > 0x4000)
			l = 0x4000;
		z = calloc(1, l ? l : 1);
		if (!z) {
			rc = 0x0404;
			break;
		}
		emit_data(e, tc, z, l);
		free(z);
		dlen = l;
		replied = true;
		break;
	}
	case 0x60:
	case 0x61:
		break;
	case 0x71:
		emit_data(e, tc, (const uint8_t *)ldr_log_text, sizeof(ldr_log_text) - 1);
		dlen = sizeof(ldr_log_text) - 1;
		replied = true;
		break;
	case 0x33:
		break;
	default:
		break;
	}
	if (rc) {
		emit_fl(e, tc, (uint16_t)rc);
		e->fails++;
	} else if (!replied) {
		emit_ok(e, tc);
	}
	if (replied && rc)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), " (late FL after OK)");
	log_result(e, "LDR", id, ldr_name(id), args, rc, dlen);
	e->dev_free = tc > e->out_line_free ? tc : e->out_line_free;
	if (rc == 0 && (id == 0x21 || id == 0x33)) {
		/* 0x21: reset with GPIO8 high re-enters the ROM downloader (L24). 0x33 boots
		 * the flash image; with no application to run we model it the same way. */
		to_rom_wait_sync(e);
		return;
	}
	if (e->fails >= LDR_MAX_FAILS) {
		to_ldr_wait_sync(e); /* L7: the third FL is still sent */
		logf_(e, "LDR %u failed commands -> wait sync", e->fails);
	}
}

/* One byte in LDR_CMD. */
static void ldr_byte(struct emu *e, const struct inbyte *ib)
{
	if (e->stalled)
		return; /* L20: appended to a frame that never completes */
	e->frame[e->flen++] = ib->b;
	if (e->flen == 4) {
		size_t n = get_le16(e->frame + 2);
		if (n > ldr_limit(e)) {
			e->stalled = true;
			logf_(e, "LDR 0x%02X frame len=%zu > %u: never completes", e->frame[0], n,
			      (unsigned)ldr_limit(e));
			return;
		}
		e->fneed = 4 + n;
	}
	if (e->fneed && e->flen == e->fneed) {
		/* §3.5 [RE]: one frame per receive call; the rest of this read is lost. */
		drop_rest_of_chunk(e, ib->chunk);
		e->rx_timeouts = 0;
		ldr_exec(e, ib->t);
		if (e->state == EMU_LDR_CMD) {
			frame_reset(e);
			e->rx_start = e->dev_free;
		}
	}
}

/* ------------------------------------------------------------------ event loop */

static uint64_t next_consume_time(const struct emu *e)
{
	uint64_t t;

	if (e->in_head == e->in_tail)
		return UINT64_MAX;
	t = e->in[e->in_head].t;
	if (t < e->dev_free)
		t = e->dev_free;
	return t;
}

static uint64_t timeout_deadline(const struct emu *e)
{
	if (e->state == EMU_ROM_CMD)
		return (e->rom_last > e->dev_free ? e->rom_last : e->dev_free) + ROM_IDLE_US;
	if (e->state == EMU_LDR_CMD)
		return e->rx_start + (uint64_t)e->cfg.loader_rx_timeout_ms * 1000u;
	return UINT64_MAX;
}

static void fire_timeout(struct emu *e, uint64_t t)
{
	if (e->state == EMU_ROM_CMD) {
		logf_(e, "ROM 2 s without data -> wait sync");
		to_rom_wait_sync(e);
		return;
	}
	/* L21: each timeout runs from the start of a receive call; two in a row -> sync. */
	e->rx_timeouts++;
	if (e->rx_timeouts >= 2) {
		logf_(e, "LDR two receive timeouts -> wait sync");
		to_ldr_wait_sync(e);
	} else {
		e->rx_start = t;
	}
}

/*
 * Bytes of the handshake window are dropped (R2, L2). With the timing model off the arrival
 * times are those of the caller's writes (a pseudo-terminal read can be delayed by the
 * scheduler), so there the whole uninterrupted run of 0x55 that made the sync is dropped
 * too, however long it lasts: leftover-byte effects are only modelled with timing on.
 */
static bool in_sync_window(struct emu *e, const struct inbyte *ib)
{
	if (ib->t < e->discard_until)
		return true;
	if (e->sync_run && !e->cfg.timing.enabled && ib->b == 0x55)
		return true;
	e->sync_run = false;
	return false;
}

static void consume(struct emu *e, uint64_t t)
{
	struct inbyte ib = e->in[e->in_head++];
	size_t rest = 0;

	ib.t = t;
	switch (e->state) {
	case EMU_ROM_WAIT_SYNC:
	case EMU_LDR_WAIT_SYNC:
		/* §10: a 0x55 starts auto-baud; other bytes are ignored (§12.4). */
		if (ib.b == 0x55)
			sync(e, t, e->state == EMU_ROM_WAIT_SYNC);
		break;
	case EMU_ROM_CMD:
		if (in_sync_window(e, &ib) || line_garbled(e))
			break;
		e->rom_last = t;
		rest = 1;
		for (size_t i = e->in_head; i < e->in_tail && rest < 4; i++) {
			if (e->in[i].chunk != ib.chunk)
				break;
			rest++;
		}
		rom_byte(e, &ib, rest);
		break;
	case EMU_LDR_CMD:
		if (in_sync_window(e, &ib) || line_garbled(e))
			break;
		ldr_byte(e, &ib);
		break;
	}
}

static void advance(struct emu *e, uint64_t now)
{
	for (;;) {
		uint64_t ta = next_consume_time(e);
		uint64_t tt = timeout_deadline(e);

		if (tt < ta && tt <= now) {
			fire_timeout(e, tt);
			continue;
		}
		if (ta <= now) {
			consume(e, ta);
			continue;
		}
		break;
	}
	if (now > e->now)
		e->now = now;
	if (e->in_head == e->in_tail)
		e->in_head = e->in_tail = 0;
}

void emu_input(struct emu *e, const uint8_t *buf, size_t n, uint64_t now_us)
{
	uint64_t start;

	advance(e, now_us);
	if (n == 0)
		return;
	if (e->in_head > 0) {
		memmove(e->in, e->in + e->in_head, (e->in_tail - e->in_head) * sizeof(*e->in));
		e->in_tail -= e->in_head;
		e->in_head = 0;
	}
	if (!grow((void **)&e->in, &e->in_cap, e->in_tail + n, sizeof(*e->in)))
		return; /* out of memory: bytes lost */
	e->chunk_seq++;
	start = now_us;
	if (e->cfg.timing.enabled && start < e->in_line_free)
		start = e->in_line_free;
	for (size_t i = 0; i < n; i++) {
		struct inbyte *ib = &e->in[e->in_tail++];
		ib->b = buf[i];
		ib->chunk = e->chunk_seq;
		ib->t = e->cfg.timing.enabled ? start + line_us(e, i + 1) : start;
	}
	e->in_line_free = e->cfg.timing.enabled ? start + line_us(e, n) : start;
	advance(e, now_us);
}

size_t emu_output(struct emu *e, uint8_t *buf, size_t cap, uint64_t now_us)
{
	size_t k = 0;

	advance(e, now_us);
	while (k < cap && e->out_head < e->out_tail && e->out[e->out_head].t <= now_us)
		buf[k++] = e->out[e->out_head++].b;
	if (e->out_head == e->out_tail)
		e->out_head = e->out_tail = 0;
	return k;
}

uint64_t emu_next_event_us(const struct emu *e)
{
	uint64_t t = UINT64_MAX, x;

	if (e->out_head < e->out_tail)
		t = e->out[e->out_head].t;
	x = next_consume_time(e);
	if (x < t)
		t = x;
	x = timeout_deadline(e);
	if (x < t)
		t = x;
	return t;
}
