/* SPDX-License-Identifier: MIT */
/* Resets: the reset-step language (blr_reset_steps_check/run: DTR/RTS toggles and waits) and
 * the loader's reset command (blr_reset, 0x21). */
#include <string.h>

#include "lib/dev.h"
#include "lib/exchange.h"
#include "lib/isp.h"

#define RESET_WAIT_MAX_MS 10000u

/* Parse (and with dev != NULL run) "dtr,-dtr,rts,-rts,wNNN". */
static int reset_steps(struct blr_dev *dev, const char *s)
{
	bool warned = false;

	if (!s || !*s)
		return BLR_OK;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int dtr = -1, rts = -1;
		unsigned wait = 0;

		if (len == 3 && !strncmp(s, "dtr", 3))
			dtr = 1;
		else if (len == 4 && !strncmp(s, "-dtr", 4))
			dtr = 0;
		else if (len == 3 && !strncmp(s, "rts", 3))
			rts = 1;
		else if (len == 4 && !strncmp(s, "-rts", 4))
			rts = 0;
		else if (len >= 2 && len <= 6 && s[0] == 'w') {
			for (size_t i = 1; i < len; i++) {
				if (s[i] < '0' || s[i] > '9')
					return BLR_E_INVAL;
				wait = wait * 10 + (unsigned)(s[i] - '0');
			}
			if (wait > RESET_WAIT_MAX_MS)
				return BLR_E_INVAL;
		} else {
			return BLR_E_INVAL;
		}
		if (dev && (dtr >= 0 || rts >= 0)) {
			int r = dev->t.ops->set_lines(dev->t.ctx, dtr, rts);

			if (r == BLR_E_UNSUPPORTED && !warned) {
				dev_warn(dev,
					 "this port has no DTR/RTS lines; reset steps skipped");
				warned = true;
			} else if (r != BLR_OK && r != BLR_E_UNSUPPORTED) {
				return dev_keep_os(dev, r);
			}
		} else if (dev) {
			dev_sleep_ms(dev, wait);
		}
		s += len;
		if (*s == ',') {
			s++;
			if (!*s)
				return BLR_E_INVAL;
		}
	}
	return BLR_OK;
}

int blr_reset_steps_check(const char *steps)
{
	return reset_steps(NULL, steps);
}

int blr_reset_steps_run(struct blr_dev *dev, const char *steps)
{
	int r = reset_steps(NULL, steps);

	return r == BLR_OK ? reset_steps(dev, steps) : r;
}

int blr_reset(struct blr_dev *dev)
{
	int r = ldr_command(dev, ISP_RESET, NULL, 0, NULL, 0, NULL, 0, LDR_ONCE);

	if (r == BLR_OK)
		link_set(dev, LINK_UNKNOWN);
	return r;
}
