// The match query: the waitlist entries that may fit an opening, with what the core needs to decide.
// SQL does the cheap, indexable filtering (clinic, ACTIVE, length, provider, dates, notice, cap);
// the core (src/core/matching.ts) applies every rule again, exactly, and ranks.
import type { Reach } from "../core/channels.ts";
import type { CapUsage } from "../core/caps.ts";
import type { Channel, Opening, WaitlistEntry } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { parseEntry, type WaitlistEntryRow } from "./waitlist.ts";

export interface CandidateRow {
  entry: WaitlistEntry;
  service: { durationMinutes: number; active: boolean; priceCents: number };
  reach: Reach;
  patientTimezone: string | null;
  usage: CapUsage;
  patientHasLiveOffer: boolean;
  patientBusy: boolean;
  alreadyOffered: boolean;
}

export const CANDIDATES_SQL = `
SELECT e.*, s.duration_minutes, s.active AS service_active, s.price_cents,
  p.phone, p.email, p.timezone AS patient_timezone, p.preferred_channel,
  p.sms_consent, p.voice_consent, p.email_consent,
  EXISTS (SELECT 1 FROM offers o WHERE o.opening_id = $2 AND o.entry_id = e.id) AS already_offered,
  EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.clinic_id = e.clinic_id AND ps.patient_id = e.patient_id) AS push_subscribed,
  EXISTS (SELECT 1 FROM offers o WHERE o.clinic_id = e.clinic_id AND o.patient_id = e.patient_id AND o.status IN ('SCHEDULED', 'PENDING')) AS patient_live,
  (SELECT count(*) FROM offers o WHERE o.patient_id = e.patient_id AND o.created_at > $6::timestamptz - interval '1 day'
     AND NOT (o.status = 'WITHDRAWN' AND o.sent_at IS NULL)) AS last_day,
  (SELECT count(*) FROM offers o WHERE o.patient_id = e.patient_id AND o.created_at > $6::timestamptz - interval '7 days'
     AND NOT (o.status = 'WITHDRAWN' AND o.sent_at IS NULL)) AS last_week,
  EXISTS (SELECT 1 FROM appointments a WHERE a.clinic_id = e.clinic_id AND a.patient_id = e.patient_id
     AND a.status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN') AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange($4, $5, '[)')) AS busy
FROM waitlist_entries e
JOIN services s ON s.clinic_id = e.clinic_id AND s.id = e.service_id
JOIN patients p ON p.clinic_id = e.clinic_id AND p.id = e.patient_id
WHERE e.clinic_id = $1 AND e.status = 'ACTIVE'
  AND s.duration_minutes <= $7
  AND (cardinality(e.provider_ids) = 0 OR $3 = ANY (e.provider_ids))
  AND (e.earliest_date IS NULL OR e.earliest_date <= $8::date)
  AND (e.latest_date IS NULL OR e.latest_date >= $8::date)
  AND e.min_notice_minutes <= $9
  AND e.notification_count < $10
-- The LIMIT keeps the work per opening bounded; it keeps the highest priorities first, then the longest
-- waiting, so the ranking's first criteria are never cut off.
ORDER BY CASE e.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, e.created_at, e.id
LIMIT $11`;

export function candidateParams(opening: Opening, now: Date, localDate: string, maxNotifications: number, limit: number): unknown[] {
  const length = Math.floor((opening.end.getTime() - opening.start.getTime()) / 60_000);
  const notice = Math.floor((opening.start.getTime() - now.getTime()) / 60_000);
  return [opening.clinicId, opening.id, opening.providerId, opening.start, opening.end, now, length, localDate, notice, maxNotifications, limit];
}

export async function candidateRows(q: Queryable, params: unknown[]): Promise<CandidateRow[]> {
  const { rows } = await q.query<CandidateQueryRow>(CANDIDATES_SQL, params);
  return rows.map(toCandidateRow);
}

// CANDIDATES_SQL's parameters for many openings at once: those every opening shares keep a place of
// their own ($1–$4), the rest come from the row of `x` the LATERAL join is at (see candidateRowsOfOpenings).
const SHARED = new Map([
  [1, "$1"],
  [6, "$2"],
  [10, "$3"],
  [11, "$4"],
]);
const PER_OPENING = new Map([
  [2, "x.opening_id"],
  [3, "x.provider_id"],
  [4, "x.start_at"],
  [5, "x.end_at"],
  [7, "x.minutes"],
  [8, "x.local_date"],
  [9, "x.notice"],
]);
const CANDIDATES_OF_OPENINGS_SQL = `SELECT x.opening_id AS match_opening_id, c.*
FROM unnest($5::uuid[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::int[], $10::date[], $11::int[])
  AS x(opening_id, provider_id, start_at, end_at, minutes, local_date, notice)
CROSS JOIN LATERAL (${CANDIDATES_SQL.replace(/\$(\d+)/g, (_, n: string) => {
  const to = SHARED.get(Number(n)) ?? PER_OPENING.get(Number(n));
  if (to === undefined) throw new Error(`CANDIDATES_SQL's $${n} has no place in the query for many openings`);
  return to;
})}) c`;

/**
 * The match query for many openings of one clinic in ONE statement (the Today board asks it for every
 * open opening): CANDIDATES_SQL itself, run per opening through a LATERAL join over the openings' own
 * parameters, so the two can never drift and each opening keeps its own LIMIT. `params` are each
 * opening's candidateParams; clinic, now, cap and limit must be the same for all. By opening id.
 */
export async function candidateRowsOfOpenings(q: Queryable, params: unknown[][]): Promise<Map<string, CandidateRow[]>> {
  const byOpening = new Map<string, CandidateRow[]>(params.map((p) => [p[1] as string, []]));
  const first = params[0];
  if (first === undefined) return byOpening;
  for (const p of params) {
    if ([0, 5, 9, 10].some((i) => (p[i] instanceof Date ? (p[i] as Date).getTime() !== (first[i] as Date).getTime() : p[i] !== first[i]))) {
      throw new Error("candidateRowsOfOpenings: the openings must share clinic, now, cap and limit");
    }
  }
  const column = (i: number) => params.map((p) => p[i]);
  const { rows } = await q.query<CandidateQueryRow & { match_opening_id: string }>(CANDIDATES_OF_OPENINGS_SQL, [
    first[0],
    first[5],
    first[9],
    first[10],
    ...[1, 2, 3, 4, 6, 7, 8].map(column),
  ]);
  for (const r of rows) byOpening.get(r.match_opening_id)?.push(toCandidateRow(r));
  return byOpening;
}

/** A row of CANDIDATES_SQL: the entry's columns (e.*) and what it is joined with and counted against. */
interface CandidateQueryRow extends WaitlistEntryRow {
  duration_minutes: number;
  service_active: boolean;
  price_cents: number;
  phone: string | null;
  email: string | null;
  patient_timezone: string | null;
  preferred_channel: Channel | null;
  sms_consent: boolean;
  voice_consent: boolean;
  email_consent: boolean;
  already_offered: boolean;
  push_subscribed: boolean;
  patient_live: boolean;
  last_day: number;
  last_week: number;
  busy: boolean;
}

function toCandidateRow(r: CandidateQueryRow): CandidateRow {
  return {
    entry: parseEntry(r),
    service: { durationMinutes: r.duration_minutes, active: r.service_active, priceCents: r.price_cents },
    reach: {
      phone: r.phone,
      email: r.email,
      preferredChannel: r.preferred_channel,
      pushSubscribed: r.push_subscribed,
      consent: {
        SMS: { granted: r.sms_consent, at: null, source: null },
        VOICE: { granted: r.voice_consent, at: null, source: null },
        EMAIL: { granted: r.email_consent, at: null, source: null },
      },
    },
    patientTimezone: r.patient_timezone,
    usage: { entryNotifications: r.notification_count, patientOffersLastDay: r.last_day, patientOffersLastWeek: r.last_week },
    patientHasLiveOffer: r.patient_live,
    patientBusy: r.busy,
    alreadyOffered: r.already_offered,
  };
}

/** Offers made to one patient in the rolling day and week before `now`, counted as the match query counts them. */
export async function patientOfferUsage(q: Queryable, clinicId: string, patientId: string, now: Date): Promise<Omit<CapUsage, "entryNotifications">> {
  const { rows } = await q.query(
    `SELECT count(*) FILTER (WHERE created_at > $3::timestamptz - interval '1 day')::int AS last_day,
       count(*) FILTER (WHERE created_at > $3::timestamptz - interval '7 days')::int AS last_week
     FROM offers WHERE clinic_id = $1 AND patient_id = $2 AND NOT (status = 'WITHDRAWN' AND sent_at IS NULL)`,
    [clinicId, patientId, now],
  );
  return { patientOffersLastDay: rows[0].last_day, patientOffersLastWeek: rows[0].last_week };
}

/** Offer messages that reached this patient (sent) in the last day and week, other than `exceptOfferId`. */
export async function sentOfferCounts(q: Queryable, clinicId: string, patientId: string, now: Date, exceptOfferId: string) {
  const { rows } = await q.query(
    `SELECT count(*) FILTER (WHERE sent_at > $3::timestamptz - interval '1 day')::int AS last_day,
       count(*) FILTER (WHERE sent_at > $3::timestamptz - interval '7 days')::int AS last_week
     FROM offers WHERE clinic_id = $1 AND patient_id = $2 AND id <> $4 AND sent_at IS NOT NULL`,
    [clinicId, patientId, now, exceptOfferId],
  );
  return { lastDay: rows[0].last_day as number, lastWeek: rows[0].last_week as number };
}
