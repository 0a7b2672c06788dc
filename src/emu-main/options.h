/* SPDX-License-Identifier: MIT */
/* blrescue-emu's command line: one table drives getopt_long and the --help text. */
#ifndef BLR_EMU_MAIN_OPTIONS_H
#define BLR_EMU_MAIN_OPTIONS_H

#include <stdbool.h>

#include "emu.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_VANISHED = 3 };

/* Everything the command line decides. */
struct opts {
	struct emu_config cfg;
	const char *flash_path, *log_path, *link_path, *fault_log_path, *stats_path;
	unsigned long long size;
	bool size_given, jedec_given;
	unsigned idle_limit_s; /* --exit-after-idle: serve in slices of that length */
};

/* Fills o (set to its defaults by the caller); prints the help or the version and exits for
 * --help and --version. Returns -1 to go on, else the exit status (a usage error is reported). */
int parse_args(int argc, char **argv, struct opts *o);

#endif
