// Events out (API.md "Events out (webhooks)", the Standard Webhooks specification), end to end: real changes
// through the API, runDue on the manual clock, real HTTP to receivers on 127.0.0.1 that verify each request
// with the standardwebhooks package exactly as a customer would. Signing and rotation, the body and its
// `data` (the resource as the API returns it), retries on the schedule with the same webhook-id, Retry-After,
// 410 and 5 days of failure disabling the endpoint (audited, staff alerted), giving up after 8 attempts, a
// receiver that never answers, a redirect not followed, a lease that ran out, and the test clock's drain.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { deliverDueWebhooks, USER_AGENT } from "../../src/flows/deliver-webhooks.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../fakes/webhook-receiver.ts";
import { aClinic, anAppointment, anEntry, anOpening, aPatient, aProvider, aService, ADMIN_TOKEN, call, testApp, type TestContext } from "../harness/app.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const drain = () => runDue(ctx.deps, ctx.clock.now());
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const later = (ms: number, c: TestContext = ctx) => c.clock.set(new Date(c.clock.now().getTime() + ms));
const unix = (d: Date) => String(Math.floor(d.getTime() / 1000));

let phones = 200;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

const receivers: WebhookReceiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));
async function aReceiver(c: TestContext = ctx) {
  const r = await startWebhookReceiver({ now: () => c.clock.now() });
  receivers.push(r);
  return r;
}

async function anEndpoint(key: string, url: string, body: Record<string, unknown> = {}, c: TestContext = ctx) {
  const res = await call(c, "POST", "/api/booking/webhook-endpoints", { key, body: { url, ...body } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; secret: string };
}

/** A clinic, a receiver and an endpoint of the clinic sending it everything. */
async function aHook(events: string[] = ["*"]) {
  const clinic = await aClinic(ctx);
  const receiver = await aReceiver();
  const endpoint = await anEndpoint(clinic.key, receiver.url, { events });
  return { clinic, receiver, endpoint };
}

async function deliveriesOf(endpointId: string) {
  const { rows } = await db.query(
    `SELECT d.*, e.type, e.sequence, e.entity_id, e.data, e.created_at AS event_created_at FROM webhook_deliveries d
       JOIN webhook_events e ON e.id = d.event_id WHERE d.endpoint_id = $1 ORDER BY e.sequence`,
    [endpointId],
  );
  return rows;
}
const endpointRow = async (id: string) => (await db.query("SELECT * FROM webhook_endpoints WHERE id = $1", [id])).rows[0];
const alertsOf = async (clinicId: string) =>
  (await db.query("SELECT kind, subject_id, message FROM staff_alerts WHERE clinic_id = $1 ORDER BY created_at, id", [clinicId])).rows;

test("a patient created with SMS consent: one POST, verified with the endpoint's secret, the body and headers as specified", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  const patient = await aPatient(ctx, clinic, { phone: nextPhone() });
  assert.equal(receiver.received.length, 0, "nothing is sent before the runner runs");
  const drained = await drain();
  assert.equal(drained.webhooks, 1);
  assert.equal(receiver.received.length, 1);
  const [r] = receiver.received;
  const [row] = await deliveriesOf(endpoint.id);

  assert.equal(r!.method, "POST");
  assert.equal(r!.path, "/hook");
  assert.equal(r!.headers["content-type"], "application/json");
  assert.equal(r!.headers["user-agent"], USER_AGENT);
  assert.equal(r!.headers["webhook-id"], row.event_id);
  assert.equal(r!.headers["webhook-timestamp"], unix(ctx.clock.now()));
  assert.match(String(r!.headers["webhook-signature"]), /^v1,[A-Za-z0-9+/]{43}=$/);

  const payload = receiver.verify(r!, endpoint.secret) as Record<string, unknown>;
  assert.deepEqual(Object.keys(payload), ["type", "timestamp", "sequence", "data"]);
  assert.equal(payload.type, "patient.consent_changed");
  assert.equal(payload.timestamp, row.event_created_at.toISOString());
  assert.equal(payload.sequence, row.sequence);
  // The resource exactly as the API returns it (as created and listed: the single GET adds noShowCount).
  assert.deepEqual(payload.data, patient);
  assert.throws(() => receiver.verify(r!, `whsec_${Buffer.alloc(32, 7).toString("base64")}`), /No matching signature/);

  assert.equal(row.status, "SUCCEEDED");
  assert.equal(row.attempts, 1);
  assert.equal(row.last_status_code, 204);
  assert.equal(row.next_attempt_at, null);
  assert.equal(row.locked_until, null);
  assert.deepEqual(row.succeeded_at, ctx.clock.now());
  assert.deepEqual(row.data, payload.data, "data is rendered once and kept");
  assert.equal((await drain()).webhooks, 0, "done is done");
  assert.ok(!ctx.logged.some((l) => l.includes(patient.phone) || l.includes("Example")), "no patient data in the log");
});

test("data is the API's resource for appointments, openings, waitlist entries, offers and outreach tasks", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  const provider = await aProvider(ctx, clinic);
  const service = await aService(ctx, clinic);
  const patient = await aPatient(ctx, clinic, { phone: nextPhone(), smsConsent: false });
  const waiter = await aPatient(ctx, clinic, { phone: nextPhone() });
  const entry = await anEntry(ctx, clinic, { patientId: waiter.id, serviceId: service.id });
  const start = new Date(ctx.clock.now().getTime() + 26 * H).toISOString();
  const appointment = await anAppointment(ctx, clinic, { patientId: patient.id, providerId: provider.id, serviceId: service.id, start });
  const openingStart = new Date(ctx.clock.now().getTime() + 50 * H);
  const opening = await anOpening(ctx, clinic, {
    providerId: provider.id,
    start: openingStart.toISOString(),
    end: new Date(openingStart.getTime() + H).toISOString(),
  });
  const { rows: tasks } = await db.query(
    "INSERT INTO outreach_tasks (clinic_id, patient_id, deadline, notes, created_at) VALUES ($1, $2, $3, 'call', $4) RETURNING id",
    [clinic.id, waiter.id, new Date(ctx.clock.now().getTime() + H), ctx.clock.now()],
  );
  await drain(); // the opening's wave offers it to the waiter: offer.sent

  const byType = new Map<string, Record<string, any>[]>();
  for (const r of receiver.received) {
    const p = receiver.verify(r, endpoint.secret) as { type: string; data: Record<string, any> };
    byType.set(p.type, [...(byType.get(p.type) ?? []), p.data]);
  }
  const get = async (path: string) => (await call(ctx, "GET", path, { key: clinic.key })).body;
  const lastOf = (type: string) => byType.get(type)?.at(-1);

  assert.deepEqual(lastOf("appointment.created"), await get(`/api/booking/appointments/${appointment.id}`));
  assert.deepEqual(lastOf("waitlist_entry.created"), entry);
  const { offers: _offers, ...openingJson } = await get(`/api/booking/openings/${opening.id}`);
  assert.deepEqual(lastOf("opening.created"), { ...openingJson, status: "OPEN", waveCount: 0, updatedAt: opening.updatedAt });
  const [task] = (await get("/api/booking/outreach-tasks")).items;
  assert.equal(task.id, tasks[0].id);
  assert.deepEqual(lastOf("outreach_task.created"), task);
  const sent = lastOf("offer.sent");
  assert.ok(sent, `offer.sent among ${[...byType.keys()].join(", ")}`);
  const listed = (await get(`/api/booking/waitlist/notifications?slotId=${opening.id}`)).items;
  assert.deepEqual(
    sent,
    listed.find((n: { id: string }) => n.id === sent.id),
    "a notification with its opening and deliveries",
  );
  assert.equal(sent.slotId, opening.id);
  assert.equal(sent.deliveries.length, 1);
  for (const row of await deliveriesOf(endpoint.id)) assert.equal(row.status, "SUCCEEDED", row.type);
  // Sequence rises per clinic, and events go out in that order.
  const sequences = receiver.received.map((r) => JSON.parse(r.body).sequence as number);
  assert.deepEqual(
    sequences,
    [...sequences].sort((a, b) => a - b),
  );
});

test("during a rotation both the new and the previous secret verify; after 24 h only the new one signs", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  const rotated = await call(ctx, "POST", `/api/booking/webhook-endpoints/${endpoint.id}/rotate-secret`, { key: clinic.key });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  const fresh = rotated.body.secret as string;
  assert.notEqual(fresh, endpoint.secret);
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  const [r] = receiver.received;
  assert.equal(String(r!.headers["webhook-signature"]).split(" ").length, 2, "v1,a v1,b");
  assert.ok(receiver.verify(r!, fresh));
  assert.ok(receiver.verify(r!, endpoint.secret));

  later(24 * H + S);
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  const r2 = receiver.received[1]!;
  assert.equal(String(r2.headers["webhook-signature"]).split(" ").length, 1);
  assert.ok(receiver.verify(r2, fresh));
  assert.throws(() => receiver.verify(r2, endpoint.secret), /No matching signature/);
});

test("failures are retried on the schedule (5 s, 5 min, 30 min) with the same webhook-id and body; a success clears failing_since", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  receiver.answer = (_r, n) => (n <= 3 ? { status: 500, body: "x".repeat(100_000) } : { status: 200, body: "ok" });
  await aPatient(ctx, clinic, { phone: nextPhone() });
  const first = ctx.clock.now();
  await drain();
  let [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.attempts, row.last_status_code, row.last_error], ["FAILED", 1, 500, "HTTP 500"]);
  assert.deepEqual(row.next_attempt_at, new Date(first.getTime() + 5 * S));
  assert.deepEqual((await endpointRow(endpoint.id)).failing_since, first, "the first failure sets failing_since");

  later(4 * S);
  await drain();
  assert.equal(receiver.received.length, 1, "not before its time");
  later(1 * S);
  await drain();
  assert.equal(receiver.received.length, 2);
  row = (await deliveriesOf(endpoint.id))[0];
  assert.deepEqual(row.next_attempt_at, new Date(ctx.clock.now().getTime() + 5 * M));
  later(5 * M);
  await drain();
  later(30 * M - S);
  await drain();
  assert.equal(receiver.received.length, 3);
  later(S);
  await drain();
  assert.equal(receiver.received.length, 4);

  row = (await deliveriesOf(endpoint.id))[0];
  assert.deepEqual([row.status, row.attempts, row.last_status_code, row.next_attempt_at], ["SUCCEEDED", 4, 200, null]);
  assert.equal((await endpointRow(endpoint.id)).failing_since, null, "a success clears failing_since");
  assert.deepEqual(new Set(receiver.received.map((r) => r.headers["webhook-id"])), new Set([row.event_id]));
  assert.equal(new Set(receiver.received.map((r) => r.body)).size, 1, "every retry sends the same body");
  assert.equal(new Set(receiver.received.map((r) => r.headers["webhook-timestamp"])).size, 4, "each attempt has its own timestamp");
  for (const r of receiver.received) assert.ok(receiver.verify(r, endpoint.secret));
});

test("Retry-After (seconds, or an HTTP date) delays the next attempt beyond the schedule's", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  const plans: Record<number, { status: number; headers?: Record<string, string> }> = {
    1: { status: 503, headers: { "retry-after": "120" } },
    2: { status: 429, headers: { "retry-after": new Date(ctx.clock.now().getTime() + 120 * S + 45 * M).toUTCString() } },
  };
  receiver.answer = (_r, n) => plans[n] ?? { status: 204 };
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  later(119 * S);
  await drain();
  assert.equal(receiver.received.length, 1, "not at 5 s: the receiver asked for 120");
  later(S);
  await drain();
  assert.equal(receiver.received.length, 2);
  later(45 * M - S);
  await drain();
  assert.equal(receiver.received.length, 2, "the date asked for is 45 min away, the schedule's 5 min is earlier");
  later(S);
  await drain();
  assert.equal(receiver.received.length, 3);
  assert.equal((await deliveriesOf(endpoint.id))[0].status, "SUCCEEDED");
});

test("410 Gone: the delivery gives up, the endpoint is disabled ('gone', audited, staff alerted), nothing more is due for it", async () => {
  const { clinic, receiver, endpoint } = await aHook();
  receiver.answer = (_r, n) => (n === 1 ? { status: 410 } : { status: 204 });
  // A second endpoint of the clinic keeps getting its events.
  const other = await aReceiver();
  const otherEndpoint = await anEndpoint(clinic.key, other.url);
  const p1 = await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  // One request reached the gone endpoint; the patient's other events were due with it and stop.
  await call(ctx, "PATCH", `/api/booking/patients/${p1.id}`, { key: clinic.key, body: { smsConsent: false } });
  await drain();
  const row = await endpointRow(endpoint.id);
  assert.deepEqual([row.disabled, row.disabled_reason], [true, "gone"]);
  const rows = await deliveriesOf(endpoint.id);
  assert.deepEqual(
    rows.map((r) => [r.status, r.next_attempt_at]),
    [["GAVE_UP", null]],
    "the change after the disabling writes no delivery to it",
  );
  assert.equal(receiver.received.length, 1);
  assert.equal(other.received.length, 2, "the other endpoint got both events");
  assert.ok((await deliveriesOf(otherEndpoint.id)).every((r) => r.status === "SUCCEEDED"));

  const { rows: audit } = await db.query(
    "SELECT actor, after FROM audit_log WHERE clinic_id = $1 AND action = 'webhook_endpoint.disabled' AND entity_id = $2",
    [clinic.id, endpoint.id],
  );
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor, "system");
  assert.equal(audit[0].after.reason, "gone");
  const alerts = await alertsOf(clinic.id);
  assert.deepEqual(
    alerts.map((a) => [a.kind, a.subject_id]),
    [["webhook_disabled", endpoint.id]],
  );
  assert.match(alerts[0].message, /410 Gone/);
  // GET shows it disabled with the reason.
  const got = await call(ctx, "GET", `/api/booking/webhook-endpoints/${endpoint.id}`, { key: clinic.key });
  assert.equal(got.body.disabled, true);
});

test("the 8th failure gives up (2 h, 5 h, 10 h, 10 h after the first three); staff alerted by id, by email too, with no patient data", async () => {
  const { clinic, receiver, endpoint } = await aHook(["patient.consent_changed"]);
  assert.equal((await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { staffAlertEmail: "desk@clinic.example" } })).status, 200);
  receiver.answer = () => ({ status: 500 });
  const patient = await aPatient(ctx, clinic, { phone: nextPhone(), firstName: "Zebedee" });
  const waits = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];
  await drain();
  for (const [i, wait] of waits.entries()) {
    later(wait - S);
    await drain();
    assert.equal(receiver.received.length, i + 1, `attempt ${i + 2} not before its time`);
    later(S);
    await drain();
    assert.equal(receiver.received.length, i + 2, `attempt ${i + 2}`);
  }
  const [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.attempts, row.next_attempt_at], ["GAVE_UP", 8, null]);
  later(11 * H);
  await drain();
  assert.equal(receiver.received.length, 8, "8 attempts in all");
  assert.equal((await endpointRow(endpoint.id)).disabled, false, "a day and a bit of failure does not disable");
  const alerts = await alertsOf(clinic.id);
  assert.deepEqual(
    alerts.map((a) => [a.kind, a.subject_id]),
    [["webhook_gave_up", row.id]],
  );
  assert.ok(alerts[0].message.includes(row.event_id) && alerts[0].message.includes(endpoint.id));
  const { rows: emails } = await db.query("SELECT payload FROM deliveries WHERE clinic_id = $1 AND kind = 'NOTICE' AND channel = 'EMAIL'", [clinic.id]);
  assert.equal(emails.length, 1);
  assert.equal(emails[0].payload.to, "desk@clinic.example");
  for (const text of [alerts[0].message, JSON.stringify(emails[0].payload)]) {
    assert.ok(!text.includes("Zebedee") && !text.includes(patient.phone), "ids only, never the payload");
  }
});

test("5 days without a success disables the endpoint ('failing for 5 days'); its pending deliveries stop being due", async () => {
  const { clinic, receiver, endpoint } = await aHook(["patient.consent_changed"]);
  receiver.answer = () => ({ status: 502 });
  const failingFrom = ctx.clock.now();
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  for (const wait of [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]) {
    later(wait);
    await drain();
  }
  assert.equal((await deliveriesOf(endpoint.id))[0].status, "GAVE_UP");
  ctx.clock.set(new Date(failingFrom.getTime() + 4 * 24 * H));
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  assert.equal((await endpointRow(endpoint.id)).disabled, false, "4 days");
  ctx.clock.set(new Date(failingFrom.getTime() + 5 * 24 * H));
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  const row = await endpointRow(endpoint.id);
  assert.deepEqual([row.disabled, row.disabled_reason, row.failing_since], [true, "failing for 5 days", failingFrom]);
  const rows = await deliveriesOf(endpoint.id);
  assert.deepEqual(
    rows.map((r) => [r.status, r.attempts, r.next_attempt_at, r.locked_until]),
    [
      ["GAVE_UP", 8, null, null],
      ["FAILED", 2, null, null], // the day-4 event: its second attempt, at day 5, disabled the endpoint
      ["PENDING", 0, null, null], // the day-5 event, taken in the same batch: given back unsent, uncounted, not due
    ],
  );
  const before = receiver.received.length;
  later(11 * H);
  await drain();
  assert.equal(receiver.received.length, before, "nothing more is sent to a disabled endpoint");
  const alerts = await alertsOf(clinic.id);
  assert.deepEqual(
    alerts.map((a) => [a.kind, a.subject_id]),
    [
      ["webhook_gave_up", rows[0].id],
      ["webhook_disabled", endpoint.id],
    ],
  );
  assert.match(alerts[1].message, /5 days/);
});

test("a receiver that never answers: the attempt times out, FAILED, retried in 5 s", async () => {
  const { clinic, receiver, endpoint } = await aHook(["patient.consent_changed"]);
  receiver.answer = () => "hang";
  await aPatient(ctx, clinic, { phone: nextPhone() });
  assert.equal(await deliverDueWebhooks(ctx.deps, ctx.clock.now(), { timeoutMs: 200 }), 1);
  const [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.attempts, row.last_status_code, row.last_error], ["FAILED", 1, null, "timeout"]);
  assert.deepEqual(row.next_attempt_at, new Date(ctx.clock.now().getTime() + 5 * S));
  assert.equal(row.locked_until, null);
  receiver.answer = () => ({ status: 204 }); // the later tests' drains retry it
});

test("a 302 is a failure, and its Location is not followed", async () => {
  const { clinic, receiver, endpoint } = await aHook(["patient.consent_changed"]);
  const elsewhere = await aReceiver();
  receiver.answer = () => ({ status: 302, headers: { location: elsewhere.url } });
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  const [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.last_status_code, row.last_error], ["FAILED", 302, "HTTP 302 (redirects are not followed)"]);
  assert.equal(receiver.received.length, 1);
  assert.equal(elsewhere.received.length, 0);
});

test("a connection refused is a network failure, retried", async () => {
  const clinic = await aClinic(ctx);
  const gone = await aReceiver();
  const url = gone.url;
  await gone.close();
  receivers.splice(receivers.indexOf(gone), 1);
  const endpoint = await anEndpoint(clinic.key, url, { events: ["patient.consent_changed"] });
  await aPatient(ctx, clinic, { phone: nextPhone() });
  await drain();
  const [row] = await deliveriesOf(endpoint.id);
  assert.equal(row.status, "FAILED");
  assert.match(row.last_error, /ECONNREFUSED/);
});

test("a secret written by hand that cannot sign fails that delivery only; another clinic's endpoint is still delivered", async () => {
  const broken = await aHook(["patient.consent_changed"]);
  await db.query("UPDATE webhook_endpoints SET secret = 'whsec_x' WHERE id = $1", [broken.endpoint.id]);
  const fine = await aHook(["patient.consent_changed"]);
  await aPatient(ctx, broken.clinic, { phone: nextPhone() });
  await aPatient(ctx, fine.clinic, { phone: nextPhone() });
  await drain();
  const [row] = await deliveriesOf(broken.endpoint.id);
  assert.equal(row.status, "FAILED");
  assert.match(row.last_error, /secret cannot sign/);
  assert.equal(broken.receiver.received.length, 0);
  assert.equal((await deliveriesOf(fine.endpoint.id))[0].status, "SUCCEEDED");
  assert.equal(fine.receiver.received.length, 1);
});

test("a worker whose lease ran out cannot overwrite the newer attempt of the worker that took the delivery after it", async () => {
  const { clinic, receiver, endpoint } = await aHook(["patient.consent_changed"]);
  receiver.answer = (_r, n) => (n === 1 ? "hang" : { status: 204 });
  await aPatient(ctx, clinic, { phone: nextPhone() });
  const slow = deliverDueWebhooks(ctx.deps, ctx.clock.now());
  await receiver.waitFor(1);
  await deliverDueWebhooks(ctx.deps, ctx.clock.now());
  assert.equal(receiver.received.length, 1, "leased: not taken twice");
  later(60 * S);
  await deliverDueWebhooks(ctx.deps, ctx.clock.now());
  assert.equal(receiver.received.length, 2, "the lease ran out: taken again");
  let [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.attempts], ["SUCCEEDED", 2]);
  receiver.release(1, { status: 500 });
  await slow;
  [row] = await deliveriesOf(endpoint.id);
  assert.deepEqual([row.status, row.attempts, row.last_status_code], ["SUCCEEDED", 2, 204], "the stale worker's 500 is dropped");
  assert.equal((await endpointRow(endpoint.id)).failing_since, null);
  assert.equal(receiver.received[0]!.headers["webhook-id"], receiver.received[1]!.headers["webhook-id"]);
  assert.ok(ctx.logged.some((l) => l.includes("lease lost")));
});

test("POST /api/dev/clock (BACKFILL_TEST_CLOCK=1) answers only once the due webhook deliveries are done", async () => {
  const clockCtx = await testApp({ BACKFILL_TEST_CLOCK: "1" });
  const clinic = await aClinic(clockCtx);
  const receiver = await aReceiver(clockCtx);
  const endpoint = await anEndpoint(clinic.key, receiver.url, { events: ["patient.consent_changed"] }, clockCtx);
  // Slow to answer: the clock's answer still waits for it.
  receiver.answer = () => "hang";
  const answered = receiver.waitFor(1).then(() => new Promise((r) => setTimeout(r, 100)).then(() => receiver.release(1, { status: 200 })));
  const made = await call(clockCtx, "POST", "/api/booking/patients", {
    key: clinic.key,
    body: { firstName: "A", lastName: "B", phone: nextPhone(), smsConsent: true },
  });
  assert.equal(made.status, 201);
  const moved = await call(clockCtx, "POST", "/api/dev/clock", { key: ADMIN_TOKEN, body: { advanceMinutes: 0 } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.drained.webhooks, 1);
  const { rows } = await clockCtx.deps.db.query("SELECT status FROM webhook_deliveries WHERE endpoint_id = $1", [endpoint.id]);
  assert.deepEqual(
    rows.map((r) => r.status),
    ["SUCCEEDED"],
  );
  assert.equal(receiver.received.length, 1);
  await answered;
});
