/* SPDX-License-Identifier: MIT */
/*
 * The serial ports on POSIX systems (platform.h, plat_ports_list): on Linux from sysfs, below
 * $BLRESCUE_SYSFS (default /sys, so that tests can use a fake tree):
 *
 *   class/tty/NAME/device -> the port's device: for a USB adapter the usb-serial port
 *       (.../1-1.2/1-1.2:1.0/ttyUSB0) or the CDC ACM interface (.../1-1.2/1-1.2:1.0); its
 *       "driver" link names the driver (ch341-uart, cp210x, ftdi_sio, pl2303, cdc_acm)
 *   the USB device is the first parent with an idVendor file: idVendor, idProduct (hex),
 *       manufacturer, product, serial (the strings of its descriptors)
 *   class/tty/NAME/type "0": an 8250 UART that is not there (the PC's phantom ttyS0-3)
 *
 * A tty without a device link (virtual terminals, ptys) or of type 0 is not a serial port. Without
 * sysfs (macOS), the USB serial device names in /dev are listed, with nothing known about them.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

/* a "/" b into out; false when it does not fit. */
static bool join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	return n > 0 && (size_t)n < cap;
}

/* s into out, cut to fit. */
static void copy(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The first line of DIR/NAME without its newline; "" when unreadable. */
static void read_attr(const char *dir, const char *name, char *out, size_t cap)
{
	char p[PATH_MAX + 64];
	FILE *f;

	out[0] = '\0';
	if (!join(p, sizeof(p), dir, name))
		return;
	f = fopen(p, "r");
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\r\n")] = '\0';
	fclose(f);
}

/* The last component of the link DIR/NAME points to; "" when there is no such link. */
static void link_base(const char *dir, const char *name, char *out, size_t cap)
{
	char p[PATH_MAX + 64], t[PATH_MAX];
	ssize_t n;
	const char *b;

	out[0] = '\0';
	if (!join(p, sizeof(p), dir, name))
		return;
	n = readlink(p, t, sizeof(t) - 1);
	if (n <= 0)
		return;
	t[n] = '\0';
	b = strrchr(t, '/');
	copy(out, cap, b ? b + 1 : t);
}

/* The USB device above dev (dev itself or up to three parents): its attributes into p. */
static void usb_attrs(const char *dev, struct plat_port *p)
{
	char d[PATH_MAX], id[16];

	copy(d, sizeof(d), dev);
	for (int up = 0; up < 4; up++) {
		char *slash;

		read_attr(d, "idVendor", id, sizeof(id));
		if (id[0]) {
			p->usb = true;
			p->vid = (unsigned)strtoul(id, NULL, 16);
			read_attr(d, "idProduct", id, sizeof(id));
			p->pid = (unsigned)strtoul(id, NULL, 16);
			read_attr(d, "manufacturer", p->manufacturer, sizeof(p->manufacturer));
			read_attr(d, "product", p->product, sizeof(p->product));
			read_attr(d, "serial", p->serial, sizeof(p->serial));
			return;
		}
		slash = strrchr(d, '/');
		if (!slash || slash == d)
			return;
		*slash = '\0';
	}
}

/* A serial_core port (kernel 6.x) sits below a "serial-base" port and controller device
 * ("port", "ctrl" drivers): the device with the real driver is above them. */
static void above_serial_base(char *dev, char *bus, size_t cap)
{
	for (int up = 0; up < 3 && !strcmp(bus, "serial-base"); up++) {
		char *slash = strrchr(dev, '/');

		if (!slash || slash == dev)
			return;
		*slash = '\0';
		link_base(dev, "subsystem", bus, cap);
	}
}

/* One class/tty entry into p. Returns false when it is no serial port. */
static bool tty_port(const char *ttydir, const char *name, struct plat_port *p)
{
	char link[PATH_MAX], dev[PATH_MAX], bus[64], type[16];

	memset(p, 0, sizeof(*p));
	if (!join(link, sizeof(link), ttydir, name))
		return false;
	read_attr(link, "type", type, sizeof(type));
	if (!strcmp(type, "0") || !join(dev, sizeof(dev), link, "device") || !realpath(dev, link))
		return false;
	copy(dev, sizeof(dev), link);
	link_base(dev, "subsystem", bus, sizeof(bus));
	above_serial_base(dev, bus, sizeof(bus));
	if (!join(p->name, sizeof(p->name), "/dev", name))
		return false;
	link_base(dev, "driver", p->driver, sizeof(p->driver));
	usb_attrs(dev, p);
	/* the USB interface (1-1.2:1.0): the port's place on the bus */
	{
		const char *b = strrchr(dev, '/');

		if (p->usb && !strcmp(bus, "usb-serial") && b) {
			dev[b - dev] = '\0';
			b = strrchr(dev, '/');
		}
		copy(p->location, sizeof(p->location), b ? b + 1 : dev);
	}
	return true;
}

struct dev_list {
	struct plat_port *out;
	size_t cap, n;
};

static void add_dev(void *user, const char *path)
{
	struct dev_list *l = user;

	if (l->n >= l->cap)
		return;
	memset(&l->out[l->n], 0, sizeof(l->out[0]));
	copy(l->out[l->n].name, sizeof(l->out[0].name), path);
	l->out[l->n].usb = true;
	l->n++;
}

size_t plat_ports_list(struct plat_port *out, size_t cap)
{
	static const char *const devs[] = {"/dev/ttyUSB*", "/dev/ttyACM*", "/dev/cu.usb*",
					   "/dev/cu.wchusbserial*", "/dev/cu.SLAB_USBtoUART*"};
	const char *root = plat_getenv("BLRESCUE_SYSFS");
	char ttydir[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(ttydir, sizeof(ttydir), "%s/class/tty", root && *root ? root : "/sys");
	d = opendir(ttydir);
	if (!d) { /* no sysfs: the USB serial devices by name */
		struct dev_list l = {out, cap, 0};

		for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
			plat_glob(devs[i], add_dev, &l);
		n = l.n;
	}
	while (d && n < cap && (e = readdir(d)))
		if (e->d_name[0] != '.' && tty_port(ttydir, e->d_name, &out[n]))
			n++;
	if (d)
		closedir(d);
	return n;
}

bool plat_port_matches(const char *port, const struct plat_port *p)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (!strcmp(port, p->name))
		return true;
	return realpath(port, a) && realpath(p->name, b) && !strcmp(a, b);
}
