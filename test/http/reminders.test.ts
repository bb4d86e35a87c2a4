// Appointment reminders (API.md "Lifecycle", Reminders): due reminderHoursBefore before the start, never in the
// patient's quiet hours (deferred to the window's start when that is ≥ 2 h before, else the last allowed minute),
// across DST nights in both zones; never for cancelled appointments; never twice, however many sweeps run.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { render } from "../../src/channels/email.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anAppointment, aPatient, aProvider, aService, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_CLINIC_PHONE: "+16175550199" });
const drain = () => runDue(ctx.deps, ctx.clock.now());

let phones = 2000;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function outbox(key: string, to: string) {
  return (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key })).body.items as {
    body: string;
    subject: string | null;
    links: string[];
    sentAt: string;
    channel: string;
  }[];
}

async function aBooking(opts: { clinicZone?: string; patientZone?: string; start: string; patient?: Record<string, unknown> }) {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { timezone: opts.clinicZone ?? "America/New_York" });
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic, { name: "Root canal" });
  const phone = nextPhone();
  const patient = await aPatient(ctx, clinic, { phone, ...(opts.patientZone ? { timezone: opts.patientZone } : {}), ...opts.patient });
  const appointment = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: provider.id, serviceId: service.id, start: opts.start });
  return { clinic, provider, service, patient, phone, appointment };
}

/** Moves the clock to `iso` and drains; the reminders sent to `phone` so far. */
async function at(b: { clinic: { key: string }; phone: string }, iso: string) {
  ctx.clock.set(new Date(iso));
  await drain();
  return outbox(b.clinic.key, b.phone);
}

test("due 24 h before: nothing a minute early, the SMS at 24 h, with the reply words and no service named", async () => {
  const b = await aBooking({ start: inHours(48) });
  assert.equal(b.appointment.reminderDueAt, inHours(24));
  assert.equal(b.appointment.remindedAt, null);
  assert.equal((await at(b, inHours(24 - 1 / 60))).length, 0);
  const sent = await at(b, inHours(24));
  assert.equal(sent.length, 1);
  const sms = sent[0]!;
  assert.equal(sms.channel, "SMS");
  assert.match(sms.body, /^Test Clinic: reminder of your appointment Wed 4 Mar, 9:00 AM EST\. /);
  assert.ok(sms.body.endsWith("Reply C to confirm, X to cancel, R to reschedule."), sms.body);
  assert.doesNotMatch(sms.body, /Root canal|Dr\./);
  assert.equal(sms.links.length, 1);
  assert.match(sms.links[0]!, /\/r\/r_[A-Za-z0-9_-]{43}$/);
  assert.ok(sms.body.includes(sms.links[0]!));
  const after = (await call(ctx, "GET", `/api/booking/appointments/${b.appointment.id}`, { key: b.clinic.key })).body;
  assert.equal(after.remindedAt, inHours(24));
  // Later sweeps send nothing more.
  assert.equal((await at(b, inHours(30))).length, 1);
});

test("tokens are stored hashed: the link's token appears in no table, its sha256 does", async () => {
  const b = await aBooking({ start: inHours(48) });
  const [sms] = await at(b, inHours(24));
  const token = sms!.links[0]!.split("/r/")[1]!;
  const { rows } = await ctx.deps.db.query("SELECT token_hash FROM appointment_links WHERE appointment_id = $1", [b.appointment.id]);
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0].token_hash, token);
  assert.match(rows[0].token_hash, /^[0-9a-f]{64}$/);
  for (const table of ["appointment_links", "deliveries", "appointments", "audit_log"]) {
    const found = await ctx.deps.db.query(`SELECT count(*)::int AS n FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`, [token]);
    assert.equal(found.rows[0].n, 0, table);
  }
});

test("due in quiet hours: deferred to 08:00 when that is still ≥ 2 h before the start", async () => {
  // Wed 4 Mar 07:30 EST; 24 h before is Tue 07:30, quiet → Tue 08:00 EST (13:00Z).
  const b = await aBooking({ start: "2026-03-04T12:30:00Z" });
  assert.equal(b.appointment.reminderDueAt, "2026-03-03T13:00:00.000Z");
  assert.equal((await at(b, "2026-03-03T12:59:00Z")).length, 0);
  assert.equal((await at(b, "2026-03-03T13:00:00Z")).length, 1);
});

test("deferring would leave < 2 h: moved back to the last allowed minute, 20:59 the evening before", async () => {
  const b = await aBooking({ start: "2026-03-05T14:30:00Z" }); // Thu 09:30 EST
  const patched = await call(ctx, "PATCH", "/api/booking/settings", { key: b.clinic.key, body: { reminderHoursBefore: 3 } });
  assert.equal(patched.status, 200);
  // Due 06:30 EST (quiet); 08:00 is 1.5 h before → Wed 20:59 EST. The settings change moved the stored time.
  const appt = (await call(ctx, "GET", `/api/booking/appointments/${b.appointment.id}`, { key: b.clinic.key })).body;
  assert.equal(appt.reminderDueAt, "2026-03-05T01:59:00.000Z");
  assert.equal((await at(b, "2026-03-05T01:58:00Z")).length, 0);
  assert.equal((await at(b, "2026-03-05T01:59:00Z")).length, 1);
});

// [why, clinic zone, patient zone, start, hoursBefore, due, text the SMS shows]
const dst: [string, string, string, string, number, string, string][] = [
  [
    "NY spring forward, London clinic: 24 real hours across the gap",
    "Europe/London",
    "America/New_York",
    "2026-03-09T13:00:00Z",
    24,
    "2026-03-08T13:00:00Z",
    "Mon 9 Mar, 9:00 AM EDT (1:00 PM GMT clinic time)",
  ],
  [
    "NY spring forward: due 07:30 EDT is quiet → 08:00 EDT",
    "Europe/London",
    "America/New_York",
    "2026-03-09T11:30:00Z",
    24,
    "2026-03-08T12:00:00Z",
    "Mon 9 Mar, 7:30 AM EDT (11:30 AM GMT clinic time)",
  ],
  [
    "NY fall back: due 06:00 EST; 08:00 EST is exactly 2 h before → deferred",
    "Europe/London",
    "America/New_York",
    "2026-11-01T15:00:00Z",
    4,
    "2026-11-01T13:00:00Z",
    "Sun 1 Nov, 10:00 AM EST (3:00 PM GMT clinic time)",
  ],
  [
    "NY fall back: 08:00 EST is 1.5 h before → 20:59 EDT the evening before",
    "Europe/London",
    "America/New_York",
    "2026-11-01T14:30:00Z",
    3,
    "2026-11-01T00:59:00Z",
    "Sun 1 Nov, 9:30 AM EST (2:30 PM GMT clinic time)",
  ],
  [
    "London spring forward, NY clinic: due 07:30 BST is quiet → 08:00 BST",
    "America/New_York",
    "Europe/London",
    "2026-03-30T06:30:00Z",
    24,
    "2026-03-29T07:00:00Z",
    "Mon 30 Mar, 7:30 AM GMT+1 (2:30 AM EDT clinic time)",
  ],
  [
    "London fall back, NY clinic: due 07:30 GMT is quiet → 08:00 GMT",
    "America/New_York",
    "Europe/London",
    "2026-10-26T08:30:00Z",
    25,
    "2026-10-25T08:00:00Z",
    "Mon 26 Oct, 8:30 AM GMT (4:30 AM EDT clinic time)",
  ],
];
for (const [why, clinicZone, patientZone, start, hoursBefore, due, shown] of dst) {
  test(`DST: ${why}`, async () => {
    const b = await aBooking({ clinicZone, patientZone, start });
    if (hoursBefore !== 24)
      assert.equal((await call(ctx, "PATCH", "/api/booking/settings", { key: b.clinic.key, body: { reminderHoursBefore: hoursBefore } })).status, 200);
    const appt = (await call(ctx, "GET", `/api/booking/appointments/${b.appointment.id}`, { key: b.clinic.key })).body;
    assert.equal(appt.reminderDueAt, new Date(due).toISOString());
    assert.equal((await at(b, new Date(new Date(due).getTime() - 60_000).toISOString())).length, 0, "not a minute early");
    const sent = await at(b, due);
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.body.includes(shown), sent[0]!.body);
    assert.equal(new Date(sent[0]!.sentAt).toISOString(), new Date(due).toISOString());
  });
}

test("never for a cancelled appointment; a no-show or a checked-in one never gets one late", async () => {
  const b = await aBooking({ start: inHours(48) });
  assert.equal((await call(ctx, "POST", `/api/booking/appointments/${b.appointment.id}/cancel`, { key: b.clinic.key, body: { by: "staff" } })).status, 200);
  const soon = await anAppointment(ctx, b.clinic, { patientId: b.patient.id, providerId: b.provider.id, serviceId: b.service.id, start: inHours(1) });
  assert.equal(soon.reminderDueAt, null, "an hour ahead: too late to be useful");
  const later = await anAppointment(ctx, b.clinic, { patientId: b.patient.id, providerId: b.provider.id, serviceId: b.service.id, start: inHours(3) });
  assert.equal(later.reminderDueAt, T0.toISOString());
  ctx.clock.set(new Date(inHours(2.9))); // no sweep ran since T0: checked in before its reminder went out
  assert.equal((await call(ctx, "POST", `/api/booking/appointments/${later.id}/check-in`, { key: b.clinic.key })).status, 200);
  await at(b, inHours(24));
  await at(b, inHours(47));
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM deliveries WHERE kind = 'REMINDER' AND clinic_id = $1", [b.clinic.id]);
  assert.equal(rows[0].n, 0, "none for the cancelled one, the no-show, or the one checked in before its reminder went out");
});

test("booked inside the lead: sent at once when the start is still ≥ 2 h away", async () => {
  const b = await aBooking({ start: inHours(5) });
  assert.equal(b.appointment.reminderDueAt, T0.toISOString());
  const sent = await at(b, T0.toISOString());
  assert.equal(sent.length, 1);
  assert.match(sent[0]!.body, /Mon 2 Mar, 2:00 PM EST/);
});

test("two sweeps at once queue and send each reminder exactly once", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const phonesUsed: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const phone = nextPhone();
    phonesUsed.push(phone);
    const p = await aPatient(ctx, s.clinic, { phone });
    const prov = await aProvider(ctx, s.clinic, `Dr ${i}`);
    ids.push((await anAppointment(ctx, s.clinic, { patientId: p.id, providerId: prov.id, serviceId: s.service.id, start: inHours(30) })).id);
  }
  ctx.clock.set(new Date(inHours(6)));
  await Promise.all([drain(), drain(), drain()]);
  for (const [i, id] of ids.entries()) {
    const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM deliveries WHERE kind = 'REMINDER' AND payload->>'appointmentId' = $1", [id]);
    assert.equal(rows[0].n, 1, id);
    assert.equal((await outbox(s.clinic.key, phonesUsed[i]!)).length, 1);
    const audits = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'appointment.reminder_queued' AND entity_id = $1", [id]);
    assert.equal(audits.rows[0].n, 1);
  }
});

test("by email when the patient has no phone: subject, text with both times, the calendar and the link", async () => {
  const b = await aBooking({
    clinicZone: "America/Chicago",
    patientZone: "America/New_York",
    start: inHours(48),
    patient: { phone: undefined, smsConsent: false, email: "pat@example.com", emailConsent: true },
  });
  ctx.clock.set(new Date(inHours(24)));
  // See what the email channel is handed, and render it as the SMTP adapter would (HTML + text + .ics).
  const email = ctx.deps.channels.EMAIL;
  const handed: OutgoingMessage[] = [];
  ctx.deps.channels.EMAIL = { send: (m, now) => (handed.push(m), email.send(m, now)), lookup: (d) => email.lookup(d) };
  try {
    await drain();
  } finally {
    ctx.deps.channels.EMAIL = email;
  }
  assert.equal(handed.length, 1);
  const rendered = render(handed[0]!, ctx.clock.now());
  assert.match(rendered.html, />See or change your appointment<\/a>/);
  assert.match(rendered.html, /Add to Google Calendar/);
  assert.match(rendered.calendarLink!, /ctz=America\/New_York$/, "the calendar in the patient's zone");
  assert.match(rendered.ics!, /DTSTART:20260304T140000Z/);
  assert.match(rendered.ics!, /SUMMARY:Appointment at Test Clinic/);
  assert.match(rendered.text, /Wed 4 Mar, 9:00 AM EST \(8:00 AM CST clinic time\)/);
  const sent = await outbox(b.clinic.key, "pat@example.com");
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.channel, "EMAIL");
  assert.equal(sent[0]!.subject, "Test Clinic: reminder of your appointment on Wed 4 Mar");
  assert.match(sent[0]!.body, /Wed 4 Mar, 9:00 AM EST \(8:00 AM CST clinic time\)/);
  assert.match(sent[0]!.body, /invite\.ics/);
  assert.ok(sent[0]!.body.includes(sent[0]!.links[0]!));
});

test("the patient's zone changing moves a reminder that has not gone out", async () => {
  const b = await aBooking({ start: "2026-03-04T12:30:00Z" }); // 07:30 EST: due Tue 08:00 EST (13:00Z)
  assert.equal(b.appointment.reminderDueAt, "2026-03-03T13:00:00.000Z");
  const edited = await call(ctx, "PATCH", `/api/booking/patients/${b.patient.id}`, { key: b.clinic.key, body: { timezone: "America/Los_Angeles" } });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  // The visit is at 04:30 PST for them: due Tue 04:30 PST (quiet) → Tue 08:00 PST (16:00Z).
  const appt = (await call(ctx, "GET", `/api/booking/appointments/${b.appointment.id}`, { key: b.clinic.key })).body;
  assert.equal(appt.reminderDueAt, "2026-03-03T16:00:00.000Z");
});

test("a patient's own booking inside the lead (from the waitlist) gets no reminder: they were just told", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const entry = (await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { patientId: s.patient.id, serviceId: s.service.id } })).body;
  const opening = (
    await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider.id, start: inHours(20), end: inHours(21) } })
  ).body;
  const booked = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/book`, { key: s.clinic.key, body: { slotId: opening.id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.equal(booked.body.appointment.reminderDueAt, null);
  const far = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(72), end: inHours(73) },
  });
  const entry2 = (await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { patientId: s.patient.id, serviceId: s.service.id } })).body;
  const later = await call(ctx, "POST", `/api/booking/waitlist/${entry2.id}/book`, { key: s.clinic.key, body: { slotId: far.body.id } });
  assert.equal(later.body.appointment.reminderDueAt, inHours(48), "booked before the lead: reminded as usual");
});

test("a reminder text that fails goes by email after the fallback delay; when that bounces too, staff are alerted", async () => {
  const b = await aBooking({ start: inHours(48), patient: { email: "pat.fallback@example.com", emailConsent: true } });
  const texts = await at(b, inHours(24));
  assert.equal(texts.length, 1);
  const outboxId = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(b.phone)}`, { key: b.clinic.key })).body.items[0].id;
  assert.equal(
    (await call(ctx, "POST", `/api/dev/outbox/${outboxId}/status`, { key: b.clinic.key, body: { status: "UNDELIVERED", errorCode: "30005" } })).status,
    200,
  );
  assert.equal((await at(b, inHours(24 + 1 / 60))).length, 1);
  assert.equal((await outbox(b.clinic.key, "pat.fallback@example.com")).length, 0, "not before the fallback delay (2 min)");
  ctx.clock.set(new Date(inHours(24 + 2 / 60)));
  await drain();
  const emails = await outbox(b.clinic.key, "pat.fallback@example.com");
  assert.equal(emails.length, 1);
  assert.equal(emails[0]!.subject, "Test Clinic: reminder of your appointment on Wed 4 Mar");

  const emailId = (await call(ctx, "GET", "/api/dev/outbox?to=pat.fallback%40example.com", { key: b.clinic.key })).body.items[0].id;
  assert.equal((await call(ctx, "POST", `/api/dev/outbox/${emailId}/status`, { key: b.clinic.key, body: { status: "BOUNCED" } })).status, 200);
  ctx.clock.set(new Date(inHours(25)));
  await drain();
  assert.equal((await outbox(b.clinic.key, b.phone)).length, 1, "no channel is tried twice");
  const alerts = await ctx.deps.db.query("SELECT kind, subject_id, message FROM staff_alerts WHERE clinic_id = $1", [b.clinic.id]);
  assert.deepEqual(
    alerts.rows.map((r) => [r.kind, r.subject_id]),
    [["reminder", b.appointment.id]],
  );
  assert.doesNotMatch(alerts.rows[0].message, /Pat|Example|\+1617|example\.com/, "ids and times only");
});
