// Answers to a reminder by text (API.md "Lifecycle"): C confirms, X cancels through the cancellation flow with
// the fee quoted first (a second X within 30 minutes confirms), R sends the reschedule link. Each acts on the
// sender's next reminded appointment, once per provider message however often the webhook is retried.
import assert from "node:assert/strict";
import { test } from "node:test";
import { handleInboundSms } from "../../src/flows/inbound-sms.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { listAudit } from "../../src/store/audit.ts";
import { aClinic, anAppointment, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_CLINIC_PHONE: "+16175550199" });
const drain = () => runDue(ctx.deps, ctx.clock.now());

let phones = 3000;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

/** A clinic, a patient and an appointment `hours` ahead whose reminder has gone out (sent at once inside the lead). */
async function aReminded(opts: { hours: number; priceCents?: number; category?: string }) {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Harbor Dental" });
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic, { category: opts.category ?? "facial", priceCents: opts.priceCents ?? 15000, durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  const appointment = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: provider.id, serviceId: service.id, start: inHours(opts.hours) });
  if (opts.hours > 24) ctx.clock.set(new Date(inHours(opts.hours - 24)));
  await drain();
  const texts = await outbox(clinic.key, phone);
  assert.equal(texts.length, 1, "the reminder went out");
  assert.match(texts[0]!.body, /Reply C to confirm/);
  return { clinic, provider, service, patient, phone, appointment };
}

async function outbox(key: string, to: string) {
  return (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key })).body.items as { body: string; links: string[] }[];
}

async function sms(b: { clinic: { key: string }; phone: string }, body: string) {
  const res = await call(ctx, "POST", "/api/dev/inbound-sms", { key: b.clinic.key, body: { from: b.phone, body } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await drain();
  return { ...res.body, sent: (await outbox(b.clinic.key, b.phone)).at(-1)! } as {
    action: string;
    reply: string | null;
    sent: { body: string; links: string[] };
  };
}

const statusOf = async (b: { clinic: { key: string }; appointment: { id: string } }) =>
  (await call(ctx, "GET", `/api/booking/appointments/${b.appointment.id}`, { key: b.clinic.key })).body;

test("C confirms the reminded appointment (audited) and says so", async () => {
  const b = await aReminded({ hours: 48 });
  const res = await sms(b, "C");
  assert.equal(res.action, "confirmed");
  assert.equal(res.sent.body, "Harbor Dental: thank you, your appointment Wed 4 Mar, 9:00 AM EST is confirmed. See you then!");
  assert.equal((await statusOf(b)).status, "CONFIRMED");
  const audit = await listAudit(ctx.deps.db, b.clinic.id, "appointment", b.appointment.id);
  const confirmed = audit.filter((a) => a.action === "appointment.confirmed");
  assert.equal(confirmed.length, 1);
  assert.equal(confirmed[0]!.actor, `patient:sms:${b.patient.id}`, "ids only in the actor");
  // Again: still confirmed, nothing new audited.
  assert.equal((await sms(b, "confirm")).action, "confirmed");
  assert.equal((await listAudit(ctx.deps.db, b.clinic.id, "appointment", b.appointment.id)).filter((a) => a.action === "appointment.confirmed").length, 1);
});

test("X with a fee: quoted first (nothing changes), a second X within 30 minutes cancels with a PENDING charge", async () => {
  const b = await aReminded({ hours: 10, priceCents: 15000 }); // facial: < 12 h → the full price
  const quote = await sms(b, "X");
  assert.equal(quote.action, "cancel_quoted");
  assert.equal(
    quote.sent.body,
    "Harbor Dental: cancelling your appointment Mon 2 Mar, 7:00 PM EST now costs $150.00 (the full price, at this short notice). Reply X again within 30 minutes to confirm, or C to keep it.",
  );
  assert.equal((await statusOf(b)).status, "BOOKED");
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${b.patient.id}/charges`, { key: b.clinic.key })).body.items, []);

  ctx.clock.set(new Date(T0.getTime() + 29 * 60_000));
  const done = await sms(b, "x");
  assert.equal(done.action, "cancelled");
  assert.match(done.sent.body, /is cancelled\. A \$150\.00 cancellation fee applies\.$/);
  const after = await statusOf(b);
  assert.equal(after.status, "CANCELLED");
  assert.equal(after.cancelledBy, "patient");
  const charges = (await call(ctx, "GET", `/api/booking/patients/${b.patient.id}/charges`, { key: b.clinic.key })).body.items;
  assert.equal(charges.length, 1);
  assert.equal(charges[0].amountCents, 15000);
  assert.equal(charges[0].status, "PENDING");
  const openings = (await call(ctx, "GET", "/api/booking/openings", { key: b.clinic.key })).body.items;
  assert.equal(openings.filter((o: any) => o.sourceAppointmentId === b.appointment.id && o.source === "CANCELLATION").length, 1);
});

test("X after the quote lapsed (30 minutes) is quoted again, not taken as a confirmation; C keeps the appointment", async () => {
  const b = await aReminded({ hours: 10 });
  assert.equal((await sms(b, "X")).action, "cancel_quoted");
  ctx.clock.set(new Date(T0.getTime() + 31 * 60_000));
  assert.equal((await sms(b, "X")).action, "cancel_quoted");
  assert.equal((await statusOf(b)).status, "BOOKED");
  const kept = await sms(b, "C");
  assert.equal(kept.action, "confirmed");
  assert.equal((await statusOf(b)).status, "CONFIRMED");
  // The quote is gone with the C: a single X now is a fresh quote again.
  assert.equal((await sms(b, "X")).action, "cancel_quoted");
  assert.equal((await statusOf(b)).status, "CONFIRMED");
});

test("X without a fee cancels at once (by the patient) and the freed time becomes an open opening", async () => {
  const b = await aReminded({ hours: 48 }); // 24 h to go, facial notice is 12 h: free
  const res = await sms(b, "X");
  assert.equal(res.action, "cancelled");
  assert.match(res.sent.body, /is cancelled, free of charge/);
  const after = await statusOf(b);
  assert.equal(after.status, "CANCELLED");
  assert.equal(after.cancelledBy, "patient");
  const openings = (await call(ctx, "GET", "/api/booking/openings?status=OPEN", { key: b.clinic.key })).body.items;
  const freed = openings.filter((o: any) => o.sourceAppointmentId === b.appointment.id);
  assert.equal(freed.length, 1);
  assert.equal(freed[0].start, b.appointment.start);
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${b.patient.id}/charges`, { key: b.clinic.key })).body.items, []);
  // Nothing left to act on: the next X gets a helpful answer.
  const again = await sms(b, "X");
  assert.equal(again.action, "no_appointment");
  assert.match(again.sent.body, /no upcoming appointment of yours to cancel by text\. Please call us at \+16175550199\./);
});

test("R replies with a working reschedule link (only its hash stored)", async () => {
  const b = await aReminded({ hours: 48 });
  const res = await sms(b, "R");
  assert.equal(res.action, "reschedule_link");
  assert.equal(res.sent.links.length, 1);
  const link = res.sent.links[0]!;
  assert.match(link, /\/r\/r_[A-Za-z0-9_-]{43}$/);
  assert.ok(res.sent.body.includes(link));
  assert.ok(!res.reply?.includes(link), "the API's reply shows the text before the link is minted");
  assert.match(res.reply!, /open <link sent with the text> or call us/, "no template placeholder in the API's answer");
  const page = await call(ctx, "GET", new URL(link).pathname);
  assert.equal(page.status, 200);
  assert.match(String(page.body), /Your appointment/);
  const stored = await ctx.deps.db.query("SELECT count(*)::int AS n FROM deliveries WHERE payload::text LIKE '%' || $1 || '%'", [link.split("/r/")[1]]);
  assert.equal(stored.rows[0].n, 0);
});

test("C, X or R with no reminded appointment: a helpful reply, nothing changes; an unknown number gets nothing", async () => {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Harbor Dental" });
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone });
  // Booked but not yet reminded (its reminder is due in 2 days): a C is not about it.
  const appt = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: provider.id, serviceId: service.id, start: inHours(72) });
  for (const [word, what] of [
    ["C", "confirm"],
    ["X", "cancel"],
    ["R", "reschedule"],
  ] as const) {
    const res = await sms({ clinic, phone }, word);
    assert.equal(res.action, "no_appointment");
    assert.match(res.sent.body, new RegExp(`to ${what} by text`));
  }
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${appt.id}`, { key: clinic.key })).body.status, "BOOKED");
  const stranger = await call(ctx, "POST", "/api/dev/inbound-sms", { key: clinic.key, body: { from: "+16175559876", body: "X" } });
  assert.equal(stranger.body.action, "unknown_sender");
});

test("YES/NO, STOP and HELP keep their meaning next to a reminder; CANCEL is still a STOP", async () => {
  const b = await aReminded({ hours: 48 });
  assert.equal((await sms(b, "HELP")).action, "help");
  assert.equal((await sms(b, "YES")).action, "no_live_offer");
  assert.equal((await sms(b, "CANCEL")).action, "opted_out");
  assert.equal((await statusOf(b)).status, "BOOKED", "CANCEL revokes consent; it never cancels the appointment");
  assert.equal((await call(ctx, "GET", `/api/booking/patients/${b.patient.id}`, { key: b.clinic.key })).body.smsConsent, false);
});

test("a provider retrying the webhook acts once: the first X's retry is not a second X, even when concurrent", async () => {
  const b = await aReminded({ hours: 10 });
  const inbound = (sid: string) => handleInboundSms(ctx.deps, { clinicId: b.clinic.id, from: b.phone, body: "X", providerMessageId: sid });
  const first = await Promise.all([inbound("SM00000000000000000000000000000001"), inbound("SM00000000000000000000000000000001")]);
  assert.deepEqual(first.map((r) => r.ok && r.value.action).sort(), ["cancel_quoted", "cancel_quoted"]);
  assert.equal(first.filter((r) => r.ok && r.value.reply !== null).length, 1, "one reply");
  assert.equal((await statusOf(b)).status, "BOOKED", "the retry did not confirm the quote");
  const again = await inbound("SM00000000000000000000000000000001");
  assert.ok(again.ok && again.value.reply === null);
  assert.equal((await statusOf(b)).status, "BOOKED");
  // A new message (a new SID), retried at once: cancels once.
  const second = await Promise.all([inbound("SM00000000000000000000000000000002"), inbound("SM00000000000000000000000000000002")]);
  assert.equal(second.filter((r) => r.ok && r.value.reply !== null).length, 1);
  assert.equal((await statusOf(b)).status, "CANCELLED");
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'appointment.cancelled' AND entity_id = $1", [
    b.appointment.id,
  ]);
  assert.equal(rows[0].n, 1);
  const replies = await ctx.deps.db.query("SELECT count(*)::int AS n FROM deliveries WHERE clinic_id = $1 AND kind = 'NOTICE'", [b.clinic.id]);
  assert.equal(replies.rows[0].n, 2, "one quote, one cancellation");
});
