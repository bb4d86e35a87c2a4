// Deposits, prepayments and fees as rules (API.md "Lifecycle"). Pure: every instant is an argument.
//
// Glossary: a **payment hold** holds an opening for CLAIM_SECONDS while the accepting patient pays what the
// no-show ladder asks of them (a DEPOSIT, authorized on their card, or a PREPAYMENT of the service's
// price, charged). Paying books; otherwise the payment hold LAPSES and their offer is PENDING again.
import { DateTime } from "luxon";

/** API.md: "holds the slot for 90 s". */
export const CLAIM_SECONDS = 90;

export type PaymentHoldKind = "DEPOSIT" | "PREPAYMENT";
export type PaymentHoldStatus = "OPEN" | "PAID" | "LAPSED" | "CANCELLED";

export interface PaymentOwed {
  kind: PaymentHoldKind;
  amountCents: number;
}

/**
 * What a patient must pay before a booking of theirs by link or text is made, if anything. Prepayment
 * (3rd no-show) wins over a deposit (2nd): it covers the whole price. A free service needs no
 * prepayment, but still the deposit when one is set.
 */
export function paymentOwed(patient: { depositRequiredCents: number; prepaymentRequired: boolean }, priceCents: number): PaymentOwed | null {
  if (patient.prepaymentRequired && priceCents > 0) return { kind: "PREPAYMENT", amountCents: priceCents };
  if (patient.depositRequiredCents > 0) return { kind: "DEPOSIT", amountCents: patient.depositRequiredCents };
  return null;
}

export function claimExpiresAt(now: Date): Date {
  return new Date(now.getTime() + CLAIM_SECONDS * 1000);
}

/** A payment hold is live while OPEN and before its end; an OPEN payment hold past its end only waits for the sweep. */
export function paymentHoldLive(claim: { status: PaymentHoldStatus; expiresAt: Date }, now: Date): boolean {
  return claim.status === "OPEN" && now.getTime() < claim.expiresAt.getTime();
}

/**
 * Declined cancellation fees are tried again 1 h, 6 h and 24 h after each decline (a card that was
 * declined at 9:00 is often fine by the afternoon; past a day it needs a person). After the third
 * retry, or at once when the gateway says retrying cannot help, the fee is left to staff: null.
 */
export const FEE_RETRY_MINUTES = [60, 360, 1440] as const;

export function nextFeeAttempt(declinesSoFar: number, now: Date, retryable: boolean): Date | null {
  const wait = retryable ? FEE_RETRY_MINUTES[declinesSoFar - 1] : undefined;
  return wait === undefined ? null : new Date(now.getTime() + wait * 60_000);
}

/** "$25.00" — clinics bill in US dollars (phones default to the US too). */
export function dollars(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString("en-US")}.${String(abs % 100).padStart(2, "0")}`;
}

/** "9:01 AM" in `zone`. */
export function clockIn(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("h:mm a");
}

/** The one text answering a YES from a patient who owes a deposit or prepayment. Nothing clinical. */
export function paymentLinkSms(t: { clinicName: string; kind: PaymentHoldKind; amountCents: number; link: string; expiresAt: Date; zone: string }): string {
  const what = t.kind === "DEPOSIT" ? "deposit" : "prepayment";
  return `${t.clinicName}: to book this time, pay the ${dollars(t.amountCents)} ${what} by ${clockIn(t.expiresAt, t.zone)} (90 seconds): ${t.link}`;
}

/** Told to the patient when the time they cancelled late was rebooked. Nothing clinical, no time. */
export function feeWaivedText(clinicName: string): { subject: string; text: string } {
  return {
    subject: `${clinicName}: your cancellation fee was waived`,
    text: `${clinicName}: good news. The time you cancelled was booked by someone else, so your late-cancellation fee has been waived. Nothing to pay.`,
  };
}
