// A delivery failed (provider refusal, bounce, no consent any more, unknown outcome): try the next
// channel of the patient's plan after the clinic's fallback delay. When none is left, staff get an
// outreach task (deadline 1 h, high priority) and an alert, and the offer is held for their call; if
// nobody reaches the patient the entry becomes UNREACHABLE (expire-holds, complete-outreach).
import { canUse } from "../core/channels.ts";
import { holdUntil } from "../core/hold.ts";
import { decide, evolveAll, isLive } from "../core/offer.ts";
import { addMinutes } from "../core/time.ts";
import type { Channel, Delivery, Offer } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { deliveriesOfOffers, insertDelivery, markDeliveryFailed } from "../store/deliveries.ts";
import { getOffer, saveOfferState } from "../store/offers.ts";
import { getOpening, wakeOpening } from "../store/openings.ts";
import { insertStaffAlert, openOutreachTask } from "../store/outreach.ts";
import { getPatient } from "../store/patients.ts";
import { setEntryStatus } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { audit } from "./deps.ts";
import { fallBackReminder } from "./fall-back-reminder.ts";
import { reachFor } from "./reach.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

export type FallBack = "next_channel" | "unreachable" | "outreach" | "nothing";

/** Marks `d` FAILED (if it is not already) and moves its offer along. In the caller's transaction. */
export async function failAndFallBack(tx: Tx, d: Delivery, reason: string, now: Date): Promise<FallBack> {
  await markDeliveryFailed(tx, d.id, reason, now);
  if (d.kind === "REMINDER") {
    const reminder = await fallBackReminder(tx, d, reason, now);
    return reminder === "staff_alerted" ? "nothing" : reminder;
  }
  if (d.kind !== "OFFER" || !d.offerId || !d.patientId) return "nothing";
  const offer = await getOffer(tx, d.clinicId, d.offerId);
  if (!offer || !isLive(offer.status)) return "nothing";
  const patient = await getPatient(tx, d.clinicId, d.patientId);
  const settings = await settingsIn(tx, d.clinicId);
  const tried = new Set((await deliveriesOfOffers(tx, d.clinicId, [offer.id])).filter((x) => x.kind === "OFFER").map((x) => x.channel));
  const plan = (Array.isArray(d.payload.plan) ? (d.payload.plan as Channel[]) : settings.channelOrder).filter((c) => !tried.has(c));
  const reach = patient ? await reachFor(tx, patient) : null;
  const next = reach ? plan.find((c) => canUse(c, reach)) : undefined;
  if (next) {
    await insertDelivery(tx, {
      clinicId: d.clinicId,
      offerId: offer.id,
      patientId: d.patientId,
      kind: "OFFER",
      channel: next,
      dueAt: addMinutes(now, settings.fallbackDelayMinutes),
      payload: { plan: d.payload.plan ?? settings.channelOrder, fallbackFrom: d.id },
      at: now,
    });
    await audit(tx, { clinicId: d.clinicId, actor: "system" }, now, {
      action: "delivery.fallback",
      entity: "offer",
      entityId: offer.id,
      after: { from: d.channel, to: next, reason },
    });
    return "next_channel";
  }
  // Every channel failed: the hold is not left to burn silently. Staff get a task to call the
  // patient (deadline 1 h) and an alert; the offer is held for that call.
  return needsOutreach(tx, offer, d.channel, reason, now);
}

const OUTREACH_MINUTES = 60;

async function needsOutreach(tx: Tx, offer: Offer, lastChannel: Channel, reason: string, now: Date): Promise<FallBack> {
  const system = { clinicId: offer.clinicId, actor: "system" };
  const settings = await settingsIn(tx, offer.clinicId);
  const opening = (await getOpening(tx, offer.clinicId, offer.openingId))!;
  let hold = offer.holdExpiresAt;
  if (offer.status === "SCHEDULED") {
    hold = holdUntil(now, OUTREACH_MINUTES, opening.start, settings.cutoffMinutes);
    const decision = hold ? decide({ type: "send", now, holdExpiresAt: hold }, offer) : null;
    if (!decision?.ok) {
      // Too late even for a phone call: the offer ends and the opening moves on.
      await withdrawLiveOffers(tx, offer.clinicId, { entryId: offer.entryId }, now, "unreachable");
      await setEntryStatus(tx, offer.clinicId, offer.entryId, "UNREACHABLE", now);
      await wakeOpening(tx, offer.clinicId, offer.openingId, now);
      await audit(tx, system, now, { action: "offer.unreachable", entity: "offer", entityId: offer.id, after: { lastChannel, reason } });
      return "unreachable";
    }
    await saveOfferState(tx, offer, { ...evolveAll(offer, decision.value), message: "Staff to call: every channel failed" }, now);
  }
  const deadline = new Date(Math.min(now.getTime() + OUTREACH_MINUTES * 60_000, (hold ?? now).getTime()));
  const task = await openOutreachTask(tx, {
    clinicId: offer.clinicId,
    offerId: offer.id,
    patientId: offer.patientId,
    deadline,
    notes: `Every channel failed (last: ${lastChannel}, ${reason}). Call the patient about the opening.`,
    at: now,
  });
  if (!task) return "outreach"; // already open for this offer
  const when = opening.start.toISOString();
  const message = `A patient could not be reached about the opening at ${when}. Outreach task ${task.id} is due by ${deadline.toISOString()}.`;
  await insertStaffAlert(tx, { clinicId: offer.clinicId, kind: "outreach", subjectId: task.id, message, at: now });
  if (settings.staffAlertEmail) {
    await insertDelivery(tx, {
      clinicId: offer.clinicId,
      offerId: null,
      patientId: null,
      kind: "NOTICE",
      channel: "EMAIL",
      dueAt: now,
      payload: { to: settings.staffAlertEmail, subject: "Backfill: a patient needs a call", text: message },
      at: now,
    });
  }
  await audit(tx, system, now, { action: "outreach_task.created", entity: "outreach_task", entityId: task.id, after: task });
  return "outreach";
}
