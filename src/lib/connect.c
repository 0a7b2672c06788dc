/* SPDX-License-Identifier: MIT */
/*
 * The connect flow (protocol.md §6.1): reset, probe for a running loader, ROM handshake with
 * its fallbacks, get_boot_info and the refusal of secured chips, loader upload (§5.4), loader
 * handshake with lower-baud fallbacks, MAC, JEDEC id -> flash size. Also blr_get_info,
 * blr_read_mac and blr_reset.
 */
#include <string.h>

#include "blrescue/chipdb.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/bootheader.h"
#include "lib/exchange.h"
#include "lib/isp.h"
#include "lib/loader.h"

#define DEFAULT_HANDSHAKE_TRIES 3u
#define PROBE_TIMEOUT_MS	100u /* running-loader probe ([MCU] 100 ms) */
#define UPLOAD_TRIES		2u
#define ROM_IDLE_MS		(ISP_ROM_IDLE_SYNC_MS + ISP_SYNC_REPLY_MS)

/* Lower work bauds tried when the loader handshake fails at the requested one (§1.4). */
static const unsigned fallback_bauds[] = {1000000, 500000, 230400, 115200};

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
static enum found identify(struct blr_dev *dev, enum frame_sum sum, unsigned timeout_ms)
{
	uint8_t r[ISP_BOOT_INFO_LEN];
	size_t rl = 0;

	if (isp_command(dev, sum, ISP_GET_BOOT_INFO, NULL, 0, r, sizeof(r), &rl, timeout_ms) ==
		BLR_OK &&
	    rl == ISP_BOOT_INFO_LEN) {
		take_boot_info(dev, r);
		if (get_le32(r) == ISP_BOOT_VERSION_LOADER) {
			dev->has_boot_info = true;
			return FOUND_LOADER;
		}
		return FOUND_ROM;
	}
	if (isp_command(dev, sum, ISP_FLASH_READ_JEDEC_ID, NULL, 0, r, ISP_JEDEC_LEN, &rl,
			timeout_ms) == BLR_OK &&
	    rl == ISP_JEDEC_LEN)
		return FOUND_LOADER;
	return FOUND_NOTHING;
}

static void use_unknown_limits(struct blr_dev *dev)
{
	dev->frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
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

/* Is a loader already running at the work baud (a session before this one)? */
static int probe(struct blr_dev *dev, enum found *f)
{
	int r = dev_set_baud(dev, dev->baud);

	if (r != BLR_OK)
		return r;
	dev_flush_input(dev);
	*f = identify(dev, SUM_COMPUTED, PROBE_TIMEOUT_MS);
	if (*f == FOUND_LOADER) {
		dev_info(dev, "a loader is already running at %u baud: reusing it", dev->baud);
		link_set(dev, LINK_LOADER);
		dev->info.loader_was_running = true;
	}
	return BLR_OK;
}

/* ---- ROM ----------------------------------------------------------------------------------- */

/* Handshake with whoever listens: the ROM at its baud, at 115200 when the adapter cannot do
 * that (§1.4), or a loader of an earlier session that timed out into its handshake state (then
 * dev->rom_baud becomes the loader's baud). */
static int rom_sync(struct blr_dev *dev, unsigned tries)
{
	int r = isp_handshake(dev, dev->rom_baud, tries, ROM_IDLE_MS);

	if (r == BLR_E_NO_RESPONSE && dev->rom_baud > ISP_ROM_FALLBACK_BAUD) {
		/* adapters that cannot do the ROM baud (§1.4: "fallback 115200") */
		dev_warn(dev, "no ROM handshake at %u baud, trying %u", dev->rom_baud,
			 ISP_ROM_FALLBACK_BAUD);
		r = isp_handshake(dev, ISP_ROM_FALLBACK_BAUD, 1, 0);
		if (r == BLR_OK)
			dev->rom_baud = ISP_ROM_FALLBACK_BAUD;
	}
	if (r != BLR_E_NO_RESPONSE)
		return r;
	dev_info(dev, "no ROM handshake at %u baud; trying a loader at %u", dev->rom_baud,
		 dev->baud);
	r = isp_handshake(dev, dev->baud, 1, 0);
	if (r == BLR_E_NO_RESPONSE) {
		/* a loader stuck in a frame (§9.5) is in its handshake state after two receive
		 * timeouts whatever it received */
		r = dev_wait_ms(dev, ldr_idle_ms(dev));
		if (r == BLR_OK)
			r = isp_handshake(dev, dev->baud, 1, 0);
	}
	if (r == BLR_OK)
		dev->rom_baud = dev->baud;
	return r;
}

/* A loader answered at the ROM baud: reuse it, at the work baud. */
static int reuse_loader(struct blr_dev *dev)
{
	dev_info(dev, "a loader answered at %u baud", dev->rom_baud);
	link_set(dev, LINK_LOADER);
	dev->info.loader_was_running = true;
	use_unknown_limits(dev);
	dev->last_rx_ms = dev_now_ms(dev);
	if (dev->rom_baud != dev->baud) {
		/* to change its baud it must time out into handshake mode first ([MCU]) */
		int r = dev_wait_ms(dev, ldr_idle_ms(dev));

		return r == BLR_OK ? ldr_handshake(dev) : r;
	}
	return BLR_OK;
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

/* Upload, starting over once (after the ROM's idle timeout and a new handshake). */
static int upload_tries(struct blr_dev *dev, const struct blr_connect_opts *o, unsigned tries)
{
	int r = BLR_E_INVAL;

	for (unsigned i = 0; i < UPLOAD_TRIES; i++) {
		r = upload(dev, o->loader, o->loader_len);
		if (r == BLR_OK || r == BLR_E_CANCELLED || i + 1 == UPLOAD_TRIES)
			break;
		dev_warn(dev, "loader upload failed (%s), starting over", blr_strerror(r));
		r = dev_wait_ms(dev, ROM_IDLE_MS);
		if (r != BLR_OK)
			return r;
		r = isp_handshake(dev, dev->rom_baud, tries, ROM_IDLE_MS);
		if (r != BLR_OK)
			return r;
	}
	return r;
}

/* After run_image: handshake at the work baud, then (optionally) lower bauds. */
static int loader_start(struct blr_dev *dev, unsigned tries)
{
	unsigned tried = dev->baud;
	int r;

	link_set(dev, LINK_UNKNOWN); /* the ROM has handed over */
	dev_sleep_ms(dev, ISP_RUN_TO_SYNC_MS);
	r = isp_handshake(dev, dev->baud, tries, ldr_idle_ms(dev));
	for (size_t i = 0;
	     r == BLR_E_NO_RESPONSE && i < sizeof(fallback_bauds) / sizeof(*fallback_bauds); i++) {
		if (fallback_bauds[i] >= dev->baud)
			continue;
		dev_warn(dev, "no loader handshake at %u baud, trying %u", tried,
			 fallback_bauds[i]);
		tried = fallback_bauds[i];
		r = dev_wait_ms(dev, ldr_idle_ms(dev)); /* whatever it measured, let it time out */
		if (r != BLR_OK)
			return r;
		r = isp_handshake(dev, fallback_bauds[i], 1, 0);
		if (r == BLR_OK)
			dev->baud = fallback_bauds[i];
	}
	if (r == BLR_OK)
		link_set(dev, LINK_LOADER);
	return r;
}

/* Handshake (unless the probe found the ROM in command mode), identify, refuse secured
 * chips, upload and start the loader. */
static int connect_rom(struct blr_dev *dev, const struct blr_connect_opts *o,
		       const struct blr_loader_info *li, unsigned tries)
{
	enum found f;
	int r;

	if (dev->link != LINK_ROM) {
		r = rom_sync(dev, tries);
		if (r != BLR_OK)
			return r;
	}
	f = identify(dev, SUM_ZERO, isp_cmd_spec(ISP_GET_BOOT_INFO)->timeout_ms);
	if (f == FOUND_NOTHING) {
		dev_err(dev, "handshake answered but get_boot_info did not");
		return BLR_E_PROTOCOL;
	}
	if (f == FOUND_LOADER)
		return reuse_loader(dev);
	link_set(dev, LINK_ROM);
	dev_info(dev, "boot ROM version %u, sign %u, encrypt %u", dev->info.rom_version,
		 dev->info.sign_type, dev->info.encrypted);
	if (dev->info.sign_type || dev->info.encrypted)
		return BLR_E_SECURED;
	if (!o->loader)
		return BLR_E_INVAL;
	r = upload_tries(dev, o, tries);
	if (r != BLR_OK)
		return r;
	use_build_limits(dev, li);
	return loader_start(dev, tries);
}

/* ---- loader ------------------------------------------------------------------------------- */

/* JEDEC id -> flash size by the chip table's rule (protocol.md §6.6); manufacturer 00/FF is
 * no flash (or a bus fault) whatever the capacity byte says. */
static int read_flash_id(struct blr_dev *dev)
{
	struct blr_chip_info *ci = &dev->info;
	size_t jl = 0;
	int r;

	r = ldr_command(dev, ISP_FLASH_READ_JEDEC_ID, NULL, 0, ci->jedec, ISP_JEDEC_LEN, &jl, 0, 3);
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

/* The loader answers: learn what it can do, read the MAC and identify the flash (the last
 * step: the session is usable once the flash size is known). */
static int loader_session(struct blr_dev *dev)
{
	struct blr_chip_info *ci = &dev->info;
	uint8_t mac[ISP_MAC_LEN];
	int r;

	ci->baud = dev->baud;
	if (!ci->loader_build && !dev->has_boot_info) {
		/* unknown build: does it have the new command set? (old ones stay silent, L6) */
		uint8_t bi[ISP_BOOT_INFO_LEN];
		size_t bl = 0;

		if (isp_command(dev, SUM_COMPUTED, ISP_GET_BOOT_INFO, NULL, 0, bi, sizeof(bi), &bl,
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
	ci->frame_limit = dev->frame_limit;
	return read_flash_id(dev);
}

int blr_connect(struct blr_dev *dev, const struct blr_connect_opts *o)
{
	static const struct blr_connect_opts defaults;
	struct blr_loader_info li = {0};
	unsigned tries;
	const char *why = NULL;
	enum found f = FOUND_NOTHING;
	int r;

	if (!o)
		o = &defaults;
	memset(&dev->info, 0, sizeof(dev->info));
	exchange_begin(dev);
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
		r = probe(dev, &f);
		if (r != BLR_OK)
			return r;
	}
	if (f == FOUND_ROM && dev->baud == dev->rom_baud)
		link_set(dev, LINK_ROM); /* ROM in command mode at this baud: go on */
	if (f != FOUND_LOADER) {
		r = connect_rom(dev, o, &li, tries);
		if (r != BLR_OK)
			return r;
	}
	if (dev->link != LINK_LOADER)
		return BLR_E_PROTOCOL;
	return loader_session(dev);
}

int blr_get_info(struct blr_dev *dev, struct blr_chip_info *info)
{
	if (!dev || !info)
		return BLR_E_INVAL;
	*info = dev->info;
	info->frame_limit = dev->frame_limit;
	info->baud = dev->baud;
	return dev_connected(dev) ? BLR_OK : BLR_E_INVAL;
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

	if (r == BLR_OK)
		link_set(dev, LINK_UNKNOWN);
	return r;
}
