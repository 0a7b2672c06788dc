/* SPDX-License-Identifier: MIT */
/* What the Windows files of the platform layer share (platform_win32*.c). */
#ifndef BLR_CLI_PLATFORM_WIN32_H
#define BLR_CLI_PLATFORM_WIN32_H

#include <wchar.h>

/* s as a new UTF-16 string; NULL with errno (EINVAL: not UTF-8). */
wchar_t *plat_wide(const char *s);
/* w as a new UTF-8 string, or NULL. */
char *plat_utf8(const wchar_t *w);
/* The errno for a Windows error (GetLastError()). */
int plat_map_err(unsigned long e);

#endif
