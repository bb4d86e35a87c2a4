// Read-only questions the staff dashboard asks that the API does not: names for ids, search, the
// day's board, and the shape of the analytics. Every query is scoped to one clinic.
import type { Appointment, EntryStatus, Offer, OfferStatus, Opening, WaitlistEntry } from "../core/types.ts";
import { parseAppointment } from "./appointments.ts";
import { parsePaymentHold, type PaymentHold } from "./payment-holds.ts";
import type { Queryable } from "./db.ts";
import { parseOffer } from "./offers.ts";
import { parseOpening } from "./openings.ts";
import { parseEntry } from "./waitlist.ts";

export interface Named {
  id: string;
  name: string;
}

export interface Directory {
  providers: Named[];
  chairs: Named[];
  services: (Named & { durationMinutes: number; priceCents: number })[];
}

/** The clinic's providers, chairs and services (a clinic has tens of each, not thousands). */
export async function directory(q: Queryable, clinicId: string): Promise<Directory> {
  const [providers, chairs, services] = await Promise.all([
    q.query("SELECT id, name FROM providers WHERE clinic_id = $1 AND active ORDER BY name, id LIMIT 500", [clinicId]),
    q.query("SELECT id, name FROM chairs WHERE clinic_id = $1 AND active ORDER BY name, id LIMIT 500", [clinicId]),
    q.query("SELECT id, name, duration_minutes, price_cents FROM services WHERE clinic_id = $1 AND active ORDER BY name, id LIMIT 500", [clinicId]),
  ]);
  return {
    providers: providers.rows,
    chairs: chairs.rows,
    services: services.rows.map((r) => ({ id: r.id, name: r.name, durationMinutes: r.duration_minutes, priceCents: r.price_cents })),
  };
}

/** "First Last" for each of these patients of the clinic. */
export async function patientNames(q: Queryable, clinicId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query("SELECT id, first_name, last_name FROM patients WHERE clinic_id = $1 AND id = ANY($2::uuid[])", [clinicId, [...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, `${r.first_name} ${r.last_name}`]));
}

export interface Standing {
  flags: string[];
  depositRequiredCents: number;
  prepaymentRequired: boolean;
}

/** What staff should know before booking a patient: flags (frequent_canceller), deposit, prepayment. */
export async function patientStanding(q: Queryable, clinicId: string, ids: string[]): Promise<Map<string, Standing>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query(
    `SELECT id, flags, deposit_required_cents, prepayment_required FROM patients WHERE clinic_id = $1 AND id = ANY($2::uuid[])
       AND (cardinality(flags) > 0 OR deposit_required_cents > 0 OR prepayment_required)`,
    [clinicId, [...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, { flags: r.flags, depositRequiredCents: r.deposit_required_cents, prepaymentRequired: r.prepayment_required }]));
}

/** Patients to pick from, by name (the first 1000). */
export async function patientChoices(q: Queryable, clinicId: string): Promise<Named[]> {
  const { rows } = await q.query(
    `SELECT id, first_name || ' ' || last_name AS name FROM patients WHERE clinic_id = $1
     ORDER BY last_name, first_name, id LIMIT 1000`,
    [clinicId],
  );
  return rows;
}

export interface EntryRow {
  entry: WaitlistEntry;
  patientName: string;
}

/** Waitlist entries, filtered, with a free-text search over the patient's name, phone and email. */
export async function searchEntries(
  q: Queryable,
  clinicId: string,
  f: { status?: EntryStatus | "open"; serviceId?: string; search?: string },
  limit = 200,
): Promise<EntryRow[]> {
  const like = f.search ? `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const { rows } = await q.query(
    `SELECT e.*, p.first_name || ' ' || p.last_name AS patient_name
     FROM waitlist_entries e JOIN patients p ON p.clinic_id = e.clinic_id AND p.id = e.patient_id
     WHERE e.clinic_id = $1
       AND ($2::text IS NULL OR ($2 = 'open' AND e.status NOT IN ('BOOKED', 'REMOVED')) OR e.status = $2)
       AND ($3::uuid IS NULL OR e.service_id = $3)
       AND ($4::text IS NULL OR (p.first_name || ' ' || p.last_name) ILIKE $4 OR p.phone ILIKE $4 OR p.email ILIKE $4)
     ORDER BY CASE e.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, e.created_at, e.id
     LIMIT $5`,
    [clinicId, f.status ?? null, f.serviceId ?? null, like, limit],
  );
  return rows.map((r) => ({ entry: parseEntry(r), patientName: r.patient_name }));
}

/** Active appointments in [from, to), soonest first. */
export async function upcomingAppointments(q: Queryable, clinicId: string, from: Date, to: Date, limit = 300): Promise<Appointment[]> {
  const { rows } = await q.query(
    `SELECT * FROM appointments WHERE clinic_id = $1 AND status IN ('BOOKED', 'CONFIRMED')
       AND start_at >= $2 AND start_at < $3 ORDER BY start_at, id LIMIT $4`,
    [clinicId, from, to, limit],
  );
  return rows.map(parseAppointment);
}

/** The newest offers first. */
export async function recentOffers(q: Queryable, clinicId: string, status: OfferStatus | undefined, limit = 100): Promise<Offer[]> {
  const { rows } = await q.query(`SELECT * FROM offers WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3`, [
    clinicId,
    status ?? null,
    limit,
  ]);
  return rows.map(parseOffer);
}

/** Openings still open and not over, and those filled since `filledSince`, by start. */
export async function boardOpenings(q: Queryable, clinicId: string, now: Date, filledSince: Date, limit = 100): Promise<Opening[]> {
  const { rows } = await q.query(
    `SELECT * FROM openings WHERE clinic_id = $1
       AND ((status = 'OPEN' AND end_at > $2) OR (status = 'FILLED' AND filled_at >= $3))
     ORDER BY start_at, id LIMIT $4`,
    [clinicId, now, filledSince, limit],
  );
  return rows.map(parseOpening);
}

/** Openings of the period by status (how they ended). */
export async function openingOutcomes(q: Queryable, clinicId: string, from: Date, to: Date): Promise<Record<string, number>> {
  const { rows } = await q.query(
    "SELECT status, count(*)::int AS n FROM openings WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY status",
    [clinicId, from, to],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

// Time-to-fill buckets, in minutes: what a front desk feels (within the hour, the morning, the day).
export const FILL_BUCKETS = [
  { label: "< 15 min", upTo: 15 },
  { label: "15–60 min", upTo: 60 },
  { label: "1–4 h", upTo: 240 },
  { label: "4–24 h", upTo: 1440 },
  { label: "> 24 h", upTo: Number.POSITIVE_INFINITY },
] as const;

/** How many openings of the period were filled within each bucket of FILL_BUCKETS. */
export async function timeToFill(q: Queryable, clinicId: string, from: Date, to: Date): Promise<number[]> {
  const { rows } = await q.query(
    `SELECT extract(epoch FROM filled_at - created_at) / 60 AS minutes FROM openings
     WHERE clinic_id = $1 AND status = 'FILLED' AND filled_at IS NOT NULL AND created_at >= $2 AND created_at < $3`,
    [clinicId, from, to],
  );
  const counts = FILL_BUCKETS.map(() => 0);
  for (const r of rows) {
    const i = FILL_BUCKETS.findIndex((b) => Number(r.minutes) < b.upTo);
    counts[i === -1 ? counts.length - 1 : i]!++;
  }
  return counts;
}

/**
 * A fingerprint of what the live board shows: it changes when an offer, an opening or an
 * appointment of the clinic changes state (counts by status move with every transition).
 */
export async function boardSignature(q: Queryable, clinicId: string): Promise<string> {
  const { rows } = await q.query(
    `SELECT (SELECT string_agg(status || count, ',' ORDER BY status) FROM
              (SELECT status, count(*) FROM offers WHERE clinic_id = $1 GROUP BY status) o) AS offers,
            (SELECT string_agg(status || count, ',' ORDER BY status) FROM
              (SELECT status, count(*) FROM openings WHERE clinic_id = $1 GROUP BY status) p) AS openings,
            (SELECT string_agg(status || count, ',' ORDER BY status) FROM
              (SELECT status, count(*) FROM appointments WHERE clinic_id = $1 GROUP BY status) a) AS appointments,
            (SELECT max(updated_at) FROM offers WHERE clinic_id = $1) AS offer_at,
            (SELECT count(*) FROM deliveries WHERE clinic_id = $1 AND sent_at IS NOT NULL) AS sent`,
    [clinicId],
  );
  const r = rows[0];
  return [r.offers, r.openings, r.appointments, r.offer_at?.toISOString?.() ?? "", r.sent].join("|");
}

/** The categories of the clinic's services (for the cancellation policy table). */
export async function serviceCategories(q: Queryable, clinicId: string): Promise<string[]> {
  const { rows } = await q.query("SELECT DISTINCT category FROM services WHERE clinic_id = $1 ORDER BY category", [clinicId]);
  return rows.map((r) => r.category as string);
}

/** The OPEN payment holds of these openings, by opening (a read: no lock, so a page never waits on a payment). */
export async function openPaymentHoldsOf(q: Queryable, clinicId: string, openingIds: string[]): Promise<Map<string, PaymentHold>> {
  if (openingIds.length === 0) return new Map();
  const { rows } = await q.query("SELECT * FROM payment_holds WHERE clinic_id = $1 AND opening_id = ANY($2::uuid[]) AND status = 'OPEN'", [
    clinicId,
    openingIds,
  ]);
  return new Map(rows.map((r) => [r.opening_id as string, parsePaymentHold(r)]));
}

// Batch reads by id (`= ANY`), so a page costs the same few queries whatever the number of rows it shows.

/** The offers of these openings, oldest first within each opening (as offersOfOpening orders them). */
export async function offersOfOpenings(q: Queryable, clinicId: string, openingIds: string[]): Promise<Offer[]> {
  if (openingIds.length === 0) return [];
  const { rows } = await q.query("SELECT * FROM offers WHERE clinic_id = $1 AND opening_id = ANY($2::uuid[]) ORDER BY created_at, id", [
    clinicId,
    [...new Set(openingIds)],
  ]);
  return rows.map(parseOffer);
}

/** These openings of the clinic (ids of another clinic are simply absent). */
export async function openingsByIds(q: Queryable, clinicId: string, ids: string[]): Promise<Map<string, Opening>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query("SELECT * FROM openings WHERE clinic_id = $1 AND id = ANY($2::uuid[])", [clinicId, [...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id as string, parseOpening(r)]));
}

/** These appointments of the clinic (ids of another clinic are simply absent). */
export async function appointmentsByIds(q: Queryable, clinicId: string, ids: string[]): Promise<Map<string, Appointment>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query("SELECT * FROM appointments WHERE clinic_id = $1 AND id = ANY($2::uuid[])", [clinicId, [...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id as string, parseAppointment(r)]));
}

export interface Contact {
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
}

/** Names and contact details of these patients of the clinic (the outreach page: staff call them). */
export async function patientContacts(q: Queryable, clinicId: string, ids: string[]): Promise<Map<string, Contact>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query("SELECT id, first_name, last_name, phone, email FROM patients WHERE clinic_id = $1 AND id = ANY($2::uuid[])", [
    clinicId,
    [...new Set(ids)],
  ]);
  return new Map(rows.map((r) => [r.id as string, { firstName: r.first_name, lastName: r.last_name, phone: r.phone, email: r.email }]));
}
