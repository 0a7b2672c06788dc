/* SPDX-License-Identifier: MIT */
/*
 * Progress display: a bar with bytes, rate and ETA redrawn in place when stderr is a
 * terminal; otherwise one plain line at the start, every 25 % and at the end; nothing
 * with -q.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "platform.h"

uint64_t cli_now_ms(void)
{
	return plat_now_ms();
}

static const char *stage_name(enum blr_stage s)
{
	switch (s) {
	case BLR_STAGE_UPLOAD_LOADER:
		return "Loader";
	case BLR_STAGE_READ:
		return "Reading";
	case BLR_STAGE_ERASE:
		return "Erasing";
	case BLR_STAGE_WRITE:
		return "Writing";
	case BLR_STAGE_VERIFY:
		return "Verifying";
	case BLR_STAGE_COMPARE:
		return "Comparing";
	}
	return "Working";
}

void cli_progress_init(struct cli_progress *pr, const struct cli *cli)
{
	memset(pr, 0, sizeof(*pr));
	pr->cli = cli;
	pr->tty = plat_isatty(2);
	pr->ansi = pr->tty && plat_term_ansi(2);
}

void cli_progress_end(struct cli_progress *pr)
{
	if (pr->line_open) {
		fputc('\n', stderr);
		pr->line_open = false;
	}
}

static void fmt_bytes(uint64_t n, char *buf, size_t cap)
{
	if (n >= 1024 * 1024)
		snprintf(buf, cap, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(buf, cap, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(buf, cap, "%" PRIu64 " B", n);
}

/*
 * Stages interleave during a restore (compare, then erase and write run by run, then
 * verify): each stage keeps its own start time and position, and the short erase runs
 * inside a write are not shown separately.
 */
void cli_progress_cb(void *user, enum blr_stage stage, uint64_t done, uint64_t total)
{
	struct cli_progress *pr = user;
	struct cli_progress_stage *s;
	uint64_t now = cli_now_ms(), el;
	char d[32], t[32], r[32], eta[32];
	double rate;
	int pct;

	if (pr->cli->quiet || (unsigned)stage >= sizeof(pr->st) / sizeof(pr->st[0]))
		return;
	s = &pr->st[stage];
	if (!s->active && s->last_pct == 100 && done >= total && s->last_done >= total)
		return; /* a finished stage reported again */
	if (!s->active || done < s->last_done) {
		s->active = true;
		s->t0_ms = now;
		s->last_pct = -1;
	}
	s->last_done = done;
	if (done > total)
		done = total;
	if (done >= total)
		s->active = false;
	if (stage == BLR_STAGE_ERASE && pr->st[BLR_STAGE_WRITE].active)
		return;
	pct = total ? (int)(done * 100 / total) : 100;
	el = now - s->t0_ms;
	rate = el ? (double)done * 1000.0 / (double)el : 0.0;
	fmt_bytes(done, d, sizeof(d));
	fmt_bytes(total, t, sizeof(t));
	fmt_bytes((uint64_t)rate, r, sizeof(r));
	if (done < total && rate > 0.0 && el >= 200)
		snprintf(eta, sizeof(eta), "ETA %us",
			 (unsigned)((double)(total - done) / rate + 0.5));
	else if (done >= total)
		snprintf(eta, sizeof(eta), "%u.%01us", (unsigned)(el / 1000),
			 (unsigned)(el % 1000 / 100));
	else
		snprintf(eta, sizeof(eta), "ETA --");

	if (pr->tty) {
		char bar[31];
		int fill = pct * 30 / 100;

		if (done < total && now - pr->last_draw_ms < 100 && pct == s->last_pct)
			return;
		memset(bar, '=', (size_t)fill);
		memset(bar + fill, ' ', (size_t)(30 - fill));
		if (fill < 30 && fill > 0)
			bar[fill - 1] = '>';
		bar[30] = '\0';
		fprintf(stderr, "\r%-9s [%s] %3d%%  %s / %s  %s/s  ", stage_name(stage), bar, pct,
			d, t, r);
		/* the rest of a longer line before erased: "\033[K", or spaces on a console
		 * without escapes (an older Windows) */
		fprintf(stderr, pr->ansi ? "%s\033[K" : "%-12s", eta);
		pr->line_open = true;
		pr->last_draw_ms = now;
		s->last_pct = pct;
		if (done >= total)
			cli_progress_end(pr);
		fflush(stderr);
		return;
	}
	/* Plain lines: start, every 25 %, end. */
	if (s->last_pct >= 0 && pct / 25 == s->last_pct / 25 && done < total)
		return;
	s->last_pct = pct;
	fprintf(stderr, "%s: %3d%%  %s / %s  %s/s  %s\n", stage_name(stage), pct, d, t, r, eta);
}
