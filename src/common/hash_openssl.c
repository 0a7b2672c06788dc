/* SPDX-License-Identifier: MIT */
/* SHA-256 and PBKDF2-HMAC-SHA1 from OpenSSL's libcrypto (every OS but Windows). */
#include "hash.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

struct hash_sha256_ctx *hash_sha256_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	return (struct hash_sha256_ctx *)c;
}

int hash_sha256_update(struct hash_sha256_ctx *c, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	return EVP_DigestUpdate((EVP_MD_CTX *)c, buf, len) == 1 ? 0 : -1;
}

int hash_sha256_final(struct hash_sha256_ctx *c, uint8_t out[BLR_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &n) != 1 || n != BLR_SHA256_LEN) {
		memset(out, 0, BLR_SHA256_LEN);
		return -1;
	}
	return 0;
}

void hash_sha256_free(struct hash_sha256_ctx *c)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}

int hash_pbkdf2_sha1(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len,
		     unsigned iterations, uint8_t *out, size_t out_len)
{
	if (pass_len > INT_MAX || salt_len > INT_MAX || out_len > INT_MAX || iterations == 0 ||
	    iterations > INT_MAX)
		return -1;
	return PKCS5_PBKDF2_HMAC_SHA1((const char *)pass, (int)pass_len, salt, (int)salt_len,
				      (int)iterations, (int)out_len, out) == 1
		   ? 0
		   : -1;
}
