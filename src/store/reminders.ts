// Reminders: the due column on appointments is the queue (migration 009). Each sweep claims one due row with
// FOR UPDATE SKIP LOCKED; reminded_at is set in the same transaction as the REMINDER delivery, guarded by
// `reminded_at IS NULL`, so any number of runners queue each reminder at most once.
import type { Appointment } from "../core/types.ts";
import { parseAppointment, type AppointmentRow } from "./appointments.ts";
import type { Queryable } from "./db.ts";

/** Locks up to `limit` appointments whose reminder is due at `now` (others skip them). */
export async function lockDueReminders(q: Queryable, now: Date, limit: number): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT * FROM appointments
     WHERE reminded_at IS NULL AND reminder_due_at IS NOT NULL AND reminder_due_at <= $1 AND status IN ('BOOKED', 'CONFIRMED')
     ORDER BY reminder_due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(parseAppointment);
}

/** Sets (or clears, with null) when the reminder is due; a reminder already queued is left alone. */
export async function setReminderDue(q: Queryable, clinicId: string, id: string, due: Date | null, at: Date): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `UPDATE appointments SET reminder_due_at = $3, updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND reminded_at IS NULL RETURNING *`,
    [clinicId, id, due, at],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

/** The guard of "never twice": only the first caller gets the row back. */
export async function markReminded(q: Queryable, clinicId: string, id: string, at: Date): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `UPDATE appointments SET reminded_at = $3, updated_at = $3
     WHERE clinic_id = $1 AND id = $2 AND reminded_at IS NULL AND status IN ('BOOKED', 'CONFIRMED') RETURNING *`,
    [clinicId, id, at],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

/** Active future appointments whose reminder has not gone out (of one patient, or the whole clinic). */
export async function unsentReminders(q: Queryable, clinicId: string, now: Date, patientId: string | null): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT * FROM appointments
     WHERE clinic_id = $1 AND ($3::uuid IS NULL OR patient_id = $3) AND reminded_at IS NULL
       AND status IN ('BOOKED', 'CONFIRMED') AND start_at > $2
     ORDER BY start_at, id`,
    [clinicId, now, patientId],
  );
  return rows.map(parseAppointment);
}

/**
 * The appointment an SMS reply is about: the sender's next upcoming active appointment that was reminded
 * (nearest start), over every patient with that phone (a parent texting for two children picks the sooner).
 * Locked for the reply's transaction.
 */
export async function lockRemindedAppointment(q: Queryable, phone: string, clinicId: string | null, now: Date): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT a.* FROM appointments a JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
     WHERE p.phone = $1 AND ($2::uuid IS NULL OR a.clinic_id = $2) AND a.reminded_at IS NOT NULL
       AND a.status IN ('BOOKED', 'CONFIRMED') AND a.start_at > $3
     ORDER BY a.start_at, a.id LIMIT 1 FOR UPDATE OF a`,
    [phone, clinicId, now],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

/** The sender's latest missed appointment since `since` that has not been rebooked (R after a no-show). */
export async function latestNoShow(q: Queryable, phone: string, clinicId: string | null, since: Date): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT a.* FROM appointments a JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
     WHERE p.phone = $1 AND ($2::uuid IS NULL OR a.clinic_id = $2) AND a.status = 'NO_SHOW' AND a.start_at >= $3
       AND NOT EXISTS (SELECT 1 FROM appointments n WHERE n.clinic_id = a.clinic_id AND n.rebooked_from_appointment_id = a.id)
     ORDER BY a.start_at DESC, a.id LIMIT 1`,
    [phone, clinicId, since],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

export interface CancelQuote {
  cents: number;
  expiresAt: Date;
}

export async function getCancelQuote(q: Queryable, clinicId: string, id: string): Promise<CancelQuote | null> {
  const { rows } = await q.query("SELECT cancel_quote_cents, cancel_quote_expires_at FROM appointments WHERE clinic_id = $1 AND id = $2", [clinicId, id]);
  const r = rows[0];
  return r && r.cancel_quote_cents !== null && r.cancel_quote_expires_at !== null
    ? { cents: r.cancel_quote_cents, expiresAt: r.cancel_quote_expires_at }
    : null;
}

/** Stores (or, with null, clears) the fee quote a patient was texted. */
export async function setCancelQuote(q: Queryable, clinicId: string, id: string, quote: CancelQuote | null, at: Date): Promise<void> {
  await q.query("UPDATE appointments SET cancel_quote_cents = $3, cancel_quote_expires_at = $4, updated_at = $5 WHERE clinic_id = $1 AND id = $2", [
    clinicId,
    id,
    quote?.cents ?? null,
    quote?.expiresAt ?? null,
    at,
  ]);
}

/** The channels a reminder of this appointment was already tried on (its REMINDER deliveries). */
export async function reminderChannelsTried(q: Queryable, clinicId: string, appointmentId: string): Promise<string[]> {
  const { rows } = await q.query("SELECT DISTINCT channel FROM deliveries WHERE clinic_id = $1 AND kind = 'REMINDER' AND payload->>'appointmentId' = $2", [
    clinicId,
    appointmentId,
  ]);
  return rows.map((r) => r.channel);
}
