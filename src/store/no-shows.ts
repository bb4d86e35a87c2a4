// No-shows: appointments still BOOKED/CONFIRMED once their clinic's grace after the start has passed.
// The rows are the queue: each runner claims one with FOR UPDATE SKIP LOCKED, so instances share it.
import type { Appointment } from "../core/types.ts";
import { parseAppointment, type AppointmentRow } from "./appointments.ts";
import type { Queryable } from "./db.ts";

/** Locks up to `limit` appointments due to be marked NO_SHOW at `now` (grace per clinic, default 5). */
export async function lockDueNoShows(q: Queryable, now: Date, limit: number): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT a.* FROM appointments a JOIN clinics c ON c.id = a.clinic_id
     WHERE a.status IN ('BOOKED', 'CONFIRMED') AND a.start_at <= $1
       AND a.start_at + make_interval(mins => COALESCE((c.settings->>'noShowGraceMinutes')::int, 5)) <= $1
     ORDER BY a.start_at, a.id LIMIT $2 FOR UPDATE OF a SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(parseAppointment);
}

/** Whether any active service of the clinic fits in `minutes`. */
export async function anyServiceFits(q: Queryable, clinicId: string, minutes: number): Promise<boolean> {
  const { rows } = await q.query("SELECT 1 FROM services WHERE clinic_id = $1 AND active AND duration_minutes <= $2 LIMIT 1", [clinicId, minutes]);
  return rows.length > 0;
}

export async function setDepositRequired(q: Queryable, clinicId: string, patientId: string, cents: number, at: Date): Promise<void> {
  await q.query("UPDATE patients SET deposit_required_cents = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2", [clinicId, patientId, cents, at]);
}

export async function setPrepaymentRequired(q: Queryable, clinicId: string, patientId: string, at: Date): Promise<void> {
  await q.query("UPDATE patients SET prepayment_required = true, updated_at = $3 WHERE clinic_id = $1 AND id = $2", [clinicId, patientId, at]);
}
