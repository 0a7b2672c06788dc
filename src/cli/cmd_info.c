/* SPDX-License-Identifier: MIT */
/* `blrescue info`: connect and show the chip, its loader and its flash. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "blrescue/chipdb.h"
#include "flash_cmd.h"
#include "json.h"

/* What both renderings show, formatted once. */
struct info_view {
	const char *port;
	const struct blr_chip_info *in;
	const struct blr_flash_part *part; /* NULL when the JEDEC id is unknown */
	const char *vendor;		   /* NULL when unknown */
	char chip[32], mac[32], jedec[16], size[32];
};

static void fmt_hex_bytes(const uint8_t *b, size_t n, char sep, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			out[k++] = sep;
		out[k++] = hx[b[i] >> 4];
		out[k++] = hx[b[i] & 15];
	}
	out[k] = '\0';
}

static void info_json(FILE *o, const struct info_view *v)
{
	const struct blr_chip_info *in = v->in;
	struct cli_json j = {.f = o, .spaced = true};
	char rom[16];

	snprintf(rom, sizeof(rom), "0x%08" PRIx32, in->rom_version);
	cli_json_open(&j, NULL, '{');
	cli_json_str(&j, "port", v->port);
	cli_json_str(&j, "chip_id", v->chip);
	cli_json_str(&j, "mac", v->mac);
	/* 0: not read, a loader was already running */
	cli_json_str(&j, "rom_version", in->rom_version ? rom : NULL);
	cli_json_u(&j, "sign_type", in->sign_type);
	cli_json_u(&j, "encrypted", in->encrypted);
	cli_json_str(&j, "loader_build", in->loader_build);
	cli_json_b(&j, "loader_was_running", in->loader_was_running);
	cli_json_u(&j, "baud", in->baud);
	cli_json_u(&j, "frame_limit", in->frame_limit);
	cli_json_str(&j, "flash_jedec", v->jedec);
	cli_json_str(&j, "flash_vendor", v->vendor);
	cli_json_str(&j, "flash_part", v->part ? v->part->part : NULL);
	cli_json_u(&j, "flash_size", in->flash_size);
	cli_json_close(&j, '}');
}

static void info_text(FILE *o, const struct info_view *v)
{
	const struct blr_chip_info *in = v->in;

	fprintf(o, "port:          %s\n", v->port);
	fprintf(o, "chip id:       %s\n", v->chip);
	fprintf(o, "MAC:           %s%s\n", v->mac,
		in->mac_from_efuse_cmd ? "" : " (from boot info)");
	if (in->rom_version)
		fprintf(o, "ROM version:   0x%08" PRIx32 "\n", in->rom_version);
	else
		fprintf(o, "ROM version:   not read (a loader was already running)\n");
	fprintf(o, "security:      sign type %u, encrypted %u\n", in->sign_type, in->encrypted);
	fprintf(o, "loader:        %s%s, %u baud, frames up to %" PRIu32 " bytes\n",
		in->loader_build ? in->loader_build : "unknown build",
		in->loader_was_running ? " (already running)" : "", in->baud, in->frame_limit);
	fprintf(o, "flash JEDEC:   %02X %02X %02X\n", in->jedec[0], in->jedec[1], in->jedec[2]);
	fprintf(o, "flash part:    %s %s\n", v->vendor ? v->vendor : "unknown vendor",
		v->part && v->part->part ? v->part->part : "(part unknown)");
	fprintf(o, "flash size:    %s (%" PRIu32 " bytes)\n", v->size, in->flash_size);
}

int cmd_info(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", 0, OPT_NONE, O_JSON}, {NULL, 0, 0, 0}};
	struct cli_args args;
	struct cli_session s;
	struct info_view v;
	int rc;

	rc = cli_parse_cmd(cli, argc, argv, "info", opts, 0, &args);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	rc = cli_session_open(cli, &s);
	if (rc)
		return rc;
	v.port = s.port;
	v.in = &s.info;
	v.part = blr_flash_part_lookup(s.info.jedec);
	v.vendor = v.part ? v.part->vendor : blr_flash_vendor_name(s.info.jedec[0]);
	fmt_hex_bytes(s.info.chip_id, sizeof(s.info.chip_id), 0, v.chip);
	fmt_hex_bytes(s.info.mac, 6, ':', v.mac);
	snprintf(v.jedec, sizeof(v.jedec), "%02X%02X%02X", s.info.jedec[0], s.info.jedec[1],
		 s.info.jedec[2]);
	blr_format_size(s.info.flash_size, v.size, sizeof(v.size));
	if (args.has[O_JSON])
		info_json(cli->out, &v);
	else
		info_text(cli->out, &v);
	fflush(cli->out);
	cli_session_close(&s);
	return EXIT_OK_;
}
