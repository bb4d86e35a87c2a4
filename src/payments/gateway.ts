// The payments port: the one interface flows move money through (`deps.payments`). Adapters:
// dev-gateway.ts, the default (a ledger table; no money moves). A real gateway (Stripe, …) would be
// another adapter of this interface; none is built yet (README, "Configuration").
//
// Contract every adapter keeps:
// - The same idempotency key always gets the same ok answer and moves money at most once, so a flow
//   may call again after a crash or a rolled-back transaction without charging twice.
// - A refusal is not remembered under its key: calling again with the same key tries again (a Stripe
//   adapter, which replays declines, would add an attempt counter to the key it sends).
// - `retryable` says whether trying again later may succeed (a network error, "try again") or not
//   (card declined for good, invalid amount).
export interface PaymentRequest {
  idempotencyKey: string;
  clinicId: string;
  patientId: string;
  /** Integer cents, > 0. */
  amountCents: number;
  /** What the patient's statement says: the clinic and what it is for, never anything clinical. */
  description: string;
  /** When the call is made (the flow's clock; the dev ledger records it). */
  at: Date;
  /**
   * For `charge` only: the reference of a deposit authorization this charge captures (the patient missed
   * the visit, the deposit is kept). A card adapter captures that authorization instead of charging anew;
   * the dev gateway records a CHARGE.
   */
  captures?: string;
}

export interface RefundRequest extends PaymentRequest {
  /** The reference of the charge or authorization being returned. */
  paymentReference: string;
}

export type PaymentResult = { ok: true; reference: string } | { ok: false; reason: string; retryable: boolean };

export interface PaymentGateway {
  /**
   * True when no money moves (the dev gateway): the payment page says so, since it asks for no card.
   * A real adapter collects the card on its own hosted step and says false.
   */
  readonly testMode: boolean;
  /** Takes the money now. */
  charge(r: PaymentRequest): Promise<PaymentResult>;
  /** Returns a charge, or releases an authorization. */
  refund(r: RefundRequest): Promise<PaymentResult>;
  /** Holds a deposit on the patient's card (captured or released by staff at the visit). */
  authorizeDeposit(r: PaymentRequest): Promise<PaymentResult>;
}

/**
 * Calls the gateway; an adapter that throws (the network, a timeout) is a retryable decline, so no flow
 * fails on it and none charges twice: trying again later uses the same idempotency key.
 */
export async function callGateway(
  call: () => Promise<PaymentResult>,
  log: { warn(obj: object, msg?: string): void },
  subject: Record<string, string>,
): Promise<PaymentResult> {
  try {
    return await call();
  } catch (e) {
    log.warn({ ...subject, err: { message: e instanceof Error ? e.message : String(e) } }, "payment gateway failed");
    return { ok: false, reason: "gateway_unavailable", retryable: true };
  }
}
