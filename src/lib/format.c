/* SPDX-License-Identifier: MIT */
/* Formatting helpers of the API: sizes for people, digests in hex. */
#include <inttypes.h>
#include <stdio.h>

#include "blrescue/blrescue.h"
#include "common/hash.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

void blr_format_size(uint64_t n, char *buf, size_t cap)
{
	if (n >= MIB && n % MIB == 0)
		snprintf(buf, cap, "%" PRIu64 " MiB", n / MIB);
	else if (n >= KIB && n % KIB == 0)
		snprintf(buf, cap, "%" PRIu64 " KiB", n / KIB);
	else if (n >= MIB)
		snprintf(buf, cap, "%.2f MiB", (double)n / (double)MIB);
	else
		snprintf(buf, cap, "%" PRIu64 " bytes", n);
}

void blr_hex_string(const uint8_t *b, size_t n, char *out)
{
	hash_hex(b, n, out);
}
