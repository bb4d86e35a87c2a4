// Cancelling frees the time: what is still ahead becomes an OPEN opening, and the waitlist flow
// picks it up after the clinic's debounce (the opening's next_wave_at is the queue).
import { decideCancel, decideCheckIn } from "../core/appointment.ts";
import { cancellationFee, policyFor, type FeeReason } from "../core/fees.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import { addMinutes } from "../core/time.ts";
import type { Appointment, CancelledBy, Opening } from "../core/types.ts";
import { getAppointment, setAppointmentStatus } from "../store/appointments.ts";
import { attempt, inTransaction, type Tx } from "../store/db.ts";
import { insertCharge } from "../store/charges.ts";
import { insertOpening } from "../store/openings.ts";
import { getService } from "../store/services.ts";
import { getEntry, returnEntryToWaitlist } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { flagIfFrequentCanceller } from "./flag-cancellers.ts";

export type CancelOutcome =
  /** A fee applies and the caller did not confirm: nothing changed. */
  | { cancelled: false; requiresConfirmation: true; cancellationFeeCents: number; feeReason: FeeReason }
  | { cancelled: true; appointment: Appointment; opening: Opening | null; cancellationFeeCents: number; gracePeriodActive: boolean };

/**
 * Cancels an appointment. `by: "patient"` applies the service category's cancellation policy (staff
 * cancellations are free); a fee needs `confirm: true`, else the answer is a quote and nothing changes.
 * A confirmed fee is a PENDING charge due at the slot's start. A waitlist booking cancelled within its
 * grace period is free and its entry returns to the waitlist.
 */
export async function cancelAppointment(deps: Deps, caller: Caller, id: string, input: CancelInput): Promise<Result<CancelOutcome>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, (tx) => cancelIn(tx, caller, id, input, at));
}

export interface CancelInput {
  by: CancelledBy;
  reason?: string;
  confirm?: boolean;
  /** The fee the patient agreed to (an SMS quote): a higher fee by now is quoted again, never charged. */
  maxFeeCents?: number;
}

/** The cancellation itself, inside the caller's transaction (an SMS "X" reuses it). */
export async function cancelIn(tx: Tx, caller: Caller, id: string, input: CancelInput, at: Date): Promise<Result<CancelOutcome>> {
  const before = await getAppointment(tx, caller.clinicId, id, true);
  if (!before) return notFound("appointment");
  const decision = decideCancel(before, at);
  if (!decision.ok) return decision;

  let feeCents = 0;
  let feeReason: FeeReason | null = null;
  let gracePeriodActive = false;
  if (input.by === "patient") {
    const service = (await getService(tx, caller.clinicId, before.serviceId))!;
    const settings = await settingsIn(tx, caller.clinicId);
    const fee = cancellationFee({
      priceCents: service.priceCents,
      policy: policyFor(settings.cancellationPolicies, service.category),
      fromWaitlist: before.source === "WAITLIST" && before.fromWaitlistEntryId !== null,
      bookedAt: before.bookedAt,
      now: at,
      start: before.start,
    });
    feeCents = fee.feeCents;
    feeReason = fee.reason;
    gracePeriodActive = fee.gracePeriodActive;
    const agreed = input.confirm === true && (input.maxFeeCents === undefined || feeCents <= input.maxFeeCents);
    if (feeCents > 0 && !agreed) {
      return ok({ cancelled: false as const, requiresConfirmation: true as const, cancellationFeeCents: feeCents, feeReason });
    }
  }

  const appointment = (await setAppointmentStatus(tx, caller.clinicId, id, ["BOOKED", "CONFIRMED"], {
    status: "CANCELLED",
    at,
    cancelledBy: input.by,
    cancelReason: input.reason ?? null,
  }))!;
  await audit(tx, caller, at, { action: "appointment.cancelled", entity: "appointment", entityId: id, before, after: appointment });
  if (input.by === "patient") await flagIfFrequentCanceller(tx, caller, appointment.patientId, at);
  if (feeCents > 0) {
    const charge = await insertCharge(tx, {
      clinicId: caller.clinicId,
      patientId: appointment.patientId,
      appointmentId: appointment.id,
      kind: "CANCELLATION_FEE",
      amountCents: feeCents,
      reason: feeReason!,
      dueAt: appointment.start,
      at,
    });
    await audit(tx, caller, at, { action: "charge.created", entity: "charge", entityId: charge.id, after: charge });
  }
  if (gracePeriodActive && appointment.fromWaitlistEntryId) {
    const entryBefore = await getEntry(tx, caller.clinicId, appointment.fromWaitlistEntryId, true);
    const entry = await returnEntryToWaitlist(tx, caller.clinicId, appointment.fromWaitlistEntryId, appointment.id, at);
    if (entry) {
      await audit(tx, caller, at, { action: "waitlist.entry_returned", entity: "waitlist_entry", entityId: entry.id, before: entryBefore, after: entry });
    }
  }

  let opening: Opening | null = null;
  const freed = decision.value.freed;
  if (freed) {
    const settings = await settingsIn(tx, caller.clinicId);
    // An open opening already covering this time (made by hand in a race) keeps it: no second offer.
    opening = await attempt(tx, ["23P01"], () =>
      insertOpening(tx, {
        clinicId: caller.clinicId,
        providerId: appointment.providerId,
        chairId: appointment.chairId,
        serviceId: appointment.serviceId,
        start: freed.start,
        end: freed.end,
        source: "CANCELLATION",
        sourceAppointmentId: appointment.id,
        nextWaveAt: addMinutes(at, settings.openingDebounceMinutes),
        at,
      }),
    );
    if (opening) await audit(tx, caller, at, { action: "opening.created", entity: "opening", entityId: opening.id, after: opening });
  }
  return ok({ cancelled: true as const, appointment, opening, cancellationFeeCents: feeCents, gracePeriodActive });
}

export async function checkIn(deps: Deps, caller: Caller, id: string): Promise<Result<Appointment>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, (tx) => checkInIn(tx, caller, id, at));
}

/** The check-in itself, inside the caller's transaction (a sync by external id reuses it). */
export async function checkInIn(tx: Tx, caller: Caller, id: string, at: Date): Promise<Result<Appointment>> {
  const before = await getAppointment(tx, caller.clinicId, id, true);
  if (!before) return notFound("appointment");
  const decision = decideCheckIn(before);
  if (!decision.ok) return decision;
  const appointment = (await setAppointmentStatus(tx, caller.clinicId, id, [before.status], { status: decision.value, at }))!;
  await audit(tx, caller, at, { action: "appointment.checked_in", entity: "appointment", entityId: id, before, after: appointment });
  return ok(appointment);
}
