/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on Windows (platform.h): UTF-8 inside, UTF-16 at every Windows call
 * (arguments from GetCommandLineW, _wgetenv, CreateFileW, _wopen, MoveFileExW, FindFirstFileW),
 * Ctrl-C through SetConsoleCtrlHandler, the console in UTF-8 and raw for the serial console.
 * Also: platform_win32_find.c (glob, where the loader may be), platform_win32_console.c
 * (terminals), platform_win32_ports.c (serial ports); platform_win32.h holds what they share.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>

#include <shellapi.h>

#include "platform.h"
#include "platform_win32.h"

/* ---- UTF-8 and UTF-16 ------------------------------------------------------------------- */

wchar_t *plat_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	wchar_t *w;

	if (n <= 0) {
		errno = EINVAL;
		return NULL;
	}
	w = malloc((size_t)n * sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
	return w;
}

char *plat_utf8(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	char *s;

	if (n <= 0 || !(s = malloc((size_t)n)))
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return s;
}

int plat_map_err(unsigned long e)
{
	switch (e) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_NAME:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_PATHNAME:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_WRITE_PROTECT:
		return EACCES;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		return EEXIST;
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
		return EBUSY;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_FILENAME_EXCED_RANGE:
		return ENAMETOOLONG;
	case ERROR_DIRECTORY:
		return ENOTDIR;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

static int fail_last(void)
{
	errno = plat_map_err(GetLastError());
	return -1;
}

/* ---- the process ------------------------------------------------------------------------ */

static UINT g_saved_cp;

static void restore_cp(void)
{
	SetConsoleOutputCP(g_saved_cp);
}

void plat_init(int *argc, char ***argv)
{
	int n = 0;
	wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
	char **args;

	/* UTF-8 on the console: the messages name files and ports as they are */
	g_saved_cp = GetConsoleOutputCP();
	if (g_saved_cp && g_saved_cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
		atexit(restore_cp);
	_setmode(0, _O_BINARY); /* 'write -' reads the image as it is */
	if (!wargv)
		return;
	args = calloc((size_t)n + 1, sizeof(*args));
	for (int i = 0; args && i < n; i++) {
		args[i] = plat_utf8(wargv[i]);
		if (!args[i])
			return; /* keep the CRT's arguments */
	}
	LocalFree(wargv);
	if (args) {
		*argc = n;
		*argv = args; /* kept until exit */
	}
}

static volatile sig_atomic_t *g_flag;

/* Runs on a thread of its own. Ctrl-C and Ctrl-Break ask for a stop (as SIGINT); a closed
 * console, logoff or shutdown too (as SIGHUP), and since Windows ends the process when the
 * handler returns, it waits for the command to clean up and exit. A second event: the
 * default handler ends the process. */
static BOOL WINAPI on_ctrl(DWORD type)
{
	if (*g_flag)
		return FALSE;
	if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) {
		*g_flag = 2;
		return TRUE;
	}
	*g_flag = 1;
	Sleep(10000);
	return TRUE;
}

void plat_catch_signals(volatile sig_atomic_t *flag)
{
	g_flag = flag;
	SetConsoleCtrlHandler(on_ctrl, TRUE);
}

/* Values handed out, kept until exit: a caller may hold one for the whole run. */
static struct {
	char *name, *value;
} g_env[64];

const char *plat_getenv(const char *name)
{
	wchar_t *wn = plat_wide(name), *wv;
	char *v;
	size_t i;

	if (!wn)
		return NULL;
	wv = _wgetenv(wn);
	free(wn);
	if (!wv || !(v = plat_utf8(wv)))
		return NULL;
	for (i = 0; i < 64 && g_env[i].name && strcmp(g_env[i].name, name); i++)
		;
	if (i < 64 && g_env[i].name && !strcmp(g_env[i].value, v)) {
		free(v);
		return g_env[i].value; /* unchanged */
	}
	if (i < 64 && !g_env[i].name)
		g_env[i].name = strdup(name);
	if (i < 64 && g_env[i].name)
		g_env[i].value = v; /* a changed value: the old one stays valid */
	return v;
}

uint64_t plat_now_ms(void)
{
	return GetTickCount64();
}

/* ---- files ------------------------------------------------------------------------------ */

void plat_stdout_binary(void)
{
	fflush(stdout);
	_setmode(1, _O_BINARY);
}

static int fill(HANDLE h, struct plat_stat *st)
{
	BY_HANDLE_FILE_INFORMATION fi;
	DWORD type = GetFileType(h);

	memset(st, 0, sizeof(*st));
	if (type == FILE_TYPE_PIPE) {
		st->kind = PLAT_FIFO;
		return 0;
	}
	if (type != FILE_TYPE_DISK) {
		st->kind = PLAT_OTHER; /* NUL, CON, COM3 */
		return 0;
	}
	if (!GetFileInformationByHandle(h, &fi))
		return fail_last();
	st->kind = fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY ? PLAT_DIR : PLAT_FILE;
	st->size = (uint64_t)fi.nFileSizeHigh << 32 | fi.nFileSizeLow;
	st->dev = fi.dwVolumeSerialNumber;
	st->ino = (uint64_t)fi.nFileIndexHigh << 32 | fi.nFileIndexLow;
	return 0;
}

/* A handle for the attributes only (no sharing conflict with whoever has it open). */
static HANDLE open_query(const char *path)
{
	wchar_t *w = plat_wide(path);
	HANDLE h;

	if (!w)
		return INVALID_HANDLE_VALUE;
	h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE)
		errno = plat_map_err(GetLastError());
	free(w);
	return h;
}

int plat_stat(const char *path, struct plat_stat *st)
{
	HANDLE h = open_query(path);
	int r;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	r = fill(h, st);
	CloseHandle(h);
	return r;
}

int plat_lstat(const char *path, struct plat_stat *st)
{
	return plat_stat(path, st);
}

int plat_fstat(int fd, struct plat_stat *st)
{
	intptr_t h = _get_osfhandle(fd);

	if (h == -1) {
		errno = EBADF;
		return -1;
	}
	return fill((HANDLE)h, st);
}

int plat_readlink(const char *path, char *buf, size_t cap)
{
	(void)path;
	(void)buf;
	(void)cap;
	errno = EINVAL;
	return -1;
}

static int wopen(const char *path, int flags)
{
	wchar_t *w = plat_wide(path);
	int fd;

	if (!w)
		return -1;
	fd = _wopen(w, flags | _O_BINARY | _O_NOINHERIT);
	free(w);
	return fd;
}

int plat_open_read(const char *path)
{
	struct plat_stat st;

	if (plat_stat(path, &st) == 0 && st.kind == PLAT_DIR) {
		errno = EISDIR;
		return -1;
	}
	return wopen(path, _O_RDONLY);
}

int plat_open_write(const char *path)
{
	return wopen(path, _O_WRONLY);
}

ssize_t plat_read(int fd, void *buf, size_t n)
{
	return _read(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

ssize_t plat_write(int fd, const void *buf, size_t n)
{
	return _write(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

int plat_close(int fd)
{
	return _close(fd);
}

int plat_fsync(int fd)
{
	return _commit(fd);
}

bool plat_fd_is_open(int fd)
{
	return _get_osfhandle(fd) != -1;
}

int plat_fd_path(const char *path)
{
	(void)path;
	return -1;
}

int plat_temp_create(const char *path, char *tmp, size_t cap)
{
	static unsigned counter;
	const char *base = path;
	int dlen;

	for (const char *p = path; *p; p++)
		if (plat_is_sep(*p) || (*p == ':' && p == path + 1))
			base = p + 1;
	dlen = (int)(base - path);
	for (int tries = 0; tries < 100; tries++) {
		unsigned r = (unsigned)GetTickCount64() ^ (unsigned)GetCurrentProcessId() << 12 ^
			     ++counter * 0x9E3779B9u;
		int n = snprintf(tmp, cap, "%.*s.%s.partial-%06x", dlen, path, base, r & 0xFFFFFFu);
		wchar_t *w;
		HANDLE h;
		int fd;

		if (n < 0 || (size_t)n >= cap) {
			errno = ENAMETOOLONG;
			return -1;
		}
		w = plat_wide(tmp);
		if (!w)
			return -1;
		h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
		free(w);
		if (h == INVALID_HANDLE_VALUE) {
			if (GetLastError() == ERROR_FILE_EXISTS)
				continue;
			return fail_last();
		}
		fd = _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY);
		if (fd < 0) {
			CloseHandle(h);
			plat_unlink(tmp);
			errno = EMFILE;
		}
		return fd;
	}
	errno = EEXIST;
	return -1;
}

int plat_install(const char *tmp, const char *path, bool force)
{
	wchar_t *wt = plat_wide(tmp), *wp = plat_wide(path);
	DWORD flags = MOVEFILE_WRITE_THROUGH | (force ? MOVEFILE_REPLACE_EXISTING : 0);
	int r = -1;

	if (wt && wp)
		r = MoveFileExW(wt, wp, flags) ? 0 : fail_last();
	free(wt);
	free(wp);
	return r;
}

int plat_unlink(const char *path)
{
	wchar_t *w = plat_wide(path);
	int r;

	if (!w)
		return -1;
	r = _wunlink(w);
	free(w);
	return r;
}

void plat_sync_dir(const char *dir)
{
	(void)dir; /* MOVEFILE_WRITE_THROUGH made the rename durable */
}

/* The only sure answer on Windows (access() ignores ACLs): create a file there. */
int plat_dir_writable(const char *dir)
{
	char probe[4096], tmp[4200];
	struct plat_stat st;
	int fd;

	if (plat_stat(dir, &st))
		return -1;
	if (st.kind != PLAT_DIR) {
		errno = ENOTDIR;
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s%sblrescue-check", dir,
		 plat_is_sep(dir[strlen(dir) - 1]) ? "" : "\\");
	fd = plat_temp_create(probe, tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	_close(fd);
	plat_unlink(tmp);
	return 0;
}

int plat_free_space(const char *dir, uint64_t *avail)
{
	wchar_t *w = plat_wide(dir);
	ULARGE_INTEGER a;
	int r = -1;

	if (w)
		r = GetDiskFreeSpaceExW(w, &a, NULL, NULL) ? 0 : fail_last();
	free(w);
	if (r == 0)
		*avail = a.QuadPart;
	return r;
}

int plat_mkdir(const char *dir)
{
	wchar_t *w = plat_wide(dir);
	int r;

	if (!w)
		return -1;
	r = _wmkdir(w);
	free(w);
	return r;
}

bool plat_same_file(const char *a, const char *b)
{
	struct plat_stat sa, sb;

	return plat_stat(a, &sa) == 0 && plat_stat(b, &sb) == 0 && sa.kind == PLAT_FILE &&
	       sb.kind == PLAT_FILE && sa.dev == sb.dev && sa.ino == sb.ino;
}

bool plat_is_sep(char c)
{
	return c == '/' || c == '\\';
}

size_t plat_root_len(const char *path)
{
	size_t n;

	if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
	    path[1] == ':')
		return plat_is_sep(path[2]) ? 3 : 2;
	if (!plat_is_sep(path[0]))
		return 0;
	if (!plat_is_sep(path[1]))
		return 1;
	/* \\server\share\ (or \\.\ and \\?\ with what follows them) */
	n = 2;
	for (int part = 0; part < 2 && path[n]; part++) {
		while (path[n] && !plat_is_sep(path[n]))
			n++;
		if (path[n])
			n++;
	}
	return n;
}
