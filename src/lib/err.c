/* SPDX-License-Identifier: MIT */
/* Error texts: the library's enum blr_err and the device's FL codes (doc/protocol.md §10). */
#include "blrescue/blrescue.h"

const char *blr_strerror(int err)
{
	switch (err) {
	case BLR_OK:
		return "success";
	case BLR_E_INVAL:
		return "invalid argument";
	case BLR_E_NOMEM:
		return "out of memory";
	case BLR_E_IO:
		return "I/O error";
	case BLR_E_TIMEOUT:
		return "timed out waiting for the device";
	case BLR_E_NO_RESPONSE:
		return "no answer to the handshake";
	case BLR_E_PROTOCOL:
		return "malformed or unexpected reply";
	case BLR_E_DEVICE:
		return "the device reported an error";
	case BLR_E_VERIFY:
		return "verification failed: data differ";
	case BLR_E_UNSUPPORTED:
		return "not supported";
	case BLR_E_CANCELLED:
		return "cancelled";
	case BLR_E_FORMAT:
		return "malformed file or image";
	case BLR_E_SECURED:
		return "chip requires signed or encrypted images (eFuse)";
	case BLR_E_BUSY:
		return "port is in use by another program";
	case BLR_E_PERM:
		return "permission denied";
	case BLR_E_NOENT:
		return "no such port or file";
	case BLR_E_RANGE:
		return "address or length out of range";
	case BLR_E_NO_FLASH:
		return "no usable SPI flash detected";
	case BLR_E_GONE:
		return "the port went away (adapter unplugged?)";
	case BLR_E_CHIP_RESET:
		return "the chip was reset during the operation";
	default:
		return "unknown error";
	}
}

struct fl_name {
	uint16_t code;
	const char *name;
};

/* doc/protocol.md §10: the vendor's names of the ROM's and the loader's error codes. */
static const struct fl_name fl_names[] = {
    {0x0000, "SUCCESS"},
    {0x0001, "FLASH_INIT_ERROR"},
    {0x0002, "FLASH_ERASE_PARA_ERROR"},
    {0x0003, "FLASH_ERASE_ERROR"},
    {0x0004, "FLASH_WRITE_PARA_ERROR"},
    {0x0005, "FLASH_WRITE_ADDR_ERROR"},
    {0x0006, "FLASH_WRITE_ERROR"},
    {0x0007, "FLASH_BOOT_PARA_ERROR"},
    {0x0008, "FLASH_SET_PARA_ERROR"},
    {0x0009, "FLASH_READ_STATUS_REG_ERROR"},
    {0x000A, "FLASH_WRITE_STATUS_REG_ERROR"},
    {0x000B, "FLASH_DECOMPRESS_WRITE_ERROR"},
    {0x000C, "FLASH_WRITE_XZ_ERROR"},
    {0x000D, "FLASH_SWITCH_BANK_ERROR"},
    {0x0101, "CMD_ID_ERROR"},
    {0x0102, "CMD_LEN_ERROR"},
    {0x0103, "CMD_CRC_ERROR"},
    {0x0104, "CMD_SEQ_ERROR"},
    {0x0201, "IMG_BOOTHEADER_LEN_ERROR"},
    {0x0202, "IMG_BOOTHEADER_NOT_LOAD_ERROR"},
    {0x0203, "IMG_BOOTHEADER_MAGIC_ERROR"},
    {0x0204, "IMG_BOOTHEADER_CRC_ERROR"},
    {0x0205, "IMG_BOOTHEADER_ENCRYPT_NOTFIT"},
    {0x0206, "IMG_BOOTHEADER_SIGN_NOTFIT"},
    {0x0207, "IMG_SEGMENT_CNT_ERROR"},
    {0x0208, "IMG_AES_IV_LEN_ERROR"},
    {0x0209, "IMG_AES_IV_CRC_ERROR"},
    {0x020A, "IMG_PK_LEN_ERROR"},
    {0x020B, "IMG_PK_CRC_ERROR"},
    {0x020C, "IMG_PK_HASH_ERROR"},
    {0x020D, "IMG_SIGNATURE_LEN_ERROR"},
    {0x020E, "IMG_SIGNATURE_CRC_ERROR"},
    {0x020F, "IMG_SECTIONHEADER_LEN_ERROR"},
    {0x0210, "IMG_SECTIONHEADER_CRC_ERROR"},
    {0x0211, "IMG_SECTIONHEADER_DST_ERROR"},
    {0x0212, "IMG_SECTIONDATA_LEN_ERROR"},
    {0x0213, "IMG_SECTIONDATA_DEC_ERROR"},
    {0x0214, "IMG_SECTIONDATA_TLEN_ERROR"},
    {0x0215, "IMG_SECTIONDATA_CRC_ERROR"},
    {0x0216, "IMG_HALFBAKED_ERROR"},
    {0x0217, "IMG_HASH_ERROR"},
    {0x0218, "IMG_SIGN_PARSE_ERROR"},
    {0x0219, "IMG_SIGN_ERROR"},
    {0x021A, "IMG_DEC_ERROR"},
    {0x021B, "IMG_ALL_INVALID_ERROR"},
    {0x0301, "IF_RATE_LEN_ERROR"},
    {0x0302, "IF_RATE_PARA_ERROR"},
    {0x0303, "IF_PASSWORDERROR"},
    {0x0304, "IF_PASSWORDCLOSE"},
    {0x0401, "EFUSE_WRITE_PARA_ERROR"},
    {0x0402, "EFUSE_WRITE_ADDR_ERROR"},
    {0x0403, "EFUSE_WRITE_ERROR"},
    {0x0404, "EFUSE_READ_PARA_ERROR"},
    {0x0405, "EFUSE_READ_ADDR_ERROR"},
    {0x0406, "EFUSE_READ_ERROR"},
    {0x0407, "EFUSE_READ_MAC_ERROR"},
    {0x0408, "EFUSE_WRITE_MAC_ERROR"},
    /* §10 names these only by family (SPEC-11); the exact vendor names are not given there. */
    {0x0501, "MEMORY_ERROR"},
    {0x0502, "MEMORY_ERROR"},
    {0x0503, "MEMORY_ERROR"},
    {0x0504, "MEMORY_ERROR"},
    {0x0505, "MEMORY_ERROR"},
    {0x0506, "MEMORY_ERROR"},
    {0x0508, "REG_ERROR"},
    {0x0509, "REG_ERROR"},
    {0x050A, "REG_ERROR"},
    {0x050B, "REG_ERROR"},
    {0x050C, "REG_ERROR"},
    {0x050D, "REG_ERROR"},
    {0x0601, "ECDH_ERROR"},
    {0x0602, "ECDH_ERROR"},
    {0x0603, "ECDH_ERROR"},
    {0x0604, "ECDH_ERROR"},
    {0x0605, "ECDH_ERROR"},
    {0x0606, "ECDH_ERROR"},
    {0x0701, "SDCARD_ERROR"},
    {0x0702, "SDCARD_ERROR"},
    {0x0703, "SDCARD_ERROR"},
    {0x0704, "SDCARD_ERROR"},
    {0x0901, "CODEPATH_ERROR"},
    {0x0A01, "PASSWORD_ERROR"},
    {0x0A02, "PASSWORD_ERROR"},
    {0x0A03, "PASSWORD_ERROR"},
    {0x0B01, "MODE_ERROR"},
    {0x0C01, "BOOT2_VERSION_ERROR"},
    {0xFFFC, "PLL_ERROR"},
    {0xFFFD, "INVASION_ERROR"},
    {0xFFFE, "POLLING"},
    {0xFFFF, "FAIL"},
};

const char *blr_device_error_name(uint16_t code)
{
	for (size_t i = 0; i < sizeof(fl_names) / sizeof(fl_names[0]); i++)
		if (fl_names[i].code == code)
			return fl_names[i].name;
	return "UNKNOWN";
}
