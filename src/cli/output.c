/* SPDX-License-Identifier: MIT */
/*
 * Output files of every command that writes one (read, write --backup, scrub, loader add).
 *
 * A new or regular file is written atomically: a temp file beside it, fsync, rename, fsync of
 * the directory. A symbolic link is followed: the file it points to is replaced the same way
 * (beside the target) and the link is kept. A FIFO, /dev/fd/N, /proc/self/fd/N and
 * /dev/stdout are streams: written in one go once the data is complete (like '-'). Device
 * nodes and sockets are refused: nothing that is not a regular file is ever replaced by one.
 * On Windows (platform_win32.c) the temp file is put in place by MoveFileExW with
 * MOVEFILE_WRITE_THROUGH; there are no links, FIFOs or /dev/fd/N there, and a device name
 * (NUL, COM3, \\.\...) is refused like a device node.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

#define PATH_CAP 4096

/* The last separator of path, or NULL. */
static const char *last_sep(const char *path)
{
	const char *s = NULL;

	for (const char *p = path; *p; p++)
		if (plat_is_sep(*p))
			s = p;
	return s;
}

/* dir of path (without the last component) + "/" + rel into out (a link's target). */
static int join_dir(const char *path, const char *rel, char *out, size_t cap)
{
	const char *slash = last_sep(path);
	int n;

	if (plat_root_len(rel) || !slash)
		n = snprintf(out, cap, "%s", rel);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - path), path, rel);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int cli_out_resolve(const char *path, struct cli_out *o)
{
	char cur[PATH_CAP], target[PATH_CAP], next[PATH_CAP];
	struct plat_stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!strcmp(path, "-")) {
		o->kind = CLI_OUT_STDOUT;
		o->fd = 1;
		return 0;
	}
	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int hops = 0; hops < 40; hops++) {
		o->fd = plat_fd_path(cur);
		if (o->fd >= 0) {
			o->kind = o->fd == 1 ? CLI_OUT_STDOUT : CLI_OUT_STREAM;
			if (!plat_fd_is_open(o->fd)) {
				errno = EBADF;
				return -1;
			}
			return 0;
		}
		snprintf(o->path, sizeof(o->path), "%s", cur);
		if (plat_lstat(cur, &st)) {
			if (errno != ENOENT)
				return -1;
			o->kind = CLI_OUT_FILE; /* a new file (perhaps a dangling link's target) */
			return 0;
		}
		o->exists = true;
		if (st.kind != PLAT_LINK)
			break;
		o->link = true;
		if (plat_readlink(cur, target, sizeof(target)) < 0)
			return -1;
		if (join_dir(cur, target, next, sizeof(next))) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(cur, next, sizeof(cur));
	}
	if (st.kind == PLAT_LINK) {
		errno = ELOOP;
		return -1;
	}
	if (st.kind == PLAT_DIR) {
		errno = EISDIR;
		return -1;
	}
	if (st.kind == PLAT_FIFO) {
		o->kind = CLI_OUT_STREAM;
		return 0;
	}
	if (st.kind != PLAT_FILE) {
		errno = ENODEV; /* a device node or a socket */
		return -1;
	}
	o->kind = CLI_OUT_FILE;
	return 0;
}

int cli_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t w = plat_write(fd, buf, len);

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

/* A FIFO or an open descriptor: the data in one go. */
static int write_stream(const struct cli_out *o, const uint8_t *buf, size_t len)
{
	int fd = o->fd >= 0 ? o->fd : plat_open_write(o->path);
	int r, e;

	if (fd < 0)
		return -1;
	r = cli_write_all(fd, buf, len);
	e = errno;
	if (o->fd < 0 && plat_close(fd) && r == 0)
		return -1;
	errno = e;
	return r;
}

/* The directory of a file path, for plat_dir_writable and plat_free_space. */
static void dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = last_sep(path);
	size_t root = plat_root_len(path);

	if (!slash)
		snprintf(dir, cap, "%.*s", root ? (int)root : 1, root ? path : ".");
	else if ((size_t)(slash - path) < root)
		snprintf(dir, cap, "%.*s", (int)root, path);
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* The temp file beside path, filled and synced, then installed. */
static int write_file(const char *path, const uint8_t *buf, size_t len, bool force)
{
	const char *slash = last_sep(path);
	char tmp[PATH_CAP + 32], dir[PATH_CAP];
	int fd, e;

	if (!*(slash ? slash + 1 : path)) {
		errno = EISDIR;
		return -1;
	}
	dir_of(path, dir, sizeof(dir));
	fd = plat_temp_create(path, tmp, sizeof(tmp));
	if (fd < 0)
		return -1;
	if (cli_write_all(fd, buf, len) || plat_fsync(fd)) {
		e = errno;
		plat_close(fd);
		goto fail;
	}
	if (plat_close(fd) || plat_install(tmp, path, force)) {
		e = errno;
		goto fail;
	}
	plat_sync_dir(dir);
	return 0;
fail:
	plat_unlink(tmp);
	errno = e;
	return -1;
}

int cli_write_file_atomic(const char *path, const uint8_t *buf, size_t len, bool force)
{
	struct cli_out o;

	if (cli_out_resolve(path, &o))
		return -1;
	if (o.kind != CLI_OUT_FILE)
		return write_stream(&o, buf, len);
	if (o.exists && !force) {
		errno = EEXIST;
		return -1;
	}
	return write_file(o.path, buf, len, force);
}

int cli_output_error(const struct cli *cli, const char *what, const char *path, int e)
{
	if (e == EEXIST)
		cli_err(cli,
			"%s: %s exists; not overwriting it (use --force, or choose another name)",
			what, path);
	else if (e == ENODEV)
		cli_err(cli,
			"%s: %s is a device, not a file: blrescue writes files, FIFOs and "
			"/dev/fd/N only (to send the data to a device, use '-' and redirect "
			"standard output)",
			what, path);
	else if (e == EISDIR)
		cli_err(cli, "%s: %s is a directory", what, path);
	else
		cli_err(cli, "%s: cannot write %s: %s", what, path, strerror(e));
	return EXIT_CANTCREAT;
}

int cli_check_output(struct cli *cli, const char *what, const char *path, bool force)
{
	struct cli_out o;
	char dir[PATH_CAP];

	if (cli_out_resolve(path, &o))
		return cli_output_error(cli, what, path, errno);
	if (o.kind == CLI_OUT_STDOUT) {
		if (plat_isatty(1)) {
			cli_err(cli,
				"%s: not writing binary data to a terminal; redirect standard "
				"output (e.g. '| xxd') or give a file name",
				what);
			return EXIT_USAGE;
		}
		cli->out = stderr; /* results and messages; the data has standard output */
		plat_stdout_binary();
		return 0;
	}
	if (o.kind == CLI_OUT_STREAM) {
		if (o.fd >= 0 && plat_isatty(o.fd)) {
			cli_err(cli, "%s: %s is a terminal; not writing binary data to it", what,
				path);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (o.exists && !force)
		return cli_output_error(cli, what, path, EEXIST);
	dir_of(o.path, dir, sizeof(dir));
	if (plat_dir_writable(dir))
		return cli_output_error(cli, what, path, errno);
	return 0;
}

int cli_check_space(const struct cli *cli, const char *what, const char *path, uint64_t need)
{
	struct cli_out o;
	char dir[PATH_CAP], nsz[32], fsz[32];
	uint64_t avail;

	if (cli_out_resolve(path, &o) || o.kind != CLI_OUT_FILE)
		return 0; /* streams: nothing to measure; other errors come when writing */
	dir_of(o.path, dir, sizeof(dir));
	if (plat_free_space(dir, &avail))
		return 0;
	if (avail >= need)
		return 0;
	blr_format_size(need, nsz, sizeof(nsz));
	blr_format_size(avail, fsz, sizeof(fsz));
	cli_err(cli,
		"%s: %s needs %s (%" PRIu64 " bytes) but %s has only %s (%" PRIu64
		" bytes) free; free some space or choose another place",
		what, path, nsz, need, dir, fsz, avail);
	return EXIT_CANTCREAT;
}
