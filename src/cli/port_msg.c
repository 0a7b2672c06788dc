/* SPDX-License-Identifier: MIT */
/*
 * Messages about a serial port that cannot be opened (the device commands and monitor): which
 * ports exist (ports.c), who holds a busy one, the rights needed (platform.h's texts).
 */
#include <stdio.h>

#include "cli_int.h"
#include "platform.h"

static void holder_line(void *user, const char *line)
{
	cli_info(user, "  %s", line);
}

int cli_port_open_error(const struct cli *cli, const char *port, int rc, int os_err)
{
	char why[256];

	switch (rc) {
	case BLR_E_NOENT:
		cli_err(cli, "port %s does not exist", port);
		cli_list_ports(cli);
		break;
	case BLR_E_PERM:
		cli_err(cli, "permission denied opening %s", port);
		cli_info(cli, "%s", PLAT_PERM_HINT);
		break;
	case BLR_E_BUSY:
		cli_err(cli, "port %s is busy: another program holds it (" PLAT_BUSY_WHO ")", port);
		plat_port_holders(port, os_err, holder_line, (void *)(uintptr_t)cli);
		break;
	default:
		cli_err(cli, "cannot open %s: %s%s%s", port, blr_strerror(rc), os_err ? ": " : "",
			os_err ? plat_os_strerror(os_err, why, sizeof(why)) : "");
		break;
	}
	return rc == BLR_E_IO ? EXIT_IOERR : cli_exit_for(rc);
}
