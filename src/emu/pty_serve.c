/* SPDX-License-Identifier: MIT */
/*
 * Serve an emulator core on a pseudo-terminal master: the emulator's clock is the monotonic
 * clock, going on from the emulator's time when serving (re)starts. The client's baud rate is
 * re-read from the terminal settings before every input so the timing model paces at the
 * right rate. A vanish fault (EMU-18) ends serving with 1.
 */
#include "emu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pty_baud.h"

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};

	nanosleep(&ts, NULL);
}

static void update_baud(struct emu *e, int fd, unsigned *cur)
{
	unsigned b;

	if (emu_pty_get_baud(fd, &b) == 0 && b != *cur) {
		*cur = b;
		emu_set_baud(e, b);
	}
}

int emu_pty_serve(struct emu *e, int fd, volatile int *stop)
{
	uint8_t buf[16384];
	uint8_t *pend = NULL;
	size_t plen = 0, pcap = 0, poff = 0;
	uint64_t t0 = mono_us() - emu_now_us(e);
	unsigned baud = 0;
	int fl, ret = 0;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	update_baud(e, fd, &baud);
	while (!*stop) {
		uint64_t now = mono_us() - t0, next;
		struct pollfd pfd;
		int timeout, pr;
		size_t got;

		if (emu_vanished(e)) {
			ret = 1;
			break;
		}
		/* Collect everything the device has put on the line by now. */
		do {
			if (plen - poff < sizeof(buf) && poff > 0) {
				memmove(pend, pend + poff, plen - poff);
				plen -= poff;
				poff = 0;
			}
			got = emu_output(e, buf, sizeof(buf), now);
			if (got) {
				if (plen + got > pcap) {
					size_t nc = pcap ? pcap * 2 : 65536;
					uint8_t *np;
					while (nc < plen + got)
						nc *= 2;
					np = realloc(pend, nc);
					if (!np) {
						ret = -1;
						goto out;
					}
					pend = np;
					pcap = nc;
				}
				memcpy(pend + plen, buf, got);
				plen += got;
			}
		} while (got == sizeof(buf));
		while (poff < plen) {
			ssize_t w = write(fd, pend + poff, plen - poff);
			if (w > 0) {
				poff += (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			break; /* EAGAIN (client not reading) or EIO (no client): retry later */
		}
		if (poff == plen)
			poff = plen = 0;

		next = emu_next_event_us(e);
		if (next <= now)
			timeout = 0;
		else if (next - now > 20000)
			timeout = 20; /* look at the stop flag and the baud now and then */
		else
			timeout = (int)((next - now + 999) / 1000);
		pfd.fd = fd;
		pfd.events = POLLIN | (plen > poff ? POLLOUT : 0);
		pfd.revents = 0;
		pr = poll(&pfd, 1, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			ret = -1;
			break;
		}
		if (pfd.revents & POLLIN) {
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				update_baud(e, fd, &baud);
				emu_input(e, buf, (size_t)r, mono_us() - t0);
			} else if (r < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) {
				ret = -1;
				break;
			} else if (r < 0 && errno == EIO) {
				nap_ms(10); /* no client has the slave open */
			}
		} else if (pfd.revents & (POLLHUP | POLLERR)) {
			nap_ms(10); /* no client has the slave open */
		}
		update_baud(e, fd, &baud);
	}
out:
	free(pend);
	return ret;
}
