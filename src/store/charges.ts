// Charges (migrations/008_charges.sql): cancellation fees now, deposits and prepayments later.
import type { Queryable } from "./db.ts";

export type ChargeKind = "CANCELLATION_FEE" | "DEPOSIT" | "PREPAYMENT";
export type ChargeStatus = "PENDING" | "CHARGED" | "WAIVED";

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
  createdAt: Date;
  updatedAt: Date;
}

export function parseCharge(r: any): Charge {
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
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertCharge(
  q: Queryable,
  c: { clinicId: string; patientId: string; appointmentId: string; kind: ChargeKind; amountCents: number; reason: string; dueAt: Date; at: Date },
): Promise<Charge> {
  const { rows } = await q.query(
    `INSERT INTO charges (clinic_id, patient_id, appointment_id, kind, amount_cents, status, reason, due_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $8) RETURNING *`,
    [c.clinicId, c.patientId, c.appointmentId, c.kind, c.amountCents, c.reason, c.dueAt, c.at],
  );
  return parseCharge(rows[0]);
}

/** PENDING cancellation fees of an appointment become WAIVED (its freed time was refilled). */
export async function waivePendingCancellationFees(q: Queryable, clinicId: string, appointmentId: string, at: Date): Promise<Charge[]> {
  const { rows } = await q.query(
    `UPDATE charges SET status = 'WAIVED', updated_at = $3
     WHERE clinic_id = $1 AND appointment_id = $2 AND kind = 'CANCELLATION_FEE' AND status = 'PENDING' RETURNING *`,
    [clinicId, appointmentId, at],
  );
  return rows.map(parseCharge);
}

export async function listChargesOfPatient(q: Queryable, clinicId: string, patientId: string): Promise<Charge[]> {
  const { rows } = await q.query(
    "SELECT * FROM charges WHERE clinic_id = $1 AND patient_id = $2 ORDER BY created_at, id",
    [clinicId, patientId],
  );
  return rows.map(parseCharge);
}
