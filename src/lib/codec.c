/* SPDX-License-Identifier: MIT */
#include "lib/codec.h"

#include <stdint.h>

#include "common/bytes.h"
#include "lib/isp.h"

uint8_t isp_checksum(const uint8_t *payload, size_t n)
{
	unsigned sum = (unsigned)(n & 0xFF) + (unsigned)((n >> 8) & 0xFF);

	for (size_t i = 0; i < n; i++)
		sum += payload[i];
	return (uint8_t)sum;
}

uint8_t isp_seal_byte(const uint8_t *payload, size_t n)
{
	/* every id of enum isp_cmd: the ROM's and both loader command sets (§6.1, LDR-1) */
	static const uint8_t ids[] = {0x10, 0x11, 0x12, 0x14, 0x16, 0x17, 0x18, 0x19, 0x1A,
				      0x20, 0x21, 0x30, 0x31, 0x32, 0x33, 0x34, 0x36, 0x37,
				      0x38, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41,
				      0x42, 0x50, 0x51, 0x60, 0x61, 0x71};
	size_t count[256] = {0};
	unsigned best = 0;

	count[n & 0xFF]++;
	count[(n >> 8) & 0xFF]++;
	for (size_t i = 0; i < n; i++)
		count[payload[i]]++;
	for (size_t i = 0; i < sizeof(ids); i++)
		count[ids[i]] = SIZE_MAX;
	count[ISP_SYNC_BYTE] = SIZE_MAX;
	for (unsigned v = 1; v < 256; v++)
		if (count[v] < count[best])
			best = v;
	return (uint8_t)best;
}

size_t isp_encode(uint8_t *out, size_t cap, uint8_t id, const uint8_t *payload, size_t n,
		  bool with_checksum)
{
	if (n > ISP_MAX_PAYLOAD_FIELD || cap < ISP_REQ_HDR_LEN || cap - ISP_REQ_HDR_LEN < n)
		return 0;
	if (n && !payload)
		return 0;
	out[0] = id;
	out[1] = with_checksum ? isp_checksum(payload, n) : 0;
	put_le16(out + 2, (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		out[ISP_REQ_HDR_LEN + i] = payload[i];
	return ISP_REQ_HDR_LEN + n;
}

void isp_dec_init(struct isp_decoder *d, bool expect_data, uint8_t *buf, size_t cap)
{
	*d = (struct isp_decoder){0};
	d->expect_data = expect_data;
	d->buf = buf;
	d->cap = buf ? cap : 0;
	d->state = DEC_IDLE;
}

static bool is_tag_start(uint8_t b)
{
	return b == ISP_TAG_OK_0 || b == ISP_TAG_FL_0 || b == ISP_TAG_PD_0;
}

/* Second byte completes the tag started by first? */
static bool tag_pair(uint8_t first, uint8_t b)
{
	return (first == ISP_TAG_OK_0 && b == ISP_TAG_OK_1) ||
	       (first == ISP_TAG_FL_0 && b == ISP_TAG_FL_1) ||
	       (first == ISP_TAG_PD_0 && b == ISP_TAG_PD_1);
}

/* A complete tag was seen; returns an event or NONE and sets the next state. */
static enum isp_ev on_tag(struct isp_decoder *d, uint8_t first)
{
	d->nhold = 0;
	switch (first) {
	case ISP_TAG_OK_0:
		if (!d->expect_data) {
			d->state = DEC_IDLE;
			return ISP_EV_OK;
		}
		d->state = DEC_LEN;
		return ISP_EV_NONE;
	case ISP_TAG_FL_0:
		d->state = DEC_CODE;
		return ISP_EV_NONE;
	default:
		d->state = DEC_IDLE;
		return ISP_EV_PD;
	}
}

static enum isp_ev step(struct isp_decoder *d, uint8_t b)
{
	switch (d->state) {
	case DEC_IDLE:
		if (is_tag_start(b)) {
			d->tag = b;
			d->state = DEC_TAG;
		} else {
			d->skipped++;
		}
		return ISP_EV_NONE;
	case DEC_TAG:
		if (tag_pair(d->tag, b))
			return on_tag(d, d->tag);
		d->skipped++; /* the lone tag byte */
		if (is_tag_start(b)) {
			d->tag = b; /* e.g. "OOK": restart at the second byte */
		} else {
			d->skipped++;
			d->state = DEC_IDLE;
		}
		return ISP_EV_NONE;
	case DEC_LEN:
		d->hold[d->nhold++] = b;
		if (d->nhold < 2)
			return ISP_EV_NONE;
		if (tag_pair(d->hold[0], d->hold[1])) {
			/* stray "OK" before the real reply (DEC-3) */
			d->strays++;
			return on_tag(d, d->hold[0]);
		}
		d->len = get_le16(d->hold);
		d->nhold = 0;
		d->got = 0;
		if (d->len > d->cap) {
			d->state = DEC_IDLE;
			return ISP_EV_OVERSIZE;
		}
		if (d->len == 0) {
			d->state = DEC_IDLE;
			return ISP_EV_DATA;
		}
		d->state = DEC_DATA;
		return ISP_EV_NONE;
	case DEC_CODE:
		d->hold[d->nhold++] = b;
		if (d->nhold < 2)
			return ISP_EV_NONE;
		d->code = get_le16(d->hold);
		d->nhold = 0;
		d->state = DEC_IDLE;
		return ISP_EV_FL;
	case DEC_DATA:
		d->buf[d->got++] = b;
		if (d->got < d->len)
			return ISP_EV_NONE;
		d->state = DEC_IDLE;
		return ISP_EV_DATA;
	}
	return ISP_EV_NONE;
}

size_t isp_dec_feed(struct isp_decoder *d, const uint8_t *in, size_t n, enum isp_ev *ev)
{
	size_t i = 0;

	*ev = ISP_EV_NONE;
	while (i < n) {
		/* bulk copy of data bytes */
		if (d->state == DEC_DATA && d->got < d->len) {
			size_t k = d->len - d->got;

			if (k > n - i)
				k = n - i;
			if (k > 1) {
				for (size_t j = 0; j < k - 1; j++)
					d->buf[d->got++] = in[i + j];
				i += k - 1;
			}
		}
		*ev = step(d, in[i++]);
		if (*ev != ISP_EV_NONE)
			break;
	}
	return i;
}

size_t isp_dec_want(const struct isp_decoder *d)
{
	switch (d->state) {
	case DEC_IDLE:
		return 2;
	case DEC_TAG:
		return 1;
	case DEC_LEN:
	case DEC_CODE:
		return 2 - d->nhold;
	case DEC_DATA:
		return d->len - d->got;
	}
	return 1;
}
