/* SPDX-License-Identifier: MIT */
/*
 * Emulator of a BL602 in UART download mode: the mask ROM, then (after run_image) the
 * eflash_loader, as protocol.md §10 and §12 describe.
 *
 * INDEPENDENCE RULE: nothing under src/emu may include or link the library's protocol code
 * (src/lib: framing, checksums, state machines, timeouts). Only src/common (byte getters,
 * CRC-32, SHA-256) is shared. A mistake in one side must be caught by the other.
 *
 * The core is a pure event machine over time in microseconds, driven by its caller:
 *   emu_input()  bytes the host sent, arriving at now_us;
 *   emu_output() bytes the device has put on the line by now_us;
 *   emu_next_event_us() the next time something happens on its own (a reply becomes ready,
 *     a receive timeout fires, an erase finishes) so callers can sleep exactly that long.
 * With the timing model off every reply is ready at once and flash operations take no time;
 * device timeouts (ROM 2 s, loader 2 x 2 s) always apply.
 */
#ifndef BLR_EMU_H
#define BLR_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu;

typedef void (*emu_log_fn)(void *user, const char *line);
/* Called after flash bytes [off, off+len) changed (erase or program); may be called several
 * times per command (one per contiguous piece). */
typedef void (*emu_flash_fn)(void *user, uint32_t off, uint32_t len);

struct emu_timing {
	bool enabled;              /* off by default */
	unsigned latency_us;       /* adapter turnaround added before every reply */
	unsigned sector_erase_us;  /* 4 KiB: 45 ms */
	unsigned block32_erase_us; /* 32 KiB: 120 ms */
	unsigned block64_erase_us; /* 64 KiB: 150 ms */
	unsigned chip_erase_us;    /* 5 s */
	unsigned page_program_us;  /* per 256 bytes: 400 us */
	unsigned sha_bytes_per_ms; /* hardware SHA rate; 0 = instant */
};

struct emu_config {
	size_t flash_size;        /* power of two, 64 KiB .. 16 MiB */
	uint8_t jedec[3];         /* manufacturer, type, capacity (e.g. C8 40 15) */
	bool jedec_known;         /* flags byte 0x80 in the 0x36 reply */
	uint8_t efuse_mac[6];     /* eFuse order (as sent in get_boot_info bytes 12..17) */
	bool secured;             /* sign + encrypt eFuse bits set: plain loaders refused */
	bool old_loader;          /* 21-command build: no 0x10/0x3F/0x33, no PD, limit 0x2404 */
	unsigned loader_rx_timeout_ms; /* 2000 (10000 for the 38 784-byte build) */
	struct emu_timing timing;
	emu_log_fn log;           /* one line per command served; may be NULL */
	void *log_user;
	/* Additions (all zero/NULL by default): */
	uint32_t sw_cfg0;         /* eFuse 0x10-0x13, get_boot_info bytes 8..11 (§4.1.1) */
	uint32_t efuse_word0;     /* eFuse word 0 (R4); secured ORs in 0x86 (sign, encrypt) */
	emu_flash_fn flash_changed; /* may be NULL */
	void *flash_user;
};

/* Defaults: 2 MiB GD25Q16 (C8 40 15, known), MAC 02:42:60:2B:00:01 in display order,
 * new loader, 2000 ms timeouts, timing off with the typical values filled in. */
void emu_config_defaults(struct emu_config *cfg);

/* flash: caller-owned buffer of cfg->flash_size bytes, modified in place by writes and
 * erases (NOR: erase sets 0xFF, program ANDs). Returns NULL on bad config / no memory. */
struct emu *emu_new(const struct emu_config *cfg, uint8_t *flash);
void emu_free(struct emu *e);

/* The baud rate the host's line is set to (the emulator syncs only on 0x55 sent at a baud
 * it can measure; with timing enabled bytes are paced at 10 bits per byte of this rate). */
void emu_set_baud(struct emu *e, unsigned baud);

void emu_input(struct emu *e, const uint8_t *buf, size_t n, uint64_t now_us);
size_t emu_output(struct emu *e, uint8_t *buf, size_t cap, uint64_t now_us);
/* UINT64_MAX when nothing is scheduled. */
uint64_t emu_next_event_us(const struct emu *e);

/* Where the device is, for tests and logs. */
enum emu_state {
	EMU_ROM_WAIT_SYNC,
	EMU_ROM_CMD,
	EMU_LDR_WAIT_SYNC,
	EMU_LDR_CMD,
};
enum emu_state emu_get_state(const struct emu *e);
/* Commands served since emu_new (every frame the emulator parsed, answered or not). */
unsigned long emu_commands_served(const struct emu *e);
/* Flash bytes touched by erase/program, for tests that count wear. */
uint64_t emu_bytes_erased(const struct emu *e);
uint64_t emu_bytes_programmed(const struct emu *e);

/* Power cycle with GPIO8 high at now_us: pending input and output are discarded, the ROM
 * waits for a handshake. Flash and eFuse are kept. */
void emu_reset(struct emu *e, uint64_t now_us);

/* Test hooks (fault injection). */
void emu_fail_next_program(struct emu *e); /* next 0x31 latches FL 06 00 after its OK */

/*
 * Serve the emulator on a pseudo-terminal master fd until *stop becomes non-zero or the
 * fd fails. Reads the client's baud from the terminal settings, paces output when timing
 * is enabled. Returns 0 or -1 with errno set.
 */
int emu_pty_serve(struct emu *e, int master_fd, volatile int *stop);

#endif
