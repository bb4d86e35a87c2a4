// A local push service: what a browser's push endpoint (fcm.googleapis.com, Mozilla's autopush…) does
// with our request, on 127.0.0.1 over HTTPS with a self-signed certificate. Senders reach it through
// the https.Agent it gives out, which trusts that certificate and resolves the push services' real
// host names to 127.0.0.1 (nothing leaves the machine; NODE_TLS_REJECT_UNAUTHORIZED is never touched).
// The browser side: aBrowser() makes a subscription with real P-256 keys, decrypt() reads an
// aes128gcm body as the browser would (RFC 8291 / 8188), checkVapid() verifies the VAPID JWT (RFC 8292).
//
// Behaviour per subscription comes from the endpoint's path: /push/<behaviour>/<n> with ok → 201,
// gone → 410, notfound → 404, fail → 500, busy → 429, bad → 400, hang → never answers.
import assert from "node:assert/strict";
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import selfsigned from "selfsigned";

export interface Received {
  host: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Browser {
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
  p256dh: string;
  /** What PushSubscription.toJSON() gives the offer page's script, which posts it as is. */
  json(): { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface PushService {
  /** Host names served (besides 127.0.0.1): each resolves to 127.0.0.1 through `agent`. */
  hosts: readonly string[];
  port: number;
  agent: https.Agent;
  received: Received[];
  /** An endpoint on `host` whose requests get `behaviour`. */
  endpoint(host: string, behaviour: string): string;
  requestsTo(endpoint: string): Received[];
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { ok: 201, gone: 410, notfound: 404, fail: 500, busy: 429, bad: 400 };

export async function startPushService(hosts: readonly string[] = []): Promise<PushService> {
  const altNames = [{ type: 7 as const, ip: "127.0.0.1" }, ...hosts.map((value) => ({ type: 2 as const, value }))];
  const pems = await selfsigned.generate([{ name: "commonName", value: hosts[0] ?? "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames }],
  });
  const received: Received[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
      received.push({ host, path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      const behaviour = (req.url ?? "").split("/")[2] ?? "";
      if (behaviour === "hang") return;
      const status = STATUS[behaviour] ?? 400;
      res.writeHead(status, status === 201 ? { location: `https://${host}:${port}/m/${received.length}` } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const served = new Set(hosts);
  const agent = new https.Agent({
    ca: pems.cert,
    keepAlive: false,
    // Only the served names resolve (to this server); any other name fails as an unknown host would.
    lookup: (hostname, options, callback) => {
      const cb = callback as (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
      if (!served.has(hostname)) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "");
      if (options.all) return cb(null, [{ address: "127.0.0.1", family: 4 }]);
      return cb(null, "127.0.0.1", 4);
    },
  });
  let seq = 0;
  return {
    hosts,
    port,
    agent,
    received,
    endpoint: (host, behaviour) => `https://${host}:${port}/push/${behaviour}/${++seq}`,
    requestsTo: (endpoint) => {
      const u = new URL(endpoint);
      return received.filter((r) => r.path === u.pathname && (r.host === u.hostname || u.hostname === "127.0.0.1"));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

export function aBrowser(endpoint: string): Browser {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const p256dh = ecdh.getPublicKey().toString("base64url");
  return { endpoint, ecdh, auth, p256dh, json: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth: auth.toString("base64url") } }) };
}

/** RFC 8291 / 8188: what the browser does with the body (one record, padding delimiter 2). */
export function decrypt(body: Buffer, b: Pick<Browser, "ecdh" | "auth">): string {
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

/** The Authorization header: "vapid t=<JWT>, k=<public key>", ES256-signed for the endpoint's origin. */
export function checkVapid(header: string | string[] | undefined, vapid: { publicKey: string; subject: string }, audience: string): void {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(String(header));
  assert.ok(m, `Authorization: ${header}`);
  assert.equal(m[2], vapid.publicKey);
  const [h, p, s] = m[1]!.split(".") as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { typ: "JWT", alg: "ES256" });
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  assert.equal(claims.aud, audience);
  assert.equal(claims.sub, vapid.subject);
  // web-push signs with the wall clock (not ours): the JWT is checked against it too.
  assert.ok(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 24 * 3600);
  const point = Buffer.from(vapid.publicKey, "base64url");
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    format: "jwk",
  });
  assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url")), "JWT signature");
}
