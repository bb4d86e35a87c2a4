// A push accepted by the push service is no proof that the patient saw it (the phone is off, the
// notification was swiped away, the browser was closed for days). So a push is the first word, not
// the only one: the offer's next channel follows after the clinic's fallbackDelayMinutes. If the
// patient answers first, the follow-up is never sent (prepare-delivery sends only for a live offer).
import { canUse } from "../core/channels.ts";
import { isLive } from "../core/offer.ts";
import { addMinutes } from "../core/time.ts";
import type { Channel, Delivery } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { deliveriesOfOffers, insertDelivery } from "../store/deliveries.ts";
import { getOffer } from "../store/offers.ts";
import { getPatient } from "../store/patients.ts";
import { settingsIn } from "./change-settings.ts";
import { audit } from "./deps.ts";
import { reachFor } from "./reach.ts";

/** After an offer's push was handed over: queues the plan's next usable channel. In the caller's transaction. */
export async function followUpPush(tx: Tx, d: Delivery, now: Date): Promise<Channel | null> {
  if (d.kind !== "OFFER" || d.channel !== "PUSH" || !d.offerId || !d.patientId) return null;
  const offer = await getOffer(tx, d.clinicId, d.offerId);
  const patient = await getPatient(tx, d.clinicId, d.patientId);
  if (!offer || !isLive(offer.status) || !patient) return null;
  const plan: Channel[] = Array.isArray(d.payload.plan) ? (d.payload.plan as Channel[]) : [];
  const tried = new Set((await deliveriesOfOffers(tx, d.clinicId, [offer.id])).filter((x) => x.kind === "OFFER").map((x) => x.channel));
  const reach = await reachFor(tx, patient);
  const next = plan.find((c) => !tried.has(c) && canUse(c, reach));
  if (!next) return null;
  const settings = await settingsIn(tx, d.clinicId);
  await insertDelivery(tx, {
    clinicId: d.clinicId,
    offerId: offer.id,
    patientId: d.patientId,
    kind: "OFFER",
    channel: next,
    dueAt: addMinutes(now, settings.fallbackDelayMinutes),
    payload: { plan, followUpOf: d.id },
    at: now,
  });
  await audit(tx, { clinicId: d.clinicId, actor: "system" }, now, {
    action: "delivery.follow_up",
    entity: "offer",
    entityId: offer.id,
    after: { from: d.channel, to: next, dueInMinutes: settings.fallbackDelayMinutes },
  });
  return next;
}
