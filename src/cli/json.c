/* SPDX-License-Identifier: MIT */
/* The JSON writer of every --json output (json.h). */
#include "json.h"

#include <string.h>

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at s (n bytes left), or 0: the
 * well-formed byte sequences of RFC 3629, section 4 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static void put_string(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c >= 0x80 ? utf8_len(s + i, n - i) : 0;

		if (len) {
			fwrite(s + i, 1, len, f);
			i += len;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7F) /* control characters, bytes outside UTF-8 */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
		i++;
	}
	fputc('"', f);
}

static void sep(struct cli_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputs(j->spaced ? ", " : ",", j->f);
		j->first[j->depth] = false;
	}
	if (key) {
		put_string(j->f, key, strlen(key));
		fputs(j->spaced ? ": " : ":", j->f);
	}
}

void cli_json_open(struct cli_json *j, const char *key, char brace)
{
	sep(j, key);
	fputc(brace, j->f);
	if (j->depth < (int)sizeof(j->first) - 1)
		j->depth++;
	j->first[j->depth] = true;
}

void cli_json_close(struct cli_json *j, char brace)
{
	if (j->depth > 0)
		j->depth--;
	fputc(brace, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void cli_json_str(struct cli_json *j, const char *key, const char *s)
{
	if (s) {
		cli_json_strn(j, key, s, strlen(s));
	} else {
		sep(j, key);
		fputs("null", j->f);
	}
}

void cli_json_strn(struct cli_json *j, const char *key, const char *s, size_t n)
{
	sep(j, key);
	put_string(j->f, s, n);
}

void cli_json_u(struct cli_json *j, const char *key, unsigned long long v)
{
	sep(j, key);
	fprintf(j->f, "%llu", v);
}

void cli_json_b(struct cli_json *j, const char *key, bool v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void cli_json_hex(struct cli_json *j, const char *key, const uint8_t *p, size_t n)
{
	sep(j, key);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++)
		fprintf(j->f, "%02x", p[i]);
	fputc('"', j->f);
}
