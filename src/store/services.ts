import type { Service } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** A `services` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface ServiceRow {
  id: Service["id"];
  clinic_id: Service["clinicId"];
  name: Service["name"];
  category: Service["category"];
  duration_minutes: Service["durationMinutes"];
  price_cents: Service["priceCents"];
  active: Service["active"];
  external_id: Service["externalId"];
  created_at: Service["createdAt"];
}

function parse(r: ServiceRow): Service {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    name: r.name,
    category: r.category,
    durationMinutes: r.duration_minutes,
    priceCents: r.price_cents,
    active: r.active,
    externalId: r.external_id,
    createdAt: r.created_at,
  };
}

export async function insertService(
  q: Queryable,
  s: { clinicId: string; name: string; category: string; durationMinutes: number; priceCents: number; externalId?: string | null; at: Date },
): Promise<Service> {
  const { rows } = await q.query<ServiceRow>(
    `INSERT INTO services (clinic_id, name, category, duration_minutes, price_cents, created_at, external_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [s.clinicId, s.name, s.category, s.durationMinutes, s.priceCents, s.at, s.externalId ?? null],
  );
  return parse(rows[0]!);
}

/** A service's fields as synced; a duplicate external id raises 23505 on `services_external_id`. */
export async function updateService(
  q: Queryable,
  clinicId: string,
  id: string,
  s: { name: string; category: string; durationMinutes: number; priceCents: number; externalId?: string | null },
): Promise<Service> {
  const { rows } = await q.query<ServiceRow>(
    `UPDATE services SET name = $3, category = $4, duration_minutes = $5, price_cents = $6,
       external_id = CASE WHEN $7::boolean THEN $8 ELSE external_id END
     WHERE clinic_id = $1 AND id = $2 RETURNING *`,
    [clinicId, id, s.name, s.category, s.durationMinutes, s.priceCents, s.externalId !== undefined, s.externalId ?? null],
  );
  return parse(rows[0]!);
}

export async function getService(q: Queryable, clinicId: string, id: string): Promise<Service | null> {
  const { rows } = await q.query<ServiceRow>("SELECT * FROM services WHERE clinic_id = $1 AND id = $2", [clinicId, id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function listServices(q: Queryable, clinicId: string, page: PageRequest, f: { externalId?: string } = {}): Promise<Page<Service>> {
  const { rows } = await q.query<ServiceRow>(
    `SELECT * FROM services WHERE clinic_id = $1
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       AND ($5::text IS NULL OR external_id = $5)
     ORDER BY created_at, id LIMIT $4`,
    [clinicId, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1, f.externalId ?? null],
  );
  return toPage(rows.map(parse), page.limit, (s) => ({ key: s.createdAt.toISOString(), id: s.id }));
}
