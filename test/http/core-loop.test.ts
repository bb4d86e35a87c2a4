import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anAppointment, anEntry, aPatient, aProvider, aService, call, inHours, T0, testApp, type TestContext } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());

async function outbox(ctx: TestContext, key: string, to?: string) {
  const res = await call(ctx, "GET", `/api/dev/outbox${to ? `?to=${encodeURIComponent(to)}` : ""}`, { key });
  assert.equal(res.status, 200);
  return res.body.items as { id: string; body: string; links: string[]; to: string; channel: string }[];
}

const tokenOf = (link: string) => link.split("/o/")[1]!;

async function _setting(key: string, body: object) {
  const res = await call(ctx, "PATCH", "/api/booking/settings", { key, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test("cancel → offer to the best match → hold expires → next in line → accept books exactly once", async () => {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const urgent = await aPatient(ctx, clinic, { firstName: "Uma", phone: "+16175550101" });
  const normal = await aPatient(ctx, clinic, { firstName: "Nat", phone: "+16175550102" });
  const holder = await aPatient(ctx, clinic, { firstName: "Hal", phone: "+16175550103" });
  const eNormal = await anEntry(ctx, clinic, { patientId: normal.id, serviceId: service.id });
  const eUrgent = await anEntry(ctx, clinic, { patientId: urgent.id, serviceId: service.id, priority: "urgent" });
  const appt = await anAppointment(ctx, clinic, { patientId: holder.id, providerId: provider.id, serviceId: service.id, start: inHours(24) });

  const match0 = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/cancel`, { key: clinic.key, body: { by: "patient" } });
  assert.equal(match0.status, 200);
  const slotId = match0.body.opening.id;

  const match = await call(ctx, "GET", `/api/booking/waitlist/match/${slotId}`, { key: clinic.key });
  assert.deepEqual(
    match.body.items.map((i: any) => i.entryId),
    [eUrgent.id, eNormal.id],
  );
  assert.ok(match.body.items[0].reasons.includes("urgent priority"));
  assert.ok(match.body.items[0].score > match.body.items[1].score);

  await drain();
  const first = await outbox(ctx, clinic.key);
  assert.equal(first.length, 1);
  assert.equal(first[0]!.to, "+16175550101");
  assert.equal(first[0]!.channel, "SMS");
  assert.match(first[0]!.body, /^Test Clinic: an appointment opened up /);
  assert.doesNotMatch(first[0]!.body, /Cleaning|Dr\./, "no service or provider in the message");

  const n1 = await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${slotId}`, { key: clinic.key });
  assert.equal(n1.body.items.length, 1);
  const offer1 = n1.body.items[0];
  assert.equal(offer1.status, "PENDING");
  assert.equal(offer1.waitlistEntryId, eUrgent.id);
  assert.equal(offer1.sentAt, T0.toISOString());
  assert.equal(offer1.holdExpiresAt, inHours(2));
  assert.equal(offer1.deliveries[0].status, "SENT");
  const entryU = await call(ctx, "GET", `/api/booking/waitlist/${eUrgent.id}`, { key: clinic.key });
  assert.equal(entryU.body.status, "NOTIFIED");
  assert.equal(entryU.body.notificationCount, 1);

  // Opening the link reads only.
  const token1 = tokenOf(first[0]!.links[0]!);
  for (let i = 0; i < 3; i++) {
    const view = await call(ctx, "GET", `/api/public/offers/${token1}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.status, "PENDING");
    assert.equal(view.body.slot.clinicName, "Test Clinic");
  }
  const page = await call(ctx, "GET", `/o/${token1}`);
  assert.equal(page.status, 200);
  assert.match(String(page.body), /Book this time/);

  // The hold runs out; the next wave goes to the next in line.
  ctx.clock.advanceMinutes(121);
  await drain();
  const n2 = await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${slotId}`, { key: clinic.key });
  const byEntry = Object.fromEntries(n2.body.items.map((o: any) => [o.waitlistEntryId, o]));
  assert.equal(byEntry[eUrgent.id].status, "EXPIRED");
  assert.equal(byEntry[eUrgent.id].response, "NO_RESPONSE");
  assert.equal(byEntry[eNormal.id].status, "PENDING");
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${eUrgent.id}`, { key: clinic.key })).body.status, "ACTIVE");

  const late = await call(ctx, "POST", `/api/public/offers/${token1}/accept`);
  assert.equal(late.status, 410);
  assert.equal(late.body.code, "offer_expired");
  assert.ok(Array.isArray(late.body.alternatives));

  const second = await outbox(ctx, clinic.key, "+16175550102");
  const token2 = tokenOf(second[0]!.links[0]!);
  const accepted = await call(ctx, "POST", `/api/public/offers/${token2}/accept`);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.status, "ACCEPTED");
  const again = await call(ctx, "POST", `/api/public/offers/${token2}/accept`);
  assert.deepEqual(again.body, accepted.body, "repeating an accept returns the same answer");

  const opening = await call(ctx, "GET", `/api/booking/openings/${slotId}`, { key: clinic.key });
  assert.equal(opening.body.status, "FILLED");
  assert.equal(opening.body.filledAppointmentId, accepted.body.appointmentId);
  const booked = await call(ctx, "GET", `/api/booking/appointments/${accepted.body.appointmentId}`, { key: clinic.key });
  assert.equal(booked.body.source, "WAITLIST");
  assert.equal(booked.body.fromWaitlistEntryId, eNormal.id);
  assert.equal(booked.body.patientId, normal.id);
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${eNormal.id}`, { key: clinic.key })).body.status, "BOOKED");

  await drain();
  const confirmation = await outbox(ctx, clinic.key, "+16175550102");
  assert.equal(confirmation.length, 2);
  assert.match(confirmation[1]!.body, /you're booked/);

  const stats = await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion", { key: clinic.key });
  assert.equal(stats.status, 200);
  assert.equal(stats.body.offers, 2);
  assert.equal(stats.body.accepted, 1);
  assert.equal(stats.body.conversionRate, 0.5);
  assert.equal(stats.body.filled, 1);
  assert.equal(stats.body.revenueRecoveredCents, 15000);
});

test("in the patient's quiet hours the offer is SCHEDULED and goes out at 08:00 their time", async () => {
  ctx.clock.set(new Date("2026-03-03T03:30:00Z")); // 22:30 in New York (EST)
  const clinic = await aClinic(ctx);
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const p = await aPatient(ctx, clinic, { phone: "+16175550111" });
  const entry = await anEntry(ctx, clinic, { patientId: p.id, serviceId: service.id });
  const opening = await call(ctx, "POST", "/api/booking/openings", {
    key: clinic.key,
    body: { providerId: provider.id, start: "2026-03-03T19:00:00Z", end: "2026-03-03T20:00:00Z" },
  });
  assert.equal(opening.status, 201);
  const notified = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/notify`, { key: clinic.key, body: { slotId: opening.body.id } });
  assert.equal(notified.status, 201, JSON.stringify(notified.body));
  assert.equal(notified.body.status, "SCHEDULED");
  assert.equal(notified.body.holdExpiresAt, null);
  await drain();
  assert.equal((await outbox(ctx, clinic.key, "+16175550111")).length, 0);

  ctx.clock.set(new Date("2026-03-03T13:00:00Z")); // 08:00 EST
  await drain();
  const sent = await outbox(ctx, clinic.key, "+16175550111");
  assert.equal(sent.length, 1);
  const n = await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entry.id}`, { key: clinic.key });
  assert.equal(n.body.items[0].status, "PENDING");
  assert.equal(n.body.items[0].sentAt, "2026-03-03T13:00:00.000Z");
  assert.equal(n.body.items[0].holdExpiresAt, "2026-03-03T15:00:00.000Z");
});
