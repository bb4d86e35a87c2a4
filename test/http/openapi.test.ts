// The API description is a product too: every operation named, summarised and tagged; the document and the
// router agree; Redocly's recommended rules pass (redocly.yaml). Other routes' contract tests: docs.test.ts.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { lintOpenApi, type OpenApiDocument, openApiDocument } from "../../scripts/openapi.ts";
import { call, testApp } from "../harness/app.ts";

const PUBLIC_URL = "https://backfill.clinic-test.org";
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

// Every route registered while the app is built, as [method, OpenAPI path].
const registered: [string, string][] = [];
const doc = await openApiDocument(
  { BACKFILL_PUBLIC_URL: PUBLIC_URL },
  {
    onRoute: (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const openApiPath = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      for (const m of methods) if (m !== "HEAD") registered.push([m.toLowerCase(), openApiPath]);
    },
  },
);

function operations(d: OpenApiDocument) {
  return Object.entries(d.paths).flatMap(([p, item]) => METHODS.filter((m) => item[m]).map((m) => ({ method: m, path: p, op: item[m]! })));
}

// The API lives under these; everything else is a page for a browser (dashboard, /o/, /r/, /pay/, /setup,
// /join/, /w/, assets, the docs UI): HTML with CSRF-guarded forms, whose contract is the browser tests.
// Those are hidden from the document, all of them, so it lists exactly what a client program can call.
const API = /^\/(api|webhooks|fhir)\/|^\/(healthz|metrics)$/;

test("every operation has a camelCase operationId, a one-line summary and a declared tag", () => {
  const declared = new Set((doc.tags ?? []).map((t) => t.name));
  const bad = operations(doc).flatMap(({ method, path: p, op }) => {
    const why: string[] = [];
    if (!op.operationId || !/^[a-z][a-zA-Z0-9]+$/.test(op.operationId)) why.push(`operationId ${op.operationId}`);
    if (!op.summary || op.summary.length > 90 || op.summary.includes("\n")) why.push(`summary ${op.summary}`);
    if (!op.tags?.length || op.tags.some((t) => !declared.has(t))) why.push(`tags ${op.tags}`);
    return why.length ? [`${method.toUpperCase()} ${p}: ${why.join(", ")}`] : [];
  });
  assert.deepEqual(bad, []);
  assert.ok(operations(doc).length >= 60, `only ${operations(doc).length} operations`);
});

test("operationIds are unique", () => {
  const seen = new Map<string, string>();
  const dupes: string[] = [];
  for (const { method, path: p, op } of operations(doc)) {
    const where = `${method.toUpperCase()} ${p}`;
    const before = seen.get(op.operationId ?? "");
    if (before) dupes.push(`${op.operationId}: ${before} and ${where}`);
    seen.set(op.operationId ?? "", where);
  }
  assert.deepEqual(dupes, []);
});

test("servers names BACKFILL_PUBLIC_URL", () => {
  assert.deepEqual(doc.servers, [{ url: PUBLIC_URL }]);
});

test("the document lists exactly the API routes registered, and no HTML page", () => {
  const documented = new Set(operations(doc).map(({ method, path: p }) => `${method} ${p}`));
  const api = new Set(registered.filter(([, p]) => API.test(p)).map(([m, p]) => `${m} ${p}`));
  assert.deepEqual([...api].filter((r) => !documented.has(r)).sort(), [], "registered API routes missing from the document");
  assert.deepEqual([...documented].filter((r) => !api.has(r)).sort(), [], "documented operations that are no API route");
  assert.ok(
    registered.some(([, p]) => p === "/o/{token}"),
    "the offer page is registered (and so hidden on purpose)",
  );
});

test("error answers are documented as problem+json, and no response keeps the placeholder description", () => {
  const bad: string[] = [];
  for (const { method, path: p, op } of operations(doc)) {
    for (const [status, r] of Object.entries(op.responses ?? {}) as [string, { description?: string; content?: Record<string, unknown> }][]) {
      const where = `${method.toUpperCase()} ${p} ${status}`;
      if (r.description === "Default Response") bad.push(`${where}: placeholder description`);
      if (Number(status) >= 400 && r.content && !r.content["application/problem+json"]) bad.push(`${where}: ${Object.keys(r.content)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("GET /docs/json serves the same document the openapi script writes", async () => {
  const ctx = await testApp({ BACKFILL_PUBLIC_URL: PUBLIC_URL, BACKFILL_TEST_CLOCK: "1" });
  const served = await call(ctx, "GET", "/docs/json");
  assert.equal(served.status, 200);
  assert.deepEqual(served.body, JSON.parse(JSON.stringify(doc)));
});

// Warnings Redocly's recommended rules give that are not defects, each with the reason.
const ACCEPTED_WARNINGS = new Set([
  // /healthz answers 200 or 503 and nothing else: it takes no input, needs no key and is not rate limited.
  "operation-4xx-response #/paths/~1healthz/get/responses",
]);

test("redocly lint (recommended rules, redocly.yaml) finds no error and no warning but the accepted ones", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "backfill-openapi-test-"));
  try {
    const file = path.join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    const result = await lintOpenApi(file, "json");
    const report = JSON.parse(result.stdout) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems
      .map((p) => ({ key: `${p.ruleId} ${p.location[0]?.pointer}`, severity: p.severity, message: p.message }))
      .filter((p) => !(p.severity === "warn" && ACCEPTED_WARNINGS.has(p.key)));
    assert.deepEqual(problems, []);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
