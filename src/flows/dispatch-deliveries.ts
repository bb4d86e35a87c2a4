// Handing due deliveries to their channels. At most once: a delivery is SENDING (committed) before
// its provider is called; what the provider answers is recorded afterwards. Quiet hours, consent
// and the hold are checked again at send time, not only when the offer was made.
import type { SendResult } from "../channels/channel.ts";
import { holdUntil } from "../core/hold.ts";
import { decide, evolveAll } from "../core/offer.ts";
import { addMinutes } from "../core/time.ts";
import type { Delivery } from "../core/types.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import {
  claimDelivery,
  claimDueDeliveries,
  findDeliveryByProviderId,
  lockOwnPaymentHold,
  lockStaleSending,
  markDeliverySent,
  recordSendAttempt,
  requeueDelivery,
} from "../store/deliveries.ts";
import { getOffer, recordLateSend, saveOfferState } from "../store/offers.ts";
import { getOpening, lockOpening } from "../store/openings.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";
import { failAndFallBack } from "./fall-back.ts";
import { followUpPush } from "./follow-up-push.ts";
import { prepareDelivery } from "./prepare-delivery.ts";
import { hashSecret } from "./secrets.ts";

/** Sends what is due at `now`; returns how many deliveries it took from the queue. */
export async function dispatchDue(deps: Deps, now: Date, limit = 50): Promise<number> {
  const claimed = await inTransaction(deps.db, (tx) => claimDueDeliveries(tx, now, limit));
  for (const d of claimed) await dispatchOne(deps, d, now);
  return claimed.length;
}

/** Sends one delivery now if it is due (a notification made outside quiet hours goes out at once). */
export async function dispatchDelivery(deps: Deps, deliveryId: string, now: Date): Promise<void> {
  const claimed = await inTransaction(deps.db, (tx) => claimDelivery(tx, deliveryId, now));
  if (claimed) await dispatchOne(deps, claimed, now);
}

async function dispatchOne(deps: Deps, d: Delivery, now: Date): Promise<void> {
  const prepared = await inTransaction(deps.db, async (tx) => {
    // Taken back by another runner since the claim (stale to it): not ours to send any more.
    if (!(await lockOwnPaymentHold(tx, d.id, d.attemptCount))) return null;
    const p = await prepareDelivery(deps, tx, d, now);
    // Stamped with the hand-over's own time, not the drain's start: the stale limit counts from here.
    const at = new Date(Math.max(now.getTime(), deps.clock.now().getTime()));
    if (p) await recordSendAttempt(tx, d.id, { toAddress: p.message.to, tokenHash: p.tokenHash, bodyHash: hashSecret(p.message.body), at });
    return p;
  });
  if (!prepared) return;
  let result: SendResult;
  try {
    result = await deps.channels[d.channel].send(prepared.message, now);
  } catch (e) {
    // Unknown whether it went out: it stays SENDING and is reconciled with the provider, never re-sent blindly.
    deps.log.error({ deliveryId: d.id, channel: d.channel, err: { message: e instanceof Error ? e.message : String(e) } }, "send failed");
    return;
  }
  await inTransaction(deps.db, async (tx) => {
    if (!result.ok) {
      if (result.permanent || d.attemptCount >= 5) await failAndFallBack(tx, d, result.reason, now);
      // Transient: back off 1, 2, 4, 8 minutes.
      else await requeueDelivery(tx, d.id, addMinutes(now, 2 ** (d.attemptCount - 1)), now, result.reason);
      deps.log.warn({ deliveryId: d.id, channel: d.channel, permanent: result.permanent }, "delivery not sent");
      return;
    }
    const sent = await markDeliverySent(tx, d.id, { providerMessageId: result.providerMessageId, at: now });
    // What the offer said is kept without the link's token: tokens are stored hashed only (API.md).
    const said = prepared.message.links.reduce((b, link) => b.replaceAll(link, link.replace(/\/o\/[^/]*$/, "/o/…")), prepared.message.body);
    if (sent && d.kind === "OFFER" && d.offerId) {
      await startHold(deps, tx, d, said, now);
      // A push is no proof of reading: the offer's next channel follows unless the patient answers.
      if (d.channel === "PUSH") await followUpPush(tx, d, now);
    }
  });
}

// A SENDING row this old belongs to a runner that died between claiming it and recording the result.
const STALE_SENDING_MINUTES = 5;

/**
 * After a crash: ask each channel what became of its stale SENDING deliveries. Sent → recorded (and
 * the hold starts); not sent → queued again; unknown → FAILED, never re-sent blindly (a patient
 * must not get the same offer twice).
 */
export async function reconcileStale(deps: Deps, now: Date, limit = 50): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const stale = await lockStaleSending(tx, addMinutes(now, -STALE_SENDING_MINUTES), limit);
    for (const d of stale) {
      let found = await deps.channels[d.channel].lookup(d);
      // A message another delivery already holds is not this one's (the same text to the same number twice).
      const holder = found.sent === true ? await findDeliveryByProviderId(tx, found.providerMessageId) : null;
      if (holder && holder.id !== d.id) found = { sent: "unknown" };
      if (found.sent === true) {
        await markDeliverySent(tx, d.id, { providerMessageId: found.providerMessageId, at: now });
        // It went out when it was handed over (the row's last touch, just before the provider call): the
        // hold runs from then, as the message itself said, not from this late discovery.
        if (d.kind === "OFFER" && d.offerId) await startHold(deps, tx, d, null, now, d.updatedAt);
      } else if (found.sent === false) {
        await requeueDelivery(tx, d.id, now, now, "reconciled: not sent");
      } else {
        await failAndFallBack(tx, d, "send outcome unknown; not re-sent", now);
      }
      deps.log.warn({ deliveryId: d.id, outcome: String(found.sent) }, "reconciled a stale delivery");
    }
    return stale.length;
  });
}

/** The first delivery handed to a channel starts the hold (from `handedAt`): SCHEDULED → PENDING. */
async function startHold(deps: Deps, tx: Tx, d: Delivery, body: string | null, now: Date, handedAt = now): Promise<void> {
  const first = await getOffer(tx, d.clinicId, d.offerId!);
  if (!first) return;
  // Withdrawn while its message was on the way: it reached the patient all the same, so it counts
  // against their caps (which count sent offers).
  if (first.status !== "SCHEDULED") return recordLateSend(tx, d.clinicId, first.id, handedAt);
  await lockOpening(tx, d.clinicId, first.openingId); // lock order: opening, then offer
  const offer = (await getOffer(tx, d.clinicId, d.offerId!, true))!;
  if (offer.status !== "SCHEDULED") return recordLateSend(tx, d.clinicId, offer.id, handedAt);
  const opening = (await getOpening(tx, d.clinicId, offer.openingId))!;
  const settings = await settingsIn(tx, d.clinicId);
  const hold = holdUntil(handedAt, offer.holdMinutes, opening.start, settings.cutoffMinutes);
  if (!hold) return;
  const decision = decide({ type: "send", now: handedAt, holdExpiresAt: hold }, offer);
  if (!decision.ok) return;
  const saved = await saveOfferState(tx, offer, { ...evolveAll(offer, decision.value), message: body }, now);
  await audit(tx, { clinicId: d.clinicId, actor: "system" }, now, {
    action: "offer.sent",
    entity: "offer",
    entityId: offer.id,
    after: { channel: d.channel, deliveryId: d.id, holdExpiresAt: saved?.holdExpiresAt },
  });
  deps.log.info({ offerId: offer.id, deliveryId: d.id, channel: d.channel }, "offer sent");
}
