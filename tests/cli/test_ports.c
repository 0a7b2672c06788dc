/* SPDX-License-Identifier: MIT */
/*
 * Serial ports on Linux from a fake sysfs tree ($BLRESCUE_SYSFS, src/cli/platform_posix_ports.c)
 * and what the command makes of them (src/cli/ports.c): 'blrescue ports' (text and JSON), the
 * adapter table, the only USB adapter used without -p, several or none said, and a rate an
 * adapter cannot do refused with the reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli_int.h"
#include "cli/platform.h"

static char root[64];
static char err[8192], out[8192];

/* ---- the fake tree ----------------------------------------------------------------------- */

static void mkdirs(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *c = p + strlen(root) + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		mkdir(p, 0755);
		*c = '/';
	}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", text);
	fclose(f);
}

static void link_to(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

#define PCI "devices/pci0000:00/0000:00:14.0/usb1"

/* A USB device at bus path dev (1-2) with its descriptors' values. */
static void usb_dev(const char *dev, const char *vid, const char *pid, const char *mfr,
		    const char *product, const char *serial)
{
	char d[256], f[300];

	snprintf(d, sizeof(d), PCI "/%s", dev);
	mkdirs(d);
	snprintf(f, sizeof(f), "%s/idVendor", d);
	put(f, vid);
	snprintf(f, sizeof(f), "%s/idProduct", d);
	put(f, pid);
	snprintf(f, sizeof(f), "%s/manufacturer", d);
	if (mfr)
		put(f, mfr);
	snprintf(f, sizeof(f), "%s/product", d);
	if (product)
		put(f, product);
	snprintf(f, sizeof(f), "%s/serial", d);
	if (serial)
		put(f, serial);
}

/* class/tty/NAME with its device link to devpath (from the root) and driver. */
static void tty(const char *name, const char *devpath, const char *bus, const char *driver,
		const char *type)
{
	char p[300], t[400];

	snprintf(p, sizeof(p), "class/tty/%s", name);
	mkdirs(p);
	mkdirs(devpath);
	snprintf(p, sizeof(p), "class/tty/%s/device", name);
	snprintf(t, sizeof(t), "../../../%s", devpath);
	link_to(t, p);
	if (type) {
		snprintf(p, sizeof(p), "class/tty/%s/type", name);
		put(p, type);
	}
	snprintf(p, sizeof(p), "bus/%s", bus);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/subsystem", devpath);
	snprintf(t, sizeof(t), "%s/bus/%s", root, bus);
	link_to(t, p);
	if (driver) {
		snprintf(p, sizeof(p), "bus/%s/drivers/%s", bus, driver);
		mkdirs(p);
		snprintf(p, sizeof(p), "%s/driver", devpath);
		snprintf(t, sizeof(t), "%s/bus/%s/drivers/%s", root, bus, driver);
		link_to(t, p);
	}
}

/* which: bit 0 a CH340, bit 1 a CP2102, bit 2 a CKLink (ACM); always a real UART, a phantom
 * one and a virtual console. */
static void tree(unsigned which)
{
	snprintf(root, sizeof(root), "/tmp/blr-sysfs-XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("BLRESCUE_SYSFS", root, 1);
	mkdirs("class/tty/tty0"); /* no device link: not a serial port */
	tty("ttyS0", "devices/pnp0/00:01/00:01:0/00:01:0.0", "serial-base", "port", "0");
	tty("ttyS4", "devices/pnp0/00:05/00:05:0/00:05:0.0", "serial-base", "port", "4");
	link_to("../../../../bus/serial-base", "devices/pnp0/00:05/00:05:0/subsystem");
	link_to("../../../bus/pnp", "devices/pnp0/00:05/subsystem");
	mkdirs("bus/pnp/drivers/serial");
	link_to("../../../bus/pnp/drivers/serial", "devices/pnp0/00:05/driver");
	if (which & 1) {
		usb_dev("1-2", "1a86", "7523", NULL, "USB Serial", NULL);
		tty("ttyUSB0", PCI "/1-2/1-2:1.0/ttyUSB0", "usb-serial", "ch341-uart", NULL);
	}
	if (which & 2) {
		usb_dev("1-3", "10c4", "ea60", "Silicon Labs",
			"CP2102 USB to UART Bridge Controller", "0001");
		tty("ttyUSB10", PCI "/1-3/1-3:1.0/ttyUSB10", "usb-serial", "cp210x", NULL);
	}
	if (which & 4) {
		usb_dev("1-4", "42bf", "b210", "Bouffalo", "CKLink-Lite", "ABC\"1");
		tty("ttyACM0", PCI "/1-4/1-4:1.0", "usb", "cdc_acm", NULL);
	}
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	unsetenv("BLRESCUE_SYSFS");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- running the command's code with its output captured ------------------------------- */

static FILE *ef;
static int saved_err = -1;

static struct cli quiet_cli(FILE *o)
{
	struct cli c;

	memset(&c, 0, sizeof(c));
	c.out = o;
	c.prog = "blrescue";
	c.baud = 2000000;
	c.rom_baud = 500000;
	return c;
}

static void capture(void)
{
	ef = tmpfile();
	assert_non_null(ef);
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	assert_int_equal(dup2(fileno(ef), STDERR_FILENO), STDERR_FILENO);
}

static void release(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	rewind(ef);
	n = fread(err, 1, sizeof(err) - 1, ef);
	err[n] = '\0';
	fclose(ef);
}

static void has(const char *text, const char *s)
{
	if (!strstr(text, s))
		fail_msg("\"%s\" not in:\n%s", s, text);
}

/* blrescue ports [--json] into out. */
static int ports_cmd(bool json)
{
	static char name[] = "ports", opt[] = "--json";
	char *argv[] = {name, json ? opt : NULL, NULL};
	FILE *o = tmpfile();
	struct cli c = quiet_cli(o);
	size_t n;
	int rc = cmd_ports(&c, json ? 2 : 1, argv);

	rewind(o);
	n = fread(out, 1, sizeof(out) - 1, o);
	out[n] = '\0';
	fclose(o);
	return rc;
}

/* ---- the tests --------------------------------------------------------------------------- */

static void sysfs_list(void **state)
{
	struct plat_port p[8];
	size_t n;
	const struct plat_port *ch = NULL, *cp = NULL, *acm = NULL, *s4 = NULL;
	(void)state;

	tree(7);
	n = plat_ports_list(p, 8);
	assert_int_equal(n, 4); /* not ttyS0 (type 0), not tty0 (no device) */
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(p[i].name, "/dev/ttyUSB0"))
			ch = &p[i];
		else if (!strcmp(p[i].name, "/dev/ttyUSB10"))
			cp = &p[i];
		else if (!strcmp(p[i].name, "/dev/ttyACM0"))
			acm = &p[i];
		else if (!strcmp(p[i].name, "/dev/ttyS4"))
			s4 = &p[i];
	}
	assert_true(ch && cp && acm && s4);
	assert_true(ch->usb && ch->vid == 0x1a86 && ch->pid == 0x7523);
	assert_string_equal(ch->product, "USB Serial");
	assert_string_equal(ch->driver, "ch341-uart");
	assert_string_equal(ch->location, "1-2:1.0");
	assert_string_equal(ch->serial, "");
	assert_true(cp->vid == 0x10c4 && cp->pid == 0xea60);
	assert_string_equal(cp->product, "CP2102 USB to UART Bridge Controller");
	assert_string_equal(cp->manufacturer, "Silicon Labs");
	assert_string_equal(cp->serial, "0001");
	assert_string_equal(cp->driver, "cp210x");
	assert_true(acm->usb && acm->vid == 0x42bf && acm->pid == 0xb210);
	assert_string_equal(acm->driver, "cdc_acm");
	assert_string_equal(acm->location, "1-4:1.0");
	assert_false(s4->usb);
	assert_string_equal(s4->driver, "serial"); /* above the serial-base port device */
	assert_string_equal(s4->location, "00:05");
}

static void table(void **state)
{
	const struct cli_adapter *a;
	(void)state;

	a = cli_adapter_find(0x1a86, 0x7523, "USB Serial");
	assert_non_null(a);
	assert_string_equal(a->chip, "CH340");
	assert_int_equal(a->max_baud, 2000000);
	a = cli_adapter_find(0x10c4, 0xea60, "CP2102N USB to UART Bridge Controller");
	assert_string_equal(a->chip, "CP2102N");
	assert_int_equal(a->max_baud, 3000000);
	a = cli_adapter_find(0x10c4, 0xea60, "CP2102 USB to UART Bridge Controller");
	assert_string_equal(a->chip, "CP2102");
	assert_int_equal(a->max_baud, 921600);
	a = cli_adapter_find(0x10c4, 0xea60, "CP2104 USB to UART Bridge Controller");
	assert_int_equal(a->max_baud, 2000000);
	a = cli_adapter_find(0x10c4, 0xea60, NULL); /* which one is not known: no limit */
	assert_string_equal(a->chip, "CP210x");
	assert_int_equal(a->max_baud, 0);
	a = cli_adapter_find(0x0403, 0x6001, NULL);
	assert_string_equal(a->chip, "FT232R");
	assert_non_null(strstr(a->note, "16 ms latency timer"));
	assert_null(cli_adapter_find(0x1234, 0x5678, NULL));
}

static void ports_text_and_json(void **state)
{
	(void)state;
	tree(7);
	assert_int_equal(ports_cmd(false), EXIT_OK_);
	/* sorted by name, numbers in order: ttyUSB0 before ttyUSB10 */
	assert_true(strstr(out, "/dev/ttyACM0") < strstr(out, "/dev/ttyS4"));
	assert_true(strstr(out, "/dev/ttyUSB0\n") < strstr(out, "/dev/ttyUSB10\n"));
	has(out, "/dev/ttyUSB10\n  USB 10c4:ea60 \"CP2102 USB to UART Bridge Controller\" by "
		 "Silicon Labs, serial 0001\n  driver cp210x, at 1-3:1.0\n  CP2102: up to 921600 "
		 "baud");
	has(out, "/dev/ttyUSB0\n  USB 1a86:7523 \"USB Serial\"\n  driver ch341-uart, at "
		 "1-2:1.0\n  CH340: up to 2000000 baud\n");
	has(out, "/dev/ttyS4\n  not USB\n  driver serial, at 00:05\n");
	has(out, "Bouffalo Lab CKLink-Lite: Bouffalo Lab's USB bridge: DTR/RTS do nothing");

	assert_int_equal(ports_cmd(true), EXIT_OK_);
	has(out, "{\"ports\": [{\"port\": \"/dev/ttyACM0\", \"usb\": true, \"vid\": \"42bf\", "
		 "\"pid\": \"b210\", \"manufacturer\": \"Bouffalo\", \"product\": \"CKLink-Lite\", "
		 "\"serial\": \"ABC\\\"1\", \"driver\": \"cdc_acm\"");
	has(out, "{\"port\": \"/dev/ttyS4\", \"usb\": false, \"vid\": null");
	has(out, "\"chip\": \"CP2102\", \"max_baud\": 921600");
	has(out, "\"chip\": \"CH340\", \"max_baud\": 2000000, \"note\": null}");
	assert_int_equal(out[strlen(out) - 2], '}');
}

static void no_ports_at_all(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/blr-sysfs-XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("BLRESCUE_SYSFS", root, 1);
	mkdirs("class/tty");
	assert_int_equal(ports_cmd(false), EXIT_OK_);
	assert_string_equal(out, "no serial ports found\n");
	assert_int_equal(ports_cmd(true), EXIT_OK_);
	assert_string_equal(out, "{\"ports\": []}\n");
}

/* cli_port_choose for a cli with port (NULL: none given) and rates; the message in err. */
static int choose(struct cli *c, const char *port, unsigned rom, unsigned baud)
{
	int rc;

	*c = quiet_cli(stdout);
	c->port = port;
	c->rom_baud = rom;
	c->baud = baud;
	capture();
	rc = cli_port_choose(c, "connect", rom, baud, "-b");
	release();
	return rc;
}

static void the_only_adapter(void **state)
{
	struct cli c;
	(void)state;

	tree(1);
	assert_int_equal(choose(&c, NULL, 500000, 2000000), 0);
	assert_string_equal(c.port, "/dev/ttyUSB0");
	has(err, "Using /dev/ttyUSB0 (CH340, 1a86:7523), the only USB serial adapter");
	assert_int_equal(choose(&c, NULL, 500000, 3000000), EXIT_USAGE); /* and its limit */
	has(err, "CH340 (1a86:7523) on /dev/ttyUSB0 cannot do 3000000 baud (2000000 at most); "
		 "use -b 2000000 or a CP2102N/FT232R adapter");
}

static void several_or_none(void **state)
{
	struct cli c;
	(void)state;

	tree(7);
	assert_int_equal(choose(&c, NULL, 500000, 2000000), EXIT_USAGE);
	has(err, "connect: 3 USB serial adapters found; pick one with -p PORT (or set "
		 "BLRESCUE_PORT):");
	has(err, "  /dev/ttyUSB10  CP2102 (10c4:ea60) \"CP2102 USB to UART Bridge Controller\"");
	has(err, "  /dev/ttyACM0  Bouffalo Lab CKLink-Lite (42bf:b210) \"CKLink-Lite\"");
	assert_null(strstr(err, "ttyS4")); /* not a USB adapter: not a candidate */
	assert_null(c.port);
	teardown(NULL);
	tree(0);
	assert_int_equal(choose(&c, NULL, 500000, 2000000), EXIT_USAGE);
	has(err, "connect: no serial port given, and no USB serial adapter found: plug one in, or "
		 "use -p PORT (e.g. -p /dev/ttyUSB0) or set BLRESCUE_PORT");
	has(err, "serial ports present (none of them USB):\n  /dev/ttyS4  (not USB)");
}

static void rate_refused(void **state)
{
	struct cli c;
	(void)state;

	tree(7);
	assert_int_equal(choose(&c, "/dev/ttyUSB10", 500000, 2000000), EXIT_USAGE);
	has(err, "CP2102 (10c4:ea60) on /dev/ttyUSB10 cannot do 2000000 baud (921600 at most); use "
		 "-b 921600 or a CP2102N/FT232R/CH340 adapter");
	assert_int_equal(choose(&c, "/dev/ttyUSB10", 500000, 921600), 0);
	assert_string_equal(err, "");
	assert_int_equal(choose(&c, "/dev/ttyUSB10", 1000000, 921600), EXIT_USAGE);
	has(err, "cannot do 1000000 baud (921600 at most); use --rom-baud");
	/* a port that is not listed (a pty, /dev/null) and an adapter without a known limit */
	assert_int_equal(choose(&c, "/dev/pts/3", 500000, 12000000), 0);
	assert_int_equal(choose(&c, "/dev/ttyACM0", 500000, 12000000), 0);
	assert_string_equal(err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(sysfs_list, teardown),
	    cmocka_unit_test(table),
	    cmocka_unit_test_teardown(ports_text_and_json, teardown),
	    cmocka_unit_test_teardown(no_ports_at_all, teardown),
	    cmocka_unit_test_teardown(the_only_adapter, teardown),
	    cmocka_unit_test_teardown(several_or_none, teardown),
	    cmocka_unit_test_teardown(rate_refused, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
