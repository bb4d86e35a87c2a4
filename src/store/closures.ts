// Closures: the whole clinic (providerId null) or one provider is closed in [start, end).
// A removed closure keeps its row (deletedAt set) and no longer counts.
import type { Appointment, Opening } from "../core/types.ts";
import { parseAppointment, type AppointmentRow } from "./appointments.ts";
import type { Queryable } from "./db.ts";
import { parseOpening, type OpeningRow } from "./openings.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

export interface Closure {
  id: string;
  clinicId: string;
  providerId: string | null;
  start: Date;
  end: Date;
  reason: string;
  createdAt: Date;
  deletedAt: Date | null;
}

/** A `closures` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface ClosureRow {
  id: Closure["id"];
  clinic_id: Closure["clinicId"];
  provider_id: Closure["providerId"];
  start_at: Closure["start"];
  end_at: Closure["end"];
  reason: Closure["reason"];
  created_at: Closure["createdAt"];
  deleted_at: Closure["deletedAt"];
}

export function parseClosure(r: ClosureRow): Closure {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    providerId: r.provider_id,
    start: r.start_at,
    end: r.end_at,
    reason: r.reason,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
  };
}

export interface NewClosure {
  clinicId: string;
  providerId: string | null;
  start: Date;
  end: Date;
  reason: string;
  at: Date;
}

export async function insertClosure(q: Queryable, c: NewClosure): Promise<Closure> {
  const { rows } = await q.query<ClosureRow>(
    `INSERT INTO closures (clinic_id, provider_id, start_at, end_at, reason, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [c.clinicId, c.providerId, c.start, c.end, c.reason, c.at],
  );
  return parseClosure(rows[0]!);
}

export async function softDeleteClosure(q: Queryable, clinicId: string, id: string, at: Date): Promise<Closure | null> {
  const { rows } = await q.query<ClosureRow>(`UPDATE closures SET deleted_at = $3 WHERE clinic_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`, [
    clinicId,
    id,
    at,
  ]);
  return rows[0] ? parseClosure(rows[0]) : null;
}

/** Active closures overlapping [from, to), by start. */
export async function listClosures(q: Queryable, clinicId: string, f: { from?: Date; to?: Date }, page: PageRequest): Promise<Page<Closure>> {
  const { rows } = await q.query<ClosureRow>(
    `SELECT * FROM closures WHERE clinic_id = $1 AND deleted_at IS NULL
       AND ($2::timestamptz IS NULL OR end_at > $2) AND ($3::timestamptz IS NULL OR start_at < $3)
       AND ($4::timestamptz IS NULL OR (start_at, id) > ($4::timestamptz, $5::uuid))
     ORDER BY start_at, id LIMIT $6`,
    [clinicId, f.from ?? null, f.to ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parseClosure), page.limit, (c) => ({ key: c.start.toISOString(), id: c.id }));
}

/** An active closure (clinic-wide or the provider's) overlapping [start, end), if any. */
export async function closureCovering(q: Queryable, clinicId: string, r: { providerId: string; start: Date; end: Date }): Promise<Closure | null> {
  const { rows } = await q.query<ClosureRow>(
    `SELECT * FROM closures WHERE clinic_id = $1 AND deleted_at IS NULL
       AND (provider_id IS NULL OR provider_id = $2)
       AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)')
     ORDER BY start_at, id LIMIT 1`,
    [clinicId, r.providerId, r.start, r.end],
  );
  return rows[0] ? parseClosure(rows[0]) : null;
}

/** Open openings inside a closure's time (all providers' when providerId is null), locked in id order. */
export async function lockOpenOpeningsIn(q: Queryable, clinicId: string, r: { providerId: string | null; start: Date; end: Date }): Promise<Opening[]> {
  const { rows } = await q.query<OpeningRow>(
    `SELECT * FROM openings WHERE clinic_id = $1 AND status = 'OPEN'
       AND ($2::uuid IS NULL OR provider_id = $2)
       AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)')
     ORDER BY id FOR UPDATE`,
    [clinicId, r.providerId, r.start, r.end],
  );
  return rows.map(parseOpening);
}

/** Active appointments inside a closure's time (all providers' when providerId is null), by start. */
export async function appointmentsIn(q: Queryable, clinicId: string, r: { providerId: string | null; start: Date; end: Date }): Promise<Appointment[]> {
  const { rows } = await q.query<AppointmentRow>(
    `SELECT * FROM appointments WHERE clinic_id = $1
       AND status IN ('BOOKED', 'CONFIRMED', 'CHECKED_IN')
       AND ($2::uuid IS NULL OR provider_id = $2)
       AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)')
     ORDER BY start_at, id`,
    [clinicId, r.providerId, r.start, r.end],
  );
  return rows.map(parseAppointment);
}
