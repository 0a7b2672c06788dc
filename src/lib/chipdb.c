/* SPDX-License-Identifier: MIT */
/* Chip markings and SPI-flash JEDEC ids (doc/flash-layout.md §7; doc/protocol.md JEDEC-2). */
#include <string.h>

#include "blrescue/chipdb.h"

#define K 1024u
#define M (1024u * 1024u)

static const struct blr_flash_part parts[] = {
    {{0xEF, 0x40, 0x14}, "Winbond", NULL, 1 * M, "SDK+MCU"},
    {{0xEF, 0x40, 0x15}, "Winbond", "W25Q16JV/DV", 2 * M, "SDK+MCU"},
    {{0xEF, 0x70, 0x15}, "Winbond", "W25Q16JV-DTR/IM", 2 * M, "SDK+MCU"},
    {{0xEF, 0x40, 0x16}, "Winbond", NULL, 4 * M, "SDK+MCU"},
    {{0xEF, 0x60, 0x14}, "Winbond", "W25QxxEW/FW (1.8 V)", 1 * M, "SDK+MCU"},
    {{0xEF, 0x60, 0x15}, "Winbond", "W25QxxEW/FW (1.8 V)", 2 * M, "SDK+MCU"},
    {{0xEF, 0x60, 0x16}, "Winbond", "W25QxxEW/FW (1.8 V)", 4 * M, "SDK+MCU"},
    {{0xEF, 0x60, 0x18}, "Winbond", "W25QxxEW/FW (1.8 V)", 16 * M, "SDK+MCU"},
    {{0xEF, 0x80, 0x16}, "Winbond", "W25Q32JW", 4 * M, "SDK+MCU"},
    {{0xEF, 0x70, 0x18}, "Winbond", NULL, 16 * M, "MCU"},
    {{0xC8, 0x40, 0x14}, "GigaDevice", NULL, 1 * M, "SDK+MCU"},
    {{0xC8, 0x40, 0x15}, "GigaDevice", "GD25Q16E", 2 * M, "SDK+MCU"},
    {{0xC8, 0x40, 0x16}, "GigaDevice", NULL, 4 * M, "SDK+MCU"},
    {{0xC8, 0x40, 0x18}, "GigaDevice", NULL, 16 * M, "MCU"},
    {{0xC8, 0x60, 0x14}, "GigaDevice", "(1.8 V)", 1 * M, "SDK+MCU"},
    {{0xC8, 0x60, 0x15}, "GigaDevice", "(1.8 V)", 2 * M, "SDK+MCU"},
    {{0xC8, 0x60, 0x16}, "GigaDevice", "(1.8 V)", 4 * M, "SDK+MCU"},
    {{0xC8, 0x60, 0x17}, "GigaDevice", "(1.8 V)", 8 * M, "MCU"},
    {{0xC8, 0x65, 0x14}, "GigaDevice", "GD25WQ", 1 * M, "SDK+MCU"},
    {{0xC8, 0x65, 0x15}, "GigaDevice", "GD25WQ", 2 * M, "SDK+MCU"},
    {{0xC8, 0x65, 0x16}, "GigaDevice", "GD25WQ", 4 * M, "SDK+MCU"},
    {{0x20, 0x40, 0x14}, "XMC", "XM25QH80B", 1 * M, "MCU"},
    {{0x20, 0x40, 0x15}, "XMC", "XM25QH16C", 2 * M, "MCU"},
    {{0x20, 0x40, 0x16}, "XMC", "XM25QE32C", 4 * M, "MCU"},
    {{0x20, 0x40, 0x17}, "XMC", NULL, 8 * M, "MCU"},
    {{0x20, 0x40, 0x18}, "XMC", NULL, 16 * M, "MCU"},
    {{0x85, 0x60, 0x14}, "Puya", "P25Q80H", 1 * M, "SDK+MCU"},
    {{0x85, 0x60, 0x15}, "Puya", "P25Q16H", 2 * M, "SDK+MCU"},
    {{0x85, 0x60, 0x16}, "Puya", NULL, 4 * M, "SDK+MCU"},
    {{0x85, 0x60, 0x17}, "Puya", NULL, 8 * M, "SDK+MCU"},
    {{0x85, 0x20, 0x14}, "Puya", "PY25Q..HB", 1 * M, "MCU"},
    {{0x85, 0x20, 0x15}, "Puya", "PY25Q..HB", 2 * M, "MCU"},
    {{0x85, 0x20, 0x16}, "Puya", "PY25Q..HB", 4 * M, "MCU"},
    {{0x85, 0x20, 0x17}, "Puya", "PY25Q..HB", 8 * M, "MCU"},
    {{0x85, 0x20, 0x18}, "Puya", "PY25Q..HB", 16 * M, "MCU"},
    {{0x5E, 0x60, 0x13}, "Zbit", NULL, 512 * K, "SDK+MCU"},
    {{0x5E, 0x60, 0x14}, "Zbit", NULL, 1 * M, "SDK+MCU"},
    {{0x5E, 0x60, 0x15}, "Zbit", "ZB25VQ16", 2 * M, "MCU"},
    {{0x5E, 0x40, 0x15}, "Zbit", "ZB25Q16B", 2 * M, "MCU"},
    {{0x5E, 0x40, 0x16}, "Zbit", "ZB25Q32B", 4 * M, "MCU"},
    {{0x5E, 0x40, 0x17}, "Zbit", NULL, 8 * M, "MCU"},
    {{0x5E, 0x40, 0x18}, "Zbit", NULL, 16 * M, "MCU"},
    {{0x5E, 0x32, 0x13}, "Zbit", NULL, 512 * K, "MCU"},
    {{0x5E, 0x32, 0x14}, "Zbit", NULL, 1 * M, "MCU"},
    {{0x5E, 0x34, 0x15}, "Zbit", NULL, 2 * M, "MCU"},
    {{0x68, 0x40, 0x15}, "Boya", "BY25Q16BS", 2 * M, "SDK+MCU"},
    {{0x68, 0x40, 0x16}, "Boya", NULL, 4 * M, "SDK+MCU"},
    {{0x68, 0x40, 0x17}, "Boya", NULL, 8 * M, "SDK+MCU"},
    {{0x68, 0x40, 0x18}, "Boya", NULL, 16 * M, "SDK+MCU"},
    {{0x0B, 0x40, 0x13}, "XTX", NULL, 512 * K, "SDK+MCU"},
    {{0x0B, 0x40, 0x15}, "XTX", "XT25F16B", 2 * M, "SDK+MCU"},
    {{0x0B, 0x40, 0x16}, "XTX", NULL, 4 * M, "SDK+MCU"},
    {{0x0B, 0x40, 0x17}, "XTX", NULL, 8 * M, "SDK+MCU"},
    {{0x0B, 0x40, 0x18}, "XTX", NULL, 16 * M, "SDK+MCU"},
    {{0x0B, 0x60, 0x14}, "XTX", NULL, 1 * M, "SDK+MCU"},
    {{0x0B, 0x60, 0x16}, "XTX", NULL, 4 * M, "SDK+MCU"},
    {{0x9D, 0x60, 0x14}, "ISSI", NULL, 1 * M, "SDK+MCU"},
    {{0x9D, 0x60, 0x15}, "ISSI", NULL, 2 * M, "SDK+MCU"},
    {{0x9D, 0x60, 0x16}, "ISSI", NULL, 4 * M, "SDK+MCU"},
    {{0x9D, 0x70, 0x14}, "ISSI", NULL, 1 * M, "SDK+MCU"},
    {{0x9D, 0x70, 0x15}, "ISSI", NULL, 2 * M, "SDK+MCU"},
    {{0x9D, 0x70, 0x16}, "ISSI", NULL, 4 * M, "SDK+MCU"},
    {{0xC2, 0x20, 0x13}, "Macronix", "KH25V40", 512 * K, "MCU"},
    {{0xC2, 0x20, 0x14}, "Macronix", "KH25V80", 1 * M, "MCU"},
    {{0xC2, 0x20, 0x15}, "Macronix", "KH25V16", 2 * M, "MCU"},
    {{0xC2, 0x25, 0x34}, "Macronix", "MX25V8035F", 1 * M, "SDK+MCU"},
    {{0xC2, 0x25, 0x35}, "Macronix", "MX25V1633F", 2 * M, "SDK+MCU"},
    {{0xC2, 0x25, 0x36}, "Macronix", "MX25V3233F", 4 * M, "SDK+MCU"},
    {{0xA1, 0x40, 0x14}, "Fudan", "FM25Q08", 1 * M, "MCU"},
    {{0xC4, 0x60, 0x15}, "Giantec", "GT25Q16A", 2 * M, "MCU"},
    {{0xC4, 0x60, 0x16}, "Giantec", "GT25Q32A", 4 * M, "MCU"},
    {{0xBA, 0x60, 0x15}, "Zetta", "ZD25Q16B", 2 * M, "MCU"},
    {{0xEB, 0x60, 0x15}, "unknown vendor", "TH25Q16HB", 2 * M, "MCU"},
    {{0xCD, 0x60, 0x14}, "unknown vendor", "TH25Q80HB", 1 * M, "MCU"},
    {{0x25, 0x61, 0x16}, "unknown vendor", "SK25E032", 4 * M, "MCU"},
    {{0x51, 0x40, 0x13}, "unknown vendor", "MD25D40", 512 * K, "MCU"},
};

static const struct blr_chip_marking markings[] = {
    {"BL602C00", 0,
     "QFN32, no flash in the package: size from the external flash's JEDEC id "
     "(datasheet ordering code BL602C-00-Q2I)"},
    {"BL602C10", 1 * M, "1 MiB by the community rule (digits = 0.1 MiB units); forum only"},
    {"BL602C20", 2 * M, "2 MiB in package (datasheet BL602C-20-Q2I; forum)"},
    {"BL602C40", 4 * M, "4 MiB by the community rule; forum only, one module README says 2 MiB"},
    {"BL602L20", 2 * M, "\"Light\", QFN32, 2 MiB (datasheet 1.2/1.4, dropped in 1.6; PineCone)"},
    {"BL604E20", 2 * M, "QFN40, 2 MiB in package (datasheet BL604E-20-Q2I)"},
};

/* doc/flash-layout.md JID-1: 0x13..0x18 only. No row may need more: a 32 MiB part (Puya 85 20
 * 19) is left out (JID-3), since the BL602 maps and addresses at most 16 MiB. */
uint32_t blr_jedec_flash_size(uint8_t capacity)
{
	unsigned c = capacity & 0x1Fu;

	if (capacity == 0x00 || capacity == 0xFF || c < 0x13 || c > 0x18)
		return 0;
	return (512u * 1024u) << (c - 0x13u);
}

const struct blr_flash_part *blr_flash_part_lookup(const uint8_t jedec[3])
{
	if (!jedec)
		return NULL;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (memcmp(parts[i].jedec, jedec, 3) == 0)
			return &parts[i];
	return NULL;
}

const char *blr_flash_vendor_name(uint8_t mid)
{
	static const struct {
		uint8_t mid;
		const char *name;
	} v[] = {
	    {0xEF, "Winbond"},	{0xC8, "GigaDevice"}, {0x20, "XMC"},	 {0x85, "Puya"},
	    {0x5E, "Zbit"},	{0x68, "Boya"},	      {0x0B, "XTX"},	 {0x9D, "ISSI"},
	    {0xC2, "Macronix"}, {0xA1, "Fudan"},      {0xC4, "Giantec"}, {0xBA, "Zetta"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i].mid == mid)
			return v[i].name;
	return NULL;
}

size_t blr_flash_part_count(void)
{
	return sizeof(parts) / sizeof(parts[0]);
}

const struct blr_flash_part *blr_flash_part_at(size_t i)
{
	return i < blr_flash_part_count() ? &parts[i] : NULL;
}

size_t blr_chip_marking_count(void)
{
	return sizeof(markings) / sizeof(markings[0]);
}

const struct blr_chip_marking *blr_chip_marking_at(size_t i)
{
	return i < blr_chip_marking_count() ? &markings[i] : NULL;
}
