// The web-push channel against an HTTPS fake push service (a self-signed certificate trusted through an
// https.Agent, never NODE_TLS_REJECT_UNAUTHORIZED). The fake checks the VAPID JWT (signature included) and
// decrypts the aes128gcm body with the subscription's private key, as a browser would.
import assert from "node:assert/strict";
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { after, test } from "node:test";
import selfsigned from "selfsigned";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { generateVapidKeys, pushTtl, webPush } from "../../src/channels/push.ts";
import type { PushSubscriptionRow } from "../../src/store/push-subscriptions.ts";

const NOW = new Date("2026-06-08T15:00:00.000Z");
const LINK = "https://backfill.example.com/o/o_abc";
const VAPID = { ...generateVapidKeys(), subject: "mailto:ops@backfill.example.com" };

// ---- the fake push service ----
const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
  keyType: "ec",
  algorithm: "sha256",
  extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
});
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
const received: Received[] = [];
const STATUS: Record<string, number> = { ok: 201, gone: 410, notfound: 404, fail: 500, busy: 429, bad: 400 };
const service = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
    const behaviour = req.url!.split("/")[2]!;
    if (behaviour === "hang") return; // never answers
    const status = STATUS[behaviour] ?? 400;
    res.writeHead(status, status === 201 ? { location: `${origin}/m/${received.length}` } : {}).end();
  });
});
await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
const origin = `https://127.0.0.1:${(service.address() as AddressInfo).port}`;
const agent = new https.Agent({ ca: pems.cert, keepAlive: false });
after(async () => {
  service.closeAllConnections();
  await new Promise<void>((resolve) => service.close(() => resolve()));
  agent.destroy();
});

// ---- browsers' subscriptions, with real keys ----
interface Browser {
  row: PushSubscriptionRow;
  ecdh: ECDH;
  auth: Buffer;
}
let seq = 0;
function aBrowser(behaviour: string, endpoint = `${origin}/push/${behaviour}/${++seq}`): Browser {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const row = { id: `sub-${++seq}`, endpoint, p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") };
  return { row, ecdh, auth };
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
    async remove(id: string) {
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

/** RFC 8291 / 8188: what the browser does with the body. */
function decrypt(body: Buffer, b: Browser): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const serverKey = body.subarray(21, 21 + idlen);
  const data = body.subarray(21 + idlen);
  const hmac = (key: Buffer, input: Buffer) => createHmac("sha256", key).update(input).digest();
  const prkKey = hmac(b.auth, b.ecdh.computeSecret(serverKey));
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from("WebPush: info\0"), b.ecdh.getPublicKey(), serverKey, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01", "latin1")).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01", "latin1")).subarray(0, 12);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(data.subarray(data.length - 16));
  const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end > 0 && plain[end] === 0) end--;
  assert.equal(plain[end], 2, "last-record padding delimiter");
  return plain.subarray(0, end).toString("utf8");
}

/** The Authorization header: "vapid t=<JWT>, k=<our public key>", ES256-signed for this origin. */
function checkVapid(header: string | string[] | undefined): void {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(String(header));
  assert.ok(m, `Authorization: ${header}`);
  assert.equal(m[2], VAPID.publicKey);
  const [h, p, s] = m[1]!.split(".") as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { typ: "JWT", alg: "ES256" });
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  assert.equal(claims.aud, origin);
  assert.equal(claims.sub, VAPID.subject);
  assert.ok(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 24 * 3600);
  const point = Buffer.from(VAPID.publicKey, "base64url");
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    format: "jwk",
  });
  assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url")), "JWT signature");
}

const requestsTo = (b: Browser) => received.filter((r) => r.path === new URL(b.row.endpoint).pathname);

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
