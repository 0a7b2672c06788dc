/* SPDX-License-Identifier: MIT */
/*
 * Verified reads against the in-process emulator (doc/protocol.md OP-7 to OP-12): blank
 * regions are found by hash and not read, random data is not probed, an unchanged base costs
 * only hashes, held blocks resume a read, a flipped byte in a read reply is repaired, a
 * corrupted hash reply neither fails a read nor makes verify say "different".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"
#include "common/hash.h"
#include "fixture.h"
#include "wiretap.h"

#define MIB (1024u * 1024u)
#define SEC BLR_SECTOR_SIZE

static void sha_of(const uint8_t *p, size_t n, uint8_t out[32])
{
	assert_int_equal(hash_sha256(p, n, out), 0);
}

/* The fixture is 56 % blank: those regions are confirmed by hash and never cross the line. */
static void blank_regions_not_read(void **state)
{
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	struct blr_read_stats st;
	uint8_t d[32], want[32];
	(void)state;

	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, NULL, d, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	sha_of(g->f.flash, 2 * MIB, want);
	assert_memory_equal(d, want, 32);
	/* 224 sectors hold data (896 KiB); everything else is blank */
	assert_true(st.bytes_blank >= 1100u * 1024u);
	assert_true(st.bytes_read <= 960u * 1024u);
	assert_true(g->w.rx_bytes <= 980u * 1024u);
	assert_true(st.probes > 0);
	assert_int_equal(st.bytes_read + st.bytes_blank, 2 * MIB);
	/* the final whole-range check is there */
	assert_true(st.bytes_hashed >= 2 * MIB);
	rig_free(g);
}

/* Incompressible data predicts nothing blank: no probe, every byte read, one hash. */
static void no_probes_on_random_data(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_read_stats st;
	(void)state;

	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, NULL, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_int_equal(st.probes, 0);
	assert_int_equal(st.hashes, 1);
	assert_int_equal(st.bytes_read, 2 * MIB);
	assert_int_equal(g->w.frames[0x3D], 1);
	rig_free(g);
}

/* A base equal to the chip: nothing is read, only hashed; a changed sector is all that is. */
static void base_read(void **state)
{
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	uint8_t *base = malloc(2 * MIB);
	struct blr_read_opts o = {.base = base};
	struct blr_read_stats st;
	(void)state;

	assert_non_null(base);
	memcpy(base, g->f.flash, 2 * MIB);
	memset(g->buf, 0, 2 * MIB);
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_int_equal(st.bytes_read, 0);
	assert_int_equal(st.bytes_base, 2 * MIB);
	assert_int_equal(g->w.frames[0x32], 0);
	assert_true(g->w.frames[0x3D] > 0);
	/* the device changed one sector since the base was taken */
	g->f.flash[0x1E9010] ^= 0x55;
	memset(&g->w.frames, 0, sizeof(g->w.frames));
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_int_equal(st.bytes_read, SEC);
	assert_int_equal(st.bytes_base, 2 * MIB - SEC);
	free(base);
	rig_free(g);
}

struct sidecar {
	struct blr_block b[1024];
	size_t n;
	uint64_t bytes;
};

static void keep_block(void *user, const struct blr_block *blk)
{
	struct sidecar *s = user;

	assert_true(s->n < 1024);
	s->b[s->n++] = *blk;
	s->bytes += blk->len;
}

/* on_block reports every byte once, each block with the chip's digest of its bytes; the
 * reported blocks, passed back as held, resume the read without reading anything. */
static void resume_from_held_blocks(void **state)
{
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	struct sidecar *sc = calloc(1, sizeof(*sc));
	struct blr_read_opts o = {.on_block = keep_block};
	struct blr_read_stats st;
	uint8_t *cover = calloc(1, 2 * MIB);
	(void)state;

	assert_non_null(sc);
	assert_non_null(cover);
	o.user = sc;
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_int_equal(sc->bytes, 2 * MIB);
	/* every block was confirmed by its own digest as it was read: no whole-range hash on
	 * top (another 2 MiB for the chip to hash, about 1 s) */
	assert_true(st.bytes_hashed < 3 * MIB); /* blank probes that failed: some hashed twice */
	for (size_t i = 0; i < sc->n; i++) {
		uint8_t d[32];

		sha_of(g->f.flash + sc->b[i].addr, sc->b[i].len, d);
		assert_memory_equal(d, sc->b[i].sha256, 32);
		for (uint32_t k = 0; k < sc->b[i].len; k++)
			assert_int_equal(cover[sc->b[i].addr + k]++, 0);
	}
	/* interrupted: the first half of the blocks is on disk, the rest is not */
	o.held = sc->b;
	o.nheld = sc->n / 2;
	o.on_block = NULL;
	memset(g->buf, 0, 2 * MIB);
	for (size_t i = 0; i < o.nheld; i++)
		memcpy(g->buf + sc->b[i].addr, g->f.flash + sc->b[i].addr, sc->b[i].len);
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_true(st.bytes_held > 0);
	assert_true(st.bytes_read + st.bytes_blank + st.bytes_held == 2 * MIB);
	/* a held block whose bytes no longer match its digest is read again, not trusted */
	o.nheld = sc->n;
	g->buf[sc->b[0].addr] ^= 0xFF;
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, &o, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_true(st.bytes_read >= sc->b[0].len);
	free(cover);
	free(sc);
	rig_free(g);
}

/* A flipped byte in one read reply (which has no checksum) is found by the hashes and read
 * again: the read succeeds, and only the affected sector came over the line twice. */
static void repair_after_flipped_byte(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_read_stats st;
	uint8_t d[32], want[32];
	(void)state;

	g->w.flip_id = 0x32;
	g->w.flip_nth = 5;
	g->w.flip_at = 0x1234;
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0x10000, g->buf, MIB, NULL, d, &st), BLR_OK);
	assert_int_equal(g->w.flipped, 1);
	assert_memory_equal(g->buf, g->f.flash + 0x10000, MIB);
	sha_of(g->f.flash + 0x10000, MIB, want);
	assert_memory_equal(d, want, 32);
	assert_int_equal(st.repairs, 1);
	assert_int_equal(st.bytes_read, MIB + SEC);
	rig_free(g);
}

/* The same piece coming back wrong every time is a failure, reported with the chip's digest
 * (the read reply has no checksum: only the hashes can tell). */
static void persistent_corruption_fails(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_read_stats st;
	uint8_t d[32], want[32];
	(void)state;

	sha_of(g->f.flash + 0x8000, 0x6000, want);
	g->w.flip_id = 0x32; /* every read reply, its first data byte */
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0x8000, g->buf, 0x6000, NULL, d, &st),
			 BLR_E_VERIFY);
	assert_memory_equal(d, want, 32);
	assert_true(st.repairs >= 3);
	rig_free(g);
}

/* A corrupted digest in the final check costs a second look, neither a failure nor reading
 * the data again; blr_flash_verify does not call equal data different on one bad reply. */
static void corrupted_hash_reply(void **state)
{
	struct rig *g = rig_new(NULL, FX_PATTERN);
	struct blr_read_stats st;
	bool eq = false;
	uint8_t d[32], want[32];
	(void)state;

	g->w.flip_id = 0x3D;
	g->w.flip_nth = 1;
	g->w.flip_at = 7;
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0x20000, g->buf, 0x30000, NULL, NULL, &st),
			 BLR_OK);
	assert_int_equal(g->w.flipped, 1);
	assert_memory_equal(g->buf, g->f.flash + 0x20000, 0x30000);
	assert_int_equal(st.bytes_read, 0x30000);
	assert_int_equal(st.repairs, 0);
	/* verify: the first reply is corrupted, the second says equal */
	g->w.flip_nth = g->w.frames[0x3D] + 1;
	g->w.flipped = 0;
	assert_int_equal(blr_flash_verify(g->f.dev, 0x20000, g->f.flash + 0x20000, 0x30000, &eq, d),
			 BLR_OK);
	assert_int_equal(g->w.flipped, 1);
	assert_true(eq);
	sha_of(g->f.flash + 0x20000, 0x30000, want);
	assert_memory_equal(d, want, 32);
	/* a real difference is still one */
	g->buf[5] ^= 1;
	assert_int_equal(blr_flash_verify(g->f.dev, 0x20000, g->buf, 0x30000, &eq, NULL), BLR_OK);
	assert_false(eq);
	rig_free(g);
}

/* Arguments, an empty range, an unaligned range with blank parts. */
static void edges_and_arguments(void **state)
{
	struct rig *g = rig_new(NULL, FX_FIXTURE_PINECONE);
	struct blr_read_stats st;
	uint8_t d[32], want[32];
	(void)state;

	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, NULL, 16, NULL, d, NULL), BLR_E_INVAL);
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0x1FF000, g->buf, 0x2000, NULL, d, NULL),
			 BLR_E_RANGE);
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0x1000, g->buf, 0, NULL, d, &st), BLR_OK);
	sha_of(NULL, 0, want);
	assert_memory_equal(d, want, 32);
	assert_int_equal(g->w.frames[0x32] + g->w.frames[0x3D], 0);
	/* unaligned both ends, across the end of the firmware into the blank region */
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0xD0123, g->buf, 0x43210, NULL, d, &st),
			 BLR_OK);
	assert_memory_equal(g->buf, g->f.flash + 0xD0123, 0x43210);
	sha_of(g->f.flash + 0xD0123, 0x43210, want);
	assert_memory_equal(d, want, 32);
	assert_true(st.bytes_blank > 0);
	rig_free(g);
}

/* An old build (21 commands, reads clamped at 0x2404, unknown to the library): the read
 * chunk is learned on the way and blank regions are skipped all the same. */
static void old_loader_read(void **state)
{
	struct emu_config cfg;
	struct rig *g;
	struct blr_read_stats st;
	(void)state;

	emu_config_defaults(&cfg);
	cfg.old_loader = true;
	g = rig_new(&cfg, FX_FIXTURE_PINECONE);
	assert_int_equal(blr_flash_read_ex(g->f.dev, 0, g->buf, 2 * MIB, NULL, NULL, &st), BLR_OK);
	assert_memory_equal(g->buf, g->f.flash, 2 * MIB);
	assert_true(st.bytes_blank >= MIB);
	/* 8 KiB chunks (learned), not 4 KiB */
	assert_true(g->w.frames[0x32] < st.bytes_read / 8192 + 16);
	rig_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(blank_regions_not_read),
	    cmocka_unit_test(no_probes_on_random_data),
	    cmocka_unit_test(base_read),
	    cmocka_unit_test(resume_from_held_blocks),
	    cmocka_unit_test(repair_after_flipped_byte),
	    cmocka_unit_test(persistent_corruption_fails),
	    cmocka_unit_test(corrupted_hash_reply),
	    cmocka_unit_test(edges_and_arguments),
	    cmocka_unit_test(old_loader_read),
	};

	return cmocka_run_group_tests_name("verified reads", tests, NULL, NULL);
}
