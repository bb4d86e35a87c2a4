// First run (API.md "First run"): while no clinic exists / and /login lead to /setup; the form is behind
// the admin token; one POST makes the clinic, its admin and a session in one transaction; then /setup
// is gone, and two setups at once make exactly one clinic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { conversion } from "../../src/flows/conversion.ts";
import { setupLine, setupLink } from "../../src/flows/set-up-clinic.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { ADMIN_TOKEN, call, T0, testApp, type TestContext } from "../harness/app.ts";
import { Agent } from "../harness/staff.ts";

const GOOD = { clinicName: "Main Street Dental", timezone: "America/Chicago", email: "Owner@Main.example", name: "Olga Owner", password: "a long passphrase" };

async function count(ctx: TestContext, table: string): Promise<number> {
  const { rows } = await ctx.deps.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

async function nothingWritten(ctx: TestContext) {
  for (const t of ["clinics", "api_keys", "staff_users", "staff_sessions", "audit_log"]) assert.equal(await count(ctx, t), 0, `${t} is empty`);
}

/** An agent holding the form (and its CSRF cookie) from the setup link. */
async function atTheForm(ctx: TestContext, token = ADMIN_TOKEN) {
  const agent = new Agent(ctx);
  const form = await agent.get(`/setup?token=${encodeURIComponent(token)}`);
  assert.equal(form.status, 200, form.body);
  return agent;
}

test("no clinic yet: / and /login answer 303 → /setup; without the token or with a wrong one, 403 says where the link is", async () => {
  const ctx = await testApp();
  for (const path of ["/", "/login", "/login?next=%2Fwaitlist"]) {
    const res = await call(ctx, "GET", path);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.location, "/setup", path);
  }
  for (const url of ["/setup", "/setup?token=", "/setup?token=wrong-token-0123456789", `/setup?token=${ADMIN_TOKEN}x`]) {
    const res = await call(ctx, "GET", url);
    assert.equal(res.status, 403, url);
    assert.match(res.headers["content-type"] as string, /^text\/html/);
    assert.match(res.body, /BACKFILL_ADMIN_TOKEN/, "an operator-set token: says to use it");
  }
  const generated = await testApp({ BACKFILL_ADMIN_TOKEN: "" });
  const res = await call(generated, "GET", "/setup");
  assert.equal(res.status, 403);
  assert.match(res.body, /start-up log/);
  assert.match(res.body, /Set up your clinic:/);
  // A POST with a wrong token is refused the same way and writes nothing.
  const agent = await atTheForm(ctx);
  const post = await agent.post("/setup", { ...GOOD, token: "wrong-token-0123456789" });
  assert.equal(post.status, 403);
  await nothingWritten(ctx);
});

test("the form: every field the contract names, a time-zone select, the CSRF field, a strict CSP; the token is not logged", async () => {
  const ctx = await testApp();
  const res = await ctx.app.inject({ method: "GET", url: `/setup?token=${ADMIN_TOKEN}` });
  assert.equal(res.statusCode, 200);
  for (const name of ["token", "clinicName", "email", "name", "password", "sampleData", "_csrf"])
    assert.match(res.body, new RegExp(`<input[^>]*name="${name}"`), name);
  assert.match(res.body, /<select id="timezone" name="timezone"/);
  assert.match(res.body, /<option value="America\/New_York"/);
  assert.match(res.body, /<option value="Asia\/Tokyo"/);
  assert.match(res.body, /type="password"[^>]*minlength="12"/);
  const csp = res.headers["content-security-policy"] as string;
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.match(String(res.headers["set-cookie"]), /^bf_setup=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
});

test("bad fields: the form again (422) naming each one, the entered values kept (never the password), nothing written", async () => {
  const ctx = await testApp();
  const agent = await atTheForm(ctx);
  const res = await agent.post("/setup", {
    token: ADMIN_TOKEN,
    clinicName: " ",
    timezone: "Mars/Olympus",
    email: "not-an-email",
    name: "",
    password: "too short",
    sampleData: "on",
  });
  assert.equal(res.status, 422, res.body);
  for (const label of ["Clinic name", "Time zone", "Your email", "Your name", "Password"])
    assert.match(res.body, new RegExp(`<strong>${label}</strong>`), label);
  assert.match(res.body, /must be 12 to 1024 characters/);
  assert.match(res.body, /value="not-an-email"/);
  assert.match(res.body, /name="sampleData" value="on" checked/);
  assert.doesNotMatch(res.body, /too short/);
  await nothingWritten(ctx);
  // Without the form's CSRF cookie: 403, nothing written.
  const stranger = new Agent(ctx);
  const forged = await stranger.post("/setup", { ...GOOD, token: ADMIN_TOKEN, _csrf: "made-up" }, null);
  assert.equal(forged.status, 403);
  await nothingWritten(ctx);
});

test("one transaction: when the admin login cannot be written, the clinic is not written either", async () => {
  const ctx = await testApp();
  await ctx.deps.db.query(`CREATE FUNCTION refuse_staff() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'staff insert refused (test)'; END $$;
    CREATE TRIGGER refuse_staff BEFORE INSERT ON staff_users FOR EACH ROW EXECUTE FUNCTION refuse_staff()`);
  const agent = await atTheForm(ctx);
  const res = await agent.post("/setup", { ...GOOD, token: ADMIN_TOKEN });
  assert.equal(res.status, 500);
  await nothingWritten(ctx);
  await ctx.deps.db.query("DROP TRIGGER refuse_staff ON staff_users");
  // The same form again now works: nothing of the failed try was left behind to get in the way.
  assert.equal((await agent.post("/setup", { ...GOOD, token: ADMIN_TOKEN })).status, 303);
});

test("setup: the clinic and its admin, signed in (the login's session cookie), 303 → the dashboard; then /setup is 404", async () => {
  const ctx = await testApp();
  const agent = await atTheForm(ctx);
  const res = await agent.post("/setup", { ...GOOD, token: ADMIN_TOKEN });
  assert.equal(res.status, 303, res.body);
  assert.equal(res.headers.location, "/");
  const cookies = res.headers["set-cookie"] as string[];
  assert.match(cookies.find((c) => c.startsWith("bf_session="))!, /^bf_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
  assert.ok(
    cookies.some((c) => /^bf_setup=; .*Max-Age=0/.test(c)),
    "the setup cookie is cleared",
  );

  const today = await agent.get("/");
  assert.equal(today.status, 200, today.body);
  assert.match(today.body, /<h1>Today<\/h1>/);
  assert.match(today.body, /Main Street Dental/);
  assert.match(today.body, /Olga Owner · admin/);
  const { rows } = await ctx.deps.db.query("SELECT c.name, c.timezone, u.email, u.role FROM clinics c JOIN staff_users u ON u.clinic_id = c.id");
  assert.deepEqual(rows, [{ name: "Main Street Dental", timezone: "America/Chicago", email: "owner@main.example", role: "admin" }]);
  assert.equal(await count(ctx, "patients"), 0, "no sample data unless asked for");

  for (const url of ["/setup", `/setup?token=${ADMIN_TOKEN}`]) assert.equal((await call(ctx, "GET", url)).status, 404, url);
  assert.equal((await agent.post("/setup", { ...GOOD, clinicName: "Second", token: ADMIN_TOKEN })).status, 404);
  assert.equal(await count(ctx, "clinics"), 1);
  const login = await call(ctx, "GET", "/login");
  assert.equal(login.status, 200, "a clinic exists: the login form again");
  // The admin logs in again with the password chosen at setup.
  const again = new Agent(ctx);
  assert.equal((await again.login(GOOD.email, GOOD.password)).status, 303);
  assert.ok(!ctx.logged.some((l) => l.includes(GOOD.email.toLowerCase()) || l.includes(ADMIN_TOKEN)), "no email or token in the log");
});

test("a clinic made through the admin API also ends first run: / goes to the login, /setup is 404", async () => {
  const ctx = await testApp();
  assert.equal((await call(ctx, "GET", "/")).headers.location, "/setup");
  const made = await call(ctx, "POST", "/api/admin/clinics", { key: ADMIN_TOKEN, body: { name: "API Clinic", timezone: "Europe/Paris" } });
  assert.equal(made.status, 201);
  assert.match(String((await call(ctx, "GET", "/")).headers.location), /^\/login/);
  assert.equal((await call(ctx, "GET", `/setup?token=${ADMIN_TOKEN}`)).status, 404);
});

test("a race: two setups posted at once make exactly one clinic (the other is 404), round after round", async () => {
  for (let round = 0; round < 5; round++) {
    const ctx = await testApp();
    const a = await atTheForm(ctx);
    const b = await atTheForm(ctx);
    const answers = await Promise.all([
      a.post("/setup", { ...GOOD, clinicName: "Clinic A", email: "a@a.example", token: ADMIN_TOKEN }),
      b.post("/setup", { ...GOOD, clinicName: "Clinic B", email: "b@b.example", token: ADMIN_TOKEN }),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [303, 404], `round ${round}`);
    assert.equal(await count(ctx, "clinics"), 1);
    assert.equal(await count(ctx, "staff_users"), 1);
    assert.equal(await count(ctx, "staff_sessions"), 1);
  }
});

test("the start-up line: the link with a token that opens the form; an operator's own token is never printed", async () => {
  const operator = await testApp();
  const named = await setupLink(operator.deps, null);
  assert.deepEqual(named, { kind: "operator_token", url: `${operator.deps.config.publicUrl}/setup` });
  const line = setupLine(named!);
  assert.match(line, /^Set up your clinic: http:\/\/localhost:3000\/setup \(.*BACKFILL_ADMIN_TOKEN/);
  assert.ok(!line.includes(ADMIN_TOKEN));

  // A token generated at an earlier start is only a hash now: a new one is made, and the old one stops working.
  const ctx = await testApp({ BACKFILL_ADMIN_TOKEN: "" });
  const first = await setupLink(ctx.deps, null);
  const second = await setupLink(ctx.deps, null);
  for (const link of [first, second]) assert.match(setupLine(link!), /^Set up your clinic: http:\/\/localhost:3000\/setup\?token=bfadmin_[\w-]{43}$/);
  const path = (link: typeof first) => new URL(link!.url).pathname + new URL(link!.url).search;
  assert.equal((await call(ctx, "GET", path(first))).status, 403, "the earlier link's token was replaced");
  assert.equal((await call(ctx, "GET", path(second))).status, 200);
  // The token printed at this start (generatedNow) is used as it is.
  const shown = await setupLink(ctx.deps, "bfadmin_given");
  assert.equal(shown!.url, "http://localhost:3000/setup?token=bfadmin_given");
  // Once a clinic exists there is no line.
  const agent = await atTheForm(ctx, new URL(second!.url).searchParams.get("token")!);
  assert.equal((await agent.post("/setup", { ...GOOD, token: new URL(second!.url).searchParams.get("token")! })).status, 303);
  assert.equal(await setupLink(ctx.deps, null), null);
});

test("sample data: the demo clinic plus a past month made by the real flows, invisible to a worker on the real clock until it is all there", async (t) => {
  const ctx = await testApp();
  const agent = await atTheForm(ctx);
  // A background worker sweeping with the real clock (the test clock's now) the whole time: it must
  // never see a past appointment before its check-in or a past opening before its offers ran.
  let posting = true;
  const worker = (async () => {
    let rounds = 0;
    while (posting || rounds === 0) {
      await runDue(ctx.deps, ctx.clock.now());
      rounds++;
    }
    return rounds;
  })();
  const started = Date.now();
  const res = await agent.post("/setup", { ...GOOD, token: ADMIN_TOKEN, sampleData: "on" });
  posting = false;
  t.diagnostic(`setup with sample data took ${Date.now() - started} ms; the racing worker ran ${await worker} rounds`);
  assert.equal(res.status, 303, res.body);

  const q = async (sql: string) => (await ctx.deps.db.query(sql)).rows;
  const monthAgo = new Date(T0.getTime() - 30 * 86_400_000).toISOString();
  assert.equal(await count(ctx, "patients"), 30);
  assert.deepEqual(
    await q("SELECT count(*)::int AS n FROM appointments WHERE status = 'NO_SHOW'"),
    [{ n: 0 }],
    "every past visit was checked in by the simulation",
  );
  assert.deepEqual(
    await q(`SELECT count(*)::int AS n FROM appointments WHERE start_at < '${T0.toISOString()}' AND status IN ('BOOKED', 'CONFIRMED')`),
    [{ n: 0 }],
    "nothing in the past left waiting",
  );
  const past = await q(`SELECT status, count(*)::int AS n FROM openings WHERE start_at < '${T0.toISOString()}' GROUP BY 1 ORDER BY 1`);
  const filled = past.find((r) => r.status === "FILLED")?.n ?? 0;
  assert.ok(filled >= 8, `past openings filled from the waitlist: ${JSON.stringify(past)}`);
  assert.ok(
    past.every((r) => r.status === "FILLED" || r.status === "EXPIRED"),
    "every past opening ended",
  );
  const offers = await q(`SELECT status, count(*)::int AS n FROM offers WHERE created_at < '${T0.toISOString()}' GROUP BY 1`);
  for (const s of ["ACCEPTED", "DECLINED", "EXPIRED"])
    assert.ok(
      offers.some((r) => r.status === s),
      `some offers ${s}: ${JSON.stringify(offers)}`,
    );
  const [{ first }] = await q("SELECT min(start_at) AS first FROM appointments");
  assert.ok(first.getTime() >= T0.getTime() - 31 * 86_400_000 && first.getTime() < T0.getTime() - 27 * 86_400_000, `the book starts a month back: ${first}`);
  // The next week and the waitlist are there as in the demo, and so is the offer of its cancellation.
  assert.ok((await q(`SELECT 1 FROM appointments WHERE start_at > '${T0.toISOString()}'`)).length > 40);
  assert.ok((await q("SELECT 1 FROM waitlist_entries WHERE status IN ('ACTIVE', 'NOTIFIED')")).length >= 20);
  // Analytics (the flow behind the page and the API) has a month to show.
  const [{ id: clinicId }] = await q("SELECT id FROM clinics");
  const figures = await conversion(ctx.deps, { clinicId, actor: "test" }, { from: new Date(monthAgo), to: T0 });
  assert.ok(figures.ok, JSON.stringify(figures));
  const v = figures.value as { offers: number; accepted: number; filled: number; revenueRecoveredCents: number };
  assert.ok(v.offers > 10 && v.accepted >= 8 && v.filled >= 8 && v.revenueRecoveredCents > 0, JSON.stringify(v));
  const page = await agent.get("/analytics");
  assert.equal(page.status, 200);
  // Nothing left for the real worker: the month is done, today's due work too.
  const after = await runDue(ctx.deps, ctx.clock.now());
  assert.ok(
    Object.values(after).every((n) => n === 0),
    JSON.stringify(after),
  );
});

test("sample data is all or nothing: a failure half-way through the month leaves the clinic and its admin, signed in, with no sample rows", async () => {
  const ctx = await testApp();
  // Refuse the fifth check-in: the month is well under way by then.
  await ctx.deps.db.query(`CREATE SEQUENCE checkins; CREATE FUNCTION refuse_checkin() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.status = 'CHECKED_IN' AND nextval('checkins') >= 5 THEN RAISE EXCEPTION 'check-in refused (test)'; END IF; RETURN NEW; END $$;
    CREATE TRIGGER refuse_checkin BEFORE UPDATE ON appointments FOR EACH ROW EXECUTE FUNCTION refuse_checkin()`);
  const agent = await atTheForm(ctx);
  const res = await agent.post("/setup", { ...GOOD, token: ADMIN_TOKEN, sampleData: "on" });
  assert.equal(res.status, 303, res.body);
  assert.equal((await agent.get("/")).status, 200, "signed in all the same");
  assert.equal(await count(ctx, "clinics"), 1);
  assert.equal(await count(ctx, "staff_users"), 1);
  for (const t of ["patients", "providers", "appointments", "waitlist_entries", "offers", "dev_outbox"])
    assert.equal(await count(ctx, t), 0, `${t}: nothing of the sample`);
  assert.ok(
    ctx.logged.some((l) => l.includes("sample data failed")),
    "the failure is logged",
  );
});
