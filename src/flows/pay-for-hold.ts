// Paying a payment hold (API.md "Deposits"): POST /api/public/payment-holds/:token/pay and the payment page's form.
// One transaction: lock the opening, then the payment hold; refuse a lapsed payment hold (offer_expired); take the
// payment through the port (the payment hold's id is the idempotency key: paying twice moves money once);
// book through bookEntryIn; record the charge; the payment hold PAID; the offer ACCEPTED; the confirmation
// queued. A declined payment leaves the payment hold OPEN (the patient may try again until it lapses); a
// booking that fails after the payment went through is refunded through the port.
import { decide, evolveAll, type OfferEvent } from "../core/offer.ts";
import { paymentHoldLive } from "../core/payment.ts";
import { fail, notFound, ok, type Failure, type Result } from "../core/result.ts";
import type { Appointment, Offer, Opening, WaitlistEntry } from "../core/types.ts";
import { callGateway, type PaymentRequest } from "../payments/gateway.ts";
import { insertCharge } from "../store/charges.ts";
import { closePaymentHold, findPaymentHoldByTokenHash, getPaymentHold, notePaymentHoldFailure, type PaymentHold } from "../store/payment-holds.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { getOffer, liveOfferOfPatient, saveOfferState } from "../store/offers.ts";
import { lockOpening } from "../store/openings.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { getEntry } from "../store/waitlist.ts";
import { attachAlternatives } from "./alternatives.ts";
import { settingsIn } from "./change-settings.ts";
import { bookEntryIn, queueConfirmation } from "./claim-opening.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { endPaymentHold } from "./hold-for-payment.ts";
import { hashSecret } from "./secrets.ts";

/** The payment hold a payment link names, or null (a malformed or unknown token). Reading changes nothing. */
export async function paymentHoldOfToken(deps: Deps, token: string): Promise<PaymentHold | null> {
  if (!/^p_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return findPaymentHoldByTokenHash(deps.db, hashSecret(token));
}

/** A refusal that still commits what it wrote (a decline noted, a payment hold ended, a refund recorded). */
type Outcome = { appointmentId: string } | { refused: Failure };

export async function payForHold(deps: Deps, token: string): Promise<Result<{ appointmentId: string }>> {
  const found = await paymentHoldOfToken(deps, token);
  if (!found) return notFound("claim");
  const caller: Caller = { clinicId: found.clinicId, actor: `patient:claim:${found.id}` };
  const now = deps.clock.now();
  // Set once the gateway took the money in an attempt of the transaction below: if that transaction then
  // fails for good (a database error, retries used up), the money is given back (see the catch).
  let taken: { request: PaymentRequest; reference: string } | null = null;
  let result: Result<Outcome>;
  try {
    result = await inTransaction(deps.db, async (tx): Promise<Result<Outcome>> => {
      const opening = (await lockOpening(tx, caller.clinicId, found.openingId))!;
      const claim = (await getPaymentHold(tx, caller.clinicId, found.id, true))!;
      if (claim.status === "PAID") return ok({ appointmentId: claim.appointmentId! }); // paying again: the same answer
      if (claim.status === "LAPSED" || (claim.status === "OPEN" && !paymentHoldLive(claim, now))) {
        return fail("offer_expired", "the 90 seconds to pay for this time ran out; if it is still free, book it again from your link");
      }
      if (claim.status === "CANCELLED") return fail("offer_closed", "this hold has ended; nothing was charged");
      const stop = async (f: Failure) => {
        await endPaymentHold(tx, caller, claim, "CANCELLED", now);
        return ok({ refused: f });
      };
      if (opening.status !== "OPEN") return stop(fail("slot_filled", "this opening has been filled"));
      const entry = (await getEntry(tx, caller.clinicId, claim.entryId, true))!;
      if (entry.status === "BOOKED" || entry.status === "REMOVED") return stop(fail("conflict", `waitlist entry is ${entry.status}`));
      // The offer is locked only when it is this opening's (lock order); an alternative's is another opening's.
      const direct = (await getOffer(tx, caller.clinicId, claim.offerId))!.openingId === opening.id;
      const via = (await getOffer(tx, caller.clinicId, claim.offerId, direct))!;
      // The accept was decided when the payment hold was made (the hold waited for it): decide it as of then.
      const decision = direct ? decide({ type: "accept", now: claim.createdAt }, via, "other") : null;
      if (decision && !decision.ok) return stop(decision);

      const request: PaymentRequest = {
        idempotencyKey: claim.id,
        clinicId: claim.clinicId,
        patientId: claim.patientId,
        amountCents: claim.amountCents,
        description: `${(await getClinic(tx, claim.clinicId))!.name}: ${claim.kind === "DEPOSIT" ? "booking deposit" : "prepayment"}`,
        at: now,
      };
      const paid = await callGateway(() => (claim.kind === "DEPOSIT" ? deps.payments.authorizeDeposit(request) : deps.payments.charge(request)), deps.log, {
        claimId: claim.id,
      });
      if (paid.ok) taken = { request, reference: paid.reference };
      if (!paid.ok) {
        await notePaymentHoldFailure(tx, claim.clinicId, claim.id, paid.reason, now);
        await audit(tx, caller, now, {
          action: "claim.payment_declined",
          entity: "claim",
          entityId: claim.id,
          after: { reason: paid.reason, retryable: paid.retryable },
        });
        // API.md has no payment code: 409 conflict is the closest. The payment hold stays OPEN: try again until it lapses.
        const until = claim.expiresAt.toISOString();
        return ok({
          refused: fail("conflict", `payment declined (${paid.reason}); the time stays held for you until ${until}: try again or use another card`, {
            extra: { claimExpiresAt: until, paymentDeclined: true },
          }),
        });
      }

      // The booking under a savepoint: when it fails, its writes go but the payment hold's end and the refund stay.
      await tx.query("SAVEPOINT booking");
      const booked = await book(tx, caller, { claim, opening, entry, via, accept: decision?.ok ? decision.value : null }, now);
      if (!booked.ok) {
        await tx.query("ROLLBACK TO SAVEPOINT booking");
        const refund = await deps.payments.refund({ ...request, idempotencyKey: `refund:${claim.id}`, paymentReference: paid.reference });
        await audit(tx, caller, now, {
          action: "claim.refunded",
          entity: "claim",
          entityId: claim.id,
          after: { reason: booked.code, paymentReference: paid.reference, refunded: refund.ok },
        });
        if (!refund.ok) {
          await insertStaffAlert(tx, {
            clinicId: claim.clinicId,
            kind: "payment",
            subjectId: claim.id,
            message: `PaymentHold ${claim.id}: the booking failed after payment ${paid.reference} and the refund was declined (${refund.reason}). Please refund it by hand.`,
            at: now,
          });
        }
        return stop(booked);
      }
      await tx.query("RELEASE SAVEPOINT booking");
      const appointment = booked.value;
      const charge = await insertCharge(tx, {
        clinicId: claim.clinicId,
        patientId: claim.patientId,
        appointmentId: appointment.id,
        kind: claim.kind,
        amountCents: claim.amountCents,
        reason: claim.kind === "DEPOSIT" ? "deposit_required" : "prepayment_required",
        dueAt: now,
        at: now,
        paid: { status: claim.kind === "DEPOSIT" ? "AUTHORIZED" : "CHARGED", paymentReference: paid.reference },
      });
      await audit(tx, caller, now, { action: "charge.created", entity: "charge", entityId: charge.id, after: charge });
      const done = (await closePaymentHold(tx, claim.clinicId, claim.id, "PAID", now, { appointmentId: appointment.id, paymentReference: paid.reference }))!;
      await audit(tx, caller, now, {
        action: "claim.paid",
        entity: "claim",
        entityId: claim.id,
        before: { status: claim.status },
        after: { status: done.status, appointmentId: appointment.id, chargeId: charge.id },
      });
      await queueConfirmation(tx, via, appointment, now);
      return ok({ appointmentId: appointment.id });
    });
  } catch (e) {
    await giveBack(deps, found, taken, now);
    throw e;
  }
  const refused = !result.ok ? result : "refused" in result.value ? result.value.refused : null;
  if (!refused) return result as Result<{ appointmentId: string }>;
  const settings = await settingsIn(deps.db, caller.clinicId);
  return attachAlternatives(deps.db, refused, { clinicId: caller.clinicId, entryId: found.entryId, openingId: found.openingId }, settings, now);
}

/** The booking itself: the accepted offer (this opening's, when there is one) and bookEntryIn. */
async function book(
  tx: Tx,
  caller: Caller,
  c: { claim: PaymentHold; opening: Opening; entry: WaitlistEntry; via: Offer; accept: OfferEvent[] | null },
  now: Date,
): Promise<Result<Appointment>> {
  // An alternative slot: a live offer of this very opening to this entry is accepted rather than withdrawn (as bookInto does).
  let target: Offer | null = c.accept ? c.via : null;
  let events = c.accept;
  if (!target) {
    const live = await liveOfferOfPatient(tx, caller.clinicId, c.entry.patientId);
    const decided = live && live.openingId === c.opening.id && live.entryId === c.entry.id ? decide({ type: "accept", now: c.claim.createdAt }, live) : null;
    if (live && decided?.ok) [target, events] = [live, decided.value];
  }
  const accepted = target && events ? await saveOfferState(tx, target, evolveAll(target, events), now) : null;
  if (target && !accepted && target === c.via) return fail("offer_closed", "this offer is no longer open");
  const settings = await settingsIn(tx, caller.clinicId);
  const booked = await bookEntryIn(tx, caller, c.entry, c.opening, settings, now);
  if (!booked.ok) return booked;
  if (accepted) {
    const final = (await saveOfferState(tx, accepted, { ...accepted, bookedAppointmentId: booked.value.id }, now))!;
    await audit(tx, caller, now, { action: "offer.accepted", entity: "offer", entityId: accepted.id, before: target, after: final });
  }
  return booked;
}

/**
 * The payment went through but its transaction failed for good: unless the payment hold is PAID after all
 * (the failure came after the commit), the money goes back (same idempotency key as the in-transaction
 * refund, so it is returned at most once), and staff are alerted if even that fails.
 */
async function giveBack(deps: Deps, claim: PaymentHold, taken: { request: PaymentRequest; reference: string } | null, now: Date): Promise<void> {
  if (!taken) return;
  const current = await getPaymentHold(deps.db, claim.clinicId, claim.id).catch(() => null);
  if (current?.status === "PAID") return;
  const refund = await deps.payments
    .refund({ ...taken.request, idempotencyKey: `refund:${claim.id}`, paymentReference: taken.reference })
    .catch((e: unknown) => ({ ok: false as const, reason: e instanceof Error ? e.message : String(e), retryable: true }));
  deps.log.error({ claimId: claim.id, refunded: refund.ok }, "payment taken but the booking transaction failed; refunded");
  if (!refund.ok) {
    await insertStaffAlert(deps.db, {
      clinicId: claim.clinicId,
      kind: "payment",
      subjectId: claim.id,
      message: `PaymentHold ${claim.id}: payment ${taken.reference} went through but the booking could not be saved, and the refund failed. Please refund it by hand.`,
      at: now,
    }).catch(() => {});
  }
}
