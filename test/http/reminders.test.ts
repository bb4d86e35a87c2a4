// Appointment reminders (API.md "Lifecycle", Reminders): due reminderHoursBefore before the start, never in the
// patient's quiet hours (deferred to the window's start when that is ≥ 2 h before, else the last allowed minute),
// across DST nights in both zones; never for cancelled appointments; never twice, however many sweeps run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anAppointment, aPatient, aProvider, aService, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_CLINIC_PHONE: "+16175550199" });
const drain = () => runDue(ctx.deps, ctx.clock.now());

let phones = 2000;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function outbox(key: string, to: string) {
  return (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key })).body.items as { body: string; subject: string | null; links: string[]; sentAt: string; channel: string }[];
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
