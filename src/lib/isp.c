/* SPDX-License-Identifier: MIT */
/*
 * The one table of per-command facts: vendor name, reply kind, timeout. The timeouts are
 * those of doc/protocol.md §9.2, with margins for slow flash parts.
 */
#include "lib/isp.h"

#define MS_PER_S 1000u

static const struct isp_cmd_spec cmd_table[] = {
    /* ROM (§6.1) */
    {ISP_GET_BOOT_INFO, "get_boot_info", ISP_REPLY_DATA, 1000, 0},
    {ISP_LOAD_BOOT_HEADER, "load_boot_header", ISP_REPLY_ACK, 1000, 0},
    {ISP_LOAD_SEG_HEADER, "load_segment_header", ISP_REPLY_DATA, 1000, 0},
    {ISP_LOAD_SEG_DATA, "load_segment_data", ISP_REPLY_ACK, 1000, 0},
    {ISP_CHECK_IMAGE, "check_image", ISP_REPLY_ACK, 2000, 0},
    {ISP_RUN_IMAGE, "run_image", ISP_REPLY_ACK, 1000, 0},
    {ISP_RESET, "reset", ISP_REPLY_ACK, 1000, 0},
    /* loader (§7.2) */
    {ISP_FLASH_ERASE, "flash_erase", ISP_REPLY_ACK, 3000, 32000},
    {ISP_FLASH_WRITE, "flash_write", ISP_REPLY_ACK, 250, 0},
    {ISP_FLASH_READ, "flash_read", ISP_REPLY_DATA, 2000, 0},
    {ISP_FLASH_BOOT, "flash_boot", ISP_REPLY_ACK, 1000, 0},
    {ISP_FLASH_XIP_READ, "flash_xip_read", ISP_REPLY_DATA, 2000, 0},
    {ISP_FLASH_READ_JEDEC_ID, "flash_read_jedec_id", ISP_REPLY_DATA, 1000, 0},
    {ISP_FLASH_READ_STATUS_REG, "flash_read_status_reg", ISP_REPLY_DATA, 1000, 0},
    {ISP_FLASH_WRITE_STATUS_REG, "flash_write_status_reg", ISP_REPLY_ACK, 1000, 0},
    {ISP_FLASH_WRITE_CHECK, "flash_write_check", ISP_REPLY_ACK, 2000, 0},
    {ISP_FLASH_SET_PARA, "flash_set_para", ISP_REPLY_ACK, 1000, 0},
    /* 16 MiB parts: up to 200 s by data sheet, and old loaders send no PD meanwhile */
    {ISP_FLASH_CHIP_ERASE, "flash_chip_erase", ISP_REPLY_ACK, 60 * MS_PER_S, 16 * MS_PER_S},
    {ISP_FLASH_READ_SHA256, "flash_read_sha256", ISP_REPLY_DATA, 3000, 4000},
    {ISP_FLASH_XIP_READ_SHA256, "flash_xip_read_sha256", ISP_REPLY_DATA, 3000, 4000},
    {ISP_FLASH_DECOMPRESS_WRITE, "flash_decompress_write", ISP_REPLY_ACK, 2000, 0},
    {ISP_EFUSE_READ, "efuse_read", ISP_REPLY_DATA, 1000, 0},
    {ISP_EFUSE_READ_MAC, "efuse_read_mac", ISP_REPLY_DATA, 1000, 0},
    {ISP_MEMORY_READ, "memory_read", ISP_REPLY_DATA, 1000, 0},
    {ISP_FLASH_XIP_READ_START, "flash_xip_read_start", ISP_REPLY_ACK, 1000, 0},
    {ISP_FLASH_XIP_READ_FINISH, "flash_xip_read_finish", ISP_REPLY_ACK, 1000, 0},
    {ISP_LOG_READ, "log_read", ISP_REPLY_DATA, 1000, 0},
};

static const struct isp_cmd_spec generic = {0, "unknown", ISP_REPLY_ACK, 2000, 0};

const struct isp_cmd_spec *isp_cmd_spec(uint8_t id)
{
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (cmd_table[i].id == id)
			return &cmd_table[i];
	return &generic;
}

unsigned isp_timeout_ms(uint8_t id, uint64_t len, size_t reply_bytes, unsigned baud)
{
	const struct isp_cmd_spec *s = isp_cmd_spec(id);
	const uint64_t unit = 64u * 1024u, per_mib = 16u; /* scaled per started 64 KiB */
	uint64_t t = s->timeout_ms;

	t += (len + unit - 1) / unit * s->timeout_ms_per_mib / per_mib;
	if (baud)
		t += (uint64_t)reply_bytes * 10u * MS_PER_S / baud * 2u; /* twice the line time */
	return t > 0x7FFFFFFFu ? 0x7FFFFFFFu : (unsigned)t;
}
