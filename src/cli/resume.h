/* SPDX-License-Identifier: MIT */
/*
 * The sidecar of an interrupted read (`blrescue read FILE`, `--resume`): FILE.blrescue-resume
 * keeps the blocks of the range the chip had confirmed by its SHA-256 (blr_read_opts.on_block)
 * and their bytes, so that a rerun with --resume hands them to blr_flash_read_ex as held
 * blocks and reads only the rest. Its format (resume.c) starts with a magic line and ends with
 * a SHA-256 of the rest: it can never be taken for a dump. It names what it belongs to (range,
 * flash size, JEDEC id, MAC); a sidecar of another chip or range is refused.
 */
#ifndef BLR_CLI_RESUME_H
#define BLR_CLI_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blrescue/blrescue.h"

#define CLI_RESUME_SUFFIX ".blrescue-resume"

/* What a sidecar belongs to. */
struct cli_resume_id {
	uint32_t addr, len;  /* the range read */
	uint32_t flash_size; /* bytes */
	uint8_t jedec[3];    /* manufacturer, type, capacity */
	uint8_t mac[6];	     /* display order */
};

struct cli_resume {
	char path[4200]; /* FILE.blrescue-resume */
	bool found;	 /* a sidecar was there when the command started */
	bool loaded;	 /* ... and it was parsed (--resume): id, blocks, data */
	struct cli_resume_id id;
	struct blr_block *held; /* the sidecar's blocks that buf holds (cli_resume_fill) */
	size_t nheld;
	struct blr_block *blk; /* the blocks reported during the read (cli_resume_block) */
	size_t nblk, cap;
	uint8_t *data; /* the sidecar's file (blocks' bytes at data_off) */
	size_t data_len, data_off;
	bool lost; /* a report could not be kept (out of memory) */
};

/* Set r up for output path: r->path, r->found. Returns 0, or -1 when the name is too long. */
int cli_resume_init(struct cli_resume *r, const char *path);
/* Read and check r->path (after cli_resume_init found it). Returns 0, or -1 with *why a
 * static reason (unreadable, not a sidecar, damaged, another format version). */
int cli_resume_load(struct cli_resume *r, const char **why);
/* The id of a read of [addr, addr+len) on the chip of info. */
void cli_resume_id_of(struct cli_resume_id *id, const struct blr_chip_info *info, uint32_t addr,
		      uint32_t len);
/* Does the loaded sidecar belong to want? false with *why naming the first difference
 * ("another range", "another chip"). */
bool cli_resume_matches(const struct cli_resume *r, const struct cli_resume_id *want,
			const char **why);
/* Put the loaded blocks' bytes into buf (the range's, id.len bytes) and keep those whose bytes
 * have their recorded SHA-256 as held blocks (r->held). Returns the bytes they cover. */
uint64_t cli_resume_fill(struct cli_resume *r, uint8_t *buf);
/* blr_read_opts.on_block: user is the struct cli_resume. */
void cli_resume_block(void *user, const struct blr_block *b);
/*
 * After a read that did not complete: write the sidecar (atomically, replacing one) with every
 * block (held or reported) whose bytes in buf still have its SHA-256. *kept gets the bytes
 * those blocks cover. Nothing is written when none is left (*kept 0). Returns 0 or -1 (errno).
 */
int cli_resume_save(struct cli_resume *r, const struct cli_resume_id *id, const uint8_t *buf,
		    uint64_t *kept);
/* The read is complete: remove the sidecar. Returns 0 or -1 (errno). */
int cli_resume_remove(const struct cli_resume *r);
void cli_resume_free(struct cli_resume *r);

/* The sidecar's bytes for id and blocks (and the range's bytes in buf): a new buffer in *out.
 * Blocks must lie inside the range. Returns 0, or -1 (out of memory). (For the tests.) */
int cli_resume_encode(const struct cli_resume_id *id, const struct blr_block *blk, size_t n,
		      const uint8_t *buf, uint8_t **out, size_t *out_len);

#endif
