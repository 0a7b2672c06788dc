/* SPDX-License-Identifier: MIT */
/* The one CLI function the offline commands need from main.c (the command table):
 * a short usage line, so that the commands can be tested in process. */
#include "cli/cli.h"

int cli_usage(const char *cmd, FILE *f)
{
	fprintf(f, "usage: blrescue %s\n", cmd);
	return 0;
}
