// Payment holds (migrations/010_payments.sql; the table is payment_holds since 017): an opening held for 90 s while the accepting patient pays.
import type { PaymentHoldKind, PaymentHoldStatus } from "../core/payment.ts";
import type { Queryable } from "./db.ts";

export interface PaymentHold {
  id: string;
  clinicId: string;
  openingId: string;
  offerId: string;
  entryId: string;
  patientId: string;
  kind: PaymentHoldKind;
  amountCents: number;
  status: PaymentHoldStatus;
  expiresAt: Date;
  tokenHash: string;
  appointmentId: string | null;
  paymentReference: string | null;
  lastFailure: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A `payment_holds` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface PaymentHoldRow {
  id: PaymentHold["id"];
  clinic_id: PaymentHold["clinicId"];
  opening_id: PaymentHold["openingId"];
  offer_id: PaymentHold["offerId"];
  entry_id: PaymentHold["entryId"];
  patient_id: PaymentHold["patientId"];
  kind: PaymentHold["kind"];
  amount_cents: PaymentHold["amountCents"];
  status: PaymentHold["status"];
  expires_at: PaymentHold["expiresAt"];
  token_hash: PaymentHold["tokenHash"];
  appointment_id: PaymentHold["appointmentId"];
  payment_reference: PaymentHold["paymentReference"];
  last_failure: PaymentHold["lastFailure"];
  created_at: PaymentHold["createdAt"];
  updated_at: PaymentHold["updatedAt"];
}

export function parsePaymentHold(r: PaymentHoldRow): PaymentHold {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    openingId: r.opening_id,
    offerId: r.offer_id,
    entryId: r.entry_id,
    patientId: r.patient_id,
    kind: r.kind,
    amountCents: r.amount_cents,
    status: r.status,
    expiresAt: r.expires_at,
    tokenHash: r.token_hash,
    appointmentId: r.appointment_id,
    paymentReference: r.payment_reference,
    lastFailure: r.last_failure,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface NewPaymentHold {
  id: string;
  clinicId: string;
  openingId: string;
  offerId: string;
  entryId: string;
  patientId: string;
  kind: PaymentHoldKind;
  amountCents: number;
  expiresAt: Date;
  tokenHash: string;
  at: Date;
}

/** An OPEN payment hold; the partial unique index refuses a second OPEN payment hold of one opening (23505). */
export async function insertPaymentHold(q: Queryable, c: NewPaymentHold): Promise<PaymentHold> {
  const { rows } = await q.query<PaymentHoldRow>(
    `INSERT INTO payment_holds (id, clinic_id, opening_id, offer_id, entry_id, patient_id, kind, amount_cents, status, expires_at, token_hash, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'OPEN', $9, $10, $11, $11) RETURNING *`,
    [c.id, c.clinicId, c.openingId, c.offerId, c.entryId, c.patientId, c.kind, c.amountCents, c.expiresAt, c.tokenHash, c.at],
  );
  return parsePaymentHold(rows[0]!);
}

export async function getPaymentHold(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<PaymentHold | null> {
  const { rows } = await q.query<PaymentHoldRow>(`SELECT * FROM payment_holds WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [
    clinicId,
    id,
  ]);
  return rows[0] ? parsePaymentHold(rows[0]) : null;
}

export async function findPaymentHoldByTokenHash(q: Queryable, tokenHash: string): Promise<PaymentHold | null> {
  const { rows } = await q.query<PaymentHoldRow>("SELECT * FROM payment_holds WHERE token_hash = $1", [tokenHash]);
  return rows[0] ? parsePaymentHold(rows[0]) : null;
}

/** The opening's OPEN payment hold (live or past its end and not yet lapsed), locked. Lock the opening first. */
export async function openPaymentHoldOfOpening(q: Queryable, clinicId: string, openingId: string): Promise<PaymentHold | null> {
  const { rows } = await q.query<PaymentHoldRow>("SELECT * FROM payment_holds WHERE clinic_id = $1 AND opening_id = $2 AND status = 'OPEN' FOR UPDATE", [
    clinicId,
    openingId,
  ]);
  return rows[0] ? parsePaymentHold(rows[0]) : null;
}

/** The OPEN payment hold made through an offer, read without a lock (the caller locks the opening before acting on it). */
export async function openPaymentHoldOfOffer(q: Queryable, clinicId: string, offerId: string): Promise<PaymentHold | null> {
  const { rows } = await q.query<PaymentHoldRow>("SELECT * FROM payment_holds WHERE clinic_id = $1 AND offer_id = $2 AND status = 'OPEN'", [clinicId, offerId]);
  return rows[0] ? parsePaymentHold(rows[0]) : null;
}

/** Moves an OPEN payment hold on (guarded: null when it is no longer OPEN). */
export async function closePaymentHold(
  q: Queryable,
  clinicId: string,
  id: string,
  to: Exclude<PaymentHoldStatus, "OPEN">,
  at: Date,
  paid?: { appointmentId: string; paymentReference: string },
): Promise<PaymentHold | null> {
  const { rows } = await q.query<PaymentHoldRow>(
    `UPDATE payment_holds SET status = $3, appointment_id = $4, payment_reference = COALESCE($5, payment_reference), updated_at = $6
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, to, paid?.appointmentId ?? null, paid?.paymentReference ?? null, at],
  );
  return rows[0] ? parsePaymentHold(rows[0]) : null;
}

export async function notePaymentHoldFailure(q: Queryable, clinicId: string, id: string, failure: string, at: Date): Promise<void> {
  await q.query("UPDATE payment_holds SET last_failure = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2", [clinicId, id, failure.slice(0, 200), at]);
}

/** OPEN payment holds past their end (no lock: the sweep locks each opening, then the payment hold, in its own transaction). */
export async function duePaymentHolds(q: Queryable, now: Date, limit: number): Promise<Pick<PaymentHold, "id" | "clinicId" | "openingId">[]> {
  const { rows } = await q.query(
    "SELECT id, clinic_id, opening_id FROM payment_holds WHERE status = 'OPEN' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
    [now, limit],
  );
  return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, openingId: r.opening_id }));
}

/** The patient's OPEN payment holds (a new payment hold ends them: one payment step at a time), locked. */
export async function openPaymentHoldsOfPatient(q: Queryable, clinicId: string, patientId: string): Promise<PaymentHold[]> {
  const { rows } = await q.query<PaymentHoldRow>(
    "SELECT * FROM payment_holds WHERE clinic_id = $1 AND patient_id = $2 AND status = 'OPEN' ORDER BY id FOR UPDATE",
    [clinicId, patientId],
  );
  return rows.map(parsePaymentHold);
}
