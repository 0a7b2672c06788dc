/* SPDX-License-Identifier: MIT */
/* Offline commands: inspect, check, scrub, chips. (Placeholder until the image module lands.) */
#include "cli/cli.h"

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err(cli, "inspect: not implemented yet");
	return EXIT_SOFTWARE;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err(cli, "check: not implemented yet");
	return EXIT_SOFTWARE;
}

int cmd_scrub(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err(cli, "scrub: not implemented yet");
	return EXIT_SOFTWARE;
}

int cmd_chips(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err(cli, "chips: not implemented yet");
	return EXIT_SOFTWARE;
}
