/* SPDX-License-Identifier: MIT */
/*
 * The serial ports on Windows (platform.h): SetupAPI's Ports class, each device with
 *   PortName       its COM name (the device's registry key)
 *   hardware id    USB\VID_1A86&PID_7523&REV_0264, or FTDIBUS\COMPORT&VID_0403&PID_6001
 *                  (FTDI's own driver): the USB ids
 *   instance id    USB\VID_1A86&PID_7523\<serial>: the serial number, when the last part has
 *                  no '&' (Windows makes one up with '&' for a device without); an interface
 *                  of a composite device (&MI_nn) has it on its parent; FTDI's driver writes
 *                  FTDIBUS\VID_0403+PID_6001+<serial><port letter>\0000
 *   the product string of the device (DEVPKEY_Device_BusReportedDeviceDesc), the driver's
 *   manufacturer and service, the location (port and hub)
 * then the COM ports HARDWARE\DEVICEMAP\SERIALCOMM names besides (ports without a Plug and
 * Play device; under wine the only source: its COM ports have no USB information).
 * Also the texts of the serial backend's errors (GetLastError() values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <initguid.h>

#include <cfgmgr32.h>
#include <devguid.h>
#include <devpkey.h>
#include <setupapi.h>

#include "platform.h"
#include "platform_win32.h"

static void to_utf8(const wchar_t *w, char *out, size_t cap)
{
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)cap, NULL, NULL) <= 0)
		out[0] = '\0';
}

/* A string property of the device (the first of a list) into out, "" when it has none. */
static void reg_prop(HDEVINFO set, SP_DEVINFO_DATA *d, DWORD prop, char *out, size_t cap)
{
	wchar_t buf[512];
	DWORD type = 0;

	memset(buf, 0, sizeof(buf));
	out[0] = '\0';
	if (SetupDiGetDeviceRegistryPropertyW(set, d, prop, &type, (BYTE *)buf,
					      sizeof(buf) - 2 * sizeof(wchar_t), NULL) &&
	    (type == REG_SZ || type == REG_MULTI_SZ))
		to_utf8(buf, out, cap);
}

/* The USB product string (what the device itself says), "" when unknown. */
static void bus_desc(HDEVINFO set, SP_DEVINFO_DATA *d, char *out, size_t cap)
{
	wchar_t buf[256];
	DEVPROPTYPE type = 0;

	memset(buf, 0, sizeof(buf));
	out[0] = '\0';
	if (SetupDiGetDevicePropertyW(set, d, &DEVPKEY_Device_BusReportedDeviceDesc, &type,
				      (BYTE *)buf, sizeof(buf) - sizeof(wchar_t), NULL, 0) &&
	    type == DEVPROP_TYPE_STRING)
		to_utf8(buf, out, cap);
}

/* The COM name from the device's registry key ("" when it is no COM port: LPT1). */
static void port_name(HDEVINFO set, SP_DEVINFO_DATA *d, char *out, size_t cap)
{
	HKEY k = SetupDiOpenDevRegKey(set, d, DICS_FLAG_GLOBAL, 0, DIREG_DEV, KEY_READ);
	wchar_t v[64];
	DWORD sz = sizeof(v) - sizeof(wchar_t), type = 0;

	out[0] = '\0';
	if (k == INVALID_HANDLE_VALUE)
		return;
	memset(v, 0, sizeof(v));
	if (RegQueryValueExW(k, L"PortName", NULL, &type, (BYTE *)v, &sz) == ERROR_SUCCESS &&
	    type == REG_SZ && !_wcsnicmp(v, L"COM", 3))
		to_utf8(v, out, cap);
	RegCloseKey(k);
}

/* The hex number after key ("VID_", "PID_") in id, any case; 0 when absent. */
static unsigned hex_after(const char *id, const char *key)
{
	for (const char *p = id; *p; p++)
		if (!_strnicmp(p, key, strlen(key)))
			return (unsigned)strtoul(p + strlen(key), NULL, 16);
	return 0;
}

/* The serial number in a device instance id (see the top of this file), "" when none. */
static void serial_of(const char *id, char *out, size_t cap)
{
	const char *last = strrchr(id, '\\'), *plus;

	out[0] = '\0';
	if (!_strnicmp(id, "FTDIBUS\\", 8)) {
		plus = strchr(id, '+');
		plus = plus ? strchr(plus + 1, '+') : NULL;
		if (plus && last && last - plus > 2)
			snprintf(out, cap, "%.*s", (int)(last - plus - 2), plus + 1);
		return;
	}
	if (last && !strchr(last + 1, '&'))
		snprintf(out, cap, "%s", last + 1);
}

/* The USB device's instance id: the device's own, or its parent's for an interface of a
 * composite device (&MI_nn). */
static void usb_instance(DEVINST inst, char *out, size_t cap)
{
	wchar_t id[MAX_DEVICE_ID_LEN];
	DEVINST parent;

	out[0] = '\0';
	if (CM_Get_Device_IDW(inst, id, MAX_DEVICE_ID_LEN, 0) != CR_SUCCESS)
		return;
	to_utf8(id, out, cap);
	if (strstr(out, "&MI_") && CM_Get_Parent(&parent, inst, 0) == CR_SUCCESS &&
	    CM_Get_Device_IDW(parent, id, MAX_DEVICE_ID_LEN, 0) == CR_SUCCESS)
		to_utf8(id, out, cap);
}

/* One device of the Ports class into p. Returns false when it is no COM port. */
static bool pnp_port(HDEVINFO set, SP_DEVINFO_DATA *d, struct plat_port *p)
{
	char hwid[512], inst[512];

	memset(p, 0, sizeof(*p));
	port_name(set, d, p->name, sizeof(p->name));
	if (!p->name[0])
		return false;
	reg_prop(set, d, SPDRP_HARDWAREID, hwid, sizeof(hwid));
	p->vid = hex_after(hwid, "VID_");
	p->pid = hex_after(hwid, "PID_");
	p->usb = p->vid || p->pid;
	if (p->usb) {
		usb_instance(d->DevInst, inst, sizeof(inst));
		serial_of(inst, p->serial, sizeof(p->serial));
	}
	bus_desc(set, d, p->product, sizeof(p->product));
	reg_prop(set, d, SPDRP_MFG, p->manufacturer, sizeof(p->manufacturer));
	reg_prop(set, d, SPDRP_SERVICE, p->driver, sizeof(p->driver));
	reg_prop(set, d, SPDRP_LOCATION_INFORMATION, p->location, sizeof(p->location));
	if (!p->location[0])
		reg_prop(set, d, SPDRP_FRIENDLYNAME, p->location, sizeof(p->location));
	return true;
}

static bool listed(const struct plat_port *out, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!_stricmp(out[i].name, name))
			return true;
	return false;
}

/* The COM ports of HARDWARE\DEVICEMAP\SERIALCOMM (value: \Device\Serial0 = COM1) not listed
 * yet, from out[n] on. Returns the new count. */
static size_t serialcomm(struct plat_port *out, size_t cap, size_t n)
{
	HKEY k;

	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"HARDWARE\\DEVICEMAP\\SERIALCOMM", 0, KEY_READ,
			  &k) != ERROR_SUCCESS)
		return n;
	for (DWORD i = 0; n < cap; i++) {
		wchar_t dev[256], com[64];
		DWORD dl = 256, cl = sizeof(com) - sizeof(wchar_t), type = 0;
		struct plat_port *p = &out[n];

		memset(com, 0, sizeof(com));
		if (RegEnumValueW(k, i, dev, &dl, NULL, &type, (BYTE *)com, &cl) != ERROR_SUCCESS)
			break;
		if (type != REG_SZ)
			continue;
		memset(p, 0, sizeof(*p));
		to_utf8(com, p->name, sizeof(p->name));
		if (!p->name[0] || listed(out, n, p->name))
			continue;
		to_utf8(dev, p->location, sizeof(p->location)); /* \Device\Serial0 */
		n++;
	}
	RegCloseKey(k);
	return n;
}

size_t plat_ports_list(struct plat_port *out, size_t cap)
{
	HDEVINFO set = SetupDiGetClassDevsW(&GUID_DEVCLASS_PORTS, NULL, NULL, DIGCF_PRESENT);
	SP_DEVINFO_DATA d = {.cbSize = sizeof(d)};
	size_t n = 0;

	for (DWORD i = 0;
	     set != INVALID_HANDLE_VALUE && n < cap && SetupDiEnumDeviceInfo(set, i, &d); i++)
		if (pnp_port(set, &d, &out[n]))
			n++;
	if (set != INVALID_HANDLE_VALUE)
		SetupDiDestroyDeviceInfoList(set);
	return serialcomm(out, cap, n);
}

bool plat_port_matches(const char *port, const struct plat_port *p)
{
	if ((port[0] == '\\' || port[0] == '/') && (port[1] == '\\' || port[1] == '/') &&
	    port[2] == '.' && (port[3] == '\\' || port[3] == '/'))
		port += 4;
	return !_stricmp(port, p->name);
}

/* ---- the serial backend's errors ------------------------------------------------------------ */

const char *plat_os_strerror(int os_err, char *buf, size_t cap)
{
	wchar_t msg[512];
	char text[512];
	size_t n;

	if (!FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
			    (DWORD)os_err, 0, msg, 512, NULL))
		msg[0] = 0;
	to_utf8(msg, text, sizeof(text));
	n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.' ||
		     text[n - 1] == ' '))
		text[--n] = '\0';
	snprintf(buf, cap, "%s%sWindows error %d", text, n ? " (" : "", os_err);
	if (n)
		strncat(buf, ")", cap - strlen(buf) - 1);
	return buf;
}

bool plat_os_error_unplugged(int os_err)
{
	switch (os_err) {
	case ERROR_DEVICE_REMOVED:
	case ERROR_BAD_COMMAND:
	case ERROR_GEN_FAILURE:
	case ERROR_DEVICE_NOT_CONNECTED:
	case ERROR_NOT_READY:
	case ERROR_OPERATION_ABORTED:
		return true;
	default:
		return false;
	}
}

/* Windows does not say which program has a COM port open (PLAT_BUSY_WHO names the usual
 * ones). */
void plat_port_holders(const char *port, int os_err, void (*fn)(void *user, const char *line),
		       void *user)
{
	(void)port;
	(void)os_err;
	(void)fn;
	(void)user;
}
