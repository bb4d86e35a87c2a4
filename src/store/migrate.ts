// Numbered plain-SQL migrations (migrations/NNN_name.sql), applied in order under an advisory lock so
// several instances starting at once apply each exactly once. A landed migration is never edited:
// its checksum is recorded and a changed file stops the start.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { lease, type Pool } from "./db.ts";

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "migrations");
const LOCK_KEY = 7_242_015_001; // arbitrary, fixed: "backfill migrations"

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await fs.readFile(path.join(dir, file), "utf8");
      return {
        version: Number(file.slice(0, 3)),
        name: file.slice(4, -4),
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    }),
  );
}

/** A landed migration's file no longer matches what was applied: the start is refused (nothing applied). */
export class MigrationError extends Error {}

const fileOf = (m: Pick<Migration, "version" | "name">) => `${String(m.version).padStart(3, "0")}_${m.name}.sql`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string | null;
}

/**
 * Applies every pending migration; returns the versions it applied (empty when up to date). Every
 * applied file is checked first: one that changed since it was applied refuses the whole run, because
 * a database migrated before the edit would never get it (a fresh one would: two schemas, one version).
 */
export async function migrate(pool: Pool, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  const { client, release } = await lease(pool);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    await backfillChecksums(client, all);
    const { rows } = await client.query<AppliedRow>("SELECT version, name, checksum FROM schema_migrations");
    const applied = new Map(rows.map((r) => [r.version, r]));
    const edited = all.filter((m) => {
      const prior = applied.get(m.version);
      return prior !== undefined && prior.checksum !== m.checksum;
    });
    if (edited.length > 0) {
      const files = edited.map(fileOf).join(", ");
      throw new MigrationError(
        `migration${edited.length > 1 ? "s" : ""} ${files} changed after ${edited.length > 1 ? "they were" : "it was"} applied to this database ` +
          "(its sha256 no longer matches the one recorded); a landed migration is never edited: restore the file, and changes go in a new migration",
      );
    }
    const done: number[] = [];
    for (const m of all) {
      if (applied.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [m.version, m.name, m.checksum]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version} (${m.name}) failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    release();
  }
}

/**
 * A bookkeeping table from before checksums were recorded (no column, or rows without one) gets the
 * column and, for each applied version, the checksum of its file as it is now: the first run after the
 * upgrade trusts the files once, every later run holds them to it.
 */
async function backfillChecksums(client: pg.PoolClient, all: Migration[]): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text");
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations WHERE checksum IS NULL");
    for (const { version } of rows) {
      const m = all.find((x) => x.version === version);
      if (m) await client.query("UPDATE schema_migrations SET checksum = $2 WHERE version = $1 AND checksum IS NULL", [version, m.checksum]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK");
    throw e;
  }
}
