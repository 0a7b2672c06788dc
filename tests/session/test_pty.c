/* SPDX-License-Identifier: MIT */
/*
 * libblrescue over a REAL pseudo-terminal: the emulator serves the pty master in a thread
 * (emu_pty_serve), the library opens the slave with its POSIX serial backend. Connect,
 * upload the synthetic loader, read the whole 2 MiB fixture back, SHA-256 agreement,
 * a partial update; real time, so no timing model. And a port that goes away while the
 * library waits for the chip: BLR_E_GONE at once, nothing retried. Skipped where the library
 * cannot set the default rates (qemu-user has no termios2).
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "blrescue/blrescue.h"
#include "common/hash.h"
#include "emu/emu.h"
#include "fixture.h"
#include "synth_loader.h"
#include "termios2.h"

#define MIB (1024u * 1024u)

struct server {
	struct emu *e;
	int master;
	volatile int stop;
	int ret;
	pthread_t th;
};

/* A new pty: its master fd, the slave's path in slave[128]. */
static int open_pty(char slave[128])
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	strncpy(slave, ptsname(m), 127);
	slave[127] = '\0';
	return m;
}

static void *serve(void *arg)
{
	struct server *s = arg;

	s->ret = emu_pty_serve(s->e, s->master, &s->stop);
	return NULL;
}

static void pty_read_fixture(void **state)
{
	struct emu_config cfg;
	struct server s = {0};
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {0};
	struct blr_chip_info ci;
	size_t n = 0, llen = 0;
	uint8_t *flash = fx_read_fixture("pinecone-factory-2m.bin", &n);
	uint8_t *file = malloc(n), *buf = malloc(n), *loader;
	uint8_t chip[32], host[32], patch[3000];
	char slave[128];
	(void)state;

	assert_non_null(file);
	assert_non_null(buf);
	memcpy(file, flash, n);
	emu_config_defaults(&cfg);
	assert_int_equal(cfg.flash_size, n);
	s.e = emu_new(&cfg, flash);
	assert_non_null(s.e);
	s.master = open_pty(slave);
	assert_int_equal(pthread_create(&s.th, NULL, serve, &s), 0);

	assert_int_equal(blr_serial_open(slave, BLR_DEFAULT_ROM_BAUD, &t, NULL), BLR_OK);
	assert_int_equal(blr_dev_new(&dev, &t), BLR_OK);
	blr_dev_set_log(dev, fx_log, NULL, BLR_LOG_DEBUG);
	loader = synth_loader_build(SYNTH_DEADBEEF, 0, &llen);
	assert_non_null(loader);
	o.loader = loader;
	o.loader_len = llen;
	assert_int_equal(blr_connect(dev, &o), BLR_OK);
	assert_int_equal(blr_get_info(dev, &ci), BLR_OK);
	assert_int_equal(ci.flash_size, 2 * MIB);
	assert_int_equal(ci.rom_version, 1);

	assert_int_equal(blr_flash_read(dev, 0, buf, n), BLR_OK);
	assert_memory_equal(buf, file, n);
	assert_int_equal(blr_flash_sha256(dev, 0, (uint32_t)n, chip), BLR_OK);
	assert_int_equal(hash_sha256(file, n, host), 0);
	assert_memory_equal(chip, host, 32);

	/* a small partial restore over the line */
	fx_pattern(patch, sizeof(patch), 4);
	memcpy(file + 0x1F0100, patch, sizeof(patch));
	assert_int_equal(blr_flash_update(dev, 0x1F0100, patch, sizeof(patch), 0, NULL), BLR_OK);
	assert_int_equal(blr_flash_read(dev, 0x1F0000, buf, 0x2000), BLR_OK);
	assert_memory_equal(buf, file + 0x1F0000, 0x2000);

	blr_dev_free(dev); /* closes the port, restores its settings */
	s.stop = 1;
	assert_int_equal(pthread_join(s.th, NULL), 0);
	assert_int_equal(s.ret, 0);
	assert_memory_equal(flash, file, n); /* the emulator's flash, byte for byte */
	close(s.master);
	emu_free(s.e);
	free(loader);
	free(flash);
	free(file);
	free(buf);
}

struct closer {
	int master;
	unsigned after_ms;
};

static void *close_later(void *arg)
{
	struct closer *c = arg;
	struct timespec ts = {(time_t)(c->after_ms / 1000), (long)(c->after_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	close(c->master);
	return NULL;
}

static void pty_gone_while_connecting(void **state)
{
	struct closer c = {.after_ms = 300};
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {0};
	struct blr_chip_info ci;
	pthread_t th;
	char slave[128];
	(void)state;

	/* nobody answers on this pty: blr_connect probes and handshakes for seconds, until the
	 * other end goes away (an unplugged adapter); then it stops at once with BLR_E_GONE */
	c.master = open_pty(slave);
	assert_int_equal(blr_serial_open(slave, BLR_DEFAULT_ROM_BAUD, &t, NULL), BLR_OK);
	assert_int_equal(blr_dev_new(&dev, &t), BLR_OK);
	blr_dev_set_log(dev, fx_log, NULL, BLR_LOG_DEBUG);
	assert_int_equal(pthread_create(&th, NULL, close_later, &c), 0);
	assert_int_equal(blr_connect(dev, &o), BLR_E_GONE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(blr_connect(dev, &o), BLR_E_GONE); /* and stays gone */
	assert_int_equal(blr_get_info(dev, &ci), BLR_E_GONE);
	blr_dev_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pty_read_fixture),
	    cmocka_unit_test(pty_gone_while_connecting),
	};

	if (!have_termios2()) {
		printf(
		    "1..0 # SKIP no termios2 here (qemu-user): the default rates cannot be set\n");
		return 0;
	}
	return cmocka_run_group_tests_name("library <-> emulator over a pty", tests, NULL, NULL);
}
