/* SPDX-License-Identifier: MIT */
#include "blr_version.h"
#include "blrescue/blrescue.h"

const char *blr_version(void)
{
	return BLR_VERSION;
}
