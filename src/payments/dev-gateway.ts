// The dev gateway: the default adapter of the payments port. It moves no money; it writes every ok
// answer to the ledger table (payment_ledger) so that staff, tests and the demo can see what a real
// gateway would have done. It writes on its own connection, not in the caller's transaction: like a
// real gateway, what it did stays done when the caller rolls back (the caller refunds, or calls again
// with the same key and gets the same answer).
import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/db.ts";
import { findLedgerEntry, insertLedgerEntry, type LedgerEntry, type LedgerKind } from "../store/payment-ledger.ts";
import type { PaymentGateway, PaymentRequest, PaymentResult, RefundRequest } from "./gateway.ts";

export interface Decline {
  reason: string;
  retryable: boolean;
}

export class DevGateway implements PaymentGateway {
  readonly testMode = true;
  readonly #db: Queryable;
  readonly #declines: Decline[] = [];

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * The next `count` calls that would move money are declined (tests and demos: a card that fails).
   * A call whose key already has an ok answer still gets that answer.
   */
  declineNext(decline: Partial<Decline> & { count?: number } = {}): void {
    for (let i = 0; i < (decline.count ?? 1); i++) {
      this.#declines.push({ reason: decline.reason ?? "card_declined", retryable: decline.retryable ?? true });
    }
  }

  charge(r: PaymentRequest): Promise<PaymentResult> {
    return this.#record("CHARGE", r, null);
  }

  refund(r: RefundRequest): Promise<PaymentResult> {
    return this.#record("REFUND", r, r.paymentReference);
  }

  authorizeDeposit(r: PaymentRequest): Promise<PaymentResult> {
    return this.#record("AUTHORIZATION", r, null);
  }

  async #record(kind: LedgerKind, r: PaymentRequest, refunds: string | null): Promise<PaymentResult> {
    if (!Number.isInteger(r.amountCents) || r.amountCents <= 0) return { ok: false, reason: "invalid_amount", retryable: false };
    const before = await findLedgerEntry(this.#db, r.idempotencyKey);
    if (before) return replay(before, kind, r);
    const decline = this.#declines.shift();
    if (decline) return { ok: false, ...decline };
    const row = await insertLedgerEntry(this.#db, {
      clinicId: r.clinicId,
      patientId: r.patientId,
      kind,
      amountCents: r.amountCents,
      idempotencyKey: r.idempotencyKey,
      reference: `dev_${kind.toLowerCase()}_${randomUUID()}`,
      refundsReference: refunds,
      description: r.description.slice(0, 200),
      createdAt: r.at,
    });
    // A concurrent call with the same key got there first: its answer is ours.
    return row ? { ok: true, reference: row.reference } : replay((await findLedgerEntry(this.#db, r.idempotencyKey))!, kind, r);
  }
}

/** The stored answer for a key, as long as the call is the same one (a reused key is a bug, refused). */
function replay(e: LedgerEntry, kind: LedgerKind, r: PaymentRequest): PaymentResult {
  const same = e.kind === kind && e.amountCents === r.amountCents && e.clinicId === r.clinicId && e.patientId === r.patientId;
  return same ? { ok: true, reference: e.reference } : { ok: false, reason: "idempotency_key_reused", retryable: false };
}

export function devGateway(db: Queryable): DevGateway {
  return new DevGateway(db);
}
