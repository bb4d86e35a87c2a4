import assert from "node:assert/strict";
import { test } from "node:test";
import { listAudit } from "../../src/store/audit.ts";
import { aChair, anAppointment, anOpening, aPatient, aProvider, aStaffedClinic, call, inHours, testApp } from "../harness/app.ts";

const ctx = await testApp();

test("booking defaults end to start + the service's duration", async () => {
  const s = await aStaffedClinic(ctx);
  const res = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24) },
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.status, "BOOKED");
  assert.equal(res.body.source, "STAFF");
  assert.equal(res.body.end, inHours(25));
});

test("overlap: the same provider or the same chair cannot be double-booked; back-to-back is fine", async () => {
  const s = await aStaffedClinic(ctx);
  const other = await aProvider(ctx, s.clinic, "Dr. Other");
  const base = { patientId: s.patient.id, serviceId: s.service.id };
  await anAppointment(ctx, s.clinic, { ...base, providerId: s.provider.id, chairId: s.chair.id, start: inHours(48) });

  const sameProvider = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { ...base, providerId: s.provider.id, start: inHours(48.5) },
  });
  assert.equal(sameProvider.status, 409);
  assert.equal(sameProvider.body.code, "conflict");
  assert.match(sameProvider.headers["content-type"] as string, /application\/problem\+json/);

  const sameChair = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { ...base, providerId: other.id, chairId: s.chair.id, start: inHours(48.25) },
  });
  assert.equal(sameChair.status, 409);

  const otherChair = await aChair(ctx, s.clinic, "Chair 2");
  const fine = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { ...base, providerId: other.id, chairId: otherChair.id, start: inHours(48.25) },
  });
  assert.equal(fine.status, 201);

  const backToBack = await call(ctx, "POST", "/api/booking/appointments", {
    key: s.clinic.key,
    body: { ...base, providerId: s.provider.id, chairId: s.chair.id, start: inHours(49) },
  });
  assert.equal(backToBack.status, 201);
});

test("20 racing requests for the same time: exactly one books, the rest are 409 conflict, none 5xx", async () => {
  const s = await aStaffedClinic(ctx);
  const patients = await Promise.all(Array.from({ length: 20 }, (_, i) => aPatient(ctx, s.clinic, { phone: `+1617555${String(100 + i).padStart(4, "0")}` })));
  const deadlocks = async () => {
    await ctx.deps.db.query("SELECT pg_stat_force_next_flush()");
    const { rows } = await ctx.deps.db.query(
      "SELECT pg_stat_clear_snapshot(), (SELECT deadlocks FROM pg_stat_database WHERE datname = current_database())::int AS n",
    );
    return rows[0].n as number;
  };
  const deadlocksBefore = await deadlocks();
  const results = await Promise.all(
    patients.map((p) =>
      call(ctx, "POST", "/api/booking/appointments", {
        key: s.clinic.key,
        body: { patientId: p.id, providerId: s.provider.id, chairId: s.chair.id, serviceId: s.service.id, start: inHours(72) },
      }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  const errors = ctx.logged
    .filter((l) => l.includes("error") || l.includes("failed"))
    .slice(0, 3)
    .join("\n");
  assert.equal(statuses.filter((x) => x >= 500).length, 0, `statuses: ${statuses}\n${errors}`);
  assert.equal(statuses.filter((x) => x === 201).length, 1, `statuses: ${statuses}`);
  // The racers queue on the provider's row (store/providers.ts lockForBooking), not on each other's
  // exclusion checks. Statistics lag, so the count is a diagnostic, not an assertion.
  console.log(`# 20 racing bookings: deadlocks seen by PostgreSQL: ${(await deadlocks()) - deadlocksBefore}`);
  assert.equal(statuses.filter((x) => x === 409).length, 19, `statuses: ${statuses}`);
  const listed = await call(ctx, "GET", `/api/booking/appointments?from=${inHours(71)}&to=${inHours(74)}`, { key: s.clinic.key });
  assert.equal(listed.body.items.filter((a: any) => a.providerId === s.provider.id).length, 1);
});

test("cancel turns the freed time into an OPEN opening with source CANCELLATION, audited", async () => {
  const s = await aStaffedClinic(ctx);
  const appt = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    chairId: s.chair.id,
    serviceId: s.service.id,
    start: inHours(30),
  });
  const res = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/cancel`, {
    key: s.clinic.key,
    body: { by: "staff", reason: "patient called" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.appointment.status, "CANCELLED");
  assert.equal(res.body.appointment.cancelledBy, "staff");
  assert.equal(res.body.opening.status, "OPEN");
  assert.equal(res.body.opening.source, "CANCELLATION");
  assert.equal(res.body.opening.start, appt.start);
  assert.equal(res.body.opening.end, appt.end);
  assert.equal(res.body.opening.providerId, s.provider.id);
  assert.equal(res.body.opening.chairId, s.chair.id);
  assert.equal(res.body.opening.serviceId, s.service.id);
  assert.equal(res.body.opening.sourceAppointmentId, appt.id);

  const again = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/cancel`, { key: s.clinic.key, body: { by: "staff" } });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "conflict");

  const audit = await listAudit(ctx.deps.db, s.clinic.id);
  const actions = audit.map((a) => a.action);
  assert.ok(actions.includes("appointment.cancelled"));
  assert.ok(actions.includes("opening.created"));
  const cancelled = audit.find((a) => a.action === "appointment.cancelled")!;
  assert.equal((cancelled.before as any).status, "BOOKED");
  assert.equal((cancelled.after as any).status, "CANCELLED");
  assert.match(cancelled.actor, /^api_key:/);

  // The time is free again: it can be booked, and booking it fills the opening.
  const rebook = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    chairId: s.chair.id,
    serviceId: s.service.id,
    start: inHours(30),
  });
  const opening = await call(ctx, "GET", `/api/booking/openings/${res.body.opening.id}`, { key: s.clinic.key });
  assert.equal(opening.body.status, "FILLED");
  assert.equal(opening.body.filledAppointmentId, rebook.id);
});

test("cancelling an appointment in progress frees only the rest of it; one that is over frees nothing", async () => {
  const s = await aStaffedClinic(ctx);
  const base = { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id };
  const running = await anAppointment(ctx, s.clinic, { ...base, start: inHours(-0.5) });
  const res = await call(ctx, "POST", `/api/booking/appointments/${running.id}/cancel`, { key: s.clinic.key, body: { by: "staff" } });
  assert.equal(res.status, 200);
  assert.equal(res.body.opening.start, inHours(0));
  assert.equal(res.body.opening.end, inHours(0.5));

  const over = await anAppointment(ctx, s.clinic, { ...base, start: inHours(-3) });
  const res2 = await call(ctx, "POST", `/api/booking/appointments/${over.id}/cancel`, { key: s.clinic.key, body: { by: "patient", confirm: true } });
  assert.equal(res2.status, 200);
  assert.equal(res2.body.opening, null);
});

test("check-in moves BOOKED to CHECKED_IN once", async () => {
  const s = await aStaffedClinic(ctx);
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(0) });
  const res = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/check-in`, { key: s.clinic.key });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "CHECKED_IN");
  assert.equal(res.body.checkedInAt, inHours(0));
  const again = await call(ctx, "POST", `/api/booking/appointments/${appt.id}/check-in`, { key: s.clinic.key });
  assert.equal(again.status, 409);
});

test("new slots: 201 OPEN NEW_SLOT; overlapping an appointment or another open opening is 409; past is 422", async () => {
  const s = await aStaffedClinic(ctx);
  const opening = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(5), end: inHours(6) });
  assert.equal(opening.status, "OPEN");
  assert.equal(opening.source, "NEW_SLOT");
  const overlap = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(5.5), end: inHours(6.5) },
  });
  assert.equal(overlap.status, 409);
  await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(10) });
  const overAppt = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(10), end: inHours(11) },
  });
  assert.equal(overAppt.status, 409);
  const past = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(-2), end: inHours(-1) },
  });
  assert.equal(past.status, 422);
  assert.equal(past.body.errors[0].path, "/start");
  const listed = await call(ctx, "GET", "/api/booking/openings?status=OPEN", { key: s.clinic.key });
  assert.deepEqual(
    listed.body.items.map((o: any) => o.id),
    [opening.id],
  );
});
