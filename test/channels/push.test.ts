// The web-push channel against the local push service (test/fakes/push-service.ts: HTTPS with a
// self-signed certificate trusted through an https.Agent, never NODE_TLS_REJECT_UNAUTHORIZED). The
// fake's browser side checks the VAPID JWT (signature included) and decrypts the aes128gcm body with
// the subscription's private key, as a browser would.
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { after, test } from "node:test";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { generateVapidKeys, pushTtl, webPush } from "../../src/channels/push.ts";
import type { PushSubscriptionRow } from "../../src/store/push-subscriptions.ts";
import { aBrowser as aBrowserAt, checkVapid as checkVapidFor, decrypt, startPushService, type Browser as FakeBrowser } from "../fakes/push-service.ts";

const NOW = new Date("2026-06-08T15:00:00.000Z");
const LINK = "https://backfill.example.com/o/o_abc";
const VAPID = { ...generateVapidKeys(), subject: "mailto:ops@backfill.example.com" };

const service = await startPushService();
const origin = `https://127.0.0.1:${service.port}`;
const { agent, received } = service;
after(() => service.close());

// ---- browsers' subscriptions, with real keys ----
interface Browser extends FakeBrowser {
  row: PushSubscriptionRow;
}
let seq = 0;
function aBrowser(behaviour: string, endpoint = `${origin}/push/${behaviour}/${++seq}`): Browser {
  const b = aBrowserAt(endpoint);
  return { ...b, row: { id: `sub-${++seq}`, endpoint, p256dh: b.p256dh, auth: b.auth.toString("base64url") } };
}

function aStore(browsers: Browser[]) {
  const rows = new Map(browsers.map((b) => [b.row.id, b.row]));
  const asked: string[][] = [];
  return {
    rows,
    asked,
    async forPatient(clinicId: string, patientId: string) {
      asked.push([clinicId, patientId]);
      return [...rows.values()];
    },
    removed: [] as [string, string, Date][],
    async remove(id: string, reason: string, now: Date) {
      this.removed.push([id, reason, now]);
      rows.delete(id);
    },
  };
}

function aMessage(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    clinicId: "clinic-1",
    deliveryId: `delivery-${++seq}`,
    channel: "PUSH",
    to: "patient-1",
    subject: "Harbor Dental",
    body: `Harbor Dental: an appointment opened up Wed 10 Jun, 10:00 AM EDT. Book: ${LINK}`,
    links: [LINK],
    validUntil: new Date(NOW.getTime() + 90 * 60_000),
    ...over,
  };
}

const checkVapid = (header: string | string[] | undefined) => checkVapidFor(header, VAPID, origin);
const requestsTo = (b: Browser) => service.requestsTo(b.row.endpoint);

test("201: sent; VAPID checked; the encrypted body decrypts to { title, body, url }; TTL, urgency and topic set", async () => {
  const browser = aBrowser("ok");
  const store = aStore([browser]);
  const m = aMessage();
  const result = await webPush(VAPID, store, { agent }).send(m, NOW);
  assert.equal(result.ok, true);
  assert.match(result.ok ? result.providerMessageId : "", new RegExp(`^${origin}/m/\\d+$`));
  assert.deepEqual(store.asked, [["clinic-1", "patient-1"]]);
  const [req] = requestsTo(browser);
  assert.ok(req);
  checkVapid(req.headers.authorization);
  assert.equal(req.headers["content-encoding"], "aes128gcm");
  assert.equal(req.headers.ttl, String(90 * 60));
  assert.equal(req.headers.urgency, "high");
  assert.match(String(req.headers.topic), /^[A-Za-z0-9_-]{32}$/);
  assert.ok(req.body.length > 86, "an encrypted body");
  assert.ok(!req.body.includes(Buffer.from("Harbor")), "the body is not plaintext");
  assert.deepEqual(JSON.parse(decrypt(req.body, browser)), { title: m.subject, body: m.body, url: LINK });
});

test("TTL: seconds until validUntil, at least 60; a day when there is no end", async () => {
  assert.equal(pushTtl(new Date(NOW.getTime() + 10_000), NOW), 60);
  assert.equal(pushTtl(new Date(NOW.getTime() - 10_000), NOW), 60);
  assert.equal(pushTtl(new Date(NOW.getTime() + 3_600_500), NOW), 3600);
  assert.equal(pushTtl(null, NOW), 86_400);
  const browser = aBrowser("ok");
  await webPush(VAPID, aStore([browser]), { agent }).send(aMessage({ validUntil: new Date(NOW.getTime() + 5_000) }), NOW);
  assert.equal(requestsTo(browser)[0]?.headers.ttl, "60");
});

test("410 Gone: the subscription is removed; none left → permanent failure", async () => {
  const browser = aBrowser("gone");
  const store = aStore([browser]);
  const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.permanent, true);
  assert.match(!result.ok ? result.reason : "", /no push subscription left.*410/);
  assert.equal(store.rows.size, 0);
  // The store is told why and when (it records the revoked consent with them).
  assert.deepEqual(
    store.removed.map(([id, reason, at]) => [id, /answered 410/.test(reason), at]),
    [[browser.row.id, true, NOW]],
  );
});

test("404 on one browser, 201 on another: sent, and only the dead subscription is removed", async () => {
  const dead = aBrowser("notfound");
  const live = aBrowser("ok");
  const store = aStore([dead, live]);
  const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
  assert.equal(result.ok, true);
  assert.deepEqual([...store.rows.keys()], [live.row.id]);
});

test("500 and 429 are transient; the subscriptions are kept", async () => {
  for (const behaviour of ["fail", "busy"]) {
    const store = aStore([aBrowser(behaviour)]);
    const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
    assert.equal(result.ok, false, behaviour);
    assert.equal(!result.ok && result.permanent, false, behaviour);
    assert.equal(store.rows.size, 1, behaviour);
  }
});

test("another 4xx (400) is permanent; the subscription is kept", async () => {
  const store = aStore([aBrowser("bad")]);
  const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
  assert.deepEqual(result.ok ? null : [result.permanent, /400/.test(result.reason)], [true, true]);
  assert.equal(store.rows.size, 1);
});

test("a 410 and a 500: transient (one browser may still get it later); the gone one is removed", async () => {
  const store = aStore([aBrowser("gone"), aBrowser("fail")]);
  const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
  assert.equal(!result.ok && result.permanent, false);
  assert.equal(store.rows.size, 1);
});

test("no subscription: permanent, nothing sent", async () => {
  const before = received.length;
  const result = await webPush(VAPID, aStore([]), { agent }).send(aMessage(), NOW);
  assert.deepEqual(result, { ok: false, permanent: true, reason: "no push subscription" });
  assert.equal(received.length, before);
});

test("keys no browser could have made: that subscription is removed, permanent", async () => {
  const broken = aBrowser("ok");
  broken.row.p256dh = Buffer.from("not a point").toString("base64url");
  const plainHttp = aBrowser("ok", "http://127.0.0.1:1/push/ok/x");
  const store = aStore([broken, plainHttp]);
  const result = await webPush(VAPID, store, { agent }).send(aMessage(), NOW);
  assert.equal(!result.ok && result.permanent, true);
  assert.equal(store.rows.size, 0);
  assert.equal(requestsTo(broken).length, 0);
});

test("a push service that cannot be reached, or whose certificate is not trusted: transient", async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = await webPush(VAPID, aStore([aBrowser("ok", `https://127.0.0.1:${port}/push/ok/1`)]), { agent }).send(aMessage(), NOW);
  assert.equal(!refused.ok && refused.permanent, false);
  const untrusted = await webPush(VAPID, aStore([aBrowser("ok")])).send(aMessage(), NOW); // default CAs
  assert.equal(!untrusted.ok && untrusted.permanent, false);
  assert.match(!untrusted.ok ? untrusted.reason : "", /SELF_SIGNED|CERT|UNABLE/);
});

test("a push service that takes the request and never answers: outcome unknown, send throws", async () => {
  const store = aStore([aBrowser("hang")]);
  await assert.rejects(webPush(VAPID, store, { agent, timeoutMs: 500 }).send(aMessage(), NOW), /outcome unknown/);
  assert.equal(store.rows.size, 1);
});

test("VAPID keys: generated pairs work; bad ones fail at construction; lookup is always unknown", async () => {
  const keys = generateVapidKeys();
  assert.equal(Buffer.from(keys.publicKey, "base64url").length, 65);
  assert.equal(Buffer.from(keys.privateKey, "base64url").length, 32);
  assert.throws(() => webPush({ ...VAPID, privateKey: "short" }, aStore([])));
  assert.throws(() => webPush({ ...VAPID, subject: "not a url" }, aStore([])));
  const adapter = webPush(VAPID, aStore([]));
  assert.deepEqual(await adapter.lookup({ id: "d1" } as Parameters<typeof adapter.lookup>[0]), { sent: "unknown" });
});
