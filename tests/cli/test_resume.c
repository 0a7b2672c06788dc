/* SPDX-License-Identifier: MIT */
/*
 * The sidecar of an interrupted read (src/cli/resume.c): what is kept, what a rerun gets back,
 * and every file that is refused (not a sidecar, damaged, another version, inconsistent,
 * another chip or range).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/resume.h"
#include "common/bytes.h"
#include "common/hash.h"

#define BASE 0x10000u
#define LEN  0x8000u /* 32 KiB range at 0x10000 */

static char dir[] = "/tmp/blr-resume-test.XXXXXX";
static char file[256];
static uint8_t flash[LEN]; /* what the range holds */

static const struct cli_resume_id chip = {
    .addr = BASE,
    .len = LEN,
    .flash_size = 2u << 20,
    .jedec = {0xC8, 0x40, 0x15},
    .mac = {0x02, 0x42, 0x60, 0x2b, 0x00, 0x01},
};

static struct blr_block blk(uint32_t addr, uint32_t len, const uint8_t *buf)
{
	struct blr_block b = {.addr = addr, .len = len};

	assert_int_equal(hash_sha256(buf + (addr - BASE), len, b.sha256), 0);
	return b;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/dump.bin", dir);
	for (size_t i = 0; i < LEN; i++)
		flash[i] = (uint8_t)(i * 7 + (i >> 8));
	memset(flash + 0x2000, 0xFF, 0x1000); /* one blank sector */
	return 0;
}

static int teardown(void **state)
{
	char side[300];

	(void)state;
	snprintf(side, sizeof(side), "%s%s", file, CLI_RESUME_SUFFIX);
	remove(side);
	return rmdir(dir);
}

/* A sidecar written after an interrupted read of blocks [0x10000, 0x13000) + [0x14000, 0x15000). */
static void save_some(void)
{
	struct cli_resume r;
	struct blr_block b[4];
	uint8_t buf[LEN];
	uint64_t kept = 0;

	memset(buf, 0x00, sizeof(buf));
	memcpy(buf, flash, 0x5000); /* what arrived before the interruption */
	b[0] = blk(BASE, 0x2000, buf);
	b[1] = blk(BASE + 0x2000, 0x1000, buf); /* blank: stored without bytes */
	b[2] = blk(BASE + 0x1000, 0x1000, buf); /* inside b[0]: dropped */
	b[3] = blk(BASE + 0x4000, 0x1000, buf);
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_int_equal(cli_resume_remove(&r), 0);
	for (size_t i = 0; i < 4; i++)
		cli_resume_block(&r, &b[i]);
	assert_int_equal(cli_resume_save(&r, &chip, buf, &kept), 0);
	assert_int_equal(kept, 0x4000);
	assert_int_equal(r.nblk, 3);
	cli_resume_free(&r);
}

static void kept_and_given_back(void **state)
{
	struct cli_resume r;
	const char *why = "unset";
	uint8_t buf[LEN];

	(void)state;
	save_some();
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_true(r.found);
	assert_int_equal(cli_resume_load(&r, &why), 0);
	assert_true(cli_resume_matches(&r, &chip, &why));
	assert_null(why);
	memset(buf, 0x5A, sizeof(buf));
	assert_int_equal(cli_resume_fill(&r, buf), 0x4000);
	assert_int_equal(r.nheld, 3);
	assert_memory_equal(buf, flash, 0x3000);
	assert_memory_equal(buf + 0x4000, flash + 0x4000, 0x1000);
	assert_int_equal(buf[0x3000], 0x5A); /* not kept: untouched */
	assert_int_equal(r.held[1].addr, BASE + 0x2000);
	cli_resume_free(&r);
}

/* A rerun that stops again keeps the old blocks and the new ones, not the stale ones. */
static void rerun_keeps_both(void **state)
{
	struct cli_resume r, r2;
	const char *why;
	uint8_t buf[LEN];
	struct blr_block nb;
	uint64_t kept = 0;

	(void)state;
	save_some();
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_int_equal(cli_resume_load(&r, &why), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cli_resume_fill(&r, buf), 0x4000);
	buf[0x4010] ^= 1; /* the held block at 0x14000 was read again, not finished */
	memcpy(buf + 0x6000, flash + 0x6000, 0x2000);
	nb = blk(BASE + 0x6000, 0x2000, buf);
	cli_resume_block(&r, &nb);
	assert_int_equal(cli_resume_save(&r, &chip, buf, &kept), 0);
	assert_int_equal(kept, 0x5000);
	cli_resume_free(&r);

	assert_int_equal(cli_resume_init(&r2, file), 0);
	assert_int_equal(cli_resume_load(&r2, &why), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(cli_resume_fill(&r2, buf), 0x5000);
	assert_memory_equal(buf, flash, 0x3000);
	assert_memory_equal(buf + 0x6000, flash + 0x6000, 0x2000);
	assert_int_equal(buf[0x4000], 0);
	cli_resume_free(&r2);
}

static void nothing_to_keep(void **state)
{
	struct cli_resume r;
	uint8_t buf[LEN] = {0};
	uint64_t kept = 1;

	(void)state;
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_int_equal(cli_resume_remove(&r), 0); /* none there: fine */
	assert_int_equal(cli_resume_save(&r, &chip, buf, &kept), 0);
	assert_int_equal(kept, 0);
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_false(r.found);
	save_some();
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_true(r.found);
	assert_int_equal(cli_resume_remove(&r), 0);
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_false(r.found);
}

static void another_chip_or_range(void **state)
{
	struct cli_resume r;
	struct cli_resume_id other;
	const char *why;

	(void)state;
	save_some();
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_int_equal(cli_resume_load(&r, &why), 0);
	other = chip;
	other.mac[5] = 2;
	assert_false(cli_resume_matches(&r, &other, &why));
	assert_string_equal(why, "another chip");
	other = chip;
	other.jedec[2] = 0x16;
	other.flash_size = 4u << 20;
	assert_false(cli_resume_matches(&r, &other, &why));
	assert_string_equal(why, "another chip");
	other = chip;
	other.len = LEN - 0x1000;
	assert_false(cli_resume_matches(&r, &other, &why));
	assert_string_equal(why, "another range");
	other = chip;
	other.addr = 0;
	assert_false(cli_resume_matches(&r, &other, &why));
	assert_string_equal(why, "another range");
	cli_resume_free(&r);
}

/* Write bytes d (n) as the sidecar; with fix, make its trailing SHA-256 right again. */
static void put_file(uint8_t *d, size_t n, int fix)
{
	char side[300];
	FILE *f;

	if (fix)
		assert_int_equal(hash_sha256(d, n - 32, d + n - 32), 0);
	snprintf(side, sizeof(side), "%s%s", file, CLI_RESUME_SUFFIX);
	f = fopen(side, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void refused(const char *want)
{
	struct cli_resume r;
	const char *why = NULL;

	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_true(r.found);
	if (cli_resume_load(&r, &why) != -1)
		fail_msg("a sidecar that is %s was accepted", want);
	assert_non_null(why);
	if (!strstr(why, want))
		fail_msg("\"%s\" not in \"%s\"", want, why);
	assert_false(r.loaded);
	cli_resume_free(&r);
}

static void damaged_files_refused(void **state)
{
	struct blr_block b[2];
	uint8_t *d, *m;
	size_t n;

	(void)state;
	b[0] = blk(BASE, 0x1000, flash);
	b[1] = blk(BASE + 0x2000, 0x1000, flash);
	assert_int_equal(cli_resume_encode(&chip, b, 2, flash, &d, &n), 0);
	assert_int_equal(n, 48 + 2 * 44 + 0x1000 + 32); /* the blank block has no bytes */
	assert_memory_equal(d, "BLRESCUE-RESUME\n", 16);
	m = malloc(n);
	assert_non_null(m);

	memcpy(m, d, n);
	m[200] ^= 0x10;
	put_file(m, n, 0);
	refused("damaged");
	put_file(d, n - 1, 0);
	refused("damaged");
	put_file(d, 20, 0);
	refused("damaged");
	put_file(flash, sizeof(flash), 0); /* a dump is no sidecar */
	refused("not a blrescue resume file");
	memcpy(m, d, n);
	put_le32(m + 16, 2);
	put_file(m, n, 1);
	refused("another version");
	memcpy(m, d, n);
	put_le32(m + 48 + 44, BASE + LEN - 0x800); /* the second block ends past the range */
	put_file(m, n, 1);
	refused("inconsistent");
	memcpy(m, d, n);
	put_le32(m + 48 + 4, 0); /* an empty block */
	put_file(m, n, 1);
	refused("inconsistent");
	memcpy(m, d, n);
	put_le32(m + 48 + 44 + 8, 0); /* the blank block claims bytes the file lacks */
	put_file(m, n, 1);
	refused("inconsistent");
	memcpy(m, d, n);
	put_le32(m + 44, 0x7FFFFFFF); /* more blocks than the file could hold */
	put_file(m, n, 1);
	refused("inconsistent");
	put_file(d, n, 0);
	{
		struct cli_resume r;
		const char *why;

		assert_int_equal(cli_resume_init(&r, file), 0);
		assert_int_equal(cli_resume_load(&r, &why), 0); /* the original passes */
		cli_resume_free(&r);
	}
	free(m);
	free(d);
}

/* A held block whose bytes do not have its SHA-256 (a sidecar written by hand) is not held. */
static void wrong_digest_not_held(void **state)
{
	struct blr_block b[2];
	uint8_t *d, buf[LEN];
	size_t n;
	struct cli_resume r;
	const char *why;

	(void)state;
	b[0] = blk(BASE, 0x1000, flash);
	b[1] = blk(BASE + 0x1000, 0x1000, flash);
	b[1].sha256[0] ^= 1;
	assert_int_equal(cli_resume_encode(&chip, b, 2, flash, &d, &n), 0);
	put_file(d, n, 0);
	free(d);
	assert_int_equal(cli_resume_init(&r, file), 0);
	assert_int_equal(cli_resume_load(&r, &why), 0);
	assert_int_equal(cli_resume_fill(&r, buf), 0x1000);
	assert_int_equal(r.nheld, 1);
	assert_int_equal(r.held[0].addr, BASE);
	cli_resume_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kept_and_given_back),   cmocka_unit_test(rerun_keeps_both),
	    cmocka_unit_test(nothing_to_keep),	     cmocka_unit_test(another_chip_or_range),
	    cmocka_unit_test(damaged_files_refused), cmocka_unit_test(wrong_digest_not_held),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
