// The claim: turning an offer into an appointment. Exactly one claim per opening wins.
//
// Lock order everywhere: the opening, then offers, then entries. Every claimer of an opening queues
// on the opening's row lock; the first books (guarded fill + exclusion constraint behind it); the
// rest then see it FILLED and get slot_filled with alternatives. No claimer holds an offer lock while
// waiting for the opening, so the winner can withdraw the others' offers without a deadlock.
// A patient who owes a deposit or prepayment gets a claim instead (hold-for-payment.ts): under the same
// lock, the first claimer holds the opening for 90 s and the others are refused until it is paid or lapses.
import { decide, evolveAll } from "../core/offer.ts";
import { fail, notFound, ok, type Result } from "../core/result.ts";
import type { Settings } from "../core/settings.ts";
import type { Appointment, Channel, Offer, Opening, WaitlistEntry } from "../core/types.ts";
import { paymentHoldLive } from "../core/payment.ts";
import { recordAcceptedVia } from "../store/analytics.ts";
import { getAppointment } from "../store/appointments.ts";
import { openPaymentHoldOfOffer } from "../store/payment-holds.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { deliveriesOfOffers, insertDelivery } from "../store/deliveries.ts";
import { getOffer, saveOfferState } from "../store/offers.ts";
import { getOpening, lockOpening } from "../store/openings.ts";
import { getEntry, markEntryBooked } from "../store/waitlist.ts";
import { attachAlternatives } from "./alternatives.ts";
import { bookIn } from "./book-appointment.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import {
  endPaymentHold,
  heldForPayment,
  heldView,
  livePaymentHoldOn,
  openPaymentHold,
  owedFor,
  paymentRequired,
  type Held,
  type MintToken,
} from "./hold-for-payment.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

export interface Claimed {
  appointment: Appointment;
  offer: Offer | null;
}

/**
 * What an accept does when the patient owes a deposit or a prepayment (API.md "Deposits"):
 * - "at_desk": staff record the patient's yes (or book them); book now, the clinic takes payment at the desk;
 * - "refuse": book nothing and say what is owed (the voice keypad cannot take a card);
 * - { mint }: the booking link or a text; hold the slot for 90 s (a claim) and ask for the payment.
 */
export type PaymentStep = "at_desk" | "refuse" | { mint: MintToken };

/**
 * Accept an offer (SMS reply, keypad, or staff on the patient's behalf). Repeatable. `via`: the channel
 * the patient's yes came through (analytics credit it); staff leave it out.
 */
export async function acceptOffer(
  deps: Deps,
  caller: Caller,
  offerId: string,
  payment: "at_desk" | "refuse" = "refuse",
  via: Channel | null = null,
): Promise<Result<Claimed>> {
  const result = await accept(deps, caller, offerId, payment, via);
  if (result.ok && "claim" in result.value) throw new Error("a claim was made without a payment step");
  return result as Result<Claimed>;
}

/** Accept an offer by link or text: booked, or held for payment when the patient owes one. Repeatable. */
export function acceptOrHold(deps: Deps, caller: Caller, offerId: string, mint: MintToken, via: Channel | null = null): Promise<Result<Claimed | Held>> {
  return accept(deps, caller, offerId, { mint }, via);
}

async function accept(deps: Deps, caller: Caller, offerId: string, payment: PaymentStep, via: Channel | null): Promise<Result<Claimed | Held>> {
  const now = deps.clock.now();
  const result = await inTransaction(deps.db, async (tx): Promise<Result<Claimed | Held>> => {
    const found = await getOffer(tx, caller.clinicId, offerId);
    if (!found) return notFound("notification");
    if (found.status === "ACCEPTED" && found.bookedAppointmentId)
      return ok({ appointment: (await getAppointment(tx, caller.clinicId, found.bookedAppointmentId))!, offer: found });
    // While the patient's own claim runs, their hold waits for it: the accept was decided when they claimed.
    const own = await openPaymentHoldOfOffer(tx, caller.clinicId, offerId);
    // Refuse without queueing on the lock when the answer is already final: a FILLED, EXPIRED or
    // CLOSED opening never opens again, and neither does an offer that is no longer live.
    const peek = (await getOpening(tx, caller.clinicId, found.openingId))!;
    const early = decide({ type: "accept", now: own && paymentHoldLive(own, now) ? own.createdAt : now }, found, peek.status === "FILLED" ? "filled" : "other");
    if (!early.ok) return early;
    if (peek.status !== "OPEN") return fail("slot_filled", "this opening has been filled");

    const opening = (await lockOpening(tx, caller.clinicId, found.openingId))!;
    const offer = (await getOffer(tx, caller.clinicId, offerId, true))!;
    if (offer.status === "ACCEPTED" && offer.bookedAppointmentId) {
      return ok({ appointment: (await getAppointment(tx, caller.clinicId, offer.bookedAppointmentId))!, offer });
    }
    const claim = await livePaymentHoldOn(tx, caller, opening.id, now);
    const mine = claim && claim.offerId === offer.id ? claim : null;
    const decision = decide({ type: "accept", now: mine ? mine.createdAt : now }, offer, opening.status === "FILLED" ? "filled" : "other");
    if (!decision.ok) return decision;
    if (opening.status !== "OPEN") return fail("slot_filled", "this opening has been filled");
    if (claim && !mine) return heldForPayment(claim);
    // The patient's yes is recorded with its channel before any payment step, so a booking completed
    // by paying (pay-for-hold.ts) or at the desk is still credited to the text, call or link that won it.
    if (via) await recordAcceptedVia(tx, caller.clinicId, offer.id, via);
    const entry = (await getEntry(tx, caller.clinicId, offer.entryId, true))!;
    if (payment !== "at_desk") {
      if (mine) return payment === "refuse" ? paymentRequired(mine) : ok(heldView(mine, payment.mint));
      const owed = await owedFor(tx, entry);
      if (owed)
        return payment === "refuse"
          ? paymentRequired(owed)
          : ok(await openPaymentHold(tx, caller, { opening, entry, offerId: offer.id, owed, mint: payment.mint }, now));
    } else if (mine) {
      await endPaymentHold(tx, caller, mine, "CANCELLED", now); // staff booked it; payment is taken at the desk
    }
    const settings = await settingsIn(tx, caller.clinicId);
    const accepted = (await saveOfferState(tx, offer, evolveAll(offer, decision.value), now))!;
    const booked = await bookEntryIn(tx, caller, entry, opening, settings, now);
    if (!booked.ok) return booked;
    const final = (await saveOfferState(tx, accepted, { ...accepted, bookedAppointmentId: booked.value.id }, now))!;
    await audit(tx, caller, now, { action: "offer.accepted", entity: "offer", entityId: offer.id, before: offer, after: final });
    await queueConfirmation(tx, final, booked.value, now);
    return ok({ appointment: booked.value, offer: final });
  });
  if (result.ok || result.code === "not_found") return result;
  const offer = (await getOffer(deps.db, caller.clinicId, offerId))!;
  const settings = await settingsIn(deps.db, caller.clinicId);
  return attachAlternatives(deps.db, result, { clinicId: caller.clinicId, entryId: offer.entryId, openingId: offer.openingId }, settings, now);
}

/**
 * Books `entry` into `opening` (locked by the caller, OPEN): the appointment (source WAITLIST), the
 * opening FILLED with its other offers withdrawn, the entry BOOKED and the patient's other entries
 * for the same service resolved with their live offers withdrawn.
 */
export async function bookEntryIn(
  tx: Tx,
  caller: Caller,
  entry: WaitlistEntry,
  opening: Opening,
  _settings: Settings,
  now: Date,
): Promise<Result<Appointment>> {
  const booked = await bookIn(
    tx,
    caller,
    { patientId: entry.patientId, providerId: opening.providerId, chairId: opening.chairId, serviceId: entry.serviceId, start: opening.start },
    { source: "WAITLIST", fromWaitlistEntryId: entry.id },
    now,
  );
  if (!booked.ok) {
    if (booked.code !== "conflict") return booked;
    return refuseFilled("the provider or chair is no longer free at that time");
  }
  const others = await markEntryBooked(tx, caller.clinicId, entry, booked.value.id, now);
  for (const id of [entry.id, ...others]) await withdrawLiveOffers(tx, caller.clinicId, { entryId: id }, now, "booked_elsewhere");
  await audit(tx, caller, now, {
    action: "waitlist_entry.booked",
    entity: "waitlist_entry",
    entityId: entry.id,
    before: entry,
    after: { appointmentId: booked.value.id, resolvedEntryIds: others },
  });
  return booked;
}

function refuseFilled(detail?: string) {
  return fail("slot_filled", detail ?? "this opening has been filled");
}

/** The confirmation goes by the channel that reached the patient (the last offer message that got through). */
export async function queueConfirmation(
  tx: Tx,
  offer: Offer | { clinicId: string; patientId: string; channel: Offer["channel"] },
  appointment: Appointment,
  now: Date,
) {
  let channel = offer.channel;
  if ("id" in offer) {
    const reached = (await deliveriesOfOffers(tx, offer.clinicId, [offer.id]))
      .filter((d) => d.kind === "OFFER" && (d.status === "SENT" || d.status === "DELIVERED"))
      .at(-1);
    channel = reached?.channel ?? channel;
  }
  if (!channel || channel === "MANUAL") return;
  await insertDelivery(tx, {
    clinicId: offer.clinicId,
    offerId: "id" in offer ? offer.id : null,
    patientId: offer.patientId,
    kind: "CONFIRMATION",
    channel,
    dueAt: now,
    payload: { appointmentId: appointment.id },
    at: now,
  });
}
