// Pure rules of deposits, prepayments and fee retries (src/core/payment.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLAIM_SECONDS, claimExpiresAt, paymentHoldLive, dollars, feeWaivedText, nextFeeAttempt, paymentLinkSms, paymentOwed } from "../../src/core/payment.ts";

test("paymentOwed: prepayment (the price) wins over a deposit; a free service needs only the deposit; nothing owed → null", () => {
  const cases: [number, boolean, number, ReturnType<typeof paymentOwed>][] = [
    [0, false, 15000, null],
    [5000, false, 15000, { kind: "DEPOSIT", amountCents: 5000 }],
    [0, true, 15000, { kind: "PREPAYMENT", amountCents: 15000 }],
    [5000, true, 15000, { kind: "PREPAYMENT", amountCents: 15000 }],
    [5000, true, 0, { kind: "DEPOSIT", amountCents: 5000 }],
    [0, true, 0, null],
  ];
  for (const [depositRequiredCents, prepaymentRequired, price, expected] of cases) {
    assert.deepEqual(paymentOwed({ depositRequiredCents, prepaymentRequired }, price), expected, `${depositRequiredCents}/${prepaymentRequired}/${price}`);
  }
});

test("a claim lasts 90 s: live before its end, not at it", () => {
  const now = new Date("2026-03-02T14:00:00Z");
  const expiresAt = claimExpiresAt(now);
  assert.equal(CLAIM_SECONDS, 90);
  assert.equal(expiresAt.toISOString(), "2026-03-02T14:01:30.000Z");
  assert.equal(paymentHoldLive({ status: "OPEN", expiresAt }, new Date(expiresAt.getTime() - 1)), true);
  assert.equal(paymentHoldLive({ status: "OPEN", expiresAt }, expiresAt), false);
  assert.equal(paymentHoldLive({ status: "PAID", expiresAt }, now), false);
});

test("fee retries: 1 h, 6 h, 24 h after each decline, then left to staff; a decline that cannot succeed is left at once", () => {
  const now = new Date("2026-03-02T14:00:00Z");
  const after = (declines: number) => nextFeeAttempt(declines, now, true)?.toISOString() ?? null;
  assert.deepEqual([1, 2, 3, 4, 5].map(after), ["2026-03-02T15:00:00.000Z", "2026-03-02T20:00:00.000Z", "2026-03-03T14:00:00.000Z", null, null]);
  assert.equal(nextFeeAttempt(1, now, false), null);
});

test("dollars: whole cents, thousands separated", () => {
  assert.deepEqual([0, 5, 5000, 15050, 123456789, -250].map(dollars), ["$0.00", "$0.05", "$50.00", "$150.50", "$1,234,567.89", "-$2.50"]);
});

test("the payment-link text: clinic, amount, kind, the end in the patient's zone, the link; nothing clinical; one GSM-7 segment pair", () => {
  const link = `https://clinic.example/pay/p_${"a".repeat(43)}`;
  const text = paymentLinkSms({
    clinicName: "Bright Smiles",
    kind: "DEPOSIT",
    amountCents: 5000,
    link,
    expiresAt: new Date("2026-03-02T14:01:30Z"),
    zone: "America/New_York",
  });
  assert.equal(text, `Bright Smiles: to book this time, pay the $50.00 deposit by 9:01 AM (90 seconds): ${link}`);
  assert.ok(text.length <= 306);
  assert.match(
    paymentLinkSms({ clinicName: "X", kind: "PREPAYMENT", amountCents: 15000, link, expiresAt: new Date("2026-03-02T14:01:30Z"), zone: "America/Los_Angeles" }),
    /\$150\.00 prepayment by 6:01 AM/,
  );
});

test("the waiver text says why and that nothing is owed", () => {
  const t = feeWaivedText("Bright Smiles");
  assert.equal(t.subject, "Bright Smiles: your cancellation fee was waived");
  assert.match(t.text, /booked by someone else, so your late-cancellation fee has been waived\. Nothing to pay\.$/);
});
