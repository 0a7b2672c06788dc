/* SPDX-License-Identifier: MIT */
/* `blrescue read` (alias dump): back up a range of the flash, checked by the chip's SHA-256;
 * incremental (--base), resumable (--resume, the sidecar of resume.h); also the backup of
 * `write --backup`. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_cmd.h"

/* What was read, found blank, taken from the base or kept from an interrupted read. */
static void read_stats(const struct cli *cli, const struct cli_read_job *j,
		       const struct blr_read_stats *st, uint64_t dt)
{
	char sz[32], rd[32], bl[32], bs[64] = "", hd[80] = "", hs[32];

	blr_format_size(j->len, sz, sizeof(sz));
	cli_info(cli,
		 "Read %s from 0x%08" PRIx32 " in %" PRIu64 ".%01" PRIu64
		 " s; matches the chip's SHA-256",
		 sz, j->addr, dt / 1000, dt % 1000 / 100);
	cli_stat_size(st->bytes_read, rd, sizeof(rd));
	cli_stat_size(st->bytes_blank, bl, sizeof(bl));
	if (j->base) {
		cli_stat_size(st->bytes_base, hs, sizeof(hs));
		snprintf(bs, sizeof(bs), ", %s taken from the base", hs);
	}
	if (st->bytes_held || (j->resume && j->resume->loaded)) {
		cli_stat_size(st->bytes_held, hs, sizeof(hs));
		snprintf(hd, sizeof(hd), ", %s kept from the interrupted read", hs);
	}
	cli_info(cli, "  %s read, %s skipped as blank%s%s, %u repair%s", rd, bl, bs, hd,
		 st->repairs, st->repairs == 1 ? "" : "s");
	if (cli->verbose) {
		cli_stat_size(st->bytes_hashed, hs, sizeof(hs));
		cli_info(cli, "  the chip hashed %s in %u SHA-256 commands (%u blank probes)", hs,
			 st->hashes, st->probes);
	}
}

/* A read that did not complete: keep the blocks the chip confirmed in the sidecar, and say how
 * to go on from them. */
static void keep_partial(struct cli_session *s, const struct cli_read_job *j, const uint8_t *buf)
{
	const struct cli *cli = s->cli;
	struct cli_resume_id id;
	char kz[32], sz[32], range[64] = "";
	uint64_t kept;

	if (!j->resume)
		return;
	if (!j->resume_write) {
		if (j->resume->nblk)
			cli_info(cli,
				 "%s (of an earlier read) was left alone, so the part read now "
				 "is not kept",
				 j->resume->path);
		return;
	}
	cli_resume_id_of(&id, &s->info, j->addr, j->len);
	if (cli_resume_save(j->resume, &id, buf, &kept)) {
		cli_warn(cli, "could not keep the part read in %s: %s", j->resume->path,
			 strerror(errno));
		return;
	}
	if (!kept)
		return;
	if (j->addr != 0 || j->len != s->info.flash_size)
		snprintf(range, sizeof(range), " --addr 0x%" PRIx32 " --size 0x%" PRIx32, j->addr,
			 j->len);
	cli_stat_size(kept, kz, sizeof(kz));
	blr_format_size(j->len, sz, sizeof(sz));
	cli_info(cli,
		 "The %s of %s the chip confirmed so far are kept in %s (not a dump).\n"
		 "To go on from there, run the same command with --resume:\n"
		 "  blrescue read %s%s --resume",
		 kz, sz, j->resume->path, j->path, range);
}

/* The read failed (rc): the message, the sidecar. Returns the exit code. */
static int read_failed(struct cli_session *s, const struct cli_read_job *j, int rc,
		       const uint8_t *buf)
{
	const struct cli *cli = s->cli;
	int code;

	if (rc == BLR_E_VERIFY) {
		cli_err(cli,
			"%s: the data read does not match the chip's own SHA-256 of "
			"0x%08" PRIx32 "..0x%08" PRIx32 "; nothing was written. Try a lower "
			"baud (-b 1000000) and check the wiring.",
			j->what, j->addr, (uint32_t)(j->addr + j->len));
		code = EXIT_IOERR;
	} else {
		code = cli_session_fail(s, j->what, rc);
	}
	keep_partial(s, j, buf);
	return code;
}

/* Write the checked bytes to the job's path. Returns an exit code. */
static int save_output(struct cli *cli, const struct cli_read_job *j, const uint8_t *buf)
{
	struct cli_out o;
	int e, rc;

	if (!cli_write_file_atomic(j->path, buf, j->len, j->force))
		return EXIT_OK_;
	e = errno;
	rc = cli_output_error(cli, j->what, j->path, e);
	/* a stream that fails is an I/O error, a file that cannot be created is not */
	return cli_out_resolve(j->path, &o) == 0 && o.kind != CLI_OUT_FILE ? EXIT_IOERR : rc;
}

int cli_read_to_file(struct cli_session *s, const struct cli_read_job *j)
{
	struct cli *cli = s->cli;
	struct blr_read_opts ro;
	struct blr_read_stats st;
	uint8_t *buf = malloc(j->len ? j->len : 1), chip[32];
	char hex[65], hz[32];
	uint64_t t0, dt;
	int rc;

	if (!buf) {
		cli_err(cli, "%s: out of memory", j->what);
		return EXIT_SOFTWARE;
	}
	rc = cli_check_space(cli, j->what, j->path, j->len); /* a full disk before the read */
	if (rc) {
		free(buf);
		return rc;
	}
	memset(&ro, 0, sizeof(ro));
	ro.base = j->base;
	if (j->resume) {
		uint64_t held = cli_resume_fill(j->resume, buf);

		if (j->resume->loaded) {
			cli_stat_size(held, hz, sizeof(hz));
			cli_info(cli,
				 "Resuming: %s kept in %s, to be checked by the chip's SHA-256", hz,
				 j->resume->path);
		}
		ro.held = j->resume->held;
		ro.nheld = j->resume->nheld;
		ro.on_block = cli_resume_block;
		ro.user = j->resume;
	}
	t0 = cli_now_ms();
	rc = blr_flash_read_ex(s->dev, j->addr, buf, j->len, &ro, chip, &st);
	dt = cli_now_ms() - t0;
	cli_progress_end(&s->progress);
	if (rc == BLR_OK && cli->interrupted && *cli->interrupted)
		rc = BLR_E_CANCELLED; /* complete, but the user asked to stop: no file */
	if (rc == BLR_OK)
		rc = save_output(cli, j, buf);
	else
		rc = read_failed(s, j, rc, buf);
	if (rc) {
		free(buf);
		return rc;
	}
	if (j->resume && j->resume_write && cli_resume_remove(j->resume))
		cli_warn(cli, "could not remove %s: %s", j->resume->path, strerror(errno));
	read_stats(cli, j, &st, dt);
	blr_hex_string(chip, 32, hex);
	fprintf(cli->out, "%s  %s\n", hex, j->path);
	fflush(cli->out);
	if (j->data)
		*j->data = buf;
	else
		free(buf);
	return EXIT_OK_;
}

/* ---- the command ---------------------------------------------------------------------------
 */

static const struct cli_opt read_opts[] = {
    {"addr", 'a', OPT_NUM, O_ADDR},
    {"start", 0, OPT_NUM, O_ADDR}, /* the same (one name for an address in every command) */
    {"size", 0, OPT_NUM, O_SIZE},
    {"end", 0, OPT_NUM, O_END},
    {"force", 'f', OPT_NONE, O_FORCE},
    {"base", 0, OPT_ARG, O_BASE},
    {"resume", 0, OPT_NONE, O_RESUME},
    {NULL, 0, 0, 0},
};

/* --base OLD must be a dump of the range: n bytes. Returns 0 or EXIT_DATAERR. */
static int base_fits(const struct cli *cli, const char *path, size_t have, uint32_t a, uint64_t n)
{
	if (have == n)
		return 0;
	cli_err(cli,
		"read: --base %s has %zu bytes, but the range 0x%08" PRIx32 "..0x%08" PRIx64
		" has %" PRIu64 ": the base must be a dump of the same range (give the range it "
		"was read from with --addr and --size)",
		path, have, a, a + n, n);
	return EXIT_DATAERR;
}

/* Before connecting: the sidecar of FILE (r; *use when FILE can have one). */
static int sidecar_prepare(const struct cli *cli, const char *path, bool resume,
			   struct cli_resume *r, bool *use)
{
	struct cli_out o;
	const char *why;

	*use = false;
	if (cli_out_resolve(path, &o) || o.kind != CLI_OUT_FILE || cli_resume_init(r, path)) {
		if (!resume)
			return 0;
		cli_err(cli, "read: --resume needs FILE to be a file: what was read is kept "
			     "beside it");
		return EXIT_USAGE;
	}
	*use = true;
	if (!r->found) {
		if (resume)
			cli_info(cli, "No %s: reading the whole range.", r->path);
		return 0;
	}
	if (!resume) {
		cli_info(cli,
			 "Note: %s holds part of an interrupted read; this read starts over and "
			 "leaves it alone (add --resume to go on from it).",
			 r->path);
		return 0;
	}
	if (cli_resume_load(r, &why)) {
		cli_err(cli, "read: cannot resume from %s: %s; remove it to start over", r->path,
			why);
		return EXIT_DATAERR;
	}
	return 0;
}

/* "0x00000000..0x00200000 of MAC 02:42:60:2b:00:01, flash C8 40 15 (2 MiB)" */
static void describe(const struct cli_resume_id *id, char *buf, size_t cap)
{
	char sz[32];

	blr_format_size(id->flash_size, sz, sizeof(sz));
	snprintf(buf, cap,
		 "0x%08" PRIx32 "..0x%08" PRIx64 " of MAC %02x:%02x:%02x:%02x:%02x:%02x, flash "
		 "%02X %02X %02X (%s)",
		 id->addr, (uint64_t)id->addr + id->len, id->mac[0], id->mac[1], id->mac[2],
		 id->mac[3], id->mac[4], id->mac[5], id->jedec[0], id->jedec[1], id->jedec[2], sz);
}

/* --resume: the sidecar must belong to this chip and range. Returns 0 or EXIT_DATAERR. */
static int sidecar_matches(struct cli_session *s, const struct cli_resume *r, uint32_t a,
			   uint32_t n)
{
	struct cli_resume_id want;
	const char *why;
	char have_s[128], want_s[128];

	if (!r->loaded)
		return 0;
	cli_resume_id_of(&want, &s->info, a, n);
	if (cli_resume_matches(r, &want, &why))
		return 0;
	describe(&r->id, have_s, sizeof(have_s));
	describe(&want, want_s, sizeof(want_s));
	cli_err(s->cli,
		"read: %s belongs to %s: it holds %s, this read is %s; give the range it was made "
		"for, read into another file, or remove it to start over",
		r->path, why, have_s, want_s);
	return EXIT_DATAERR;
}

/* The session is open: the range, the checks that need the chip, the read. */
static int read_range(struct cli_session *s, const struct cli_args *args, uint32_t a, uint64_t n,
		      bool to_end, struct cli_read_job *j, size_t base_len)
{
	struct cli *cli = s->cli;
	int rc = cli_range_fit(cli, "read", s->info.flash_size, a, &n, to_end);

	if (rc == 0 && j->base)
		rc = base_fits(cli, args->val[O_BASE], base_len, a, n);
	if (rc == 0 && j->resume)
		rc = sidecar_matches(s, j->resume, a, (uint32_t)n);
	if (rc)
		return rc;
	j->addr = a;
	j->len = (uint32_t)n;
	rc = cli_read_to_file(s, j);
	if (rc == 0 && n == s->info.flash_size && strcmp(j->path, "-"))
		cli_info(cli,
			 "Keep this backup private: it may hold Wi-Fi passwords. Check it with "
			 "'blrescue check %s'; 'blrescue scrub' makes a copy safe to share.",
			 j->path);
	return rc;
}

int cmd_read(struct cli *cli, int argc, char **argv)
{
	struct cli_args args;
	struct cli_session s;
	struct cli_read_job j;
	struct cli_resume r;
	uint8_t *base = NULL;
	size_t base_len = 0;
	uint32_t a;
	uint64_t n;
	bool to_end, use;
	int rc;

	rc = cli_parse_cmd(cli, argc, argv, "read", read_opts, 1, &args);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (args.npos != 1) {
		cli_err(cli, "read: which file? usage: blrescue read FILE (use - for standard "
			     "output)");
		return EXIT_USAGE;
	}
	rc = cli_range_shape(cli, "read", &args, &a, &n, &to_end);
	if (rc == 0)
		rc = cli_check_output(cli, "read", args.pos[0], args.has[O_FORCE]);
	if (rc == 0 && args.has[O_BASE]) {
		rc = cli_read_input(cli, "read --base", args.val[O_BASE], &base, &base_len);
		if (rc == 0 && !to_end)
			rc = base_fits(cli, args.val[O_BASE], base_len, a, n);
	}
	memset(&r, 0, sizeof(r));
	if (rc == 0)
		rc = sidecar_prepare(cli, args.pos[0], args.has[O_RESUME], &r, &use);
	if (rc == 0)
		rc = cli_session_open(cli, &s);
	if (rc == 0) {
		memset(&j, 0, sizeof(j));
		j.path = args.pos[0];
		j.force = args.has[O_FORCE];
		j.what = "read";
		j.base = base;
		j.resume = use ? &r : NULL;
		j.resume_write = use && (!r.found || args.has[O_RESUME]);
		rc = read_range(&s, &args, a, n, to_end, &j, base_len);
		cli_session_close(&s);
	}
	cli_resume_free(&r);
	free(base);
	return rc;
}
