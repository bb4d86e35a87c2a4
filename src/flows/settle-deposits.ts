// Deposits settle with the visit. A deposit is held (AUTHORIZED) when a patient who owes one books by a
// claim (pay-for-hold.ts). Its purpose is the no-show: when the appointment becomes NO_SHOW the deposit is
// kept (captured through the port's `charge`, CHARGED); when the patient comes (CHECKED_IN, COMPLETED)
// or the appointment is cancelled, it is released (the port's `refund` of the authorization, REFUNDED).
// A late cancellation's fee is a charge of its own (cancel-appointment.ts), so the hold never doubles it.
// One deposit per transaction, SKIP LOCKED; idempotency keys per settlement, so a retry after a crash
// never moves money twice. A decline is retried 1 h, 6 h and 24 h later, then left to staff (alerted).
import { dollars, nextFeeAttempt } from "../core/payment.ts";
import { callGateway } from "../payments/gateway.ts";
import { lockSettleableDeposit, noteDecline, settleDeposit, type Charge } from "../store/charges.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { audit, type Deps } from "./deps.ts";

export async function settleDueDeposits(deps: Deps, now: Date, limit = 50): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const moved = await inTransaction(deps.db, async (tx) => {
      const due = await lockSettleableDeposit(tx, now);
      if (!due) return false;
      await settle(deps, tx, due.charge, due.outcome === "NO_SHOW" ? "keep" : "release", now);
      return true;
    });
    if (!moved) break;
  }
  return done;
}

async function settle(deps: Deps, tx: Tx, deposit: Charge, how: "keep" | "release", now: Date): Promise<void> {
  const system = { clinicId: deposit.clinicId, actor: "system" };
  const clinic = (await getClinic(tx, deposit.clinicId))!;
  const base = { clinicId: deposit.clinicId, patientId: deposit.patientId, amountCents: deposit.amountCents, at: now };
  const result = await callGateway(
    () =>
      how === "keep"
        ? deps.payments.charge({
            ...base,
            idempotencyKey: `capture:${deposit.id}`,
            description: `${clinic.name}: deposit kept (missed appointment)`,
            captures: deposit.paymentReference ?? undefined,
          })
        : deps.payments.refund({
            ...base,
            idempotencyKey: `release:${deposit.id}`,
            description: `${clinic.name}: deposit released`,
            paymentReference: deposit.paymentReference ?? "",
          }),
    deps.log,
    { chargeId: deposit.id },
  );
  if (result.ok) {
    const settled = await settleDeposit(tx, deposit.clinicId, deposit.id, how === "keep" ? "CHARGED" : "REFUNDED", result.reference, now);
    await audit(tx, system, now, {
      action: how === "keep" ? "deposit.kept" : "deposit.released",
      entity: "charge",
      entityId: deposit.id,
      before: deposit,
      after: settled,
    });
    return;
  }
  const retryAt = nextFeeAttempt(deposit.attempts + 1, now, result.retryable);
  const noted = await noteDecline(tx, deposit.clinicId, deposit.id, "AUTHORIZED", result.reason, retryAt, now);
  await audit(tx, system, now, { action: "deposit.settlement_declined", entity: "charge", entityId: deposit.id, before: deposit, after: noted });
  const next = retryAt ? `it will be tried again at ${retryAt.toISOString()}` : "it is left for staff";
  await insertStaffAlert(tx, {
    clinicId: deposit.clinicId,
    kind: "payment",
    subjectId: deposit.id,
    message: `${how === "keep" ? "Keeping" : "Releasing"} the ${dollars(deposit.amountCents)} deposit ${deposit.id} of appointment ${deposit.appointmentId} was declined (${result.reason}); ${next}.`,
    at: now,
  });
}
