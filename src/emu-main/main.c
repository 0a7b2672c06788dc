/* SPDX-License-Identifier: MIT */
/*
 * blrescue-emu: a BL602 in UART download mode (boot ROM, then the flash loader) behind a
 * pseudo-terminal. Prints the terminal's path on stdout and serves until SIGINT/SIGTERM (or
 * a vanish fault: exit 3). --stats: stats.c.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"
#include "options.h"
#include "stats.h"

static volatile int stop_flag;
static volatile sig_atomic_t term_flag, alarm_flag, usr1_flag;

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		alarm_flag = 1;
	else if (sig == SIGUSR1)
		usr1_flag = 1;
	else
		term_flag = 1;
	stop_flag = 1;
}

/* A log file; time stamps are relative to t0. */
struct sink {
	FILE *f;
	struct timespec t0;
};

/* What the program holds while it runs; released by finish(). */
struct run {
	uint8_t *flash;
	const char *flash_path; /* NULL: the flash is in memory only */
	int fd;
	bool write_failed;
	struct sink log, flog; /* --log, --fault-log */
	struct emu *e;
	int master, slave;
	bool link_made;
	char path[256]; /* the terminal */
};

/* Write-back of every change to the --flash file (emu_config.flash_changed). */
static void write_back(void *user, uint32_t off, uint32_t len)
{
	struct run *r = user;
	size_t done = 0;

	while (done < len) {
		ssize_t w = pwrite(r->fd, r->flash + off + done, len - done, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!r->write_failed)
				fprintf(stderr, "blrescue-emu: writing %s: %s\n", r->flash_path,
					strerror(errno));
			r->write_failed = true;
			return;
		}
		done += (size_t)w;
	}
}

static void log_line(void *user, const char *line)
{
	struct sink *k = user;
	struct timespec ts;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (double)(ts.tv_sec - k->t0.tv_sec) + (double)(ts.tv_nsec - k->t0.tv_nsec) / 1e9;
	fprintf(k->f, "%10.6f %s\n", t, line);
	fflush(k->f);
}

/* Opens a log (- = stderr) for appending; false after a message. */
static bool open_sink(struct sink *k, const char *path)
{
	k->f = strcmp(path, "-") == 0 ? stderr : fopen(path, "a");
	if (!k->f) {
		fprintf(stderr, "blrescue-emu: %s: %s\n", path, strerror(errno));
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &k->t0);
	return true;
}

static void close_sink(struct sink *k)
{
	if (k->f && k->f != stderr)
		fclose(k->f);
}

/* The flash: a --flash file (a new or empty one gets --size bytes of 0xFF) or --size bytes of
 * 0xFF in memory. */
static int setup_flash(struct opts *o, struct run *r)
{
	const char *path = r->flash_path = o->flash_path;
	size_t size = (size_t)o->size, got = 0;
	struct stat st = {0};

	if (path) {
		r->fd = open(path, O_RDWR | O_CREAT, 0644);
		if (r->fd < 0) {
			fprintf(stderr, "blrescue-emu: %s: %s\n", path, strerror(errno));
			return EXIT_RUNTIME;
		}
		if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "blrescue-emu: %s: not a regular file\n", path);
			return EXIT_RUNTIME;
		}
	}
	if (st.st_size != 0 && o->size_given && (unsigned long long)st.st_size != o->size) {
		fprintf(stderr, "blrescue-emu: %s has %lld bytes, --size says %llu\n", path,
			(long long)st.st_size, o->size);
		return EXIT_USAGE;
	}
	if (st.st_size != 0 && (st.st_size < (64 << 10) || st.st_size > (16 << 20) ||
				(st.st_size & (st.st_size - 1)) != 0)) {
		fprintf(stderr,
			"blrescue-emu: %s: size %lld is not a power of two from 64 KiB to 16 MiB\n",
			path, (long long)st.st_size);
		return EXIT_USAGE;
	}
	if (st.st_size != 0)
		size = (size_t)st.st_size;
	r->flash = malloc(size);
	if (!r->flash)
		return EXIT_RUNTIME;
	memset(r->flash, 0xFF, size);
	o->cfg.flash_size = size;
	if (!path)
		return EXIT_OK;
	o->cfg.flash_changed = write_back;
	o->cfg.flash_user = r;
	if (st.st_size == 0) {
		write_back(r, 0, (uint32_t)size);
		return r->write_failed ? EXIT_RUNTIME : EXIT_OK;
	}
	while (got < size) {
		ssize_t k = pread(r->fd, r->flash + got, size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			fprintf(stderr, "blrescue-emu: reading %s: %s\n", path,
				k < 0 ? strerror(errno) : "short file");
			return EXIT_RUNTIME;
		}
		got += (size_t)k;
	}
	return EXIT_OK;
}

/* The log and the emulator. */
static int setup_emu(struct opts *o, struct run *r)
{
	if (!o->jedec_given) {
		unsigned lg2 = 0;
		while ((1ul << lg2) < o->cfg.flash_size)
			lg2++;
		o->cfg.jedec[2] = (uint8_t)lg2; /* size = 2^capacity (doc/protocol.md JEDEC-2) */
	}
	if (o->log_path) {
		if (!open_sink(&r->log, o->log_path))
			return EXIT_RUNTIME;
		o->cfg.log = log_line;
		o->cfg.log_user = &r->log;
	}
	if (o->fault_log_path) {
		if (!open_sink(&r->flog, o->fault_log_path))
			return EXIT_RUNTIME;
		o->cfg.fault_log = log_line;
		o->cfg.fault_log_user = &r->flog;
	}
	r->e = emu_new(&o->cfg, r->flash);
	if (!r->e) {
		fprintf(stderr, "blrescue-emu: bad emulator configuration\n");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* The pseudo-terminal (its slave side raw 8N1 at 115200 until a client sets its own mode, as
 * cfmakeraw does, with POSIX flags) and the --link to it. */
static int setup_pty(const struct opts *o, struct run *r)
{
	const char *name;
	struct termios t;
	struct stat st;

	r->master = posix_openpt(O_RDWR | O_NOCTTY);
	name = r->master >= 0 && grantpt(r->master) == 0 && unlockpt(r->master) == 0
		   ? ptsname(r->master)
		   : NULL;
	if (name && strlen(name) < sizeof(r->path)) {
		strcpy(r->path, name);
		r->slave = open(r->path, O_RDWR | O_NOCTTY);
	}
	if (r->slave < 0) {
		fprintf(stderr, "blrescue-emu: cannot open a pseudo-terminal: %s\n",
			strerror(errno));
		return EXIT_RUNTIME;
	}
	/* We keep the slave open ourselves: its settings survive between clients and the
	 * master never sees a hang-up. */
	if (tcgetattr(r->slave, &t) == 0) {
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
		tcsetattr(r->slave, TCSANOW, &t);
	}
	if (!o->link_path)
		return EXIT_OK;
	if (lstat(o->link_path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			fprintf(stderr,
				"blrescue-emu: %s exists and is not a symbolic link; not replacing "
				"it\n",
				o->link_path);
			return EXIT_RUNTIME;
		}
		unlink(o->link_path);
	}
	if (symlink(r->path, o->link_path) != 0) {
		fprintf(stderr, "blrescue-emu: %s: %s\n", o->link_path, strerror(errno));
		return EXIT_RUNTIME;
	}
	r->link_made = true;
	return EXIT_OK;
}
/* Prints the terminal's path and serves until a signal, --exit-after-idle (serving in
 * slices of the idle limit, stopping after one without commands) or a vanish fault; SIGUSR1
 * writes the --stats file and goes on. */
static int serve(const struct opts *o, struct run *r)
{
	struct sigaction sa = {.sa_handler = on_signal};
	unsigned long before;
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	printf("%s\n", r->path);
	if (fflush(stdout) != 0)
		return EXIT_RUNTIME;
	before = emu_commands_served(r->e);
	alarm(o->idle_limit_s);
	while ((rc = emu_pty_serve(r->e, r->master, &stop_flag)) == 0 && !term_flag) {
		stop_flag = 0;
		if (usr1_flag) {
			usr1_flag = 0;
			if (o->stats_path && stats_write(o->stats_path, r->e) != 0)
				fprintf(stderr, "blrescue-emu: %s: %s\n", o->stats_path,
					strerror(errno));
		}
		if (alarm_flag) {
			alarm_flag = 0;
			if (emu_commands_served(r->e) == before)
				break;
			before = emu_commands_served(r->e);
			alarm(o->idle_limit_s);
		}
	}
	alarm(0);
	if (rc == 1) {
		fprintf(stderr, "blrescue-emu: fault: the port vanished\n");
		return EXIT_VANISHED;
	}
	if (rc < 0) {
		fprintf(stderr, "blrescue-emu: serving %s: %s\n", r->path, strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int finish(const struct opts *o, struct run *r, int rc)
{
	if (r->master >= 0) /* a vanished port goes first */
		close(r->master);
	if (r->e && o->stats_path && stats_write(o->stats_path, r->e) != 0) {
		fprintf(stderr, "blrescue-emu: %s: %s\n", o->stats_path, strerror(errno));
		rc = rc == EXIT_OK ? EXIT_RUNTIME : rc;
	}
	emu_free(r->e);
	if (r->link_made)
		unlink(o->link_path);
	if (r->fd >= 0) {
		if (fsync(r->fd) != 0 && errno != EINVAL) {
			fprintf(stderr, "blrescue-emu: %s: %s\n", r->flash_path, strerror(errno));
			rc = EXIT_RUNTIME;
		}
		if (r->write_failed)
			rc = EXIT_RUNTIME;
		close(r->fd);
	}
	close_sink(&r->log);
	close_sink(&r->flog);
	if (r->slave >= 0)
		close(r->slave);
	free(r->flash);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.size = 2u << 20};
	struct run r = {.fd = -1, .master = -1, .slave = -1};
	int rc;

	emu_config_defaults(&o.cfg);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = setup_flash(&o, &r);
	if (rc == EXIT_OK)
		rc = setup_emu(&o, &r);
	if (rc == EXIT_OK)
		rc = setup_pty(&o, &r);
	if (rc == EXIT_OK)
		rc = serve(&o, &r);
	return finish(&o, &r, rc);
}
