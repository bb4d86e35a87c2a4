// Closures: whole clinic or one provider. Openings inside an active closure are never offered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { listAudit } from "../../src/store/audit.ts";
import { anAppointment, anEntry, anOpening, aPatient, aProvider, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());

const notificationsOf = async (key: string, slotId: string) =>
  (await call(ctx, "GET", `/api/booking/waitlist/notifications?slotId=${slotId}`, { key })).body.items as { id: string; status: string }[];
const openingOf = async (key: string, id: string) => (await call(ctx, "GET", `/api/booking/openings/${id}`, { key })).body;

test("create lists the appointments inside it; list (from/to, pages) and delete (soft, audited)", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const other = await aProvider(ctx, s.clinic, "Dr. Other");
  const base = { patientId: s.patient.id, serviceId: s.service.id };
  const inside = await anAppointment(ctx, s.clinic, { ...base, providerId: s.provider.id, start: inHours(24) });
  const otherInside = await anAppointment(ctx, s.clinic, { ...base, providerId: other.id, start: inHours(25) });
  await anAppointment(ctx, s.clinic, { ...base, providerId: s.provider.id, start: inHours(40) });

  const clinicWide = await call(ctx, "POST", "/api/booking/closures", {
    key: s.clinic.key,
    body: { start: inHours(20), end: inHours(30), reason: "power cut" },
  });
  assert.equal(clinicWide.status, 201, JSON.stringify(clinicWide.body));
  assert.equal(clinicWide.body.closure.providerId, null);
  assert.equal(clinicWide.body.closure.reason, "power cut");
  assert.equal(clinicWide.body.closure.start, inHours(20));
  assert.equal(clinicWide.body.closure.deletedAt, null);
  assert.deepEqual(
    clinicWide.body.affectedAppointments.map((a: any) => a.id),
    [inside.id, otherInside.id],
  );

  const providerOnly = await call(ctx, "POST", "/api/booking/closures", {
    key: s.clinic.key,
    body: { start: inHours(20), end: inHours(30), reason: "leave", providerId: other.id },
  });
  assert.equal(providerOnly.status, 201);
  assert.deepEqual(
    providerOnly.body.affectedAppointments.map((a: any) => a.id),
    [otherInside.id],
  );
  const later = await call(ctx, "POST", "/api/booking/closures", { key: s.clinic.key, body: { start: inHours(100), end: inHours(110), reason: "holiday" } });
  assert.equal(later.status, 201);
  assert.deepEqual(later.body.affectedAppointments, []);

  const all = await call(ctx, "GET", "/api/booking/closures", { key: s.clinic.key });
  assert.equal(all.status, 200);
  assert.equal(all.body.items.length, 3);
  const page1 = await call(ctx, "GET", "/api/booking/closures?limit=2", { key: s.clinic.key });
  assert.equal(page1.body.items.length, 2);
  assert.ok(page1.body.nextCursor);
  const page2 = await call(ctx, "GET", `/api/booking/closures?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { key: s.clinic.key });
  assert.deepEqual(
    page2.body.items.map((c: any) => c.id),
    [later.body.closure.id],
  );
  assert.equal(page2.body.nextCursor, null);
  const windowed = await call(ctx, "GET", `/api/booking/closures?from=${inHours(50)}&to=${inHours(200)}`, { key: s.clinic.key });
  assert.deepEqual(
    windowed.body.items.map((c: any) => c.id),
    [later.body.closure.id],
  );

  const removed = await call(ctx, "DELETE", `/api/booking/closures/${later.body.closure.id}`, { key: s.clinic.key });
  assert.equal(removed.status, 200);
  assert.equal(removed.body.id, later.body.closure.id);
  assert.ok(removed.body.deletedAt);
  const again = await call(ctx, "DELETE", `/api/booking/closures/${later.body.closure.id}`, { key: s.clinic.key });
  assert.equal(again.status, 404);
  const after = await call(ctx, "GET", "/api/booking/closures", { key: s.clinic.key });
  assert.equal(after.body.items.length, 2);

  const actions = (await listAudit(ctx.deps.db, s.clinic.id, "closure")).map((a) => a.action);
  assert.ok(actions.includes("closure.created"));
  assert.ok(actions.includes("closure.removed"));
});

test("an opening inside a clinic closure is never offered: closed at once, or by the flow; notify is 409", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const patient2 = await aPatient(ctx, s.clinic, { firstName: "Second", phone: "+16175550111" });
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const entry2 = await anEntry(ctx, s.clinic, { patientId: patient2.id, serviceId: s.service.id });

  // An opening with a live offer, then a closure over it: closed at once, its offer withdrawn.
  const before = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  const offered = await call(ctx, "POST", `/api/booking/waitlist/${entry.id}/notify`, { key: s.clinic.key, body: { slotId: before.id } });
  assert.equal(offered.status, 201, JSON.stringify(offered.body));
  const closure = await call(ctx, "POST", "/api/booking/closures", { key: s.clinic.key, body: { start: inHours(20), end: inHours(30), reason: "flood" } });
  assert.equal(closure.status, 201);
  assert.equal((await openingOf(s.clinic.key, before.id)).status, "CLOSED");
  assert.deepEqual(
    (await notificationsOf(s.clinic.key, before.id)).map((n) => n.status),
    ["WITHDRAWN"],
  );

  // An opening made inside the closure afterwards: staff cannot offer it, and the flow closes it.
  const inside = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(26), end: inHours(27) });
  const refused = await call(ctx, "POST", `/api/booking/waitlist/${entry2.id}/notify`, { key: s.clinic.key, body: { slotId: inside.id } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, "conflict");
  assert.match(refused.body.detail, /closed/);
  const refusedMany = await call(ctx, "POST", "/api/booking/waitlist/notify-matches", { key: s.clinic.key, body: { slotIds: [inside.id] } });
  assert.equal(refusedMany.status, 409);
  assert.match(refusedMany.body.detail, /closed/);

  await drain();
  ctx.clock.advanceMinutes(60);
  await drain();
  assert.equal((await openingOf(s.clinic.key, inside.id)).status, "CLOSED");
  assert.deepEqual(await notificationsOf(s.clinic.key, inside.id), []);
  const audit = (await listAudit(ctx.deps.db, s.clinic.id, "opening", inside.id)).map((a) => a.action);
  assert.ok(audit.includes("opening.closed"));
});

test("a provider closure: that provider's opening is never offered; another provider's still is", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const other = await aProvider(ctx, s.clinic, "Dr. Other");
  const patient2 = await aPatient(ctx, s.clinic, { firstName: "Second", phone: "+16175550112" });
  await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await anEntry(ctx, s.clinic, { patientId: patient2.id, serviceId: s.service.id });

  const closure = await call(ctx, "POST", "/api/booking/closures", {
    key: s.clinic.key,
    body: { start: inHours(20), end: inHours(30), reason: "conference", providerId: s.provider.id },
  });
  assert.equal(closure.status, 201);
  const closedOne = await anOpening(ctx, s.clinic, { providerId: s.provider.id, start: inHours(24), end: inHours(25) });
  const openOne = await anOpening(ctx, s.clinic, { providerId: other.id, start: inHours(24), end: inHours(25) });
  await drain();

  assert.equal((await openingOf(s.clinic.key, closedOne.id)).status, "CLOSED");
  assert.deepEqual(await notificationsOf(s.clinic.key, closedOne.id), []);
  assert.equal((await openingOf(s.clinic.key, openOne.id)).status, "OPEN");
  assert.ok((await notificationsOf(s.clinic.key, openOne.id)).length > 0, "the other provider's opening is offered");
});

test("validation: end before start is 422; another clinic's closure id is 404", async () => {
  ctx.clock.set(T0);
  const a = await aStaffedClinic(ctx);
  const b = await aStaffedClinic(ctx);
  const bad = await call(ctx, "POST", "/api/booking/closures", { key: a.clinic.key, body: { start: inHours(30), end: inHours(20), reason: "x" } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, "validation_failed");
  assert.equal(bad.body.errors[0].path, "/end");

  const mine = await call(ctx, "POST", "/api/booking/closures", { key: a.clinic.key, body: { start: inHours(20), end: inHours(30), reason: "x" } });
  assert.equal(mine.status, 201);
  const foreign = await call(ctx, "DELETE", `/api/booking/closures/${mine.body.closure.id}`, { key: b.clinic.key });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.code, "not_found");
  assert.equal((await call(ctx, "GET", "/api/booking/closures", { key: a.clinic.key })).body.items.length, 1);
  assert.equal((await call(ctx, "GET", "/api/booking/closures", { key: b.clinic.key })).body.items.length, 0);
});
