// Cancellation fees that end (API.md "Lifecycle"): a PENDING fee is charged through the payments port
// at the slot's start and not before (CHARGED, a ledger row keyed by the charge's id); a decline keeps
// it PENDING with a note and a staff alert and retries 1 h, 6 h, 24 h later, then leaves it to staff;
// several runners charge each fee once; a fee WAIVED by a refill is told to the patient (consent,
// channel order, quiet hours).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { listAudit } from "../../src/store/audit.ts";
import { aClinic, anAppointment, aPatient, aProvider, aService, call, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const drain = () => runDue(ctx.deps, ctx.clock.now());
const MINUTE = 60_000;
const at = (iso: string | Date, minutes = 0) => new Date(new Date(iso).getTime() + minutes * MINUTE);

async function aSetup(patient: object = {}) {
  const clinic = await aClinic(ctx, { name: "Fee Clinic" });
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic, { name: "Botox", category: "injectables", durationMinutes: 30, priceCents: 40000 });
  const p = await aPatient(ctx, clinic, patient);
  return { clinic, provider, service, patient: p };
}
type Setup = Awaited<ReturnType<typeof aSetup>>;

/** An appointment `hoursAhead` from now, cancelled late by the patient: a PENDING fee due at its start. */
async function aLateCancellation(s: Setup, hoursAhead = 3) {
  const start = at(ctx.clock.now(), hoursAhead * 60).toISOString();
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
  const cancelled = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/cancel`, { key: s.clinic.key, body: { by: "patient", confirm: true } });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.cancellationFeeCents, 40000);
  const [fee] = (await db.query("SELECT * FROM charges WHERE appointment_id = $1", [appt.id])).rows;
  return { appt, fee, opening: cancelled.body.opening };
}

const feeRow = async (id: string) => (await db.query("SELECT * FROM charges WHERE id = $1", [id])).rows[0];
const ledgerOf = async (patientId: string) => (await db.query("SELECT * FROM payment_ledger WHERE patient_id = $1 ORDER BY created_at, seq", [patientId])).rows;
const alertsOf = async (clinicId: string) =>
  (await db.query("SELECT * FROM staff_alerts WHERE clinic_id = $1 AND kind = 'payment' ORDER BY created_at, id", [clinicId])).rows;

test("the fee sweep charges a PENDING fee at the slot's start and not before: CHARGED, one ledger row, audited", async () => {
  ctx.clock.set(T0);
  const s = await aSetup();
  const { appt, fee } = await aLateCancellation(s);
  await drain();
  ctx.clock.set(at(appt.start, -1));
  await drain();
  assert.equal((await feeRow(fee.id)).status, "PENDING", "a minute before the start it is still pending");
  assert.deepEqual(await ledgerOf(s.patient.id), []);

  ctx.clock.set(new Date(appt.start));
  await drain();
  const charged = await feeRow(fee.id);
  assert.equal(charged.status, "CHARGED");
  const ledger = await ledgerOf(s.patient.id);
  assert.equal(ledger.length, 1);
  assert.deepEqual(
    [ledger[0].kind, ledger[0].amount_cents, ledger[0].idempotency_key, ledger[0].description],
    ["CHARGE", 40000, fee.id, "Fee Clinic: late cancellation fee"],
  );
  assert.equal(charged.payment_reference, ledger[0].reference);
  const listed = (await call(ctx, "GET", `/api/booking/patients/${s.patient.id}/charges`, { key: s.clinic.key })).body.items;
  assert.deepEqual(
    listed.map((c: any) => [c.kind, c.status, c.failureNote]),
    [["CANCELLATION_FEE", "CHARGED", null]],
  );
  const audit = await listAudit(db, s.clinic.id, "charge", fee.id);
  assert.deepEqual(
    audit.map((a) => a.action),
    ["charge.created", "charge.charged"],
  );
  assert.equal(audit[1]!.actor, "system");

  ctx.clock.advanceMinutes(120);
  await drain();
  assert.equal((await ledgerOf(s.patient.id)).length, 1, "charged once");
});

test("a declined fee stays PENDING with a note and a staff alert, is retried 1 h, 6 h and 24 h later, then is left to staff", async () => {
  ctx.clock.set(T0);
  const s = await aSetup();
  const { appt, fee } = await aLateCancellation(s);
  ctx.payments.declineNext({ reason: "insufficient_funds", count: 4 });
  const steps = [0, 60, 360, 1440];
  let when = new Date(appt.start);
  for (const [i, wait] of steps.entries()) {
    when = at(when, wait);
    ctx.clock.set(at(when, -1));
    await drain();
    assert.equal((await feeRow(fee.id)).attempts, i, `not retried before its time (attempt ${i + 1})`);
    ctx.clock.set(when);
    await drain();
    const row = await feeRow(fee.id);
    assert.deepEqual([row.status, row.attempts, row.failure_note], ["PENDING", i + 1, "insufficient_funds"]);
    const next = steps[i + 1];
    assert.equal(row.next_attempt_at?.toISOString() ?? null, next === undefined ? null : at(when, next).toISOString());
  }
  const alerts = await alertsOf(s.clinic.id);
  assert.equal(alerts.length, 4, "staff are alerted at each decline");
  assert.match(
    alerts[0].message,
    new RegExp(`^The cancellation fee ${fee.id} of appointment ${appt.id} was declined \\(insufficient_funds\\); it will be tried again at `),
  );
  assert.match(alerts[3].message, /it is left for staff to collect\.$/);
  ctx.clock.advanceMinutes(7 * 1440);
  await drain();
  assert.equal((await feeRow(fee.id)).status, "PENDING");
  assert.deepEqual(await ledgerOf(s.patient.id), [], "no money moved");
  const listed = (await call(ctx, "GET", `/api/booking/patients/${s.patient.id}/charges`, { key: s.clinic.key })).body.items;
  assert.equal(listed[0].failureNote, "insufficient_funds");
  assert.deepEqual(
    (await listAudit(db, s.clinic.id, "charge", fee.id)).map((a) => a.action),
    ["charge.created", "charge.declined", "charge.declined", "charge.declined", "charge.declined"],
  );
});

test("a decline the gateway says cannot succeed later is left to staff at once; a retryable one is charged at its retry", async () => {
  ctx.clock.set(T0);
  const s = await aSetup();
  const first = await aLateCancellation(s, 3);
  ctx.payments.declineNext({ reason: "card_closed", retryable: false });
  ctx.clock.set(new Date(first.appt.start));
  await drain();
  const row = await feeRow(first.fee.id);
  assert.deepEqual([row.status, row.attempts, row.next_attempt_at], ["PENDING", 1, null]);

  ctx.clock.set(T0);
  const second = await aLateCancellation(s, 5);
  ctx.payments.declineNext();
  ctx.clock.set(new Date(second.appt.start));
  await drain();
  assert.equal((await feeRow(second.fee.id)).status, "PENDING");
  ctx.clock.advanceMinutes(60);
  await drain();
  assert.equal((await feeRow(second.fee.id)).status, "CHARGED");
  assert.equal((await feeRow(first.fee.id)).status, "PENDING", "left to staff: never tried again");
  assert.deepEqual(
    (await ledgerOf(s.patient.id)).map((l) => l.idempotency_key),
    [second.fee.id],
  );
});

test("several runners at once charge each due fee exactly once", async () => {
  ctx.clock.set(T0);
  const s = await aSetup();
  const fees = [];
  for (let i = 0; i < 8; i++) fees.push((await aLateCancellation(s, 2 + i)).fee);
  ctx.clock.set(at(T0, 12 * 60));
  await Promise.all([1, 2, 3, 4].map(() => runDue(ctx.deps, ctx.clock.now())));
  for (const f of fees) assert.equal((await feeRow(f.id)).status, "CHARGED");
  const ledger = await ledgerOf(s.patient.id);
  assert.equal(ledger.length, 8);
  assert.deepEqual(new Set(ledger.map((l) => l.idempotency_key)), new Set(fees.map((f) => f.id)));
  const charged = (await db.query("SELECT count(*)::int AS n FROM audit_log WHERE clinic_id = $1 AND action = 'charge.charged'", [s.clinic.id])).rows[0].n;
  assert.equal(charged, 8);
});

test("a fee WAIVED by a refill is told to the patient: one text, after their quiet hours, nothing clinical", async () => {
  ctx.clock.set(new Date("2026-03-03T03:00:00Z")); // 22:00 in New York: quiet hours
  const s = await aSetup();
  const { appt, fee } = await aLateCancellation(s, 12);
  const other = await aPatient(ctx, s.clinic, { firstName: "Rae", phone: "+16175550199" });
  const refill = await anAppointment(ctx, s.clinic, { patientId: other.id, providerId: s.provider.id, serviceId: s.service.id, start: appt.start });
  assert.ok(refill.id);
  assert.equal((await feeRow(fee.id)).status, "WAIVED");
  const notices = (await db.query("SELECT * FROM deliveries WHERE clinic_id = $1 AND kind = 'NOTICE'", [s.clinic.id])).rows;
  assert.equal(notices.length, 1);
  const [n] = notices;
  assert.deepEqual([n.channel, n.status, n.payload.to], ["SMS", "QUEUED", s.patient.phone]);
  assert.equal(n.due_at.toISOString(), "2026-03-03T13:00:00.000Z", "08:00 in the patient's zone");
  assert.match(n.payload.text, /^Fee Clinic: good news\. The time you cancelled was booked by someone else, so your late-cancellation fee has been waived\./);
  assert.doesNotMatch(n.payload.text, /Botox|Dr\./);

  await drain();
  const outbox = () => call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(s.patient.phone)}`, { key: s.clinic.key });
  assert.deepEqual((await outbox()).body.items, [], "not sent in quiet hours");
  ctx.clock.set(new Date("2026-03-03T13:00:00Z"));
  await drain();
  const sent = (await outbox()).body.items;
  assert.equal(sent.length, 1);
  assert.equal(sent[0].body, n.payload.text);
  // The fee sweep leaves a waived fee alone.
  ctx.clock.set(new Date(appt.start));
  await drain();
  assert.equal((await feeRow(fee.id)).status, "WAIVED");
  assert.deepEqual(await ledgerOf(s.patient.id), []);
});

test("a waiver text deferred past quiet hours is not sent when the patient revoked consent meanwhile (STOP)", async () => {
  ctx.clock.set(new Date("2026-03-03T03:00:00Z")); // 22:00 in New York: quiet hours
  const s = await aSetup({ phone: "+16175550124" });
  const { appt, fee } = await aLateCancellation(s, 12);
  const other = await aPatient(ctx, s.clinic, { firstName: "Rae", phone: "+16175550197" });
  await anAppointment(ctx, s.clinic, { patientId: other.id, providerId: s.provider.id, serviceId: s.service.id, start: appt.start });
  assert.equal((await feeRow(fee.id)).status, "WAIVED");
  const stop = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: s.patient.phone, body: "STOP" } });
  assert.ok(stop.status < 300, JSON.stringify(stop.body));
  ctx.clock.set(new Date("2026-03-03T13:00:00Z"));
  await drain();
  const sent = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(s.patient.phone)}`, { key: s.clinic.key })).body.items;
  assert.deepEqual(
    sent.filter((m: any) => /fee has been waived/.test(m.body)),
    [],
    "no text after STOP",
  );
});

test("no waiver text without a way to reach the patient with consent (no SMS consent, no email)", async () => {
  ctx.clock.set(T0);
  const s = await aSetup({ phone: "+16175550123", smsConsent: false });
  const { appt, fee } = await aLateCancellation(s, 4);
  const other = await aPatient(ctx, s.clinic, { firstName: "Rae", phone: "+16175550198" });
  await anAppointment(ctx, s.clinic, { patientId: other.id, providerId: s.provider.id, serviceId: s.service.id, start: appt.start });
  assert.equal((await feeRow(fee.id)).status, "WAIVED");
  const notices = (await db.query("SELECT * FROM deliveries WHERE clinic_id = $1 AND kind = 'NOTICE'", [s.clinic.id])).rows;
  assert.deepEqual(notices, []);
});
