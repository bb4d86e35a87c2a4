// Reading the audit log (written by store/audit.ts recordAudit): one clinic's rows, newest first,
// filtered and paged, with the patient behind each patient actor resolved in a fixed number of queries.
import type { ParsedActor } from "../core/audit.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

export interface AuditFilter {
  entityType?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditLogRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

interface Row {
  id: string;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
}

// Page cursors carry (at, id) and the shared cursor format wants a 36-character id: audit ids are
// bigserial, so they travel zero-padded to 36 digits.
const padId = (id: string) => id.padStart(36, "0");
const unpadId = (id: string) => id.replace(/^0+(?=\d)/, "");

export async function listAuditLog(q: Queryable, clinicId: string, f: AuditFilter, page: PageRequest): Promise<Page<AuditLogRow>> {
  const after = page.after && /^\d{1,36}$/.test(page.after.id) ? { at: page.after.key, id: unpadId(page.after.id) } : null;
  const { rows } = await q.query<Row>(
    `SELECT id::text AS id, at, actor, action, entity, entity_id, before, after FROM audit_log
     WHERE clinic_id = $1
       AND ($2::text IS NULL OR entity = $2) AND ($3::uuid IS NULL OR entity_id = $3)
       AND ($4::text IS NULL OR action = $4)
       AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
       AND ($7::timestamptz IS NULL OR (at, id) < ($7, $8::bigint))
     ORDER BY at DESC, id DESC LIMIT $9`,
    [clinicId, f.entityType ?? null, f.entityId ?? null, f.action ?? null, f.from ?? null, f.to ?? null, after?.at ?? null, after?.id ?? null, page.limit + 1],
  );
  const parsed = rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    entityType: r.entity,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
  }));
  return toPage(parsed, page.limit, (r) => ({ key: r.at.toISOString(), id: padId(r.id) }));
}

const LOOKUPS: Record<NonNullable<ParsedActor["lookup"]>["table"], string> = {
  offers: "SELECT id::text AS ref, patient_id::text AS patient_id FROM offers WHERE clinic_id = $1 AND id = ANY($2::uuid[])",
  payment_holds: "SELECT id::text AS ref, patient_id::text AS patient_id FROM payment_holds WHERE clinic_id = $1 AND id = ANY($2::uuid[])",
  appointment_links: `SELECT l.id::text AS ref, a.patient_id::text AS patient_id FROM appointment_links l
    JOIN appointments a ON a.clinic_id = l.clinic_id AND a.id = l.appointment_id WHERE l.clinic_id = $1 AND l.id = ANY($2::uuid[])`,
  offer_or_patient: `SELECT id::text AS ref, patient_id::text AS patient_id FROM offers WHERE clinic_id = $1 AND id = ANY($2::uuid[])
    UNION ALL SELECT id::text, id::text FROM patients WHERE clinic_id = $1 AND id = ANY($2::uuid[])`,
};

/** The patient behind each lookup (keyed "table:ref"); at most one query per kind of reference. */
export async function patientsOfActors(q: Queryable, clinicId: string, lookups: NonNullable<ParsedActor["lookup"]>[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const byTable = new Map<keyof typeof LOOKUPS, Set<string>>();
  for (const l of lookups) byTable.set(l.table, (byTable.get(l.table) ?? new Set()).add(l.id));
  for (const [table, ids] of byTable) {
    const { rows } = await q.query<{ ref: string; patient_id: string }>(LOOKUPS[table], [clinicId, [...ids]]);
    for (const r of rows) found.set(`${table}:${r.ref}`, r.patient_id);
  }
  return found;
}
