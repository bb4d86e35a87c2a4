// Settings › Webhooks over app.inject with a staff session: add (the secret shown once, on the answer page
// only), the list, edit events, disable / enable, rotate, a test event listed under the deliveries, retry,
// delete after a confirmation, errors named next to the field (the production SSRF refusal included), admins
// only, CSRF on every form, and a fixed number of queries whatever the number of rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aClinic, call, type TestContext, testApp } from "../harness/app.ts";
import { Agent, aStaffUser, loggedIn } from "../harness/staff.ts";

const ctx = await testApp();
const api = "/api/booking/webhook-endpoints";
const SECRET = /whsec_[A-Za-z0-9+/]{43}=/g;

async function anAdmin(c: TestContext = ctx) {
  const clinic = await aClinic(c);
  const { agent } = await loggedIn(c, clinic.key, "admin");
  return { clinic, agent };
}

async function count(sql: string, params: unknown[]): Promise<number> {
  return Number((await ctx.deps.db.query(sql, params)).rows[0].n);
}

/** Adds an endpoint through the page; its id and the secret the answer showed. */
async function addThroughPage(agent: Agent, fields: Record<string, string | string[]>) {
  const res = await agent.post("/settings/webhooks", fields);
  assert.equal(res.status, 201, res.body.slice(0, 2000));
  const id = /data-endpoint="([0-9a-f-]{36})"/.exec(res.body)![1]!;
  const secrets = res.body.match(SECRET) ?? [];
  assert.equal(secrets.length, 1, "the secret is on the answer page once");
  return { id, secret: secrets[0]!, body: res.body };
}

test("add: the secret is shown once on the answer page, never again; the list shows URL, events and status", async () => {
  const { clinic, agent } = await anAdmin();
  const settings = await agent.get("/settings");
  assert.match(settings.body, /<a href="\/settings\/webhooks">Webhooks<\/a>/, "linked from Settings");
  const empty = await agent.get("/settings/webhooks");
  assert.equal(empty.status, 200);
  assert.match(empty.body, /No endpoints yet/);
  assert.match(empty.body, /<input type="checkbox" name="events" value="\*" checked>/, "All events ticked by default");
  assert.match(empty.body, /aria-current="page">Settings</, "under Settings in the navigation");

  const added = await addThroughPage(agent, { url: "http://127.0.0.1:9/hook", description: "Practice <b>ERP</b>", events: "*" });
  assert.match(added.body, /it is not shown again/);
  assert.match(added.body, /Events now go to <strong>http:\/\/127\.0\.0\.1:9\/hook<\/strong> \(All events\)/);
  const made = await call(ctx, "GET", `${api}/${added.id}`, { key: clinic.key });
  assert.equal(made.status, 200);
  assert.deepEqual(made.body.events, ["*"]);
  assert.equal(made.body.description, "Practice <b>ERP</b>");

  // Ticked types without "All events" subscribe to those only; "All events" wins over ticks beside it.
  const some = await addThroughPage(agent, { url: "http://127.0.0.1:9/some", events: ["appointment.created", "opening.filled"] });
  assert.deepEqual((await call(ctx, "GET", `${api}/${some.id}`, { key: clinic.key })).body.events, ["appointment.created", "opening.filled"]);
  const both = await addThroughPage(agent, { url: "http://127.0.0.1:9/both", events: ["*", "offer.sent"] });
  assert.deepEqual((await call(ctx, "GET", `${api}/${both.id}`, { key: clinic.key })).body.events, ["*"]);

  const list = await agent.get("/settings/webhooks");
  assert.equal(list.status, 200);
  for (const id of [added.id, some.id, both.id]) assert.match(list.body, new RegExp(`<tr data-endpoint="${id}">`));
  assert.match(list.body, /Practice &lt;b&gt;ERP&lt;\/b&gt;/, "the description is escaped");
  assert.match(list.body, /appointment\.created, opening\.filled/);
  assert.equal((list.body.match(/badge s-enabled/g) ?? []).length, 3);
  const detail = await agent.get(`/settings/webhooks/${added.id}`);
  assert.equal(detail.status, 200);
  for (const page of [list.body, detail.body, (await agent.get("/settings")).body]) {
    assert.equal(page.match(SECRET), null, "no later page shows a secret");
    assert.ok(!page.includes(added.secret.slice(6, 30)));
  }
  assert.ok(!ctx.logged.some((l) => l.includes(added.secret.slice(6))), "the secret never reaches the log");
});

test("add: a bad URL, no events or a long description are named next to the field and nothing is written", async () => {
  const { clinic, agent } = await anAdmin();
  const before = await count("SELECT count(*) AS n FROM webhook_endpoints WHERE clinic_id = $1", [clinic.id]);
  const ftp = await agent.post("/settings/webhooks", { url: "ftp://example.com/hook", events: "*" });
  assert.equal(ftp.status, 422);
  assert.match(ftp.body, /<strong>URL<\/strong>: must be an http or https URL/);
  assert.match(
    ftp.body,
    /name="url"[^>]*value="ftp:\/\/example\.com\/hook" aria-invalid="true"><span class="field-error" role="alert">must be an http or https URL/,
  );
  const none = await agent.post("/settings/webhooks", { url: "http://127.0.0.1:9/x" });
  assert.equal(none.status, 422);
  assert.match(none.body, /<strong>Events<\/strong>: must name at least one event type/);
  assert.match(none.body, /value="http:\/\/127\.0\.0\.1:9\/x"/, "the form keeps what was typed");
  const unknown = await agent.post("/settings/webhooks", { url: "http://127.0.0.1:9/x", events: ["opening.filled", "opening.exploded"] });
  assert.equal(unknown.status, 422);
  assert.match(unknown.body, /is not an event type/);
  assert.match(unknown.body, /value="opening\.filled" checked/);
  const long = await agent.post("/settings/webhooks", { url: "http://127.0.0.1:9/x", events: "*", description: "d".repeat(501) });
  assert.equal(long.status, 422);
  assert.match(long.body, /<strong>Description<\/strong>: must be at most 500 characters/);
  const blank = await agent.post("/settings/webhooks", { url: "", events: "*" });
  assert.equal(blank.status, 422);
  assert.match(blank.body, /<strong>URL<\/strong>: is required/);
  for (const page of [ftp, none, unknown, long, blank]) assert.equal(page.body.match(SECRET), null);
  assert.equal(await count("SELECT count(*) AS n FROM webhook_endpoints WHERE clinic_id = $1", [clinic.id]), before);
});

test("production: the flow's SSRF refusal (422) is shown next to the URL, on add and on edit", async () => {
  const prod = await testApp({ NODE_ENV: "production" });
  const clinic = await aClinic(prod);
  const user = await aStaffUser(prod, clinic.key, "admin");
  const agent = new Agent(prod);
  assert.equal((await agent.login(user.email)).status, 303);
  await agent.get("/settings/webhooks");
  const loop = await agent.post("/settings/webhooks", { url: "https://127.0.0.1/hook", events: "*" });
  assert.equal(loop.status, 422);
  assert.match(loop.body, /<span class="field-error" role="alert">is a loopback address \(127\.0\.0\.1\); webhooks go to public addresses only<\/span>/);
  const http = await agent.post("/settings/webhooks", { url: "http://93.184.216.34/hook", events: "*" });
  assert.equal(http.status, 422);
  assert.match(http.body, /must be https in production/);
  const ok = await agent.post("/settings/webhooks", { url: "https://93.184.216.34/hook", events: "*" });
  assert.equal(ok.status, 201);
  const id = /data-endpoint="([0-9a-f-]{36})"/.exec(ok.body)![1]!;
  const edit = await agent.post(`/settings/webhooks/${id}`, { url: "https://10.1.1.1/hook", events: "*" });
  assert.equal(edit.status, 422);
  assert.match(edit.body, /is a private address \(10\.1\.1\.1\)/);
  assert.equal((await call(prod, "GET", `${api}/${id}`, { key: clinic.key })).body.url, "https://93.184.216.34/hook");
});

test("edit events and description; disable (by staff) and enable; a worker's reason and failing since are shown", async () => {
  const { clinic, agent } = await anAdmin();
  const { id } = await addThroughPage(agent, { url: "http://127.0.0.1:9/hook", events: "*" });
  const page = await agent.get(`/settings/webhooks/${id}`);
  assert.match(page.body, /<input type="checkbox" name="events" value="\*" checked>/);
  const saved = await agent.post(`/settings/webhooks/${id}`, {
    url: "http://127.0.0.1:9/other",
    description: "ERP",
    events: ["offer.accepted", "appointment.cancelled"],
  });
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.location, `/settings/webhooks/${id}?notice=webhook_saved`);
  const got = (await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).body;
  assert.deepEqual([got.url, got.description, got.events], ["http://127.0.0.1:9/other", "ERP", ["offer.accepted", "appointment.cancelled"]]);
  const after = await agent.get(saved.headers.location as string);
  assert.match(after.body, /Webhook endpoint saved\./);
  assert.match(after.body, /value="offer\.accepted" checked/);
  assert.doesNotMatch(after.body, /value="\*" checked/);
  const noEvents = await agent.post(`/settings/webhooks/${id}`, { url: "http://127.0.0.1:9/other" });
  assert.equal(noEvents.status, 422);
  assert.match(noEvents.body, /<strong>Events<\/strong>: must name at least one/);

  const off = await agent.post(`/settings/webhooks/${id}/disable`);
  assert.equal(off.status, 303);
  assert.equal(off.headers.location, `/settings/webhooks/${id}?notice=webhook_disabled`);
  assert.equal((await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).body.disabled, true);
  const offPage = await agent.get(`/settings/webhooks/${id}`);
  assert.match(offPage.body, /badge s-disabled">disabled<\/span> <span class="small" data-disabled-reason>by staff · /);
  assert.match(offPage.body, /action="\/settings\/webhooks\/[^"]+\/enable"/);
  assert.doesNotMatch(offPage.body, /\/test"/, "no test button while disabled");
  // A test posted anyway (an old tab) is refused with the flow's reason, on the page.
  const refused = await agent.post(`/settings/webhooks/${id}/test`);
  assert.equal(refused.status, 409);
  assert.match(refused.body, /the webhook endpoint is disabled: enable it first/);
  const on = await agent.post(`/settings/webhooks/${id}/enable`);
  assert.equal(on.headers.location, `/settings/webhooks/${id}?notice=webhook_enabled`);
  assert.equal((await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).body.disabled, false);

  // What the delivery worker writes: failing since, and a reason of its own.
  await ctx.deps.db.query("UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1", [id, new Date("2026-03-01T15:00:00Z")]);
  assert.match((await agent.get("/settings/webhooks")).body, /data-failing-since>Sun 1 Mar, 10:00 AM</);
  await ctx.deps.db.query("UPDATE webhook_endpoints SET disabled = true, disabled_reason = '410 Gone', disabled_at = $2 WHERE id = $1", [
    id,
    new Date("2026-03-02T15:00:00Z"),
  ]);
  assert.match((await agent.get("/settings/webhooks")).body, /data-disabled-reason>410 Gone · Mon 2 Mar, 10:00 AM</);
});

test("rotate: the new secret is shown once with the old one's expiry; a test event is listed under the deliveries; retry", async () => {
  const { clinic, agent } = await anAdmin();
  const first = await addThroughPage(agent, { url: "http://127.0.0.1:9/hook", events: "*" });
  const rotated = await agent.post(`/settings/webhooks/${first.id}/rotate-secret`);
  assert.equal(rotated.status, 200);
  const secrets = rotated.body.match(SECRET) ?? [];
  assert.equal(secrets.length, 1);
  assert.notEqual(secrets[0], first.secret);
  assert.match(rotated.body, /it is not shown again/);
  assert.match(rotated.body, /The old secret keeps signing beside it until /);
  const page = await agent.get(`/settings/webhooks/${first.id}`);
  assert.equal(page.body.match(SECRET), null);
  assert.match(page.body, /still signs beside the new one until/);
  assert.match(page.body, /No deliveries yet/);

  const sent = await agent.post(`/settings/webhooks/${first.id}/test`);
  assert.equal(sent.status, 303);
  assert.equal(sent.headers.location, `/settings/webhooks/${first.id}?notice=webhook_test_sent`);
  const withTest = await agent.get(sent.headers.location as string);
  assert.match(withTest.body, /Test event queued/);
  const deliveryId =
    /<tr data-delivery="([0-9a-f-]{36})"><td>webhook\.test<\/td><td><span class="badge s-pending">PENDING<\/span><\/td><td>0<\/td><td>—<\/td>/.exec(
      withTest.body,
    )?.[1];
  assert.ok(deliveryId, withTest.body.slice(withTest.body.indexOf("Recent deliveries"), withTest.body.indexOf("Recent deliveries") + 800));
  const api_ = (await call(ctx, "GET", `${api}/${first.id}/deliveries`, { key: clinic.key })).body.items;
  assert.deepEqual(
    api_.map((d: { id: string; type: string }) => [d.id, d.type]),
    [[deliveryId, "webhook.test"]],
  );

  // One that gave up (as the worker leaves it) is made due again by Retry: FAILED, next attempt now.
  await ctx.deps.db.query("UPDATE webhook_deliveries SET status = 'GAVE_UP', attempts = 8, last_status_code = 503, next_attempt_at = NULL WHERE id = $1", [
    deliveryId,
  ]);
  assert.match(
    (await agent.get(`/settings/webhooks/${first.id}`)).body,
    /<span class="badge s-gave_up">GAVE_UP<\/span><\/td><td>8<\/td><td>503<\/td>\s*<td class="small">—<\/td>/,
  );
  const retried = await agent.post(`/settings/webhooks/${first.id}/deliveries/${deliveryId}/retry`);
  assert.equal(retried.status, 303);
  assert.equal(retried.headers.location, `/settings/webhooks/${first.id}?notice=webhook_retried`);
  const row = (await ctx.deps.db.query("SELECT status, attempts, next_attempt_at FROM webhook_deliveries WHERE id = $1", [deliveryId])).rows[0];
  assert.deepEqual([row.status, row.attempts, row.next_attempt_at.toISOString()], ["FAILED", 8, ctx.clock.now().toISOString()]);
  assert.match(
    (await agent.get(`/settings/webhooks/${first.id}`)).body,
    /<span class="badge s-failed">FAILED<\/span><\/td><td>8<\/td><td>503<\/td>\s*<td class="small">Mon 2 Mar/,
  );
  // Another endpoint's delivery id, or no such one: 404.
  const other = await addThroughPage(agent, { url: "http://127.0.0.1:9/other", events: "*" });
  assert.equal((await agent.post(`/settings/webhooks/${other.id}/deliveries/${deliveryId}/retry`)).status, 404);
});

test("delete asks first; confirmed, the endpoint is gone; another clinic's endpoint is a 404 page", async () => {
  const { clinic, agent } = await anAdmin();
  const { id } = await addThroughPage(agent, { url: "http://127.0.0.1:9/hook", events: "*" });
  const ask = await agent.post(`/settings/webhooks/${id}/delete`);
  assert.equal(ask.status, 200);
  assert.match(ask.body, /Delete the endpoint <strong>http:\/\/127\.0\.0\.1:9\/hook<\/strong>\?/);
  assert.match(ask.body, /<input type="hidden" name="confirm" value="yes">/);
  assert.equal((await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).status, 200, "asking deletes nothing");
  const gone = await agent.post(`/settings/webhooks/${id}/delete`, { confirm: "yes" });
  assert.equal(gone.status, 303);
  assert.equal(gone.headers.location, "/settings/webhooks?notice=webhook_deleted");
  assert.equal((await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).status, 404);
  assert.match((await agent.get(gone.headers.location as string)).body, /Webhook endpoint deleted\./);
  assert.equal((await agent.get(`/settings/webhooks/${id}`)).status, 404);

  const theirs = await anAdmin();
  const their = await addThroughPage(theirs.agent, { url: "http://127.0.0.1:9/theirs", events: "*" });
  for (const path of ["", "/disable", "/enable", "/test", "/rotate-secret", "/delete"]) {
    const res = path === "" ? await agent.get(`/settings/webhooks/${their.id}`) : await agent.post(`/settings/webhooks/${their.id}${path}`, { confirm: "yes" });
    assert.equal(res.status, 404, path);
    assert.equal(res.body.match(SECRET), null);
  }
  assert.equal((await agent.post(`/settings/webhooks/${their.id}`, { url: "http://127.0.0.1:9/mine", events: "*" })).status, 404);
  const still = (await call(ctx, "GET", `${api}/${their.id}`, { key: theirs.clinic.key })).body;
  assert.deepEqual([still.url, still.disabled], ["http://127.0.0.1:9/theirs", false]);
  assert.equal((await agent.get("/settings/webhooks/not-an-id")).status, 404);
});

test("admins only: front desk gets 403 on every page and form, sees no link, and nothing is written", async () => {
  const { clinic, agent: admin } = await anAdmin();
  const { id } = await addThroughPage(admin, { url: "http://127.0.0.1:9/hook", events: "*" });
  const { agent } = await loggedIn(ctx, clinic.key, "front_desk");
  const before = await count("SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1", [clinic.id]);
  for (const url of ["/settings/webhooks", `/settings/webhooks/${id}`]) assert.equal((await agent.get(url)).status, 403, url);
  for (const url of [
    "/settings/webhooks",
    `/settings/webhooks/${id}`,
    `/settings/webhooks/${id}/disable`,
    `/settings/webhooks/${id}/rotate-secret`,
    `/settings/webhooks/${id}/test`,
    `/settings/webhooks/${id}/delete`,
  ]) {
    const res = await agent.post(url, { url: "http://127.0.0.1:9/desk", events: "*", confirm: "yes" });
    assert.equal(res.status, 403, url);
    assert.equal(res.body.match(SECRET), null);
  }
  assert.doesNotMatch((await agent.get("/")).body, /href="\/settings/);
  assert.equal(await count("SELECT count(*) AS n FROM webhook_endpoints WHERE clinic_id = $1", [clinic.id]), 1);
  assert.equal(await count("SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1", [clinic.id]), before);
});

test("CSRF: every webhook form refuses a missing or wrong token with 403 and changes nothing", async () => {
  const { clinic, agent } = await anAdmin();
  const { id } = await addThroughPage(agent, { url: "http://127.0.0.1:9/hook", events: "*" });
  assert.equal((await agent.post(`/settings/webhooks/${id}/test`)).status, 303);
  const deliveryId = (await call(ctx, "GET", `${api}/${id}/deliveries`, { key: clinic.key })).body.items[0].id;
  const other = await loggedIn(ctx, clinic.key, "admin"); // another session's token is no good either
  const changes = "SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1 AND action NOT LIKE 'staff_session.%'";
  const before = await count(changes, [clinic.id]);
  const posts = [
    "/settings/webhooks",
    `/settings/webhooks/${id}`,
    `/settings/webhooks/${id}/disable`,
    `/settings/webhooks/${id}/enable`,
    `/settings/webhooks/${id}/rotate-secret`,
    `/settings/webhooks/${id}/test`,
    `/settings/webhooks/${id}/deliveries/${deliveryId}/retry`,
    `/settings/webhooks/${id}/delete`,
  ];
  for (const url of posts) {
    const fields = { url: "http://127.0.0.1:9/forged", events: "*", confirm: "yes" };
    for (const token of [null, "", `${agent.csrf.slice(0, -2)}xx`]) {
      const res = await agent.post(url, fields, token);
      assert.equal(res.status, 403, `${url} with ${JSON.stringify(token)}`);
      assert.equal(res.body.match(SECRET), null);
    }
  }
  assert.equal((await agent.post(`/settings/webhooks/${id}/delete`, { confirm: "yes" }, other.agent.csrf)).status, 403);
  assert.equal(await count(changes, [clinic.id]), before);
  const still = (await call(ctx, "GET", `${api}/${id}`, { key: clinic.key })).body;
  assert.deepEqual([still.url, still.disabled], ["http://127.0.0.1:9/hook", false]);
  assert.equal(await count("SELECT count(*) AS n FROM webhook_endpoints WHERE clinic_id = $1", [clinic.id]), 1);
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

test("the list and an endpoint's page run as many queries for 20 rows as for 1; deliveries are paged", async () => {
  const pages: { agent: Agent; endpoint: string }[] = [];
  for (const n of [1, 25]) {
    const { clinic, agent } = await anAdmin();
    let endpoint = "";
    for (let i = 0; i < Math.min(n, 20); i++) {
      const made = await call(ctx, "POST", api, { key: clinic.key, body: { url: `http://127.0.0.1:9/hook${i}` } });
      assert.equal(made.status, 201);
      endpoint ||= made.body.id;
    }
    for (let i = 0; i < n; i++) {
      assert.equal((await call(ctx, "POST", `${api}/${endpoint}/test`, { key: clinic.key })).status, 202);
      ctx.clock.advanceMinutes(1);
    }
    pages.push({ agent, endpoint });
  }
  const [small, large] = pages as [(typeof pages)[0], (typeof pages)[0]];
  let listBody = "";
  const listOne = await queriesDuring(() => small.agent.get("/settings/webhooks"));
  const listTwenty = await queriesDuring(async () => (listBody = (await large.agent.get("/settings/webhooks")).body));
  assert.equal((listBody.match(/<tr data-endpoint=/g) ?? []).length, 20);
  assert.equal(listTwenty, listOne, `list: ${listOne} queries for 1, ${listTwenty} for 20`);
  let detailBody = "";
  const detailOne = await queriesDuring(() => small.agent.get(`/settings/webhooks/${small.endpoint}`));
  const detailMany = await queriesDuring(async () => (detailBody = (await large.agent.get(`/settings/webhooks/${large.endpoint}`)).body));
  assert.equal(detailMany, detailOne, `endpoint: ${detailOne} queries for 1 delivery, ${detailMany} for 20`);
  // 25 deliveries: the newest 20, then the older 5 behind the link.
  assert.equal((detailBody.match(/<tr data-delivery=/g) ?? []).length, 20);
  const older = /href="(\/settings\/webhooks\/[^"?]+\?older=[^"]+)">Older deliveries/.exec(detailBody)?.[1];
  assert.ok(older);
  const rest = (await large.agent.get(older.replaceAll("&amp;", "&"))).body;
  assert.equal((rest.match(/<tr data-delivery=/g) ?? []).length, 5);
  assert.doesNotMatch(rest, /Older deliveries/);
  // A cursor that is not one shows the first page.
  assert.equal(((await large.agent.get(`/settings/webhooks/${large.endpoint}?older=junk`)).body.match(/<tr data-delivery=/g) ?? []).length, 20);
});
