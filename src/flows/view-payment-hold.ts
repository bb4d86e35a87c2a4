// What the payment page (GET /pay/:token) and GET /api/public/payment-holds/:token show. Only reads: a link
// scanner opening the payment link changes nothing.
import { paymentHoldLive } from "../core/payment.ts";
import { patientZone } from "../core/quiet-hours.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import type { PaymentHold } from "../store/payment-holds.ts";
import { getClinic } from "../store/clinics.ts";
import { getOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { getResource } from "../store/providers.ts";
import { getService } from "../store/services.ts";
import { getEntry } from "../store/waitlist.ts";
import type { Deps } from "./deps.ts";
import { paymentHoldOfToken } from "./pay-for-hold.ts";

/** open: pay now; paid: booked; lapsed: the 90 s ran out; cancelled: the hold ended another way (taken, declined). */
export type PaymentPageState = "open" | "paid" | "lapsed" | "cancelled";

export interface PaymentPage {
  state: PaymentPageState;
  claim: PaymentHold;
  slot: { start: Date; end: Date; providerName: string; serviceName: string; clinicName: string };
  patientTimezone: string;
  clinicTimezone: string;
  /** Milliseconds left to pay at `now` (open only): the countdown starts from the server's clock. */
  remainingMs: number | null;
  /** The gateway moves no money (the dev gateway): the page says it is a test payment. */
  testMode: boolean;
  now: Date;
}

export function paymentPageState(claim: PaymentHold, now: Date): PaymentPageState {
  if (claim.status === "PAID") return "paid";
  if (claim.status === "CANCELLED") return "cancelled";
  return paymentHoldLive(claim, now) ? "open" : "lapsed";
}

export async function viewPaymentHold(deps: Deps, token: string): Promise<Result<PaymentPage>> {
  const claim = await paymentHoldOfToken(deps, token);
  if (!claim) return notFound("claim");
  const q = deps.db;
  const [clinic, opening, patient, entry] = await Promise.all([
    getClinic(q, claim.clinicId),
    getOpening(q, claim.clinicId, claim.openingId),
    getPatient(q, claim.clinicId, claim.patientId),
    getEntry(q, claim.clinicId, claim.entryId),
  ]);
  const [provider, service] = await Promise.all([
    getResource(q, "providers", claim.clinicId, opening!.providerId),
    getService(q, claim.clinicId, entry!.serviceId),
  ]);
  const now = deps.clock.now();
  const state = paymentPageState(claim, now);
  return ok({
    state,
    claim,
    slot: { start: opening!.start, end: opening!.end, providerName: provider!.name, serviceName: service!.name, clinicName: clinic!.name },
    patientTimezone: patientZone(patient!.timezone, clinic!.timezone),
    clinicTimezone: clinic!.timezone,
    remainingMs: state === "open" ? claim.expiresAt.getTime() - now.getTime() : null,
    testMode: deps.payments.testMode,
    now,
  });
}
