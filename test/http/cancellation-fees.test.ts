// Cancellation fees through the API (API.md "Lifecycle", VECTORS.md "Cancellation fees"): quote, confirm,
// a PENDING charge due at the slot's start, free staff and grace-period cancellations, WAIVED on refill.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listAudit } from "../../src/store/audit.ts";
import { aClinic, anAppointment, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();

const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();

async function aSetup(service: { category: string; priceCents: number }) {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const svc = await aService(ctx, clinic, { name: `Svc ${service.category}`, durationMinutes: 30, ...service });
  const patient = await aPatient(ctx, clinic);
  return { clinic, provider, service: svc, patient };
}

type Setup = Awaited<ReturnType<typeof aSetup>>;

const cancel = (s: Setup, id: string, body: object) => call(ctx, "POST", `/api/booking/appointments/${id}/cancel`, { key: s.clinic.key, body });
const charges = (s: Setup, patientId = s.patient.id) => call(ctx, "GET", `/api/booking/patients/${patientId}/charges`, { key: s.clinic.key });

/** A booking made from the waitlist at T0 (entry → opening → book). */
async function aWaitlistBooking(s: Setup, start: string) {
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, notes: "mornings please" });
  const end = new Date(new Date(start).getTime() + 30 * 60_000).toISOString();
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start, end });
  const booked = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/book`, { key: s.clinic.key, body: { slotId: opening.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.equal(booked.body.appointment.source, "WAITLIST");
  return { entry, appointment: booked.body.appointment };
}

/** Quote (nothing changes), then confirm: a PENDING charge due at the slot's start. */
async function quoteThenConfirm(s: Setup, appt: { id: string; start: string }, feeCents: number, feeReason: string) {
  const quote = await cancel(s, appt.id, { by: "patient" });
  assert.equal(quote.status, 200, JSON.stringify(quote.body));
  assert.deepEqual(quote.body, { cancelled: false, requiresConfirmation: true, cancellationFeeCents: feeCents, feeReason });
  const still = await call(ctx, "GET", `/api/booking/appointments/${appt.id}`, { key: s.clinic.key });
  assert.equal(still.body.status, "BOOKED", "a quote changes nothing");
  assert.deepEqual((await charges(s)).body.items, []);
  const openings = await call(ctx, "GET", "/api/booking/openings", { key: s.clinic.key });
  assert.equal(openings.body.items.filter((o: any) => o.sourceAppointmentId === appt.id).length, 0);

  const confirmed = await cancel(s, appt.id, { by: "patient", confirm: true });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.cancelled, true);
  assert.equal(confirmed.body.cancellationFeeCents, feeCents);
  assert.equal(confirmed.body.gracePeriodActive, false);
  assert.equal(confirmed.body.appointment.status, "CANCELLED");
  assert.equal(confirmed.body.opening.status, "OPEN");
  const listed = (await charges(s)).body.items;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].kind, "CANCELLATION_FEE");
  assert.equal(listed[0].status, "PENDING");
  assert.equal(listed[0].amountCents, feeCents);
  assert.equal(listed[0].reason, feeReason);
  assert.equal(listed[0].dueAt, appt.start);
  assert.equal(listed[0].appointmentId, appt.id);
  assert.equal(listed[0].patientId, s.patient.id);
  return confirmed.body;
}

test("vector: injectables from the waitlist, 10 min after booking, 10 h to start → 0 (grace); the entry returns ACTIVE", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const { entry, appointment } = await aWaitlistBooking(s, at(10 * HOUR + 10 * 60_000));
  const booked = await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key });
  assert.equal(booked.body.status, "BOOKED");
  ctx.clock.advanceMinutes(10);

  const res = await cancel(s, appointment.id, { by: "patient" });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.cancelled, true);
  assert.equal(res.body.cancellationFeeCents, 0);
  assert.equal(res.body.gracePeriodActive, true);
  assert.equal(res.body.appointment.status, "CANCELLED");
  assert.deepEqual((await charges(s)).body.items, []);

  const back = await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key });
  assert.equal(back.body.status, "ACTIVE");
  assert.equal(back.body.bookedAppointmentId, null);
  for (const k of ["serviceId", "providerIds", "chairIds", "windows", "earliestDate", "latestDate", "priority", "minNoticeMinutes", "preferredTime", "notes"]) {
    assert.deepEqual(back.body[k], entry[k], `preference ${k} kept`);
  }
  const audit = await listAudit(ctx.deps.db, s.clinic.id, "waitlist_entry", entry.id);
  assert.ok(audit.some((a) => a.action === "waitlist.entry_returned"));
});

test("vector: injectables from the waitlist, 20 min after booking, 10 h to start → 40000", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const { entry, appointment } = await aWaitlistBooking(s, at(10 * HOUR + 20 * 60_000));
  ctx.clock.advanceMinutes(20);
  await quoteThenConfirm(s, appointment, 40000, "full_charge");
  const still = await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key });
  assert.equal(still.body.status, "BOOKED", "outside the grace period the entry stays booked");
});

test("vector: injectables, not from the waitlist, 23 h 59 min to start → 40000", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const appt = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    serviceId: s.service.id,
    start: at(23 * HOUR + 59 * 60_000),
  });
  await quoteThenConfirm(s, appt, 40000, "full_charge");
});

test("vector: injectables, not from the waitlist, 24 h 00 min to start → 0: cancelled at once, no charge", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24) });
  const res = await cancel(s, appt.id, { by: "patient" });
  assert.equal(res.status, 200);
  assert.equal(res.body.cancelled, true);
  assert.equal(res.body.cancellationFeeCents, 0);
  assert.equal(res.body.gracePeriodActive, false);
  assert.equal(res.body.opening.status, "OPEN");
  assert.deepEqual((await charges(s)).body.items, []);
});

test("vector: facial, 11 h to start → 15000", async () => {
  const s = await aSetup({ category: "facial", priceCents: 15000 });
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(11) });
  await quoteThenConfirm(s, appt, 15000, "full_charge");
});

test("vector: custom policy (15, 50, 48, 24), 30 h to start → 7500", async () => {
  const s = await aSetup({ category: "custom", priceCents: 15000 });
  const patched = await call(ctx, "PATCH", "/api/booking/settings", {
    key: s.clinic.key,
    body: { cancellationPolicies: { custom: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 48, fullChargeHours: 24 } } },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(30) });
  await quoteThenConfirm(s, appt, 7500, "late_notice");
});

test("staff cancellations are free, even an hour before the start", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(1) });
  const res = await cancel(s, appt.id, { by: "staff" });
  assert.equal(res.status, 200);
  assert.equal(res.body.cancelled, true);
  assert.equal(res.body.cancellationFeeCents, 0);
  assert.deepEqual((await charges(s)).body.items, []);
});

test("refilling the freed time waives the PENDING fee in the same transaction, audited", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(5) });
  const cancelled = await quoteThenConfirm(s, appt, 40000, "full_charge");
  const other = await aPatient(ctx, s.clinic, { firstName: "Rae", phone: "+16175550199" });
  ctx.clock.advanceMinutes(30);
  const refill = await anAppointment(ctx, s.clinic, { patientId: other.id, providerId: s.provider.id, serviceId: s.service.id, start: appt.start });
  const opening = await call(ctx, "GET", `/api/booking/openings/${cancelled.opening.id}`, { key: s.clinic.key });
  assert.equal(opening.body.status, "FILLED");
  assert.equal(opening.body.filledAppointmentId, refill.id);

  const listed = (await charges(s)).body.items;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].status, "WAIVED");
  assert.equal(listed[0].updatedAt, inHours(0.5));
  assert.deepEqual((await charges(s, other.id)).body.items, [], "the new patient owes nothing");
  const audit = await listAudit(ctx.deps.db, s.clinic.id, "charge", listed[0].id);
  assert.deepEqual(audit.map((a) => a.action).sort(), ["charge.created", "charge.waived"]);
});

test("a fee not refilled stays PENDING; charges list every fee of the patient, oldest first", async () => {
  const s = await aSetup({ category: "injectables", priceCents: 40000 });
  const a1 = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(3) });
  const a2 = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(6) });
  assert.equal((await cancel(s, a1.id, { by: "patient", confirm: true })).body.cancellationFeeCents, 40000);
  ctx.clock.advanceMinutes(1);
  assert.equal((await cancel(s, a2.id, { by: "patient", confirm: true })).body.cancellationFeeCents, 40000);
  const listed = (await charges(s)).body.items;
  assert.deepEqual(
    listed.map((c: any) => [c.appointmentId, c.status, c.dueAt]),
    [
      [a1.id, "PENDING", a1.start],
      [a2.id, "PENDING", a2.start],
    ],
  );
  const again = await cancel(s, a1.id, { by: "patient", confirm: true });
  assert.equal(again.status, 409, "cancelling twice is a conflict, not a second fee");
  assert.equal((await charges(s)).body.items.length, 2);
});

test("charges of another clinic's patient (or an unknown one) are 404", async () => {
  const a = await aSetup({ category: "injectables", priceCents: 40000 });
  const b = await aSetup({ category: "injectables", priceCents: 40000 });
  const res = await call(ctx, "GET", `/api/booking/patients/${a.patient.id}/charges`, { key: b.clinic.key });
  assert.equal(res.status, 404);
  assert.equal(res.body.code, "not_found");
  const unknown = await call(ctx, "GET", "/api/booking/patients/00000000-0000-4000-8000-000000000000/charges", { key: b.clinic.key });
  assert.equal(unknown.status, 404);
  assert.equal((await charges(a)).status, 200);
});
