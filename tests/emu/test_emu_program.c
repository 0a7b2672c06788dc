/* SPDX-License-Identifier: MIT */
/*
 * blrescue-emu as a program: options and exit codes, then a real pseudo-terminal session
 * with literal frames (handshake, get_boot_info, synthetic loader upload, loader erase and
 * write) and the flash file written back.
 * argv[1] = path of the blrescue-emu binary.
 */
#define _DEFAULT_SOURCE /* B500000 / B2000000 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "synth_loader.h"

static const char *prog;
static char tmpdir[256];

/* In a child: execv with a copy of the (const) argument strings. */
static void exec_args(const char *const *a)
{
	char *argv[32];
	size_t n = 0;

	for (; a[n] && n < 31; n++)
		argv[n] = strdup(a[n]);
	argv[n] = NULL;
	execv(argv[0], argv);
	_exit(127);
}

/* Runs prog with args; returns the exit status; stdout/stderr captured into out. */
static int run(const char *const args[], char *out, size_t cap)
{
	int p[2], st;
	pid_t pid;
	size_t k = 0;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		exec_args(args);
	}
	close(p[1]);
	for (;;) {
		ssize_t r = read(p[0], out + k, cap - 1 - k);
		if (r <= 0)
			break;
		k += (size_t)r;
	}
	out[k] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void options_and_exit_codes(void **state)
{
	static char out[8192];
	const char *help[] = {prog, "--help", NULL};
	const char *ver[] = {prog, "--version", NULL};
	const char *bad[] = {prog, "--no-such-option", NULL};
	const char *size[] = {prog, "--size", "3M", NULL};
	const char *jedec[] = {prog, "--jedec", "C840", NULL};
	const char *mac[] = {prog, "--mac", "18:B9:05:C0:9D", NULL};
	const char *extra[] = {prog, "stray", NULL};

	(void)state;
	assert_int_equal(run(help, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "--flash"));
	assert_non_null(strstr(out, "--timing"));
	assert_non_null(strstr(out, "--sha-rate"));
	assert_non_null(strstr(out, "Exit status"));
	assert_int_equal(run(ver, out, sizeof(out)), 0);
	assert_true(strncmp(out, "blrescue-emu ", 13) == 0);
	assert_int_equal(run(bad, out, sizeof(out)), 2);
	assert_int_equal(run(size, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "power of two"));
	assert_int_equal(run(jedec, out, sizeof(out)), 2);
	assert_int_equal(run(mac, out, sizeof(out)), 2);
	assert_int_equal(run(extra, out, sizeof(out)), 2);
}

/* Fault specs and the application options: bad values are refused with a clear message. */
static void fault_options(void **state)
{
	static char out[8192];
	static const char *const bad[][3] = {
	    {"--faults", "bogus=1", "bad fault 'bogus=1': unknown kind"},
	    {"--faults", "drop-in=1/0", "bad fault 'drop-in=1/0': wants 1/N"},
	    {"--faults", "stall=5@in:3", "wants DURATION@WHEN"},
	    {"--faults", "vanish=@t:1s,", "ends with ','"},
	    {"--seed", "x", "invalid value for --seed: 'x'"},
	    {"--boot", "rom", "--boot wants download or app, not 'rom'"},
	    {"--app-baud", "0", "invalid --app-baud '0'"},
	    {"--app-status-ms", "-1", "invalid value for --app-status-ms: '-1'"},
	};
	const char *help[] = {prog, "--help", NULL};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = {prog, bad[i][0], bad[i][1], NULL};
		assert_int_equal(run(args, out, sizeof(out)), 2);
		if (!strstr(out, bad[i][2]) || !strstr(out, "Try 'blrescue-emu --help'"))
			fail_msg("%s %s: %s", bad[i][0], bad[i][1], out);
	}
	assert_int_equal(run(help, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "--faults SPEC"));
	assert_non_null(strstr(out, "reset-rom=@WHEN"));
	assert_non_null(strstr(out, "3 the port"));
}

/* A flash file whose size is not a power of two is refused (exit 2). */
static void bad_flash_file(void **state)
{
	static char out[4096];
	char path[300];
	const char *args[] = {prog, "--flash", path, NULL};
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/odd.bin", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 100000; i++)
		fputc(0xFF, f);
	fclose(f);
	assert_int_equal(run(args, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "power of two"));
	unlink(path);
}

/* --exit-after-idle: with no client the program stops by itself, exit 0, path printed. */
static void idle_exit(void **state)
{
	static char out[4096];
	const char *args[] = {prog, "--size", "64K", "--exit-after-idle", "1", NULL};

	(void)state;
	assert_int_equal(run(args, out, sizeof(out)), 0);
	assert_true(strncmp(out, "/dev/", 5) == 0);
}

static void xwrite(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		assert_true(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

/* Reads exactly n bytes within timeout_ms (wall clock); returns the count read. */
static size_t xread(int fd, uint8_t *b, size_t n, int timeout_ms)
{
	size_t k = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (k < n) {
		struct pollfd p = {fd, POLLIN, 0};
		long el;
		int pr;
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			break;
		pr = poll(&p, 1, (int)(timeout_ms - el));
		if (pr <= 0)
			continue;
		ssize_t r = read(fd, b + k, n - k);
		if (r > 0)
			k += (size_t)r;
	}
	return k;
}

static void set_baud(int fd, speed_t sp)
{
	struct termios t;

	assert_int_equal(tcgetattr(fd, &t), 0);
	t.c_iflag = 0;
	t.c_oflag = 0;
	t.c_lflag = 0;
	t.c_cflag = CS8 | CREAD | CLOCAL;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
}

static void sync_at(int fd, speed_t sp, unsigned baud)
{
	uint8_t burst[1200], buf[2];
	size_t n = (size_t)baud * 6 / 10000;

	set_baud(fd, sp);
	memset(burst, 0x55, sizeof(burst));
	xwrite(fd, burst, n);
	assert_int_equal(xread(fd, buf, 2, 2000), 2);
	assert_memory_equal(buf, "OK", 2);
	usleep(30000);
	tcflush(fd, TCIFLUSH);
}

static void cmd(int fd, const uint8_t *req, size_t n, const uint8_t *want, size_t wn)
{
	uint8_t buf[64];

	xwrite(fd, req, n);
	assert_true(wn <= sizeof(buf));
	assert_int_equal(xread(fd, buf, wn, 3000), wn);
	assert_memory_equal(buf, want, wn);
}

static size_t frame(uint8_t *out, uint8_t id, const uint8_t *p, size_t n)
{
	out[0] = id;
	out[1] = 0;
	put_le16(out + 2, (uint16_t)n);
	memcpy(out + 4, p, n);
	return 4 + n;
}

/* Starts prog with args (stdout to a pipe); the terminal's path in line. */
static pid_t start(const char *const args[], int *outfd, char *line, size_t cap)
{
	int out[2];
	size_t k = 0;
	pid_t pid;

	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		exec_args(args);
	}
	close(out[1]);
	while (k < cap - 1) {
		ssize_t r = read(out[0], line + k, 1);
		if (r <= 0 || line[k] == '\n')
			break;
		k++;
	}
	line[k] = 0;
	assert_true(strncmp(line, "/dev/", 5) == 0);
	*outfd = out[0];
	return pid;
}

/* start(), then the client's end of the terminal in *fd. */
static pid_t start_open(const char *const args[], int *outfd, int *fd)
{
	char line[256];
	pid_t pid = start(args, outfd, line, sizeof(line));

	*fd = open(line, O_RDWR | O_NOCTTY);
	assert_true(*fd >= 0);
	return pid;
}

/* Waits up to ms for pid to exit; returns its exit status (-1: still running). */
static int wait_exit(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	return -1;
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return n;
}

/* --boot app: the boot log and status lines on the terminal; no handshake. */
static void pty_app(void **state)
{
	const char *args[] = {prog,	"--size",	   "64K", "--boot", "app", "--app-baud",
			      "115200", "--app-status-ms", "100", NULL};
	static char buf[4096];
	uint8_t burst[300];
	int outfd, fd;
	size_t k;
	pid_t pid;

	(void)state;
	pid = start_open(args, &outfd, &fd);
	set_baud(fd, B115200);
	k = xread(fd, (uint8_t *)buf, 600, 3000);
	buf[k] = 0;
	assert_non_null(strstr(buf, "[boot] flash C8 40 10, 64 KiB"));
	assert_non_null(strstr(buf, "app: running"));
	memset(burst, 0x55, sizeof(burst));
	tcflush(fd, TCIFLUSH);
	xwrite(fd, burst, sizeof(burst));
	k = xread(fd, (uint8_t *)buf, 200, 500);
	buf[k] = 0;
	assert_null(strstr(buf, "OK"));
	close(fd);
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 5000), 0);
	close(outfd);
}

/* vanish: the terminal goes away and the program exits with 3, the stats say why. */
static void pty_vanish(void **state)
{
	char stats[300], buf[1024];
	const char *args[] = {prog,	 "--size", "64K",    "--faults", "vanish=@t:700ms",
			      "--stats", stats,	   "--seed", "5",	 NULL};
	struct pollfd p;
	int outfd, fd;
	pid_t pid;

	(void)state;
	snprintf(stats, sizeof(stats), "%s/vanish.json", tmpdir);
	pid = start_open(args, &outfd, &fd);
	assert_int_equal(wait_exit(pid, 5000), 3);
	p = (struct pollfd){fd, POLLIN, 0};
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_true(p.revents & (POLLHUP | POLLERR));
	assert_true(read(fd, buf, sizeof(buf)) <= 0);
	close(fd);
	close(outfd);
	slurp(stats, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"vanished\": true"));
	assert_non_null(strstr(buf, "\"faults\": {\"vanish\": 1}"));
	unlink(stats);
}

/* --stats: written on SIGUSR1 while serving, and again at exit. */
static void pty_stats(void **state)
{
	static const uint8_t gbi[4] = {0x10, 0x00, 0x00, 0x00};
	char stats[300], buf[1024];
	const char *args[] = {prog, "--size", "64K", "--stats", stats, NULL};
	uint8_t reply[24];
	int outfd, fd;
	pid_t pid;

	(void)state;
	snprintf(stats, sizeof(stats), "%s/stats.json", tmpdir);
	pid = start_open(args, &outfd, &fd);
	sync_at(fd, B500000, 500000);
	kill(pid, SIGUSR1);
	for (int i = 0; i < 200 && slurp(stats, buf, sizeof(buf)) == 0; i++)
		usleep(10000);
	assert_non_null(strstr(buf, "{\"bytes_in\": 300, \"bytes_out\": 2, \"frames_total\": 0,"));
	xwrite(fd, gbi, 4);
	assert_int_equal(xread(fd, reply, 24, 3000), 24);
	close(fd);
	kill(pid, SIGTERM);
	assert_int_equal(wait_exit(pid, 5000), 0);
	close(outfd);
	slurp(stats, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"bytes_in\": 304, \"bytes_out\": 26, \"frames_total\": 1, "
				    "\"frames\": {\"0x10\": 1}"));
	assert_non_null(strstr(buf, "\"faults_total\": 0, \"faults\": {}"));
	unlink(stats);
}

static void pty_session(void **state)
{
	static const uint8_t OK[2] = {0x4F, 0x4B};
	char flash[300], logp[300], link[300], line[256];
	const char *args[] = {prog,    "--flash",	    flash, "--log", logp, "--link", link,
			      "--mac", "18:B9:05:C0:9D:61", NULL};
	uint8_t *pattern = malloc(1u << 20), *img, f[4 + 4096], buf[64];
	int outfd, fd, st;
	size_t len;
	pid_t pid;
	FILE *fp;

	(void)state;
	assert_non_null(pattern);
	snprintf(flash, sizeof(flash), "%s/flash.bin", tmpdir);
	snprintf(logp, sizeof(logp), "%s/emu.log", tmpdir);
	snprintf(link, sizeof(link), "%s/ttyBL", tmpdir);
	for (size_t i = 0; i < (1u << 20); i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 12));
	fp = fopen(flash, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(pattern, 1, 1u << 20, fp), 1u << 20);
	fclose(fp);

	pid = start(args, &outfd, line, sizeof(line));
	fd = open(link, O_RDWR | O_NOCTTY); /* through the --link symlink */
	assert_true(fd >= 0);

	sync_at(fd, B500000, 500000);
	{
		static const uint8_t gbi[4] = {0x10, 0x00, 0x00, 0x00};
		static const uint8_t want[24] = {0x4F, 0x4B, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00,
						 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
						 0x61, 0x9D, 0xC0, 0x05, 0xB9, 0x18, 0x1D, 0x00};
		cmd(fd, gbi, 4, want, 24);
	}
	img = synth_loader_build(SYNTH_DEADBEEF, 0, &len);
	assert_non_null(img);
	cmd(fd, f, frame(f, 0x11, img, 176), OK, 2);
	buf[0] = 0x4F;
	buf[1] = 0x4B;
	buf[2] = 0x10;
	buf[3] = 0x00;
	memcpy(buf + 4, img + 176, 16);
	cmd(fd, f, frame(f, 0x17, img + 176, 16), buf, 20);
	for (size_t off = 192; off < len; off += 4080) {
		size_t n = len - off < 4080 ? len - off : 4080;
		cmd(fd, f, frame(f, 0x18, img + off, n), OK, 2);
	}
	cmd(fd, (const uint8_t *)"\x19\x00\x00\x00", 4, OK, 2);
	cmd(fd, (const uint8_t *)"\x1A\x00\x00\x00", 4, OK, 2);
	free(img);
	usleep(100000);
	sync_at(fd, B2000000, 2000000);
	{
		/* JEDEC: 1 MiB file -> C8 40 14 */
		static const uint8_t want[8] = {0x4F, 0x4B, 0x04, 0x00, 0xC8, 0x40, 0x14, 0x80};
		cmd(fd, (const uint8_t *)"\x36\x00\x00\x00", 4, want, 8);
	}
	/* erase the sector at 0x10000 (doc/protocol.md §11.2 frame), write DE AD BE EF at
	 * 0x10000 */
	cmd(fd, (const uint8_t *)"\x30\x18\x08\x00\x00\x00\x01\x00\xFF\x0F\x01\x00", 12,
	    (const uint8_t *)"PDOK", 4);
	cmd(fd, (const uint8_t *)"\x31\x00\x08\x00\x00\x00\x01\x00\xDE\xAD\xBE\xEF", 12, OK, 2);
	/* read it back over the line */
	{
		static const uint8_t want[12] = {0x4F, 0x4B, 0x08, 0x00, 0xDE, 0xAD,
						 0xBE, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF};
		cmd(fd, (const uint8_t *)"\x32\x00\x08\x00\x00\x00\x01\x00\x08\x00\x00\x00", 12,
		    want, 12);
	}
	close(fd);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(outfd);

	/* the file holds the change, and only it */
	{
		uint8_t *now = malloc(1u << 20);
		assert_non_null(now);
		fp = fopen(flash, "rb");
		assert_non_null(fp);
		assert_int_equal(fread(now, 1, 1u << 20, fp), 1u << 20);
		fclose(fp);
		assert_memory_equal(now + 0x10000, "\xDE\xAD\xBE\xEF", 4);
		for (size_t i = 0x10004; i < 0x11000; i++)
			assert_int_equal(now[i], 0xFF);
		assert_memory_equal(now, pattern, 0x10000);
		assert_memory_equal(now + 0x11000, pattern + 0x11000, (1u << 20) - 0x11000);
		free(now);
	}
	/* the log has one line per command, the link is gone */
	{
		char lbuf[8192];
		size_t n;
		fp = fopen(logp, "r");
		assert_non_null(fp);
		n = fread(lbuf, 1, sizeof(lbuf) - 1, fp);
		lbuf[n] = 0;
		fclose(fp);
		assert_non_null(strstr(lbuf, "ROM 0x10 get_boot_info -> OK"));
		assert_non_null(
		    strstr(lbuf, "LDR 0x30 flash_erase start=0x00010000 end=0x00010FFF"));
		assert_non_null(strstr(lbuf, "LDR 0x31 flash_write addr=0x00010000 len=4 -> OK"));
	}
	{
		struct stat sb;
		assert_int_not_equal(lstat(link, &sb), 0);
	}
	unlink(flash);
	unlink(logp);
	free(pattern);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(options_and_exit_codes),
	    cmocka_unit_test(bad_flash_file),
	    cmocka_unit_test(idle_exit),
	    cmocka_unit_test(pty_session),
	    cmocka_unit_test(fault_options),
	    cmocka_unit_test(pty_app),
	    cmocka_unit_test(pty_vanish),
	    cmocka_unit_test(pty_stats),
	};
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-blrescue-emu\n", argv[0]);
		return 2;
	}
	prog = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "%s/blr-emu-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests_name("emu-program", tests, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
