import assert from "node:assert/strict";
import { test } from "node:test";
import { call, testApp } from "../harness/app.ts";

const ctx = await testApp();

// Every route of API.md's Bootstrap, Schedule and Waitlist sections, as OpenAPI spells paths.
const CONTRACT: [string, string][] = [
  ["post", "/api/admin/clinics"],
  ["post", "/api/booking/api-keys"],
  ["get", "/api/booking/settings"],
  ["patch", "/api/booking/settings"],
  ["post", "/api/booking/providers"],
  ["get", "/api/booking/providers"],
  ["post", "/api/booking/chairs"],
  ["get", "/api/booking/chairs"],
  ["post", "/api/booking/services"],
  ["get", "/api/booking/services"],
  ["post", "/api/booking/patients"],
  ["get", "/api/booking/patients/{id}"],
  ["patch", "/api/booking/patients/{id}"],
  ["post", "/api/booking/appointments"],
  ["post", "/api/booking/appointments/{id}/cancel"],
  ["post", "/api/booking/appointments/{id}/check-in"],
  ["get", "/api/booking/appointments"],
  ["get", "/api/booking/appointments/{id}"],
  ["post", "/api/booking/openings"],
  ["get", "/api/booking/openings"],
  ["get", "/api/booking/openings/{id}"],
  ["post", "/api/booking/waitlist"],
  ["get", "/api/booking/waitlist"],
  ["get", "/api/booking/waitlist/{id}"],
  ["patch", "/api/booking/waitlist/{id}"],
  ["delete", "/api/booking/waitlist/{id}"],
  ["get", "/healthz"],
];

test("GET /docs/json documents every route of the contract, with request and response schemas", async () => {
  const res = await call(ctx, "GET", "/docs/json");
  assert.equal(res.status, 200);
  const paths = res.body.paths as Record<string, Record<string, any>>;
  const missing = CONTRACT.filter(([method, path]) => !paths[path]?.[method]);
  assert.deepEqual(missing, []);
  const create = paths["/api/booking/patients"]!.post;
  assert.ok(create.requestBody.content["application/json"].schema.properties.phone);
  assert.ok(create.responses["201"]);
  assert.ok(create.responses["422"]);
});

test("GET /docs serves the UI from the package itself (no network needed)", async () => {
  const page = await call(ctx, "GET", "/docs/");
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-type"]), /text\/html/);
  const script = /src="\.\/(static\/[^"]+\.js)"/.exec(String(page.body));
  assert.ok(script, "the UI page loads its script from /docs/static");
  const asset = await call(ctx, "GET", `/docs/${script![1]}`);
  assert.equal(asset.status, 200);
});

test("GET /healthz answers { ok: true } without a key", async () => {
  const res = await call(ctx, "GET", "/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ok: true });
});

test("an unknown route is a problem+json 404", async () => {
  const res = await call(ctx, "GET", "/api/booking/nope");
  assert.equal(res.status, 404);
  assert.equal(res.body.code, "not_found");
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
});
