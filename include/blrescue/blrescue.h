/* SPDX-License-Identifier: MIT */
/*
 * libblrescue: back up and restore the SPI flash of a Bouffalo Lab BL602/BL604 over its
 * UART boot ROM and the vendor flash loader (eflash_loader).
 *
 * Rules for everything behind this header:
 *  - nothing prints, nothing exits, there are no globals;
 *  - every call returns 0 (BLR_OK) or a negative enum blr_err;
 *  - when the device answered "FL" + code, the call returns BLR_E_DEVICE and the code is
 *    kept: blr_dev_last_device_error(); blr_device_error_name() names it (doc/protocol.md §10);
 *  - OS errors keep their errno: blr_dev_last_os_error();
 *  - logging, progress and cancellation go through callbacks installed by the caller;
 *  - threads: one struct blr_dev per thread (a context must not be used by two threads at
 *    once); contexts share no state, so each thread may drive its own port. The functions
 *    without a context (loader parsing, image analysis, the helpers below) keep no state and
 *    may be called from any thread.
 *
 * Units are in the names: _ms milliseconds, addr and len in bytes, baud in bit/s.
 */
#ifndef BLRESCUE_H
#define BLRESCUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/error.h"
#include "blrescue/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, e.g. "0.1.0" (the project version it was built from). */
const char *blr_version(void);

/* ---- errors (enum blr_err and blr_strerror are in error.h) --------------------------- */

/* Vendor name of a device error code (doc/protocol.md §10), e.g. 0x0103 -> "CMD_CRC_ERROR";
 * "UNKNOWN" for codes not in the table; never NULL. */
const char *blr_device_error_name(uint16_t code);

/* ---- logging, progress, cancellation -------------------------------------------------- */

enum blr_log_level {
	BLR_LOG_ERROR = 0,
	BLR_LOG_WARN = 1,
	BLR_LOG_INFO = 2,
	BLR_LOG_DEBUG = 3,
	BLR_LOG_TRACE = 4, /* every frame sent and received, hex-dumped */
};

typedef void (*blr_log_fn)(void *user, enum blr_log_level level, const char *msg);

enum blr_stage {
	BLR_STAGE_UPLOAD_LOADER = 0,
	BLR_STAGE_READ,
	BLR_STAGE_ERASE,
	BLR_STAGE_WRITE,
	BLR_STAGE_VERIFY,
	BLR_STAGE_COMPARE, /* per-sector hashing before a partial write */
};

/* done/total in bytes for the stage; called at least once with done == total on success. */
typedef void (*blr_progress_fn)(void *user, enum blr_stage stage, uint64_t done, uint64_t total);
/* Polled between chunks and every 100 ms while waiting for a long reply (chip erase, SHA-256
 * of a large range); return true to stop: the call fails with BLR_E_CANCELLED. A cancel
 * during a wait leaves the device mid-command: call blr_connect again before more work. */
typedef bool (*blr_cancel_fn)(void *user);

/* ---- the device context --------------------------------------------------------------- */

struct blr_dev;

/* Takes ownership of the transport (closed by blr_dev_free). */
int blr_dev_new(struct blr_dev **out, struct blr_transport *t);
void blr_dev_free(struct blr_dev *dev);

void blr_dev_set_log(struct blr_dev *dev, blr_log_fn fn, void *user, enum blr_log_level max);
void blr_dev_set_progress(struct blr_dev *dev, blr_progress_fn fn, void *user);
void blr_dev_set_cancel(struct blr_dev *dev, blr_cancel_fn fn, void *user);

uint16_t blr_dev_last_device_error(const struct blr_dev *dev); /* 0 if none */
int blr_dev_last_os_error(const struct blr_dev *dev);	       /* errno, 0 if none */

/* ---- flash loader images (pure, no I/O) -------------------------------------------------- */

struct blr_loader_info {
	size_t size;	    /* file size */
	uint8_t sha256[32]; /* of the whole file */
	const char *build;  /* a build whose protocol features are known (the name in
			     * doc/protocol.md §8.3), or NULL: the library then assumes
			     * the conservative values below */
	/* What the file is, from the table of official files by SHA-256 (doc/protocol.md §8.3);
	 * NULL / 0 / false for a file not in the table ("unknown build"): */
	const char *chip;	 /* "BL602"; another chip's file ("BL702", "BL606P",
				  * "BL606P or BL702", "legacy BL60x") is refused, with *info
				  * filled all the same */
	const char *file_names;	 /* its official name(s), e.g. "eflash_loader_40m.bin" */
	const char *releases;	 /* the bflb-mcu-tool releases that ship it, e.g.
				  * "1.8.4, 1.10.0"; NULL for the files of other origins */
	uint32_t xtal_khz;	 /* the crystal it is built for: 40000 (most BL602 modules),
				  * 24000, 26000, 32000, 38400 (52000: legacy BL60x); 0 when
				  * not in the table or built for no crystal (xtal_rc) */
	bool xtal_rc;		 /* built for no crystal (the internal RC oscillator: the
				  * eflash_loader_none.bin / _rc32m.bin files) */
	uint32_t seg_dest;	 /* segment destination address */
	uint32_t seg_len;	 /* segment data length */
	bool header_crc_ignored; /* bootcfg crc_ignore + DEADBEEF */
	bool hash_ignored;	 /* bootcfg hash_ignore + DEADBEEF word */
	/* What the library may assume of this build. Unknown valid images get conservative
	 * values: frame_limit 0x2404, pd false (PD still tolerated), get_boot_info false. */
	uint32_t frame_limit;	   /* largest request payload N the loader accepts */
	bool has_pd;		   /* sends "PD" during erases */
	bool has_get_boot_info;	   /* implements 0x10 */
	bool has_decompress_write; /* implements 0x3F */
	uint32_t rx_timeout_ms;	   /* loader's per-frame receive timeout */
};

/* Validates a loader file: boot header magic, flash/clock/header CRCs (honouring the
 * DEADBEEF ignore rule), segment count 1, segment header CRC, segment data length and CRC,
 * and the image hash unless ignored (doc/protocol.md §8.1), and identifies it by SHA-256
 * (§8.3). Returns BLR_E_FORMAT with *why set to a static English reason on failure (why may
 * be NULL). An official loader for another chip (its header cannot tell: only the SHA-256) is
 * refused with BLR_E_FORMAT and a reason naming what it is and what a BL602 needs; *info is
 * then filled too (chip, file_names, releases, size, sha256). */
int blr_loader_parse(const uint8_t *buf, size_t len, struct blr_loader_info *info,
		     const char **why);

/* ---- connecting ------------------------------------------------------------------------- */

#define BLR_DEFAULT_ROM_BAUD 500000u
#define BLR_DEFAULT_BAUD     2000000u

struct blr_connect_opts {
	unsigned rom_baud;	 /* 0 = BLR_DEFAULT_ROM_BAUD */
	unsigned baud;		 /* loader work baud; 0 = BLR_DEFAULT_BAUD */
	const char *reset_steps; /* NULL or "" = no line toggling; see blr_reset_steps_check() */
	const uint8_t *loader;	 /* loader file; may be NULL only if a loader is already running */
	size_t loader_len;
	unsigned handshake_tries; /* 0 = default (3) */
	bool no_probe;		  /* skip the "is a loader already running?" probe */
};

/*
 * The rate the chip actually runs at when the host talks at baud: both measure the host's
 * rate from the 0x55 handshake (40 MHz / divisor); the flash loader rounds results above
 * 970,000 to the nearest multiple of 500,000, the boot ROM those above 1,250,000
 * (doc/protocol.md, BAUD rules). A result that differs from baud by more than 3 % means the
 * chip would not understand the host: refuse or map such a rate before connecting.
 * 0 for a rate the chip cannot measure at all (divisor <= 3, i.e. above 10 Mbaud) or 0.
 */
unsigned blr_loader_baud(unsigned baud);
unsigned blr_rom_baud(unsigned baud);

/*
 * Reset (optional), probe for a running loader (reused if found), ROM handshake,
 * get_boot_info (refuses secured chips with BLR_E_SECURED), loader upload, loader
 * handshake at the work baud, MAC and JEDEC id read, flash size derived.
 */
int blr_connect(struct blr_dev *dev, const struct blr_connect_opts *opts);

/* Reset step language (stm32flash-style, documented in blrescue(1)):
 * comma-separated steps: "dtr" / "-dtr" assert / de-assert DTR, "rts" / "-rts" likewise,
 * "wNNN" wait NNN ms. Example: "rts,dtr,w50,-dtr,w50,-rts,w50".
 * Returns BLR_OK or BLR_E_INVAL. */
int blr_reset_steps_check(const char *steps);
/* Run a step string now (lines unsupported on the port are logged, not fatal). */
int blr_reset_steps_run(struct blr_dev *dev, const char *steps);

struct blr_chip_info {
	uint32_t rom_version;	 /* from the ROM's get_boot_info; 0 if it was not asked */
	bool loader_was_running; /* an already running loader was found and reused */
	uint8_t otp[16];	 /* get_boot_info bytes 4..19 (doc/protocol.md BOOTINFO-1) */
	uint8_t sign_type;	 /* otp[0] */
	uint8_t encrypted;	 /* otp[1] */
	uint32_t sw_cfg0;
	uint8_t chip_id[8];	  /* otp[8..15] as sent */
	uint8_t mac[6];		  /* display order (chip_id[5..0]); from 0x42 when available */
	bool mac_from_efuse_cmd;  /* mac came from 0x42 with a valid CRC */
	uint8_t jedec[4];	  /* manufacturer, type, capacity, flags (0x80 = known to loader) */
	uint32_t flash_size;	  /* bytes, from the JEDEC capacity */
	const char *loader_build; /* identified build, or NULL (unknown or not uploaded by us) */
	/* what the library uses for this loader; for an unknown build that answers
	 * get_boot_info 0x4004, inferred, and 0x2404 once a larger frame was lost (LIM-5) */
	uint32_t frame_limit;
	unsigned baud; /* baud the loader is talked to at */
};

int blr_get_info(struct blr_dev *dev, struct blr_chip_info *info);

/* What blr_connect heard when no handshake succeeded: before returning BLR_E_NO_RESPONSE it
 * listens at the rates firmware logs use (2,000,000, 115,200, 921,600 baud) to tell a chip that
 * runs its firmware (not in download mode: BOOT/GPIO8 was not high at reset) from silence
 * (wiring, power, TX/RX swapped) and from noise (bytes at a rate none of these decodes). */
enum blr_heard {
	BLR_HEARD_NOTHING = 0, /* no byte at any rate */
	BLR_HEARD_TEXT,	       /* readable text (a firmware's boot log) at .baud */
	BLR_HEARD_NOISE,       /* bytes, but no rate gave readable text */
};
struct blr_listen {
	enum blr_heard heard;
	unsigned baud;	 /* the rate the text was read at (TEXT), else 0 */
	size_t bytes;	 /* bytes received while listening */
	char sample[96]; /* printable excerpt of the text (TEXT), NUL-terminated */
};
/* BLR_OK with *out filled after a blr_connect that listened; BLR_E_INVAL when the last
 * connect did not get that far (it succeeded, or failed for another reason). */
int blr_dev_last_listen(const struct blr_dev *dev, struct blr_listen *out);

/* ---- flash operations (need blr_connect first) ------------------------------------------ */

#define BLR_SECTOR_SIZE 4096u

/* Read len bytes at addr into buf, in chunks up to the loader's limit, each reply length
 * checked, each chunk retried (with re-handshake) up to 3 times. */
int blr_flash_read(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len);
/* Erase every 4 KiB sector overlapping [addr, addr+len): the loader's end is inclusive
 * (addr+len-1), so no sector outside the range is touched. len 0 is a no-op. */
int blr_flash_erase(struct blr_dev *dev, uint32_t addr, size_t len);
int blr_flash_erase_all(struct blr_dev *dev); /* 0x3C chip erase */
/* Program only (no erase). Handles the early OK and a late FL. */
int blr_flash_write(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len);
/* 0x3A: BLR_OK, or BLR_E_DEVICE with the latched error. */
int blr_flash_write_check(struct blr_dev *dev);
/* The host's SHA-256 of buf, the digest blr_flash_sha256 is compared with (for a file that
 * records pieces of the flash by hash). BLR_OK, or BLR_E_NOMEM. */
int blr_sha256(const void *buf, size_t len, uint8_t out[32]);
/* 0x3D: the chip's own SHA-256 of [addr, addr+len). */
int blr_flash_sha256(struct blr_dev *dev, uint32_t addr, size_t len, uint8_t out[32]);
/* 0x42: MAC in display order, CRC checked. */
int blr_read_mac(struct blr_dev *dev, uint8_t mac[6]);
/* 0x21: reset the chip (boot mode decided by GPIO8). The session is over afterwards. */
int blr_reset(struct blr_dev *dev);

/* Number of 4 KiB sectors that [addr, addr+len) touches (0 for len 0): the length of
 * blr_flash_compare's diff array. */
size_t blr_sector_count(uint32_t addr, size_t len);

/* ---- verified reads (doc/protocol.md §9.4, OP-7 to OP-12) --------------------------------------
 */

/* A piece of the flash whose bytes the chip confirmed: its own SHA-256 (0x3D) of
 * [addr, addr+len) equalled the SHA-256 of the bytes the host holds for it. */
struct blr_block {
	uint32_t addr;
	uint32_t len;
	uint8_t sha256[32];
};

/* Called once for each block of the range as soon as its bytes in the caller's buffer are
 * final and confirmed by the chip (blank, equal to base, held, or read and hashed), in
 * ascending address order within each phase (held/base blocks first, then the rest). */
typedef void (*blr_block_fn)(void *user, const struct blr_block *block);

enum blr_read_flags {
	BLR_READ_NO_SKIP =
	    1 << 0, /* read every byte: no blank probing (base and held still used) */
};

/*
 * Options of blr_flash_read_ex; all zero/NULL is a plain verified read (blank regions found by
 * the chip's hash and not read, the whole range checked at the end, repaired on a mismatch).
 *
 * Resume: a command that keeps a sidecar of the blocks on_block reported can, after an
 * interruption, load the partial dump into buf and pass those blocks as held: each one whose
 * bytes in buf still have the recorded SHA-256 is checked against the chip by hash instead of
 * being read (blocks that no longer match are read again). Held blocks must lie inside the
 * range; overlapping blocks are allowed.
 */
struct blr_read_opts {
	unsigned flags;		      /* enum blr_read_flags */
	const uint8_t *base;	      /* an earlier dump of the same range (len bytes) or NULL:
				       * only blocks whose chip hash differs from it are read */
	const struct blr_block *held; /* blocks of buf that already hold the flash's bytes */
	size_t nheld;
	/* Report each confirmed block (for a sidecar). When set, what is read is also hashed
	 * by the chip right away (at most 256 KiB at a time), so that every report is final;
	 * that replaces the final whole-range hash. */
	blr_block_fn on_block;
	void *user;
};

struct blr_read_stats {
	uint64_t bytes_read;   /* flash bytes that came over the line (0x32), repairs included */
	uint64_t bytes_blank;  /* not read: the chip's hash showed all 0xFF */
	uint64_t bytes_base;   /* not read: the chip's hash equalled base */
	uint64_t bytes_held;   /* not read: held blocks the chip's hash confirmed */
	uint64_t bytes_hashed; /* bytes the chip hashed (0x3D), the final check included */
	unsigned hashes;       /* 0x3D commands */
	unsigned probes;       /* of which blank probes */
	unsigned repairs;      /* pieces read again because their hash differed */
};

/*
 * Read [addr, addr+len) into buf, every byte confirmed by the chip's own SHA-256, reading as
 * little as possible: all-0xFF regions are found by hashing (where the data just read
 * predicts them, with probe sizes chosen from the round-trip, line and hash times measured
 * during the call) and filled in, not read; base and held blocks are confirmed by hash. When
 * any byte was read and not yet confirmed (with on_block each 256 KiB stretch is hashed as it
 * is read), the chip hashes the whole range at the end; on a mismatch the differing
 * 64 KiB blocks, then 4 KiB sectors, are found by hash and read again. A digest that differs
 * is asked again before it ends the call. BLR_E_VERIFY only when the same piece keeps coming
 * back different from the chip's (re-asked) digest; buf then holds what arrived.
 * sha256 (may be NULL) gets the SHA-256 of the range, which the chip confirmed (its digest of
 * the whole range, or every piece by its own digest); on BLR_E_VERIFY the chip's last digest
 * of the whole range (zeros when the failing piece was hashed alone, with on_block).
 * opts and stats may be NULL. Progress: BLR_STAGE_READ (bytes of the range settled) and
 * BLR_STAGE_VERIFY.
 */
int blr_flash_read_ex(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len,
		      const struct blr_read_opts *opts, uint8_t sha256[32],
		      struct blr_read_stats *stats);
/* blr_flash_read_ex without options or statistics. */
int blr_flash_read_verified(struct blr_dev *dev, uint32_t addr, uint8_t *buf, size_t len,
			    uint8_t sha256[32]);
/*
 * Does [addr, addr+len) of the flash equal buf? Compares the chip's SHA-256 of the range
 * (0x3D) with the host's SHA-256 of buf: one command when they are equal; a differing digest
 * is asked once more before the answer is "different" (a corrupted reply cannot fake
 * equality, but it can fake a difference). On BLR_OK *equal tells and chip_sha256 (may be
 * NULL) holds the chip's digest. A difference is not an error here (blr_flash_compare then
 * says which sectors differ).
 */
int blr_flash_verify(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     bool *equal, uint8_t chip_sha256[32]);

/*
 * Compare a host buffer with the flash by 4 KiB sector using the chip's SHA-256 (the whole
 * range, then 64 KiB blocks, then the sectors of differing blocks; differing sector digests
 * are asked twice). diff (optional) has blr_sector_count(addr, len) bytes, one per sector of
 * the range (counted from addr rounded down to a sector); it gets 1 where the sector
 * differs. *ndiff gets the number of differing sectors.
 */
int blr_flash_compare(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		      uint8_t *diff, size_t *ndiff);

/* ---- updates (doc/protocol.md §9.4, OP-13 to OP-19) ----------------------------------------- */

struct blr_update_stats {
	size_t sectors_total;	/* sectors the range covers */
	size_t sectors_skipped; /* already identical: neither erased nor written */
	size_t sectors_erased;	/* 4 KiB sectors erased (by whatever erase size) */
	size_t bytes_written;	/* flash bytes programmed (0x31 data, 0x3F output) */
	size_t erases_4k;	/* erase steps the loader took (ERASE-2), by size */
	size_t erases_32k;
	size_t erases_64k;
	uint64_t bytes_sent_raw; /* data bytes sent in 0x31 frames */
	uint64_t bytes_sent_xz;	 /* xz stream bytes sent in 0x3F frames */
	uint64_t bytes_xz_out;	 /* flash bytes those streams expanded to */
	uint64_t bytes_hashed;	 /* bytes the chip hashed (0x3D), the final check included */
	unsigned hashes;	 /* 0x3D commands */
	unsigned repairs;	 /* blocks erased and written again (wrong after programming, a
				  * late programming or xz error, a chip reset) */
	bool xz_failed;		 /* decompress-write failed once: the rest went raw */
};

enum blr_update_flags {
	BLR_UPDATE_FULL = 1 << 0,      /* erase and write everything, no per-sector compare */
	BLR_UPDATE_NO_VERIFY = 1 << 1, /* skip the final SHA-256 check */
	BLR_UPDATE_NO_XZ = 1 << 2,     /* raw writes (0x31) only, no decompress-write (0x3F) */
};

struct blr_update_opts {
	unsigned flags; /* enum blr_update_flags */
	/* The current contents of [addr, addr+len) if the caller knows them (e.g. `write
	 * --backup` has just read them with blr_flash_read_ex): the plan is made from them
	 * instead of from the chip's hashes. Wrong contents cost time, never data: the final
	 * check finds the blocks and they are rewritten. NULL: ask the chip. */
	const uint8_t *current;
};

/*
 * Restore: bring [addr, addr+len) to buf. Plans per 64 KiB block from the chip's hashes (or
 * opts->current): equal blocks are skipped, blank sectors are never erased for their own
 * sake, 32/64 KiB erases are used where they are cheaper than sector erases plus rewriting
 * the sectors they would wipe, and 4 KiB hashes are asked only where they pay. Data goes as
 * xz (0x3F) where the loader has it and it compresses, else raw (0x31); bytes of partial
 * edge sectors outside the range are read back and preserved. Every block ends with a write
 * check (0x3A); a block that failed (late error, xz error, chip reset) is erased and written
 * again. Success only after the chip's SHA-256 of the whole range matches (unless
 * NO_VERIFY); on a mismatch the differing blocks are found by hash and rewritten (at most 3
 * times in a row each, then BLR_E_VERIFY). An interrupted update completes when run again.
 * opts and stats may be NULL.
 */
int blr_flash_update_ex(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
			const struct blr_update_opts *opts, struct blr_update_stats *stats);
/* blr_flash_update_ex with only flags. */
int blr_flash_update(struct blr_dev *dev, uint32_t addr, const uint8_t *buf, size_t len,
		     unsigned flags, struct blr_update_stats *stats);

/* ---- formatting helpers ------------------------------------------------------------------ */

/* A byte count for people: "2 MiB" / "4 KiB" for exact multiples, "1.50 MiB" (two decimals)
 * from 1 MiB up otherwise, else "123 bytes". NUL-terminated within cap (cap > 0). */
void blr_format_size(uint64_t n, char *buf, size_t cap);
/* Lower-case hex of b[0..n) into out, which needs 2 * n + 1 bytes (NUL-terminated): a
 * SHA-256 digest into char[65]. */
void blr_hex_string(const uint8_t *b, size_t n, char *out);

/* ---- serial port backend ------------------------------------------------------------------- */

/*
 * Open a serial port (or pseudo-terminal) in raw 8N1, exclusive, at baud; the old settings are
 * restored on close. Errors: BLR_E_NOENT, BLR_E_PERM, BLR_E_BUSY, BLR_E_IO (errno in *os_err
 * when os_err is not NULL).
 */
int blr_serial_open(const char *path, unsigned baud, struct blr_transport *out, int *os_err);

#ifdef __cplusplus
}
#endif

#endif
