// Webhook endpoints (API.md "Events out (webhooks)"): CRUD under clinic:admin, the secret shown once and
// never read back, rotation keeping the old secret 24 h, event types checked, the SSRF guard in production,
// tenancy, and the deliveries list / retry / test event on rows written by real changes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aClinic, aPatient, call, T0, testApp, type TestContext } from "../harness/app.ts";

const ctx = await testApp();
const base = "/api/booking/webhook-endpoints";
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const HOOK = "http://127.0.0.1:9/hook";

async function anEndpoint(c: TestContext, key: string, body: Record<string, unknown> = {}) {
  const res = await call(c, "POST", base, { key, body: { url: HOOK, ...body } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; secret: string; url: string; events: string[] };
}

async function endpointRow(id: string) {
  const { rows } = await ctx.deps.db.query("SELECT * FROM webhook_endpoints WHERE id = $1", [id]);
  return rows[0];
}

async function deliveryRows(endpointId: string) {
  const { rows } = await ctx.deps.db.query(
    `SELECT d.*, e.type, e.entity, e.entity_id, e.data FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 ORDER BY d.created_at, d.id`,
    [endpointId],
  );
  return rows;
}

async function auditText(clinicId: string): Promise<string> {
  const { rows } = await ctx.deps.db.query("SELECT action, before, after FROM audit_log WHERE clinic_id = $1 ORDER BY id", [clinicId]);
  return JSON.stringify(rows);
}

test("create: 201 with the secret (whsec_ + base64 of 32 bytes) once; reads, list, audit and log never carry it", async () => {
  const clinic = await aClinic(ctx);
  const res = await call(ctx, "POST", base, { key: clinic.key, body: { url: HOOK, description: " Practice system " } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { id, secret } = res.body;
  assert.match(secret, SECRET);
  assert.equal(Buffer.from(secret.slice("whsec_".length), "base64").length, 32);
  assert.deepEqual(
    { url: res.body.url, events: res.body.events, description: res.body.description, disabled: res.body.disabled, createdAt: res.body.createdAt },
    { url: HOOK, events: ["*"], description: "Practice system", disabled: false, createdAt: ctx.clock.now().toISOString() },
  );
  assert.equal((await endpointRow(id)).secret, secret);

  const got = await call(ctx, "GET", `${base}/${id}`, { key: clinic.key });
  assert.equal(got.status, 200);
  assert.equal(got.body.id, id);
  assert.equal(got.body.disabledReason, null);
  assert.equal(got.body.disabledAt, null);
  const list = await call(ctx, "GET", base, { key: clinic.key });
  assert.deepEqual(
    list.body.items.map((e: any) => e.id),
    [id],
  );
  for (const read of [got.body, list.body]) {
    assert.ok(!JSON.stringify(read).includes(secret), "a read shows the secret");
    assert.ok(!JSON.stringify(read).includes("whsec_"), "a read shows a secret");
  }
  const audit = await auditText(clinic.id);
  assert.match(audit, /webhook_endpoint\.created/);
  assert.ok(!audit.includes("whsec_"), "the audit log holds the secret");
  assert.ok(!ctx.logged.join("\n").includes(secret), "the log holds the secret");

  // Two endpoints never share a secret.
  const other = await anEndpoint(ctx, clinic.key);
  assert.notEqual(other.secret, secret);
});

test("events: each must be one of the 16 types or *; a bad one is 422 naming /events/<index>; duplicates collapse", async () => {
  const clinic = await aClinic(ctx);
  const bad = await call(ctx, "POST", base, { key: clinic.key, body: { url: HOOK, events: ["appointment.created", "offer.sent", "offer.maybe"] } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, "validation_failed");
  assert.deepEqual(
    bad.body.errors.map((e: any) => e.path),
    ["/events/2"],
  );
  const empty = await call(ctx, "POST", base, { key: clinic.key, body: { url: HOOK, events: [] } });
  assert.equal(empty.status, 422);
  assert.deepEqual(
    empty.body.errors.map((e: any) => e.path),
    ["/events"],
  );
  const both = await call(ctx, "POST", base, { key: clinic.key, body: { url: "ftp://example.com/x", events: ["nope"] } });
  assert.equal(both.status, 422);
  assert.deepEqual(both.body.errors.map((e: any) => e.path).sort(), ["/events/0", "/url"]);
  assert.equal((await call(ctx, "GET", base, { key: clinic.key })).body.items.length, 0, "nothing was written");

  const ok = await anEndpoint(ctx, clinic.key, { events: ["webhook.test", "patient.consent_changed", "webhook.test"] });
  assert.deepEqual(ok.events, ["webhook.test", "patient.consent_changed"]);
  const patched = await call(ctx, "PATCH", `${base}/${ok.id}`, { key: clinic.key, body: { events: ["*", "opening.filled"] } });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.events, ["*", "opening.filled"]);
  const badPatch = await call(ctx, "PATCH", `${base}/${ok.id}`, { key: clinic.key, body: { events: ["opening.filled", "Opening.Created"] } });
  assert.equal(badPatch.status, 422);
  assert.deepEqual(
    badPatch.body.errors.map((e: any) => e.path),
    ["/events/1"],
  );
  assert.deepEqual((await endpointRow(ok.id)).events, ["*", "opening.filled"]);
});

test("URLs: http(s) only, no credentials, outside production local receivers are fine", async () => {
  const clinic = await aClinic(ctx);
  for (const url of ["ftp://example.com/hook", "not a url", "https://user:pw@example.com/hook", "javascript:alert(1)"]) {
    const res = await call(ctx, "POST", base, { key: clinic.key, body: { url } });
    assert.equal(res.status, 422, url);
    assert.deepEqual(
      res.body.errors.map((e: any) => e.path),
      ["/url"],
      url,
    );
  }
  for (const url of ["http://localhost:4000/hook", "http://10.0.0.5/hook", "https://[::1]:8443/x"]) {
    assert.equal((await call(ctx, "POST", base, { key: clinic.key, body: { url } })).status, 201, url);
  }
});

test("production: the URL must be https and reach public addresses only (422 at /url), on create and on PATCH", async () => {
  const prod = await testApp({ NODE_ENV: "production" });
  const clinic = await aClinic(prod);
  const refused: [string, RegExp][] = [
    ["http://example.com/hook", /https/],
    ["https://127.0.0.1/hook", /loopback/],
    ["https://[::1]/hook", /loopback/],
    ["https://10.0.0.1/hook", /private/],
    ["https://172.16.4.4/hook", /private/],
    ["https://192.168.1.20/hook", /private/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://localhost/hook", /resolves to a loopback address/],
  ];
  for (const [url, reason] of refused) {
    const res = await call(prod, "POST", base, { key: clinic.key, body: { url } });
    assert.equal(res.status, 422, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
    assert.equal(res.body.errors[0].path, "/url");
    assert.match(res.body.errors[0].message, reason, url);
  }
  // A public IP literal needs no DNS.
  const ok = await call(prod, "POST", base, { key: clinic.key, body: { url: "https://93.184.216.34/hook" } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const patch = await call(prod, "PATCH", `${base}/${ok.body.id}`, { key: clinic.key, body: { url: "https://10.1.1.1/hook" } });
  assert.equal(patch.status, 422);
  assert.equal(patch.body.errors[0].path, "/url");
  const got = await call(prod, "GET", `${base}/${ok.body.id}`, { key: clinic.key });
  assert.equal(got.body.url, "https://93.184.216.34/hook");
});

test("PATCH: url and description change; disable / enable; an empty patch changes nothing; each change audited", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key);
  ctx.clock.advanceMinutes(1);
  const patched = await call(ctx, "PATCH", `${base}/${e.id}`, { key: clinic.key, body: { url: "http://127.0.0.1:10/other", description: "ERP" } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.url, "http://127.0.0.1:10/other");
  assert.equal(patched.body.description, "ERP");
  assert.equal(patched.body.updatedAt, ctx.clock.now().toISOString());

  // A delivery due (the test event), then disabled: no longer due, and enabling does not revive it.
  const sent = await call(ctx, "POST", `${base}/${e.id}/test`, { key: clinic.key });
  assert.equal(sent.status, 202);
  const disabled = await call(ctx, "PATCH", `${base}/${e.id}`, { key: clinic.key, body: { disabled: true } });
  assert.equal(disabled.status, 200);
  assert.equal(disabled.body.disabled, true);
  assert.equal(disabled.body.disabledReason, "manual");
  assert.equal(disabled.body.disabledAt, ctx.clock.now().toISOString());
  assert.equal((await deliveryRows(e.id))[0].next_attempt_at, null);
  // A disabled endpoint takes no test event and no retry.
  assert.equal((await call(ctx, "POST", `${base}/${e.id}/test`, { key: clinic.key })).status, 409);
  assert.equal((await call(ctx, "POST", `${base}/${e.id}/deliveries/${sent.body.deliveryId}/retry`, { key: clinic.key })).status, 409);

  await ctx.deps.db.query("UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1", [e.id, T0]);
  const enabled = await call(ctx, "PATCH", `${base}/${e.id}`, { key: clinic.key, body: { disabled: false } });
  assert.equal(enabled.status, 200);
  assert.deepEqual(
    {
      disabled: enabled.body.disabled,
      disabledReason: enabled.body.disabledReason,
      disabledAt: enabled.body.disabledAt,
      failingSince: enabled.body.failingSince,
    },
    { disabled: false, disabledReason: null, disabledAt: null, failingSince: null },
  );
  const row = await endpointRow(e.id);
  assert.deepEqual([row.disabled_reason, row.disabled_at, row.failing_since], [null, null, null]);
  assert.equal((await deliveryRows(e.id))[0].next_attempt_at, null, "re-enabling revived a delivery");

  const updates = () => ctx.deps.db.query("SELECT count(*)::int AS n FROM audit_log WHERE clinic_id = $1 AND action = 'webhook_endpoint.updated'", [clinic.id]);
  const before = (await updates()).rows[0].n;
  assert.equal(before, 3);
  const same = await call(ctx, "PATCH", `${base}/${e.id}`, { key: clinic.key, body: { disabled: false, description: "ERP" } });
  assert.equal(same.status, 200);
  assert.equal((await updates()).rows[0].n, before, "a patch that changes nothing is not audited");
  assert.equal((await call(ctx, "PATCH", `${base}/${e.id}`, { key: clinic.key, body: {} })).status, 200);
});

test("rotate-secret: a new secret once; the old one kept as previous_secret for 24 h; reads still without secrets", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key);
  const res = await call(ctx, "POST", `${base}/${e.id}/rotate-secret`, { key: clinic.key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.secret, SECRET);
  assert.notEqual(res.body.secret, e.secret);
  const expires = new Date(ctx.clock.now().getTime() + 24 * 3_600_000);
  assert.equal(res.body.previousSecretExpiresAt, expires.toISOString());
  const row = await endpointRow(e.id);
  assert.equal(row.secret, res.body.secret);
  assert.equal(row.previous_secret, e.secret);
  assert.equal(row.previous_secret_expires_at.toISOString(), expires.toISOString());
  const got = await call(ctx, "GET", `${base}/${e.id}`, { key: clinic.key });
  assert.ok(!JSON.stringify(got.body).includes("whsec_"));
  assert.equal(got.body.previousSecretExpiresAt, expires.toISOString());
  const audit = await auditText(clinic.id);
  assert.match(audit, /webhook_endpoint\.secret_rotated/);
  assert.ok(!audit.includes("whsec_"), "the audit log holds a secret");
});

test("DELETE: 204, then 404; its deliveries go with it", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key);
  await call(ctx, "POST", `${base}/${e.id}/test`, { key: clinic.key });
  const res = await call(ctx, "DELETE", `${base}/${e.id}`, { key: clinic.key });
  assert.equal(res.status, 204);
  assert.equal((await call(ctx, "GET", `${base}/${e.id}`, { key: clinic.key })).status, 404);
  assert.equal((await call(ctx, "DELETE", `${base}/${e.id}`, { key: clinic.key })).status, 404);
  assert.equal((await deliveryRows(e.id)).length, 0);
  assert.match(await auditText(clinic.id), /webhook_endpoint\.deleted/);
});

test("a key without clinic:admin is 403 on every webhook endpoint route", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key);
  const issued = await call(ctx, "POST", "/api/booking/api-keys", {
    key: clinic.key,
    body: { name: "desk", permissions: ["booking:manage_schedule", "booking:manage_waitlist", "booking:view_analytics"] },
  });
  const desk = issued.body.apiKey as string;
  const U = "3f1c9d2e-7a4b-4c8d-9e0f-112233445566";
  const routes: ["GET" | "POST" | "PATCH" | "DELETE", string, object?][] = [
    ["POST", base, { url: HOOK }],
    ["GET", base],
    ["GET", `${base}/${e.id}`],
    ["PATCH", `${base}/${e.id}`, { disabled: true }],
    ["DELETE", `${base}/${e.id}`],
    ["POST", `${base}/${e.id}/rotate-secret`],
    ["POST", `${base}/${e.id}/test`],
    ["GET", `${base}/${e.id}/deliveries`],
    ["POST", `${base}/${e.id}/deliveries/${U}/retry`],
  ];
  for (const [method, url, body] of routes) {
    const res = await call(ctx, method, url, { key: desk, ...(body ? { body } : {}) });
    assert.equal(res.status, 403, `${method} ${url}`);
    assert.equal(res.body.code, "forbidden");
  }
  assert.equal((await endpointRow(e.id)).disabled, false);
});

test("tenancy: another clinic's endpoint and deliveries are 404 on every route, and never listed", async () => {
  const a = await aClinic(ctx, { name: "A" });
  const b = await aClinic(ctx, { name: "B" });
  const e = await anEndpoint(ctx, a.key);
  const sent = await call(ctx, "POST", `${base}/${e.id}/test`, { key: a.key });
  const mine = await anEndpoint(ctx, b.key);
  const routes: ["GET" | "POST" | "PATCH" | "DELETE", string, object?][] = [
    ["GET", `${base}/${e.id}`],
    ["PATCH", `${base}/${e.id}`, { disabled: true }],
    ["DELETE", `${base}/${e.id}`],
    ["POST", `${base}/${e.id}/rotate-secret`],
    ["POST", `${base}/${e.id}/test`],
    ["GET", `${base}/${e.id}/deliveries`],
    ["POST", `${base}/${e.id}/deliveries/${sent.body.deliveryId}/retry`],
    // B's own endpoint with A's delivery.
    ["POST", `${base}/${mine.id}/deliveries/${sent.body.deliveryId}/retry`],
  ];
  for (const [method, url, body] of routes) {
    const res = await call(ctx, method, url, { key: b.key, ...(body ? { body } : {}) });
    assert.equal(res.status, 404, `${method} ${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "not_found");
  }
  assert.deepEqual(
    (await call(ctx, "GET", base, { key: b.key })).body.items.map((x: any) => x.id),
    [mine.id],
  );
  const row = await endpointRow(e.id);
  assert.equal(row.disabled, false);
  assert.equal(row.secret, e.secret);
  assert.equal((await deliveryRows(e.id)).length, 1);
});

test("deliveries: a real change (a patient with smsConsent) is listed newest first, paged by cursor", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key, { events: ["patient.consent_changed"] });
  const other = await anEndpoint(ctx, clinic.key, { events: ["opening.created"] });
  const start = ctx.clock.now().getTime();
  const patients = [];
  for (const phone of ["+16175550101", "+16175550102", "+16175550103"]) {
    patients.push(await aPatient(ctx, clinic, { phone }));
    ctx.clock.advanceMinutes(1);
  }
  const rows = await deliveryRows(e.id);
  assert.deepEqual(
    rows.map((r) => [r.type, r.entity_id]),
    patients.map((p) => ["patient.consent_changed", p.id]),
  );
  assert.equal((await deliveryRows(other.id)).length, 0, "an endpoint gets only the types it takes");

  const first = await call(ctx, "GET", `${base}/${e.id}/deliveries?limit=2`, { key: clinic.key });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(
    first.body.items.map((d: any) => d.id),
    [rows[2].id, rows[1].id],
  );
  assert.deepEqual(first.body.items[0], {
    id: rows[2].id,
    type: "patient.consent_changed",
    status: "PENDING",
    attempts: 0,
    lastStatusCode: null,
    nextAttemptAt: new Date(start + 2 * 60_000).toISOString(),
    createdAt: rows[2].created_at.toISOString(),
  });
  assert.ok(first.body.nextCursor);
  const second = await call(ctx, "GET", `${base}/${e.id}/deliveries?limit=2&cursor=${first.body.nextCursor}`, { key: clinic.key });
  assert.deepEqual(
    second.body.items.map((d: any) => d.id),
    [rows[0].id],
  );
  assert.equal(second.body.nextCursor, null);
  const bad = await call(ctx, "GET", `${base}/${e.id}/deliveries?cursor=nope`, { key: clinic.key });
  assert.equal(bad.status, 422);
});

test("retry: due now; GAVE_UP becomes FAILED, SUCCEEDED and FAILED keep their status; attempts kept", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key);
  await aPatient(ctx, clinic, { phone: "+16175550121" });
  await aPatient(ctx, clinic, { phone: "+16175550122" });
  await aPatient(ctx, clinic, { phone: "+16175550123" });
  const [gaveUp, succeeded, failed] = await deliveryRows(e.id);
  const set = (id: string, status: string, attempts: number, code: number | null) =>
    ctx.deps.db.query("UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status_code = $4, next_attempt_at = NULL WHERE id = $1", [
      id,
      status,
      attempts,
      code,
    ]);
  await set(gaveUp.id, "GAVE_UP", 8, 500);
  await set(succeeded.id, "SUCCEEDED", 1, 200);
  await set(failed.id, "FAILED", 2, 503);
  ctx.clock.advanceMinutes(60);
  const now = ctx.clock.now().toISOString();

  for (const [row, status, attempts, code] of [
    [gaveUp, "FAILED", 8, 500],
    [succeeded, "SUCCEEDED", 1, 200],
    [failed, "FAILED", 2, 503],
  ] as const) {
    const res = await call(ctx, "POST", `${base}/${e.id}/deliveries/${row.id}/retry`, { key: clinic.key });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(
      { id: res.body.id, status: res.body.status, attempts: res.body.attempts, lastStatusCode: res.body.lastStatusCode, nextAttemptAt: res.body.nextAttemptAt },
      { id: row.id, status, attempts, lastStatusCode: code, nextAttemptAt: now },
    );
  }
  const after = await deliveryRows(e.id);
  assert.deepEqual(
    after.map((r) => [r.status, r.attempts, r.next_attempt_at.toISOString(), r.event_id]),
    [
      ["FAILED", 8, now, gaveUp.event_id],
      ["SUCCEEDED", 1, now, succeeded.event_id],
      ["FAILED", 2, now, failed.event_id],
    ],
  );
  assert.equal((await call(ctx, "POST", `${base}/${e.id}/deliveries/3f1c9d2e-7a4b-4c8d-9e0f-112233445566/retry`, { key: clinic.key })).status, 404);
});

test("test event: one webhook.test event and one delivery to that endpoint only, due now, whatever it subscribes to", async () => {
  const clinic = await aClinic(ctx);
  const e = await anEndpoint(ctx, clinic.key, { events: ["offer.sent"] });
  const other = await anEndpoint(ctx, clinic.key);
  const res = await call(ctx, "POST", `${base}/${e.id}/test`, { key: clinic.key });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const rows = await deliveryRows(e.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].id, res.body.deliveryId);
  assert.equal(rows[0].type, "webhook.test");
  assert.equal(rows[0].entity, "webhook");
  assert.equal(rows[0].status, "PENDING");
  assert.equal(rows[0].next_attempt_at.toISOString(), ctx.clock.now().toISOString());
  assert.equal(rows[0].data.endpointId, e.id);
  assert.equal(typeof rows[0].data.message, "string");
  assert.equal((await deliveryRows(other.id)).length, 0);
  const { rows: events } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM webhook_events WHERE clinic_id = $1", [clinic.id]);
  assert.equal(events[0].n, 1);
  const listed = await call(ctx, "GET", `${base}/${e.id}/deliveries`, { key: clinic.key });
  assert.deepEqual(
    listed.body.items.map((d: any) => [d.id, d.type]),
    [[res.body.deliveryId, "webhook.test"]],
  );
});
