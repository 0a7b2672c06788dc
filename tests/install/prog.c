/* SPDX-License-Identifier: MIT */
/*
 * A program written against the INSTALLED library only (<blrescue/blrescue.h>, pkg-config
 * blrescue): connect to a chip (blrescue-emu in the test), read 64 KiB checked by the chip's
 * SHA-256, print the library version, the flash size and the data's SHA-256.
 * usage: prog PORT LOADER
 */
#include <stdio.h>
#include <stdlib.h>

#include <blrescue/blrescue.h>

int main(int argc, char **argv)
{
	static uint8_t data[64 * 1024];
	uint8_t *loader = NULL, sha[32];
	char hex[65];
	long n = 0;
	FILE *f;
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {0};
	struct blr_chip_info ci;
	int r;

	if (argc != 3 || !(f = fopen(argv[2], "rb")))
		return 2;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(loader = malloc((size_t)n)) || fread(loader, 1, (size_t)n, f) != (size_t)n)
		return 2;
	fclose(f);
	o.loader = loader;
	o.loader_len = (size_t)n;
	r = blr_serial_open(argv[1], BLR_DEFAULT_ROM_BAUD, &t, NULL);
	if (r == BLR_OK)
		r = blr_dev_new(&dev, &t);
	if (r == BLR_OK)
		r = blr_connect(dev, &o);
	if (r == BLR_OK)
		r = blr_get_info(dev, &ci);
	if (r == BLR_OK)
		r = blr_flash_read_verified(dev, 0, data, sizeof(data), sha);
	if (r != BLR_OK) {
		fprintf(stderr, "prog: %s\n", blr_strerror(r));
		return 1;
	}
	blr_hex_string(sha, sizeof(sha), hex);
	printf("version %s\nflash %u\nsha256 %s\n", blr_version(), (unsigned)ci.flash_size, hex);
	blr_dev_free(dev);
	free(loader);
	return 0;
}
