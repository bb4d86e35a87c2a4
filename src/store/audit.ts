// The append-only audit log. Written in the same transaction as the change it records.
import type { Queryable } from "./db.ts";

export interface AuditRecord {
  clinicId: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  at: Date;
}

export async function recordAudit(q: Queryable, r: AuditRecord): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (clinic_id, actor, action, entity, entity_id, before, after, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [r.clinicId, r.actor, r.action, r.entity, r.entityId, json(r.before), json(r.after), r.at],
  );
}

export interface AuditRow extends AuditRecord {
  id: number;
}

export async function listAudit(q: Queryable, clinicId: string, entity?: string, entityId?: string): Promise<AuditRow[]> {
  const { rows } = await q.query(
    `SELECT * FROM audit_log WHERE clinic_id = $1
       AND ($2::text IS NULL OR entity = $2) AND ($3::uuid IS NULL OR entity_id = $3)
     ORDER BY id`,
    [clinicId, entity ?? null, entityId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    clinicId: r.clinic_id,
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    at: r.at,
  }));
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
