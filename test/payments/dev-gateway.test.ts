// The dev gateway (the default adapter of the payments port) on a real database: every ok answer is
// one ledger row; the same idempotency key gets the same answer and no second row, also when calls
// race; a decline is driven by declineNext and is not remembered under its key; a reused key with
// other parameters is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DevGateway } from "../../src/payments/dev-gateway.ts";
import type { PaymentRequest } from "../../src/payments/gateway.ts";
import { aClinic, aPatient, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const clinic = await aClinic(ctx, { name: "Ledger Clinic" });
const patient = await aPatient(ctx, clinic);
let n = 0;
const request = (over: Partial<PaymentRequest> = {}): PaymentRequest => ({
  idempotencyKey: `test:${n++}`,
  clinicId: clinic.id,
  patientId: patient.id,
  amountCents: 5000,
  description: "Ledger Clinic: booking deposit",
  at: T0,
  ...over,
});
const ledger = async (key: string) => (await db.query("SELECT * FROM payment_ledger WHERE idempotency_key = $1", [key])).rows;

test("charge, authorizeDeposit and refund each write one ledger row with a reference", async () => {
  const gateway = new DevGateway(db);
  const charge = request();
  const charged = await gateway.charge(charge);
  assert.equal(charged.ok, true);
  const rows = await ledger(charge.idempotencyKey);
  assert.equal(rows.length, 1);
  assert.deepEqual(
    [rows[0].kind, rows[0].amount_cents, rows[0].clinic_id, rows[0].patient_id, rows[0].description, rows[0].created_at.toISOString()],
    ["CHARGE", 5000, clinic.id, patient.id, "Ledger Clinic: booking deposit", T0.toISOString()],
  );
  assert.equal(charged.ok && charged.reference, rows[0].reference);

  const auth = request({ amountCents: 2500 });
  const authorized = await gateway.authorizeDeposit(auth);
  assert.ok(authorized.ok);
  assert.equal((await ledger(auth.idempotencyKey))[0].kind, "AUTHORIZATION");

  const refund = request({ idempotencyKey: `refund:${charge.idempotencyKey}` });
  const refunded = await gateway.refund({ ...refund, paymentReference: charged.ok ? charged.reference : "" });
  assert.ok(refunded.ok);
  const [r] = await ledger(refund.idempotencyKey);
  assert.deepEqual([r.kind, r.refunds_reference], ["REFUND", rows[0].reference]);
});

test("idempotent: the same key gives the same answer and no second row, also for 10 calls racing", async () => {
  const gateway = new DevGateway(db);
  const r = request();
  const first = await gateway.charge(r);
  const again = await gateway.charge({ ...r, at: new Date(T0.getTime() + 60_000) });
  assert.deepEqual(again, first);
  assert.equal((await ledger(r.idempotencyKey)).length, 1);

  const racing = request();
  const answers = await Promise.all(Array.from({ length: 10 }, () => new DevGateway(db).authorizeDeposit(racing)));
  assert.ok(answers.every((a) => a.ok));
  assert.equal(new Set(answers.map((a) => (a.ok ? a.reference : null))).size, 1);
  assert.equal((await ledger(racing.idempotencyKey)).length, 1);
});

test("declineNext: the next call is declined and leaves no row; the same key then succeeds (a decline is not remembered)", async () => {
  const gateway = new DevGateway(db);
  const r = request();
  gateway.declineNext({ reason: "card_declined" });
  assert.deepEqual(await gateway.charge(r), { ok: false, reason: "card_declined", retryable: true });
  assert.deepEqual(await ledger(r.idempotencyKey), []);
  const retried = await gateway.charge(r);
  assert.ok(retried.ok);
  // A key that already has an ok answer replays it even while a decline is queued; the decline waits for the next new call.
  gateway.declineNext({ reason: "expired_card", retryable: false });
  assert.deepEqual(await gateway.charge(r), retried);
  assert.deepEqual(await gateway.charge(request()), { ok: false, reason: "expired_card", retryable: false });
  gateway.declineNext({ count: 2 });
  assert.equal((await gateway.charge(request())).ok, false);
  assert.equal((await gateway.charge(request())).ok, false);
  assert.equal((await gateway.charge(request())).ok, true);
});

test("a key reused for another call, and an invalid amount, are refused for good", async () => {
  const gateway = new DevGateway(db);
  const r = request();
  assert.ok((await gateway.charge(r)).ok);
  assert.deepEqual(await gateway.charge({ ...r, amountCents: 9999 }), { ok: false, reason: "idempotency_key_reused", retryable: false });
  assert.deepEqual(await gateway.authorizeDeposit(r), { ok: false, reason: "idempotency_key_reused", retryable: false });
  for (const amountCents of [0, -5, 12.5]) {
    const bad = request({ amountCents });
    assert.deepEqual(await gateway.charge(bad), { ok: false, reason: "invalid_amount", retryable: false });
    assert.deepEqual(await ledger(bad.idempotencyKey), []);
  }
});
