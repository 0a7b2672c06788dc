/* SPDX-License-Identifier: MIT */
/*
 * The NOR flash (doc/protocol.md EMU-12): the caller's buffer, addresses wrap at its size, erase
 * sets 0xFF, programming can only clear bits (WRITE-2). Every change is reported through
 * emu_config.flash_changed and counted for emu_bytes_erased() / emu_bytes_programmed().
 * Durations come from the timing model (zero when it is off).
 */
#include <string.h>

#include "emu_int.h"
#include "hash.h"

static void changed(struct emu *e, uint32_t off, uint32_t len)
{
	if (e->cfg.flash_changed && len)
		e->cfg.flash_changed(e->cfg.flash_user, off, len);
}

/* Erase [addr, addr+len) modulo the flash size. */
void flash_erase(struct emu *e, uint64_t addr, uint64_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	e->st.erased += len;
	if (len >= size) {
		memset(e->flash, 0xFF, (size_t)size);
		changed(e, 0, (uint32_t)size);
		return;
	}
	while (len) {
		uint32_t a = (uint32_t)(addr & e->mask);
		uint64_t n = size - a < len ? size - a : len;
		memset(e->flash + a, 0xFF, (size_t)n);
		changed(e, a, (uint32_t)n);
		addr += n;
		len -= n;
	}
}

void flash_program(struct emu *e, uint32_t addr, const uint8_t *d, size_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	e->st.programmed += len;
	while (len) {
		uint32_t a = addr & e->mask;
		size_t n = (size_t)(size - a < len ? size - a : len);
		for (size_t i = 0; i < n; i++)
			e->flash[a + i] &= d[i];
		changed(e, a, (uint32_t)n);
		addr += (uint32_t)n;
		d += n;
		len -= n;
	}
}

void flash_read(const struct emu *e, uint32_t addr, uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		d[i] = e->flash[(addr + i) & e->mask];
}

bool flash_blank(const struct emu *e, uint32_t start, uint64_t len)
{
	uint64_t size = (uint64_t)e->mask + 1;

	if (len > size)
		len = size;
	for (uint64_t i = 0; i < len; i++)
		if (e->flash[(start + i) & e->mask] != 0xFF)
			return false;
	return true;
}

/* SHA-256 of [addr, addr+len) (wrapping); -1 when out of memory. */
int flash_sha256(const struct emu *e, uint32_t addr, uint32_t len, uint8_t out[32])
{
	struct hash_sha256_ctx *c = hash_sha256_new();
	uint8_t blk[4096];

	if (!c)
		return -1;
	for (uint64_t off = 0; off < len;) {
		size_t k = len - off < sizeof(blk) ? (size_t)(len - off) : sizeof(blk);
		flash_read(e, (uint32_t)(addr + off), blk, k);
		hash_sha256_update(c, blk, k);
		off += k;
	}
	hash_sha256_final(c, out);
	hash_sha256_free(c);
	return 0;
}

/* Programming time: per started 256-byte page. */
uint64_t flash_program_us(const struct emu *e, size_t len)
{
	if (!e->cfg.timing.enabled)
		return 0;
	return (uint64_t)((len + 255) / 256) * e->cfg.timing.page_program_us;
}

/* An erase duration: the timing model's, times the slow-erase factor (EMU-20), which also
 * applies with the model off. */
static uint64_t erase_us(const struct emu *e, uint64_t us)
{
	if (e->fault.slow_x100 != 100)
		return us * e->fault.slow_x100 / 100u;
	return e->cfg.timing.enabled ? us : 0;
}

/* Erase time of one 4, 32 or 64 KiB step. */
uint64_t flash_erase_us(const struct emu *e, uint32_t step)
{
	if (step == 0x10000)
		return erase_us(e, e->cfg.timing.block64_erase_us);
	if (step == 0x8000)
		return erase_us(e, e->cfg.timing.block32_erase_us);
	return erase_us(e, e->cfg.timing.sector_erase_us);
}

uint64_t flash_chip_erase_us(const struct emu *e)
{
	return erase_us(e, e->cfg.timing.chip_erase_us);
}

/* Hardware SHA time of len bytes. */
uint64_t flash_sha_us(const struct emu *e, uint32_t len)
{
	if (!e->cfg.timing.enabled || !e->cfg.timing.sha_bytes_per_ms)
		return 0;
	return (uint64_t)len * 1000u / e->cfg.timing.sha_bytes_per_ms;
}
