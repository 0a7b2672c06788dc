/* SPDX-License-Identifier: MIT */
/*
 * The pure helpers of the API: blr_format_size (the size text the command prints),
 * blr_hex_string (digests) and blr_sector_count (the length of blr_flash_compare's diff).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/blrescue.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static void format_size(void **state)
{
	static const struct {
		uint64_t n;
		const char *want;
	} cases[] = {
	    {0, "0 bytes"},
	    {123, "123 bytes"},
	    {1023, "1023 bytes"},
	    {KIB, "1 KiB"},
	    {4 * KIB, "4 KiB"},
	    {1536, "1536 bytes"}, /* not a KiB multiple, below 1 MiB */
	    {MIB - KIB, "1023 KiB"},
	    {MIB, "1 MiB"},
	    {2 * MIB, "2 MiB"},
	    {3 * MIB / 2, "1536 KiB"}, /* a KiB multiple wins over decimals */
	    {MIB + 1, "1.00 MiB"},
	    {2 * MIB + 5 * MIB / 1000, "2.00 MiB"}, /* 2.005 MiB, not a KiB multiple */
	    {0x12345678, "291.27 MiB"},
	    {(uint64_t)1 << 40, "1048576 MiB"},
	};
	char buf[32];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		blr_format_size(cases[i].n, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
	/* cut to the buffer, always terminated */
	blr_format_size(2 * MIB, buf, 4);
	assert_string_equal(buf, "2 M");
}

static void hex_string(void **state)
{
	static const uint8_t b[] = {0x00, 0xAB, 0x0F, 0x90, 0xFF};
	uint8_t d[32];
	char out[65];
	(void)state;

	blr_hex_string(b, sizeof(b), out);
	assert_string_equal(out, "00ab0f90ff");
	memset(out, 'x', sizeof(out));
	blr_hex_string(b, 0, out);
	assert_string_equal(out, "");
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(0x11 * (i % 16));
	blr_hex_string(d, sizeof(d), out);
	assert_int_equal(strlen(out), 64);
	assert_string_equal(out,
			    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
}

/* doc/protocol.md BAUD rules: 40 MHz / divisor, loader rounds above 970,000 and the ROM above
 * 1,250,000 to multiples of 500,000. Values worked out by hand from that rule. */
static void chip_bauds(void **state)
{
	(void)state;
	assert_int_equal(blr_loader_baud(2000000), 2000000);
	assert_int_equal(blr_loader_baud(3000000), 3000000);
	assert_int_equal(blr_loader_baud(1000000), 1000000);
	assert_int_equal(blr_loader_baud(1200000), 1000000); /* 40e6/33 = 1212121 -> 1.0 M */
	assert_int_equal(blr_loader_baud(1300000), 1500000); /* 40e6/31 = 1290322 -> 1.5 M */
	assert_int_equal(blr_loader_baud(921600), 930232);   /* 40e6/43, used as measured */
	assert_int_equal(blr_loader_baud(115200), 115273);   /* 40e6/347 */
	assert_int_equal(blr_rom_baud(1200000), 1212121);    /* the ROM keeps it */
	assert_int_equal(blr_rom_baud(2000000), 2000000);
	assert_int_equal(blr_loader_baud(12000000), 0); /* divisor 3: not measurable */
	assert_int_equal(blr_loader_baud(0), 0);
}

static void sector_count(void **state)
{
	(void)state;
	assert_int_equal(blr_sector_count(0, 0), 0);
	assert_int_equal(blr_sector_count(0x1234, 0), 0);
	assert_int_equal(blr_sector_count(0, 1), 1);
	assert_int_equal(blr_sector_count(0, BLR_SECTOR_SIZE), 1);
	assert_int_equal(blr_sector_count(0, BLR_SECTOR_SIZE + 1), 2);
	assert_int_equal(blr_sector_count(BLR_SECTOR_SIZE - 1, 2), 2); /* straddles a border */
	assert_int_equal(blr_sector_count(0x2800, 0x1801), 3); /* two partial edge sectors */
	assert_int_equal(blr_sector_count(0, 2 * MIB), 512);
	assert_int_equal(blr_sector_count(0x1000, 2 * MIB), 512);
	assert_int_equal(blr_sector_count(0x1001, 2 * MIB), 513);
	/* the top of the 32-bit address space does not wrap */
	assert_int_equal(blr_sector_count(0xFFFFF000u, BLR_SECTOR_SIZE), 1);
	assert_int_equal(blr_sector_count(0xFFFFFFFFu, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(format_size),
	    cmocka_unit_test(hex_string),
	    cmocka_unit_test(sector_count),
	    cmocka_unit_test(chip_bauds),
	};
	return cmocka_run_group_tests_name("API helpers", tests, NULL, NULL);
}
