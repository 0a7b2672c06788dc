/* SPDX-License-Identifier: MIT */
/* The offline commands (inspect, check, scrub, chips) called in process: output, JSON
 * syntax, exit codes, file handling. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blrescue/image.h"
#include "cli/cli_int.h"
#include "common/bytes.h"
#include "synth_image.h"

static char out[1 << 20];
static char err[8192]; /* what the command wrote to stderr */
static char tmpdir[256];

typedef int (*cmd_fn)(struct cli *, int, char **);

/* Run a command with argv (NULL-terminated); stdout text lands in out[]. */
static int run(cmd_fn fn, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	struct cli c;
	FILE *f = tmpfile();

	assert_non_null(f);
	while (args[argc] && argc < 15) {
		argv[argc] = (char *)(uintptr_t)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	memset(&c, 0, sizeof(c));
	c.out = f;
	/* stderr to a file for the duration of the command */
	FILE *ef = tmpfile();
	int saved = dup(STDERR_FILENO);

	assert_non_null(ef);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(ef), STDERR_FILENO) >= 0);
	int rc = fn(&c, argc, argv);

	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(ef);
	err[fread(err, 1, sizeof(err) - 1, ef)] = 0;
	fclose(ef);
	fflush(f);
	rewind(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);

	out[n] = 0;
	fclose(f);
	return rc;
}

/* ---- a small JSON syntax checker ---- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_value(const char *p, int depth);

/* Length of the UTF-8 sequence at p (a code point in its shortest form, not a surrogate, at
 * most U+10FFFF), or 0: JSON text is UTF-8 (RFC 8259, section 8.1). */
static size_t js_utf8(const unsigned char *p)
{
	static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
	unsigned n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
	unsigned long cp = *p & (0x7Fu >> n);

	if (*p < 0xC0 || *p >= 0xF8)
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static const char *js_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if ((unsigned char)*p >= 0x80) {
			size_t n = js_utf8((const unsigned char *)p);

			if (!n)
				return NULL;
			p += n - 1;
			continue;
		}
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = js_string(js_ws(p));
				if (!p)
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = js_value(p, depth + 1);
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		if (*p == '-')
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		return p;
	}
	return NULL;
}

static void assert_json(const char *s)
{
	const char *e = js_value(s, 0);

	if (!e)
		fail_msg("invalid JSON: %.200s", s);
	assert_true(*js_ws(e) == 0);
}

static void json_checker_works(void **state)
{
	(void)state;
	assert_non_null(js_value("{\"a\":[1,true,\"x\\u0001\"]}", 0));
	assert_null(js_value("{\"a\":[1,]}", 0));
	assert_null(js_value("{\"a\" 1}", 0));
	assert_null(js_value("\"tab\there\"", 0));
	assert_non_null(js_value("\"caf\xc3\xa9 \xf0\x9f\x94\xa5\"", 0));
	assert_null(js_value("\"\xff\"", 0));		  /* not UTF-8 */
	assert_null(js_value("\"\xc3\"", 0));		  /* cut off */
	assert_null(js_value("\"\xc0\xaf\"", 0));	  /* overlong '/' */
	assert_null(js_value("\"\xed\xa0\x80\"", 0));	  /* surrogate */
	assert_null(js_value("\"\xf4\x90\x80\x80\"", 0)); /* above U+10FFFF */
}

/* ---- files ---- */

static void path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", tmpdir, name);
}

static void write_file(const char *name, const uint8_t *b, size_t n)
{
	char p[512];
	FILE *f;

	path_in(p, sizeof(p), name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static uint8_t *read_back(const char *name, size_t *n)
{
	char p[512];
	FILE *f;
	uint8_t *b = malloc(4u << 20);

	path_in(p, sizeof(p), name);
	f = fopen(p, "rb");
	assert_non_null(f);
	*n = fread(b, 1, 4u << 20, f);
	fclose(f);
	return b;
}

/* EasyFlash sector and entry status bytes (doc/flash-layout.md §5) */
static const uint8_t using_[3] = {0x00, 0x00, 0xFF}, dfalse[3] = {0x00, 0xFF, 0xFF};
static const uint8_t st_write[5] = {0, 0, 0xFF, 0xFF, 0xFF};

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/blr-cmdimg-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	uint8_t *img = syn_image();
	uint32_t pos = 20;

	/* a settings store with a secret and an awkward key name (quote, backslash) */
	syn_ef_sector(img + SYN_PSM, using_, dfalse);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "boot_times", "3", 1);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "conf_ap_psk", "hunter22pass", 12);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "we\"ird\\", "\x01\x02", 2);
	write_file("good.bin", img, SYN_SIZE);
	write_file("short.bin", img, 1u << 20);
	syn_ptable(img, 0xF000, 1, 0);	     /* after an "update": table 1 newer, tables differ */
	put_le32(img + 0xF000 + 16 + 32, 7); /* FW entry age */
	syn_ptable_fix(img, 0xF000);
	write_file("ota.bin", img, SYN_SIZE);
	for (uint32_t i = 0; i < 4096; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	write_file("random.bin", img, 4096);
	free(img);
	return 0;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char p[512];

	(void)state;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path_in(p, sizeof(p), de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
	return 0;
}

static void check_cmd(void **state)
{
	char p[512], q[512];
	(void)state;

	path_in(p, sizeof(p), "good.bin");
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, NULL}), 0);
	assert_non_null(strstr(out, "complete and bootable"));
	assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
	assert_int_equal(run(cmd_check, (const char *const[]){"check", "--json", p, NULL}), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"verdict\":\"ok\""));
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, "--json", NULL}), 0);
	assert_json(out);
	path_in(p, sizeof(p), "short.bin");
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, NULL}), EXIT_MISMATCH);
	assert_non_null(strstr(out, "truncated"));
	path_in(p, sizeof(p), "random.bin");
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, NULL}), EXIT_NOT_DUMP);
	path_in(p, sizeof(p), "missing.bin");
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, NULL}), EXIT_NOINPUT);
	assert_non_null(strstr(err, "missing.bin"));
	/* usage */
	assert_int_equal(run(cmd_check, (const char *const[]){"check", NULL}), EXIT_USAGE);
	path_in(q, sizeof(q), "good.bin");
	assert_int_equal(run(cmd_check, (const char *const[]){"check", p, q, NULL}), EXIT_USAGE);
	assert_int_equal(run(cmd_check, (const char *const[]){"check", "--bogus", q, NULL}),
			 EXIT_USAGE);
	assert_int_equal(run(cmd_check, (const char *const[]){"check", "--help", NULL}), 0);
	assert_non_null(strstr(out, "usage: blrescue check"));
}

static void inspect_cmd(void **state)
{
	char p[512];
	(void)state;

	path_in(p, sizeof(p), "good.bin");
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", p, NULL}), 0);
	assert_non_null(strstr(out, "boot2 header at 0x0"));
	assert_non_null(strstr(out, "factory"));
	assert_non_null(strstr(out, "conf_ap_psk"));
	assert_null(strstr(out, "hunter22pass")); /* values hidden by default */
	assert_int_equal(
	    run(cmd_inspect, (const char *const[]){"inspect", "--show-values", p, NULL}), 0);
	assert_non_null(strstr(out, "\"hunter22pass\""));
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", "--json", p, NULL}), 0);
	assert_json(out);
	assert_null(strstr(out, "hunter22pass"));
	assert_non_null(strstr(out, "\"key\":\"we\\\"ird\\\\\""));
	assert_int_equal(
	    run(cmd_inspect, (const char *const[]){"inspect", "--json", "--show-values", p, NULL}),
	    0);
	assert_json(out);
	assert_non_null(strstr(out, "\"value\":\"hunter22pass\""));
	assert_non_null(strstr(out, "\"value_hex\":\"0102\""));
	/* after an update both tables are shown, the newer one active; verdict still ok */
	path_in(p, sizeof(p), "ota.bin");
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", p, NULL}), 0);
	assert_non_null(strstr(out, "partitions (table 1, active)"));
	assert_non_null(strstr(out, "partitions (table 0)"));
	assert_non_null(strstr(out, "the tables are different"));
	assert_non_null(strstr(out, "verdict: complete and bootable"));
	/* damaged and foreign files still produce valid output */
	path_in(p, sizeof(p), "short.bin");
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", "--json", p, NULL}), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"verdict\":\"suspicious\""));
	/* text: the verdict once and in words */
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", p, NULL}), 0);
	assert_non_null(strstr(out, "\nverdict: suspicious: "));
	assert_null(strstr(out, "suspicious: suspicious"));
	path_in(p, sizeof(p), "random.bin");
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", p, NULL}), 0);
	assert_non_null(strstr(out, "\nverdict: not a BL602 flash dump"));
	assert_null(strstr(out, "not_bl602"));
	assert_int_equal(run(cmd_inspect, (const char *const[]){"inspect", "--json", p, NULL}), 0);
	assert_json(out);
}

static bool contains(const uint8_t *b, size_t n, const char *s)
{
	size_t l = strlen(s);

	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(b + i, s, l) == 0)
			return true;
	return false;
}

static bool leftovers(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	bool found = false;

	while (d && (de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".partial-") || strstr(de->d_name, ".tmp"))
			found = true;
	if (d)
		closedir(d);
	return found;
}

static void scrub_cmd(void **state)
{
	char in[512], o[512];
	size_t n;
	(void)state;

	path_in(in, sizeof(in), "good.bin");
	path_in(o, sizeof(o), "clean.bin");
	unlink(o);
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", in, o, NULL}), 0);
	assert_non_null(strstr(out, "conf_ap_psk"));
	assert_non_null(strstr(out, "zeroed"));
	assert_false(leftovers());
	uint8_t *b = read_back("clean.bin", &n);

	assert_int_equal(n, SYN_SIZE);
	assert_false(contains(b, n, "hunter22pass"));
	free(b);
	assert_int_equal(run(cmd_check, (const char *const[]){"check", o, NULL}), 0);
	/* refuses to overwrite, then does with --force */
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", in, o, NULL}),
			 EXIT_CANTCREAT);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", "--force", "--ssid",
							      "synthetic", in, o, NULL}),
			 0);
	assert_non_null(strstr(out, "SSID found in factory device tree /model"));
	/* IN == OUT, also through another name */
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", in, in, NULL}), EXIT_USAGE);
	char alias[512];

	snprintf(alias, sizeof(alias), "%s/./good.bin", tmpdir);
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", "--force", in, alias, NULL}),
			 EXIT_USAGE);
	b = read_back("good.bin", &n);
	assert_true(contains(b, n, "hunter22pass")); /* original untouched */
	free(b);
	/* too-short search string, missing input, unwritable output */
	assert_int_equal(
	    run(cmd_scrub, (const char *const[]){"scrub", "--force", "--psk", "ab", in, o, NULL}),
	    EXIT_USAGE);
	path_in(in, sizeof(in), "missing.bin");
	path_in(o, sizeof(o), "clean2.bin");
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", in, o, NULL}), EXIT_NOINPUT);
	path_in(in, sizeof(in), "good.bin");
	assert_int_equal(
	    run(cmd_scrub, (const char *const[]){"scrub", in, "/nonexistent-dir/x.bin", NULL}),
	    EXIT_CANTCREAT);
	/* not a BL602 dump: refused */
	path_in(in, sizeof(in), "random.bin");
	assert_int_equal(run(cmd_scrub, (const char *const[]){"scrub", in, o, NULL}), EXIT_DATAERR);
	assert_int_equal(access(o, F_OK), -1);
	assert_false(leftovers());
}

/* A write that fails after every check passed (here: a file size limit, RLIMIT_FSIZE, with
 * SIGXFSZ ignored so that write() says EFBIG): no list of changes is printed for a file that
 * was not written, and nothing is left behind. */
static void scrub_failed_write(void **state)
{
	char in[512], o[512];
	struct rlimit old, lim;
	int rc;
	(void)state;

	path_in(in, sizeof(in), "good.bin");
	path_in(o, sizeof(o), "never.bin");
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 64 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = run(cmd_scrub, (const char *const[]){"scrub", in, o, NULL});
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, EXIT_CANTCREAT);
	assert_non_null(strstr(err, "cannot write"));
	assert_null(strstr(out, "zeroed"));
	assert_null(strstr(out, "change"));
	assert_int_equal(access(o, F_OK), -1);
	assert_false(leftovers());
}

/* cli_session_fail's words for errors of the link (src/cli/session.c). */
static void session_messages(void **state)
{
	struct cli c;
	struct cli_session s;
	FILE *ef = tmpfile();
	int saved = dup(STDERR_FILENO), rc;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.out = stdout;
	memset(&s, 0, sizeof(s));
	s.cli = &c;
	s.port = "/dev/ttyUSB9";
	cli_progress_init(&s.progress, &c);
	assert_non_null(ef);
	fflush(stderr);
	dup2(fileno(ef), STDERR_FILENO);
	rc = cli_session_fail(&s, "read", BLR_E_GONE);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(ef);
	err[fread(err, 1, sizeof(err) - 1, ef)] = 0;
	fclose(ef);
	assert_int_equal(rc, EXIT_IOERR);
	assert_non_null(strstr(err, "read: the port went away (adapter unplugged?)"));
}

static void chips_cmd(void **state)
{
	(void)state;
	assert_int_equal(run(cmd_chips, (const char *const[]){"chips", NULL}), 0);
	assert_non_null(strstr(out, "BL602C20"));
	assert_non_null(strstr(out, "W25Q16JV"));
	assert_non_null(strstr(out, "EF 40 15"));
	assert_int_equal(run(cmd_chips, (const char *const[]){"chips", "--json", NULL}), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"jedec\":\"ef4015\""));
	assert_non_null(strstr(out, "\"marking\":\"BL602C40\""));
	assert_int_equal(run(cmd_chips, (const char *const[]){"chips", "extra", NULL}), EXIT_USAGE);
}

/* Every --json output is valid JSON, whatever bytes a file name or the settings store holds:
 * valid UTF-8 passes through unchanged, control characters and bytes outside UTF-8 are
 * escaped (src/cli/json.h). */
static void json_strings_cmd(void **state)
{
	static const char name[] = "caf\xc3\xa9 \xf0\x9f\x94\xa5\t\xff\xed\xa0\x80.bin";
	static const char want[] =
	    "caf\xc3\xa9 \xf0\x9f\x94\xa5\\t\\u00ff\\u00ed\\u00a0\\u0080.bin\"";
	uint8_t *img = syn_image();
	uint32_t pos = 20;
	char p[512];
	(void)state;

	syn_ef_sector(img + SYN_PSM, using_, dfalse);
	syn_ef_entry(img + SYN_PSM, &pos, st_write, "k\xc3\xa9y\xff", "\xc3\xa9t\xc3\xa9\x7f", 6);
	write_file(name, img, SYN_SIZE);
	free(img);
	path_in(p, sizeof(p), name);
	assert_int_equal(
	    run(cmd_inspect, (const char *const[]){"inspect", "--json", "--show-values", p, NULL}),
	    0);
	assert_json(out);
	assert_non_null(strstr(out, want));
	assert_int_equal(run(cmd_check, (const char *const[]){"check", "--json", p, NULL}), 0);
	assert_json(out);
	assert_non_null(strstr(out, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_checker_works), cmocka_unit_test(check_cmd),
	    cmocka_unit_test(inspect_cmd),	  cmocka_unit_test(scrub_cmd),
	    cmocka_unit_test(chips_cmd),	  cmocka_unit_test(json_strings_cmd),
	    cmocka_unit_test(scrub_failed_write), cmocka_unit_test(session_messages),
	};
	return cmocka_run_group_tests_name("cmd-image", tests, setup, teardown);
}
