// Charges (migrations/008_charges.sql, 010_payments.sql): cancellation fees, deposits and prepayments.
import type { Queryable } from "./db.ts";

export type ChargeKind = "CANCELLATION_FEE" | "DEPOSIT" | "PREPAYMENT";
/** A deposit is AUTHORIZED (staff capture or release it at the visit); REFUNDED: money returned. */
export type ChargeStatus = "PENDING" | "CHARGED" | "WAIVED" | "AUTHORIZED" | "REFUNDED";

export interface Charge {
  id: string;
  clinicId: string;
  patientId: string;
  appointmentId: string;
  kind: ChargeKind;
  amountCents: number;
  status: ChargeStatus;
  reason: string;
  dueAt: Date;
  /** The gateway's reference once money moved. */
  paymentReference: string | null;
  /** Declined attempts so far, the last decline, and when the fee sweep tries again (null after a decline: left to staff). */
  attempts: number;
  failureNote: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A `charges` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
export interface ChargeRow {
  id: Charge["id"];
  clinic_id: Charge["clinicId"];
  patient_id: Charge["patientId"];
  appointment_id: Charge["appointmentId"];
  kind: Charge["kind"];
  amount_cents: Charge["amountCents"];
  status: Charge["status"];
  reason: Charge["reason"];
  due_at: Charge["dueAt"];
  payment_reference: Charge["paymentReference"];
  attempts: Charge["attempts"];
  failure_note: Charge["failureNote"];
  next_attempt_at: Charge["nextAttemptAt"];
  created_at: Charge["createdAt"];
  updated_at: Charge["updatedAt"];
}

export function parseCharge(r: ChargeRow): Charge {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    appointmentId: r.appointment_id,
    kind: r.kind,
    amountCents: r.amount_cents,
    status: r.status,
    reason: r.reason,
    dueAt: r.due_at,
    paymentReference: r.payment_reference,
    attempts: r.attempts,
    failureNote: r.failure_note,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertCharge(
  q: Queryable,
  c: {
    clinicId: string;
    patientId: string;
    appointmentId: string;
    kind: ChargeKind;
    amountCents: number;
    reason: string;
    dueAt: Date;
    at: Date;
    /** Already paid (a deposit or prepayment taken at the claim): its status and the gateway's reference. */
    paid?: { status: "CHARGED" | "AUTHORIZED"; paymentReference: string };
  },
): Promise<Charge> {
  const { rows } = await q.query<ChargeRow>(
    `INSERT INTO charges (clinic_id, patient_id, appointment_id, kind, amount_cents, status, reason, due_at, payment_reference, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
    [c.clinicId, c.patientId, c.appointmentId, c.kind, c.amountCents, c.paid?.status ?? "PENDING", c.reason, c.dueAt, c.paid?.paymentReference ?? null, c.at],
  );
  return parseCharge(rows[0]!);
}

/** PENDING cancellation fees of an appointment become WAIVED (its freed time was refilled). */
export async function waivePendingCancellationFees(q: Queryable, clinicId: string, appointmentId: string, at: Date): Promise<Charge[]> {
  const { rows } = await q.query<ChargeRow>(
    `UPDATE charges SET status = 'WAIVED', updated_at = $3
     WHERE clinic_id = $1 AND appointment_id = $2 AND kind = 'CANCELLATION_FEE' AND status = 'PENDING' RETURNING *`,
    [clinicId, appointmentId, at],
  );
  return rows.map(parseCharge);
}

export async function listChargesOfPatient(q: Queryable, clinicId: string, patientId: string): Promise<Charge[]> {
  const { rows } = await q.query<ChargeRow>("SELECT * FROM charges WHERE clinic_id = $1 AND patient_id = $2 ORDER BY created_at, id", [clinicId, patientId]);
  return rows.map(parseCharge);
}

/** One PENDING cancellation fee due at `now` (and not waiting for a retry), locked for this runner only. */
export async function lockDueFee(q: Queryable, now: Date): Promise<Charge | null> {
  const { rows } = await q.query<ChargeRow>(
    `SELECT * FROM charges WHERE kind = 'CANCELLATION_FEE' AND status = 'PENDING' AND due_at <= $1
       AND (attempts = 0 OR next_attempt_at <= $1)
     ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [now],
  );
  return rows[0] ? parseCharge(rows[0]) : null;
}

export async function markCharged(q: Queryable, clinicId: string, id: string, paymentReference: string, at: Date): Promise<Charge | null> {
  const { rows } = await q.query<ChargeRow>(
    `UPDATE charges SET status = 'CHARGED', payment_reference = $3, next_attempt_at = NULL, updated_at = $4
     WHERE clinic_id = $1 AND id = $2 AND status = 'PENDING' RETURNING *`,
    [clinicId, id, paymentReference, at],
  );
  return rows[0] ? parseCharge(rows[0]) : null;
}

/**
 * A declined attempt (a fee still PENDING, a deposit still AUTHORIZED to settle): counted and noted;
 * tried again at `retryAt`, or (null) left to staff.
 */
export async function noteDecline(
  q: Queryable,
  clinicId: string,
  id: string,
  status: "PENDING" | "AUTHORIZED",
  note: string,
  retryAt: Date | null,
  at: Date,
): Promise<Charge | null> {
  const { rows } = await q.query<ChargeRow>(
    `UPDATE charges SET attempts = attempts + 1, failure_note = $4, next_attempt_at = $5, updated_at = $6
     WHERE clinic_id = $1 AND id = $2 AND status = $3 RETURNING *`,
    [clinicId, id, status, note.slice(0, 200), retryAt, at],
  );
  return rows[0] ? parseCharge(rows[0]) : null;
}

/**
 * One held deposit (AUTHORIZED) due to settle — marked by the trigger of migration 012 when its
 * appointment got an outcome (came: CHECKED_IN, COMPLETED; CANCELLED; missed: NO_SHOW), or due for a
 * retry — with that outcome; locked SKIP LOCKED.
 */
export async function lockSettleableDeposit(q: Queryable, now: Date): Promise<{ charge: Charge; outcome: string } | null> {
  const { rows } = await q.query<ChargeRow & { appointment_status: string }>(
    `SELECT c.*, a.status AS appointment_status FROM charges c
       JOIN appointments a ON a.clinic_id = c.clinic_id AND a.id = c.appointment_id
     WHERE c.kind = 'DEPOSIT' AND c.status = 'AUTHORIZED' AND c.next_attempt_at <= $1
       AND a.status IN ('CHECKED_IN', 'COMPLETED', 'CANCELLED', 'NO_SHOW')
     ORDER BY c.next_attempt_at, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED`,
    [now],
  );
  return rows[0] ? { charge: parseCharge(rows[0]), outcome: rows[0].appointment_status } : null;
}

/** A held deposit settled: kept (CHARGED, with the capture's reference) or released (REFUNDED). */
export async function settleDeposit(
  q: Queryable,
  clinicId: string,
  id: string,
  to: "CHARGED" | "REFUNDED",
  reference: string,
  at: Date,
): Promise<Charge | null> {
  const { rows } = await q.query<ChargeRow>(
    `UPDATE charges SET status = $3, payment_reference = $4, next_attempt_at = NULL, failure_note = NULL, updated_at = $5
     WHERE clinic_id = $1 AND id = $2 AND status = 'AUTHORIZED' RETURNING *`,
    [clinicId, id, to, reference, at],
  );
  return rows[0] ? parseCharge(rows[0]) : null;
}

/** A moved appointment keeps its held deposit: the charge now names the new appointment (not due to settle). */
export async function moveHeldDeposit(q: Queryable, clinicId: string, fromAppointmentId: string, toAppointmentId: string, at: Date): Promise<Charge[]> {
  const { rows } = await q.query<ChargeRow>(
    `UPDATE charges SET appointment_id = $3, next_attempt_at = NULL, updated_at = $4
     WHERE clinic_id = $1 AND appointment_id = $2 AND kind = 'DEPOSIT' AND status = 'AUTHORIZED' AND attempts = 0 RETURNING *`,
    [clinicId, fromAppointmentId, toAppointmentId, at],
  );
  return rows.map(parseCharge);
}
