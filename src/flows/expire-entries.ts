// Waitlist entries whose latest date has passed (in the clinic's zone) are EXPIRED: they can no longer
// fit any opening, and the waitlist staff see stays the list of people still waiting. An entry holding
// a live offer is left until that offer ends (it is ACTIVE again then and the next sweep takes it).
import { inTransaction } from "../store/db.ts";
import { expireEntriesPastLatestDate } from "../store/housekeeping.ts";
import { audit, type Deps } from "./deps.ts";

/** Expires every due entry in batches of `batch`; returns how many. Safe with several instances. */
export async function expireDueEntries(deps: Deps, now: Date, batch = 100): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await inTransaction(deps.db, async (tx) => {
      const rows = await expireEntriesPastLatestDate(tx, now, batch);
      for (const r of rows) {
        await audit(tx, { clinicId: r.clinicId, actor: "system" }, now, {
          action: "waitlist_entry.expired",
          entity: "waitlist_entry",
          entityId: r.id,
          before: { status: r.before, latestDate: r.latestDate },
          after: { status: "EXPIRED" },
        });
      }
      return rows.length;
    });
    total += expired;
    if (expired < batch) return total;
  }
}
