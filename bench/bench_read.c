/* SPDX-License-Identifier: MIT */
/*
 * Throughput of libblrescue against the emulator (a benchmark, not a test):
 *  1. over a real pseudo-terminal, emulator timing model off: wall time to connect, read
 *     2 MiB and have the chip hash it (what the pty and the code cost);
 *  2. in process on the virtual clock with the emulator's timing model on (10 bits per byte
 *     at the set baud, 1 ms adapter latency per reply, typical NOR timings): the time a real
 *     chip would take for connect, read, SHA-256, full and partial restore.
 * Usage: bench_read [FLASH_IMAGE]  (default: $BLR_FIXTURES/pinecone-factory-2m.bin, or
 * a generated pattern). --pty-timing also runs the pty case with the timing model (real
 * time, about 12 s at 2 Mbaud).
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
#include "synth_loader.h"

#define MIB (1024u * 1024u)

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *load_image(const char *path, size_t size)
{
	uint8_t *buf = malloc(size);
	FILE *f = path ? fopen(path, "rb") : NULL;

	if (!buf)
		return NULL;
	if (f && fread(buf, 1, size, f) == size) {
		fclose(f);
		return buf;
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
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
	double t0, t1, t2, t3;
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
	if (check(blr_flash_read(dev, 0, buf, cfg.flash_size), "read"))
		goto out;
	t2 = wall_s();
	if (check(blr_flash_sha256(dev, 0, cfg.flash_size, sha), "sha256"))
		goto out;
	t3 = wall_s();
	if (memcmp(buf, image, cfg.flash_size) != 0) {
		fprintf(stderr, "bench: data differ\n");
		goto out;
	}
	printf("pty, timing model %s: connect %.3f s, read 2 MiB %.3f s (%.0f KiB/s), "
	       "chip SHA-256 %.3f s\n",
	       timing ? "on (2 Mbaud)" : "off", t1 - t0, t2 - t1, 2048.0 / (t2 - t1), t3 - t2);
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

static double vnow(const struct blr_transport *t)
{
	return (double)emu_transport_now_us(t) / 1e6;
}

static int bench_model(const uint8_t *image, unsigned baud, const uint8_t *loader, size_t llen)
{
	struct emu_config cfg;
	struct blr_transport t;
	struct blr_dev *dev = NULL;
	struct blr_connect_opts o = {.loader = loader, .loader_len = llen, .baud = baud};
	struct blr_update_stats st;
	uint8_t *flash, *buf, sha[32];
	double t0, t1, t2, t3, t4, t5;
	struct emu *e;
	int r = 1;

	emu_config_defaults(&cfg);
	cfg.timing.enabled = true;
	flash = malloc(cfg.flash_size);
	buf = malloc(cfg.flash_size);
	if (!flash || !buf)
		return 1;
	memcpy(flash, image, cfg.flash_size);
	e = emu_new(&cfg, flash);
	if (!e || emu_transport_open(&t, e) != BLR_OK)
		return 1;
	blr_dev_new(&dev, &t);
	t0 = vnow(&t);
	if (check(blr_connect(dev, &o), "connect"))
		goto out;
	t1 = vnow(&t);
	if (check(blr_flash_read(dev, 0, buf, cfg.flash_size), "read"))
		goto out;
	t2 = vnow(&t);
	if (check(blr_flash_sha256(dev, 0, cfg.flash_size, sha), "sha256"))
		goto out;
	t3 = vnow(&t);
	/* full restore of a different image: erase + program + write check + verify */
	for (size_t i = 0; i < cfg.flash_size; i++)
		buf[i] = (uint8_t)~image[i];
	if (check(blr_flash_update(dev, 0, buf, cfg.flash_size, BLR_UPDATE_FULL, &st), "restore"))
		goto out;
	t4 = vnow(&t);
	/* partial: three sectors differ */
	buf[0x100] ^= 1;
	buf[0x80000] ^= 1;
	buf[0x1FF000] ^= 1;
	if (check(blr_flash_update(dev, 0, buf, cfg.flash_size, 0, &st), "update"))
		goto out;
	t5 = vnow(&t);
	printf("model at %u baud (1 ms latency/reply): connect+upload %.2f s, read 2 MiB %.2f s "
	       "(%.0f KiB/s), chip SHA-256 %.2f s, full restore %.2f s, "
	       "3-sector update %.2f s (%zu sectors erased)\n",
	       baud, t1 - t0, t2 - t1, 2048.0 / (t2 - t1), t3 - t2, t4 - t3, t5 - t4,
	       st.sectors_erased);
	r = 0;
out:
	blr_dev_free(dev);
	emu_free(e);
	free(flash);
	free(buf);
	return r;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("BLR_FIXTURES");
	char path[1024];
	bool pty_timing = false;
	const char *img_path = NULL;
	uint8_t *image, *loader;
	size_t llen = 0;
	int r = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pty-timing"))
			pty_timing = true;
		else
			img_path = argv[i];
	}
	if (!img_path && dir) {
		snprintf(path, sizeof(path), "%s/pinecone-factory-2m.bin", dir);
		img_path = path;
	}
	image = load_image(img_path, 2 * MIB);
	loader = synth_loader_build(SYNTH_DEADBEEF, 0, &llen);
	if (!image || !loader)
		return 1;
	r |= bench_pty(image, false, loader, llen);
	if (pty_timing)
		r |= bench_pty(image, true, loader, llen);
	r |= bench_model(image, 2000000, loader, llen);
	r |= bench_model(image, 1000000, loader, llen);
	r |= bench_model(image, 115200, loader, llen);
	free(image);
	free(loader);
	return r;
}
