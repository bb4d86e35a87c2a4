import type { EntryStatus, Priority, TimeWindow, WaitlistEntry } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** A `waitlist_entries` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface WaitlistEntryRow {
  id: WaitlistEntry["id"];
  clinic_id: WaitlistEntry["clinicId"];
  patient_id: WaitlistEntry["patientId"];
  service_id: WaitlistEntry["serviceId"];
  provider_ids: WaitlistEntry["providerIds"];
  chair_ids: WaitlistEntry["chairIds"];
  windows: WaitlistEntry["windows"];
  earliest_date: WaitlistEntry["earliestDate"];
  latest_date: WaitlistEntry["latestDate"];
  priority: WaitlistEntry["priority"];
  min_notice_minutes: WaitlistEntry["minNoticeMinutes"];
  preferred_time: WaitlistEntry["preferredTime"];
  notes: WaitlistEntry["notes"];
  status: WaitlistEntry["status"];
  notification_count: WaitlistEntry["notificationCount"];
  passed_over_count: WaitlistEntry["passedOverCount"];
  booked_appointment_id: WaitlistEntry["bookedAppointmentId"];
  external_id?: WaitlistEntry["externalId"];
  created_at: WaitlistEntry["createdAt"];
  updated_at: WaitlistEntry["updatedAt"];
}

export function parseEntry(r: WaitlistEntryRow): WaitlistEntry {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    serviceId: r.service_id,
    providerIds: r.provider_ids,
    chairIds: r.chair_ids,
    windows: r.windows,
    earliestDate: r.earliest_date,
    latestDate: r.latest_date,
    priority: r.priority,
    minNoticeMinutes: r.min_notice_minutes,
    preferredTime: r.preferred_time,
    notes: r.notes,
    status: r.status,
    notificationCount: r.notification_count,
    passedOverCount: r.passed_over_count,
    bookedAppointmentId: r.booked_appointment_id,
    externalId: r.external_id ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface EntryFields {
  patientId: string;
  serviceId: string;
  providerIds: string[];
  chairIds: string[];
  windows: TimeWindow[];
  earliestDate: string | null;
  latestDate: string | null;
  priority: Priority;
  minNoticeMinutes: number;
  preferredTime: string | null;
  notes: string | null;
}

function columns(e: EntryFields): unknown[] {
  return [
    e.patientId,
    e.serviceId,
    e.providerIds,
    e.chairIds,
    JSON.stringify(e.windows),
    e.earliestDate,
    e.latestDate,
    e.priority,
    e.minNoticeMinutes,
    e.preferredTime,
    e.notes,
  ];
}

/** A duplicate `externalId` raises 23505 on the constraint `waitlist_entries_external_id`. */
export async function insertEntry(q: Queryable, clinicId: string, e: EntryFields & { externalId?: string | null }, at: Date): Promise<WaitlistEntry> {
  const { rows } = await q.query<WaitlistEntryRow>(
    `INSERT INTO waitlist_entries (patient_id, service_id, provider_ids, chair_ids, windows, earliest_date, latest_date,
       priority, min_notice_minutes, preferred_time, notes, clinic_id, created_at, updated_at, external_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING *`,
    [...columns(e), clinicId, at, e.externalId ?? null],
  );
  return parseEntry(rows[0]!);
}

export async function updateEntry(
  q: Queryable,
  clinicId: string,
  id: string,
  e: EntryFields & { status: EntryStatus; notificationCount: number; externalId?: string | null },
  at: Date,
): Promise<WaitlistEntry> {
  // `externalId` undefined keeps the stored one; a duplicate raises 23505 on `waitlist_entries_external_id`.
  const { rows } = await q.query<WaitlistEntryRow>(
    `UPDATE waitlist_entries SET patient_id = $1, service_id = $2, provider_ids = $3, chair_ids = $4, windows = $5,
       earliest_date = $6, latest_date = $7, priority = $8, min_notice_minutes = $9, preferred_time = $10, notes = $11,
       status = $14, notification_count = $15, updated_at = $16,
       external_id = CASE WHEN $17::boolean THEN $18 ELSE external_id END
     WHERE clinic_id = $12 AND id = $13 RETURNING *`,
    [...columns(e), clinicId, id, e.status, e.notificationCount, at, e.externalId !== undefined, e.externalId ?? null],
  );
  return parseEntry(rows[0]!);
}

export async function setEntryStatus(q: Queryable, clinicId: string, id: string, status: EntryStatus, at: Date): Promise<WaitlistEntry> {
  const { rows } = await q.query<WaitlistEntryRow>("UPDATE waitlist_entries SET status = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2 RETURNING *", [
    clinicId,
    id,
    status,
    at,
  ]);
  return parseEntry(rows[0]!);
}

export async function getEntry(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<WaitlistEntry | null> {
  const { rows } = await q.query<WaitlistEntryRow>(`SELECT * FROM waitlist_entries WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [
    clinicId,
    id,
  ]);
  return rows[0] ? parseEntry(rows[0]) : null;
}

export async function listEntries(
  q: Queryable,
  clinicId: string,
  f: { status?: EntryStatus; patientId?: string; serviceId?: string; externalId?: string },
  page: PageRequest,
): Promise<Page<WaitlistEntry>> {
  const { rows } = await q.query<WaitlistEntryRow>(
    `SELECT * FROM waitlist_entries WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::uuid IS NULL OR patient_id = $3) AND ($4::uuid IS NULL OR service_id = $4)
       AND ($5::timestamptz IS NULL OR (created_at, id) > ($5::timestamptz, $6::uuid))
       AND ($8::text IS NULL OR external_id = $8)
     ORDER BY created_at, id LIMIT $7`,
    [
      clinicId,
      f.status ?? null,
      f.patientId ?? null,
      f.serviceId ?? null,
      page.after?.key ?? null,
      page.after?.id ?? null,
      page.limit + 1,
      f.externalId ?? null,
    ],
  );
  return toPage(rows.map(parseEntry), page.limit, (e) => ({ key: e.createdAt.toISOString(), id: e.id }));
}

/** The entry now holds a live offer: NOTIFIED, one more notification counted. */
export async function markEntryNotified(q: Queryable, clinicId: string, id: string, at: Date): Promise<void> {
  await q.query(
    `UPDATE waitlist_entries SET status = 'NOTIFIED', notification_count = notification_count + 1, updated_at = $3
     WHERE clinic_id = $1 AND id = $2`,
    [clinicId, id, at],
  );
}

/** After an offer ends without a booking: ACTIVE again, or EXHAUSTED at the cap. */
export async function releaseEntry(q: Queryable, clinicId: string, id: string, maxNotifications: number, at: Date): Promise<void> {
  await q.query(
    `UPDATE waitlist_entries SET updated_at = $4,
       status = CASE WHEN notification_count >= $3 THEN 'EXHAUSTED' ELSE 'ACTIVE' END
     WHERE clinic_id = $1 AND id = $2 AND status = 'NOTIFIED'`,
    [clinicId, id, maxNotifications, at],
  );
}

/** Entries that fitted a wave but were not offered it gain fairness points for next time. */
export async function markPassedOver(q: Queryable, clinicId: string, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `UPDATE waitlist_entries SET passed_over_count = passed_over_count + 1, updated_at = $3
     WHERE clinic_id = $1 AND id = ANY($2::uuid[])`,
    [clinicId, ids, at],
  );
}

/**
 * The winner's entry is BOOKED; the patient's other open entries for the same service are resolved
 * too (dedup) and their live offers withdrawn by the caller. Returns the other entries' ids.
 */
export async function markEntryBooked(
  q: Queryable,
  clinicId: string,
  entry: { id: string; patientId: string; serviceId: string },
  appointmentId: string,
  at: Date,
): Promise<string[]> {
  await q.query(`UPDATE waitlist_entries SET status = 'BOOKED', booked_appointment_id = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2`, [
    clinicId,
    entry.id,
    appointmentId,
    at,
  ]);
  return resolveEntriesOfBooking(q, clinicId, { ...entry, exceptId: entry.id }, appointmentId, at);
}

/**
 * Dedup: a patient booked for a service (by any path) is no longer waiting for it. Their open entries
 * for that service (but `exceptId`) become BOOKED with the appointment; the caller withdraws their
 * live offers. Returns the resolved entries' ids.
 */
export async function resolveEntriesOfBooking(
  q: Queryable,
  clinicId: string,
  booking: { patientId: string; serviceId: string; exceptId: string | null },
  appointmentId: string,
  at: Date,
): Promise<string[]> {
  const { rows } = await q.query(
    `UPDATE waitlist_entries SET status = 'BOOKED', booked_appointment_id = $5, updated_at = $6
     WHERE clinic_id = $1 AND patient_id = $2 AND service_id = $3 AND ($4::uuid IS NULL OR id <> $4)
       AND status IN ('ACTIVE', 'NOTIFIED', 'EXHAUSTED', 'UNREACHABLE')
     RETURNING id`,
    [clinicId, booking.patientId, booking.serviceId, booking.exceptId, appointmentId, at],
  );
  return rows.map((r) => r.id);
}

/** A waitlist booking cancelled within its grace period: the entry is ACTIVE again, preferences untouched. */
export async function returnEntryToWaitlist(q: Queryable, clinicId: string, id: string, appointmentId: string, at: Date): Promise<WaitlistEntry | null> {
  const { rows } = await q.query<WaitlistEntryRow>(
    `UPDATE waitlist_entries SET status = 'ACTIVE', booked_appointment_id = NULL, updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND status = 'BOOKED' AND booked_appointment_id = $3 RETURNING *`,
    [clinicId, id, appointmentId, at],
  );
  return rows[0] ? parseEntry(rows[0]) : null;
}

/** A booked appointment moved to another time: entries booked into the old one now point at the new one. */
export async function repointBookedEntries(q: Queryable, clinicId: string, fromAppointmentId: string, toAppointmentId: string, at: Date): Promise<string[]> {
  const { rows } = await q.query(
    `UPDATE waitlist_entries SET booked_appointment_id = $3, updated_at = $4
     WHERE clinic_id = $1 AND booked_appointment_id = $2 AND status = 'BOOKED' RETURNING id`,
    [clinicId, fromAppointmentId, toAppointmentId, at],
  );
  return rows.map((r) => r.id);
}
