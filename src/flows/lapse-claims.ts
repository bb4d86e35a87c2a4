// Claims whose 90 s ran out unpaid: OPEN → LAPSED. The offer is left as it is, so it is PENDING again
// while its hold lasts (and the hold expiry that waited for the claim runs at the next sweep); the
// opening's flow looks again. Each claim in its own transaction, opening locked first (SKIP LOCKED: a
// payment in flight holds it, and the next sweep comes back). Safe with any number of runners.
import { claimLive } from "../core/payment.ts";
import { dueClaims, getClaim } from "../store/claims.ts";
import { inTransaction } from "../store/db.ts";
import { lockOpening } from "../store/openings.ts";
import type { Deps } from "./deps.ts";
import { endClaim } from "./hold-for-payment.ts";

export async function lapseDueClaims(deps: Deps, now: Date, limit = 50): Promise<number> {
  const due = await dueClaims(deps.db, now, limit);
  let lapsed = 0;
  for (const found of due) {
    const done = await inTransaction(deps.db, async (tx) => {
      const opening = await lockOpening(tx, found.clinicId, found.openingId, true);
      if (!opening) return false;
      const claim = await getClaim(tx, found.clinicId, found.id, true);
      if (claim?.status !== "OPEN" || claimLive(claim, now)) return false;
      // An opening filled meanwhile (staff booked over it) ended the claim in effect: CANCELLED, not LAPSED.
      return (await endClaim(tx, { clinicId: claim.clinicId, actor: "system" }, claim, opening.status === "OPEN" ? "LAPSED" : "CANCELLED", now)) !== null;
    });
    if (done) lapsed++;
  }
  return lapsed;
}
