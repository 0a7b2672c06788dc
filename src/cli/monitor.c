/* SPDX-License-Identifier: MIT */
/*
 * `blrescue monitor`: a raw serial console. What the chip sends goes to standard output, what
 * the user types goes to the chip; Ctrl-] leaves. The terminal is put in raw mode only when
 * standard input is a terminal and is restored on every exit path (signals set a flag that
 * the loop polls every 20 ms).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli_int.h"

#define CTRL_RBRACKET 0x1d

enum { M_BAUD = 1, M_RESET, M_TIMESTAMPS };

struct mon {
	struct cli *cli;
	bool timestamps;
	bool line_start;
	uint64_t t0;
};

static int out_all(const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int show(struct mon *m, const uint8_t *b, size_t n)
{
	if (!m->timestamps)
		return out_all(b, n);
	for (size_t i = 0; i < n; i++) {
		if (m->line_start) {
			char ts[32];
			uint64_t el = cli_now_ms() - m->t0;
			int k = snprintf(ts, sizeof(ts), "[%5" PRIu64 ".%03" PRIu64 "] ", el / 1000,
					 el % 1000);

			if (out_all((const uint8_t *)ts, (size_t)k))
				return -1;
			m->line_start = false;
		}
		if (out_all(b + i, 1))
			return -1;
		if (b[i] == '\n')
			m->line_start = true;
	}
	return 0;
}

int cmd_monitor(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"baud", 'b', OPT_ARG, M_BAUD},
	    {"reset", 0, OPT_NONE, M_RESET},
	    {"timestamps", 't', OPT_NONE, M_TIMESTAMPS},
	    {NULL, 0, 0, 0},
	};
	struct cli_optparse p;
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct termios saved, raw;
	struct mon m;
	const char *arg;
	bool reset = false, tty_raw = false, stdin_open = true;
	unsigned baud = 115200;
	int id, rc, os_err = 0;

	memset(&m, 0, sizeof(m));
	m.cli = cli;
	m.line_start = true;
	cli_optparse_init(&p, argc, argv, 1, "monitor");
	while ((id = cli_optparse_next(&p, cli, opts, true, &arg)) != OPTP_END) {
		switch (id) {
		case OPTP_ERROR:
			return EXIT_USAGE;
		case GOPT_HELP:
			cli_usage("monitor", stdout);
			return EXIT_OK_;
		case OPTP_POSITIONAL:
			cli_err(cli, "monitor: unexpected argument '%s'", arg);
			return EXIT_USAGE;
		case M_BAUD:
			rc = cli_opt_baud(cli, "monitor --baud", arg, 300, &baud);
			if (rc)
				return rc;
			break;
		case M_RESET:
			reset = true;
			break;
		case M_TIMESTAMPS:
			m.timestamps = true;
			break;
		default:
			if (id == GOPT_VERSION)
				break;
			rc = cli_global_apply(cli, id, arg);
			if (rc)
				return rc;
		}
	}
	if (!cli->port || !*cli->port) {
		cli_err(cli, "monitor: no serial port given: use -p PORT or set BLRESCUE_PORT");
		return EXIT_USAGE;
	}
	rc = blr_serial_open(cli->port, baud, &t, &os_err);
	if (rc) {
		if (rc == BLR_E_PERM)
			cli_err(cli,
				"permission denied opening %s; run 'sudo usermod -aG dialout "
				"$USER' and log in again",
				cli->port);
		else if (rc == BLR_E_BUSY)
			cli_err(cli,
				"port %s is busy: another program holds it (brltty, "
				"ModemManager, a serial monitor)",
				cli->port);
		else
			cli_err(cli, "cannot open %s: %s%s%s", cli->port, blr_strerror(rc),
				os_err ? ": " : "", os_err ? strerror(os_err) : "");
		return rc == BLR_E_IO ? EXIT_IOERR : cli_exit_for(rc);
	}
	if (blr_dev_new(&dev, &t)) {
		t.ops->close(t.ctx);
		return EXIT_SOFTWARE;
	}
	if (reset) {
		const char *steps = cli->after ? cli_reset_steps(cli->after, 1) : NULL;

		if (!steps || !*steps)
			steps = cli_reset_steps("dtr-rts", 1);
		if (blr_reset_steps_run(dev, steps))
			cli_warn(cli, "monitor: the reset sequence failed");
	}
	cli_info(cli, "--- blrescue monitor on %s at %u baud; leave with Ctrl-] ---", cli->port,
		 baud);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_iflag &=
		    ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
		raw.c_cflag |= CS8;
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			tty_raw = true;
	}
	m.t0 = cli_now_ms();
	rc = EXIT_OK_;
	for (;;) {
		uint8_t buf[4096];
		size_t got = 0;
		int e;

		if (cli->interrupted && *cli->interrupted) {
			rc = EXIT_INTERRUPTED;
			break;
		}
		if (stdin_open) {
			struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

			if (poll(&pfd, 1, 0) > 0) {
				ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

				if (n <= 0) {
					if (n == 0 || errno != EINTR)
						stdin_open = false;
				} else {
					uint8_t *q = memchr(buf, CTRL_RBRACKET, (size_t)n);
					size_t k = q ? (size_t)(q - buf) : (size_t)n;

					if (k && t.ops->write(t.ctx, buf, k, 1000)) {
						rc = EXIT_IOERR;
						break;
					}
					if (q)
						break;
				}
			}
		}
		e = t.ops->read(t.ctx, buf, sizeof(buf), 20, &got);
		if (got && show(&m, buf, got)) {
			rc = EXIT_IOERR;
			break;
		}
		if (e && e != BLR_E_TIMEOUT) {
			if (tty_raw)
				tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
			tty_raw = false;
			cli_err(cli, "monitor: reading %s failed: %s (unplugged?)", cli->port,
				blr_strerror(e));
			rc = EXIT_IOERR;
			break;
		}
	}
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	blr_dev_free(dev);
	cli_info(cli, "\n--- monitor closed ---");
	return rc;
}
