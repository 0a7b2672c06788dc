/* SPDX-License-Identifier: MIT */
/*
 * The command's platform layer (src/cli/platform.h) on the OS it was built for: Linux natively,
 * Windows under wine (scripts/test-cross.sh). Paths with non-ASCII names (UTF-8 inside, the
 * wide APIs on Windows), atomic outputs (MoveFileExW there), globs, the environment in UTF-8,
 * the data directory, devices refused, COM names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli_int.h"
#include "cli/platform.h"

/* ---- what the test itself needs from the OS ---------------------------------------------- */
#ifdef _WIN32
#include <windows.h>

static wchar_t *w(const char *s)
{
	static wchar_t buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	MultiByteToWideChar(CP_UTF8, 0, s, -1, buf[k], 1024);
	return buf[k];
}

static void set_env(const char *name, const char *value)
{
	assert_int_equal(_wputenv_s(w(name), value ? w(value) : L""), 0);
}

static void remove_dir(const char *path)
{
	assert_true(RemoveDirectoryW(w(path)));
}

static void temp_root(char *out, size_t cap)
{
	wchar_t t[MAX_PATH];

	assert_true(GetTempPathW(MAX_PATH, t) > 0);
	WideCharToMultiByte(CP_UTF8, 0, t, -1, out, (int)cap, NULL, NULL);
	out[strlen(out) - 1] = '\0'; /* without its trailing backslash */
}

static unsigned long my_pid(void)
{
	return GetCurrentProcessId();
}
#else
#include <unistd.h>

static void set_env(const char *name, const char *value)
{
	if (value)
		assert_int_equal(setenv(name, value, 1), 0);
	else
		unsetenv(name);
}

static void remove_dir(const char *path)
{
	assert_int_equal(rmdir(path), 0);
}

static void temp_root(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp");
}

static unsigned long my_pid(void)
{
	return (unsigned long)getpid();
}
#endif

#define S "\xc3\xa9" /* é: every name below has one */

static char root[512];

/* A new directory for one test, named with a non-ASCII letter. */
static int setup_root(void **state)
{
	char t[400];
	(void)state;
	temp_root(t, sizeof(t));
	snprintf(root, sizeof(root), "%s%cblr-plat-caf" S "-%lu", t, PLAT_SEP, my_pid());
	return plat_mkdir(root);
}

static void collect(void *user, const char *path)
{
	char *all = user;

	strncat(all, path, 4000 - strlen(all));
	strncat(all, "|", 4000 - strlen(all));
}

/* The paths plat_glob finds for root + SEP + rel, '|' after each. */
static const char *glob_of(const char *rel)
{
	static char all[4096];
	char pat[1024];

	all[0] = '\0';
	snprintf(pat, sizeof(pat), "%s%c%s", root, PLAT_SEP, rel);
	plat_glob(pat, collect, all);
	return all;
}

static void in_root(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s%c%s", root, PLAT_SEP, rel);
}

static void paths(void **state)
{
	(void)state;
	assert_true(plat_is_sep('/'));
	assert_false(plat_is_sep('a'));
	assert_int_equal(plat_root_len("/usr/lib"), 1);
	assert_int_equal(plat_root_len("dir/file"), 0);
#ifdef _WIN32
	assert_true(plat_is_sep('\\'));
	assert_int_equal(plat_root_len("C:\\Users\\x"), 3);
	assert_int_equal(plat_root_len("c:/x"), 3);
	assert_int_equal(plat_root_len("C:x"), 2);
	assert_int_equal(plat_root_len("\\\\server\\share\\dir\\f"), 15);
	assert_int_equal(plat_root_len("\\\\.\\COM12"), 9);
#else
	assert_false(plat_is_sep('\\'));
	assert_int_equal(plat_root_len("C:\\x"), 0);
#endif
}

/* Write, refuse, replace and read back a file whose folder and name are not ASCII. */
static void atomic_files(void **state)
{
	char path[700], other[700];
	uint8_t data[3000], *back = NULL;
	size_t len = 0;
	struct plat_stat st;
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + (i == 7 ? '\n' : 0)); /* a LF stays a LF */
	in_root(path, sizeof(path), "dump-\xc3\xbc\xe2\x82\xac.bin");
	assert_int_equal(cli_write_file_atomic(path, data, sizeof(data), false), 0);
	assert_int_equal(cli_read_file(path, 1 << 20, &back, &len), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	assert_string_equal(glob_of("*"), strcat(strcpy(other, path), "|")); /* no temp file */

	data[0] ^= 0xFF;
	errno = 0;
	assert_int_equal(cli_write_file_atomic(path, data, sizeof(data), false), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(plat_stat(path, &st), 0);
	assert_int_equal(st.kind, PLAT_FILE);
	assert_int_equal(st.size, sizeof(data));
	assert_int_equal(cli_write_file_atomic(path, data, 10, true), 0);
	assert_int_equal(cli_read_file(path, 1 << 20, &back, &len), 0);
	assert_int_equal(len, 10);
	assert_int_equal(back[0], data[0]);
	free(back);
	assert_string_equal(glob_of("*"), other); /* still the one file */

	assert_true(plat_same_file(path, path));
	in_root(other, sizeof(other), "second.bin");
	assert_int_equal(cli_write_file_atomic(other, data, 1, false), 0);
	assert_false(plat_same_file(path, other));
	assert_int_equal(plat_unlink(other), 0);
	assert_int_equal(plat_unlink(path), 0);
	remove_dir(root);
}

static void stat_and_dirs(void **state)
{
	char path[700];
	struct plat_stat st;
	uint8_t *b = NULL;
	size_t len;
	uint64_t avail = 0;
	struct cli_out o;
	(void)state;

	assert_int_equal(plat_stat(root, &st), 0);
	assert_int_equal(st.kind, PLAT_DIR);
	assert_int_equal(cli_read_file(root, 100, &b, &len), -1);
	assert_int_equal(errno, EISDIR);
	in_root(path, sizeof(path), "missing");
	assert_int_equal(plat_stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(plat_dir_writable(root), 0);
	assert_int_equal(plat_dir_writable(path), -1);
	assert_int_equal(plat_free_space(root, &avail), 0);
	assert_true(avail > 0);
	assert_int_equal(plat_mkdir(root), -1);
	assert_int_equal(errno, EEXIST);
	/* the writable check left nothing */
	assert_string_equal(glob_of("*"), "");

	/* a device is never an output file */
#ifdef _WIN32
	const char *dev = "NUL";
#else
	const char *dev = "/dev/null";
#endif
	assert_int_equal(plat_stat(dev, &st), 0);
	assert_int_equal(st.kind, PLAT_OTHER);
	assert_int_equal(cli_out_resolve(dev, &o), -1);
	assert_int_equal(errno, ENODEV);
	remove_dir(root);
}

static void globs(void **state)
{
	static const char *const dirs[] = {"a",	     "a/x1", "a/x1/b", "a/x2",
					   "a/x2/b", "a/y",  "a/y/b",  "a/x3"};
	char p[700], want[2100];
	(void)state;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		in_root(p, sizeof(p), dirs[i]);
		for (char *c = p + strlen(root); *c; c++)
			if (*c == '/')
				*c = PLAT_SEP;
		assert_int_equal(plat_mkdir(p), 0);
	}
	snprintf(want, sizeof(want), "%s%ca%cx1%cb|%s%ca%cx2%cb|", root, PLAT_SEP, PLAT_SEP,
		 PLAT_SEP, root, PLAT_SEP, PLAT_SEP, PLAT_SEP);
	assert_string_equal(glob_of("a/x*/b"), want); /* sorted; x3 has no b */
	snprintf(want, sizeof(want), "%s%ca%cy%cb|", root, PLAT_SEP, PLAT_SEP, PLAT_SEP);
	assert_string_equal(glob_of("a/?/b"), want);
	assert_string_equal(glob_of("a/z*/b"), "");
	assert_string_equal(glob_of("nothing/*"), "");
#ifdef _WIN32
	assert_int_equal(strlen(glob_of("A\\X*\\B")), 2 * strlen(root) + 16); /* any case */
#endif
	for (size_t i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
		in_root(p, sizeof(p), dirs[i]);
		remove_dir(p);
	}
	remove_dir(root);
}

static void environment(void **state)
{
	const char *v1, *v2;
	char buf[600];
	(void)state;

	set_env("BLR_TEST_PLAT", "caf" S " \xce\xb1");
	v1 = plat_getenv("BLR_TEST_PLAT");
	assert_non_null(v1);
	assert_string_equal(v1, "caf" S " \xce\xb1");
	assert_ptr_equal(plat_getenv("BLR_TEST_PLAT"), v1); /* the same value, the same copy */
	set_env("BLR_TEST_PLAT", "other");
	v2 = plat_getenv("BLR_TEST_PLAT");
	assert_string_equal(v2, "other");
	assert_string_equal(v1, "caf" S " \xce\xb1"); /* an old value stays valid */
	set_env("BLR_TEST_PLAT", NULL);
	assert_null(plat_getenv("BLR_TEST_PLAT"));

#ifdef _WIN32
	set_env("LOCALAPPDATA", "C:\\Users\\Jos" S "\\AppData\\Local");
	assert_int_equal(plat_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "C:\\Users\\Jos" S "\\AppData\\Local\\blrescue");
#else
	set_env("XDG_DATA_HOME", "/xdg");
	assert_int_equal(plat_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/blrescue");
	set_env("XDG_DATA_HOME", "relative"); /* not absolute: ignored */
	set_env("HOME", "/home/jos" S);
	assert_int_equal(plat_data_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/jos" S "/.local/share/blrescue");
	set_env("XDG_DATA_HOME", NULL);
	set_env("HOME", NULL);
	assert_int_equal(plat_data_dir(buf, sizeof(buf)), -1);
#endif
}

static void ports_and_errors(void **state)
{
	struct plat_port p;
	char buf[300];
	(void)state;

	memset(&p, 0, sizeof(p));
#ifdef _WIN32
	snprintf(p.name, sizeof(p.name), "COM12");
	assert_true(plat_port_matches("COM12", &p));
	assert_true(plat_port_matches("com12", &p));
	assert_true(plat_port_matches("\\\\.\\COM12", &p));
	assert_true(plat_port_matches("//./com12", &p));
	assert_false(plat_port_matches("COM1", &p));
	assert_non_null(
	    strstr(plat_os_strerror(ERROR_FILE_NOT_FOUND, buf, sizeof(buf)), "Windows error 2"));
	assert_true(plat_os_error_unplugged(ERROR_DEVICE_REMOVED));
#else
	snprintf(p.name, sizeof(p.name), "/dev/ttyUSB0");
	assert_true(plat_port_matches("/dev/ttyUSB0", &p));
	assert_false(plat_port_matches("/dev/ttyUSB1", &p));
	assert_string_equal(plat_os_strerror(ENOENT, buf, sizeof(buf)), strerror(ENOENT));
	assert_true(plat_os_error_unplugged(EIO));
#endif
	assert_false(plat_os_error_unplugged(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(paths),
	    cmocka_unit_test_setup(atomic_files, setup_root),
	    cmocka_unit_test_setup(stat_and_dirs, setup_root),
	    cmocka_unit_test_setup(globs, setup_root),
	    cmocka_unit_test(environment),
	    cmocka_unit_test(ports_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
