/* SPDX-License-Identifier: MIT */
/* Shared helpers of the command-line tool: messages, numbers, whole-file I/O. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_int.h"

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
	struct stat st;

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!is_stdin && fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			errno = EISDIR;
			return -1;
		}
		if (S_ISREG(st.st_mode)) {
			if ((uint64_t)st.st_size > max) {
				close(fd);
				errno = EFBIG;
				return -1;
			}
			cap = (size_t)st.st_size + 1;
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
		r = read(fd, b + n, cap - n);
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
		close(fd);
	*buf = b;
	*len = n;
	return 0;
fail : {
	int e = errno;

	free(b);
	if (!is_stdin)
		close(fd);
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

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int cli_write_file_atomic(const char *path, const uint8_t *buf, size_t len, bool force)
{
	char *tmp = NULL, *dir = NULL;
	const char *base, *slash;
	struct stat st;
	mode_t um;
	int fd = -1, e;
	size_t dlen;

	if (!strcmp(path, "-"))
		return write_all(STDOUT_FILENO, buf, len);
	if (!force && lstat(path, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!*base) {
		errno = EISDIR;
		return -1;
	}
	tmp = malloc(dlen + strlen(base) + 32);
	dir = malloc(dlen + 2);
	if (!tmp || !dir)
		goto fail;
	memcpy(dir, path, dlen);
	if (dlen == 0)
		strcpy(dir, ".");
	else
		dir[dlen] = '\0';
	memcpy(tmp, path, dlen);
	sprintf(tmp + dlen, ".%s.partial-XXXXXX", base);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) || write_all(fd, buf, len) || fsync(fd))
		goto fail_unlink;
	if (close(fd)) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (!force) {
		/* link() refuses an existing name atomically; fall back to rename on file
		 * systems without hard links. */
		if (link(tmp, path) == 0) {
			unlink(tmp);
		} else if (errno == EEXIST) {
			goto fail_unlink;
		} else {
			if (lstat(path, &st) == 0) {
				errno = EEXIST;
				goto fail_unlink;
			}
			if (rename(tmp, path))
				goto fail_unlink;
		}
	} else if (rename(tmp, path)) {
		goto fail_unlink;
	}
	{
		int dfd = open(dir, O_RDONLY | O_CLOEXEC);

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	free(tmp);
	free(dir);
	return 0;
fail_unlink:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
fail:
	e = errno;
	free(tmp);
	free(dir);
	errno = e;
	return -1;
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
