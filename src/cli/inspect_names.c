/* SPDX-License-Identifier: MIT */
/* Words for the image library's states, the same in text and JSON (inspect.h). */
#include "inspect.h"

const char *cli_verdict_name(enum blr_verdict v)
{
	return v == BLR_VERDICT_OK	     ? "ok"
	       : v == BLR_VERDICT_SUSPICIOUS ? "suspicious"
					     : "not_bl602";
}

const char *cli_severity_name(enum blr_severity s)
{
	return s == BLR_SEV_ERROR ? "error" : s == BLR_SEV_WARN ? "warning" : "info";
}

const char *cli_crc_name(enum blr_crc_state s)
{
	return s == BLR_CRC_OK ? "ok" : s == BLR_CRC_IGNORED ? "ignored" : "bad";
}

const char *cli_hash_name(enum blr_hash_state s)
{
	static const char *const n[] = {"not_checked", "ok",	    "mismatch",
					"ignored",     "truncated", "error"};

	return (unsigned)s < 6 ? n[s] : "not_checked";
}

const char *cli_slot_kind_name(enum blr_slot_kind k)
{
	static const char *const n[] = {"none", "outside", "image", "xz", "erased", "garbage"};

	return (unsigned)k < 6 ? n[k] : "?";
}

const char *cli_ef_store_name(unsigned store)
{
	static const char *const n[] = {"unused", "empty", "using", "full"};

	return n[store & 3];
}

const char *cli_ef_dirty_name(unsigned dirty)
{
	static const char *const n[] = {"unused", "false", "true", "gc"};

	return n[dirty & 3];
}

bool cli_printable(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= 0x20 && p[i] < 0x7F)
		i++;
	while (i < n && p[i] == 0) /* trailing NULs are fine */
		i++;
	return i == n;
}
