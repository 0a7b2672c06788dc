/* SPDX-License-Identifier: MIT */
/* The device commands: info, read (dump), write, erase, verify. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blrescue/chipdb.h"
#include "blrescue/image.h"
#include "cli/cli_int.h"
#include "common/hash.h"

enum {
	O_JSON = 1,
	O_START,
	O_SIZE,
	O_END,
	O_FORCE,
	O_ADDR,
	O_BACKUP,
	O_RESET,
	O_FULL,
	O_NO_VERIFY,
	O_ALL,
	O_DIFF,
};

/* One option value that is parsed and checked later. */
struct numopt {
	bool set;
	uint32_t v;
};

static int take_num(struct cli *cli, const char *opt, const char *arg, struct numopt *n)
{
	int rc = cli_opt_u32(cli, opt, arg, &n->v);

	if (rc)
		return rc;
	n->set = true;
	return 0;
}

static void fmt_hex_bytes(const uint8_t *b, size_t n, char sep, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			out[k++] = sep;
		out[k++] = hx[b[i] >> 4];
		out[k++] = hx[b[i] & 15];
	}
	out[k] = '\0';
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Messages about input files a user can act on; an empty file is refused too. */
static int read_input(struct cli *cli, const char *what, const char *path, uint8_t **buf,
		      size_t *len)
{
	int rc = cli_read_input(cli, what, path, buf, len);

	if (rc)
		return rc;
	if (*len == 0) {
		cli_err(cli, "%s: %s is empty", what, path);
		free(*buf);
		*buf = NULL;
		return EXIT_DATAERR;
	}
	return 0;
}

/* Before connecting: an output path must not exist (unless force) and its directory must be
 * writable, so that a long read does not end in "cannot write". */
static int check_output(struct cli *cli, const char *what, const char *path, bool force)
{
	struct stat st;
	char dir[4096];
	const char *slash;

	if (!strcmp(path, "-"))
		return 0;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			cli_err(cli, "%s: %s is a directory", what, path);
			return EXIT_CANTCREAT;
		}
		if (!force) {
			cli_err(cli,
				"%s: %s exists; not overwriting it (use --force, or choose "
				"another name)",
				what, path);
			return EXIT_CANTCREAT;
		}
	}
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (access(dir, W_OK | X_OK)) {
		cli_err(cli, "%s: cannot create %s: %s", what, path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	return 0;
}

static bool interrupted(const struct cli *cli)
{
	return cli->interrupted && *cli->interrupted;
}

/*
 * Read [addr, addr+len) into a new buffer, check it against the chip's SHA-256, and write it
 * atomically to path. Prints "<sha256>  <path>". Returns an exit code.
 */
static int read_to_file(struct cli_session *s, uint32_t addr, uint32_t len, const char *path,
			bool force, const char *what)
{
	struct cli *cli = s->cli;
	uint8_t *buf = malloc(len ? len : 1);
	uint8_t chip[32], host[32];
	char hex[65];
	uint64_t t0 = cli_now_ms(), dt;
	int rc;

	if (!buf) {
		cli_err(cli, "%s: out of memory", what);
		return EXIT_SOFTWARE;
	}
	rc = blr_flash_read(s->dev, addr, buf, len);
	if (rc) {
		free(buf);
		return cli_session_fail(s, what, rc);
	}
	dt = cli_now_ms() - t0;
	cli_progress_end(&s->progress);
	rc = blr_flash_sha256(s->dev, addr, len, chip);
	if (rc) {
		free(buf);
		return cli_session_fail(s, what, rc);
	}
	if (blr_sha256(buf, len, host)) {
		free(buf);
		cli_err(cli, "%s: SHA-256 failed", what);
		return EXIT_SOFTWARE;
	}
	if (memcmp(chip, host, 32)) {
		free(buf);
		cli_err(cli,
			"%s: the data read does not match the chip's own SHA-256 of "
			"0x%08" PRIx32 "..0x%08" PRIx32 "; nothing was written. Try a lower "
			"baud (-b 1000000) and check the wiring.",
			what, addr, (uint32_t)(addr + len));
		return EXIT_IOERR;
	}
	if (interrupted(cli)) {
		free(buf);
		cli_err(cli, "%s: interrupted", what);
		return EXIT_INTERRUPTED;
	}
	if (cli_write_file_atomic(path, buf, len, force)) {
		int e = errno;

		free(buf);
		if (e == EEXIST)
			cli_err(cli, "%s: %s exists; not overwriting it (use --force)", what, path);
		else
			cli_err(cli, "%s: cannot write %s: %s", what, path, strerror(e));
		return strcmp(path, "-") ? EXIT_CANTCREAT : EXIT_IOERR;
	}
	free(buf);
	blr_hex(chip, 32, hex);
	{
		char sz[32];

		cli_fmt_size(len, sz, sizeof(sz));
		cli_info(cli,
			 "Read %s from 0x%08" PRIx32 " in %" PRIu64 ".%01" PRIu64
			 " s; matches the chip's SHA-256",
			 sz, addr, dt / 1000, dt % 1000 / 100);
	}
	fprintf(cli->out, "%s  %s\n", hex, path);
	fflush(cli->out);
	return EXIT_OK_;
}

/* ---- info --------------------------------------------------------------------------------- */

static int info_opt(struct cli *cli, void *st, int id, const char *arg)
{
	(void)cli;
	(void)arg;
	if (id == O_JSON)
		*(bool *)st = true;
	return 0;
}

int cmd_info(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", 0, OPT_NONE, O_JSON}, {NULL, 0, 0, 0}};
	struct cli_session s;
	const struct blr_chip_info *in;
	const struct blr_flash_part *part;
	const char *vendor, *pos[1];
	char chip[32], mac[32], jedec[16], sz[32];
	bool json = false;
	size_t npos;
	int rc;
	FILE *o = cli->out;

	rc = cli_parse_cmd(cli, argc, argv, "info", opts, info_opt, &json, pos, 0, &npos);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	cli->json = json;
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	in = &s.info;
	part = blr_flash_part_lookup(in->jedec);
	vendor = part ? part->vendor : blr_flash_vendor_name(in->jedec[0]);
	fmt_hex_bytes(in->chip_id, sizeof(in->chip_id), 0, chip);
	fmt_hex_bytes(in->mac, 6, ':', mac);
	snprintf(jedec, sizeof(jedec), "%02X%02X%02X", in->jedec[0], in->jedec[1], in->jedec[2]);
	cli_fmt_size(in->flash_size, sz, sizeof(sz));
	if (json) {
		fprintf(o, "{\"port\": ");
		json_str(o, s.port);
		fprintf(o, ", \"chip_id\": \"%s\", \"mac\": \"%s\", \"rom_version\": ", chip, mac);
		if (in->rom_version) /* 0: not read, a loader was already running */
			fprintf(o, "\"0x%08" PRIx32 "\"", in->rom_version);
		else
			fputs("null", o);
		fprintf(o, ", \"sign_type\": %u, \"encrypted\": %u", in->sign_type, in->encrypted);
		fprintf(o, ", \"loader_build\": ");
		if (in->loader_build)
			json_str(o, in->loader_build);
		else
			fputs("null", o);
		fprintf(o, ", \"loader_was_running\": %s, \"baud\": %u, \"frame_limit\": %" PRIu32,
			in->loader_was_running ? "true" : "false", in->baud, in->frame_limit);
		fprintf(o, ", \"flash_jedec\": \"%s\", \"flash_vendor\": ", jedec);
		if (vendor)
			json_str(o, vendor);
		else
			fputs("null", o);
		fprintf(o, ", \"flash_part\": ");
		if (part && part->part)
			json_str(o, part->part);
		else
			fputs("null", o);
		fprintf(o, ", \"flash_size\": %" PRIu32 "}\n", in->flash_size);
	} else {
		fprintf(o, "port:          %s\n", s.port);
		fprintf(o, "chip id:       %s\n", chip);
		fprintf(o, "MAC:           %s%s\n", mac,
			in->mac_from_efuse_cmd ? "" : " (from boot info)");
		if (in->rom_version)
			fprintf(o, "ROM version:   0x%08" PRIx32 "\n", in->rom_version);
		else
			fprintf(o, "ROM version:   not read (a loader was already running)\n");
		fprintf(o, "security:      sign type %u, encrypted %u\n", in->sign_type,
			in->encrypted);
		fprintf(o, "loader:        %s%s, %u baud, frames up to %" PRIu32 " bytes\n",
			in->loader_build ? in->loader_build : "unknown build",
			in->loader_was_running ? " (already running)" : "", in->baud,
			in->frame_limit);
		fprintf(o, "flash JEDEC:   %02X %02X %02X\n", in->jedec[0], in->jedec[1],
			in->jedec[2]);
		fprintf(o, "flash part:    %s %s\n", vendor ? vendor : "unknown vendor",
			part && part->part ? part->part : "(part unknown)");
		fprintf(o, "flash size:    %s (%" PRIu32 " bytes)\n", sz, in->flash_size);
	}
	fflush(o);
	cli_session_close(&s);
	return EXIT_OK_;
}

/* ---- read --------------------------------------------------------------------------------- */

struct range_opts {
	struct numopt start, size, end, addr;
	bool force, reset, full, no_verify, all, diff;
	const char *backup;
};

static int range_opt(struct cli *cli, void *st, int id, const char *arg)
{
	struct range_opts *r = st;

	switch (id) {
	case O_START:
		return take_num(cli, "--start", arg, &r->start);
	case O_SIZE:
		return take_num(cli, "--size", arg, &r->size);
	case O_END:
		return take_num(cli, "--end", arg, &r->end);
	case O_ADDR:
		return take_num(cli, "--addr", arg, &r->addr);
	case O_FORCE:
		r->force = true;
		return 0;
	case O_RESET:
		r->reset = true;
		return 0;
	case O_FULL:
		r->full = true;
		return 0;
	case O_NO_VERIFY:
		r->no_verify = true;
		return 0;
	case O_ALL:
		r->all = true;
		return 0;
	case O_DIFF:
		r->diff = true;
		return 0;
	case O_BACKUP:
		r->backup = arg;
		return 0;
	default:
		return EXIT_SOFTWARE;
	}
}

/* --start/--size/--end to [*a, *a + *n), before the flash size is known. */
static int range_shape(struct cli *cli, const char *cmd, const struct range_opts *r, uint32_t *a,
		       uint64_t *n, bool *to_end)
{
	*a = r->start.set ? r->start.v : 0;
	*to_end = false;
	if (r->size.set && r->end.set) {
		cli_err(cli, "%s: use either --size or --end, not both", cmd);
		return EXIT_USAGE;
	}
	if (r->end.set) {
		if (r->end.v <= *a) {
			cli_err(cli,
				"%s: --end 0x%" PRIx32 " must be above --start 0x%" PRIx32
				" (the end is exclusive)",
				cmd, r->end.v, *a);
			return EXIT_USAGE;
		}
		*n = r->end.v - *a;
	} else if (r->size.set) {
		if (r->size.v == 0) {
			cli_err(cli, "%s: --size 0 is empty", cmd);
			return EXIT_USAGE;
		}
		*n = r->size.v;
	} else {
		*n = 0;
		*to_end = true;
	}
	return 0;
}

static int range_fit(struct cli *cli, const char *cmd, uint32_t flash, uint32_t a, uint64_t *n,
		     bool to_end)
{
	char sz[32];

	cli_fmt_size(flash, sz, sizeof(sz));
	if (a >= flash) {
		cli_err(cli,
			"%s: start 0x%" PRIx32 " is beyond the end of the %s flash (0x%" PRIx32 ")",
			cmd, a, sz, flash);
		return EXIT_USAGE;
	}
	if (to_end)
		*n = flash - a;
	if (a + *n > flash) {
		cli_err(cli,
			"%s: the range 0x%" PRIx32 "..0x%" PRIx64 " goes past the end of the "
			"%s flash (0x%" PRIx32 ")",
			cmd, a, a + *n, sz, flash);
		return EXIT_USAGE;
	}
	return 0;
}

static const struct cli_opt read_opts[] = {
    {"start", 0, OPT_ARG, O_START},
    {"size", 0, OPT_ARG, O_SIZE},
    {"end", 0, OPT_ARG, O_END},
    {"force", 'f', OPT_NONE, O_FORCE},
    {NULL, 0, 0, 0},
};

int cmd_read(struct cli *cli, int argc, char **argv)
{
	struct range_opts r;
	struct cli_session s;
	const char *pos[1];
	size_t npos;
	uint32_t a;
	uint64_t n;
	bool to_end;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cli_parse_cmd(cli, argc, argv, "read", read_opts, range_opt, &r, pos, 1, &npos);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (npos != 1) {
		cli_err(cli, "read: which file? usage: blrescue read FILE (use - for standard "
			     "output)");
		return EXIT_USAGE;
	}
	rc = range_shape(cli, "read", &r, &a, &n, &to_end);
	if (rc)
		return rc;
	if (!strcmp(pos[0], "-")) {
		if (isatty(STDOUT_FILENO)) {
			cli_err(cli,
				"read: not writing binary data to a terminal; redirect standard "
				"output (e.g. '| xxd') or give a file name");
			return EXIT_USAGE;
		}
		cli->out = stderr;
	}
	rc = check_output(cli, "read", pos[0], r.force);
	if (rc)
		return rc;
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	rc = range_fit(cli, "read", s.info.flash_size, a, &n, to_end);
	if (rc == 0)
		rc = read_to_file(&s, a, (uint32_t)n, pos[0], r.force, "read");
	if (rc == 0 && n == s.info.flash_size && strcmp(pos[0], "-"))
		cli_info(cli,
			 "Keep this backup private: it may hold Wi-Fi passwords. Check it with "
			 "'blrescue check %s'; 'blrescue scrub' makes a copy safe to share.",
			 pos[0]);
	cli_session_close(&s);
	return rc;
}

/* ---- write -------------------------------------------------------------------------------- */

static const struct cli_opt write_opts[] = {
    {"addr", 'a', OPT_ARG, O_ADDR},
    {"backup", 0, OPT_ARG, O_BACKUP},
    {"force", 'f', OPT_NONE, O_FORCE},
    {"reset", 0, OPT_NONE, O_RESET},
    {"full", 0, OPT_NONE, O_FULL},
    {"no-verify", 0, OPT_NONE, O_NO_VERIFY},
    {NULL, 0, 0, 0},
};

int cmd_write(struct cli *cli, int argc, char **argv)
{
	struct range_opts r;
	struct cli_session s;
	struct blr_update_stats st;
	const char *pos[1];
	uint8_t *buf = NULL;
	size_t npos, len;
	uint32_t a, flash;
	uint64_t t0;
	char sz[32], fsz[32];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cli_parse_cmd(cli, argc, argv, "write", write_opts, range_opt, &r, pos, 1, &npos);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (npos != 1) {
		cli_err(cli, "write: which file? usage: blrescue write FILE [--addr ADDR]");
		return EXIT_USAGE;
	}
	a = r.addr.set ? r.addr.v : 0;
	if (r.backup) {
		rc = check_output(cli, "write --backup", r.backup, r.force);
		if (rc)
			return rc;
	}
	rc = read_input(cli, "write", pos[0], &buf, &len);
	if (rc)
		return rc;
	rc = cli_session_open(cli, &s);
	if (rc) {
		free(buf);
		return rc;
	}
	flash = s.info.flash_size;
	cli_fmt_size(flash, fsz, sizeof(fsz));
	cli_fmt_size(len, sz, sizeof(sz));
	if ((uint64_t)a + len > flash) {
		cli_err(cli,
			"write: %s (%zu bytes) does not fit the %s flash at 0x%08" PRIx32
			" (it would end at 0x%" PRIx64 ", the flash ends at 0x%" PRIx32 ")",
			pos[0], len, fsz, a, (uint64_t)a + len, flash);
		rc = EXIT_DATAERR;
		goto out;
	}
	if (a == 0) {
		struct blr_check_result cr;

		memset(&cr, 0, sizeof(cr));
		if (blr_image_check(buf, len, flash, &cr) != 0 || cr.verdict != BLR_VERDICT_OK) {
			if (!r.force) {
				cli_err(cli,
					"write: %s is not a complete, bootable BL602 flash image: "
					"%s",
					pos[0], cr.summary[0] ? cr.summary : "check failed");
				cli_info(cli,
					 "not writing it to address 0 (see 'blrescue check %s'); "
					 "use --force to write it anyway",
					 pos[0]);
				rc = EXIT_DATAERR;
				goto out;
			}
			cli_warn(cli, "%s: %s; writing anyway (--force)", pos[0],
				 cr.summary[0] ? cr.summary : "check failed");
		}
	}
	if (r.backup) {
		cli_info(cli, "Saving 0x%08" PRIx32 "..0x%08" PRIx32 " to %s first", a,
			 (uint32_t)(a + len), r.backup);
		rc = read_to_file(&s, a, (uint32_t)len, r.backup, r.force, "backup");
		if (rc) {
			cli_err(cli, "write: nothing was written because the backup failed");
			goto out;
		}
	}
	cli_info(cli, "Writing %s (%s) at 0x%08" PRIx32, pos[0], sz, a);
	memset(&st, 0, sizeof(st));
	t0 = cli_now_ms();
	rc = blr_flash_update(
	    s.dev, a, buf, len,
	    (r.full ? BLR_UPDATE_FULL : 0u) | (r.no_verify ? BLR_UPDATE_NO_VERIFY : 0u), &st);
	if (rc) {
		rc = cli_session_fail(&s, "write", rc);
		if (rc != EXIT_INTERRUPTED || st.sectors_erased)
			cli_info(cli,
				 "the flash may now hold a mix of old and new data; run the "
				 "write again%s",
				 r.backup ? " or restore the backup" : "");
		goto out;
	}
	cli_progress_end(&s.progress);
	{
		uint64_t dt = cli_now_ms() - t0;

		fprintf(cli->out,
			"wrote %s at 0x%08" PRIx32 ": %zu sectors, %zu unchanged, %zu erased, %zu "
			"bytes programmed, %s, %" PRIu64 ".%01" PRIu64 " s\n",
			pos[0], a, st.sectors_total, st.sectors_skipped, st.sectors_erased,
			st.bytes_written,
			r.no_verify ? "not verified" : "verified by the chip's SHA-256", dt / 1000,
			dt % 1000 / 100);
	}
	if (r.reset) {
		int e = blr_reset(s.dev);

		if (e)
			cli_warn(cli, "reset failed: %s", blr_strerror(e));
		else if (!cli->before || !*cli_reset_steps(cli->before, 0))
			cli_info(cli, "Chip reset. If BOOT (GPIO8) is still held high it re-enters "
				      "download mode: release it and reset to run the firmware.");
		else
			cli_info(cli, "Chip reset.");
	} else {
		cli_info(cli, "Done. To run the firmware, release BOOT (GPIO8) and reset the chip "
			      "(or use --reset).");
	}
	rc = EXIT_OK_;
out:
	free(buf);
	cli_session_close(&s);
	return rc;
}

/* ---- erase -------------------------------------------------------------------------------- */

static const struct cli_opt erase_opts[] = {
    {"start", 0, OPT_ARG, O_START},
    {"size", 0, OPT_ARG, O_SIZE},
    {"end", 0, OPT_ARG, O_END},
    {"all", 0, OPT_NONE, O_ALL},
    {NULL, 0, 0, 0},
};

int cmd_erase(struct cli *cli, int argc, char **argv)
{
	struct range_opts r;
	struct cli_session s;
	const char *pos[1];
	size_t npos;
	uint32_t a;
	uint64_t n;
	bool to_end;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cli_parse_cmd(cli, argc, argv, "erase", erase_opts, range_opt, &r, pos, 0, &npos);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (r.all && (r.start.set || r.size.set || r.end.set)) {
		cli_err(cli, "erase: --all cannot be combined with --start/--size/--end");
		return EXIT_USAGE;
	}
	if (!r.all) {
		if (!r.start.set || (!r.size.set && !r.end.set)) {
			cli_err(cli,
				"erase: say what to erase: --start ADDR with --size N or --end "
				"ADDR, or --all for the whole chip");
			return EXIT_USAGE;
		}
		rc = range_shape(cli, "erase", &r, &a, &n, &to_end);
		if (rc)
			return rc;
		if (a % BLR_SECTOR_SIZE || n % BLR_SECTOR_SIZE) {
			uint64_t lo = a - a % BLR_SECTOR_SIZE;
			uint64_t hi =
			    (a + n + BLR_SECTOR_SIZE - 1) / BLR_SECTOR_SIZE * BLR_SECTOR_SIZE;

			cli_err(cli,
				"erase: 0x%" PRIx32 "..0x%" PRIx64 " is not aligned to 4 KiB "
				"sectors; the nearest aligned range covering it is --start "
				"0x%" PRIx64 " --size 0x%" PRIx64 " (--end 0x%" PRIx64 ")",
				a, a + n, lo, hi - lo, hi);
			return EXIT_USAGE;
		}
	}
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	if (r.all) {
		cli_info(cli, "Erasing the whole chip (this can take a minute)...");
		rc = blr_flash_erase_all(s.dev);
		if (rc) {
			rc = cli_session_fail(&s, "erase", rc);
		} else {
			char sz[32];

			cli_fmt_size(s.info.flash_size, sz, sizeof(sz));
			fprintf(cli->out, "erased the whole %s flash\n", sz);
		}
	} else {
		rc = range_fit(cli, "erase", s.info.flash_size, a, &n, false);
		if (rc == 0) {
			rc = blr_flash_erase(s.dev, a, (size_t)n);
			if (rc)
				rc = cli_session_fail(&s, "erase", rc);
			else
				fprintf(cli->out,
					"erased 0x%08" PRIx32 "..0x%08" PRIx64 " (%" PRIu64
					" sector(s))\n",
					a, a + n, n / BLR_SECTOR_SIZE);
		}
	}
	cli_session_close(&s);
	return rc;
}

/* ---- verify ------------------------------------------------------------------------------- */

static const struct cli_opt verify_opts[] = {
    {"addr", 'a', OPT_ARG, O_ADDR},
    {"diff", 0, OPT_NONE, O_DIFF},
    {NULL, 0, 0, 0},
};

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct range_opts r;
	struct cli_session s;
	const char *pos[1];
	uint8_t *buf = NULL, chip[32], host[32];
	char hex[65];
	size_t npos, len;
	uint32_t a;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = cli_parse_cmd(cli, argc, argv, "verify", verify_opts, range_opt, &r, pos, 1, &npos);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (npos != 1) {
		cli_err(cli, "verify: which file? usage: blrescue verify FILE [--addr ADDR]");
		return EXIT_USAGE;
	}
	a = r.addr.set ? r.addr.v : 0;
	rc = read_input(cli, "verify", pos[0], &buf, &len);
	if (rc)
		return rc;
	rc = cli_session_open(cli, &s);
	if (rc) {
		free(buf);
		return rc;
	}
	if ((uint64_t)a + len > s.info.flash_size) {
		char fsz[32];

		cli_fmt_size(s.info.flash_size, fsz, sizeof(fsz));
		cli_err(cli, "verify: %s (%zu bytes) does not fit the %s flash at 0x%08" PRIx32,
			pos[0], len, fsz, a);
		rc = EXIT_DATAERR;
		goto out;
	}
	rc = blr_flash_sha256(s.dev, a, len, chip);
	if (rc) {
		rc = cli_session_fail(&s, "verify", rc);
		goto out;
	}
	if (blr_sha256(buf, len, host)) {
		rc = EXIT_SOFTWARE;
		goto out;
	}
	blr_hex(chip, 32, hex);
	if (!memcmp(chip, host, 32)) {
		fprintf(cli->out,
			"match: %s equals flash 0x%08" PRIx32 "..0x%08" PRIx64 " (sha256 %s)\n",
			pos[0], a, (uint64_t)a + len, hex);
		rc = EXIT_OK_;
		goto out;
	}
	fprintf(cli->out,
		"MISMATCH: %s differs from flash 0x%08" PRIx32 "..0x%08" PRIx64
		" (flash sha256 %s)\n",
		pos[0], a, (uint64_t)a + len, hex);
	rc = EXIT_MISMATCH;
	if (r.diff) {
		size_t first = a / BLR_SECTOR_SIZE;
		size_t nsec = ((uint64_t)a + len + BLR_SECTOR_SIZE - 1) / BLR_SECTOR_SIZE - first;
		uint8_t *diff = calloc(nsec, 1);
		size_t ndiff = 0;
		int e;

		if (!diff) {
			rc = EXIT_SOFTWARE;
			goto out;
		}
		e = blr_flash_compare(s.dev, a, buf, len, diff, &ndiff);
		cli_progress_end(&s.progress);
		if (e) {
			free(diff);
			rc = cli_session_fail(&s, "verify --diff", e);
			goto out;
		}
		fprintf(cli->out, "%zu of %zu sectors differ:\n", ndiff, nsec);
		for (size_t i = 0; i < nsec; i++)
			if (diff[i])
				fprintf(cli->out, "  0x%08zx-0x%08zx\n",
					(first + i) * BLR_SECTOR_SIZE,
					(first + i + 1) * BLR_SECTOR_SIZE - 1);
		free(diff);
	}
out:
	fflush(cli->out);
	free(buf);
	cli_session_close(&s);
	return rc;
}
