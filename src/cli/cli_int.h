/* SPDX-License-Identifier: MIT */
/*
 * Internals of the blrescue command shared by its files: option parsing, files, sizes,
 * progress, reset presets, loader discovery and the device session.
 */
#ifndef BLR_CLI_INT_H
#define BLR_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"
#include "cli.h"

/* ---- option parsing (opts.c) ------------------------------------------------------------ */

/* has_arg: OPT_NUM (a command option only) takes a number, checked by cli_parse_cmd. */
enum { OPT_NONE = 0, OPT_ARG = 1, OPT_NUM = 2 };

struct cli_opt {
	const char *lng; /* long name without "--" */
	char shrt;	 /* short letter or 0 */
	int has_arg;	 /* OPT_NONE / OPT_ARG */
	int id;		 /* > 0 */
};

/* Ids of the global options (accepted before and after the command name). */
enum {
	GOPT_PORT = 1000,
	GOPT_BAUD,
	GOPT_ROM_BAUD,
	GOPT_LOADER,
	GOPT_BEFORE,
	GOPT_AFTER,
	GOPT_VERBOSE,
	GOPT_QUIET,
	GOPT_DEVCUBE,
	GOPT_HELP,
	GOPT_VERSION,
};

extern const struct cli_opt cli_global_opts[];

struct cli_optparse {
	int argc;
	char **argv;
	const struct cli_opt *last; /* the option last returned (its name for messages) */
	int i;			    /* next argv index */
	const char *group;	    /* pending short-option group ("-vvq") */
	bool no_more;		    /* after "--" */
	const char *cmd;	    /* command name for messages */
};

#define OPTP_POSITIONAL 0 /* *arg = the positional argument */
#define OPTP_END	(-1)
#define OPTP_ERROR	(-2) /* message printed */

void cli_optparse_init(struct cli_optparse *p, int argc, char **argv, int first, const char *cmd);
/* Next option from cmd_opts (may be NULL) or, when globals is true, the global options
 * (command options win on a name clash). Returns the option id, OPTP_POSITIONAL,
 * OPTP_END or OPTP_ERROR. */
int cli_optparse_next(struct cli_optparse *p, const struct cli *cli, const struct cli_opt *cmd_opts,
		      bool globals, const char **arg);

/* Ids of the command options; each command's table names those it takes. */
enum {
	O_JSON = 1,
	O_SHOW_VALUES,
	O_FORCE,
	O_SIZE,
	O_END,
	O_ADDR,
	O_BACKUP,
	O_RESET,
	O_FULL,
	O_NO_VERIFY,
	O_ALL,
	O_DIFF,
	O_SSID,
	O_PSK,
	O_BASE,
	O_RESUME,
	O_COUNT
};

/* A command's own options and positional arguments, as cli_parse_cmd found them. */
struct cli_args {
	bool has[O_COUNT];	  /* the option was given */
	const char *val[O_COUNT]; /* its value (OPT_ARG, OPT_NUM) */
	uint32_t num[O_COUNT];	  /* the value of an OPT_NUM option; 0 when not given */
	const char *pos[2];
	size_t npos;
};

/* A command's whole command line: its own options (opts, ids O_*), the global options
 * (applied to cli) and up to maxpos (at most 2) positional arguments, all into *a.
 * Returns 0, an exit code after a message, or -1 when --help was printed. */
int cli_parse_cmd(struct cli *cli, int argc, char **argv, const char *name,
		  const struct cli_opt *opts, size_t maxpos, struct cli_args *a);

/* Apply a global option (id GOPT_*). Returns 0, or an exit code when the value is bad. */
int cli_global_apply(struct cli *cli, int id, const char *arg);

/* A baud rate from min to 12000000, written in full (no k/M suffix: '2M' would be 2097152).
 * Returns 0, or EXIT_USAGE after a message naming opt. */
int cli_opt_baud(const struct cli *cli, const char *opt, const char *s, unsigned min,
		 unsigned *out);

/* Before connecting: the ROM and loader rates (--rom-baud, -b) are rates the chip's auto-baud
 * keeps (blr_rom_baud, blr_loader_baud within 3 %). Returns 0, or EXIT_USAGE after a message
 * naming the rate the chip would use and the nearest rates that work. */
int cli_check_bauds(const struct cli *cli);

/* The fastest common rate (115200, 921600, 2000000, ...) up to max that the side at the other
 * end runs at: CLI_RATE_ROM (blr_rom_baud), CLI_RATE_LOADER (blr_loader_baud) or any
 * (CLI_RATE_ANY: a console); max itself when none is. */
enum { CLI_RATE_ANY, CLI_RATE_ROM, CLI_RATE_LOADER };
unsigned cli_rate_at_most(int chip, unsigned max);

/* Parse helpers that print "CMD: bad value for --OPT: ..." and return EXIT_USAGE. */
int cli_opt_u32(const struct cli *cli, const char *opt, const char *s, uint32_t *out);

/* ---- unknown commands (suggest.c) ------------------------------------------------------ */

/* argv[cmd] names no command: print esptool's equivalent (read_flash ADDR SIZE FILE ->
 * the exact blrescue line, with the global options given) or "did you mean" for a mistyped
 * name. Returns EXIT_USAGE. */
int cli_unknown_command(const struct cli *cli, int argc, char **argv, int cmd);

/* ---- input files (util.c) --------------------------------------------------------------- */

#define CLI_INPUT_MAX (64u * 1024u * 1024u) /* larger than any BL602 flash */

/* Read a whole input file (at most CLI_INPUT_MAX bytes; "-" = stdin). Returns 0, or after a
 * message "WHAT: ..." EXIT_DATAERR (too large) or EXIT_NOINPUT (missing, unreadable). */
int cli_read_input(const struct cli *cli, const char *what, const char *path, uint8_t **buf,
		   size_t *len);

/* ---- output files (output.c) ----------------------------------------------------------- */

enum cli_out_kind {
	CLI_OUT_STDOUT, /* '-' or /dev/stdout (/dev/fd/1) */
	CLI_OUT_FILE,	/* a regular file, new or existing: written atomically */
	CLI_OUT_STREAM, /* a FIFO or an open descriptor (/dev/fd/N): written in one go */
};

/* Where an output path leads: symbolic links followed to the file they name. */
struct cli_out {
	enum cli_out_kind kind;
	char path[4096]; /* CLI_OUT_FILE: the file to create or replace; a FIFO's path */
	bool exists;	 /* something is there now (the path itself or its link) */
	bool link;	 /* path is a symbolic link (the file it names is written) */
	int fd;		 /* the descriptor of a /dev/fd/N stream or standard output, else -1 */
};

/* Returns 0, or -1 with errno: ENODEV for a device node or a socket (never written), EISDIR,
 * ELOOP, EBADF for /dev/fd/N not open, or what lstat/readlink said. */
int cli_out_resolve(const char *path, struct cli_out *o);

/* Before any work, an output path (read, write --backup, scrub, loader add): '-' sends
 * results and messages to stderr and is refused on a terminal; a device is refused; an existing
 * file (or a link to one) needs force; the directory must be writable, so that a long read
 * does not end in "cannot write". Returns 0 or an exit code after a message. */
int cli_check_output(struct cli *cli, const char *what, const char *path, bool force);

/* Write all of buf to fd (again after EINTR and short writes). Returns 0 or -1 (errno). */
int cli_write_all(int fd, const uint8_t *buf, size_t len);

/* The message for a failed or refused output (errno e: EEXIST, ENODEV, EISDIR, others).
 * Returns EXIT_CANTCREAT. */
int cli_output_error(const struct cli *cli, const char *what, const char *path, int e);

/* Before a long read into path: is there room for need bytes in the directory the file goes
 * to (statvfs)? Returns 0 (also for streams), or EXIT_CANTCREAT after a message with both
 * numbers. */
int cli_check_space(const struct cli *cli, const char *what, const char *path, uint64_t need);

/* ---- progress (progress.c) -------------------------------------------------------------- */

struct cli_progress_stage {
	bool active; /* started and not finished */
	uint64_t t0_ms;
	uint64_t last_done;
	int last_pct;
};

struct cli_progress {
	const struct cli *cli;
	bool tty;
	bool ansi; /* the terminal erases a line's rest with "\033[K" */
	uint64_t last_draw_ms;
	bool line_open; /* a \r bar is on screen */
	struct cli_progress_stage st[8];
};

void cli_progress_init(struct cli_progress *pr, const struct cli *cli);
void cli_progress_cb(void *user, enum blr_stage stage, uint64_t done, uint64_t total);
/* Finish a bar that is still on screen (newline). */
void cli_progress_end(struct cli_progress *pr);
uint64_t cli_now_ms(void);

/* ---- reset presets (reset.c) ----------------------------------------------------------- */

/* Resolve a reset preset name or validate a step string. Returns the step string (static or
 * the argument), "" for none, or NULL when invalid. when: 0 = before, 1 = after. */
const char *cli_reset_steps(const char *spec, int when);

/* ---- loader discovery (loader.c) -------------------------------------------------------- */

#define CLI_LOADER_NAME "eflash_loader_40m.bin"
#define CLI_LOADER_MAX	(256u * 1024u)

struct cli_loader {
	char path[4096];
	const char *why;  /* "--loader", "$BLRESCUE_LOADER", "user data directory", ... */
	bool named_by_us; /* in the user data directory: its name is not the vendor's */
	uint8_t *buf;
	size_t len;
	struct blr_loader_info info;
};

/* Find and load the loader (discovery order of blrescue(1); loader_find.c). Returns 0 or an
 * exit code after printing what is missing and every place searched. Free with
 * cli_loader_free. */
int cli_loader_find(struct cli *cli, struct cli_loader *ld);
void cli_loader_free(struct cli_loader *ld);
/* The user data directory (no trailing slash): -1 when neither XDG_DATA_HOME (absolute) nor
 * HOME is set. (loader_find.c) */
int cli_loader_data_dir(char *buf, size_t cap);

/* Read and validate one loader file into ld (loader.c). Returns 0, EXIT_NOINPUT (missing,
 * unreadable) or EXIT_DATAERR (invalid, too large, another chip's: an error when report, else
 * a warning that it is skipped). */
int cli_loader_load(const struct cli *cli, const char *path, struct cli_loader *ld, bool report);
/* blr_loader_parse refused path (rc, why): say so, and what it is when it is another chip's
 * official file (li->chip). An error when fatal, else a warning that it is skipped. */
void cli_loader_report_invalid(const struct cli *cli, const char *path, int rc, const char *why,
			       const struct blr_loader_info *li, bool fatal);
/* What a loader is, for people: "the official BL602 loader eflash_loader_26m.bin of
 * bflb-mcu-tool 1.8.4, 1.10.0", or "an unknown build (...)". */
void cli_loader_describe(const struct blr_loader_info *li, char *buf, size_t cap);
/* The crystal a file name says (the official names' _24m, _26m, _32m, _38p4m, _40m: *khz;
 * _none, _rc32m: *rc); 0 and false when it says none. */
void cli_loader_name_hint(const char *path, uint32_t *khz, bool *rc);
/* Warnings about a loader that works only on some boards: built for another crystal than the
 * usual 40 MHz (from its SHA-256, else its file name); with unknown, also that it is not an
 * official file. */
void cli_loader_warn(const struct cli *cli, const struct cli_loader *ld, bool unknown);

/* ---- device session (session.c) --------------------------------------------------------- */

struct cli_session {
	struct cli *cli;
	struct blr_dev *dev;
	struct cli_loader loader;
	struct cli_progress progress;
	struct blr_chip_info info;
	const char *port;
	bool connected; /* the chip answered the connect: a later silence is the line's */
};

/* Resolve the port, find the loader, open, connect, read chip info. Returns 0 or an exit code
 * (message printed; everything freed). */
int cli_session_open(struct cli *cli, struct cli_session *s);
/* Run the --after steps (if any) and close the port (settings restored). */
void cli_session_close(struct cli_session *s);
/* Map a library error of an operation to a message and an exit code. what: "read", ... */
int cli_session_fail(struct cli_session *s, const char *what, int err);
/* Why nothing answered the handshake, from what the connect heard (blr_dev_last_listen):
 * firmware text (not in download mode: BOOT/GPIO8 high before the reset), silence (wiring,
 * power, TX/RX swapped, ground) or noise (baud rates, adapter). */
void cli_explain_listen(const struct cli *cli, const char *what, const char *port,
			const struct blr_listen *l);
/* Exit code for an enum blr_err (without printing). */
int cli_exit_for(int err);

/* ---- serial ports and adapters (ports.c) ------------------------------------------------- */

/* A USB-UART chip: its ids, the start of the product string that tells it apart where one id
 * covers several chips (or NULL), its name, the fastest rate it runs at (0: the id does not
 * tell), and what else to know (or NULL). */
struct cli_adapter {
	unsigned vid, pid;
	const char *product;
	const char *chip;
	unsigned max_baud;
	const char *note;
};

/* The adapter chip of a USB id (product: the device's product string, or NULL), or NULL. */
const struct cli_adapter *cli_adapter_find(unsigned vid, unsigned pid, const char *product);

/* Before a device command opens the port: without -p and BLRESCUE_PORT, the only USB serial
 * adapter is used and named (several are listed, none is said); a rate its adapter is known
 * not to reach is refused with the reason: rom_baud (--rom-baud; 0 when there is no ROM
 * phase) and baud (named baud_opt: "-b", monitor's "--baud"). Returns 0 (cli->port set) or
 * EXIT_USAGE after a message. */
int cli_port_choose(struct cli *cli, const char *what, unsigned rom_baud, unsigned baud,
		    const char *baud_opt);

/* ---- port messages (port_msg.c) ---------------------------------------------------------- */

/* The serial ports present (or that there are none), and where to look on this OS. */
void cli_list_ports(const struct cli *cli);
/* blr_serial_open failed with rc (os_err: its errno): say why and what to do (for a busy
 * port, name the processes holding it, never this one). Returns the exit code. */
int cli_port_open_error(const struct cli *cli, const char *port, int rc, int os_err);

#endif
