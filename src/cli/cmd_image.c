/* SPDX-License-Identifier: MIT */
/* Offline commands: inspect, check, scrub, chips (doc/flash-layout.md). inspect's output is
 * rendered by inspect_text.c and inspect_json.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blrescue/chipdb.h"
#include "blrescue/image.h"
#include "cli_int.h"
#include "inspect.h"
#include "json.h"
#include "platform.h"

/* ---- shared helpers ---- */

/* Options: the shared parser (opts.c), so the global options are accepted here too, as
 * 'blrescue --help' says. Returns 0, an exit code, or -1 when --help was printed. Exactly
 * npos_want positional arguments are required. */
static int parse_opts(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
		      struct cli_args *a, size_t npos_want, const char *what)
{
	int rc = cli_parse_cmd(cli, argc, argv, argv[0], opts, npos_want, a);

	if (rc)
		return rc;
	if (a->npos != npos_want) {
		cli_err(cli, "%s: %s", argv[0], what);
		cli_usage(argv[0], stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static int verdict_exit(enum blr_verdict v)
{
	return v == BLR_VERDICT_OK	     ? EXIT_OK_
	       : v == BLR_VERDICT_SUSPICIOUS ? EXIT_MISMATCH
					     : EXIT_NOT_DUMP;
}

/* ---- inspect ---- */

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, O_JSON},
	    {"show-values", 0, OPT_NONE, O_SHOW_VALUES},
	    {NULL, 0, 0, 0},
	};
	struct cli_args o;
	int r = parse_opts(cli, argc, argv, lo, &o, 1, "expected one FILE");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	uint8_t *buf;
	size_t len;
	struct blr_image_info *in;
	struct blr_check_result res;

	const char *path = o.pos[0];

	r = cli_read_input(cli, argv[0], path, &buf, &len);
	if (r != 0)
		return r;
	if (blr_image_inspect(buf, len, &in) != 0) {
		free(buf);
		cli_err(cli, "inspect: out of memory");
		return EXIT_SOFTWARE;
	}
	blr_image_judge(in, 0, &res);
	struct cli_inspect x = {path, buf, in, &res, o.has[O_SHOW_VALUES]};

	if (o.has[O_JSON])
		cli_inspect_json(cli->out, &x);
	else
		cli_inspect_text(cli, &x);
	blr_image_info_free(in);
	free(buf);
	return EXIT_OK_;
}

/* ---- check ---- */

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, O_JSON},
	    {NULL, 0, 0, 0},
	};
	struct cli_args o;
	int r = parse_opts(cli, argc, argv, lo, &o, 1, "expected one FILE");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	uint8_t *buf;
	size_t len;
	struct blr_check_result res;
	const char *path = o.pos[0];

	r = cli_read_input(cli, argv[0], path, &buf, &len);
	if (r != 0)
		return r;
	r = blr_image_check(buf, len, 0, &res);
	free(buf);
	if (r != 0) {
		cli_err(cli, "check: out of memory");
		return EXIT_SOFTWARE;
	}
	if (o.has[O_JSON]) {
		struct cli_json j = {.f = cli->out};

		cli_json_open(&j, NULL, '{');
		cli_json_str(&j, "file", path);
		cli_json_u(&j, "size", len);
		cli_json_str(&j, "verdict", cli_verdict_name(res.verdict));
		cli_json_str(&j, "summary", res.summary);
		cli_json_close(&j, '}');
	} else {
		fprintf(cli->out, "%s: %s\n", path, res.summary);
	}
	return verdict_exit(res.verdict);
}

/* ---- scrub ---- */

static const char *action_name(enum blr_scrub_action a)
{
	switch (a) {
	case BLR_SCRUB_KV_VALUE:
	case BLR_SCRUB_OBK_FIELD:
	case BLR_SCRUB_FDT_VALUE:
	case BLR_SCRUB_RAW:
		return "zeroed";
	case BLR_SCRUB_KV_CRC:
	case BLR_SCRUB_OBK_CRC8:
		return "updated";
	case BLR_SCRUB_REPORTED:
		return "LEFT";
	}
	return "?";
}

static void print_changes(const struct cli *cli, const struct blr_scrub_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct blr_scrub_change *c = &rep->c[i];

		fprintf(cli->out, "0x%06X %5u  %-7s %s\n", c->offset, c->length,
			action_name(c->action), c->what);
	}
	fprintf(cli->out, "%zu change%s, %zu hit%s left in place\n", rep->edited,
		rep->edited == 1 ? "" : "s", rep->reported, rep->reported == 1 ? "" : "s");
	if (rep->reported)
		cli_warn(cli,
			 "scrub: %zu occurrence(s) of your strings lie inside firmware images "
			 "or structures and were NOT removed (see LEFT lines)",
			 rep->reported);
}

int cmd_scrub(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"ssid", 0, OPT_ARG, O_SSID},
	    {"psk", 0, OPT_ARG, O_PSK},
	    {"force", 0, OPT_NONE, O_FORCE},
	    {NULL, 0, 0, 0},
	};
	struct cli_args o;
	int r = parse_opts(cli, argc, argv, lo, &o, 2, "expected IN and OUT");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	const char *inp = o.pos[0], *outp = o.pos[1];

	if (strcmp(outp, "-") == 0 || strcmp(inp, "-") == 0) {
		cli_err(cli, "scrub: IN and OUT must be files");
		return EXIT_USAGE;
	}
	if (strcmp(inp, outp) == 0 || plat_same_file(inp, outp)) {
		cli_err(cli, "scrub: IN and OUT are the same file; the original is kept untouched, "
			     "name a new OUT");
		return EXIT_USAGE;
	}
	r = cli_check_output(cli, "scrub", outp, o.has[O_FORCE]);
	if (r != 0)
		return r;
	uint8_t *buf;
	size_t len;
	struct blr_check_result before, after;
	struct blr_scrub_report rep;
	struct blr_scrub_opts so2 = {o.val[O_SSID], o.val[O_PSK]};

	r = cli_read_input(cli, "scrub", inp, &buf, &len);
	if (r != 0)
		return r;
	if (blr_image_check(buf, len, 0, &before) != 0) {
		free(buf);
		return EXIT_SOFTWARE;
	}
	if (before.verdict == BLR_VERDICT_NOT_BL602 && !o.val[O_SSID] && !o.val[O_PSK]) {
		cli_err(cli, "scrub: %s: %s", inp, before.summary);
		free(buf);
		return EXIT_DATAERR;
	}
	r = blr_image_scrub(buf, len, &so2, &rep);
	if (r == BLR_E_RANGE) {
		cli_err(cli, "scrub: --ssid/--psk shorter than 4 characters cannot be searched "
			     "safely");
		free(buf);
		return EXIT_USAGE;
	}
	if (r != 0) {
		cli_err(cli, "scrub: out of memory");
		free(buf);
		return EXIT_SOFTWARE;
	}
	blr_image_check(buf, len, 0, &after);
	r = cli_write_file_atomic(outp, buf, len, o.has[O_FORCE]);
	int e = errno; /* before free() */

	free(buf);
	if (r != 0) {
		blr_scrub_report_free(&rep);
		return cli_output_error(cli, "scrub", outp, e);
	}
	/* the list of changes only once they are in OUT */
	print_changes(cli, &rep);
	blr_scrub_report_free(&rep);
	fprintf(cli->out, "wrote %s: %s\n", outp, after.summary);
	if (after.verdict > before.verdict)
		cli_warn(cli, "scrub: the result checks worse than the input (%s)",
			 cli_verdict_name(after.verdict));
	return EXIT_OK_;
}

/* ---- chips ---- */

int cmd_chips(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt lo[] = {
	    {"json", 0, OPT_NONE, O_JSON},
	    {NULL, 0, 0, 0},
	};
	struct cli_args o;
	FILE *f = cli->out;
	char sz[32];
	int r = parse_opts(cli, argc, argv, lo, &o, 0, "takes no arguments");

	if (r != 0)
		return r < 0 ? EXIT_OK_ : r;
	if (o.has[O_JSON]) {
		struct cli_json j = {.f = f};
		char id[8];

		cli_json_open(&j, NULL, '{');
		cli_json_open(&j, "markings", '[');
		for (size_t i = 0; i < blr_chip_marking_count(); i++) {
			const struct blr_chip_marking *m = blr_chip_marking_at(i);

			cli_json_open(&j, NULL, '{');
			cli_json_str(&j, "marking", m->marking);
			cli_json_u(&j, "flash_size", m->flash_size);
			cli_json_str(&j, "note", m->note);
			cli_json_close(&j, '}');
		}
		cli_json_close(&j, ']');
		cli_json_open(&j, "flash", '[');
		for (size_t i = 0; i < blr_flash_part_count(); i++) {
			const struct blr_flash_part *p = blr_flash_part_at(i);

			snprintf(id, sizeof(id), "%02x%02x%02x", p->jedec[0], p->jedec[1],
				 p->jedec[2]);
			cli_json_open(&j, NULL, '{');
			cli_json_str(&j, "jedec", id);
			cli_json_str(&j, "vendor", p->vendor);
			cli_json_str(&j, "part", p->part);
			cli_json_u(&j, "size", p->size);
			cli_json_str(&j, "source", p->source);
			cli_json_close(&j, '}');
		}
		cli_json_close(&j, ']');
		cli_json_close(&j, '}');
		return EXIT_OK_;
	}
	fprintf(f, "chip markings (flash in the package):\n");
	for (size_t i = 0; i < blr_chip_marking_count(); i++) {
		const struct blr_chip_marking *m = blr_chip_marking_at(i);

		if (m->flash_size)
			blr_format_size(m->flash_size, sz, sizeof(sz));
		else
			snprintf(sz, sizeof(sz), "external");
		fprintf(f, "  %-9s %-9s %s\n", m->marking, sz, m->note);
	}
	fprintf(f, "\nSPI flash (JEDEC id: manufacturer, type, capacity):\n");
	fprintf(f, "  %-8s %-16s %-22s %-8s %s\n", "id", "vendor", "part", "size", "source");
	for (size_t i = 0; i < blr_flash_part_count(); i++) {
		const struct blr_flash_part *p = blr_flash_part_at(i);

		blr_format_size(p->size, sz, sizeof(sz));
		fprintf(f, "  %02X %02X %02X %-16s %-22s %-8s %s\n", p->jedec[0], p->jedec[1],
			p->jedec[2], p->vendor, p->part ? p->part : "-", sz, p->source);
	}
	fprintf(f, "\nOther ids: size = 512 KiB << ((capacity & 0x1F) - 0x13) for capacity "
		   "0x13..0x18.\n");
	return EXIT_OK_;
}
