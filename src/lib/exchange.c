/* SPDX-License-Identifier: MIT */
/*
 * The command exchange: one command at a time over the transport (doc/protocol.md ORD-1),
 * the link state, handshakes (§2), the late FL of early-OK writes (ORD-2, REC-1), replies that
 * show the ROM where a loader was expected (RESET-1). Loader commands with recovery are in
 * recover.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lib/codec.h"
#include "lib/exchange.h"
#include "lib/isp.h"

#define LDR_FAILS_TO_SYNC 3u /* third failing command -> handshake mode (FAIL-1) */
#define PENDING_SCAN_MAX  64u
#define RX_CHUNK	  4096u
#define BOOT_VERSION_ROM  1u  /* get_boot_info version of the ROM (§6.2) */
#define REPLY_GAP_MS	  50u /* a reply that started and then pauses this long lost bytes */

/* ---- link state ---------------------------------------------------------------------------- */

void link_set(struct blr_dev *dev, enum link_state to)
{
	static const char *const names[] = {
	    [LINK_UNKNOWN] = "unknown",
	    [LINK_ROM] = "ROM in command mode",
	    [LINK_LOADER] = "loader in command mode",
	    [LINK_LOADER_SYNC] = "loader in handshake mode",
	    [LINK_ROM_UNEXPECTED] = "ROM where the loader was expected (chip reset)",
	};

	if (to == LINK_LOADER)
		dev->fails = 0;
	if (dev->link == to)
		return;
	dev_dbg(dev, "link: %s -> %s", names[dev->link], names[to]);
	dev->link = to;
}

void exchange_begin(struct blr_dev *dev)
{
	link_set(dev, LINK_UNKNOWN);
	dev->late = (struct late_fl){0};
	dev->rec = (struct rec_log){0};
	dev->dirty = false;
}

uint8_t ldr_frame_sum(const uint8_t *payload, size_t n)
{
	return isp_checksum(payload, n);
}

static bool loader_expected(const struct blr_dev *dev)
{
	return dev->link == LINK_LOADER || dev->link == LINK_LOADER_SYNC;
}

/* The ROM answered where a loader was expected: the chip was reset (RESET-1). */
static void rom_answered(struct blr_dev *dev, const char *how)
{
	dev_dbg(dev, "the boot ROM answered (%s) where the loader was expected", how);
	link_set(dev, LINK_ROM_UNEXPECTED);
}

/* ---- replies that answer something else: late FL, handshake leftovers -------------------- */

static bool late_code(uint16_t code)
{
	return code == ISP_FL_FLASH_WRITE_ERROR || code == ISP_FL_DECOMPRESS_WRITE_ERROR ||
	       code == ISP_FL_XZ_ERROR;
}

/* A late FL 06 00 / 0B 00 / 0C 00 (an early-OK write that failed, ORD-2, XZ-3) or a handshake
 * leftover FL 02 01 (HS-8) is not the answer to the command just sent (REC-1). 0x3A answers
 * the latched programming error itself; the xz error is not latched (ORD-3), so an FL 0C 00
 * before 0x3A's answer is late too. */
static bool stray_fl(struct blr_dev *dev, uint8_t id, uint16_t code)
{
	if (code == ISP_FL_CMD_LEN_ERROR)
		return true;
	return late_code(code) && dev->late.window &&
	       (id != ISP_FLASH_WRITE_CHECK || code == ISP_FL_XZ_ERROR);
}

bool note_fl(struct blr_dev *dev, uint16_t code)
{
	dev->last_dev_err = code;
	if (code == ISP_FL_CMD_LEN_ERROR && loader_expected(dev)) {
		rom_answered(dev, "FL 02 01");
		return false;
	}
	if (code == ISP_FL_XZ_ERROR)
		dev->late.xz = true;
	else if (late_code(code))
		dev->late.seen = true;
	if (dev->link == LINK_LOADER && code != ISP_FL_CMD_CRC_ERROR &&
	    ++dev->fails >= LDR_FAILS_TO_SYNC) {
		dev_dbg(dev, "loader counted %u failures: back in handshake mode", dev->fails);
		link_set(dev, LINK_LOADER_SYNC);
	}
	return true;
}

int ldr_late_fl(struct blr_dev *dev, uint8_t id, int r)
{
	if (r == BLR_E_DEVICE && dev->last_dev_err == ISP_FL_XZ_ERROR)
		dev->late.xz = false; /* the only answer: reported now */
	if (r == BLR_OK && dev->late.xz) {
		dev_err(dev, "decompress-write: the chip could not decode the xz stream (late "
			     "FL 0C 00)");
		dev->late.xz = false;
		dev->last_dev_err = ISP_FL_XZ_ERROR;
		return BLR_E_DEVICE;
	}
	if (r == BLR_OK && dev->late.seen) {
		if (id != ISP_FLASH_WRITE_CHECK)
			dev_err(dev, "flash programming failed (late FL after the early OK)");
		dev->last_dev_err = ISP_FL_FLASH_WRITE_ERROR;
		r = BLR_E_DEVICE;
	}
	if (r == BLR_OK && id == ISP_FLASH_WRITE_CHECK)
		dev->late.window = false;
	return r;
}

void scan_pending(struct blr_dev *dev)
{
	uint8_t buf[PENDING_SCAN_MAX];
	struct isp_decoder d;
	size_t got = 0, off = 0;
	enum isp_ev ev;

	dev_read(dev, buf, sizeof(buf), 0, &got);
	if (!got)
		return;
	dev_log_hex(dev, "stray", buf, got);
	isp_dec_init(&d, false, NULL, 0);
	while (off < got) {
		off += isp_dec_feed(&d, buf + off, got - off, &ev);
		if (ev == ISP_EV_FL) {
			dev_warn(dev, "stray reply FL %04x (%s) before the next command", d.code,
				 blr_device_error_name(d.code));
			if (!note_fl(dev, d.code))
				return;
		}
	}
}

/* ---- one command ------------------------------------------------------------------------- */

struct reply_wait {
	uint8_t id;
	const struct isp_cmd_spec *spec;
	unsigned timeout_ms; /* for one reply, restarted by PD */
	uint64_t deadline, pd_cap;
	uint16_t stray_code; /* a stray FL skipped: the answer if nothing else comes */
	size_t skipped;	     /* garbage bytes the decoder had skipped at the last event */
	bool sync_lost;	     /* a stray FL was the loader's third failure: our frame is lost */
	bool rom;	     /* the ROM answered where a loader was expected (RESET-1) */
};

static int send_frame(struct blr_dev *dev, enum frame_check sum, uint8_t id, const uint8_t *payload,
		      size_t n)
{
	size_t limit = sum == SUM_COMPUTED ? dev->frame_limit : ISP_ROM_MAX_PAYLOAD;
	uint8_t *frame;
	size_t flen;
	int r;

	if (n > limit)
		return BLR_E_INVAL;
	frame = malloc(ISP_REQ_HDR_LEN + n);
	if (!frame)
		return BLR_E_NOMEM;
	flen = isp_encode(frame, ISP_REQ_HDR_LEN + n, id, payload, n, sum == SUM_COMPUTED);
	if (sum == SUM_COMPUTED) {
		dev->seal_byte = isp_seal_byte(payload, n); /* should this frame stay unfinished */
		dev->seal_id = id;
	}
	dev->reply_started = false;
	r = dev_tx(dev, frame, flen);
	free(frame);
	if (r == BLR_OK && (id == ISP_FLASH_WRITE || id == ISP_FLASH_DECOMPRESS_WRITE))
		dev->late.window = true;
	return r;
}

/* Feed rx[0..got) to the decoder: PD extends an erase's wait, stray FLs are skipped. Returns
 * the event that answers the command, or ISP_EV_NONE to read on. */
static enum isp_ev feed(struct blr_dev *dev, struct isp_decoder *d, const uint8_t *rx, size_t got,
			struct reply_wait *w)
{
	size_t used = 0;
	enum isp_ev ev;

	while (used < got) {
		used += isp_dec_feed(d, rx + used, got - used, &ev);
		if (ev == ISP_EV_NONE)
			break;
		if (ev == ISP_EV_PD) {
			/* PD restarts the clock of an erase (HOST-TO-3), within an overall cap */
			uint64_t t = dev_now_ms(dev);

			if ((w->id == ISP_FLASH_ERASE || w->id == ISP_FLASH_CHIP_ERASE) &&
			    t + w->timeout_ms < w->pd_cap)
				w->deadline = t + w->timeout_ms;
			dev_dbg(dev, "%s: PD", w->spec->name);
			w->skipped = d->skipped;
			continue;
		}
		if (ev == ISP_EV_FL && stray_fl(dev, w->id, d->code)) {
			if (!note_fl(dev, d->code)) {
				w->rom = true;
				return ISP_EV_NONE;
			}
			dev_warn(dev, "%s: stray FL %04x (%s) skipped", w->spec->name, d->code,
				 blr_device_error_name(d->code));
			w->stray_code = d->code;
			w->skipped = d->skipped;
			if (dev->link == LINK_LOADER_SYNC) {
				w->sync_lost = true; /* our frame went to a loader in sync mode */
				return ISP_EV_NONE;
			}
			continue;
		}
		if (used < got)
			dev_log_hex(dev, "rx extra", rx + used, got - used);
		return ev;
	}
	return ISP_EV_NONE;
}

static int reply_event(struct blr_dev *dev, const struct isp_decoder *d, const struct reply_wait *w,
		       enum isp_ev ev, size_t *rsp_len)
{
	dev->last_rx_ms = dev_now_ms(dev);
	if (d->skipped)
		dev_dbg(dev, "%s: skipped %zu garbage bytes", w->spec->name, d->skipped);
	switch (ev) {
	case ISP_EV_OK:
		dev_log(dev, BLR_LOG_TRACE, "rx %s: OK", w->spec->name);
		return BLR_OK;
	case ISP_EV_DATA:
		dev_log_hex(dev, "rx data", d->buf, d->len);
		if (w->id == ISP_GET_BOOT_INFO && loader_expected(dev) && d->len >= 4 &&
		    get_le32(d->buf) == BOOT_VERSION_ROM) {
			rom_answered(dev, "get_boot_info version 1");
			return BLR_E_CHIP_RESET;
		}
		if (!rsp_len && d->len != d->cap) {
			/* the length asked for did not come (READ-3): damaged on the line */
			dev_warn(dev, "%s: %zu bytes in the reply instead of %zu", w->spec->name,
				 d->len, d->cap);
			dev->reply_started = true;
			return BLR_E_PROTOCOL;
		}
		if (rsp_len)
			*rsp_len = d->len;
		return BLR_OK;
	case ISP_EV_FL:
		dev_dbg(dev, "%s: FL %04x (%s)", w->spec->name, d->code,
			blr_device_error_name(d->code));
		return note_fl(dev, d->code) ? BLR_E_DEVICE : BLR_E_CHIP_RESET;
	default:
		dev_warn(dev, "%s: reply length %zu exceeds %zu", w->spec->name, d->len, d->cap);
		dev->reply_started = true;
		return BLR_E_PROTOCOL;
	}
}

/* The device has begun to answer this command (a tag and more, or bytes it could not parse
 * as one): the frame reached it whole. Erases pause between PDs and are left alone. */
static bool answering(const struct isp_decoder *d, const struct reply_wait *w)
{
	if (w->id == ISP_FLASH_ERASE || w->id == ISP_FLASH_CHIP_ERASE)
		return false;
	return d->state == DEC_LEN || d->state == DEC_CODE || d->state == DEC_DATA ||
	       d->skipped > w->skipped;
}

static int await_reply(struct blr_dev *dev, struct isp_decoder *d, struct reply_wait *w,
		       size_t *rsp_len)
{
	uint8_t rx[RX_CHUNK];

	for (;;) {
		uint64_t now = dev_now_ms(dev);
		size_t want = isp_dec_want(d), got = 0;
		bool started = answering(d, w);
		enum isp_ev ev;
		unsigned slice;
		int r;

		if (now >= w->deadline)
			break;
		if (want > sizeof(rx))
			want = sizeof(rx);
		/* waits of minutes (erases, SHA of big ranges) are read in slices so that a
		 * cancel request is seen while the device is silent (HOST-TO-2) */
		slice = w->deadline - now > DEV_WAIT_SLICE_MS ? DEV_WAIT_SLICE_MS
							      : (unsigned)(w->deadline - now);
		if (started && slice > REPLY_GAP_MS)
			slice = REPLY_GAP_MS;
		r = dev_read(dev, rx, want, slice, &got);
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return r;
		if (!got && started && slice == REPLY_GAP_MS) {
			/* a reply sent in one piece that stops: bytes were lost on the line
			 * (REC-15); no use waiting for the rest */
			dev_dbg(dev, "%s: the reply stopped short", w->spec->name);
			dev->reply_started = true;
			return BLR_E_TIMEOUT;
		}
		if (!got && dev_cancelled(dev)) {
			dev_warn(dev, "%s: cancelled while waiting for the reply", w->spec->name);
			link_set(dev, LINK_UNKNOWN); /* the reply is still to come: reconnect */
			return BLR_E_CANCELLED;
		}
		ev = feed(dev, d, rx, got, w);
		if (w->rom)
			return BLR_E_CHIP_RESET;
		if (w->sync_lost)
			return BLR_E_TIMEOUT;
		if (ev != ISP_EV_NONE)
			return reply_event(dev, d, w, ev, rsp_len);
	}
	if (w->stray_code) {
		/* the "stray" FL was the only answer after all */
		dev->last_dev_err = w->stray_code;
		return BLR_E_DEVICE;
	}
	dev_dbg(dev, "%s: no reply within %u ms", w->spec->name, w->timeout_ms);
	return BLR_E_TIMEOUT;
}

int isp_command(struct blr_dev *dev, enum frame_check sum, uint8_t id, const uint8_t *payload,
		size_t n, uint8_t *rsp, size_t cap, size_t *rsp_len, unsigned timeout_ms)
{
	struct reply_wait w = {.id = id, .spec = isp_cmd_spec(id)};
	struct isp_decoder d;
	int r;

	if (rsp_len)
		*rsp_len = 0;
	if (!rsp)
		cap = 0;
	r = send_frame(dev, sum, id, payload, n);
	if (r != BLR_OK)
		return r;
	if (dev->on_sent) {
		void (*fn)(void *) = dev->on_sent;

		dev->on_sent = NULL;
		fn(dev->on_sent_user);
	}
	w.timeout_ms = timeout_ms ? timeout_ms : isp_timeout_ms(id, 0, cap, dev->cur_baud);
	isp_dec_init(&d, w.spec->reply == ISP_REPLY_DATA, rsp, cap);
	/* the request itself may still be on the line */
	w.deadline = dev_now_ms(dev) + w.timeout_ms + dev_line_ms(dev, ISP_REQ_HDR_LEN + n);
	w.pd_cap = w.deadline + ISP_PD_MAX_WAIT_MS;
	return await_reply(dev, &d, &w, rsp_len);
}

/* ---- handshakes (§2) ------------------------------------------------------------------------- */

/* FL 02 01 among what a handshake read: the ROM in command mode parsed the burst (HS-8). */
static bool has_len_error(const uint8_t *rx, size_t n)
{
	static const uint8_t fl[4] = {ISP_TAG_FL_0, ISP_TAG_FL_1, ISP_FL_CMD_LEN_ERROR & 0xFF,
				      ISP_FL_CMD_LEN_ERROR >> 8};

	for (size_t i = 0; i + sizeof(fl) <= n; i++)
		if (!memcmp(rx + i, fl, sizeof(fl)))
			return true;
	return false;
}

/* *answered: some bytes came back (the device may be in command mode, not in sync). */
static int handshake_once(struct blr_dev *dev, unsigned baud, bool *answered, bool *heard_rom)
{
	size_t n = (size_t)((uint64_t)baud * ISP_SYNC_BURST_US / 10u / 1000000u);
	size_t most = (size_t)((uint64_t)baud * ISP_SYNC_MAX_US / 10u / 1000000u);
	uint8_t *burst, rx[PENDING_SCAN_MAX];
	size_t have = 0;
	uint64_t deadline;
	int r;

	*answered = false;
	/* 0x55s that arrive after ~8 ms (ROM) / ~13 ms (loader) are parsed as frames (HS-2) */
	if (n < ISP_SYNC_MIN_BYTES)
		n = most < ISP_SYNC_MIN_BYTES ? most : ISP_SYNC_MIN_BYTES;
	if (n == 0)
		n = 1;
	r = dev_set_baud(dev, baud);
	if (r != BLR_OK)
		return r;
	dev_flush_input(dev);
	burst = malloc(n);
	if (!burst)
		return BLR_E_NOMEM;
	memset(burst, ISP_SYNC_BYTE, n);
	dev_dbg(dev, "handshake: %zu x 0x55 at %u baud", n, baud);
	r = dev_write(dev, burst, n);
	free(burst);
	if (r != BLR_OK)
		return r;
	deadline = dev_now_ms(dev) + dev_line_ms(dev, n) + ISP_SYNC_REPLY_MS;
	while (have < sizeof(rx)) {
		uint64_t now = dev_now_ms(dev);
		size_t got = 0;

		if (now >= deadline)
			break;
		r = dev_read(dev, rx + have, 1, (unsigned)(deadline - now), &got);
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return r;
		have += got;
		if (have >= 2 && rx[have - 2] == ISP_TAG_OK_0 && rx[have - 1] == ISP_TAG_OK_1) {
			dev_log_hex(dev, "handshake rx", rx, have);
			dev_sleep_ms(dev, ISP_SYNC_SETTLE_MS);
			dev_flush_input(dev);
			dev->last_rx_ms = dev_now_ms(dev);
			return BLR_OK;
		}
	}
	*answered = have > 0;
	if (has_len_error(rx, have))
		*heard_rom = true;
	if (have)
		dev_log_hex(dev, "handshake rx (no OK)", rx, have);
	return BLR_E_NO_RESPONSE;
}

int isp_handshake(struct blr_dev *dev, unsigned baud, unsigned tries, unsigned idle_ms,
		  bool *heard_rom)
{
	bool rom = false;
	int r = BLR_E_NO_RESPONSE;

	for (unsigned i = 0; i < tries; i++) {
		bool answered;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = handshake_once(dev, baud, &answered, &rom);
		if (r != BLR_E_NO_RESPONSE)
			break;
		if (i + 1 < tries && dev_wait_ms(dev, answered ? idle_ms : ISP_SYNC_REPLY_MS))
			return BLR_E_CANCELLED;
	}
	if (heard_rom)
		*heard_rom = rom;
	return r;
}
