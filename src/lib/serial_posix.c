/* SPDX-License-Identifier: MIT */
/*
 * POSIX termios serial backend behind struct blr_transport: raw 8N1, no flow control,
 * poll() deadlines on CLOCK_MONOTONIC (VMIN = VTIME = 0), EINTR-safe, an exclusive lock
 * (flock + TIOCEXCL), low-latency mode where the driver has it (PHY-5), the old settings
 * restored on close. Arbitrary rates go to serial_set_custom_baud() (Linux termios2, own TU).
 * DTR/RTS through TIOCMBIS/TIOCMBIC; a pseudo-terminal answers ENOTTY, reported as
 * BLR_E_UNSUPPORTED. A port that goes away (adapter unplugged, pty master closed) is
 * BLR_E_GONE at once (GONE-1).
 */
#define _DEFAULT_SOURCE /* cfmakeraw, flock, TIOCEXCL, CRTSCTS, TIOCMBIS */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "blrescue/blrescue.h"
#include "lib/serial.h"

struct serial {
	int fd;
	struct termios saved;
	bool saved_ok;
	bool excl;
	int low_latency; /* flags to restore (serial_set_low_latency), or -1 */
	int os_err;
};

static const struct {
	unsigned baud;
	speed_t code;
} std_rates[] = {
    {1200, B1200},	 {2400, B2400},	  {4800, B4800},     {9600, B9600},	{19200, B19200},
    {38400, B38400},	 {57600, B57600}, {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B500000
    {500000, B500000},
#endif
#ifdef B921600
    {921600, B921600},
#endif
#ifdef B1000000
    {1000000, B1000000},
#endif
#ifdef B1500000
    {1500000, B1500000},
#endif
#ifdef B2000000
    {2000000, B2000000},
#endif
#ifdef B3000000
    {3000000, B3000000},
#endif
};

/* The errors of a tty whose device has gone (GONE-1). */
static bool gone_errno(int e)
{
	return e == EIO || e == ENXIO || e == ENODEV;
}

static int os_fail(struct serial *s, int err)
{
	s->os_err = errno;
	return gone_errno(errno) ? BLR_E_GONE : err;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int s_set_baud(void *ctx, unsigned baud)
{
	struct serial *s = ctx;
	struct termios tio, old;

	if (baud == 0)
		return BLR_E_INVAL;
	if (tcgetattr(s->fd, &tio) < 0)
		return os_fail(s, BLR_E_IO);
	old = tio;
	for (size_t i = 0; i < sizeof(std_rates) / sizeof(std_rates[0]); i++) {
		if (std_rates[i].baud != baud)
			continue;
		if (cfsetispeed(&tio, std_rates[i].code) < 0 ||
		    cfsetospeed(&tio, std_rates[i].code) < 0 || tcsetattr(s->fd, TCSANOW, &tio) < 0)
			return os_fail(s, BLR_E_IO);
		/* qemu-user stores B0 for a rate above B460800 and says it worked: keep the old */
		if (tcgetattr(s->fd, &tio) == 0 && cfgetospeed(&tio) == B0) {
			tcsetattr(s->fd, TCSANOW, &old);
			return BLR_E_UNSUPPORTED;
		}
		return BLR_OK;
	}
	if (serial_set_custom_baud(s->fd, baud) < 0)
		return os_fail(s, errno == ENOTSUP ? BLR_E_UNSUPPORTED : BLR_E_IO);
	return BLR_OK;
}

/* Wait for events on fd until deadline (ms, monotonic). 1 ready, 0 timeout, or a negative
 * enum blr_err: BLR_E_GONE on POLLERR/POLLNVAL, or POLLHUP without the events (GONE-1). */
static int wait_fd(struct serial *s, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ms();
		struct pollfd p = {.fd = s->fd, .events = events};
		int left =
		    now >= deadline ? 0 : (int)(deadline - now > 60000 ? 60000 : deadline - now);
		int r = poll(&p, 1, left);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return os_fail(s, BLR_E_IO);
		}
		if (r > 0) {
			if ((p.revents & (POLLERR | POLLNVAL)) ||
			    ((p.revents & POLLHUP) && !(p.revents & events))) {
				s->os_err = EIO;
				return BLR_E_GONE;
			}
			if (p.revents & events)
				return 1;
			continue;
		}
		if (mono_ms() >= deadline)
			return 0;
	}
}

static int s_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct serial *s = ctx;
	uint64_t deadline = mono_ms() + timeout_ms;
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(s->fd, buf + done, len - done);

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return os_fail(s, BLR_E_IO);
		int r = wait_fd(s, POLLOUT, deadline);

		if (r < 0)
			return r;
		if (r == 0)
			return BLR_E_TIMEOUT;
	}
	return BLR_OK;
}

static int s_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct serial *s = ctx;
	uint64_t deadline = mono_ms() + timeout_ms;
	size_t done = 0;
	bool ready = false; /* poll said there is something to read */

	*got = 0;
	while (done < len) {
		ssize_t r = read(s->fd, buf + done, len - done);

		if (r > 0) {
			done += (size_t)r;
			*got = done;
			ready = false;
			continue;
		}
		if (r == 0 && ready) {
			/* end of file on a tty that poll called readable: hung up (GONE-1) */
			s->os_err = EIO;
			return BLR_E_GONE;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return os_fail(s, BLR_E_IO);
		int w = wait_fd(s, POLLIN, deadline);

		if (w < 0)
			return w;
		if (w == 0)
			return BLR_E_TIMEOUT;
		ready = true;
	}
	return BLR_OK;
}

static int s_flush_input(void *ctx)
{
	struct serial *s = ctx;

	if (tcflush(s->fd, TCIFLUSH) < 0)
		return os_fail(s, BLR_E_IO);
	return BLR_OK;
}

static int s_drain(void *ctx)
{
	struct serial *s = ctx;

	while (tcdrain(s->fd) < 0) {
		if (errno != EINTR)
			return os_fail(s, BLR_E_IO);
	}
	return BLR_OK;
}

static int line(struct serial *s, int bit, int on)
{
	if (on < 0)
		return BLR_OK;
	if (ioctl(s->fd, on ? TIOCMBIS : TIOCMBIC, &bit) < 0) {
		if (errno == ENOTTY || errno == EINVAL) {
			s->os_err = errno;
			return BLR_E_UNSUPPORTED;
		}
		return os_fail(s, BLR_E_IO);
	}
	return BLR_OK;
}

static int s_set_lines(void *ctx, int dtr, int rts)
{
	struct serial *s = ctx;
	int r = line(s, TIOCM_DTR, dtr);

	if (r != BLR_OK)
		return r;
	return line(s, TIOCM_RTS, rts);
}

static uint64_t s_now_ms(void *ctx)
{
	(void)ctx;
	return mono_ms();
}

static void s_sleep_ms(void *ctx, unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	(void)ctx;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void s_close(void *ctx)
{
	struct serial *s = ctx;

	if (!s)
		return;
	if (s->low_latency >= 0)
		serial_restore_low_latency(s->fd, s->low_latency);
	if (s->saved_ok)
		tcsetattr(s->fd, TCSANOW, &s->saved);
	if (s->excl)
		ioctl(s->fd, TIOCNXCL);
	flock(s->fd, LOCK_UN);
	close(s->fd);
	free(s);
}

static int s_last_os_error(void *ctx)
{
	return ((struct serial *)ctx)->os_err;
}

static const struct blr_transport_ops serial_ops = {
    .set_baud = s_set_baud,
    .write = s_write,
    .read = s_read,
    .flush_input = s_flush_input,
    .drain = s_drain,
    .set_lines = s_set_lines,
    .now_ms = s_now_ms,
    .sleep_ms = s_sleep_ms,
    .close = s_close,
    .last_os_error = s_last_os_error,
};

static int open_error(int e)
{
	switch (e) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return BLR_E_NOENT;
	case EACCES:
	case EPERM:
		return BLR_E_PERM;
	case EBUSY:
	case EWOULDBLOCK:
		return BLR_E_BUSY;
	default:
		return BLR_E_IO;
	}
}

int blr_serial_open(const char *path, unsigned baud, struct blr_transport *out, int *os_err)
{
	struct serial *s;
	struct termios tio;
	int r, e;

	if (os_err)
		*os_err = 0;
	if (!path || !out || baud == 0)
		return BLR_E_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return BLR_E_NOMEM;
	s->low_latency = -1;
	s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		e = errno;
		r = open_error(e);
		goto fail_free;
	}
	/* flock works for every user; TIOCEXCL additionally stops other programs that do not
	 * use flock (it does not stop root). */
	if (flock(s->fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		r = (e == EWOULDBLOCK) ? BLR_E_BUSY : BLR_E_IO;
		goto fail_close;
	}
	if (!isatty(s->fd)) {
		e = errno;
		r = BLR_E_IO;
		goto fail_close;
	}
	if (ioctl(s->fd, TIOCEXCL) == 0)
		s->excl = true;
	if (tcgetattr(s->fd, &s->saved) < 0) {
		e = errno;
		r = BLR_E_IO;
		goto fail_close;
	}
	s->saved_ok = true;
	tio = s->saved;
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CSIZE | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(s->fd, TCSANOW, &tio) < 0) {
		e = errno;
		r = BLR_E_IO;
		goto fail_close;
	}
	/* PHY-5: an FTDI adapter then hands over received bytes after 1 ms instead of 16 ms;
	 * drivers without the flag (and a pty: ENOTTY) are left as they are */
	s->low_latency = serial_set_low_latency(s->fd);
	out->ops = &serial_ops;
	out->ctx = s;
	r = s_set_baud(s, baud);
	if (r != BLR_OK) {
		e = s->os_err;
		goto fail_close;
	}
	tcflush(s->fd, TCIOFLUSH);
	return BLR_OK;

fail_close:
	if (s->low_latency >= 0)
		serial_restore_low_latency(s->fd, s->low_latency);
	if (s->saved_ok)
		tcsetattr(s->fd, TCSANOW, &s->saved);
	if (s->excl)
		ioctl(s->fd, TIOCNXCL);
	close(s->fd);
fail_free:
	free(s);
	out->ops = NULL;
	out->ctx = NULL;
	if (os_err)
		*os_err = e;
	return r;
}
