// Web push end to end over HTTP: the offer page's opt-in (GET /api/public/push-key, then POST the
// browser's PushSubscription to /api/public/offers/:token/push-subscription, as offer-script.ts does),
// then the patient's next offer goes by push to a local push service that checks the VAPID JWT and
// decrypts the body with the subscription's keys. SMS follows after fallbackDelayMinutes unless the
// patient answers; a subscription the push service calls gone (410) is removed and SMS takes over.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { generateVapidKeys } from "../../src/channels/push.ts";
import { configureChannels } from "../../src/channels/configure.ts";
import { ManualClock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import type { Deps, Logger } from "../../src/flows/deps.ts";
import { buildApp } from "../../src/http/app.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { DevGateway } from "../../src/payments/dev-gateway.ts";
import { aBrowser, type Browser, checkVapid, decrypt, startPushService } from "../fakes/push-service.ts";
import { ADMIN_TOKEN, aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, type TestContext } from "../harness/app.ts";
import { testDatabase } from "../harness/db.ts";

// The hosts real browsers subscribe at: Chrome's (fcm.googleapis.com) and Firefox's.
const CHROME = "fcm.googleapis.com";
const FIREFOX = "updates.push.services.mozilla.com";
const PUBLIC_URL = "https://backfill.example.com";
const push = await startPushService([CHROME, FIREFOX]);
after(() => push.close());

const VAPID = { ...generateVapidKeys(), subject: "mailto:ops@backfill.example.com" };
const { pool, url } = await testDatabase();
const clock = new ManualClock(T0);
const logged: string[] = [];
const log: Logger = {
  info: (o, m) => logged.push(JSON.stringify([o, m])),
  warn: (o, m) => logged.push(JSON.stringify([o, m])),
  error: (o, m) => logged.push(JSON.stringify([o, m])),
};
const config = parseConfig({ DATABASE_URL: url, BACKFILL_ADMIN_TOKEN: ADMIN_TOKEN, BACKFILL_RATE_LIMIT: "100000", BACKFILL_PUBLIC_URL: PUBLIC_URL });
// What main.ts builds: SMS and email to the dev outbox (no Twilio, no SMTP), push to the push services.
const configured = configureChannels(config, pool, VAPID, { agent: push.agent });
const payments = new DevGateway(pool);
const deps: Deps = { db: pool, clock, config, log, channels: configured.channels, payments, pushPublicKey: VAPID.publicKey };
const app = await buildApp(deps);
after(() => app.close());
const ctx: TestContext = { app, deps, clock, payments, logged };
const drain = () => runDue(deps, clock.now());

let phones = 700;
const SECRET_WORDS = ["Root canal", "Ortega", "Maria", "Lopez"]; // service, provider, patient: never in a push

/** A clinic whose patient Maria is waitlisted for a root canal with Dr. Ortega; caps allow three offers a day. */
async function aWaitingPatient() {
  clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Harbor Dental", timezone: "America/New_York" });
  const patched = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { dailyCapPerPatient: 3 } });
  assert.equal(patched.status, 200);
  const provider = await aProvider(ctx, clinic, "Dr. Ortega");
  const service = await aService(ctx, clinic, { name: "Root canal" });
  const phone = `+1617555${String(phones++).padStart(4, "0")}`;
  const patient = await aPatient(ctx, clinic, { firstName: "Maria", lastName: "Lopez", phone });
  await anEntry(ctx, clinic, { patientId: patient.id, serviceId: service.id });
  const opening = (hours: number) => anOpening(ctx, clinic, { providerId: provider.id, start: inHours(hours), end: inHours(hours + 1) });
  return { clinic, provider, service, patient, phone, opening };
}

async function outboxTo(clinic: { key: string }, to: string): Promise<{ deliveryId: string; channel: string; links: string[] }[]> {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key: clinic.key });
  assert.equal(res.status, 200);
  return res.body.items;
}
const tokenOf = (link: string) => link.split("/o/")[1]!;

/** What the offer page's script does on "Turn on notifications" (the browser part is `browser`). */
async function optIn(token: string, browser: Browser) {
  const key = await call(ctx, "GET", "/api/public/push-key");
  assert.deepEqual(key.body, { publicKey: VAPID.publicKey });
  return call(ctx, "POST", `/api/public/offers/${token}/push-subscription`, { body: browser.json() });
}

/** The patient gets a first offer by SMS, opts in to push on its page, and declines it. */
async function subscribedAndDeclined(browser: Browser) {
  const w = await aWaitingPatient();
  await w.opening(24);
  await drain();
  const [sms] = await outboxTo(w.clinic, w.phone);
  assert.ok(sms, "the first offer went by SMS");
  const token = tokenOf(sms.links[0]!);
  const subscribed = await optIn(token, browser);
  assert.equal(subscribed.status, 201, JSON.stringify(subscribed.body));
  assert.deepEqual(subscribed.body, { subscribed: true });
  const declined = await call(ctx, "POST", `/api/public/offers/${token}/decline`);
  assert.equal(declined.status, 200);
  return w;
}

type Trail = { id: string; offer_id: string; channel: string; status: string; due_at: Date; failure_reason: string | null }[];

/** The offer deliveries of the patient's offer of `opening`, in the order they were due. */
async function trailOf(opening: { id: string }): Promise<Trail> {
  const { rows } = await pool.query(
    `SELECT d.id, d.offer_id, d.channel, d.status, d.due_at, d.failure_reason FROM deliveries d JOIN offers o ON o.id = d.offer_id
     WHERE o.opening_id = $1 AND d.kind = 'OFFER' ORDER BY d.due_at, d.created_at`,
    [opening.id],
  );
  return rows;
}

test("a patient who opted in on the offer page gets the next offer by push: VAPID signed, decrypted it carries the link and nothing clinical; SMS follows after the fallback delay", async () => {
  const browser = aBrowser(push.endpoint(CHROME, "ok"));
  const w = await subscribedAndDeclined(browser);

  // The opt-in is recorded as consent: the words shown, when, from which page.
  const { rows: consent } = await pool.query("SELECT channel, granted, source, wording, at FROM consent_events WHERE patient_id = $1 AND channel = 'PUSH'", [
    w.patient.id,
  ]);
  assert.equal(consent.length, 1);
  assert.deepEqual(
    [consent[0].granted, consent[0].wording, consent[0].at.toISOString()],
    [true, "Get a notification on this device when a time opens up.", T0.toISOString()],
  );
  assert.match(consent[0].source, /^offer_page:/);

  const second = await w.opening(48);
  await drain();
  const [req, ...more] = push.requestsTo(browser.endpoint);
  assert.ok(req, "the push service got the offer");
  assert.equal(more.length, 0);
  checkVapid(req.headers.authorization, VAPID, `https://${CHROME}:${push.port}`);
  assert.equal(req.headers["content-encoding"], "aes128gcm");
  assert.ok(!req.body.includes(Buffer.from("Harbor")), "the body on the wire is encrypted");
  const payload = JSON.parse(decrypt(req.body, browser));
  assert.deepEqual(Object.keys(payload).sort(), ["body", "title", "url"]);
  assert.match(payload.url, /^https:\/\/backfill\.example\.com\/o\/o_[A-Za-z0-9_-]{43}$/);
  assert.match(payload.body, /tap to book/);
  assert.equal(payload.title, "Harbor Dental");
  for (const word of SECRET_WORDS) assert.ok(!JSON.stringify(payload).includes(word), `"${word}" in the push`);
  // The pushed link is a working offer page for the new offer.
  const page = await call(ctx, "GET", `/o/${tokenOf(payload.url)}`);
  assert.equal(page.status, 200);

  // The push went first; SMS waits for fallbackDelayMinutes (2), then follows because nobody answered.
  const trail = await trailOf(second);
  assert.deepEqual(
    trail.map((d) => [d.channel, d.status]),
    [
      ["PUSH", "SENT"],
      ["SMS", "QUEUED"],
    ],
  );
  assert.equal(trail[1]!.due_at.toISOString(), new Date(T0.getTime() + 2 * 60_000).toISOString());
  assert.equal((await outboxTo(w.clinic, w.phone)).length, 1, "no SMS before the delay");
  clock.advanceMinutes(2);
  await drain();
  const texts = await outboxTo(w.clinic, w.phone);
  assert.equal(texts.length, 2);
  assert.equal(texts[1]!.deliveryId, trail[1]!.id);
  // Logs carry ids only: no endpoint (a capability to reach the device), phone or name.
  for (const line of logged) {
    for (const secret of [browser.endpoint, browser.p256dh, w.phone, "Maria", "Lopez"]) assert.ok(!line.includes(secret), `log line: ${line}`);
  }
});

test("answered from the push before the delay: the SMS that would have followed is never sent", async () => {
  const browser = aBrowser(push.endpoint(CHROME, "ok"));
  const w = await subscribedAndDeclined(browser);
  const second = await w.opening(48);
  await drain();
  const [req] = push.requestsTo(browser.endpoint);
  const { url: link } = JSON.parse(decrypt(req!.body, browser));
  clock.advanceMinutes(1);
  const accepted = await call(ctx, "POST", `/api/public/offers/${tokenOf(link)}/accept`);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.status, "ACCEPTED");
  clock.advanceMinutes(5);
  await drain();
  const trail = await trailOf(second);
  assert.deepEqual(
    trail.map((d) => d.channel),
    ["PUSH", "SMS"],
  );
  assert.notEqual(trail[1]!.status, "SENT");
  const sent = (await outboxTo(w.clinic, w.phone)).map((m) => m.deliveryId);
  assert.ok(!sent.includes(trail[1]!.id), "the follow-up SMS did not go out");
});

test("410 Gone from the push service: the subscription is removed (consent revoked), the push fails and SMS takes over after the fallback delay", async () => {
  const browser = aBrowser(push.endpoint(FIREFOX, "gone"));
  const w = await subscribedAndDeclined(browser);
  const subs = () => pool.query("SELECT id FROM push_subscriptions WHERE patient_id = $1", [w.patient.id]).then((r) => r.rowCount);
  assert.equal(await subs(), 1);

  const second = await w.opening(48);
  await drain();
  assert.equal(push.requestsTo(browser.endpoint).length, 1, "the push was tried");
  assert.equal(await subs(), 0, "the gone subscription is removed");
  const { rows: consent } = await pool.query("SELECT granted, source FROM consent_events WHERE patient_id = $1 AND channel = 'PUSH' ORDER BY id", [
    w.patient.id,
  ]);
  assert.deepEqual(
    consent.map((c) => c.granted),
    [true, false],
  );
  assert.match(consent[1].source, /410/);

  const trail = await trailOf(second);
  assert.deepEqual(
    trail.map((d) => [d.channel, d.status]),
    [
      ["PUSH", "FAILED"],
      ["SMS", "QUEUED"],
    ],
  );
  assert.match(trail[0]!.failure_reason ?? "", /410/);
  assert.equal((await outboxTo(w.clinic, w.phone)).length, 1, "the fallback waits for fallbackDelayMinutes");
  clock.advanceMinutes(2);
  await drain();
  const texts = await outboxTo(w.clinic, w.phone);
  assert.equal(texts.length, 2);
  assert.equal(texts[1]!.deliveryId, trail[1]!.id);
  const { rows: offer } = await pool.query("SELECT status FROM offers WHERE id = $1", [trail[1]!.offer_id]);
  assert.equal(offer[0].status, "PENDING", "the hold started with the push attempt's fallback, not with the failed push");

  // The next offer goes straight to SMS: push is no longer in the patient's plan.
  const decline = await call(ctx, "POST", `/api/public/offers/${tokenOf(texts[1]!.links[0]!)}/decline`);
  assert.equal(decline.status, 200);
  const third = await w.opening(72);
  await drain();
  assert.deepEqual(
    (await trailOf(third)).map((d) => [d.channel, d.status]),
    [["SMS", "SENT"]],
  );
});

test("opting in: a subscription endpoint on a private address is refused, naming the field; an unknown link is 404", async () => {
  const w = await aWaitingPatient();
  await w.opening(24);
  await drain();
  const token = tokenOf((await outboxTo(w.clinic, w.phone))[0]!.links[0]!);
  for (const endpoint of ["https://127.0.0.1:9/push/ok/1", "https://[fd00::1]/p", "http://fcm.googleapis.com/fcm/send/x", "https://metadata.internal/x"]) {
    const res = await call(ctx, "POST", `/api/public/offers/${token}/push-subscription`, { body: aBrowser(endpoint).json() });
    assert.equal(res.status, 422, endpoint);
    assert.deepEqual(
      res.body.errors.map((e: { path: string }) => e.path),
      ["/endpoint"],
    );
  }
  const unknown = await call(ctx, "POST", `/api/public/offers/o_${"x".repeat(43)}/push-subscription`, { body: aBrowser(push.endpoint(CHROME, "ok")).json() });
  assert.equal(unknown.status, 404);
  const { rowCount } = await pool.query("SELECT 1 FROM push_subscriptions WHERE patient_id = $1", [w.patient.id]);
  assert.equal(rowCount, 0);
});
