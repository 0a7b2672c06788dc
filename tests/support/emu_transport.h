/* SPDX-License-Identifier: MIT */
/*
 * An in-process struct blr_transport connected to an emulator core, with a virtual clock:
 * reads advance virtual time to the emulator's next event instead of sleeping, so device
 * timeouts of seconds cost nothing in wall time. With timing enabled in the emulator the
 * virtual time also measures what the transfer would take on a real line.
 *
 * set_baud forwards to emu_set_baud (0 -> BLR_E_INVAL); set_lines always returns
 * BLR_E_UNSUPPORTED, as on a pseudo-terminal (power-cycle the chip with emu_reset()
 * instead); write never blocks; read jumps virtual time to the emulator's next event or
 * to its deadline; sleep_ms advances virtual time; drain and flush_input never fail;
 * last_os_error is 0; close frees the transport, not the emulator.
 */
#ifndef BLR_TESTS_EMU_TRANSPORT_H
#define BLR_TESTS_EMU_TRANSPORT_H

#include "blrescue/transport.h"
#include "emu/emu.h"

/* The transport does not own e. Returns BLR_OK or BLR_E_NOMEM. */
int emu_transport_open(struct blr_transport *t, struct emu *e);
/* Virtual time in microseconds since open. */
uint64_t emu_transport_now_us(const struct blr_transport *t);

#endif
