/* SPDX-License-Identifier: MIT */
/*
 * What the line carries when no handshake succeeded (doc/protocol.md LISTEN-1, LISTEN-2): a short
 * listen at the rates firmware logs use tells a chip that runs its firmware (readable text: it
 * is not in download mode) from noise (bytes, but no rate gives text) and from silence.
 */
#include <string.h>

#include "lib/exchange.h"

#define LISTEN_MS   250u /* per rate */
#define LISTEN_CAP  512u
#define TEXT_MIN    8u	/* bytes */
#define LINE_SEARCH 48u /* a sample starts at a line when one begins this early */

/* BL602 SDK logs (2 Mbaud), the common console rate, and the next common one (LISTEN-1). */
static const unsigned listen_bauds[] = {2000000, 115200, 921600};

static bool printable(uint8_t b)
{
	return b >= 0x20 && b < 0x7F;
}

static bool letter(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

/* LISTEN-2: at least 90 % printable (or CR, LF, tab) and a quarter letters. A UART at a
 * foreign rate reads mostly framing garbage: zeros, 0x80, 0xF0, 0xFE ... */
static bool is_text(const uint8_t *b, size_t n)
{
	size_t ok = 0, letters = 0;

	if (n < TEXT_MIN)
		return false;
	for (size_t i = 0; i < n; i++) {
		ok += printable(b[i]) || b[i] == '\r' || b[i] == '\n' || b[i] == '\t';
		letters += letter(b[i]);
	}
	return ok * 10 >= n * 9 && letters * 4 >= n;
}

/* Printable excerpt: from the first line start if one is near, blanks collapsed. */
static void take_sample(char *out, size_t cap, const uint8_t *b, size_t n)
{
	size_t o = 0, start = 0;

	for (size_t i = 0; i < n && i < LINE_SEARCH; i++) {
		if (b[i] == '\n') {
			start = i + 1;
			break;
		}
	}
	/* a newline that ends what was heard starts nothing: the line before it is the sample */
	while (start < n && !printable(b[start]))
		start++;
	if (start == n)
		start = 0;
	for (size_t i = start; i < n && o + 1 < cap; i++) {
		char c = printable(b[i]) ? (char)b[i] : ' ';

		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* What arrives at the current rate within ms. */
static size_t listen_at(struct blr_dev *dev, uint8_t *buf, size_t cap, unsigned ms)
{
	uint64_t end = dev_now_ms(dev) + ms;
	size_t have = 0;

	while (have < cap) {
		uint64_t now = dev_now_ms(dev);
		size_t got = 0;
		int r;

		if (now >= end)
			break;
		r = dev_read(dev, buf + have, cap - have, (unsigned)(end - now), &got);
		have += got;
		if (r != BLR_OK && r != BLR_E_TIMEOUT)
			break;
	}
	return have;
}

void connect_listen(struct blr_dev *dev)
{
	struct blr_listen *l = &dev->listen;
	uint8_t buf[LISTEN_CAP];

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < sizeof(listen_bauds) / sizeof(listen_bauds[0]); i++) {
		size_t n;
		int r;

		if (dev_cancelled(dev))
			break;
		r = dev_set_baud(dev, listen_bauds[i]);
		if (r == BLR_E_UNSUPPORTED)
			continue; /* a rate this port cannot set */
		if (r != BLR_OK)
			break;
		dev_flush_input(dev);
		n = listen_at(dev, buf, sizeof(buf), LISTEN_MS);
		l->bytes += n;
		if (is_text(buf, n)) {
			l->heard = BLR_HEARD_TEXT;
			l->baud = listen_bauds[i];
			take_sample(l->sample, sizeof(l->sample), buf, n);
			break;
		}
	}
	if (l->heard != BLR_HEARD_TEXT)
		l->heard = l->bytes ? BLR_HEARD_NOISE : BLR_HEARD_NOTHING;
	dev->listened = true;
	if (l->heard == BLR_HEARD_TEXT)
		dev_info(dev, "no handshake, but text at %u baud: \"%s\"", l->baud, l->sample);
	else
		dev_info(dev, "no handshake; the line carries %s",
			 l->bytes ? "bytes that are no text at 2000000, 115200 or 921600 baud"
				  : "nothing");
}
