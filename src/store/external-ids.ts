// The clinic's own systems' ids (migration 018): each kind's `external_id`, unique per clinic
// (constraint `<table>_external_id`). Every lookup is scoped by clinic: another clinic's id is not found.
import type { Queryable } from "./db.ts";

export type ExternalKind = "patients" | "providers" | "chairs" | "services" | "appointments" | "waitlist_entries";

export const EXTERNAL_KINDS: readonly ExternalKind[] = ["patients", "providers", "chairs", "services", "appointments", "waitlist_entries"];

/** The name of the unique constraint a duplicate external id of `kind` violates (23505). */
export const externalIdConstraint = (kind: ExternalKind) => `${kind}_external_id`;

/** The record of `kind` with this external id in the clinic, or null. `forUpdate` locks its row. */
export async function idByExternalId(q: Queryable, kind: ExternalKind, clinicId: string, externalId: string, forUpdate = false): Promise<string | null> {
  // `kind` is one of the fixed table names above, never input.
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM ${kind} WHERE clinic_id = $1 AND external_id = $2${forUpdate ? " FOR UPDATE" : ""}`, [
    clinicId,
    externalId,
  ]);
  return rows[0]?.id ?? null;
}

/** External id → id for those of `externalIds` the clinic has (the others are absent from the map). */
export async function idsByExternalIds(q: Queryable, kind: ExternalKind, clinicId: string, externalIds: string[]): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; external_id: string }>(
    `SELECT id, external_id FROM ${kind} WHERE clinic_id = $1 AND external_id = ANY($2::text[])`,
    [clinicId, externalIds],
  );
  return new Map(rows.map((r) => [r.external_id, r.id]));
}

/**
 * Serialises the syncs of one external id of `kind` in the clinic until the transaction ends (an advisory
 * lock on a hash of the three; a hash collision only makes two unrelated syncs wait for each other). Taken
 * before anything else a sync locks, so the second of two racing PUTs finds the first one's record.
 */
export async function lockExternalId(q: Queryable, kind: ExternalKind, clinicId: string, externalId: string): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0))", [clinicId, kind, externalId]);
}
