/* SPDX-License-Identifier: MIT */
/*
 * Commands: table lookup and dispatch, replies (doc/protocol.md §3.4: OK, OK + u16 length + data,
 * FL + u16 code, PD), the log line of each command, and the handlers both stages share.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "emu_int.h"

void emit_ok(struct emu *e, uint64_t t)
{
	line_out_put(e, t, (const uint8_t *)"OK", 2);
}

void emit_pd(struct emu *e, uint64_t t)
{
	line_out_put(e, t, (const uint8_t *)"PD", 2);
}

void emit_fl(struct emu *e, uint64_t t, uint16_t code)
{
	uint8_t b[4] = {'F', 'L', 0, 0};

	put_le16(b + 2, code);
	line_out_put(e, t, b, 4);
}

void reply_ok(struct cmd_ctx *c)
{
	emit_ok(c->e, c->t);
	c->replied = true;
}

void reply_data(struct cmd_ctx *c, const void *d, size_t n)
{
	uint8_t *b = malloc(4 + n);

	c->replied = true;
	c->dlen = n;
	if (!b)
		return;
	b[0] = 'O';
	b[1] = 'K';
	put_le16(b + 2, (uint16_t)n);
	if (d)
		memcpy(b + 4, d, n);
	else
		memset(b + 4, 0, n);
	line_out_put(c->e, c->t, b, 4 + n);
	free(b);
}

const struct emu_cmd *cmd_find(const struct emu_cmd *table, uint8_t id)
{
	for (; table->name; table++)
		if (table->id == id)
			return table;
	return NULL;
}

const char *cmd_name(const struct emu_cmd *row)
{
	return row ? row->name : "unknown";
}

void cmd_init(struct cmd_ctx *c, struct emu *e, unsigned stage, uint64_t t)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->stage = stage;
	c->id = e->frame[0];
	c->p = e->frame + 4;
	c->n = e->fneed - 4;
	c->t = t;
}

void cmd_log(struct cmd_ctx *c, const char *who, const struct emu_cmd *row, int rc)
{
	char res[32] = "no reply";

	if (rc > 0)
		snprintf(res, sizeof(res), "FL %04X", (unsigned)rc);
	else if (rc == 0 && c->dlen)
		snprintf(res, sizeof(res), "OK +%zu bytes", c->dlen);
	else if (rc == 0)
		strcpy(res, "OK");
	emu_log(c->e, "%s 0x%02X %s%s -> %s", who, c->id, cmd_name(row), c->args, res);
}

void cmd_args(struct cmd_ctx *c, const char *fmt, ...)
{
	size_t k = strlen(c->args);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->args + k, sizeof(c->args) - k, fmt, ap);
	va_end(ap);
}

int cmd_run(struct cmd_ctx *c, const struct emu_cmd *row, const char *who)
{
	int rc = row->fn ? row->fn(c) : CMD_NO_REPLY;

	if (rc > 0)
		emit_fl(c->e, c->t, (uint16_t)rc);
	else if (rc == 0 && !c->replied)
		emit_ok(c->e, c->t);
	if (rc > 0 && c->replied)
		cmd_args(c, " (late FL after OK)");
	cmd_log(c, who, row, rc);
	return rc;
}

int cmd_ok(struct cmd_ctx *c)
{
	(void)c;
	return 0;
}

/* 0x10 (§6.2): u32 (1 from the ROM, 0xFFFFFFFF from the loader, BOOTINFO-3) + 16 OTP bytes;
 * the payload is ignored. */
int cmd_get_boot_info(struct cmd_ctx *c)
{
	uint8_t b[20];

	put_le32(b, c->stage == IN_ROM ? 1u : 0xFFFFFFFFu);
	memcpy(b + 4, c->e->otp, 16);
	reply_data(c, b, 20);
	return 0;
}

/* ROM 0x21 (ROM-4) and loader 0x21 (LDR-8): OK, then a reset with GPIO8 high re-enters the ROM
 * downloader. Loader 0x33 boots the flash image; with no application to run we model it the
 * same way. */
int cmd_reset(struct cmd_ctx *c)
{
	c->leave = true;
	c->next = EMU_ROM_WAIT_SYNC;
	return 0;
}

/* 0x41, the same in the ROM and the loader (ROM-5): addr u32, len u32 (N = 8), len
 * clipped to 0x80 - addr. */
int cmd_efuse_read(struct cmd_ctx *c)
{
	uint32_t a, l;

	if (c->n != 8)
		return FL_EFUSE_READ_PARA;
	a = get_le32(c->p);
	if (a >= 0x80)
		return FL_EFUSE_READ_ADDR;
	l = get_le32(c->p + 4);
	if (l > 0x80 - a)
		l = 0x80 - a;
	reply_data(c, c->e->efuse + a, l);
	if (c->stage == IN_ROM) /* the loader's log line has no arguments */
		cmd_args(c, " addr=0x%02" PRIX32 " len=%" PRIu32, a, l);
	return 0;
}
