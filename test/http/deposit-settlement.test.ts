// Deposits settle with the visit: held (AUTHORIZED) at the claim, released when the patient comes or the
// appointment is cancelled, kept when they do not come (NO_SHOW) — through the payments port, once each,
// however many runners sweep; a declined settlement is retried, then left to staff. Real Postgres, the clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { issueMoveLink } from "../../src/flows/move-links.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { getAppointment } from "../../src/store/appointments.ts";
import { inTransaction } from "../../src/store/db.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const drain = () => runDue(ctx.deps, ctx.clock.now());
let phones = 6000;

/** A patient who owes a $50 deposit, offered an opening at T0+24 h, who claims and pays: the booked visit. */
async function aDepositBooking() {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Deposit Clinic" });
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic, { priceCents: 15000 });
  const phone = `+1617555${String(phones++).padStart(4, "0")}`;
  const patient = await aPatient(ctx, clinic, { phone });
  await db.query("UPDATE patients SET deposit_required_cents = 5000 WHERE id = $1", [patient.id]);
  await anEntry(ctx, clinic, { patientId: patient.id, serviceId: service.id });
  const opening = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const link: string = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key })).body.items[0].links[0];
  const claimed = await call(ctx, "POST", `/api/public/offers/${link.split("/o/")[1]}/accept`);
  assert.equal(claimed.status, 202, JSON.stringify(claimed.body));
  const paid = await call(ctx, "POST", `/api/public/payment-holds/${new URL(claimed.body.paymentUrl).pathname.split("/pay/")[1]}/pay`);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  return { clinic, provider, patient, opening, appointmentId: paid.body.appointmentId as string };
}

const deposit = async (key: string, patientId: string) =>
  (await call(ctx, "GET", `/api/booking/patients/${patientId}/charges`, { key })).body.items.find((c: { kind: string }) => c.kind === "DEPOSIT");
const ledger = async (patientId: string) =>
  (await db.query("SELECT kind, amount_cents FROM payment_ledger WHERE patient_id = $1 ORDER BY created_at, seq", [patientId])).rows.map((r) => [
    r.kind,
    r.amount_cents,
  ]);

test("the patient comes: checked in, the held deposit is released (REFUNDED) once", async () => {
  const b = await aDepositBooking();
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "AUTHORIZED", "held until the visit has an outcome");
  ctx.clock.set(new Date(inHours(24)));
  assert.equal((await call(ctx, "POST", `/api/booking/appointments/${b.appointmentId}/check-in`, { key: b.clinic.key })).status, 200);
  await drain();
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "REFUNDED");
  assert.deepEqual(await ledger(b.patient.id), [
    ["AUTHORIZATION", 5000],
    ["REFUND", 5000],
  ]);
});

test("the patient does not come: NO_SHOW, the deposit is kept (CHARGED)", async () => {
  const b = await aDepositBooking();
  ctx.clock.set(new Date(inHours(24 + 10 / 60)));
  await drain();
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${b.appointmentId}`, { key: b.clinic.key })).body.status, "NO_SHOW");
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "CHARGED");
  assert.deepEqual(await ledger(b.patient.id), [
    ["AUTHORIZATION", 5000],
    ["CHARGE", 5000],
  ]);
  const audit = await db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'deposit.kept' AND clinic_id = $1", [b.clinic.id]);
  assert.equal(audit.rows[0].n, 1);
});

test("the appointment is cancelled: the deposit is released", async () => {
  const b = await aDepositBooking();
  const res = await call(ctx, "POST", `/api/booking/appointments/${b.appointmentId}/cancel`, { key: b.clinic.key, body: { by: "staff" } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "REFUNDED");
});

test("a declined release stays AUTHORIZED with the reason, staff are alerted, and it is tried again an hour later", async () => {
  const b = await aDepositBooking();
  await call(ctx, "POST", `/api/booking/appointments/${b.appointmentId}/cancel`, { key: b.clinic.key, body: { by: "staff" } });
  ctx.payments.declineNext({ reason: "processor_error", retryable: true });
  await drain();
  const held = await deposit(b.clinic.key, b.patient.id);
  assert.equal(held.status, "AUTHORIZED");
  const alerts = await db.query("SELECT message FROM staff_alerts WHERE clinic_id = $1 AND kind = 'payment'", [b.clinic.id]);
  assert.equal(alerts.rows.length, 1);
  assert.match(alerts.rows[0].message, /Releasing the \$50\.00 deposit .* was declined \(processor_error\); it will be tried again/);
  ctx.clock.advanceMinutes(59);
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "AUTHORIZED", "not before the hour");
  ctx.clock.advanceMinutes(1);
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "REFUNDED");
});

test("four runners at once settle each deposit once", async () => {
  const bookings = [await aDepositBooking(), await aDepositBooking(), await aDepositBooking()];
  for (const b of bookings) await call(ctx, "POST", `/api/booking/appointments/${b.appointmentId}/cancel`, { key: b.clinic.key, body: { by: "staff" } });
  await Promise.all([drain(), drain(), drain(), drain()]);
  for (const b of bookings)
    assert.deepEqual(await ledger(b.patient.id), [
      ["AUTHORIZATION", 5000],
      ["REFUND", 5000],
    ]);
});

test("moving the visit by the reschedule link keeps the deposit held, now for the new time", async () => {
  const b = await aDepositBooking();
  const later = await anOpening(ctx, b.clinic, { providerId: b.provider.id, start: inHours(48), end: inHours(49) });
  const link = await inTransaction(db, async (tx) =>
    issueMoveLink(ctx.deps, tx, (await getAppointment(tx, b.clinic.id, b.appointmentId))!, "RESCHEDULE", ctx.clock.now()),
  );
  const moved = await call(ctx, "POST", `/api/public/reschedule/${link.split("/r/")[1]}/openings/${later.id}`);
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await drain();
  const held = await deposit(b.clinic.key, b.patient.id);
  assert.deepEqual([held.status, held.appointmentId], ["AUTHORIZED", moved.body.appointmentId]);
  assert.deepEqual(await ledger(b.patient.id), [["AUTHORIZATION", 5000]], "nothing released");
  // The new visit's outcome settles it: the patient does not come.
  ctx.clock.set(new Date(inHours(48 + 10 / 60)));
  await drain();
  assert.equal((await deposit(b.clinic.key, b.patient.id)).status, "CHARGED");
});
