/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on Windows, globs and where the loader may be (platform.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "platform.h"
#include "platform_win32.h"

/* ---- glob ------------------------------------------------------------------------------- */

/* Does name match the pattern component pat ('*', '?'; ASCII letters in either case)? */
static bool wild(const char *pat, const char *name)
{
	const char *star = NULL, *resume = NULL;

	while (*name) {
		char p = *pat, c = *name;

		if (p >= 'A' && p <= 'Z')
			p = (char)(p - 'A' + 'a');
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (*pat == '*') {
			star = ++pat;
			resume = name;
		} else if (*pat == '?' || (p && p == c)) {
			pat++;
			name++;
		} else if (star) {
			pat = star;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct globber {
	void (*fn)(void *user, const char *path);
	void *user;
};

/* The names in dir (a path ending in a separator, or "") matching comp, sorted; *n of them. */
static char **list_dir(const char *dir, const char *comp, size_t *n)
{
	char pat[4200];
	char **names = NULL;
	size_t cap = 0;
	WIN32_FIND_DATAW fd;
	wchar_t *w;
	HANDLE h;

	*n = 0;
	snprintf(pat, sizeof(pat), "%s*", dir);
	w = plat_wide(pat);
	h = w ? FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0)
	      : INVALID_HANDLE_VALUE;
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	do {
		char *name = plat_utf8(fd.cFileName);

		if (!name || !strcmp(name, ".") || !strcmp(name, "..") || !wild(comp, name)) {
			free(name);
			continue;
		}
		if (*n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));

			if (!nn) {
				free(name);
				break;
			}
			names = nn;
		}
		names[(*n)++] = name;
	} while (FindNextFileW(h, &fd));
	FindClose(h);
	if (*n)
		qsort(names, *n, sizeof(*names), str_cmp);
	return names;
}

/* The matches of rest (components left) below dir (ending in a separator, or ""). */
static void glob_at(const struct globber *g, const char *dir, const char *rest)
{
	size_t k = 0, n = 0;
	char comp[1024], path[4200];
	char **names;
	struct plat_stat st;

	while (rest[k] && !plat_is_sep(rest[k]))
		k++;
	snprintf(comp, sizeof(comp), "%.*s", (int)k, rest);
	rest += k;
	while (plat_is_sep(*rest))
		rest++;
	if (!strpbrk(comp, "*?")) {
		snprintf(path, sizeof(path), "%s%s", dir, comp);
		if (plat_stat(path, &st))
			return;
		if (!*rest) {
			g->fn(g->user, path);
		} else if (st.kind == PLAT_DIR) {
			strncat(path, "\\", sizeof(path) - strlen(path) - 1);
			glob_at(g, path, rest);
		}
		return;
	}
	names = list_dir(dir, comp, &n);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%s", dir, names[i]);
		if (!*rest) {
			g->fn(g->user, path);
		} else if (plat_stat(path, &st) == 0 && st.kind == PLAT_DIR) {
			strncat(path, "\\", sizeof(path) - strlen(path) - 1);
			glob_at(g, path, rest);
		}
		free(names[i]);
	}
	free(names);
}

void plat_glob(const char *pattern, void (*fn)(void *user, const char *path), void *user)
{
	struct globber g = {fn, user};
	size_t root = plat_root_len(pattern);
	char dir[1024];

	snprintf(dir, sizeof(dir), "%.*s", (int)root, pattern);
	if (*(pattern + root))
		glob_at(&g, dir, pattern + root);
}

/* ---- where the loader may be ------------------------------------------------------------ */

int plat_data_dir(char *buf, size_t cap)
{
	const char *l = plat_getenv("LOCALAPPDATA");
	int n;

	if (!l || !*l)
		return -1;
	n = snprintf(buf, cap, "%s\\blrescue", l);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Python on Windows puts packages in <prefix>\Lib\site-packages: the active virtualenv
 * first, then the user's installs (pip --user, the Microsoft Store Python's per-user folder,
 * pipx, virtualenvs), then python.org's per-user and all-users installs. */
const char *const plat_py_sites[] = {
    "$VIRTUAL_ENV/Lib/site-packages",
    "$APPDATA/Python/Python3*/site-packages",
    "$LOCALAPPDATA/Packages/PythonSoftwareFoundation.Python.3*/LocalCache/local-packages/"
    "Python3*/site-packages",
    "$PIPX_HOME/venvs/*/Lib/site-packages",
    "$USERPROFILE/pipx/venvs/*/Lib/site-packages",
    "$LOCALAPPDATA/pipx/pipx/venvs/*/Lib/site-packages",
    "$USERPROFILE/.virtualenvs/*/Lib/site-packages",
    "$USERPROFILE/Envs/*/Lib/site-packages",
    "$LOCALAPPDATA/Programs/Python/Python3*/Lib/site-packages",
    "$ProgramFiles/Python3*/Lib/site-packages",
    "$ProgramFiles(x86)/Python3*/Lib/site-packages",
    "$SystemDrive/Python3*/Lib/site-packages",
    NULL,
};

/* Dev Cube is a zip (BouffaloLabDevCube-v1.8.x) unpacked where people unpack things. */
const char *const plat_devcube_dirs[] = {
    "$USERPROFILE/Downloads/BouffaloLabDevCube*", "$USERPROFILE/Desktop/BouffaloLabDevCube*",
    "$USERPROFILE/Documents/BouffaloLabDevCube*", "$USERPROFILE/BouffaloLabDevCube*",
    "$SystemDrive/BouffaloLabDevCube*",		  NULL,
};
