// Staff (or an integration) books an appointment. Booking over an open opening fills it and
// withdraws its offers, in the same transaction.
import { appointmentEnd } from "../core/appointment.ts";
import { fail, invalid, ok, type Result } from "../core/result.ts";
import type { Appointment, AppointmentSource, Opening } from "../core/types.ts";
import { insertAppointment } from "../store/appointments.ts";
import { waivePendingCancellationFees } from "../store/charges.ts";
import { attempt, inTransaction, type Tx } from "../store/db.ts";
import { openPaymentHoldOfOpening } from "../store/payment-holds.ts";
import { lockForBooking } from "../store/providers.ts";
import { resolveEntriesOfBooking } from "../store/waitlist.ts";
import { closeOpeningIfOpen, fillOpeningIfOpen, lockOpenOverlapping } from "../store/openings.ts";
import { queueWaiverNotice } from "./charge-fees.ts";
import { endPaymentHold } from "./hold-for-payment.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { dueAtBooking } from "./schedule-reminders.ts";
import { isFailure, resolveRefs } from "./references.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

export interface BookingInput {
  patientId: string;
  providerId: string;
  chairId?: string | null;
  serviceId: string;
  start: Date;
  end?: Date;
}

export async function bookAppointment(deps: Deps, caller: Caller, input: BookingInput): Promise<Result<Appointment>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, (tx) => bookIn(tx, caller, input, { source: "STAFF", fromWaitlistEntryId: null }, at));
}

/** The booking itself, inside the caller's transaction (the claim reuses it). */
export async function bookIn(
  tx: Tx,
  caller: Caller,
  input: BookingInput,
  origin: {
    source: AppointmentSource;
    fromWaitlistEntryId: string | null;
    /** A patient's move (reschedule) or rebooking after a no-show: the appointment it replaces, and its discount. */
    rebookedFromAppointmentId?: string;
    discountPercent?: number;
    /** The clinic's own system's id for it (a sync by external id). */
    externalId?: string;
  },
  at: Date,
): Promise<Result<Appointment>> {
  const refs = await resolveRefs(tx, caller.clinicId, input);
  if (isFailure(refs)) return refs;
  const end = appointmentEnd(input.start, input.end, refs.service!.durationMinutes);
  if (end.getTime() <= input.start.getTime()) return invalid([{ path: "/end", message: "must be after start" }]);
  const interval = { providerId: input.providerId, chairId: input.chairId ?? null, start: input.start, end };
  const openings = await lockOpenOverlapping(tx, caller.clinicId, interval);
  // Lock order: openings (above; a claim holds its opening already), then the provider and the chair.
  await lockForBooking(tx, caller.clinicId, input.providerId, input.chairId ?? null);
  // Every booking path comes through here, so every appointment gets its reminder's due time here.
  const reminderDueAt = await dueAtBooking(tx, caller.clinicId, refs.patient!, { start: input.start, source: origin.source }, at);

  const appointment = await attempt(tx, ["23P01"], () =>
    insertAppointment(tx, {
      clinicId: caller.clinicId,
      patientId: input.patientId,
      providerId: input.providerId,
      chairId: input.chairId ?? null,
      serviceId: input.serviceId,
      start: input.start,
      end,
      source: origin.source,
      fromWaitlistEntryId: origin.fromWaitlistEntryId,
      reminderDueAt,
      rebookedFromAppointmentId: origin.rebookedFromAppointmentId ?? null,
      discountPercent: origin.discountPercent ?? 0,
      externalId: origin.externalId ?? null,
      at,
    }),
  );
  if (!appointment) return overlapConflict();

  await audit(tx, caller, at, { action: "appointment.booked", entity: "appointment", entityId: appointment.id, after: appointment });
  await takeOpenings(tx, caller, appointment, openings, origin.fromWaitlistEntryId, at);
  // Dedup (issue 6): booked outside the waitlist (staff, online, a reschedule), the patient is no longer
  // waiting for this service; a waitlist booking resolves its entries in bookEntryIn instead.
  if (!origin.fromWaitlistEntryId) {
    const resolved = await resolveEntriesOfBooking(
      tx,
      caller.clinicId,
      { patientId: input.patientId, serviceId: input.serviceId, exceptId: null },
      appointment.id,
      at,
    );
    for (const id of resolved) await withdrawLiveOffers(tx, caller.clinicId, { entryId: id }, at, "booked_elsewhere");
    if (resolved.length > 0) {
      await audit(tx, caller, at, {
        action: "waitlist_entry.resolved",
        entity: "appointment",
        entityId: appointment.id,
        after: { resolvedEntryIds: resolved },
      });
    }
  }
  return ok(appointment);
}

/**
 * What a booking (or a move in place) does to the open openings it overlaps, locked by the caller: the
 * provider's own opening is FILLED by it, another provider's opening on the same chair is CLOSED.
 */
export async function takeOpenings(tx: Tx, caller: Caller, appointment: Appointment, openings: Opening[], fromWaitlistEntryId: string | null, at: Date) {
  for (const opening of openings) {
    // The provider's own opening is FILLED by this booking; another provider's opening on the same
    // chair can no longer be offered and is CLOSED (it was not filled: no revenue was recovered).
    const sameProvider = opening.providerId === appointment.providerId;
    const changed = sameProvider
      ? await fillOpeningIfOpen(tx, caller.clinicId, opening.id, appointment.id, at)
      : await closeOpeningIfOpen(tx, caller.clinicId, opening.id, at);
    if (!changed) continue;
    const withdrawn = await withdrawLiveOffers(tx, caller.clinicId, { openingId: opening.id }, at, sameProvider ? "filled" : "closed");
    // Staff booking over a time another patient is paying for (API.md: booking over an open opening fills
    // it): their claim ends now rather than at its lapse; paying it then answers slot_filled. The payer's
    // own booking (pay-for-hold, through their entry) keeps its claim.
    const claim = await openPaymentHoldOfOpening(tx, caller.clinicId, opening.id);
    if (claim && claim.entryId !== fromWaitlistEntryId) await endPaymentHold(tx, caller, claim, "CANCELLED", at);
    await audit(tx, caller, at, {
      action: sameProvider ? "opening.filled" : "opening.closed",
      entity: "opening",
      entityId: opening.id,
      before: opening,
      after: { ...changed, withdrawnOfferIds: withdrawn },
    });
    // Refilling a cancelled appointment's time waives its still-pending cancellation fee; the patient is told.
    if (sameProvider && opening.sourceAppointmentId) {
      for (const charge of await waivePendingCancellationFees(tx, caller.clinicId, opening.sourceAppointmentId, at)) {
        await audit(tx, caller, at, {
          action: "charge.waived",
          entity: "charge",
          entityId: charge.id,
          before: { ...charge, status: "PENDING" },
          after: { ...charge, refilledBy: appointment.id, openingId: opening.id },
        });
        await queueWaiverNotice(tx, charge, at);
      }
    }
  }
}

function overlapConflict() {
  return fail("conflict", "the provider or chair already has an appointment at that time");
}
