/* SPDX-License-Identifier: MIT */
/*
 * Test helper for the CLI tests: serial-port stand-ins that are not a BL602.
 *   ptyhelper silent        a pseudo-terminal nobody answers on (prints its path)
 *   ptyhelper talk          prints its path, sends "tick N\r\n" every 50 ms and answers
 *                           every byte it receives with "got:<bytes>\r\n"
 *   ptyhelper fail          prints its path, answers a run of 0x55 (a handshake) with "OK"
 *                           and every other input with "FL 02 01" (device error 0x0102)
 *   ptyhelper flasherr      prints its path and acts as an already running flash loader
 *                           (get_boot_info, JEDEC id, MAC) whose flash fails: erase
 *                           answers FL 0x0003 (FLASH_ERASE_ERROR), every other flash
 *                           command FL 0x0004 (FLASH_WRITE_PARA_ERROR)
 *   ptyhelper hold PATH     opens PATH, takes an exclusive flock() on it, prints "held",
 *                           and keeps it until standard input closes or it is killed
 * All modes run until killed or until standard input reaches end of file.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>
#include <zlib.h>

static int open_pty(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	const char *name;
	struct termios tio;

	if (m < 0 || grantpt(m) || unlockpt(m) || !(name = ptsname(m)))
		return -1;
	/* Keep a slave fd so the master never sees a hang-up between clients. */
	*slave = open(name, O_RDWR | O_NOCTTY);
	if (*slave < 0)
		return -1;
	if (tcgetattr(*slave, &tio) == 0) {
		tio.c_iflag = 0;
		tio.c_oflag = 0;
		tio.c_lflag = 0;
		tcsetattr(*slave, TCSANOW, &tio);
	}
	printf("%s\n", name);
	fflush(stdout);
	return m;
}

/* Returns 1 when standard input has closed (the test is done with us). */
static int stdin_closed(int timeout_ms)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	char c[64];

	if (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = read(STDIN_FILENO, c, sizeof(c));

		if (n <= 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int m, s = -1;

	if (argc == 3 && !strcmp(argv[1], "hold")) {
		int fd = open(argv[2], O_RDWR | O_NOCTTY | O_NONBLOCK);

		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
			perror(argv[2]);
			return 1;
		}
		printf("held\n");
		fflush(stdout);
		while (!stdin_closed(1000))
			;
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "silent")) {
		m = open_pty(&s);
		if (m < 0)
			return 1;
		for (;;) {
			char buf[256];
			struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
					      {.fd = m, .events = POLLIN}};

			if (poll(p, 2, 1000) < 0 && errno != EINTR)
				return 1;
			if (p[0].revents && stdin_closed(0))
				return 0;
			if (p[1].revents & POLLIN)
				(void)!read(m, buf, sizeof(buf)); /* swallow, never answer */
		}
	}
	if (argc == 2 && !strcmp(argv[1], "talk")) {
		unsigned long tick = 0;

		m = open_pty(&s);
		if (m < 0)
			return 1;
		for (;;) {
			char buf[256], out[600];
			struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
					      {.fd = m, .events = POLLIN}};
			int r = poll(p, 2, 50);

			if (r < 0 && errno != EINTR)
				return 1;
			if (p[0].revents && stdin_closed(0))
				return 0;
			if (p[1].revents & POLLIN) {
				ssize_t n = read(m, buf, sizeof(buf));

				if (n > 0) {
					int k =
					    snprintf(out, sizeof(out), "got:%.*s\r\n", (int)n, buf);

					(void)!write(m, out, (size_t)k);
				}
			}
			if (r == 0) {
				int k = snprintf(out, sizeof(out), "tick %lu\r\n", tick++);

				(void)!write(m, out, (size_t)k);
			}
		}
	}
	if (argc == 2 && !strcmp(argv[1], "fail")) {
		m = open_pty(&s);
		if (m < 0)
			return 1;
		for (;;) {
			uint8_t buf[4096];
			struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
					      {.fd = m, .events = POLLIN}};
			ssize_t n;
			size_t k = 0;

			if (poll(p, 2, 1000) < 0 && errno != EINTR)
				return 1;
			if (p[0].revents && stdin_closed(0))
				return 0;
			if (!(p[1].revents & POLLIN))
				continue;
			n = read(m, buf, sizeof(buf));
			if (n <= 0)
				continue;
			while (k < (size_t)n && buf[k] == 0x55)
				k++;
			if (k == (size_t)n)
				(void)!write(m, "OK", 2);
			else
				(void)!write(m, "FL\x02\x01FL\x02\x01", 8);
		}
	}
	if (argc == 2 && !strcmp(argv[1], "flasherr")) {
		uint8_t in[65536];
		size_t have = 0;

		m = open_pty(&s);
		if (m < 0)
			return 1;
		for (;;) {
			struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
					      {.fd = m, .events = POLLIN}};
			ssize_t n;

			if (poll(p, 2, 1000) < 0 && errno != EINTR)
				return 1;
			if (p[0].revents && stdin_closed(0))
				return 0;
			if (!(p[1].revents & POLLIN))
				continue;
			n = read(m, in + have, sizeof(in) - have);
			if (n <= 0)
				continue;
			have += (size_t)n;
			for (;;) {
				size_t k = 0, flen;
				uint8_t out[64];
				size_t olen = 0;

				while (k < have && in[k] == 0x55)
					k++;
				if (k) { /* handshake */
					memmove(in, in + k, have - k);
					have -= k;
					(void)!write(m, "OK", 2);
					continue;
				}
				if (have < 4)
					break;
				flen = 4 + (size_t)(in[2] | (in[3] << 8));
				if (have < flen)
					break;
				switch (in[0]) {
				case 0x10: /* get_boot_info of a running loader: version FFFFFFFF */
					memcpy(out, "OK\x14\x00\xff\xff\xff\xff", 8);
					memset(out + 8, 0, 16);
					olen = 24;
					break;
				case 0x36: /* JEDEC id: GD25Q16, known */
					memcpy(out, "OK\x04\x00\xc8\x40\x15\x80", 8);
					olen = 8;
					break;
				case 0x42: { /* MAC + CRC-32 of it */
					static const uint8_t mac[6] = {1,    0,	   0x2b,
								       0x60, 0x42, 0x02};
					uint32_t c = crc32(0, mac, 6);

					memcpy(out, "OK\x0a\x00", 4);
					memcpy(out + 4, mac, 6);
					for (int b = 0; b < 4; b++)
						out[10 + b] = (uint8_t)(c >> (8 * b));
					olen = 14;
					break;
				}
				case 0x30:
				case 0x3C:
					memcpy(out, "FL\x03\x00", 4);
					olen = 4;
					break;
				default:
					memcpy(out, "FL\x04\x00", 4);
					olen = 4;
					break;
				}
				(void)!write(m, out, olen);
				memmove(in, in + flen, have - flen);
				have -= flen;
			}
		}
	}
	fprintf(stderr, "usage: ptyhelper silent | talk | fail | flasherr | hold PATH\n");
	return 2;
}
