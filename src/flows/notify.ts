// Staff offer openings by hand: one entry (POST …/waitlist/:id/notify) or the best matches of
// several openings at once (POST …/waitlist/notify-matches). Deliveries due now go out before the
// answer, so a notification made outside quiet hours comes back PENDING with its hold running.
import { capReached } from "../core/caps.ts";
import { fail, invalid, notFound, ok, type Result } from "../core/result.ts";
import { nextWave, type WavePlan } from "../core/strategy.ts";
import type { Channel, Offer, Opening } from "../core/types.ts";
import { patientOfferUsage } from "../store/candidates.ts";
import { inTransaction } from "../store/db.ts";
import { getOffer } from "../store/offers.ts";
import { lockOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { getEntry } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { closedFailure, closureOf } from "./closures.ts";
import type { Caller, Deps } from "./deps.ts";
import { dispatchDelivery } from "./dispatch-deliveries.ts";
import { reachFor } from "./reach.ts";
import { makeOffer, offerToMatch } from "./make-offer.ts";
import { matchOpening, type Match } from "./match-opening.ts";

export async function notifyEntry(deps: Deps, caller: Caller, entryId: string, input: { slotId: string; channel?: Channel }): Promise<Result<Offer>> {
  const now = deps.clock.now();
  const made = await inTransaction(deps.db, async (tx) => {
    const opening = await lockOpening(tx, caller.clinicId, input.slotId);
    if (!opening) return notFound("slot", "/slotId");
    if (opening.status !== "OPEN") return fail("slot_filled", `the slot is ${opening.status}`);
    const closure = await closureOf(tx, opening);
    if (closure) return closedFailure(opening, closure);
    const entry = await getEntry(tx, caller.clinicId, entryId, true);
    if (!entry) return notFound("waitlist entry");
    const settings = await settingsIn(tx, caller.clinicId);
    if (entry.status === "EXHAUSTED" || entry.notificationCount >= settings.maxNotificationsPerEntry) {
      return fail("max_notifications_reached", `this entry has had ${entry.notificationCount} of ${settings.maxNotificationsPerEntry} notifications`);
    }
    if (entry.status !== "ACTIVE") return fail("conflict", `waitlist entry is ${entry.status}`);
    // The per-patient message caps (DESIGN.md: nothing is sent past the caps) bind staff too.
    const usage = await patientOfferUsage(tx, caller.clinicId, entry.patientId, now);
    const cap = capReached({ entryNotifications: entry.notificationCount, ...usage }, settings);
    if (cap) return fail("max_notifications_reached", `the patient has reached the ${cap === "daily_cap" ? "daily" : "weekly"} cap on offers`);
    const patient = (await getPatient(tx, caller.clinicId, entry.patientId))!;
    return makeOffer(tx, caller, {
      opening,
      entry,
      reach: await reachFor(tx, patient),
      patientTimezone: patient.timezone,
      settings,
      now,
      wave: opening.waveCount + 1,
      rank: null,
      score: null,
      holdMinutes: settings.holdMinutes,
      channel: input.channel,
      backlogIndex: 0,
    });
  });
  if (!made.ok) return made;
  await dispatchDelivery(deps, made.value.delivery.id, now);
  return ok(made.value.offer);
}

export interface Skipped {
  entryId: string | null;
  slotId: string;
  reason: string;
}

export async function notifyMatches(deps: Deps, caller: Caller, slotIds: string[]): Promise<Result<{ offers: Offer[]; skipped: Skipped[] }>> {
  if (new Set(slotIds).size !== slotIds.length) return invalid([{ path: "/slotIds", message: "must not repeat a slot" }]);
  const now = deps.clock.now();
  const made = await inTransaction(deps.db, async (tx) => {
    const settings = await settingsIn(tx, caller.clinicId);
    const offers: { offer: Offer; deliveryId: string }[] = [];
    const skipped: Skipped[] = [];
    const patients = new Set<string>(); // one live offer per patient across all the slots
    const backlog = { index: 0 };
    const planned: { opening: Opening; matches: Match[]; plan: WavePlan }[] = [];
    for (const [i, slotId] of [...slotIds].sort().entries()) {
      const opening = await lockOpening(tx, caller.clinicId, slotId);
      if (!opening) return notFound("slot", `/slotIds/${slotIds.indexOf(slotId) ?? i}`);
      if (opening.status !== "OPEN") {
        skipped.push({ entryId: null, slotId, reason: "slot_filled" });
        continue;
      }
      const closure = await closureOf(tx, opening);
      if (closure) return closedFailure(opening, closure);
      const matches = await matchOpening(tx, opening, settings, now);
      const plan = nextWave(settings, opening, now, matches.length);
      if (!plan) {
        skipped.push({ entryId: null, slotId, reason: matches.length === 0 ? "no_candidates" : "too_late" });
        continue;
      }
      planned.push({ opening, matches, plan });
    }
    // Offers only after every slot was matched: a patient offered an earlier slot still shows up as a
    // candidate of the later ones, and is listed as skipped there instead of silently missing.
    for (const { opening, matches, plan } of planned) {
      const slotId = opening.id;
      let count = 0;
      for (const m of matches) {
        if (count >= plan.size) break;
        if (patients.has(m.row.entry.patientId)) {
          skipped.push({ entryId: m.candidate.entryId, slotId, reason: "patient_has_live_offer" });
          continue;
        }
        const result = await offerToMatch(tx, caller, { opening, match: m, settings, now, holdMinutes: plan.holdMinutes, backlog });
        if (!result.ok) {
          skipped.push({ entryId: m.candidate.entryId, slotId, reason: result.code });
          continue;
        }
        patients.add(m.row.entry.patientId);
        offers.push({ offer: result.value.offer, deliveryId: result.value.delivery.id });
        count++;
      }
    }
    return ok({ offers, skipped });
  });
  if (!made.ok) return made;
  for (const o of made.value.offers) await dispatchDelivery(deps, o.deliveryId, now);
  // Read back after dispatch: an offer sent just now is PENDING with its hold, not the SCHEDULED row made above.
  const offers: Offer[] = [];
  for (const o of made.value.offers) offers.push((await getOffer(deps.db, caller.clinicId, o.offer.id)) ?? o.offer);
  return ok({ offers, skipped: made.value.skipped });
}
