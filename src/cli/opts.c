/* SPDX-License-Identifier: MIT */
/*
 * Option parsing: GNU-style long options (--name, --name=value, --name value), short options
 * (-p value, -pvalue, grouped flags -vvq), "--" ends options, "-" is a positional argument.
 * Global options are accepted anywhere; a command's own option wins on a name clash
 * (monitor --baud).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

const struct cli_opt cli_global_opts[] = {
    {"port", 'p', OPT_ARG, GOPT_PORT},	      {"baud", 'b', OPT_ARG, GOPT_BAUD},
    {"rom-baud", 0, OPT_ARG, GOPT_ROM_BAUD},  {"loader", 0, OPT_ARG, GOPT_LOADER},
    {"before", 0, OPT_ARG, GOPT_BEFORE},      {"after", 0, OPT_ARG, GOPT_AFTER},
    {"verbose", 'v', OPT_NONE, GOPT_VERBOSE}, {"quiet", 'q', OPT_NONE, GOPT_QUIET},
    {"devcube", 0, OPT_ARG, GOPT_DEVCUBE},    {"help", 'h', OPT_NONE, GOPT_HELP},
    {"version", 'V', OPT_NONE, GOPT_VERSION}, {NULL, 0, 0, 0},
};

void cli_optparse_init(struct cli_optparse *p, int argc, char **argv, int first, const char *cmd)
{
	memset(p, 0, sizeof(*p));
	p->argc = argc;
	p->argv = argv;
	p->i = first;
	p->cmd = cmd;
}

static const struct cli_opt *find_long(const struct cli_opt *t, const char *name, size_t n)
{
	for (; t && t->lng; t++)
		if (strlen(t->lng) == n && !strncmp(t->lng, name, n))
			return t;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *t, char c)
{
	for (; t && t->lng; t++)
		if (t->shrt == c)
			return t;
	return NULL;
}

static const char *where(const struct cli_optparse *p)
{
	return p->cmd ? p->cmd : "blrescue";
}

int cli_optparse_next(struct cli_optparse *p, const struct cli *cli, const struct cli_opt *cmd_opts,
		      bool globals, const char **arg)
{
	const struct cli_opt *o;
	const char *a;

	*arg = NULL;
	if (p->group && *p->group) {
		char c = *p->group++;

		o = find_short(cmd_opts, c);
		if (!o && globals)
			o = find_short(cli_global_opts, c);
		p->last = o;
		if (!o) {
			cli_err(cli, "%s: unknown option '-%c' (see '%s --help')", where(p), c,
				where(p));
			return OPTP_ERROR;
		}
		if (o->has_arg) {
			if (*p->group) {
				*arg = p->group;
			} else if (p->i < p->argc) {
				*arg = p->argv[p->i++];
			} else {
				cli_err(cli, "%s: option '-%c' needs a value", where(p), c);
				return OPTP_ERROR;
			}
			p->group = NULL;
		}
		return o->id;
	}
	p->group = NULL;
	if (p->i >= p->argc)
		return OPTP_END;
	a = p->argv[p->i++];
	if (p->no_more || a[0] != '-' || a[1] == '\0') {
		*arg = a;
		return OPTP_POSITIONAL;
	}
	if (a[1] == '-') {
		const char *name = a + 2, *eq;
		size_t n;

		if (!*name) {
			p->no_more = true;
			return cli_optparse_next(p, cli, cmd_opts, globals, arg);
		}
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		o = find_long(cmd_opts, name, n);
		if (!o && globals)
			o = find_long(cli_global_opts, name, n);
		p->last = o;
		if (!o) {
			cli_err(cli, "%s: unknown option '--%.*s' (see '%s --help')", where(p),
				(int)n, name, where(p));
			return OPTP_ERROR;
		}
		if (o->has_arg) {
			if (eq) {
				*arg = eq + 1;
			} else if (p->i < p->argc) {
				*arg = p->argv[p->i++];
			} else {
				cli_err(cli, "%s: option '--%s' needs a value", where(p), o->lng);
				return OPTP_ERROR;
			}
		} else if (eq) {
			cli_err(cli, "%s: option '--%s' takes no value", where(p), o->lng);
			return OPTP_ERROR;
		}
		return o->id;
	}
	p->group = a + 1;
	return cli_optparse_next(p, cli, cmd_opts, globals, arg);
}

/* A command option o (id O_*; several names may share an id: --start for --addr) into a.
 * Returns 0 or EXIT_USAGE after a message naming the option as it was written. */
static int take_opt(const struct cli *cli, const struct cli_opt *o, struct cli_args *a,
		    const char *arg)
{
	char name[40];

	if (!o || o->id <= 0 || o->id >= O_COUNT)
		return EXIT_SOFTWARE;
	a->has[o->id] = true;
	a->val[o->id] = arg;
	if (o->has_arg != OPT_NUM)
		return 0;
	snprintf(name, sizeof(name), "--%s", o->lng);
	return cli_opt_u32(cli, name, arg, &a->num[o->id]);
}

int cli_parse_cmd(struct cli *cli, int argc, char **argv, const char *name,
		  const struct cli_opt *opts, size_t maxpos, struct cli_args *a)
{
	struct cli_optparse p;
	const char *arg;
	int id, rc;

	memset(a, 0, sizeof(*a));
	cli_optparse_init(&p, argc, argv, 1, name);
	while ((id = cli_optparse_next(&p, cli, opts, true, &arg)) != OPTP_END) {
		if (id == OPTP_ERROR)
			return EXIT_USAGE;
		if (id == GOPT_HELP) {
			cli_usage(name, cli->out);
			return -1;
		}
		if (id == GOPT_VERSION)
			continue;
		if (id == OPTP_POSITIONAL) {
			if (a->npos >= maxpos || a->npos >= sizeof(a->pos) / sizeof(a->pos[0])) {
				cli_err(cli,
					"%s: unexpected argument '%s' (see 'blrescue help %s')",
					name, arg, name);
				return EXIT_USAGE;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		if (id >= GOPT_PORT)
			rc = cli_global_apply(cli, id, arg);
		else
			rc = take_opt(cli, p.last, a, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int cli_opt_baud(const struct cli *cli, const char *opt, const char *s, unsigned min, unsigned *out)
{
	uint32_t v;

	if (cli_parse_u32(s, &v) || v < min || v > 12000000) {
		cli_err(cli, "bad baud rate for %s: '%s' (a number from %u to 12000000)", opt, s,
			min);
		return EXIT_USAGE;
	}
	/* k and M are binary multipliers for sizes: '-b 2M' would be 2097152 baud, a rate the
	 * loader does not run at (it then never answers) */
	if (strpbrk(s, "kKM")) {
		cli_err(cli,
			"bad baud rate for %s: '%s' is %" PRIu32 " baud; write the rate in full, "
			"e.g. 2000000",
			opt, s, v);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

/* Rates people type; the nearest ones the chip also runs at are suggested. */
static const unsigned common_rates[] = {
    9600,    19200,   38400,   57600,	115200,	 230400,  460800,  500000,  921600,
    1000000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000, 5000000,
};

/* Does the chip, measuring the host's rate (chip: blr_loader_baud or blr_rom_baud), run within
 * 3 % of it? Beyond that the two sides do not understand each other (doc/protocol.md §1.2). */
static bool rate_ok(unsigned (*chip)(unsigned), unsigned baud)
{
	unsigned got = chip(baud);
	unsigned diff = got > baud ? got - baud : baud - got;

	return got && (uint64_t)diff * 100 <= 3ull * baud;
}

/* Refuse a rate the chip would turn into another (before connecting: otherwise the handshake
 * fails after half a minute and the message blames the wiring). Returns 0 or EXIT_USAGE. */
static int check_rate(const struct cli *cli, const char *opt, unsigned baud,
		      unsigned (*chip)(unsigned), const char *who, const char *rule)
{
	unsigned below = 0, above = 0, got = chip(baud);
	char near[96] = "";

	if (rate_ok(chip, baud))
		return 0;
	for (size_t i = 0; i < sizeof(common_rates) / sizeof(common_rates[0]); i++) {
		unsigned r = common_rates[i];

		if (!rate_ok(chip, r))
			continue;
		if (r < baud)
			below = r;
		else if (!above)
			above = r;
	}
	if (below && above)
		snprintf(near, sizeof(near), "%s %u or %s %u", opt, below, opt, above);
	else
		snprintf(near, sizeof(near), "%s %u", opt, below ? below : above);
	if (got)
		cli_err(cli,
			"%s %u: the %s would run at %u baud, not %u (%s), and nothing would "
			"answer; use a rate it runs at, such as %s",
			opt, baud, who, got, baud, rule, near);
	else
		cli_err(cli, "%s %u: too fast for the %s to measure; use a rate such as %s", opt,
			baud, who, near);
	return EXIT_USAGE;
}

unsigned cli_rate_at_most(int chip, unsigned max)
{
	unsigned best = 0;

	for (size_t i = 0; i < sizeof(common_rates) / sizeof(common_rates[0]); i++) {
		unsigned r = common_rates[i];

		if (r <= max && (chip == CLI_RATE_ANY ||
				 rate_ok(chip == CLI_RATE_ROM ? blr_rom_baud : blr_loader_baud, r)))
			best = r;
	}
	return best ? best : max;
}

int cli_check_bauds(const struct cli *cli)
{
	if (check_rate(cli, "--rom-baud", cli->rom_baud, blr_rom_baud, "boot ROM",
		       "it rounds rates above 1250000 to multiples of 500000"))
		return EXIT_USAGE;
	return check_rate(cli, "-b", cli->baud, blr_loader_baud, "flash loader",
			  "it rounds rates above 970000 to multiples of 500000");
}

int cli_global_apply(struct cli *cli, int id, const char *arg)
{
	switch (id) {
	case GOPT_PORT:
		cli->port = arg;
		return 0;
	case GOPT_BAUD:
		return cli_opt_baud(cli, "--baud", arg, 1200, &cli->baud);
	case GOPT_ROM_BAUD:
		return cli_opt_baud(cli, "--rom-baud", arg, 1200, &cli->rom_baud);
	case GOPT_LOADER:
		cli->loader = arg;
		return 0;
	case GOPT_BEFORE:
	case GOPT_AFTER:
		if (!cli_reset_steps(arg, id == GOPT_AFTER)) {
			cli_err(cli,
				"bad reset sequence for %s: '%s' (use none, dtr-rts, inverted, "
				"or steps like 'rts,w50,-rts'; see blrescue(1))",
				id == GOPT_BEFORE ? "--before" : "--after", arg);
			return EXIT_USAGE;
		}
		if (id == GOPT_BEFORE)
			cli->before = arg;
		else
			cli->after = arg;
		return 0;
	case GOPT_VERBOSE:
		cli->verbose++;
		return 0;
	case GOPT_QUIET:
		cli->quiet = true;
		return 0;
	case GOPT_DEVCUBE:
		cli->devcube = arg;
		return 0;
	default:
		return EXIT_SOFTWARE;
	}
}
