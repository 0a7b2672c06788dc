/* SPDX-License-Identifier: MIT */
/*
 * The connect flow (doc/protocol.md §9.1): reset, probe for a running loader at the rates an
 * earlier session may have used (HS-13), ROM handshake with its fallbacks, get_boot_info and
 * the refusal of secured chips, loader upload (§8.2), loader handshake with lower-baud
 * fallbacks (BAUD-3); a loader found running is sent to its handshake state and handshaken at
 * the work baud (RESYNC-1). The reload after a chip reset (RESET-2). Also blr_get_info,
 * blr_read_mac and blr_reset.
 */
#include <stdlib.h>
#include <string.h>

#include "blrescue/chipdb.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/bootheader.h"
#include "lib/exchange.h"
#include "lib/isp.h"
#include "lib/loader.h"

#define DEFAULT_HANDSHAKE_TRIES 3u
#define PROBE_WORK_MS		50u  /* HOST-TO-1: the work baud, the likeliest rate */
#define PROBE_MS		20u  /* HOST-TO-1: every other rate */
#define FAIL_FRAME_MS		100u /* RESYNC-1: the FL 04 00 of a failing frame */
#define RESYNC_SETTLE_MS	10u  /* after the third FL, before the handshake */
#define RESYNC_FRAMES		5u   /* three counted failures, and two FL 03 01 on the way */
#define UPLOAD_TRIES		3u   /* at least; more within UPLOAD_BUDGET_MS (UPL-4) */
#define UPLOAD_BUDGET_MS	30000u
#define ROM_TRIES		3u  /* get_boot_info at the ROM */
#define ROM_FILL_BYTES		8u  /* UPL-5: completes a ROM frame short of up to 8 bytes */
#define ROM_FILL_WAIT_MS	20u /* for the ROM's reply to each */
#define ROM_IDLE_MS		(ISP_ROM_IDLE_SYNC_MS + ISP_SYNC_REPLY_MS)
#define READ_ALIGN		0x400u
#define N_OF(a)			(sizeof(a) / sizeof((a)[0]))

/* Where a loader of an earlier session may run, after the work baud (HS-13). */
static const unsigned probe_bauds[] = {2000000, 1000000, 921600, 500000, 460800, 230400, 115200};
/* Lower work bauds tried when the loader handshake fails at the requested one (BAUD-3). */
static const unsigned fallback_bauds[] = {2000000, 1000000, 500000, 230400, 115200};

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

/* Errors that end the flow: not "nobody answered that". */
static bool fatal(int r)
{
	return r != BLR_OK && r != BLR_E_TIMEOUT && r != BLR_E_PROTOCOL && r != BLR_E_DEVICE;
}

enum found { FOUND_NOTHING, FOUND_ROM, FOUND_LOADER };

/* Who answers in command mode at the current baud (HS-12)? With ask_boot_info get_boot_info
 * first: version 1 is the ROM, 0xFFFFFFFF a new loader; then flash_read_jedec_id, which every
 * loader answers (old ones ignore 0x10). */
static int identify(struct blr_dev *dev, enum frame_check sum, unsigned ms, bool ask_boot_info,
		    enum found *f)
{
	uint8_t r[ISP_BOOT_INFO_LEN];
	size_t rl = 0;
	int e;

	*f = FOUND_NOTHING;
	if (ask_boot_info) {
		e = isp_command(dev, sum, ISP_GET_BOOT_INFO, NULL, 0, r, sizeof(r), &rl, ms);
		if (e == BLR_OK && rl == ISP_BOOT_INFO_LEN) {
			take_boot_info(dev, r);
			*f = get_le32(r) == ISP_BOOT_VERSION_LOADER ? FOUND_LOADER : FOUND_ROM;
			dev->has_boot_info = *f == FOUND_LOADER;
			return BLR_OK;
		}
		if (fatal(e))
			return e;
	}
	e = isp_command(dev, sum, ISP_FLASH_READ_JEDEC_ID, NULL, 0, r, ISP_JEDEC_LEN, &rl, ms);
	if (e == BLR_OK && rl == ISP_JEDEC_LEN)
		*f = FOUND_LOADER;
	return fatal(e) ? e : BLR_OK;
}

static void use_unknown_limits(struct blr_dev *dev)
{
	dev->frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	dev->frame_limit_inferred = false;
	dev->rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	dev->has_boot_info = false;
	dev->info.loader_build = NULL;
}

static void use_build_limits(struct blr_dev *dev, const struct blr_loader_info *li)
{
	dev->frame_limit = li->frame_limit;
	dev->rx_timeout_ms = li->rx_timeout_ms;
	dev->has_boot_info = li->has_get_boot_info;
	dev->info.loader_build = li->build;
}

/* After the loader said whether it answers get_boot_info (HS-14): an unknown build that does
 * has the 24-command set, whose examined builds all take 0x4004, an inference that a lost
 * larger frame ends (LIM-5, recover.c). Never above cap: a reload keeps the session's limit,
 * a dropped one too (RESET-2). */
static void settle_limit(struct blr_dev *dev, uint32_t cap)
{
	dev->frame_limit_inferred =
	    !dev->info.loader_build && dev->has_boot_info && cap > LOADER_UNKNOWN_FRAME_LIMIT;
	if (dev->frame_limit_inferred)
		dev->frame_limit = ISP_LDR_NEW_MAX_PAYLOAD;
	if (dev->frame_limit > cap)
		dev->frame_limit = cap; /* frames already cut for the old limit */
}

/* Is a loader of an earlier session still in command mode (HS-13)? At the work baud, then at
 * the rates an earlier session may have used. get_boot_info only at the ROM baud: a ROM left
 * in command mode there is used without a new handshake. */
static int probe(struct blr_dev *dev, enum found *f)
{
	unsigned rates[N_OF(probe_bauds) + 2];
	size_t n = 0;

	rates[n++] = dev->baud;
	for (size_t i = 0; i <= N_OF(probe_bauds); i++) {
		unsigned b = i < N_OF(probe_bauds) ? probe_bauds[i] : dev->rom_baud;
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup = dup || rates[k] == b;
		if (!dup)
			rates[n++] = b;
	}
	*f = FOUND_NOTHING;
	for (size_t i = 0; i < n && *f == FOUND_NOTHING; i++) {
		int r = dev_set_baud(dev, rates[i]);

		if (r == BLR_E_UNSUPPORTED && i > 0)
			continue; /* a rate this port cannot set: no earlier session used it */
		if (r == BLR_OK) {
			dev_flush_input(dev);
			r = identify(dev, SUM_COMPUTED, i ? PROBE_MS : PROBE_WORK_MS,
				     rates[i] == dev->rom_baud, f);
		}
		if (r != BLR_OK)
			return r;
	}
	return BLR_OK;
}

/* The loader waits in its handshake state: handshake at the work baud, then at lower rates
 * (BAUD-3); identify who answered (RESET-1). */
static int loader_sync(struct blr_dev *dev, unsigned tries)
{
	unsigned tried = dev->baud;
	int r = isp_handshake(dev, dev->baud, tries, ldr_idle_ms(dev), NULL);

	for (size_t i = 0; r == BLR_E_NO_RESPONSE && i < N_OF(fallback_bauds); i++) {
		if (fallback_bauds[i] >= dev->baud)
			continue;
		dev_warn(dev, "no loader handshake at %u baud; falling back to %u baud", tried,
			 fallback_bauds[i]);
		tried = fallback_bauds[i];
		r = dev_wait_ms(dev, ldr_idle_ms(dev)); /* whatever it measured, let it time out */
		if (r != BLR_OK)
			return r;
		r = isp_handshake(dev, fallback_bauds[i], 1, 0, NULL);
		if (r == BLR_OK)
			dev->baud = fallback_bauds[i];
	}
	if (r != BLR_OK)
		return r;
	link_set(dev, LINK_LOADER);
	r = ldr_identify(dev);
	if (r == BLR_E_CHIP_RESET) {
		dev_err(dev, "the loader did not start: the boot ROM still answers");
		link_set(dev, LINK_UNKNOWN);
		return BLR_E_PROTOCOL;
	}
	/* nothing identified itself: the MAC and JEDEC reads (with retries) will tell */
	return r == BLR_E_NO_RESPONSE ? BLR_OK : r;
}

/* RESYNC-1: failing frames (flash_read without a payload: FL 04 00, flash untouched) until the
 * loader counts its third failure (FAIL-1) or ignores one (already in handshake mode). */
static int fail_to_sync(struct blr_dev *dev)
{
	uint8_t rsp[ISP_RANGE_LEN];
	size_t rl = 0;

	for (unsigned i = 0; i < RESYNC_FRAMES && dev->link == LINK_LOADER; i++) {
		int r = isp_command(dev, SUM_COMPUTED, ISP_FLASH_READ, NULL, 0, rsp, sizeof(rsp),
				    &rl, FAIL_FRAME_MS);

		if (r == BLR_E_TIMEOUT)
			link_set(dev, LINK_LOADER_SYNC);
		else if (r != BLR_E_DEVICE)
			return r == BLR_OK ? BLR_E_PROTOCOL : r;
	}
	if (dev->link != LINK_LOADER_SYNC)
		return BLR_E_PROTOCOL;
	dev_sleep_ms(dev, RESYNC_SETTLE_MS);
	return BLR_OK;
}

/* A loader answers at cur_baud (HS-13): reuse it. Unless we have just handshaken it at the
 * work baud (fresh), its failure count and rate are not ours: send it to its handshake state
 * and handshake it at the work baud (RESYNC-1). Its build is not known (BUILD-2). */
static int adopt_loader(struct blr_dev *dev, bool fresh, unsigned tries)
{
	int r;

	dev_info(dev, "a loader is already running at %u baud: reusing it", dev->cur_baud);
	dev->info.loader_was_running = true;
	link_set(dev, LINK_LOADER);
	dev->last_rx_ms = dev_now_ms(dev);
	if (fresh && dev->cur_baud == dev->baud)
		return BLR_OK;
	r = fail_to_sync(dev);
	return r == BLR_OK ? loader_sync(dev, tries) : r;
}

/* ---- ROM ----------------------------------------------------------------------------------- */

/* Handshake with whoever listens: the ROM at its baud, at 115200 when the adapter cannot do
 * that (BAUD-2), a loader of an earlier session in its handshake state (any rate syncs it), or
 * one stuck in a frame at the work baud (REC-8). */
static int rom_sync(struct blr_dev *dev, unsigned tries)
{
	int r = isp_handshake(dev, dev->rom_baud, tries, ROM_IDLE_MS, NULL);

	if (r == BLR_E_NO_RESPONSE && dev->rom_baud > ISP_ROM_FALLBACK_BAUD) {
		dev_warn(dev, "no ROM handshake at %u baud, trying %u", dev->rom_baud,
			 ISP_ROM_FALLBACK_BAUD);
		r = isp_handshake(dev, ISP_ROM_FALLBACK_BAUD, 1, 0, NULL);
	}
	if (r != BLR_E_NO_RESPONSE)
		return r;
	dev_info(dev, "no ROM handshake at %u baud; trying a loader at %u", dev->rom_baud,
		 dev->baud);
	r = isp_handshake(dev, dev->baud, 1, 0, NULL);
	if (r == BLR_E_NO_RESPONSE) {
		/* a loader stuck in a frame (LIM-4) is in its handshake state after two receive
		 * timeouts whatever it received */
		r = dev_wait_ms(dev, ldr_idle_ms(dev));
		if (r == BLR_OK)
			r = isp_handshake(dev, dev->baud, 1, 0, NULL);
	}
	return r;
}

static int upload(struct blr_dev *dev, const uint8_t *img, size_t len)
{
	const uint8_t *seg = img + BH_LEN;
	const uint8_t *data = seg + SEG_HDR_LEN;
	size_t data_len = len - BH_LEN - SEG_HDR_LEN;
	uint8_t echo[SEG_HDR_LEN];
	size_t el = 0;
	int r;

	dev_progress(dev, BLR_STAGE_UPLOAD_LOADER, 0, len);
	r = isp_command(dev, SUM_ZERO, ISP_LOAD_BOOT_HEADER, img, BH_LEN, NULL, 0, NULL, 0);
	if (r != BLR_OK)
		return r;
	r = isp_command(dev, SUM_ZERO, ISP_LOAD_SEG_HEADER, seg, SEG_HDR_LEN, echo, sizeof(echo),
			&el, 0);
	if (r != BLR_OK)
		return r;
	if (el != SEG_HDR_LEN || memcmp(echo, seg, SEG_HDR_LEN) != 0) {
		dev_err(dev, "segment header echo differs from what was sent");
		return BLR_E_PROTOCOL;
	}
	for (size_t off = 0; off < data_len; off += ISP_SEG_CHUNK) {
		size_t n = data_len - off < ISP_SEG_CHUNK ? data_len - off : ISP_SEG_CHUNK;

		if (dev_cancelled(dev))
			return BLR_E_CANCELLED;
		r = isp_command(dev, SUM_ZERO, ISP_LOAD_SEG_DATA, data + off, n, NULL, 0, NULL, 0);
		if (r != BLR_OK)
			return r;
		dev_progress(dev, BLR_STAGE_UPLOAD_LOADER, BH_LEN + SEG_HDR_LEN + off + n, len);
	}
	r = isp_command(dev, SUM_ZERO, ISP_CHECK_IMAGE, NULL, 0, NULL, 0, NULL, 0);
	if (r != BLR_OK)
		return r;
	return isp_command(dev, SUM_ZERO, ISP_RUN_IMAGE, NULL, 0, NULL, 0, NULL, 0);
}

/* A ROM frame went unanswered or wrong (UPL-5): the ROM may still be receiving it, short of a
 * byte lost on the line. Complete it with 0x00 bytes, one per write (a FIFO read of its own),
 * until the ROM answers the completed frame; an idle ROM skips a lone 0x00, which is no
 * command (ORD-6). The ROM is then at a frame boundary in command mode. */
static int rom_settle(struct blr_dev *dev)
{
	static const uint8_t zero = 0;
	uint8_t rx[4];

	dev_sleep_ms(dev, ROM_FILL_WAIT_MS);
	dev_flush_input(dev);
	for (unsigned i = 0; i < ROM_FILL_BYTES; i++) {
		size_t got = 0;
		int r = dev_tx(dev, &zero, 1);

		if (r == BLR_OK)
			r = dev_read(dev, rx, sizeof(rx), ROM_FILL_WAIT_MS + dev_line_ms(dev, 8),
				     &got);
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			return r;
		if (got) {
			dev_sleep_ms(dev, ROM_FILL_WAIT_MS);
			dev_flush_input(dev);
			break;
		}
	}
	return BLR_OK;
}

/* Upload the session's loader copy, starting over from the boot header (which discards what
 * the ROM had, IMG-6) while within the budget (UPL-4): after completing a frame the ROM may
 * still be receiving (UPL-5), every other time after the ROM's idle timeout and a new
 * handshake (a frame the completion cannot finish). */
static int upload_tries(struct blr_dev *dev, unsigned tries)
{
	uint64_t t0 = dev_now_ms(dev);
	int r = BLR_E_INVAL;

	for (unsigned i = 0;; i++) {
		r = upload(dev, dev->ldr_img, dev->ldr_img_len);
		if (r == BLR_OK || fatal(r) ||
		    (i + 1 >= UPLOAD_TRIES && dev_now_ms(dev) - t0 >= UPLOAD_BUDGET_MS))
			break;
		dev_warn(dev, "loader upload failed (%s), starting over", blr_strerror(r));
		if (i % 2 == 0) {
			r = rom_settle(dev);
		} else {
			r = dev_wait_ms(dev, ROM_IDLE_MS);
			if (r == BLR_OK)
				r = isp_handshake(dev, dev->rom_baud, tries, ROM_IDLE_MS, NULL);
		}
		if (r != BLR_OK)
			return r;
	}
	return r;
}

/* After run_image (HS-11): the ROM has handed over; handshake the loader. */
static int loader_start(struct blr_dev *dev, unsigned tries)
{
	link_set(dev, LINK_UNKNOWN);
	dev_sleep_ms(dev, ISP_RUN_TO_SYNC_MS);
	return loader_sync(dev, tries);
}

/* Who answers after a ROM handshake: get_boot_info (and the JEDEC id of a loader), asked again
 * after completing a frame cut short by a byte lost on the line (UPL-5). */
static int identify_rom(struct blr_dev *dev, enum found *f)
{
	int r = BLR_OK;

	*f = FOUND_NOTHING;
	for (unsigned i = 0; r == BLR_OK && *f == FOUND_NOTHING && i < ROM_TRIES; i++) {
		if (i)
			r = rom_settle(dev);
		if (r == BLR_OK)
			r = identify(dev, SUM_ZERO, isp_cmd_spec(ISP_GET_BOOT_INFO)->timeout_ms,
				     true, f);
	}
	return r;
}

/* Handshake at the ROM baud (unless the probe found the ROM in command mode there), identify;
 * reuse a loader that answered, or refuse secured chips, upload and start the loader. */
static int connect_rom(struct blr_dev *dev, unsigned tries)
{
	enum found f;
	int r;

	if (dev->link != LINK_ROM) {
		r = rom_sync(dev, tries);
		if (r != BLR_OK)
			return r;
	}
	r = identify_rom(dev, &f);
	if (r != BLR_OK)
		return r;
	if (f == FOUND_NOTHING) {
		connect_listen(dev); /* a firmware's log with "OK" in it (LISTEN-3)? */
		if (dev->listen.heard == BLR_HEARD_TEXT)
			return BLR_E_NO_RESPONSE;
		dev->listened = false;
		dev_err(dev, "handshake answered but get_boot_info did not");
		return BLR_E_PROTOCOL;
	}
	if (f == FOUND_LOADER)
		return adopt_loader(dev, true, tries);
	link_set(dev, LINK_ROM);
	dev->rom_baud = dev->cur_baud;
	dev_info(dev, "boot ROM version %u, sign %u, encrypt %u", dev->info.rom_version,
		 dev->info.sign_type, dev->info.encrypted);
	if (dev->info.sign_type || dev->info.encrypted)
		return BLR_E_SECURED;
	if (!dev->ldr_img)
		return BLR_E_INVAL;
	r = upload_tries(dev, tries);
	if (r != BLR_OK)
		return r;
	use_build_limits(dev, &dev->ldr_li);
	return loader_start(dev, tries);
}

int chip_reload(struct blr_dev *dev)
{
	uint32_t limit = dev->frame_limit;
	enum found f = FOUND_NOTHING;
	int r;

	dev->late = (struct late_fl){0};
	if (!dev->ldr_img) {
		/* the link stays LINK_ROM_UNEXPECTED: every loader command says so */
		dev_err(dev, "the chip was reset (its boot ROM answered instead of the loader); "
			     "connect again with a loader file");
		return BLR_E_CHIP_RESET;
	}
	link_set(dev, LINK_UNKNOWN);
	dev_warn(dev, "the chip was reset (its boot ROM answered instead of the loader); "
		      "loading the loader again");
	/* whatever rate the ROM synced at, let it time out (ROM-TO-1), then the ROM baud */
	r = dev_wait_ms(dev, ROM_IDLE_MS);
	if (r == BLR_OK)
		r = isp_handshake(dev, dev->rom_baud, DEFAULT_HANDSHAKE_TRIES, ROM_IDLE_MS, NULL);
	if (r == BLR_OK)
		r = identify_rom(dev, &f);
	if (r == BLR_OK && f != FOUND_ROM)
		r = BLR_E_PROTOCOL;
	if (r == BLR_OK) {
		link_set(dev, LINK_ROM);
		r = upload_tries(dev, DEFAULT_HANDSHAKE_TRIES);
	}
	if (r == BLR_OK) {
		use_build_limits(dev, &dev->ldr_li);
		r = loader_start(dev, DEFAULT_HANDSHAKE_TRIES);
	}
	if (r == BLR_OK) {
		settle_limit(dev, limit);
		if (dev->read_chunk > dev->frame_limit)
			dev->read_chunk = dev->frame_limit & ~(READ_ALIGN - 1);
	}
	if (r != BLR_OK) {
		dev_err(dev, "loading the loader again failed (%s)", blr_strerror(r));
		link_set(dev, LINK_UNKNOWN);
		return r;
	}
	dev_info(dev, "the loader runs again at %u baud", dev->baud);
	return BLR_E_CHIP_RESET;
}

/* ---- loader ------------------------------------------------------------------------------- */

/* A command without payload that can simply be repeated after a reload (RESET-2). */
static int ask_again(struct blr_dev *dev, uint8_t id, uint8_t *rsp, size_t cap, size_t *rl)
{
	int r = ldr_command(dev, id, NULL, 0, rsp, cap, rl, 0, LDR_RETRY);

	if (r == BLR_E_CHIP_RESET && dev->link == LINK_LOADER)
		r = ldr_command(dev, id, NULL, 0, rsp, cap, rl, 0, LDR_RETRY);
	return r;
}

/* JEDEC id -> flash size by the chip table's rule (JEDEC-2); manufacturer 00/FF is no flash
 * (or a bus fault) whatever the capacity byte says. */
static int read_flash_id(struct blr_dev *dev)
{
	struct blr_chip_info *ci = &dev->info;
	size_t jl = 0;
	int r;

	r = ask_again(dev, ISP_FLASH_READ_JEDEC_ID, ci->jedec, ISP_JEDEC_LEN, &jl);
	if (r != BLR_OK)
		return r;
	if (jl != ISP_JEDEC_LEN)
		return BLR_E_PROTOCOL;
	dev_info(dev, "flash JEDEC id %02x %02x %02x (flags %02x)", ci->jedec[0], ci->jedec[1],
		 ci->jedec[2], ci->jedec[3]);
	ci->flash_size =
	    ci->jedec[0] == 0x00 || ci->jedec[0] == 0xFF ? 0 : blr_jedec_flash_size(ci->jedec[2]);
	return ci->flash_size ? BLR_OK : BLR_E_NO_FLASH;
}

/* The loader answers (and has said whether it knows get_boot_info, ldr_identify): read the MAC
 * and identify the flash (the last step: the session is usable once the flash size is known). */
static int loader_session(struct blr_dev *dev)
{
	struct blr_chip_info *ci = &dev->info;
	uint8_t mac[ISP_MAC_LEN];
	int r;

	ci->baud = dev->baud;
	r = blr_read_mac(dev, mac);
	if (r == BLR_OK) {
		memcpy(ci->mac, mac, sizeof(mac));
		ci->mac_from_efuse_cmd = true;
	} else if (r == BLR_E_CANCELLED || r == BLR_E_GONE || dev->link != LINK_LOADER) {
		return r;
	} else {
		dev_warn(dev, "reading the MAC failed (%s)", blr_strerror(r));
	}
	settle_limit(dev, UINT32_MAX);
	ci->frame_limit = dev->frame_limit;
	return read_flash_id(dev);
}

/* Validate the loader file and keep a copy for a reload (RESET-2); none without a file. */
static int keep_loader(struct blr_dev *dev, const struct blr_connect_opts *o)
{
	const char *why = NULL;
	int r;

	free(dev->ldr_img);
	dev->ldr_img = NULL;
	dev->ldr_img_len = 0;
	memset(&dev->ldr_li, 0, sizeof(dev->ldr_li));
	if (!o->loader)
		return BLR_OK;
	r = blr_loader_parse(o->loader, o->loader_len, &dev->ldr_li, &why);
	if (r != BLR_OK) {
		dev_err(dev, "loader image rejected: %s", why ? why : blr_strerror(r));
		return r;
	}
	dev->ldr_img = malloc(o->loader_len);
	if (!dev->ldr_img)
		return BLR_E_NOMEM;
	memcpy(dev->ldr_img, o->loader, o->loader_len);
	dev->ldr_img_len = o->loader_len;
	return BLR_OK;
}

int blr_connect(struct blr_dev *dev, const struct blr_connect_opts *o)
{
	static const struct blr_connect_opts defaults;
	unsigned tries;
	enum found f = FOUND_NOTHING;
	int r;

	if (!o)
		o = &defaults;
	dev->listened = false;
	memset(&dev->info, 0, sizeof(dev->info));
	exchange_begin(dev);
	if (dev->gone)
		return BLR_E_GONE;
	dev->read_chunk = 0;
	dev->read_chunk_probed = false;
	dev->rom_baud = o->rom_baud ? o->rom_baud : BLR_DEFAULT_ROM_BAUD;
	dev->baud = o->baud ? o->baud : BLR_DEFAULT_BAUD;
	tries = o->handshake_tries ? o->handshake_tries : DEFAULT_HANDSHAKE_TRIES;
	r = keep_loader(dev, o);
	if (r != BLR_OK)
		return r;
	r = blr_reset_steps_run(dev, o->reset_steps);
	if (r != BLR_OK)
		return r;
	use_unknown_limits(dev);
	if (!o->no_probe) {
		r = probe(dev, &f);
		if (r != BLR_OK)
			return r;
	}
	if (f == FOUND_LOADER) {
		r = adopt_loader(dev, false, tries);
	} else {
		if (f == FOUND_ROM)
			link_set(dev, LINK_ROM); /* in command mode at the ROM baud: go on */
		r = connect_rom(dev, tries);
		if (r == BLR_E_NO_RESPONSE && !dev->listened)
			connect_listen(dev); /* LISTEN-1 */
	}
	if (r != BLR_OK)
		return r;
	if (dev->link != LINK_LOADER)
		return BLR_E_PROTOCOL;
	return loader_session(dev);
}

int blr_read_mac(struct blr_dev *dev, uint8_t mac[6])
{
	uint8_t r[ISP_MAC_REPLY_LEN];
	size_t rl = 0;
	int e = ask_again(dev, ISP_EFUSE_READ_MAC, r, sizeof(r), &rl);

	if (e != BLR_OK)
		return e;
	if (rl != ISP_MAC_REPLY_LEN || hash_crc32(r, ISP_MAC_LEN) != get_le32(r + ISP_MAC_LEN))
		return BLR_E_PROTOCOL;
	for (unsigned i = 0; i < ISP_MAC_LEN; i++)
		mac[i] = r[ISP_MAC_LEN - 1 - i]; /* stored reversed (MAC-1) */
	return BLR_OK;
}
