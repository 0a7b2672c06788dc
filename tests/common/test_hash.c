/* SPDX-License-Identifier: MIT */
/* The shared CRC-32, SHA-256 and PBKDF2 wrappers against published check values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "common/hash.h"

static void crc32_check_value(void **state)
{
	(void)state;
	assert_int_equal(hash_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(hash_crc32(NULL, 0), 0);
	/* incremental == one shot */
	uint32_t c = hash_crc32((const uint8_t *)"1234", 4);
	assert_int_equal(hash_crc32_update(c, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

static void crc32_mac_vector(void **state)
{
	/* doc/protocol.md §11.3: MAC reply CRC for 61 9D C0 05 B9 18 is B7 3F 11 0D (LE). */
	static const uint8_t mac[6] = {0x61, 0x9D, 0xC0, 0x05, 0xB9, 0x18};
	static const uint8_t want[4] = {0xB7, 0x3F, 0x11, 0x0D};
	(void)state;
	assert_int_equal(hash_crc32(mac, 6), get_le32(want));
}

static void sha256_erased_flash(void **state)
{
	/* doc/protocol.md §11.3 reference values for flash filled with 0xFF. */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
	    {4096, "f47a8ec3e9aff2318d896942282ad4fe37d6391c82914f54a5da8a37de1300c6"},
	    {1u << 20, "f5fb04aa5b882706b9309e885f19477261336ef76a150c3b4d3489dfac3953ec"},
	    {2u << 20, "4bda3a28f4ffe603c0ec1258c0034d65a1a0d35ab7bd523a834608adabf03cc5"},
	};
	uint8_t *buf = malloc(2u << 20);
	uint8_t d[32];
	char hex[65];
	(void)state;
	assert_non_null(buf);
	memset(buf, 0xFF, 2u << 20);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(hash_sha256(buf, v[i].len, d), 0);
		hash_hex(d, 32, hex);
		assert_string_equal(hex, v[i].hex);
	}
	/* incremental in odd pieces gives the same digest */
	struct hash_sha256_ctx *c = hash_sha256_new();
	assert_non_null(c);
	assert_int_equal(hash_sha256_update(c, buf, 1000), 0);
	assert_int_equal(hash_sha256_update(c, buf + 1000, 3096), 0);
	assert_int_equal(hash_sha256_final(c, d), 0);
	hash_sha256_free(c);
	hash_hex(d, 32, hex);
	assert_string_equal(hex, v[0].hex);
	free(buf);
}

static void pbkdf2_sha1_vectors(void **state)
{
	/* RFC 6070 test vectors: lengths are explicit (a NUL inside counts), several output blocks
	 */
	static const struct {
		const char *pass, *salt;
		size_t pass_len, salt_len;
		unsigned iter;
		size_t out_len;
		const char *hex;
	} v[] = {
	    {"password", "salt", 8, 4, 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
	    {"password", "salt", 8, 4, 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
	    {"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 24, 36, 4096, 25,
	     "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
	    {"pass\0word", "sa\0lt", 9, 5, 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
	};
	uint8_t out[32];
	char hex[65];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(hash_pbkdf2_sha1((const uint8_t *)v[i].pass, v[i].pass_len,
						  (const uint8_t *)v[i].salt, v[i].salt_len,
						  v[i].iter, out, v[i].out_len),
				 0);
		hash_hex(out, v[i].out_len, hex);
		assert_string_equal(hex, v[i].hex);
	}
	assert_int_equal(
	    hash_pbkdf2_sha1((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 0, out, 20), -1);
}

static void le_accessors(void **state)
{
	uint8_t b[4];
	(void)state;
	put_le32(b, 0x11223344u);
	assert_int_equal(b[0], 0x44);
	assert_int_equal(b[3], 0x11);
	assert_int_equal(get_le32(b), 0x11223344u);
	assert_int_equal(get_be32(b), 0x44332211u);
	put_le16(b, 0xABCD);
	assert_int_equal(get_le16(b), 0xABCD);
	assert_int_equal(b[0], 0xCD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc32_check_value),   cmocka_unit_test(crc32_mac_vector),
	    cmocka_unit_test(sha256_erased_flash), cmocka_unit_test(pbkdf2_sha1_vectors),
	    cmocka_unit_test(le_accessors),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
