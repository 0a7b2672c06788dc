/* SPDX-License-Identifier: MIT */
/*
 * Messages about a serial port that cannot be opened (the device commands and monitor): which
 * ports exist, who holds a busy one, the dialout group.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli_int.h"

void cli_list_ports(const struct cli *cli)
{
	static const char *const pats[] = {"/dev/ttyUSB*", "/dev/ttyACM*", "/dev/serial/by-id/*"};
	size_t shown = 0;

	for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		glob_t g;

		memset(&g, 0, sizeof(g));
		if (glob(pats[k], 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				if (!shown++)
					cli_info(cli, "serial ports present:");
				cli_info(cli, "  %s", g.gl_pathv[i]);
			}
		}
		globfree(&g);
	}
	if (!shown)
		cli_info(cli, "no USB serial adapter found (/dev/ttyUSB*, /dev/ttyACM*): is it "
			      "plugged in?");
}

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

/* The processes with a lock (flock, POSIX or OFD) on the file want is: /proc/locks lines
 * "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END" (major and minor in hex). Returns
 * how many were named. */
static size_t name_lockers(const struct cli *cli, const struct stat *want)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256], kind[16];
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
		cli_info(cli, "  held by %s (pid %ld), which has it locked", name, pid);
		named++;
	}
	fclose(f);
	return named;
}

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
static void name_openers(const struct cli *cli, const struct stat *want)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	while (proc && (pe = readdir(proc))) {
		char *end, name[64];
		long pid = strtol(pe->d_name, &end, 10);

		if (*end || pid <= 0 || pid == (long)getpid() || !has_open(pid, want))
			continue;
		proc_name(pid, name, sizeof(name));
		cli_info(cli, "  held open by %s (pid %ld)", name, pid);
	}
	if (proc)
		closedir(proc);
}

/* A busy port: flock() said EWOULDBLOCK (another program has it locked: name the lock's
 * holder, not every process that merely has the file open, such as the program at the other
 * end of a pseudo-terminal), or open() said EBUSY (TIOCEXCL: name whoever has it open). */
static void name_holders(const struct cli *cli, const char *path, int os_err)
{
	struct stat want;

	if (stat(path, &want))
		return;
	if (os_err == EBUSY || !name_lockers(cli, &want))
		name_openers(cli, &want);
}

int cli_port_open_error(const struct cli *cli, const char *port, int rc, int os_err)
{
	switch (rc) {
	case BLR_E_NOENT:
		cli_err(cli, "port %s does not exist", port);
		cli_list_ports(cli);
		break;
	case BLR_E_PERM:
		cli_err(cli, "permission denied opening %s", port);
		cli_info(cli, "serial ports belong to the group 'dialout': run\n"
			      "  sudo usermod -aG dialout $USER\n"
			      "then log out and back in.");
		break;
	case BLR_E_BUSY:
		cli_err(cli,
			"port %s is busy: another program holds it (brltty, ModemManager, a "
			"serial monitor, another blrescue)",
			port);
		name_holders(cli, port, os_err);
		break;
	default:
		cli_err(cli, "cannot open %s: %s%s%s", port, blr_strerror(rc), os_err ? ": " : "",
			os_err ? strerror(os_err) : "");
		break;
	}
	return rc == BLR_E_IO ? EXIT_IOERR : cli_exit_for(rc);
}
