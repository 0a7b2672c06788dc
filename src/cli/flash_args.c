/* SPDX-License-Identifier: MIT */
/* The flash commands' address ranges and file checks (flash_cmd.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_cmd.h"

int cli_range_shape(struct cli *cli, const char *cmd, const struct cli_args *r, uint32_t *a,
		    uint64_t *n, bool *to_end)
{
	*a = r->num[O_ADDR];
	*to_end = false;
	if (r->has[O_SIZE] && r->has[O_END]) {
		cli_err(cli, "%s: use either --size or --end, not both", cmd);
		return EXIT_USAGE;
	}
	if (r->has[O_END]) {
		if (r->num[O_END] <= *a) {
			cli_err(cli,
				"%s: --end 0x%" PRIx32 " must be above --addr 0x%" PRIx32
				" (the end is exclusive)",
				cmd, r->num[O_END], *a);
			return EXIT_USAGE;
		}
		*n = r->num[O_END] - *a;
	} else if (r->has[O_SIZE]) {
		if (r->num[O_SIZE] == 0) {
			cli_err(cli, "%s: --size 0 is empty", cmd);
			return EXIT_USAGE;
		}
		*n = r->num[O_SIZE];
	} else {
		*n = 0;
		*to_end = true;
	}
	return 0;
}

int cli_range_fit(struct cli *cli, const char *cmd, uint32_t flash, uint32_t a, uint64_t *n,
		  bool to_end)
{
	char sz[32];

	blr_format_size(flash, sz, sizeof(sz));
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

/* Messages about input files a user can act on; an empty file is refused too. */
static int read_nonempty(struct cli *cli, const char *what, const char *path, uint8_t **buf,
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

int cli_open_with_file(struct cli *cli, const char *what, const char *path, uint32_t addr,
		       struct cli_session *s, uint8_t **buf, size_t *len)
{
	uint32_t flash;
	char fsz[32];
	int rc = read_nonempty(cli, what, path, buf, len);

	if (rc)
		return rc;
	rc = cli_session_open(cli, s);
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	flash = s->info.flash_size;
	if ((uint64_t)addr + *len <= flash)
		return 0;
	blr_format_size(flash, fsz, sizeof(fsz));
	cli_err(cli,
		"%s: %s (%zu bytes) does not fit the %s flash at 0x%08" PRIx32
		" (it would end at 0x%" PRIx64 ", the flash ends at 0x%" PRIx32 ")",
		what, path, *len, fsz, addr, (uint64_t)addr + *len, flash);
	free(*buf);
	*buf = NULL;
	cli_session_close(s);
	return EXIT_DATAERR;
}

void cli_stat_size(uint64_t n, char *buf, size_t cap)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024))
		snprintf(buf, cap, "%.2f MiB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024 && n % 1024 && n < 1024 * 1024)
		snprintf(buf, cap, "%.1f KiB", (double)n / 1024.0);
	else
		blr_format_size(n, buf, cap);
}
