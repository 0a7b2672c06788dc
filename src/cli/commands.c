/* SPDX-License-Identifier: MIT */
/*
 * The command table: every command's name, alias, one-line summary and usage text (the
 * source of 'blrescue --help', 'blrescue help COMMAND' and COMMAND --help; blrescue(1) says
 * the same, tests/cli/run_basic.sh holds them together), and the help command.
 */
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "platform.h"

#define GLOBAL_HINT                                                                                \
	"Global options (-p, -b, --rom-baud, --loader, --before, --after, -v, -q) are "            \
	"accepted too;\nsee 'blrescue --help'.\n"

static const struct cli_command commands[] = {
    {"info",
     {"flash_id", "chip_id", "read_mac"},
     cmd_info,
     true,
     "connect and show chip, MAC, loader and flash",
     "usage: blrescue info [--json]\n"
     "       blrescue flash_id | chip_id | read_mac  (esptool's names: the same command)\n"
     "\n"
     "Connect to the chip and print its chip id and MAC, the ROM and loader versions, the\n"
     "flash JEDEC id, vendor and part (when known) and the flash size.\n"
     "\n"
     "  --json            print one JSON object instead of text\n"},
    {"read",
     {"dump"},
     cmd_read,
     true,
     "back up the flash to a file (alias: dump)",
     "usage: blrescue read FILE [--addr ADDR] [--size N | --end ADDR] [--force]\n"
     "                     [--base OLD] [--resume]\n"
     "       blrescue dump ...  (same command)\n"
     "\n"
     "Read the flash into FILE ('-' = standard output). By default the whole flash, with\n"
     "the size taken from the chip's JEDEC id. The data is checked against the chip's own\n"
     "SHA-256 of the same range (printed) and then written atomically; a symbolic link is\n"
     "kept and the file it names written, a FIFO or /dev/fd/N gets the data as a stream,\n"
     "a device is refused. Free space is checked before reading. Blank (all 0xFF) regions\n"
     "are found by the chip's SHA-256 and not read; what was read, skipped as blank and\n"
     "taken from OLD is printed.\n"
     "If the read stops (Ctrl-C, an error, a lost port), the part the chip confirmed is\n"
     "kept in FILE.blrescue-resume (not a dump); --resume goes on from there.\n"
     "\n"
     "  --addr ADDR       first address to read (default 0)\n"
     "  --start ADDR      the same as --addr\n"
     "  --size N          number of bytes to read (default: up to the end of the flash)\n"
     "  --end ADDR        exclusive end address (instead of --size)\n"
     "  --force           replace FILE (or the file a link names) if it exists\n"
     "  --base OLD        an earlier dump of the same range: what the chip's SHA-256\n"
     "                    shows unchanged is copied from OLD instead of read\n"
     "  --resume          go on from FILE.blrescue-resume: its blocks are checked by the\n"
     "                    chip's SHA-256 and only the rest is read\n"},
    {"write",
     {NULL},
     cmd_write,
     true,
     "restore a file to the flash (Dev Cube's single download)",
     "usage: blrescue write FILE [--addr ADDR] [--backup FILE] [--force] [--reset]\n"
     "                      [--full] [--no-verify]\n"
     "\n"
     "Write FILE to the flash at ADDR (default 0). Only the 4 KiB sectors that differ are\n"
     "erased and programmed; bytes of partly covered sectors are preserved. Then the write\n"
     "check and the chip's SHA-256 verify the range; the erase steps, the bytes sent (raw\n"
     "and xz-compressed) and any repairs are printed. At address 0 the file must be a\n"
     "whole-flash image that passes 'blrescue check'; a firmware (application) image is\n"
     "refused there, and its place is named: the FW slot of the chip's partition table.\n"
     "\n"
     "  --addr ADDR       flash address to write to (default 0)\n"
     "  --start ADDR      the same as --addr\n"
     "  --backup FILE     first save the range about to be overwritten to FILE (the\n"
     "                    write then knows what the flash holds without hashing it)\n"
     "  --force           write a file that fails the checks at address 0 anyway; replace\n"
     "                    an existing backup FILE\n"
     "  --reset           reset the chip afterwards (release BOOT/GPIO8 to run the firmware)\n"
     "  --full            erase and write every sector, do not skip identical ones\n"
     "  --no-verify       skip the final SHA-256 check\n"},
    {"erase",
     {NULL},
     cmd_erase,
     true,
     "erase a sector-aligned range, or the whole chip",
     "usage: blrescue erase --addr ADDR (--size N | --end ADDR)\n"
     "       blrescue erase --all\n"
     "\n"
     "Erase 4 KiB sectors (set them to 0xFF). The range must be sector-aligned; a\n"
     "misaligned range is refused and the nearest aligned range is named. There is no\n"
     "default target.\n"
     "\n"
     "  --addr ADDR       first address (multiple of 4 KiB)\n"
     "  --start ADDR      the same as --addr\n"
     "  --size N          number of bytes (multiple of 4 KiB)\n"
     "  --end ADDR        exclusive end address (instead of --size)\n"
     "  --all             erase the whole chip\n"},
    {"verify",
     {NULL},
     cmd_verify,
     true,
     "compare a file with the flash (exit 1 on a mismatch)",
     "usage: blrescue verify FILE [--addr ADDR] [--diff]\n"
     "\n"
     "Compare FILE with the flash at ADDR (default 0) using the chip's own SHA-256.\n"
     "Exit status 0 when equal, 1 when different.\n"
     "\n"
     "  --addr ADDR       flash address the file belongs at (default 0)\n"
     "  --start ADDR      the same as --addr\n"
     "  --diff            list the 4 KiB sectors that differ, adjacent ones as one range\n"},
    {"monitor",
     {NULL},
     cmd_monitor,
     true,
     "serial console (leave with Ctrl-])",
     "usage: blrescue monitor [--baud RATE] [--reset] [--timestamps]\n"
     "\n"
     "Open the port as a serial console: what the chip sends is printed, what you type is\n"
     "sent (Ctrl-C too). Leave with Ctrl-] (the terminal is restored).\n"
     "\n"
     "  --baud RATE       console baud rate (default 115200)\n"
     "  --reset           reset the chip first (the --after sequence, or the dtr-rts run\n"
     "                    preset) so that you see it boot\n"
     "  --timestamps      prefix every line with the time since start\n"},
    {"loader",
     {NULL},
     cmd_loader,
     true,
     "show which flash loader is used; 'loader add FILE' installs one",
     "usage: blrescue loader\n"
     "       blrescue loader add FILE [--force]\n"
     "\n"
     "Without arguments: show which flash loader file (eflash_loader_40m.bin) would be used,\n"
     "why, and what it is: an official build (by SHA-256: chip, crystal, releases) or an\n"
     "unknown one. 'add' validates FILE and copies it into the user data directory\n"
     "(" PLAT_DATA_DIR_TEXT "). Another chip's loader is\n"
     "refused; one for another crystal than 40 MHz is named with a warning.\n"
     "\n"
     "  --force           replace a different loader that is installed already\n"
     "  --devcube DIR     also look in this Dev Cube folder\n"},
    {"ports",
     {NULL},
     cmd_ports,
     false,
     "list the serial ports and what their USB adapters can do",
     "usage: blrescue ports [--json]\n"
     "\n"
     "List every serial port with its USB vendor and product id, product, manufacturer and\n"
     "serial strings and driver, and what blrescue knows about the adapter chip: the fastest\n"
     "rate it runs at (a rate above it is refused before connecting) and other limits.\n"
     "Without -p and BLRESCUE_PORT, the device commands use the only USB serial adapter.\n"
     "\n"
     "  --json            print one JSON object instead of text\n"},
    {"inspect",
     {NULL},
     cmd_inspect,
     false,
     "show what a flash dump contains (offline)",
     "usage: blrescue inspect FILE [--json] [--show-values]\n"
     "\n"
     "Show the boot header, partition tables, firmware slots, settings store and flash\n"
     "size of a dump. Problems are marked.\n"
     "\n"
     "  --json            print JSON\n"
     "  --show-values     also print the values of the settings store\n"},
    {"check",
     {NULL},
     cmd_check,
     false,
     "judge a dump: complete and bootable, suspicious, or not BL602",
     "usage: blrescue check FILE [--json]\n"
     "\n"
     "Print one verdict line. Exit status 0: complete and bootable; 1: suspicious (reasons\n"
     "given); 2: not a BL602 dump.\n"
     "\n"
     "  --json            print JSON\n"},
    {"scrub",
     {NULL},
     cmd_scrub,
     false,
     "copy a dump without Wi-Fi credentials and other secrets",
     "usage: blrescue scrub IN OUT [--ssid SSID] [--psk PASSPHRASE] [--force]\n"
     "\n"
     "Write a copy of IN to OUT with known secrets removed from the settings store, and\n"
     "print what was removed.\n"
     "\n"
     "  --ssid SSID       also wipe this string (raw and hex) anywhere in the image\n"
     "  --psk PASSPHRASE  likewise\n"
     "  --force           replace OUT if it exists\n"},
    {"chips",
     {NULL},
     cmd_chips,
     false,
     "list the chip markings and flash parts blrescue knows",
     "usage: blrescue chips [--json]\n"
     "\n"
     "Print the BL602 chip markings and the SPI flash JEDEC ids blrescue knows.\n"
     "\n"
     "  --json            print JSON\n"},
    {"help",
     {NULL},
     cmd_help,
     false,
     "show help for a command",
     "usage: blrescue help [COMMAND]\n"},
    {NULL, {NULL}, NULL, false, NULL, NULL},
};

static const char global_usage[] =
    "usage: blrescue [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Back up, restore, erase and verify the SPI flash of a Bouffalo Lab BL602/BL604 over a\n"
    "USB-UART adapter, and inspect or scrub flash dumps offline.\n"
    "\n"
    "Options (accepted before or after the command):\n"
    "  -p, --port PORT       serial port (default $BLRESCUE_PORT, else the only USB\n"
    "                        serial adapter; see 'blrescue ports')\n"
    "  -b, --baud RATE       loader baud rate (default 2000000)\n"
    "      --rom-baud RATE   boot ROM baud rate (default 500000)\n"
    "      --loader FILE     flash loader file (default $BLRESCUE_LOADER, then search)\n"
    "      --devcube DIR     Dev Cube folder to search for the loader ($BLRESCUE_DEVCUBE)\n"
    "      --before SEQ      reset before connecting: none (default), dtr-rts, inverted, or\n"
    "                        steps such as 'rts,w50,-rts'\n"
    "      --after SEQ       reset when done: none (default), dtr-rts, inverted, or steps\n"
    "  -v, --verbose         more messages; repeat for debug (-vv) and frame traces (-vvv)\n"
    "  -q, --quiet           only errors and results\n"
    "  -h, --help            show help (also 'blrescue help COMMAND')\n"
    "  -V, --version         show the version\n"
    "\n"
    "Commands:\n";

/* Equal, with '-' in name matching '_' in want (esptool 5 writes flash-id for flash_id). */
static bool same_name(const char *want, const char *name)
{
	for (; *want && *name; want++, name++)
		if (*want != *name && !(*want == '_' && *name == '-'))
			return false;
	return *want == *name;
}

const struct cli_command *cli_command_find(const char *name)
{
	const struct cli_command *c;

	for (c = commands; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
		for (size_t i = 0; i < CLI_MAX_ALIASES && c->alias[i]; i++)
			if (same_name(c->alias[i], name))
				return c;
	}
	return NULL;
}

const struct cli_command *cli_command_at(size_t i)
{
	return i < sizeof(commands) / sizeof(commands[0]) - 1 ? &commands[i] : NULL;
}

int cli_usage(const char *cmd, FILE *f)
{
	const struct cli_command *c = cli_command_find(cmd);

	if (!c)
		return -1;
	fputs(c->usage, f);
	if (c->global_hint)
		fprintf(f, "\n%s", GLOBAL_HINT);
	return 0;
}

void cli_overview(FILE *f)
{
	const struct cli_command *c;

	fputs(global_usage, f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fputs("\nesptool's names (flash_id, read_flash, write_flash, ...) are understood too.\n"
	      "Run 'blrescue help COMMAND' for a command's options; see blrescue(1).\n",
	      f);
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		cli_overview(stdout);
		return EXIT_OK_;
	}
	if (argc > 2) {
		cli_err(cli, "help: one command name at most");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage("help", stdout);
		return EXIT_OK_;
	}
	if (cli_usage(argv[1], stdout)) {
		cli_err(cli, "help: unknown command '%s' (see 'blrescue help')", argv[1]);
		return EXIT_USAGE;
	}
	return EXIT_OK_;
}
