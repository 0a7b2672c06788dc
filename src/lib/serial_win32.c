/* SPDX-License-Identifier: MIT */
/*
 * Win32 COM-port backend behind struct blr_transport (the POSIX one is serial_posix.c): raw
 * 8N1 at any baud (DCB BaudRate), no flow control, exclusive (share mode 0), deadlines through
 * COMMTIMEOUTS, DTR/RTS through EscapeCommFunction (a port without modem lines, such as a pty
 * under wine, fails: BLR_E_UNSUPPORTED), the previous DCB and timeouts restored on close.
 *
 * Reads use the "total" timeout alone (interval 0, multiplier 0, constant = what is left):
 * ReadFile returns when all bytes are there or the time is up, which is the transport's
 * contract. The MAXDWORD/MAXDWORD/N "first byte" mode is avoided: wine waits the full N.
 * os_err / last_os_error() carry GetLastError() values, not errno.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "blrescue/blrescue.h"

struct serial {
	HANDLE h;
	DCB dcb; /* what we set */
	DCB saved_dcb;
	COMMTIMEOUTS saved_to;
	COMMTIMEOUTS to; /* what the port has now */
	bool saved_ok;
	LARGE_INTEGER qpf; /* QueryPerformanceCounter ticks per second */
	int os_err;
};

/* The errors of a port whose device has gone: a USB adapter unplugged (which error depends on
 * the driver), or under wine a pty whose other side closed (ERROR_NOT_READY). */
static bool gone_error(DWORD e)
{
	return e == ERROR_DEVICE_REMOVED || e == ERROR_BAD_COMMAND ||
	       e == ERROR_OPERATION_ABORTED || e == ERROR_GEN_FAILURE ||
	       e == ERROR_DEVICE_NOT_CONNECTED || e == ERROR_NOT_READY || e == ERROR_ACCESS_DENIED;
}

static int os_fail(struct serial *s, int err)
{
	DWORD e = GetLastError();

	s->os_err = (int)e;
	return gone_error(e) ? BLR_E_GONE : err;
}

static uint64_t mono_ms(const struct serial *s)
{
	LARGE_INTEGER c;
	uint64_t f = (uint64_t)s->qpf.QuadPart;

	QueryPerformanceCounter(&c);
	return (uint64_t)c.QuadPart / f * 1000u + (uint64_t)c.QuadPart % f * 1000u / f;
}

/* Set read and write timeouts (ms) if they differ from the port's. A read timeout of 0 is
 * "return at once with what is there" (MAXDWORD/0/0): a total of 0 would mean "no timeout". */
static int set_timeouts(struct serial *s, DWORD read_ms, DWORD write_ms)
{
	COMMTIMEOUTS to = {0};

	if (read_ms == 0)
		to.ReadIntervalTimeout = MAXDWORD;
	else
		to.ReadTotalTimeoutConstant = read_ms;
	to.WriteTotalTimeoutConstant = write_ms ? write_ms : 1;
	if (!memcmp(&to, &s->to, sizeof(to)))
		return BLR_OK;
	if (!SetCommTimeouts(s->h, &to))
		return os_fail(s, BLR_E_IO);
	s->to = to;
	return BLR_OK;
}

static DWORD ms_left(const struct serial *s, uint64_t deadline)
{
	uint64_t now = mono_ms(s);

	if (now >= deadline)
		return 0;
	return deadline - now > 60000 ? 60000 : (DWORD)(deadline - now);
}

static int s_set_baud(void *ctx, unsigned baud)
{
	struct serial *s = ctx;
	DCB d = s->dcb;

	if (baud == 0)
		return BLR_E_INVAL;
	d.BaudRate = baud;
	if (!SetCommState(s->h, &d)) {
		if (GetLastError() == ERROR_INVALID_PARAMETER) {
			s->os_err = ERROR_INVALID_PARAMETER;
			return BLR_E_UNSUPPORTED; /* the driver cannot do this rate */
		}
		return os_fail(s, BLR_E_IO);
	}
	/* Some drivers accept a rate and set another one (wine on a pty: 38400 for a rate
	 * Linux has no Bnnn constant for): read it back, keep the old rate then. */
	DCB now = {.DCBlength = sizeof(now)};

	if (!GetCommState(s->h, &now))
		return os_fail(s, BLR_E_IO);
	if (now.BaudRate != baud) {
		SetCommState(s->h, &s->dcb);
		s->os_err = 0;
		return BLR_E_UNSUPPORTED;
	}
	s->dcb = d;
	return BLR_OK;
}

static int s_write(void *ctx, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct serial *s = ctx;
	uint64_t deadline = mono_ms(s) + timeout_ms;
	size_t done = 0;

	while (done < len) {
		DWORD left = ms_left(s, deadline), n = 0;
		DWORD want = len - done > MAXDWORD ? MAXDWORD : (DWORD)(len - done);
		int r = set_timeouts(s, s->to.ReadTotalTimeoutConstant, left);

		if (r != BLR_OK)
			return r;
		if (!WriteFile(s->h, buf + done, want, &n, NULL))
			return os_fail(s, BLR_E_IO);
		done += n;
		if (done < len && (n == 0 || left == 0))
			return BLR_E_TIMEOUT;
	}
	return BLR_OK;
}

/* A read that times out may be a port that has gone: wine's ReadFile on a pty whose other
 * side closed just times out, but the port's state can no longer be read. */
static bool port_alive(struct serial *s)
{
	DWORD errs;

	return ClearCommError(s->h, &errs, NULL);
}

static int s_read(void *ctx, uint8_t *buf, size_t len, unsigned timeout_ms, size_t *got)
{
	struct serial *s = ctx;
	uint64_t deadline = mono_ms(s) + timeout_ms;

	*got = 0;
	while (*got < len) {
		DWORD left = ms_left(s, deadline), n = 0;
		DWORD want = len - *got > MAXDWORD ? MAXDWORD : (DWORD)(len - *got);
		int r = set_timeouts(s, left, s->to.WriteTotalTimeoutConstant);

		if (r != BLR_OK)
			return r;
		if (!ReadFile(s->h, buf + *got, want, &n, NULL))
			return os_fail(s, BLR_E_IO);
		*got += n;
		if (*got < len && left == 0)
			return port_alive(s) ? BLR_E_TIMEOUT : os_fail(s, BLR_E_IO);
	}
	return BLR_OK;
}

static int s_flush_input(void *ctx)
{
	struct serial *s = ctx;

	if (!PurgeComm(s->h, PURGE_RXCLEAR))
		return os_fail(s, BLR_E_IO);
	return BLR_OK;
}

static int s_drain(void *ctx)
{
	struct serial *s = ctx;

	if (!FlushFileBuffers(s->h))
		return os_fail(s, BLR_E_IO);
	return BLR_OK;
}

static int line(struct serial *s, DWORD set, DWORD clr, int on)
{
	if (on < 0)
		return BLR_OK;
	if (!EscapeCommFunction(s->h, on ? set : clr)) {
		int r = os_fail(s, BLR_E_UNSUPPORTED);

		/* a port without modem lines (a pty under wine: ERROR_NOT_SUPPORTED) */
		return r == BLR_E_GONE ? r : BLR_E_UNSUPPORTED;
	}
	return BLR_OK;
}

static int s_set_lines(void *ctx, int dtr, int rts)
{
	struct serial *s = ctx;
	int r = line(s, SETDTR, CLRDTR, dtr);

	if (r != BLR_OK)
		return r;
	return line(s, SETRTS, CLRRTS, rts);
}

static uint64_t s_now_ms(void *ctx)
{
	return mono_ms(ctx);
}

static void s_sleep_ms(void *ctx, unsigned ms)
{
	(void)ctx;
	Sleep(ms);
}

static void port_close(struct serial *s)
{
	if (s->saved_ok) {
		SetCommState(s->h, &s->saved_dcb);
		SetCommTimeouts(s->h, &s->saved_to);
	}
	CloseHandle(s->h);
	free(s);
}

static void s_close(void *ctx)
{
	if (ctx)
		port_close(ctx);
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

/* "COM5", "com12", "\\.\COM5" (or "//./COM5") -> L"\\.\COM5": the device namespace, which
 * COM10 and up need. Anything else is taken as a device name too, never as a file. */
static bool device_name(const char *path, wchar_t *out, int cap)
{
	int n;

	if ((path[0] == '\\' || path[0] == '/') && (path[1] == '\\' || path[1] == '/') &&
	    path[2] == '.' && (path[3] == '\\' || path[3] == '/'))
		path += 4;
	if (!*path || strchr(path, '\\') || strchr(path, '/'))
		return false;
	wcscpy(out, L"\\\\.\\");
	n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, out + 4, cap - 4);
	return n > 0;
}

static int open_error(DWORD e)
{
	switch (e) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_NAME:
	case ERROR_BAD_PATHNAME:
		return BLR_E_NOENT;
	case ERROR_ACCESS_DENIED: /* a COM port another program has open */
	case ERROR_SHARING_VIOLATION:
		return BLR_E_BUSY;
	default:
		return BLR_E_IO;
	}
}

/* Raw 8N1 at baud, no flow control; DTR and RTS on, as a POSIX open leaves them. */
static int port_setup(struct serial *s, unsigned baud)
{
	DWORD errs;

	if (!GetCommState(s->h, &s->saved_dcb) || !GetCommTimeouts(s->h, &s->saved_to))
		return os_fail(s, BLR_E_IO);
	s->saved_ok = true;
	s->dcb = s->saved_dcb;
	s->dcb.fBinary = TRUE;
	s->dcb.fParity = FALSE;
	s->dcb.fOutxCtsFlow = FALSE;
	s->dcb.fOutxDsrFlow = FALSE;
	s->dcb.fDtrControl = DTR_CONTROL_ENABLE;
	s->dcb.fDsrSensitivity = FALSE;
	s->dcb.fOutX = FALSE;
	s->dcb.fInX = FALSE;
	s->dcb.fErrorChar = FALSE;
	s->dcb.fNull = FALSE;
	s->dcb.fRtsControl = RTS_CONTROL_ENABLE;
	s->dcb.fAbortOnError = FALSE;
	s->dcb.ByteSize = 8;
	s->dcb.Parity = NOPARITY;
	s->dcb.StopBits = ONESTOPBIT;
	memset(&s->to, 0xFF, sizeof(s->to)); /* unknown: the first set_timeouts() writes */
	int r = s_set_baud(s, baud);

	if (r == BLR_OK)
		r = set_timeouts(s, 0, 1000);
	if (r == BLR_OK && !PurgeComm(s->h, PURGE_RXCLEAR | PURGE_TXCLEAR))
		r = os_fail(s, BLR_E_IO);
	ClearCommError(s->h, &errs, NULL);
	return r;
}

int blr_serial_open(const char *path, unsigned baud, struct blr_transport *out, int *os_err)
{
	struct serial *s;
	wchar_t name[128];
	int r;

	if (os_err)
		*os_err = 0;
	if (!path || !out || baud == 0)
		return BLR_E_INVAL;
	out->ops = NULL;
	out->ctx = NULL;
	if (!device_name(path, name, (int)(sizeof(name) / sizeof(name[0]))))
		return BLR_E_NOENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return BLR_E_NOMEM;
	QueryPerformanceFrequency(&s->qpf);
	s->h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	if (s->h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();

		free(s);
		if (os_err)
			*os_err = (int)e;
		return open_error(e);
	}
	r = port_setup(s, baud);
	if (r != BLR_OK) {
		if (os_err)
			*os_err = s->os_err;
		port_close(s);
		return r;
	}
	out->ops = &serial_ops;
	out->ctx = s;
	return BLR_OK;
}
