// GET /api/booking/audit-log (API.md "Audit log"): newest first, actors as { type, id }, filters
// validated, paged, scoped to the clinic, and no patient name or contact detail in before/after.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const log = (key: string, query = "") => call(ctx, "GET", `/api/booking/audit-log${query}`, { key });

const SECRET = { firstName: "Zelda", lastName: "Quixotica", phone: "+16175550142", email: "zelda.q@example.org" };

async function aScene() {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx);
  const issued = await call(ctx, "POST", "/api/booking/api-keys", {
    key: clinic.key,
    body: { name: "desk", permissions: ["booking:manage_waitlist", "booking:manage_schedule"] },
  });
  assert.equal(issued.status, 201);
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const patient = await aPatient(ctx, clinic, { ...SECRET, phone: "+16175550141", smsConsent: true, emailConsent: true });
  ctx.clock.set(later(1));
  const patched = await call(ctx, "PATCH", `/api/booking/patients/${patient.id}`, { key: issued.body.apiKey, body: { phone: SECRET.phone } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  ctx.clock.set(later(2));
  const entry = await anEntry(ctx, { key: issued.body.apiKey }, { patientId: patient.id, serviceId: service.id });
  ctx.clock.set(later(3));
  const opening = await anOpening(ctx, clinic, { providerId: provider.id, start: inHours(24), end: inHours(25) });
  await drain(); // the system offers it by SMS
  ctx.clock.set(later(4));
  const yes = await call(ctx, "POST", "/api/dev/inbound-sms", { key: clinic.key, body: { from: SECRET.phone, body: "YES" } });
  assert.equal(yes.body.action, "accepted", JSON.stringify(yes.body));
  return { clinic, keyId: issued.body.id as string, patient, entry, opening };
}

test("newest first; actors as { type, id }; the patient's name, phone and email never appear", async () => {
  const s = await aScene();
  const res = await log(s.clinic.key, "?limit=200");
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const items = res.body.items as any[];
  assert.ok(items.length >= 8, `${items.length} rows`);
  const times = items.map((i) => Date.parse(i.at));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
    "newest first",
  );
  const raw = JSON.stringify(res.body);
  for (const secret of [...Object.values(SECRET), "+16175550141", "Zelda", "Quixotica"]) assert.ok(!raw.includes(secret), `${secret} leaked`);
  assert.ok(!/\+1617555\d{4}/.test(raw), "no phone at all");

  const updated = items.find((i) => i.action === "patient.updated");
  assert.deepEqual(updated.actor, { type: "api_key", id: s.keyId });
  assert.equal(updated.entityType, "patient");
  assert.equal(updated.entityId, s.patient.id);
  assert.equal(updated.after.phone, "[redacted: changed]", "says the phone changed without showing it");
  assert.equal(updated.before.phone, "[redacted: changed]");
  assert.equal(updated.after.firstName, "[redacted]");
  assert.equal(updated.after.email, "[redacted]");
  assert.equal(updated.after.timezone, updated.before.timezone, "other fields as stored");

  const accepted = items.find((i) => i.action === "offer.accepted");
  assert.deepEqual(accepted.actor, { type: "patient", id: s.patient.id, via: "sms" }, "the offer's patient, resolved from patient:sms:<offerId>");
  assert.equal(accepted.after.status, "ACCEPTED");
  assert.equal(accepted.after.message, "[redacted]", "the offer text stays out");
  const created = items.find((i) => i.action === "offer.created");
  assert.deepEqual(created.actor, { type: "system", id: null });
  const clinicRow = items.find((i) => i.action === "clinic.created");
  assert.deepEqual(clinicRow.actor, { type: "system", id: "admin" }, "the instance's admin token");
  assert.deepEqual(Object.keys(clinicRow).sort(), ["action", "actor", "after", "at", "before", "entityId", "entityType", "id"]);
});

test("filters: entityType + entityId, action, from/to; paging by cursor visits every row once, in order", async () => {
  const s = await aScene();
  const all = (await log(s.clinic.key, "?limit=200")).body.items as any[];
  const mine = (await log(s.clinic.key, `?entityType=waitlist_entry&entityId=${s.entry.id}`)).body.items as any[];
  assert.ok(mine.length >= 2);
  assert.ok(mine.every((i) => i.entityType === "waitlist_entry" && i.entityId === s.entry.id));
  assert.deepEqual(
    mine.map((i) => i.id),
    all.filter((i) => i.entityType === "waitlist_entry" && i.entityId === s.entry.id).map((i) => i.id),
  );
  const byAction = (await log(s.clinic.key, "?action=patient.updated")).body.items as any[];
  assert.deepEqual(
    byAction.map((i) => i.action),
    ["patient.updated"],
  );
  const window = `?from=${encodeURIComponent(later(1).toISOString())}&to=${encodeURIComponent(later(3).toISOString())}`;
  const inWindow = (await log(s.clinic.key, window)).body.items as any[];
  assert.ok(inWindow.length > 0);
  assert.ok(inWindow.every((i) => Date.parse(i.at) >= later(1).getTime() && Date.parse(i.at) < later(3).getTime()));
  assert.deepEqual(
    inWindow.map((i) => i.id),
    all.filter((i) => Date.parse(i.at) >= later(1).getTime() && Date.parse(i.at) < later(3).getTime()).map((i) => i.id),
  );

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await log(s.clinic.key, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.items.length <= 3);
    seen.push(...page.body.items.map((i: any) => i.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(
    seen,
    all.map((i) => i.id),
  );
});

test("every bad filter is a 422 naming the field; clinic:admin only; another clinic's rows are never listed", async () => {
  const s = await aScene();
  const bad: [string, string][] = [
    ["?entityType=bogus", "querystring/entityType"],
    ["?entityId=not-a-uuid", "querystring/entityId"],
    ["?action=DROP%20TABLE", "querystring/action"],
    ["?from=yesterday", "querystring/from"],
    ["?to=2026-13-45T00:00:00Z", "querystring/to"],
    [`?from=${encodeURIComponent(later(5).toISOString())}&to=${encodeURIComponent(later(1).toISOString())}`, "querystring/to"],
    ["?limit=500", "querystring/limit"],
    ["?cursor=garbage", "querystring/cursor"],
    ["?actor=me", "querystring/actor"],
  ];
  for (const [query, path] of bad) {
    const res = await log(s.clinic.key, query);
    assert.equal(res.status, 422, `${query}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
    assert.ok(
      res.body.errors.some((e: any) => e.path === path),
      `${query}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  const desk = await call(ctx, "POST", "/api/booking/api-keys", { key: s.clinic.key, body: { name: "viewer", permissions: ["booking:view_analytics"] } });
  assert.equal((await log(desk.body.apiKey)).status, 403);
  assert.equal((await call(ctx, "GET", "/api/booking/audit-log")).status, 401);

  const other = await aClinic(ctx, { name: "Other" });
  const theirs = (await log(other.key, "?limit=200")).body.items as any[];
  assert.ok(theirs.length > 0);
  assert.ok(!JSON.stringify(theirs).includes(s.patient.id));
  assert.deepEqual((await log(other.key, `?entityType=patient&entityId=${s.patient.id}`)).body.items, []);
});
