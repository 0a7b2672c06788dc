/* SPDX-License-Identifier: MIT */
/*
 * Where the flash loader is found (blrescue(1), LOADER). blrescue never ships Bouffalo's
 * eflash_loader. The order:
 *   1. --loader FILE
 *   2. $BLRESCUE_LOADER
 *   3. the user data directory, filled by `loader add`: $XDG_DATA_HOME/blrescue
 *      (~/.local/share/blrescue when XDG_DATA_HOME is unset); on Windows
 *      %LOCALAPPDATA%\blrescue
 *   4. a Dev Cube folder named with --devcube DIR or $BLRESCUE_DEVCUBE, then on Windows the
 *      places people unpack it (plat_devcube_dirs): DIR/chips/bl602/eflash_loader/ and
 *      DIR/bl602/eflash_loader/
 *   5. the official Python tools (bflb-mcu-tool, bflb-iot-tool) wherever pip, pipx or a
 *      virtualenv put them (plat_py_sites: the OS's Python installs), in their
 *      chips/bl602/eflash_loader/ folder.
 * Paths use the OS's separator (PLAT_SEP).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

#define MAX_CAND 64

/* the official tools' packages, each with the BL602 loader in the same place */
static const char *const py_tools[] = {"bflb_mcu_tool", "bflb_iot_tool"};
#define PY_LOADER  "chips/bl602/eflash_loader/" CLI_LOADER_NAME
#define DC_LOADERS "{chips/bl602,bl602}/eflash_loader/" CLI_LOADER_NAME

struct cand {
	char *path;
	const char *why;
	bool explicit_; /* named by the user: errors are fatal */
	bool ours;	/* the user data directory: blrescue named the file */
};

struct cands {
	struct cand c[MAX_CAND];
	size_t n;
};

static void add(struct cands *cs, const char *path, const char *why, bool expl)
{
	if (cs->n >= MAX_CAND || !path)
		return;
	cs->c[cs->n].path = strdup(path);
	if (!cs->c[cs->n].path)
		return;
	cs->c[cs->n].why = why;
	cs->c[cs->n].explicit_ = expl;
	cs->c[cs->n].ours = false;
	cs->n++;
}

/* '/' in s as the OS's separator. */
static void native_seps(char *s)
{
	for (; *s; s++)
		if (*s == '/')
			*s = PLAT_SEP;
}

static void add_join(struct cands *cs, const char *dir, const char *rest, const char *why)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s/%s", dir, rest) < (int)sizeof(buf)) {
		native_seps(buf);
		add(cs, buf, why, false);
	}
}

static void free_cands(struct cands *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i].path);
	cs->n = 0;
}

int cli_loader_data_dir(char *buf, size_t cap)
{
	return plat_data_dir(buf, cap);
}

/* A plat_py_sites pattern with "~" and "$NAME" replaced and the OS's separators; -1 when the
 * variable (or HOME) is unset, with the variable's name in *unset. */
static int expand(const char *pat, char *out, size_t cap, const char **unset)
{
	const char *rest = pat, *val;
	char name[32];
	int n;

	*unset = NULL;
	if (pat[0] == '~') {
		val = plat_getenv("HOME");
		rest = pat + 1;
		snprintf(name, sizeof(name), "HOME");
	} else if (pat[0] == '$') {
		size_t k = strcspn(pat + 1, "/");

		snprintf(name, sizeof(name), "%.*s", (int)k, pat + 1);
		val = plat_getenv(name);
		rest = pat + 1 + k;
	} else {
		val = "";
	}
	if (!val || (pat[0] != '/' && !*val)) {
		*unset = pat[0] == '~' ? "HOME" : pat + 1;
		return -1;
	}
	n = snprintf(out, cap, "%s%s", val, rest);
	native_seps(out);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

struct found {
	struct cands *cs;
	const char *why;
};

static void add_found(void *user, const char *path)
{
	struct found *f = user;

	add(f->cs, path, f->why, false);
}

static void add_python(struct cands *cs)
{
	char site[4096], pat[4200];
	const char *unset;

	for (size_t s = 0; plat_py_sites[s]; s++) {
		if (expand(plat_py_sites[s], site, sizeof(site), &unset))
			continue;
		for (size_t t = 0; t < sizeof(py_tools) / sizeof(py_tools[0]); t++) {
			struct found f = {cs, t == 0 ? "installed Python tool bflb-mcu-tool"
						     : "installed Python tool bflb-iot-tool"};

			snprintf(pat, sizeof(pat), "%s/%s/" PY_LOADER, site, py_tools[t]);
			native_seps(pat);
			plat_glob(pat, add_found, &f);
		}
	}
}

/* Dev Cube unpacked where people unpack things (Windows: Downloads, Desktop, C:\). */
static void add_devcube_dirs(struct cands *cs)
{
	static const char *const subs[] = {"chips/bl602/eflash_loader/" CLI_LOADER_NAME,
					   "bl602/eflash_loader/" CLI_LOADER_NAME};
	char dir[4096], pat[4200];
	const char *unset;

	for (size_t d = 0; plat_devcube_dirs[d]; d++) {
		if (expand(plat_devcube_dirs[d], dir, sizeof(dir), &unset))
			continue;
		for (size_t k = 0; k < 2; k++) {
			struct found f = {cs, "Dev Cube folder"};

			snprintf(pat, sizeof(pat), "%s/%s", dir, subs[k]);
			native_seps(pat);
			plat_glob(pat, add_found, &f);
		}
	}
}

static void collect(const struct cli *cli, struct cands *cs)
{
	const char *env = plat_getenv("BLRESCUE_LOADER");
	char dd[4096];

	if (cli->loader)
		add(cs, cli->loader, "--loader option", true);
	if (env && *env)
		add(cs, env, "BLRESCUE_LOADER environment variable", true);
	if (cli_loader_data_dir(dd, sizeof(dd)) == 0) {
		size_t n = cs->n;

		add_join(cs, dd, CLI_LOADER_NAME, "user data directory ('blrescue loader add')");
		if (cs->n > n)
			cs->c[n].ours = true;
	}
	if (cli->devcube) {
		add_join(cs, cli->devcube, "chips/bl602/eflash_loader/" CLI_LOADER_NAME,
			 "Dev Cube folder (--devcube / BLRESCUE_DEVCUBE)");
		add_join(cs, cli->devcube, "bl602/eflash_loader/" CLI_LOADER_NAME,
			 "Dev Cube folder (--devcube / BLRESCUE_DEVCUBE)");
	}
	add_devcube_dirs(cs);
	add_python(cs);
}

/* Every pattern of a table, expanded, each followed by tail ('/' between them). */
static void list_patterns(const char *const *pats, const char *tail)
{
	char dir[4096], line[4300], raw[4300];
	const char *unset;

	for (size_t s = 0; pats[s]; s++) {
		if (expand(pats[s], dir, sizeof(dir), &unset)) {
			snprintf(raw, sizeof(raw), "%s/%s", pats[s], tail);
			native_seps(raw);
			fprintf(stderr, "    %s ($%.*s is not set)\n", raw,
				(int)strcspn(unset, "/"), unset);
			continue;
		}
		snprintf(line, sizeof(line), "%s/%s", dir, tail);
		native_seps(line);
		fprintf(stderr, "    %s\n", line);
	}
}

/* Every place searched: the files, then every pattern of Dev Cube folders and Python
 * installs. */
static void list_searched(const struct cli *cli, const struct cands *cs)
{
	fprintf(stderr, "Searched:\n");
	for (size_t i = 0; i < cs->n; i++)
		fprintf(stderr, "  %s (%s)\n", cs->c[i].path, cs->c[i].why);
	if (!cli->devcube)
		fprintf(stderr, "  no Dev Cube folder (--devcube DIR or BLRESCUE_DEVCUBE)\n");
	if (plat_devcube_dirs[0]) {
		fprintf(stderr, "  Dev Cube folders:\n");
		list_patterns(plat_devcube_dirs, DC_LOADERS);
	}
	fprintf(stderr, "  the Python tools bflb-mcu-tool and bflb-iot-tool (pip, pipx, "
			"virtualenvs):\n");
	list_patterns(plat_py_sites, "{bflb_mcu_tool,bflb_iot_tool}/" PY_LOADER);
}

static void explain_missing(const struct cli *cli, const struct cands *cs)
{
	cli_err(cli, "no flash loader found");
	fprintf(
	    stderr,
	    "blrescue needs Bouffalo Lab's flash loader " CLI_LOADER_NAME " (it runs in the\n"
	    "chip's RAM and is not shipped with blrescue). Get it from either of:\n"
	    "  - Bouffalo Lab Dev Cube (https://dev.bouffalolab.com/download), in\n"
	    "    chips/bl602/eflash_loader/" CLI_LOADER_NAME " of the unpacked folder\n"
	    "  - the official Python tool: pip install bflb-mcu-tool (or pipx install\n"
	    "    bflb-mcu-tool), which installs bflb_mcu_tool/" PY_LOADER "\n"
	    "Then run 'blrescue loader add FILE' once, or pass --loader FILE or --devcube DIR.\n");
	list_searched(cli, cs);
}

int cli_loader_find(struct cli *cli, struct cli_loader *ld)
{
	struct cands cs;
	int rc = EXIT_NOINPUT;

	memset(ld, 0, sizeof(*ld));
	memset(&cs, 0, sizeof(cs));
	collect(cli, &cs);
	for (size_t i = 0; i < cs.n; i++) {
		struct plat_stat st;

		if (!cs.c[i].explicit_ && plat_stat(cs.c[i].path, &st) != 0)
			continue;
		if (cli->verbose)
			cli_info(cli, "loader: trying %s (%s)", cs.c[i].path, cs.c[i].why);
		rc = cli_loader_load(cli, cs.c[i].path, ld, cs.c[i].explicit_);
		if (rc == 0) {
			ld->why = cs.c[i].why;
			ld->named_by_us = cs.c[i].ours;
			free_cands(&cs);
			return 0;
		}
		if (cs.c[i].explicit_) {
			free_cands(&cs);
			return rc;
		}
	}
	explain_missing(cli, &cs);
	free_cands(&cs);
	return EXIT_NOINPUT;
}
