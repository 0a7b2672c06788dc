/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the library's session files: the device context (dev.c), its link
 * state, the transport helpers (dev.c) and the log/progress/cancel hooks (log.c). The
 * command exchange and recovery are in exchange.h. Not installed, not part of the API.
 */
#ifndef BLR_LIB_DEV_H
#define BLR_LIB_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"

/*
 * What the library knows about the other end of the line. One value, changed only by
 * link_set() (exchange.c), which logs every change. Who enters each state is said with it.
 */
enum link_state {
	/* Nothing known: a new context; a connect starting (exchange_begin); the ROM has run
	 * the uploaded loader, which has not answered yet; after blr_reset(); after a cancelled
	 * wait (the reply is still due); after a reload that failed. Only a handshake
	 * (blr_connect) goes on from here. */
	LINK_UNKNOWN,
	/* The boot ROM in command mode at rom_baud: ROM frames (checksum 0, <= 4092 bytes,
	 * doc/protocol.md CKS-2, LIM-1). Entered when get_boot_info says ROM (connect.c). */
	LINK_ROM,
	/* A loader (ours or found running) in command mode at baud: loader frames (checksum,
	 * <= frame_limit). Entered on a loader handshake (recover.c, connect.c). It may still
	 * have fallen back to its handshake state unseen after two receive timeouts
	 * (LDR-TIMEOUT-2): the exchange checks the idle time before each command (REC-4). */
	LINK_LOADER,
	/* The loader is known to be back in its handshake state: its third counted failure
	 * (FAIL-1, exchange.c note_fl), or a failing frame sent on purpose that it ignored
	 * (RESYNC-1). Left by a handshake before the next command. */
	LINK_LOADER_SYNC,
	/* The boot ROM answered while a loader was expected: the chip was reset (RESET-1).
	 * Entered by the exchange on an FL 02 01 or a get_boot_info version 1 while the link is
	 * LINK_LOADER or LINK_LOADER_SYNC, or on an FL 02 01 heard during a loader handshake.
	 * No loader frame is sent in this state; the reload (connect.c chip_reload, RESET-2)
	 * leaves it for LINK_LOADER, or for LINK_UNKNOWN when it fails. Without a loader file to
	 * reload the link stays here until the next blr_connect. */
	LINK_ROM_UNEXPECTED,
};

/* Early-OK writes and their late FL (doc/protocol.md ORD-2, REC-1), kept by the exchange. */
struct late_fl {
	bool window; /* a 0x31/0x3F was sent and no write check passed since: a late FL 06 00 /
		      * 0B 00 may still arrive and is not the answer to the command it follows */
	bool seen;   /* a late FL 06 00 / 0B 00 arrived since the last erase (the loader's erase
		      * clears its latched error), or a write frame may have been executed with
		      * bytes of a frame completion (REC-10) */
	bool xz;     /* a late FL 0C 00 (xz stream undecodable, XZ-3) not yet reported */
};

/* What recovery has told the user (REC-12): WARN lines at most every few seconds. */
struct rec_log {
	bool active;	      /* an episode: a command failed and has not succeeded since */
	bool loud;	      /* this episode's lines are WARN */
	unsigned steps;	      /* recovery steps already announced in this episode (bit set) */
	unsigned hidden;      /* retries logged below WARN since the last WARN line */
	uint64_t quiet_until; /* no new episode is announced at WARN before this time */
};

struct blr_dev {
	struct blr_transport t;
	blr_log_fn log_fn;
	void *log_user;
	enum blr_log_level log_max;
	blr_progress_fn progress_fn;
	void *progress_user;
	blr_cancel_fn cancel_fn;
	void *cancel_user;

	uint16_t last_dev_err;
	int last_os_err;

	enum link_state link;
	unsigned fails;	     /* FL replies since the last loader handshake (FAIL-1, REC-3) */
	uint64_t last_rx_ms; /* last reply completed (the loader's idle clock) */
	struct late_fl late;
	unsigned cur_baud; /* what the port is set to */
	unsigned rom_baud;
	unsigned baud; /* loader work baud */

	/* limits of the loader in use */
	uint32_t frame_limit;
	bool frame_limit_inferred; /* an unknown build's 0x4004, taken from its get_boot_info
				    * answer (LIM-5): dropped when a larger frame is lost */
	uint32_t read_chunk;
	bool read_chunk_probed;
	bool has_boot_info; /* answers get_boot_info (new command set) */
	unsigned rx_timeout_ms;

	struct blr_chip_info info;
	struct blr_listen listen; /* what the last failed connect heard (blr_dev_last_listen) */
	bool listened;

	bool gone;	    /* the transport said BLR_E_GONE: nothing is sent or read any more */
	bool dirty;	    /* a loader command was given up on without recovery: recover first */
	bool reply_started; /* the device began to answer the last frame, which then reached it
			     * whole; the reply stopped short (REC-15) */
	uint8_t seal_byte;  /* first byte to complete the last loader frame with (REC-10) */
	uint8_t seal_id;    /* that frame's command id */
	struct rec_log rec; /* recovery messages (REC-12) */
	/* Called once by the next frame the exchange sends, after its write and before the wait
	 * for its reply (the frame is on the wire), then cleared: work that can overlap the line
	 * time (xz.c encodes the next 0x3F packet). Whoever sets it clears it after the command. */
	void (*on_sent)(void *user);
	void *on_sent_user;
	/* The loader file of this session, copied by blr_connect (the caller's buffer may be
	 * gone) for a reload after a chip reset (RESET-2); NULL when the session has none. */
	uint8_t *ldr_img;
	size_t ldr_img_len;
	struct blr_loader_info ldr_li;
};

/* The session is usable: blr_connect finished (its last step identifies the flash and sets
 * info.flash_size; a connect starting clears it) and a loader is on the link. */
bool dev_connected(const struct blr_dev *dev);

/* ---- transport helpers (dev.c) ----------------------------------------------------------- */

#define DEV_WAIT_SLICE_MS 100u /* long waits poll the cancel callback this often */

uint64_t dev_now_ms(struct blr_dev *dev);
void dev_sleep_ms(struct blr_dev *dev, unsigned ms);
/* A long wait that the cancel callback can cut short: BLR_OK or BLR_E_CANCELLED. */
int dev_wait_ms(struct blr_dev *dev, unsigned ms);
/* Keeps the transport's errno for r (not for BLR_OK / BLR_E_TIMEOUT); returns r. BLR_E_GONE
 * marks the context: every later transport helper returns BLR_E_GONE at once (GONE-2). */
int dev_keep_os(struct blr_dev *dev, int r);
/* Set the port's baud (nothing to do when it already is). */
int dev_set_baud(struct blr_dev *dev, unsigned baud);
/* Line time of bytes at the current baud in ms, rounded up. */
unsigned dev_line_ms(struct blr_dev *dev, size_t bytes);
/* Write all of buf within twice its line time plus a slack; dev_tx also logs it (TRACE). */
int dev_write(struct blr_dev *dev, const uint8_t *buf, size_t len);
int dev_tx(struct blr_dev *dev, const uint8_t *buf, size_t len);
/* transport read, errno kept; timeout 0 = what is there */
int dev_read(struct blr_dev *dev, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got);
void dev_flush_input(struct blr_dev *dev);

/* ---- log.c ---------------------------------------------------------------------------------- */

void dev_log(struct blr_dev *dev, enum blr_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dev_log_hex(struct blr_dev *dev, const char *what, const uint8_t *buf, size_t len);
#define dev_err(d, ...)	 dev_log((d), BLR_LOG_ERROR, __VA_ARGS__)
#define dev_warn(d, ...) dev_log((d), BLR_LOG_WARN, __VA_ARGS__)
#define dev_info(d, ...) dev_log((d), BLR_LOG_INFO, __VA_ARGS__)
#define dev_dbg(d, ...)	 dev_log((d), BLR_LOG_DEBUG, __VA_ARGS__)
bool dev_cancelled(struct blr_dev *dev);
void dev_progress(struct blr_dev *dev, enum blr_stage stage, uint64_t done, uint64_t total);

#endif
