/* SPDX-License-Identifier: MIT */
/*
 * The command exchange (exchange.c): one command at a time over the transport (protocol.md
 * §3.5), the handshakes (§2), the link state's transitions, the loader command with its
 * recovery (§3.6, §12.3 L2/L7/L20/L21) and the late FL of early-OK writes (§3.5).
 * Not installed, not part of the API.
 */
#ifndef BLR_LIB_EXCHANGE_H
#define BLR_LIB_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/dev.h"

/* The frame checksum (§3.2), and with it the payload limit of the receiver. */
enum frame_sum {
	SUM_ZERO,     /* 0: for the ROM, which does not check it; payload <= 4092 bytes (§3.3) */
	SUM_COMPUTED, /* the byte sum: for a loader; payload <= dev->frame_limit */
};

/* The one place where dev->link changes (logged at DEBUG). Entering LINK_LOADER (a handshake
 * or an identification) starts the loader's failure count (L7) anew. */
void link_set(struct blr_dev *dev, enum link_state to);

/* A session starts (blr_connect): link unknown, no early-OK write outstanding. */
void exchange_begin(struct blr_dev *dev);

/*
 * One command, no retry. rsp/cap receive the data of data replies; *rsp_len gets its length
 * (may be NULL). timeout_ms 0 = from the command table. Returns BLR_OK, BLR_E_DEVICE (code
 * kept), BLR_E_TIMEOUT, BLR_E_PROTOCOL, a transport error, or BLR_E_CANCELLED when the
 * cancel callback asked to stop while the device was silent (the reply is then still due:
 * the link becomes LINK_UNKNOWN and the session needs a new blr_connect).
 */
int isp_command(struct blr_dev *dev, enum frame_sum sum, uint8_t id, const uint8_t *payload,
		size_t n, uint8_t *rsp, size_t cap, size_t *rsp_len, unsigned timeout_ms);

/* tries handshakes (§2.1) at baud; between tries waits idle_ms when the device answered
 * something other than OK (it is then in command mode and must time out first). BLR_OK,
 * BLR_E_NO_RESPONSE, BLR_E_CANCELLED or a transport error. The link is not changed. */
int isp_handshake(struct blr_dev *dev, unsigned baud, unsigned tries, unsigned idle_ms);
/* How long a loader must be left alone to be back in its handshake state (2 x its receive
 * timeout and a margin, L21). */
unsigned ldr_idle_ms(const struct blr_dev *dev);
/* One loader handshake at dev->baud; on success the link is LINK_LOADER. */
int ldr_handshake(struct blr_dev *dev);
/* Bring a loader at dev->baud back to command mode (probe, handshake, wait for its
 * timeouts). */
int ldr_recover(struct blr_dev *dev);

/* Loader command (computed checksum) with recovery: before sending, re-handshake if the
 * loader is known or likely to be back in handshake mode; on timeout / protocol error / FL,
 * recover and retry (tries total). Device errors other than transient ones are returned after
 * the last try. BLR_E_INVAL unless a loader is on the link. */
int ldr_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms, unsigned tries);

/* The late FL of early-OK writes (§3.5), asked after a flash_write chunk (id ISP_FLASH_WRITE)
 * or a write check (ISP_FLASH_WRITE_CHECK) that returned r: r, or BLR_E_DEVICE (code
 * FLASH_WRITE_ERROR kept) when a late FL 06 00 / 0B 00 arrived since the last erase, seen on
 * the wire even if the loader's latch was lost to a re-handshake. A write check that passes
 * closes the window in which an FL 06 00 is taken for a late one. */
int ldr_late_fl(struct blr_dev *dev, uint8_t id, int r);

#endif
