// Waitlist entries: create with preferences and defaults, list by status, edit, put back on the list,
// remove (withdrawing a live offer), all audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listAudit } from "../../src/store/audit.ts";
import { anEntry, aPatient, aProvider, aService, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();

const entryUrl = (id: string) => `/api/booking/waitlist/${id}`;

test("create: windows, dates, priority, minimum notice and preferred time are kept; 201 ACTIVE, count 0", async () => {
  const s = await aStaffedClinic(ctx);
  const second = await aProvider(ctx, s.clinic, "Dr. Second");
  const res = await call(ctx, "POST", "/api/booking/waitlist", {
    key: s.clinic.key,
    body: {
      patientId: s.patient.id,
      serviceId: s.service.id,
      providerIds: [second.id, s.provider.id],
      chairIds: [s.chair.id],
      windows: [
        { weekdays: [5, 1, 3], start: "08:00", end: "12:00" },
        { weekdays: [6], start: "09:30", end: "13:00" },
      ],
      earliestDate: "2026-03-05",
      latestDate: "2026-04-30",
      priority: "urgent",
      minNoticeMinutes: 180,
      preferredTime: "10:15",
      notes: "  prefers mornings  ",
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const e = res.body;
  assert.match(e.id, /^[0-9a-f-]{36}$/);
  assert.equal(e.status, "ACTIVE");
  assert.equal(e.notificationCount, 0);
  assert.equal(e.patientId, s.patient.id);
  assert.equal(e.serviceId, s.service.id);
  assert.deepEqual(e.providerIds, [second.id, s.provider.id], "order kept: the first is the preferred practitioner");
  assert.deepEqual(e.chairIds, [s.chair.id]);
  assert.deepEqual(e.windows, [
    { weekdays: [1, 3, 5], start: "08:00", end: "12:00" },
    { weekdays: [6], start: "09:30", end: "13:00" },
  ]);
  assert.equal(e.earliestDate, "2026-03-05");
  assert.equal(e.latestDate, "2026-04-30");
  assert.equal(e.priority, "urgent");
  assert.equal(e.minNoticeMinutes, 180);
  assert.equal(e.preferredTime, "10:15");
  assert.equal(e.notes, "prefers mornings");
  assert.equal(e.bookedAppointmentId, null);
  assert.equal(e.createdAt, T0.toISOString());

  const got = await call(ctx, "GET", entryUrl(e.id), { key: s.clinic.key });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, e);

  const audit = await listAudit(ctx.deps.db, s.clinic.id, "waitlist_entry", e.id);
  assert.deepEqual(
    audit.map((a) => a.action),
    ["waitlist_entry.created"],
  );
});

test("create: defaults are ACTIVE, count 0, priority normal, any provider/chair/time, no dates, no notice", async () => {
  const s = await aStaffedClinic(ctx);
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  assert.equal(e.status, "ACTIVE");
  assert.equal(e.notificationCount, 0);
  assert.equal(e.priority, "normal");
  assert.deepEqual(e.providerIds, []);
  assert.deepEqual(e.chairIds, []);
  assert.deepEqual(e.windows, []);
  assert.equal(e.earliestDate, null);
  assert.equal(e.latestDate, null);
  assert.equal(e.minNoticeMinutes, 0);
  assert.equal(e.preferredTime, null);
  assert.equal(e.notes, null);
});

test("create: bad preferences are 422 naming the field; unknown references are 404", async () => {
  const s = await aStaffedClinic(ctx);
  const base = { patientId: s.patient.id, serviceId: s.service.id };
  const cases: [object, string][] = [
    [{ windows: [{ weekdays: [1], start: "12:00", end: "09:00" }] }, "/windows/0/end"],
    [{ windows: [{ weekdays: [1, 1], start: "09:00", end: "12:00" }] }, "/windows/0/weekdays"],
    [{ windows: [{ weekdays: [8], start: "09:00", end: "12:00" }] }, "/windows/0/weekdays/0"],
    [{ earliestDate: "2026-05-01", latestDate: "2026-04-01" }, "/latestDate"],
    [{ earliestDate: "2026-02-30" }, "/earliestDate"],
    [{ preferredTime: "7am" }, "/preferredTime"],
    [{ priority: "vip" }, "/priority"],
    [{ minNoticeMinutes: -5 }, "/minNoticeMinutes"],
    [{ providerIds: [s.provider.id, s.provider.id] }, "/providerIds"],
  ];
  for (const [over, path] of cases) {
    const res = await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { ...base, ...over } });
    assert.equal(res.status, 422, `${JSON.stringify(over)} → ${res.status}`);
    assert.equal(res.body.code, "validation_failed");
    assert.ok(
      res.body.errors.some((e: any) => e.path === path),
      `${JSON.stringify(over)}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  const ghost = "00000000-0000-4000-8000-000000000000";
  const unknown = await call(ctx, "POST", "/api/booking/waitlist", { key: s.clinic.key, body: { ...base, providerIds: [ghost] } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, "not_found");
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM waitlist_entries WHERE clinic_id = $1", [s.clinic.id]);
  assert.equal(rows[0].n, 0);
});

test("GET /api/booking/waitlist lists this clinic's entries, filtered by ?status=", async () => {
  const s = await aStaffedClinic(ctx);
  const other = await aStaffedClinic(ctx);
  await anEntry(ctx, other.clinic, { patientId: other.patient.id, serviceId: other.service.id });
  const p2 = await aPatient(ctx, s.clinic, { phone: "+16175550111" });
  const a = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  ctx.clock.advanceMinutes(1);
  const b = await anEntry(ctx, s.clinic, { patientId: p2.id, serviceId: s.service.id });
  ctx.clock.advanceMinutes(1);
  const c = await anEntry(ctx, s.clinic, { patientId: p2.id, serviceId: s.service.id, priority: "high" });
  ctx.clock.set(T0);
  assert.equal((await call(ctx, "DELETE", entryUrl(b.id), { key: s.clinic.key })).status, 200);

  const all = await call(ctx, "GET", "/api/booking/waitlist", { key: s.clinic.key });
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.items.map((e: any) => e.id),
    [a.id, b.id, c.id],
  );
  assert.equal(all.body.nextCursor, null);
  const active = await call(ctx, "GET", "/api/booking/waitlist?status=ACTIVE", { key: s.clinic.key });
  assert.deepEqual(
    active.body.items.map((e: any) => e.id),
    [a.id, c.id],
  );
  const removed = await call(ctx, "GET", "/api/booking/waitlist?status=REMOVED", { key: s.clinic.key });
  assert.deepEqual(
    removed.body.items.map((e: any) => e.id),
    [b.id],
  );
  const booked = await call(ctx, "GET", "/api/booking/waitlist?status=BOOKED", { key: s.clinic.key });
  assert.deepEqual(booked.body.items, []);
  const bad = await call(ctx, "GET", "/api/booking/waitlist?status=SLEEPING", { key: s.clinic.key });
  assert.equal(bad.status, 422);
  const paged = await call(ctx, "GET", "/api/booking/waitlist?limit=2", { key: s.clinic.key });
  assert.equal(paged.body.items.length, 2);
  const rest = await call(ctx, "GET", `/api/booking/waitlist?limit=2&cursor=${paged.body.nextCursor}`, { key: s.clinic.key });
  assert.deepEqual(
    rest.body.items.map((e: any) => e.id),
    [c.id],
  );
  assert.equal(rest.body.nextCursor, null);
});

test("PATCH changes preferences, keeps what it does not name, and is audited with before and after", async () => {
  const s = await aStaffedClinic(ctx);
  const otherService = await aService(ctx, s.clinic, { name: "Whitening", category: "facial" });
  const e = await anEntry(ctx, s.clinic, {
    patientId: s.patient.id,
    serviceId: s.service.id,
    windows: [{ weekdays: [1], start: "09:00", end: "11:00" }],
    priority: "high",
    notes: "keep me",
  });
  ctx.clock.advanceMinutes(10);
  const res = await call(ctx, "PATCH", entryUrl(e.id), {
    key: s.clinic.key,
    body: {
      serviceId: otherService.id,
      providerIds: [s.provider.id],
      windows: [{ weekdays: [2, 4], start: "13:00", end: "17:00" }],
      latestDate: "2026-06-01",
      minNoticeMinutes: 60,
      preferredTime: "14:00",
    },
  });
  ctx.clock.set(T0);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.serviceId, otherService.id);
  assert.deepEqual(res.body.providerIds, [s.provider.id]);
  assert.deepEqual(res.body.windows, [{ weekdays: [2, 4], start: "13:00", end: "17:00" }]);
  assert.equal(res.body.latestDate, "2026-06-01");
  assert.equal(res.body.minNoticeMinutes, 60);
  assert.equal(res.body.preferredTime, "14:00");
  assert.equal(res.body.priority, "high");
  assert.equal(res.body.notes, "keep me");
  assert.equal(res.body.status, "ACTIVE");
  assert.equal(res.body.updatedAt, new Date(T0.getTime() + 10 * 60_000).toISOString());

  // null clears an optional preference.
  const cleared = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { preferredTime: null, latestDate: null } });
  assert.equal(cleared.body.preferredTime, null);
  assert.equal(cleared.body.latestDate, null);

  // A patch is checked against the entry as it would become.
  const bad = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { earliestDate: "2027-01-01", latestDate: "2026-12-01" } });
  assert.equal(bad.status, 422);
  assert.ok(bad.body.errors.some((x: any) => x.path === "/latestDate"));
  const notActive = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "BOOKED" } });
  assert.equal(notActive.status, 422);

  const audit = (await listAudit(ctx.deps.db, s.clinic.id, "waitlist_entry", e.id)).filter((a) => a.action === "waitlist_entry.updated");
  assert.equal(audit.length, 2);
  assert.equal((audit[0]!.before as any).serviceId, s.service.id);
  assert.equal((audit[0]!.after as any).serviceId, otherService.id);
});

test("PATCH cannot move an entry to another patient (the patient is fixed at creation)", async () => {
  const s = await aStaffedClinic(ctx);
  const other = await aStaffedClinic(ctx);
  const p2 = await aPatient(ctx, s.clinic, { phone: "+16175550122" });
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  for (const patientId of [p2.id, other.patient.id, "00000000-0000-4000-8000-000000000000"]) {
    const res = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { patientId } });
    assert.equal(res.status, 422, `${res.status} ${JSON.stringify(res.body)}`);
    assert.ok(res.body.errors.some((x: any) => x.path === "/patientId"));
  }
  const got = await call(ctx, "GET", entryUrl(e.id), { key: s.clinic.key });
  assert.equal(got.body.patientId, s.patient.id);
});

test("PATCH status ACTIVE puts an EXHAUSTED entry back on the list with its count reset to 0", async () => {
  const s = await aStaffedClinic(ctx);
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await ctx.deps.db.query("UPDATE waitlist_entries SET status = 'EXHAUSTED', notification_count = 3 WHERE id = $1", [e.id]);
  const exhausted = await call(ctx, "GET", entryUrl(e.id), { key: s.clinic.key });
  assert.equal(exhausted.body.status, "EXHAUSTED");
  assert.equal(exhausted.body.notificationCount, 3);
  assert.equal((await call(ctx, "GET", "/api/booking/waitlist?status=EXHAUSTED", { key: s.clinic.key })).body.items.length, 1);

  // Editing preferences alone leaves status and count as they are.
  const edited = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { priority: "high" } });
  assert.equal(edited.body.status, "EXHAUSTED");
  assert.equal(edited.body.notificationCount, 3);

  const res = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "ACTIVE" } });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "ACTIVE");
  assert.equal(res.body.notificationCount, 0);
  assert.equal(res.body.priority, "high");
  const { rows } = await ctx.deps.db.query("SELECT status, notification_count FROM waitlist_entries WHERE id = $1", [e.id]);
  assert.deepEqual(rows[0], { status: "ACTIVE", notification_count: 0 });

  // The same for EXPIRED and UNREACHABLE.
  for (const status of ["EXPIRED", "UNREACHABLE"]) {
    await ctx.deps.db.query("UPDATE waitlist_entries SET status = $2, notification_count = 2 WHERE id = $1", [e.id, status]);
    const back = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "ACTIVE" } });
    assert.equal(back.body.status, "ACTIVE");
    assert.equal(back.body.notificationCount, 0);
  }
  // An ACTIVE entry set ACTIVE keeps its count (nothing to reset).
  await ctx.deps.db.query("UPDATE waitlist_entries SET notification_count = 1 WHERE id = $1", [e.id]);
  const same = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "ACTIVE" } });
  assert.equal(same.body.notificationCount, 1);
});

test("DELETE: 200 REMOVED, audited; DELETE again and PATCH after → 409 conflict; BOOKED entries cannot be removed", async () => {
  const s = await aStaffedClinic(ctx);
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const res = await call(ctx, "DELETE", entryUrl(e.id), { key: s.clinic.key });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "REMOVED");
  assert.equal(res.body.id, e.id);
  assert.equal((await call(ctx, "GET", entryUrl(e.id), { key: s.clinic.key })).body.status, "REMOVED");

  const again = await call(ctx, "DELETE", entryUrl(e.id), { key: s.clinic.key });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "conflict");
  const patch = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { priority: "urgent" } });
  assert.equal(patch.status, 409);
  assert.equal(patch.body.code, "conflict");
  const reactivate = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "ACTIVE" } });
  assert.equal(reactivate.status, 409);

  const audit = await listAudit(ctx.deps.db, s.clinic.id, "waitlist_entry", e.id);
  assert.deepEqual(
    audit.map((a) => a.action),
    ["waitlist_entry.created", "waitlist_entry.removed"],
  );
  const removed = audit[1] as any;
  assert.equal(removed.before.status, "ACTIVE");
  assert.equal(removed.after.status, "REMOVED");
  assert.deepEqual(removed.after.withdrawnOfferIds, []);
  assert.match(removed.actor, /^api_key:/);

  const booked = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await ctx.deps.db.query("UPDATE waitlist_entries SET status = 'BOOKED' WHERE id = $1", [booked.id]);
  assert.equal((await call(ctx, "DELETE", entryUrl(booked.id), { key: s.clinic.key })).status, 409);

  const ghost = await call(ctx, "DELETE", entryUrl("00000000-0000-4000-8000-000000000000"), { key: s.clinic.key });
  assert.equal(ghost.status, 404);
  const other = await aStaffedClinic(ctx);
  const foreign = await anEntry(ctx, other.clinic, { patientId: other.patient.id, serviceId: other.service.id });
  assert.equal((await call(ctx, "DELETE", entryUrl(foreign.id), { key: s.clinic.key })).status, 404);
  assert.equal((await call(ctx, "GET", entryUrl(foreign.id), { key: other.clinic.key })).body.status, "ACTIVE");
});

test("DELETE withdraws the entry's live offer (the entry was NOTIFIED); other offers are untouched", async () => {
  const s = await aStaffedClinic(ctx);
  const e = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const p2 = await aPatient(ctx, s.clinic, { phone: "+16175550133" });
  const e2 = await anEntry(ctx, s.clinic, { patientId: p2.id, serviceId: s.service.id });
  const db = ctx.deps.db;
  const { rows: openings } = await db.query(
    `INSERT INTO openings (clinic_id, provider_id, start_at, end_at, status, source, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'OPEN', 'NEW_SLOT', $5, $5) RETURNING id`,
    [s.clinic.id, s.provider.id, inHours(24), inHours(25), T0],
  );
  const openingId = openings[0].id;
  const offer = async (entryId: string, patientId: string) => {
    const { rows } = await db.query(
      `INSERT INTO offers (clinic_id, opening_id, entry_id, patient_id, status, channel, sent_at, hold_expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'PENDING', 'SMS', $5, $6, $5, $5) RETURNING id`,
      [s.clinic.id, openingId, entryId, patientId, T0, new Date(T0.getTime() + 2 * 3_600_000)],
    );
    await db.query("UPDATE waitlist_entries SET status = 'NOTIFIED', notification_count = 1 WHERE id = $1", [entryId]);
    return rows[0].id as string;
  };
  const offerId = await offer(e.id, s.patient.id);
  const otherOfferId = await offer(e2.id, p2.id);

  // While the offer is live, the entry cannot be set ACTIVE by hand.
  const early = await call(ctx, "PATCH", entryUrl(e.id), { key: s.clinic.key, body: { status: "ACTIVE" } });
  assert.equal(early.status, 409);

  ctx.clock.advanceMinutes(5);
  const res = await call(ctx, "DELETE", entryUrl(e.id), { key: s.clinic.key });
  ctx.clock.set(T0);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "REMOVED");

  const { rows } = await db.query("SELECT id, status, hold_released, updated_at FROM offers WHERE opening_id = $1", [openingId]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(byId.get(offerId).status, "WITHDRAWN");
  assert.equal(byId.get(offerId).hold_released, true);
  assert.equal(byId.get(offerId).updated_at.toISOString(), new Date(T0.getTime() + 5 * 60_000).toISOString());
  assert.equal(byId.get(otherOfferId).status, "PENDING");
  assert.equal((await call(ctx, "GET", entryUrl(e2.id), { key: s.clinic.key })).body.status, "NOTIFIED");
  const { rows: opening } = await db.query("SELECT status FROM openings WHERE id = $1", [openingId]);
  assert.equal(opening[0].status, "OPEN");

  const audit = await listAudit(db, s.clinic.id, "waitlist_entry", e.id);
  const removed = audit.find((a) => a.action === "waitlist_entry.removed") as any;
  assert.equal(removed.before.status, "NOTIFIED");
  assert.deepEqual(removed.after.withdrawnOfferIds, [offerId]);
});
