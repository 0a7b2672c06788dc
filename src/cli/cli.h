/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the blrescue command-line tool.
 *
 * Every subcommand is a function `int cmd_NAME(struct cli *cli, int argc, char **argv)`:
 * argv[0] is the command name, the rest are its own options and arguments (global options
 * have already been consumed by main.c). It returns one of the exit codes below. It prints
 * results to cli->out and messages through cli_err/cli_warn/cli_info (to stderr).
 * `--help` on every command prints the usage text registered in the command table.
 */
#ifndef BLR_CLI_H
#define BLR_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, sysexits style (documented in blrescue(1), EXIT STATUS). */
enum cli_exit {
	EXIT_OK_ = 0,
	EXIT_MISMATCH = 1,	/* verify mismatch; check: suspicious dump */
	EXIT_NOT_DUMP = 2,	/* check: not a BL602 dump */
	EXIT_USAGE = 64,	/* EX_USAGE: bad command line, bad number */
	EXIT_DATAERR = 65,	/* EX_DATAERR: bad input file contents (wrong size, not an image) */
	EXIT_NOINPUT = 66,	/* EX_NOINPUT: input file or loader missing / unreadable */
	EXIT_UNAVAIL = 69,	/* EX_UNAVAILABLE: no answer from the chip, port missing or busy */
	EXIT_SOFTWARE = 70,	/* EX_SOFTWARE: internal error */
	EXIT_CANTCREAT = 73,	/* EX_CANTCREAT: output cannot be created */
	EXIT_IOERR = 74,	/* EX_IOERR: I/O error on the port or a file */
	EXIT_PROTOCOL = 76,	/* EX_PROTOCOL: device error (FL code) or protocol failure */
	EXIT_NOPERM = 77,	/* EX_NOPERM: permission denied (e.g. not in group dialout) */
	EXIT_INTERRUPTED = 130, /* stopped by a signal: main.c turns it into 128 + the signal's
				 * number (130 SIGINT, 143 SIGTERM, 129 SIGHUP) */
};

/* Global options and shared state, filled by main.c. */
struct cli {
	FILE *out;			    /* results: stdout (stderr when data goes to stdout) */
	int verbose;			    /* -v count; 0 = normal */
	bool quiet;			    /* -q */
	bool json;			    /* command-level --json sets this before printing */
	const char *port;		    /* -p/--port or $BLRESCUE_PORT */
	unsigned baud;			    /* -b/--baud, default 2000000 */
	unsigned rom_baud;		    /* --rom-baud, default 500000 */
	const char *loader;		    /* --loader FILE */
	const char *before;		    /* --before: none | preset | step string */
	const char *after;		    /* --after */
	volatile sig_atomic_t *interrupted; /* the signal that asked to stop (SIGINT, SIGTERM,
					     * SIGHUP), 0 while none has */
	const char *devcube; /* --devcube DIR or $BLRESCUE_DEVCUBE (loader discovery) */
	const char *prog;    /* program name for messages ("blrescue") */
	char auto_port[128]; /* the port chosen when none is given (cli_port_choose) */
};

/* ---- the command table (commands.c) ---- */

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

#define CLI_MAX_ALIASES 3

struct cli_command {
	const char *name;
	const char *alias[CLI_MAX_ALIASES]; /* other names (NULL-terminated unless full) */
	cli_cmd_fn fn;
	bool global_hint;    /* the usage ends with a pointer to the global options */
	const char *summary; /* one line of 'blrescue --help' */
	const char *usage;   /* synopsis line(s), then a blank line, then options */
};

/* The command called name or one of its aliases ('-' for '_' in an alias), or NULL. */
const struct cli_command *cli_command_find(const char *name);
/* The i-th command of the table, NULL past the end. */
const struct cli_command *cli_command_at(size_t i);
/* Print the usage text of a command (to f). Returns 0, or -1 when the command is unknown.
 * Commands call it for their own --help (main.c also answers `--help` anywhere before a
 * `--` on every command before dispatching). */
int cli_usage(const char *cmd, FILE *f);
/* 'blrescue --help': the global options and one line per command. */
void cli_overview(FILE *f);

void cli_err(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Numbers: decimal or 0x hex, optional suffix k/K/KiB (x1024) or M/MiB (x1048576).
 * Fully validated (no trailing junk, no overflow, no sign). Returns 0 or -1.
 */
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_u32(const char *s, uint32_t *out);

/* Read a whole file (at most max bytes; larger -> -1 with errno EFBIG). "-" = stdin.
 * Returns 0 with *buf malloc'ed, or -1 with errno set. */
int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Write buf to path atomically (temp file in the same directory, fsync, rename, fsync of the
 * directory); a symbolic link is kept and the file it names written the same way. "-" =
 * stdout; a FIFO or /dev/fd/N is written as a stream. Refuses an existing path unless force
 * (errno EEXIST) and a device node or socket always (errno ENODEV). Returns 0 or -1 with errno
 * set; never leaves the temp file behind. (output.c) */
int cli_write_file_atomic(const char *path, const uint8_t *buf, size_t len, bool force);

/* Offline commands (cmd_image.c). */
int cmd_inspect(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_scrub(struct cli *cli, int argc, char **argv);
int cmd_chips(struct cli *cli, int argc, char **argv);

/* Device commands (cmd_info.c, cmd_read.c, cmd_write.c, monitor.c, loader.c). */
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_write(struct cli *cli, int argc, char **argv);
int cmd_erase(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_monitor(struct cli *cli, int argc, char **argv);
int cmd_loader(struct cli *cli, int argc, char **argv);
int cmd_ports(struct cli *cli, int argc, char **argv); /* ports.c */

int cmd_help(struct cli *cli, int argc, char **argv); /* commands.c */

#endif
