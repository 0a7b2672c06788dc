/* SPDX-License-Identifier: MIT */
/*
 * An unknown command name: esptool's flash commands get the exact blrescue command line that
 * does the same (their arguments are positional, blrescue's are options, so they are not run
 * as aliases); a mistyped name gets "did you mean". esptool's names that mean the same as a
 * blrescue command without arguments (flash_id, chip_id, read_mac) are aliases of info in the
 * command table (commands.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

/* esptool's options that take a value (skipped with it when translating). */
static const char *const esptool_valued[] = {
    "-ff",
    "-fm",
    "-fs",
    "--flash_freq",
    "--flash-freq",
    "--flash_mode",
    "--flash-mode",
    "--flash_size",
    "--flash-size",
    "--spi-connection",
    "--spi_connection",
    "--encrypt-files",
    "--encrypt_files",
    NULL,
};

/* esptool command -> the blrescue line; $1.. are esptool's positional arguments, a pair
 * "ADDR FILE" repeats (write_flash, verify_flash). */
struct esptool_cmd {
	const char *name;
	const char *form;     /* blrescue arguments; A, S, F stand for ADDR, SIZE, FILE */
	const char *form_all; /* the form when SIZE is esptool's ALL (to the end), or NULL */
	bool pairs;	      /* ADDR FILE pairs: one line per pair */
	const char *names[3]; /* the positional arguments esptool takes, in order */
};

static const struct esptool_cmd esptool_cmds[] = {
    {"read_flash", "read F --addr A --size S", "read F --addr A", false, {"ADDR", "SIZE", "FILE"}},
    {"write_flash", "write F --addr A", NULL, true, {"ADDR", "FILE", NULL}},
    {"verify_flash", "verify F --addr A", NULL, true, {"ADDR", "FILE", NULL}},
    {"erase_flash", "erase --all", NULL, false, {NULL, NULL, NULL}},
    {"erase_region", "erase --addr A --size S", NULL, false, {"ADDR", "SIZE", NULL}},
    {NULL, NULL, NULL, false, {NULL, NULL, NULL}},
};

/* An argument the way a shell reads it back: quoted when it holds anything special. */
static void put_arg(FILE *f, const char *a)
{
	if (*a && !a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "_-+=./:,@%")]) {
		fputs(a, f);
		return;
	}
	fputc('\'', f);
	for (; *a; a++) {
		if (*a == '\'')
			fputs("'\\''", f);
		else
			fputc(*a, f);
	}
	fputc('\'', f);
}

static bool is_valued_global(const char *a)
{
	static const char *const g[] = {"-p",	      "--port",	  "-b",	      "--baud",
					"--rom-baud", "--loader", "--before", "--after",
					"--devcube",  NULL};

	for (size_t i = 0; g[i]; i++)
		if (!strcmp(a, g[i]))
			return true;
	return false;
}

static bool is_esptool_valued(const char *a)
{
	for (size_t i = 0; esptool_valued[i]; i++)
		if (!strcmp(a, esptool_valued[i]))
			return true;
	return false;
}

/* One suggested line: "  blrescue GLOBALS ARGS", pos: the esptool positionals (k of them
 * from first; missing ones named by placeholders). */
static void put_line(FILE *f, char **globals, size_t ng, const struct esptool_cmd *e, char **pos,
		     size_t npos)
{
	fputs("  blrescue", f);
	for (size_t i = 0; i < ng; i++) {
		fputc(' ', f);
		put_arg(f, globals[i]);
	}
	const char *form = e->form;

	for (size_t j = 0; j < npos && j < 3; j++)
		if (e->form_all && e->names[j] && e->names[j][0] == 'S' && !strcmp(pos[j], "ALL"))
			form = e->form_all;
	for (const char *p = form; *p;) {
		size_t n = strcspn(p, " ");
		const char *v = NULL;
		int k = -1;

		if (n == 1 && (*p == 'A' || *p == 'S' || *p == 'F'))
			for (int j = 0; j < 3; j++)
				if (e->names[j] && e->names[j][0] == *p)
					k = j;
		if (k >= 0)
			v = (size_t)k < npos ? pos[k] : e->names[k];
		fputc(' ', f);
		if (v)
			put_arg(f, v);
		else
			fprintf(f, "%.*s", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

/* argv[cmd] is esptool's command e: print what to type instead. */
static void esptool_line(const struct cli *cli, int argc, char **argv, int cmd,
			 const struct esptool_cmd *e)
{
	char *globals[32], *pos[32];
	size_t ng = 0, np = 0, arity = 0;

	for (int i = 1; i < cmd && ng + 1 < 32; i++)
		globals[ng++] = argv[i];
	for (int i = cmd + 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1]) {
			if (is_valued_global(a) && i + 1 < argc && ng + 2 < 32) {
				globals[ng++] = argv[i];
				globals[ng++] = argv[++i];
			} else if (is_esptool_valued(a)) {
				i++;
			}
			continue;
		}
		if (np < 32)
			pos[np++] = argv[i];
	}
	while (arity < 3 && e->names[arity])
		arity++;
	cli_err(cli, "'%s' is esptool's name; with blrescue that is:", argv[cmd]);
	if (!e->pairs || np <= arity) {
		put_line(stderr, globals, ng, e, pos, np);
	} else {
		for (size_t i = 0; i < np; i += 2)
			put_line(stderr, globals, ng, e, pos + i, np - i < 2 ? np - i : 2);
	}
	fprintf(stderr, "(see 'blrescue help %.*s')\n", (int)strcspn(e->form, " "), e->form);
}

/* Edit distance with adjacent transpositions (optimal string alignment), capped at 9. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[16][16];

	if (la > 15 || lb > 15)
		return 9;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t c = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + c;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The command name closest to name (a command or an alias), or NULL when none is close. */
static const char *closest(const char *name)
{
	const char *best = NULL;
	size_t bd = strlen(name) >= 5 ? 3 : 2; /* the distance to beat */
	const struct cli_command *c;

	for (size_t i = 0; (c = cli_command_at(i)) != NULL; i++) {
		size_t d = distance(name, c->name);

		if (d < bd) {
			bd = d;
			best = c->name;
		}
		for (size_t k = 0; k < CLI_MAX_ALIASES && c->alias[k]; k++) {
			d = distance(name, c->alias[k]);
			if (d < bd) {
				bd = d;
				best = c->alias[k];
			}
		}
	}
	return best;
}

int cli_unknown_command(const struct cli *cli, int argc, char **argv, int cmd)
{
	const char *name = argv[cmd];
	char norm[32];
	const char *best;

	snprintf(norm, sizeof(norm), "%s", name);
	for (char *p = norm; *p; p++)
		if (*p == '-')
			*p = '_'; /* esptool 5 writes read-flash */
	for (const struct esptool_cmd *e = esptool_cmds; e->name; e++) {
		if (!strcmp(norm, e->name)) {
			esptool_line(cli, argc, argv, cmd, e);
			return EXIT_USAGE;
		}
	}
	best = closest(name);
	if (best)
		cli_err(cli, "unknown command '%s'; did you mean '%s'? (see 'blrescue help')", name,
			best);
	else
		cli_err(cli, "unknown command '%s' (see 'blrescue help')", name);
	return EXIT_USAGE;
}
