// Reschedule / rebook links (hashed tokens bound to one appointment) and the openings such a link may book.
import type { LinkPurpose } from "../core/reschedule.ts";
import type { Appointment, Opening } from "../core/types.ts";
import { parseAppointment, type AppointmentRow } from "./appointments.ts";
import type { Queryable } from "./db.ts";
import { parseOpening, type OpeningRow } from "./openings.ts";

export interface AppointmentLink {
  id: string;
  clinicId: string;
  appointmentId: string;
  purpose: LinkPurpose;
  expiresAt: Date;
  createdAt: Date;
}

/** An `appointment_links` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface AppointmentLinkRow {
  id: AppointmentLink["id"];
  clinic_id: AppointmentLink["clinicId"];
  appointment_id: AppointmentLink["appointmentId"];
  purpose: AppointmentLink["purpose"];
  expires_at: AppointmentLink["expiresAt"];
  created_at: AppointmentLink["createdAt"];
}

function parseLink(r: AppointmentLinkRow): AppointmentLink {
  return { id: r.id, clinicId: r.clinic_id, appointmentId: r.appointment_id, purpose: r.purpose, expiresAt: r.expires_at, createdAt: r.created_at };
}

export async function insertLink(
  q: Queryable,
  l: { clinicId: string; appointmentId: string; purpose: LinkPurpose; tokenHash: string; expiresAt: Date; at: Date },
): Promise<AppointmentLink> {
  const { rows } = await q.query<AppointmentLinkRow>(
    `INSERT INTO appointment_links (clinic_id, appointment_id, purpose, token_hash, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [l.clinicId, l.appointmentId, l.purpose, l.tokenHash, l.expiresAt, l.at],
  );
  return parseLink(rows[0]!);
}

export async function findLinkByHash(q: Queryable, tokenHash: string): Promise<AppointmentLink | null> {
  const { rows } = await q.query<AppointmentLinkRow>("SELECT * FROM appointment_links WHERE token_hash = $1", [tokenHash]);
  return rows[0] ? parseLink(rows[0]) : null;
}

/** The appointment that replaced (or rebooked) `id`, if any. */
export async function rebookingOf(q: Queryable, clinicId: string, id: string): Promise<Appointment | null> {
  const { rows } = await q.query<AppointmentRow>("SELECT * FROM appointments WHERE clinic_id = $1 AND rebooked_from_appointment_id = $2", [clinicId, id]);
  return rows[0] ? parseAppointment(rows[0]) : null;
}

/**
 * OPEN openings a service fits (its own, or an unassigned one long enough), starting in (from, to], with the
 * provider's name, and not inside an active closure (clinic-wide or the provider's): those are never offered.
 */
export async function bookableOpenings(
  q: Queryable,
  clinicId: string,
  f: { serviceId: string; durationMinutes: number; from: Date; to: Date },
): Promise<(Opening & { providerName: string })[]> {
  const { rows } = await q.query<OpeningRow & { provider_name: string }>(
    `SELECT o.*, p.name AS provider_name FROM openings o JOIN providers p ON p.clinic_id = o.clinic_id AND p.id = o.provider_id
     WHERE o.clinic_id = $1 AND o.status = 'OPEN' AND o.start_at > $2 AND o.start_at <= $3
       AND (o.service_id = $4 OR (o.service_id IS NULL AND o.end_at - o.start_at >= make_interval(mins => $5)))
       AND NOT EXISTS (
         SELECT 1 FROM closures c WHERE c.clinic_id = o.clinic_id AND c.deleted_at IS NULL
           AND (c.provider_id IS NULL OR c.provider_id = o.provider_id)
           AND tstzrange(c.start_at, c.end_at, '[)') && tstzrange(o.start_at, o.end_at, '[)'))
     ORDER BY o.start_at, o.id LIMIT 200`,
    [clinicId, f.from, f.to, f.serviceId, f.durationMinutes],
  );
  return rows.map((r) => ({ ...parseOpening(r), providerName: r.provider_name }));
}
