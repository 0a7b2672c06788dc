/* SPDX-License-Identifier: MIT */
/*
 * blrescue-emu's options: one row each (long name, short letter, argument, how it is parsed and
 * what it sets, the message for a bad value, help text). getopt_long's tables and the --help
 * text are both made from it, so they cannot drift; doc/blrescue-emu.1.in describes the same
 * options (tests/cli/run_basic.sh compares it with --help).
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blr_version.h"

struct opt;
/* Applies an option (arg NULL if it takes none); false: a bad value. */
typedef bool (*opt_fn)(struct opts *o, const struct opt *r, const char *arg);

/* One row per option, in the order of the help; a row without a name is a heading. */
struct opt {
	const char *name; /* long name */
	char letter;	  /* short option, 0 if none */
	const char *arg;  /* its argument in the help; NULL: takes none */
	opt_fn set;
	size_t off;	  /* set_str, set_flag, set_scaled, set_range: the field of struct opts */
	unsigned num;	  /* set_flag: the value; set_scaled: the factor; set_range: the maximum */
	const char *bad;  /* a bad value: format of the message, given the name and the value */
	const char *help; /* a '\n' continues on the next line, indented */
};

#define FIELD(o, r, type) ((type *)(void *)((char *)(o) + (r)->off))

static bool set_str(struct opts *o, const struct opt *r, const char *arg)
{
	*FIELD(o, r, const char *) = arg;
	return true;
}

static bool set_flag(struct opts *o, const struct opt *r, const char *arg)
{
	(void)arg;
	*FIELD(o, r, bool) = r->num != 0;
	return true;
}

/* Decimal, at most max. */
static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!*s || *s == '-')
		return false;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* A number in the option's unit, stored times r->num (ms -> us). */
static bool set_scaled(struct opts *o, const struct opt *r, const char *arg)
{
	unsigned v;

	if (!parse_uint(arg, UINT_MAX / r->num, &v))
		return false;
	*FIELD(o, r, unsigned) = v * r->num;
	return true;
}

/* 1 .. r->num. */
static bool set_range(struct opts *o, const struct opt *r, const char *arg)
{
	unsigned v;

	if (!parse_uint(arg, r->num, &v) || v == 0)
		return false;
	*FIELD(o, r, unsigned) = v;
	return true;
}

/* A number (decimal or 0x hex, no sign) at the start of s; *end after it. */
static bool parse_ull(const char *s, char **end, unsigned long long *v)
{
	errno = 0;
	if (!*s || *s == '-')
		return false;
	*v = strtoull(s, end, 0);
	return !errno && *end != s;
}

/* Decimal or 0x hex with an optional binary K/M suffix ("K", "KiB", "KB"): a power of two
 * from 64 KiB to 16 MiB. */
static bool set_size(struct opts *o, const struct opt *r, const char *arg)
{
	unsigned long long v;
	char *end;

	(void)r;
	if (!parse_ull(arg, &end, &v))
		return false;
	if (*end == 'k' || *end == 'K') {
		v <<= 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20;
		end++;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v < (64u << 10) || v > (16u << 20) || (v & (v - 1)) != 0)
		return false;
	o->size = v;
	o->size_given = true;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 6 hex digits, optionally after 0x. */
static bool set_jedec(struct opts *o, const struct opt *r, const char *s)
{
	(void)r;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 6)
		return false;
	for (int i = 0; i < 3; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		o->cfg.jedec[i] = (uint8_t)(hi << 4 | lo);
	}
	o->jedec_given = true;
	return true;
}

/* MAC in display order (':' or '-' between the bytes) -> eFuse order, reversed
 * (doc/protocol.md BOOTINFO-1). */
static bool set_mac(struct opts *o, const struct opt *r, const char *s)
{
	uint8_t m[6];

	(void)r;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return false;
			s++;
		}
	}
	if (*s)
		return false;
	for (int i = 0; i < 6; i++)
		o->cfg.efuse_mac[i] = m[5 - i];
	return true;
}

/* A fault spec (emu_faults_check): the parser's own message on stderr. */
static bool set_faults(struct opts *o, const struct opt *r, const char *arg)
{
	char msg[200];

	(void)r;
	if (emu_faults_check(arg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "blrescue-emu: --faults: %s\n", msg);
		return false;
	}
	o->cfg.faults = arg;
	return true;
}

static bool set_seed(struct opts *o, const struct opt *r, const char *arg)
{
	unsigned long long v;
	char *end;

	(void)r;
	if (!parse_ull(arg, &end, &v) || *end)
		return false;
	o->cfg.fault_seed = v;
	return true;
}

static bool set_boot(struct opts *o, const struct opt *r, const char *arg)
{
	(void)r;
	if (strcmp(arg, "download") != 0 && strcmp(arg, "app") != 0)
		return false;
	o->cfg.boot = arg[0] == 'a' ? EMU_BOOT_APP : EMU_BOOT_DOWNLOAD;
	return true;
}

static bool show_help(struct opts *o, const struct opt *r, const char *arg);

static bool show_version(struct opts *o, const struct opt *r, const char *arg)
{
	(void)o, (void)r, (void)arg;
	printf("blrescue-emu %s\n", BLR_VERSION);
	exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME);
}

#define F(field)  offsetof(struct opts, field)
#define MS	  1000u /* ms options are kept in us */
#define BAD_NUM	  "invalid value for --%s: '%s'"
#define BAD_RANGE "invalid --%s '%s'"
#define HEADING(h)                                                                                 \
	{                                                                                          \
		NULL, 0, NULL, NULL, 0, 0, NULL, h                                                 \
	}

static const struct opt opt_table[] = {
    HEADING("Flash:"),
    {"flash", 'f', "FILE", set_str, F(flash_path), 0, NULL,
     "flash contents backed by FILE: its size is the flash\n"
     "size (a power of two, 64 KiB..16 MiB); every erase and\n"
     "write is written back at once. A missing FILE is\n"
     "created, 0xFF-filled, with --size bytes"},
    {"size", 's', "N", set_size, 0, 0, "--%s must be a power of two from 64K to 16M, not '%s'",
     "flash size without --flash (default 2M; K/M suffixes,\n0x hex), filled with 0xFF"},
    {"jedec", 'j', "HEX", set_jedec, 0, 0, "--%s wants 6 hex digits (e.g. C84015), not '%s'",
     "JEDEC id, 6 hex digits (default C840 + log2(size),\ne.g. C84015 for 2 MiB)"},
    {"unknown-flash", 0, NULL, set_flag, F(cfg.jedec_known), 0, NULL,
     "the loader does not recognise the flash (0x36 flags 00)"},
    HEADING("Chip:"),
    {"mac", 'm', "XX:XX:XX:XX:XX:XX", set_mac, 0, 0, "--%s wants XX:XX:XX:XX:XX:XX, not '%s'",
     "MAC in display order (default 02:42:60:2B:00:01)"},
    {"old-loader", 0, NULL, set_flag, F(cfg.old_loader), 1, NULL,
     "behave like the old 21-command loader builds: no 0x10,\n"
     "0x3F, 0x33, no PD, frames up to 0x2404 bytes"},
    {"secured", 0, NULL, set_flag, F(cfg.secured), 1, NULL,
     "sign and encrypt eFuse bits set: plain loaders refused"},
    {"rx-timeout-ms", 0, "N", set_range, F(cfg.loader_rx_timeout_ms), 600000, BAD_RANGE,
     "loader receive timeout (default 2000)"},
    {"frame-limit", 0, "N", set_range, F(cfg.loader_frame_limit), 0xFFFF, BAD_RANGE,
     "the loader's largest frame payload (default 16388, with\n"
     "--old-loader 9220): larger frames never complete and\n"
     "reads return at most N bytes"},
    {"boot", 0, "MODE", set_boot, 0, 0, "--%s wants download or app, not '%s'",
     "download (default: BOOT pin held, the ROM waits for a\n"
     "handshake) or app (the firmware runs: it prints a boot\n"
     "log and status lines and ignores input)"},
    {"app-baud", 0, "N", set_range, F(cfg.app_baud), 12000000, BAD_RANGE,
     "the firmware's baud rate (default 2000000)"},
    {"app-status-ms", 0, "N", set_scaled, F(cfg.app_status_ms), 1, BAD_NUM,
     "the firmware's status line every N ms, 0 = none\n(default 300)"},
    HEADING("Timing model (off by default):"),
    {"timing", 't', NULL, set_flag, F(cfg.timing.enabled), 1, NULL,
     "pace bytes at 10 bits per byte of the client's baud and\n"
     "give flash operations their durations"},
    {"latency-ms", 0, "N", set_scaled, F(cfg.timing.latency_us), MS, BAD_NUM,
     "adapter turnaround before every reply (default 1)"},
    {"sector-erase-ms", 0, "N", set_scaled, F(cfg.timing.sector_erase_us), MS, BAD_NUM,
     "4 KiB sector erase (default 45)"},
    {"block32-erase-ms", 0, "N", set_scaled, F(cfg.timing.block32_erase_us), MS, BAD_NUM,
     "32 KiB block erase (default 120)"},
    {"block64-erase-ms", 0, "N", set_scaled, F(cfg.timing.block64_erase_us), MS, BAD_NUM,
     "64 KiB block erase (default 150)"},
    {"chip-erase-ms", 0, "N", set_scaled, F(cfg.timing.chip_erase_us), MS, BAD_NUM,
     "chip erase (default 5000)"},
    {"page-program-us", 0, "N", set_scaled, F(cfg.timing.page_program_us), 1, BAD_NUM,
     "program 256 bytes (default 400)"},
    {"sha-rate", 0, "N", set_scaled, F(cfg.timing.sha_bytes_per_ms), 1, BAD_NUM,
     "SHA-256 bytes per ms, 0 = instant (default 2000)"},
    HEADING("Faults (seeded, each one logged):"),
    {"faults", 0, "SPEC", set_faults, 0, 0, NULL,
     "inject faults: comma-separated KIND=WHAT items, e.g.\n"
     "drop-in=1/20000,flip-out=@1234,stall=500ms@in:100000,\n"
     "reset-rom=@t:5s,program-fail=#3,slow-erase=x4\n(the kinds are listed below)"},
    {"seed", 0, "N", set_seed, 0, 0, BAD_NUM, "seed of the fault decisions (default 0)"},
    {"fault-log", 0, "FILE", set_str, F(fault_log_path), 0, NULL,
     "append one line per fault to FILE (default: the --log)"},
    {"stats", 0, "FILE", set_str, F(stats_path), 0, NULL,
     "at exit and on SIGUSR1 write bytes, frames per command\n"
     "id, flash bytes erased/programmed and faults as JSON"},
    HEADING("Other:"),
    {"log", 'l', "FILE", set_str, F(log_path), 0, NULL,
     "append one line per command served to FILE (- = stderr)"},
    {"link", 'L', "PATH", set_str, F(link_path), 0, NULL,
     "also make PATH a symbolic link to the terminal (an\n"
     "existing symbolic link is replaced, nothing else is)"},
    {"exit-after-idle", 0, "S", set_range, F(idle_limit_s), 86400 * 365, BAD_RANGE,
     "exit after S seconds without a command served"},
    {"help", 'h', NULL, show_help, 0, 0, NULL, "show this help and exit"},
    {"version", 'V', NULL, show_version, 0, 0, NULL, "show the version and exit"},
};

#define N_OPTS	 (sizeof(opt_table) / sizeof(opt_table[0]))
#define HELP_COL 28 /* where the help texts start */

static bool show_help(struct opts *o, const struct opt *r, const char *arg)
{
	(void)o, (void)r, (void)arg;
	fputs("Usage: blrescue-emu [OPTION]...\n"
	      "Emulate a BL602/BL604 in UART download mode (boot ROM, then the eflash_loader)\n"
	      "behind a pseudo-terminal. Prints the terminal's path on the first line of stdout,\n"
	      "then serves any serial client until SIGINT or SIGTERM.\n",
	      stdout);
	for (const struct opt *p = opt_table; p < opt_table + N_OPTS; p++) {
		int w;

		if (!p->name) {
			printf("\n%s\n", p->help);
			continue;
		}
		w = p->letter ? printf("  -%c, ", p->letter) : printf("      ");
		w += printf("--%s%s%s", p->name, p->arg ? " " : "", p->arg ? p->arg : "");
		printf("%*s", w + 2 > HELP_COL ? 2 : HELP_COL - w, "");
		for (const char *h = p->help; *h; h++)
			if (*h == '\n')
				printf("\n%*s", HELP_COL, "");
			else
				putchar(*h);
		putchar('\n');
	}
	fputs("\nFault kinds. 1/N: each byte or command with probability 1/N; @I: the byte\n"
	      "with index I (from 0) of that direction; #N: the N-th such command (from 1);\n"
	      "WHEN: in:I, out:I (a byte index), t:DURATION or cmd:N; durations end in us, ms, s.\n"
	      "  drop-in, dup-in, flip-in=1/N|@I    a host byte lost, doubled, a bit flipped\n"
	      "  drop-out, dup-out, flip-out=1/N|@I the same for a byte the chip sends\n"
	      "  stall=DURATION@WHEN        no byte moves either way for that long\n"
	      "  autobaud=@WHEN             the chip drops back to waiting for a handshake\n"
	      "  reset-rom=@WHEN            brown-out: state lost, ROM waits for a handshake\n"
	      "  reset-app=@WHEN            reset into the firmware (as with --boot app)\n"
	      "  vanish=@WHEN               the terminal is closed; the program exits with 3\n"
	      "  program-fail=#N|1/N        a write gets a late FL 06 00 after its OK\n"
	      "  erase-fail=#N|1/N          an erase fails with FL 03 00, maybe partly done\n"
	      "  slow-erase=xF              erases take F times as long (also without --timing)\n"
	      "\nExit status: 0 stopped by a signal or --exit-after-idle, 1 runtime error\n"
	      "(pseudo-terminal, flash file, log file, --link target), 2 bad usage, 3 the port\n"
	      "vanished (a vanish fault).\n",
	      stdout);
	exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME);
}

/* Exit status 2 after a bad value of option r (NULL: an argument that is no option). */
static int usage_error(const struct opt *r, const char *arg)
{
	if (r && r->bad) {
		fputs("blrescue-emu: ", stderr);
		fprintf(stderr, r->bad, r->name, arg);
		fputc('\n', stderr);
	} else if (!r) {
		fprintf(stderr, "blrescue-emu: unexpected argument '%s'\n", arg);
	} /* else the setter has said what is wrong */
	fputs("Try 'blrescue-emu --help'.\n", stderr);
	return EXIT_USAGE;
}

/* getopt_long driven by opt_table (a long option's value is 256 + its row); exits after --help
 * and --version. Returns -1 to go on, else the exit status. */
int parse_args(int argc, char **argv, struct opts *o)
{
	struct option lopts[N_OPTS + 1];
	char shorts[2 * N_OPTS + 1];
	size_t nl = 0, ns = 0;
	int c;

	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *p = &opt_table[i];
		if (!p->name)
			continue;
		lopts[nl++] = (struct option){p->name, p->arg ? required_argument : no_argument,
					      NULL, 256 + (int)i};
		if (p->letter)
			ns += (size_t)sprintf(shorts + ns, p->arg ? "%c:" : "%c", p->letter);
	}
	lopts[nl] = (struct option){NULL, 0, NULL, 0};
	shorts[ns] = 0;
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		const struct opt *p = c >= 256 ? &opt_table[c - 256] : NULL;
		for (size_t i = 0; !p && c != '?' && i < N_OPTS; i++)
			if (opt_table[i].name && opt_table[i].letter == c)
				p = &opt_table[i];
		if (!p) {
			fputs("Try 'blrescue-emu --help'.\n", stderr);
			return EXIT_USAGE;
		}
		if (!p->set(o, p, optarg))
			return usage_error(p, optarg);
	}
	if (optind < argc)
		return usage_error(NULL, argv[optind]);
	return -1;
}
