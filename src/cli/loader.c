/* SPDX-License-Identifier: MIT */
/*
 * Flash loader discovery and `blrescue loader`.
 *
 * blrescue never ships Bouffalo's eflash_loader. Discovery order (blrescue(1), LOADER):
 *   1. --loader FILE
 *   2. $BLRESCUE_LOADER
 *   3. the user data directory: $XDG_DATA_HOME/blrescue/eflash_loader_40m.bin
 *      (~/.local/share/blrescue/... when XDG_DATA_HOME is unset), filled by `loader add`
 *   4. a Dev Cube folder named with --devcube DIR or $BLRESCUE_DEVCUBE:
 *      DIR/chips/bl602/eflash_loader/ and DIR/bl602/eflash_loader/
 *   5. installed Python packages of the official tools (pip install bflb-mcu-tool):
 *      {/usr/lib,/usr/local/lib,~/.local/lib}/python3* /{site,dist}-packages/
 *      bflb_mcu_tool/chips/bl602/eflash_loader/eflash_loader_40m.bin
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_int.h"

#define MAX_CAND 64

struct cand {
	char *path;
	const char *why;
	bool explicit_; /* named by the user: errors are fatal */
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
	cs->n++;
}

static void add_join(struct cands *cs, const char *dir, const char *rest, const char *why)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s/%s", dir, rest) < (int)sizeof(buf))
		add(cs, buf, why, false);
}

static void free_cands(struct cands *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i].path);
	cs->n = 0;
}

/* The user data directory (no trailing slash) into buf; -1 when neither XDG_DATA_HOME
 * (absolute) nor HOME is set. */
static int data_dir(char *buf, size_t cap)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(buf, cap, "%s/blrescue", x);
	else if (home && *home)
		n = snprintf(buf, cap, "%s/.local/share/blrescue", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void add_python(struct cands *cs)
{
	static const char *const suffix =
	    "/bflb_mcu_tool/chips/bl602/eflash_loader/" CLI_LOADER_NAME;
	const char *home = getenv("HOME");
	char pat[4096];
	const char *roots[3] = {"/usr/lib", "/usr/local/lib", NULL};
	char homelib[4096];

	if (home && *home &&
	    snprintf(homelib, sizeof(homelib), "%s/.local/lib", home) < (int)sizeof(homelib))
		roots[2] = homelib;
	for (size_t r = 0; r < 3; r++) {
		static const char *const pk[2] = {"site-packages", "dist-packages"};

		if (!roots[r])
			continue;
		for (size_t k = 0; k < 2; k++) {
			glob_t g;

			if (snprintf(pat, sizeof(pat), "%s/python3*/%s%s", roots[r], pk[k],
				     suffix) >= (int)sizeof(pat))
				continue;
			memset(&g, 0, sizeof(g));
			if (glob(pat, 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					add(cs, g.gl_pathv[i],
					    "installed Python package bflb-mcu-tool", false);
			}
			globfree(&g);
		}
	}
}

static void collect(const struct cli *cli, struct cands *cs)
{
	const char *env = getenv("BLRESCUE_LOADER");
	char dd[4096];

	if (cli->loader)
		add(cs, cli->loader, "--loader option", true);
	if (env && *env)
		add(cs, env, "BLRESCUE_LOADER environment variable", true);
	if (data_dir(dd, sizeof(dd)) == 0)
		add_join(cs, dd, CLI_LOADER_NAME, "user data directory ('blrescue loader add')");
	if (cli->devcube) {
		add_join(cs, cli->devcube, "chips/bl602/eflash_loader/" CLI_LOADER_NAME,
			 "Dev Cube folder (--devcube / BLRESCUE_DEVCUBE)");
		add_join(cs, cli->devcube, "bl602/eflash_loader/" CLI_LOADER_NAME,
			 "Dev Cube folder (--devcube / BLRESCUE_DEVCUBE)");
	}
	add_python(cs);
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
	    "  - the official Python tool: pip install bflb-mcu-tool, which installs\n"
	    "    bflb_mcu_tool/chips/bl602/eflash_loader/" CLI_LOADER_NAME "\n"
	    "Then run 'blrescue loader add FILE' once, or pass --loader FILE or --devcube DIR.\n");
	if (cs->n) {
		fprintf(stderr, "Searched:\n");
		for (size_t i = 0; i < cs->n; i++)
			fprintf(stderr, "  %s (%s)\n", cs->c[i].path, cs->c[i].why);
	}
	fprintf(stderr, "  installed Python packages: {/usr/lib,/usr/local/lib,~/.local/lib}/"
			"python3*/{site,dist}-packages/bflb_mcu_tool/...\n");
}

void cli_loader_free(struct cli_loader *ld)
{
	free(ld->buf);
	ld->buf = NULL;
	ld->len = 0;
}

/* Load and validate one file. Returns 0, EXIT_NOINPUT (missing/unreadable) or EXIT_DATAERR. */
static int load_one(const struct cli *cli, const char *path, struct cli_loader *ld, bool report)
{
	const char *why = NULL;
	int rc;

	if (cli_read_file(path, CLI_LOADER_MAX, &ld->buf, &ld->len)) {
		int e = errno;

		if (report)
			cli_err(cli, "cannot read loader %s: %s", path,
				e == EFBIG ? "too large for a flash loader" : strerror(e));
		/* too large is bad contents (65), like any other invalid loader */
		return e == EFBIG ? EXIT_DATAERR : EXIT_NOINPUT;
	}
	rc = blr_loader_parse(ld->buf, ld->len, &ld->info, &why);
	if (rc) {
		if (report)
			cli_err(cli, "%s is not a valid BL602 flash loader: %s", path,
				why ? why : blr_strerror(rc));
		else
			cli_warn(cli, "ignoring %s: not a valid BL602 flash loader (%s)", path,
				 why ? why : blr_strerror(rc));
		cli_loader_free(ld);
		return EXIT_DATAERR;
	}
	snprintf(ld->path, sizeof(ld->path), "%s", path);
	return 0;
}

int cli_loader_find(struct cli *cli, struct cli_loader *ld)
{
	struct cands cs;
	int rc = EXIT_NOINPUT;

	memset(ld, 0, sizeof(*ld));
	memset(&cs, 0, sizeof(cs));
	collect(cli, &cs);
	for (size_t i = 0; i < cs.n; i++) {
		struct stat st;

		if (!cs.c[i].explicit_ && stat(cs.c[i].path, &st) != 0)
			continue;
		if (cli->verbose)
			cli_info(cli, "loader: trying %s (%s)", cs.c[i].path, cs.c[i].why);
		rc = load_one(cli, cs.c[i].path, ld, cs.c[i].explicit_);
		if (rc == 0) {
			ld->why = cs.c[i].why;
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

static void print_loader(const struct cli *cli, const struct cli_loader *ld)
{
	char hex[65];
	FILE *o = cli->out;

	blr_hex_string(ld->info.sha256, 32, hex);
	fprintf(o, "loader:      %s\n", ld->path);
	fprintf(o, "found via:   %s\n", ld->why);
	fprintf(o, "size:        %zu bytes\n", ld->info.size);
	fprintf(o, "sha256:      %s\n", hex);
	if (ld->info.build)
		fprintf(o, "build:       %s (known official build)\n", ld->info.build);
	else
		fprintf(o, "build:       unknown (valid header; conservative limits are used)\n");
	fprintf(o, "segment:     %u bytes at 0x%08x\n", (unsigned)ld->info.seg_len,
		(unsigned)ld->info.seg_dest);
	fprintf(o, "frame limit: %u bytes, PD %s, get_boot_info %s\n",
		(unsigned)ld->info.frame_limit, ld->info.has_pd ? "yes" : "no",
		ld->info.has_get_boot_info ? "yes" : "no");
}

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

static int loader_add(struct cli *cli, const char *file)
{
	struct cli_loader ld;
	char dd[2048], dst[2048 + sizeof(CLI_LOADER_NAME) + 2];
	int rc;

	memset(&ld, 0, sizeof(ld));
	rc = load_one(cli, file, &ld, true);
	if (rc)
		return rc;
	if (data_dir(dd, sizeof(dd))) {
		cli_err(cli, "loader add: neither XDG_DATA_HOME nor HOME is set");
		cli_loader_free(&ld);
		return EXIT_CANTCREAT;
	}
	snprintf(dst, sizeof(dst), "%s/%s", dd, CLI_LOADER_NAME);
	if (mkdir_p(dd)) {
		cli_err(cli, "loader add: cannot create %s: %s", dd, strerror(errno));
		cli_loader_free(&ld);
		return EXIT_CANTCREAT;
	}
	rc = cli_check_output(cli, "loader add", dst, true);
	if (rc == 0 && cli_write_file_atomic(dst, ld.buf, ld.len, true))
		rc = cli_output_error(cli, "loader add", dst, errno);
	if (rc) {
		cli_loader_free(&ld);
		return rc;
	}
	memcpy(ld.path, dst, strlen(dst) < sizeof(ld.path) ? strlen(dst) + 1 : 0);
	ld.path[sizeof(ld.path) - 1] = '\0';
	ld.why = "user data directory ('blrescue loader add')";
	fprintf(cli->out, "installed %s\n", dst);
	print_loader(cli, &ld);
	cli_loader_free(&ld);
	return EXIT_OK_;
}

int cmd_loader(struct cli *cli, int argc, char **argv)
{
	struct cli_optparse p;
	const char *arg, *pos[3] = {NULL, NULL, NULL};
	size_t npos = 0;
	struct cli_loader ld;
	int id, rc;

	cli_optparse_init(&p, argc, argv, 1, "loader");
	while ((id = cli_optparse_next(&p, cli, NULL, true, &arg)) != OPTP_END) {
		if (id == OPTP_ERROR)
			return EXIT_USAGE;
		if (id == GOPT_HELP) {
			cli_usage("loader", stdout);
			return EXIT_OK_;
		}
		if (id == OPTP_POSITIONAL) {
			if (npos >= 2) {
				cli_err(cli,
					"loader: too many arguments (see 'blrescue help loader')");
				return EXIT_USAGE;
			}
			pos[npos++] = arg;
			continue;
		}
		rc = cli_global_apply(cli, id, arg);
		if (rc)
			return rc;
	}
	if (npos > 0) {
		if (strcmp(pos[0], "add") || npos != 2) {
			cli_err(cli,
				"loader: expected 'blrescue loader' or 'blrescue loader add FILE'");
			return EXIT_USAGE;
		}
		return loader_add(cli, pos[1]);
	}
	rc = cli_loader_find(cli, &ld);
	if (rc)
		return rc;
	print_loader(cli, &ld);
	cli_loader_free(&ld);
	return EXIT_OK_;
}
