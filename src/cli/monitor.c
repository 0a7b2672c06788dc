/* SPDX-License-Identifier: MIT */
/*
 * `blrescue monitor`: a raw serial console. What the chip sends goes to standard output, what
 * the user types goes to the chip; Ctrl-] leaves. The terminal (a console on Windows) is put in
 * raw mode only when standard input is one, and is restored on every exit path (signals set a
 * flag that the loop polls every 20 ms).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

#define CTRL_RBRACKET 0x1d

enum { M_BAUD = 1, M_RESET, M_TIMESTAMPS };

struct mon {
	struct cli *cli;
	bool timestamps, reset;
	bool line_start;
	unsigned baud;
	uint64_t t0;
	struct blr_transport t;
	struct blr_dev *dev;
	struct plat_stdin *in; /* standard input, raw while it is a terminal */
};

static int show(struct mon *m, const uint8_t *b, size_t n)
{
	if (!m->timestamps)
		return cli_write_all(1, b, n);
	for (size_t i = 0; i < n; i++) {
		if (m->line_start) {
			char ts[32];
			uint64_t el = cli_now_ms() - m->t0;
			int k = snprintf(ts, sizeof(ts), "[%5" PRIu64 ".%03" PRIu64 "] ", el / 1000,
					 el % 1000);

			if (cli_write_all(1, (const uint8_t *)ts, (size_t)k))
				return -1;
			m->line_start = false;
		}
		if (cli_write_all(1, b + i, 1))
			return -1;
		if (b[i] == '\n')
			m->line_start = true;
	}
	return 0;
}

/* The options. Returns 0, an exit code, or -1 when --help was printed. */
static int mon_args(struct mon *m, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"baud", 'b', OPT_ARG, M_BAUD},
	    {"reset", 0, OPT_NONE, M_RESET},
	    {"timestamps", 't', OPT_NONE, M_TIMESTAMPS},
	    {NULL, 0, 0, 0},
	};
	struct cli *cli = m->cli;
	struct cli_optparse p;
	const char *arg;
	int id, rc;

	cli_optparse_init(&p, argc, argv, 1, "monitor");
	while ((id = cli_optparse_next(&p, cli, opts, true, &arg)) != OPTP_END) {
		switch (id) {
		case OPTP_ERROR:
			return EXIT_USAGE;
		case GOPT_HELP:
			cli_usage("monitor", stdout);
			return -1;
		case OPTP_POSITIONAL:
			cli_err(cli, "monitor: unexpected argument '%s'", arg);
			return EXIT_USAGE;
		case M_BAUD:
			rc = cli_opt_baud(cli, "monitor --baud", arg, 300, &m->baud);
			if (rc)
				return rc;
			break;
		case M_RESET:
			m->reset = true;
			break;
		case M_TIMESTAMPS:
			m->timestamps = true;
			break;
		default:
			if (id == GOPT_VERSION)
				break;
			rc = cli_global_apply(cli, id, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Open the port (and reset the chip with --reset). Returns 0 or an exit code. */
static int mon_open(struct mon *m)
{
	struct cli *cli = m->cli;
	int rc, os_err = 0;

	rc = cli_port_choose(cli, "monitor", 0, m->baud, "--baud");
	if (rc)
		return rc;
	rc = blr_serial_open(cli->port, m->baud, &m->t, &os_err);
	if (rc)
		return cli_port_open_error(cli, cli->port, rc, os_err);
	if (blr_dev_new(&m->dev, &m->t)) {
		m->t.ops->close(m->t.ctx);
		return EXIT_SOFTWARE;
	}
	if (m->reset) {
		const char *steps = cli->after ? cli_reset_steps(cli->after, 1) : NULL;

		if (!steps || !*steps)
			steps = cli_reset_steps("dtr-rts", 1);
		if (blr_reset_steps_run(m->dev, steps))
			cli_warn(cli, "monitor: the reset sequence failed");
	}
	return 0;
}

/* What the user typed goes to the chip, up to a Ctrl-]. Returns 0, -1 after a Ctrl-], or
 * EXIT_IOERR. */
static int forward_input(struct mon *m)
{
	uint8_t buf[4096], *q;
	ssize_t n = plat_stdin_read(m->in, buf, sizeof(buf));
	size_t k;

	if (n <= 0)
		return 0; /* nothing now, or the end of the input: the chip's output goes on */
	q = memchr(buf, CTRL_RBRACKET, (size_t)n);
	k = q ? (size_t)(q - buf) : (size_t)n;
	if (k && m->t.ops->write(m->t.ctx, buf, k, 1000))
		return EXIT_IOERR;
	return q ? -1 : 0;
}

/* Until Ctrl-], a signal or an error. Returns an exit code. */
static int pump(struct mon *m)
{
	struct cli *cli = m->cli;

	for (;;) {
		uint8_t buf[4096];
		size_t got = 0;
		int e;

		if (cli->interrupted && *cli->interrupted)
			return EXIT_INTERRUPTED;
		e = forward_input(m);
		if (e)
			return e < 0 ? EXIT_OK_ : e;
		e = m->t.ops->read(m->t.ctx, buf, sizeof(buf), 20, &got);
		if (got && show(m, buf, got))
			return EXIT_IOERR;
		if (e && e != BLR_E_TIMEOUT) {
			plat_stdin_close(m->in);
			m->in = NULL;
			if (e == BLR_E_GONE)
				cli_err(cli, "monitor: the port went away (adapter unplugged?)");
			else
				cli_err(cli, "monitor: reading %s failed: %s (unplugged?)",
					cli->port, blr_strerror(e));
			return EXIT_IOERR;
		}
	}
}

int cmd_monitor(struct cli *cli, int argc, char **argv)
{
	struct mon m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.cli = cli;
	m.line_start = true;
	m.baud = 115200;
	rc = mon_args(&m, argc, argv);
	if (rc)
		return rc < 0 ? EXIT_OK_ : rc;
	rc = mon_open(&m);
	if (rc)
		return rc;
	cli_info(cli, "--- blrescue monitor on %s at %u baud; leave with Ctrl-] ---", cli->port,
		 m.baud);
	m.in = plat_stdin_open();
	plat_stdout_binary(); /* the chip's bytes as they come */
	m.t0 = cli_now_ms();
	rc = pump(&m);
	plat_stdin_close(m.in);
	blr_dev_free(m.dev);
	cli_info(cli, "\n--- monitor closed ---");
	return rc;
}
