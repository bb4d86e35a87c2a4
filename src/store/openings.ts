import type { Opening, OpeningSource, OpeningStatus } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** An `openings` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface OpeningRow {
  id: Opening["id"];
  clinic_id: Opening["clinicId"];
  provider_id: Opening["providerId"];
  chair_id: Opening["chairId"];
  service_id: Opening["serviceId"];
  start_at: Opening["start"];
  end_at: Opening["end"];
  status: Opening["status"];
  source: Opening["source"];
  source_appointment_id: Opening["sourceAppointmentId"];
  filled_appointment_id: Opening["filledAppointmentId"];
  filled_at: Opening["filledAt"];
  closed_at: Opening["closedAt"];
  next_wave_at: Opening["nextWaveAt"];
  wave_count: Opening["waveCount"];
  created_at: Opening["createdAt"];
  updated_at: Opening["updatedAt"];
}

export function parseOpening(r: OpeningRow): Opening {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    providerId: r.provider_id,
    chairId: r.chair_id,
    serviceId: r.service_id,
    start: r.start_at,
    end: r.end_at,
    status: r.status,
    source: r.source,
    sourceAppointmentId: r.source_appointment_id,
    filledAppointmentId: r.filled_appointment_id,
    filledAt: r.filled_at,
    closedAt: r.closed_at,
    nextWaveAt: r.next_wave_at,
    waveCount: r.wave_count,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewOpening {
  clinicId: string;
  providerId: string;
  chairId: string | null;
  serviceId: string | null;
  start: Date;
  end: Date;
  source: OpeningSource;
  sourceAppointmentId: string | null;
  /** When the waitlist flow should first look at it: also the earliest its first wave may go (the debounce). */
  nextWaveAt: Date | null;
  at: Date;
}

/** Inserts an OPEN opening. Overlapping another open opening of the provider raises 23P01. */
export async function insertOpening(q: Queryable, o: NewOpening): Promise<Opening> {
  const { rows } = await q.query<OpeningRow>(
    `INSERT INTO openings (clinic_id, provider_id, chair_id, service_id, start_at, end_at, status, source,
       source_appointment_id, next_wave_at, first_wave_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'OPEN', $7, $8, $9, $9, $10, $10) RETURNING *`,
    [o.clinicId, o.providerId, o.chairId, o.serviceId, o.start, o.end, o.source, o.sourceAppointmentId, o.nextWaveAt, o.at],
  );
  return parseOpening(rows[0]!);
}

export async function getOpening(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Opening | null> {
  const { rows } = await q.query<OpeningRow>(`SELECT * FROM openings WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [clinicId, id]);
  return rows[0] ? parseOpening(rows[0]) : null;
}

/** Open openings of a provider (or on a chair) overlapping [start, end), locked for the caller's transaction. */
export async function lockOpenOverlapping(
  q: Queryable,
  clinicId: string,
  r: { providerId: string; chairId: string | null; start: Date; end: Date },
): Promise<Opening[]> {
  const { rows } = await q.query<OpeningRow>(
    `SELECT * FROM openings WHERE clinic_id = $1 AND status = 'OPEN'
       AND (provider_id = $2 OR ($3::uuid IS NOT NULL AND chair_id = $3))
       AND tstzrange(start_at, end_at, '[)') && tstzrange($4, $5, '[)')
     ORDER BY id FOR UPDATE`,
    [clinicId, r.providerId, r.chairId, r.start, r.end],
  );
  return rows.map(parseOpening);
}

/**
 * Invariant: an opening is filled at most once. The guard `status = 'OPEN'` makes the second of two
 * racing fills change nothing (null). Proven by test/http/appointments.test.ts ("fills the opening").
 */
export async function fillOpeningIfOpen(q: Queryable, clinicId: string, id: string, appointmentId: string, at: Date): Promise<Opening | null> {
  const { rows } = await q.query<OpeningRow>(
    `UPDATE openings SET status = 'FILLED', filled_appointment_id = $3, filled_at = $4, next_wave_at = NULL, updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, appointmentId, at],
  );
  return rows[0] ? parseOpening(rows[0]) : null;
}

export async function listOpenings(
  q: Queryable,
  clinicId: string,
  f: { status?: OpeningStatus; from?: Date; to?: Date },
  page: PageRequest,
): Promise<Page<Opening>> {
  const { rows } = await q.query<OpeningRow>(
    `SELECT * FROM openings WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR end_at > $3) AND ($4::timestamptz IS NULL OR start_at < $4)
       AND ($5::timestamptz IS NULL OR (start_at, id) > ($5::timestamptz, $6::uuid))
     ORDER BY start_at, id LIMIT $7`,
    [clinicId, f.status ?? null, f.from ?? null, f.to ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parseOpening), page.limit, (o) => ({ key: o.start.toISOString(), id: o.id }));
}

/**
 * Openings whose waitlist flow is due, locked for this runner (others skip them). Every path to a wave
 * comes through here, so the debounce is kept here: whatever moved next_wave_at to now (a new entry, an
 * offer ending), an opening is not due before its first_wave_at.
 */
export async function lockDueOpenings(q: Queryable, now: Date, limit: number): Promise<Opening[]> {
  const { rows } = await q.query<OpeningRow>(
    `SELECT * FROM openings WHERE status = 'OPEN' AND next_wave_at <= $1 AND (first_wave_at IS NULL OR first_wave_at <= $1)
     ORDER BY next_wave_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(parseOpening);
}

/** Locks one opening, or returns null if another transaction holds it (when `skipLocked`). */
export async function lockOpening(q: Queryable, clinicId: string, id: string, skipLocked = false): Promise<Opening | null> {
  const { rows } = await q.query<OpeningRow>(`SELECT * FROM openings WHERE clinic_id = $1 AND id = $2 FOR UPDATE${skipLocked ? " SKIP LOCKED" : ""}`, [
    clinicId,
    id,
  ]);
  return rows[0] ? parseOpening(rows[0]) : null;
}

export async function setNextWave(q: Queryable, clinicId: string, id: string, at: Date | null, now: Date, waveCount?: number): Promise<void> {
  await q.query(
    `UPDATE openings SET next_wave_at = $3, wave_count = COALESCE($5, wave_count), updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN'`,
    [clinicId, id, at, now, waveCount ?? null],
  );
}

/** An offer of this opening ended without a booking: run its flow again now (if nothing else is live). */
export async function wakeOpening(q: Queryable, clinicId: string, id: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE openings SET next_wave_at = $3, updated_at = $3
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN'
       AND NOT EXISTS (SELECT 1 FROM offers WHERE opening_id = $2 AND status IN ('SCHEDULED', 'PENDING'))`,
    [clinicId, id, now],
  );
}

export async function expireOpening(q: Queryable, clinicId: string, id: string, now: Date): Promise<Opening | null> {
  const { rows } = await q.query<OpeningRow>(
    `UPDATE openings SET status = 'EXPIRED', next_wave_at = NULL, updated_at = $3
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, now],
  );
  return rows[0] ? parseOpening(rows[0]) : null;
}

/** Open openings an entry's service fits, starting in (from, to], with provider names (for alternatives). */
export async function alternativeOpenings(
  q: Queryable,
  clinicId: string,
  f: { serviceId: string; durationMinutes: number; excludeId: string; from: Date; to: Date },
): Promise<(Opening & { providerName: string })[]> {
  const { rows } = await q.query<OpeningRow & { provider_name: string }>(
    `SELECT o.*, p.name AS provider_name FROM openings o JOIN providers p ON p.clinic_id = o.clinic_id AND p.id = o.provider_id
     WHERE o.clinic_id = $1 AND o.status = 'OPEN' AND o.id <> $2 AND o.start_at > $3 AND o.start_at <= $4
       AND (o.service_id = $5 OR (o.service_id IS NULL AND o.end_at - o.start_at >= make_interval(mins => $6)))
     ORDER BY o.start_at, o.id LIMIT 200`,
    [clinicId, f.excludeId, f.from, f.to, f.serviceId, f.durationMinutes],
  );
  return rows.map((r) => ({ ...parseOpening(r), providerName: r.provider_name }));
}

/** A new or reactivated waitlist entry: open openings waiting for candidates look again now. */
export async function wakeIdleOpenings(q: Queryable, clinicId: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE openings o SET next_wave_at = $2, updated_at = $2
     WHERE o.clinic_id = $1 AND o.status = 'OPEN' AND o.next_wave_at > $2
       AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.opening_id = o.id AND f.status IN ('SCHEDULED', 'PENDING'))`,
    [clinicId, now],
  );
}

/** Closes an open opening that can no longer be offered (its chair was booked by another provider, staff closed it). */
export async function closeOpeningIfOpen(q: Queryable, clinicId: string, id: string, at: Date): Promise<Opening | null> {
  const { rows } = await q.query<OpeningRow>(
    `UPDATE openings SET status = 'CLOSED', closed_at = $3, next_wave_at = NULL, updated_at = $3
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, at],
  );
  return rows[0] ? parseOpening(rows[0]) : null;
}
