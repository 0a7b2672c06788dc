/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by session.c, flash.c and log.c: the device context and the command
 * primitives. Not installed, not part of the API.
 */
#ifndef BLR_LIB_DEV_H
#define BLR_LIB_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"

enum dev_stage {
	DEV_NONE,   /* nothing known */
	DEV_ROM,    /* ROM in command mode */
	DEV_LOADER, /* loader (ours or found running) */
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

	enum dev_stage stage;
	unsigned cur_baud; /* what the port is set to */
	unsigned rom_baud;
	unsigned baud; /* loader work baud */
	unsigned handshake_tries;
	uint64_t last_rx_ms; /* last reply completed (device idle clock) */
	unsigned fails;	     /* FL replies since the last loader handshake (§3.5) */
	bool need_handshake; /* loader is known to be back in handshake mode */
	bool wrote;	     /* a 0x31 was sent: a late FL 06 00 may arrive */
	bool late_write_err; /* a late FL 06 00 was seen since the last erase */

	/* limits of the loader in use */
	uint32_t frame_limit;
	uint32_t read_chunk;
	bool read_chunk_probed;
	bool has_pd;
	bool has_boot_info; /* answers get_boot_info (new command set) */
	unsigned rx_timeout_ms;

	bool connected;
	struct blr_chip_info info;
};

/* log.c */
void dev_log(struct blr_dev *dev, enum blr_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dev_log_hex(struct blr_dev *dev, const char *what, const uint8_t *buf, size_t len);
#define dev_err(d, ...)	 dev_log((d), BLR_LOG_ERROR, __VA_ARGS__)
#define dev_warn(d, ...) dev_log((d), BLR_LOG_WARN, __VA_ARGS__)
#define dev_info(d, ...) dev_log((d), BLR_LOG_INFO, __VA_ARGS__)
#define dev_dbg(d, ...)	 dev_log((d), BLR_LOG_DEBUG, __VA_ARGS__)
bool dev_cancelled(struct blr_dev *dev);
void dev_progress(struct blr_dev *dev, enum blr_stage stage, uint64_t done, uint64_t total);

/* session.c: one command, no retry. rsp/cap receive the data of data replies; *rsp_len gets
 * its length (may be NULL). timeout_ms 0 = from the command table. Returns BLR_OK,
 * BLR_E_DEVICE (code kept), BLR_E_TIMEOUT, BLR_E_PROTOCOL, a transport error, or
 * BLR_E_CANCELLED when the cancel callback asked to stop while the device was silent (the
 * reply is then still due: the session is marked not connected). */
int isp_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms);
/* Loader command with recovery: before sending, re-handshake if the loader is known or
 * likely to be back in handshake mode; on timeout / protocol error / FL, recover and retry
 * (tries total). Device errors other than transient ones are returned after the last try. */
int ldr_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms, unsigned tries);
/* Bring a loader at dev->baud back to command mode (probe, handshake, wait for its timeouts). */
int ldr_recover(struct blr_dev *dev);

#endif
