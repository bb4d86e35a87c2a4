// A patient (or staff for them) declines an offer: the entry goes back to the list and the
// opening's flow moves on to the next wave at once.
import { decide, evolveAll } from "../core/offer.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import type { Offer } from "../core/types.ts";
import { openPaymentHoldOfOffer } from "../store/payment-holds.ts";
import { inTransaction } from "../store/db.ts";
import { getOffer, saveOfferState } from "../store/offers.ts";
import { lockOpening, wakeOpening } from "../store/openings.ts";
import { releaseEntry } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { acceptOffer, type Claimed } from "./claim-opening.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { endPaymentHold } from "./hold-for-payment.ts";

export async function declineOffer(deps: Deps, caller: Caller, offerId: string): Promise<Result<Offer>> {
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const found = await getOffer(tx, caller.clinicId, offerId);
    if (!found) return notFound("notification");
    const opening = (await lockOpening(tx, caller.clinicId, found.openingId))!;
    const offer = (await getOffer(tx, caller.clinicId, offerId, true))!;
    if (offer.status === "DECLINED") return ok(offer); // repeating a decline changes nothing
    const decision = decide({ type: "decline", now }, offer, opening.status === "FILLED" ? "filled" : "other");
    if (!decision.ok) return decision;
    const saved = (await saveOfferState(tx, offer, evolveAll(offer, decision.value), now))!;
    // Declining while paying to claim it ends the claim: the time is free for the others at once.
    const claim = await openPaymentHoldOfOffer(tx, caller.clinicId, offer.id);
    if (claim) await endPaymentHold(tx, caller, claim, "CANCELLED", now);
    const settings = await settingsIn(tx, caller.clinicId);
    await releaseEntry(tx, caller.clinicId, offer.entryId, settings.maxNotificationsPerEntry, now);
    await wakeOpening(tx, caller.clinicId, offer.openingId, now);
    await audit(tx, caller, now, { action: "offer.declined", entity: "offer", entityId: offer.id, before: offer, after: saved });
    return ok(saved);
  });
}

/** PUT …/notifications/:id/response: staff record what the patient said (a deposit owed is taken at the desk). */
export async function recordResponse(
  deps: Deps,
  caller: Caller,
  offerId: string,
  response: "ACCEPTED" | "DECLINED",
): Promise<Result<{ offer: Offer; appointmentId: string | null }>> {
  if (response === "ACCEPTED") {
    const claimed: Result<Claimed> = await acceptOffer(deps, caller, offerId, "at_desk");
    return claimed.ok ? ok({ offer: claimed.value.offer!, appointmentId: claimed.value.appointment.id }) : claimed;
  }
  const declined = await declineOffer(deps, caller, offerId);
  return declined.ok ? ok({ offer: declined.value, appointmentId: null }) : declined;
}
