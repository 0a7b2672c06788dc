/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on Windows: the console (platform.h, terminals). Progress bars use the
 * console's virtual terminal mode where it has one; the serial console reads keys raw from
 * the console (ReadConsoleInputW: every key as typed, Ctrl-C a byte, no echo), or a pipe or
 * file on a thread of its own (a pipe cannot be polled).
 */
#include <io.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "platform.h"

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_INPUT
#define ENABLE_VIRTUAL_TERMINAL_INPUT 0x0200
#endif

static HANDLE os_handle(int fd)
{
	intptr_t h = _get_osfhandle(fd);

	return h == -1 ? INVALID_HANDLE_VALUE : (HANDLE)h;
}

bool plat_isatty(int fd)
{
	DWORD mode;

	return GetConsoleMode(os_handle(fd), &mode) != 0;
}

bool plat_term_ansi(int fd)
{
	HANDLE h = os_handle(fd);
	DWORD mode;

	if (!GetConsoleMode(h, &mode))
		return false;
	return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) ||
	       SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

struct plat_stdin {
	HANDLE h;
	bool console;
	DWORD saved_mode;
	WCHAR high; /* the first half of a surrogate pair, waiting for the second */
	/* a pipe or a file: read by a thread of its own into buf */
	HANDLE thread;
	CRITICAL_SECTION lock;
	uint8_t buf[4096];
	size_t n;
	bool eof;
};

static DWORD WINAPI pipe_reader(LPVOID arg)
{
	struct plat_stdin *in = arg;
	uint8_t b[1024];
	DWORD got;

	for (;;) {
		if (!ReadFile(in->h, b, sizeof(b), &got, NULL) || got == 0) {
			EnterCriticalSection(&in->lock);
			in->eof = true;
			LeaveCriticalSection(&in->lock);
			return 0;
		}
		for (DWORD done = 0; done < got;) {
			size_t k;

			EnterCriticalSection(&in->lock);
			k = sizeof(in->buf) - in->n;
			if (k > got - done)
				k = got - done;
			memcpy(in->buf + in->n, b + done, k);
			in->n += k;
			LeaveCriticalSection(&in->lock);
			done += (DWORD)k;
			if (!k)
				Sleep(5); /* full: the monitor sends it on soon */
		}
	}
}

struct plat_stdin *plat_stdin_open(void)
{
	struct plat_stdin *in = calloc(1, sizeof(*in));
	DWORD raw;

	if (!in)
		return NULL;
	in->h = GetStdHandle(STD_INPUT_HANDLE);
	if (GetConsoleMode(in->h, &in->saved_mode)) {
		in->console = true;
		raw = in->saved_mode &
		      ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT);
		/* the keys' escape sequences (arrows, ...) where the console has them */
		if (!SetConsoleMode(in->h, raw | ENABLE_VIRTUAL_TERMINAL_INPUT))
			SetConsoleMode(in->h, raw);
		return in;
	}
	InitializeCriticalSection(&in->lock);
	in->thread = CreateThread(NULL, 0, pipe_reader, in, 0, NULL);
	if (!in->thread)
		in->eof = true;
	return in;
}

/* One UTF-16 unit of a key into out (UTF-8; room for 4 bytes). Returns the bytes stored. */
static size_t put_key(struct plat_stdin *in, WCHAR c, uint8_t *out)
{
	WCHAR pair[2] = {c, 0};
	int len = 1;

	if (c >= 0xD800 && c <= 0xDBFF) {
		in->high = c;
		return 0;
	}
	if (c >= 0xDC00 && c <= 0xDFFF) {
		if (!in->high)
			return 0;
		pair[0] = in->high;
		pair[1] = c;
		len = 2;
	}
	in->high = 0;
	len = WideCharToMultiByte(CP_UTF8, 0, pair, len, (char *)out, 4, NULL, NULL);
	return len > 0 ? (size_t)len : 0;
}

/* The keys typed so far (key-down events with a character), without waiting. */
static ssize_t console_read(struct plat_stdin *in, uint8_t *out, size_t cap)
{
	INPUT_RECORD rec[64];
	DWORD avail = 0, got = 0;
	size_t n = 0;

	if (!GetNumberOfConsoleInputEvents(in->h, &avail) || !avail)
		return 0;
	if (avail > cap / 4)
		avail = (DWORD)(cap / 4);
	if (avail > 64)
		avail = 64;
	if (!ReadConsoleInputW(in->h, rec, avail, &got))
		return -1;
	for (DWORD i = 0; i < got; i++) {
		const KEY_EVENT_RECORD *k = &rec[i].Event.KeyEvent;

		if (rec[i].EventType != KEY_EVENT || !k->bKeyDown || !k->uChar.UnicodeChar)
			continue;
		for (WORD r = 0; r < k->wRepeatCount && n + 4 <= cap; r++)
			n += put_key(in, k->uChar.UnicodeChar, out + n);
	}
	return (ssize_t)n;
}

ssize_t plat_stdin_read(struct plat_stdin *in, void *buf, size_t cap)
{
	ssize_t n;

	if (!in)
		return -1;
	if (in->console)
		return console_read(in, buf, cap);
	EnterCriticalSection(&in->lock);
	n = (ssize_t)(in->n < cap ? in->n : cap);
	memcpy(buf, in->buf, (size_t)n);
	memmove(in->buf, in->buf + n, in->n - (size_t)n);
	in->n -= (size_t)n;
	if (!n && in->eof)
		n = -1;
	LeaveCriticalSection(&in->lock);
	return n;
}

void plat_stdin_close(struct plat_stdin *in)
{
	if (!in)
		return;
	if (in->console) {
		SetConsoleMode(in->h, in->saved_mode);
		free(in);
		return;
	}
	if (in->thread) {
		/* a reader blocked in ReadFile: cancel it; one that does not end keeps in */
		CancelSynchronousIo(in->thread);
		if (WaitForSingleObject(in->thread, 200) != WAIT_OBJECT_0)
			return;
		CloseHandle(in->thread);
	}
	DeleteCriticalSection(&in->lock);
	free(in);
}
