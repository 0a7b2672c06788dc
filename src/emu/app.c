/* SPDX-License-Identifier: MIT */
/*
 * The application stage (doc/protocol.md EMU-22): the chip started without the BOOT pin, or
 * reset into its firmware by a fault. The firmware prints a short boot log, then a status
 * line every app_status_ms, at its own baud rate (app_baud), and ignores what it receives: no
 * handshake is possible until a power cycle with the BOOT pin (emu_reset). The text is the
 * emulator's own, in the style of a firmware's boot messages.
 */
#include <inttypes.h>
#include <stdio.h>

#include "emu_int.h"

#define APP_BOOT_US 30000u /* from reset to the first line (not measured on a chip) */

static unsigned app_baud(const struct emu *e)
{
	return e->cfg.app_baud ? e->cfg.app_baud : 2000000u;
}

void app_enter(struct emu *e, uint64_t t)
{
	emu_enter(e, EMU_APP);
	e->line.dev_baud = app_baud(e);
	e->app_t0 = t;
	e->app_next = t + APP_BOOT_US;
	e->app_booted = false;
	emu_log(e, "APP firmware starts (%u baud)", app_baud(e));
}

void app_byte(struct emu *e, const struct lbyte *ib)
{
	(void)e, (void)ib; /* the firmware does not listen */
}

uint64_t app_deadline(const struct emu *e)
{
	return e->app_next;
}

static void boot_log(struct emu *e, uint64_t t)
{
	const uint8_t *m = e->cfg.efuse_mac; /* eFuse order: displayed reversed */
	char b[512];
	int n;

	n = snprintf(b, sizeof(b),
		     "\r\nblrescue-emu application firmware (emulated; no code runs)\r\n"
		     "[boot] BL602 rev 1, XTAL 40 MHz, CPU 160 MHz\r\n"
		     "[boot] flash %02X %02X %02X, %zu KiB\r\n"
		     "[boot] MAC %02X:%02X:%02X:%02X:%02X:%02X\r\n"
		     "[boot] UART0 %u baud\r\n"
		     "[app ] started; status every %u ms\r\n",
		     e->cfg.jedec[0], e->cfg.jedec[1], e->cfg.jedec[2], ((size_t)e->mask + 1) >> 10,
		     m[5], m[4], m[3], m[2], m[1], m[0], app_baud(e), e->cfg.app_status_ms);
	if (n > 0)
		line_out_put(e, t, (const uint8_t *)b,
			     (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

void app_timeout(struct emu *e, uint64_t t)
{
	uint64_t up = (t - e->app_t0) / 1000u;
	char b[96];
	int n;

	if (!e->app_booted) {
		boot_log(e, t);
		e->app_booted = true;
	} else {
		n = snprintf(b, sizeof(b),
			     "[%6" PRIu64 ".%03" PRIu64 "] app: running, wifi idle\r\n", up / 1000u,
			     up % 1000u);
		line_out_put(e, t, (const uint8_t *)b, (size_t)n);
	}
	e->app_next = e->cfg.app_status_ms ? t + e->cfg.app_status_ms * 1000ull : UINT64_MAX;
}
