/* SPDX-License-Identifier: MIT */
/*
 * What the flash commands share (info, read, write, erase, verify): address ranges, input and
 * output files (flash_args.c), and reading a range into a file (cmd_read.c).
 */
#ifndef BLR_CLI_FLASH_CMD_H
#define BLR_CLI_FLASH_CMD_H

#include "cli_int.h"
#include "resume.h"

/* --addr (--start)/--size/--end to [*a, *a + *n), before the flash size is known (to_end: up to the
 * end of the flash). Returns 0 or EXIT_USAGE after a message. */
int cli_range_shape(struct cli *cli, const char *cmd, const struct cli_args *r, uint32_t *a,
		    uint64_t *n, bool *to_end);
/* The range within a flash of size flash (fills *n when to_end). Returns 0 or EXIT_USAGE. */
int cli_range_fit(struct cli *cli, const char *cmd, uint32_t flash, uint32_t a, uint64_t *n,
		  bool to_end);

/* write and verify: read FILE (not empty), connect, and check that FILE fits the flash at
 * addr. Returns 0 with *buf and the session open, or an exit code with everything freed. */
int cli_open_with_file(struct cli *cli, const char *what, const char *path, uint32_t addr,
		       struct cli_session *s, uint8_t **buf, size_t *len);

/* A read of [addr, addr+len) into a file (cmd_read.c). */
struct cli_read_job {
	uint32_t addr, len;
	const char *path;
	bool force;		   /* replace path */
	const char *what;	   /* "read", "backup": for messages */
	const uint8_t *base;	   /* --base: an earlier dump of the range (len bytes), or NULL */
	struct cli_resume *resume; /* the sidecar of path (resume.h), or NULL for none */
	bool resume_write;	   /* an interrupted read may write the sidecar */
	uint8_t **data;		   /* not NULL: gets the bytes read (the caller frees them) */
};

/* Read the job's range into a new buffer, every byte confirmed by the chip's SHA-256, and
 * write it atomically to its path. Prints "<sha256>  <path>" and what was read, found blank
 * or taken from the base. An interrupted read keeps its confirmed blocks in the sidecar.
 * Returns an exit code. */
int cli_read_to_file(struct cli_session *s, const struct cli_read_job *j);

/* A byte count for the statistics: exact units as blr_format_size, else "12.3 KiB". */
void cli_stat_size(uint64_t n, char *buf, size_t cap);

#endif
