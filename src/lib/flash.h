/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the flash operation files: the commands with their retries and timing
 * (flash.c), the cost model measured during an operation (cost.c), chip and host digests
 * (chiphash.c), xz streams (xz.c), the write plan (plan.c), verified reads (read.c) and
 * updates (write.c). Not installed, not part of the API.
 */
#ifndef BLR_LIB_FLASH_H
#define BLR_LIB_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dev.h"

#define FL_SECTOR 4096u
#define FL_HALF	  (32u * 1024u)
#define FL_BLOCK  (64u * 1024u)
#define FL_PAGE	  256u /* the flash's programming unit */
#define FL_SHA	  32u
#define FL_TRIES  3u /* times a block is redone (OP-17) */
#define FL_FF	  0xFF

/* ---- the cost model (cost.c): what a command costs on this link, measured (OP-7) ---------- */

struct fl_costs {
	double rtt;	 /* ms per command beyond its line and device time (adapter latency, USB) */
	double wire;	 /* ms per byte on the line: 10 bits at the current baud */
	double hash;	 /* ms per byte the chip hashes (0x3D) */
	double prog;	 /* ms per byte programmed */
	double erase[3]; /* ms per erase step of 4, 32, 64 KiB */
	/* measurements so far */
	double rtt_sum, hash_ms, hash_bytes;
	unsigned rtt_n;
};

/* One flash operation in progress: the device, its costs and counters. */
struct fl_op {
	struct blr_dev *dev;
	struct fl_costs c;
	uint64_t bytes_read, bytes_hashed;
	unsigned hashes, resets;
	/* WRITE progress of fl_write_raw and fl_xz_write: prog_base + flash bytes done of
	 * prog_total (0: none) */
	uint64_t prog_base, prog_total;
};
/* WRITE progress: done of n flash bytes of the current write. */
void fl_write_progress(const struct fl_op *o, uint64_t done);

void fl_op_init(struct fl_op *o, struct blr_dev *dev);
/* A command of req request bytes and rsp reply bytes that made the device work work_ms took
 * dt_ms: learn the round-trip time (reads) or the hash rate (hashes of hashed bytes). */
void fl_cost_note_read(struct fl_op *o, size_t n, uint64_t dt_ms);
void fl_cost_note_hash(struct fl_op *o, size_t n, uint64_t dt_ms);
/* Measure the round trip before the first decision needs it: a SHA-256 of nothing (SHA-1). */
int fl_cost_measure(struct fl_op *o);
/* Expected ms to read n bytes in read chunks; to have the chip hash n bytes. */
double fl_cost_read(const struct fl_op *o, size_t n);
double fl_cost_hash(const struct fl_op *o, size_t n);
/* Expected ms to send n bytes in frames and program out bytes with them (early OK: the line
 * and the programming overlap, doc/protocol.md ORD-2). */
double fl_cost_send(const struct fl_op *o, size_t n, size_t out);
/* The shortest run of 0xFF that costs more to send inside a raw frame than a frame of its own
 * costs (WRITE-5, OP-14): its line time is above a round trip and a frame header. */
size_t fl_cost_ff_gap(const struct fl_op *o);
/* Erase steps the loader takes for [start, end) (ERASE-2): counts[0..2] for 4/32/64 KiB
 * (added to); returns their expected ms. */
double fl_erase_steps(const struct fl_op *o, uint64_t start, uint64_t end, size_t counts[3]);

/* ---- commands (flash.c) -------------------------------------------------------------------- */

/* Connected, a buffer where one is needed (have_buf), [addr, addr+len) inside the flash. */
int fl_check(struct blr_dev *dev, uint32_t addr, size_t len, bool have_buf);
uint32_t fl_read_chunk(struct blr_dev *dev);
uint32_t fl_write_chunk(struct blr_dev *dev);
/* Read in chunks, each retried by the exchange (REC-11) and timed for the cost model; report:
 * READ progress per chunk. */
int fl_read(struct fl_op *o, uint32_t addr, uint8_t *buf, size_t len, bool report);
/* 0x3D of [addr, addr+len), timed. */
int fl_sha(struct fl_op *o, uint32_t addr, size_t len, uint8_t out[FL_SHA]);
/* Erase the sectors overlapping [addr, addr+len) in pieces (OP-3); ERASE progress counts
 * prog_base + erased bytes of prog_total. */
int fl_erase(struct fl_op *o, uint32_t addr, size_t len, uint64_t prog_base, uint64_t prog_total);
/* An erase of nothing (end < start: ERASE-4) to clear the loader's latched write error and the
 * exchange's record of a late FL (ERASE-6, OP-17) before a failed block is redone. */
int fl_clear_latch(struct fl_op *o);
/* Program [addr, addr+len) with 0x31 frames; all-0xFF stretches are not sent (nothing to
 * program on erased flash, WRITE-2). *sent (may be NULL) adds the data bytes sent. */
int fl_write_raw(struct fl_op *o, uint32_t addr, const uint8_t *buf, size_t len, uint64_t *sent);
/*
 * Frame boundaries (OP-14): a 0x31 frame at addr with the bytes d[0..avail) whose checksum
 * (CKS-1, ldr_frame_sum) is not 0, the loader's "do not check" value (CKS-3). Returns f->n, the
 * most data bytes (at most max - pre - post, >= 1) such a frame can carry; f->pre (0..3) bytes
 * before addr are sent again first (before[nbefore - pre..], 0xFF where before is short) and
 * f->post bytes of 0xFF follow the data: programming either changes nothing (WRITE-2). The
 * payload (ISP_ADDR_LEN + pre + n + post bytes, address first) is built in p, which has room
 * for ISP_ADDR_LEN + max bytes. 0 if no such frame exists (never seen: it takes a first byte
 * and then only 0xFF at address 0).
 */
struct fl_frame {
	unsigned pre;
	size_t n, post;
};
size_t fl_frame_len(uint32_t addr, const uint8_t *d, size_t avail, size_t max,
		    const uint8_t *before, size_t nbefore, uint8_t *p, struct fl_frame *f);
/* A device error of the early-OK writes: the late FL 06 00 / 0B 00 (programming) or the
 * FL 0C 00 of a bad xz stream (XZ-3). */
bool fl_write_failed(const struct blr_dev *dev, int r);

/* ---- digests (chiphash.c) ------------------------------------------------------------------- */

int fl_host_sha(const uint8_t *p, size_t n, uint8_t out[FL_SHA]);
/* SHA-256 of n bytes of 0xFF (erased flash). */
int fl_blank_sha(size_t n, uint8_t out[FL_SHA]);
bool fl_all_ff(const uint8_t *p, size_t n);
/*
 * The chip's digest of [a, a+n) against want (OP-11): *eq. An equal digest is trusted (noise
 * cannot produce it); with confirm a differing one is asked once more and *eq is true when
 * the second reply equals want. chip (may be NULL) gets the last digest.
 */
int fl_chip_equal(struct fl_op *o, uint32_t a, size_t n, const uint8_t want[FL_SHA], bool confirm,
		  bool *eq, uint8_t *chip);

/* ---- xz streams for 0x3F (xz.c) -------------------------------------------------------------- */

/* Built with liblzma (Meson feature xz)? */
bool fl_xz_available(void);
/* The loader has 0x3F: a known build that has it, or an unknown build that answered
 * get_boot_info (the 24-command set, LDR-1, BUILD-2). */
bool fl_xz_loader(const struct blr_dev *dev);
/* *out_len: the length of in[0..n) as an xz stream of XZ-6 (the sample of OP-15).
 * BLR_E_UNSUPPORTED without liblzma. */
int fl_xz_size(const uint8_t *in, size_t n, uint64_t *out_len);
/* Program in[0..n) at addr as one xz stream of XZ-6 in 0x3F packets (XZ-1), encoded as it is
 * sent: each packet's successor while the packet is on the wire. *xz_len: the stream's length
 * once it was encoded whole (0 before). BLR_E_UNSUPPORTED without liblzma. */
int fl_xz_write(struct fl_op *o, uint32_t addr, const uint8_t *in, size_t n, uint64_t *xz_len);

#endif
