// `npm test`: starts one throwaway PostgreSQL for the whole run, migrates a template database once,
// then runs every test file with node's test runner. Each file clones the template (test/harness/db.ts).
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../src/store/embedded-postgres.ts";
import { createPool } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";

export const TEMPLATE = "backfill_template";

async function testFiles(dir: string, filter: string[]): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f))
    .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
    .sort();
}

const started = Date.now();
const server = await startEmbeddedPostgres({ dataDir: null, durable: false });
const admin = new pg.Client(server.url);
await admin.connect();
await admin.query(`CREATE DATABASE ${TEMPLATE}`);
await admin.end();
const templatePool = createPool(server.url.replace(/\/postgres$/, `/${TEMPLATE}`), 2);
await migrate(templatePool);
await templatePool.end();
console.log(`# test postgres ready in ${Date.now() - started} ms`);

const files = await testFiles("test", process.argv.slice(2));
const child = spawn(process.execPath, ["--import", "tsx", "--import", "./test/harness/property-seed.ts", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, BACKFILL_TEST_PG_URL: server.url, BACKFILL_TEST_TEMPLATE: TEMPLATE },
});
const code: number = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.stop();
console.log(`# whole run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
