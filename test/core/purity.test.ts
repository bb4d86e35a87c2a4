// src/core is pure (DESIGN.md, "functional core"): it imports nothing outside src/core — no node: builtins,
// no database driver — and never reads the clock or a random source; time and ids come in as arguments.
// The check reads the syntax tree (TypeScript's own parser), so comments and strings cannot fool it.
import assert from "node:assert/strict";
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const CORE = fileURLToPath(new URL("../../src/core/", import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.replace(/\/.*$/, "")]));

/** Expressions that read the clock or a random source when called (or just referenced, for Date.now & co). */
const IMPURE_MEMBERS = new Map([
  ["Date.now", "reads the clock"],
  ["Math.random", "reads a random source"],
  ["performance.now", "reads the clock"],
  ["process.hrtime", "reads the clock"],
  ["crypto.randomUUID", "reads a random source"],
  ["crypto.getRandomValues", "reads a random source"],
  ["DateTime.now", "reads the clock"],
]);
/** Calls that read the clock when given no arguments. */
const CLOCK_WITHOUT_ARGUMENTS = new Set(["DateTime.local", "DateTime.utc"]);

function dotted(node: ts.Node): string | null {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) {
    const left = dotted(node.expression);
    return left === null ? null : `${left}.${node.name.text}`;
  }
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    const left = dotted(node.expression);
    return left === null ? null : `${left}.${node.argumentExpression.text}`;
  }
  if (ts.isParenthesizedExpression(node)) return dotted(node.expression);
  return null;
}
const withoutGlobal = (name: string) => name.replace(/^(globalThis|global|window|self)\./, "");

function checkSpecifier(fileName: string, specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const target = path.resolve(path.dirname(fileName), specifier);
    const rel = path.relative(CORE, target);
    return rel.startsWith("..") || path.isAbsolute(rel) ? `imports "${specifier}" from outside src/core` : null;
  }
  if (specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.replace(/\/.*$/, ""))) {
    return `imports the node builtin "${specifier}"`;
  }
  if (/^pg($|\/|-)/.test(specifier)) return `imports the database driver "${specifier}"`;
  return null;
}

/** What makes `source` (a file at `fileName`) impure, one line per finding. */
export function impurities(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, message: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${path.basename(fileName)}:${line + 1}: ${message}`);
  };
  const specifier = (node: ts.Node, expr: ts.Node | undefined) => {
    if (expr === undefined) return;
    if (!ts.isStringLiteralLike(expr)) return report(node, "imports a computed module name");
    const problem = checkSpecifier(fileName, expr.text);
    if (problem) report(node, problem);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      specifier(node, node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier(node, node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const callee = dotted(node.expression);
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword || callee === "require") specifier(node, node.arguments[0]);
      else if (callee !== null) {
        const name = withoutGlobal(callee);
        if (name === "Date") report(node, "calls Date() (the current time as a string)");
        if (CLOCK_WITHOUT_ARGUMENTS.has(name) && node.arguments.length === 0) report(node, `calls ${name}() with no arguments (reads the clock)`);
      }
    } else if (ts.isNewExpression(node) && withoutGlobal(dotted(node.expression) ?? "") === "Date") {
      if (!node.arguments || node.arguments.length === 0) report(node, "calls new Date() with no arguments (reads the clock)");
    } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = dotted(node);
      const why = name === null ? undefined : IMPURE_MEMBERS.get(withoutGlobal(name));
      if (why) return report(node, `uses ${withoutGlobal(name!)} (${why})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const coreFiles = fs
  .readdirSync(CORE, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .sort();

test("src/core has files to check", () => {
  for (const f of [
    "appointment.ts",
    "errors.ts",
    "patient.ts",
    "permissions.ts",
    "phone.ts",
    "result.ts",
    "settings.ts",
    "time.ts",
    "types.ts",
    "waitlist.ts",
  ]) {
    assert.ok(coreFiles.includes(f), f);
  }
});

for (const f of coreFiles) {
  test(`src/core/${f} is pure`, () => {
    const fileName = path.join(CORE, f);
    assert.deepEqual(impurities(fileName, fs.readFileSync(fileName, "utf8")), []);
  });
}

// The checker itself, on snippets placed at src/core/example.ts: it must catch each of these…
const impure: [string, string][] = [
  [`import { pool } from "../store/db.ts";`, `imports "../store/db.ts" from outside src/core`],
  [`import type { Deps } from "../flows/deps.ts";`, `imports "../flows/deps.ts" from outside src/core`],
  [`export { buildApp } from "../http/app.ts";`, `imports "../http/app.ts" from outside src/core`],
  [`export * from "../store/page.ts";`, `imports "../store/page.ts" from outside src/core`],
  [`import "../main.ts";`, `imports "../main.ts" from outside src/core`],
  [`import { x } from "../core-extra/y.ts";`, `imports "../core-extra/y.ts" from outside src/core`],
  [`import { x } from "/etc/x.ts";`, `imports "/etc/x.ts" from outside src/core`],
  [`const m = await import("../store/db.ts");`, `imports "../store/db.ts" from outside src/core`],
  [`type Row = import("../store/db.ts").Row;`, `imports "../store/db.ts" from outside src/core`],
  [`import db = require("../store/db");`, `imports "../store/db" from outside src/core`],
  [`const m = await import(name);`, `imports a computed module name`],
  [`import fs from "node:fs";`, `imports the node builtin "node:fs"`],
  [`import { readFile } from "node:fs/promises";`, `imports the node builtin "node:fs/promises"`],
  [`import { randomUUID } from "node:crypto";`, `imports the node builtin "node:crypto"`],
  [`import fs from "fs";`, `imports the node builtin "fs"`],
  [`import { readFile } from "fs/promises";`, `imports the node builtin "fs/promises"`],
  [`const cp = require("child_process");`, `imports the node builtin "child_process"`],
  [`import pg from "pg";`, `imports the database driver "pg"`],
  [`import type { PoolClient } from "pg";`, `imports the database driver "pg"`],
  [`import Pool from "pg-pool";`, `imports the database driver "pg-pool"`],
  [`const t = Date.now();`, `uses Date.now (reads the clock)`],
  [`const clock = Date.now;`, `uses Date.now (reads the clock)`],
  [`const t = globalThis.Date.now();`, `uses Date.now (reads the clock)`],
  [`const t = Date["now"]();`, `uses Date.now (reads the clock)`],
  [`const t = new Date();`, `calls new Date() with no arguments (reads the clock)`],
  [`const t = new Date;`, `calls new Date() with no arguments (reads the clock)`],
  [`const t = new globalThis.Date();`, `calls new Date() with no arguments (reads the clock)`],
  [`const s = Date();`, `calls Date() (the current time as a string)`],
  [`const r = Math.random();`, `uses Math.random (reads a random source)`],
  [`const r = Math["random"]();`, `uses Math.random (reads a random source)`],
  [`const id = crypto.randomUUID();`, `uses crypto.randomUUID (reads a random source)`],
  [`const t = performance.now();`, `uses performance.now (reads the clock)`],
  [`const t = DateTime.now();`, `uses DateTime.now (reads the clock)`],
  [`const t = DateTime.local();`, `calls DateTime.local() with no arguments (reads the clock)`],
  [`const t = DateTime.utc();`, `calls DateTime.utc() with no arguments (reads the clock)`],
  [`function later() {\n  return () => new Date(new Date().getTime() + 1);\n}`, `calls new Date() with no arguments (reads the clock)`],
];
for (const [source, message] of impure) {
  test(`the purity check catches: ${source.split("\n").join(" ")}`, () => {
    const line = source.split("\n").length > 1 ? 2 : 1;
    assert.deepEqual(impurities(path.join(CORE, "example.ts"), source), [`example.ts:${line}: ${message}`]);
  });
}

// …and let these through.
const pure: string[] = [
  `import { ok } from "./result.ts";`,
  `import type { Patient } from "./types.ts";`,
  `import { ok } from "./../core/result.ts";`,
  `import { plan } from "./offer/plan.ts";`,
  `export { ok } from "./result.ts";`,
  `import { DateTime, IANAZone } from "luxon";`,
  `import { parsePhoneNumberFromString } from "libphonenumber-js/max";`,
  `const d = new Date(0);`,
  `const d = new Date(at.getTime() + 60_000);`,
  `const d = new Date("2026-03-08T07:00:00Z");`,
  `const t = DateTime.local(2026, 3, 8, { zone: "America/New_York" });`,
  `const t = DateTime.utc(2026, 3, 8);`,
  `const t = deps.clock.now();`,
  `const t = at.getTime();`,
  `const n = Math.max(1, 2);`,
  `// Date.now() and Math.random() are not allowed here; new Date() neither.`,
  `/* import pg from "pg"; */`,
  `const s = "new Date() and Date.now() and Math.random() and node:fs";`,
  "const s = `Date.now()`;",
  `const pgValue = "pg";`,
];
for (const source of pure) {
  test(`the purity check allows: ${source}`, () => {
    assert.deepEqual(impurities(path.join(CORE, "example.ts"), source), []);
  });
}
