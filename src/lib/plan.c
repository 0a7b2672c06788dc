/* SPDX-License-Identifier: MIT */
/*
 * The write plan of one 64 KiB block (doc/protocol.md OP-13, OP-15): erase what must be
 * erased, never a sector only because it is there (a blank sector is programmed without an
 * erase), and let a 32 or 64 KiB erase take over where it is cheaper than the sector erases
 * plus programming again the equal sectors it wipes.
 */
#include "lib/plan.h"

#define HALF_UNITS (PLAN_UNITS / 2)

static bool in(uint16_t set, unsigned i)
{
	return (set >> i) & 1u;
}

/* Sectors to program when the set erase is erased: every sector that does not hold its
 * target afterwards and whose target is not all 0xFF. */
static uint16_t writes_for(const struct plan_unit u[PLAN_UNITS], uint16_t erase)
{
	uint16_t w = 0;

	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if (u[i].state != PU_ABSENT && !u[i].tblank &&
		    (in(erase, i) || u[i].state != PU_EQUAL))
			w |= (uint16_t)(1u << i);
	return w;
}

static double cost_of(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS],
		      uint16_t erase, uint16_t *write)
{
	size_t steps[3] = {0, 0, 0};
	double ms = 0;

	for (unsigned i = 0; i < PLAN_UNITS;) {
		unsigned j = i;

		if (!in(erase, i)) {
			i++;
			continue;
		}
		while (j < PLAN_UNITS && in(erase, j))
			j++;
		/* one erase command per run; the loader picks its steps (ERASE-2) */
		ms +=
		    o->c.rtt + fl_erase_steps(o, base + i * FL_SECTOR, base + j * FL_SECTOR, steps);
		i = j;
	}
	*write = writes_for(u, erase);
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		if (in(*write, i))
			ms += u[i].wcost;
		if (in(erase, i) && u[i].partial)
			ms += u[i].rbcost;
	}
	return ms;
}

/* A half (or the block) may be erased whole only when all its sectors are in the range. */
static bool fillable(const struct plan_unit u[PLAN_UNITS], unsigned from, unsigned n)
{
	for (unsigned i = from; i < from + n; i++)
		if (u[i].state == PU_ABSENT || u[i].partial)
			return false;
	return true;
}

double plan_block(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS],
		  struct plan *plan)
{
	const uint16_t half[2] = {(1u << HALF_UNITS) - 1,
				  (uint16_t)(((1u << HALF_UNITS) - 1) << HALF_UNITS)};
	uint16_t need = 0, cand[4];
	unsigned n = 0;

	for (unsigned i = 0; i < PLAN_UNITS; i++)
		if (u[i].state == PU_ERASE)
			need |= (uint16_t)(1u << i);
	cand[n++] = need;
	for (unsigned h = 0; h < 2; h++)
		if ((need & half[h]) && fillable(u, h * HALF_UNITS, HALF_UNITS))
			cand[n++] = need | half[h];
	if (n == 3)
		cand[n++] = need | half[0] | half[1];
	plan->cost = -1;
	for (unsigned k = 0; k < n; k++) {
		uint16_t w;
		double c = cost_of(o, base, u, cand[k], &w);

		/* ties keep the smaller erase (fewer erase cycles) */
		if (plan->cost < 0 || c < plan->cost) {
			plan->cost = c;
			plan->erase = cand[k];
			plan->write = w;
		}
	}
	return plan->cost;
}

double plan_gain_max(const struct fl_op *o, uint64_t base, const struct plan_unit u[PLAN_UNITS])
{
	struct plan_unit v[PLAN_UNITS];
	struct plan p;
	double unknown, best = -1;

	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		v[i] = u[i];
		if (v[i].state != PU_ABSENT)
			v[i].state = PU_ERASE;
	}
	unknown = plan_block(o, base, v, &p);
	for (unsigned i = 0; i < PLAN_UNITS; i++) {
		double c;

		if (u[i].state == PU_ABSENT)
			continue;
		for (unsigned j = 0; j < PLAN_UNITS; j++)
			if (v[j].state != PU_ABSENT)
				v[j].state = j == i ? PU_ERASE : PU_EQUAL;
		c = plan_block(o, base, v, &p);
		if (best < 0 || c < best)
			best = c;
	}
	return best < 0 ? 0 : unknown - best;
}
