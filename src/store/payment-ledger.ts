// The dev gateway's ledger (migrations/010_payments.sql): one row per idempotency key.
import type { Queryable } from "./db.ts";

export type LedgerKind = "CHARGE" | "REFUND" | "AUTHORIZATION";

export interface LedgerEntry {
  id: string;
  clinicId: string;
  patientId: string;
  kind: LedgerKind;
  amountCents: number;
  idempotencyKey: string;
  reference: string;
  refundsReference: string | null;
  description: string;
  createdAt: Date;
}

/** A `payment_ledger` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface LedgerEntryRow {
  id: LedgerEntry["id"];
  clinic_id: LedgerEntry["clinicId"];
  patient_id: LedgerEntry["patientId"];
  kind: LedgerEntry["kind"];
  amount_cents: LedgerEntry["amountCents"];
  idempotency_key: LedgerEntry["idempotencyKey"];
  reference: LedgerEntry["reference"];
  refunds_reference: LedgerEntry["refundsReference"];
  description: LedgerEntry["description"];
  created_at: LedgerEntry["createdAt"];
}

function parse(r: LedgerEntryRow): LedgerEntry {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    kind: r.kind,
    amountCents: r.amount_cents,
    idempotencyKey: r.idempotency_key,
    reference: r.reference,
    refundsReference: r.refunds_reference,
    description: r.description,
    createdAt: r.created_at,
  };
}

export async function findLedgerEntry(q: Queryable, idempotencyKey: string): Promise<LedgerEntry | null> {
  const { rows } = await q.query<LedgerEntryRow>("SELECT * FROM payment_ledger WHERE idempotency_key = $1", [idempotencyKey]);
  return rows[0] ? parse(rows[0]) : null;
}

/** The new row, or null when the key is already taken (a concurrent call with the same key won). */
export async function insertLedgerEntry(q: Queryable, e: Omit<LedgerEntry, "id">): Promise<LedgerEntry | null> {
  const { rows } = await q.query<LedgerEntryRow>(
    `INSERT INTO payment_ledger (clinic_id, patient_id, kind, amount_cents, idempotency_key, reference, refunds_reference, description, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
    [e.clinicId, e.patientId, e.kind, e.amountCents, e.idempotencyKey, e.reference, e.refundsReference, e.description, e.createdAt],
  );
  return rows[0] ? parse(rows[0]) : null;
}

export async function ledgerOfPatient(q: Queryable, clinicId: string, patientId: string): Promise<LedgerEntry[]> {
  const { rows } = await q.query<LedgerEntryRow>("SELECT * FROM payment_ledger WHERE clinic_id = $1 AND patient_id = $2 ORDER BY created_at, seq", [
    clinicId,
    patientId,
  ]);
  return rows.map(parse);
}
