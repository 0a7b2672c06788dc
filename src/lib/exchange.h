/* SPDX-License-Identifier: MIT */
/*
 * The command exchange (exchange.c): one command at a time over the transport (doc/protocol.md
 * ORD-1), the handshakes (§2), the link state's transitions and the late FL of early-OK
 * writes (ORD-2, REC-1). Loader commands with their recovery (recover.c, §9.3), and the
 * reload after a chip reset (connect.c, RESET-2). Not installed, not part of the API.
 */
#ifndef BLR_LIB_EXCHANGE_H
#define BLR_LIB_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dev.h"

/* The frame checksum (§3.2), and with it the payload limit of the receiver. */
enum frame_check {
	SUM_ZERO,     /* 0: for the ROM, which does not check it; payload <= 4092 bytes (§3.3) */
	SUM_COMPUTED, /* the byte sum: for a loader; payload <= dev->frame_limit */
};

/*
 * The checksum a loader frame with this payload carries (CKS-1): the low byte of the sum of
 * the two length bytes and every payload byte (the 4-byte address of a write is part of the
 * payload). 0 means "unchecked" to the loader (CKS-3): a frame damaged on the line then runs
 * with the damage. Whoever cuts data into frames (the flash layer's writes) should choose
 * frame boundaries whose sum is not 0, e.g. by making a chunk one byte shorter (REC-13).
 */
uint8_t ldr_frame_sum(const uint8_t *payload, size_t n);

/* The one place where dev->link changes (logged at DEBUG). Entering LINK_LOADER (a handshake
 * or an identification) starts the loader's failure count (FAIL-1) anew. */
void link_set(struct blr_dev *dev, enum link_state to);

/* A session starts (blr_connect): link unknown, no early-OK write outstanding. */
void exchange_begin(struct blr_dev *dev);

/*
 * One command, no retry. rsp/cap receive the data of data replies; *rsp_len gets its length;
 * with rsp_len NULL a data reply must carry exactly cap bytes, else BLR_E_PROTOCOL. timeout_ms 0 =
 * from the command table. Returns BLR_OK, BLR_E_DEVICE (code kept), BLR_E_TIMEOUT, BLR_E_PROTOCOL,
 * a transport error (BLR_E_GONE: the port went away), BLR_E_CHIP_RESET when the ROM answered while
 * a loader was expected (the link is then LINK_ROM_UNEXPECTED, RESET-1), or BLR_E_CANCELLED when
 * the cancel callback asked to stop while the device was silent (the reply is then still due: the
 * link becomes LINK_UNKNOWN and the session needs a new blr_connect).
 * Between the frame's write and the wait for its reply it calls dev->on_sent once (dev.h).
 */
int isp_command(struct blr_dev *dev, enum frame_check sum, uint8_t id, const uint8_t *payload,
		size_t n, uint8_t *rsp, size_t cap, size_t *rsp_len, unsigned timeout_ms);

/* Count an FL as the loader does (FAIL-1, REC-3): its third counted failure makes the link
 * LINK_LOADER_SYNC. An FL 02 01 while a loader is expected comes from the ROM (RESET-1): the
 * link becomes LINK_ROM_UNEXPECTED and false is returned. */
bool note_fl(struct blr_dev *dev, uint16_t code);

/* Reads what arrived unasked before a loader command (REC-2): stray FLs are counted, an
 * FL 02 01 while a loader is expected means a chip reset (LINK_ROM_UNEXPECTED). */
void scan_pending(struct blr_dev *dev);

/* Tries handshakes (HS-6) at baud; between tries waits idle_ms when the device answered
 * something other than OK (it is then in command mode and must time out first). BLR_OK,
 * BLR_E_NO_RESPONSE, BLR_E_CANCELLED or a transport error. The link is not changed.
 * *heard_rom (may be NULL): an FL 02 01 came back instead, the ROM in command mode parsing
 * the burst (HS-8). */
int isp_handshake(struct blr_dev *dev, unsigned baud, unsigned tries, unsigned idle_ms,
		  bool *heard_rom);

/* The late FL of early-OK writes (ORD-2), asked after a flash_write chunk (ISP_FLASH_WRITE), a
 * decompress-write packet (ISP_FLASH_DECOMPRESS_WRITE) or a write check (ISP_FLASH_WRITE_CHECK)
 * that returned r: r, or BLR_E_DEVICE with the code kept: FLASH_WRITE_XZ_ERROR when a late
 * FL 0C 00 arrived since it was last reported (XZ-3: not latched, so reported once), else
 * FLASH_WRITE_ERROR when a late FL 06 00 / 0B 00 arrived since the last erase, seen on the
 * wire even if the loader's latch was lost to a re-handshake (OP-5), or when a write frame
 * may have run with bytes of a frame completion (REC-10). A write check that passes closes
 * the window in which such codes are taken for late ones. */
int ldr_late_fl(struct blr_dev *dev, uint8_t id, int r);

/* ---- loader commands and recovery (recover.c) ------------------------------------------- */

/* ldr_command's tries: */
#define LDR_RETRY 0u /* retried while the chip answers recovery, within the budget (REC-11) */
#define LDR_ONCE                                                                                   \
	1u /* commands that must not run twice (reset, chip erase, an xz packet):                  \
	    * sent again only when the loader is known not to have taken the frame                 \
	    * (FL 03 01, or a frame completion answered FL 03 01, REC-10) */

/* How long a loader must be left alone to be back in its handshake state (2 x its receive
 * timeout and a margin, LDR-TIMEOUT-4). */
unsigned ldr_idle_ms(const struct blr_dev *dev);

/* After a handshake that answered OK at dev->cur_baud with the link LINK_LOADER: who is it
 * (RESET-1)? get_boot_info (new builds answer version 0xFFFFFFFF, the ROM version 1), then,
 * when that stays silent and the loader is not known to answer it, flash_read_jedec_id.
 * BLR_OK (a loader: has_boot_info learned), BLR_E_CHIP_RESET (the ROM), BLR_E_NO_RESPONSE
 * (nothing identified itself), or a transport error. */
int ldr_identify(struct blr_dev *dev);

/* One loader handshake at dev->baud, then ldr_identify: BLR_OK with the link LINK_LOADER,
 * BLR_E_CHIP_RESET (LINK_ROM_UNEXPECTED), BLR_E_NO_RESPONSE or a transport error. */
int ldr_handshake(struct blr_dev *dev);

/*
 * Loader command (computed checksum) with recovery: before sending, re-handshake if the
 * loader is known or likely to be back in handshake mode (REC-4); on a timeout, a malformed
 * reply or FL 03 01, recover (REC-6: complete a frame the loader is still receiving, probe,
 * handshake, wait for its receive timeouts) and send it again (REC-5), while recovery reaches
 * the loader, within the retry budget (REC-11); LDR_ONCE as said above. A command given up on
 * leaves the line to be recovered before the next one. Device errors other than transient
 * ones are returned at once. BLR_E_INVAL unless a loader is on the link.
 *
 * BLR_E_CHIP_RESET: the chip was reset during the command (RESET-1). If the session has a
 * loader file, it was uploaded again and the session goes on (dev_connected() is true): the
 * command may or may not have run, and what earlier commands did since the flash was last
 * checked is unknown (a write acknowledged by the ROM's handshake OK was not programmed);
 * redo the current block from the chip's hashes. Without a loader file (a reused running
 * loader) the session is over (dev_connected() false; every later loader command returns
 * BLR_E_CHIP_RESET again, at once). If the reload itself fails, its error
 * is returned instead and the session is over.
 * BLR_E_GONE: the port went away; nothing more is sent (GONE-2).
 */
int ldr_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms, unsigned tries);

/* ---- the connect flow (connect.c, listen.c) ------------------------------------------------ */

/* No handshake succeeded: listen briefly at the rates firmware logs use and fill dev->listen
 * (TEXT, NOISE or NOTHING; LISTEN-1, LISTEN-2); dev->listened becomes true. */
void connect_listen(struct blr_dev *dev);

/* After a chip reset (LINK_ROM_UNEXPECTED): let the ROM time out, handshake it at rom_baud,
 * upload the session's loader copy, start it (RESET-2). BLR_E_CHIP_RESET with the link
 * LINK_LOADER, or the reload's error (link LINK_UNKNOWN); BLR_E_CHIP_RESET with the link left
 * LINK_ROM_UNEXPECTED when the session has no loader file (every later loader command then
 * returns BLR_E_CHIP_RESET at once, until blr_connect). */
int chip_reload(struct blr_dev *dev);

#endif
