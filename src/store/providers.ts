// Providers and chairs (operatories, rooms): both are a named resource of a clinic.
import type { Chair, Provider } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

export type ResourceTable = "providers" | "chairs";

/** A `providers` (or `chairs`: the same columns) row as pg returns it (timestamptz → Date). */
interface ProviderRow {
  id: Provider["id"];
  clinic_id: Provider["clinicId"];
  name: Provider["name"];
  active: Provider["active"];
  external_id: Provider["externalId"];
  created_at: Provider["createdAt"];
}

function parse(r: ProviderRow): Provider {
  return { id: r.id, clinicId: r.clinic_id, name: r.name, active: r.active, externalId: r.external_id, createdAt: r.created_at };
}

/** A duplicate `externalId` raises 23505 on the constraint `<table>_external_id`. */
export async function insertResource(
  q: Queryable,
  table: ResourceTable,
  r: { clinicId: string; name: string; externalId?: string | null; at: Date },
): Promise<Provider | Chair> {
  const { rows } = await q.query<ProviderRow>(`INSERT INTO ${table} (clinic_id, name, created_at, external_id) VALUES ($1, $2, $3, $4) RETURNING *`, [
    r.clinicId,
    r.name,
    r.at,
    r.externalId ?? null,
  ]);
  return parse(rows[0]!);
}

/** Renames a provider or chair (and sets its external id when given); a duplicate raises 23505 on `<table>_external_id`. */
export async function updateResource(
  q: Queryable,
  table: ResourceTable,
  clinicId: string,
  id: string,
  r: { name: string; externalId?: string | null },
): Promise<Provider> {
  const { rows } = await q.query<ProviderRow>(
    `UPDATE ${table} SET name = $3, external_id = CASE WHEN $4::boolean THEN $5 ELSE external_id END
     WHERE clinic_id = $1 AND id = $2 RETURNING *`,
    [clinicId, id, r.name, r.externalId !== undefined, r.externalId ?? null],
  );
  return parse(rows[0]!);
}

export async function getResource(q: Queryable, table: ResourceTable, clinicId: string, id: string): Promise<Provider | null> {
  const { rows } = await q.query<ProviderRow>(`SELECT * FROM ${table} WHERE clinic_id = $1 AND id = $2`, [clinicId, id]);
  return rows[0] ? parse(rows[0]) : null;
}

/** The ids among `ids` that are not this clinic's (unknown or another clinic's). */
export async function missingResourceIds(q: Queryable, table: ResourceTable, clinicId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query(`SELECT id FROM ${table} WHERE clinic_id = $1 AND id = ANY($2::uuid[])`, [clinicId, ids]);
  const found = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}

export async function listResources(
  q: Queryable,
  table: ResourceTable,
  clinicId: string,
  page: PageRequest,
  f: { externalId?: string } = {},
): Promise<Page<Provider>> {
  const { rows } = await q.query<ProviderRow>(
    `SELECT * FROM ${table} WHERE clinic_id = $1
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       AND ($5::text IS NULL OR external_id = $5)
     ORDER BY created_at, id LIMIT $4`,
    [clinicId, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1, f.externalId ?? null],
  );
  return toPage(rows.map(parse), page.limit, (p) => ({ key: p.createdAt.toISOString(), id: p.id }));
}

/**
 * Queues bookings of one provider (and of one chair) behind each other, before the appointment's INSERT.
 * Without it, racing inserts of overlapping appointments each wait on the other's exclusion-constraint
 * check and PostgreSQL breaks the cycle with a deadlock error (seen with 20 racing bookings on a loaded
 * machine: every retry deadlocked again). FOR NO KEY UPDATE does not block foreign-key checks (KEY SHARE),
 * so inserting openings or entries that name the provider is not held up. Provider before chair, always.
 */
export async function lockForBooking(q: Queryable, clinicId: string, providerId: string, chairId: string | null): Promise<void> {
  await q.query("SELECT 1 FROM providers WHERE clinic_id = $1 AND id = $2 FOR NO KEY UPDATE", [clinicId, providerId]);
  if (chairId) await q.query("SELECT 1 FROM chairs WHERE clinic_id = $1 AND id = $2 FOR NO KEY UPDATE", [clinicId, chairId]);
}
