/* SPDX-License-Identifier: MIT */
/*
 * The command's platform layer: what differs between POSIX systems (Linux; macOS untested) and
 * Windows, one implementation per OS: platform_posix.c (+ platform_posix_ports.c, the serial
 * ports from sysfs) and platform_win32.c (+ platform_win32_ports.c, SetupAPI and the
 * registry). The command's other files call these and no OS interface of their own.
 *
 * Every string is UTF-8 (on Windows converted to and from UTF-16 here: arguments, environment,
 * paths). Functions that fail return -1 with errno set, unless said otherwise.
 */
#ifndef BLR_CLI_PLATFORM_H
#define BLR_CLI_PLATFORM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef _WIN32
#define PLAT_SEP	  '\\'
#define PLAT_PORT_EXAMPLE "COM3"
/* where 'loader add' puts the loader, for help texts */
#define PLAT_DATA_DIR_TEXT "%LOCALAPPDATA%\\blrescue"
/* messages about ports (port_msg.c) */
#define PLAT_BUSY_WHO                                                                              \
	"a serial terminal (PuTTY, Tera Term, the Arduino IDE), Dev Cube, another blrescue"
#define PLAT_PORT_HINT                                                                             \
	"Device Manager lists the COM port of a plugged-in adapter under 'Ports (COM & LPT)'; an " \
	"adapter without a driver shows up under 'Other devices' (CH340: the WCH driver, CP210x: " \
	"Silicon Labs', FTDI: its VCP driver)"
#define PLAT_PERM_HINT "another program may have the port open, or Windows refused access"
#else
#define PLAT_SEP	   '/'
#define PLAT_PORT_EXAMPLE  "/dev/ttyUSB0"
#define PLAT_DATA_DIR_TEXT "$XDG_DATA_HOME/blrescue or ~/.local/share/blrescue"
#define PLAT_BUSY_WHO	   "brltty, ModemManager, a serial monitor, another blrescue"
#define PLAT_PORT_HINT	   ""
#define PLAT_PERM_HINT                                                                             \
	"serial ports belong to the group 'dialout': run\n"                                        \
	"  sudo usermod -aG dialout $USER\n"                                                       \
	"then log out and back in."
#endif

/* ---- the process ------------------------------------------------------------------------ */

/* First thing in main. Windows: *argv becomes the command line (GetCommandLineW) in UTF-8, the
 * console shows UTF-8 (its code page restored at exit), standard input is binary. POSIX:
 * nothing. */
void plat_init(int *argc, char ***argv);

/* The first request to stop stores a signal number in *flag, polled by the command (the exit
 * status is then 128 + it): SIGINT, SIGTERM and SIGHUP on POSIX; on Windows Ctrl-C and
 * Ctrl-Break (2, as SIGINT) and a closed console, logoff or shutdown (1, as SIGHUP; the handler
 * then waits for the command to clean up and exit). A second request ends the program at once.
 * A broken pipe is an error on write, not a signal. */
void plat_catch_signals(volatile sig_atomic_t *flag);

/* An environment variable (UTF-8), or NULL when it is unset. The value stays valid. */
const char *plat_getenv(const char *name);

/* Milliseconds of a monotonic clock. */
uint64_t plat_now_ms(void);

/* ---- files ------------------------------------------------------------------------------ */

enum plat_kind {
	PLAT_FILE = 1, /* a regular file */
	PLAT_DIR,
	PLAT_LINK, /* plat_lstat only: a symbolic link (never on Windows) */
	PLAT_FIFO, /* a FIFO (POSIX) or a named pipe (Windows) */
	PLAT_OTHER /* a device, a socket */
};

struct plat_stat {
	enum plat_kind kind;
	uint64_t size;
	uint64_t dev, ino; /* the file's identity (Windows: volume serial, file index) */
};

int plat_stat(const char *path, struct plat_stat *st);
int plat_lstat(const char *path, struct plat_stat *st);
int plat_fstat(int fd, struct plat_stat *st);
/* A symbolic link's target (NUL-terminated; cap includes the NUL). Returns its length. */
int plat_readlink(const char *path, char *buf, size_t cap);

/* Binary data goes to standard output ('read -', monitor): no newline translation. */
void plat_stdout_binary(void);

/* Descriptors: binary, not inherited by child processes. */
int plat_open_read(const char *path);
int plat_open_write(const char *path); /* an existing file, FIFO or named pipe */
ssize_t plat_read(int fd, void *buf, size_t n);
ssize_t plat_write(int fd, const void *buf, size_t n);
int plat_close(int fd);
int plat_fsync(int fd);
bool plat_fd_is_open(int fd);

/* N when path names a descriptor of this process (/dev/fd/N, /proc/self/fd/N, /dev/stdout,
 * ...), else -1 (always on Windows). */
int plat_fd_path(const char *path);

/* A new empty file beside path, named ".NAME.partial-XXXXXX" (tmp gets its name), created
 * exclusively with the permissions of a new file. Returns the descriptor. */
int plat_temp_create(const char *path, char *tmp, size_t cap);
/* Put the closed temp file tmp in place of path: replacing an existing file when force, else
 * failing with EEXIST when path exists (atomically, where the file system allows). Windows:
 * MoveFileExW with MOVEFILE_WRITE_THROUGH (and MOVEFILE_REPLACE_EXISTING with force). */
int plat_install(const char *tmp, const char *path, bool force);
int plat_unlink(const char *path);
/* After an install: make the directory entry durable (POSIX fsync of the directory). */
void plat_sync_dir(const char *dir);
/* Can files be created in dir? 0, or -1 with errno (EACCES, ENOENT, ...). */
int plat_dir_writable(const char *dir);
/* Bytes this user may still write in dir's file system. */
int plat_free_space(const char *dir, uint64_t *avail);
/* One directory (its parent exists); EEXIST when it is there already. */
int plat_mkdir(const char *dir);
/* Do a and b name the same existing file? */
bool plat_same_file(const char *a, const char *b);
/* Is c a separator of path components ('/'; on Windows also '\\')? */
bool plat_is_sep(char c);
/* The length of path's root: "/" on POSIX; "C:\", "\\server\share\" on Windows; else 0. */
size_t plat_root_len(const char *path);

/* Every existing path that matches pattern ('*' and '?' in any component; PLAT_SEP or '/'
 * between them), sorted within a directory: fn(user, path) for each. */
void plat_glob(const char *pattern, void (*fn)(void *user, const char *path), void *user);

/* The directory where 'loader add' puts the loader (no trailing separator): -1 when the
 * variables it comes from are unset (message: PLAT_DATA_DIR_TEXT). */
int plat_data_dir(char *buf, size_t cap);

/* Where else the loader may be (loader_find.c): glob patterns whose first component may be
 * "~" ($HOME) or "$NAME" (an environment variable; the pattern is skipped while it is unset),
 * '/' between components (PLAT_SEP on the way out). py_sites: site-packages folders of Python
 * installs; devcube_dirs: unpacked Dev Cube folders. Both end with NULL. */
extern const char *const plat_py_sites[];
extern const char *const plat_devcube_dirs[];

/* ---- terminals -------------------------------------------------------------------------- */

/* Is fd a terminal (Windows: a console; never the NUL device)? */
bool plat_isatty(int fd);
/* Does the terminal on fd understand "\033[K" (erase to the end of the line)? Windows: after
 * turning on its virtual terminal mode, where the console has one. */
bool plat_term_ansi(int fd);

/* Standard input for the serial console (monitor): raw (every key as typed, Ctrl-C a byte,
 * no echo) when it is a terminal, restored by plat_stdin_restore. */
struct plat_stdin;
struct plat_stdin *plat_stdin_open(void);
/* Up to cap bytes that are ready, without waiting: > 0 bytes, 0 none now, -1 end of input. */
ssize_t plat_stdin_read(struct plat_stdin *in, void *buf, size_t cap);
void plat_stdin_close(struct plat_stdin *in); /* the terminal as it was */

/* ---- serial ports ----------------------------------------------------------------------- */

/* A serial port as the OS lists it (ports.c adds what is known about its adapter). */
struct plat_port {
	char name[128]; /* what -p takes: /dev/ttyUSB0, COM5 */
	bool usb;	/* a USB adapter (vid, pid and the strings are known) */
	unsigned vid, pid;
	char manufacturer[96], product[96], serial[96];
	char driver[64];    /* cp210x, ch341-uart, ftdi_sio / the Windows driver service */
	char location[128]; /* USB bus path (1-1.2:1.0) or the OS's description */
};

/* The serial ports present, at most cap, in no particular order. Linux reads sysfs below
 * $BLRESCUE_SYSFS (default /sys; tests use a fake tree); Windows asks SetupAPI for the Ports
 * class and adds what the registry's HARDWARE\DEVICEMAP\SERIALCOMM names besides (wine:
 * only that). Returns how many. */
size_t plat_ports_list(struct plat_port *out, size_t cap);
/* Does port (as given to -p) name the listed port p (by-id links, "\\.\COM5")? */
bool plat_port_matches(const char *port, const struct plat_port *p);

/* The text of an OS error from the serial backend (errno; GetLastError() on Windows). */
const char *plat_os_strerror(int os_err, char *buf, size_t cap);
/* Does it say the device went away (an unplugged adapter)? */
bool plat_os_error_unplugged(int os_err);
/* Name the processes holding a busy port (POSIX: from /proc; nothing on Windows): fn once per
 * line such as "held by minicom (pid 123), which has it locked". os_err: the open's error. */
void plat_port_holders(const char *port, int os_err, void (*fn)(void *user, const char *line),
		       void *user);

#endif
