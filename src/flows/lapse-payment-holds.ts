// Payment holds whose 90 s ran out unpaid: OPEN → LAPSED. The offer is left as it is, so it is PENDING again
// while its hold lasts (and the hold expiry that waited for the payment hold runs at the next sweep); the
// opening's flow looks again. Each payment hold in its own transaction, opening locked first (SKIP LOCKED: a
// payment in flight holds it, and the next sweep comes back). Safe with any number of runners.
import { paymentHoldLive } from "../core/payment.ts";
import { duePaymentHolds, getPaymentHold } from "../store/payment-holds.ts";
import { inTransaction } from "../store/db.ts";
import { lockOpening } from "../store/openings.ts";
import type { Deps } from "./deps.ts";
import { endPaymentHold } from "./hold-for-payment.ts";

export async function lapseDuePaymentHolds(deps: Deps, now: Date, limit = 50): Promise<number> {
  const due = await duePaymentHolds(deps.db, now, limit);
  let lapsed = 0;
  for (const found of due) {
    const done = await inTransaction(deps.db, async (tx) => {
      const opening = await lockOpening(tx, found.clinicId, found.openingId, true);
      if (!opening) return false;
      const claim = await getPaymentHold(tx, found.clinicId, found.id, true);
      if (claim?.status !== "OPEN" || paymentHoldLive(claim, now)) return false;
      // An opening filled meanwhile (staff booked over it) ended the payment hold in effect: CANCELLED, not LAPSED.
      return (await endPaymentHold(tx, { clinicId: claim.clinicId, actor: "system" }, claim, opening.status === "OPEN" ? "LAPSED" : "CANCELLED", now)) !== null;
    });
    if (done) lapsed++;
  }
  return lapsed;
}
