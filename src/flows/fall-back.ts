// A delivery failed (provider refusal, bounce, no consent any more, unknown outcome): try the next
// channel of the patient's plan after the clinic's fallback delay. When none is left and the patient
// was never reached, the offer ends (the entry is UNREACHABLE) and the opening's flow moves on.
import { canUse } from "../core/channels.ts";
import { isLive } from "../core/offer.ts";
import { addMinutes } from "../core/time.ts";
import type { Channel, Delivery } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { deliveriesOfOffers, insertDelivery, markDeliveryFailed } from "../store/deliveries.ts";
import { getOffer, withdrawLiveOffers } from "../store/offers.ts";
import { wakeOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { setEntryStatus } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { audit } from "./deps.ts";
import { reachOf } from "./reach.ts";

export type FallBack = "next_channel" | "unreachable" | "nothing";

/** Marks `d` FAILED (if it is not already) and moves its offer along. In the caller's transaction. */
export async function failAndFallBack(tx: Tx, d: Delivery, reason: string, now: Date): Promise<FallBack> {
  await markDeliveryFailed(tx, d.id, reason, now);
  if (d.kind !== "OFFER" || !d.offerId || !d.patientId) return "nothing";
  const offer = await getOffer(tx, d.clinicId, d.offerId);
  if (!offer || !isLive(offer.status)) return "nothing";
  const patient = await getPatient(tx, d.clinicId, d.patientId);
  const settings = await settingsIn(tx, d.clinicId);
  const tried = new Set((await deliveriesOfOffers(tx, d.clinicId, [offer.id])).filter((x) => x.kind === "OFFER").map((x) => x.channel));
  const plan = (Array.isArray(d.payload.plan) ? (d.payload.plan as Channel[]) : settings.channelOrder).filter((c) => !tried.has(c));
  const next = patient ? plan.find((c) => canUse(c, reachOf(patient))) : undefined;
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
  if (offer.status === "PENDING") return "nothing"; // an earlier message reached them; the hold runs its course
  await withdrawLiveOffers(tx, d.clinicId, { entryId: offer.entryId }, now, "unreachable");
  await setEntryStatus(tx, d.clinicId, offer.entryId, "UNREACHABLE", now);
  await wakeOpening(tx, d.clinicId, offer.openingId, now);
  await audit(tx, { clinicId: d.clinicId, actor: "system" }, now, {
    action: "offer.unreachable",
    entity: "offer",
    entityId: offer.id,
    after: { lastChannel: d.channel, reason },
  });
  return "unreachable";
}
