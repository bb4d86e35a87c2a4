// Making one offer: the offer (SCHEDULED) and its first delivery, queued for the first moment the
// patient accepts messages, written in the caller's transaction (the outbox pattern).
import { channelPlan, type Reach } from "../core/channels.ts";
import { holdUntil } from "../core/hold.ts";
import { nextAllowedSend, patientZone, spreadSend } from "../core/quiet-hours.ts";
import { fail, ok, type Result } from "../core/result.ts";
import type { Settings } from "../core/settings.ts";
import type { Channel, Delivery, Offer, Opening, WaitlistEntry } from "../core/types.ts";
import { attempt, type Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { insertOffer } from "../store/offers.ts";
import { markEntryNotified } from "../store/waitlist.ts";
import type { Match } from "./match-opening.ts";
import { audit, type Caller } from "./deps.ts";

export interface OfferInput {
  opening: Opening;
  entry: WaitlistEntry;
  reach: Reach;
  patientTimezone: string | null;
  settings: Settings;
  now: Date;
  wave: number;
  rank: number | null;
  score: number | null;
  holdMinutes: number;
  /** Staff may ask for one channel; it must be usable for this patient. */
  channel?: Channel;
  /** Position in this run's deferred backlog, to spread the morning's sends. */
  backlogIndex: number;
}

// Deferred offers leave at this rate when quiet hours end: a backlog goes out over minutes, not at once.
const DEFERRED_PER_MINUTE = 20;

export async function makeOffer(tx: Tx, caller: Caller, i: OfferInput): Promise<Result<{ offer: Offer; delivery: Delivery }>> {
  const plan = channelPlan(i.settings.channelOrder, i.reach, i.channel);
  if (plan.length === 0) {
    return fail(
      "no_reachable_channel",
      i.channel ? `the patient cannot be reached by ${i.channel}` : "no channel reaches this patient (contact data and consent)",
    );
  }
  const zone = patientZone(i.patientTimezone, i.settings.timezone);
  const allowed = nextAllowedSend(i.now, zone, i.settings.quietHours);
  const deferred = allowed.getTime() > i.now.getTime();
  const sendAt = deferred ? spreadSend(allowed, i.backlogIndex, DEFERRED_PER_MINUTE) : i.now;
  if (holdUntil(sendAt, i.holdMinutes, i.opening.start, i.settings.cutoffMinutes) === null) {
    return deferred
      ? fail("quiet_hours", "the patient's quiet hours last until too close to the start of the opening")
      : fail("conflict", "the opening starts too soon to be offered (the hold would be under 10 minutes)");
  }
  const offer = await attempt(tx, ["23505"], () =>
    insertOffer(tx, {
      clinicId: caller.clinicId,
      openingId: i.opening.id,
      entryId: i.entry.id,
      patientId: i.entry.patientId,
      channel: plan[0]!,
      wave: i.wave,
      rank: i.rank,
      score: i.score,
      holdMinutes: i.holdMinutes,
      scheduledFor: sendAt,
      at: i.now,
    }),
  );
  if (!offer) return fail("conflict", "the patient already holds a live offer, or this entry was already offered this opening");
  const delivery = await insertDelivery(tx, {
    clinicId: caller.clinicId,
    offerId: offer.id,
    patientId: i.entry.patientId,
    kind: "OFFER",
    channel: plan[0]!,
    dueAt: sendAt,
    payload: { plan },
    at: i.now,
  });
  await markEntryNotified(tx, caller.clinicId, i.entry.id, i.now);
  await audit(tx, caller, i.now, { action: "offer.created", entity: "offer", entityId: offer.id, after: offer });
  return ok({ offer, delivery });
}

/**
 * An offer to a ranked match as part of a wave (automatic or staff's notify-matches). Counts a
 * deferred offer into the backlog so that the morning's sends are spread.
 */
export async function offerToMatch(
  tx: Tx,
  caller: Caller,
  w: { opening: Opening; match: Match; settings: Settings; now: Date; holdMinutes: number; backlog: { index: number } },
): Promise<Result<{ offer: Offer; delivery: Delivery }>> {
  const { opening, match: m, now } = w;
  const result = await makeOffer(tx, caller, {
    opening,
    entry: m.row.entry,
    reach: m.row.reach,
    patientTimezone: m.row.patientTimezone,
    settings: w.settings,
    now,
    wave: opening.waveCount + 1,
    rank: m.candidate.rank,
    score: m.candidate.score,
    holdMinutes: w.holdMinutes,
    backlogIndex: w.backlog.index,
  });
  if (result.ok && result.value.offer.scheduledFor && result.value.offer.scheduledFor.getTime() > now.getTime()) w.backlog.index++;
  return result;
}
