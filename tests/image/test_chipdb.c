/* SPDX-License-Identifier: MIT */
/* The chip-marking and JEDEC table (doc/flash-layout.md §7, doc/protocol.md JEDEC-2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blrescue/chipdb.h"

static void jedec_size(void **state)
{
	(void)state;
	assert_int_equal(blr_jedec_flash_size(0x13), 512 * 1024);
	assert_int_equal(blr_jedec_flash_size(0x14), 1 << 20);
	assert_int_equal(blr_jedec_flash_size(0x15), 2 << 20);
	assert_int_equal(blr_jedec_flash_size(0x16), 4 << 20);
	assert_int_equal(blr_jedec_flash_size(0x17), 8 << 20);
	assert_int_equal(blr_jedec_flash_size(0x18), 16 << 20);
	/* Macronix 0x3x codes (JID-1) */
	assert_int_equal(blr_jedec_flash_size(0x34), 1 << 20);
	assert_int_equal(blr_jedec_flash_size(0x35), 2 << 20);
	assert_int_equal(blr_jedec_flash_size(0x36), 4 << 20);
	/* absurd */
	assert_int_equal(blr_jedec_flash_size(0x00), 0);
	assert_int_equal(blr_jedec_flash_size(0xFF), 0);
	assert_int_equal(blr_jedec_flash_size(0x12), 0);
	assert_int_equal(blr_jedec_flash_size(0x19), 0); /* 32 MiB: JID-3 */
}

static void lookup(void **state)
{
	static const uint8_t w[3] = {0xEF, 0x40, 0x15}, gd[3] = {0xC8, 0x40, 0x15};
	static const uint8_t mx[3] = {0xC2, 0x25, 0x35}, none[3] = {0x12, 0x34, 0x56};
	const struct blr_flash_part *p;
	(void)state;

	p = blr_flash_part_lookup(w);
	assert_non_null(p);
	assert_string_equal(p->vendor, "Winbond");
	assert_non_null(strstr(p->part, "W25Q16JV"));
	assert_int_equal(p->size, 2 << 20);
	p = blr_flash_part_lookup(gd);
	assert_non_null(p);
	assert_string_equal(p->part, "GD25Q16E");
	p = blr_flash_part_lookup(mx);
	assert_non_null(p);
	assert_string_equal(p->part, "MX25V1633F");
	assert_int_equal(p->size, 2 << 20);
	assert_null(blr_flash_part_lookup(none));
	assert_null(blr_flash_part_lookup(NULL));
	assert_string_equal(blr_flash_vendor_name(0x5E), "Zbit");
	assert_string_equal(blr_flash_vendor_name(0x0B), "XTX");
	assert_null(blr_flash_vendor_name(0x00));
}

static void table_self_check(void **state)
{
	(void)state;
	assert_true(blr_flash_part_count() >= 60);
	for (size_t i = 0; i < blr_flash_part_count(); i++) {
		const struct blr_flash_part *p = blr_flash_part_at(i);

		assert_non_null(p->vendor);
		assert_non_null(p->source);
		/* every size agrees with the capacity rule (JID-1, JID-3): the table names no
		 * part a session would refuse */
		assert_int_equal(p->size, blr_jedec_flash_size(p->jedec[2]));
		/* no duplicate ids */
		for (size_t j = i + 1; j < blr_flash_part_count(); j++)
			assert_memory_not_equal(p->jedec, blr_flash_part_at(j)->jedec, 3);
		/* the vendor byte names the vendor, when the vendor is known */
		const char *v = blr_flash_vendor_name(p->jedec[0]);

		if (v)
			assert_string_equal(v, p->vendor);
	}
	assert_null(blr_flash_part_at(blr_flash_part_count()));
}

static void markings(void **state)
{
	static const struct {
		const char *m;
		uint32_t size;
	} want[] = {
	    {"BL602C00", 0},	   {"BL602C10", 1 << 20}, {"BL602C20", 2 << 20},
	    {"BL602C40", 4 << 20}, {"BL602L20", 2 << 20}, {"BL604E20", 2 << 20},
	};
	(void)state;

	assert_int_equal(blr_chip_marking_count(), 6);
	for (size_t i = 0; i < 6; i++) {
		bool found = false;

		for (size_t j = 0; j < blr_chip_marking_count(); j++) {
			const struct blr_chip_marking *m = blr_chip_marking_at(j);

			if (strcmp(m->marking, want[i].m) == 0) {
				assert_int_equal(m->flash_size, want[i].size);
				assert_non_null(m->note);
				found = true;
			}
		}
		assert_true(found);
	}
	assert_null(blr_chip_marking_at(6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(jedec_size),
	    cmocka_unit_test(lookup),
	    cmocka_unit_test(table_self_check),
	    cmocka_unit_test(markings),
	};
	return cmocka_run_group_tests_name("chipdb", tests, NULL, NULL);
}
