// A database of its own for each test file: a copy of the migrated template made by test/run.ts.
// Run a file alone (node --import tsx --test test/x.test.ts) and it starts its own PostgreSQL.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";
import { createPool, type Pool } from "../../src/store/db.ts";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";
import { migrate } from "../../src/store/migrate.ts";

/** A fresh, migrated database for this file, removed when the file's tests end. */
export async function testDatabase(): Promise<{ pool: Pool; url: string }> {
  const shared = process.env.BACKFILL_TEST_PG_URL;
  const own = shared ? null : await startEmbeddedPostgres({ dataDir: null, durable: false });
  const url = shared ?? own!.url;
  const template = shared ? (process.env.BACKFILL_TEST_TEMPLATE ?? null) : null;
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client(url);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  await admin.end();
  const dbUrl = url.replace(/\/postgres$/, `/${name}`);
  const pool = createPool(dbUrl, 40);
  if (!template) await migrate(pool);
  after(async () => {
    await pool.end();
    if (own) return own.stop();
    const c = new pg.Client(url);
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return { pool, url: dbUrl };
}
