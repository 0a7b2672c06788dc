/* SPDX-License-Identifier: MIT */
/*
 * Integrity helpers, thin wrappers over zlib (CRC-32, IEEE 802.3 reflected, the CRC every
 * BL602 structure uses) and the OS's crypto library for SHA-256 and PBKDF2: OpenSSL libcrypto
 * (hash_openssl.c), or CNG on Windows (hash_cng.c). Shared by the library and the emulator:
 * these decide no protocol behaviour.
 */
#ifndef BLR_COMMON_HASH_H
#define BLR_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define BLR_SHA256_LEN 32

/* CRC-32 of buf[0..len), init 0xFFFFFFFF, final XOR 0xFFFFFFFF ("123456789" -> 0xCBF43926). */
uint32_t hash_crc32(const uint8_t *buf, size_t len);
/* Continue a CRC-32: hash_crc32_update(hash_crc32(a), b) == hash_crc32(a || b). */
uint32_t hash_crc32_update(uint32_t crc, const uint8_t *buf, size_t len);

/* One-shot SHA-256. Returns 0, or -1 if the crypto library failed (out is then zeroed). */
int hash_sha256(const uint8_t *buf, size_t len, uint8_t out[BLR_SHA256_LEN]);

/* Incremental SHA-256; an opaque context allocated by the crypto library. */
struct hash_sha256_ctx;
struct hash_sha256_ctx *hash_sha256_new(void);
int hash_sha256_update(struct hash_sha256_ctx *c, const uint8_t *buf, size_t len);
int hash_sha256_final(struct hash_sha256_ctx *c, uint8_t out[BLR_SHA256_LEN]);
void hash_sha256_free(struct hash_sha256_ctx *c);

/* PBKDF2 with HMAC-SHA1 (RFC 8018; WPA's PMK is pass=passphrase, salt=SSID, 4096 iterations,
 * 32 bytes). Returns 0, or -1 on failure or lengths the library cannot take. */
int hash_pbkdf2_sha1(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len,
		     unsigned iterations, uint8_t *out, size_t out_len);

/* Lower-case hex of a digest into out (2*len+1 bytes). */
void hash_hex(const uint8_t *buf, size_t len, char *out);

#endif
