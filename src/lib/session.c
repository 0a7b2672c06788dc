/* SPDX-License-Identifier: MIT */
/*
 * The session: device context, one command at a time over the transport (protocol.md §3.5),
 * handshakes (§2), the connect flow (§6.1: reset, probe for a running loader, ROM handshake,
 * get_boot_info, loader upload §5.4, loader handshake) and recovery when the loader has
 * dropped back to its handshake state (§3.5, §3.6, §12.3 L2/L7/L20/L21).
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hash.h"
#include "lib/codec.h"
#include "lib/dev.h"
#include "lib/isp.h"
#include "lib/loader.h"

#define DEFAULT_HANDSHAKE_TRIES 3u
#define PROBE_TIMEOUT_MS	100u /* running-loader probe ([MCU] 100 ms) */
#define RECOVER_PROBE_MS	300u
#define LDR_FAILS_TO_SYNC	3u     /* third failing command -> handshake mode (L7) */
#define LDR_SYNC_MARGIN_MS	500u   /* around the loader's 2 x rx timeout (L21) */
#define LDR_MAX_RX_TIMEOUT_MS	10000u /* 38 784-byte build (§3.6) */
#define UPLOAD_TRIES		2u
#define PENDING_SCAN_MAX	64u
#define RX_CHUNK		4096u
#define RECOVER_DRAIN_MS	20u
#define WRITE_SLACK_MS		1000u
#define RESET_WAIT_MAX_MS	10000u

/* Lower work bauds tried when the loader handshake fails at the requested one (§1.4). */
static const unsigned fallback_bauds[] = {1000000, 500000, 230400, 115200};

/* ---- context ------------------------------------------------------------------------------ */

int blr_dev_new(struct blr_dev **out, struct blr_transport *t)
{
	struct blr_dev *dev;

	if (!out || !t || !t->ops)
		return BLR_E_INVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return BLR_E_NOMEM;
	dev->t = *t;
	dev->rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	dev->frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	*out = dev;
	return BLR_OK;
}

void blr_dev_free(struct blr_dev *dev)
{
	if (!dev)
		return;
	if (dev->t.ops && dev->t.ops->close)
		dev->t.ops->close(dev->t.ctx);
	free(dev);
}

void blr_dev_set_log(struct blr_dev *dev, blr_log_fn fn, void *user, enum blr_log_level max)
{
	dev->log_fn = fn;
	dev->log_user = user;
	dev->log_max = max;
}

void blr_dev_set_progress(struct blr_dev *dev, blr_progress_fn fn, void *user)
{
	dev->progress_fn = fn;
	dev->progress_user = user;
}

void blr_dev_set_cancel(struct blr_dev *dev, blr_cancel_fn fn, void *user)
{
	dev->cancel_fn = fn;
	dev->cancel_user = user;
}

uint16_t blr_dev_last_device_error(const struct blr_dev *dev)
{
	return dev->last_dev_err;
}

int blr_dev_last_os_error(const struct blr_dev *dev)
{
	return dev->last_os_err;
}

/* ---- transport helpers -------------------------------------------------------------------- */

static uint64_t now_ms(struct blr_dev *dev)
{
	return dev->t.ops->now_ms(dev->t.ctx);
}

static void sleep_ms(struct blr_dev *dev, unsigned ms)
{
	if (ms)
		dev->t.ops->sleep_ms(dev->t.ctx, ms);
}

#define WAIT_SLICE_MS 100u

/* A long wait that the cancel callback can cut short. */
static int wait_ms(struct blr_dev *dev, unsigned ms)
{
	while (ms) {
		unsigned n = ms < WAIT_SLICE_MS ? ms : WAIT_SLICE_MS;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		sleep_ms(dev, n);
		ms -= n;
	}
	return BLR_OK;
}

static int keep_os(struct blr_dev *dev, int r)
{
	if (r != BLR_OK && r != BLR_E_TIMEOUT && dev->t.ops->last_os_error)
		dev->last_os_err = dev->t.ops->last_os_error(dev->t.ctx);
	return r;
}

static int set_baud(struct blr_dev *dev, unsigned baud)
{
	int r;

	if (dev->cur_baud == baud)
		return BLR_OK;
	r = keep_os(dev, dev->t.ops->set_baud(dev->t.ctx, baud));
	if (r == BLR_OK)
		dev->cur_baud = baud;
	return r;
}

static unsigned line_ms(struct blr_dev *dev, size_t bytes)
{
	unsigned baud = dev->cur_baud ? dev->cur_baud : BLR_DEFAULT_ROM_BAUD;

	return (unsigned)((uint64_t)bytes * 10u * 1000u / baud) + 1u;
}

static int tx(struct blr_dev *dev, const uint8_t *buf, size_t len)
{
	dev_log_hex(dev, "tx", buf, len);
	return keep_os(
	    dev, dev->t.ops->write(dev->t.ctx, buf, len, 2 * line_ms(dev, len) + WRITE_SLACK_MS));
}

/* A late FL 06 00 / FL 0B 00 (early-OK write that failed, §3.5) or a handshake leftover
 * FL 02 01 (§2.1) is not the answer to the command just sent. */
static bool stray_fl(struct blr_dev *dev, uint8_t id, uint16_t code)
{
	if (code == ISP_FL_CMD_LEN_ERROR)
		return true;
	if ((code == ISP_FL_FLASH_WRITE_ERROR || code == ISP_FL_DECOMPRESS_WRITE_ERROR) &&
	    dev->wrote && id != ISP_FLASH_WRITE_CHECK)
		return true;
	return false;
}

static void note_fl(struct blr_dev *dev, uint16_t code)
{
	dev->last_dev_err = code;
	if (code == ISP_FL_FLASH_WRITE_ERROR || code == ISP_FL_DECOMPRESS_WRITE_ERROR)
		dev->late_write_err = true;
	if (dev->stage == DEV_LOADER && code != ISP_FL_CMD_CRC_ERROR &&
	    ++dev->fails >= LDR_FAILS_TO_SYNC) {
		dev->need_handshake = true;
		dev_dbg(dev, "loader counted %u failures: back in handshake mode", dev->fails);
	}
}

/* Read and classify whatever arrived unasked (strays) before sending a loader command. */
static void scan_pending(struct blr_dev *dev)
{
	uint8_t buf[PENDING_SCAN_MAX];
	struct isp_decoder d;
	size_t got = 0, off = 0;
	enum isp_ev ev;

	dev->t.ops->read(dev->t.ctx, buf, sizeof(buf), 0, &got);
	if (!got)
		return;
	dev_log_hex(dev, "stray", buf, got);
	isp_dec_init(&d, false, NULL, 0);
	while (off < got) {
		off += isp_dec_feed(&d, buf + off, got - off, &ev);
		if (ev == ISP_EV_FL) {
			dev_warn(dev, "stray reply FL %04x (%s) before the next command", d.code,
				 blr_device_error_name(d.code));
			note_fl(dev, d.code);
		}
	}
}

int isp_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms)
{
	const struct isp_cmd_spec *spec = isp_cmd_spec(id);
	bool loader = dev->stage == DEV_LOADER;
	size_t limit = loader ? dev->frame_limit : ISP_ROM_MAX_PAYLOAD;
	uint8_t *frame, rx[RX_CHUNK];
	struct isp_decoder d;
	uint16_t stray_code = 0;
	uint64_t deadline, pd_cap;
	size_t flen;
	int r;

	if (rsp_len)
		*rsp_len = 0;
	if (n > limit)
		return BLR_E_INVAL;
	if (!rsp)
		cap = 0;
	frame = malloc(ISP_REQ_HDR_LEN + n);
	if (!frame)
		return BLR_E_NOMEM;
	flen = isp_encode(frame, ISP_REQ_HDR_LEN + n, id, payload, n, loader);
	r = tx(dev, frame, flen);
	free(frame);
	if (r != BLR_OK)
		return r;
	if (id == ISP_FLASH_WRITE)
		dev->wrote = true;
	if (!timeout_ms)
		timeout_ms = isp_timeout_ms(id, 0, cap, dev->cur_baud);
	isp_dec_init(&d, spec->reply == ISP_REPLY_DATA, rsp, cap);
	/* the request itself may still be on the line */
	deadline = now_ms(dev) + timeout_ms + line_ms(dev, flen);
	pd_cap = deadline + ISP_PD_MAX_WAIT_MS;
	for (;;) {
		uint64_t now = now_ms(dev);
		size_t want = isp_dec_want(&d), got = 0, used = 0;
		enum isp_ev ev = ISP_EV_NONE;
		unsigned slice;

		if (now >= deadline) {
			r = BLR_E_TIMEOUT;
			break;
		}
		if (want > sizeof(rx))
			want = sizeof(rx);
		/* waits of minutes (erases, SHA of big ranges) are read in slices so that a
		 * cancel request is seen while the device is silent */
		slice = deadline - now > WAIT_SLICE_MS ? WAIT_SLICE_MS : (unsigned)(deadline - now);
		r = keep_os(dev, dev->t.ops->read(dev->t.ctx, rx, want, slice, &got));
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return r;
		if (!got && dev_cancelled(dev)) {
			/* the reply is still to come: the session cannot go on (reconnect) */
			dev_warn(dev, "%s: cancelled while waiting for the reply", spec->name);
			dev->connected = false;
			return BLR_E_CANCELLED;
		}
		while (used < got) {
			used += isp_dec_feed(&d, rx + used, got - used, &ev);
			if (ev == ISP_EV_NONE)
				break;
			if (ev == ISP_EV_PD) {
				/* PD restarts the clock of an erase (§3.5), within an overall cap
				 */
				uint64_t t = now_ms(dev);

				if ((id == ISP_FLASH_ERASE || id == ISP_FLASH_CHIP_ERASE) &&
				    t + timeout_ms < pd_cap)
					deadline = t + timeout_ms;
				dev_dbg(dev, "%s: PD", spec->name);
				continue;
			}
			if (ev == ISP_EV_FL && stray_fl(dev, id, d.code)) {
				dev_warn(dev, "%s: stray FL %04x (%s) skipped", spec->name, d.code,
					 blr_device_error_name(d.code));
				note_fl(dev, d.code);
				stray_code = d.code;
				if (dev->need_handshake)
					return BLR_E_TIMEOUT; /* our frame went to a loader in sync
							       */
				continue;
			}
			if (used < got)
				dev_log_hex(dev, "rx extra", rx + used, got - used);
			goto event;
		}
		continue;
	event:
		dev->last_rx_ms = now_ms(dev);
		if (d.skipped)
			dev_dbg(dev, "%s: skipped %zu garbage bytes", spec->name, d.skipped);
		switch (ev) {
		case ISP_EV_OK:
			dev_log(dev, BLR_LOG_TRACE, "rx %s: OK", spec->name);
			return BLR_OK;
		case ISP_EV_DATA:
			dev_log_hex(dev, "rx data", rsp, d.len);
			if (rsp_len)
				*rsp_len = d.len;
			return BLR_OK;
		case ISP_EV_FL:
			dev_dbg(dev, "%s: FL %04x (%s)", spec->name, d.code,
				blr_device_error_name(d.code));
			note_fl(dev, d.code);
			return BLR_E_DEVICE;
		default:
			dev_warn(dev, "%s: reply length %zu exceeds %zu", spec->name, d.len, cap);
			return BLR_E_PROTOCOL;
		}
	}
	if (stray_code) {
		/* the "stray" FL was the only answer after all */
		dev->last_dev_err = stray_code;
		return BLR_E_DEVICE;
	}
	dev_dbg(dev, "%s: no reply within %u ms", spec->name, timeout_ms);
	return r;
}

/* ---- handshakes (§2.1) ----------------------------------------------------------------- */

/* *answered: some bytes came back (the device may be in command mode, not in sync). */
static int handshake_once(struct blr_dev *dev, unsigned baud, bool *answered)
{
	size_t n = (size_t)((uint64_t)baud * ISP_SYNC_BURST_US / 10u / 1000000u);
	size_t most = (size_t)((uint64_t)baud * ISP_SYNC_MAX_US / 10u / 1000000u);
	uint8_t *burst, rx[PENDING_SCAN_MAX];
	size_t have = 0;
	uint64_t deadline;
	int r;

	*answered = false;
	/* 0x55s that arrive after ~8 ms (ROM) / ~13 ms (loader) are parsed as frames (R2, L2) */
	if (n < ISP_SYNC_MIN_BYTES)
		n = most < ISP_SYNC_MIN_BYTES ? most : ISP_SYNC_MIN_BYTES;
	if (n == 0)
		n = 1;
	r = set_baud(dev, baud);
	if (r != BLR_OK)
		return r;
	keep_os(dev, dev->t.ops->flush_input(dev->t.ctx));
	burst = malloc(n);
	if (!burst)
		return BLR_E_NOMEM;
	memset(burst, ISP_SYNC_BYTE, n);
	dev_dbg(dev, "handshake: %zu x 0x55 at %u baud", n, baud);
	r = keep_os(dev,
		    dev->t.ops->write(dev->t.ctx, burst, n, 2 * line_ms(dev, n) + WRITE_SLACK_MS));
	free(burst);
	if (r != BLR_OK)
		return r;
	deadline = now_ms(dev) + line_ms(dev, n) + ISP_SYNC_REPLY_MS;
	while (have < sizeof(rx)) {
		uint64_t now = now_ms(dev);
		size_t got = 0;

		if (now >= deadline)
			break;
		r = dev->t.ops->read(dev->t.ctx, rx + have, 1, (unsigned)(deadline - now), &got);
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return keep_os(dev, r);
		have += got;
		if (have >= 2 && rx[have - 2] == ISP_TAG_OK_0 && rx[have - 1] == ISP_TAG_OK_1) {
			dev_log_hex(dev, "handshake rx", rx, have);
			sleep_ms(dev, ISP_SYNC_SETTLE_MS);
			keep_os(dev, dev->t.ops->flush_input(dev->t.ctx));
			dev->last_rx_ms = now_ms(dev);
			return BLR_OK;
		}
	}
	*answered = have > 0;
	if (have)
		dev_log_hex(dev, "handshake rx (no OK)", rx, have);
	return BLR_E_NO_RESPONSE;
}

/* tries handshakes at baud; between tries waits for the device's idle timeout when it
 * answered something other than OK (it is then in command mode). */
static int handshake(struct blr_dev *dev, unsigned baud, unsigned tries, unsigned idle_ms)
{
	int r = BLR_E_NO_RESPONSE;

	for (unsigned i = 0; i < tries; i++) {
		bool answered;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = handshake_once(dev, baud, &answered);
		if (r != BLR_E_NO_RESPONSE)
			break;
		if (i + 1 < tries && wait_ms(dev, answered ? idle_ms : ISP_SYNC_REPLY_MS))
			return BLR_E_CANCELLED;
	}
	return r;
}

static unsigned ldr_idle_ms(struct blr_dev *dev)
{
	return 2 * dev->rx_timeout_ms + LDR_SYNC_MARGIN_MS;
}

static int ldr_handshake(struct blr_dev *dev)
{
	int r = handshake(dev, dev->baud, 1, 0);

	if (r == BLR_OK) {
		dev->fails = 0;
		dev->need_handshake = false;
		dev->stage = DEV_LOADER;
		dev_dbg(dev, "loader handshake OK at %u baud", dev->baud);
	}
	return r;
}

int ldr_recover(struct blr_dev *dev)
{
	uint8_t j[ISP_JEDEC_LEN];
	size_t jl;
	int r;

	dev_info(dev, "re-synchronising with the loader");
	/* let the rest of a broken reply arrive, then drop it */
	sleep_ms(dev, RECOVER_DRAIN_MS);
	keep_os(dev, dev->t.ops->flush_input(dev->t.ctx));
	if (!dev->need_handshake && isp_command(dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, j, sizeof(j),
						&jl, RECOVER_PROBE_MS) == BLR_OK)
		return BLR_OK;
	r = ldr_handshake(dev);
	if (r != BLR_E_NO_RESPONSE)
		return r;
	/* Stuck in a frame that can never complete (L2, L20): it gives up after two receive
	 * timeouts and waits for a handshake. */
	r = wait_ms(dev, ldr_idle_ms(dev));
	if (r == BLR_OK)
		r = ldr_handshake(dev);
	if (r != BLR_E_NO_RESPONSE || dev->rx_timeout_ms >= LDR_MAX_RX_TIMEOUT_MS)
		return r;
	r = wait_ms(dev, 2 * LDR_MAX_RX_TIMEOUT_MS + LDR_SYNC_MARGIN_MS);
	if (r == BLR_OK)
		r = ldr_handshake(dev);
	if (r == BLR_OK) {
		/* only the long wait helped: a build with 10 s receive timeouts (§3.6) */
		dev_info(dev, "the loader uses %u ms receive timeouts", LDR_MAX_RX_TIMEOUT_MS);
		dev->rx_timeout_ms = LDR_MAX_RX_TIMEOUT_MS;
	}
	return r;
}

/* Before a loader command: re-handshake when the loader is known to be in handshake mode
 * (third failure) or has been idle for its two receive timeouts (L21). */
static int ldr_ready(struct blr_dev *dev)
{
	uint64_t idle = now_ms(dev) - dev->last_rx_ms;
	uint64_t sure = ldr_idle_ms(dev);
	uint64_t maybe = 2 * (uint64_t)dev->rx_timeout_ms - LDR_SYNC_MARGIN_MS;

	if (!dev->need_handshake && idle < maybe)
		return BLR_OK;
	if (!dev->need_handshake && idle < sure &&
	    wait_ms(dev, (unsigned)(sure - idle)) != BLR_OK) /* ambiguous: wait until certain */
		return BLR_E_CANCELLED;
	if (!dev->need_handshake)
		dev_dbg(dev, "loader idle %llu ms: handshake again", (unsigned long long)idle);
	if (ldr_handshake(dev) == BLR_OK)
		return BLR_OK;
	return ldr_recover(dev);
}

static bool retryable(struct blr_dev *dev, int r)
{
	if (r == BLR_E_TIMEOUT || r == BLR_E_PROTOCOL)
		return true;
	return r == BLR_E_DEVICE && (dev->last_dev_err == ISP_FL_CMD_CRC_ERROR ||
				     dev->last_dev_err == ISP_FL_CMD_LEN_ERROR);
}

int ldr_command(struct blr_dev *dev, uint8_t id, const uint8_t *payload, size_t n, uint8_t *rsp,
		size_t cap, size_t *rsp_len, unsigned timeout_ms, unsigned tries)
{
	int r = BLR_E_INVAL;

	if (dev->stage != DEV_LOADER)
		return BLR_E_INVAL;
	for (unsigned i = 0; i < tries; i++) {
		if (i && dev_cancelled(dev))
			return BLR_E_CANCELLED;
		scan_pending(dev);
		r = ldr_ready(dev);
		if (r == BLR_OK)
			r = isp_command(dev, id, payload, n, rsp, cap, rsp_len, timeout_ms);
		if (r == BLR_OK || !retryable(dev, r) || i + 1 == tries)
			break;
		dev_warn(dev, "%s failed (%s), retrying", isp_cmd_spec(id)->name, blr_strerror(r));
		if (r != BLR_E_DEVICE && !dev->need_handshake) {
			int rr = ldr_recover(dev);

			if (rr != BLR_OK)
				return rr;
		}
	}
	return r;
}

/* ---- reset step strings ---------------------------------------------------------------- */

/* Parse (and with dev != NULL run) "dtr,-dtr,rts,-rts,wNNN". */
static int reset_steps(struct blr_dev *dev, const char *s)
{
	bool warned = false;

	if (!s || !*s)
		return BLR_OK;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int dtr = -1, rts = -1;
		unsigned wait = 0;

		if (len == 3 && !strncmp(s, "dtr", 3))
			dtr = 1;
		else if (len == 4 && !strncmp(s, "-dtr", 4))
			dtr = 0;
		else if (len == 3 && !strncmp(s, "rts", 3))
			rts = 1;
		else if (len == 4 && !strncmp(s, "-rts", 4))
			rts = 0;
		else if (len >= 2 && len <= 6 && s[0] == 'w') {
			for (size_t i = 1; i < len; i++) {
				if (s[i] < '0' || s[i] > '9')
					return BLR_E_INVAL;
				wait = wait * 10 + (unsigned)(s[i] - '0');
			}
			if (wait > RESET_WAIT_MAX_MS)
				return BLR_E_INVAL;
		} else {
			return BLR_E_INVAL;
		}
		if (dev && (dtr >= 0 || rts >= 0)) {
			int r = dev->t.ops->set_lines(dev->t.ctx, dtr, rts);

			if (r == BLR_E_UNSUPPORTED && !warned) {
				dev_warn(dev,
					 "this port has no DTR/RTS lines; reset steps skipped");
				warned = true;
			} else if (r != BLR_OK && r != BLR_E_UNSUPPORTED) {
				return keep_os(dev, r);
			}
		} else if (dev) {
			sleep_ms(dev, wait);
		}
		s += len;
		if (*s == ',') {
			s++;
			if (!*s)
				return BLR_E_INVAL;
		}
	}
	return BLR_OK;
}

int blr_reset_steps_check(const char *steps)
{
	return reset_steps(NULL, steps);
}

int blr_reset_steps_run(struct blr_dev *dev, const char *steps)
{
	int r = reset_steps(NULL, steps);

	return r == BLR_OK ? reset_steps(dev, steps) : r;
}

/* ---- connect ------------------------------------------------------------------------------ */

static void take_boot_info(struct blr_dev *dev, const uint8_t *r)
{
	struct blr_chip_info *ci = &dev->info;
	uint32_t version = get_le32(r);

	if (version != ISP_BOOT_VERSION_LOADER)
		ci->rom_version = version;
	memcpy(ci->otp, r + ISP_BOOT_INFO_OTP_OFF, ISP_BOOT_INFO_OTP_LEN);
	ci->sign_type = ci->otp[ISP_OTP_SIGN];
	ci->encrypted = ci->otp[ISP_OTP_ENCRYPT];
	ci->sw_cfg0 = get_le32(ci->otp + ISP_OTP_SW_CFG0);
	memcpy(ci->chip_id, ci->otp + ISP_OTP_CHIP_ID, ISP_CHIP_ID_LEN);
	for (unsigned i = 0; i < ISP_MAC_LEN; i++)
		ci->mac[i] = ci->chip_id[ISP_MAC_LEN - 1 - i];
}

enum found { FOUND_NOTHING, FOUND_ROM, FOUND_LOADER };

/* Who answers in command mode at the current baud? get_boot_info tells ROM (version 1)
 * from a new loader (0xFFFFFFFF); old loaders ignore it but answer flash_read_jedec_id. */
static enum found identify(struct blr_dev *dev, unsigned timeout_ms)
{
	uint8_t r[ISP_BOOT_INFO_LEN];
	size_t rl = 0;

	if (isp_command(dev, ISP_GET_BOOT_INFO, NULL, 0, r, sizeof(r), &rl, timeout_ms) == BLR_OK &&
	    rl == ISP_BOOT_INFO_LEN) {
		take_boot_info(dev, r);
		if (get_le32(r) == ISP_BOOT_VERSION_LOADER) {
			dev->has_boot_info = true;
			return FOUND_LOADER;
		}
		return FOUND_ROM;
	}
	if (isp_command(dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, r, ISP_JEDEC_LEN, &rl, timeout_ms) ==
		BLR_OK &&
	    rl == ISP_JEDEC_LEN)
		return FOUND_LOADER;
	return FOUND_NOTHING;
}

static void use_unknown_limits(struct blr_dev *dev)
{
	dev->frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	dev->rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	dev->has_pd = false;
	dev->has_boot_info = false;
	dev->info.loader_build = NULL;
}

static int upload(struct blr_dev *dev, const uint8_t *img, size_t len)
{
	const uint8_t *seg = img + ISP_BOOT_HEADER_LEN;
	const uint8_t *data = seg + ISP_SEG_HEADER_LEN;
	size_t data_len = len - ISP_BOOT_HEADER_LEN - ISP_SEG_HEADER_LEN;
	uint8_t echo[ISP_SEG_HEADER_LEN];
	size_t el = 0;
	int r;

	dev_progress(dev, BLR_STAGE_UPLOAD_LOADER, 0, len);
	r = isp_command(dev, ISP_LOAD_BOOT_HEADER, img, ISP_BOOT_HEADER_LEN, NULL, 0, NULL, 0);
	if (r != BLR_OK)
		return r;
	r = isp_command(dev, ISP_LOAD_SEG_HEADER, seg, ISP_SEG_HEADER_LEN, echo, sizeof(echo), &el,
			0);
	if (r != BLR_OK)
		return r;
	if (el != ISP_SEG_HEADER_LEN || memcmp(echo, seg, ISP_SEG_HEADER_LEN) != 0) {
		dev_err(dev, "segment header echo differs from what was sent");
		return BLR_E_PROTOCOL;
	}
	for (size_t off = 0; off < data_len; off += ISP_SEG_CHUNK) {
		size_t n = data_len - off < ISP_SEG_CHUNK ? data_len - off : ISP_SEG_CHUNK;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = isp_command(dev, ISP_LOAD_SEG_DATA, data + off, n, NULL, 0, NULL, 0);
		if (r != BLR_OK)
			return r;
		dev_progress(dev, BLR_STAGE_UPLOAD_LOADER,
			     ISP_BOOT_HEADER_LEN + ISP_SEG_HEADER_LEN + off + n, len);
	}
	r = isp_command(dev, ISP_CHECK_IMAGE, NULL, 0, NULL, 0, NULL, 0);
	if (r != BLR_OK)
		return r;
	return isp_command(dev, ISP_RUN_IMAGE, NULL, 0, NULL, 0, NULL, 0);
}

/* After run_image: handshake at the work baud, then (optionally) lower bauds. */
static int loader_start(struct blr_dev *dev, unsigned tries)
{
	unsigned tried = dev->baud;
	int r;

	dev->stage = DEV_LOADER;
	sleep_ms(dev, ISP_RUN_TO_SYNC_MS);
	r = handshake(dev, dev->baud, tries, ldr_idle_ms(dev));
	for (size_t i = 0;
	     r == BLR_E_NO_RESPONSE && i < sizeof(fallback_bauds) / sizeof(*fallback_bauds); i++) {
		if (fallback_bauds[i] >= dev->baud)
			continue;
		dev_warn(dev, "no loader handshake at %u baud, trying %u", tried,
			 fallback_bauds[i]);
		tried = fallback_bauds[i];
		r = wait_ms(dev, ldr_idle_ms(dev)); /* whatever it measured, let it time out */
		if (r != BLR_OK)
			return r;
		r = handshake(dev, fallback_bauds[i], 1, 0);
		if (r == BLR_OK)
			dev->baud = fallback_bauds[i];
	}
	if (r == BLR_OK) {
		dev->fails = 0;
		dev->need_handshake = false;
	}
	return r;
}

static int read_flash_id(struct blr_dev *dev)
{
	struct blr_chip_info *ci = &dev->info;
	size_t jl = 0;
	unsigned cap;
	int r;

	r = ldr_command(dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, ci->jedec, ISP_JEDEC_LEN, &jl, 0, 3);
	if (r != BLR_OK)
		return r;
	if (jl != ISP_JEDEC_LEN)
		return BLR_E_PROTOCOL;
	cap = ci->jedec[2] & ISP_CAPACITY_MASK;
	dev_info(dev, "flash JEDEC id %02x %02x %02x (flags %02x)", ci->jedec[0], ci->jedec[1],
		 ci->jedec[2], ci->jedec[3]);
	if (ci->jedec[0] == 0x00 || ci->jedec[0] == 0xFF || cap < ISP_CAPACITY_MIN ||
	    cap > ISP_CAPACITY_MAX) {
		ci->flash_size = 0;
		return BLR_E_NO_FLASH;
	}
	ci->flash_size = 1u << cap;
	return BLR_OK;
}

static int connect_rom(struct blr_dev *dev, const struct blr_connect_opts *o,
		       const struct blr_loader_info *li, unsigned tries)
{
	enum found f = FOUND_ROM;
	int r = BLR_OK;

	if (dev->stage != DEV_ROM) /* else the probe found the ROM in command mode */
		r = handshake(dev, dev->rom_baud, tries, ISP_ROM_IDLE_SYNC_MS + ISP_SYNC_REPLY_MS);
	if (r == BLR_E_NO_RESPONSE && dev->rom_baud > ISP_ROM_FALLBACK_BAUD) {
		/* adapters that cannot do the ROM baud (§1.4: "fallback 115200") */
		dev_warn(dev, "no ROM handshake at %u baud, trying %u", dev->rom_baud,
			 ISP_ROM_FALLBACK_BAUD);
		r = handshake(dev, ISP_ROM_FALLBACK_BAUD, 1, 0);
		if (r == BLR_OK)
			dev->rom_baud = ISP_ROM_FALLBACK_BAUD;
	}
	if (r == BLR_E_NO_RESPONSE) {
		/* A loader of an earlier session that timed out into its handshake state? */
		dev_info(dev, "no ROM handshake at %u baud; trying a loader at %u", dev->rom_baud,
			 dev->baud);
		r = handshake(dev, dev->baud, 1, 0);
		if (r == BLR_E_NO_RESPONSE) {
			/* a loader stuck in a frame (§9.5) is in its handshake state after two
			 * receive timeouts whatever it received */
			r = wait_ms(dev, ldr_idle_ms(dev));
			if (r == BLR_OK)
				r = handshake(dev, dev->baud, 1, 0);
		}
		if (r != BLR_OK)
			return r;
		dev->rom_baud = dev->baud;
	} else if (r != BLR_OK) {
		return r;
	}
	dev->stage = DEV_ROM;
	f = identify(dev, isp_cmd_spec(ISP_GET_BOOT_INFO)->timeout_ms);
	if (f == FOUND_NOTHING) {
		dev_err(dev, "handshake answered but get_boot_info did not");
		return BLR_E_PROTOCOL;
	}
	if (f == FOUND_LOADER) {
		dev_info(dev, "a loader answered at %u baud", dev->rom_baud);
		dev->stage = DEV_LOADER;
		dev->info.loader_was_running = true;
		use_unknown_limits(dev);
		dev->last_rx_ms = now_ms(dev);
		if (dev->rom_baud != dev->baud) {
			/* to change its baud it must time out into handshake mode first ([MCU]) */
			r = wait_ms(dev, ldr_idle_ms(dev));
			return r == BLR_OK ? ldr_handshake(dev) : r;
		}
		return BLR_OK;
	}
	dev_info(dev, "boot ROM version %u, sign %u, encrypt %u", dev->info.rom_version,
		 dev->info.sign_type, dev->info.encrypted);
	if (dev->info.sign_type || dev->info.encrypted)
		return BLR_E_SECURED;
	if (!o->loader)
		return BLR_E_INVAL;
	for (unsigned i = 0; i < UPLOAD_TRIES; i++) {
		r = upload(dev, o->loader, o->loader_len);
		if (r == BLR_OK || r == BLR_E_CANCELLED || i + 1 == UPLOAD_TRIES)
			break;
		dev_warn(dev, "loader upload failed (%s), starting over", blr_strerror(r));
		r = wait_ms(dev, ISP_ROM_IDLE_SYNC_MS + ISP_SYNC_REPLY_MS);
		if (r != BLR_OK)
			return r;
		r = handshake(dev, dev->rom_baud, tries, ISP_ROM_IDLE_SYNC_MS + ISP_SYNC_REPLY_MS);
		if (r != BLR_OK)
			return r;
	}
	if (r != BLR_OK)
		return r;
	dev->frame_limit = li->frame_limit;
	dev->rx_timeout_ms = li->rx_timeout_ms;
	dev->has_pd = li->has_pd;
	dev->has_boot_info = li->has_get_boot_info;
	dev->info.loader_build = li->build;
	return loader_start(dev, tries);
}

int blr_connect(struct blr_dev *dev, const struct blr_connect_opts *o)
{
	static const struct blr_connect_opts defaults;
	struct blr_loader_info li = {0};
	struct blr_chip_info *ci = &dev->info;
	unsigned tries;
	uint8_t mac[ISP_MAC_LEN];
	const char *why = NULL;
	enum found f = FOUND_NOTHING;
	int r;

	if (!o)
		o = &defaults;
	memset(ci, 0, sizeof(*ci));
	dev->connected = false;
	dev->stage = DEV_NONE;
	dev->wrote = false;
	dev->late_write_err = false;
	dev->read_chunk = 0;
	dev->read_chunk_probed = false;
	dev->rom_baud = o->rom_baud ? o->rom_baud : BLR_DEFAULT_ROM_BAUD;
	dev->baud = o->baud ? o->baud : BLR_DEFAULT_BAUD;
	tries = o->handshake_tries ? o->handshake_tries : DEFAULT_HANDSHAKE_TRIES;
	if (o->loader) {
		r = blr_loader_parse(o->loader, o->loader_len, &li, &why);
		if (r != BLR_OK) {
			dev_err(dev, "loader image rejected: %s", why ? why : blr_strerror(r));
			return r;
		}
	}
	r = blr_reset_steps_run(dev, o->reset_steps);
	if (r != BLR_OK)
		return r;
	use_unknown_limits(dev);
	if (!o->no_probe) {
		r = set_baud(dev, dev->baud);
		if (r != BLR_OK)
			return r;
		keep_os(dev, dev->t.ops->flush_input(dev->t.ctx));
		dev->stage = DEV_LOADER;
		f = identify(dev, PROBE_TIMEOUT_MS);
		dev->stage = DEV_NONE;
		if (f == FOUND_LOADER) {
			dev_info(dev, "a loader is already running at %u baud: reusing it",
				 dev->baud);
			dev->stage = DEV_LOADER;
			ci->loader_was_running = true;
			dev->fails = 0;
		}
	}
	if (f == FOUND_ROM && dev->baud == dev->rom_baud) {
		dev->stage = DEV_ROM; /* ROM in command mode at this baud: go on */
		f = FOUND_NOTHING;
	}
	if (f != FOUND_LOADER) {
		r = connect_rom(dev, o, &li, tries);
		if (r != BLR_OK)
			return r;
	}
	if (dev->stage != DEV_LOADER)
		return BLR_E_PROTOCOL;
	ci->baud = dev->baud;
	if (!ci->loader_build && !dev->has_boot_info) {
		/* unknown build: does it have the new command set? (old ones stay silent, L6) */
		uint8_t bi[ISP_BOOT_INFO_LEN];
		size_t bl = 0;

		if (isp_command(dev, ISP_GET_BOOT_INFO, NULL, 0, bi, sizeof(bi), &bl,
				PROBE_TIMEOUT_MS) == BLR_OK &&
		    bl == ISP_BOOT_INFO_LEN && get_le32(bi) == ISP_BOOT_VERSION_LOADER)
			dev->has_boot_info = true;
	}
	r = blr_read_mac(dev, mac);
	if (r == BLR_OK) {
		memcpy(ci->mac, mac, sizeof(mac));
		ci->mac_from_efuse_cmd = true;
	} else if (r == BLR_E_CANCELLED) {
		return r;
	} else {
		dev_warn(dev, "reading the MAC failed (%s)", blr_strerror(r));
	}
	r = read_flash_id(dev);
	if (r != BLR_OK)
		return r;
	ci->frame_limit = dev->frame_limit;
	dev->connected = true;
	return BLR_OK;
}

int blr_get_info(struct blr_dev *dev, struct blr_chip_info *info)
{
	if (!dev || !info)
		return BLR_E_INVAL;
	*info = dev->info;
	info->frame_limit = dev->frame_limit;
	info->baud = dev->baud;
	return dev->connected ? BLR_OK : BLR_E_INVAL;
}

int blr_read_mac(struct blr_dev *dev, uint8_t mac[6])
{
	uint8_t r[ISP_MAC_REPLY_LEN];
	size_t rl = 0;
	int e;

	e = ldr_command(dev, ISP_EFUSE_READ_MAC, NULL, 0, r, sizeof(r), &rl, 0, 2);
	if (e != BLR_OK)
		return e;
	if (rl != ISP_MAC_REPLY_LEN || blr_crc32(r, ISP_MAC_LEN) != get_le32(r + ISP_MAC_LEN))
		return BLR_E_PROTOCOL;
	for (unsigned i = 0; i < ISP_MAC_LEN; i++)
		mac[i] = r[ISP_MAC_LEN - 1 - i]; /* stored reversed (§4.2 0x42) */
	return BLR_OK;
}

int blr_reset(struct blr_dev *dev)
{
	int r = ldr_command(dev, ISP_RESET, NULL, 0, NULL, 0, NULL, 0, 1);

	if (r == BLR_OK) {
		dev->connected = false;
		dev->stage = DEV_NONE;
	}
	return r;
}
