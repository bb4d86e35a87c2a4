// The seven endpoints of the Opening Notifications spec (API.md), the strategies, caps and analytics,
// over HTTP on a real database. Time moves only through ctx.clock and runDue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const at = (iso: string) => new Date(iso);
const plus = (d: Date | string, minutes: number) => new Date(new Date(d).getTime() + minutes * 60_000).toISOString();

let phones = 100;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

type Clinic = { id: string; key: string };

/** A clinic (optionally with settings), one provider and one 60-minute service. */
async function aSetup(over: { timezone?: string; settings?: object } = {}) {
  const clinic = await aClinic(ctx, { timezone: over.timezone ?? "America/New_York" });
  if (over.settings) await settings(clinic, over.settings);
  const provider = await aProvider(ctx, clinic, "Dr A");
  const service = await aService(ctx, clinic);
  return { clinic, provider, service };
}

async function settings(clinic: Clinic, body: object) {
  const res = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** A patient (own phone, SMS consent unless overridden) and a waitlist entry for them. */
async function aWaiter(clinic: Clinic, serviceId: string, entry: Record<string, unknown> = {}, patient: Record<string, unknown> = {}) {
  const p = await aPatient(ctx, clinic, { phone: nextPhone(), ...patient });
  const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId, ...entry });
  return { patient: p, entry: e, id: e.id as string };
}

const notify = (clinic: Clinic, entryId: string, body: object) => call(ctx, "POST", `/api/booking/waitlist/${entryId}/notify`, { key: clinic.key, body });
const respond = (clinic: Clinic, offerId: string, response: string) =>
  call(ctx, "PUT", `/api/booking/waitlist/notifications/${offerId}/response`, { key: clinic.key, body: { response } });
const getEntry = async (clinic: Clinic, id: string) => (await call(ctx, "GET", `/api/booking/waitlist/${id}`, { key: clinic.key })).body;

async function offers(clinic: Clinic, query = "") {
  const res = await call(ctx, "GET", `/api/booking/waitlist/notifications${query}`, { key: clinic.key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items as any[];
}
const liveOf = async (clinic: Clinic, slotId: string) => (await offers(clinic, `?slotId=${slotId}`)).filter((o) => o.status === "PENDING");

// ---------------------------------------------------------------- POST /waitlist/:id/notify

test("notify outside quiet hours: 201 PENDING, hold = sentAt + holdMinutes when that ends first", async () => {
  ctx.clock.set(T0); // Monday 09:00 in New York
  const { clinic, provider, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });

  const res = await notify(clinic, w.id, { slotId: slot.id });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const n = res.body;
  assert.equal(n.status, "PENDING");
  assert.equal(n.waitlistEntryId, w.id);
  assert.equal(n.slotId, slot.id);
  assert.equal(n.clinicId, clinic.id);
  assert.equal(n.appointmentSlotStart, inHours(24));
  assert.equal(n.appointmentSlotEnd, inHours(25));
  assert.equal(n.providerId, provider.id);
  assert.equal(n.channel, "SMS");
  assert.equal(n.sentAt, T0.toISOString());
  assert.equal(n.holdExpiresAt, inHours(2), "min(sentAt + 120 min, start − 30 min) = sentAt + 120 min");
  assert.equal(n.holdReleased, false);
  assert.equal(n.response, null);
  assert.equal(typeof n.message, "string");
  assert.equal(n.deliveries.length, 1);
  assert.equal(n.deliveries[0].status, "SENT");
  assert.equal(n.deliveries[0].channel, "SMS");
  const entry = await getEntry(clinic, w.id);
  assert.equal(entry.status, "NOTIFIED");
  assert.equal(entry.notificationCount, 1);
});

test("notify close to the start: the hold ends at start − cutoffMinutes", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  const start = plus(T0, 100);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start, end: plus(T0, 160) });
  const res = await notify(clinic, w.id, { slotId: slot.id });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.status, "PENDING");
  assert.equal(res.body.sentAt, T0.toISOString());
  assert.equal(res.body.holdExpiresAt, plus(T0, 70), "min(sentAt + 120 min, start − 30 min) = start − 30 min");
});

test("notify in the patient's quiet hours: SCHEDULED; the patient's zone wins over the clinic's", async () => {
  ctx.clock.set(at("2026-03-03T13:30:00Z"));
  const { clinic, provider, service } = await aSetup({ timezone: "America/New_York" });
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-04T18:00:00Z", end: "2026-03-04T19:00:00Z" });

  // 08:30 in New York (allowed there) but 05:30 in Los Angeles: quiet for the LA patient.
  ctx.clock.set(at("2026-03-03T13:30:00Z"));
  const la = await aWaiter(clinic, service.id, {}, { timezone: "America/Los_Angeles" });
  const queued = await notify(clinic, la.id, { slotId: slot.id });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  assert.equal(queued.body.status, "SCHEDULED");
  assert.equal(queued.body.sentAt, null);
  assert.equal(queued.body.holdExpiresAt, null);
  assert.equal(queued.body.scheduledFor, "2026-03-03T16:00:00.000Z", "08:00 PST");
  assert.equal(queued.body.deliveries[0].status, "QUEUED");
  assert.equal((await getEntry(clinic, la.id)).status, "NOTIFIED");

  // The other way round: 22:00 in New York (quiet there) is 19:00 in Los Angeles: sent at once.
  const other = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-05T18:00:00Z", end: "2026-03-05T19:00:00Z" });
  ctx.clock.set(at("2026-03-04T03:00:00Z"));
  const la2 = await aWaiter(clinic, service.id, {}, { timezone: "America/Los_Angeles" });
  const sent = await notify(clinic, la2.id, { slotId: other.id });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.status, "PENDING");
  assert.equal(sent.body.sentAt, "2026-03-04T03:00:00.000Z");
});

test("a SCHEDULED notification goes out when the patient's quiet hours end and its hold starts then", async () => {
  ctx.clock.set(at("2026-03-03T13:30:00Z")); // 05:30 in Los Angeles
  const { clinic, provider, service } = await aSetup({ timezone: "America/New_York" });
  const la = await aWaiter(clinic, service.id, {}, { timezone: "America/Los_Angeles" });
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-04T18:00:00Z", end: "2026-03-04T19:00:00Z" });
  const queued = await notify(clinic, la.id, { slotId: slot.id });
  assert.equal(queued.body.status, "SCHEDULED");
  await drain();
  assert.equal((await offers(clinic, `?entryId=${la.id}`))[0].status, "SCHEDULED", "nothing goes out before 08:00 PST");

  ctx.clock.set(at("2026-03-03T16:00:00Z"));
  await drain();
  const [sent] = await offers(clinic, `?entryId=${la.id}`);
  assert.equal(sent.status, "PENDING");
  assert.equal(sent.sentAt, "2026-03-03T16:00:00.000Z");
  assert.equal(sent.holdExpiresAt, "2026-03-03T18:00:00.000Z");
});

test("notify an entry at its cap: 409 max_notifications_reached", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ settings: { maxNotificationsPerEntry: 1, dailyCapPerPatient: 10, weeklyCapPerPatient: 20 } });
  const w = await aWaiter(clinic, service.id);
  const a = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  const b = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(26), end: inHours(27) });
  const first = await notify(clinic, w.id, { slotId: a.id });
  assert.equal(first.status, 201);
  assert.equal((await respond(clinic, first.body.id, "DECLINED")).status, 200);
  assert.equal((await getEntry(clinic, w.id)).status, "EXHAUSTED");

  const again = await notify(clinic, w.id, { slotId: b.id });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "max_notifications_reached");
  assert.match(again.headers["content-type"] as string, /application\/problem\+json/);

  // An ACTIVE entry whose count reached a cap lowered afterwards is at its cap too.
  const { clinic: c2, provider: p2, service: s2 } = await aSetup({ settings: { dailyCapPerPatient: 10, weeklyCapPerPatient: 20 } });
  const w2 = await aWaiter(c2, s2.id);
  const x = await anOpening(ctx, c2, { providerId: p2.id, start: inHours(24), end: inHours(25) });
  const y = await anOpening(ctx, c2, { providerId: p2.id, start: inHours(26), end: inHours(27) });
  const offered = await notify(c2, w2.id, { slotId: x.id });
  await respond(c2, offered.body.id, "DECLINED");
  assert.equal((await getEntry(c2, w2.id)).status, "ACTIVE");
  await settings(c2, { maxNotificationsPerEntry: 1 });
  const capped = await notify(c2, w2.id, { slotId: y.id });
  assert.equal(capped.status, 409);
  assert.equal(capped.body.code, "max_notifications_reached");
});

test("notify for a FILLED opening: 409 slot_filled", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const winner = await aWaiter(clinic, service.id);
  const late = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  const booked = await call(ctx, "POST", `/api/booking/waitlist/${winner.id}/book`, { key: clinic.key, body: { slotId: slot.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));

  const res = await notify(clinic, late.id, { slotId: slot.id });
  assert.equal(res.status, 409);
  assert.equal(res.body.code, "slot_filled");
  assert.equal((await getEntry(clinic, late.id)).notificationCount, 0, "nothing was counted");
});

test("notify with no reachable channel: 422 no_reachable_channel (no consent; or the requested channel unusable)", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });

  const noConsent = await aWaiter(clinic, service.id, {}, { smsConsent: false });
  const refused = await notify(clinic, noConsent.id, { slotId: slot.id });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, "no_reachable_channel");
  assert.equal((await getEntry(clinic, noConsent.id)).status, "ACTIVE");

  const smsOnly = await aWaiter(clinic, service.id); // SMS consent, no email address
  for (const channel of ["EMAIL", "VOICE"]) {
    const res = await notify(clinic, smsOnly.id, { slotId: slot.id, channel });
    assert.equal(res.status, 422, `${channel}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "no_reachable_channel");
  }

  // A usable requested channel is used even when it is not first in the clinic's order.
  const both = await aWaiter(clinic, service.id, {}, { email: "both@example.com", emailConsent: true });
  const byEmail = await notify(clinic, both.id, { slotId: slot.id, channel: "EMAIL" });
  assert.equal(byEmail.status, 201, JSON.stringify(byEmail.body));
  assert.equal(byEmail.body.channel, "EMAIL");
  assert.equal(byEmail.body.deliveries[0].channel, "EMAIL");
});

test("notify: 404 for an unknown slot or entry, or another clinic's", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const other = await aSetup();
  const w = await aWaiter(clinic, service.id);
  const theirs = await aWaiter(other.clinic, other.service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  const theirSlot = await anOpening(ctx, other.clinic, { providerId: other.provider.id, start: inHours(24), end: inHours(25) });
  const unknown = "00000000-0000-4000-8000-000000000000";
  for (const [entryId, slotId] of [
    [w.id, unknown],
    [w.id, theirSlot.id],
    [unknown, slot.id],
    [theirs.id, slot.id],
  ]) {
    const res = await notify(clinic, entryId!, { slotId });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.code, "not_found");
  }
  assert.equal((await getEntry(clinic, w.id)).notificationCount, 0);
});

test("notify when the hold would be under 10 minutes: refused (409 conflict); 10 minutes is enough", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  // Start − cut-off (30) − now = 9 minutes.
  const tooSoon = await anOpening(ctx, clinic, { providerId: provider.id, start: plus(T0, 39), end: plus(T0, 99) });
  const res = await notify(clinic, w.id, { slotId: tooSoon.id });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.code, "conflict");
  assert.equal((await getEntry(clinic, w.id)).status, "ACTIVE");

  const provider2 = await aProvider(ctx, clinic, "Dr B");
  const justEnough = await anOpening(ctx, clinic, { providerId: provider2.id, start: plus(T0, 40), end: plus(T0, 100) });
  const ok = await notify(clinic, w.id, { slotId: justEnough.id });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.holdExpiresAt, plus(T0, 10));
});

test("notify when the patient's quiet hours last past the cut-off: 409 quiet_hours", async () => {
  ctx.clock.set(at("2026-03-03T03:00:00Z")); // 22:00 in New York
  const { clinic, provider, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  // Starts 08:20; the cut-off is 07:50, before quiet hours end at 08:00.
  const early = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-03T13:20:00Z", end: "2026-03-03T14:20:00Z" });
  const res = await notify(clinic, w.id, { slotId: early.id });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.code, "quiet_hours");
  assert.equal((await getEntry(clinic, w.id)).notificationCount, 0);

  // Starting 08:45, the 08:00 send leaves a 15-minute hold: queued.
  const drB = await aProvider(ctx, clinic, "Dr B");
  const later = await anOpening(ctx, clinic, { providerId: drB.id, start: "2026-03-03T13:45:00Z", end: "2026-03-03T14:45:00Z" });
  const queued = await notify(clinic, w.id, { slotId: later.id });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  assert.equal(queued.body.status, "SCHEDULED");
  assert.equal(queued.body.scheduledFor, "2026-03-03T13:00:00.000Z");
});

// ---------------------------------------------------------------- GET /waitlist/match/:slotId

test("match: best first with rank, score and reasons; excludes every entry that does not fit", async () => {
  ctx.clock.set(T0); // Monday 09:00 New York
  const { clinic, provider, service } = await aSetup({ settings: { dailyCapPerPatient: 10, weeklyCapPerPatient: 20 } });
  const drB = await aProvider(ctx, clinic, "Dr B");
  // Tuesday 09:00–10:00 in New York (14:00Z): 24 h of notice.
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" });
  const elsewhere = await anOpening(ctx, clinic, { providerId: drB.id, start: "2026-03-04T14:00:00Z", end: "2026-03-04T15:00:00Z" });

  const best = await aWaiter(clinic, service.id, {
    providerIds: [provider.id],
    windows: [{ weekdays: [2], start: "09:00", end: "12:00" }],
    preferredTime: "09:00",
  });
  const any = await aWaiter(clinic, service.id);
  const utcWindow = await aWaiter(clinic, service.id, { windows: [{ weekdays: [2], start: "14:00", end: "17:00" }] });
  const wrongProvider = await aWaiter(clinic, service.id, { providerIds: [drB.id] });
  const shortNotice = await aWaiter(clinic, service.id, { minNoticeMinutes: 1441 });
  const tooLate = await aWaiter(clinic, service.id, { latestDate: "2026-03-02" });
  const noConsent = await aWaiter(clinic, service.id, {}, { smsConsent: false });
  const capped = await aWaiter(clinic, service.id);

  // `capped` has had one notification (declined): ACTIVE with notificationCount 1.
  const o = await notify(clinic, capped.id, { slotId: elsewhere.id });
  assert.equal(o.status, 201);
  assert.equal((await respond(clinic, o.body.id, "DECLINED")).status, 200);

  const before = await call(ctx, "GET", `/api/booking/waitlist/match/${slot.id}`, { key: clinic.key });
  assert.equal(before.status, 200);
  assert.deepEqual(new Set(before.body.items.map((i: any) => i.entryId)), new Set([best.id, any.id, capped.id]));

  await settings(clinic, { maxNotificationsPerEntry: 1 });
  const res = await call(ctx, "GET", `/api/booking/waitlist/match/${slot.id}`, { key: clinic.key });
  assert.equal(res.status, 200);
  const items = res.body.items;
  assert.deepEqual(
    items.map((i: any) => i.entryId),
    [best.id, any.id],
  );
  assert.deepEqual(
    items.map((i: any) => i.rank),
    [1, 2],
  );
  assert.equal(items[0].patientId, best.patient.id);
  assert.ok(items[0].score > items[1].score);
  assert.ok(items[0].reasons.includes("preferred provider"), items[0].reasons.join(", "));
  assert.ok(items[0].reasons.includes("inside their Tue 09:00–12:00 window"), items[0].reasons.join(", "));
  assert.ok(items[0].reasons.includes("at their preferred time 09:00"), items[0].reasons.join(", "));
  for (const excluded of [utcWindow, wrongProvider, shortNotice, tooLate, noConsent, capped]) {
    assert.ok(!items.some((i: any) => i.entryId === excluded.id));
  }

  const unknown = await call(ctx, "GET", "/api/booking/waitlist/match/00000000-0000-4000-8000-000000000000", { key: clinic.key });
  assert.equal(unknown.status, 404);
});

// ---------------------------------------------------------------- POST /waitlist/notify-matches

test("notify-matches: one live offer per patient across all slots; the rest and FILLED slots are listed as skipped", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const drB = await aProvider(ctx, clinic, "Dr B");
  const s1 = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  const s2 = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(28), end: inHours(29) });
  const filled = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(30), end: inHours(31) });
  const first = await aWaiter(clinic, service.id, { priority: "urgent" }); // best for both slots
  const second = await aWaiter(clinic, service.id);
  const taker = await aWaiter(clinic, service.id, { providerIds: [drB.id], latestDate: "2026-03-01" }); // fits nothing
  assert.equal((await call(ctx, "POST", `/api/booking/waitlist/${taker.id}/book`, { key: clinic.key, body: { slotId: filled.id } })).status, 201);

  const res = await call(ctx, "POST", "/api/booking/waitlist/notify-matches", { key: clinic.key, body: { slotIds: [s1.id, s2.id, filled.id] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // Slots are taken in id order (a stable lock order); the first one goes to the best candidate.
  const [firstSlot, secondSlot] = [s1.id, s2.id].sort();
  const bySlot = Object.fromEntries(res.body.notifications.map((n: any) => [n.slotId, n]));
  assert.equal(res.body.notifications.length, 2);
  assert.equal(bySlot[firstSlot!].waitlistEntryId, first.id);
  assert.equal(bySlot[secondSlot!].waitlistEntryId, second.id);
  for (const n of res.body.notifications) assert.equal(n.status, "PENDING");
  assert.deepEqual(
    res.body.skipped.filter((s: any) => s.slotId === secondSlot),
    [{ entryId: first.id, slotId: secondSlot, reason: "patient_has_live_offer" }],
  );
  assert.deepEqual(
    res.body.skipped.filter((s: any) => s.slotId === filled.id),
    [{ entryId: null, slotId: filled.id, reason: "slot_filled" }],
  );
  const live = await offers(clinic, "?status=PENDING");
  assert.equal(live.length, 2);
  assert.equal(new Set(live.map((o) => o.waitlistEntryId)).size, 2);

  const unknown = await call(ctx, "POST", "/api/booking/waitlist/notify-matches", {
    key: clinic.key,
    body: { slotIds: ["00000000-0000-4000-8000-000000000000"] },
  });
  assert.equal(unknown.status, 404);
});

// ---------------------------------------------------------------- POST /waitlist/:id/book

test("book: 201 WAITLIST appointment, other entries for the service resolved; a second booking → 409 slot_filled with the VECTORS alternatives", async () => {
  ctx.clock.set(at("2026-03-04T16:00:00Z")); // Wednesday 11:00 in New York
  const { clinic, provider: drA, service } = await aSetup();
  const drB = await aProvider(ctx, clinic, "Dr B");
  const drC = await aProvider(ctx, clinic, "Dr C");
  const other = await aService(ctx, clinic, { name: "Whitening", category: "cosmetic" });
  const slot = (start: string, providerId: string) => anOpening(ctx, clinic, { providerId, start, end: plus(start, 60) });
  const original = await slot("2026-03-05T15:00:00Z", drA.id); // Thu 10:00, Dr A
  const thu1300A = await slot("2026-03-05T18:00:00Z", drA.id);
  const thu1030C = await slot("2026-03-05T15:30:00Z", drC.id);
  const thu1645A = await slot("2026-03-05T21:45:00Z", drA.id);
  await slot("2026-03-06T15:00:00Z", drB.id); // Fri 10:00, Dr B: 90, fourth

  const w1 = await aWaiter(clinic, service.id);
  const sameService = await anEntry(ctx, clinic, { patientId: w1.patient.id, serviceId: service.id, providerIds: [drC.id] });
  const otherService = await anEntry(ctx, clinic, { patientId: w1.patient.id, serviceId: other.id });
  const w2 = await aWaiter(clinic, service.id, {
    providerIds: [drB.id],
    windows: [{ weekdays: [4], start: "09:00", end: "17:00" }],
    preferredTime: "13:00",
  });

  const booked = await call(ctx, "POST", `/api/booking/waitlist/${w1.id}/book`, { key: clinic.key, body: { slotId: original.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const appt = booked.body.appointment;
  assert.equal(appt.source, "WAITLIST");
  assert.equal(appt.fromWaitlistEntryId, w1.id);
  assert.equal(appt.patientId, w1.patient.id);
  assert.equal(appt.providerId, drA.id);
  assert.equal(appt.serviceId, service.id);
  assert.equal(appt.start, "2026-03-05T15:00:00.000Z");
  assert.equal(appt.end, "2026-03-05T16:00:00.000Z");
  assert.equal(appt.status, "BOOKED");
  const opening = await call(ctx, "GET", `/api/booking/openings/${original.id}`, { key: clinic.key });
  assert.equal(opening.body.status, "FILLED");
  assert.equal(opening.body.filledAppointmentId, appt.id);
  const e1 = await getEntry(clinic, w1.id);
  assert.equal(e1.status, "BOOKED");
  assert.equal(e1.bookedAppointmentId, appt.id);
  assert.equal((await getEntry(clinic, sameService.id)).status, "BOOKED", "the patient's other entry for the service is resolved");
  assert.equal((await getEntry(clinic, otherService.id)).status, "ACTIVE", "an entry for another service stays");

  const second = await call(ctx, "POST", `/api/booking/waitlist/${w2.id}/book`, { key: clinic.key, body: { slotId: original.id } });
  assert.equal(second.status, 409);
  assert.equal(second.body.code, "slot_filled");
  const alts = second.body.alternatives;
  assert.deepEqual(
    alts.map((a: any) => [a.slotId, a.matchScore]),
    [
      [thu1300A.id, 165],
      [thu1030C.id, 140],
      [thu1645A.id, 140],
    ],
  );
  assert.equal(alts[0].providerName, "Dr A");
  assert.equal(alts[0].start, "2026-03-05T18:00:00.000Z");
  assert.equal(alts[0].end, "2026-03-05T19:00:00.000Z");
  assert.deepEqual(alts[0].matchReasons, ["same practitioner", "3 h away", "same day", "in window", "preferred time"]);
  assert.deepEqual(alts[1].matchReasons, ["0 whole hours away", "same day", "in window"]);
  assert.deepEqual(alts[2].matchReasons, ["same practitioner", "6 h away (capped)", "same day", "in window"]);
  assert.equal((await getEntry(clinic, w2.id)).status, "ACTIVE");

  const unknown = await call(ctx, "POST", `/api/booking/waitlist/${w2.id}/book`, {
    key: clinic.key,
    body: { slotId: "00000000-0000-4000-8000-000000000000" },
  });
  assert.equal(unknown.status, 404);
});

// ---------------------------------------------------------------- GET /notifications, PUT /response

test("notifications list: status, entryId and slotId filters; cursor pagination", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const made = [];
  for (let i = 0; i < 3; i++) {
    const w = await aWaiter(clinic, service.id);
    const s = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24 + 2 * i), end: inHours(25 + 2 * i) });
    const n = await notify(clinic, w.id, { slotId: s.id });
    assert.equal(n.status, 201);
    made.push({ entry: w.id, slot: s.id, offer: n.body.id as string });
    ctx.clock.advanceMinutes(1);
  }
  assert.equal((await respond(clinic, made[1]!.offer, "DECLINED")).status, 200);
  const ids = (items: any[]) => items.map((o) => o.id);

  assert.deepEqual(
    ids(await offers(clinic)),
    made.map((m) => m.offer),
  );
  assert.deepEqual(ids(await offers(clinic, "?status=PENDING")), [made[0]!.offer, made[2]!.offer]);
  assert.deepEqual(ids(await offers(clinic, "?status=DECLINED")), [made[1]!.offer]);
  assert.deepEqual(ids(await offers(clinic, `?entryId=${made[2]!.entry}`)), [made[2]!.offer]);
  assert.deepEqual(ids(await offers(clinic, `?slotId=${made[0]!.slot}`)), [made[0]!.offer]);
  assert.deepEqual(ids(await offers(clinic, `?status=DECLINED&slotId=${made[0]!.slot}`)), []);

  const page1 = await call(ctx, "GET", "/api/booking/waitlist/notifications?limit=2", { key: clinic.key });
  assert.deepEqual(ids(page1.body.items), [made[0]!.offer, made[1]!.offer]);
  assert.equal(typeof page1.body.nextCursor, "string");
  const page2 = await call(ctx, "GET", `/api/booking/waitlist/notifications?limit=2&cursor=${page1.body.nextCursor}`, { key: clinic.key });
  assert.deepEqual(ids(page2.body.items), [made[2]!.offer]);
  assert.equal(page2.body.nextCursor, null);

  const bad = await call(ctx, "GET", "/api/booking/waitlist/notifications?status=MAYBE", { key: clinic.key });
  assert.equal(bad.status, 422);
  const other = await aSetup();
  assert.deepEqual(await offers(other.clinic), [], "another clinic sees none of them");
});

test("PUT response ACCEPTED books the slot (200); DECLINED moves the opening to the next wave", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const first = await aWaiter(clinic, service.id, { priority: "urgent" });
  const second = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const [o1] = await liveOf(clinic, slot.id);
  assert.equal(o1.waitlistEntryId, first.id);

  ctx.clock.advanceMinutes(5);
  const declined = await respond(clinic, o1.id, "DECLINED");
  assert.equal(declined.status, 200, JSON.stringify(declined.body));
  assert.equal(declined.body.status, "DECLINED");
  assert.equal(declined.body.response, "DECLINED");
  assert.equal(declined.body.respondedAt, plus(T0, 5));
  assert.equal(declined.body.holdReleased, true);
  assert.equal((await getEntry(clinic, first.id)).status, "ACTIVE");
  assert.equal((await respond(clinic, o1.id, "DECLINED")).status, 200, "repeating a decline changes nothing");

  await drain();
  const [o2] = await liveOf(clinic, slot.id);
  assert.equal(o2.waitlistEntryId, second.id);
  assert.equal(o2.wave, 2);
  assert.equal(o2.sentAt, plus(T0, 5));

  ctx.clock.advanceMinutes(10);
  const accepted = await respond(clinic, o2.id, "ACCEPTED");
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.status, "ACCEPTED");
  assert.equal(accepted.body.response, "ACCEPTED");
  assert.equal(typeof accepted.body.bookedAppointmentId, "string");
  const appt = await call(ctx, "GET", `/api/booking/appointments/${accepted.body.bookedAppointmentId}`, { key: clinic.key });
  assert.equal(appt.body.source, "WAITLIST");
  assert.equal(appt.body.fromWaitlistEntryId, second.id);
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${slot.id}`, { key: clinic.key })).body.status, "FILLED");
  assert.equal((await getEntry(clinic, second.id)).status, "BOOKED");

  const missing = await respond(clinic, "00000000-0000-4000-8000-000000000000", "ACCEPTED");
  assert.equal(missing.status, 404);
  const invalid = await respond(clinic, o2.id, "MAYBE");
  assert.equal(invalid.status, 422);
});

test("PUT response on an expired offer: 410 offer_expired (before and after the expiry sweep)", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const w = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const [offer] = await liveOf(clinic, slot.id);
  assert.equal(offer.holdExpiresAt, inHours(2));

  ctx.clock.set(at(inHours(2))); // the hold has just ended; nothing has swept it yet
  const late = await respond(clinic, offer.id, "ACCEPTED");
  assert.equal(late.status, 410, JSON.stringify(late.body));
  assert.equal(late.body.code, "offer_expired");
  assert.ok(Array.isArray(late.body.alternatives));

  await drain();
  const [expired] = await offers(clinic, `?entryId=${w.id}`);
  assert.equal(expired.status, "EXPIRED");
  const declined = await respond(clinic, offer.id, "DECLINED");
  assert.equal(declined.status, 410);
  assert.equal(declined.body.code, "offer_expired");
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${slot.id}`, { key: clinic.key })).body.status, "OPEN");
});

// ---------------------------------------------------------------- strategies

test("broadcast with waveSize 3 sends 3 offers at once; the first to accept wins, the others are withdrawn", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ settings: { strategy: "broadcast", waveSize: 3 } });
  const ws = [];
  for (let i = 0; i < 4; i++) ws.push(await aWaiter(clinic, service.id, { priority: i < 3 ? "high" : "normal" }));
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const live = await liveOf(clinic, slot.id);
  assert.equal(live.length, 3);
  assert.deepEqual(new Set(live.map((o) => o.waitlistEntryId)), new Set(ws.slice(0, 3).map((w) => w.id)));
  for (const o of live) {
    assert.equal(o.wave, 1);
    assert.equal(o.sentAt, T0.toISOString());
    assert.equal(o.holdExpiresAt, inHours(2));
  }
  assert.equal((await getEntry(clinic, ws[3]!.id)).status, "ACTIVE");

  ctx.clock.advanceMinutes(3);
  assert.equal((await respond(clinic, live[1].id, "ACCEPTED")).status, 200);
  const after = await offers(clinic, `?slotId=${slot.id}`);
  assert.deepEqual(after.map((o) => o.status).sort(), ["ACCEPTED", "WITHDRAWN", "WITHDRAWN"]);
  const loser = await respond(clinic, live[0].id, "ACCEPTED");
  assert.equal(loser.status, 409);
  assert.equal(loser.body.code, "slot_filled");
});

test("sequential sends one offer, and the next only after a decline", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ settings: { strategy: "sequential", waveSize: 3 } });
  const a = await aWaiter(clinic, service.id, { priority: "high" });
  const b = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const first = await liveOf(clinic, slot.id);
  assert.equal(first.length, 1, "waveSize does not apply to sequential");
  assert.equal(first[0].waitlistEntryId, a.id);
  assert.equal(first[0].holdExpiresAt, inHours(2));

  ctx.clock.advanceMinutes(30);
  await drain();
  assert.equal((await liveOf(clinic, slot.id)).length, 1, "nothing more while the hold runs");
  await respond(clinic, first[0].id, "DECLINED");
  await drain();
  const next = await liveOf(clinic, slot.id);
  assert.equal(next.length, 1);
  assert.equal(next[0].waitlistEntryId, b.id);
  assert.equal(next[0].holdExpiresAt, plus(T0, 150));
});

test("adaptive: one full hold far from the start; near the start bigger waves with shorter holds", async () => {
  ctx.clock.set(T0);
  const { clinic, provider: far, service } = await aSetup({ settings: { strategy: "adaptive" } });
  const near = await aProvider(ctx, clinic, "Dr Near");
  for (let i = 0; i < 3; i++) await aWaiter(clinic, service.id, { providerIds: [far.id] });
  for (let i = 0; i < 5; i++) await aWaiter(clinic, service.id, { providerIds: [near.id] });
  const farSlot = await anOpening(ctx, clinic, { providerId: far.id, start: inHours(24), end: inHours(25) });
  // 90 minutes away with a 30-minute cut-off: 60 minutes to find someone among 5.
  const nearSlot = await anOpening(ctx, clinic, { providerId: near.id, start: plus(T0, 90), end: plus(T0, 150) });
  await drain();

  const farLive = await liveOf(clinic, farSlot.id);
  assert.equal(farLive.length, 1, "time enough for everyone in turn: sequential");
  assert.equal(farLive[0].holdExpiresAt, inHours(2));

  const wave1 = await liveOf(clinic, nearSlot.id);
  assert.equal(wave1.length, 2, "5 candidates in 4 rounds of 15 minutes: 2 at a time");
  for (const o of wave1) assert.equal(o.holdExpiresAt, plus(T0, 15));

  ctx.clock.advanceMinutes(15);
  await drain();
  const wave2 = await liveOf(clinic, nearSlot.id);
  assert.equal(wave2.length, 2, "the second wave is at least 2");
  for (const o of wave2) {
    assert.equal(o.wave, 2);
    assert.equal(o.holdExpiresAt, plus(T0, 30));
  }
  assert.ok(wave2.every((o) => !wave1.some((p) => p.waitlistEntryId === o.waitlistEntryId)));
});

// ---------------------------------------------------------------- caps

test("dailyCapPerPatient 1: a patient who declined gets no other opening that day, but does after 24 h", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ settings: { dailyCapPerPatient: 1 } });
  const w = await aWaiter(clinic, service.id);
  const a = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(48), end: inHours(49) });
  await drain();
  const [offer] = await liveOf(clinic, a.id);
  assert.equal(offer.waitlistEntryId, w.id);
  ctx.clock.advanceMinutes(10);
  await respond(clinic, offer.id, "DECLINED");

  const b = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(50), end: inHours(51) });
  await drain();
  assert.equal((await liveOf(clinic, b.id)).length, 0);
  const match = await call(ctx, "GET", `/api/booking/waitlist/match/${b.id}`, { key: clinic.key });
  assert.deepEqual(match.body.items, [], "at the daily cap");
  const byHand = await notify(clinic, w.id, { slotId: b.id });
  assert.equal(byHand.status, 409, "the cap binds staff too");
  assert.equal(byHand.body.code, "max_notifications_reached");

  const c = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(52), end: inHours(53) });
  ctx.clock.set(at(inHours(23)));
  await drain();
  assert.equal((await liveOf(clinic, c.id)).length, 0, "23 h later: still within the rolling day");

  ctx.clock.set(at(plus(T0, 24 * 60 + 1))); // a day after the offer (made at T0)
  await drain();
  const later = await liveOf(clinic, c.id);
  assert.equal(later.length, 1);
  assert.equal(later[0].waitlistEntryId, w.id);
});

// ---------------------------------------------------------------- analytics

test("conversion analytics for a known scenario, from/to filtering, and 403 without booking:view_analytics", async () => {
  ctx.clock.set(T0);
  const { clinic, provider: drA, service } = await aSetup();
  const drB = await aProvider(ctx, clinic, "Dr B");
  const p1 = await aWaiter(clinic, service.id, { providerIds: [drA.id], priority: "high" });
  const p2 = await aWaiter(clinic, service.id, { providerIds: [drA.id] });
  const _p3 = await aWaiter(clinic, service.id, { providerIds: [drB.id] }, { phone: null, smsConsent: false, email: "p3@example.com", emailConsent: true });
  const o1 = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  const o2 = await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(24), end: inHours(25) });
  await drain(); // T0: o1 → p1 (SMS), o2 → p3 (EMAIL)

  const [first] = await liveOf(clinic, o1.id);
  assert.equal(first.waitlistEntryId, p1.id);
  const [emailed] = await liveOf(clinic, o2.id);
  assert.equal(emailed.channel, "EMAIL");
  const outbox = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(p1.patient.phone)}`, { key: clinic.key });
  const delivered = await call(ctx, "POST", `/api/dev/outbox/${outbox.body.items[0].id}/status`, { key: clinic.key, body: { status: "DELIVERED" } });
  assert.equal(delivered.status, 200);

  ctx.clock.set(at(plus(T0, 10)));
  await respond(clinic, first.id, "DECLINED");
  await drain(); // T0 + 10: o1 → p2
  const [second] = await liveOf(clinic, o1.id);
  assert.equal(second.waitlistEntryId, p2.id);
  ctx.clock.set(at(plus(T0, 45)));
  assert.equal((await respond(clinic, second.id, "ACCEPTED")).status, 200);
  ctx.clock.set(at(plus(T0, 50)));
  await drain();

  const stats = await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion", { key: clinic.key });
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  const s = stats.body;
  assert.equal(s.offers, 3);
  assert.equal(s.accepted, 1);
  assert.equal(s.conversionRate, 0.3333);
  assert.equal(s.medianResponseMinutes, 22.5, "p1 answered after 10 min, p2 after 35");
  assert.deepEqual(s.byChannel, [
    { channel: "EMAIL", sent: 1, delivered: 0, offersReached: 1, accepted: 0, conversionRate: 0 },
    { channel: "SMS", sent: 2, delivered: 1, offersReached: 2, accepted: 1, conversionRate: 0.5 },
  ]);
  assert.equal(s.openings, 2);
  assert.equal(s.filled, 1);
  assert.equal(s.fillRate, 0.5);
  assert.equal(s.medianTimeToFillMinutes, 45);
  assert.equal(s.revenueRecoveredCents, 15000);
  assert.equal(s.to, plus(T0, 50).replace(".000Z", ".001Z"), "by default up to and including now");

  // Only what happened in [from, to): here the second offer (made at T0 + 10) and the booking.
  const q = `?from=${encodeURIComponent(plus(T0, 5))}&to=${encodeURIComponent(plus(T0, 60))}`;
  const window = (await call(ctx, "GET", `/api/booking/waitlist/analytics/conversion${q}`, { key: clinic.key })).body;
  assert.equal(window.from, plus(T0, 5));
  assert.equal(window.to, plus(T0, 60));
  assert.equal(window.offers, 1);
  assert.equal(window.accepted, 1);
  assert.equal(window.conversionRate, 1);
  assert.equal(window.openings, 0, "openings count by when they appeared");
  assert.equal(window.filled, 0);
  assert.equal(window.fillRate, 0);
  assert.equal(window.revenueRecoveredCents, 15000, "revenue counts by when it was booked");
  const before = (await call(ctx, "GET", `/api/booking/waitlist/analytics/conversion?to=${encodeURIComponent(T0.toISOString())}`, { key: clinic.key })).body;
  assert.equal(before.offers, 0);
  assert.equal(before.openings, 0);
  assert.equal(before.revenueRecoveredCents, 0);
  const backwards = await call(
    ctx,
    "GET",
    `/api/booking/waitlist/analytics/conversion?from=${encodeURIComponent(inHours(2))}&to=${encodeURIComponent(inHours(1))}`,
    { key: clinic.key },
  );
  assert.equal(backwards.status, 422);

  const issued = await call(ctx, "POST", "/api/booking/api-keys", { key: clinic.key, body: { name: "desk", permissions: ["booking:manage_waitlist"] } });
  assert.equal(issued.status, 201);
  const forbidden = await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion", { key: issued.body.apiKey });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.code, "forbidden");
  const analyst = await call(ctx, "POST", "/api/booking/api-keys", { key: clinic.key, body: { name: "bi", permissions: ["booking:view_analytics"] } });
  assert.equal((await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion", { key: analyst.body.apiKey })).status, 200);
  assert.equal((await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion")).status, 401);
});

// ---------------------------------------------------------------- GET /openings/:id

test("GET /openings/:id includes its offers with their delivery trails", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const a = await aWaiter(clinic, service.id, { priority: "high" });
  const b = await aWaiter(clinic, service.id);
  const slot = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const outbox = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(a.patient.phone)}`, { key: clinic.key });
  ctx.clock.advanceMinutes(1);
  await call(ctx, "POST", `/api/dev/outbox/${outbox.body.items[0].id}/status`, { key: clinic.key, body: { status: "DELIVERED" } });
  ctx.clock.advanceMinutes(1);
  const [first] = await liveOf(clinic, slot.id);
  await respond(clinic, first.id, "DECLINED");
  await drain();

  const res = await call(ctx, "GET", `/api/booking/openings/${slot.id}`, { key: clinic.key });
  assert.equal(res.status, 200);
  assert.equal(res.body.id, slot.id);
  assert.equal(res.body.status, "OPEN");
  assert.equal(res.body.waveCount, 2);
  assert.deepEqual(
    res.body.offers.map((o: any) => [o.waitlistEntryId, o.status]),
    [
      [a.id, "DECLINED"],
      [b.id, "PENDING"],
    ],
  );
  const [d1] = res.body.offers[0].deliveries;
  assert.equal(d1.id, outbox.body.items[0].deliveryId);
  assert.equal(d1.channel, "SMS");
  assert.equal(d1.status, "DELIVERED");
  assert.equal(d1.attemptCount, 1);
  assert.equal(d1.sentAt, T0.toISOString());
  assert.equal(d1.deliveredAt, plus(T0, 1));
  assert.match(d1.providerMessageId, /^outbox:/);
  assert.equal(d1.failureReason, null);
  assert.equal(res.body.offers[1].deliveries[0].status, "SENT");
  assert.equal(res.body.offers[1].deliveries[0].sentAt, plus(T0, 2));

  const other = await aSetup();
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${slot.id}`, { key: other.clinic.key })).status, 404);
});
