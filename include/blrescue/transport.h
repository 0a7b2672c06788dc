/* SPDX-License-Identifier: MIT */
/*
 * The byte-stream transport under the protocol: a small vtable so that the library can be
 * driven by a real serial port (blr_serial_open) or by an injected transport in tests (an
 * in-process emulator with a virtual clock).
 *
 * Every function returns BLR_OK (0) or a negative enum blr_err.
 */
#ifndef BLRESCUE_TRANSPORT_H
#define BLRESCUE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct blr_transport_ops {
	/* Any baud rate; BLR_E_UNSUPPORTED if the OS cannot set it. */
	int (*set_baud)(void *ctx, unsigned baud);
	/* Write all len bytes within timeout_ms, or fail. */
	int (*write)(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms);
	/* Wait until len bytes have arrived or timeout_ms has passed. *got = bytes stored.
	 * BLR_OK when *got == len, BLR_E_TIMEOUT when short, another error otherwise. */
	int (*read)(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got);
	/* Discard everything received and not yet read. */
	int (*flush_input)(void *ctx);
	/* Wait until everything written has left the host. */
	int (*drain)(void *ctx);
	/* dtr/rts: 1 assert, 0 de-assert, -1 leave as is. BLR_E_UNSUPPORTED is not an error
	 * for callers (a pseudo-terminal has no modem lines: ENOTTY). */
	int (*set_lines)(void *ctx, int dtr, int rts);
	/* Monotonic clock and sleep: real time for a port, virtual time in tests. */
	uint64_t (*now_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, unsigned ms);
	/* Restore the port and free ctx. */
	void (*close)(void *ctx);
	/* errno of the last failing call, 0 if none or not applicable. */
	int (*last_os_error)(void *ctx);
};

struct blr_transport {
	const struct blr_transport_ops *ops;
	void *ctx;
};

#ifdef __cplusplus
}
#endif

#endif
