/* SPDX-License-Identifier: MIT */
/*
 * Connecting to the chip for the device commands: port, loader, library callbacks (log,
 * progress, cancel) and errors turned into messages a user can act on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

/* ---- messages ---------------------------------------------------------------------------- */

static void hint_no_answer(const struct cli *cli)
{
	cli_info(cli,
		 "what to try:\n"
		 "  - hold BOOT (GPIO8) high (through 10 kOhm to the module's 3.3 V) and reset\n"
		 "    the chip (EN low, then high) right before running blrescue, or wire\n"
		 "    DTR/RTS and use --before dtr-rts\n"
		 "  - cross the data lines: adapter TX -> chip RX (GPIO7), adapter RX <- chip\n"
		 "    TX (GPIO16), and connect the grounds\n"
		 "  - try lower speeds: --rom-baud 115200 -b 460800\n"
		 "  - power the chip from a stable 3.3 V supply (the adapter's 3.3 V pin is often"
		 " too weak)");
}

static void hint_bad_line(const struct cli *cli)
{
	cli_info(cli, "what to try:\n"
		      "  - a lower speed: -b 1000000, or -b 460800\n"
		      "  - short wires firmly seated, and a common ground\n"
		      "  - a stable 3.3 V supply (a dip resets the chip; the adapter's 3.3 V pin "
		      "is often too weak)");
}

void cli_explain_listen(const struct cli *cli, const char *what, const char *port,
			const struct blr_listen *l)
{
	switch (l->heard) {
	case BLR_HEARD_TEXT:
		cli_err(cli,
			"%s: the firmware is running: the chip is not in download mode (it sends "
			"text at %u baud on %s)",
			what, l->baud, port);
		cli_info(
		    cli,
		    "heard: \"%s\"\n"
		    "To enter download mode, hold BOOT (GPIO8) high through 10 kOhm to the "
		    "module's 3.3 V *before*\n"
		    "the reset or power-up (the boot ROM looks at it only then), then reset the "
		    "chip\n"
		    "(EN low, then high) and run blrescue again; with DTR/RTS wired, use --before "
		    "dtr-rts.",
		    l->sample);
		break;
	case BLR_HEARD_NOTHING:
		cli_err(cli, "%s: no answer from the chip on %s: not a single byte came back", what,
			port);
		cli_info(cli,
			 "what to check:\n"
			 "  - the wiring: adapter TX -> chip RX (GPIO7), adapter RX <- chip TX "
			 "(GPIO16);\n"
			 "    if unsure, swap TX and RX\n"
			 "  - the power: a stable 3.3 V supply (the adapter's 3.3 V pin is often "
			 "too weak)\n"
			 "  - a common ground between the adapter and the module\n"
			 "  - download mode: BOOT (GPIO8) held high through 10 kOhm *before* the "
			 "reset (a\n"
			 "    firmware that logs nothing looks like silence)\n"
			 "  - a lower speed: --rom-baud 115200 -b 460800");
		break;
	case BLR_HEARD_NOISE:
	default:
		cli_err(cli,
			"%s: bytes came back on %s (%zu), but at no rate they read as text: not a "
			"BL602 in download mode at these rates",
			what, port, l->bytes);
		cli_info(cli, "what to check:\n"
			      "  - the baud rates: try --rom-baud 115200 -b 460800\n"
			      "  - the adapter: 3.3 V logic levels, a short cable, a driver that "
			      "holds the rate\n"
			      "  - a common ground (a floating line picks up noise)");
		break;
	}
}

int cli_exit_for(int err)
{
	switch (err) {
	case BLR_OK:
		return EXIT_OK_;
	case BLR_E_INVAL:
	case BLR_E_RANGE:
		return EXIT_USAGE;
	case BLR_E_NOMEM:
		return EXIT_SOFTWARE;
	case BLR_E_IO:
	case BLR_E_VERIFY:
	case BLR_E_GONE:
		return EXIT_IOERR;
	case BLR_E_TIMEOUT:
	case BLR_E_NO_RESPONSE:
	case BLR_E_BUSY:
	case BLR_E_NOENT:
	case BLR_E_UNSUPPORTED:
		return EXIT_UNAVAIL;
	case BLR_E_PERM:
		return EXIT_NOPERM;
	case BLR_E_CANCELLED:
		return EXIT_INTERRUPTED;
	case BLR_E_FORMAT:
		return EXIT_DATAERR;
	case BLR_E_PROTOCOL:
	case BLR_E_DEVICE:
	case BLR_E_SECURED:
	case BLR_E_NO_FLASH:
	case BLR_E_CHIP_RESET:
		return EXIT_PROTOCOL;
	default:
		return EXIT_SOFTWARE;
	}
}

int cli_session_fail(struct cli_session *s, const char *what, int err)
{
	struct cli *cli = s->cli;

	cli_progress_end(&s->progress);
	switch (err) {
	case BLR_E_CANCELLED:
		cli_err(cli, "%s: interrupted", what);
		break;
	case BLR_E_DEVICE: {
		uint16_t code = s->dev ? blr_dev_last_device_error(s->dev) : 0;

		cli_err(cli, "%s: the chip reported error 0x%04x (%s)", what, (unsigned)code,
			blr_device_error_name(code));
		break;
	}
	case BLR_E_NO_RESPONSE:
	case BLR_E_TIMEOUT: {
		struct blr_listen l;

		/* what the connect heard when nothing answered the handshake: firmware text,
		 * silence or noise (blr_dev_last_listen) */
		if (err == BLR_E_NO_RESPONSE && s->dev &&
		    blr_dev_last_listen(s->dev, &l) == BLR_OK) {
			cli_explain_listen(cli, what, s->port, &l);
			break;
		}
		if (s->connected) {
			cli_err(
			    cli,
			    "%s: the chip stopped answering on %s (%s); it had answered, so the "
			    "line is losing or damaging bytes, or the chip lost power",
			    what, s->port, blr_strerror(err));
			hint_bad_line(cli);
			break;
		}
		cli_err(cli, "%s: no answer from the chip on %s (%s)", what, s->port,
			blr_strerror(err));
		hint_no_answer(cli);
		break;
	}
	case BLR_E_SECURED:
		cli_err(cli,
			"%s: this chip's eFuses demand signed or encrypted images; blrescue "
			"cannot load the plain flash loader into it",
			what);
		break;
	case BLR_E_NO_FLASH:
		cli_err(cli,
			"%s: no usable SPI flash detected (JEDEC id 00/FF or an impossible "
			"size); check the module's power supply",
			what);
		break;
	case BLR_E_IO: {
		int e = s->dev ? blr_dev_last_os_error(s->dev) : 0;
		char why[256];

		cli_err(cli, "%s: I/O error on %s%s%s", what, s->port, e ? ": " : "",
			e ? plat_os_strerror(e, why, sizeof(why)) : "");
		if (plat_os_error_unplugged(e))
			cli_info(cli, "the adapter may have been unplugged");
		break;
	}
	case BLR_E_GONE:
		cli_err(cli, "%s: the port went away (adapter unplugged?)", what);
		break;
	case BLR_E_VERIFY:
		cli_err(cli,
			"%s: verification failed: the data does not match the chip's SHA-256 "
			"(try a lower baud with -b, check wiring and power)",
			what);
		break;
	default:
		cli_err(cli, "%s: %s", what, blr_strerror(err));
		break;
	}
	if (err == BLR_E_CANCELLED || (cli->interrupted && *cli->interrupted))
		return EXIT_INTERRUPTED;
	return cli_exit_for(err);
}

/* ---- callbacks --------------------------------------------------------------------------- */

static void log_cb(void *user, enum blr_log_level level, const char *msg)
{
	struct cli_session *s = user;
	static const char *const names[] = {"error", "warning", "info", "debug", "trace"};

	cli_progress_end(&s->progress);
	fprintf(stderr, "[%s] %s\n", (unsigned)level < 5 ? names[level] : "log", msg);
}

static bool cancel_cb(void *user)
{
	const struct cli *cli = user;

	return cli->interrupted && *cli->interrupted;
}

/* ---- session ----------------------------------------------------------------------------- */

int cli_session_open(struct cli *cli, struct cli_session *s)
{
	struct blr_transport t;
	struct blr_connect_opts co;
	enum blr_log_level lvl;
	const char *before;
	int os_err = 0, rc;

	memset(s, 0, sizeof(*s));
	s->cli = cli;
	s->port = cli->port;
	cli_progress_init(&s->progress, cli);
	rc = cli_check_bauds(cli);
	if (rc == 0)
		rc = cli_port_choose(cli, "connect", cli->rom_baud, cli->baud, "-b");
	if (rc)
		return rc;
	s->port = cli->port;
	rc = cli_loader_find(cli, &s->loader);
	if (rc)
		return rc;
	{
		char what[256];

		cli_loader_describe(&s->loader.info, what, sizeof(what));
		cli_info(cli, "Using flash loader %s (%s)", s->loader.path, what);
		cli_loader_warn(cli, &s->loader, false);
	}

	rc = blr_serial_open(s->port, cli->rom_baud, &t, &os_err);
	if (rc) {
		cli_loader_free(&s->loader);
		return cli_port_open_error(cli, s->port, rc, os_err);
	}
	rc = blr_dev_new(&s->dev, &t);
	if (rc) {
		t.ops->close(t.ctx);
		cli_loader_free(&s->loader);
		cli_err(cli, "out of memory");
		return EXIT_SOFTWARE;
	}
	lvl = cli->verbose >= 3	  ? BLR_LOG_TRACE
	      : cli->verbose == 2 ? BLR_LOG_DEBUG
	      : cli->verbose == 1 ? BLR_LOG_INFO
	      : cli->quiet	  ? BLR_LOG_ERROR
				  : BLR_LOG_WARN;
	blr_dev_set_log(s->dev, log_cb, s, lvl);
	blr_dev_set_progress(s->dev, cli_progress_cb, &s->progress);
	blr_dev_set_cancel(s->dev, cancel_cb, cli);

	before = cli_reset_steps(cli->before, 0);
	if (!before)
		before = "";
	if (!*before)
		cli_info(cli,
			 "Connecting on %s (no auto-reset: hold BOOT (GPIO8) high through "
			 "10 kOhm and reset the chip)...",
			 s->port);
	else
		cli_info(cli, "Connecting on %s (reset: %s)...", s->port, before);

	memset(&co, 0, sizeof(co));
	co.rom_baud = cli->rom_baud;
	co.baud = cli->baud;
	co.reset_steps = before;
	co.loader = s->loader.buf;
	co.loader_len = s->loader.len;
	rc = blr_connect(s->dev, &co);
	cli_loader_free(&s->loader);
	if (rc == BLR_OK)
		rc = blr_get_info(s->dev, &s->info);
	if (rc) {
		rc = cli_session_fail(s, "connect", rc);
		blr_dev_free(s->dev);
		s->dev = NULL;
		return rc;
	}
	cli_progress_end(&s->progress);
	s->connected = true;
	{
		char sz[32];

		blr_format_size(s->info.flash_size, sz, sizeof(sz));
		cli_info(cli, "Connected: %s loader at %u baud, flash %02X %02X %02X (%s)",
			 s->info.loader_was_running ? "already running"
			 : s->info.loader_build	    ? s->info.loader_build
						    : "uploaded",
			 s->info.baud, s->info.jedec[0], s->info.jedec[1], s->info.jedec[2], sz);
	}
	return EXIT_OK_;
}

void cli_session_close(struct cli_session *s)
{
	const char *after;

	if (!s->dev)
		return;
	cli_progress_end(&s->progress);
	after = cli_reset_steps(s->cli->after, 1);
	if (after && *after) {
		cli_info(s->cli, "Resetting (%s)", after);
		(void)blr_reset_steps_run(s->dev, after);
	}
	blr_dev_free(s->dev);
	s->dev = NULL;
}
