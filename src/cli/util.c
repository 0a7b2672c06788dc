/* SPDX-License-Identifier: MIT */
/* Shared helpers of the command-line tool: messages, numbers, whole-file I/O. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

static void vmsg(const struct cli *cli, const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", cli && cli->prog ? cli->prog : "blrescue", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_err(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, "error: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli && cli->quiet)
		return;
	va_start(ap, fmt);
	vmsg(cli, "warning: ", fmt, ap);
	va_end(ap);
}

void cli_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli && cli->quiet)
		return;
	va_start(ap, fmt);
	fflush(stdout);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	unsigned base = 10;
	const char *p = s;
	int digits = 0;

	if (!s || !out)
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned d;
		char c = *p;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
		digits++;
	}
	if (digits == 0)
		return -1;
	if (*p) {
		if (!strcmp(p, "k") || !strcmp(p, "K") || !strcmp(p, "KiB"))
			mult = 1024;
		else if (!strcmp(p, "M") || !strcmp(p, "MiB"))
			mult = 1024 * 1024;
		else
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (cli_parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd;
	bool is_stdin = !strcmp(path, "-");
	size_t cap = 65536, n = 0;
	uint8_t *b;
	struct plat_stat st;

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? 0 : plat_open_read(path);
	if (fd < 0)
		return -1;
	if (!is_stdin && plat_fstat(fd, &st) == 0) {
		if (st.kind == PLAT_DIR) {
			plat_close(fd);
			errno = EISDIR;
			return -1;
		}
		if (st.kind == PLAT_FILE) {
			if (st.size > max) {
				plat_close(fd);
				errno = EFBIG;
				return -1;
			}
			cap = (size_t)st.size + 1;
		}
	}
	b = malloc(cap);
	if (!b)
		goto fail;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb;

			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			nb = realloc(b, cap);
			if (!nb)
				goto fail;
			b = nb;
		}
		r = plat_read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (!is_stdin)
		plat_close(fd);
	*buf = b;
	*len = n;
	return 0;
fail : {
	int e = errno;

	free(b);
	if (!is_stdin)
		plat_close(fd);
	errno = e;
	return -1;
}
}

int cli_read_input(const struct cli *cli, const char *what, const char *path, uint8_t **buf,
		   size_t *len)
{
	if (cli_read_file(path, CLI_INPUT_MAX, buf, len) == 0)
		return 0;
	if (errno == EFBIG) {
		cli_err(cli, "%s: %s is too large (more than %u MiB, larger than any BL602 flash)",
			what, path, CLI_INPUT_MAX >> 20);
		return EXIT_DATAERR;
	}
	cli_err(cli, "%s: cannot read %s: %s", what, path, strerror(errno));
	return EXIT_NOINPUT;
}

int cli_opt_u32(const struct cli *cli, const char *opt, const char *s, uint32_t *out)
{
	if (cli_parse_u32(s, out)) {
		cli_err(cli,
			"bad number for %s: '%s' (use decimal or 0x hex, optional k/K/KiB or "
			"M/MiB, at most 0xFFFFFFFF)",
			opt, s);
		return EXIT_USAGE;
	}
	return 0;
}
