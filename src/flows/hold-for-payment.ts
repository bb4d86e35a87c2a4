// Holding an opening while the accepting patient pays (API.md "Lifecycle", Deposits). When a patient
// owes a deposit or a prepayment (the no-show ladder), accepting by link or text makes a payment hold instead
// of a booking: the opening is theirs for 90 s, everyone else is refused (their offers stay PENDING),
// and their own hold waits for the payment hold. Paying books (pay-for-hold.ts); otherwise the payment hold lapses
// (lapse-payment-holds.ts) and the offer is PENDING again while its hold lasts.
//
// Every function here runs under the opening's row lock, taken by the caller (lock order as in
// claim-opening.ts: opening, then payment holds and offers, then entries).
import { createHmac, randomUUID } from "node:crypto";
import { claimExpiresAt, paymentHoldLive, clockIn, dollars, paymentLinkSms, paymentOwed, type PaymentOwed } from "../core/payment.ts";
import { patientZone } from "../core/quiet-hours.ts";
import { fail, type Failure } from "../core/result.ts";
import type { Opening, WaitlistEntry } from "../core/types.ts";
import { closePaymentHold, insertPaymentHold, openPaymentHoldOfOpening, openPaymentHoldsOfPatient, type PaymentHold } from "../store/payment-holds.ts";
import { getClinic } from "../store/clinics.ts";
import type { Tx } from "../store/db.ts";
import { wakeOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { getService } from "../store/services.ts";
import { audit, type Caller } from "./deps.ts";
import { hashSecret, newSecret } from "./secrets.ts";

/** A payment hold made or found, with the raw token of its payment URL (null: it cannot be made again). */
export interface Held {
  claim: PaymentHold;
  payToken: string | null;
}

/** Makes the raw token of a new payment hold's payment URL. */
export type MintToken = (claimId: string) => string;

/**
 * From the booking link's own token: the same link and payment hold always give the same payment URL, so a
 * repeated accept answers the same 202 while nothing but the hash is stored.
 */
export function tokenFromLink(offerToken: string): MintToken {
  return (claimId) => `p_${createHmac("sha256", offerToken).update(`claim:${claimId}`).digest("base64url")}`;
}

/** A text reply has no link token to derive from: a random one, sent once. */
export const randomToken: MintToken = () => newSecret("p");

/** What a caller with `mint` may show for an existing payment hold: its URL when `mint` makes the same token. */
export function heldView(claim: PaymentHold, mint: MintToken): Held {
  const token = mint(claim.id);
  return { claim, payToken: hashSecret(token) === claim.tokenHash ? token : null };
}

/** The text answering a YES that made (or found) a payment hold: the payment link, or where to find it. */
export async function paymentReplyText(tx: Tx, publicUrl: string, held: Held): Promise<string> {
  const { claim } = held;
  const clinic = (await getClinic(tx, claim.clinicId))!;
  const patient = await getPatient(tx, claim.clinicId, claim.patientId);
  const zone = patientZone(patient?.timezone ?? null, clinic.timezone);
  if (!held.payToken) {
    return `${clinic.name}: this time is held for your payment until ${clockIn(claim.expiresAt, zone)}. Please use the payment link we sent you.`;
  }
  return paymentLinkSms({
    clinicName: clinic.name,
    kind: claim.kind,
    amountCents: claim.amountCents,
    link: `${publicUrl}/pay/${held.payToken}`,
    expiresAt: claim.expiresAt,
    zone,
  });
}

/** The opening's live payment hold, if any. One past its end is lapsed here, so nobody waits for the sweep. */
export async function livePaymentHoldOn(tx: Tx, caller: Caller, openingId: string, now: Date): Promise<PaymentHold | null> {
  const claim = await openPaymentHoldOfOpening(tx, caller.clinicId, openingId);
  if (!claim) return null;
  if (paymentHoldLive(claim, now)) return claim;
  await endPaymentHold(tx, { clinicId: claim.clinicId, actor: "system" }, claim, "LAPSED", now);
  return null;
}

/**
 * The refusal of everyone else while a payment hold runs. API.md has no code for "held": slot_filled is the
 * closest (the time is not theirs to take now); `claimExpiresAt` says when to look again.
 */
export function heldForPayment(claim: PaymentHold): Failure {
  const until = claim.expiresAt.toISOString();
  return fail("slot_filled", `this time is held for another patient's payment until ${until}; if it is not paid by then, it can be booked again`, {
    extra: { claimExpiresAt: until },
  });
}

/** The refusal where no payment can be taken (the voice keypad): nothing is booked or held. */
export function paymentRequired(owed: Pick<PaymentOwed, "kind" | "amountCents">): Failure {
  const what = owed.kind === "DEPOSIT" ? "deposit" : "prepayment";
  return fail("conflict", `a ${dollars(owed.amountCents)} ${what} is needed to book this time: use the booking link or call the clinic`, {
    extra: { paymentRequired: { kind: owed.kind, amountCents: owed.amountCents } },
  });
}

/** What the entry's patient owes before this booking, if anything. */
export async function owedFor(tx: Tx, entry: WaitlistEntry): Promise<PaymentOwed | null> {
  const [patient, service] = await Promise.all([getPatient(tx, entry.clinicId, entry.patientId), getService(tx, entry.clinicId, entry.serviceId)]);
  return patient && service ? paymentOwed(patient, service.priceCents) : null;
}

/** Opens a payment hold of `opening` (locked, OPEN, no live payment hold) for `entry`. */
export async function openPaymentHold(
  tx: Tx,
  caller: Caller,
  c: { opening: Opening; entry: WaitlistEntry; offerId: string; owed: PaymentOwed; mint: MintToken },
  now: Date,
): Promise<Held> {
  // One payment step at a time: a patient who payment holds another time (a second tab, an alternative) gives up
  // the time they held before, so it is not blocked for others while they pay for this one.
  for (const earlier of await openPaymentHoldsOfPatient(tx, caller.clinicId, c.entry.patientId)) {
    await endPaymentHold(tx, caller, earlier, "CANCELLED", now);
  }
  const id = randomUUID();
  const token = c.mint(id);
  const claim = await insertPaymentHold(tx, {
    id,
    clinicId: caller.clinicId,
    openingId: c.opening.id,
    offerId: c.offerId,
    entryId: c.entry.id,
    patientId: c.entry.patientId,
    kind: c.owed.kind,
    amountCents: c.owed.amountCents,
    expiresAt: claimExpiresAt(now),
    tokenHash: hashSecret(token),
    at: now,
  });
  await audit(tx, caller, now, { action: "claim.opened", entity: "claim", entityId: claim.id, after: { ...claim, tokenHash: undefined } });
  return { claim, payToken: token };
}

/**
 * Ends an OPEN payment hold: LAPSED (its time ran out) or CANCELLED (staff booked, the patient declined, the
 * opening went). The offer is left as it is: PENDING again while its hold lasts, and the hold expiry
 * that waited for the payment hold runs at the next sweep. The opening's flow looks again.
 */
export async function endPaymentHold(tx: Tx, caller: Caller, claim: PaymentHold, to: "LAPSED" | "CANCELLED", now: Date): Promise<PaymentHold | null> {
  const ended = await closePaymentHold(tx, claim.clinicId, claim.id, to, now);
  if (!ended) return null;
  await audit(tx, caller, now, {
    action: to === "LAPSED" ? "claim.lapsed" : "claim.cancelled",
    entity: "claim",
    entityId: claim.id,
    before: { status: claim.status, expiresAt: claim.expiresAt },
    after: { status: ended.status },
  });
  await wakeOpening(tx, claim.clinicId, claim.openingId, now);
  return ended;
}
