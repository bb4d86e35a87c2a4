// Holds that ran out: the offer EXPIRES, the entry goes back to the list (or is EXHAUSTED at its
// cap), and the opening's flow runs again so the next wave goes out.
import { decide, evolveAll } from "../core/offer.ts";
import { openPaymentHoldOfOffer } from "../store/payment-holds.ts";
import { inTransaction } from "../store/db.ts";
import { getOffer, lockExpiredHolds, saveOfferState } from "../store/offers.ts";
import { lockOpening, wakeOpening } from "../store/openings.ts";
import { closeOutreachOfOffer } from "../store/outreach.ts";
import { releaseEntry, setEntryStatus } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";

export async function expireDueHolds(deps: Deps, now: Date, limit = 50): Promise<number> {
  // First find them (no lock), then take each in lock order: opening, then offer.
  const due = await inTransaction(deps.db, (tx) => lockExpiredHolds(tx, now, limit));
  let expired = 0;
  for (const found of due) {
    const done = await inTransaction(deps.db, async (tx) => {
      const opening = await lockOpening(tx, found.clinicId, found.openingId, true);
      if (!opening) return false; // a claim holds it right now; the next sweep comes back
      const offer = await getOffer(tx, found.clinicId, found.id, true);
      if (!offer) return false;
      // The patient is paying to claim it (hold-for-payment.ts): the hold waits for the claim's end.
      if (await openPaymentHoldOfOffer(tx, found.clinicId, found.id)) return false;
      const decision = decide({ type: "expire", now }, offer);
      if (!decision.ok) return false;
      await saveOfferState(tx, offer, evolveAll(offer, decision.value), now);
      const settings = await settingsIn(tx, offer.clinicId);
      await releaseEntry(tx, offer.clinicId, offer.entryId, settings.maxNotificationsPerEntry, now);
      // Staff were asked to call (every channel had failed) and the hold ran out: nobody reached them.
      if (await closeOutreachOfOffer(tx, offer.clinicId, offer.id, now)) await setEntryStatus(tx, offer.clinicId, offer.entryId, "UNREACHABLE", now);
      await wakeOpening(tx, offer.clinicId, offer.openingId, now);
      await audit(tx, { clinicId: offer.clinicId, actor: "system" }, now, {
        action: "offer.expired",
        entity: "offer",
        entityId: offer.id,
        before: { status: offer.status, holdExpiresAt: offer.holdExpiresAt },
      });
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
