/* SPDX-License-Identifier: MIT */
/*
 * The platform layer on POSIX systems (platform.h): Linux, and in principle macOS (untested).
 * The serial port list from sysfs is in platform_posix_ports.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h> /* major(), minor() */
#endif

#include "platform.h"

/* ---- the process ------------------------------------------------------------------------ */

void plat_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}

static volatile sig_atomic_t *g_flag;

/* The first signal asks for a clean stop and is remembered for the exit status; a second one
 * ends the program at once. */
static void on_signal(int sig)
{
	if (*g_flag) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	*g_flag = sig;
}

void plat_catch_signals(volatile sig_atomic_t *flag)
{
	struct sigaction sa;

	g_flag = flag;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

const char *plat_getenv(const char *name)
{
	return getenv(name);
}

uint64_t plat_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- files ------------------------------------------------------------------------------ */

void plat_stdout_binary(void)
{
}

static void fill(const struct stat *s, struct plat_stat *st)
{
	memset(st, 0, sizeof(*st));
	if (S_ISREG(s->st_mode))
		st->kind = PLAT_FILE;
	else if (S_ISDIR(s->st_mode))
		st->kind = PLAT_DIR;
	else if (S_ISLNK(s->st_mode))
		st->kind = PLAT_LINK;
	else if (S_ISFIFO(s->st_mode))
		st->kind = PLAT_FIFO;
	else
		st->kind = PLAT_OTHER;
	st->size = (uint64_t)s->st_size;
	st->dev = (uint64_t)s->st_dev;
	st->ino = (uint64_t)s->st_ino;
}

int plat_stat(const char *path, struct plat_stat *st)
{
	struct stat s;

	if (stat(path, &s))
		return -1;
	fill(&s, st);
	return 0;
}

int plat_lstat(const char *path, struct plat_stat *st)
{
	struct stat s;

	if (lstat(path, &s))
		return -1;
	fill(&s, st);
	return 0;
}

int plat_fstat(int fd, struct plat_stat *st)
{
	struct stat s;

	if (fstat(fd, &s))
		return -1;
	fill(&s, st);
	return 0;
}

int plat_readlink(const char *path, char *buf, size_t cap)
{
	ssize_t n = readlink(path, buf, cap - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

int plat_open_read(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

int plat_open_write(const char *path)
{
	return open(path, O_WRONLY | O_CLOEXEC);
}

ssize_t plat_read(int fd, void *buf, size_t n)
{
	return read(fd, buf, n);
}

ssize_t plat_write(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n);
}

int plat_close(int fd)
{
	return close(fd);
}

int plat_fsync(int fd)
{
	return fsync(fd);
}

bool plat_fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int plat_fd_path(const char *path)
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

int plat_temp_create(const char *path, char *tmp, size_t cap)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	int dlen = slash ? (int)(slash - path) + 1 : 0, fd, n;
	mode_t um;

	n = snprintf(tmp, cap, "%.*s.%s.partial-XXXXXX", dlen, path, base);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um)) {
		int e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	return fd;
}

/* Without force only where nothing is: link() refuses an existing name atomically; rename on
 * file systems without hard links. */
int plat_install(const char *tmp, const char *path, bool force)
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

int plat_unlink(const char *path)
{
	return unlink(path);
}

void plat_sync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_CLOEXEC);

	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

int plat_dir_writable(const char *dir)
{
	return access(dir, W_OK | X_OK);
}

int plat_free_space(const char *dir, uint64_t *avail)
{
	struct statvfs vfs;

	if (statvfs(dir, &vfs))
		return -1;
	/* root may use the blocks reserved for it */
	*avail = (uint64_t)(geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize;
	return 0;
}

int plat_mkdir(const char *dir)
{
	return mkdir(dir, 0755);
}

bool plat_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

bool plat_is_sep(char c)
{
	return c == '/';
}

size_t plat_root_len(const char *path)
{
	return path[0] == '/';
}

void plat_glob(const char *pattern, void (*fn)(void *user, const char *path), void *user)
{
	glob_t g;

	memset(&g, 0, sizeof(g));
	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			fn(user, g.gl_pathv[i]);
	globfree(&g);
}

int plat_data_dir(char *buf, size_t cap)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(buf, cap, "%s/blrescue", x);
	else if (home && *home)
		n = snprintf(buf, cap, "%s/.local/share/blrescue", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The active virtualenv first, then the user's installs, then the system's. */
const char *const plat_py_sites[] = {
    "$VIRTUAL_ENV/lib/python3*/site-packages",
    "~/.local/lib/python3*/site-packages",
    "~/.local/share/pipx/venvs/*/lib/python3*/site-packages",
    "~/.local/pipx/venvs/*/lib/python3*/site-packages",
    "$PIPX_HOME/venvs/*/lib/python3*/site-packages",
    "~/.virtualenvs/*/lib/python3*/site-packages",
    "/usr/local/lib/python3*/dist-packages",
    "/usr/local/lib/python3*/site-packages",
    "/usr/lib/python3*/dist-packages",
    "/usr/lib/python3*/site-packages",
    NULL,
};

/* Dev Cube is unpacked anywhere on Linux: --devcube or $BLRESCUE_DEVCUBE names it. */
const char *const plat_devcube_dirs[] = {NULL};

/* ---- terminals -------------------------------------------------------------------------- */

bool plat_isatty(int fd)
{
	return isatty(fd) == 1;
}

bool plat_term_ansi(int fd)
{
	return isatty(fd) == 1;
}

struct plat_stdin {
	struct termios saved; /* the terminal's settings while raw */
	bool raw;
	bool eof;
};

struct plat_stdin *plat_stdin_open(void)
{
	struct plat_stdin *in = calloc(1, sizeof(*in));
	struct termios raw;

	if (!in || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &in->saved) != 0)
		return in;
	raw = in->saved;
	raw.c_iflag &=
	    ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
		in->raw = true;
	return in;
}

ssize_t plat_stdin_read(struct plat_stdin *in, void *buf, size_t cap)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	ssize_t n;

	if (!in || in->eof)
		return -1;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	n = read(STDIN_FILENO, buf, cap);
	if (n > 0)
		return n;
	if (n < 0 && errno == EINTR)
		return 0;
	in->eof = true;
	return -1;
}

void plat_stdin_close(struct plat_stdin *in)
{
	if (in && in->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &in->saved);
	free(in);
}

/* ---- serial ports: errors and who holds one --------------------------------------------- */

const char *plat_os_strerror(int os_err, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(os_err));
	return buf;
}

bool plat_os_error_unplugged(int os_err)
{
	return os_err == EIO || os_err == ENXIO || os_err == ENODEV;
}

struct holders {
	void (*fn)(void *user, const char *line);
	void *user;
};

/* The command name of a process ("?" when it cannot be read). */
static void proc_name(long pid, char *name, size_t cap)
{
	char p[64];
	FILE *f;

	snprintf(name, cap, "?");
	snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
	f = fopen(p, "r");
	if (!f)
		return;
	if (fgets(name, (int)cap, f))
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
}

#ifdef __linux__
/* The processes with a lock (flock, POSIX or OFD) on the file want is: /proc/locks lines
 * "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END" (major and minor in hex). Returns
 * how many were named. */
static size_t name_lockers(const struct holders *h, const struct stat *want)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256], kind[16], msg[160];
	size_t named = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		long pid;
		unsigned maj, min;
		unsigned long ino;
		char name[64];

		/* "N: -> FLOCK ..." lines are processes waiting for the lock */
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", kind, &pid, &maj, &min, &ino) !=
			5 ||
		    pid <= 0 || pid == (long)getpid())
			continue;
		if (maj != major(want->st_dev) || min != minor(want->st_dev) ||
		    ino != (unsigned long)want->st_ino)
			continue;
		proc_name(pid, name, sizeof(name));
		snprintf(msg, sizeof(msg), "held by %s (pid %ld), which has it locked", name, pid);
		h->fn(h->user, msg);
		named++;
	}
	fclose(f);
	return named;
}
#else
static size_t name_lockers(const struct holders *h, const struct stat *want)
{
	(void)h;
	(void)want;
	return 0;
}
#endif

/* Does process pid have the file want open? */
static bool has_open(long pid, const struct stat *want)
{
	char p[64 + NAME_MAX];
	struct dirent *fe;
	struct stat st;
	bool found = false;
	DIR *fds;

	snprintf(p, sizeof(p), "/proc/%ld/fd", pid);
	fds = opendir(p);
	if (!fds)
		return false;
	while (!found && (fe = readdir(fds))) {
		if (fe->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/fd/%s", pid, fe->d_name);
		found = stat(p, &st) == 0 && st.st_dev == want->st_dev &&
			st.st_ino == want->st_ino && st.st_rdev == want->st_rdev;
	}
	closedir(fds);
	return found;
}

/* The processes (of this user; others' are not visible) that have the file open. */
static void name_openers(const struct holders *h, const struct stat *want)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	while (proc && (pe = readdir(proc))) {
		char *end, name[64], msg[160];
		long pid = strtol(pe->d_name, &end, 10);

		if (*end || pid <= 0 || pid == (long)getpid() || !has_open(pid, want))
			continue;
		proc_name(pid, name, sizeof(name));
		snprintf(msg, sizeof(msg), "held open by %s (pid %ld)", name, pid);
		h->fn(h->user, msg);
	}
	if (proc)
		closedir(proc);
}

/* flock() said EWOULDBLOCK (another program has it locked: name the lock's holder, not every
 * process that merely has the file open, such as the program at the other end of a
 * pseudo-terminal), or open() said EBUSY (TIOCEXCL: name whoever has it open). */
void plat_port_holders(const char *port, int os_err, void (*fn)(void *user, const char *line),
		       void *user)
{
	struct holders h = {fn, user};
	struct stat want;

	if (stat(port, &want))
		return;
	if (os_err == EBUSY || !name_lockers(&h, &want))
		name_openers(&h, &want);
}
