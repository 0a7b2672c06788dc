/* SPDX-License-Identifier: MIT */
/*
 * blrescue-emu --stats FILE, e.g.
 *   {"bytes_in": 2101234, "bytes_out": 2112345, "frames_total": 141,
 *    "frames": {"0x10": 1, "0x11": 1, "0x32": 128}, "erased": 0, "programmed": 0,
 *    "faults_total": 1, "faults": {"drop-in": 1}, "vanished": false, "time_us": 812345}
 * Bytes are counted as sent, before faults; frames are every frame the chip parsed (answered or
 * not); faults lists the kinds that were injected.
 */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_json(FILE *f, const struct emu *e)
{
	struct emu_stats st;
	unsigned long frames = 0, faults = 0;
	const char *sep = "";

	emu_get_stats(e, &st);
	fprintf(f, "{\"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64 ", ", st.bytes_in,
		st.bytes_out);
	for (int i = 0; i < 256; i++)
		frames += st.frames[i];
	fprintf(f, "\"frames_total\": %lu, \"frames\": {", frames);
	for (int i = 0; i < 256; i++)
		if (st.frames[i]) {
			fprintf(f, "%s\"0x%02X\": %lu", sep, i, st.frames[i]);
			sep = ", ";
		}
	fprintf(f, "}, \"erased\": %" PRIu64 ", \"programmed\": %" PRIu64 ", ", st.erased,
		st.programmed);
	for (int k = 0; k < EMU_F_KINDS; k++)
		faults += st.faults[k];
	fprintf(f, "\"faults_total\": %lu, \"faults\": {", faults);
	sep = "";
	for (int k = 0; k < EMU_F_KINDS; k++)
		if (st.faults[k]) {
			fprintf(f, "%s\"%s\": %lu", sep, emu_fault_name((enum emu_fault_kind)k),
				st.faults[k]);
			sep = ", ";
		}
	fprintf(f, "}, \"vanished\": %s, \"time_us\": %" PRIu64 "}\n",
		emu_vanished(e) ? "true" : "false", emu_now_us(e));
}

int stats_write(const char *path, const struct emu *e)
{
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	FILE *f;
	int err = 0;

	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		err = errno;
	} else {
		put_json(f, e);
		if (ferror(f))
			err = EIO;
		if (fclose(f) != 0 && !err)
			err = errno;
		if (!err && rename(tmp, path) != 0)
			err = errno;
		if (err)
			unlink(tmp);
	}
	free(tmp);
	errno = err;
	return err ? -1 : 0;
}
