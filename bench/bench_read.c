/* SPDX-License-Identifier: MIT */
/*
 * Throughput of libblrescue against the emulator (a benchmark, not a test):
 *  1. over a real pseudo-terminal, emulator timing model off: wall time to connect, read
 *     2 MiB and have the chip hash it (what the pty and the code cost);
 *  2. in process on the virtual clock with the emulator's timing model on (10 bits per byte
 *     at 2,000,000 baud, 1 ms or 16 ms adapter latency per reply, typical NOR timings, the
 *     chip hashing 2,000 bytes/ms): the time a real chip would take for each flash operation
 *     below, measured from the start of the operation (connect and loader upload are
 *     reported separately). The loader is treated as the known 37 920-byte build (16 KiB
 *     frames, decompress-write), as the synthetic loader stands in for it.
 * Scenarios: verified dump (blr_flash_read_ex) of the PineCone fixture and of random data, a
 * dump given the unchanged previous dump as base, and updates (blr_flash_update) of the
 * fixture onto an erased chip, of the same contents, of OpenBeken over PineCone and of random
 * data over other random data. Each line also names what went over the line; the host time
 * of a run (the emulator's work and the xz compression included) is printed for the 16 ms
 * run.
 * Usage: bench_read [--pty-timing]  ($BLR_FIXTURES holds the fixtures). --pty-timing also
 * runs the pty case with the timing model (real time, about 12 s).
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blrescue/blrescue.h"
#include "common/hash.h"
#include "emu/emu.h"
#include "emu_transport.h"
#include "lib/dev.h"	/* pretend the known new build (as tests/session does) */
#include "lib/loader.h" /* its name and limits */
#include "synth_loader.h"

#define MIB	 (1024u * 1024u)
#define FLASH_SZ (2 * MIB)

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *load_fixture(const char *name)
{
	const char *dir = getenv("BLR_FIXTURES");
	char path[1024];
	uint8_t *buf = malloc(FLASH_SZ);
	FILE *f;

	if (!buf)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/fixtures", name);
	f = fopen(path, "rb");
	if (!f || fread(buf, 1, FLASH_SZ, f) != FLASH_SZ) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static uint8_t *random_image(uint32_t seed)
{
	uint8_t *buf = malloc(FLASH_SZ);
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; buf && i < FLASH_SZ; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 7);
	}
	return buf;
}

struct server {
	struct emu *e;
	int master;
	volatile int stop;
	pthread_t th;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	emu_pty_serve(s->e, s->master, &s->stop);
	return NULL;
}

static int check(int r, const char *what)
{
	if (r != BLR_OK)
		fprintf(stderr, "bench: %s: %s\n", what, blr_strerror(r));
	return r;
}

static int bench_pty(const uint8_t *image, bool timing, const uint8_t *loader, size_t llen)
{
	struct emu_config cfg;
	struct server s = {0};
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {.loader = loader, .loader_len = llen};
	uint8_t *flash, *buf, sha[32];
	double t0, t1, t2;
	int r = 1;

	emu_config_defaults(&cfg);
	cfg.timing.enabled = timing;
	flash = malloc(cfg.flash_size);
	buf = malloc(cfg.flash_size);
	if (!flash || !buf)
		return 1;
	memcpy(flash, image, cfg.flash_size);
	s.e = emu_new(&cfg, flash);
	s.master = posix_openpt(O_RDWR | O_NOCTTY);
	if (!s.e || s.master < 0 || grantpt(s.master) || unlockpt(s.master))
		return 1;
	pthread_create(&s.th, NULL, serve, &s);
	if (check(blr_serial_open(ptsname(s.master), BLR_DEFAULT_ROM_BAUD, &t, NULL), "open"))
		goto out;
	blr_dev_new(&dev, &t);
	t0 = wall_s();
	if (check(blr_connect(dev, &o), "connect"))
		goto out;
	t1 = wall_s();
	if (check(blr_flash_read_verified(dev, 0, buf, cfg.flash_size, sha), "read"))
		goto out;
	t2 = wall_s();
	if (memcmp(buf, image, cfg.flash_size) != 0) {
		fprintf(stderr, "bench: data differ\n");
		goto out;
	}
	printf("pty, timing model %s: connect %.3f s, verified read of 2 MiB %.3f s\n",
	       timing ? "on (2 Mbaud)" : "off", t1 - t0, t2 - t1);
	r = 0;
out:
	blr_dev_free(dev);
	s.stop = 1;
	pthread_join(s.th, NULL);
	close(s.master);
	emu_free(s.e);
	free(flash);
	free(buf);
	return r;
}

/* ---- the timing model on the virtual clock -------------------------------------------- */

enum op {
	OP_READ,      /* verified dump */
	OP_READ_BASE, /* verified dump given the previous dump (arg) */
	OP_UPDATE,    /* bring the chip to arg */
};

struct scenario {
	const char *name;
	const uint8_t *chip; /* flash contents before */
	enum op op;
	const uint8_t *arg;
};

struct session {
	struct emu *e;
	struct blr_transport t;
	struct blr_dev *dev;
	uint8_t *flash;
	double connect_s;
};

static double vnow(const struct blr_transport *t)
{
	return (double)emu_transport_now_us(t) / 1e6;
}

/* Pretend the loader is the known 37 920-byte build (as blr_connect would set it up). */
static void known_build(struct blr_dev *dev)
{
	size_t n = 0;
	const struct loader_build *b = loader_known_builds(&n);

	for (size_t i = 0; i < n; i++)
		if (b[i].size == 37920 && b[i].feat) {
			dev->info.loader_build = b[i].name;
			dev->frame_limit = b[i].feat->frame_limit;
			dev->has_boot_info = b[i].feat->has_get_boot_info;
			dev->read_chunk = 0;
			dev->read_chunk_probed = false;
		}
}

static int session_open(struct session *s, const uint8_t *chip, unsigned latency_ms,
			const uint8_t *loader, size_t llen)
{
	struct emu_config cfg;
	struct blr_connect_opts o = {.loader = loader, .loader_len = llen};
	double t0;

	memset(s, 0, sizeof(*s));
	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	cfg.timing.latency_us = latency_ms * 1000u;
	s->flash = malloc(cfg.flash_size);
	if (!s->flash)
		return 1;
	memcpy(s->flash, chip, cfg.flash_size);
	s->e = emu_new(&cfg, s->flash);
	if (!s->e || emu_transport_open(&s->t, s->e) != BLR_OK ||
	    blr_dev_new(&s->dev, &s->t) != BLR_OK)
		return 1;
	t0 = vnow(&s->t);
	if (check(blr_connect(s->dev, &o), "connect"))
		return 1;
	s->connect_s = vnow(&s->t) - t0;
	known_build(s->dev);
	return 0;
}

static void session_close(struct session *s)
{
	blr_dev_free(s->dev);
	emu_free(s->e);
	free(s->flash);
}

/* Run one scenario; *secs gets the operation's virtual time. Checks the outcome. */
static int run_op(struct session *s, const struct scenario *sc, double *secs, char *note,
		  size_t cap)
{
	uint8_t *buf = malloc(FLASH_SZ), sha[32];
	struct blr_update_stats st = {0};
	double t0 = vnow(&s->t);
	int r;

	if (!buf)
		return 1;
	note[0] = 0;
	if (sc->op == OP_UPDATE) {
		r = check(blr_flash_update(s->dev, 0, sc->arg, FLASH_SZ, 0, &st), sc->name);
		if (r == BLR_OK && memcmp(s->flash, sc->arg, FLASH_SZ) != 0)
			r = BLR_E_VERIFY;
		snprintf(note, cap,
			 "%zu KiB sent raw, %zu KiB as xz (%zu KiB out), %zu sectors "
			 "erased (%zu/%zu/%zu x 4/32/64K), %u hashes (%zu KiB)",
			 (size_t)(st.bytes_sent_raw >> 10), (size_t)(st.bytes_sent_xz >> 10),
			 (size_t)(st.bytes_xz_out >> 10), st.sectors_erased, st.erases_4k,
			 st.erases_32k, st.erases_64k, st.hashes, (size_t)(st.bytes_hashed >> 10));
	} else {
		struct blr_read_opts o = {.base = sc->op == OP_READ_BASE ? sc->arg : NULL};
		struct blr_read_stats rs = {0};

		if (sc->op == OP_READ_BASE)
			memset(buf, 0, FLASH_SZ);
		r = check(blr_flash_read_ex(s->dev, 0, buf, FLASH_SZ, &o, sha, &rs), sc->name);
		if (r == BLR_OK && memcmp(buf, sc->chip, FLASH_SZ) != 0)
			r = BLR_E_VERIFY;
		snprintf(note, cap, "%zu KiB read, %u hashes (%zu KiB), %u probes",
			 (size_t)(rs.bytes_read >> 10), rs.hashes, (size_t)(rs.bytes_hashed >> 10),
			 rs.probes);
	}
	*secs = vnow(&s->t) - t0;
	free(buf);
	return r != BLR_OK;
}

static int bench_model(const struct scenario *sc, size_t n, const uint8_t *loader, size_t llen)
{
	static const unsigned latencies[] = {1, 16};
	int rc = 0;

	printf("\nvirtual time at 2,000,000 baud (connect excluded)   %12s %12s\n", "1 ms",
	       "16 ms");
	for (size_t i = 0; i < n; i++) {
		double secs[2] = {0, 0}, conn = 0, host = 0;
		char note[2][200];

		for (size_t l = 0; l < 2; l++) {
			struct session s;
			double w0;

			if (session_open(&s, sc[i].chip, latencies[l], loader, llen))
				rc = 1;
			w0 = wall_s();
			if (!rc && run_op(&s, &sc[i], &secs[l], note[l], sizeof(note[l]))) {
				fprintf(stderr, "bench: %s failed\n", sc[i].name);
				rc = 1;
			}
			host = wall_s() - w0;
			conn = s.connect_s;
			session_close(&s);
		}
		printf("  %-50s %10.2f s %10.2f s\n", sc[i].name, secs[0], secs[1]);
		printf("      1 ms: %s\n     16 ms: %s\n      (host time of the run, emulator "
		       "included: %.2f s)\n",
		       note[0], note[1], host);
		if (i + 1 == n)
			printf("  (connect + loader upload: %.2f s at 16 ms)\n", conn);
	}
	return rc;
}

int main(int argc, char **argv)
{
	bool pty_timing = argc > 1 && !strcmp(argv[1], "--pty-timing");
	uint8_t *pine = load_fixture("pinecone-factory-2m.bin");
	uint8_t *obk = load_fixture("openbeken-full-2m.bin");
	uint8_t *rnd = random_image(1), *rnd2 = random_image(2), *blank = malloc(FLASH_SZ);
	uint8_t *loader;
	size_t llen = 0;
	int r = 0;

	loader = synth_loader_build(SYNTH_DEADBEEF, 0, &llen);
	if (!pine || !obk || !rnd || !rnd2 || !blank || !loader)
		return 1;
	memset(blank, 0xFF, FLASH_SZ);
	{
		const struct scenario sc[] = {
		    {"read: PineCone fixture", pine, OP_READ, NULL},
		    {"read: random data", rnd, OP_READ, NULL},
		    {"read: PineCone, base = unchanged previous dump", pine, OP_READ_BASE, pine},
		    {"write: PineCone onto an erased chip", blank, OP_UPDATE, pine},
		    {"write: PineCone onto PineCone (identical)", pine, OP_UPDATE, pine},
		    {"write: OpenBeken over PineCone", pine, OP_UPDATE, obk},
		    {"write: random over other random data", rnd, OP_UPDATE, rnd2},
		};

		r |= bench_pty(pine, false, loader, llen);
		if (pty_timing)
			r |= bench_pty(pine, true, loader, llen);
		r |= bench_model(sc, sizeof(sc) / sizeof(sc[0]), loader, llen);
	}
	free(pine);
	free(obk);
	free(rnd);
	free(rnd2);
	free(blank);
	free(loader);
	return r;
}
