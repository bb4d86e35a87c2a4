import type { SettingsOverrides } from "../core/settings.ts";
import type { Clinic } from "../core/types.ts";
import type { Queryable } from "./db.ts";

export interface ClinicRow extends Clinic {
  overrides: SettingsOverrides;
}

/** A `clinics` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface ClinicTableRow {
  id: string;
  name: string;
  timezone: string;
  created_at: Date;
  /** jsonb: the settings the clinic changed (null before any). */
  settings: SettingsOverrides | null;
}

function parse(r: ClinicTableRow): ClinicRow {
  return { id: r.id, name: r.name, timezone: r.timezone, createdAt: r.created_at, overrides: r.settings ?? {} };
}

export async function insertClinic(q: Queryable, c: { name: string; timezone: string; at: Date }): Promise<ClinicRow> {
  const { rows } = await q.query<ClinicTableRow>("INSERT INTO clinics (name, timezone, created_at) VALUES ($1, $2, $3) RETURNING *", [
    c.name,
    c.timezone,
    c.at,
  ]);
  return parse(rows[0]!);
}

export async function getClinic(q: Queryable, id: string, forUpdate = false): Promise<ClinicRow | null> {
  const { rows } = await q.query<ClinicTableRow>(`SELECT * FROM clinics WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function updateClinicSettings(q: Queryable, id: string, timezone: string, overrides: SettingsOverrides): Promise<ClinicRow> {
  const { rows } = await q.query<ClinicTableRow>("UPDATE clinics SET timezone = $2, settings = $3 WHERE id = $1 RETURNING *", [
    id,
    timezone,
    JSON.stringify(overrides),
  ]);
  return parse(rows[0]!);
}
