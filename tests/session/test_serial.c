/* SPDX-License-Identifier: MIT */
/*
 * The POSIX serial backend on a real pseudo-terminal: open, raw I/O both ways, read
 * deadlines, standard and custom baud rates, DTR/RTS (ENOTTY on a pty -> BLR_E_UNSUPPORTED),
 * low-latency mode (ENOTTY on a pty: ignored), the exclusive lock (BLR_E_BUSY), settings
 * restored on close, open errors, and the port going away (BLR_E_GONE at once). Under
 * qemu-user, which has no termios2, rates above 460800 must be refused instead (the rate
 * test skips).
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "blrescue/blrescue.h"
#include "lib/serial.h"
#include "termios2.h"

struct pty {
	int master;
	char slave[128];
};

static int pty_setup(void **state)
{
	struct pty *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	p->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (p->master < 0 || grantpt(p->master) || unlockpt(p->master) || !ptsname(p->master))
		return -1;
	strncpy(p->slave, ptsname(p->master), sizeof(p->slave) - 1);
	*state = p;
	return 0;
}

static int pty_teardown(void **state)
{
	struct pty *p = *state;

	if (p->master >= 0)
		close(p->master);
	free(p);
	return 0;
}

/* read exactly n bytes from the master within 1 s */
static size_t master_read(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		if (poll(&pf, 1, 1000) <= 0)
			break;
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void open_io_both_ways(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;
	uint8_t out[256], in[256];
	size_t got = 0;
	int os = -1;

	assert_int_equal(blr_serial_open(p->slave, 115200, &t, &os), BLR_OK);
	assert_int_equal(os, 0);
	/* raw: every byte value passes unchanged (no CR/LF mapping, no ^S/^Q, no echo) */
	for (int i = 0; i < 256; i++)
		out[i] = (uint8_t)i;
	assert_int_equal(t.ops->write(t.ctx, out, sizeof(out), 1000), BLR_OK);
	assert_int_equal(master_read(p->master, in, sizeof(in)), sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(write(p->master, out, sizeof(out)), (ssize_t)sizeof(out));
	assert_int_equal(t.ops->read(t.ctx, in, sizeof(in), 1000, &got), BLR_OK);
	assert_int_equal(got, sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	/* flush_input drops what is pending */
	assert_int_equal(write(p->master, "junk", 4), 4);
	t.ops->sleep_ms(t.ctx, 20);
	assert_int_equal(t.ops->flush_input(t.ctx), BLR_OK);
	assert_int_equal(t.ops->read(t.ctx, in, 1, 20, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 0);
	assert_int_equal(t.ops->drain(t.ctx), BLR_OK);
	t.ops->close(t.ctx);
}

static void read_deadline(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;
	uint8_t in[8];
	size_t got = 99;

	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	uint64_t t0 = t.ops->now_ms(t.ctx);

	assert_int_equal(t.ops->read(t.ctx, in, 4, 100, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 0);
	assert_true(t.ops->now_ms(t.ctx) - t0 >= 100); /* waited out the deadline */
	/* a short reply: what arrived is stored and counted */
	assert_int_equal(write(p->master, "OK", 2), 2);
	assert_int_equal(t.ops->read(t.ctx, in, 4, 100, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 2);
	assert_memory_equal(in, "OK", 2);
	/* timeout 0 = poll what is there */
	assert_int_equal(t.ops->read(t.ctx, in, 4, 0, &got), BLR_E_TIMEOUT);
	assert_int_equal(got, 0);
	t0 = t.ops->now_ms(t.ctx);
	t.ops->sleep_ms(t.ctx, 30);
	assert_true(t.ops->now_ms(t.ctx) - t0 >= 30);
	t.ops->close(t.ctx);
}

static void baud_rates(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;

	assert_int_equal(blr_serial_open(p->slave, 2000000, &t, NULL), BLR_OK);
	/* the master shares the slave's settings: this is what the emulator reads */
	assert_int_equal(serial_get_baud(p->master), 2000000);
	assert_int_equal(t.ops->set_baud(t.ctx, 500000), BLR_OK);
	assert_int_equal(serial_get_baud(p->master), 500000);
	assert_int_equal(t.ops->set_baud(t.ctx, 1234567), BLR_OK); /* custom: termios2 BOTHER */
	assert_int_equal(serial_get_baud(p->master), 1234567);
	assert_int_equal(t.ops->set_baud(t.ctx, 115200), BLR_OK);
	assert_int_equal(serial_get_baud(p->master), 115200);
	assert_int_equal(t.ops->set_baud(t.ctx, 0), BLR_E_INVAL);
	t.ops->close(t.ctx);
}

/* Without termios2 a rate without a Bnnn that works is refused, and the port keeps its rate
 * (qemu-user stores B0 for B500000 and up, and says it worked). */
static void baud_refused_without_termios2(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;
	struct termios tio;

	assert_int_equal(blr_serial_open(p->slave, 2000000, &t, NULL), BLR_E_UNSUPPORTED);
	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	assert_int_equal(t.ops->set_baud(t.ctx, 460800), BLR_OK);
	assert_int_equal(t.ops->set_baud(t.ctx, 2000000), BLR_E_UNSUPPORTED); /* TCSETS: B0 */
	assert_int_equal(t.ops->set_baud(t.ctx, 1234567), BLR_E_UNSUPPORTED); /* TCSETS2 */
	assert_int_equal(tcgetattr(p->master, &tio), 0);
	assert_int_equal(cfgetospeed(&tio), B460800); /* kept, not B0 */
	t.ops->close(t.ctx);
}

static void modem_lines_unsupported(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;

	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	assert_int_equal(t.ops->set_lines(t.ctx, 1, -1), BLR_E_UNSUPPORTED);
	assert_int_not_equal(t.ops->last_os_error(t.ctx), 0); /* ENOTTY kept */
	assert_int_equal(t.ops->set_lines(t.ctx, -1, 0), BLR_E_UNSUPPORTED);
	assert_int_equal(t.ops->set_lines(t.ctx, -1, -1), BLR_OK); /* nothing to do */
	t.ops->close(t.ctx);
}

static void exclusive_and_restore(void **state)
{
	struct pty *p = *state;
	struct blr_transport t, t2;
	struct termios before, after;
	int os = 0;

	assert_int_equal(tcgetattr(p->master, &before), 0);
	assert_true(before.c_lflag & ICANON); /* a fresh pty is cooked */
	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	assert_int_equal(blr_serial_open(p->slave, 115200, &t2, &os), BLR_E_BUSY);
	assert_int_not_equal(os, 0);
	assert_int_equal(tcgetattr(p->master, &after), 0);
	assert_false(after.c_lflag & ICANON); /* raw while open */
	t.ops->close(t.ctx);
	assert_int_equal(tcgetattr(p->master, &after), 0);
	assert_true(after.c_lflag & ICANON); /* restored */
	assert_int_equal(after.c_lflag, before.c_lflag);
	assert_int_equal(cfgetospeed(&after), cfgetospeed(&before));
	/* and the lock is gone */
	assert_int_equal(blr_serial_open(p->slave, 115200, &t2, NULL), BLR_OK);
	t2.ops->close(t2.ctx);
}

static void low_latency_ignored_on_a_pty(void **state)
{
	struct pty *p = *state;
	int fd = open(p->slave, O_RDWR | O_NOCTTY);

	/* a pty has no serial driver flags: the call fails with ENOTTY, nothing to restore */
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(serial_set_low_latency(fd), -1);
	assert_int_equal(errno, ENOTTY);
	close(fd);
}

/* Close the pty's master after a moment, as an unplugged adapter would vanish. */
static void *close_master_later(void *arg)
{
	struct pty *p = arg;
	struct timespec ts = {0, 100 * 1000 * 1000};

	nanosleep(&ts, NULL);
	close(p->master);
	p->master = -1;
	return NULL;
}

static void gone_while_reading(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;
	pthread_t th;
	uint8_t in[8];
	size_t got = 99;

	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	assert_int_equal(pthread_create(&th, NULL, close_master_later, p), 0);
	/* a read that would wait 60 s returns as soon as the other end has gone */
	assert_int_equal(t.ops->read(t.ctx, in, sizeof(in), 60000, &got), BLR_E_GONE);
	assert_int_equal(got, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.ops->write(t.ctx, in, sizeof(in), 1000), BLR_E_GONE);
	assert_int_not_equal(t.ops->last_os_error(t.ctx), 0);
	t.ops->close(t.ctx);
}

/* A hangup (what an unplugged USB adapter does to its tty): read() then returns 0 although
 * poll() says readable. Hanging up a tty needs CAP_SYS_ADMIN: skipped without it. */
static void gone_on_hangup(void **state)
{
	struct pty *p = *state;
	struct blr_transport t;
	uint8_t in[8];
	size_t got = 99;
	int fd;

	assert_int_equal(blr_serial_open(p->slave, 115200, &t, NULL), BLR_OK);
	fd = open(p->slave, O_RDWR | O_NOCTTY | O_NONBLOCK); /* TIOCEXCL: root only */
	if (fd < 0 || ioctl(fd, TIOCVHANGUP) < 0) {
		if (fd >= 0)
			close(fd);
		t.ops->close(t.ctx);
		skip();
	}
	close(fd);
	assert_int_equal(t.ops->read(t.ctx, in, sizeof(in), 60000, &got), BLR_E_GONE);
	assert_int_equal(t.ops->write(t.ctx, in, sizeof(in), 1000), BLR_E_GONE);
	t.ops->close(t.ctx);
}

static void open_errors(void **state)
{
	struct blr_transport t;
	int os = 0;
	(void)state;

	assert_int_equal(blr_serial_open("/dev/blrescue-no-such-port", 115200, &t, &os),
			 BLR_E_NOENT);
	assert_int_not_equal(os, 0);
	assert_null(t.ops);
	assert_int_equal(blr_serial_open("/dev/null", 115200, &t, &os), BLR_E_IO); /* not a tty */
	assert_int_equal(blr_serial_open(NULL, 115200, &t, &os), BLR_E_INVAL);
	assert_int_equal(blr_serial_open("/dev/null", 0, &t, &os), BLR_E_INVAL);
}

int main(void)
{
	struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(open_io_both_ways, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(read_deadline, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(baud_rates, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(modem_lines_unsupported, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(exclusive_and_restore, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(low_latency_ignored_on_a_pty, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(gone_while_reading, pty_setup, pty_teardown),
	    cmocka_unit_test_setup_teardown(gone_on_hangup, pty_setup, pty_teardown),
	    cmocka_unit_test(open_errors),
	};

	if (!have_termios2()) {
		print_message("# SKIP baud_rates: no termios2 here (qemu-user), the rates above "
			      "460800 cannot be set; checking they are refused instead\n");
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (tests[i].test_func == baud_rates)
				tests[i] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
				    baud_refused_without_termios2, pty_setup, pty_teardown);
	}
	return cmocka_run_group_tests_name("serial backend on a pty", tests, NULL, NULL);
}
