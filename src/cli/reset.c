/* SPDX-License-Identifier: MIT */
/* The reset presets of --before/--after (blrescue(1), RESET SEQUENCES). */
#include <string.h>

#include "cli_int.h"

/*
 * dtr-rts: the common auto-reset wiring (the official tools' assumption): RTS drives EN
 * (asserted = chip held in reset), DTR drives GPIO8 (asserted = low = boot from flash).
 * inverted: the same wiring through inverting transistors.
 */
struct preset {
	const char *name;
	const char *before; /* enter download mode */
	const char *after;  /* run the firmware */
};

static const struct preset presets[] = {
    {"none", "", ""},
    {"dtr-rts", "-dtr,rts,w100,-rts,w100", "dtr,rts,w100,-rts,w100,-dtr"},
    {"inverted", "dtr,-rts,w100,rts,w100", "-dtr,-rts,w100,rts,w100,dtr"},
};

const char *cli_reset_steps(const char *spec, int when)
{
	if (!spec || !*spec)
		return "";
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(spec, presets[i].name))
			return when ? presets[i].after : presets[i].before;
	return blr_reset_steps_check(spec) == BLR_OK ? spec : NULL;
}
