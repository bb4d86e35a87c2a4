// Withdrawing live offers (opening filled, closed or expired; entry removed, booked elsewhere or
// unreachable; caps or no hold left at send time) is a decision of the offer decider like every other
// transition: each locked live offer is decided, and the store writes what was decided.
import { decide, evolveAll, type WithdrawReason } from "../core/offer.ts";
import type { Tx } from "../store/db.ts";
import { type Decided, type LiveOffersOf, lockLiveOffers, saveWithdrawals } from "../store/offers.ts";

/**
 * Withdraws the live offers of an opening (locked by the caller) or of an entry, for `reason`, inside the
 * caller's transaction. Returns the withdrawn offers' ids.
 */
export async function withdrawLiveOffers(tx: Tx, clinicId: string, of: LiveOffersOf, at: Date, reason: WithdrawReason): Promise<string[]> {
  const decided: Decided[] = [];
  for (const offer of await lockLiveOffers(tx, clinicId, of)) {
    const decision = decide({ type: "withdraw", now: at, reason }, offer);
    // Locked live, so the decider withdraws it; a refusal here would be a bug in one of the two.
    if (!decision.ok) throw new Error(`offer ${offer.id} (${offer.status}) could not be withdrawn: ${decision.code}`);
    decided.push({ offer, next: evolveAll(offer, decision.value) });
  }
  // Withdrawn for the entry's sake, its openings' flow moves on now.
  return saveWithdrawals(tx, clinicId, decided, at, "entryId" in of);
}
