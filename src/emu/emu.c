/* SPDX-License-Identifier: MIT */
/*
 * BL602 download-mode emulator core: mask ROM (doc/protocol.md §6) and eflash_loader (§7) as
 * one event machine over virtual time in microseconds. This file is the event loop; emu_int.h
 * lists the other rooms.
 *
 * Written from doc/protocol.md only; shares nothing with src/lib but the CRC/SHA wrappers of
 * src/common (emu.h, INDEPENDENCE RULE).
 *
 * Model in brief (details and deviations at each place, summary in emu.h):
 *  - Host bytes wait in the line's input queue with their arrival time (line.c).
 *  - The device consumes a byte at max(arrival, time the device became free), in whatever
 *    stage it is: waiting for a handshake, or collecting frames for the ROM or the loader.
 *    Replies are queued on the line with the time each byte is on it.
 *  - Device timeouts (ROM 2 s between bytes, loader 2 x receive timeout) are events too.
 */
#include "emu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "emu_int.h"
#include "hash.h"

#define ROM_SYNC_WAIT_US 8000u	/* HS-7: 8 ms from detection to OK */
#define ROM_SYNC_DROP_US 8000u	/* HS-8, EMU-1: leftovers after ~8 ms are parsed */
#define LDR_SYNC_WAIT_US 12000u /* HS-7: 12 ms from detection to OK */
#define LDR_SYNC_DROP_US 13000u /* HS-9: the loader drops what arrives 1 ms after OK */
#define XTAL_HZ		 40000000u

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
	cfg->app_baud = 2000000;
	cfg->app_status_ms = 300;
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
 * eFuse image and the 16 OTP bytes of get_boot_info (§6.2):
 * [0] sign = word0 bit 2; [1] encrypt = word0 bits 0-1 if bit 7 (2 and 3 swapped) else 0;
 * [2] (bit13 << 4) | bits 28-31; [3] bit 12; [4..7] eFuse 0x10-0x13 (sw_cfg0);
 * [8..14] eFuse 0x14-0x1A (MAC in eFuse order + count of zero bits of the MAC); [15] 0.
 */
static void build_efuse(struct emu *e)
{
	uint32_t w0 = e->cfg.efuse_word0;
	unsigned zeros = 0;

	if (e->cfg.secured)
		w0 |= 0x86u; /* sign bit 2, encryption enabled (bit 7) with type 2 -> reported 3 */
	put_le32(e->efuse, w0);
	put_le32(e->efuse + 0x10, e->cfg.sw_cfg0);
	memcpy(e->efuse + 0x14, e->cfg.efuse_mac, 6);
	for (int i = 0; i < 6; i++)
		zeros += 8 - popcount8(e->cfg.efuse_mac[i]);
	e->efuse[0x1A] = (uint8_t)zeros;

	e->otp[0] = (uint8_t)((w0 >> 2) & 1u);
	if (w0 & 0x80u) {
		static const uint8_t enc[4] = {0, 1, 3, 2};
		e->otp[1] = enc[w0 & 3u];
	}
	e->otp[2] = (uint8_t)((((w0 >> 13) & 1u) << 4) | ((w0 >> 28) & 0xFu));
	e->otp[3] = (uint8_t)((w0 >> 12) & 1u);
	memcpy(e->otp + 4, e->efuse + 0x10, 4);
	memcpy(e->otp + 8, e->efuse + 0x14, 7);
}

struct emu *emu_new(const struct emu_config *cfg, uint8_t *flash)
{
	struct emu *e;
	char msg[160];
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
	if (fault_init(e, msg, sizeof(msg)) != 0) {
		free(e);
		return NULL;
	}
	if (cfg->boot == EMU_BOOT_APP)
		app_enter(e, 0);
	return e;
}

void emu_free(struct emu *e)
{
	if (!e)
		return;
	xz_end(e);
	hash_sha256_free(e->sha);
	free(e->line.in.b);
	free(e->line.out.b);
	free(e);
}

void emu_set_baud(struct emu *e, unsigned baud)
{
	e->line.host_baud = baud;
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
	return e->st.erased;
}

uint64_t emu_bytes_programmed(const struct emu *e)
{
	return e->st.programmed;
}

void emu_get_stats(const struct emu *e, struct emu_stats *st)
{
	*st = e->st;
}

bool emu_vanished(const struct emu *e)
{
	return e->fault.vanished;
}

uint64_t emu_now_us(const struct emu *e)
{
	return e->now;
}

void emu_served(struct emu *e, uint8_t id)
{
	e->served++;
	e->st.frames[id]++;
}

void emu_fail_next_program(struct emu *e)
{
	e->fail_next_program = true;
}

void emu_log(struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(e->logbuf, sizeof(e->logbuf), fmt, ap);
	va_end(ap);
	e->cfg.log(e->cfg.log_user, e->logbuf);
}

/* ------------------------------------------------------------------ stages */

/*
 * Waiting for a handshake the device forgets the baud it measured, any frame it was
 * collecting, the image being loaded and the 0x3F stream; the loader's counters are reset by
 * its sync.
 */
void emu_enter(struct emu *e, enum emu_state s)
{
	e->state = s;
	e->line.dev_baud = 0;
	frame_reset(e);
	rom_image_reset(e);
	xz_end(e);
}

void emu_reset(struct emu *e, uint64_t now_us)
{
	/* Power cycle with GPIO8 high: queues are cleared, the ROM waits for a handshake. */
	line_clear(e, now_us);
	e->dev_free = now_us;
	if (now_us > e->now)
		e->now = now_us;
	emu_enter(e, EMU_ROM_WAIT_SYNC);
	emu_log(e, "reset -> ROM wait sync");
}

/*
 * Auto-baud (BAUD-4): baud = 40 MHz / (count + 1); the ROM rounds results above
 * 1.25 M, the loader above 970 k, to the nearest multiple of 500 k. Unusable when the divisor
 * is <= 3. Returns false when no sync is possible; 0 in *out when the host's baud is
 * unknown (no check then).
 */
static bool measure_baud(const struct emu *e, bool rom, unsigned *out)
{
	uint64_t h = e->line.host_baud, div, b, lim;

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

/* HS-7, EMU-1: in a wait-sync stage a 0x55 starts auto-baud; other bytes are ignored. The
 * frame and the ROM's image state were reset when the stage was entered. */
static void wait_sync_byte(struct emu *e, const struct lbyte *ib)
{
	bool rom = e->state == EMU_ROM_WAIT_SYNC;
	uint64_t t = ib->t;
	unsigned b;

	if (ib->b != 0x55 || !measure_baud(e, rom, &b))
		return;
	e->line.dev_baud = b;
	e->sync_run = true;
	e->dev_free = t;
	if (rom) {
		e->state = EMU_ROM_CMD;
		e->discard_until = t + ROM_SYNC_DROP_US;
		e->rom_last = e->discard_until;
	} else {
		e->state = EMU_LDR_CMD;
		e->discard_until = t + LDR_SYNC_DROP_US;
		e->rx_start = e->discard_until;
		e->rx_timeouts = e->fails = 0;
		e->latched = 0;
	}
	emit_ok(e, t + (rom ? ROM_SYNC_WAIT_US : LDR_SYNC_WAIT_US));
	emu_log(e, "%s sync (host %u baud, device %u) -> OK", rom ? "ROM" : "LDR",
		e->line.host_baud, b);
}

/* What each stage does with a byte, and its idle timeout (deadline NULL: none). */
struct stage {
	void (*byte)(struct emu *e, const struct lbyte *ib);
	bool synced; /* after a handshake: its window and a baud mismatch lose bytes */
	uint64_t (*deadline)(const struct emu *e);
	void (*timeout)(struct emu *e, uint64_t t);
};

static const struct stage stages[] = {
    [EMU_ROM_WAIT_SYNC] = {wait_sync_byte, false, NULL, NULL},
    [EMU_ROM_CMD] = {rom_byte, true, rom_deadline, rom_timeout},
    [EMU_LDR_WAIT_SYNC] = {wait_sync_byte, false, NULL, NULL},
    [EMU_LDR_CMD] = {ldr_byte, true, ldr_deadline, ldr_timeout},
    [EMU_APP] = {app_byte, false, app_deadline, app_timeout},
};

/* ------------------------------------------------------------------ event loop */

static uint64_t next_consume_time(const struct emu *e)
{
	uint64_t t = line_in_next(e);

	if (t != UINT64_MAX && t < e->dev_free)
		t = e->dev_free;
	return t;
}

static uint64_t timeout_deadline(const struct emu *e)
{
	const struct stage *s = &stages[e->state];

	return s->deadline ? s->deadline(e) : UINT64_MAX;
}

/*
 * Bytes of the handshake window are dropped (HS-8, HS-9, EMU-1). With the timing model off the
 * arrival times are those of the caller's writes (a pseudo-terminal read can be delayed by the
 * scheduler), so there the whole uninterrupted run of 0x55 that made the sync is dropped
 * too, however long it lasts: leftover-byte effects are only modelled with timing on.
 */
static bool in_sync_window(struct emu *e, const struct lbyte *ib)
{
	if (ib->t < e->discard_until)
		return true;
	if (e->sync_run && !e->cfg.timing.enabled && ib->b == 0x55)
		return true;
	e->sync_run = false;
	return false;
}

/* The next host byte reaches the device at t (a marked one sets its fault events off
 * first, EMU-18). */
static void consume(struct emu *e, uint64_t t)
{
	const struct stage *s = &stages[e->state];
	unsigned long served = e->served;
	struct lbyte ib;

	if (line_in_mark(e)) {
		fault_fire_in(e, t);
		return;
	}
	ib = line_in_take(e);
	ib.t = t;
	if (s->synced && (in_sync_window(e, &ib) || line_garbled(e)))
		return;
	s->byte(e, &ib);
	if (e->served != served)
		fault_served(e, t);
}

/* Fault events first, then device timeouts, then bytes, in time order. */
static void advance(struct emu *e, uint64_t now)
{
	for (;;) {
		uint64_t ta = next_consume_time(e);
		uint64_t tt = timeout_deadline(e);
		uint64_t tf = fault_deadline(e);

		if (tf <= now && tf <= ta && tf <= tt) {
			fault_fire(e, tf);
			continue;
		}
		if (tt < ta && tt <= now) {
			stages[e->state].timeout(e, tt);
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
}

void emu_input(struct emu *e, const uint8_t *buf, size_t n, uint64_t now_us)
{
	advance(e, now_us);
	if (n == 0 || e->fault.vanished)
		return;
	line_in_put(e, buf, n, now_us);
	advance(e, now_us);
}

size_t emu_output(struct emu *e, uint8_t *buf, size_t cap, uint64_t now_us)
{
	advance(e, now_us);
	return line_out_get(e, buf, cap, now_us);
}

uint64_t emu_next_event_us(const struct emu *e)
{
	uint64_t t = line_out_next(e), x;

	if (e->fault.vanished)
		return UINT64_MAX;
	x = fault_deadline(e);
	if (x < t)
		t = x;
	x = next_consume_time(e);
	if (x < t)
		t = x;
	x = timeout_deadline(e);
	if (x < t)
		t = x;
	return t;
}
