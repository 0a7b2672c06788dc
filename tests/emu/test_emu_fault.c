/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (doc/protocol.md EMU-16..EMU-20) through the public emu.h API, on the
 * virtual clock: the spec grammar, every fault kind, seeded determinism, the fault log and
 * the statistics. Frames are written out by hand (no library code).
 *
 * Byte indices: h_sync(500000) sends host bytes 0..299 and gets OK as device bytes 0..1, so a
 * ROM get_boot_info is host bytes 300..303 and its reply device bytes 2..25.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "harness.h"
#include "synth_loader.h"

static const uint8_t OK[2] = {0x4F, 0x4B};
static const uint8_t GBI[4] = {0x10, 0x00, 0x00, 0x00};
static const uint8_t JEDEC[4] = {0x36, 0x00, 0x00, 0x00};
static const uint8_t CHECK[4] = {0x3A, 0x00, 0x00, 0x00};
static const uint8_t GBI_REPLY[24] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
				      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				      0x01, 0x00, 0x2B, 0x60, 0x42, 0x02, 0x26, 0x00};

/* A fresh emulator with this fault spec and seed, synced with the ROM. */
static void rom_with(struct h *h, const char *spec, uint64_t seed)
{
	struct emu_config cfg;

	emu_config_defaults(&cfg);
	cfg.faults = spec;
	cfg.fault_seed = seed;
	h_init(h, &cfg, 0xFF);
	h_sync(h, 500000);
}

/* Host bytes and commands h_to_loader() takes, from a fault-free run. */
static void loader_cost(uint64_t *in, unsigned long *cmds)
{
	struct emu_stats st;
	struct h h;

	h_init(&h, NULL, 0xFF);
	h_to_loader(&h, SYNTH_DEADBEEF);
	emu_get_stats(h.e, &st);
	*in = st.bytes_in;
	*cmds = emu_commands_served(h.e);
	h_free(&h);
}

/* A fresh emulator with this fault spec running the loader (flash filled with fill). */
static void ldr_with(struct h *h, const char *spec, int fill)
{
	struct emu_config cfg;

	emu_config_defaults(&cfg);
	cfg.faults = spec;
	h_init(h, &cfg, fill);
	h_to_loader(h, SYNTH_DEADBEEF);
}

static size_t frame8(uint8_t *f, uint8_t id, uint32_t a, uint32_t b)
{
	uint8_t p[8];

	put_le32(p, a);
	put_le32(p + 4, b);
	return h_frame(f, id, -1, p, 8);
}

/* The grammar: good specs pass, bad ones are refused naming the item and the problem. */
static void spec_grammar(void **state)
{
	static const char *const good[] = {
	    "",
	    "drop-in=1/20000",
	    "drop-in=1/20000,flip-out=@123456,reset-rom=@in:300000,stall=500ms@in:100000,"
	    "program-fail=#3,slow-erase=x4,vanish=@t:5s",
	    "dup-out=@0,dup-in=1/1,flip-in=@7",
	    "autobaud=@cmd:1,reset-app=@out:5,erase-fail=1/10,slow-erase=x2.5",
	    "stall=1us@t:0s,stall=2s@cmd:3,drop-out=1/3",
	};
	static const char *const bad[][2] = {
	    {"drop-in", "wants KIND=VALUE"},
	    {"drop=1/2", "unknown kind"},
	    {"drop-in=1/0", "wants 1/N"},
	    {"drop-in=2/3", "wants 1/N"},
	    {"drop-in=@", "@INDEX"},
	    {"drop-in=@-1", "@INDEX"},
	    {"drop-in=1/99999999999999999999999", "wants 1/N"},
	    {"stall=500@in:1", "DURATION@WHEN"},
	    {"stall=0ms@in:1", "DURATION@WHEN"},
	    {"stall=1s", "DURATION@WHEN"},
	    {"reset-rom=@x:1", "@in:INDEX"},
	    {"reset-rom=@cmd:0", "@in:INDEX"},
	    {"vanish=@t:5", "@in:INDEX"},
	    {"program-fail=#0", "#N"},
	    {"erase-fail=3", "#N"},
	    {"slow-erase=x0.5", "xF"},
	    {"slow-erase=4", "xF"},
	    {"slow-erase=x1.234", "xF"},
	    {"drop-in=1/5,", "ends with ','"},
	    {",drop-in=1/5", "empty item"},
	};
	char msg[200], many[400] = "";
	struct emu_config cfg;
	uint8_t flash[1];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (emu_faults_check(good[i], msg, sizeof(msg)) != 0)
			fail_msg("refused '%s': %s", good[i], msg);
	}
	assert_int_equal(emu_faults_check(NULL, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = 0;
		if (emu_faults_check(bad[i][0], msg, sizeof(msg)) == 0)
			fail_msg("accepted '%s'", bad[i][0]);
		if (!strstr(msg, bad[i][1]))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i][0], msg, bad[i][1]);
	}
	/* the item is named */
	assert_int_not_equal(emu_faults_check("drop-in=1/5,stall=9@in:1", msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "'stall=9@in:1'"));
	for (int i = 0; i < 33; i++)
		strcat(many, i ? ",drop-in=@1" : "drop-in=@1");
	assert_int_not_equal(emu_faults_check(many, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "more than 32"));
	/* emu_new refuses a bad spec */
	emu_config_defaults(&cfg);
	cfg.faults = "drop-in=1/0";
	assert_null(emu_new(&cfg, flash));
	for (int k = 0; k < EMU_F_KINDS; k++)
		assert_string_not_equal(emu_fault_name((enum emu_fault_kind)k), "unknown");
	assert_string_equal(emu_fault_name(EMU_F_SLOW_ERASE), "slow-erase");
}

/* drop-in=@301: get_boot_info loses its checksum byte; the next one completes a header of
 * length 0x1000 -> FL 02 01 (§12 EMU-5). */
static void drop_in_at(void **state)
{
	struct emu_stats st;
	struct h h;

	(void)state;
	rom_with(&h, "drop-in=@301", 0);
	h_expect_nothing(&h, GBI, 4);
	h_expect_fl(&h, GBI, 4, 0x0102);
	assert_non_null(h_log_find(&h, "fault drop-in t="));
	assert_non_null(h_log_find(&h, "dir=in byte=301 0x00 lost"));
	assert_non_null(h_log_find(&h, "faults 'drop-in=@301' seed 0"));
	emu_get_stats(h.e, &st);
	assert_int_equal(st.faults[EMU_F_DROP_IN], 1);
	assert_int_equal(st.bytes_in, 308); /* counted as sent, before the fault */
	EXPECT(&h, GBI, GBI_REPLY);	    /* one-shot */
	h_free(&h);
}

/* dup-out, drop-out, flip-out on the get_boot_info reply. */
static void bytes_out_at(void **state)
{
	uint8_t buf[64];
	unsigned diff;
	struct h h;

	(void)state;
	rom_with(&h, "dup-out=@2", 0);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 25);
	assert_memory_equal(buf, "OOK", 3);
	assert_memory_equal(buf + 3, GBI_REPLY + 2, 22);
	h_free(&h);

	rom_with(&h, "drop-out=@3", 0);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 23);
	assert_int_equal(buf[0], 'O');
	assert_memory_equal(buf + 1, GBI_REPLY + 2, 22);
	h_free(&h);

	rom_with(&h, "flip-out=@4", 0);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 24);
	diff = buf[2] ^ GBI_REPLY[2];
	assert_true(diff != 0 && (diff & (diff - 1)) == 0); /* exactly one bit */
	assert_memory_equal(buf + 3, GBI_REPLY + 3, 21);
	assert_non_null(h_log_find(&h, "dir=out byte=4 0x14->0x"));
	h_free(&h);
}

/* dup-in and flip-in on a loader frame with a checksum: 0x32 at 0x1000, 8 bytes. */
static void bytes_in_at(void **state)
{
	uint8_t f[16], buf[64], want[12] = {0x4F, 0x4B, 0x08, 0x00};
	char spec[64], line[64];
	unsigned long cmds;
	uint64_t in;
	size_t k;
	struct h h;

	(void)state;
	loader_cost(&in, &cmds);
	/* payload byte 1 (0x10) doubled: the checksum no longer matches -> FL 03 01 */
	snprintf(spec, sizeof(spec), "dup-in=@%llu", (unsigned long long)in + 5);
	ldr_with(&h, spec, -1);
	memcpy(want + 4, h.flash + 0x1000, 8);
	h_expect_fl(&h, f, frame8(f, 0x32, 0x1000, 8), 0x0103);
	h_expect(&h, f, frame8(f, 0x32, 0x1000, 8), want, 12);
	h_free(&h);

	/* the command id gets one bit flipped: whatever it became, it is not this read */
	snprintf(spec, sizeof(spec), "flip-in=@%llu", (unsigned long long)in);
	ldr_with(&h, spec, -1);
	h_send(&h, f, frame8(f, 0x32, 0x1000, 8));
	k = h_recv(&h, buf, sizeof(buf), 50000);
	assert_false(k == 12 && memcmp(buf, want, 12) == 0);
	snprintf(line, sizeof(line), "dir=in byte=%llu 0x32->0x", (unsigned long long)in);
	assert_non_null(h_log_find(&h, line));
	h_free(&h);
}

/* Rates: the same seed gives the same faults whatever the chunking; another seed others. */
static void rates_seeded(void **state)
{
	static const char spec[] = "drop-out=1/50,dup-out=1/50,flip-out=1/50,flip-in=1/30";
	uint8_t out[3][4096];
	size_t n[3];
	char first[3][160];
	struct emu_stats st;
	struct h h;

	(void)state;
	for (int run = 0; run < 3; run++) {
		rom_with(&h, spec, run == 2 ? 2 : 1);
		for (int i = 0; i < 100; i++) {
			if (run == 1) /* byte by byte: the decisions follow the index */
				for (int b = 0; b < 4; b++)
					h_send(&h, GBI + b, 1);
			else
				h_send(&h, GBI, 4);
		}
		n[run] = h_recv(&h, out[run], sizeof(out[run]), 100000);
		assert_non_null(h_log_find(&h, "fault flip-in"));
		snprintf(first[run], sizeof(first[run]), "%s", h_log_find(&h, "fault flip-in"));
		emu_get_stats(h.e, &st);
		assert_int_equal(st.bytes_in, 700);
		assert_true(st.faults[EMU_F_FLIP_IN] >= 3 && st.faults[EMU_F_FLIP_IN] <= 30);
		assert_true(st.faults[EMU_F_DROP_OUT] + st.faults[EMU_F_DUP_OUT] +
				st.faults[EMU_F_FLIP_OUT] >=
			    10);
		h_free(&h);
	}
	assert_int_equal(n[0], n[1]);
	assert_memory_equal(out[0], out[1], n[0]);
	assert_string_equal(first[0], first[1]);
	assert_false(n[0] == n[2] && memcmp(out[0], out[2], n[0]) == 0);
}

/* stall: nothing moves for its length, then everything does. */
static void stall(void **state)
{
	static const char *const specs[] = {"stall=200ms@out:2", "stall=200ms@in:300",
					    "stall=200ms@t:40ms"};
	uint8_t buf[64];
	struct h h;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		rom_with(&h, specs[i], 0); /* h.now is about 37 ms here */
		h_send(&h, GBI, 4);
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 100000), 0);
		assert_int_equal(h_recv(&h, buf, sizeof(buf), 150000), 24);
		assert_memory_equal(buf, GBI_REPLY, 24);
		assert_non_null(h_log_find(&h, "fault stall"));
		EXPECT(&h, GBI, GBI_REPLY);
		h_free(&h);
	}
}

/* autobaud after the first command: its reply still comes, then a handshake is needed. */
static void autobaud(void **state)
{
	struct h h;

	(void)state;
	rom_with(&h, "autobaud=@cmd:1", 0);
	EXPECT(&h, GBI, GBI_REPLY);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_expect_nothing(&h, GBI, 4);
	h_sync(&h, 500000);
	EXPECT(&h, GBI, GBI_REPLY);
	assert_non_null(h_log_find(&h, "at=cmd:1 in=304 out=26 -> waits for a handshake"));
	h_free(&h);
}

/* reset-rom: in the loader after its first command; in the ROM in the middle of a reply. */
static void reset_rom(void **state)
{
	static const uint8_t jedec[8] = {0x4F, 0x4B, 0x04, 0x00, 0xC8, 0x40, 0x15, 0x80};
	unsigned long cmds;
	uint64_t in;
	uint8_t buf[64];
	char spec[64];
	struct h h;

	(void)state;
	loader_cost(&in, &cmds);
	snprintf(spec, sizeof(spec), "reset-rom=@cmd:%lu", cmds + 1);
	ldr_with(&h, spec, -1);
	EXPECT(&h, JEDEC, jedec);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	h_expect_nothing(&h, JEDEC, 4);
	h_sync(&h, 500000);
	EXPECT(&h, GBI, GBI_REPLY); /* the ROM again: its boot info starts 01 00 00 00 */
	h_free(&h);

	rom_with(&h, "reset-rom=@out:10", 0);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 8);
	assert_memory_equal(buf, GBI_REPLY, 8);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	assert_non_null(h_log_find(&h, "at=out:10"));
	h_free(&h);
}

/* reset-app: the firmware runs (at 2 Mbaud by default) and ignores the host. */
static void reset_app(void **state)
{
	uint8_t buf[2048];
	size_t k;
	struct h h;

	(void)state;
	rom_with(&h, "reset-app=@in:300", 0);
	emu_set_baud(h.e, 2000000);
	h_send(&h, GBI, 4);
	assert_int_equal(emu_get_state(h.e), EMU_APP);
	k = h_recv(&h, buf, sizeof(buf) - 1, 100000);
	buf[k] = 0;
	assert_non_null(strstr((char *)buf, "[boot] MAC 02:42:60:2B:00:01"));
	assert_null(strstr((char *)buf, "OK"));
	h_free(&h);
}

/* vanish: no byte either way afterwards, and nothing scheduled. */
static void vanish(void **state)
{
	uint8_t buf[64];
	struct emu_stats st;
	struct h h;

	(void)state;
	rom_with(&h, "vanish=@in:302", 0);
	assert_false(emu_vanished(h.e));
	h_send(&h, GBI, 4);
	assert_true(emu_vanished(h.e));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 3000000), 0);
	assert_int_equal(emu_next_event_us(h.e), UINT64_MAX);
	emu_get_stats(h.e, &st);
	assert_int_equal(st.faults[EMU_F_VANISH], 1);
	assert_int_equal(st.frames[0x10], 0); /* the frame never completed */
	h_free(&h);
}

/* An event whose byte is lost still happens when the byte would have reached the chip: lost
 * on the line (drop-in), or with the rest of a loader's FIFO read (§12 EMU-4). */
static void events_on_lost_bytes(void **state)
{
	uint8_t f[32];
	char spec[80];
	unsigned long cmds;
	uint64_t in;
	size_t n;
	struct h h;

	(void)state;
	rom_with(&h, "autobaud=@in:301,drop-in=@301", 0);
	h_expect_nothing(&h, GBI, 4);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	assert_non_null(h_log_find(&h, "fault autobaud"));
	h_free(&h);

	loader_cost(&in, &cmds);
	snprintf(spec, sizeof(spec), "reset-rom=@in:%llu", (unsigned long long)in + 6);
	ldr_with(&h, spec, 0xFF);
	n = h_frame(f, 0x36, 0, NULL, 0);
	memcpy(f + n, "\x36\x00\x00\x00", 4); /* a second frame in the same read: dropped */
	h_send(&h, f, n + 4);
	h_recv(&h, f, sizeof(f), 50000);
	assert_int_equal(emu_get_state(h.e), EMU_ROM_WAIT_SYNC);
	assert_non_null(h_log_find(&h, "-> ROM waits for a handshake"));
	h_free(&h);
}

/* program-fail=#2: the second 0x31 is not programmed and gets a late FL 06 00, latched. */
static void program_fail(void **state)
{
	static const uint8_t okfl[6] = {0x4F, 0x4B, 0x46, 0x4C, 0x06, 0x00};
	uint8_t w[12] = {0x31, 0x00, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78};
	struct h h;

	(void)state;
	ldr_with(&h, "program-fail=#2", 0xFF);
	EXPECT(&h, w, OK);
	w[5] = 0x20;
	EXPECT(&h, w, okfl);
	assert_memory_equal(h.flash + 0x1000, "\x12\x34\x56\x78", 4);
	assert_memory_equal(h.flash + 0x2000, "\xFF\xFF\xFF\xFF", 4);
	h_expect_fl(&h, CHECK, 4, 0x0006);
	assert_non_null(h_log_find(&h, "fault program-fail"));
	assert_non_null(h_log_find(&h, "program=2 "));
	h_free(&h);

	ldr_with(&h, "program-fail=1/1", 0xFF); /* every one */
	EXPECT(&h, w, okfl);
	w[5] = 0x30;
	EXPECT(&h, w, okfl);
	h_free(&h);
}

/* erase-fail=#1: FL 03 00 after the number of 4 KiB steps the log names (seeded). */
static void erase_fail(void **state)
{
	unsigned seen = 0;
	struct h h;

	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct emu_config cfg;
		uint8_t f[16], buf[64];
		const char *l;
		unsigned k;
		size_t got;

		emu_config_defaults(&cfg);
		cfg.faults = "erase-fail=#1";
		cfg.fault_seed = seed;
		h_init(&h, &cfg, 0x00);
		h_to_loader(&h, SYNTH_DEADBEEF);
		h_send(&h, f, frame8(f, 0x30, 0x0000, 0x3FFF));
		got = h_recv(&h, buf, sizeof(buf), 50000);
		l = h_log_find(&h, "-> FL 0003 after at most ");
		assert_non_null(l);
		k = (unsigned)atoi(strstr(l, "at most ") + 8);
		assert_true(k < 4);
		assert_int_equal(got, 2 * k + 4); /* a PD per step done, then FL 03 00 */
		assert_memory_equal(buf + 2 * k, "FL\x03\x00", 4);
		for (unsigned s = 0; s < 4; s++)
			assert_int_equal(h.flash[s * 0x1000 + 7], s < k ? 0xFF : 0x00);
		seen |= 1u << k;
		h_free(&h);
	}
	assert_true(seen & (seen - 1)); /* the step varies with the seed */
}

/* slow-erase=x4 also without the timing model: a sector takes 4 x 45 ms. */
static void slow_erase(void **state)
{
	uint8_t f[16], buf[64];
	struct emu_stats st;
	struct h h;

	(void)state;
	ldr_with(&h, "slow-erase=x4", 0x00);
	h_send(&h, f, frame8(f, 0x30, 0x1000, 0x1FFF));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 100000), 2);
	assert_memory_equal(buf, "PD", 2);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 100000), 2);
	assert_memory_equal(buf, OK, 2);
	assert_non_null(h_log_find(&h, "x4.00: the erase takes 180000 us"));
	emu_get_stats(h.e, &st);
	assert_int_equal(st.faults[EMU_F_SLOW_ERASE], 1);
	assert_int_equal(h.flash[0x1000], 0xFF);
	h_free(&h);
}

/* The statistics count bytes as sent and frames per command id. */
static void stats(void **state)
{
	static const uint8_t efuse[12] = {0x41, 0x00, 0x08, 0x00, 0x00, 0x00,
					  0x00, 0x00, 0x04, 0x00, 0x00, 0x00};
	struct emu_stats st;
	uint8_t buf[64];
	struct h h;

	(void)state;
	rom_with(&h, NULL, 0);
	EXPECT(&h, GBI, GBI_REPLY);
	EXPECT(&h, GBI, GBI_REPLY);
	h_send(&h, efuse, sizeof(efuse));
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 8);
	emu_get_stats(h.e, &st);
	assert_int_equal(st.bytes_in, 300 + 8 + 12);
	assert_int_equal(st.bytes_out, 2 + 48 + 8);
	assert_int_equal(st.frames[0x10], 2);
	assert_int_equal(st.frames[0x41], 1);
	assert_int_equal(emu_commands_served(h.e), 3);
	for (int k = 0; k < EMU_F_KINDS; k++)
		assert_int_equal(st.faults[k], 0);
	h_free(&h);
}

struct lines {
	unsigned n;
	char first[160];
};

static void count_line(void *user, const char *line)
{
	struct lines *l = user;

	if (l->n++ == 0)
		snprintf(l->first, sizeof(l->first), "%s", line);
}

/* emu_config.fault_log takes the fault lines (the plan first); log keeps the commands. */
static void fault_log_sink(void **state)
{
	struct emu_config cfg;
	struct lines l = {0};
	uint8_t buf[64];
	struct h h;

	(void)state;
	emu_config_defaults(&cfg);
	cfg.faults = "dup-out=@2,dup-out=@3";
	cfg.fault_seed = 42;
	cfg.fault_log = count_line;
	cfg.fault_log_user = &l;
	h_init(&h, &cfg, 0xFF);
	h_sync(&h, 500000);
	h_send(&h, GBI, 4);
	assert_int_equal(h_recv(&h, buf, sizeof(buf), 50000), 26);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.first, "faults 'dup-out=@2,dup-out=@3' seed 42");
	assert_null(h_log_find(&h, "fault "));
	assert_non_null(h_log_find(&h, "ROM 0x10 get_boot_info -> OK"));
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_grammar),
	    cmocka_unit_test(drop_in_at),
	    cmocka_unit_test(bytes_out_at),
	    cmocka_unit_test(bytes_in_at),
	    cmocka_unit_test(rates_seeded),
	    cmocka_unit_test(stall),
	    cmocka_unit_test(autobaud),
	    cmocka_unit_test(reset_rom),
	    cmocka_unit_test(reset_app),
	    cmocka_unit_test(vanish),
	    cmocka_unit_test(events_on_lost_bytes),
	    cmocka_unit_test(program_fail),
	    cmocka_unit_test(erase_fail),
	    cmocka_unit_test(slow_erase),
	    cmocka_unit_test(stats),
	    cmocka_unit_test(fault_log_sink),
	};

	return cmocka_run_group_tests_name("emu-fault", tests, NULL, NULL);
}
