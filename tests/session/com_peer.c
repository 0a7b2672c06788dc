/* SPDX-License-Identifier: MIT */
/*
 * The Linux side of the Win32 serial test (test_serial_win32.exe under wine): a pseudo-terminal
 * whose slave is mapped to wine COM ports, and a small command server on its master.
 *
 *   com_peer LINK... -- COMMAND ARGS...
 *
 * Creates a pty, points every LINK (e.g. $WINEPREFIX/dosdevices/com7) at its slave, runs
 * COMMAND, serves the master until COMMAND exits, removes the links and exits with COMMAND's
 * status. Commands, one per line, from the port:
 *   baud         answers the slave's output baud rate (termios2 on the master) as "N\n"
 *   echo N       reads N raw bytes and sends them back
 *   fill N       sends N bytes 'A' in one write
 *   later N MS   waits MS milliseconds, then sends N bytes "abc..."
 *   hup          closes the pty: the port is gone
 */
#define _XOPEN_SOURCE	700 /* posix_openpt, grantpt, unlockpt, ptsname */
#define _DEFAULT_SOURCE	    /* cfmakeraw */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib/serial.h"

struct peer {
	int m, s; /* master, and a slave fd kept open: no hang-up between the test's opens */
	char line[64];
	size_t n;
};

static int open_pty(struct peer *p)
{
	const char *name;
	struct termios tio;

	p->m = posix_openpt(O_RDWR | O_NOCTTY);
	if (p->m < 0 || grantpt(p->m) || unlockpt(p->m) || !(name = ptsname(p->m)))
		return -1;
	p->s = open(name, O_RDWR | O_NOCTTY);
	if (p->s < 0 || tcgetattr(p->s, &tio) < 0)
		return -1;
	cfmakeraw(&tio);
	return tcsetattr(p->s, TCSANOW, &tio);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *b = buf;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One command line. -1 on an I/O error. */
static int serve_line(struct peer *p, const char *cmd)
{
	char buf[4096], out[32];
	unsigned n = 0, ms = 0;

	if (!strcmp(cmd, "baud")) {
		snprintf(out, sizeof(out), "%u\n", serial_get_baud(p->m));
		return write_all(p->m, out, strlen(out));
	}
	if (!strcmp(cmd, "hup")) {
		close(p->m);
		close(p->s);
		p->m = p->s = -1;
		return 0;
	}
	if (sscanf(cmd, "echo %u", &n) == 1 && n <= sizeof(buf))
		return read_all(p->m, buf, n) < 0 ? -1 : write_all(p->m, buf, n);
	if (sscanf(cmd, "fill %u", &n) == 1 && n <= sizeof(buf)) {
		memset(buf, 'A', n);
		return write_all(p->m, buf, n);
	}
	if (sscanf(cmd, "later %u %u", &n, &ms) == 2 && n <= sizeof(buf)) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

		for (unsigned i = 0; i < n; i++)
			buf[i] = (char)('a' + i % 26);
		nanosleep(&ts, NULL);
		return write_all(p->m, buf, n);
	}
	fprintf(stderr, "com_peer: unknown command '%s'\n", cmd);
	return 0;
}

/* Serve the master until the child exits; returns its wait status. */
static int serve(struct peer *p, pid_t child)
{
	int status;

	for (;;) {
		struct pollfd pf = {.fd = p->m, .events = POLLIN};
		char c;

		if (waitpid(child, &status, WNOHANG) == child)
			return status;
		if (p->m < 0) { /* after hup */
			poll(NULL, 0, 100);
			continue;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (!(pf.revents & POLLIN)) {
			poll(NULL, 0, 100);
			continue;
		}
		if (read(p->m, &c, 1) != 1)
			continue;
		if (c != '\n') {
			if (p->n < sizeof(p->line) - 1)
				p->line[p->n++] = c;
			continue;
		}
		p->line[p->n] = '\0';
		p->n = 0;
		if (serve_line(p, p->line) < 0)
			fprintf(stderr, "com_peer: %s: %s\n", p->line, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	struct peer p = {.m = -1, .s = -1};
	int sep = 1, status = 0;
	pid_t child;

	while (sep < argc && strcmp(argv[sep], "--"))
		sep++;
	if (sep == 1 || sep + 1 >= argc) {
		fprintf(stderr, "usage: com_peer LINK... -- COMMAND ARGS...\n");
		return 2;
	}
	if (open_pty(&p) < 0) {
		perror("com_peer: pty");
		return 1;
	}
	for (int i = 1; i < sep; i++) {
		unlink(argv[i]);
		if (symlink(ptsname(p.m), argv[i]) < 0) {
			perror(argv[i]);
			return 1;
		}
	}
	child = fork();
	if (child == 0) {
		close(p.m);
		close(p.s);
		execvp(argv[sep + 1], argv + sep + 1);
		perror(argv[sep + 1]);
		_exit(127);
	}
	if (child > 0)
		status = serve(&p, child);
	for (int i = 1; i < sep; i++)
		unlink(argv[i]);
	if (child < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
