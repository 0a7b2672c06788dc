/* SPDX-License-Identifier: MIT */
/*
 * The command's option parser (src/cli/opts.c, cli_parse_cmd) on argument vectors cut from the
 * input at NUL bytes, with a small option table of every kind (flag, value, number, short
 * letters) and the global options. Only the parser's entry point and its option table are
 * used, so that changes inside the command leave this harness alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_int.h"

#define MAX_ARGS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cli_opt opts[] = {
	    {"json", 0, OPT_NONE, O_JSON},     {"start", 's', OPT_NUM, O_ADDR},
	    {"size", 'n', OPT_NUM, O_SIZE},    {"ssid", 0, OPT_ARG, O_SSID},
	    {"force", 'f', OPT_NONE, O_FORCE}, {NULL, 0, 0, 0},
	};
	static char cmd[] = "check";
	static FILE *devnull;
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 1];
	int argc = 0;
	struct cli cli;
	struct cli_args a;
	uint64_t v;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!buf || !devnull) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[argc++] = cmd;
	for (char *p = buf; p < buf + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memset(&cli, 0, sizeof(cli));
	cli.out = devnull;
	cli.prog = "blrescue";
	cli.baud = 2000000;
	cli.rom_baud = 500000;
	if (cli_parse_cmd(&cli, argc, argv, cmd, opts, 2, &a) == 0) {
		if (a.npos > 2)
			abort();
		for (size_t i = 0; i < a.npos; i++)
			if (a.pos[i] < buf || a.pos[i] > buf + size)
				abort(); /* a positional argument that is no argument */
		if ((a.has[O_SSID] && !a.val[O_SSID]) || (a.has[O_ADDR] && !a.val[O_ADDR]))
			abort(); /* an option that takes a value without one */
	}
	for (int i = 1; i < argc; i++)
		(void)cli_parse_u64(argv[i], &v);
	free(buf);
	return 0;
}
