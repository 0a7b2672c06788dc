/* SPDX-License-Identifier: MIT */
/*
 * The portable part of common/hash.h: CRC-32 over zlib, one-shot SHA-256 over the incremental
 * functions of the OS's crypto library (hash_openssl.c, hash_cng.c: one per OS, chosen by
 * meson), hex.
 */
#include "hash.h"

#include <limits.h>
#include <string.h>

#include <zlib.h>

uint32_t hash_crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
	uLong c = crc;

	while (len > 0) {
		uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;

		c = crc32(c, buf, n);
		buf += n;
		len -= n;
	}
	return (uint32_t)c;
}

uint32_t hash_crc32(const uint8_t *buf, size_t len)
{
	return hash_crc32_update(0, buf, len);
}

int hash_sha256(const uint8_t *buf, size_t len, uint8_t out[BLR_SHA256_LEN])
{
	struct hash_sha256_ctx *c = hash_sha256_new();
	int rc = -1;

	if (c && hash_sha256_update(c, buf, len) == 0)
		rc = hash_sha256_final(c, out);
	else
		memset(out, 0, BLR_SHA256_LEN);
	hash_sha256_free(c);
	return rc;
}

void hash_hex(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 15];
	}
	out[2 * len] = '\0';
}
