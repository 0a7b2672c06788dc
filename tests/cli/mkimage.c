/* SPDX-License-Identifier: MIT */
/*
 * mkimage: write a synthetic, complete and bootable 2 MiB BL602 flash image
 * (tests/image/synth_image.h) for the demo when the real fixtures are absent.
 *   mkimage OUT [a|b]    a: firmware "release_synth_sdk_1.0"; b: other firmware bytes and
 *                        version "release_synth_sdk_2.0" (a different, equally valid image)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_image.h"

int main(int argc, char **argv)
{
	uint8_t *img;
	FILE *f;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "a") && strcmp(argv[2], "b"))) {
		fprintf(stderr, "usage: mkimage OUT [a|b]\n");
		return 2;
	}
	img = syn_image();
	if (!img)
		return 1;
	if (argc == 3 && !strcmp(argv[2], "b")) {
		uint8_t *app = img + SYN_FW0 + 0x1000;

		for (uint32_t i = 0; i < SYN_APP_LEN; i++)
			app[i] = (uint8_t)(i * 29 + 3);
		memcpy(app + 0x200,
		       "Build Version: \0release_synth_sdk_2.0\0Build Date: \0Nov 25 2026\0", 63);
		syn_header(img + SYN_FW0, 0x00003300, SYN_APP_LEN, 0x2000, app);
	}
	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, SYN_SIZE, f) != SYN_SIZE || fclose(f)) {
		perror(argv[1]);
		free(img);
		return 1;
	}
	free(img);
	return 0;
}
