/* SPDX-License-Identifier: MIT */
/*
 * `blrescue inspect` rendered as text (inspect_text.c) or as JSON (inspect_json.c), and the
 * words for the image library's states that they share with check and scrub
 * (inspect_names.c).
 */
#ifndef BLR_CLI_INSPECT_H
#define BLR_CLI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/image.h"
#include "cli.h"

/* What `inspect` prints of the dump buf (path as given; show: --show-values). */
struct cli_inspect {
	const char *path;
	const uint8_t *buf;
	const struct blr_image_info *in;
	const struct blr_check_result *res;
	bool show;
};

/* Text to cli->out (cli->verbose adds the flash configuration fields). */
void cli_inspect_text(const struct cli *cli, const struct cli_inspect *x);
/* One JSON object to f. */
void cli_inspect_json(FILE *f, const struct cli_inspect *x);

const char *cli_verdict_name(enum blr_verdict v);     /* "ok", "suspicious", "not_bl602" */
const char *cli_severity_name(enum blr_severity s);   /* "error", "warning", "info" */
const char *cli_crc_name(enum blr_crc_state s);	      /* "ok", "ignored", "bad" */
const char *cli_hash_name(enum blr_hash_state s);     /* "ok", "mismatch", ... */
const char *cli_slot_kind_name(enum blr_slot_kind k); /* "image", "erased", ... */
const char *cli_ef_store_name(unsigned store);	      /* EasyFlash sector store status */
const char *cli_ef_dirty_name(unsigned dirty);	      /* EasyFlash sector dirty status */
/* A settings value shown as a string: printable ASCII, then nothing but NULs. */
bool cli_printable(const uint8_t *p, size_t n);

#endif
