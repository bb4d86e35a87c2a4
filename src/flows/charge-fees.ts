// Cancellation fees at the slot's start (API.md "Lifecycle"): a PENDING fee whose due_at has come is
// charged through the payments port (idempotency key = the charge's id, so a retry after a crash
// never charges twice) and becomes CHARGED. A decline keeps it PENDING with the reason noted, alerts
// staff, and tries again 1 h, 6 h and 24 h later (core/payment.ts); then, or at once when the gateway
// says retrying cannot help, it is left for staff (next_attempt_at NULL). One fee per transaction,
// FOR UPDATE SKIP LOCKED: any number of runners share the queue. Audited.
//
// And the other way a fee ends: refilling the time WAIVES it (book-appointment.ts), and the patient
// is told (queueWaiverNotice), by the clinic's channel order, with consent, outside their quiet hours.
import { feeWaivedText, nextFeeAttempt } from "../core/payment.ts";
import { callGateway } from "../payments/gateway.ts";
import { lockDueFee, markCharged, noteDecline, type Charge } from "../store/charges.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { getPatient } from "../store/patients.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";
import { queuePatientNote } from "./patient-note.ts";

export async function chargeDueFees(deps: Deps, now: Date, limit = 50): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const moved = await inTransaction(deps.db, async (tx) => {
      const fee = await lockDueFee(tx, now);
      if (!fee) return false;
      await chargeFee(deps, tx, fee, now);
      return true;
    });
    if (!moved) break;
  }
  return done;
}

async function chargeFee(deps: Deps, tx: Tx, fee: Charge, now: Date): Promise<void> {
  const system = { clinicId: fee.clinicId, actor: "system" };
  const clinic = (await getClinic(tx, fee.clinicId))!;
  const result = await callGateway(
    () =>
      deps.payments.charge({
        idempotencyKey: fee.id,
        clinicId: fee.clinicId,
        patientId: fee.patientId,
        amountCents: fee.amountCents,
        description: `${clinic.name}: late cancellation fee`,
        at: now,
      }),
    deps.log,
    { chargeId: fee.id },
  );
  if (result.ok) {
    const charged = await markCharged(tx, fee.clinicId, fee.id, result.reference, now);
    await audit(tx, system, now, { action: "charge.charged", entity: "charge", entityId: fee.id, before: fee, after: charged });
    return;
  }
  const retryAt = nextFeeAttempt(fee.attempts + 1, now, result.retryable);
  const noted = await noteDecline(tx, fee.clinicId, fee.id, "PENDING", result.reason, retryAt, now);
  await audit(tx, system, now, { action: "charge.declined", entity: "charge", entityId: fee.id, before: fee, after: noted });
  // Staff: ids and amounts only, never a patient's name or number.
  const next = retryAt ? `it will be tried again at ${retryAt.toISOString()}` : "it is left for staff to collect";
  await insertStaffAlert(tx, {
    clinicId: fee.clinicId,
    kind: "payment",
    subjectId: fee.id,
    message: `The cancellation fee ${fee.id} of appointment ${fee.appointmentId} was declined (${result.reason}); ${next}.`,
    at: now,
  });
}

/** Tells the patient their fee was WAIVED because the time was rebooked (in the refilling transaction). */
export async function queueWaiverNotice(tx: Tx, fee: Charge, now: Date): Promise<void> {
  const patient = await getPatient(tx, fee.clinicId, fee.patientId);
  if (!patient) return;
  const clinic = (await getClinic(tx, fee.clinicId))!;
  const settings = await settingsIn(tx, fee.clinicId);
  await queuePatientNote(tx, patient, clinic.timezone, settings, feeWaivedText(clinic.name), now);
}
