/* SPDX-License-Identifier: MIT */
#include "common/hash.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

uint32_t blr_crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
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

uint32_t blr_crc32(const uint8_t *buf, size_t len)
{
	return blr_crc32_update(0, buf, len);
}

struct blr_sha256_ctx *blr_sha256_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	return (struct blr_sha256_ctx *)c;
}

int blr_sha256_update(struct blr_sha256_ctx *c, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	return EVP_DigestUpdate((EVP_MD_CTX *)c, buf, len) == 1 ? 0 : -1;
}

int blr_sha256_final(struct blr_sha256_ctx *c, uint8_t out[BLR_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &n) != 1 || n != BLR_SHA256_LEN) {
		memset(out, 0, BLR_SHA256_LEN);
		return -1;
	}
	return 0;
}

void blr_sha256_free(struct blr_sha256_ctx *c)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}

int blr_sha256(const uint8_t *buf, size_t len, uint8_t out[BLR_SHA256_LEN])
{
	struct blr_sha256_ctx *c = blr_sha256_new();
	int rc = -1;

	if (c && blr_sha256_update(c, buf, len) == 0)
		rc = blr_sha256_final(c, out);
	else
		memset(out, 0, BLR_SHA256_LEN);
	blr_sha256_free(c);
	return rc;
}

void blr_hex(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 15];
	}
	out[2 * len] = '\0';
}
