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

export async function getService(q: Queryable, clinicId: string, id: string): Promise<Service | null> {
  const { rows } = await q.query<ServiceRow>("SELECT * FROM services WHERE clinic_id = $1 AND id = $2", [clinicId, id]);
  return rows[0] ? parse(rows[0]) : null;
}

export async function listServices(q: Queryable, clinicId: string, page: PageRequest): Promise<Page<Service>> {
  const { rows } = await q.query<ServiceRow>(
    `SELECT * FROM services WHERE clinic_id = $1
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
     ORDER BY created_at, id LIMIT $4`,
    [clinicId, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parse), page.limit, (s) => ({ key: s.createdAt.toISOString(), id: s.id }));
}
