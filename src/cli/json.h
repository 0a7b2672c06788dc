/* SPDX-License-Identifier: MIT */
/*
 * The one JSON writer of the blrescue command: every --json output (info, inspect, check,
 * chips) goes through it, so that every one is valid JSON whatever bytes a string holds.
 *
 * Strings (keys too): valid UTF-8 passes through unchanged; '"' and '\\' are escaped, \n and
 * \t as \n and \t, the other control characters (below 0x20, and DEL) as \u00XX; each byte
 * that is not part of a valid UTF-8 sequence (a file or port name in another encoding) is
 * written as \u00XX, i.e. read as Latin-1. The output is always valid UTF-8 and valid JSON.
 */
#ifndef BLR_CLI_JSON_H
#define BLR_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Start with {.f = FILE} (and .spaced = true for ", " and ": " between items, as info
 * writes them, instead of "," and ":"); the rest zero. */
struct cli_json {
	FILE *f;
	bool spaced;
	int depth;
	bool first[32];
};

/* Open an object ('{') or array ('['); key NULL inside an array and at the top. Closing the
 * outermost one ends the line. */
void cli_json_open(struct cli_json *j, const char *key, char brace);
void cli_json_close(struct cli_json *j, char brace);
/* A string, or null when s is NULL. */
void cli_json_str(struct cli_json *j, const char *key, const char *s);
/* The n bytes at s as a string (they may hold NULs). */
void cli_json_strn(struct cli_json *j, const char *key, const char *s, size_t n);
void cli_json_u(struct cli_json *j, const char *key, unsigned long long v);
void cli_json_b(struct cli_json *j, const char *key, bool v);
/* n bytes as one string of lower-case hex digits. */
void cli_json_hex(struct cli_json *j, const char *key, const uint8_t *p, size_t n);

#endif
