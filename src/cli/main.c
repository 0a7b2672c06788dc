/* SPDX-License-Identifier: MIT */
/*
 * blrescue: global options, signals, dispatch to the command table (commands.c).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "blr_version.h"
#include "cli_int.h"
#include "platform.h"

/* The first signal (Ctrl-C on Windows) asks for a clean stop, polled by the library's cancel
 * callback, and is remembered for the exit status (128 + its number: 130 for SIGINT, 143 for
 * SIGTERM); a second one ends the program at once (plat_catch_signals). */
static volatile sig_atomic_t g_interrupted;

/* blrescue --version: the version and whether updates are written compressed. */
static int version(void)
{
#ifdef BLR_CLI_XZ
	const char *xz = "yes";
#else
	const char *xz = "no (raw writes: blrescue was built without liblzma)";
#endif
	printf("blrescue %s\nxz writes: %s\n", BLR_VERSION, xz);
	return EXIT_OK_;
}

/* Global options before the command; command-level ones are parsed by the command. */
int main(int argc, char **argv)
{
	struct cli cli;
	struct cli_optparse p;
	const struct cli_command *c;
	const char *arg, *env;
	int id, i, rc;

	plat_init(&argc, &argv);
	memset(&cli, 0, sizeof(cli));
	cli.out = stdout;
	cli.baud = BLR_DEFAULT_BAUD;
	cli.rom_baud = BLR_DEFAULT_ROM_BAUD;
	cli.interrupted = &g_interrupted;
	cli.prog = "blrescue";
	env = plat_getenv("BLRESCUE_PORT");
	if (env && *env)
		cli.port = env;
	env = plat_getenv("BLRESCUE_DEVCUBE");
	if (env && *env)
		cli.devcube = env;
	plat_catch_signals(&g_interrupted);

	/* Global options up to the command name. */
	cli_optparse_init(&p, argc, argv, 1, NULL);
	for (;;) {
		id = cli_optparse_next(&p, &cli, NULL, true, &arg);
		if (id == OPTP_ERROR)
			return EXIT_USAGE;
		if (id == OPTP_END) {
			cli_overview(stderr);
			return EXIT_USAGE;
		}
		if (id == OPTP_POSITIONAL)
			break;
		if (id == GOPT_HELP) {
			cli_overview(stdout);
			return EXIT_OK_;
		}
		if (id == GOPT_VERSION)
			return version();
		rc = cli_global_apply(&cli, id, arg);
		if (rc)
			return rc;
		if (p.group && *p.group)
			continue;
	}
	i = p.i - 1; /* index of the command name */
	c = cli_command_find(arg);
	if (!c)
		return cli_unknown_command(&cli, argc, argv, i);
	/* --help anywhere (before "--") answers with the command's usage, --version with the
	 * version: the global options are accepted after the command too. */
	for (int j = i + 1; j < argc; j++) {
		if (!strcmp(argv[j], "--"))
			break;
		if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
			cli_usage(c->name, stdout);
			return EXIT_OK_;
		}
		if (!strcmp(argv[j], "--version") || !strcmp(argv[j], "-V"))
			return version(); /* not 'info -V' going on to connect */
	}
	rc = c->fn(&cli, argc - i, argv + i);
	if (g_interrupted && rc != EXIT_OK_)
		rc = 128 + g_interrupted; /* the shell's convention for "ended by signal N" */
	fflush(stdout);
	return rc;
}
