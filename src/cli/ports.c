/* SPDX-License-Identifier: MIT */
/*
 * Serial ports and what their USB adapters can do: the table of adapter chips, `blrescue ports`,
 * the port a device command uses when none is given (the only USB serial adapter), and rates an
 * adapter is known not to reach, refused before connecting. The OS lists the ports
 * (plat_ports_list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "json.h"
#include "platform.h"

#define MAX_PORTS 64

/*
 * USB-UART chips by vendor:product id, and the prefix of the product string where one id
 * covers chips with different limits (Silicon Labs' 10c4:ea60 is the CP2102, CP2102N and
 * CP2104): the first matching row wins, so a row with a product comes before the id's
 * general row. max_baud: the fastest rate of the chip's datasheet; 0 when the id does not
 * tell (the general rows).
 */
static const struct cli_adapter adapters[] = {
    {0x1a86, 0x7523, NULL, "CH340", 2000000, NULL},
    {0x1a86, 0x7522, NULL, "CH340K", 2000000, NULL},
    {0x1a86, 0x5523, NULL, "CH341", 2000000, NULL},
    {0x1a86, 0x55d3, NULL, "CH343", 6000000, NULL},
    {0x1a86, 0x55d4, NULL, "CH9102", 4000000, NULL},
    {0x10c4, 0xea60, "CP2102N", "CP2102N", 3000000, NULL},
    {0x10c4, 0xea60, "CP2104", "CP2104", 2000000, NULL},
    {0x10c4, 0xea60, "CP2102", "CP2102", 921600,
     "a fixed table of rates up to 921600: use -b 921600"},
    {0x10c4, 0xea60, NULL, "CP210x", 0,
     "a CP2102 stops at 921600 baud, a CP2102N reaches 3 Mbaud, a CP2104 2 Mbaud"},
    {0x10c4, 0xea70, NULL, "CP2105", 2000000, "its second (standard) port: 921600 at most"},
    {0x0403, 0x6001, NULL, "FT232R", 3000000,
     "16 ms latency timer by default (blrescue sets low-latency mode on Linux; on Windows: "
     "Device Manager, the port's Properties, Port Settings, Advanced, Latency Timer 1 ms)"},
    {0x0403, 0x6010, "Dual RS232-HS", "FT2232H", 12000000, "16 ms latency timer by default"},
    {0x0403, 0x6010, NULL, "FT2232", 0,
     "FT2232D: 3 Mbaud, FT2232H: 12 Mbaud; 16 ms latency timer by default"},
    {0x0403, 0x6011, NULL, "FT4232H", 12000000, "16 ms latency timer by default"},
    {0x0403, 0x6014, NULL, "FT232H", 12000000, "16 ms latency timer by default"},
    {0x0403, 0x6015, NULL, "FT-X (FT230X/FT231X)", 3000000, "16 ms latency timer by default"},
    {0x067b, 0x2303, NULL, "PL2303", 0,
     "PL2303H: 1.2 Mbaud; HX: 6 Mbaud; HXD, TA, TB: up to 12 Mbaud; many are clones that do "
     "less"},
    {0x067b, 0x23a3, NULL, "PL2303GC", 12000000, NULL},
    {0x067b, 0x23b3, NULL, "PL2303GB", 12000000, NULL},
    {0x067b, 0x23c3, NULL, "PL2303GT", 12000000, NULL},
    {0x067b, 0x23d3, NULL, "PL2303GL", 12000000, NULL},
    {0x067b, 0x23e3, NULL, "PL2303GE", 12000000, NULL},
    {0x067b, 0x23f3, NULL, "PL2303GS", 12000000, NULL},
    /* Bouffalo Lab's own USB bridges (doc/protocol.md PHY-4): they ignore DTR and RTS */
    {0x42bf, 0xb210, NULL, "Bouffalo Lab CKLink-Lite", 0,
     "Bouffalo Lab's USB bridge: DTR/RTS do nothing, reset the chip by hand"},
    {0xffff, 0xffff, NULL, "Bouffalo Lab USB (BL70x/BL61x)", 0,
     "Bouffalo Lab's USB bridge: DTR/RTS do nothing, reset the chip by hand"},
};

/* Chips that reach 2 Mbaud and more, named when an adapter cannot do a rate. */
static const char *const fast_chips[] = {"CP2102N", "FT232R", "CH340"};

const struct cli_adapter *cli_adapter_find(unsigned vid, unsigned pid, const char *product)
{
	for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++) {
		const struct cli_adapter *a = &adapters[i];

		if (a->vid != vid || a->pid != pid)
			continue;
		if (!a->product || (product && !strncmp(product, a->product, strlen(a->product))))
			return a;
	}
	return NULL;
}

static const struct cli_adapter *chip_named(const char *chip)
{
	for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++)
		if (!strcmp(adapters[i].chip, chip))
			return &adapters[i];
	return NULL;
}

/* Names with numbers in numeric order: ttyUSB2 before ttyUSB10, COM3 before COM12. */
static int name_cmp(const void *a, const void *b)
{
	const char *x = ((const struct plat_port *)a)->name,
		   *y = ((const struct plat_port *)b)->name;

	while (*x && *y) {
		if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
			char *ex, *ey;
			unsigned long u = strtoul(x, &ex, 10), v = strtoul(y, &ey, 10);

			if (u != v)
				return u < v ? -1 : 1;
			x = ex;
			y = ey;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

/* The ports present, sorted by name, into a new array (NULL when out of memory). */
static struct plat_port *list_ports(size_t *n)
{
	struct plat_port *ports = calloc(MAX_PORTS, sizeof(*ports));

	*n = ports ? plat_ports_list(ports, MAX_PORTS) : 0;
	if (*n)
		qsort(ports, *n, sizeof(ports[0]), name_cmp);
	return ports;
}

/* ---- blrescue ports --------------------------------------------------------------------- */

static const struct cli_adapter *adapter_of(const struct plat_port *p)
{
	return p->usb && (p->vid || p->pid) ? cli_adapter_find(p->vid, p->pid, p->product) : NULL;
}

static void port_text(FILE *o, const struct plat_port *p)
{
	const struct cli_adapter *a = adapter_of(p);

	fprintf(o, "%s\n", p->name);
	if (p->usb && (p->vid || p->pid))
		fprintf(o, "  USB %04x:%04x", p->vid, p->pid);
	else
		fprintf(o, "  %s", p->usb ? "USB (ids not known)" : "not USB");
	if (p->product[0])
		fprintf(o, " \"%s\"", p->product);
	if (p->manufacturer[0])
		fprintf(o, " by %s", p->manufacturer);
	if (p->serial[0])
		fprintf(o, ", serial %s", p->serial);
	fputc('\n', o);
	if (p->driver[0] || p->location[0])
		fprintf(o, "  driver %s%s%s\n", p->driver[0] ? p->driver : "unknown",
			p->location[0] ? ", at " : "", p->location);
	if (a && a->max_baud)
		fprintf(o, "  %s: up to %u baud%s%s\n", a->chip, a->max_baud, a->note ? "; " : "",
			a->note ? a->note : "");
	else if (a)
		fprintf(o, "  %s: %s\n", a->chip, a->note ? a->note : "limits not known");
	else if (p->usb)
		fprintf(o, "  adapter not in blrescue's table: limits not known\n");
}

static void port_json(struct cli_json *j, const struct plat_port *p)
{
	const struct cli_adapter *a = adapter_of(p);
	char id[8];

	cli_json_open(j, NULL, '{');
	cli_json_str(j, "port", p->name);
	cli_json_b(j, "usb", p->usb);
	snprintf(id, sizeof(id), "%04x", p->vid);
	cli_json_str(j, "vid", p->usb && (p->vid || p->pid) ? id : NULL);
	snprintf(id, sizeof(id), "%04x", p->pid);
	cli_json_str(j, "pid", p->usb && (p->vid || p->pid) ? id : NULL);
	cli_json_str(j, "manufacturer", p->manufacturer[0] ? p->manufacturer : NULL);
	cli_json_str(j, "product", p->product[0] ? p->product : NULL);
	cli_json_str(j, "serial", p->serial[0] ? p->serial : NULL);
	cli_json_str(j, "driver", p->driver[0] ? p->driver : NULL);
	cli_json_str(j, "location", p->location[0] ? p->location : NULL);
	cli_json_str(j, "chip", a ? a->chip : NULL);
	if (a && a->max_baud)
		cli_json_u(j, "max_baud", a->max_baud);
	else
		cli_json_str(j, "max_baud", NULL);
	cli_json_str(j, "note", a ? a->note : NULL);
	cli_json_close(j, '}');
}

int cmd_ports(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", 0, OPT_NONE, O_JSON}, {NULL, 0, 0, 0}};
	struct plat_port *ports;
	struct cli_args a;
	size_t n;
	int rc = cli_parse_cmd(cli, argc, argv, "ports", opts, 0, &a);

	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	ports = list_ports(&n);
	if (!ports)
		return EXIT_SOFTWARE;
	if (a.has[O_JSON]) {
		struct cli_json j = {.f = cli->out, .spaced = true};

		cli_json_open(&j, NULL, '{');
		cli_json_open(&j, "ports", '[');
		for (size_t i = 0; i < n; i++)
			port_json(&j, &ports[i]);
		cli_json_close(&j, ']');
		cli_json_close(&j, '}');
	} else if (!n) {
		fprintf(cli->out, "no serial ports found\n");
	}
	for (size_t i = 0; !a.has[O_JSON] && i < n; i++)
		port_text(cli->out, &ports[i]);
	fflush(cli->out);
	free(ports);
	return EXIT_OK_;
}

/* ---- which port, and can its adapter do the rates --------------------------------------- */

/* One line per port for messages: "  /dev/ttyUSB0  CH340 (1a86:7523) "USB Serial"". */
static void list_brief(const struct cli *cli, const struct plat_port *ports, size_t n, bool usb)
{
	for (size_t i = 0; i < n; i++) {
		const struct plat_port *p = &ports[i];
		const struct cli_adapter *a = adapter_of(p);

		if (usb && !p->usb)
			continue;
		if (p->usb && (p->vid || p->pid))
			cli_info(cli, "  %s  %s (%04x:%04x)%s%s%s", p->name, a ? a->chip : "USB",
				 p->vid, p->pid, p->product[0] ? " \"" : "", p->product,
				 p->product[0] ? "\"" : "");
		else
			cli_info(cli, "  %s%s", p->name, p->usb ? "" : "  (not USB)");
	}
}

void cli_list_ports(const struct cli *cli)
{
	size_t n;
	struct plat_port *ports = list_ports(&n);

	if (n) {
		cli_info(cli, "serial ports present ('blrescue ports' says more):");
		list_brief(cli, ports, n, false);
	} else {
		cli_info(cli, "no serial port found: is the adapter plugged in?");
	}
	if (PLAT_PORT_HINT[0])
		cli_info(cli, "%s", PLAT_PORT_HINT);
	free(ports);
}

/* No port given: the only USB serial adapter. Returns 0 (cli->port set) or EXIT_USAGE. */
static int choose(struct cli *cli, const char *what, const struct plat_port *ports, size_t n)
{
	size_t usb = 0, pick = 0;

	for (size_t i = 0; i < n; i++)
		if (ports[i].usb && usb++ == 0)
			pick = i;
	if (usb == 1) {
		const struct cli_adapter *a = adapter_of(&ports[pick]);

		snprintf(cli->auto_port, sizeof(cli->auto_port), "%s", ports[pick].name);
		cli->port = cli->auto_port;
		cli_info(
		    cli, "Using %s (%s%s%04x:%04x), the only USB serial adapter; -p names another",
		    cli->port, a ? a->chip : "", a ? ", " : "", ports[pick].vid, ports[pick].pid);
		return 0;
	}
	if (usb == 0) {
		cli_err(
		    cli,
		    "%s: no serial port given, and no USB serial adapter found: plug one in, or "
		    "use -p PORT (e.g. -p " PLAT_PORT_EXAMPLE ") or set BLRESCUE_PORT",
		    what);
		if (n) {
			cli_info(cli, "serial ports present (none of them USB):");
			list_brief(cli, ports, n, false);
		}
		if (PLAT_PORT_HINT[0])
			cli_info(cli, "%s", PLAT_PORT_HINT);
		return EXIT_USAGE;
	}
	cli_err(cli,
		"%s: %zu USB serial adapters found; pick one with -p PORT (or set BLRESCUE_PORT):",
		what, usb);
	list_brief(cli, ports, n, true);
	return EXIT_USAGE;
}

/* The adapter of port p cannot do rate (option opt; chip: CLI_RATE_*): say so. Returns
 * EXIT_USAGE. */
static int too_fast(const struct cli *cli, const struct plat_port *p, const struct cli_adapter *a,
		    const char *opt, unsigned rate, int chip)
{
	char others[96] = "";

	for (size_t i = 0; i < sizeof(fast_chips) / sizeof(fast_chips[0]); i++) {
		const struct cli_adapter *f = chip_named(fast_chips[i]);

		if (f && f->max_baud >= rate && strcmp(f->chip, a->chip))
			snprintf(others + strlen(others), sizeof(others) - strlen(others), "%s%s",
				 others[0] ? "/" : "", f->chip);
	}
	cli_err(cli, "%s (%04x:%04x) on %s cannot do %u baud (%u at most); use %s %u%s%s%s",
		a->chip, p->vid, p->pid, p->name, rate, a->max_baud, opt,
		cli_rate_at_most(chip, a->max_baud), others[0] ? " or a " : "", others,
		others[0] ? " adapter" : "");
	return EXIT_USAGE;
}

int cli_port_choose(struct cli *cli, const char *what, unsigned rom_baud, unsigned baud,
		    const char *baud_opt)
{
	size_t n;
	struct plat_port *ports = list_ports(&n);
	int rc = 0;

	if (!ports)
		return EXIT_SOFTWARE;
	if (!cli->port || !*cli->port)
		rc = choose(cli, what, ports, n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct cli_adapter *a = adapter_of(&ports[i]);

		if (!a || !a->max_baud || !plat_port_matches(cli->port, &ports[i]))
			continue;
		if (rom_baud > a->max_baud)
			rc = too_fast(cli, &ports[i], a, "--rom-baud", rom_baud, CLI_RATE_ROM);
		else if (baud > a->max_baud)
			rc = too_fast(cli, &ports[i], a, baud_opt, baud,
				      rom_baud ? CLI_RATE_LOADER : CLI_RATE_ANY);
	}
	free(ports);
	return rc;
}
