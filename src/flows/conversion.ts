// Conversion analytics for a period: how many offers turned into bookings, by channel, how many
// openings were filled and how fast, and the revenue the waitlist recovered.
import { invalid, ok, type Result } from "../core/result.ts";
import { conversionRows } from "../store/analytics.ts";
import type { Caller, Deps } from "./deps.ts";

const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);
const minutes = (m: number | null) => (m === null ? null : Math.round(m * 10) / 10);

export async function conversion(deps: Deps, caller: Caller, range: { from?: Date; to?: Date }) {
  // [from, to): by default up to and including this instant.
  const to = range.to ?? new Date(deps.clock.now().getTime() + 1);
  const from = range.from ?? new Date(to.getTime() - 30 * 86_400_000); // default: the last 30 days
  if (from.getTime() >= to.getTime()) return invalid([{ path: "querystring/to", message: "must be after from" }]);
  const r = await conversionRows(deps.db, caller.clinicId, from, to);
  return ok({
    from: from.toISOString(),
    to: to.toISOString(),
    offers: r.offers,
    accepted: r.accepted,
    conversionRate: ratio(r.accepted, r.offers),
    medianResponseMinutes: minutes(r.medianResponseMinutes),
    byChannel: r.byChannel.map((c) => ({
      channel: c.channel,
      sent: c.sent,
      delivered: c.delivered,
      accepted: c.accepted,
      conversionRate: ratio(c.accepted, c.offers),
    })),
    openings: r.openings,
    filled: r.filled,
    fillRate: ratio(r.filled, r.openings),
    medianTimeToFillMinutes: minutes(r.medianTimeToFillMinutes),
    revenueRecoveredCents: r.revenueRecoveredCents,
  }) satisfies Result<unknown>;
}
