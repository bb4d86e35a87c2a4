// The staff dashboard's doors over app.inject: logins (scrypt, no user enumeration), session cookies,
// sliding expiry and logout, CSRF on every POST, roles, and other clinics' ids. Time is the ManualClock's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { aStaffedClinic, call, T0, testApp } from "../harness/app.ts";
import { Agent, aStaffUser, loggedIn, PASSWORD } from "../harness/staff.ts";
import { aWorld } from "../harness/world.ts";

const ctx = await testApp();
const count = async (sql: string, params: unknown[]) => Number((await ctx.deps.db.query(sql, params)).rows[0].n);

test("login: a session cookie that is HttpOnly, SameSite=Lax, Path=/ (not Secure on http), then Today", async () => {
  const { clinic } = await aStaffedClinic(ctx);
  const user = await aStaffUser(ctx, clinic.key, "front_desk");
  const agent = new Agent(ctx);
  const form = await agent.get("/login");
  assert.equal(form.status, 200);
  assert.match(String(form.headers["set-cookie"]), /bf_login=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
  const res = await agent.post("/login", { email: user.email.toUpperCase(), password: PASSWORD, next: "/waitlist" });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, "/waitlist");
  const cookie = (res.headers["set-cookie"] as string[]).find((c) => c.startsWith("bf_session="))!;
  assert.match(cookie, /^bf_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  const today = await agent.get("/");
  assert.equal(today.status, 200);
  assert.match(today.body, /<h1>Today<\/h1>/);
  assert.match(String(today.headers["content-security-policy"]), /script-src 'self'/);
  assert.equal(today.headers["cache-control"], "no-store");
  // Only a path of ours is followed after login.
  const other = new Agent(ctx);
  await other.get("/login");
  assert.equal((await other.post("/login", { email: user.email, password: PASSWORD, next: "//evil.example/x" })).headers.location, "/");
});

test("login: Secure cookies when BACKFILL_PUBLIC_URL is https", async () => {
  const https = await testApp({ BACKFILL_PUBLIC_URL: "https://clinic.example" });
  const { clinic } = await aStaffedClinic(https);
  const user = await aStaffUser(https, clinic.key, "admin");
  const agent = new Agent(https);
  const res = await agent.login(user.email);
  assert.equal(res.status, 303);
  assert.match((res.headers["set-cookie"] as string[]).find((c) => c.startsWith("bf_session="))!, /; HttpOnly; SameSite=Lax; Secure$/);
});

test("login failure: one generic answer for a wrong password and an unknown email; no session", async () => {
  const { clinic } = await aStaffedClinic(ctx);
  const user = await aStaffUser(ctx, clinic.key, "admin");
  const answers = [];
  for (const [email, password] of [
    [user.email, "wrong password!"],
    ["nobody@clinic.example", PASSWORD],
    [user.email, ""],
  ]) {
    const agent = new Agent(ctx);
    await agent.get("/login");
    const res = await agent.post("/login", { email: email!, password: password! });
    assert.equal(res.status, 401);
    assert.ok(!agent.cookies.has("bf_session"));
    assert.match(res.body, /Email or password is incorrect\./);
    answers.push(res.body.replace(/value="[^"]*"/g, 'value=""'));
  }
  assert.equal(answers[0], answers[1], "the page does not tell whether the email has a login");
  assert.ok(!ctx.logged.some((l) => l.includes(PASSWORD) || l.includes("wrong password")), "no password in the log");
});

test("passwords are stored as scrypt$N$r$p$salt$hash, never as given; a disabled user cannot log in", async () => {
  const { clinic } = await aStaffedClinic(ctx);
  const user = await aStaffUser(ctx, clinic.key, "viewer");
  const { rows } = await ctx.deps.db.query("SELECT email, password_hash FROM staff_users WHERE id = $1", [user.id]);
  assert.match(rows[0].password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.ok(!rows[0].password_hash.includes(PASSWORD));
  await ctx.deps.db.query("UPDATE staff_users SET disabled_at = $2 WHERE id = $1", [user.id, T0]);
  assert.equal((await new Agent(ctx).login(user.email)).status, 401);
});

test("POST /api/booking/staff-users: 201, a taken email is 409, a bad one 422; documented in OpenAPI", async () => {
  const { clinic } = await aStaffedClinic(ctx);
  await aStaffUser(ctx, clinic.key, "front_desk", "desk@clinic.example");
  const again = await call(ctx, "POST", "/api/booking/staff-users", {
    key: clinic.key,
    body: { email: "DESK@clinic.example", name: "Again", password: PASSWORD, role: "viewer" },
  });
  assert.equal(again.status, 409);
  const bad = await call(ctx, "POST", "/api/booking/staff-users", {
    key: clinic.key,
    body: { email: "not an email", name: "X", password: "short", role: "boss" },
  });
  assert.equal(bad.status, 422);
  assert.deepEqual([...new Set(bad.body.errors.map((e: { path: string }) => e.path))].sort(), ["/email", "/password", "/role"]);
  const docs = await call(ctx, "GET", "/docs/json");
  assert.ok(docs.body.paths["/api/booking/staff-users"].post.responses["201"]);
  assert.equal(Object.keys(docs.body.paths).filter((p) => p === "/login" || p === "/" || p.startsWith("/waitlist")).length, 0, "pages are not API");
});

test("sessions: 12 h sliding; logout revokes the session at once", async () => {
  ctx.clock.set(T0);
  const { clinic } = await aStaffedClinic(ctx);
  const { agent } = await loggedIn(ctx, clinic.key);
  ctx.clock.advanceMinutes(11 * 60);
  assert.equal((await agent.get("/")).status, 200, "used within 12 h: still in, and moved on");
  ctx.clock.advanceMinutes(11 * 60);
  assert.equal((await agent.get("/")).status, 200, "22 h after login but 11 h after last use");
  ctx.clock.advanceMinutes(12 * 60 + 1);
  const expired = await agent.get("/waitlist");
  assert.equal(expired.status, 303);
  assert.equal(expired.headers.location, "/login?next=%2Fwaitlist");

  ctx.clock.set(T0);
  const second = await loggedIn(ctx, clinic.key);
  const token = second.agent.cookies.get("bf_session")!;
  const out = await second.agent.post("/logout");
  assert.equal(out.status, 303);
  assert.equal(out.headers.location, "/login");
  const replay = new Agent(ctx);
  replay.cookies.set("bf_session", token);
  assert.equal((await replay.get("/")).status, 303, "the old cookie no longer works");
  assert.equal(await count("SELECT count(*) AS n FROM staff_sessions WHERE staff_user_id = $1 AND revoked_at IS NOT NULL", [second.user.id]), 1);
});

test("no session: pages redirect to the login, fragments, events and posts are 401", async () => {
  const anon = new Agent(ctx);
  for (const url of ["/", "/waitlist", "/openings", "/notifications", "/outreach", "/analytics", "/settings", "/dev/inbox", "/appointments"]) {
    const res = await anon.get(url);
    assert.equal(res.status, 303, url);
    assert.equal(res.headers.location, `/login?next=${encodeURIComponent(url)}`);
  }
  for (const url of ["/today/panel", "/dev/inbox/panel", "/events"]) assert.equal((await anon.get(url)).status, 401, url);
  assert.equal((await anon.post("/waitlist", {}, "x")).status, 401);
  const garbage = new Agent(ctx);
  garbage.cookies.set("bf_session", "not-a-session");
  assert.equal((await garbage.get("/")).status, 303);
});

test("CSRF: every POST route refuses a missing or wrong token with 403 and changes nothing", async () => {
  const w = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, w.clinic.key, "admin");
  const posts = [
    "/logout",
    "/waitlist",
    `/waitlist/${w.entry.id}`,
    `/waitlist/${w.entry.id}/remove`,
    `/appointments/${w.appointment.id}/cancel`,
    "/openings",
    `/openings/${w.opening.id}/notify`,
    `/openings/${w.opening.id}/notify-matches`,
    `/openings/${w.opening.id}/book`,
    `/outreach/${w.outreach.id}/complete`,
    "/settings",
    "/settings/staff",
    "/dev/inbox/00000000-0000-4000-8000-000000000000/status",
    "/closures",
    "/closures/00000000-0000-4000-8000-000000000000/remove",
  ];
  const before = await count("SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1", [w.clinic.id]);
  for (const url of posts) {
    const fields = { entryId: w.entry.id, by: "staff", outcome: "NO_ANSWER", holdMinutes: "60" };
    assert.equal((await agent.post(url, fields, null)).status, 403, `${url} without a token`);
    assert.equal((await agent.post(url, fields, `${agent.csrf.slice(0, -2)}xx`)).status, 403, `${url} with a wrong token`);
    assert.equal((await agent.post(url, fields, "")).status, 403, `${url} with an empty token`);
  }
  // Another session's token is no good either.
  const other = await loggedIn(ctx, w.clinic.key, "admin");
  assert.equal((await agent.post(`/waitlist/${w.entry.id}/remove`, {}, other.agent.csrf)).status, 403);
  assert.equal(
    await count("SELECT count(*) AS n FROM audit_log WHERE clinic_id = $1 AND actor LIKE 'staff_user:%' AND action NOT LIKE 'staff_session.%'", [w.clinic.id]),
    0,
  );
  assert.ok(before > 0);
  // The login form needs its own token (a double-submit cookie).
  const anon = new Agent(ctx);
  assert.equal((await anon.post("/login", { email: "a@b.example", password: PASSWORD }, null)).status, 403);
  await anon.get("/login");
  assert.equal((await anon.post("/login", { email: "a@b.example", password: PASSWORD }, "forged")).status, 403);
});

test("roles: a viewer sees analytics only and cannot change the waitlist (403); front desk cannot open settings", async () => {
  const w = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, w.clinic.key, "viewer");
  const home = await agent.get("/");
  assert.equal(home.status, 303);
  assert.equal(home.headers.location, "/analytics");
  assert.equal((await agent.get("/analytics")).status, 200);
  for (const url of ["/waitlist", "/openings", "/closures", "/notifications", "/outreach", "/settings", "/appointments", `/waitlist/${w.entry.id}`]) {
    assert.equal((await agent.get(url)).status, 403, url);
  }
  for (const url of ["/waitlist", `/waitlist/${w.entry.id}`, `/waitlist/${w.entry.id}/remove`]) {
    const res = await agent.post(url, { patientId: w.patient.id, serviceId: w.service.id });
    assert.equal(res.status, 403, url);
  }
  const entry = await call(ctx, "GET", `/api/booking/waitlist/${w.entry.id}`, { key: w.clinic.key });
  assert.equal(entry.body.status, "ACTIVE");
  const desk = await loggedIn(ctx, w.clinic.key, "front_desk");
  assert.equal((await desk.agent.get("/settings")).status, 403);
  assert.equal((await desk.agent.post("/settings", { holdMinutes: "30" })).status, 403);
  assert.doesNotMatch((await desk.agent.get("/")).body, /href="\/settings"/, "no link to what the role cannot open");
});

test("tenancy: another clinic's ids are 404 pages, and nothing changes", async () => {
  const a = await aWorld(ctx);
  const b = await aWorld(ctx);
  const aClosure = a.closure.id;
  const { agent } = await loggedIn(ctx, b.clinic.key, "admin");
  for (const url of [`/waitlist/${a.entry.id}`, `/openings/${a.opening.id}`, "/waitlist/not-a-uuid", "/openings/123"]) {
    const res = await agent.get(url);
    assert.equal(res.status, 404, url);
    assert.match(res.body, /Not found/);
  }
  const posts: [string, Record<string, string>][] = [
    [`/waitlist/${a.entry.id}`, { serviceId: b.service.id }],
    [`/waitlist/${a.entry.id}/remove`, {}],
    [`/appointments/${a.appointment.id}/cancel`, { by: "staff" }],
    [`/openings/${a.opening.id}/notify`, { entryId: a.entry.id }],
    [`/openings/${a.opening.id}/book`, { entryId: a.entry.id }],
    [`/openings/${a.opening.id}/notify-matches`, {}],
    [`/outreach/${a.outreach.id}/complete`, { outcome: "NO_ANSWER" }],
    [`/closures/${aClosure}/remove`, {}],
  ];
  for (const [url, fields] of posts) assert.equal((await agent.post(url, fields)).status, 404, url);
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${a.appointment.id}`, { key: a.clinic.key })).body.status, "BOOKED");
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${a.entry.id}`, { key: a.clinic.key })).body.status, "ACTIVE");
  const closures = (await call(ctx, "GET", "/api/booking/closures", { key: a.clinic.key })).body.items;
  assert.ok(
    closures.some((c: { id: string }) => c.id === aClosure),
    "A's closure is still there",
  );
  // B's lists show none of A's rows.
  const waitlist = await agent.get("/waitlist?status=all");
  assert.ok(!waitlist.body.includes(a.entry.id));
});

test("GET /events: an event stream for the session's clinic; its changes are announced, another clinic's are not", async () => {
  // Without LISTEN (deps.live absent) the stream polls the clinic's board every 2 s: real waits, bounded.
  const a = await aWorld(ctx);
  const b = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, a.clinic.key);
  const base = await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  const abort = new AbortController();
  const res = await fetch(`${base}/events`, { headers: { cookie: `bf_session=${agent.cookies.get("bf_session")}` }, signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const reader = res.body!.getReader();
  let seen = "";
  let pending: ReturnType<typeof reader.read> | null = null; // one read at a time, kept across waits
  const until = async (pattern: RegExp, ms: number) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(seen)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      pending ??= reader.read();
      const chunk = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (chunk === null) return false;
      pending = null;
      seen += new TextDecoder().decode(chunk.value);
    }
    return true;
  };
  assert.ok(await until(/retry: \d+/, 2_000), "the stream opens");
  await call(ctx, "POST", `/api/booking/appointments/${b.appointment.id}/cancel`, { key: b.clinic.key, body: { by: "staff" } });
  assert.equal(await until(/event: change/, 4_500), false, "another clinic's change is not announced");
  await call(ctx, "POST", `/api/booking/appointments/${a.appointment.id}/cancel`, { key: a.clinic.key, body: { by: "staff" } });
  assert.ok(await until(/event: change/, 4_500), "the clinic's own change is announced");
  abort.abort();
});
