import type { SettingsOverrides } from "../core/settings.ts";
import type { Clinic } from "../core/types.ts";
import type { Queryable } from "./db.ts";

export interface ClinicRow extends Clinic {
  overrides: SettingsOverrides;
}

function parse(r: any): ClinicRow {
  return { id: r.id, name: r.name, timezone: r.timezone, createdAt: r.created_at, overrides: r.settings ?? {} };
}

export async function insertClinic(q: Queryable, c: { name: string; timezone: string; at: Date }): Promise<ClinicRow> {
  const { rows } = await q.query("INSERT INTO clinics (name, timezone, created_at) VALUES ($1, $2, $3) RETURNING *", [c.name, c.timezone, c.at]);
  return parse(rows[0]);
}

export async function getClinic(q: Queryable, id: string, forUpdate = false): Promise<ClinicRow | null> {
  const { rows } = await q.query(`SELECT * FROM clinics WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function updateClinicSettings(q: Queryable, id: string, timezone: string, overrides: SettingsOverrides): Promise<ClinicRow> {
  const { rows } = await q.query("UPDATE clinics SET timezone = $2, settings = $3 WHERE id = $1 RETURNING *", [id, timezone, JSON.stringify(overrides)]);
  return parse(rows[0]);
}
