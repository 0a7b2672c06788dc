/* SPDX-License-Identifier: MIT */
/*
 * Output files of every command that writes one (read, write --backup, scrub, loader add).
 *
 * A new or regular file is written atomically: a temp file beside it, fsync, rename, fsync of
 * the directory. A symbolic link is followed: the file it points to is replaced the same way
 * (beside the target) and the link is kept. A FIFO, /dev/fd/N, /proc/self/fd/N and
 * /dev/stdout are streams: written in one go once the data is complete (like '-'). Device
 * nodes and sockets are refused: nothing that is not a regular file is ever replaced by one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli/cli_int.h"

/* N when path names an open descriptor of this process (/dev/fd/N, /proc/self/fd/N,
 * /proc/PID/fd/N with our pid, /dev/stdout, /dev/stderr), else -1. */
static int fd_path(const char *path)
{
	char self[64];
	const char *n = NULL;
	char *end;
	long v;

	snprintf(self, sizeof(self), "/proc/%ld/fd/", (long)getpid());
	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	else if (!strncmp(path, self, strlen(self)))
		n = path + strlen(self);
	if (!n || *n < '0' || *n > '9')
		return -1;
	v = strtol(n, &end, 10);
	return *end || v > INT_MAX ? -1 : (int)v;
}

/* dir of path (without the last component) + "/" + rel into out. */
static int join_dir(const char *path, const char *rel, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (rel[0] == '/' || !slash)
		n = snprintf(out, cap, "%s", rel);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - path), path, rel);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int cli_out_resolve(const char *path, struct cli_out *o)
{
	char cur[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!strcmp(path, "-")) {
		o->kind = CLI_OUT_STDOUT;
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int hops = 0; hops < 40; hops++) {
		ssize_t n;

		o->fd = fd_path(cur);
		if (o->fd >= 0) {
			o->kind = o->fd == STDOUT_FILENO ? CLI_OUT_STDOUT : CLI_OUT_STREAM;
			if (fcntl(o->fd, F_GETFD) < 0)
				return -1; /* EBADF: not open */
			return 0;
		}
		snprintf(o->path, sizeof(o->path), "%s", cur);
		if (lstat(cur, &st)) {
			if (errno != ENOENT)
				return -1;
			o->kind = CLI_OUT_FILE; /* a new file (perhaps a dangling link's target) */
			return 0;
		}
		o->exists = true;
		if (!S_ISLNK(st.st_mode))
			break;
		o->link = true;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		if (join_dir(cur, target, next, sizeof(next))) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(cur, next, sizeof(cur));
	}
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (S_ISFIFO(st.st_mode)) {
		o->kind = CLI_OUT_STREAM;
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = ENODEV; /* a device node or a socket */
		return -1;
	}
	o->kind = CLI_OUT_FILE;
	return 0;
}

int cli_write_all(int fd, const uint8_t *buf, size_t len)
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

/* A FIFO or an open descriptor: the data in one go. */
static int write_stream(const struct cli_out *o, const uint8_t *buf, size_t len)
{
	int fd = o->fd >= 0 ? o->fd : open(o->path, O_WRONLY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = cli_write_all(fd, buf, len);
	e = errno;
	if (o->fd < 0 && close(fd) && r == 0)
		return -1;
	errno = e;
	return r;
}

/* Put the finished temp file in place: without force only where nothing is (link() refuses
 * an existing name atomically; rename on file systems without hard links). */
static int install(const char *tmp, const char *path, bool force)
{
	struct stat st;

	if (force)
		return rename(tmp, path);
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -1;
	if (lstat(path, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(tmp, path);
}

/* The temp file beside path, filled and synced, then installed. */
static int write_file(const char *path, const uint8_t *buf, size_t len, bool force)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char tmp[PATH_MAX + 32], dir[PATH_MAX];
	mode_t um;
	int fd, e, dfd;

	if (!*base) {
		errno = EISDIR;
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", dlen ? (int)dlen : 1, dlen ? path : ".");
	snprintf(tmp, sizeof(tmp), "%.*s.%s.partial-XXXXXX", (int)dlen, path, base);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) || cli_write_all(fd, buf, len) || fsync(fd)) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) || install(tmp, path, force)) {
		e = errno;
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	unlink(tmp);
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

/* The directory of a file path, for access() and statvfs(). */
static void dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
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
	char dir[PATH_MAX];

	if (cli_out_resolve(path, &o))
		return cli_output_error(cli, what, path, errno);
	if (o.kind == CLI_OUT_STDOUT) {
		if (isatty(STDOUT_FILENO)) {
			cli_err(cli,
				"%s: not writing binary data to a terminal; redirect standard "
				"output (e.g. '| xxd') or give a file name",
				what);
			return EXIT_USAGE;
		}
		cli->out = stderr; /* results and messages; the data has standard output */
		return 0;
	}
	if (o.kind == CLI_OUT_STREAM) {
		if (o.fd >= 0 && isatty(o.fd)) {
			cli_err(cli, "%s: %s is a terminal; not writing binary data to it", what,
				path);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (o.exists && !force)
		return cli_output_error(cli, what, path, EEXIST);
	dir_of(o.path, dir, sizeof(dir));
	if (access(dir, W_OK | X_OK))
		return cli_output_error(cli, what, path, errno);
	return 0;
}

int cli_check_space(const struct cli *cli, const char *what, const char *path, uint64_t need)
{
	struct cli_out o;
	struct statvfs vfs;
	char dir[PATH_MAX], nsz[32], fsz[32];
	uint64_t avail;

	if (cli_out_resolve(path, &o) || o.kind != CLI_OUT_FILE)
		return 0; /* streams: nothing to measure; other errors come when writing */
	dir_of(o.path, dir, sizeof(dir));
	if (statvfs(dir, &vfs))
		return 0;
	/* root may use the blocks reserved for it */
	avail = (uint64_t)(geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize;
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
