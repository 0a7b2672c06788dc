/* SPDX-License-Identifier: MIT */
/*
 * The command's messages that need a state no emulator gives today, called in process: why
 * nothing answered (what the connect heard, blr_dev_last_listen), and what a loader file is
 * (another chip's official file, another crystal's: doc/protocol.md §8.3) with the library's
 * own reasons for the rows of its table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli_int.h"
#include "common/hash.h"
#include "lib/loader.h"
#include "synth_loader.h"

static char err[8192]; /* what the call wrote to stderr */
static FILE *ef;
static int saved_fd = -1;

static void capture(void)
{
	ef = tmpfile();
	assert_non_null(ef);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(ef), STDERR_FILENO) >= 0);
}

static void release(void)
{
	size_t n;

	fflush(stderr);
	assert_true(dup2(saved_fd, STDERR_FILENO) >= 0);
	close(saved_fd);
	rewind(ef);
	n = fread(err, 1, sizeof(err) - 1, ef);
	err[n] = 0;
	fclose(ef);
}

static void has(const char *s)
{
	if (!strstr(err, s))
		fail_msg("\"%s\" not in:\n%s", s, err);
}

static struct cli quiet_cli(void)
{
	struct cli c;

	memset(&c, 0, sizeof(c));
	c.out = stdout;
	c.prog = "blrescue";
	return c;
}

/* The three things the connect can have heard. */
static void listen_messages(void **state)
{
	struct cli c = quiet_cli();
	struct blr_listen l;
	(void)state;

	memset(&l, 0, sizeof(l));
	l.heard = BLR_HEARD_TEXT;
	l.baud = 2000000;
	l.bytes = 400;
	snprintf(l.sample, sizeof(l.sample), "[OS] Starting OpenBeken");
	capture();
	cli_explain_listen(&c, "connect", "/dev/ttyUSB0", &l);
	release();
	has("connect: the firmware is running: the chip is not in download mode");
	has("at 2000000 baud on /dev/ttyUSB0");
	has("\"[OS] Starting OpenBeken\"");
	has("GPIO8) high through 10 kOhm");
	has("*before*\nthe reset or power-up");
	assert_null(strstr(err, "swap TX and RX"));

	memset(&l, 0, sizeof(l));
	l.heard = BLR_HEARD_NOTHING;
	capture();
	cli_explain_listen(&c, "connect", "/dev/ttyUSB0", &l);
	release();
	has("no answer from the chip on /dev/ttyUSB0: not a single byte came back");
	has("GPIO8");
	has("swap TX and RX");
	has("3.3 V supply");
	has("common ground");
	assert_null(strstr(err, "firmware is running"));

	memset(&l, 0, sizeof(l));
	l.heard = BLR_HEARD_NOISE;
	l.bytes = 77;
	capture();
	cli_explain_listen(&c, "connect", "/dev/ttyUSB0", &l);
	release();
	has("bytes came back on /dev/ttyUSB0 (77), but at no rate they read as text");
	has("--rom-baud 115200 -b 460800");
	has("adapter");
	assert_null(strstr(err, "swap TX and RX"));
}

/* When the library did not listen (today's, or another failure), the general hint stays. */
static void no_answer_without_listen(void **state)
{
	struct cli c = quiet_cli();
	struct cli_session s;
	int rc;
	(void)state;

	memset(&s, 0, sizeof(s));
	s.cli = &c;
	s.port = "/dev/ttyUSB0";
	cli_progress_init(&s.progress, &c);
	capture();
	rc = cli_session_fail(&s, "connect", BLR_E_NO_RESPONSE);
	release();
	assert_int_equal(rc, EXIT_UNAVAIL);
	has("connect: no answer from the chip on /dev/ttyUSB0");
	has("hold BOOT (GPIO8) high");
	has("--rom-baud 115200");
}

static const struct loader_build *row_of(enum loader_chip chip, uint32_t xtal_khz)
{
	size_t n = 0;
	const struct loader_build *b = loader_known_builds(&n);

	for (size_t i = 0; i < n; i++)
		if (b[i].chip == chip && b[i].xtal_khz == xtal_khz)
			return &b[i];
	fail_msg("no row for chip %d", (int)chip);
	return NULL;
}

/* A loader whose SHA-256 is the given row's (the library's table decides, with a synthetic
 * image: no vendor file is ever used). Returns the parse status. */
static int load_as(const struct loader_build *b, struct cli_loader *ld, const char **why)
{
	size_t len = 0;
	uint8_t *img = synth_loader_build(SYNTH_DEADBEEF, 500, &len), sha[32];
	int rc;

	assert_non_null(img);
	memset(ld, 0, sizeof(*ld));
	assert_int_equal(hash_sha256(img, len, sha), 0);
	rc = loader_parse_identified(img, len, sha, b, &ld->info, why);
	snprintf(ld->path, sizeof(ld->path), "/x/eflash_loader_40m.bin");
	free(img);
	return rc;
}

/* Another chip's file: refused with what it is and what a BL602 needs. */
static void other_chip_refused(void **state)
{
	struct cli c = quiet_cli();
	struct cli_loader ld;
	const struct loader_build *b = row_of(CHIP_BL702, 32000);
	const char *why = NULL;
	int rc = load_as(b, &ld, &why);
	(void)state;

	assert_int_equal(rc, BLR_E_FORMAT);
	capture();
	cli_loader_report_invalid(&c, "eflash_loader_40m.bin", rc, why, &ld.info, true);
	release();
	has("error: eflash_loader_40m.bin is not a valid BL602 flash loader: this is a flash "
	    "loader for the BL702");
	has("chips/bl602/eflash_loader/eflash_loader_40m.bin");
	has("It is the official BL702 loader eflash_loader_32m.bin of bflb-mcu-tool 1.7.5");
	/* found by the search, not named by the user: skipped with a warning */
	capture();
	cli_loader_report_invalid(&c, "x.bin", rc, why, &ld.info, false);
	release();
	has("warning: ignoring x.bin: not a valid BL602 flash loader (this is a flash loader for "
	    "the BL702");
}

/* A BL602 file for another crystal: accepted, and the warning names both crystals; the
 * usual 40 MHz file: no warning; an unknown file: its name's hint. */
static void crystal_warnings(void **state)
{
	struct cli c = quiet_cli();
	struct cli_loader ld;
	char what[256];
	(void)state;

	assert_int_equal(load_as(row_of(CHIP_BL602, 26000), &ld, NULL), BLR_OK);
	cli_loader_describe(&ld.info, what, sizeof(what));
	assert_string_equal(what,
			    "the official BL602 loader eflash_loader_26m.bin of bflb-mcu-tool "
			    "1.8.4, 1.10.0");
	capture();
	cli_loader_warn(&c, &ld, true);
	release();
	/* the SHA-256 wins over the name it was given */
	has("/x/eflash_loader_40m.bin is built for a 26 MHz crystal (from its SHA-256)");
	has("most BL602 modules have a 40 MHz crystal");
	assert_null(strstr(err, "unknown build"));

	assert_int_equal(load_as(row_of(CHIP_BL602, XTAL_RC), &ld, NULL), BLR_OK);
	capture();
	cli_loader_warn(&c, &ld, true);
	release();
	has("built for no crystal (the internal RC oscillator) (from its SHA-256)");

	assert_int_equal(load_as(row_of(CHIP_BL602, 40000), &ld, NULL), BLR_OK);
	capture();
	cli_loader_warn(&c, &ld, true);
	release();
	assert_string_equal(err, "");

	assert_int_equal(load_as(NULL, &ld, NULL), BLR_OK);
	snprintf(ld.path, sizeof(ld.path), "dl/eflash_loader_32m.bin");
	capture();
	cli_loader_warn(&c, &ld, true);
	release();
	has("dl/eflash_loader_32m.bin is an unknown build");
	has("built for a 32 MHz crystal (from its file name)");
}

static void name_hints(void **state)
{
	static const struct {
		const char *name;
		uint32_t khz;
		bool rc;
	} cases[] = {
	    {"eflash_loader_24m.bin", 24000, false},
	    {"/a_b/eflash_loader_26m.bin", 26000, false},
	    {"eflash_loader_32m.bin", 32000, false},
	    {"eflash_loader_38p4m.bin", 38400, false},
	    {"eflash_loader_40m.bin", 40000, false},
	    {"eflash_loader_none.bin", 0, true},
	    {"eflash_loader_rc32m.bin", 0, true},
	    {"my_26m_loader_x.bin", 26000, false},
	    {"eflash_loader.bin", 0, false},
	    {"/dl_40m/eflash_loader.bin", 0, false}, /* the directory's name says nothing */
	    {"loader_2mb.bin", 0, false},
	    {"loader_123m.bin", 0, false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t khz = 1;
		bool rc = true;

		cli_loader_name_hint(cases[i].name, &khz, &rc);
		if (khz != cases[i].khz || rc != cases[i].rc)
			fail_msg("%s: %u kHz rc %d", cases[i].name, (unsigned)khz, rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(listen_messages),	  cmocka_unit_test(no_answer_without_listen),
	    cmocka_unit_test(other_chip_refused), cmocka_unit_test(crystal_warnings),
	    cmocka_unit_test(name_hints),
	};
	return cmocka_run_group_tests_name("cli-msgs", tests, NULL, NULL);
}
