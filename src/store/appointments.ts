import type { Appointment, AppointmentSource, AppointmentStatus, CancelledBy } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** An `appointments` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface AppointmentRow {
  id: Appointment["id"];
  clinic_id: Appointment["clinicId"];
  patient_id: Appointment["patientId"];
  provider_id: Appointment["providerId"];
  chair_id: Appointment["chairId"];
  service_id: Appointment["serviceId"];
  start_at: Appointment["start"];
  end_at: Appointment["end"];
  status: Appointment["status"];
  source: Appointment["source"];
  from_waitlist_entry_id: Appointment["fromWaitlistEntryId"];
  booked_at: Appointment["bookedAt"];
  checked_in_at: Appointment["checkedInAt"];
  cancelled_at: Appointment["cancelledAt"];
  cancelled_by: Appointment["cancelledBy"];
  cancel_reason: Appointment["cancelReason"];
  reminder_due_at?: Appointment["reminderDueAt"] | null;
  reminded_at?: Appointment["remindedAt"] | null;
  discount_percent?: Appointment["discountPercent"] | null;
  rebooked_from_appointment_id?: Appointment["rebookedFromAppointmentId"] | null;
  external_id?: Appointment["externalId"] | null;
  created_at: Appointment["createdAt"];
  updated_at: Appointment["updatedAt"];
}

export function parseAppointment(r: AppointmentRow): Appointment {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    providerId: r.provider_id,
    chairId: r.chair_id,
    serviceId: r.service_id,
    start: r.start_at,
    end: r.end_at,
    status: r.status,
    source: r.source,
    fromWaitlistEntryId: r.from_waitlist_entry_id,
    bookedAt: r.booked_at,
    checkedInAt: r.checked_in_at,
    cancelledAt: r.cancelled_at,
    cancelledBy: r.cancelled_by,
    cancelReason: r.cancel_reason,
    reminderDueAt: r.reminder_due_at ?? null,
    remindedAt: r.reminded_at ?? null,
    discountPercent: r.discount_percent ?? 0,
    rebookedFromAppointmentId: r.rebooked_from_appointment_id ?? null,
    externalId: r.external_id ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewAppointment {
  clinicId: string;
  patientId: string;
  providerId: string;
  chairId: string | null;
  serviceId: string;
  start: Date;
  end: Date;
  source: AppointmentSource;
  fromWaitlistEntryId: string | null;
  /** Its reminder (migration 009). Set here, not updated after: updating the new row re-checks the exclusion
   * constraints against other bookings still in flight, and two racing bookings then deadlock. */
  reminderDueAt?: Date | null;
  rebookedFromAppointmentId?: string | null;
  discountPercent?: number;
  /** A duplicate raises 23505 on the constraint `appointments_external_id`. */
  externalId?: string | null;
  /** BOOKED unless given: a host system's record of a visit already cancelled, missed or completed. */
  status?: AppointmentStatus;
  cancelledBy?: CancelledBy | null;
  cancelReason?: string | null;
  at: Date;
}

/** Inserts a BOOKED appointment. An overlap raises the exclusion constraint's 23P01. */
export async function insertAppointment(q: Queryable, a: NewAppointment): Promise<Appointment> {
  const { rows } = await q.query<AppointmentRow>(
    `INSERT INTO appointments (clinic_id, patient_id, provider_id, chair_id, service_id, start_at, end_at,
       status, source, from_waitlist_entry_id, booked_at, created_at, updated_at,
       reminder_due_at, rebooked_from_appointment_id, discount_percent, external_id,
       cancelled_at, cancelled_by, cancel_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $15, $8, $9, $10, $10, $10, $11, $12, $13, $14,
       CASE WHEN $15 = 'CANCELLED' THEN $10::timestamptz END, $16, $17) RETURNING *`,
    [
      a.clinicId,
      a.patientId,
      a.providerId,
      a.chairId,
      a.serviceId,
      a.start,
      a.end,
      a.source,
      a.fromWaitlistEntryId,
      a.at,
      a.reminderDueAt ?? null,
      a.rebookedFromAppointmentId ?? null,
      a.discountPercent ?? 0,
      a.externalId ?? null,
      a.status ?? "BOOKED",
      a.cancelledBy ?? null,
      a.cancelReason ?? null,
    ],
  );
  return parseAppointment(rows[0]!);
}

/**
 * Moves an appointment in place (a host system's reschedule): new provider, chair, service and times, its
 * reminder due again at `reminderDueAt` (and not yet sent, when the start moved). Only while active; an
 * overlap raises the exclusion constraint's 23P01.
 */
export async function moveAppointment(
  q: Queryable,
  clinicId: string,
  id: string,
  m: { providerId: string; chairId: string | null; serviceId: string; start: Date; end: Date; reminderDueAt: Date | null; resetReminder: boolean; at: Date },
): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `UPDATE appointments SET provider_id = $3, chair_id = $4, service_id = $5, start_at = $6, end_at = $7,
       reminder_due_at = $8, reminded_at = CASE WHEN $9 THEN NULL ELSE reminded_at END, updated_at = $10
     WHERE clinic_id = $1 AND id = $2 AND status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN') RETURNING *`,
    [clinicId, id, m.providerId, m.chairId, m.serviceId, m.start, m.end, m.reminderDueAt, m.resetReminder, m.at],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

export async function getAppointment(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(`SELECT * FROM appointments WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [
    clinicId,
    id,
  ]);
  return rows[0] ? parseAppointment(rows[0]) : null;
}

/** Guarded transition: changes nothing unless the row is still in `from`. */
export async function setAppointmentStatus(
  q: Queryable,
  clinicId: string,
  id: string,
  from: AppointmentStatus[],
  change: { status: AppointmentStatus; at: Date; cancelledBy?: CancelledBy; cancelReason?: string | null },
): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>(
    `UPDATE appointments SET status = $4, updated_at = $5,
       checked_in_at = CASE WHEN $4 = 'CHECKED_IN' THEN $5 ELSE checked_in_at END,
       cancelled_at = CASE WHEN $4 = 'CANCELLED' THEN $5 ELSE cancelled_at END,
       cancelled_by = COALESCE($6, cancelled_by), cancel_reason = COALESCE($7, cancel_reason)
     WHERE clinic_id = $1 AND id = $2 AND status = ANY($3) RETURNING *`,
    [clinicId, id, from, change.status, change.at, change.cancelledBy ?? null, change.cancelReason ?? null],
  );
  return rows[0] ? parseAppointment(rows[0]) : null;
}

export interface AppointmentFilter {
  from?: Date;
  to?: Date;
  status?: AppointmentStatus;
  patientId?: string;
  externalId?: string;
}

export async function listAppointments(q: Queryable, clinicId: string, f: AppointmentFilter, page: PageRequest): Promise<Page<Appointment>> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT * FROM appointments WHERE clinic_id = $1
       AND ($2::timestamptz IS NULL OR end_at > $2) AND ($3::timestamptz IS NULL OR start_at < $3)
       AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR patient_id = $5)
       AND ($6::timestamptz IS NULL OR (start_at, id) > ($6::timestamptz, $7::uuid))
       AND ($9::text IS NULL OR external_id = $9)
     ORDER BY start_at, id LIMIT $8`,
    [
      clinicId,
      f.from ?? null,
      f.to ?? null,
      f.status ?? null,
      f.patientId ?? null,
      page.after?.key ?? null,
      page.after?.id ?? null,
      page.limit + 1,
      f.externalId ?? null,
    ],
  );
  return toPage(rows.map(parseAppointment), page.limit, (a) => ({ key: a.start.toISOString(), id: a.id }));
}

/** Active appointments of a provider (or a chair) that overlap [start, end). */
export async function overlappingAppointments(
  q: Queryable,
  clinicId: string,
  r: { providerId: string; chairId: string | null; start: Date; end: Date },
): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT * FROM appointments WHERE clinic_id = $1
       AND status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED')
       AND (provider_id = $2 OR ($3::uuid IS NOT NULL AND chair_id = $3))
       AND tstzrange(start_at, end_at, '[)') && tstzrange($4, $5, '[)')`,
    [clinicId, r.providerId, r.chairId, r.start, r.end],
  );
  return rows.map(parseAppointment);
}
