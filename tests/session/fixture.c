/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../image/synth_image.h"
#include "emu_transport.h"
#include "synth_loader.h"

void fx_log(void *user, enum blr_log_level lvl, const char *msg)
{
	(void)user;
	if (getenv("BLR_TEST_VERBOSE"))
		fprintf(stderr, "# [%d] %s\n", (int)lvl, msg);
}

void fx_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 7);
	}
}

void fx_need_fixtures(void)
{
	static const char *const names[] = {"pinecone-factory-2m.bin", "openbeken-full-2m.bin"};
	const char *dir = getenv("BLR_FIXTURES");
	char path[1024];

	for (size_t i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", names[i]);
		f = dir ? fopen(path, "rb") : NULL;
		if (!f) {
			printf("# skip reason: needs %s of ../shared/fixtures (not in a public "
			       "clone)\n",
			       names[i]);
			fflush(stdout);
			skip();
		}
		fclose(f);
	}
}

uint8_t *fx_read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("BLR_FIXTURES");
	char path[1024];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
	f = dir ? fopen(path, "rb") : NULL;
	if (!f) {
		/* A public clone has no ../shared/fixtures. These tests need realistic flash
		 * content, not the dump's values: the generated bootable image stands in. */
		printf("# %s not found: using the generated 2 MiB image (synth_image.c)\n", name);
		fflush(stdout);
		buf = syn_image();
		assert_non_null(buf);
		*len = SYN_SIZE;
		return buf;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void fx_init(struct fx *f, const struct emu_config *cfg, enum fx_fill fill)
{
	memset(f, 0, sizeof(*f));
	if (cfg)
		f->cfg = *cfg;
	else
		emu_config_defaults(&f->cfg);
	if (fill == FX_FIXTURE_PINECONE) {
		size_t n = 0;

		f->flash = fx_read_fixture("pinecone-factory-2m.bin", &n);
		assert_int_equal(n, f->cfg.flash_size);
	} else {
		f->flash = malloc(f->cfg.flash_size);
		assert_non_null(f->flash);
		if (fill == FX_ERASED)
			memset(f->flash, 0xFF, f->cfg.flash_size);
		else
			fx_pattern(f->flash, f->cfg.flash_size, 7);
	}
	f->e = emu_new(&f->cfg, f->flash);
	assert_non_null(f->e);
	assert_int_equal(emu_transport_open(&f->t, f->e), BLR_OK);
	assert_int_equal(blr_dev_new(&f->dev, &f->t), BLR_OK);
	blr_dev_set_log(f->dev, fx_log, NULL, BLR_LOG_TRACE);
	f->loader = synth_loader_build(SYNTH_DEADBEEF, 0, &f->loader_len);
	assert_non_null(f->loader);
	f->opts.loader = f->loader;
	f->opts.loader_len = f->loader_len;
}

int fx_connect(struct fx *f)
{
	return blr_connect(f->dev, &f->opts);
}

void fx_free(struct fx *f)
{
	blr_dev_free(f->dev);
	emu_free(f->e);
	free(f->flash);
	free(f->loader);
	memset(f, 0, sizeof(*f));
}
