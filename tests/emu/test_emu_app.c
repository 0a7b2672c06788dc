/* SPDX-License-Identifier: MIT */
/*
 * The application stage (doc/protocol.md EMU-22) on the virtual clock: started without the
 * BOOT pin the chip prints its boot log and status lines at its own baud rate and ignores the
 * host; a power cycle with the BOOT pin (emu_reset) brings the ROM back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static void app_with(struct h *h, unsigned baud, unsigned status_ms)
{
	struct emu_config cfg;

	emu_config_defaults(&cfg);
	cfg.boot = EMU_BOOT_APP;
	cfg.app_baud = baud;
	cfg.app_status_ms = status_ms;
	h_init(h, &cfg, 0xFF);
}

static unsigned count(const char *s, const char *needle)
{
	unsigned n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* Boot log first, then a status line every 300 ms. */
static void boot_log_and_status(void **state)
{
	static char buf[4096];
	size_t k;
	struct h h;

	(void)state;
	app_with(&h, 115200, 300);
	emu_set_baud(h.e, 115200);
	assert_int_equal(emu_get_state(h.e), EMU_APP);
	k = h_recv(&h, (uint8_t *)buf, sizeof(buf) - 1, 50000);
	buf[k] = 0;
	assert_non_null(strstr(buf, "application firmware"));
	assert_non_null(strstr(buf, "[boot] MAC 02:42:60:2B:00:01\r\n"));
	assert_non_null(strstr(buf, "[boot] flash C8 40 15, 2048 KiB\r\n"));
	assert_non_null(strstr(buf, "[boot] UART0 115200 baud\r\n"));
	assert_int_equal(count(buf, "app: running"), 0);
	/* boot at 30 ms: status lines at 330, 630 and 930 ms */
	k = h_recv(&h, (uint8_t *)buf, sizeof(buf) - 1, 1000000);
	buf[k] = 0;
	assert_int_equal(count(buf, "app: running"), 3);
	assert_non_null(strstr(buf, "[     0.630] app: running, wifi idle\r\n"));
	h_free(&h);
}

/* No handshake is possible; emu_reset (BOOT pin held) returns to the ROM. */
static void ignores_input(void **state)
{
	static uint8_t burst[700], buf[4096];
	size_t k;
	struct h h;

	(void)state;
	app_with(&h, 115200, 0);
	emu_set_baud(h.e, 115200);
	h_recv(&h, buf, sizeof(buf), 100000); /* the boot log */
	memset(burst, 0x55, sizeof(burst));
	h_send(&h, burst, sizeof(burst));
	k = h_recv(&h, buf, sizeof(buf), 2000000);
	assert_int_equal(k, 0); /* no OK, and with status 0 no status lines */
	assert_int_equal(emu_get_state(h.e), EMU_APP);
	emu_reset(h.e, h.now);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_sync(&h, 500000);
	h_free(&h);
}

/* A host at another rate sees nothing (§12 EMU-2); the default rate is 2 Mbaud. */
static void app_baud(void **state)
{
	uint8_t buf[4096];
	struct h h;

	(void)state;
	app_with(&h, 115200, 300);
	emu_set_baud(h.e, 2000000);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 1000000), 0);
	h_free(&h);

	app_with(&h, 0, 300);
	emu_set_baud(h.e, 2000000);
	assert_true(h_recv(&h, buf, sizeof(buf), 1000000) > 100);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(boot_log_and_status),
	    cmocka_unit_test(ignores_input),
	    cmocka_unit_test(app_baud),
	};

	return cmocka_run_group_tests_name("emu-app", tests, NULL, NULL);
}
