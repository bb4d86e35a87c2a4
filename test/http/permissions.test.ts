// Permissions: every /api/booking route × every permission. A key carrying the route's permission passes
// the guard; any other key is 403 forbidden; no key, a malformed header, an unknown or revoked key is
// 401 unauthorized, before anything about the request (its body, its ids) is looked at.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PERMISSIONS, type Permission } from "../../src/core/permissions.ts";
import { ADMIN_TOKEN, aClinic, call, inHours, testApp, type TestContext } from "../harness/app.ts";
import { aWorld, documentedRoutes, request, type Method } from "../harness/world.ts";

const ctx = await testApp();

/** A world (a row of every kind, a live offer, a spare key) and one key per permission. */
async function aFixture(ctx: TestContext) {
  const w = await aWorld(ctx);
  const keys = {} as Record<Permission, string>;
  for (const p of PERMISSIONS) keys[p] = (await issueKey(ctx, w.clinic.key, [p])).apiKey;
  const webhook = await call(ctx, "POST", "/api/booking/webhook-endpoints", { key: w.clinic.key, body: { url: "http://127.0.0.1:9/hook" } });
  const tested = await call(ctx, "POST", `/api/booking/webhook-endpoints/${webhook.body.id}/test`, { key: w.clinic.key });
  return { ...w, keys, webhook: { id: webhook.body.id as string, deliveryId: tested.body.deliveryId as string } };
}
type Fixture = Awaited<ReturnType<typeof aFixture>>;

async function issueKey(ctx: TestContext, adminKey: string, permissions: Permission[]) {
  const res = await call(ctx, "POST", "/api/booking/api-keys", { key: adminKey, body: { name: `key ${permissions.join(",")}`, permissions } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id as string, apiKey: res.body.apiKey as string };
}

interface Route {
  /** "METHOD /path", with one path parameter (":id", ":slotId") for the row `id` picks. */
  route: string;
  permission: Permission;
  /** Several path parameters: their values in order. */
  id?: (f: Fixture) => string | string[];
  /** A body the route accepts, so that the right key gets past validation too. */
  body?: (f: Fixture) => object;
}

const ROUTES: Route[] = [
  { route: "GET /api/booking/settings", permission: "clinic:admin" },
  { route: "PATCH /api/booking/settings", permission: "clinic:admin", body: () => ({ holdMinutes: 90 }) },
  { route: "POST /api/booking/api-keys", permission: "clinic:admin", body: () => ({ name: "kiosk", permissions: ["booking:view_analytics"] }) },
  { route: "GET /api/booking/api-keys", permission: "clinic:admin" },
  {
    route: "POST /api/booking/staff-users",
    permission: "clinic:admin",
    body: () => ({ email: "desk@clinic.example", name: "Front desk", password: "correct horse battery", role: "front_desk" }),
  },
  { route: "DELETE /api/booking/api-keys/:id", permission: "clinic:admin", id: (f) => f.apiKey.id },
  { route: "POST /api/booking/providers", permission: "booking:manage_schedule", body: () => ({ name: "Dr. New" }) },
  { route: "GET /api/booking/providers", permission: "booking:manage_schedule" },
  { route: "POST /api/booking/chairs", permission: "booking:manage_schedule", body: () => ({ name: "Chair 9" }) },
  { route: "GET /api/booking/chairs", permission: "booking:manage_schedule" },
  {
    route: "POST /api/booking/services",
    permission: "booking:manage_schedule",
    body: () => ({ name: "Botox", category: "injectables", durationMinutes: 30, priceCents: 40000 }),
  },
  { route: "GET /api/booking/services", permission: "booking:manage_schedule" },
  { route: "POST /api/booking/patients", permission: "booking:manage_schedule", body: () => ({ firstName: "Ann", lastName: "Lee" }) },
  { route: "GET /api/booking/patients", permission: "booking:manage_schedule" },
  { route: "GET /api/booking/patients/:id", permission: "booking:manage_schedule", id: (f) => f.patient.id },
  { route: "PATCH /api/booking/patients/:id", permission: "booking:manage_schedule", id: (f) => f.patient.id, body: () => ({ lastName: "Smith" }) },
  { route: "GET /api/booking/patients/:id/charges", permission: "booking:manage_schedule", id: (f) => f.patient.id },
  {
    route: "POST /api/booking/appointments",
    permission: "booking:manage_schedule",
    body: (f) => ({ patientId: f.patient.id, providerId: f.provider.id, serviceId: f.service.id, start: inHours(72) }),
  },
  { route: "GET /api/booking/appointments", permission: "booking:manage_schedule" },
  { route: "GET /api/booking/appointments/:id", permission: "booking:manage_schedule", id: (f) => f.appointment.id },
  { route: "POST /api/booking/appointments/:id/cancel", permission: "booking:manage_schedule", id: (f) => f.appointment.id, body: () => ({ by: "staff" }) },
  { route: "POST /api/booking/appointments/:id/check-in", permission: "booking:manage_schedule", id: (f) => f.appointment.id },
  {
    route: "POST /api/booking/openings",
    permission: "booking:manage_schedule",
    body: (f) => ({ providerId: f.provider.id, start: inHours(96), end: inHours(97) }),
  },
  { route: "GET /api/booking/openings", permission: "booking:manage_schedule" },
  { route: "GET /api/booking/openings/:id", permission: "booking:manage_schedule", id: (f) => f.opening.id },
  {
    route: "POST /api/booking/closures",
    permission: "booking:manage_schedule",
    body: () => ({ start: inHours(600), end: inHours(601), reason: "holiday" }),
  },
  { route: "GET /api/booking/closures", permission: "booking:manage_schedule" },
  { route: "DELETE /api/booking/closures/:id", permission: "booking:manage_schedule", id: (f) => f.closure.id },
  { route: "POST /api/booking/waitlist", permission: "booking:manage_waitlist", body: (f) => ({ patientId: f.patient.id, serviceId: f.service.id }) },
  { route: "GET /api/booking/waitlist", permission: "booking:manage_waitlist" },
  { route: "GET /api/booking/waitlist/:id", permission: "booking:manage_waitlist", id: (f) => f.entry.id },
  { route: "PATCH /api/booking/waitlist/:id", permission: "booking:manage_waitlist", id: (f) => f.entry.id, body: () => ({ priority: "high" }) },
  { route: "DELETE /api/booking/waitlist/:id", permission: "booking:manage_waitlist", id: (f) => f.entry.id },
  { route: "POST /api/booking/waitlist/:id/notify", permission: "booking:manage_waitlist", id: (f) => f.entry.id, body: (f) => ({ slotId: f.opening.id }) },
  { route: "GET /api/booking/waitlist/match/:slotId", permission: "booking:manage_waitlist", id: (f) => f.opening.id },
  { route: "POST /api/booking/waitlist/notify-matches", permission: "booking:manage_waitlist", body: (f) => ({ slotIds: [f.opening.id] }) },
  { route: "POST /api/booking/waitlist/:id/book", permission: "booking:manage_waitlist", id: (f) => f.entry.id, body: (f) => ({ slotId: f.opening.id }) },
  { route: "GET /api/booking/waitlist/notifications", permission: "booking:manage_waitlist" },
  {
    route: "PUT /api/booking/waitlist/notifications/:id/response",
    permission: "booking:manage_waitlist",
    id: (f) => f.offer.id,
    body: () => ({ response: "DECLINED" }),
  },
  { route: "GET /api/booking/waitlist/analytics/conversion", permission: "booking:view_analytics" },
  { route: "GET /api/booking/outreach-tasks", permission: "booking:manage_waitlist" },
  { route: "GET /api/booking/audit-log", permission: "clinic:admin" },
  // Sync by external id (test/http/sync.test.ts).
  {
    route: "PUT /api/booking/patients/external/:externalId",
    permission: "booking:manage_schedule",
    id: () => "pms-p-1",
    body: () => ({ firstName: "Ann", lastName: "Lee" }),
  },
  { route: "PUT /api/booking/providers/external/:externalId", permission: "booking:manage_schedule", id: () => "pms-dr-1", body: () => ({ name: "Dr. Sync" }) },
  { route: "PUT /api/booking/chairs/external/:externalId", permission: "booking:manage_schedule", id: () => "pms-c-1", body: () => ({ name: "Chair S" }) },
  {
    route: "PUT /api/booking/services/external/:externalId",
    permission: "booking:manage_schedule",
    id: () => "pms-s-1",
    body: () => ({ name: "Botox", category: "injectables", durationMinutes: 30, priceCents: 40000 }),
  },
  {
    route: "PUT /api/booking/waitlist/external/:externalId",
    permission: "booking:manage_waitlist",
    id: () => "pms-w-1",
    body: (f) => ({ patientId: f.patient.id, serviceId: f.service.id }),
  },
  {
    route: "PUT /api/booking/appointments/external/:externalId",
    permission: "booking:manage_schedule",
    id: () => "pms-a-1",
    body: (f) => ({ patientId: f.patient.id, providerId: f.provider.id, serviceId: f.service.id, start: inHours(600) }),
  },
  { route: "POST /api/booking/webhook-endpoints", permission: "clinic:admin", body: () => ({ url: "http://127.0.0.1:9/other" }) },
  { route: "GET /api/booking/webhook-endpoints", permission: "clinic:admin" },
  { route: "GET /api/booking/webhook-endpoints/:id", permission: "clinic:admin", id: (f) => f.webhook.id },
  { route: "PATCH /api/booking/webhook-endpoints/:id", permission: "clinic:admin", id: (f) => f.webhook.id, body: () => ({ description: "ERP" }) },
  { route: "DELETE /api/booking/webhook-endpoints/:id", permission: "clinic:admin", id: (f) => f.webhook.id },
  { route: "POST /api/booking/webhook-endpoints/:id/rotate-secret", permission: "clinic:admin", id: (f) => f.webhook.id },
  { route: "POST /api/booking/webhook-endpoints/:id/test", permission: "clinic:admin", id: (f) => f.webhook.id },
  { route: "GET /api/booking/webhook-endpoints/:id/deliveries", permission: "clinic:admin", id: (f) => f.webhook.id },
  {
    route: "POST /api/booking/webhook-endpoints/:id/deliveries/:deliveryId/retry",
    permission: "clinic:admin",
    id: (f) => [f.webhook.id, f.webhook.deliveryId],
  },
  {
    route: "POST /api/booking/outreach-tasks/:id/complete",
    permission: "booking:manage_waitlist",
    id: (f) => f.outreach.id,
    body: () => ({ outcome: "NO_ANSWER" }),
  },
];

const target = (r: Route, f: Fixture) => request(r.route, r.id?.(f));

/** A request with exactly these headers (`call` only knows well-formed bearer keys). */
async function send(ctx: TestContext, method: Method, url: string, headers: Record<string, string>, body?: object) {
  const res = await ctx.app.inject({ method, url, headers, ...(body !== undefined ? { payload: body } : {}) });
  // A 204 (DELETE) has no body.
  return { status: res.statusCode, body: res.body ? res.json() : null, contentType: String(res.headers["content-type"]) };
}

function assertProblem(res: { status: number; body: any; contentType: string }, status: number, code: string, what: string) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, what);
  assert.equal(res.body.status, status, what);
  assert.match(res.contentType, /^application\/problem\+json/, what);
}

test("the matrix covers every /api/booking route the OpenAPI document lists, and nothing else", async () => {
  assert.deepEqual(ROUTES.map((r) => r.route).sort(), await documentedRoutes(ctx, ["/api/booking/"]));
});

for (const r of ROUTES) {
  test(`permissions: ${r.route} needs ${r.permission}; other keys are 403, no valid key is 401`, async () => {
    const f = await aFixture(ctx);
    const [method, url] = target(r, f);
    const body = r.body?.(f);

    for (const p of PERMISSIONS.filter((p) => p !== r.permission)) {
      const res = await send(ctx, method, url, { authorization: `Bearer ${f.keys[p]}` }, body);
      assertProblem(res, 403, "forbidden", `${r.route} with a ${p} key`);
      // The guard answers before the body is read: a key without the permission learns nothing about it.
      if (body) assertProblem(await send(ctx, method, url, { authorization: `Bearer ${f.keys[p]}` }, { junk: 1 }), 403, "forbidden", "junk body");
    }

    // No key, or no valid one: 401 whatever the request holds (even a bad body or an id that is not a UUID).
    const unauthorized: [string, Record<string, string>][] = [
      ["no Authorization header", {}],
      ["an empty header", { authorization: "" }],
      ["another scheme", { authorization: `Basic ${f.keys[r.permission]}` }],
      ["the scheme alone", { authorization: "Bearer" }],
      ["the key without a scheme", { authorization: f.keys[r.permission] }],
      ["two tokens", { authorization: `Bearer ${f.keys[r.permission]} ${f.keys[r.permission]}` }],
      ["an unknown key", { authorization: `Bearer ${f.keys[r.permission]}x` }],
      ["a made-up key", { authorization: "Bearer bf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
      ["the admin token", { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ];
    for (const [what, headers] of unauthorized) {
      assertProblem(await send(ctx, method, url, headers, body), 401, "unauthorized", `${r.route} with ${what}`);
      if (body) assertProblem(await send(ctx, method, url, headers, { junk: 1 }), 401, "unauthorized", `${what}, junk body`);
      if (r.id) {
        const badId = url.replace([r.id(f)].flat()[0]!, "not-a-uuid");
        assertProblem(await send(ctx, method, badId, headers, body), 401, "unauthorized", `${what}, malformed id`);
      }
    }

    const res = await send(ctx, method, url, { authorization: `Bearer ${f.keys[r.permission]}` }, body);
    assert.ok(res.status !== 401 && res.status !== 403, `${r.route} with its own permission: ${res.status}`);
    assert.ok(res.status >= 200 && res.status < 300, `${r.route} with a valid request: ${res.status} ${JSON.stringify(res.body)}`);
  });
}

test("on every read route: the bootstrap key (every permission) passes, a key with two passes exactly their routes", async () => {
  const f = await aFixture(ctx);
  const carried: Permission[] = ["booking:manage_waitlist", "booking:view_analytics"];
  const both = await issueKey(ctx, f.clinic.key, carried);
  for (const r of ROUTES.filter((r) => r.route.startsWith("GET "))) {
    const [method, url] = target(r, f);
    const all = await call(ctx, method, url, { key: f.clinic.key });
    assert.equal(all.status, 200, `${r.route} with the bootstrap key`);
    const some = await call(ctx, method, url, { key: both.apiKey });
    assert.equal(some.status, carried.includes(r.permission) ? 200 : 403, `${r.route} with waitlist+analytics`);
  }
});

test("the scheme is case-insensitive (RFC 9110) and surrounding spaces are tolerated", async () => {
  const f = await aFixture(ctx);
  const key = f.keys["booking:manage_schedule"];
  for (const authorization of [`bearer ${key}`, `BEARER ${key}`, `Bearer   ${key}`, `Bearer ${key} `]) {
    const res = await send(ctx, "GET", "/api/booking/providers", { authorization });
    assert.equal(res.status, 200, authorization.replace(key, "<key>"));
  }
});

test("a revoked key is 401 on every route at once; revoking it again is 404", async () => {
  const f = await aFixture(ctx);
  const all = await issueKey(ctx, f.clinic.key, [...PERMISSIONS]);
  assert.equal((await call(ctx, "GET", "/api/booking/providers", { key: all.apiKey })).status, 200);

  const revoked = await call(ctx, "DELETE", `/api/booking/api-keys/${all.id}`, { key: f.clinic.key });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.id, all.id);
  assert.ok(revoked.body.revokedAt, "revokedAt is set");

  for (const r of ROUTES) {
    const [method, url] = target(r, f);
    assertProblem(await send(ctx, method, url, { authorization: `Bearer ${all.apiKey}` }, r.body?.(f)), 401, "unauthorized", `${r.route}, revoked`);
  }
  const again = await call(ctx, "DELETE", `/api/booking/api-keys/${all.id}`, { key: f.clinic.key });
  assert.equal(again.status, 404);
  assert.equal(again.body.code, "not_found");
  // The other keys still work.
  assert.equal((await call(ctx, "GET", "/api/booking/providers", { key: f.keys["booking:manage_schedule"] })).status, 200);
  const listed = await call(ctx, "GET", "/api/booking/api-keys", { key: f.clinic.key });
  assert.ok(listed.body.items.find((k: any) => k.id === all.id).revokedAt);
});

test("a key can revoke itself, and is 401 right after", async () => {
  const f = await aClinic(ctx);
  const admin = await issueKey(ctx, f.key, ["clinic:admin"]);
  const res = await call(ctx, "DELETE", `/api/booking/api-keys/${admin.id}`, { key: admin.apiKey });
  assert.equal(res.status, 200);
  assert.equal((await call(ctx, "GET", "/api/booking/api-keys", { key: admin.apiKey })).status, 401);
});

test("POST /api/admin/clinics takes the admin token only: a clinic key, even with clinic:admin, is 401", async () => {
  const f = await aClinic(ctx);
  const body = { name: "Elsewhere", timezone: "Europe/Berlin" };
  const url = "/api/admin/clinics";
  const refused: [string, Record<string, string>][] = [
    ["no header", {}],
    ["a clinic's bootstrap key", { authorization: `Bearer ${f.key}` }],
    ["a wrong token", { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ["a prefix of the token", { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ["another scheme", { authorization: `Basic ${ADMIN_TOKEN}` }],
  ];
  const { rows: before } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM clinics");
  for (const [what, headers] of refused) {
    assertProblem(await send(ctx, "POST", url, headers, body), 401, "unauthorized", what);
    assertProblem(await send(ctx, "POST", url, headers, { junk: true }), 401, "unauthorized", `${what}, junk body`);
  }
  const { rows: after } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM clinics");
  assert.equal(after[0].n, before[0].n, "a refused request made a clinic");

  const ok = await send(ctx, "POST", url, { authorization: `Bearer ${ADMIN_TOKEN}` }, body);
  assert.equal(ok.status, 201);
  assert.equal(ok.body.clinic.timezone, "Europe/Berlin");
  // The new clinic's key carries every permission.
  const listed = await call(ctx, "GET", "/api/booking/api-keys", { key: ok.body.apiKey });
  assert.deepEqual([...listed.body.items[0].permissions].sort(), [...PERMISSIONS].sort());
});

test("API keys are stored hashed: no column of api_keys (or the audit log) holds a plaintext key", async () => {
  const f = await aClinic(ctx);
  const issued = await issueKey(ctx, f.key, ["booking:manage_schedule"]);
  const plaintexts = [f.key, issued.apiKey];
  // The random part alone must not be stored either (a prefix-stripped copy is still the key).
  const secrets = plaintexts.flatMap((k) => [k, k.slice(k.indexOf("_") + 1)]);

  const { rows } = await ctx.deps.db.query("SELECT row_to_json(k)::text AS j, k.* FROM api_keys k WHERE clinic_id = $1", [f.id]);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    for (const s of secrets) assert.ok(!row.j.includes(s), "a plaintext key is stored in api_keys");
    assert.match(row.key_hash, /^[0-9a-f]{64}$/);
  }
  const audit = await ctx.deps.db.query("SELECT row_to_json(a)::text AS j FROM audit_log a WHERE clinic_id = $1", [f.id]);
  for (const row of audit.rows) for (const s of secrets) assert.ok(!row.j.includes(s), "a plaintext key is in the audit log");
  const secretsRows = await ctx.deps.db.query("SELECT row_to_json(s)::text AS j FROM instance_secrets s");
  for (const row of secretsRows.rows) assert.ok(!row.j.includes(ADMIN_TOKEN), "the admin token is stored in plaintext");

  // Nor does any answer show a key or its hash after it was issued.
  const listed = await call(ctx, "GET", "/api/booking/api-keys", { key: f.key });
  const text = JSON.stringify(listed.body);
  for (const s of secrets) assert.ok(!text.includes(s));
  for (const row of rows) assert.ok(!text.includes(row.key_hash), "the key hash is shown");
  // And the stored hash is not itself a key.
  const byHash = await call(ctx, "GET", "/api/booking/providers", { key: rows[0].key_hash });
  assert.equal(byHash.status, 401);
});
