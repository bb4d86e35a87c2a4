// Conversion analytics for a period: how many offers turned into bookings, by channel, how many
// openings were filled and how fast, the revenue the waitlist recovered, and how fairly offers were
// spread over the waiting patients.
import { byChannel, fairness, minutes, ratio } from "../core/analytics.ts";
import { invalid, ok, type Result } from "../core/result.ts";
import { conversionRows, fairnessRows } from "../store/analytics.ts";
import { FILL_BUCKETS, openingOutcomes, timeToFill } from "../store/dashboard.ts";
import type { Caller, Deps } from "./deps.ts";

export async function conversion(deps: Deps, caller: Caller, range: { from?: Date; to?: Date }) {
  // [from, to): by default up to and including this instant.
  const to = range.to ?? new Date(deps.clock.now().getTime() + 1);
  const from = range.from ?? new Date(to.getTime() - 30 * 86_400_000); // default: the last 30 days
  if (from.getTime() >= to.getTime()) return invalid([{ path: "querystring/to", message: "must be after from" }]);
  const r = await conversionRows(deps.db, caller.clinicId, from, to);
  const f = await fairnessRows(deps.db, caller.clinicId, from, to);
  return ok({
    from: from.toISOString(),
    to: to.toISOString(),
    offers: r.offers,
    accepted: r.accepted,
    conversionRate: ratio(r.accepted, r.offers),
    medianResponseMinutes: minutes(r.medianResponseMinutes),
    byChannel: byChannel(r.byChannel),
    openings: r.openings,
    filled: r.filled,
    fillRate: ratio(r.filled, r.openings),
    medianTimeToFillMinutes: minutes(r.medianTimeToFillMinutes),
    revenueRecoveredCents: r.revenueRecoveredCents,
    fairness: fairness(f.offerCounts, f.longest),
  }) satisfies Result<unknown>;
}

/** The Analytics page: the API's figures plus the openings by outcome and by time to fill. */
export async function analyticsPage(deps: Deps, caller: Caller, range: { from: Date; to: Date }) {
  const figures = await conversion(deps, caller, range);
  if (!figures.ok) return figures;
  const [outcomes, fill] = await Promise.all([
    openingOutcomes(deps.db, caller.clinicId, range.from, range.to),
    timeToFill(deps.db, caller.clinicId, range.from, range.to),
  ]);
  return ok({ ...figures.value, outcomes, timeToFill: FILL_BUCKETS.map((b, i) => ({ label: b.label, count: fill[i] ?? 0 })) });
}
