// Booking a waitlist entry straight into an opening: staff (POST …/waitlist/:id/book) or a patient
// taking one of the alternatives shown when their offer was gone. Same claim as an accepted offer.
import { decide, evolveAll } from "../core/offer.ts";
import { fail, notFound, ok, type Result } from "../core/result.ts";
import type { Appointment, Channel } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { getOffer, liveOfferOfPatient, saveOfferState } from "../store/offers.ts";
import { getOpening, lockOpening } from "../store/openings.ts";
import { getEntry } from "../store/waitlist.ts";
import { alternativesFor, attachAlternatives, withAlternatives } from "./alternatives.ts";
import { settingsIn } from "./change-settings.ts";
import { bookEntryIn, queueConfirmation } from "./claim-opening.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { endPaymentHold, heldForPayment, heldView, livePaymentHoldOn, openPaymentHold, owedFor, type Held, type MintToken } from "./hold-for-payment.ts";

/** Staff book an entry into a slot; a deposit or prepayment the patient owes is taken at the desk. */
export async function bookFromWaitlist(deps: Deps, caller: Caller, entryId: string, slotId: string): Promise<Result<Appointment>> {
  const now = deps.clock.now();
  const result = await inTransaction(deps.db, (tx) => bookInto(tx, caller, entryId, slotId, now, null, "at_desk"));
  if (result.ok) {
    if ("claim" in result.value) throw new Error("a claim was made without a payment step");
    return ok(result.value);
  }
  // slot_filled always carries alternatives, also when the time was taken by a racing booking.
  return attachAlternatives(deps.db, result, { clinicId: caller.clinicId, entryId, openingId: slotId }, await settingsIn(deps.db, caller.clinicId), now);
}

/**
 * A patient takes an alternative: `offerId` is the offer whose link they hold (expired or taken);
 * the slot must be one of the alternatives that offer's entry is shown. A patient who owes a deposit
 * or prepayment gets the slot held for payment instead (as an accept by link does).
 */
export async function acceptAlternative(deps: Deps, caller: Caller, offerId: string, slotId: string, mint: MintToken): Promise<Result<Appointment | Held>> {
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx): Promise<Result<Appointment | Held>> => {
    const offer = await getOffer(tx, caller.clinicId, offerId);
    if (!offer) return notFound("offer");
    return bookInto(tx, caller, offer.entryId, slotId, now, offer.channel, { mint, viaOfferId: offer.id }, offer.openingId);
  });
}

async function bookInto(
  tx: Tx,
  caller: Caller,
  entryId: string,
  slotId: string,
  now: Date,
  channel: Channel | null,
  payment: "at_desk" | { mint: MintToken; viaOfferId: string },
  alternativeTo?: string,
): Promise<Result<Appointment | Held>> {
  const opening = await lockOpening(tx, caller.clinicId, slotId);
  if (!opening) return notFound("slot", "/slotId");
  const entry = await getEntry(tx, caller.clinicId, entryId, true);
  if (!entry) return notFound("waitlist entry");
  if (alternativeTo && opening.filledAppointmentId) {
    // Repeating the accept of an alternative this entry already booked gives the same answer (as accept does).
    const mine = await getAppointment(tx, caller.clinicId, opening.filledAppointmentId);
    if (mine?.fromWaitlistEntryId === entry.id) return ok(mine);
  }
  if (entry.status === "BOOKED" || entry.status === "REMOVED") return fail("conflict", `waitlist entry is ${entry.status}`);
  const settings = await settingsIn(tx, caller.clinicId);
  if (alternativeTo) {
    const original = (await getOpening(tx, caller.clinicId, alternativeTo))!;
    const offered = await alternativesFor(tx, entry, original, settings, now);
    if (!offered.some((a) => a.slotId === slotId)) {
      if (opening.status !== "OPEN") return fail("slot_filled", "this opening has been filled");
      return notFound("alternative", "/slotId");
    }
  }
  if (opening.status !== "OPEN") {
    return withAlternatives(fail("slot_filled", `the slot is ${opening.status}`), await alternativesFor(tx, entry, opening, settings, now));
  }
  // A claim holds the slot for its patient's payment (hold-for-payment.ts); staff booking that very
  // patient end it (they pay at the desk), anyone else waits for it.
  const claim = await livePaymentHoldOn(tx, caller, opening.id, now);
  const mine = claim && claim.entryId === entry.id ? claim : null;
  if (claim && !mine) return heldForPayment(claim);
  if (payment !== "at_desk") {
    if (mine) return ok(heldView(mine, payment.mint));
    const owed = await owedFor(tx, entry);
    if (owed) {
      const onThis = await liveOfferOfPatient(tx, caller.clinicId, entry.patientId);
      const offerId = onThis && onThis.openingId === opening.id && onThis.entryId === entry.id ? onThis.id : payment.viaOfferId;
      return ok(await openPaymentHold(tx, caller, { opening, entry, offerId, owed, mint: payment.mint }, now));
    }
  } else if (mine) {
    await endPaymentHold(tx, caller, mine, "CANCELLED", now);
  }
  // Staff may book a service longer than the opening when the time after it is free: the exclusion
  // constraint, not the opening's length, decides (a conflict comes back as slot_filled).
  // A live offer of this very opening to this entry is accepted rather than withdrawn. (One made to
  // another entry of the patient's, for another service, is withdrawn with the rest: that entry
  // goes back to ACTIVE instead of staying NOTIFIED behind an accepted offer it did not get.)
  // Read, not locked: locking another opening's offer before that opening would invert the lock order.
  const live = await liveOfferOfPatient(tx, caller.clinicId, entry.patientId);
  const decision = live && live.openingId === opening.id && live.entryId === entry.id ? decide({ type: "accept", now }, live) : null;
  const accepted = live && decision?.ok ? await saveOfferState(tx, live, evolveAll(live, decision.value), now) : null;
  const booked = await bookEntryIn(tx, caller, entry, opening, settings, now);
  if (!booked.ok) return booked;
  if (accepted) await saveOfferState(tx, accepted, { ...accepted, bookedAppointmentId: booked.value.id }, now);
  if (channel) await queueConfirmation(tx, { clinicId: caller.clinicId, patientId: entry.patientId, channel }, booked.value, now);
  await audit(tx, caller, now, {
    action: alternativeTo ? "alternative.accepted" : "waitlist_entry.booked_by_staff",
    entity: "opening",
    entityId: opening.id,
    after: { entryId, appointmentId: booked.value.id },
  });
  return ok(booked.value);
}
