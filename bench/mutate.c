/* SPDX-License-Identifier: MIT */
/*
 * Mutation run over real dumps (not a test: bench/mutate.sh builds it with AddressSanitizer and
 * UndefinedBehaviorSanitizer and runs it). Mutant i is fixture i mod n changed by one to four
 * seeded edits: byte flips, block copies (also from the other fixture), zeroed or erased
 * blocks, the user's strings planted, truncation, mirroring. Half the mutants are scrubbed
 * with those strings as --ssid/--psk. Each goes through the library as the offline commands use it:
 * classify, inspect + judge, check, scrub, check of the scrubbed copy. A mutant fails when the
 * scrub makes the verdict worse (doc/flash-layout.md §8) or adds a warning or error, changes a
 * byte it does not report, or leaves a user string it does not report (SCRUB-7), or when check
 * and inspect + judge disagree. A mutant running longer than the timeout is a hang; a sanitizer
 * report is a crash. Failing mutants are written to OUTDIR/mutant-SEED-I.bin. Usage: mutate SEED
 * COUNT TIMEOUT_S OUTDIR FIXTURE...
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "blrescue/image.h"

#define CAP	  (8u << 20)
#define MAX_FIX	  4
#define SSID	  "bl602"    /* found in both fixtures' firmware */
#define PSK	  "12345678" /* the factory AP password, also in digit tables */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static uint64_t rng;
static uint8_t *cur; /* the mutant, for the hang and crash handlers */
static size_t cur_len;
static char cur_path[4096];

static uint64_t next(void) /* splitmix64 */
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15u);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static void save(void) /* async-signal-safe */
{
	int fd = open(cur_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, cur, cur_len) < 0)
			cur_len = 0;
		close(fd);
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "mutate: HANG (timeout), mutant saved to ";

	(void)sig;
	save();
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, cur_path, strlen(cur_path)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(3);
	_exit(3);
}

static void on_death(void)
{
	save();
	fprintf(stderr, "mutate: CRASH, mutant saved to %s\n", cur_path);
}

/* An offset, two times in three inside the structures the parsers read first. */
static size_t where(size_t len)
{
	static const size_t hot[][2] = {{0, 0x200},	  {0xE000, 0x200},    {0xF000, 0x200},
					{0x10000, 0x200}, {0x1E9000, 0x8000}, {0x1F8000, 0x1000},
					{0xD8000, 0x200}, {0x160000, 0x200}};
	size_t h = below(3 * (sizeof(hot) / sizeof(hot[0])) / 2 + 1);

	if (h < sizeof(hot) / sizeof(hot[0]) && hot[h][0] < len)
		return hot[h][0] + below(MIN(hot[h][1], len - hot[h][0]));
	return below(len);
}

static void mutate(uint8_t *b, size_t *len, const uint8_t *other, size_t olen)
{
	size_t n = *len, edits = 1 + below(4);

	for (size_t e = 0; e < edits && n > 0; e++) {
		size_t op = below(100), off = where(n), l = 1 + below(0x10000);

		if (op < 10) { /* one of the user's strings planted, for the scrub to find */
			const char *str = below(2) ? SSID : PSK;

			memcpy(b + off, str, MIN(strlen(str), n - off));
		} else if (op < 50) { /* byte flips */
			for (size_t k = 1 + below(16); k > 0; k--)
				b[where(n)] ^= (uint8_t)(1 + below(255));
		} else if (op < 62) { /* block copy inside the dump, or from the other fixture */
			const uint8_t *src = below(2) && olen ? other : b;
			size_t sl = src == b ? n : olen, so = below(sl);

			l = MIN(l, MIN(sl - so, n - off));
			memmove(b + off, src + so, l);
		} else if (op < 75) { /* zeroed or erased block */
			memset(b + off, below(2) ? 0x00 : 0xFF, MIN(l, n - off));
		} else if (op < 88) { /* truncation, often at a size a tool stops at */
			static const size_t cut[] = {1u << 20, (2u << 20) - 1, 0x10000, 0xF000,
						     176};
			size_t c =
			    below(2) ? cut[below(sizeof(cut) / sizeof(cut[0]))] : below(n + 1);

			n = MIN(n, c);
		} else { /* mirrored: the first L bytes read 2 or 4 times (SIZE-3) */
			size_t L = 1, copies = below(2) ? 2 : 4;

			while (L * 2 <= n)
				L *= 2;
			L >>= below(2);
			while (L * copies > CAP)
				copies /= 2;
			for (size_t k = 1; k < copies; k++)
				memcpy(b + k * L, b, L);
			n = L * copies;
		}
	}
	*len = n;
}

static bool changes_reported(const uint8_t *a, const uint8_t *b, size_t n,
			     const struct blr_scrub_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		bool covered = a[i] == b[i];

		for (size_t k = 0; k < rep->n && !covered; k++)
			covered = rep->c[k].action != BLR_SCRUB_REPORTED && i >= rep->c[k].offset &&
				  i - rep->c[k].offset < rep->c[k].length;
		if (!covered)
			return false;
	}
	return true;
}

/* Every occurrence of s in b lies in a BLR_SCRUB_REPORTED record (SCRUB-7). */
static bool leftovers_reported(const uint8_t *b, size_t n, const char *s,
			       const struct blr_scrub_report *rep)
{
	size_t sl = strlen(s);

	for (size_t i = 0; i + sl <= n; i++) {
		bool covered = memcmp(b + i, s, sl) != 0;

		for (size_t k = 0; k < rep->n && !covered; k++)
			covered = rep->c[k].action == BLR_SCRUB_REPORTED && i >= rep->c[k].offset &&
				  i - rep->c[k].offset < rep->c[k].length;
		if (!covered)
			return false;
	}
	return true;
}

/* Every warning and error of the scrubbed copy (code, severity, offset) the dump had too: a
 * suspicious dump must not hide a defect the scrub adds. */
static bool no_new_problems(const uint8_t *b, const uint8_t *copy, size_t n)
{
	struct blr_image_info *x, *y;
	bool ok = true;

	if (blr_image_inspect(b, n, &x) != BLR_OK)
		return false;
	if (blr_image_inspect(copy, n, &y) != BLR_OK) {
		blr_image_info_free(x);
		return false;
	}
	for (size_t i = 0; i < y->n_problems && ok; i++) {
		const struct blr_problem *p = &y->problems[i];
		bool found = p->sev == BLR_SEV_INFO;

		for (size_t k = 0; k < x->n_problems && !found; k++)
			found = x->problems[k].code == p->code && x->problems[k].sev == p->sev &&
				x->problems[k].offset == p->offset;
		if (!found)
			fprintf(stderr, "  new: %s\n", p->text);
		ok = found;
	}
	blr_image_info_free(x);
	blr_image_info_free(y);
	return ok;
}

/* One mutant through the library; returns a failure text or NULL. */
static const char *run(uint8_t *b, size_t n, uint8_t *copy, unsigned *verdicts, bool strings)
{
	struct blr_image_class cl;
	struct blr_image_info *in;
	struct blr_check_result before, judged, after = {0};
	struct blr_scrub_report rep;
	struct blr_scrub_opts o = {strings ? SSID : NULL, strings ? PSK : NULL};
	const char *fail = NULL;

	if (blr_image_classify(b, n, &cl) != BLR_OK || !memchr(cl.what, 0, sizeof(cl.what)))
		return "classify failed";
	if (blr_image_check(b, n, 0, &before) != BLR_OK)
		return "check failed";
	if (blr_image_inspect(b, n, &in) != BLR_OK)
		return "inspect failed";
	blr_image_judge(in, 0, &judged);
	blr_image_info_free(in);
	if (judged.verdict != before.verdict || strcmp(judged.summary, before.summary) != 0)
		return "check and inspect + judge disagree";
	verdicts[before.verdict]++;
	memcpy(copy, b, n);
	if (blr_image_scrub(copy, n, &o, &rep) != BLR_OK)
		return "scrub failed";
	for (size_t k = 0; k < rep.n && !fail; k++)
		if ((uint64_t)rep.c[k].offset + rep.c[k].length > n)
			fail = "scrub reports a change outside the dump";
	if (!fail && !changes_reported(b, copy, n, &rep))
		fail = "scrub changed a byte it does not report";
	if (!fail && strings &&
	    (!leftovers_reported(copy, n, SSID, &rep) || !leftovers_reported(copy, n, PSK, &rep)))
		fail = "a user string is left and not reported";
	blr_scrub_report_free(&rep);
	if (!fail && blr_image_check(copy, n, 0, &after) != BLR_OK)
		fail = "check of the scrubbed copy failed";
	if (!fail && after.verdict > before.verdict)
		fail = "the scrubbed copy checks worse";
	if (!fail && !no_new_problems(b, copy, n))
		fail = "the scrubbed copy has a warning or error the dump had not";
	if (fail && after.summary[0])
		fprintf(stderr, "  before: %s\n  after:  %s\n", before.summary, after.summary);
	return fail;
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(CAP);

	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	*len = fread(b, 1, CAP / 2, f);
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	uint8_t *fix[MAX_FIX], *copy = malloc(CAP);
	size_t flen[MAX_FIX], nfix = 0, failures = 0;
	unsigned verdicts[3] = {0, 0, 0};

	if (argc < 6 || !copy || !(cur = malloc(CAP))) {
		fprintf(stderr, "usage: mutate SEED COUNT TIMEOUT_S OUTDIR FIXTURE...\n");
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	unsigned long count = strtoul(argv[2], NULL, 0), timeout = strtoul(argv[3], NULL, 0);

	for (int i = 5; i < argc && nfix < MAX_FIX; i++, nfix++)
		if (!(fix[nfix] = load(argv[i], &flen[nfix]))) {
			fprintf(stderr, "mutate: cannot read %s\n", argv[i]);
			return 2;
		}
	signal(SIGALRM, on_alarm);
	__sanitizer_set_death_callback(on_death);
	for (unsigned long i = 0; i < count; i++) {
		size_t f = i % nfix;
		const char *fail;

		rng = seed ^ (i * 0xD1B54A32D192ED03u);
		snprintf(cur_path, sizeof(cur_path), "%s/mutant-%llu-%lu.bin", argv[4],
			 (unsigned long long)seed, i);
		memcpy(cur, fix[f], flen[f]);
		cur_len = flen[f];
		mutate(cur, &cur_len, fix[(f + 1) % nfix], flen[(f + 1) % nfix]);
		alarm((unsigned)timeout);
		fail = run(cur, cur_len, copy, verdicts, below(2) == 0);
		alarm(0);
		if (fail) {
			failures++;
			save();
			fprintf(stderr, "mutate: mutant %lu (%zu bytes): %s; saved to %s\n", i,
				cur_len, fail, cur_path);
		}
	}
	printf("mutate: %lu mutants (seed %llu) of %zu fixtures: %zu failed; verdicts before "
	       "scrub: %u complete, %u suspicious, %u not a dump\n",
	       count, (unsigned long long)seed, nfix, failures, verdicts[0], verdicts[1],
	       verdicts[2]);
	for (size_t i = 0; i < nfix; i++)
		free(fix[i]);
	free(copy);
	free(cur);
	return failures ? 1 : 0;
}
