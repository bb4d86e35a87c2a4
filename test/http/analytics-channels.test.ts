// Conversion by channel after fallbacks, and fairness (issue 10 §5): each channel counts its own
// deliveries; a booking counts for the channel whose reply, keypress or link the patient used; a
// notification's channel is the one that reached the patient. Over HTTP on a real database; time
// moves only through ctx.clock and runDue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { voiceTwiml } from "../../src/flows/voice-call.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";
import { loggedIn } from "../harness/staff.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
type Clinic = { id: string; key: string };

let phones = 300;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function aSetup(settings: object = {}) {
  const clinic = await aClinic(ctx);
  const res = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: settings });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { clinic, provider: await aProvider(ctx, clinic), service: await aService(ctx, clinic) };
}

async function outbox(clinic: Clinic, to: string) {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key: clinic.key });
  assert.equal(res.status, 200);
  return res.body.items as { id: string; channel: string; links: string[] }[];
}

const analytics = async (clinic: Clinic) => {
  const res = await call(ctx, "GET", "/api/booking/waitlist/analytics/conversion", { key: clinic.key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const notificationsOf = async (clinic: Clinic, entryId: string) =>
  (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entryId}`, { key: clinic.key })).body.items as any[];

test("a booking through the fallback email's link counts for EMAIL; the failed text counts for SMS; the notification's channel is EMAIL", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ channelOrder: ["SMS", "EMAIL"], fallbackDelayMinutes: 2 });
  const email = "fallback@example.com";
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone, smsConsent: true, email, emailConsent: true });
  const entry = await anEntry(ctx, clinic, { patientId: patient.id, serviceId: service.id });
  await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const [text] = await outbox(clinic, phone);
  assert.equal(text?.channel, "SMS");
  const failed = await call(ctx, "POST", `/api/dev/outbox/${text!.id}/status`, { key: clinic.key, body: { status: "UNDELIVERED", errorCode: "30003" } });
  assert.equal(failed.status, 200);
  ctx.clock.set(later(2));
  await drain();
  const [mail] = await outbox(clinic, email);
  assert.equal(mail?.channel, "EMAIL", "the offer fell back to email");
  const token = mail!.links[0]!.split("/o/")[1]!;
  const accepted = await call(ctx, "POST", `/api/public/offers/${token}/accept`, {});
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

  const [offer] = await notificationsOf(clinic, entry.id);
  assert.equal(offer.status, "ACCEPTED");
  assert.equal(offer.channel, "EMAIL", "the channel that reached the patient, not the first planned");
  assert.deepEqual(
    offer.deliveries.map((d: any) => [d.channel, d.status]),
    [
      ["SMS", "UNDELIVERED"],
      ["EMAIL", "SENT"],
    ],
  );
  const a = await analytics(clinic);
  assert.equal(a.offers, 1);
  assert.equal(a.accepted, 1);
  assert.deepEqual(a.byChannel, [
    { channel: "EMAIL", sent: 1, delivered: 0, offersReached: 1, accepted: 1, conversionRate: 1 },
    { channel: "SMS", sent: 1, delivered: 0, offersReached: 0, accepted: 0, conversionRate: 0 },
  ]);
});

test("an SMS YES counts for SMS, a keypress for VOICE, and a yes staff record for the last message that reached the patient", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup({ channelOrder: ["SMS", "EMAIL", "VOICE"] });
  const texter = await aPatient(ctx, clinic, { phone: nextPhone(), smsConsent: true });
  const caller = await aPatient(ctx, clinic, { phone: nextPhone(), smsConsent: false, voiceConsent: true, preferredChannel: "VOICE" });
  const mailer = await aPatient(ctx, clinic, { phone: null, smsConsent: false, email: "desk@example.com", emailConsent: true });
  const entries = [];
  for (const [i, p] of [texter, caller, mailer].entries()) {
    const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId: service.id });
    await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24 + 2 * i), end: inHours(25 + 2 * i) });
    entries.push(e);
  }
  await drain();
  const [textOffer] = await notificationsOf(clinic, entries[0].id);
  const [callOffer] = await notificationsOf(clinic, entries[1].id);
  const [mailOffer] = await notificationsOf(clinic, entries[2].id);
  assert.deepEqual(
    [textOffer, callOffer, mailOffer].map((o) => [o.status, o.channel]),
    [
      ["PENDING", "SMS"],
      ["PENDING", "VOICE"],
      ["PENDING", "EMAIL"],
    ],
  );
  ctx.clock.set(later(5));
  const yes = await call(ctx, "POST", "/api/dev/inbound-sms", { key: clinic.key, body: { from: texter.phone, body: "YES" } });
  assert.equal(yes.body.action, "accepted", JSON.stringify(yes.body));
  const twiml = await voiceTwiml(ctx.deps, callOffer.deliveries[0].id, { answeredBy: "human", digits: "1", step: "gather", machine: false });
  assert.match(twiml, /booked/);
  const desk = await call(ctx, "PUT", `/api/booking/waitlist/notifications/${mailOffer.id}/response`, { key: clinic.key, body: { response: "ACCEPTED" } });
  assert.equal(desk.status, 200, JSON.stringify(desk.body));
  const { rows } = await ctx.deps.db.query("SELECT entry_id, accepted_via FROM offers WHERE clinic_id = $1", [clinic.id]);
  const via = Object.fromEntries(rows.map((r) => [r.entry_id, r.accepted_via]));
  assert.deepEqual([via[entries[0].id], via[entries[1].id], via[entries[2].id]], ["SMS", "VOICE", null], "staff's yes records no channel");

  const a = await analytics(clinic);
  assert.equal(a.accepted, 3);
  assert.deepEqual(
    a.byChannel.map((c: any) => [c.channel, c.offersReached, c.accepted, c.conversionRate]),
    [
      ["EMAIL", 1, 1, 1],
      ["SMS", 1, 1, 1],
      ["VOICE", 1, 1, 1],
    ],
  );
});

test("fairness: offers per patient over everyone waitlisted (0 for those never offered) and the longest wait while passed over", async () => {
  ctx.clock.set(T0);
  const { clinic, provider, service } = await aSetup();
  const other = await aProvider(ctx, clinic, "Dr. Other");
  const longWaiter = await aPatient(ctx, clinic, { phone: nextPhone() });
  const longEntry = await anEntry(ctx, clinic, { patientId: longWaiter.id, serviceId: service.id });
  ctx.clock.set(later(10));
  const shortWaiter = await aPatient(ctx, clinic, { phone: nextPhone() });
  await anEntry(ctx, clinic, { patientId: shortWaiter.id, serviceId: service.id });
  // Waiting since T0 too, but only for another provider: not passed over by Dr. Test's opening.
  const elsewhere = await aPatient(ctx, clinic, { phone: nextPhone() });
  ctx.clock.set(T0);
  await anEntry(ctx, clinic, { patientId: elsewhere.id, serviceId: service.id, providerIds: [other.id] });
  ctx.clock.set(later(40));
  const favourite = await aPatient(ctx, clinic, { phone: nextPhone() });
  const favEntry = await anEntry(ctx, clinic, { patientId: favourite.id, serviceId: service.id, priority: "urgent" });
  await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain();
  const [offer] = await notificationsOf(clinic, favEntry.id);
  assert.equal(offer?.status, "PENDING", "the urgent entry got the opening");

  const f = (await analytics(clinic)).fairness;
  assert.equal(f.patients, 4);
  assert.deepEqual(f.offersPerPatient, { min: 0, median: 0, p90: 1, max: 1 });
  assert.equal(f.longestPassedOverMinutes, 40, "waiting since T0 when the opening went to another patient at T0 + 40");
  assert.equal(f.longestPassedOverEntryId, longEntry.id);

  // The dashboard's Analytics page shows the same figures.
  const { agent } = await loggedIn(ctx, clinic.key);
  const page = (await agent.get("/analytics")).body as string;
  assert.match(page, /<h2>Fairness<\/h2>/);
  assert.match(page, /Offers per patient<\/span><b>0<\/b><span class="muted small">median · min 0 · 90th pct 1 · max 1<\/span>/);
  assert.match(page, new RegExp(`Longest wait while passed over</span><b>40 min</b><span class="muted small"><a href="/waitlist/${longEntry.id}">`));
  assert.match(page, /<tr data-channel="SMS"><td>SMS<\/td><td>1<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>0%<\/td><\/tr>/);
});
