// Bootstrap: clinics made with the admin token, their settings (defaults, merging patches, validation,
// audit) and API keys (issued once, stored hashed, scoped by permission, revocable).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { listAudit } from "../../src/store/audit.ts";
import { ADMIN_TOKEN, aClinic, call, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();

const FACIAL = { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 12, fullChargeHours: 12 };
/** The defaults API.md lists, for a clinic in `timezone`. */
const documentedDefaults = (timezone: string) => ({
  holdMinutes: 120,
  maxNotificationsPerEntry: 3,
  quietHours: { start: "21:00", end: "08:00" },
  strategy: "sequential",
  waveSize: 1,
  cutoffMinutes: 30,
  channelOrder: ["SMS", "EMAIL", "VOICE"],
  fallbackDelayMinutes: 2,
  alternativesHorizonHours: 48,
  noShowGraceMinutes: 5,
  noShowDiscountPercent: 20,
  noShowDepositCents: 5000,
  dailyCapPerPatient: 1,
  weeklyCapPerPatient: 3,
  reminderHoursBefore: 24,
  cancellationPolicies: {
    injectables: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
    laser: { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
    facial: FACIAL,
    default: FACIAL,
  },
  staffAlertEmail: null,
  timezone,
});

/** The documented members of a settings answer (extra members are allowed by API.md). */
function documented(settings: Record<string, unknown>) {
  return Object.fromEntries(Object.keys(documentedDefaults("x")).map((k) => [k, settings[k]]));
}

const settingsOf = (key: string) => call(ctx, "GET", "/api/booking/settings", { key });
const patch = (key: string, body: unknown) => call(ctx, "PATCH", "/api/booking/settings", { key, body });

test("POST /api/admin/clinics: 201 { clinic: { id, name, timezone }, apiKey }, and the key works", async () => {
  const res = await call(ctx, "POST", "/api/admin/clinics", {
    key: ADMIN_TOKEN,
    body: { name: "  Harbor Dental  ", timezone: "America/Chicago" },
  });
  assert.equal(res.status, 201);
  assert.deepEqual(Object.keys(res.body).sort(), ["apiKey", "clinic"]);
  assert.deepEqual(Object.keys(res.body.clinic).sort(), ["id", "name", "timezone"]);
  assert.match(res.body.clinic.id, /^[0-9a-f-]{36}$/);
  assert.equal(res.body.clinic.name, "Harbor Dental");
  assert.equal(res.body.clinic.timezone, "America/Chicago");
  assert.equal(typeof res.body.apiKey, "string");
  assert.ok(res.body.apiKey.length >= 40);

  // The key carries every permission: settings (clinic:admin), schedule, waitlist all answer.
  const key = res.body.apiKey;
  assert.equal((await settingsOf(key)).status, 200);
  assert.equal((await call(ctx, "GET", "/api/booking/providers", { key })).status, 200);
  assert.equal((await call(ctx, "GET", "/api/booking/waitlist", { key })).status, 200);

  // Stored hashed: the key itself is nowhere in the table.
  const { rows } = await ctx.deps.db.query("SELECT * FROM api_keys WHERE clinic_id = $1", [res.body.clinic.id]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].key_hash, createHash("sha256").update(key).digest("hex"));
  assert.ok(!JSON.stringify(rows).includes(key));
  assert.deepEqual([...rows[0].permissions].sort(), ["booking:manage_schedule", "booking:manage_waitlist", "booking:view_analytics", "clinic:admin"]);

  const audit = await listAudit(ctx.deps.db, res.body.clinic.id);
  assert.deepEqual(
    audit.map((a) => a.action),
    ["clinic.created", "api_key.created"],
  );
});

test("POST /api/admin/clinics: wrong or missing admin token → 401; a clinic key is not the admin token; bad zone → 422", async () => {
  const body = { name: "X", timezone: "America/New_York" };
  const none = await call(ctx, "POST", "/api/admin/clinics", { body });
  assert.equal(none.status, 401);
  assert.equal(none.body.code, "unauthorized");
  const wrong = await call(ctx, "POST", "/api/admin/clinics", { key: "not-the-admin-token-at-all", body });
  assert.equal(wrong.status, 401);
  const clinic = await aClinic(ctx);
  const clinicKey = await call(ctx, "POST", "/api/admin/clinics", { key: clinic.key, body });
  assert.equal(clinicKey.status, 401);

  const zone = await call(ctx, "POST", "/api/admin/clinics", { key: ADMIN_TOKEN, body: { name: "X", timezone: "Mars/Olympus" } });
  assert.equal(zone.status, 422);
  assert.equal(zone.body.code, "validation_failed");
  assert.deepEqual(
    zone.body.errors.map((e: any) => e.path),
    ["/timezone"],
  );
  const offset = await call(ctx, "POST", "/api/admin/clinics", { key: ADMIN_TOKEN, body: { name: "X", timezone: "+02:00" } });
  assert.equal(offset.status, 422);
  const missing = await call(ctx, "POST", "/api/admin/clinics", { key: ADMIN_TOKEN, body: { timezone: "UTC" } });
  assert.equal(missing.status, 422);
  assert.deepEqual(
    missing.body.errors.map((e: any) => e.path),
    ["/name"],
  );
});

test("GET /api/booking/settings: exactly the API.md defaults, timezone = the clinic's", async () => {
  const clinic = await aClinic(ctx, { timezone: "Europe/Berlin" });
  const res = await settingsOf(clinic.key);
  assert.equal(res.status, 200);
  assert.deepEqual(documented(res.body), documentedDefaults("Europe/Berlin"));
  // The extras this implementation adds, with their defaults.
  assert.equal(res.body.openingDebounceMinutes, 0);
  assert.equal(res.body.phoneCountry, "US");
  // A fresh clinic stores no overrides: defaults live in code.
  const { rows } = await ctx.deps.db.query("SELECT settings FROM clinics WHERE id = $1", [clinic.id]);
  assert.deepEqual(rows[0].settings, {});
});

test("PATCH settings merges: one field changes, the rest keep their values; a partial quietHours keeps the other end", async () => {
  const clinic = await aClinic(ctx);
  const res = await patch(clinic.key, { holdMinutes: 60, strategy: "broadcast", waveSize: 3 });
  assert.equal(res.status, 200);
  assert.deepEqual(documented(res.body), { ...documentedDefaults("America/New_York"), holdMinutes: 60, strategy: "broadcast", waveSize: 3 });

  const quiet = await patch(clinic.key, { quietHours: { start: "20:00" } });
  assert.equal(quiet.status, 200, JSON.stringify(quiet.body));
  assert.deepEqual(quiet.body.quietHours, { start: "20:00", end: "08:00" });
  const quietEnd = await patch(clinic.key, { quietHours: { end: "07:30" } });
  assert.equal(quietEnd.status, 200, JSON.stringify(quietEnd.body));
  assert.deepEqual(quietEnd.body.quietHours, { start: "20:00", end: "07:30" });

  // Earlier changes survive later patches, and GET agrees with PATCH's answer.
  const got = await settingsOf(clinic.key);
  assert.deepEqual(got.body, quietEnd.body);
  assert.equal(got.body.holdMinutes, 60);
  assert.equal(got.body.strategy, "broadcast");
});

test("PATCH settings: adding one cancellation policy keeps the others; changing one keeps the rest", async () => {
  const clinic = await aClinic(ctx);
  const hygiene = { gracePeriodMinutes: 5, feePercent: 25, noticeHours: 48, fullChargeHours: 6 };
  const res = await patch(clinic.key, { cancellationPolicies: { hygiene } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.cancellationPolicies, { ...documentedDefaults("UTC").cancellationPolicies, hygiene });

  const laser = { gracePeriodMinutes: 0, feePercent: 100, noticeHours: 24, fullChargeHours: 24 };
  const res2 = await patch(clinic.key, { cancellationPolicies: { laser } });
  assert.equal(res2.status, 200);
  assert.deepEqual(res2.body.cancellationPolicies, { ...documentedDefaults("UTC").cancellationPolicies, hygiene, laser });
});

test("PATCH settings: a time zone change moves the clinic", async () => {
  const clinic = await aClinic(ctx, { timezone: "America/New_York" });
  const res = await patch(clinic.key, { timezone: "Australia/Sydney" });
  assert.equal(res.status, 200);
  assert.equal(res.body.timezone, "Australia/Sydney");
  assert.equal((await settingsOf(clinic.key)).body.timezone, "Australia/Sydney");
  const { rows } = await ctx.deps.db.query("SELECT timezone, settings FROM clinics WHERE id = $1", [clinic.id]);
  assert.equal(rows[0].timezone, "Australia/Sydney");
  assert.equal(rows[0].settings.timezone, undefined, "the zone lives in its column, not among the overrides");
});

test("PATCH settings: invalid values → 422 validation_failed naming each bad field, and nothing changes", async () => {
  const clinic = await aClinic(ctx);
  const cases: [unknown, string[]][] = [
    [{ holdMinutes: 5 }, ["/holdMinutes"]],
    [{ holdMinutes: "120" }, ["/holdMinutes"]],
    [{ strategy: "lottery" }, ["/strategy"]],
    [{ timezone: "Nowhere/Special" }, ["/timezone"]],
    [{ quietHours: { start: "25:00" } }, ["/quietHours/start"]],
    [{ quietHours: { start: "08:00" } }, ["/quietHours"]],
    [{ channelOrder: ["SMS", "SMS"] }, ["/channelOrder"]],
    [{ channelOrder: ["FAX"] }, ["/channelOrder/0"]],
    [{ dailyCapPerPatient: 5, weeklyCapPerPatient: 2 }, ["/weeklyCapPerPatient"]],
    [
      { cancellationPolicies: { laser: { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 12, fullChargeHours: 24 } } },
      ["/cancellationPolicies/laser/fullChargeHours"],
    ],
    [{ cancellationPolicies: { laser: { feePercent: 150 } } }, ["/cancellationPolicies/laser"]],
    [{ staffAlertEmail: "not an email" }, ["/staffAlertEmail"]],
    [{ waveSize: 0, cutoffMinutes: -1 }, ["/waveSize", "/cutoffMinutes"]],
    [{ surprise: true }, ["/surprise"]],
  ];
  for (const [body, paths] of cases) {
    const res = await patch(clinic.key, body);
    assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
    assert.match(res.headers["content-type"] as string, /application\/problem\+json/);
    const got: string[] = res.body.errors.map((e: any) => e.path);
    for (const p of paths) {
      assert.ok(
        got.some((g) => g === p || g.startsWith(`${p}/`)),
        `${JSON.stringify(body)}: expected ${p} in ${JSON.stringify(got)}`,
      );
    }
  }
  assert.deepEqual(documented((await settingsOf(clinic.key)).body), documentedDefaults("America/New_York"));
  const audit = await listAudit(ctx.deps.db, clinic.id, "clinic");
  assert.ok(!audit.some((a) => a.action === "settings.changed"), "refused changes are not audited");
});

test("every settings change is audited with the settings before and after", async () => {
  const clinic = await aClinic(ctx);
  ctx.clock.set(new Date(T0.getTime() + 3_600_000));
  await patch(clinic.key, { holdMinutes: 90 });
  await patch(clinic.key, { timezone: "Europe/Paris", quietHours: { start: "22:00", end: "07:00" } });
  ctx.clock.set(T0);

  const changes = (await listAudit(ctx.deps.db, clinic.id, "clinic", clinic.id)).filter((a) => a.action === "settings.changed");
  assert.equal(changes.length, 2);
  const [first, second] = changes as [any, any];
  assert.equal(first.before.holdMinutes, 120);
  assert.equal(first.after.holdMinutes, 90);
  assert.equal(first.at.toISOString(), new Date(T0.getTime() + 3_600_000).toISOString());
  assert.match(first.actor, /^api_key:[0-9a-f-]{36}$/);
  assert.deepEqual(first.before, { ...first.after, holdMinutes: 120 });
  assert.equal(second.before.timezone, "America/New_York");
  assert.equal(second.after.timezone, "Europe/Paris");
  assert.deepEqual(second.before.quietHours, { start: "21:00", end: "08:00" });
  assert.deepEqual(second.after.quietHours, { start: "22:00", end: "07:00" });
  assert.equal(second.after.holdMinutes, 90);
});

test("API keys: POST (clinic:admin) → 201 { id, apiKey } shown once; the key has only its permissions", async () => {
  const clinic = await aClinic(ctx);
  const res = await call(ctx, "POST", "/api/booking/api-keys", {
    key: clinic.key,
    body: { name: "front desk", permissions: ["booking:manage_waitlist"] },
  });
  assert.equal(res.status, 201);
  assert.match(res.body.id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof res.body.apiKey, "string");
  assert.notEqual(res.body.apiKey, clinic.key);
  const key = res.body.apiKey as string;

  assert.equal((await call(ctx, "GET", "/api/booking/waitlist", { key })).status, 200);
  const schedule = await call(ctx, "GET", "/api/booking/providers", { key });
  assert.equal(schedule.status, 403);
  assert.equal(schedule.body.code, "forbidden");
  assert.equal((await settingsOf(key)).status, 403);
  assert.equal((await call(ctx, "POST", "/api/booking/api-keys", { key, body: { name: "escalate", permissions: ["clinic:admin"] } })).status, 403);

  const { rows } = await ctx.deps.db.query("SELECT key_hash FROM api_keys WHERE id = $1", [res.body.id]);
  assert.equal(rows[0].key_hash, createHash("sha256").update(key).digest("hex"));

  const bad = await call(ctx, "POST", "/api/booking/api-keys", { key: clinic.key, body: { name: "x", permissions: ["root"] } });
  assert.equal(bad.status, 422);
  assert.ok(bad.body.errors.some((e: any) => e.path.startsWith("/permissions")));
  const empty = await call(ctx, "POST", "/api/booking/api-keys", { key: clinic.key, body: { name: "x", permissions: [] } });
  assert.equal(empty.status, 422);
});

test("API keys: GET lists this clinic's keys without secrets; DELETE revokes (401 after), audited; again → 404", async () => {
  const clinic = await aClinic(ctx);
  const other = await aClinic(ctx, { name: "Other" });
  ctx.clock.advanceMinutes(1);
  const made = await call(ctx, "POST", "/api/booking/api-keys", {
    key: clinic.key,
    body: { name: "reports", permissions: ["booking:view_analytics", "booking:view_analytics"] },
  });
  ctx.clock.advanceMinutes(1);
  const revokedAt = ctx.clock.now().toISOString();
  assert.equal(made.status, 201);

  const listed = await call(ctx, "GET", "/api/booking/api-keys", { key: clinic.key });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.items.map((k: any) => k.name),
    ["bootstrap", "reports"],
  );
  const reports = listed.body.items[1];
  assert.deepEqual(reports.permissions, ["booking:view_analytics"]);
  assert.equal(reports.revokedAt, null);
  const text = JSON.stringify(listed.body);
  assert.ok(!text.includes(made.body.apiKey) && !text.includes(clinic.key));
  assert.ok(!/hash/i.test(text));

  // Another clinic can neither see nor revoke it.
  const otherList = await call(ctx, "GET", "/api/booking/api-keys", { key: other.key });
  assert.deepEqual(
    otherList.body.items.map((k: any) => k.name),
    ["bootstrap"],
  );
  assert.equal((await call(ctx, "DELETE", `/api/booking/api-keys/${made.body.id}`, { key: other.key })).status, 404);

  // Before revocation the key authenticates (403: it lacks the permission), after it does not (401).
  const before = await call(ctx, "GET", "/api/booking/providers", { key: made.body.apiKey });
  assert.equal(before.status, 403);
  const revoked = await call(ctx, "DELETE", `/api/booking/api-keys/${made.body.id}`, { key: clinic.key });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.id, made.body.id);
  assert.equal(revoked.body.revokedAt, revokedAt);
  ctx.clock.set(T0);

  const after = await call(ctx, "GET", "/api/booking/providers", { key: made.body.apiKey });
  assert.equal(after.status, 401);
  assert.equal(after.body.code, "unauthorized");
  const again = await call(ctx, "DELETE", `/api/booking/api-keys/${made.body.id}`, { key: clinic.key });
  assert.equal(again.status, 404);
  assert.equal(again.body.code, "not_found");
  const unknown = await call(ctx, "DELETE", "/api/booking/api-keys/00000000-0000-4000-8000-000000000000", { key: clinic.key });
  assert.equal(unknown.status, 404);
  const notUuid = await call(ctx, "DELETE", "/api/booking/api-keys/abc", { key: clinic.key });
  assert.equal(notUuid.status, 404);

  const audit = await listAudit(ctx.deps.db, clinic.id, "api_key", made.body.id);
  assert.deepEqual(
    audit.map((a) => a.action),
    ["api_key.created", "api_key.revoked"],
  );
  assert.ok(!JSON.stringify(audit).includes(made.body.apiKey));

  // Revoking the bootstrap key with itself works, and then it no longer does anything.
  const self = listed.body.items[0].id;
  assert.equal((await call(ctx, "DELETE", `/api/booking/api-keys/${self}`, { key: clinic.key })).status, 200);
  assert.equal((await settingsOf(clinic.key)).status, 401);
});
