/* SPDX-License-Identifier: MIT */
/*
 * Fault injection (doc/protocol.md EMU-16..EMU-20): the spec (grammar in emu.h at
 * emu_faults_check), the seeded decisions and one log line per injected fault.
 *
 * Every decision is a function of the seed, the item's position in the spec and the index of
 * the byte (per direction, counted from emu_new) or command it concerns, never of the time or
 * of how the input was chunked: the same spec and seed replay a run exactly as long as the
 * host sends the same bytes.
 *
 * Events (stall, autobaud, reset-rom, reset-app, vanish) never interrupt a command: a byte
 * trigger marks that byte on the line and the event runs when the device reaches it (host
 * byte: when it would consume it; device byte: when it would be on the line); a time trigger
 * runs at that time; a command trigger right after that command's reply was produced.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_int.h"

enum fclass { FC_BYTE_IN, FC_BYTE_OUT, FC_STALL, FC_EVENT, FC_CMD, FC_FACTOR };

static const struct {
	const char *name;
	uint8_t cls;
} kinds[EMU_F_KINDS] = {
    [EMU_F_DROP_IN] = {"drop-in", FC_BYTE_IN},	 [EMU_F_DROP_OUT] = {"drop-out", FC_BYTE_OUT},
    [EMU_F_DUP_IN] = {"dup-in", FC_BYTE_IN},	 [EMU_F_DUP_OUT] = {"dup-out", FC_BYTE_OUT},
    [EMU_F_FLIP_IN] = {"flip-in", FC_BYTE_IN},	 [EMU_F_FLIP_OUT] = {"flip-out", FC_BYTE_OUT},
    [EMU_F_STALL] = {"stall", FC_STALL},	 [EMU_F_AUTOBAUD] = {"autobaud", FC_EVENT},
    [EMU_F_RESET_ROM] = {"reset-rom", FC_EVENT}, [EMU_F_RESET_APP] = {"reset-app", FC_EVENT},
    [EMU_F_VANISH] = {"vanish", FC_EVENT},	 [EMU_F_PROGRAM_FAIL] = {"program-fail", FC_CMD},
    [EMU_F_ERASE_FAIL] = {"erase-fail", FC_CMD}, [EMU_F_SLOW_ERASE] = {"slow-erase", FC_FACTOR},
};

const char *emu_fault_name(enum emu_fault_kind k)
{
	return (unsigned)k < EMU_F_KINDS ? kinds[k].name : "unknown";
}

/* ------------------------------------------------------------------ the spec */

/* Decimal digits (no sign) at *s; *s moves past them. */
static bool num(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*v = x;
	return true;
}

/* Digits with a unit (us, ms, s), in us, at most about 11 days. */
static bool dur(const char **s, uint64_t *us)
{
	uint64_t v, mul = 1000000;

	if (!num(s, &v))
		return false;
	if (strncmp(*s, "us", 2) == 0 || strncmp(*s, "ms", 2) == 0) {
		mul = **s == 'u' ? 1 : 1000;
		*s += 2;
	} else if (**s == 's') {
		*s += 1;
	} else {
		return false;
	}
	if (v > 1000000000000ull / mul)
		return false;
	*us = v * mul;
	return true;
}

/* The whole of s is digits. */
static bool num_all(const char *s, uint64_t *v)
{
	return num(&s, v) && *s == 0;
}

/* "1/N", N >= 1. */
static bool rate(const char *s, struct fault_item *f)
{
	if (strncmp(s, "1/", 2) != 0 || !num_all(s + 2, &f->n) || f->n == 0)
		return false;
	f->trig = TRIG_RATE;
	return true;
}

/* WHEN: in:I, out:I, t:DUR, cmd:N (N >= 1). */
static bool when(const char *s, struct fault_item *f)
{
	bool ok = false;

	if (strncmp(s, "in:", 3) == 0 || strncmp(s, "out:", 4) == 0) {
		f->trig = s[0] == 'i' ? TRIG_AT_IN : TRIG_AT_OUT;
		ok = num_all(s + (s[0] == 'i' ? 3 : 4), &f->n);
	} else if (strncmp(s, "t:", 2) == 0) {
		f->trig = TRIG_AT_TIME;
		s += 2;
		ok = dur(&s, &f->n) && *s == 0;
	} else if (strncmp(s, "cmd:", 4) == 0) {
		f->trig = TRIG_AT_CMD;
		ok = num_all(s + 4, &f->n) && f->n > 0;
	}
	return ok;
}

/* "xF": F from 1 to 1000 with at most two decimals; kept x 100. */
static bool factor(const char *s, uint64_t *x100)
{
	uint64_t v, frac = 0;
	const char *p = s + 1;

	if (*s != 'x' || !num(&p, &v) || v > 1000)
		return false;
	if (*p == '.') {
		const char *q = ++p;
		if (!num(&p, &frac) || p - q > 2)
			return false;
		if (p - q == 1)
			frac *= 10;
	}
	*x100 = v * 100 + frac;
	return *p == 0 && *x100 >= 100 && *x100 <= 100000;
}

/* One KIND=VALUE; NULL or what is wrong. */
static const char *parse_item(const char *it, struct fault_item *f)
{
	const char *eq = strchr(it, '='), *v;
	int k = -1;

	if (!eq)
		return "wants KIND=VALUE";
	for (int i = 0; i < EMU_F_KINDS; i++)
		if (strlen(kinds[i].name) == (size_t)(eq - it) &&
		    strncmp(kinds[i].name, it, (size_t)(eq - it)) == 0)
			k = i;
	if (k < 0)
		return "unknown kind (kinds: drop-in drop-out dup-in dup-out flip-in flip-out "
		       "stall "
		       "autobaud reset-rom reset-app vanish program-fail erase-fail slow-erase)";
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)k;
	f->at = UINT64_MAX;
	v = eq + 1;
	switch (kinds[k].cls) {
	case FC_BYTE_IN:
	case FC_BYTE_OUT:
		if (rate(v, f))
			return NULL;
		f->trig = kinds[k].cls == FC_BYTE_IN ? TRIG_AT_IN : TRIG_AT_OUT;
		return *v == '@' && num_all(v + 1, &f->n)
			   ? NULL
			   : "wants 1/N (each byte with probability 1/N) or @INDEX (one byte)";
	case FC_STALL:
		return dur(&v, &f->arg) && f->arg > 0 && *v == '@' && when(v + 1, f)
			   ? NULL
			   : "wants DURATION@WHEN, e.g. 500ms@in:100000";
	case FC_EVENT:
		return *v == '@' && when(v + 1, f)
			   ? NULL
			   : "wants @in:INDEX, @out:INDEX, @t:DURATION or @cmd:N";
	case FC_CMD:
		if (rate(v, f))
			return NULL;
		f->trig = TRIG_NTH;
		return *v == '#' && num_all(v + 1, &f->n) && f->n > 0
			   ? NULL
			   : "wants #N (the N-th such command, from 1) or 1/N";
	default:
		f->trig = TRIG_ALWAYS;
		return factor(v, &f->arg) ? NULL : "wants xF, F from 1 to 1000 (e.g. x4, x2.5)";
	}
}

static int parse_spec(const char *spec, struct emu_faults *fs, char *msg, size_t cap)
{
	const char *p = spec ? spec : "";

	memset(fs, 0, sizeof(*fs));
	fs->slow_x100 = 100;
	fs->next = UINT64_MAX;
	while (*p) {
		size_t len = strcspn(p, ",");
		char it[80];
		const char *why = "too long";

		if (len < sizeof(it)) {
			memcpy(it, p, len);
			it[len] = 0;
			why = fs->n == FAULT_MAX ? "more than 32 items" : NULL;
			if (len == 0)
				why = "empty item";
			else if (!why)
				why = parse_item(it, &fs->f[fs->n]);
		}
		if (why) {
			snprintf(msg, cap, "bad fault '%.*s': %s", (int)(len > 60 ? 60 : len), p,
				 why);
			return -1;
		}
		if (fs->f[fs->n].kind == EMU_F_SLOW_ERASE)
			fs->slow_x100 = (unsigned)fs->f[fs->n].arg;
		fs->n++;
		p += len;
		if (*p == ',' && *++p == 0) {
			snprintf(msg, cap, "bad fault spec: it ends with ','");
			return -1;
		}
	}
	return 0;
}

int emu_faults_check(const char *spec, char *msg, size_t cap)
{
	struct emu_faults fs;

	return parse_spec(spec, &fs, msg, cap);
}

/* ------------------------------------------------------------------ decisions, log */

static uint64_t mix(uint64_t x) /* splitmix64's finaliser */
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t draw(const struct emu *e, unsigned item, uint64_t idx, unsigned salt)
{
	return mix(e->cfg.fault_seed ^ mix(idx ^ ((uint64_t)(item * 4u + salt) << 56)));
}

/* Does rate / index / N-th item i hit index idx? A one-shot item is used up. */
static bool hits(struct emu *e, unsigned i, uint64_t idx)
{
	struct fault_item *f = &e->fault.f[i];

	if (f->done)
		return false;
	if (f->trig == TRIG_RATE)
		return draw(e, i, idx, 0) % f->n == 0;
	if (idx != f->n)
		return false;
	f->done = true;
	return true;
}

static void sink(struct emu *e, const char *line)
{
	if (e->cfg.fault_log)
		e->cfg.fault_log(e->cfg.fault_log_user, line);
	else if (e->cfg.log)
		e->cfg.log(e->cfg.log_user, line);
}

/* Counts a fault and logs "fault KIND t=S.UUUUUU DETAIL". */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
note(struct emu *e, unsigned kind, uint64_t t, const char *fmt, ...)
{
	char d[160];
	va_list ap;

	e->st.faults[kind]++;
	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	snprintf(e->logbuf, sizeof(e->logbuf), "fault %s t=%" PRIu64 ".%06" PRIu64 " %s",
		 kinds[kind].name, t / 1000000u, t % 1000000u, d);
	sink(e, e->logbuf);
}

static void renext(struct emu_faults *fs)
{
	fs->next = UINT64_MAX;
	for (unsigned i = 0; i < fs->n; i++)
		if (!fs->f[i].done && fs->f[i].at < fs->next)
			fs->next = fs->f[i].at;
}

int fault_init(struct emu *e, char *msg, size_t cap)
{
	struct emu_faults *fs = &e->fault;

	if (parse_spec(e->cfg.faults, fs, msg, cap) != 0)
		return -1;
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].trig == TRIG_AT_TIME)
			fs->f[i].at = fs->f[i].n;
	renext(fs);
	if (fs->n) {
		snprintf(e->logbuf, sizeof(e->logbuf), "faults '%.180s' seed %" PRIu64,
			 e->cfg.faults, e->cfg.fault_seed);
		sink(e, e->logbuf);
	}
	e->cfg.faults = NULL; /* the caller's string need not outlive emu_new */
	return 0;
}

/* ------------------------------------------------------------------ bytes */

static bool is_event(const struct fault_item *f)
{
	unsigned c = kinds[f->kind].cls;

	return c == FC_STALL || c == FC_EVENT;
}

bool fault_bytes_quiet(const struct emu *e, bool out)
{
	for (unsigned i = 0; i < e->fault.n; i++) {
		const struct fault_item *f = &e->fault.f[i];
		if (f->done || (is_event(f) && f->marked))
			continue;
		if (kinds[f->kind].cls == (out ? FC_BYTE_OUT : FC_BYTE_IN) ||
		    (is_event(f) && f->trig == (out ? TRIG_AT_OUT : TRIG_AT_IN)))
			return false;
	}
	return true;
}

/* What byte fault item i does to byte *b (index idx); returns the copies sent (0, 1, 2). */
static unsigned byte_fault(struct emu *e, unsigned i, uint64_t idx, uint64_t t, uint8_t *b,
			   unsigned copies)
{
	unsigned k = e->fault.f[i].kind, bit;
	const char *dir = kinds[k].cls == FC_BYTE_OUT ? "out" : "in";

	switch (k) {
	case EMU_F_DROP_IN:
	case EMU_F_DROP_OUT:
		note(e, k, t, "dir=%s byte=%" PRIu64 " 0x%02X lost", dir, idx, *b);
		return 0;
	case EMU_F_DUP_IN:
	case EMU_F_DUP_OUT:
		note(e, k, t, "dir=%s byte=%" PRIu64 " 0x%02X twice", dir, idx, *b);
		return copies ? 2 : 0;
	default:
		bit = (unsigned)(draw(e, i, idx, 1) % 8u);
		note(e, k, t, "dir=%s byte=%" PRIu64 " 0x%02X->0x%02X", dir, idx, *b,
		     *b ^ (1u << bit));
		*b = (uint8_t)(*b ^ (1u << bit));
		return copies;
	}
}

size_t fault_bytes(struct emu *e, bool out, const uint8_t *buf, size_t n, uint64_t t, uint8_t *ob,
		   uint8_t *mk)
{
	struct emu_faults *fs = &e->fault;
	uint64_t *count = out ? &e->st.bytes_out : &e->st.bytes_in;
	unsigned cls = out ? FC_BYTE_OUT : FC_BYTE_IN, trig = out ? TRIG_AT_OUT : TRIG_AT_IN;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t idx = (*count)++;
		uint8_t b = buf[i], mark = 0;
		unsigned copies = 1;

		for (unsigned j = 0; j < fs->n; j++) {
			struct fault_item *f = &fs->f[j];
			if (is_event(f) && f->trig == trig && !f->done && !f->marked &&
			    f->n == idx) {
				f->marked = true;
				if (!mark)
					mark = (uint8_t)(j + 1);
			} else if (kinds[f->kind].cls == cls && hits(e, j, idx)) {
				copies = byte_fault(e, j, idx, t, &b, copies);
			}
		}
		if (copies == 0 && mark) {
			fault_orphan(e, mark, t); /* its event runs when the byte would have */
			mark = 0;
		}
		for (; copies; copies--, k++) {
			ob[k] = b;
			mk[k] = mark;
			mark = 0;
		}
	}
	return k;
}

/* ------------------------------------------------------------------ events */

enum { W_TIME, W_IN, W_OUT }; /* what set an event off */

static void run(struct emu *e, unsigned i, uint64_t t, int where, uint8_t mark)
{
	struct fault_item *f = &e->fault.f[i];
	static const char *const trig[] = {[TRIG_AT_IN] = "in",
					   [TRIG_AT_OUT] = "out",
					   [TRIG_AT_TIME] = "t",
					   [TRIG_AT_CMD] = "cmd"};
	char at[80];
	uint64_t from;

	f->done = true;
	f->marked = false;
	snprintf(at, sizeof(at), "at=%s:%" PRIu64 " in=%" PRIu64 " out=%" PRIu64, trig[f->trig],
		 f->n, e->st.bytes_in, e->st.bytes_out);
	switch (f->kind) {
	case EMU_F_STALL:
		from = where == W_IN && line_in_next(e) < t ? line_in_next(e) : t;
		line_stall(e, from, t + f->arg, where == W_OUT ? mark : 0);
		note(e, f->kind, t, "%s for %" PRIu64 " us", at, f->arg);
		break;
	case EMU_F_AUTOBAUD:
		if (e->state == EMU_ROM_CMD || e->state == EMU_LDR_CMD) {
			emu_enter(e,
				  e->state == EMU_ROM_CMD ? EMU_ROM_WAIT_SYNC : EMU_LDR_WAIT_SYNC);
			note(e, f->kind, t, "%s -> waits for a handshake", at);
		} else {
			note(e, f->kind, t, "%s (no handshake to lose)", at);
		}
		break;
	case EMU_F_RESET_ROM:
	case EMU_F_RESET_APP:
		line_in_cut(e, t);
		line_out_cut(e, t, where == W_OUT ? mark : 0);
		e->dev_free = t;
		if (f->kind == EMU_F_RESET_ROM)
			emu_enter(e, EMU_ROM_WAIT_SYNC);
		else
			app_enter(e, t);
		note(e, f->kind, t, "%s -> %s", at,
		     f->kind == EMU_F_RESET_ROM ? "ROM waits for a handshake" : "firmware runs");
		break;
	default:
		note(e, f->kind, t, "%s -> the port is gone", at);
		e->fault.vanished = true;
		line_clear(e, t);
		break;
	}
}

uint64_t fault_deadline(const struct emu *e)
{
	uint64_t t = e->fault.next, tm;

	if (e->fault.vanished)
		return UINT64_MAX;
	if (e->line.out_marks && line_out_mark(e, &tm) && tm < t)
		t = tm;
	return t;
}

/* The events of the items marked on the same byte as item m-1. */
static void run_marked(struct emu *e, uint8_t m, uint64_t t, int where)
{
	const struct fault_item *g = &e->fault.f[m - 1];
	uint8_t trig = g->trig;
	uint64_t n = g->n;

	for (unsigned i = 0; i < e->fault.n; i++) {
		struct fault_item *f = &e->fault.f[i];
		if (f->marked && f->trig == trig && f->n == n && !e->fault.vanished)
			run(e, i, t, where, m);
	}
	line_unmark(e, where == W_OUT, m);
	renext(&e->fault);
}

void fault_fire(struct emu *e, uint64_t t)
{
	struct emu_faults *fs = &e->fault;
	uint64_t tm = UINT64_MAX;
	uint8_t m = e->line.out_marks ? line_out_mark(e, &tm) : 0;
	unsigned best = 0;

	if (m && tm <= t && tm <= fs->next) {
		run_marked(e, m, t, W_OUT);
		return;
	}
	for (unsigned i = 1; i < fs->n; i++)
		if (!fs->f[i].done && fs->f[i].at < fs->f[best].at)
			best = i;
	if (fs->n && !fs->f[best].done && fs->f[best].at <= t)
		run(e, best, t, W_TIME, 0);
	else if (fs->n)
		fs->f[best].at = UINT64_MAX; /* cannot happen; guarantees progress */
	renext(fs);
}

void fault_fire_in(struct emu *e, uint64_t t)
{
	run_marked(e, line_in_mark(e), t, W_IN);
}

void fault_orphan(struct emu *e, uint8_t mark, uint64_t t)
{
	const struct fault_item *g;

	if (!mark || mark > e->fault.n)
		return;
	g = &e->fault.f[mark - 1];
	for (unsigned i = 0; i < e->fault.n; i++) {
		struct fault_item *f = &e->fault.f[i];
		if (f->marked && f->trig == g->trig && f->n == g->n) {
			f->marked = false;
			f->at = t;
		}
	}
	renext(&e->fault);
}

void fault_served(struct emu *e, uint64_t t)
{
	uint64_t last = line_out_last(e);

	for (unsigned i = 0; i < e->fault.n; i++) {
		struct fault_item *f = &e->fault.f[i];
		if (f->trig == TRIG_AT_CMD && !f->done && f->at == UINT64_MAX && e->served >= f->n)
			f->at = last > t ? last : t; /* after its reply */
	}
	renext(&e->fault);
}

/* ------------------------------------------------------------------ flash commands */

bool fault_program(struct emu *e, uint64_t t)
{
	unsigned long idx = ++e->fault.programs;

	for (unsigned j = 0; j < e->fault.n; j++)
		if (e->fault.f[j].kind == EMU_F_PROGRAM_FAIL && hits(e, j, idx)) {
			note(e, EMU_F_PROGRAM_FAIL, t,
			     "program=%lu in=%" PRIu64 " -> not programmed, late FL 0006", idx,
			     e->st.bytes_in);
			return true;
		}
	return false;
}

unsigned fault_erase(struct emu *e, uint64_t t)
{
	unsigned long idx = ++e->fault.erases;

	for (unsigned j = 0; j < e->fault.n; j++)
		if (e->fault.f[j].kind == EMU_F_ERASE_FAIL && hits(e, j, idx)) {
			unsigned k = (unsigned)(draw(e, j, idx, 1) % 4u);
			note(e, EMU_F_ERASE_FAIL, t,
			     "erase=%lu in=%" PRIu64 " -> FL 0003 after at most %u erase steps",
			     idx, e->st.bytes_in, k);
			return k;
		}
	return UINT_MAX;
}

void fault_slowed(struct emu *e, uint64_t t, uint64_t us)
{
	if (e->fault.slow_x100 != 100)
		note(e, EMU_F_SLOW_ERASE, t, "x%u.%02u: the erase takes %" PRIu64 " us",
		     e->fault.slow_x100 / 100, e->fault.slow_x100 % 100, us);
}
