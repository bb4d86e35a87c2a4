// Claims (migrations/010_payments.sql): an opening held for 90 s while the accepting patient pays.
import type { ClaimKind, ClaimStatus } from "../core/payment.ts";
import type { Queryable } from "./db.ts";

export interface Claim {
  id: string;
  clinicId: string;
  openingId: string;
  offerId: string;
  entryId: string;
  patientId: string;
  kind: ClaimKind;
  amountCents: number;
  status: ClaimStatus;
  expiresAt: Date;
  tokenHash: string;
  appointmentId: string | null;
  paymentReference: string | null;
  lastFailure: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A `claims` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface ClaimRow {
  id: Claim["id"];
  clinic_id: Claim["clinicId"];
  opening_id: Claim["openingId"];
  offer_id: Claim["offerId"];
  entry_id: Claim["entryId"];
  patient_id: Claim["patientId"];
  kind: Claim["kind"];
  amount_cents: Claim["amountCents"];
  status: Claim["status"];
  expires_at: Claim["expiresAt"];
  token_hash: Claim["tokenHash"];
  appointment_id: Claim["appointmentId"];
  payment_reference: Claim["paymentReference"];
  last_failure: Claim["lastFailure"];
  created_at: Claim["createdAt"];
  updated_at: Claim["updatedAt"];
}

export function parseClaim(r: ClaimRow): Claim {
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

export interface NewClaim {
  id: string;
  clinicId: string;
  openingId: string;
  offerId: string;
  entryId: string;
  patientId: string;
  kind: ClaimKind;
  amountCents: number;
  expiresAt: Date;
  tokenHash: string;
  at: Date;
}

/** An OPEN claim; the partial unique index refuses a second OPEN claim of one opening (23505). */
export async function insertClaim(q: Queryable, c: NewClaim): Promise<Claim> {
  const { rows } = await q.query<ClaimRow>(
    `INSERT INTO claims (id, clinic_id, opening_id, offer_id, entry_id, patient_id, kind, amount_cents, status, expires_at, token_hash, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'OPEN', $9, $10, $11, $11) RETURNING *`,
    [c.id, c.clinicId, c.openingId, c.offerId, c.entryId, c.patientId, c.kind, c.amountCents, c.expiresAt, c.tokenHash, c.at],
  );
  return parseClaim(rows[0]!);
}

export async function getClaim(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Claim | null> {
  const { rows } = await q.query<ClaimRow>(`SELECT * FROM claims WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [clinicId, id]);
  return rows[0] ? parseClaim(rows[0]) : null;
}

export async function findClaimByTokenHash(q: Queryable, tokenHash: string): Promise<Claim | null> {
  const { rows } = await q.query<ClaimRow>("SELECT * FROM claims WHERE token_hash = $1", [tokenHash]);
  return rows[0] ? parseClaim(rows[0]) : null;
}

/** The opening's OPEN claim (live or past its end and not yet lapsed), locked. Lock the opening first. */
export async function openClaimOfOpening(q: Queryable, clinicId: string, openingId: string): Promise<Claim | null> {
  const { rows } = await q.query<ClaimRow>("SELECT * FROM claims WHERE clinic_id = $1 AND opening_id = $2 AND status = 'OPEN' FOR UPDATE", [
    clinicId,
    openingId,
  ]);
  return rows[0] ? parseClaim(rows[0]) : null;
}

/** The OPEN claim made through an offer, read without a lock (the caller locks the opening before acting on it). */
export async function openClaimOfOffer(q: Queryable, clinicId: string, offerId: string): Promise<Claim | null> {
  const { rows } = await q.query<ClaimRow>("SELECT * FROM claims WHERE clinic_id = $1 AND offer_id = $2 AND status = 'OPEN'", [clinicId, offerId]);
  return rows[0] ? parseClaim(rows[0]) : null;
}

/** Moves an OPEN claim on (guarded: null when it is no longer OPEN). */
export async function closeClaim(
  q: Queryable,
  clinicId: string,
  id: string,
  to: Exclude<ClaimStatus, "OPEN">,
  at: Date,
  paid?: { appointmentId: string; paymentReference: string },
): Promise<Claim | null> {
  const { rows } = await q.query<ClaimRow>(
    `UPDATE claims SET status = $3, appointment_id = $4, payment_reference = COALESCE($5, payment_reference), updated_at = $6
     WHERE clinic_id = $1 AND id = $2 AND status = 'OPEN' RETURNING *`,
    [clinicId, id, to, paid?.appointmentId ?? null, paid?.paymentReference ?? null, at],
  );
  return rows[0] ? parseClaim(rows[0]) : null;
}

export async function noteClaimFailure(q: Queryable, clinicId: string, id: string, failure: string, at: Date): Promise<void> {
  await q.query("UPDATE claims SET last_failure = $3, updated_at = $4 WHERE clinic_id = $1 AND id = $2", [clinicId, id, failure.slice(0, 200), at]);
}

/** OPEN claims past their end (no lock: the sweep locks each opening, then the claim, in its own transaction). */
export async function dueClaims(q: Queryable, now: Date, limit: number): Promise<Pick<Claim, "id" | "clinicId" | "openingId">[]> {
  const { rows } = await q.query("SELECT id, clinic_id, opening_id FROM claims WHERE status = 'OPEN' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2", [
    now,
    limit,
  ]);
  return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, openingId: r.opening_id }));
}

/** The patient's OPEN claims (a new claim ends them: one payment step at a time), locked. */
export async function openClaimsOfPatient(q: Queryable, clinicId: string, patientId: string): Promise<Claim[]> {
  const { rows } = await q.query<ClaimRow>("SELECT * FROM claims WHERE clinic_id = $1 AND patient_id = $2 AND status = 'OPEN' ORDER BY id FOR UPDATE", [
    clinicId,
    patientId,
  ]);
  return rows.map(parseClaim);
}
