// Housekeeping queries (issue 6): entries past their latest date, and the frequent-canceller flag.
import type { Queryable } from "./db.ts";

/**
 * Expires up to `limit` entries whose latest date has passed in their clinic's zone (the day after it
 * has begun there), locking them SKIP LOCKED so instances share the work. Entries with a live offer
 * (NOTIFIED) wait until it ends. Returns the expired rows' ids with their clinic and status before.
 * No zone's date is ahead of UTC+14's, so that bound (implied by the clinic's) is an index range on
 * waitlist_entries_latest_date: an idle sweep reads only the entries ending today, not all dated ones.
 */
export async function expireEntriesPastLatestDate(
  q: Queryable,
  now: Date,
  limit: number,
): Promise<{ id: string; clinicId: string; before: string; latestDate: string }[]> {
  const { rows } = await q.query(
    `WITH due AS (
       SELECT e.id, e.status FROM waitlist_entries e JOIN clinics c ON c.id = e.clinic_id
       WHERE e.latest_date IS NOT NULL AND e.status IN ('ACTIVE', 'EXHAUSTED', 'UNREACHABLE')
         AND e.latest_date < ($1::timestamptz AT TIME ZONE 'Etc/GMT-14')::date
         AND e.latest_date < ($1::timestamptz AT TIME ZONE c.timezone)::date
       ORDER BY e.latest_date, e.id LIMIT $2 FOR UPDATE OF e SKIP LOCKED)
     UPDATE waitlist_entries w SET status = 'EXPIRED', updated_at = $1 FROM due
     WHERE w.id = due.id
     RETURNING w.id, w.clinic_id, due.status AS before, to_char(w.latest_date, 'YYYY-MM-DD') AS latest_date`,
    [now, limit],
  );
  return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, before: r.before, latestDate: r.latest_date }));
}

// A patient's move to another time (the reschedule link) cancels the old appointment, but it is not a
// cancellation for the flag: the visit was kept.
const NOT_MOVED = "NOT EXISTS (SELECT 1 FROM appointments m WHERE m.clinic_id = a.clinic_id AND m.rebooked_from_appointment_id = a.id)";

/** The patient's own cancellations (by: patient) since `from`, moves excluded. */
export async function patientCancellationsSince(q: Queryable, clinicId: string, patientId: string, from: Date): Promise<number> {
  const { rows } = await q.query(
    `SELECT count(*)::int AS n FROM appointments a
     WHERE a.clinic_id = $1 AND a.patient_id = $2 AND a.status = 'CANCELLED' AND a.cancelled_by = 'patient' AND a.cancelled_at > $3
       AND ${NOT_MOVED}`,
    [clinicId, patientId, from],
  );
  return rows[0].n;
}

/** Patients flagged as frequent cancellers who no longer are (fewer than `threshold` since `from`), locked SKIP LOCKED. */
export async function lockStaleCancellerFlags(
  q: Queryable,
  from: Date,
  threshold: number,
  limit: number,
): Promise<{ clinicId: string; id: string; flags: string[]; count: number }[]> {
  const { rows } = await q.query(
    `SELECT p.clinic_id, p.id, p.flags, n.count FROM patients p,
       LATERAL (SELECT count(*)::int AS count FROM appointments a WHERE a.clinic_id = p.clinic_id AND a.patient_id = p.id
                  AND a.status = 'CANCELLED' AND a.cancelled_by = 'patient' AND a.cancelled_at > $1 AND ${NOT_MOVED}) n
     WHERE 'frequent_canceller' = ANY (p.flags) AND n.count < $2
     ORDER BY p.id LIMIT $3 FOR UPDATE OF p SKIP LOCKED`,
    [from, threshold, limit],
  );
  return rows.map((r) => ({ clinicId: r.clinic_id, id: r.id, flags: r.flags, count: r.count }));
}

export async function setPatientFlags(q: Queryable, clinicId: string, patientId: string, flags: string[], at: Date): Promise<void> {
  await q.query("UPDATE patients SET flags = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2", [clinicId, patientId, flags, at]);
}
