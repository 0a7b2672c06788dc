/* SPDX-License-Identifier: MIT */
/* The CLI's number parser and whole-file helpers (src/cli/util.c). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"

static void numbers_valid(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
	    {"0", 0},
	    {"4096", 4096},
	    {"010", 10}, /* decimal, not octal */
	    {"0x1000", 0x1000},
	    {"0X1f", 0x1f},
	    {"0xFFFFFFFF", 0xFFFFFFFFu},
	    {"4k", 4096},
	    {"4K", 4096},
	    {"4KiB", 4096},
	    {"2M", 2u << 20},
	    {"2MiB", 2u << 20},
	    {"0x10k", 0x4000},
	    {"18446744073709551615", UINT64_MAX},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 12345;

		assert_int_equal(cli_parse_u64(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
}

static void numbers_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "0x",
	    "0xg",
	    "12a",
	    "1kk",
	    "1m",
	    "1KB",
	    "1 K",
	    "1.5M",
	    "18446744073709551616",
	    "0x10000000000000000",
	    "17592186044416M",
	    "k",
	    "0b101",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 77;

		assert_int_equal(cli_parse_u64(bad[i], &v), -1);
		assert_true(v == 77); /* untouched on failure */
	}
}

static void numbers_u32(void **state)
{
	uint32_t v = 0;
	(void)state;
	assert_int_equal(cli_parse_u32("0xFFFFFFFF", &v), 0);
	assert_true(v == 0xFFFFFFFFu);
	assert_int_equal(cli_parse_u32("0x100000000", &v), -1);
	assert_int_equal(cli_parse_u32("4096M", &v), -1);
	assert_int_equal(cli_parse_u32("4095M", &v), 0);
	assert_true(v == 4095u * 1024u * 1024u);
}

static char tmpdir[256];

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/blr-test-util-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void atomic_write_and_read_back(void **state)
{
	char path[300];
	uint8_t data[5000], *back = NULL;
	size_t len = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	snprintf(path, sizeof(path), "%s/out.bin", tmpdir);
	assert_int_equal(cli_write_file_atomic(path, data, sizeof(data), false), 0);
	assert_int_equal(cli_read_file(path, 1 << 20, &back, &len), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	/* Only the file itself, no temp file left. */
	assert_int_equal(count_entries(tmpdir), 1);

	/* Refuses to replace without force, and leaves the old content. */
	data[0] ^= 0xFF;
	errno = 0;
	assert_int_equal(cli_write_file_atomic(path, data, sizeof(data), false), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(cli_read_file(path, 1 << 20, &back, &len), 0);
	assert_int_not_equal(back[0], data[0]);
	free(back);
	assert_int_equal(count_entries(tmpdir), 1);

	/* Replaces with force. */
	assert_int_equal(cli_write_file_atomic(path, data, 10, true), 0);
	assert_int_equal(cli_read_file(path, 1 << 20, &back, &len), 0);
	assert_int_equal(len, 10);
	assert_int_equal(back[0], data[0]);
	free(back);
	assert_int_equal(count_entries(tmpdir), 1);
}

static void atomic_write_unwritable_dir(void **state)
{
	char path[300];
	uint8_t b = 1;
	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir/out.bin", tmpdir);
	assert_int_equal(cli_write_file_atomic(path, &b, 1, false), -1);
	assert_int_equal(errno, ENOENT);
}

static void read_file_limits(void **state)
{
	char path[300];
	uint8_t data[100] = {0}, *back = (uint8_t *)1;
	size_t len = 1;
	(void)state;
	snprintf(path, sizeof(path), "%s/small.bin", tmpdir);
	assert_int_equal(cli_write_file_atomic(path, data, sizeof(data), true), 0);
	assert_int_equal(cli_read_file(path, 99, &back, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(back);
	assert_int_equal(cli_read_file(path, 100, &back, &len), 0);
	assert_int_equal(len, 100);
	free(back);
	snprintf(path, sizeof(path), "%s/missing.bin", tmpdir);
	assert_int_equal(cli_read_file(path, 100, &back, &len), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(cli_read_file(tmpdir, 100, &back, &len), -1);
	assert_int_equal(errno, EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(numbers_valid),
	    cmocka_unit_test(numbers_invalid),
	    cmocka_unit_test(numbers_u32),
	    cmocka_unit_test_setup_teardown(atomic_write_and_read_back, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(atomic_write_unwritable_dir, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(read_file_limits, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
