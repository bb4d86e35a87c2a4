// `npm run openapi [-- FILE]`: writes the OpenAPI document the server serves at /docs/json to a file
// (default openapi.json), without a database or a listening socket, so `npm run lint:api` can lint it.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { outboxChannels } from "../src/channels/outbox.ts";
import { ManualClock } from "../src/clock.ts";
import { parseConfig } from "../src/config.ts";
import type { Deps } from "../src/flows/deps.ts";
import { type AppOptions, buildApp } from "../src/http/app.ts";
import { DevGateway } from "../src/payments/dev-gateway.ts";

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  responses?: Record<string, unknown>;
}

/** The parts of the document the lint script and the tests read. */
export interface OpenApiDocument {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

/**
 * The document buildApp describes for this environment (BACKFILL_PUBLIC_URL gives `servers`). The test
 * clock's routes are in it unless BACKFILL_TEST_CLOCK=0, and the dev routes unless NODE_ENV=production:
 * the document describes every route API.md has, each saying when it exists.
 */
export async function openApiDocument(env: NodeJS.ProcessEnv, options: Pick<AppOptions, "onRoute"> = {}): Promise<OpenApiDocument> {
  // Building the routes runs no query: a pool that is never used (pg connects lazily) is enough.
  const db = new pg.Pool({ connectionString: "postgres://openapi@127.0.0.1:1/unused" });
  const config = parseConfig({ BACKFILL_ADMIN_TOKEN: "openapi-document-only-token", BACKFILL_TEST_CLOCK: "1", ...env });

  const silent = { info: () => {}, warn: () => {}, error: () => {} };
  const deps: Deps = { db, clock: new ManualClock(new Date(0)), config, log: silent, channels: outboxChannels(db), payments: new DevGateway(db) };
  const app = await buildApp(deps, options);
  try {
    await app.ready();
    return app.swagger() as unknown as OpenApiDocument;
  } finally {
    await app.close();
    await db.end();
  }
}

/**
 * Runs `redocly lint` (redocly.yaml: the recommended rules, telemetry off) on a document file; resolves
 * with its exit code and output. Nothing here needs the network.
 */
export function lintOpenApi(file: string, format: "stylish" | "json" = "stylish"): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const cli = path.join(root, "node_modules", "@redocly", "cli", "bin", "cli.js");
  const args = [cli, "lint", file, "--config", path.join(root, "redocly.yaml"), `--format=${format}`, "--max-problems=1000"];
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      if (code === -1) reject(error);
      else resolve({ code, stdout, stderr });
    });
  });
}

// `tsx scripts/openapi.ts [FILE]` writes the document; `--lint` writes it to a temporary file and lints it.
if (import.meta.url === `file://${process.argv[1]}`) {
  const lint = process.argv[2] === "--lint";
  const dir = lint ? await mkdtemp(path.join(os.tmpdir(), "backfill-openapi-")) : null;
  const file = dir ? path.join(dir, "openapi.json") : (process.argv[2] ?? "openapi.json");
  await writeFile(file, `${JSON.stringify(await openApiDocument(process.env), null, 2)}\n`);
  if (dir) {
    const result = await lintOpenApi(file);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    await rm(dir, { recursive: true, force: true });
    process.exitCode = result.code;
  } else {
    console.log(`wrote ${file}`);
  }
}
