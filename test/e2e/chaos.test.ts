// Callback chaos: SMS sent through the real wiring (parseConfig, configureChannels, buildApp listening on
// 127.0.0.1 as BACKFILL_PUBLIC_URL) to the fake Twilio, whose signed status callbacks then arrive shuffled,
// duplicated, early (delivered before sent), concurrently, for unknown SIDs and with bad signatures. The rule:
// a status only moves forward by rank, QUEUED < SENDING < SENT < DELIVERED = FAILED = UNDELIVERED, and the
// first terminal status wins. Checked after every batch (never a step back) and at the end (the right one).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { after, test } from "node:test";
import fc from "fast-check";
import { isValidPhoneNumber } from "libphonenumber-js/max";
import { configureChannels } from "../../src/channels/configure.ts";
import { ManualClock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import type { DeliveryStatus } from "../../src/core/types.ts";
import type { Deps } from "../../src/flows/deps.ts";
import { buildApp, type App } from "../../src/http/app.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { devGateway } from "../../src/payments/dev-gateway.ts";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.ts";
import { testDatabase } from "../harness/db.ts";

const ADMIN = "chaos-admin-token-0123456789abcdef";
const T0 = new Date("2026-03-02T14:00:00Z"); // a Monday, 09:00 in New York
const PER_RUN = 10; // offers (one broadcast wave) and as many staff-style notices, per property run
const TERMINAL = new Set<DeliveryStatus>(["DELIVERED", "FAILED", "UNDELIVERED", "BOUNCED"]);
// The rule as the issue states it (not the product's own table): QUEUED < SENDING < SENT < any terminal.
const STATUS_RANK: Record<DeliveryStatus, number> = { QUEUED: 0, SENDING: 1, SENT: 2, DELIVERED: 3, FAILED: 3, UNDELIVERED: 3, BOUNCED: 3 };
// What each Twilio MessageStatus means to us (null: a step on the way that changes nothing).
const MEANS: Record<string, DeliveryStatus | null> = {
  queued: null,
  accepted: null,
  sending: null,
  sent: "SENT",
  delivered: "DELIVERED",
  read: "DELIVERED",
  undelivered: "UNDELIVERED",
  failed: "FAILED",
  canceled: "FAILED",
};
const TWILIO_STATUSES = Object.keys(MEANS);

let fake: FakeTwilio;
let app: App;
let deps: Deps;
let clinic: { id: string; key: string };
let provider: string;
let service: string;
let base = "";
let nextNumber = 0;
const NUMBERS = (() => {
  const out: string[] = [];
  for (const area of ["212", "305", "312", "404", "415", "503", "617", "646", "702", "713"]) {
    for (let line = 100; line <= 199; line++) if (isValidPhoneNumber(`+1${area}5550${line}`)) out.push(`+1${area}5550${line}`);
  }
  return out;
})();
const aNumber = () => NUMBERS[nextNumber++]!;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function api(method: string, url: string, body?: object, key = clinic?.key) {
  const res = await app.inject({ method: method as "POST", url, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

// Set up at the top level: testDatabase() registers its own after() for the file.
{
  const { pool, url } = await testDatabase();
  fake = await startFakeTwilio();
  const clock = new ManualClock(T0);
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const twilio = fake.config();
    const config = parseConfig({
      DATABASE_URL: url,
      BACKFILL_ADMIN_TOKEN: ADMIN,
      BACKFILL_RATE_LIMIT: "100000",
      BACKFILL_PUBLIC_URL: base,
      PORT: String(port),
      HOST: "127.0.0.1",
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: twilio.from!,
      TWILIO_API_BASE: fake.url,
    });
    const channels = configureChannels(config, pool, null);
    assert.equal(channels.live.SMS, "twilio");
    deps = { db: pool, clock, config, log: quiet, channels: channels.channels, payments: devGateway(pool) };
    app = await buildApp(deps);
    try {
      await app.listen({ port, host: "127.0.0.1" });
      break;
    } catch (e) {
      await app.close();
      if ((e as { code?: string }).code !== "EADDRINUSE" || attempt >= 5) throw e;
    }
  }
  fake.publicUrl = base; // callbacks go to the StatusCallback URL we gave, which is where we listen
  const made = await api("POST", "/api/admin/clinics", { name: "Chaos Clinic", timezone: "America/New_York" }, ADMIN);
  clinic = { id: made.clinic.id, key: made.apiKey };
  await api("PATCH", "/api/booking/settings", { strategy: "broadcast", waveSize: 100 });
  provider = (await api("POST", "/api/booking/providers", { name: "Dr. Chaos" })).id;
  service = (await api("POST", "/api/booking/services", { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000 })).id;
}

after(async () => {
  await app?.close();
  await fake?.close();
});

let runs = 0;
/** PER_RUN offers (a broadcast wave to new patients) and PER_RUN SMS notices, sent by the real dispatcher. */
async function sendSome(): Promise<Array<{ id: string; sid: string; kind: string }>> {
  runs++;
  for (let i = 0; i < PER_RUN; i++) {
    const patient = await api("POST", "/api/booking/patients", { firstName: "Pat", lastName: `Chaos${runs}x${i}`, phone: aNumber(), smsConsent: true });
    await api("POST", "/api/booking/waitlist", { patientId: patient.id, serviceId: service });
  }
  const start = new Date(T0.getTime() + (24 + runs * 2) * 3_600_000);
  await api("POST", "/api/booking/openings", { providerId: provider, start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() });
  const notices = Array.from({ length: PER_RUN }, () => aNumber());
  await deps.db.query(
    `INSERT INTO deliveries (clinic_id, kind, channel, status, payload, due_at, created_at, updated_at)
     SELECT $1, 'NOTICE', 'SMS', 'QUEUED', jsonb_build_object('to', n, 'text', 'Chaos Clinic: you are unsubscribed. Reply START to resubscribe.'), $2, $2, $2
     FROM unnest($3::text[]) AS n`,
    [clinic.id, deps.clock.now(), notices],
  );
  const sids = new Set(fake.messages.map((m) => m.sid));
  await runDue(deps, deps.clock.now());
  const fresh = fake.messages.filter((m) => !sids.has(m.sid)).map((m) => m.sid);
  const { rows } = await deps.db.query("SELECT id, provider_message_id AS sid, kind, status FROM deliveries WHERE provider_message_id = ANY($1)", [fresh]);
  assert.equal(rows.length, 2 * PER_RUN, "every offer and notice went out once");
  for (const r of rows) assert.equal(r.status, "SENT");
  return rows;
}

async function statusesOf(ids: string[]): Promise<Map<string, { status: DeliveryStatus; deliveredAt: Date | null }>> {
  const { rows } = await deps.db.query("SELECT id, status, delivered_at FROM deliveries WHERE id = ANY($1::uuid[])", [ids]);
  return new Map(rows.map((r) => [r.id, { status: r.status, deliveredAt: r.delivered_at }]));
}

/** Statuses a delivery may be in after a batch of callbacks applied in any order, from any of `now`. */
function afterBatch(now: Set<DeliveryStatus>, batch: Array<DeliveryStatus | null>): Set<DeliveryStatus> {
  const out = new Set<DeliveryStatus>();
  const terminals = batch.filter((s): s is DeliveryStatus => s !== null && TERMINAL.has(s));
  for (const s of now) {
    if (TERMINAL.has(s) || terminals.length === 0)
      out.add(s); // SENT → SENT is no change
    else for (const t of terminals) out.add(t); // whichever terminal is recorded first wins
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Callback =
  | { kind: "real"; sid: string; status: string }
  | { kind: "forged"; sid: string; status: string; signature: string | null }
  | { kind: "unknown"; status: string };

async function deliver(cb: Callback): Promise<number> {
  if (cb.kind === "real") return (await fake.sendSmsStatus(cb.sid, cb.status)).status;
  const sid = cb.kind === "unknown" ? `SM${randomBytes(16).toString("hex")}` : cb.sid;
  const params = {
    AccountSid: fake.accountSid,
    MessageSid: sid,
    SmsSid: sid,
    MessageStatus: cb.status,
    SmsStatus: cb.status,
    To: "+12125550100",
    From: "+15005550006",
  };
  const url = `${base}/webhooks/twilio/sms-status`;
  // A forged one: no signature, a made-up one, or a real one over another URL (or other params).
  return (await fake.signedPost(url, params, cb.kind === "forged" ? cb.signature : undefined)).status;
}

test("explicit cases: early, duplicated, out of order, concurrent terminal statuses; forged and unknown callbacks change nothing", async () => {
  const sent = await sendSome();
  const [early, dup, late, race, forged] = sent;
  const status = async (id: string) => (await statusesOf([id])).get(id)!.status;

  // Early: delivered arrives before sent; the late "sent" does not take it back.
  assert.equal((await fake.sendSmsStatus(early!.sid, "delivered")).status, 204);
  await fake.sendSmsStatus(early!.sid, "sent");
  assert.equal(await status(early!.id), "DELIVERED");
  // Duplicated: the same callback five times at once is recorded once.
  await Promise.all(Array.from({ length: 5 }, () => fake.sendSmsStatus(dup!.sid, "undelivered", { ErrorCode: "30003" })));
  assert.equal(await status(dup!.id), "UNDELIVERED");
  // Out of order: failed after delivered does not undo the delivery; first terminal wins.
  await fake.sendSmsStatus(late!.sid, "delivered");
  await fake.sendSmsStatus(late!.sid, "failed", { ErrorCode: "30008" });
  assert.equal(await status(late!.id), "DELIVERED");
  // Concurrent, conflicting terminals: exactly one is recorded, and only once.
  await Promise.all(["delivered", "failed", "undelivered", "delivered", "failed"].map((s) => fake.sendSmsStatus(race!.sid, s)));
  assert.ok(["DELIVERED", "FAILED", "UNDELIVERED"].includes(await status(race!.id)));
  const changes = await deps.db.query("SELECT before, after FROM audit_log WHERE action = 'delivery.status' AND entity_id = $1", [race!.id]);
  assert.equal(changes.rows.length, 1, "one status change recorded");
  // Forged: 403 and no effect, whatever the signature is.
  for (const signature of [null, "bm90IGEgc2lnbmF0dXJl", fake.sign("https://elsewhere.example/webhooks/twilio/sms-status", { MessageSid: forged!.sid })]) {
    assert.equal(await deliver({ kind: "forged", sid: forged!.sid, status: "failed", signature }), 403);
  }
  assert.equal(await status(forged!.id), "SENT");
  // Unknown SID (another app on the same account): accepted, no effect.
  assert.equal(await deliver({ kind: "unknown", status: "failed" }), 204);
  const all = await statusesOf(sent.map((s) => s.id));
  for (const s of sent.slice(5)) assert.equal(all.get(s.id)!.status, "SENT");
});

const messagePlan = fc.record({
  events: fc.array(fc.record({ status: fc.constantFrom(...TWILIO_STATUSES), copies: fc.integer({ min: 1, max: 3 }) }), { minLength: 0, maxLength: 5 }),
  forged: fc.array(fc.record({ status: fc.constantFrom("delivered", "failed", "undelivered"), signature: fc.constantFrom(null, "AAAA", "wrong") }), {
    maxLength: 2,
  }),
  unknown: fc.array(fc.constantFrom(...TWILIO_STATUSES), { maxLength: 1 }),
});

test("property: shuffled, duplicated, early, concurrent, unknown and forged callbacks → the right final status, never a step back", {
  timeout: 90_000,
}, async () => {
  let batchesChecked = 0;
  let callbacks = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(messagePlan, { minLength: 2 * PER_RUN, maxLength: 2 * PER_RUN }), fc.integer(), async (plans, seed) => {
      const sent = await sendSome();
      const ids = sent.map((s) => s.id);
      const random = mulberry32(seed);
      // Every callback of every message in one list, shuffled (Fisher–Yates with the property's seed).
      const all: Array<{ index: number; cb: Callback }> = [];
      plans.forEach((p, index) => {
        const sid = sent[index]!.sid;
        for (const e of p.events) for (let c = 0; c < e.copies; c++) all.push({ index, cb: { kind: "real", sid, status: e.status } });
        for (const f of p.forged)
          all.push({
            index,
            cb: { kind: "forged", sid, status: f.status, signature: f.signature === "wrong" ? fake.sign(`${base}/elsewhere`, {}) : f.signature },
          });
        for (const u of p.unknown) all.push({ index, cb: { kind: "unknown", status: u } });
      });
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      // Sent in batches of 1 to 6 at once (Promise.all): callbacks within a batch race each other.
      const possible = sent.map(() => new Set<DeliveryStatus>(["SENT"]));
      let last = await statusesOf(ids);
      for (let at = 0; at < all.length; ) {
        const batch = all.slice(at, (at += 1 + Math.floor(random() * 6)));
        const answers = await Promise.all(batch.map((b) => deliver(b.cb)));
        callbacks += batch.length;
        for (const [i, b] of batch.entries()) assert.equal(answers[i], b.cb.kind === "forged" ? 403 : 204, `${b.cb.kind} ${b.cb.status}`);
        sent.forEach((_, index) => {
          const mine = batch.filter((b) => b.index === index && b.cb.kind === "real").map((b) => MEANS[b.cb.status]!);
          if (mine.length > 0) possible[index] = afterBatch(possible[index]!, mine);
        });
        const now = await statusesOf(ids);
        for (const id of ids) {
          const [was, is] = [last.get(id)!.status, now.get(id)!.status];
          assert.ok(STATUS_RANK[is] >= STATUS_RANK[was], `${id}: ${was} → ${is} is a step back`);
          if (TERMINAL.has(was)) assert.equal(is, was, `${id}: terminal ${was} changed to ${is}`);
        }
        last = now;
        batchesChecked++;
      }
      sent.forEach((s, index) => {
        const { status, deliveredAt } = last.get(s.id)!;
        assert.ok(
          possible[index]!.has(status),
          `${s.kind} ${s.id}: ${status}, expected one of ${[...possible[index]!]} (plan ${JSON.stringify(plans[index])})`,
        );
        assert.equal(deliveredAt !== null, status === "DELIVERED", "delivered_at is set exactly when DELIVERED was recorded");
      });
      // The audit trail agrees: every recorded change moved forward, and at most one reached a terminal status.
      const { rows } = await deps.db.query(
        "SELECT entity_id, before->>'status' AS was, after->>'status' AS is FROM audit_log WHERE action = 'delivery.status' AND entity_id = ANY($1::uuid[]) ORDER BY id",
        [ids],
      );
      const terminalChanges = new Map<string, number>();
      for (const r of rows) {
        assert.ok(STATUS_RANK[r.is as DeliveryStatus] > STATUS_RANK[r.was as DeliveryStatus], `audit: ${r.was} → ${r.is}`);
        if (TERMINAL.has(r.is)) terminalChanges.set(r.entity_id, (terminalChanges.get(r.entity_id) ?? 0) + 1);
      }
      for (const [id, n] of terminalChanges) assert.equal(n, 1, `${id} reached a terminal status ${n} times`);
      // A failed offer falls back once, not once per duplicate callback.
      const fallbacks = await deps.db.query(
        "SELECT payload->>'fallbackFrom' AS d, count(*)::int AS n FROM deliveries WHERE payload->>'fallbackFrom' = ANY($1::text[]) GROUP BY 1",
        [ids],
      );
      for (const f of fallbacks.rows) {
        assert.equal(f.n, 1, `delivery ${f.d} fell back ${f.n} times`);
        assert.ok(["FAILED", "UNDELIVERED"].includes(last.get(f.d)!.status));
      }
    }),
    { numRuns: 8, endOnFailure: true },
  );
  console.log(`# chaos: 8 runs × ${2 * PER_RUN} messages, ${callbacks} callbacks in ${batchesChecked} batches, every batch checked`);
});
