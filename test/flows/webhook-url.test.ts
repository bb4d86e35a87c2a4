import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { checkWebhookUrl, literalHostRefusal, publicLookup } from "../../src/flows/webhook-url.ts";

// [url, why production refuses it (a part of the message)]
const refusedInProduction: [string, RegExp][] = [
  ["http://example.com/hook", /must be https/],
  ["https://127.0.0.1/hook", /loopback address \(127\.0\.0\.1\)/],
  ["https://127.8.9.10/hook", /loopback/],
  ["https://[::1]/hook", /loopback address \(::1\)/],
  ["https://10.1.2.3/hook", /private address/],
  ["https://172.16.0.5/hook", /private address/],
  ["https://172.31.255.1/hook", /private address/],
  ["https://192.168.0.10:8443/hook", /private address/],
  ["https://100.64.1.1/hook", /private address/],
  ["https://169.254.169.254/latest/meta-data", /link-local address/],
  ["https://[fe80::1]/hook", /link-local address/],
  ["https://[fd00::1]/hook", /private address/],
  ["https://[::ffff:10.0.0.1]/hook", /private address/],
  ["https://0.0.0.0/hook", /unspecified address/],
  // The URL parser turns these spellings into 127.0.0.1 before the check.
  ["https://2130706433/hook", /loopback/],
  ["https://0x7f.1/hook", /loopback/],
  // A name that resolves to a private address.
  ["https://localhost/hook", /resolves to a loopback address/],
  ["https://localhost./hook", /resolve/],
  ["https://nothing.invalid/hook", /does not resolve/],
];
for (const [url, reason] of refusedInProduction) {
  test(`production refuses ${url}`, async () => {
    const error = await checkWebhookUrl(url, true);
    assert.equal(error?.path, "/url");
    assert.match(error?.message ?? "", reason);
  });
}

// Refused in every mode.
const refusedAlways: [string, RegExp][] = [
  ["not a url", /not an absolute URL/],
  ["/relative/path", /not an absolute URL/],
  ["ftp://example.com/hook", /http or https/],
  ["javascript:alert(1)", /http or https/],
  ["file:///etc/passwd", /http or https/],
  ["https://user:pass@example.com/hook", /credentials/],
  ["https://user@example.com/hook", /credentials/],
  [`https://example.com/${"a".repeat(2048)}`, /at most 2048/],
];
for (const [url, reason] of refusedAlways) {
  for (const production of [false, true]) {
    test(`${production ? "production" : "development"} refuses ${url.slice(0, 60)}`, async () => {
      const error = await checkWebhookUrl(url, production);
      assert.equal(error?.path, "/url");
      assert.match(error?.message ?? "", reason);
    });
  }
}

// Outside production local receivers are fine (development, tests).
for (const url of ["http://127.0.0.1:4000/hook", "http://localhost:4000/hook", "http://10.0.0.5/hook", "https://[::1]:8443/x", "http://example.com"]) {
  test(`development allows ${url}`, async () => {
    assert.equal(await checkWebhookUrl(url, false), null);
  });
}

test("production allows an https URL on a public IP literal", async () => {
  assert.equal(await checkWebhookUrl("https://93.184.216.34/hook", true), null);
  assert.equal(await checkWebhookUrl("https://[2606:4700:4700::1111]/hook", true), null);
});

test("literalHostRefusal refuses non-public IP literals in production only", () => {
  assert.equal(literalHostRefusal("https://10.0.0.1/x", true)?.code, "EADDRNOTPUBLIC");
  assert.equal(literalHostRefusal("https://[::1]/x", true)?.code, "EADDRNOTPUBLIC");
  assert.equal(literalHostRefusal("https://93.184.216.34/x", true), null);
  assert.equal(literalHostRefusal("https://localhost/x", true), null, "names are checked by publicLookup");
  assert.equal(literalHostRefusal("http://127.0.0.1/x", false), null);
});

/** A local receiver answering 204; its port. */
async function receiver(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function get(port: number, production: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "localhost", port, path: "/hook", family: 4, lookup: publicLookup(production) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

test("publicLookup fails a connection to a name that resolves to loopback in production", async () => {
  const r = await receiver();
  try {
    await assert.rejects(get(r.port, true), (err: NodeJS.ErrnoException) => err.code === "EADDRNOTPUBLIC" && /localhost/.test(err.message));
  } finally {
    await r.close();
  }
});

test("publicLookup connects to local receivers outside production", async () => {
  const r = await receiver();
  try {
    assert.equal(await get(r.port, false), 204);
  } finally {
    await r.close();
  }
});

test("publicLookup answers both the one-address and the all-addresses form", async () => {
  const lookup = publicLookup(true);
  const one = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup("localhost", { family: 4 }, (err) => resolve(err)));
  assert.equal(one?.code, "EADDRNOTPUBLIC");
  const all = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup("localhost", { all: true }, (err) => resolve(err)));
  assert.equal(all?.code, "EADDRNOTPUBLIC");
  const dev = await new Promise<unknown>((resolve, reject) =>
    publicLookup(false)("localhost", { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
  assert.ok(Array.isArray(dev) && dev.length > 0);
});
