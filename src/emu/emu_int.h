/* SPDX-License-Identifier: MIT */
/*
 * Inside the emulator core (emu.h is the public face). The rooms and what each owns:
 *   emu.c     the event loop: virtual time, stages and stage changes, auto-baud sync,
 *             device timeouts, the public emu.h functions
 *   line.c    the UART line: byte queues with arrival times, pacing, baud mismatch, latency
 *   flash.c   the NOR flash model: erase, program, read (addresses wrap), wear counters
 *   cmd.c     command tables and their dispatch, replies, commands the stages share
 *   rom.c     the mask ROM stage (doc/protocol.md §6)
 *   loader.c  the eflash_loader stage (§7)
 *   xz.c      the loader's decompress-write (0x3F, §7.7)
 *   app.c     the application stage: the firmware's boot log and status lines (EMU-22)
 *   fault.c   fault injection (EMU-16..EMU-20): the spec, the seeded decisions, the log
 * Only src/common is shared with the rest of the project (emu.h, INDEPENDENCE RULE).
 *
 * Where faults act: on bytes in line.c (every byte crosses line_in_put()/line_out_put(),
 * which hand them to fault_bytes()); faults that change the stage (auto-baud fallback,
 * brown-out, reset into the firmware, the port vanishing, a stall) are events of emu.c's
 * loop, run by fault_fire() between bytes and commands, never inside a command; program and
 * erase failures in the loader's handlers; slow erases in flash.c's durations.
 */
#ifndef BLR_EMU_INT_H
#define BLR_EMU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

#define LDR_MAX_NEW 0x4004u /* LIM-3, LIM-4: longest loader payload */
#define FRAME_BUF   (4u + LDR_MAX_NEW)

/* Command ids (§6.1, §7.2): the ROM and the loader agree on those they share. */
enum cmd_id {
	CMD_GET_BOOT_INFO = 0x10,
	CMD_LOAD_BOOT_HEADER = 0x11,
	CMD_LOAD_PUBLIC_KEY = 0x12,
	CMD_LOAD_SIGNATURE = 0x14,
	CMD_LOAD_AES_IV = 0x16,
	CMD_LOAD_SEGMENT_HEADER = 0x17,
	CMD_LOAD_SEGMENT_DATA = 0x18,
	CMD_CHECK_IMAGE = 0x19,
	CMD_RUN_IMAGE = 0x1A,
	CMD_CHANGE_RATE = 0x20,
	CMD_RESET = 0x21,
	CMD_FLASH_ERASE = 0x30,
	CMD_FLASH_WRITE = 0x31,
	CMD_FLASH_READ = 0x32,
	CMD_FLASH_BOOT = 0x33,
	CMD_FLASH_XIP_READ = 0x34,
	CMD_FLASH_READ_JEDEC_ID = 0x36,
	CMD_FLASH_READ_STATUS_REG = 0x37,
	CMD_FLASH_WRITE_STATUS_REG = 0x38,
	CMD_FLASH_WRITE_CHECK = 0x3A,
	CMD_FLASH_SET_PARA = 0x3B,
	CMD_FLASH_CHIP_ERASE = 0x3C,
	CMD_FLASH_READ_SHA256 = 0x3D,
	CMD_FLASH_XIP_READ_SHA256 = 0x3E,
	CMD_FLASH_DECOMPRESS_WRITE = 0x3F,
	CMD_EFUSE_WRITE = 0x40,
	CMD_EFUSE_READ = 0x41,
	CMD_EFUSE_READ_MAC = 0x42,
	CMD_MEMORY_WRITE = 0x50,
	CMD_MEMORY_READ = 0x51,
	CMD_FLASH_XIP_READ_START = 0x60,
	CMD_FLASH_XIP_READ_FINISH = 0x61,
	CMD_LOG_READ = 0x71,
};

/* FL error codes the emulator sends (§10 names them). */
enum fl_code {
	FL_FLASH_ERASE_PARA = 0x0002,
	FL_FLASH_ERASE = 0x0003, /* erase-fail (EMU-19) */
	FL_FLASH_WRITE_PARA = 0x0004,
	FL_FLASH_WRITE_ADDR = 0x0005,
	FL_FLASH_WRITE = 0x0006,
	FL_FLASH_SET_PARA = 0x0008,
	FL_FLASH_READ_STATUS_REG = 0x0009,
	FL_FLASH_WRITE_STATUS_REG = 0x000A,
	FL_FLASH_DECOMPRESS_WRITE = 0x000B,
	FL_FLASH_WRITE_XZ = 0x000C,
	FL_CMD_LEN = 0x0102,
	FL_CMD_CRC = 0x0103,
	FL_CMD_SEQ = 0x0104,
	FL_IMG_BOOTHEADER_LEN = 0x0201,
	FL_IMG_BOOTHEADER_MAGIC = 0x0203,
	FL_IMG_BOOTHEADER_CRC = 0x0204,
	FL_IMG_BOOTHEADER_ENCRYPT_NOTFIT = 0x0205,
	FL_IMG_BOOTHEADER_SIGN_NOTFIT = 0x0206,
	FL_IMG_SEGMENT_CNT = 0x0207,
	FL_IMG_SECTIONHEADER_LEN = 0x020F,
	FL_IMG_SECTIONHEADER_CRC = 0x0210,
	FL_IMG_SECTIONHEADER_DST = 0x0211,
	FL_IMG_SECTIONDATA_TLEN = 0x0214,
	FL_IMG_HALFBAKED = 0x0216,
	FL_IMG_HASH = 0x0217,
	FL_IF_RATE_LEN = 0x0301,
	FL_EFUSE_WRITE_PARA = 0x0401,
	FL_EFUSE_WRITE_ADDR = 0x0402,
	FL_EFUSE_READ_PARA = 0x0404,
	FL_EFUSE_READ_ADDR = 0x0405,
	FL_MEMORY_READ = 0x0504, /* ROM-6 (a MEMORY_ code of §10's 0x05xx family) */
};

/* Where a command is enabled (a stage's bit in its table's rows). */
enum { IN_ROM = 1, IN_NEW = 2, IN_OLD = 4, IN_LDR = IN_NEW | IN_OLD };

#define CMD_NO_REPLY (-1) /* a handler's "consumed without a reply" */

/* What a command handler gets, and how it says what happens next. */
struct cmd_ctx {
	struct emu *e;
	unsigned stage; /* IN_ROM, IN_NEW or IN_OLD */
	uint8_t id;
	const uint8_t *p;    /* payload */
	size_t n;	     /* its length */
	uint64_t t;	     /* handlers that take time advance it; replies are queued at it */
	bool replied;	     /* OK or data already queued (a later FL is a "late FL") */
	size_t dlen;	     /* data bytes replied, for the log */
	bool leave;	     /* after the reply, enter stage `next` */
	enum emu_state next; /* EMU_ROM_WAIT_SYNC or EMU_LDR_WAIT_SYNC */
	char args[96];	     /* " key=value" words for the log */
};

/* A handler returns 0 (OK, unless it replied itself), an FL code, or CMD_NO_REPLY. */
typedef int (*cmd_fn)(struct cmd_ctx *c);

/* One row of a stage's command table; tables end with a row whose name is NULL.
 * A NULL handler: enabled but not modelled, consumed without a reply. */
struct emu_cmd {
	uint8_t id;
	const char *name;
	unsigned in; /* IN_* mask of the stages where it is enabled */
	cmd_fn fn;
};

/* A byte on the line: the time it has fully arrived, and for host bytes the emu_input() call
 * ("chunk") it came with. */
struct lbyte {
	uint64_t t;
	uint32_t chunk;
	uint8_t b;
	uint8_t mark; /* 1 + the fault item that fires when this byte is reached, or 0 */
};

struct lqueue {
	struct lbyte *b;
	size_t head, tail, cap;
	uint64_t free; /* this direction of the line is busy until then */
};

/* The UART line between host and device (line.c). */
struct emu_line {
	unsigned host_baud; /* what the client's line is set to (0 = unknown) */
	unsigned dev_baud;  /* what the device measured at its last sync (0 = unknown) */
	uint32_t chunk_seq;
	struct lqueue in, out;
	unsigned in_marks, out_marks;  /* marked bytes queued */
	uint64_t stall_from, stall_to; /* the last stall: no byte moves in [from, to) */
};

/* One item of a fault spec (fault.c). */
enum fault_trig {
	TRIG_RATE,    /* each byte / command with probability 1/n */
	TRIG_AT_IN,   /* host byte n (byte faults: that byte; events: when it is reached) */
	TRIG_AT_OUT,  /* device byte n */
	TRIG_AT_TIME, /* at n us */
	TRIG_AT_CMD,  /* right after the n-th command frame */
	TRIG_NTH,     /* the n-th program / erase command */
	TRIG_ALWAYS,  /* slow-erase */
};

struct fault_item {
	uint8_t kind; /* enum emu_fault_kind */
	uint8_t trig; /* enum fault_trig */
	bool done;    /* a one-shot item that has fired */
	bool marked;  /* TRIG_AT_IN/OUT event: its byte carries the mark */
	uint64_t n;
	uint64_t arg; /* stall: its length in us; slow-erase: the factor x 100 */
	uint64_t at;  /* an armed event fires then (UINT64_MAX: not armed) */
};

#define FAULT_MAX 32

struct emu_faults {
	struct fault_item f[FAULT_MAX];
	unsigned n;
	unsigned slow_x100;		/* erase durations x this / 100 (100: none) */
	uint64_t next;			/* earliest armed event */
	unsigned long programs, erases; /* 0x31 and 0x30/0x3C commands seen */
	bool vanished;
};

struct xz_dec;

struct emu {
	struct emu_config cfg;
	uint8_t *flash;
	uint32_t mask; /* flash_size - 1: addresses wrap (EMU-12) */
	uint8_t efuse[128];
	uint8_t otp[16]; /* get_boot_info bytes 4..19 (§6.2) */

	enum emu_state state;
	uint64_t now;
	struct emu_line line;

	uint64_t dev_free;	/* the device is busy with a command until then */
	uint64_t discard_until; /* sync window: bytes consumed before this are dropped */
	bool sync_run;		/* timing off: still inside the 0x55 run of the handshake */

	/* the frame being collected (both stages) */
	uint8_t frame[FRAME_BUF];
	size_t flen;  /* bytes collected, header included */
	size_t fneed; /* 4 + N once the header is complete, else 0 */
	bool fskip;   /* ROM: frame of a disabled/unknown id, consumed without a reply */
	bool stalled; /* loader: oversize frame that never completes (LIM-4) */

	/* ROM image loading (§6.3) */
	uint64_t rom_last; /* last byte received (idle timeout) */
	bool hdr_ok, img_ok, hash_check;
	uint32_t seg_cnt, seg_idx, seg_left;
	uint8_t hash[32];
	struct hash_sha256_ctx *sha;

	/* loader */
	uint64_t rx_start; /* start of the current receive call */
	unsigned rx_timeouts;
	unsigned fails;
	uint16_t latched; /* write error reported by 0x3A */
	bool fail_next_program;
	struct xz_dec *xz; /* 0x3F stream in progress, or NULL */

	/* application (app.c) */
	uint64_t app_t0;   /* when the firmware started */
	uint64_t app_next; /* its next line of output */
	bool app_booted;   /* the boot log has been printed */

	struct emu_faults fault;
	unsigned long served;
	struct emu_stats st;
	char logbuf[256];
};

/* emu.c: the event loop */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void emu_log(struct emu *e, const char *fmt, ...);
/* Stage change into EMU_ROM_WAIT_SYNC or EMU_LDR_WAIT_SYNC (the *_CMD stages are entered
 * by a sync, EMU_APP by app_enter()). */
void emu_enter(struct emu *e, enum emu_state s);
/* A frame of command id was served (counted for emu_commands_served() and the stats). */
void emu_served(struct emu *e, uint8_t id);

static inline void frame_reset(struct emu *e)
{
	e->flen = 0;
	e->fneed = 0;
	e->fskip = false;
	e->stalled = false;
}

/* line.c */
bool line_garbled(const struct emu *e);
void line_clear(struct emu *e, uint64_t now);
/* Faults: drop host bytes that reached the device by t; drop device bytes not on the line
 * by t or from the byte marked m (0: none) on; delay bytes due in [from, to) until to (in
 * the out queue every byte from the one marked m on); the head's / the first marked device
 * byte's mark (0: none) and its time; clear mark m. */
void line_in_cut(struct emu *e, uint64_t t);
void line_out_cut(struct emu *e, uint64_t t, uint8_t m);
void line_stall(struct emu *e, uint64_t from, uint64_t to, uint8_t m);
uint8_t line_in_mark(const struct emu *e);
uint8_t line_out_mark(const struct emu *e, uint64_t *t);
void line_unmark(struct emu *e, bool out, uint8_t m);
uint64_t line_out_last(const struct emu *e); /* time of the last byte queued, or 0 */
void line_in_put(struct emu *e, const uint8_t *buf, size_t n, uint64_t now);
uint64_t line_in_next(const struct emu *e); /* arrival of the next byte, or UINT64_MAX */
struct lbyte line_in_take(struct emu *e);
size_t line_in_chunk_left(const struct emu *e, uint32_t chunk, size_t max);
void line_in_drop_chunk(struct emu *e, uint32_t chunk);
void line_out_put(struct emu *e, uint64_t t, const uint8_t *buf, size_t n);
uint64_t line_out_next(const struct emu *e);
size_t line_out_get(struct emu *e, uint8_t *buf, size_t cap, uint64_t now);

/* flash.c */
void flash_erase(struct emu *e, uint64_t addr, uint64_t len);
void flash_program(struct emu *e, uint32_t addr, const uint8_t *d, size_t len);
void flash_read(const struct emu *e, uint32_t addr, uint8_t *d, size_t len);
bool flash_blank(const struct emu *e, uint32_t start, uint64_t len);
int flash_sha256(const struct emu *e, uint32_t addr, uint32_t len, uint8_t out[32]);
uint64_t flash_program_us(const struct emu *e, size_t len);
uint64_t flash_erase_us(const struct emu *e, uint32_t step);
uint64_t flash_chip_erase_us(const struct emu *e);
uint64_t flash_sha_us(const struct emu *e, uint32_t len);

/* cmd.c */
void emit_ok(struct emu *e, uint64_t t);
void emit_pd(struct emu *e, uint64_t t);
void emit_fl(struct emu *e, uint64_t t, uint16_t code);
void reply_ok(struct cmd_ctx *c);
/* OK + u16 length + data (§3.4); d NULL: n zero bytes. */
void reply_data(struct cmd_ctx *c, const void *d, size_t n);
const struct emu_cmd *cmd_find(const struct emu_cmd *table, uint8_t id);
const char *cmd_name(const struct emu_cmd *row);
/* The context of the frame in e->frame, received at t by the given stage. */
void cmd_init(struct cmd_ctx *c, struct emu *e, unsigned stage, uint64_t t);
/* Runs row's handler, queues the reply (FL code, else OK unless the handler replied) and logs
 * it; returns the handler's result. The caller does the stage change c->leave asks for. */
int cmd_run(struct cmd_ctx *c, const struct emu_cmd *row, const char *who);
void cmd_log(struct cmd_ctx *c, const char *who, const struct emu_cmd *row, int rc);
/* Appends to c->args. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cmd_args(struct cmd_ctx *c, const char *fmt, ...);
int cmd_ok(struct cmd_ctx *c);
int cmd_get_boot_info(struct cmd_ctx *c);
int cmd_reset(struct cmd_ctx *c);
int cmd_efuse_read(struct cmd_ctx *c);

/* rom.c */
void rom_image_reset(struct emu *e);
void rom_byte(struct emu *e, const struct lbyte *ib);
uint64_t rom_deadline(const struct emu *e);
void rom_timeout(struct emu *e, uint64_t t);

/* loader.c */
void ldr_byte(struct emu *e, const struct lbyte *ib);
uint64_t ldr_deadline(const struct emu *e);
void ldr_timeout(struct emu *e, uint64_t t);

/* app.c */
void app_enter(struct emu *e, uint64_t t);
void app_byte(struct emu *e, const struct lbyte *ib);
uint64_t app_deadline(const struct emu *e);
void app_timeout(struct emu *e, uint64_t t);

/* fault.c */
int fault_init(struct emu *e, char *msg, size_t cap);
/* The byte faults of one direction (out: device -> host) on buf[0..n) sent at t: the bytes
 * that go on the line in ob and their marks in mk (room for 2n each); returns their number.
 * Counts the bytes. fault_bytes_quiet(): nothing to do (ob would equal buf). */
bool fault_bytes_quiet(const struct emu *e, bool out);
size_t fault_bytes(struct emu *e, bool out, const uint8_t *buf, size_t n, uint64_t t, uint8_t *ob,
		   uint8_t *mk);
uint64_t fault_deadline(const struct emu *e);
void fault_fire(struct emu *e, uint64_t t);    /* the event(s) due at t */
void fault_fire_in(struct emu *e, uint64_t t); /* the marked head byte is consumed at t */
void fault_orphan(struct emu *e, uint8_t mark, uint64_t t); /* a marked byte was dropped */
void fault_served(struct emu *e, uint64_t t);		    /* commands were served by t */
bool fault_program(struct emu *e, uint64_t t);		    /* this 0x31 fails */
/* This 0x30/0x3C: returns the erase steps done before it fails (UINT_MAX: it does not). */
unsigned fault_erase(struct emu *e, uint64_t t);
void fault_slowed(struct emu *e, uint64_t t, uint64_t us); /* an erase took us (slow-erase) */

/* xz.c */
int ldr_decompress_write(struct cmd_ctx *c);
void xz_end(struct emu *e);

#endif
