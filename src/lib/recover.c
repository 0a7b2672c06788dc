/* SPDX-License-Identifier: MIT */
/*
 * Loader commands with recovery (doc/protocol.md §9.3): the idle rule before a command (REC-4),
 * retries while the chip keeps answering, within a time budget (REC-5, REC-11), the recovery
 * ladder (REC-6): completing a frame the loader is still receiving (REC-10), a probe, a
 * handshake and who answered it (RESET-1), the loader's receive timeouts; a chip reset hands
 * over to the reload (connect.c, RESET-2); and what the user is told (REC-12).
 */
#include <stdio.h>

#include "common/bytes.h"
#include "lib/codec.h"
#include "lib/exchange.h"
#include "lib/isp.h"

#define RECOVER_PROBE_MS      300u   /* HOST-TO-1 */
#define RECOVER_PROBES	      3u     /* probes answered FL (a pending frame closed) */
#define IDENT_MS	      100u   /* get_boot_info after a handshake (HS-14, BUILD-2) */
#define LDR_SYNC_MARGIN_MS    500u   /* around the loader's 2 x rx timeout (LDR-TIMEOUT-4) */
#define LDR_MAX_RX_TIMEOUT_MS 10000u /* 38 784-byte build (LDR-TIMEOUT-1) */
#define RECOVER_DRAIN_MS      20u
#define DRAIN_MAX_MS	      2000u
#define SEAL_BYTES	      8u  /* REC-10: closes a frame short of up to 8 bytes */
#define SEAL_WAIT_MS	      30u /* for the FL 03 01 after each byte */
#define RETRY_MIN	      3u  /* REC-11: attempts before the time budget counts */
#define RETRY_MAX	      16u /* consecutive failures of one command */
#define RETRY_BUDGET_MS	      30000u
#define REC_QUIET_MS	      10000u /* REC-12: one retry line at WARN per 10 s */
#define MS_PER_S	      1000u

/* Recovery steps announced once per episode (struct rec_log.steps). */
enum rec_step {
	STEP_HANDSHAKE = 1u << 0,
	STEP_WAIT_FRAME = 1u << 1,
	STEP_WAIT_LONG = 1u << 2,
};

/* ---- what the user is told (REC-12) ------------------------------------------------------ */

/* WARN at most once per REC_QUIET_MS; the lines in between go to INFO and are counted. */
static enum blr_log_level rec_level(struct blr_dev *dev)
{
	uint64_t now = dev_now_ms(dev);

	if (now >= dev->rec.quiet_until) {
		dev->rec.quiet_until = now + REC_QUIET_MS;
		return BLR_LOG_WARN;
	}
	dev->rec.hidden++;
	return BLR_LOG_INFO;
}

static void rec_attempt(struct blr_dev *dev, uint8_t id, int r, unsigned waited_ms,
			unsigned attempt)
{
	const char *name = isp_cmd_spec(id)->name;
	enum blr_log_level lvl;
	char more[64] = "";
	char why[64];

	if (!dev->rec.active)
		dev->rec = (struct rec_log){
		    .active = true, .quiet_until = dev->rec.quiet_until, .hidden = dev->rec.hidden};
	lvl = rec_level(dev);
	if (lvl == BLR_LOG_WARN && dev->rec.hidden) {
		snprintf(more, sizeof(more), " (%u more retries since the last message)",
			 dev->rec.hidden);
		dev->rec.hidden = 0;
	}
	if (r == BLR_E_DEVICE) {
		dev_log(dev, lvl,
			"%s: the chip received a damaged frame (checksum error); sending it again "
			"(attempt %u)%s",
			name, attempt, more);
		return;
	}
	if (r == BLR_E_TIMEOUT)
		snprintf(why, sizeof(why), "no answer for %u.%u s", waited_ms / MS_PER_S,
			 waited_ms % MS_PER_S / 100u);
	else
		snprintf(why, sizeof(why), "%s", blr_strerror(r));
	dev_log(dev, lvl, "%s: %s; re-synchronising with the loader (attempt %u)%s", name, why,
		attempt, more);
}

/* A recovery step, announced once per episode; waits of seconds always at WARN (a silent
 * wait looks like a hang). */
static void rec_step(struct blr_dev *dev, enum rec_step step, const char *what)
{
	bool wait = step != STEP_HANDSHAKE;

	if (dev->rec.steps & step)
		return;
	dev->rec.steps |= step;
	dev_log(dev, wait ? BLR_LOG_WARN : rec_level(dev), "%s", what);
}

static int rec_wait(struct blr_dev *dev, enum rec_step step, unsigned ms, const char *why)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "the loader does not answer; waiting %u.%u s %s", ms / MS_PER_S,
		 ms % MS_PER_S / 100u, why);
	rec_step(dev, step, msg);
	return dev_wait_ms(dev, ms);
}

/* ---- who answered a handshake (RESET-1) ------------------------------------------------- */

static bool silent(int r)
{
	return r == BLR_E_TIMEOUT || r == BLR_E_PROTOCOL || r == BLR_E_DEVICE;
}

int ldr_identify(struct blr_dev *dev)
{
	uint8_t b[ISP_BOOT_INFO_LEN];
	size_t bl = 0;
	int r;

	/* a ROM answers version 1: isp_command turns that into BLR_E_CHIP_RESET */
	r = isp_command(dev, SUM_COMPUTED, ISP_GET_BOOT_INFO, NULL, 0, b, sizeof(b), &bl, IDENT_MS);
	if (r == BLR_OK && bl == ISP_BOOT_INFO_LEN && get_le32(b) == ISP_BOOT_VERSION_LOADER) {
		dev->has_boot_info = true;
		return BLR_OK;
	}
	if (r != BLR_OK && !silent(r))
		return r;
	/* silent: an old build (ORD-5), or a reply lost on the line */
	r = isp_command(dev, SUM_COMPUTED, ISP_FLASH_READ_JEDEC_ID, NULL, 0, b, ISP_JEDEC_LEN, &bl,
			RECOVER_PROBE_MS);
	if (r == BLR_OK && bl == ISP_JEDEC_LEN)
		return BLR_OK;
	return r == BLR_OK || silent(r) ? BLR_E_NO_RESPONSE : r;
}

int ldr_handshake(struct blr_dev *dev)
{
	bool rom = false;
	int r = isp_handshake(dev, dev->baud, 1, 0, &rom);

	if (rom) {
		/* FL 02 01 instead of OK: the ROM in command mode parsed the burst (HS-8) */
		dev_dbg(dev, "the boot ROM answered the loader handshake");
		link_set(dev, LINK_ROM_UNEXPECTED);
		return BLR_E_CHIP_RESET;
	}
	if (r != BLR_OK)
		return r;
	link_set(dev, LINK_LOADER);
	return ldr_identify(dev);
}

unsigned ldr_idle_ms(const struct blr_dev *dev)
{
	return 2 * dev->rx_timeout_ms + LDR_SYNC_MARGIN_MS;
}

/* ---- the ladder (REC-6) --------------------------------------------------------------------- */

enum seal_result { SEAL_SILENT, SEAL_CLOSED, SEAL_ANSWERED };

/* Wait briefly for a reply to one completion byte: FL 03 01 closes the frame. */
static int seal_reply(struct blr_dev *dev, enum seal_result *res)
{
	uint64_t deadline = dev_now_ms(dev) + SEAL_WAIT_MS + 2 * dev_line_ms(dev, 4);
	struct isp_decoder d;
	enum isp_ev ev = ISP_EV_NONE;

	isp_dec_init(&d, false, NULL, 0);
	while (ev == ISP_EV_NONE) {
		uint64_t now = dev_now_ms(dev);
		uint8_t rx[4];
		size_t got = 0, want = isp_dec_want(&d);
		int r;

		if (now >= deadline)
			return BLR_OK;
		r = dev_read(dev, rx, want < sizeof(rx) ? want : sizeof(rx),
			     (unsigned)(deadline - now), &got);
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return r;
		for (size_t used = 0; used < got && ev == ISP_EV_NONE;)
			used += isp_dec_feed(&d, rx + used, got - used, &ev);
	}
	dev->last_rx_ms = dev_now_ms(dev); /* a reply: its receive timeouts start again */
	if (ev == ISP_EV_FL && d.code == ISP_FL_CMD_CRC_ERROR) {
		*res = SEAL_CLOSED;
		return BLR_OK;
	}
	*res = SEAL_ANSWERED;
	if (ev == ISP_EV_FL) {
		/* counted by the loader (FAIL-1), or the ROM (RESET-1) */
		if (!note_fl(dev, d.code))
			return BLR_E_CHIP_RESET;
	} else if (dev->seal_id == ISP_FLASH_WRITE || dev->seal_id == ISP_FLASH_DECOMPRESS_WRITE) {
		/* the completed write frame passed its checksum: it may have run with our byte
		 * in place of the lost one; let the write check say so (REC-10, OP-5) */
		dev_warn(dev,
			 "a write frame may have been programmed with a byte lost on the line");
		dev->late.seen = true;
	}
	return BLR_OK;
}

/* REC-10: complete a frame the loader may still be receiving, one byte per write (each in a
 * FIFO read of its own): the seal byte, then zeros. The first reply ends it. */
static int seal(struct blr_dev *dev, enum seal_result *res)
{
	uint8_t b = dev->seal_byte;

	*res = SEAL_SILENT;
	for (unsigned i = 0; i < SEAL_BYTES && *res == SEAL_SILENT; i++, b = 0) {
		int r = dev_tx(dev, &b, 1);

		if (r == BLR_OK)
			r = seal_reply(dev, res);
		if (r != BLR_OK)
			return r;
	}
	dev_dbg(dev, "frame completion: %s",
		*res == SEAL_CLOSED	? "closed (FL 03 01)"
		: *res == SEAL_ANSWERED ? "answered"
					: "no reply");
	return BLR_OK;
}

/* A loader thought to be in command mode: close what it is receiving (*closed: it was, and
 * dropped it), then probe it. */
static int reach_loader(struct blr_dev *dev, bool *closed)
{
	enum seal_result res;
	int r = seal(dev, &res);

	*closed = r == BLR_OK && res == SEAL_CLOSED;
	if (r != BLR_OK || *closed)
		return r;
	dev_sleep_ms(dev, RECOVER_DRAIN_MS);
	dev_flush_input(dev);
	for (unsigned i = 0; i < RECOVER_PROBES && dev->link == LINK_LOADER; i++) {
		uint8_t j[ISP_JEDEC_LEN];
		size_t jl = 0;

		r = isp_command(dev, SUM_COMPUTED, ISP_FLASH_READ_JEDEC_ID, NULL, 0, j, sizeof(j),
				&jl, RECOVER_PROBE_MS);
		if (r == BLR_OK && jl == ISP_JEDEC_LEN)
			return BLR_OK;
		if (r == BLR_E_TIMEOUT)
			break;
		if (r != BLR_OK && !silent(r))
			return r;
		/* an FL: the probe completed a pending frame (FL 03 01), or was refused */
	}
	return BLR_E_NO_RESPONSE;
}

/* Let the rest of a broken reply arrive and drop it: read until the line has been quiet for
 * RECOVER_DRAIN_MS (at most DRAIN_MAX_MS: a device that never stops is left to the rest). */
static void drain(struct blr_dev *dev)
{
	uint64_t end = dev_now_ms(dev) + DRAIN_MAX_MS;
	uint8_t buf[256];
	size_t got;

	do {
		got = 0;
		if (dev_read(dev, buf, sizeof(buf), RECOVER_DRAIN_MS, &got) != BLR_OK && dev->gone)
			return;
	} while (got && dev_now_ms(dev) < end);
	dev_flush_input(dev);
}

/* After a command that must not run twice (LDR_ONCE) failed: drain the line and complete the
 * frame (REC-10), nothing more. *closed: the loader dropped it (it did not run). An erase
 * still at work is left alone; 8 completion bytes leave an idle loader at a frame boundary. */
static int close_frame(struct blr_dev *dev, bool *closed)
{
	enum seal_result res = SEAL_SILENT;
	int r = BLR_OK;

	drain(dev);
	if (dev->link == LINK_LOADER && !dev->reply_started) {
		r = seal(dev, &res);
		/* no answer at all: a lost reply, or no loader any more (RESET-1); the next
		 * command finds out first */
		dev->dirty = res == SEAL_SILENT;
	}
	dev->reply_started = false;
	*closed = r == BLR_OK && res == SEAL_CLOSED;
	return r;
}

/* What the ladder found of the last frame: */
enum rec_found {
	REC_WHOLE,  /* the loader answered, or was at a frame boundary */
	REC_CLOSED, /* it was short of bytes of the frame and dropped it when completed (FL 03
		     * 01): the frame did not run */
	REC_DEAF,   /* neither completion nor probe reached it: stuck in a frame it cannot
		     * complete (LIM-4), or not in command mode */
};

/* The ladder; BLR_E_CHIP_RESET is left to the caller. */
static int recover(struct blr_dev *dev, enum rec_found *found)
{
	bool closed = false;
	int r;

	*found = REC_WHOLE;
	dev->dirty = false;
	dev_dbg(dev, "re-synchronising with the loader");
	drain(dev);
	if (dev->link == LINK_LOADER && dev->reply_started) {
		/* it answered (a reply cut short, REC-15): the frame was whole, the loader
		 * waits for the next one */
		dev->reply_started = false;
		dev->last_rx_ms = dev_now_ms(dev);
		return BLR_OK;
	}
	if (dev->link == LINK_LOADER) {
		r = reach_loader(dev, &closed);
		if (closed)
			*found = REC_CLOSED;
		if (r != BLR_E_NO_RESPONSE)
			return r;
		*found = REC_DEAF;
	}
	rec_step(dev, STEP_HANDSHAKE, "the loader does not answer; handshaking again");
	r = ldr_handshake(dev);
	if (r != BLR_E_NO_RESPONSE)
		return r;
	/* Stuck in a frame that can never complete (LIM-4, HS-9): it gives up after two
	 * receive timeouts and waits for a handshake. */
	r = rec_wait(dev, STEP_WAIT_FRAME, ldr_idle_ms(dev),
		     "for it to give up a frame it cannot complete");
	if (r == BLR_OK)
		r = ldr_handshake(dev);
	if (r != BLR_E_NO_RESPONSE || dev->rx_timeout_ms >= LDR_MAX_RX_TIMEOUT_MS)
		return r;
	r = rec_wait(dev, STEP_WAIT_LONG, 2 * LDR_MAX_RX_TIMEOUT_MS + LDR_SYNC_MARGIN_MS,
		     "in case it uses 10 s receive timeouts");
	if (r == BLR_OK)
		r = ldr_handshake(dev);
	if (r == BLR_OK) {
		/* only the long wait helped: a build with 10 s receive timeouts (LDR-TIMEOUT-1) */
		dev_info(dev, "the loader uses %u ms receive timeouts", LDR_MAX_RX_TIMEOUT_MS);
		dev->rx_timeout_ms = LDR_MAX_RX_TIMEOUT_MS;
	}
	return r;
}

/* ---- loader commands ------------------------------------------------------------------------ */

/* Before a loader command: recover after a command given up on (its frame may still be
 * incomplete in the loader); re-handshake when the loader is known to be in handshake mode
 * (third failure) or has been idle for its two receive timeouts (REC-4). */
static int ldr_ready(struct blr_dev *dev)
{
	bool sync = dev->link == LINK_LOADER_SYNC;
	enum rec_found found;
	uint64_t idle = dev_now_ms(dev) - dev->last_rx_ms;
	uint64_t sure = ldr_idle_ms(dev);
	uint64_t maybe = 2 * (uint64_t)dev->rx_timeout_ms - LDR_SYNC_MARGIN_MS;
	int r;

	if (dev->dirty && !sync && idle < maybe)
		return recover(dev, &found);
	if (!sync && idle < maybe)
		return BLR_OK;
	if (!sync && idle < sure &&
	    dev_wait_ms(dev, (unsigned)(sure - idle)) != BLR_OK) /* ambiguous: wait until sure */
		return BLR_E_CANCELLED;
	if (!sync)
		dev_dbg(dev, "loader idle %llu ms: handshake again", (unsigned long long)idle);
	dev->dirty = false;
	r = ldr_handshake(dev);
	return r == BLR_E_NO_RESPONSE ? recover(dev, &found) : r;
}

/* LIM-5: the frame limit is an unknown build's inferred 0x4004, and this frame is above what
 * every loader takes (LIM-2). */
static bool limit_in_doubt(const struct blr_dev *dev, size_t n)
{
	return dev->frame_limit_inferred && n > ISP_LDR_OLD_MAX_PAYLOAD;
}

/* LIM-5: a frame above 0x2404 to a loader whose limit was inferred found it deaf (the ladder
 * has brought it back, or tried): it does not take such frames (LIM-4). The old limit for the
 * rest of the session; the frame is not sent again: the command fails with r, which the
 * caller cures by redoing its data in smaller frames. */
static int drop_limit(struct blr_dev *dev, int r)
{
	dev_warn(dev, "the loader did not take a 16 KiB frame: 9 KiB frames from here on");
	dev->frame_limit = ISP_LDR_OLD_MAX_PAYLOAD;
	dev->frame_limit_inferred = false;
	return r;
}

static bool retryable(const struct blr_dev *dev, int r)
{
	if (r == BLR_E_TIMEOUT || r == BLR_E_PROTOCOL)
		return true;
	return r == BLR_E_DEVICE && (dev->last_dev_err == ISP_FL_CMD_CRC_ERROR ||
				     dev->last_dev_err == ISP_FL_CMD_LEN_ERROR);
}

/* REC-11: at least RETRY_MIN attempts, more while within the budget, never more than
 * RETRY_MAX failures in a row. */
static bool give_up(struct blr_dev *dev, uint64_t t0, unsigned fails)
{
	if (fails >= RETRY_MAX)
		return true;
	return fails >= RETRY_MIN && dev_now_ms(dev) - t0 >= RETRY_BUDGET_MS;
}

int ldr_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms, unsigned tries)
{
	unsigned wait = timeout_ms ? timeout_ms : isp_timeout_ms(id, 0, cap, dev->cur_baud);
	unsigned fails = 0;
	uint64_t t0;
	int r;

	if (dev->gone)
		return BLR_E_GONE;
	if (dev->link == LINK_ROM_UNEXPECTED)
		return chip_reload(dev); /* a reset that could not be reloaded (RESET-2) */
	if (dev->link != LINK_LOADER && dev->link != LINK_LOADER_SYNC)
		return BLR_E_INVAL;
	if (id == ISP_FLASH_ERASE || id == ISP_FLASH_CHIP_ERASE)
		dev->late.seen = false; /* the loader's erase clears its latched error (ERASE-6) */
	t0 = dev_now_ms(dev);
	for (;;) {
		scan_pending(dev);
		r = dev->link == LINK_ROM_UNEXPECTED ? BLR_E_CHIP_RESET : ldr_ready(dev);
		if (r == BLR_OK)
			r = isp_command(dev, SUM_COMPUTED, id, payload, n, rsp, cap, rsp_len,
					timeout_ms);
		if (r == BLR_OK) {
			dev->rec.active = false; /* the episode is over (REC-12) */
			dev->rec.steps = 0;
			return BLR_OK;
		}
		if (r == BLR_E_CHIP_RESET)
			return chip_reload(dev);
		if (!retryable(dev, r))
			return r;
		if (give_up(dev, t0, ++fails) || dev_cancelled(dev)) {
			dev->dirty = r != BLR_E_DEVICE; /* the next command recovers first */
			return dev_cancelled(dev) ? BLR_E_CANCELLED : r;
		}
		rec_attempt(dev, id, r, wait + dev_line_ms(dev, ISP_REQ_HDR_LEN + n), fails + 1);
		/* FL 03 01, or a stray FL that was the loader's third failure (the frame reached a
		 * loader in handshake mode): the frame did not run */
		if (r != BLR_E_DEVICE && dev->link != LINK_LOADER_SYNC) {
			/* a frame the loader may not take: the ladder tells (LIM-5) */
			bool doubt = r == BLR_E_TIMEOUT && limit_in_doubt(dev, n), closed = false;
			enum rec_found found = REC_WHOLE;
			int e;

			if (tries == LDR_ONCE && !doubt) {
				e = close_frame(dev, &closed);
			} else {
				e = recover(dev, &found);
				closed = found == REC_CLOSED;
			}
			if (e == BLR_E_CHIP_RESET)
				return chip_reload(dev);
			if (doubt && found == REC_DEAF)
				return drop_limit(dev, e == BLR_OK ? r : e);
			if (e != BLR_OK)
				return e;
			if (tries == LDR_ONCE && !closed)
				return r; /* it may have run: not sent again */
		}
	}
}
