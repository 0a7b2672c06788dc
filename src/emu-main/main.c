/* SPDX-License-Identifier: MIT */
/*
 * blrescue-emu: a BL602 in UART download mode (boot ROM, then the flash loader) behind a
 * pseudo-terminal. Prints the terminal's path on stdout and serves until SIGINT/SIGTERM.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "blr_version.h"
#include "emu/emu.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "Usage: blrescue-emu [OPTION]...\n"
    "Emulate a BL602/BL604 in UART download mode (boot ROM, then the eflash_loader)\n"
    "behind a pseudo-terminal. Prints the terminal's path on the first line of stdout,\n"
    "then serves any serial client until SIGINT or SIGTERM.\n"
    "\n"
    "Flash:\n"
    "  -f, --flash FILE          flash contents backed by FILE: its size is the flash\n"
    "                            size (a power of two, 64 KiB..16 MiB); every erase and\n"
    "                            write is written back at once. A missing FILE is\n"
    "                            created, 0xFF-filled, with --size bytes\n"
    "  -s, --size N              flash size without --flash (default 2M; K/M suffixes,\n"
    "                            0x hex), filled with 0xFF\n"
    "  -j, --jedec HEX           JEDEC id, 6 hex digits (default C840 + log2(size),\n"
    "                            e.g. C84015 for 2 MiB)\n"
    "      --unknown-flash       the loader does not recognise the flash (0x36 flags 00)\n"
    "\n"
    "Chip:\n"
    "  -m, --mac XX:XX:XX:XX:XX:XX  MAC in display order (default 02:42:60:2B:00:01)\n"
    "      --old-loader          behave like the old 21-command loader builds: no 0x10,\n"
    "                            0x3F, 0x33, no PD, frames up to 0x2404 bytes\n"
    "      --secured             sign and encrypt eFuse bits set: plain loaders refused\n"
    "      --rx-timeout-ms N     loader receive timeout (default 2000)\n"
    "\n"
    "Timing model (off by default):\n"
    "  -t, --timing              pace bytes at 10 bits per byte of the client's baud and\n"
    "                            give flash operations their durations\n"
    "      --latency-ms N        adapter turnaround before every reply (default 1)\n"
    "      --sector-erase-ms N   4 KiB sector erase (default 45)\n"
    "      --block32-erase-ms N  32 KiB block erase (default 120)\n"
    "      --block64-erase-ms N  64 KiB block erase (default 150)\n"
    "      --chip-erase-ms N     chip erase (default 5000)\n"
    "      --page-program-us N   program 256 bytes (default 400)\n"
    "      --sha-rate N          SHA-256 bytes per ms, 0 = instant (default 2000)\n"
    "\n"
    "Other:\n"
    "  -l, --log FILE            append one line per command served to FILE (- = stderr)\n"
    "  -L, --link PATH           also make PATH a symbolic link to the terminal (an\n"
    "                            existing symbolic link is replaced, nothing else is)\n"
    "      --exit-after-idle S   exit after S seconds without a command served\n"
    "  -h, --help                show this help and exit\n"
    "  -V, --version             show the version and exit\n"
    "\n"
    "Exit status: 0 stopped by a signal or --exit-after-idle, 1 runtime error\n"
    "(pseudo-terminal, flash file, log file, --link target), 2 bad usage.\n";

static volatile int stop_flag;
static volatile sig_atomic_t term_flag;

static void on_signal(int sig)
{
	if (sig != SIGALRM)
		term_flag = 1;
	stop_flag = 1;
}

static int die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("blrescue-emu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'blrescue-emu --help'.\n", stderr);
	return EXIT_USAGE;
}

/* Unsigned number, decimal or 0x hex, optional K/M suffix (binary). */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K') {
		v <<= 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20;
		end++;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
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

static int parse_jedec(const char *s, uint8_t out[3])
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 6)
		return -1;
	for (int i = 0; i < 3; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* MAC in display order -> eFuse order (reversed, §4.1.1). */
static int parse_mac(const char *s, uint8_t efuse[6])
{
	uint8_t m[6];

	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return -1;
			s++;
		}
	}
	if (*s)
		return -1;
	for (int i = 0; i < 6; i++)
		efuse[i] = m[5 - i];
	return 0;
}

struct flash_file {
	int fd;
	const char *path;
	int failed;
};

/* Write-back of every change (emu_config.flash_changed). */
static uint8_t *g_flash;

static void write_back(void *user, uint32_t off, uint32_t len)
{
	struct flash_file *ff = user;
	size_t done = 0;

	while (done < len) {
		ssize_t w = pwrite(ff->fd, g_flash + off + done, len - done, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!ff->failed)
				fprintf(stderr, "blrescue-emu: writing %s: %s\n", ff->path,
					strerror(errno));
			ff->failed = 1;
			return;
		}
		done += (size_t)w;
	}
}

struct logger {
	FILE *f;
	struct timespec t0;
};

static void log_line(void *user, const char *line)
{
	struct logger *lg = user;
	struct timespec ts;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (double)(ts.tv_sec - lg->t0.tv_sec) + (double)(ts.tv_nsec - lg->t0.tv_nsec) / 1e9;
	fprintf(lg->f, "%10.6f %s\n", t, line);
	fflush(lg->f);
}

static int load_flash(const char *path, unsigned long long size, int size_given,
		      struct flash_file *ff, uint8_t **flash, size_t *flash_size)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;

	ff->path = path;
	ff->fd = open(path, O_RDWR | O_CREAT, 0644);
	if (ff->fd < 0) {
		fprintf(stderr, "blrescue-emu: %s: %s\n", path, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (fstat(ff->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "blrescue-emu: %s: not a regular file\n", path);
		return EXIT_RUNTIME;
	}
	if (st.st_size == 0) {
		/* new (or empty) file: erased flash of --size bytes */
		buf = malloc((size_t)size);
		if (!buf)
			return EXIT_RUNTIME;
		memset(buf, 0xFF, (size_t)size);
		*flash = buf;
		*flash_size = (size_t)size;
		g_flash = buf;
		write_back(ff, 0, (uint32_t)size);
		return ff->failed ? EXIT_RUNTIME : EXIT_OK;
	}
	if (size_given && (unsigned long long)st.st_size != size) {
		fprintf(stderr, "blrescue-emu: %s has %lld bytes, --size says %llu\n", path,
			(long long)st.st_size, size);
		return EXIT_USAGE;
	}
	if (st.st_size < (64 << 10) || st.st_size > (16 << 20) ||
	    (st.st_size & (st.st_size - 1)) != 0) {
		fprintf(stderr,
			"blrescue-emu: %s: size %lld is not a power of two from 64 KiB to 16 MiB\n",
			path, (long long)st.st_size);
		return EXIT_USAGE;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return EXIT_RUNTIME;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(ff->fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "blrescue-emu: reading %s: %s\n", path,
				r < 0 ? strerror(errno) : "short file");
			free(buf);
			return EXIT_RUNTIME;
		}
		got += (size_t)r;
	}
	*flash = buf;
	*flash_size = (size_t)st.st_size;
	g_flash = buf;
	return EXIT_OK;
}

static int open_pty(int *master, int *slave, char *path, size_t cap)
{
	struct termios t;
	const char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || grantpt(*master) != 0 || unlockpt(*master) != 0)
		return -1;
	name = ptsname(*master);
	if (!name || strlen(name) >= cap)
		return -1;
	strcpy(path, name);
	/* Keep the slave open ourselves: its settings survive between clients and the
	 * master never sees a hang-up. */
	*slave = open(path, O_RDWR | O_NOCTTY);
	if (*slave < 0)
		return -1;
	/* Raw 8N1 until a client sets its own mode (POSIX flags, as cfmakeraw). */
	if (tcgetattr(*slave, &t) == 0) {
		t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
					 IXON | IXOFF);
		t.c_oflag &= ~(tcflag_t)OPOST;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
		t.c_cflag |= CS8 | CREAD | CLOCAL;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		tcsetattr(*slave, TCSANOW, &t);
	}
	return 0;
}

/* --exit-after-idle: serve in slices of that length; stop after one without commands. */
static unsigned idle_limit_s;

enum {
	OPT_UNKNOWN_FLASH = 256,
	OPT_OLD_LOADER,
	OPT_SECURED,
	OPT_RX_TIMEOUT,
	OPT_LATENCY,
	OPT_SECTOR,
	OPT_B32,
	OPT_B64,
	OPT_CHIP,
	OPT_PAGE,
	OPT_SHA,
	OPT_IDLE,
};

static const struct option long_opts[] = {
    {"flash", required_argument, NULL, 'f'},
    {"size", required_argument, NULL, 's'},
    {"jedec", required_argument, NULL, 'j'},
    {"unknown-flash", no_argument, NULL, OPT_UNKNOWN_FLASH},
    {"mac", required_argument, NULL, 'm'},
    {"old-loader", no_argument, NULL, OPT_OLD_LOADER},
    {"secured", no_argument, NULL, OPT_SECURED},
    {"rx-timeout-ms", required_argument, NULL, OPT_RX_TIMEOUT},
    {"timing", no_argument, NULL, 't'},
    {"latency-ms", required_argument, NULL, OPT_LATENCY},
    {"sector-erase-ms", required_argument, NULL, OPT_SECTOR},
    {"block32-erase-ms", required_argument, NULL, OPT_B32},
    {"block64-erase-ms", required_argument, NULL, OPT_B64},
    {"chip-erase-ms", required_argument, NULL, OPT_CHIP},
    {"page-program-us", required_argument, NULL, OPT_PAGE},
    {"sha-rate", required_argument, NULL, OPT_SHA},
    {"log", required_argument, NULL, 'l'},
    {"link", required_argument, NULL, 'L'},
    {"exit-after-idle", required_argument, NULL, OPT_IDLE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int ms_opt(const char *name, const char *arg, unsigned mul, unsigned *out)
{
	unsigned v;

	if (parse_uint(arg, UINT_MAX / mul, &v) != 0)
		return die_usage("invalid value for --%s: '%s'", name, arg);
	*out = v * mul;
	return 0;
}

int main(int argc, char **argv)
{
	struct emu_config cfg;
	struct flash_file ff = {-1, NULL, 0};
	struct logger lg = {NULL, {0, 0}};
	const char *flash_path = NULL, *log_path = NULL, *link_path = NULL;
	int link_made = 0;
	unsigned long long size = 2u << 20;
	int size_given = 0, jedec_given = 0, c, rc = EXIT_OK, master = -1, slave = -1;
	uint8_t *flash = NULL;
	size_t flash_size = 0;
	char path[256];
	struct sigaction sa;
	struct emu *e;
	unsigned v;

	emu_config_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "f:s:j:m:tl:L:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			flash_path = optarg;
			break;
		case 's':
			if (parse_size(optarg, &size) != 0 || size < (64u << 10) ||
			    size > (16u << 20) || (size & (size - 1)) != 0)
				return die_usage("--size must be a power of two from 64K to 16M, "
						 "not '%s'",
						 optarg);
			size_given = 1;
			break;
		case 'j':
			if (parse_jedec(optarg, cfg.jedec) != 0)
				return die_usage("--jedec wants 6 hex digits (e.g. C84015), not "
						 "'%s'",
						 optarg);
			jedec_given = 1;
			break;
		case OPT_UNKNOWN_FLASH:
			cfg.jedec_known = false;
			break;
		case 'm':
			if (parse_mac(optarg, cfg.efuse_mac) != 0)
				return die_usage("--mac wants XX:XX:XX:XX:XX:XX, not '%s'", optarg);
			break;
		case OPT_OLD_LOADER:
			cfg.old_loader = true;
			break;
		case OPT_SECURED:
			cfg.secured = true;
			break;
		case OPT_RX_TIMEOUT:
			if (parse_uint(optarg, 600000, &v) != 0 || v == 0)
				return die_usage("invalid --rx-timeout-ms '%s'", optarg);
			cfg.loader_rx_timeout_ms = v;
			break;
		case 't':
			cfg.timing.enabled = true;
			break;
		case OPT_LATENCY:
			if (ms_opt("latency-ms", optarg, 1000, &cfg.timing.latency_us))
				return EXIT_USAGE;
			break;
		case OPT_SECTOR:
			if (ms_opt("sector-erase-ms", optarg, 1000, &cfg.timing.sector_erase_us))
				return EXIT_USAGE;
			break;
		case OPT_B32:
			if (ms_opt("block32-erase-ms", optarg, 1000, &cfg.timing.block32_erase_us))
				return EXIT_USAGE;
			break;
		case OPT_B64:
			if (ms_opt("block64-erase-ms", optarg, 1000, &cfg.timing.block64_erase_us))
				return EXIT_USAGE;
			break;
		case OPT_CHIP:
			if (ms_opt("chip-erase-ms", optarg, 1000, &cfg.timing.chip_erase_us))
				return EXIT_USAGE;
			break;
		case OPT_PAGE:
			if (ms_opt("page-program-us", optarg, 1, &cfg.timing.page_program_us))
				return EXIT_USAGE;
			break;
		case OPT_SHA:
			if (ms_opt("sha-rate", optarg, 1, &cfg.timing.sha_bytes_per_ms))
				return EXIT_USAGE;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'L':
			link_path = optarg;
			break;
		case OPT_IDLE:
			if (parse_uint(optarg, 86400 * 365, &idle_limit_s) != 0 ||
			    idle_limit_s == 0)
				return die_usage("invalid --exit-after-idle '%s'", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
		case 'V':
			printf("blrescue-emu %s\n", BLR_VERSION);
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
		default:
			fputs("Try 'blrescue-emu --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return die_usage("unexpected argument '%s'", argv[optind]);

	if (flash_path) {
		rc = load_flash(flash_path, size, size_given, &ff, &flash, &flash_size);
		if (rc != EXIT_OK)
			goto out;
		cfg.flash_changed = write_back;
		cfg.flash_user = &ff;
	} else {
		flash_size = (size_t)size;
		flash = malloc(flash_size);
		if (!flash) {
			rc = EXIT_RUNTIME;
			goto out;
		}
		memset(flash, 0xFF, flash_size);
	}
	cfg.flash_size = flash_size;
	if (!jedec_given) {
		unsigned lg2 = 0;
		while ((1ul << lg2) < flash_size)
			lg2++;
		cfg.jedec[2] = (uint8_t)lg2; /* size = 2^capacity (§6.6) */
	}
	if (log_path) {
		lg.f = strcmp(log_path, "-") == 0 ? stderr : fopen(log_path, "a");
		if (!lg.f) {
			fprintf(stderr, "blrescue-emu: %s: %s\n", log_path, strerror(errno));
			rc = EXIT_RUNTIME;
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &lg.t0);
		cfg.log = log_line;
		cfg.log_user = &lg;
	}

	e = emu_new(&cfg, flash);
	if (!e) {
		fprintf(stderr, "blrescue-emu: bad emulator configuration\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (open_pty(&master, &slave, path, sizeof(path)) != 0) {
		fprintf(stderr, "blrescue-emu: cannot open a pseudo-terminal: %s\n",
			strerror(errno));
		rc = EXIT_RUNTIME;
		goto out_emu;
	}
	if (link_path) {
		struct stat st;
		if (lstat(link_path, &st) == 0) {
			if (!S_ISLNK(st.st_mode)) {
				fprintf(stderr,
					"blrescue-emu: %s exists and is not a symbolic "
					"link; not replacing it\n",
					link_path);
				rc = EXIT_RUNTIME;
				goto out_emu;
			}
			unlink(link_path);
		}
		if (symlink(path, link_path) != 0) {
			fprintf(stderr, "blrescue-emu: %s: %s\n", link_path, strerror(errno));
			rc = EXIT_RUNTIME;
			goto out_emu;
		}
		link_made = 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (idle_limit_s)
		sigaction(SIGALRM, &sa, NULL);

	printf("%s\n", path);
	if (fflush(stdout) != 0) {
		rc = EXIT_RUNTIME;
		goto out_emu;
	}
	if (idle_limit_s) {
		for (;;) {
			unsigned long before = emu_commands_served(e);
			alarm(idle_limit_s);
			if (emu_pty_serve(e, master, &stop_flag) != 0) {
				rc = EXIT_RUNTIME;
				break;
			}
			alarm(0);
			if (term_flag || emu_commands_served(e) == before)
				break;
			stop_flag = 0;
		}
	} else if (emu_pty_serve(e, master, &stop_flag) != 0) {
		fprintf(stderr, "blrescue-emu: serving %s: %s\n", path, strerror(errno));
		rc = EXIT_RUNTIME;
	}
out_emu:
	emu_free(e);
out:
	if (link_made)
		unlink(link_path);
	if (ff.fd >= 0) {
		if (fsync(ff.fd) != 0 && errno != EINVAL) {
			fprintf(stderr, "blrescue-emu: %s: %s\n", ff.path, strerror(errno));
			rc = EXIT_RUNTIME;
		}
		if (ff.failed)
			rc = EXIT_RUNTIME;
		close(ff.fd);
	}
	if (lg.f && lg.f != stderr)
		fclose(lg.f);
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	free(flash);
	return rc;
}
