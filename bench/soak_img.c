/* SPDX-License-Identifier: MIT */
/*
 * Test images for bench/soak.sh:
 *   soak_img OUT SEED [SIZE]           SIZE (default 2 MiB) bytes of a seeded xorshift stream
 *   soak_img -m IN OUT SEED K          IN with K seeded 4 KiB sectors changed (each sector
 *                                      XORed with the stream, so it always differs)
 * The same arguments give the same file on every machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t x;

static uint8_t next(void)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint8_t)(x >> 32);
}

static void seed(const char *s)
{
	x = strtoull(s, NULL, 0) * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	for (int i = 0; i < 16; i++)
		next();
}

/* Writes b[0..n) to path and frees b. */
static int put(const char *path, uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		rc = 1;
	}
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = 2u << 20;
	uint8_t *b;

	if (argc == 6 && strcmp(argv[1], "-m") == 0) {
		FILE *f = fopen(argv[2], "rb");
		long k = strtol(argv[5], NULL, 0);

		b = malloc(n);
		if (f && b)
			n = fread(b, 1, n, f);
		if (f)
			fclose(f);
		if (!f || !b || n < 4096) {
			perror(argv[2]);
			free(b);
			return 1;
		}
		seed(argv[4]);
		for (long i = 0; i < k; i++) {
			size_t s = (((size_t)next() << 8 | next()) % (n / 4096)) * 4096;
			for (size_t j = 0; j < 4096; j++)
				b[s + j] ^= (uint8_t)(next() | 1);
		}
		return put(argv[3], b, n);
	}
	if (argc != 3 && argc != 4) {
		fputs("usage: soak_img OUT SEED [SIZE] | soak_img -m IN OUT SEED K\n", stderr);
		return 2;
	}
	if (argc == 4)
		n = strtoul(argv[3], NULL, 0);
	b = malloc(n ? n : 1);
	if (!b)
		return 1;
	seed(argv[2]);
	for (size_t i = 0; i < n; i++)
		b[i] = next();
	return put(argv[1], b, n);
}
