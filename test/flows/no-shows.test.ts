import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aPatient, aService, aStaffedClinic, anAppointment, anEntry, call, inHours, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const at = (iso: string, minutes: number) => ctx.clock.set(new Date(new Date(iso).getTime() + minutes * 60_000));

async function statusOf(key: string, id: string) {
  return (await call(ctx, "GET", `/api/booking/appointments/${id}`, { key })).body.status as string;
}

async function auditCount(action: string, entityId: string) {
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND entity_id = $2", [action, entityId]);
  return rows[0].n as number;
}

test("not marked before start + grace; marked after; checked-in appointments untouched", async () => {
  const s = await aStaffedClinic(ctx);
  const other = await aPatient(ctx, s.clinic, { phone: "+16175550101" });
  const start = inHours(1);
  const missed = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
  const came = await anAppointment(ctx, s.clinic, {
    patientId: other.id,
    providerId: s.provider.id,
    chairId: s.chair.id,
    serviceId: s.service.id,
    start: inHours(3),
  });
  at(start, 4);
  await drain();
  assert.equal(await statusOf(s.clinic.key, missed.id), "BOOKED");
  at(start, 5);
  await drain();
  assert.equal(await statusOf(s.clinic.key, missed.id), "NO_SHOW");
  at(inHours(3), -1);
  assert.equal((await call(ctx, "POST", `/api/booking/appointments/${came.id}/check-in`, { key: s.clinic.key })).status, 200);
  at(inHours(3), 30);
  await drain();
  assert.equal(await statusOf(s.clinic.key, came.id), "CHECKED_IN");
  assert.equal(await auditCount("appointment.no_show", missed.id), 1);
  const alerts = await ctx.deps.db.query("SELECT * FROM staff_alerts WHERE subject_id = $1", [missed.id]);
  assert.equal(alerts.rows.length, 1);
});

test("the ladder: 1st an apologetic message with the discount, 2nd a deposit, 3rd prepayment", async () => {
  const s = await aStaffedClinic(ctx);
  const patientUrl = `/api/booking/patients/${s.patient.id}`;
  const starts = [inHours(30), inHours(32), inHours(34)];
  for (const [i, start] of starts.entries()) {
    await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
    at(start, 10);
    await drain();
    const p = (await call(ctx, "GET", patientUrl, { key: s.clinic.key })).body;
    assert.equal(p.noShowCount, i + 1);
    if (i === 0) {
      assert.equal(p.depositRequiredCents, 0);
      assert.equal(p.prepaymentRequired, false);
      const { rows } = await ctx.deps.db.query("SELECT * FROM dev_outbox WHERE clinic_id = $1 AND to_address = $2", [s.clinic.id, s.patient.phone]);
      assert.equal(rows.length, 1);
      assert.match(rows[0].body, /10% off/);
      assert.match(rows[0].body, /call us/);
    }
    if (i === 1) {
      assert.equal(p.depositRequiredCents, 5000);
      assert.equal(p.prepaymentRequired, false);
    }
    if (i === 2) assert.equal(p.prepaymentRequired, true);
  }
});

test("the rest of a no-show becomes a NO_SHOW opening, offered only to entries whose notice allows it", async () => {
  const s = await aStaffedClinic(ctx);
  assert.equal((await call(ctx, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { cutoffMinutes: 0 } })).status, 200);
  const short = await aService(ctx, s.clinic, { name: "Touch-up", durationMinutes: 30 });
  const picky = await aPatient(ctx, s.clinic, { phone: "+16175550111" });
  const ready = await aPatient(ctx, s.clinic, { phone: "+16175550112" });
  const pickyEntry = await anEntry(ctx, s.clinic, { patientId: picky.id, serviceId: short.id, minNoticeMinutes: 120, priority: "urgent" });
  const readyEntry = await anEntry(ctx, s.clinic, { patientId: ready.id, serviceId: short.id, minNoticeMinutes: 0 });
  const start = inHours(50);
  const missed = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start });
  at(start, 6);
  await drain();
  const openings = await ctx.deps.db.query("SELECT * FROM openings WHERE source_appointment_id = $1", [missed.id]);
  assert.equal(openings.rows.length, 1);
  assert.equal(openings.rows[0].source, "NO_SHOW");
  assert.equal(openings.rows[0].end_at.toISOString(), new Date(new Date(start).getTime() + 60 * 60_000).toISOString());
  const offers = await ctx.deps.db.query("SELECT entry_id FROM offers WHERE opening_id = $1", [openings.rows[0].id]);
  assert.deepEqual(
    offers.rows.map((r) => r.entry_id),
    [readyEntry.id],
  );
  assert.notEqual(pickyEntry.id, readyEntry.id);
});

test("two runners at once mark each appointment once", async () => {
  const s = await aStaffedClinic(ctx);
  const start = inHours(80);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const p = await aPatient(ctx, s.clinic, { phone: `+1617555012${i}` });
    const prov = (await call(ctx, "POST", "/api/booking/providers", { key: s.clinic.key, body: { name: `Dr ${i}` } })).body;
    ids.push((await anAppointment(ctx, s.clinic, { patientId: p.id, providerId: prov.id, serviceId: s.service.id, start })).id);
  }
  at(start, 10);
  await Promise.all([drain(), drain()]);
  for (const id of ids) {
    assert.equal(await statusOf(s.clinic.key, id), "NO_SHOW");
    assert.equal(await auditCount("appointment.no_show", id), 1);
  }
});
