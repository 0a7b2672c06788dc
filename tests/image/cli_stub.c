/* SPDX-License-Identifier: MIT */
/* Minimal stand-ins for the CLI helpers (main.c's), so the offline commands can be tested
 * in process without the device side of the tool. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

char cli_stub_err[4096];

static void put(const char *pfx, const char *fmt, va_list ap)
{
	size_t l = strlen(cli_stub_err);

	if (l + 1 < sizeof(cli_stub_err)) {
		snprintf(cli_stub_err + l, sizeof(cli_stub_err) - l, "%s", pfx);
		l = strlen(cli_stub_err);
		vsnprintf(cli_stub_err + l, sizeof(cli_stub_err) - l, fmt, ap);
		l = strlen(cli_stub_err);
		if (l + 1 < sizeof(cli_stub_err))
			strcat(cli_stub_err, "\n");
	}
}

void cli_err(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	va_start(ap, fmt);
	put("error: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	va_start(ap, fmt);
	put("warning: ", fmt, ap);
	va_end(ap);
}

void cli_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	va_start(ap, fmt);
	put("", fmt, ap);
	va_end(ap);
}

int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	size_t n;

	if (!f)
		return -1;
	b = malloc(max + 1);
	if (!b) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	n = fread(b, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(b);
		errno = EFBIG;
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

int cli_usage(const char *cmd, FILE *f)
{
	fprintf(f, "usage: blrescue %s\n", cmd);
	return 0;
}

/* Plain stand-in (the real one in util.c also fsyncs and renames atomically). */
int cli_write_file_atomic(const char *path, const uint8_t *buf, size_t len, bool force)
{
	char tmp[4096];
	FILE *f;

	if (!force && access(path, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		unlink(tmp);
		errno = EIO;
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
