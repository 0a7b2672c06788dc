/* SPDX-License-Identifier: MIT */
/* `blrescue read` (alias dump): back up a range of the flash, checked by the chip's SHA-256;
 * also the backup of `write --backup`. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flash_cmd.h"

int cli_read_to_file(struct cli_session *s, uint32_t addr, uint32_t len, const char *path,
		     bool force, const char *what)
{
	struct cli *cli = s->cli;
	uint8_t *buf = malloc(len ? len : 1);
	uint8_t chip[32];
	char hex[65], sz[32];
	uint64_t t0 = cli_now_ms(), dt;
	int rc;

	if (!buf) {
		cli_err(cli, "%s: out of memory", what);
		return EXIT_SOFTWARE;
	}
	rc = cli_check_space(cli, what, path, len); /* a full disk before, not after the read */
	if (rc) {
		free(buf);
		return rc;
	}
	rc = blr_flash_read_verified(s->dev, addr, buf, len, chip);
	dt = cli_now_ms() - t0;
	cli_progress_end(&s->progress);
	if (rc == BLR_E_VERIFY) {
		free(buf);
		cli_err(cli,
			"%s: the data read does not match the chip's own SHA-256 of "
			"0x%08" PRIx32 "..0x%08" PRIx32 "; nothing was written. Try a lower "
			"baud (-b 1000000) and check the wiring.",
			what, addr, (uint32_t)(addr + len));
		return EXIT_IOERR;
	}
	if (rc) {
		free(buf);
		return cli_session_fail(s, what, rc);
	}
	if (cli->interrupted && *cli->interrupted) {
		free(buf);
		cli_err(cli, "%s: interrupted", what);
		return EXIT_INTERRUPTED;
	}
	if (cli_write_file_atomic(path, buf, len, force)) {
		int e = errno;
		struct cli_out o;

		free(buf);
		rc = cli_output_error(cli, what, path, e);
		/* a stream that fails is an I/O error, a file that cannot be created is not */
		return cli_out_resolve(path, &o) == 0 && o.kind != CLI_OUT_FILE ? EXIT_IOERR : rc;
	}
	free(buf);
	blr_hex_string(chip, 32, hex);
	blr_format_size(len, sz, sizeof(sz));
	cli_info(cli,
		 "Read %s from 0x%08" PRIx32 " in %" PRIu64 ".%01" PRIu64
		 " s; matches the chip's SHA-256",
		 sz, addr, dt / 1000, dt % 1000 / 100);
	fprintf(cli->out, "%s  %s\n", hex, path);
	fflush(cli->out);
	return EXIT_OK_;
}

static const struct cli_opt read_opts[] = {
    {"addr", 'a', OPT_NUM, O_ADDR},
    {"start", 0, OPT_NUM, O_ADDR}, /* the same (one name for an address in every command) */
    {"size", 0, OPT_NUM, O_SIZE},
    {"end", 0, OPT_NUM, O_END},
    {"force", 'f', OPT_NONE, O_FORCE},
    {NULL, 0, 0, 0},
};

int cmd_read(struct cli *cli, int argc, char **argv)
{
	struct cli_args args;
	struct cli_session s;
	uint32_t a;
	uint64_t n;
	bool to_end;
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
	if (rc)
		return rc;
	rc = cli_check_output(cli, "read", args.pos[0], args.has[O_FORCE]);
	if (rc)
		return rc;
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	rc = cli_range_fit(cli, "read", s.info.flash_size, a, &n, to_end);
	if (rc == 0)
		rc = cli_read_to_file(&s, a, (uint32_t)n, args.pos[0], args.has[O_FORCE], "read");
	if (rc == 0 && n == s.info.flash_size && strcmp(args.pos[0], "-"))
		cli_info(cli,
			 "Keep this backup private: it may hold Wi-Fi passwords. Check it with "
			 "'blrescue check %s'; 'blrescue scrub' makes a copy safe to share.",
			 args.pos[0]);
	cli_session_close(&s);
	return rc;
}
