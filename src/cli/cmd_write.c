/* SPDX-License-Identifier: MIT */
/* The commands that change or compare the flash: write, erase, verify. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/image.h"
#include "flash_cmd.h"

/* ---- write -------------------------------------------------------------------------------- */

static const struct cli_opt write_opts[] = {
    {"addr", 'a', OPT_NUM, O_ADDR},	     {"start", 0, OPT_NUM, O_ADDR},
    {"backup", 0, OPT_ARG, O_BACKUP},	     {"force", 'f', OPT_NONE, O_FORCE},
    {"reset", 0, OPT_NONE, O_RESET},	     {"full", 0, OPT_NONE, O_FULL},
    {"no-verify", 0, OPT_NONE, O_NO_VERIFY}, {NULL, 0, 0, 0},
};

/* Where a firmware image belongs: the active slot of the FW partition in the chip's own
 * partition table (0xE000..0xFFFF read now; doc/flash-layout.md §3), else the usual 0x10000.
 * where gets the source, for the message. */
static uint32_t fw_slot(struct cli_session *s, char *where, size_t cap)
{
	uint8_t buf[0x2000];
	struct blr_ptable pt[2];
	const struct blr_pt_entry *fw;
	int act;

	snprintf(where, cap, "the usual FW slot; the chip's partition table could not be read");
	blr_dev_set_progress(s->dev, NULL, NULL); /* 8 KiB: no progress bar */
	act = blr_flash_read(s->dev, BLR_PT0_OFFSET, buf, sizeof(buf));
	blr_dev_set_progress(s->dev, cli_progress_cb, &s->progress);
	if (act != BLR_OK)
		return 0x10000;
	blr_ptable_parse(buf, sizeof(buf), 0, &pt[0]);
	blr_ptable_parse(buf, sizeof(buf), BLR_PT1_OFFSET - BLR_PT0_OFFSET, &pt[1]);
	act = blr_ptable_active(&pt[0], &pt[1]);
	fw = act >= 0 ? blr_ptable_fw(&pt[act]) : NULL;
	if (!fw || fw->absent) {
		snprintf(where, cap, "the usual FW slot; the chip has no valid partition table");
		return 0x10000;
	}
	if (fw->active_index == 1 && fw->addr[1]) {
		snprintf(where, cap,
			 "slot 1 of the FW partition, the active one in the chip's "
			 "partition table");
		return fw->addr[1];
	}
	snprintf(where, cap, "slot 0 of the FW partition in the chip's partition table");
	return fw->addr[0];
}

/* At address 0 FILE must be a complete, bootable image (blrescue check), unless force (then
 * a warning). A refusal names what the file looks like (blr_image_classify) and, for a
 * firmware image, where it belongs. Returns false after the messages when refused. */
static bool bootable(struct cli_session *s, const char *path, const uint8_t *buf, size_t len,
		     bool force)
{
	const struct cli *cli = s->cli;
	struct blr_check_result cr;
	struct blr_image_class ic;
	char where[96];
	uint32_t slot;

	memset(&cr, 0, sizeof(cr));
	if (blr_image_check(buf, len, s->info.flash_size, &cr) == 0 && cr.verdict == BLR_VERDICT_OK)
		return true;
	memset(&ic, 0, sizeof(ic));
	blr_image_classify(buf, len, &ic);
	if (force) {
		cli_warn(cli, "%s: %s; writing anyway (--force)", path,
			 ic.kind == BLR_KIND_FIRMWARE ? ic.what
			 : cr.summary[0]	      ? cr.summary
						      : "check failed");
		return true;
	}
	if (ic.kind == BLR_KIND_FIRMWARE) {
		cli_err(cli,
			"write: %s is %s; at address 0 it would replace boot2 and the partition "
			"tables and the chip would not boot",
			path, ic.what);
		slot = fw_slot(s, where, sizeof(where));
		cli_info(cli,
			 "It belongs at 0x%" PRIx32 " (%s):\n  blrescue write %s --addr 0x%" PRIx32,
			 slot, where, path, slot);
	} else {
		cli_err(cli, "write: %s is not a complete, bootable BL602 flash image: %s", path,
			cr.summary[0] ? cr.summary : "check failed");
		if (ic.what[0])
			cli_info(cli, "It looks like %s.", ic.what);
	}
	cli_info(cli,
		 "Not writing it to address 0 (see 'blrescue check %s'); --force writes it "
		 "anyway.",
		 path);
	return false;
}

/* After a write: reset the chip (--reset), or say how to run the firmware. */
static void run_firmware(struct cli_session *s, bool reset)
{
	const struct cli *cli = s->cli;
	int e;

	if (!reset) {
		cli_info(cli, "Done. To run the firmware, release BOOT (GPIO8) and reset the chip "
			      "(or use --reset).");
		return;
	}
	e = blr_reset(s->dev);
	if (e)
		cli_warn(cli, "reset failed: %s", blr_strerror(e));
	else if (!cli->before || !*cli_reset_steps(cli->before, 0))
		cli_info(cli, "Chip reset. If BOOT (GPIO8) is still held high it re-enters "
			      "download mode: release it and reset to run the firmware.");
	else
		cli_info(cli, "Chip reset.");
}

/* What the update did: the "wrote" line (its start is what scripts match), then how: the
 * erase steps, the bytes sent raw and as xz, the repairs; with -v the chip's hashing. */
static void write_stats(const struct cli *cli, const char *file, uint32_t a,
			const struct blr_update_stats *st, bool no_verify, uint64_t dt)
{
	char raw[32], xz[32], out[32], hz[32];

	fprintf(cli->out,
		"wrote %s at 0x%08" PRIx32 ": %zu sectors, %zu unchanged, %zu erased, %zu "
		"bytes programmed, %s, %" PRIu64 ".%01" PRIu64 " s\n",
		file, a, st->sectors_total, st->sectors_skipped, st->sectors_erased,
		st->bytes_written, no_verify ? "not verified" : "verified by the chip's SHA-256",
		dt / 1000, dt % 1000 / 100);
	cli_stat_size(st->bytes_sent_raw, raw, sizeof(raw));
	cli_stat_size(st->bytes_sent_xz, xz, sizeof(xz));
	cli_stat_size(st->bytes_xz_out, out, sizeof(out));
	fprintf(cli->out,
		"  erases: %zu x 4 KiB, %zu x 32 KiB, %zu x 64 KiB; sent %s raw, %s as xz (for %s "
		"of flash); %u repair%s\n",
		st->erases_4k, st->erases_32k, st->erases_64k, raw, xz, out, st->repairs,
		st->repairs == 1 ? "" : "s");
	if (cli->verbose) {
		cli_stat_size(st->bytes_hashed, hz, sizeof(hz));
		fprintf(cli->out, "  the chip hashed %s in %u SHA-256 commands%s\n", hz, st->hashes,
			st->xz_failed ? "; xz failed once, the rest went raw" : "");
	}
}

/* --backup: save the range about to be overwritten; *cur gets its bytes (the flash's current
 * contents, for the update's plan). Returns an exit code. */
static int backup_range(struct cli_session *s, const char *backup, uint32_t a, size_t len,
			bool force, uint8_t **cur)
{
	struct cli_read_job j;
	int rc;

	cli_info(s->cli, "Saving 0x%08" PRIx32 "..0x%08" PRIx32 " to %s first", a,
		 (uint32_t)(a + len), backup);
	memset(&j, 0, sizeof(j));
	j.addr = a;
	j.len = (uint32_t)len;
	j.path = backup;
	j.force = force;
	j.what = "backup";
	j.data = cur;
	rc = cli_read_to_file(s, &j);
	if (rc)
		cli_err(s->cli, "write: nothing was written because the backup failed");
	return rc;
}

/* The session is open and FILE read: back up (--backup), write, report. Returns an exit code. */
static int write_file(struct cli_session *s, const struct cli_args *args, const uint8_t *buf,
		      size_t len)
{
	struct cli *cli = s->cli;
	const char *file = args->pos[0], *backup = args->val[O_BACKUP];
	uint32_t a = args->num[O_ADDR];
	bool force = args->has[O_FORCE], no_verify = args->has[O_NO_VERIFY];
	struct blr_update_stats st;
	struct blr_update_opts uo;
	uint8_t *cur = NULL;
	uint64_t t0, dt;
	char sz[32];
	int rc;

	if (a == 0 && !bootable(s, file, buf, len, force))
		return EXIT_DATAERR;
	if (backup && (rc = backup_range(s, backup, a, len, force, &cur)) != 0)
		return rc;
	blr_format_size(len, sz, sizeof(sz));
	cli_info(cli, "Writing %s (%s) at 0x%08" PRIx32, file, sz, a);
	memset(&st, 0, sizeof(st));
	memset(&uo, 0, sizeof(uo));
	uo.flags =
	    (args->has[O_FULL] ? BLR_UPDATE_FULL : 0u) | (no_verify ? BLR_UPDATE_NO_VERIFY : 0u);
	uo.current = cur; /* just read and checked: the plan needs no hashes */
	t0 = cli_now_ms();
	rc = blr_flash_update_ex(s->dev, a, buf, len, &uo, &st);
	free(cur);
	if (rc) {
		rc = cli_session_fail(s, "write", rc);
		if (rc != EXIT_INTERRUPTED || st.sectors_erased)
			cli_info(cli,
				 "the flash may now hold a mix of old and new data; run the "
				 "write again%s",
				 backup ? " or restore the backup" : "");
		return rc;
	}
	cli_progress_end(&s->progress);
	dt = cli_now_ms() - t0;
	write_stats(cli, file, a, &st, no_verify, dt);
	if (a == 0 && len < s->info.flash_size) {
		char fsz[32];

		blr_format_size(s->info.flash_size, fsz, sizeof(fsz));
		cli_info(cli,
			 "Note: %s covers 0x00000000..0x%08zx of the %s flash; the rest "
			 "(0x%08zx..0x%08" PRIx32 ") is left as it is.",
			 file, len, fsz, len, s->info.flash_size);
	}
	run_firmware(s, args->has[O_RESET]);
	return EXIT_OK_;
}

int cmd_write(struct cli *cli, int argc, char **argv)
{
	struct cli_args args;
	struct cli_session s;
	const char *backup;
	uint8_t *buf;
	size_t len;
	int rc = cli_parse_cmd(cli, argc, argv, "write", write_opts, 1, &args);

	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (args.npos != 1) {
		cli_err(cli, "write: which file? usage: blrescue write FILE [--addr ADDR]");
		return EXIT_USAGE;
	}
	backup = args.val[O_BACKUP];
	if (backup) {
		rc = cli_check_output(cli, "write --backup", backup, args.has[O_FORCE]);
		if (rc)
			return rc;
	}
	rc = cli_open_with_file(cli, "write", args.pos[0], args.num[O_ADDR], &s, &buf, &len);
	if (rc) {
		if (rc != EXIT_USAGE)
			cli_info(cli, "write: nothing was written: the flash is as it was");
		return rc;
	}
	rc = write_file(&s, &args, buf, len);
	free(buf);
	cli_session_close(&s);
	return rc;
}

/* ---- erase -------------------------------------------------------------------------------- */

static const struct cli_opt erase_opts[] = {
    {"addr", 'a', OPT_NUM, O_ADDR},
    {"start", 0, OPT_NUM, O_ADDR}, /* the same (one name for an address in every command) */
    {"size", 0, OPT_NUM, O_SIZE},
    {"end", 0, OPT_NUM, O_END},
    {"all", 0, OPT_NONE, O_ALL},
    {NULL, 0, 0, 0},
};

int cmd_erase(struct cli *cli, int argc, char **argv)
{
	struct cli_args args;
	struct cli_session s;
	uint32_t a;
	uint64_t n;
	bool to_end;
	int rc;

	rc = cli_parse_cmd(cli, argc, argv, "erase", erase_opts, 0, &args);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (args.has[O_ALL] && (args.has[O_ADDR] || args.has[O_SIZE] || args.has[O_END])) {
		cli_err(cli, "erase: --all cannot be combined with --addr/--size/--end");
		return EXIT_USAGE;
	}
	if (!args.has[O_ALL]) {
		if (!args.has[O_ADDR] || (!args.has[O_SIZE] && !args.has[O_END])) {
			cli_err(cli, "erase: say what to erase: --addr ADDR with --size N or --end "
				     "ADDR, or --all for the whole chip");
			return EXIT_USAGE;
		}
		rc = cli_range_shape(cli, "erase", &args, &a, &n, &to_end);
		if (rc)
			return rc;
		if (a % BLR_SECTOR_SIZE || n % BLR_SECTOR_SIZE) {
			uint64_t lo = a - a % BLR_SECTOR_SIZE;
			uint64_t hi =
			    (a + n + BLR_SECTOR_SIZE - 1) / BLR_SECTOR_SIZE * BLR_SECTOR_SIZE;

			cli_err(cli,
				"erase: 0x%" PRIx32 "..0x%" PRIx64 " is not aligned to 4 KiB "
				"sectors; the nearest aligned range covering it is --addr "
				"0x%" PRIx64 " --size 0x%" PRIx64 " (--end 0x%" PRIx64 ")",
				a, a + n, lo, hi - lo, hi);
			return EXIT_USAGE;
		}
	}
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	if (args.has[O_ALL]) {
		cli_info(cli, "Erasing the whole chip (this can take a minute)...");
		rc = blr_flash_erase_all(s.dev);
		if (rc) {
			rc = cli_session_fail(&s, "erase", rc);
		} else {
			char sz[32];

			blr_format_size(s.info.flash_size, sz, sizeof(sz));
			fprintf(cli->out, "erased the whole %s flash\n", sz);
		}
	} else {
		rc = cli_range_fit(cli, "erase", s.info.flash_size, a, &n, false);
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
    {"addr", 'a', OPT_NUM, O_ADDR},
    {"start", 0, OPT_NUM, O_ADDR},
    {"diff", 0, OPT_NONE, O_DIFF},
    {NULL, 0, 0, 0},
};

/* The differing sectors as runs of adjacent ones, one range per line (inclusive end):
 * "  0x00003000-0x00004fff  2 sectors". first: the number of the first sector. */
static void print_runs(FILE *o, size_t first, const uint8_t *diff, size_t nsec)
{
	for (size_t i = 0; i < nsec; i++) {
		size_t j = i;

		if (!diff[i])
			continue;
		while (j + 1 < nsec && diff[j + 1])
			j++;
		fprintf(o, "  0x%08zx-0x%08zx  %zu sector%s\n", (first + i) * BLR_SECTOR_SIZE,
			(first + j + 1) * BLR_SECTOR_SIZE - 1, j - i + 1, j > i ? "s" : "");
		i = j;
	}
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct cli_args args;
	struct cli_session s;
	uint8_t *buf = NULL, chip[32];
	char hex[65];
	size_t len;
	uint32_t a;
	bool equal = false;
	int rc;

	rc = cli_parse_cmd(cli, argc, argv, "verify", verify_opts, 1, &args);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	if (args.npos != 1) {
		cli_err(cli, "verify: which file? usage: blrescue verify FILE [--addr ADDR]");
		return EXIT_USAGE;
	}
	a = args.num[O_ADDR];
	rc = cli_open_with_file(cli, "verify", args.pos[0], a, &s, &buf, &len);
	if (rc)
		return rc;
	rc = blr_flash_verify(s.dev, a, buf, len, &equal, chip);
	if (rc) {
		rc = cli_session_fail(&s, "verify", rc);
		goto out;
	}
	blr_hex_string(chip, 32, hex);
	if (equal) {
		fprintf(cli->out,
			"match: %s equals flash 0x%08" PRIx32 "..0x%08" PRIx64 " (sha256 %s)\n",
			args.pos[0], a, (uint64_t)a + len, hex);
		rc = EXIT_OK_;
		goto out;
	}
	fprintf(cli->out,
		"MISMATCH: %s differs from flash 0x%08" PRIx32 "..0x%08" PRIx64
		" (flash sha256 %s)\n",
		args.pos[0], a, (uint64_t)a + len, hex);
	rc = EXIT_MISMATCH;
	if (args.has[O_DIFF]) {
		size_t first = a / BLR_SECTOR_SIZE;
		size_t nsec = blr_sector_count(a, len);
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
		print_runs(cli->out, first, diff, nsec);
		free(diff);
	}
out:
	fflush(cli->out);
	free(buf);
	cli_session_close(&s);
	return rc;
}
