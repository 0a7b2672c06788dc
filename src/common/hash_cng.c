/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 and PBKDF2-HMAC-SHA1 from Windows CNG (bcrypt.dll, Vista and later: the incremental
 * BCryptCreateHash/BCryptHashData/BCryptFinishHash, not the Windows 10 one-shot BCryptHash).
 * CNG takes non-const input buffers and ULONG lengths: inputs are passed through uintptr_t
 * (CNG does not write them) and fed in pieces of at most ULONG_MAX bytes.
 */
#include "hash.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <bcrypt.h>

struct hash_sha256_ctx {
	BCRYPT_ALG_HANDLE alg;
	BCRYPT_HASH_HANDLE h;
};

static PUCHAR in_buf(const uint8_t *p)
{
	return (PUCHAR)(uintptr_t)p;
}

struct hash_sha256_ctx *hash_sha256_new(void)
{
	struct hash_sha256_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* hash object NULL/0: CNG allocates it (Windows 7 and later) */
	if (!BCRYPT_SUCCESS(
		BCryptOpenAlgorithmProvider(&c->alg, BCRYPT_SHA256_ALGORITHM, NULL, 0)) ||
	    !BCRYPT_SUCCESS(BCryptCreateHash(c->alg, &c->h, NULL, 0, NULL, 0, 0))) {
		hash_sha256_free(c);
		return NULL;
	}
	return c;
}

int hash_sha256_update(struct hash_sha256_ctx *c, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ULONG n = len > ULONG_MAX ? ULONG_MAX : (ULONG)len;

		if (!BCRYPT_SUCCESS(BCryptHashData(c->h, in_buf(buf), n, 0)))
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

int hash_sha256_final(struct hash_sha256_ctx *c, uint8_t out[BLR_SHA256_LEN])
{
	if (!BCRYPT_SUCCESS(BCryptFinishHash(c->h, out, BLR_SHA256_LEN, 0))) {
		memset(out, 0, BLR_SHA256_LEN);
		return -1;
	}
	return 0;
}

void hash_sha256_free(struct hash_sha256_ctx *c)
{
	if (!c)
		return;
	if (c->h)
		BCryptDestroyHash(c->h);
	if (c->alg)
		BCryptCloseAlgorithmProvider(c->alg, 0);
	free(c);
}

int hash_pbkdf2_sha1(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len,
		     unsigned iterations, uint8_t *out, size_t out_len)
{
	BCRYPT_ALG_HANDLE alg;
	NTSTATUS st;

	if (pass_len > ULONG_MAX || salt_len > ULONG_MAX || out_len > ULONG_MAX || iterations == 0)
		return -1;
	st = BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA1_ALGORITHM, NULL,
					 BCRYPT_ALG_HANDLE_HMAC_FLAG);
	if (!BCRYPT_SUCCESS(st))
		return -1;
	st = BCryptDeriveKeyPBKDF2(alg, in_buf(pass), (ULONG)pass_len, in_buf(salt),
				   (ULONG)salt_len, iterations, out, (ULONG)out_len, 0);
	BCryptCloseAlgorithmProvider(alg, 0);
	return BCRYPT_SUCCESS(st) ? 0 : -1;
}
