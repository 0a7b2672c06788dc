/* SPDX-License-Identifier: MIT */
/*
 * Loader image validation (doc/protocol.md §8.1) and identification of the official files by
 * size and SHA-256 (§8.3). The table holds only facts and hashes, never the files.
 */
#include <string.h>

#include "blrescue/blrescue.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "lib/bootheader.h"
#include "lib/isp.h"
#include "lib/loader.h"

/* BUILD-1: old builds have the 21-command set, real CRCs and a 0x2408-byte buffer; new
 * builds the 24-command set (get_boot_info, decompress-write), DEADBEEF headers, 0x4008
 * and PD. */
static const struct loader_features feat_old = {
    .deadbeef_style = false,
    .has_get_boot_info = false,
    .has_decompress_write = false,
    .has_pd = false,
    .frame_limit = ISP_LDR_OLD_MAX_PAYLOAD,
    .rx_timeout_ms = 2000,
};
static const struct loader_features feat_new = {
    .deadbeef_style = true,
    .has_get_boot_info = true,
    .has_decompress_write = true,
    .has_pd = true,
    .frame_limit = ISP_LDR_NEW_MAX_PAYLOAD,
    .rx_timeout_ms = 2000,
};
static const struct loader_features feat_new_10s = {
    .deadbeef_style = true,
    .has_get_boot_info = true,
    .has_decompress_write = true,
    .has_pd = true,
    .frame_limit = ISP_LDR_NEW_MAX_PAYLOAD,
    .rx_timeout_ms = 10000,
};

/* The chips of BUILD-3: the name, and why a file for it is refused. */
static const struct {
	const char *name;
	const char *refusal;
} chips[CHIP_COUNT] = {
    [CHIP_BL602] = {"BL602", NULL},
    [CHIP_BL702] = {"BL702", "this is a flash loader for the BL702, another chip: it cannot run "
			     "on a BL602, which needs chips/bl602/eflash_loader/"
			     "eflash_loader_40m.bin"},
    [CHIP_BL606P] = {"BL606P", "this is a flash loader for the BL606P, another chip: it cannot "
			       "run on a BL602, which needs chips/bl602/eflash_loader/"
			       "eflash_loader_40m.bin"},
    [CHIP_BL606P_BL702] = {"BL606P or BL702",
			   "this is the flash loader eflash_loader_none.bin of the BL606P and "
			   "BL702, other chips: it cannot run on a BL602, which needs "
			   "chips/bl602/eflash_loader/eflash_loader_40m.bin"},
    [CHIP_BL60X] = {"legacy BL60x", "this is a flash loader of the legacy BL60x family (the "
				    "bl60x/bl56x folders, loaded to 0x0040C000), not of the "
				    "BL602, which needs chips/bl602/eflash_loader/"
				    "eflash_loader_40m.bin"},
};

/*
 * Every eflash_loader_*.bin of the official Python tool bflb-mcu-tool, releases 1.0.0 to
 * 1.10.0 (Dev Cube ships the same files), and two BL602 builds of other origins; the five
 * builds whose protocol features are known carry them (§8.3, KNOWN). Columns: chip, crystal
 * (kHz), official file name(s), size; SHA-256; releases [, build name, features].
 */
/* clang-format off */
#define ROW(chip, xtal, files, size, sha, releases) \
	{chip, xtal, files, size, releases, sha, NULL, NULL}
#define KNOWN(chip, xtal, files, size, sha, releases, name, feat) \
	{chip, xtal, files, size, releases, sha, name, feat}

static const struct loader_build builds[] = {
    KNOWN(CHIP_BL602, 40000, "eflash_loader_40m.bin", 22064,
          "865b2b9d565e015f5f5f66204d14214f605b4aa9ef87f24c7d4427902fc2a144",
          NULL, "eflash_loader 22064 (bl_iot_sdk 2020)", &feat_old),
    KNOWN(CHIP_BL602, 40000, "eflash_loader_40m.bin", 29264,
          "fe27c9c4baf4d4958cb9708e41e5fa72ad6a3679f10278761af73b9939fd544b",
          NULL, "eflash_loader 29264 (BLOpenFlasher/blflash)", &feat_old),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 37920,
        "bc74441da1003cb2716db173373c3db96e54f08d3e56ff3cf396dbb9ba9b3589",
        "1.8.4, 1.10.0"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 38784,
        "fd2fa2abc90f6f7fe45ab3a4cfb9848b4c87d2e27c05201f20e1dbd5893b5a58",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 38656,
        "a4274febf3c2ab2aeaaf4dd4b422ec7a1b21444bdaa96c720b0c6cb87e0e14d4",
        "1.8.7"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 38656,
        "26dae45d99796cf1305107fdb0e889c500031d40b766acecbc8d90b7bb752201",
        "1.8.6"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 37376,
        "b777454bf1136417fb6a3fdeaeba7e2d468d2524743fa257ff5c4cc6cf5cc7b1",
        "1.8.1, 1.8.2, 1.8.3"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 37344,
        "af67049c456b028c787096858d985d2887050652b9ac00d2cb5433e1547fada8",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 37344,
        "0dcd990a5422e00fbe7aedeaa89d32846ce1327029b045acfc9619537bd834cb",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 36912,
        "2f36e8decd8e9efb292bd606c360cdb29780965f4c6ab3a377e891da78f39e5a",
        "1.6.5"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 36112,
        "8e6fc6d6253b50daf4f6a8bc38dda6d0fe0ec931d63a5c891f3366a381cefbe6",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 35936,
        "51c29f9acc5a34e22a29299d9aba839137bac20b2a4bc1b77ae985b1f59579e4",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 35936,
        "0dff46e98edc4b8c6c8a1be089e410fcfd7ed226520a2a8dd50761e27a08dd4d",
        "1.0.2"),
    ROW(CHIP_BL602, 24000, "eflash_loader_24m.bin", 35824,
        "2d85b61bbc3614e74a38d8db966484874ebeaf00cce1ecbad6fd07ea01bb8e27",
        "1.0.0, 1.0.1"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 37920,
        "da658c49419c00c7410a84f605a651e55b8b00babaa66f1f13172915baa93110",
        "1.8.4, 1.10.0"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 38784,
        "07f2bf61229bb4d69df599693868c3eaee3808db425d7acdc5144b1faff48414",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 38656,
        "e3a3a3aa3b0c40252468c0bbd9e69cc0952d72b99b2d3f50ae465121cd443eae",
        "1.8.7"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 38656,
        "6f3fcf44a70e19db1eafd72fc89f2eac823f6da6f1e3c13b534bd051065a69ab",
        "1.8.6"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 37376,
        "6461bc3cb1781e9312a34519cc6c6f01a03c76cf776334ffafb134356774f476",
        "1.8.1, 1.8.2, 1.8.3"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 37344,
        "160b750e77c0e413441def1ce3184e3241398c74a46ca4cf6541c04c63848941",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 37344,
        "1c15c1739b5cfc114c98551d744fcdf8db7f6d60835c29b63b136bdd25fae4e6",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 36912,
        "6a982558969770e75d71ce72c1ca86e8bdbedbcaea8afae6f2d631479aacf3a8",
        "1.6.5"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 36112,
        "0ff8604f3a76d1e4fea9d1ece742e36fc7fbe7c7e004b17c28fc852bcd71637f",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 35936,
        "b4a33e116712948aa4243ec9ce67ca0cb093e0f9ea96b979ee64926a62dbbb93",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 35936,
        "bf70ca1d6fe2029e4abf0c6212ebe68c8b44df02ee4cd2b2d5ca35804f582c28",
        "1.0.2"),
    ROW(CHIP_BL602, 26000, "eflash_loader_26m.bin", 35824,
        "fd571c89799494b805f067ad5ed174eea5405b81317eb0526d6dea8ef5bf1f0a",
        "1.0.0, 1.0.1"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 37920,
        "724d87c67e3d10ccf1821fb2ef5abaf8a0f24e5bddb46130f31faa66b7099524",
        "1.8.4, 1.10.0"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 38784,
        "c1c5e538035cc1784a00995c461989978f024dcfa72c765ce7433f193406dff5",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 38656,
        "1ea42fa7b1fb256edb6400ae0a3da10b53b93b5742b8b265a611f4fd6e8d6460",
        "1.8.7"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 38656,
        "eab86e11180d1530999a509be8810eb07d9ab9e6ed243a714cfc13385028ef92",
        "1.8.6"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 37376,
        "659cbfb66406a1546f04252c0f06262fb9dd6f3bfe8a29d865b0f5644ba2cb0c",
        "1.8.1, 1.8.2, 1.8.3"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 37344,
        "32052b29be47a5c2379b3a3bd584eb0942fe9b6722759124a52d6b9d0b67f1da",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 37344,
        "13ec80d76fe30594bea92a753c271867e350e4423c7a43a4e3054fbf324f3595",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 36912,
        "f528abeb8173902d8bd65be4f1e9746c96aec43ebd3ff49193ed2b7e3e9e87de",
        "1.6.5"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 36112,
        "a9c55498285580bd6b5d7a2f99d5a6d00f2224914120bd4d10d5ab33a25b8b0f",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 35936,
        "c8ff5f0d3ba417eeafa50f4acb4e8765eb9ee5eb1e5e637b15a1eb57bddc47be",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 35936,
        "fc6c455bd95722937d1d242028067edada23778c2ac3b1e0f100eb1ec6029097",
        "1.0.2"),
    ROW(CHIP_BL602, 32000, "eflash_loader_32m.bin", 35824,
        "06537b551b94ae16ae244f3628ffd00ac8c47578be631c3a0b42e98176fd1789",
        "1.0.0, 1.0.1"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 37920,
        "830e8a2a3173140bf612c0c2726d24fff31be3f5a04453fd8c19c9bfa4c57866",
        "1.8.4, 1.10.0"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 38784,
        "c71886a3a965c8a2dcf6b9a24671eafb311f0e819ebe50302a766fcff9710e51",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 38656,
        "cbedb697b9d722b7f74bf91b2587ff7d017fd0a44d82baf9f343c377060b9980",
        "1.8.7"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 38656,
        "0110bd8bef3da7063d7dfe2fbae330c3a19d941830d42f2db605f440992c6a0c",
        "1.8.6"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 37376,
        "6e4805d9f77c940a2e021dbc5dde852d6861dd9c458bfff871e880ba50b0942d",
        "1.8.1, 1.8.2, 1.8.3"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 37344,
        "a0b1b2e343a36d6dac7cc66c690b5f657d18cf0a3de17134e58e6fa39d1e5ed1",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 37344,
        "a883e69b2e33514be6d37388b7b6bad661edb42a8e87bc393b82113d4b8a188a",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 36912,
        "c42480af2b5c0af4f50f52df78a282f6a8176f534ae1991094836f4872982dc7",
        "1.6.5"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 36112,
        "9cd66bc78c0c84aafa272e216e75c5e5fa7ac08043674b3ba8aef32ac2718d44",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 35936,
        "b9096b1f7e429b09f4e056b234ebe51b646c1653452371f6d0edb109017f85a2",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 35936,
        "b7cfb5863a3e2859da3fb910d562acdd2334e0a21826d921ed1ad2e3a7efb0b9",
        "1.0.2"),
    ROW(CHIP_BL602, 38400, "eflash_loader_38p4m.bin", 35824,
        "fccf5297e60eeb92f6a169e76d143a63473b9ef69e8e174aa1c0ac4092cd450c",
        "1.0.0, 1.0.1"),
    KNOWN(CHIP_BL602, 40000, "eflash_loader_40m.bin", 37920,
          "a9aa9a8d74462b78abf97f7ff2527059867590525dfec2a934d34527b944da23",
          "1.8.4, 1.10.0", "eflash_loader 37920 (bflb-mcu-tool 1.10.0)", &feat_new),
    KNOWN(CHIP_BL602, 40000, "eflash_loader_40m.bin", 38784,
          "2aa46589cabb9b9abda0ade8116ce72584946061c8847a54364e8aba04d99176",
          "1.8.9, 1.9.0", "eflash_loader 38784 (BK7231GUIFlashTool)", &feat_new_10s),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 38656,
        "8e1d50733240f10c8e518cbe47dc2b594bf98b293f75c37277dfc70163725065",
        "1.8.7"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 38656,
        "449453f2a66762d52f729401263928e8c991608dac296b26910923256428076f",
        "1.8.6"),
    KNOWN(CHIP_BL602, 40000, "eflash_loader_40m.bin", 37376,
          "b7da05e3cbd2b40a732279fe0406b827ef57f493341f6abbaae8693df3bcbf51",
          "1.8.1, 1.8.2, 1.8.3", "eflash_loader 37376 (bflb-mcu-tool 2023)", &feat_new),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 37344,
        "07712b07a06c32aa410fb91f1a82ed1d1724b5609988ff3047b92448298ea6e8",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 37344,
        "6490c7e807c0019b8995d7545d0b4211b947bc6ecb51fc2830ef069ba7df509d",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 36112,
        "7b754dd4f349d18a7b5392c29ce55b14e9a9e0e0240848fb6312571de46697ba",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 35936,
        "fb375ee4ac4c002c8b27a7a8f26172904501715a419c685062fabbfcf0e42be1",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 35936,
        "1653de8ed9cdd85c726106ef00418e724e180291a82d1431b50001f5d5e9e1f4",
        "1.0.2"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin", 35824,
        "1b9ffd6dbc86788619497c856fe4424bfa9c82d02986a18674b09e1a216c0bee",
        "1.0.0, 1.0.1"),
    ROW(CHIP_BL602, 40000, "eflash_loader_40m.bin, eflash_loader_none.bin", 36912,
        "18d9783786ae6313b2e825064755753db7a0b5c8ad57912f9aa01db56e387d1e",
        "1.6.5"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin", 21808,
        "b4afc80aef53d0b4009c943ddeea78fbc843054b8a59f5afaec026f914cac818",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 37920,
        "84fa1d4f98fba113a3ebe2d6c290efca6afcbeebca3b91d802f23108d7e53be7",
        "1.8.4, 1.10.0"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 38784,
        "0afaebdb2c569cae303c814eb62f342046aeb25c9128adab686eeefe9703c8dc",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 38656,
        "5ea397e212f1aeb9533d6d2ffe58f6717c058c9ce5f42459872ca20d0c0f6563",
        "1.8.6, 1.8.7"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 37376,
        "15cbcf08e4137d2814bb147c5421996121e487d27018d6bcc76498fe64cc1408",
        "1.8.1, 1.8.2, 1.8.3"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 37344,
        "34f54a33a2c6d2f90b0fa7728d41892f4251065b8aab83e3cef7f5bed68a5d75",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 37344,
        "4538f9e96e2304179252c2e5718b756d6a190b474f00cc00df19bab04720dc49",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 38656,
        "6602ca219d8abd30bab8a697cac18be99129825e5698a5f705804c5364ccf657",
        "1.8.7"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 36912,
        "38d34c4e15ab93c03d16d21a625a410824275fdce0bdc779f15b1d88dee208f6",
        "1.6.5"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 36112,
        "10770035a87a2dbf78a5be0763ad9a00d44760d8ebc98eae9e38e1449f5bf132",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 35936,
        "0aad8c473bd21a84d6fec568d9198793e25d26c1d6a1281b81a7d747b2d61a07",
        "1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 35936,
        "8244cb7c40002aa75f390c5c7913777bb189163060e53e7afa3fff196b375a58",
        "1.0.2"),
    ROW(CHIP_BL602, XTAL_RC, "eflash_loader_rc32m.bin", 35824,
        "4a5119a4f929add97bb9bcb58b2b27c809c662dc596194e3ba2beef4b1fda62f",
        "1.0.0, 1.0.1"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 59392,
        "6cc34a81e9fa598b541e4c642dc1dac599f01135eb988c3d98d8afb91138de48",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0, 1.8.1, 1.8.2, 1.8.3, 1.8.4, 1.8.6, 1.8.7, 1.10.0"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 59392,
        "42909e0444b1b418b8ea420b45ebaa743795cb511c5fd2ed8987e03732eb1a1c",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 59120,
        "d4d944f95d10f8fbc41a54012ee9ee89d5c72b2924b247bd2f7965d4b8ddad70",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 58704,
        "d31a0f4abc9f09801a662582d29c8d0abadcb3972794573bf8af8e80e52d3f25",
        "1.6.5"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 58560,
        "0136642c70f94e444d0444f6ac24b58a60cf115ab3b759a15c1e9c5c1c7ec3c9",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL702, 32000, "eflash_loader_32m.bin", 64480,
        "d37d9ab433f2f1e40fd1b6effde1c0f70e75fc92dadf3aedcd0961c50de0ef73",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 59392,
        "d5183b9b1bb9b9e78f4837496b5db43351f89ce0394a45902f8973cda716589e",
        "1.7.5, 1.7.6, 1.7.6.post2, 1.8.0, 1.8.1, 1.8.2, 1.8.3, 1.8.4, 1.8.6, 1.8.7, 1.10.0"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 59392,
        "25cfce2facbf788b3a222be159cc3e1764dd003e304f836124a3bc1006476994",
        "1.8.9, 1.9.0"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 59120,
        "e3531a26002c7b9221908525fa45e0cba3f773823841a0d9d5b4e23061ed884e",
        "1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_none.bin, eflash_loader_rc32m.bin", 58704,
        "c60e02905707a73dac6a8347574f2fe73641c8e9e5187fd6fc7cdf6ffd02f1e9",
        "1.6.5"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_rc32m.bin", 58560,
        "5e9efe5b7016cfb17d347c5553148bec23fb03667af1c2cb0cfcb506b92d0231",
        "1.6.0, 1.6.2"),
    ROW(CHIP_BL702, XTAL_RC, "eflash_loader_rc32m.bin", 64480,
        "9bdbfece8c4316a485b580bb37dbbc66158a4ce2e23d04a82573dc2c7b6de614",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5"),
    ROW(CHIP_BL606P, 24000, "eflash_loader_24m.bin", 54128,
        "5d7188a9f0efe1b875750246e588d5cf2aa9f731f9a8b261deba287822d9ad42",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P, 26000, "eflash_loader_26m.bin", 54128,
        "ff74217ec3e543903eb68b4bb7f0315d375516e807671259f32b1cc45cdfd45a",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P, 32000, "eflash_loader_32m.bin", 54128,
        "244f70f0e2a2e19d4cafd579b91798b430a8232063bb6378fc43429bcf35466d",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P, 38400, "eflash_loader_38p4m.bin", 54128,
        "d4c847c735f3221bc4898bc22cad27232e642e11d4db5ffd2c2d8d94bcd05b30",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P, 40000, "eflash_loader_40m.bin", 54128,
        "9c33998de96838b3eecf796c410d1c351fb7492110bcd53b8a1271e323215863",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P_BL702, XTAL_RC, "eflash_loader_none.bin", 52464,
        "b25868e372640fed93af5a84b460ca3be48106b6efb52f3f53f22227ee6662da",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL606P, XTAL_RC, "eflash_loader_rc32m.bin", 54128,
        "fe550240c77a99705d572e9a3b74d1ae31f80b406a62e9bd8cec2de5d99862d1",
        "1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, 26000, "eflash_loader_26m.bin", 20512,
        "a3fbf071ddab08de9501a62c974ede7d99e44cdc1ef846b94df6b22c188c326b",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, 32000, "eflash_loader_32m.bin", 20512,
        "7a12e9b9ab3218eb58695867c7886179313858e2eafa2d7f0ffbaec07da37ec7",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, 38400, "eflash_loader_38p4m.bin", 20512,
        "6922d02209512c24352bb1ad17b980791a8b3812d55a7f132a9f1f2916b43518",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, 40000, "eflash_loader_40m.bin", 20512,
        "d0a981bc6530ef273311a8d19871caf710c229d3be12164532dc3caf5a984f21",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, 52000, "eflash_loader_52m.bin", 20512,
        "07fc7a0b120876a421a8e7ddc2b51790c398500624529d459b174b011eef2888",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
    ROW(CHIP_BL60X, XTAL_RC, "eflash_loader_none.bin", 20512,
        "641df779ae43fc646b102f02cd01ffc30d8b2c1283e7b2a25b2304958fe421bc",
        "1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, 1.0.5, 1.6.0, 1.6.2, 1.6.5, 1.6.8, 1.7.1, 1.7.1.post1"),
};

#undef ROW
#undef KNOWN
/* clang-format on */

const struct loader_build *loader_known_builds(size_t *n)
{
	*n = sizeof(builds) / sizeof(builds[0]);
	return builds;
}

const struct loader_build *loader_identify(size_t size, const uint8_t sha256[32])
{
	char hex[2 * BLR_SHA256_LEN + 1];

	hash_hex(sha256, BLR_SHA256_LEN, hex);
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++)
		if (builds[i].size == size && !strcmp(builds[i].sha256_hex, hex))
			return &builds[i];
	return NULL;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return BLR_E_FORMAT;
}

/* CRC field at crc_off over [off, crc_off); ignored when the DEADBEEF rule applies. */
static bool crc_ok(const uint8_t *buf, size_t off, size_t crc_off, bool crc_ignore)
{
	uint32_t stored = get_le32(buf + crc_off);

	if (crc_ignore && stored == BH_DEADBEEF)
		return true;
	return hash_crc32(buf + off, crc_off - off) == stored;
}

/* UPL-1: the image itself (li gets what the header says). */
static int check_image(const uint8_t *buf, size_t len, struct blr_loader_info *li, const char **why)
{
	const uint8_t *seg;
	uint32_t bootcfg, seg_len, data_crc;
	uint8_t hash[BH_HASH_LEN];
	bool crc_ignore;

	if (len < BH_LEN + SEG_HDR_LEN)
		return fail(why, "file too short for a boot header and a segment header");
	if (get_le32(buf + BH_MAGIC) != BH_MAGIC_BFNP)
		return fail(why, "no BFNP boot header magic");
	bootcfg = get_le32(buf + BH_BOOTCFG);
	crc_ignore = bootcfg & BH_CFG_CRC_IGNORE;
	if (!crc_ok(buf, BH_FCFG, BH_FCFG_CRC, crc_ignore))
		return fail(why, "flash configuration CRC mismatch");
	if (!crc_ok(buf, BH_PCFG, BH_PCFG_CRC, crc_ignore))
		return fail(why, "clock configuration CRC mismatch");
	if (!crc_ok(buf, 0, BH_CRC, crc_ignore))
		return fail(why, "boot header CRC mismatch");
	li->header_crc_ignored = crc_ignore && get_le32(buf + BH_CRC) == BH_DEADBEEF;
	if (get_le32(buf + BH_SEG_INFO) != 1)
		return fail(why, "segment count is not 1");

	seg = buf + BH_LEN;
	if (hash_crc32(seg, SEG_HDR_CRC) != get_le32(seg + SEG_HDR_CRC))
		return fail(why, "segment header CRC mismatch");
	seg_len = get_le32(seg + SEG_LEN);
	if (seg_len == 0 || seg_len > SEG_MAX_LEN)
		return fail(why, "segment length is zero or too large");
	if (len - BH_LEN - SEG_HDR_LEN < seg_len)
		return fail(why, "file shorter than its segment (truncated)");
	if (len - BH_LEN - SEG_HDR_LEN > seg_len)
		return fail(why, "trailing bytes after the segment");
	/* Every official image holds the data CRC there, blisp sends 0 (doc/protocol.md IMG-7). */
	data_crc = get_le32(seg + SEG_DATA_CRC);
	if (data_crc != 0 && hash_crc32(seg + SEG_HDR_LEN, seg_len) != data_crc)
		return fail(why, "segment data CRC mismatch");

	li->hash_ignored = (bootcfg & BH_CFG_HASH_IGNORE) && get_le32(buf + BH_HASH) == BH_DEADBEEF;
	if (!li->hash_ignored) {
		if (hash_sha256(seg, len - BH_LEN, hash) != 0)
			return BLR_E_NOMEM;
		if (memcmp(hash, buf + BH_HASH, BH_HASH_LEN) != 0)
			return fail(why, "image SHA-256 does not match the boot header");
	}
	li->seg_dest = get_le32(seg + SEG_DEST);
	li->seg_len = seg_len;
	return BLR_OK;
}

int loader_parse_identified(const uint8_t *buf, size_t len, const uint8_t sha256[32],
			    const struct loader_build *b, struct blr_loader_info *info,
			    const char **why)
{
	struct blr_loader_info li = {0};
	int r;

	if (why)
		*why = NULL;
	li.size = len;
	memcpy(li.sha256, sha256, sizeof(li.sha256));
	if (b) {
		li.chip = chips[b->chip].name;
		li.file_names = b->files;
		li.releases = b->releases;
		li.xtal_khz = b->xtal_khz;
		li.xtal_rc = b->xtal_khz == XTAL_RC;
	}
	if (b && b->chip != CHIP_BL602) {
		*info = li; /* what it is, for the message */
		return fail(why, chips[b->chip].refusal);
	}
	r = check_image(buf, len, &li, why);
	if (r != BLR_OK)
		return r;
	/* BUILD-2: conservative limits unless the build's features are known (PD is tolerated
	 * anyway) */
	li.frame_limit = LOADER_UNKNOWN_FRAME_LIMIT;
	li.rx_timeout_ms = LOADER_UNKNOWN_RX_TIMEOUT;
	if (b && b->feat) {
		li.build = b->name;
		li.frame_limit = b->feat->frame_limit;
		li.has_pd = b->feat->has_pd;
		li.has_get_boot_info = b->feat->has_get_boot_info;
		li.has_decompress_write = b->feat->has_decompress_write;
		li.rx_timeout_ms = b->feat->rx_timeout_ms;
	}
	*info = li;
	return BLR_OK;
}

int blr_loader_parse(const uint8_t *buf, size_t len, struct blr_loader_info *info, const char **why)
{
	uint8_t sha[BLR_SHA256_LEN];

	if (why)
		*why = NULL;
	if (!buf || !info)
		return BLR_E_INVAL;
	if (hash_sha256(buf, len, sha) != 0)
		return BLR_E_NOMEM;
	return loader_parse_identified(buf, len, sha, loader_identify(len, sha), info, why);
}
