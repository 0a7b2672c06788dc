/* SPDX-License-Identifier: MIT */
/*
 * Emulator of a BL602 in UART download mode: the mask ROM, then (after run_image) the
 * eflash_loader, as doc/protocol.md §6, §7 and §12 describe.
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
 *
 * Model decisions where doc/protocol.md leaves room (the rooms listed in emu_int.h cite the
 * section of each rule):
 *  - Sync: the first 0x55 in a wait-sync state starts auto-baud; OK follows 8 ms (ROM) /
 *    12 ms (loader) later, also with timing off. Bytes arriving within 8 ms (ROM) / 13 ms
 *    (loader) of that first 0x55 are dropped; later ones are parsed (HS-8: the ROM answers
 *    FL 02 01 once per emu_input() chunk of >= 4 leftover bytes; HS-9: the loader starts an
 *    endless 0x5555-byte frame). With timing off the whole run of 0x55 that made the sync
 *    is dropped (robust against scheduler delays on a pty); leftovers need timing on.
 *    Other bytes never start a sync. A host baud that the device
 *    cannot measure (40 MHz / baud <= 3) never syncs.
 *  - Baud: the device keeps the baud it measured (rounded as BAUD-4 says). If the host's
 *    baud (emu_set_baud) then differs by more than 3 %, bytes in both directions are lost
 *    (real hardware would deliver garbage). Unknown host baud (0): no check.
 *  - A "FIFO read" of the firmware is modelled as the bytes of one emu_input() call: the
 *    ROM drops the rest of it after FL 02 01, the loader drops what follows a complete
 *    frame in it (no pipelining, ORD-1, EMU-4).
 *  - ROM idle state: a lone byte that is not an enabled command id is skipped; a chunk of
 *    >= 4 bytes starting with one is consumed as a frame without a reply (ORD-6 says the chip
 *    sometimes re-runs the previous command instead) or answered FL 02 01 if its length
 *    field exceeds 4092. Enabled but unmodelled ROM commands (0x12 0x14 0x16 0x30 0x31 0x33
 *    0x40 0x50) are consumed without a reply.
 *  - ROM image checks: encrypt/sign bits of the header must equal the chip's (both ways);
 *    segment destination must lie in 0x22008000..0x2203FFFF (else FL 11 02); more segment
 *    headers than segment_cnt -> FL 07 02; 0x18 with no segment header, 0x19/0x1A before a
 *    good header or check -> FL 04 01. The segment data CRC (seg header bytes 8..11) is not
 *    checked (blisp sends 0).
 *  - Loader: checksum is checked before the command table lookup (an unknown id with a bad
 *    checksum gets FL 03 01). 0x3A's FL counts as a failed command. 0x3C does not clear the
 *    latched error (only 0x30 is documented to). 0x33 is modelled as a reset into the ROM.
 *    0x37 returns zeros (at most 4 bytes); 0x51 returns zeros; 0x40 ORs into RAM eFuse.
 *    0x3F refuses streams whose check is not CRC32/none or whose LZMA2 dictionary is larger
 *    than 32 KiB (the loader's xz-embedded decoder). Erase uses 64-bit arithmetic.
 *  - Timing (when enabled): host bytes arrive paced at 10 bits/byte of the host baud
 *    (115200 if unknown); each reply starts latency_us after it is produced and is paced the
 *    same way; erase steps, page programming (per 256 bytes) and SHA take their durations;
 *    0x3C sends PD at its start and every second. The loader's receive call (and with it the
 *    2 s timeout) restarts when the previous command has finished and its reply is sent.
 *  - Faults (EMU-16..EMU-20, off by default): seeded byte faults on the line,
 *    events (stall, auto-baud fallback, brown-out, reset into the firmware, the port
 *    vanishing) between bytes and commands, program/erase failures, slow erases.
 *  - Application stage (EMU-22): without the BOOT pin the firmware prints a boot log and
 *    status lines at its own rate and ignores input.
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
	bool enabled;		   /* off by default */
	unsigned latency_us;	   /* adapter turnaround added before every reply */
	unsigned sector_erase_us;  /* 4 KiB: 45 ms */
	unsigned block32_erase_us; /* 32 KiB: 120 ms */
	unsigned block64_erase_us; /* 64 KiB: 150 ms */
	unsigned chip_erase_us;	   /* 5 s */
	unsigned page_program_us;  /* per 256 bytes: 400 us */
	unsigned sha_bytes_per_ms; /* hardware SHA rate; 0 = instant */
};

/* How the chip starts (§12 EMU-22): with the BOOT pin (download mode: the ROM waits for a
 * handshake) or without it (its firmware runs and prints, input is ignored). */
enum emu_boot { EMU_BOOT_DOWNLOAD = 0, EMU_BOOT_APP = 1 };

struct emu_config {
	size_t flash_size;    /* power of two, 64 KiB .. 16 MiB */
	uint8_t jedec[3];     /* manufacturer, type, capacity (e.g. C8 40 15) */
	bool jedec_known;     /* flags byte 0x80 in the 0x36 reply */
	uint8_t efuse_mac[6]; /* eFuse order (as sent in get_boot_info bytes 12..17) */
	bool secured;	      /* sign + encrypt eFuse bits set: plain loaders refused */
	bool old_loader;      /* 21-command build: no 0x10/0x3F/0x33, no PD, limit 0x2404 */
	unsigned loader_rx_timeout_ms; /* 2000 (10000 for the 38 784-byte build) */
	/* The loader's frame limit N; 0: the build's (0x4004 new, 0x2404 old). Frames above it
	 * never complete (LIM-4) and reads clamp to it (READ-2): e.g. 0x2404 with the new
	 * command set, a build the library's inference of LIM-5 gets wrong. */
	unsigned loader_frame_limit;
	struct emu_timing timing;
	emu_log_fn log; /* one line per command served; may be NULL */
	void *log_user;
	/* Additions (all zero/NULL by default): */
	uint32_t sw_cfg0;	    /* eFuse 0x10-0x13, get_boot_info bytes 8..11 (§6.2) */
	uint32_t efuse_word0;	    /* eFuse word 0 (§6.2); secured ORs in 0x86 (sign, encrypt) */
	emu_flash_fn flash_changed; /* may be NULL */
	void *flash_user;
	/* The application stage (§12 EMU-22): */
	enum emu_boot boot;	/* EMU_BOOT_DOWNLOAD by default */
	unsigned app_baud;	/* the firmware's UART rate; 0 = 2000000 */
	unsigned app_status_ms; /* a status line this often; 0 = none (defaults: 300) */
	/* Fault injection (§12 EMU-16..EMU-20); see emu_faults_check() for the grammar: */
	const char *faults;   /* NULL or "" = none; copied by emu_new */
	uint64_t fault_seed;  /* decisions: a function of (seed, item, index) */
	emu_log_fn fault_log; /* one line per injected fault; NULL: to log */
	void *fault_log_user;
};

/* Defaults: 2 MiB GD25Q16 (C8 40 15, known), MAC 02:42:60:2B:00:01 in display order,
 * new loader, 2000 ms timeouts, timing off with the typical values filled in, download
 * mode (the application at 2000000 baud with a status line every 300 ms), no faults. */
void emu_config_defaults(struct emu_config *cfg);

/* flash: caller-owned buffer of cfg->flash_size bytes, modified in place by writes and
 * erases (NOR: erase sets 0xFF, program ANDs). Returns NULL on bad config (a fault spec
 * that emu_faults_check() refuses included) / no memory. */
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
	EMU_APP, /* the firmware runs (EMU-22): no handshake possible */
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
 * Fault injection (§12 EMU-16..EMU-20). A spec is a comma-separated list of KIND=WHAT:
 *   drop-in drop-out dup-in dup-out flip-in flip-out   =1/N (each byte of that direction
 *       with probability 1/N) or =@I (the byte with index I, counted from 0)
 *   stall=DUR@WHEN            no byte moves either way for DUR (us, ms or s suffix)
 *   autobaud=@WHEN reset-rom=@WHEN reset-app=@WHEN vanish=@WHEN
 *   program-fail erase-fail  =#N (the N-th such command, from 1) or =1/N (each one)
 *   slow-erase=xF             erases take F times their duration (F >= 1, e.g. x4 or x2.5)
 * WHEN is in:I or out:I (a byte index of that direction), t:DUR (time since emu_new) or
 * cmd:N (right after the N-th command frame was served). Returns 0, or -1 with a one-line
 * message in msg (cap bytes).
 */
int emu_faults_check(const char *spec, char *msg, size_t cap);

enum emu_fault_kind {
	EMU_F_DROP_IN,
	EMU_F_DROP_OUT,
	EMU_F_DUP_IN,
	EMU_F_DUP_OUT,
	EMU_F_FLIP_IN,
	EMU_F_FLIP_OUT,
	EMU_F_STALL,
	EMU_F_AUTOBAUD,
	EMU_F_RESET_ROM,
	EMU_F_RESET_APP,
	EMU_F_VANISH,
	EMU_F_PROGRAM_FAIL,
	EMU_F_ERASE_FAIL,
	EMU_F_SLOW_ERASE,
	EMU_F_KINDS
};
/* The spec name of a kind ("drop-in", ...). */
const char *emu_fault_name(enum emu_fault_kind k);

/* What crossed the line and what the device did, since emu_new (§12 EMU-21). */
struct emu_stats {
	uint64_t bytes_in;	   /* host bytes received (counted before faults) */
	uint64_t bytes_out;	   /* device bytes sent (counted before faults) */
	unsigned long frames[256]; /* frames served per command id */
	uint64_t erased, programmed;
	unsigned long faults[EMU_F_KINDS]; /* faults injected (slow-erase: erases slowed) */
};
void emu_get_stats(const struct emu *e, struct emu_stats *st);
/* True once a vanish fault fired: the device takes no input and sends nothing. */
bool emu_vanished(const struct emu *e);
/* The emulator's clock: the latest time it was driven to. */
uint64_t emu_now_us(const struct emu *e);

/*
 * Serve the emulator on a pseudo-terminal master fd until *stop becomes non-zero, the fd
 * fails or a vanish fault fires. Reads the client's baud from the terminal settings, paces
 * output when timing is enabled; the emulator's clock goes on from emu_now_us() (serving
 * may be resumed). Returns 0 (stopped), 1 (the port vanished: the caller closes it) or -1
 * with errno set.
 */
int emu_pty_serve(struct emu *e, int master_fd, volatile int *stop);

#endif
