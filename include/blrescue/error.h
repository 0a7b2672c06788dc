/* SPDX-License-Identifier: MIT */
/*
 * The library's status codes, shared by every public header (blrescue.h, image.h): every
 * call that returns a status returns 0 (BLR_OK) or a negative enum blr_err.
 */
#ifndef BLRESCUE_ERROR_H
#define BLRESCUE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum blr_err {
	BLR_OK = 0,
	BLR_E_INVAL = -1,	/* bad argument */
	BLR_E_NOMEM = -2,	/* out of memory */
	BLR_E_IO = -3,		/* OS-level I/O error (errno kept) */
	BLR_E_TIMEOUT = -4,	/* a reply did not arrive in time */
	BLR_E_NO_RESPONSE = -5, /* handshake failed: nothing (or no "OK") came back */
	BLR_E_PROTOCOL = -6,	/* malformed or unexpected reply */
	BLR_E_DEVICE = -7,	/* device answered FL + code (kept, see blrescue.h) */
	BLR_E_VERIFY = -8,	/* data or hash mismatch */
	BLR_E_UNSUPPORTED = -9, /* operation not possible here (e.g. DTR on a pty) */
	BLR_E_CANCELLED = -10,	/* the cancel callback asked to stop */
	BLR_E_FORMAT = -11,	/* a file or image is malformed (or too short for a structure) */
	BLR_E_SECURED = -12,	/* chip demands signed/encrypted images (eFuse) */
	BLR_E_BUSY = -13,	/* port locked by another process */
	BLR_E_PERM = -14,	/* permission denied opening the port */
	BLR_E_NOENT = -15,	/* port (or file) does not exist */
	BLR_E_RANGE = -16,	/* address/length outside the flash or not aligned; a length
				 * below a minimum (blr_image_scrub's user strings) */
	BLR_E_NO_FLASH = -17,	/* JEDEC id 00/FF or absurd capacity */
	BLR_E_GONE = -18,	/* the port went away (adapter unplugged, pty closed) */
	BLR_E_CHIP_RESET = -19, /* the chip was reset mid-operation (the ROM answered where the
				 * loader was expected); the loader was loaded again where
				 * possible (a session with a loader file goes on): returned by
				 * a command or an operation that could not redo its work */
};

/* Short English text for an enum blr_err value; never NULL. */
const char *blr_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
