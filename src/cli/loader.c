/* SPDX-License-Identifier: MIT */
/*
 * The flash loader file: loading and judging one (what it is: doc/protocol.md §8.3, BUILD-5),
 * and `blrescue loader` (show which one is used; `loader add FILE` installs one). Where it is
 * looked for: loader_find.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

/* ---- what a loader is ----------------------------------------------------------------- */

void cli_loader_name_hint(const char *path, uint32_t *khz, bool *rc)
{
	const char *base = path, *p;

	*khz = 0;
	*rc = false;
	for (p = path; *p; p++)
		if (plat_is_sep(*p))
			base = p + 1;
	for (p = strchr(base, '_'); p; p = strchr(p + 1, '_')) {
		unsigned long whole, frac = 0;
		char *end;

		if (!strncmp(p, "_none", 5) || !strncmp(p, "_rc32m", 6)) {
			*khz = 0;
			*rc = true;
			continue;
		}
		if (p[1] < '0' || p[1] > '9')
			continue;
		whole = strtoul(p + 1, &end, 10);
		if (*end == 'p' && end[1] >= '0' && end[1] <= '9') /* 38p4m: 38.4 MHz */
			frac = strtoul(end + 1, &end, 10);
		if (*end != 'm' || (end[1] && end[1] != '.' && end[1] != '_') || whole > 99 ||
		    frac > 9)
			continue;
		*khz = (uint32_t)(whole * 1000 + frac * 100);
		*rc = false;
	}
}

static void crystal_text(uint32_t khz, bool rc, char *buf, size_t cap)
{
	if (rc)
		snprintf(buf, cap, "no crystal (the internal RC oscillator)");
	else if (khz % 1000)
		snprintf(buf, cap, "a %u.%u MHz crystal", (unsigned)(khz / 1000),
			 (unsigned)(khz % 1000 / 100));
	else
		snprintf(buf, cap, "a %u MHz crystal", (unsigned)(khz / 1000));
}

void cli_loader_describe(const struct blr_loader_info *li, char *buf, size_t cap)
{
	if (!li->chip)
		snprintf(buf, cap,
			 "an unknown build, not one of the official files blrescue knows");
	else if (li->releases)
		snprintf(buf, cap, "the official %s loader %s of bflb-mcu-tool %s", li->chip,
			 li->file_names, li->releases);
	else
		snprintf(buf, cap, "the %s loader %s", li->chip, li->build ? li->build : "?");
}

/* The crystal a loader is for: from the table (by SHA-256), else from its file name. Returns
 * 0 when neither says. */
static int crystal_of(const struct cli_loader *ld, uint32_t *khz, bool *rc, const char **src)
{
	if (ld->info.chip) {
		*khz = ld->info.xtal_khz;
		*rc = ld->info.xtal_rc;
		*src = "its SHA-256";
		return 1;
	}
	*khz = 0;
	*rc = false;
	if (ld->named_by_us) /* 'loader add' gave it the name blrescue looks for */
		return 0;
	cli_loader_name_hint(ld->path, khz, rc);
	*src = "its file name";
	return *khz || *rc;
}

void cli_loader_warn(const struct cli *cli, const struct cli_loader *ld, bool unknown)
{
	uint32_t khz;
	bool rc;
	const char *src;
	char xt[64];

	if (unknown && !ld->info.chip)
		cli_warn(cli,
			 "%s is an unknown build: a valid loader image, but not one of the "
			 "official files blrescue knows (doc/protocol.md §8.3); its limits are "
			 "learned when it runs",
			 ld->path);
	if (!crystal_of(ld, &khz, &rc, &src) || (!rc && khz == 40000))
		return;
	crystal_text(khz, rc, xt, sizeof(xt));
	cli_warn(cli,
		 "%s is built for %s (from %s); most BL602 modules have a 40 MHz crystal and "
		 "need " CLI_LOADER_NAME ". A loader for another crystal sets the clocks up for "
		 "a frequency that is not there: use it only if your module has that crystal.",
		 ld->path, xt, src);
}

void cli_loader_report_invalid(const struct cli *cli, const char *path, int rc, const char *why,
			       const struct blr_loader_info *li, bool fatal)
{
	char what[256];

	if (!why)
		why = blr_strerror(rc);
	if (fatal)
		cli_err(cli, "%s is not a valid BL602 flash loader: %s", path, why);
	else
		cli_warn(cli, "ignoring %s: not a valid BL602 flash loader (%s)", path, why);
	if (li->chip) { /* another chip's official file */
		cli_loader_describe(li, what, sizeof(what));
		cli_info(cli, "It is %s.", what);
	}
}

void cli_loader_free(struct cli_loader *ld)
{
	free(ld->buf);
	ld->buf = NULL;
	ld->len = 0;
}

int cli_loader_load(const struct cli *cli, const char *path, struct cli_loader *ld, bool report)
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
	memset(&ld->info, 0, sizeof(ld->info));
	rc = blr_loader_parse(ld->buf, ld->len, &ld->info, &why);
	if (rc) {
		cli_loader_report_invalid(cli, path, rc, why, &ld->info, report);
		cli_loader_free(ld);
		return EXIT_DATAERR;
	}
	snprintf(ld->path, sizeof(ld->path), "%s", path);
	return 0;
}

/* ---- blrescue loader -------------------------------------------------------------------- */

static void print_loader(const struct cli *cli, const struct cli_loader *ld)
{
	char hex[65], what[256], xt[64];
	const char *src;
	uint32_t khz;
	bool rc;
	FILE *o = cli->out;

	blr_hex_string(ld->info.sha256, 32, hex);
	cli_loader_describe(&ld->info, what, sizeof(what));
	fprintf(o, "loader:      %s\n", ld->path);
	fprintf(o, "found via:   %s\n", ld->why);
	fprintf(o, "size:        %zu bytes\n", ld->info.size);
	fprintf(o, "sha256:      %s\n", hex);
	fprintf(o, "identity:    %s\n", what);
	if (crystal_of(ld, &khz, &rc, &src)) {
		crystal_text(khz, rc, xt, sizeof(xt));
		fprintf(o, "crystal:     %s (from %s)\n", xt + (xt[0] == 'a' ? 2 : 0), src);
	} else {
		fprintf(o, "crystal:     not known\n");
	}
	if (ld->info.build)
		fprintf(o, "build:       %s (protocol features known)\n", ld->info.build);
	else
		fprintf(o, "build:       protocol features not known: learned when it runs\n");
	fprintf(o, "segment:     %u bytes at 0x%08x\n", (unsigned)ld->info.seg_len,
		(unsigned)ld->info.seg_dest);
	if (ld->info.build)
		fprintf(o, "frame limit: %u bytes, PD %s, get_boot_info %s\n",
			(unsigned)ld->info.frame_limit, ld->info.has_pd ? "yes" : "no",
			ld->info.has_get_boot_info ? "yes" : "no");
	else /* doc/protocol.md LIM-5 */
		fprintf(o,
			"frame limit: %u bytes, 16388 if it answers get_boot_info (asked once "
			"it runs)\n",
			(unsigned)ld->info.frame_limit);
}

/* dir and its missing parents (below the root: "/", "C:\\"). */
static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, dir, n + 1);
	for (size_t i = plat_root_len(dir) + 1; i <= n; i++) {
		if (plat_is_sep(buf[i]) || buf[i] == '\0') {
			char c = buf[i];
			struct plat_stat st;

			buf[i] = '\0';
			if (plat_mkdir(buf) && errno != EEXIST &&
			    (plat_stat(buf, &st) || st.kind != PLAT_DIR))
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

/* Is a loader installed at dst already? 0: none (go on), 1: the same file (nothing to do), or
 * an exit code after refusing to replace a different one without force. */
static int installed(const struct cli *cli, const char *dst, const struct cli_loader *ld,
		     bool force)
{
	struct blr_loader_info old;
	uint8_t *buf = NULL;
	size_t len = 0;
	char now[256], next[256], hex[65];

	if (cli_read_file(dst, CLI_LOADER_MAX * 4, &buf, &len))
		return 0; /* nothing readable there: the output checks say the rest */
	if (len == ld->len && !memcmp(buf, ld->buf, len)) {
		free(buf);
		fprintf(cli->out, "%s is already installed (%s is the same file)\n", ld->path, dst);
		return 1;
	}
	memset(&old, 0, sizeof(old));
	if (blr_loader_parse(buf, len, &old, NULL) == BLR_OK || old.chip)
		cli_loader_describe(&old, now, sizeof(now));
	else
		snprintf(now, sizeof(now), "a file that is no valid loader (%zu bytes)", len);
	free(buf);
	cli_loader_describe(&ld->info, next, sizeof(next));
	if (!force) {
		char nhex[65];

		blr_hex_string(old.sha256, 32, hex);
		blr_hex_string(ld->info.sha256, 32, nhex);
		cli_err(cli,
			"loader add: another loader is installed: %s\n"
			"  installed: %s%s%s\n"
			"  new:       %s: %s, sha256 %s\n"
			"Not replacing it; --force does.",
			dst, now, old.size ? ", sha256 " : "", old.size ? hex : "", ld->path, next,
			nhex);
		return EXIT_CANTCREAT;
	}
	cli_warn(cli, "loader add: replacing the installed loader (%s) with %s (%s)", now, next,
		 ld->path);
	return 0;
}

static int loader_add(struct cli *cli, const char *file, bool force)
{
	struct cli_loader ld;
	char dd[2048], dst[2048 + sizeof(CLI_LOADER_NAME) + 2];
	int rc;

	memset(&ld, 0, sizeof(ld));
	rc = cli_loader_load(cli, file, &ld, true);
	if (rc)
		return rc;
	cli_loader_warn(cli, &ld, true);
	if (cli_loader_data_dir(dd, sizeof(dd))) {
		cli_err(cli, "loader add: no user data directory (" PLAT_DATA_DIR_TEXT
			     "): the variables it comes from are not set");
		cli_loader_free(&ld);
		return EXIT_CANTCREAT;
	}
	snprintf(dst, sizeof(dst), "%s%c%s", dd, PLAT_SEP, CLI_LOADER_NAME);
	rc = installed(cli, dst, &ld, force);
	if (rc == 1) {
		cli_loader_free(&ld);
		return EXIT_OK_;
	}
	if (rc == 0 && mkdir_p(dd)) {
		cli_err(cli, "loader add: cannot create %s: %s", dd, strerror(errno));
		rc = EXIT_CANTCREAT;
	}
	if (rc == 0)
		rc = cli_check_output(cli, "loader add", dst, true);
	if (rc == 0 && cli_write_file_atomic(dst, ld.buf, ld.len, true))
		rc = cli_output_error(cli, "loader add", dst, errno);
	if (rc == 0) {
		fprintf(cli->out, "installed %s as %s\n", file, dst);
		snprintf(ld.path, sizeof(ld.path), "%s", dst);
		ld.why = "user data directory ('blrescue loader add')";
		ld.named_by_us = true;
		print_loader(cli, &ld);
	}
	cli_loader_free(&ld);
	return rc;
}

int cmd_loader(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"force", 'f', OPT_NONE, O_FORCE},
	    {NULL, 0, 0, 0},
	};
	struct cli_args a;
	struct cli_loader ld;
	int rc = cli_parse_cmd(cli, argc, argv, "loader", opts, 2, &a);

	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (a.npos > 0) {
		if (strcmp(a.pos[0], "add") || a.npos != 2) {
			cli_err(cli,
				"loader: expected 'blrescue loader' or 'blrescue loader add FILE'");
			return EXIT_USAGE;
		}
		return loader_add(cli, a.pos[1], a.has[O_FORCE]);
	}
	if (a.has[O_FORCE]) {
		cli_err(cli, "loader: --force goes with 'loader add FILE'");
		return EXIT_USAGE;
	}
	rc = cli_loader_find(cli, &ld);
	if (rc)
		return rc;
	cli_loader_warn(cli, &ld, true);
	print_loader(cli, &ld);
	cli_loader_free(&ld);
	return EXIT_OK_;
}
