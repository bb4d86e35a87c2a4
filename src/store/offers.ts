// Offers (API: notifications). The full lifecycle comes with the core loop; the foundation needs to
// withdraw live offers when their opening is filled by staff or their entry is removed.
import type { Queryable } from "./db.ts";

/**
 * Withdraws the live offers of an opening (or of an entry) and puts their other entries back to
 * ACTIVE. Returns the withdrawn offers' ids.
 */
export async function withdrawLiveOffers(
  q: Queryable,
  clinicId: string,
  by: { openingId: string } | { entryId: string },
  at: Date,
): Promise<string[]> {
  const [column, id] = "openingId" in by ? ["opening_id", by.openingId] : ["entry_id", by.entryId];
  const { rows } = await q.query(
    `UPDATE offers SET status = 'WITHDRAWN', hold_released = true, updated_at = $3
     WHERE clinic_id = $1 AND ${column} = $2 AND status IN ('SCHEDULED', 'PENDING')
     RETURNING id, entry_id`,
    [clinicId, id, at],
  );
  if (rows.length > 0) {
    await q.query(
      `UPDATE waitlist_entries SET status = 'ACTIVE', updated_at = $3
       WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND status = 'NOTIFIED'`,
      [clinicId, rows.map((r) => r.entry_id), at],
    );
  }
  return rows.map((r) => r.id);
}
