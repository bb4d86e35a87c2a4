// The waitlist flow for one opening: whenever it is due (next_wave_at), either send the next wave,
// wait for live offers to end, look again later, or expire it when it is too late to offer.
import { lastOfferMoment } from "../core/hold.ts";
import { nextWave } from "../core/strategy.ts";
import { addMinutes } from "../core/time.ts";
import type { Opening } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { liveOffersOfOpening } from "../store/offers.ts";
import { expireOpening, setNextWave } from "../store/openings.ts";
import { markPassedOver } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { closeForClosure, closureOf } from "./closures.ts";
import { audit, type Caller } from "./deps.ts";
import { offerToMatch } from "./make-offer.ts";
import { matchOpening } from "./match-opening.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

// With nobody to offer to, look again this often (new entries, caps that reset) until the cut-off.
const RECHECK_MINUTES = 30;
// Fairness: the best fitting entries not in the first wave are marked passed over (bounded work).
const PASSED_OVER_LIMIT = 50;

export type Advance = "expired" | "waiting" | "wave" | "nobody" | "closed";

/** `opening` is locked by the caller. */
export async function advanceOpening(tx: Tx, opening: Opening, now: Date, backlog: { index: number }): Promise<Advance> {
  const caller: Caller = { clinicId: opening.clinicId, actor: "system" };
  const settings = await settingsIn(tx, opening.clinicId);
  const cutoffAt = addMinutes(opening.start, -settings.cutoffMinutes);

  // Openings inside a closure are never offered: close it and withdraw whatever is live.
  const closure = await closureOf(tx, opening);
  if (closure) {
    await closeForClosure(tx, caller, opening, closure, now);
    return "closed";
  }

  if (now.getTime() >= cutoffAt.getTime()) {
    const withdrawn = await withdrawLiveOffers(tx, opening.clinicId, { openingId: opening.id }, now, "expired");
    const expired = await expireOpening(tx, opening.clinicId, opening.id, now);
    await audit(tx, caller, now, {
      action: "opening.expired",
      entity: "opening",
      entityId: opening.id,
      before: opening,
      after: { ...expired, withdrawnOfferIds: withdrawn },
    });
    return "expired";
  }

  const live = await liveOffersOfOpening(tx, opening.clinicId, opening.id);
  if (live.length > 0) {
    // Offers' endings (decline, expiry) make the opening due again; this is only a safety net.
    const latest = Math.max(...live.map((o) => (o.holdExpiresAt ?? addMinutes(o.scheduledFor ?? now, o.holdMinutes)).getTime()));
    await setNextWave(tx, opening.clinicId, opening.id, new Date(Math.min(latest + 60_000, cutoffAt.getTime())), now);
    return "waiting";
  }

  // At the last offer moment itself a minimum hold still fits exactly (holdUntil accepts it): `<=`. With `<`
  // an opening starting at exactly now + cutoff + minimum hold (a no-show swept at start + grace) was never offered.
  const matches = now.getTime() <= lastOfferMoment(opening.start, settings.cutoffMinutes).getTime() ? await matchOpening(tx, opening, settings, now) : [];
  const plan = nextWave(settings, opening, now, matches.length);
  if (!plan) {
    await setNextWave(tx, opening.clinicId, opening.id, minDate(addMinutes(now, RECHECK_MINUTES), cutoffAt), now);
    return "nobody";
  }

  let made = 0;
  const offered = new Set<string>();
  for (const m of matches) {
    if (made >= plan.size) break;
    const result = await offerToMatch(tx, caller, { opening, match: m, settings, now, holdMinutes: plan.holdMinutes, backlog });
    if (!result.ok) continue; // e.g. quiet hours last past the cut-off for this patient: try the next one
    offered.add(m.candidate.entryId);
    made++;
  }
  if (made === 0) {
    await setNextWave(tx, opening.clinicId, opening.id, minDate(addMinutes(now, RECHECK_MINUTES), cutoffAt), now);
    return "nobody";
  }
  if (opening.waveCount === 0) {
    const passed = matches.filter((m) => !offered.has(m.candidate.entryId)).slice(0, PASSED_OVER_LIMIT);
    await markPassedOver(
      tx,
      opening.clinicId,
      passed.map((m) => m.candidate.entryId),
      now,
    );
  }
  await setNextWave(tx, opening.clinicId, opening.id, cutoffAt, now, opening.waveCount + 1);
  await audit(tx, caller, now, {
    action: "opening.wave_sent",
    entity: "opening",
    entityId: opening.id,
    after: { wave: opening.waveCount + 1, offers: made, holdMinutes: plan.holdMinutes, strategy: settings.strategy },
  });
  return "wave";
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
