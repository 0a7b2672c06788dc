/* SPDX-License-Identifier: MIT */
/*
 * mkloader: write the synthetic test flash loader (tests/support/synth_loader.h) to a file.
 * It contains no vendor code; blrescue-emu accepts it like a real eflash_loader.
 *   mkloader OUT [real-crc] [BODY_LEN]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_loader.h"

int main(int argc, char **argv)
{
	enum synth_style style = SYNTH_DEADBEEF;
	size_t body = 0, len = 0;
	uint8_t *img;
	FILE *f;

	/* an option ("mkloader --help") is not an output file name */
	if (argc < 2 || argc > 4 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkloader OUT [deadbeef|real-crc] [BODY_LEN]\n");
		return 2;
	}
	if (argc >= 3 && !strcmp(argv[2], "real-crc"))
		style = SYNTH_REAL_CRC;
	if (argc == 4)
		body = (size_t)strtoul(argv[3], NULL, 0);
	img = synth_loader_build(style, body, &len);
	if (!img) {
		fprintf(stderr, "mkloader: cannot build the image\n");
		return 1;
	}
	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		perror(argv[1]);
		free(img);
		return 1;
	}
	free(img);
	return 0;
}
