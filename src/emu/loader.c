/* SPDX-License-Identifier: MIT */
/*
 * The eflash_loader stage after its handshake (doc/protocol.md §7): frame
 * collection, checksum, failure counting, receive timeouts and its command table (the 0x3F
 * decompress-write is in xz.c).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "emu_int.h"
#include "hash.h"

#define LDR_MAX_OLD   0x2404u /* LIM-2, §8.3 */
#define LDR_MAX_FAILS 3u      /* FAIL-1 */

static uint32_t ldr_limit(const struct emu *e)
{
	if (e->cfg.loader_frame_limit)
		return e->cfg.loader_frame_limit;
	return e->cfg.old_loader ? LDR_MAX_OLD : LDR_MAX_NEW;
}

/*
 * 0x30 (ERASE-1..ERASE-6): inclusive end; per step one PD (new builds) sent before
 * the step; 64 KiB when aligned and more than 60 KiB remain, 32 KiB when aligned and more than
 * 28 KiB remain, else the 4 KiB sector holding start. The latched write error is cleared first.
 * Arithmetic is 64-bit (the real 32-bit loop would never end for end = 0xFFFFFFFF).
 */
static int ldr_erase(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint64_t start, end, covered = 0, size = (uint64_t)e->mask + 1, t0 = c->t;
	unsigned steps = 0, fail;

	e->latched = 0;
	if (c->n != 8)
		return FL_FLASH_ERASE_PARA;
	start = get_le32(c->p);
	end = get_le32(c->p + 4);
	cmd_args(c, " start=0x%08" PRIX64 " end=0x%08" PRIX64, start, end);
	fail = fault_erase(e, c->t); /* EMU-19: FL 03 00 after `fail` steps */
	if (end < start)
		return fail == UINT_MAX ? 0 : FL_FLASH_ERASE;
	if (e->cfg.jedec[0] == 0xEF && end + 1 - start >= 0x2800 &&
	    flash_blank(e, (uint32_t)start, end + 1 - start)) {
		cmd_args(c, " (blank, skipped)");
		return fail == UINT_MAX ? 0 : FL_FLASH_ERASE; /* Winbond blank skip (ERASE-5) */
	}
	while (start <= end && steps != fail) {
		uint64_t rem = end + 1 - start;
		uint32_t step;

		if (!e->cfg.old_loader)
			emit_pd(e, c->t);
		if ((start & 0xFFFF) == 0 && rem > 0xF000)
			step = 0x10000;
		else if ((start & 0x7FFF) == 0 && rem > 0x7000)
			step = 0x8000;
		else {
			step = 0x1000;
			start &= ~(uint64_t)0xFFF;
		}
		if (covered < size)
			flash_erase(e, start, step);
		else
			e->st.erased += step;
		covered += step;
		c->t += flash_erase_us(e, step);
		start += step;
		steps++;
	}
	fault_slowed(e, t0, c->t - t0);
	cmd_args(c, " steps=%u", steps);
	return fail == UINT_MAX ? 0 : FL_FLASH_ERASE;
}

/* 0x31: OK as soon as the frame is in (ORD-2), a program failure is latched for 0x3A and sent
 * late (WRITE-3). */
static int ldr_write(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint32_t a;
	bool fail;

	if (c->n < 5)
		return FL_FLASH_WRITE_PARA;
	a = get_le32(c->p);
	if (a == 0xFFFFFFFFu)
		return FL_FLASH_WRITE_ADDR;
	cmd_args(c, " addr=0x%08" PRIX32 " len=%zu", a, c->n - 4);
	reply_ok(c);
	fail = fault_program(e, c->t); /* EMU-19 */
	if (e->fail_next_program || fail) {
		e->fail_next_program = false;
		e->latched = FL_FLASH_WRITE;
		return FL_FLASH_WRITE;
	}
	flash_program(e, a, c->p + 4, c->n - 4);
	c->t += flash_program_us(e, c->n - 4);
	return 0;
}

/* 0x32, 0x34 (READ-2): at most the frame limit is returned. */
static int ldr_read(struct cmd_ctx *c)
{
	uint32_t a, l;
	uint8_t *buf;

	if (c->n != 8)
		return FL_FLASH_WRITE_PARA;
	a = get_le32(c->p);
	l = get_le32(c->p + 4);
	cmd_args(c, " addr=0x%08" PRIX32 " len=%" PRIu32, a, l);
	if (l > ldr_limit(c->e))
		l = ldr_limit(c->e);
	buf = malloc(l ? l : 1);
	if (!buf)
		return FL_FLASH_WRITE_PARA;
	flash_read(c->e, a, buf, l);
	reply_data(c, buf, l);
	free(buf);
	return 0;
}

static int ldr_write_check(struct cmd_ctx *c)
{
	return c->e->latched;
}

static int ldr_set_para(struct cmd_ctx *c)
{
	return c->n != 4 && c->n != 88 ? FL_FLASH_SET_PARA : 0;
}

/* 0x3C: PD about every second of the erase (ORD-4); one with timing off (EMU-13). An erase failure
 * (EMU-19) after no step erases nothing, after some the whole chip. */
static int ldr_chip_erase(struct cmd_ctx *c)
{
	struct emu *e = c->e;
	uint64_t end = c->t + flash_chip_erase_us(e);
	unsigned fail = fault_erase(e, c->t);

	if (!e->cfg.old_loader) {
		emit_pd(e, c->t);
		for (uint64_t x = c->t + 1000000u; x < end; x += 1000000u)
			emit_pd(e, x);
	}
	if (fail != 0)
		flash_erase(e, 0, (uint64_t)e->mask + 1);
	fault_slowed(e, c->t, end - c->t);
	c->t = end;
	return fail == UINT_MAX ? 0 : FL_FLASH_ERASE;
}

/* 0x3D, 0x3E (SHA-1, SHA-2). */
static int ldr_sha256(struct cmd_ctx *c)
{
	uint32_t a, l;
	uint8_t d[32];

	if (c->n != 8)
		return FL_FLASH_WRITE_PARA;
	a = get_le32(c->p);
	l = get_le32(c->p + 4);
	cmd_args(c, " addr=0x%08" PRIX32 " len=%" PRIu32, a, l);
	if (flash_sha256(c->e, a, l, d) != 0)
		return FL_FLASH_WRITE_PARA;
	c->t += flash_sha_us(c->e, l);
	reply_data(c, d, 32);
	return 0;
}

/* 0x36 (JEDEC-1): manufacturer, type, capacity, flags (0x80: a part the loader knows). */
static int ldr_jedec_id(struct cmd_ctx *c)
{
	const struct emu_config *cfg = &c->e->cfg;
	uint8_t b[4] = {cfg->jedec[0], cfg->jedec[1], cfg->jedec[2], cfg->jedec_known ? 0x80 : 0};

	reply_data(c, b, 4);
	return 0;
}

/* 0x37: status registers are not modelled: zeros, at most 4 bytes. */
static int ldr_read_status(struct cmd_ctx *c)
{
	uint32_t l;

	if (c->n != 8)
		return FL_FLASH_READ_STATUS_REG;
	l = get_le32(c->p + 4);
	reply_data(c, NULL, l > 4 ? 4 : l);
	return 0;
}

static int ldr_write_status(struct cmd_ctx *c)
{
	return c->n != 12 ? FL_FLASH_WRITE_STATUS_REG : 0;
}

/* 0x40: bits OR'ed into the in-memory eFuse only. */
static int ldr_efuse_write(struct cmd_ctx *c)
{
	uint32_t a;

	if (c->n < 5)
		return FL_EFUSE_WRITE_PARA;
	a = get_le32(c->p);
	if (a >= 0x80)
		return FL_EFUSE_WRITE_ADDR;
	for (size_t i = 0; i < c->n - 4 && a + i < 0x80; i++)
		c->e->efuse[a + i] |= c->p[4 + i];
	return 0;
}

/* 0x42 (MAC-1): eFuse 0x14-0x19 in eFuse order + CRC32 LE. */
static int ldr_read_mac(struct cmd_ctx *c)
{
	uint8_t b[10];

	memcpy(b, c->e->efuse + 0x14, 6);
	put_le32(b + 6, hash_crc32(b, 6));
	reply_data(c, b, 10);
	return 0;
}

static int ldr_memory_write(struct cmd_ctx *c)
{
	return c->n % 8 ? FL_EFUSE_WRITE_PARA : 0;
}

/* 0x51 (LDR-6): the word at addr repeated; RAM is not modelled (zeros). */
static int ldr_memory_read(struct cmd_ctx *c)
{
	uint32_t l;

	if (c->n != 8)
		return FL_EFUSE_READ_PARA;
	l = get_le32(c->p + 4) & ~3u;
	reply_data(c, NULL, l > 0x4000 ? 0x4000 : l);
	return 0;
}

static int ldr_log_read(struct cmd_ctx *c)
{
	static const char text[] = "blrescue-emu: emulated BL602 eflash_loader\r\n"
				   "no application code; the flash is a file or a buffer\r\n";

	reply_data(c, text, sizeof(text) - 1);
	return 0;
}

/* The loader's command tables (LDR-1): the old 21-command builds lack 0x10, 0x33, 0x3F. */
static const struct emu_cmd ldr_cmds[] = {
    {CMD_GET_BOOT_INFO, "get_boot_info", IN_NEW, cmd_get_boot_info}, /* BOOTINFO-3 */
    {CMD_RESET, "reset", IN_LDR, cmd_reset},
    {CMD_FLASH_ERASE, "flash_erase", IN_LDR, ldr_erase},
    {CMD_FLASH_WRITE, "flash_write", IN_LDR, ldr_write},
    {CMD_FLASH_READ, "flash_read", IN_LDR, ldr_read},
    {CMD_FLASH_BOOT, "flash_boot", IN_NEW, cmd_reset},
    {CMD_FLASH_XIP_READ, "flash_xip_read", IN_LDR, ldr_read},
    {CMD_FLASH_READ_JEDEC_ID, "flash_read_jedec_id", IN_LDR, ldr_jedec_id},
    {CMD_FLASH_READ_STATUS_REG, "flash_read_status_reg", IN_LDR, ldr_read_status},
    {CMD_FLASH_WRITE_STATUS_REG, "flash_write_status_reg", IN_LDR, ldr_write_status},
    {CMD_FLASH_WRITE_CHECK, "flash_write_check", IN_LDR, ldr_write_check},
    {CMD_FLASH_SET_PARA, "flash_set_para", IN_LDR, ldr_set_para},
    {CMD_FLASH_CHIP_ERASE, "flash_chip_erase", IN_LDR, ldr_chip_erase},
    {CMD_FLASH_READ_SHA256, "flash_read_sha256", IN_LDR, ldr_sha256},
    {CMD_FLASH_XIP_READ_SHA256, "flash_xip_read_sha256", IN_LDR, ldr_sha256},
    {CMD_FLASH_DECOMPRESS_WRITE, "flash_decompress_write", IN_NEW, ldr_decompress_write},
    {CMD_EFUSE_WRITE, "efuse_write", IN_LDR, ldr_efuse_write},
    {CMD_EFUSE_READ, "efuse_read", IN_LDR, cmd_efuse_read},
    {CMD_EFUSE_READ_MAC, "efuse_read_mac", IN_LDR, ldr_read_mac},
    {CMD_MEMORY_WRITE, "memory_write", IN_LDR, ldr_memory_write},
    {CMD_MEMORY_READ, "memory_read", IN_LDR, ldr_memory_read},
    {CMD_FLASH_XIP_READ_START, "flash_xip_read_start", IN_LDR, cmd_ok},
    {CMD_FLASH_XIP_READ_FINISH, "flash_xip_read_finish", IN_LDR, cmd_ok},
    {CMD_LOG_READ, "log_read", IN_LDR, ldr_log_read},
    {0, NULL, 0, NULL},
};

/*
 * CKS-1: checksum = low byte of len_lo + len_hi + payload; 0 = unchecked (CKS-3). Checked
 * before the table lookup (EMU-8): an unknown id with a bad checksum gets FL 03 01 too. A bad
 * checksum is not a failed command (FAIL-2), but on 0x40 the loader drops back to its handshake.
 */
static bool checksum_bad(struct cmd_ctx *c, const struct emu_cmd *row)
{
	struct emu *e = c->e;
	unsigned s = e->frame[2] + e->frame[3];

	if (e->frame[1] == 0)
		return false;
	for (size_t i = 0; i < c->n; i++)
		s += c->p[i];
	if ((s & 0xFFu) == e->frame[1])
		return false;
	emit_fl(e, c->t, FL_CMD_CRC);
	emu_log(e, "LDR 0x%02X %s len=%zu -> FL 0103 (checksum %02X, want %02X)", c->id,
		cmd_name(row), c->n, e->frame[1], s & 0xFFu);
	if (c->id == CMD_EFUSE_WRITE) {
		emu_enter(e, EMU_LDR_WAIT_SYNC);
		emu_log(e, "LDR checksum error on 0x40 -> wait sync");
	}
	return true;
}

static void ldr_exec(struct emu *e, uint64_t t)
{
	const struct emu_cmd *row = cmd_find(ldr_cmds, e->frame[0]);
	struct cmd_ctx c;
	int rc;

	cmd_init(&c, e, e->cfg.old_loader ? IN_OLD : IN_NEW, t);
	emu_served(e, e->frame[0]);
	e->dev_free = t;
	if (checksum_bad(&c, row))
		return;
	if (!row || !(row->in & c.stage)) {
		cmd_log(&c, "LDR", row, CMD_NO_REPLY); /* ORD-5 */
		return;
	}
	rc = cmd_run(&c, row, "LDR");
	if (rc > 0)
		e->fails++;
	e->dev_free = c.t > e->line.out.free ? c.t : e->line.out.free;
	if (rc == 0 && c.leave) {
		emu_enter(e, c.next);
	} else if (e->fails >= LDR_MAX_FAILS) {
		emu_enter(e, EMU_LDR_WAIT_SYNC); /* FAIL-1: the third FL is still sent */
		emu_log(e, "LDR %u failed commands -> wait sync", e->fails);
	}
}

/* One byte after the handshake. */
void ldr_byte(struct emu *e, const struct lbyte *ib)
{
	if (e->stalled)
		return; /* LIM-4: appended to a frame that never completes */
	e->frame[e->flen++] = ib->b;
	if (e->flen == 4) {
		size_t n = get_le16(e->frame + 2);
		if (n > ldr_limit(e)) {
			e->stalled = true;
			emu_log(e, "LDR 0x%02X frame len=%zu > %u: never completes", e->frame[0], n,
				(unsigned)ldr_limit(e));
			return;
		}
		e->fneed = 4 + n;
	}
	if (e->fneed && e->flen == e->fneed) {
		/* ORD-1: one frame per receive call; the rest of this read is lost. */
		line_in_drop_chunk(e, ib->chunk);
		e->rx_timeouts = 0;
		ldr_exec(e, ib->t);
		if (e->state == EMU_LDR_CMD) {
			frame_reset(e);
			e->rx_start = e->dev_free;
		}
	}
}

/* LDR-TIMEOUT-3: the receive call (and its timeout) restarts when a command has been
 * answered. */
uint64_t ldr_deadline(const struct emu *e)
{
	return e->rx_start + (uint64_t)e->cfg.loader_rx_timeout_ms * 1000u;
}

/* Each timeout runs from the start of a receive call (LDR-TIMEOUT-3); two in a row -> sync
 * (LDR-TIMEOUT-2). */
void ldr_timeout(struct emu *e, uint64_t t)
{
	e->rx_timeouts++;
	if (e->rx_timeouts >= 2) {
		emu_log(e, "LDR two receive timeouts -> wait sync");
		emu_enter(e, EMU_LDR_WAIT_SYNC);
	} else {
		e->rx_start = t;
	}
}
