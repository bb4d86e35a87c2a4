// Settings › API keys over app.inject with a staff session: a clinic made on /setup has no key until its
// admin makes one here; the key is shown once, on the answer page only, and then works against the API with
// exactly the permissions ticked; the list never shows a key; revoke after a confirmation (audited) makes it
// answer 401; errors named next to the field; admins only; CSRF on every form; a fixed number of queries.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_TOKEN, aClinic, call, type TestContext, testApp } from "../harness/app.ts";
import { Agent, loggedIn } from "../harness/staff.ts";

const ctx = await testApp();
const api = "/api/booking/api-keys";
const KEY = /bf_[A-Za-z0-9_-]{43}/g;

async function anAdmin(c: TestContext = ctx) {
  const clinic = await aClinic(c);
  const { agent, user } = await loggedIn(c, clinic.key, "admin");
  return { clinic, agent, user };
}

async function count(c: TestContext, sql: string, params: unknown[]): Promise<number> {
  return Number((await c.deps.db.query(sql, params)).rows[0].n);
}

/** Makes a key through the page; its id and the key the answer showed. */
async function makeThroughPage(agent: Agent, fields: Record<string, string | string[]>) {
  const res = await agent.post("/settings/api-keys", fields);
  assert.equal(res.status, 201, res.body.slice(0, 2000));
  const id = /data-api-key="([0-9a-f-]{36})"/.exec(res.body)![1]!;
  const keys = res.body.match(KEY) ?? [];
  assert.equal(keys.length, 1, "the key is on the answer page once");
  return { id, key: keys[0]!, body: res.body };
}

test("a clinic made on /setup: its admin makes an integration key on Settings › API keys, shown once, and it syncs", async () => {
  const fresh = await testApp();
  const agent = new Agent(fresh);
  assert.equal((await agent.get(`/setup?token=${ADMIN_TOKEN}`)).status, 200);
  const setup = await agent.post("/setup", {
    token: ADMIN_TOKEN,
    clinicName: "Main Street Dental",
    timezone: "America/Chicago",
    email: "owner@main.example",
    name: "Olga Owner",
    password: "a long passphrase",
  });
  assert.equal(setup.status, 303, setup.body);
  const clinicId = (await fresh.deps.db.query("SELECT id FROM clinics")).rows[0].id as string;
  // Setup keeps only the hash of the clinic's bootstrap key and shows it to nobody: no key anyone can use.
  assert.deepEqual((await fresh.deps.db.query("SELECT name FROM api_keys WHERE clinic_id = $1", [clinicId])).rows, [{ name: "bootstrap" }]);

  const settings = await agent.get("/settings");
  assert.match(settings.body, /<a href="\/settings\/api-keys">API keys<\/a>/, "linked from Settings");
  assert.match(settings.body, /<a href="\/settings\/api-keys">API keys<\/a>[^\n]*<a href="\/settings\/webhooks">Webhooks<\/a>/, "next to Webhooks");
  const first = await agent.get("/settings/api-keys");
  assert.equal(first.status, 200);
  assert.match(first.body, /<td>bootstrap<\/td><td class="small" data-permissions>Schedule, Waitlist, Analytics, Admin<\/td>/);
  assert.match(first.body, /aria-current="page">Settings</, "under Settings in the navigation");
  for (const p of ["booking:manage_schedule", "booking:manage_waitlist", "booking:view_analytics", "clinic:admin"])
    assert.match(first.body, new RegExp(`<input type="checkbox" name="permissions" value="${p}">`), `${p} offered, not ticked`);
  assert.match(first.body, /<strong>Schedule<\/strong>/);

  const made = await makeThroughPage(agent, { name: "Practice system", permissions: ["booking:manage_schedule", "booking:manage_waitlist"] });
  assert.match(made.body, /it is not shown again/);
  assert.match(made.body, /A new API key <strong>Practice system<\/strong> \(Schedule, Waitlist\)/);

  // The key works against the API, as the README's worked example uses it.
  const patients = await call(fresh, "GET", "/api/booking/patients", { key: made.key });
  assert.equal(patients.status, 200, JSON.stringify(patients.body));
  const provider = await call(fresh, "PUT", "/api/booking/providers/external/DR-7", { key: made.key, body: { name: "Dr. Rivera" } });
  assert.equal(provider.status, 201, JSON.stringify(provider.body));
  assert.equal(provider.headers["backfill-sync"], "created");
  const patient = { firstName: "Ada", lastName: "Lovelace", phone: "+16175550101", smsConsent: true };
  const put = await call(fresh, "PUT", "/api/booking/patients/external/P-1001", { key: made.key, body: patient });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  assert.equal((await call(fresh, "PUT", "/api/booking/patients/external/P-1001", { key: made.key, body: patient })).headers["backfill-sync"], "unchanged");
  // Not admin: it cannot make keys of its own.
  assert.equal((await call(fresh, "GET", api, { key: made.key })).status, 403);

  // Audited with the staff member as the actor.
  const userId = (await fresh.deps.db.query("SELECT id FROM staff_users")).rows[0].id as string;
  const audit = (await fresh.deps.db.query("SELECT actor, entity_id FROM audit_log WHERE action = 'api_key.created' AND actor <> 'setup'")).rows;
  assert.deepEqual(audit, [{ actor: `staff_user:${userId}`, entity_id: made.id }]);

  // The list: name, permissions, created, active; never the key, here or anywhere later.
  const list = await agent.get("/settings/api-keys");
  assert.match(list.body, new RegExp(`<tr data-api-key="${made.id}"><td>Practice system</td><td class="small" data-permissions>Schedule, Waitlist</td>`));
  assert.match(list.body, /<td class="small">Mon 2 Mar, 8:00 AM<\/td><td><span class="badge s-enabled">active<\/span>/, "created, in the clinic's zone");
  for (const page of [list.body, (await agent.get("/settings")).body, (await agent.get("/")).body]) {
    assert.equal(page.match(KEY), null, "no later page shows a key");
    assert.ok(!page.includes(made.key.slice(3, 30)));
  }
  assert.ok(!fresh.logged.some((l) => l.includes(made.key.slice(3))), "the key never reaches the log");
});

test("a key has exactly the permissions ticked: without one, 403; the API lists it as made", async () => {
  const { clinic, agent } = await anAdmin();
  const schedule = await makeThroughPage(agent, { name: "Calendar only", permissions: "booking:manage_schedule" });
  const analytics = await makeThroughPage(agent, { name: "Reports", permissions: "booking:view_analytics" });
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key: schedule.key })).status, 200);
  const waitlist = await call(ctx, "PUT", "/api/booking/waitlist/external/W-1", { key: schedule.key, body: {} });
  assert.equal(waitlist.status, 403);
  assert.match(waitlist.body.detail, /lacks the booking:manage_waitlist permission/);
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key: analytics.key })).status, 403);
  assert.equal((await call(ctx, "PUT", "/api/booking/providers/external/DR-1", { key: analytics.key, body: { name: "Dr. One" } })).status, 403);
  const listed = (await call(ctx, "GET", api, { key: clinic.key })).body.items as { id: string; name: string; permissions: string[] }[];
  assert.deepEqual(
    listed
      .filter((k) => k.name !== "bootstrap")
      .map((k) => [k.id, k.name, k.permissions])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      [schedule.id, "Calendar only", ["booking:manage_schedule"]],
      [analytics.id, "Reports", ["booking:view_analytics"]],
    ],
  );
  // An admin key made here can do what an admin can, the list of keys included; a name is escaped.
  const admin = await makeThroughPage(agent, { name: "Ops <b>script</b>", permissions: ["clinic:admin", "clinic:admin"] });
  assert.match(admin.body, /Ops &lt;b&gt;script&lt;\/b&gt;/);
  const theirs = await call(ctx, "GET", api, { key: admin.key });
  assert.equal(theirs.status, 200);
  assert.deepEqual(theirs.body.items.find((k: { id: string }) => k.id === admin.id).permissions, ["clinic:admin"], "a permission ticked twice counts once");
  assert.match((await agent.get("/settings/api-keys")).body, /<td>Ops &lt;b&gt;script&lt;\/b&gt;<\/td><td class="small" data-permissions>Admin<\/td>/);
});

test("bad input: no name, no permission, an unknown one or a long name → the form again (422) naming the field; nothing written", async () => {
  const { clinic, agent } = await anAdmin();
  const keys = "SELECT count(*) AS n FROM api_keys WHERE clinic_id = $1";
  const before = await count(ctx, keys, [clinic.id]);
  const noName = await agent.post("/settings/api-keys", { name: "  ", permissions: "booking:manage_schedule" });
  assert.equal(noName.status, 422);
  assert.match(noName.body, /<strong>Name<\/strong>: is required/);
  assert.match(noName.body, /name="name" required maxlength="200" value="" aria-invalid="true"><span class="field-error" role="alert">is required<\/span>/);
  assert.match(noName.body, /value="booking:manage_schedule" checked/, "the ticks are kept");
  const noPermission = await agent.post("/settings/api-keys", { name: "Practice system" });
  assert.equal(noPermission.status, 422);
  assert.match(noPermission.body, /<strong>Permissions<\/strong>: tick at least one permission/);
  assert.match(noPermission.body, /<span class="field-error" role="alert">tick at least one permission<\/span><\/fieldset>/, "named next to the field");
  assert.match(noPermission.body, /value="Practice system"/, "the form keeps what was typed");
  const unknown = await agent.post("/settings/api-keys", { name: "X", permissions: ["booking:manage_waitlist", "root"] });
  assert.equal(unknown.status, 422);
  assert.match(unknown.body, /<strong>Permissions<\/strong>: &quot;root&quot; is not a permission/);
  const long = await agent.post("/settings/api-keys", { name: "n".repeat(201), permissions: "booking:manage_waitlist" });
  assert.equal(long.status, 422);
  assert.match(long.body, /<strong>Name<\/strong>: must be at most 200 characters/);
  const both = await agent.post("/settings/api-keys", {});
  assert.equal(both.status, 422);
  assert.match(both.body, /<strong>Name<\/strong>: is required/);
  assert.match(both.body, /<strong>Permissions<\/strong>: tick at least one/);
  for (const page of [noName, noPermission, unknown, long, both]) assert.equal(page.body.match(KEY), null);
  assert.equal(await count(ctx, keys, [clinic.id]), before);
});

test("revoke asks first; confirmed, the key answers 401, the flow audits it and the list says revoked; another clinic's key is a 404", async () => {
  const { clinic, agent, user } = await anAdmin();
  const made = await makeThroughPage(agent, { name: "Old system", permissions: "booking:manage_schedule" });
  const list = await agent.get("/settings/api-keys");
  assert.match(list.body, new RegExp(`action="/settings/api-keys/${made.id}/revoke"`));
  const ask = await agent.post(`/settings/api-keys/${made.id}/revoke`);
  assert.equal(ask.status, 200);
  assert.match(ask.body, /Revoke the API key <strong>Old system<\/strong> \(Schedule\)\?/);
  assert.match(ask.body, /<input type="hidden" name="confirm" value="yes">/);
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key: made.key })).status, 200, "asking revokes nothing");

  ctx.clock.advanceMinutes(30);
  const gone = await agent.post(`/settings/api-keys/${made.id}/revoke`, { confirm: "yes" });
  assert.equal(gone.status, 303);
  assert.equal(gone.headers.location, "/settings/api-keys?notice=api_key_revoked");
  const refused = await call(ctx, "GET", "/api/booking/patients", { key: made.key });
  assert.equal(refused.status, 401);
  assert.match(refused.body.detail, /invalid or revoked API key/);
  const audit = (await ctx.deps.db.query("SELECT actor, entity_id, at FROM audit_log WHERE clinic_id = $1 AND action = 'api_key.revoked'", [clinic.id])).rows;
  assert.deepEqual(audit, [{ actor: `staff_user:${user.id}`, entity_id: made.id, at: ctx.clock.now() }]);
  const after = await agent.get(gone.headers.location as string);
  assert.match(after.body, /API key revoked: requests with it are refused from now on\./);
  assert.match(
    after.body,
    new RegExp(
      `<tr data-api-key="${made.id}">.*?<span class="badge s-disabled">revoked</span> <span class="small" data-revoked-at>Mon 2 Mar, 9:30 AM</span></td>\\s*<td></td></tr>`,
      "s",
    ),
    "revoked, when, and no button",
  );
  assert.equal(
    (await call(ctx, "GET", api, { key: clinic.key })).body.items.find((k: { id: string }) => k.id === made.id).revokedAt,
    ctx.clock.now().toISOString(),
  );
  // Again (an old tab): nothing more happens, no second audit row.
  const again = await agent.post(`/settings/api-keys/${made.id}/revoke`, { confirm: "yes" });
  assert.equal(again.headers.location, "/settings/api-keys?notice=api_key_revoked");
  assert.equal(await count(ctx, "SELECT count(*) AS n FROM audit_log WHERE action = 'api_key.revoked' AND entity_id = $1", [made.id]), 1);

  const theirs = await anAdmin();
  const their = await makeThroughPage(theirs.agent, { name: "Theirs", permissions: "booking:manage_schedule" });
  for (const fields of [{}, { confirm: "yes" }] as Record<string, string>[])
    assert.equal((await agent.post(`/settings/api-keys/${their.id}/revoke`, fields)).status, 404);
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key: their.key })).status, 200, "their key still works");
  assert.doesNotMatch((await agent.get("/settings/api-keys")).body, /Theirs/, "another clinic's keys are not listed");
  assert.equal((await agent.post("/settings/api-keys/not-an-id/revoke", { confirm: "yes" })).status, 404);
});

test("admins only: front desk and viewers get 403 on the page and every form, and nothing is written", async () => {
  const { clinic, agent: admin } = await anAdmin();
  const { id, key } = await makeThroughPage(admin, { name: "Practice system", permissions: "booking:manage_schedule" });
  const changes = "SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1 AND action NOT LIKE 'staff_session.%'";
  for (const role of ["front_desk", "viewer"]) {
    const { agent } = await loggedIn(ctx, clinic.key, role);
    const before = await count(ctx, changes, [clinic.id]);
    assert.equal((await agent.get("/settings/api-keys")).status, 403, role);
    for (const url of ["/settings/api-keys", `/settings/api-keys/${id}/revoke`]) {
      const res = await agent.post(url, { name: "Desk key", permissions: "clinic:admin", confirm: "yes" });
      assert.equal(res.status, 403, `${role} ${url}`);
      assert.match(res.body, /cannot do this/);
      assert.equal(res.body.match(KEY), null);
    }
    assert.doesNotMatch((await agent.get("/")).body, /href="\/settings/);
    assert.equal(await count(ctx, changes, [clinic.id]), before);
  }
  assert.equal(await count(ctx, "SELECT count(*) AS n FROM api_keys WHERE clinic_id = $1", [clinic.id]), 2, "the clinic's own key and the one made");
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key })).status, 200, "not revoked");
});

test("CSRF: the create and revoke forms refuse a missing or wrong token with 403 and change nothing", async () => {
  const { clinic, agent } = await anAdmin();
  const { id, key } = await makeThroughPage(agent, { name: "Practice system", permissions: "booking:manage_schedule" });
  const other = await loggedIn(ctx, clinic.key, "admin"); // another session's token is no good either
  const changes = "SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1 AND action NOT LIKE 'staff_session.%'";
  const before = await count(ctx, changes, [clinic.id]);
  for (const url of ["/settings/api-keys", `/settings/api-keys/${id}/revoke`]) {
    const fields = { name: "Forged", permissions: "clinic:admin", confirm: "yes" };
    for (const token of [null, "", `${agent.csrf.slice(0, -2)}xx`, other.agent.csrf]) {
      const res = await agent.post(url, fields, token);
      assert.equal(res.status, 403, `${url} with ${JSON.stringify(token)}`);
      assert.match(res.body, /did not come from this dashboard/);
      assert.equal(res.body.match(KEY), null);
    }
  }
  assert.equal(await count(ctx, changes, [clinic.id]), before);
  assert.equal(await count(ctx, "SELECT count(*) AS n FROM api_keys WHERE clinic_id = $1", [clinic.id]), 2);
  assert.equal((await call(ctx, "GET", "/api/booking/patients", { key })).status, 200, "not revoked");
});

/** How many queries the pool ran while `fn` did. */
async function queriesDuring(fn: () => Promise<unknown>): Promise<number> {
  const pool = ctx.deps.db;
  const query = pool.query;
  let n = 0;
  pool.query = ((...args: unknown[]) => {
    n++;
    return (query as (...a: unknown[]) => unknown).apply(pool, args);
  }) as typeof query;
  try {
    await fn();
  } finally {
    pool.query = query;
  }
  return n;
}

test("the list runs as many queries for 20 keys as for 1", async () => {
  const agents: Agent[] = [];
  for (const n of [0, 19]) {
    const { clinic, agent } = await anAdmin();
    for (let i = 0; i < n; i++) {
      const made = await call(ctx, "POST", api, { key: clinic.key, body: { name: `Key ${i}`, permissions: ["booking:view_analytics"] } });
      assert.equal(made.status, 201);
    }
    agents.push(agent);
  }
  const [small, large] = agents as [Agent, Agent];
  let body = "";
  const one = await queriesDuring(() => small.get("/settings/api-keys"));
  const twenty = await queriesDuring(async () => (body = (await large.get("/settings/api-keys")).body));
  assert.equal((body.match(/<tr data-api-key=/g) ?? []).length, 20);
  assert.equal(twenty, one, `${one} queries for 1 key, ${twenty} for 20`);
});
