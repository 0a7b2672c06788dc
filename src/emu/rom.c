/* SPDX-License-Identifier: MIT */
/*
 * The mask ROM stage after its handshake (doc/protocol.md §6): frame collection with
 * the idle-state quirks of HS-8, LIM-1 and ORD-6, the boot-header and segment checks of an image
 * loaded into RAM, and its command table.
 */
#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "emu_int.h"
#include "hash.h"

#define ROM_IDLE_US	2000000u /* ROM-TO-1: 2 s between received bytes */
#define ROM_MAX_PAYLOAD 4092u	 /* LIM-1 */
#define BOOT_HEADER_LEN 176u	 /* IMG-1 */
#define SEG_HEADER_LEN	16u	 /* IMG-2 */
#define DEADBEEF	0xDEADBEEFu

/* RAM a segment may be loaded to (ITCM/DTCM/WRAM, both aliases): the emulator's choice
 * (EMU-6); the chip is only known to refuse 0x10000000 with FL 0x0211 (IMG-2). */
#define RAM_LO 0x22008000u
#define RAM_HI 0x22040000u

void rom_image_reset(struct emu *e)
{
	e->hdr_ok = false;
	e->img_ok = false;
	e->seg_cnt = e->seg_idx = e->seg_left = 0;
	hash_sha256_free(e->sha);
	e->sha = NULL;
}

/* 0x11 (IMG-1, IMG-6). */
static int rom_boot_header(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	const uint8_t *p = c->p;
	uint32_t cfg, crc;

	rom_image_reset(e);
	if (c->n != BOOT_HEADER_LEN)
		return FL_IMG_BOOTHEADER_LEN;
	if (memcmp(p, "BFNP", 4) != 0)
		return FL_IMG_BOOTHEADER_MAGIC;
	cfg = get_le32(p + 116);
	crc = get_le32(p + 172);
	/* CRC skipped only with crc_ignore (bit 16) AND the DEADBEEF sentinel (IMG-1). */
	if (!((cfg & (1u << 16)) && crc == DEADBEEF) && hash_crc32(p, 172) != crc)
		return FL_IMG_BOOTHEADER_CRC;
	/* The chip's eFuse state must match the image (IMG-1, EMU-6); encryption first.
	 * Compared for equality both ways: not verified on a chip. */
	if ((((cfg >> 2) & 3u) != 0) != (e->otp[1] != 0))
		return FL_IMG_BOOTHEADER_ENCRYPT_NOTFIT;
	if (((cfg & 3u) != 0) != (e->otp[0] != 0))
		return FL_IMG_BOOTHEADER_SIGN_NOTFIT;
	if (get_le32(p + 120) == 0)
		return FL_IMG_SEGMENT_CNT;
	e->hdr_ok = true;
	e->seg_cnt = get_le32(p + 120);
	e->hash_check = !((cfg & (1u << 17)) && get_le32(p + 132) == DEADBEEF);
	memcpy(e->hash, p + 132, 32);
	e->sha = hash_sha256_new();
	return 0;
}

/* 0x17 (IMG-2): the header is echoed. */
static int rom_seg_header(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint32_t dst, len;

	if (!e->hdr_ok)
		return FL_CMD_SEQ;
	if (c->n != SEG_HEADER_LEN)
		return FL_IMG_SECTIONHEADER_LEN;
	if (hash_crc32(c->p, 12) != get_le32(c->p + 12))
		return FL_IMG_SECTIONHEADER_CRC;
	dst = get_le32(c->p);
	len = get_le32(c->p + 4);
	if (dst < RAM_LO || dst >= RAM_HI || len > RAM_HI - dst)
		return FL_IMG_SECTIONHEADER_DST;
	if (e->seg_idx >= e->seg_cnt)
		return FL_IMG_SEGMENT_CNT; /* more segment headers than segment_cnt: unverified */
	e->seg_idx++;
	e->seg_left = len;
	if (e->sha)
		hash_sha256_update(e->sha, c->p, c->n);
	reply_data(c, c->p, SEG_HEADER_LEN);
	cmd_args(c, " dst=0x%08" PRIX32 " len=%" PRIu32, dst, len);
	return 0;
}

/* 0x18: data of the current segment; more than announced -> FL 0x0214 (IMG-3). The segment
 * data CRC (segment header bytes 8..11) is not checked (blisp sends 0). */
static int rom_seg_data(struct cmd_ctx *c)
{
	struct emu *e = c->e;

	cmd_args(c, " len=%zu", c->n);
	if (!e->hdr_ok || e->seg_idx == 0)
		return FL_CMD_SEQ;
	if (c->n > e->seg_left)
		return FL_IMG_SECTIONDATA_TLEN;
	e->seg_left -= (uint32_t)c->n;
	if (e->sha && c->n)
		hash_sha256_update(e->sha, c->p, c->n);
	return 0;
}

/* 0x19: any failure invalidates the header (IMG-4: seg header after a failed check FL 04 01). */
static int rom_check(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint8_t d[32];
	int rc = 0;

	if (!e->hdr_ok)
		return FL_CMD_SEQ;
	if (e->seg_idx < e->seg_cnt || e->seg_left)
		rc = FL_IMG_HALFBAKED;
	else if (e->hash_check) {
		if (!e->sha || hash_sha256_final(e->sha, d) != 0 || memcmp(d, e->hash, 32) != 0)
			rc = FL_IMG_HASH;
	}
	if (rc) {
		rom_image_reset(e);
		return rc;
	}
	e->img_ok = true;
	return 0;
}

/* 0x1A: the loader starts and re-initialises its UART with auto-baud (HS-11). Without a
 * checked image we refuse (not verified on the chip). */
static int rom_run(struct cmd_ctx *c)
{
	if (!c->e->img_ok)
		return FL_CMD_SEQ;
	c->leave = true;
	c->next = EMU_LDR_WAIT_SYNC;
	return 0;
}

/* 0x20 change_rate (ROM-3): OK at the new rate. */
static int rom_change_rate(struct cmd_ctx *c)
{
	if (c->n != 8)
		return FL_IF_RATE_LEN;
	/* The host switches after sending; the OK is delivered whatever it reads at. */
	c->e->line.dev_baud = 0;
	emit_ok(c->e, c->t + 3000);
	c->replied = true;
	c->e->line.dev_baud = get_le32(c->p + 4);
	cmd_args(c, " new=%" PRIu32, get_le32(c->p + 4));
	return 0;
}

/* 0x51 memory_read (ROM-6); RAM contents are not modelled: zeros (EMU-7). */
static int rom_memory_read(struct cmd_ctx *c)
{
	if (c->n != 8 || (get_le32(c->p + 4) & ~3u) > 0xFFC ||
	    (get_le32(c->p) & 0x0FFF0000u) == 0x01000000u)
		return FL_MEMORY_READ;
	reply_data(c, NULL, get_le32(c->p + 4) & ~3u);
	return 0;
}

/* 0x30 flash_erase (EMU-5): the loader's payload layout (start, inclusive end) is assumed; the
 * 4 KiB sectors overlapping [start, end] are erased (at most the whole flash), answered OK. */
static int rom_flash_erase(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint64_t start, end, size = (uint64_t)e->mask + 1;

	if (c->n != 8)
		return FL_FLASH_ERASE_PARA;
	start = get_le32(c->p) & ~(uint64_t)0xFFF;
	end = get_le32(c->p + 4);
	cmd_args(c, " start=0x%08" PRIX64 " end=0x%08" PRIX64, start, end);
	if (end < start)
		return 0;
	end = (end | 0xFFF) + 1;
	flash_erase(e, start, end - start < size ? end - start : size);
	for (uint64_t a = start; a < end && a - start < size; a += 0x1000)
		c->t += flash_erase_us(e, 0x1000);
	return 0;
}

/* 0x31 flash_write (EMU-5): address + data as the loader's, programmed, answered OK after. */
static int rom_flash_write(struct cmd_ctx *c)
{
	if (c->n < 5)
		return FL_FLASH_WRITE_PARA;
	cmd_args(c, " addr=0x%08" PRIX32 " len=%zu", get_le32(c->p), c->n - 4);
	flash_program(c->e, get_le32(c->p), c->p + 4, c->n - 4);
	c->t += flash_program_us(c->e, c->n - 4);
	return 0;
}

/* The ROM's command table (ROM-1, EMU-5): every entry but 0x32 is enabled. 0x12/0x14/0x16
 * (signed images), 0x33/0x40/0x50 are enabled but not modelled. */
static const struct emu_cmd rom_cmds[] = {
    {CMD_GET_BOOT_INFO, "get_boot_info", IN_ROM, cmd_get_boot_info},
    {CMD_LOAD_BOOT_HEADER, "load_boot_header", IN_ROM, rom_boot_header},
    {CMD_LOAD_PUBLIC_KEY, "load_public_key", IN_ROM, NULL},
    {CMD_LOAD_SIGNATURE, "load_signature", IN_ROM, NULL},
    {CMD_LOAD_AES_IV, "load_aes_iv", IN_ROM, NULL},
    {CMD_LOAD_SEGMENT_HEADER, "load_segment_header", IN_ROM, rom_seg_header},
    {CMD_LOAD_SEGMENT_DATA, "load_segment_data", IN_ROM, rom_seg_data},
    {CMD_CHECK_IMAGE, "check_image", IN_ROM, rom_check},
    {CMD_RUN_IMAGE, "run_image", IN_ROM, rom_run},
    {CMD_CHANGE_RATE, "change_rate", IN_ROM, rom_change_rate},
    {CMD_RESET, "reset", IN_ROM, cmd_reset},
    {CMD_FLASH_ERASE, "flash_erase", IN_ROM, rom_flash_erase},
    {CMD_FLASH_WRITE, "flash_write", IN_ROM, rom_flash_write},
    {CMD_FLASH_READ, "flash_read (disabled)", 0, NULL},
    {CMD_FLASH_BOOT, "flash_boot", IN_ROM, NULL},
    {CMD_EFUSE_WRITE, "efuse_write", IN_ROM, NULL},
    {CMD_EFUSE_READ, "efuse_read", IN_ROM, cmd_efuse_read},
    {CMD_MEMORY_WRITE, "memory_write", IN_ROM, NULL},
    {CMD_MEMORY_READ, "memory_read", IN_ROM, rom_memory_read},
    {0, NULL, 0, NULL},
};

static void rom_exec(struct emu *e, uint64_t t)
{
	struct cmd_ctx c;

	cmd_init(&c, e, IN_ROM, t);
	emu_served(e, e->frame[0]);
	if (cmd_run(&c, cmd_find(rom_cmds, c.id), "ROM") == 0 && c.leave)
		emu_enter(e, c.next);
}

static const char *rom_name(uint8_t id)
{
	return cmd_name(cmd_find(rom_cmds, id));
}

/* One byte after the handshake. */
void rom_byte(struct emu *e, const struct lbyte *ib)
{
	const struct emu_cmd *row = cmd_find(rom_cmds, ib->b);

	e->rom_last = ib->t;
	if (e->flen == 0 && !(row && (row->in & IN_ROM))) {
		/*
		 * ORD-6, HS-8: in its idle state the ROM skips a lone non-command byte,
		 * but parses a read of >= 4 bytes as a header anyway. Simplification of ORD-6
		 * (EMU-5): such a frame is consumed without a reply (the chip sometimes re-runs the
		 * previous command instead); if its length is > 4092 it is answered FL 0x0102
		 * (HS-8).
		 */
		if (1 + line_in_chunk_left(e, ib->chunk, 3) < 4)
			return;
		e->fskip = true;
	}
	e->frame[e->flen++] = ib->b;
	if (e->flen == 4) {
		size_t n = get_le16(e->frame + 2);
		if (n > ROM_MAX_PAYLOAD) {
			/* LIM-1: FL 0x0102; only the rest of this read is dropped. */
			emu_served(e, e->frame[0]);
			emit_fl(e, ib->t, FL_CMD_LEN);
			emu_log(e, "ROM 0x%02X %s len=%zu -> FL 0102 (too long)", e->frame[0],
				rom_name(e->frame[0]), n);
			frame_reset(e);
			line_in_drop_chunk(e, ib->chunk);
			return;
		}
		e->fneed = 4 + n;
	}
	if (e->fneed && e->flen == e->fneed) {
		if (e->fskip) {
			emu_served(e, e->frame[0]);
			emu_log(e, "ROM 0x%02X %s len=%zu -> no reply", e->frame[0],
				rom_name(e->frame[0]), e->fneed - 4);
		} else {
			rom_exec(e, ib->t);
		}
		if (e->state == EMU_ROM_CMD)
			frame_reset(e);
	}
}

uint64_t rom_deadline(const struct emu *e)
{
	return (e->rom_last > e->dev_free ? e->rom_last : e->dev_free) + ROM_IDLE_US;
}

void rom_timeout(struct emu *e, uint64_t t)
{
	(void)t;
	emu_log(e, "ROM 2 s without data -> wait sync");
	emu_enter(e, EMU_ROM_WAIT_SYNC);
}
