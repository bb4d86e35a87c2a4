// Migrations (applied once, under a lock, never edited) and the invariants the schema itself enforces,
// proven at the SQL level: whatever code path writes, Postgres refuses the bad row.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { createPool, pgCode, pgConstraint, type Pool } from "../../src/store/db.ts";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";
import { loadMigrations, MigrationError, migrate } from "../../src/store/migrate.ts";
import { testDatabase } from "../harness/db.ts";

// ---- a fresh, empty database (no template) on the run's server, or on one of our own ----

// Under test/run.ts the run's server; run alone, a throwaway server of this file's own.
const own = process.env.BACKFILL_TEST_PG_URL ? null : await startEmbeddedPostgres({ dataDir: null, durable: false });
const SERVER_URL = process.env.BACKFILL_TEST_PG_URL ?? own!.url;

const pools: Pool[] = [];
const created: string[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  if (own) return own.stop();
  const c = new pg.Client(SERVER_URL);
  await c.connect();
  for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
});

async function emptyDatabase(): Promise<string> {
  const name = `m_${randomBytes(6).toString("hex")}`;
  const c = new pg.Client(SERVER_URL);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  created.push(name);
  return SERVER_URL.replace(/\/postgres$/, `/${name}`);
}

function poolFor(url: string, max = 2): Pool {
  const pool = createPool(url, max);
  pools.push(pool);
  return pool;
}

async function appliedVersions(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query("SELECT version FROM schema_migrations ORDER BY version");
  return rows.map((r) => r.version);
}

async function migrationsCopy(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "backfill-migrations-"));
  after(() => fs.rm(dir, { recursive: true, force: true }));
  const source = path.resolve(import.meta.dirname, "..", "..", "migrations");
  for (const f of await fs.readdir(source)) await fs.copyFile(path.join(source, f), path.join(dir, f));
  return dir;
}

test("loadMigrations: numbered .sql files in order, with a sha256 checksum; other files are ignored", async () => {
  const dir = await migrationsCopy();
  await fs.writeFile(path.join(dir, "README.md"), "not a migration");
  await fs.writeFile(path.join(dir, "7_short.sql"), "SELECT 1;");
  await fs.writeFile(path.join(dir, "999_later_one.sql"), "SELECT 1;");
  await fs.writeFile(path.join(dir, "998_Upper_Case.sql"), "SELECT 1;");
  const shipped = await loadMigrations();
  const all = await loadMigrations(dir);
  assert.deepEqual(
    all.map((m) => [m.version, m.name]),
    [...shipped.map((m) => [m.version, m.name]), [999, "later_one"]],
  );
  assert.deepEqual([all[0]!.version, all[0]!.name], [1, "init"]);
  assert.equal(all[0]!.checksum, createHash("sha256").update(all[0]!.sql).digest("hex"));
  assert.ok(shipped.length >= 1);
  assert.deepEqual(
    shipped.map((m) => m.version),
    [...shipped.map((m) => m.version)].sort((a, b) => a - b),
  );
  assert.equal(new Set(shipped.map((m) => m.version)).size, shipped.length, "no two migrations share a version");
});

test("migrate is idempotent: the second run applies nothing", async () => {
  const pool = poolFor(await emptyDatabase());
  const versions = (await loadMigrations()).map((m) => m.version);
  assert.deepEqual(await migrate(pool), versions);
  assert.deepEqual(await migrate(pool), []);
  assert.deepEqual(await migrate(pool), []);
  assert.deepEqual(await appliedVersions(pool), versions);
  const { rows } = await pool.query("SELECT to_regclass('appointments') AS t, to_regclass('audit_log') AS a");
  assert.ok(rows[0].t && rows[0].a);
});

test("concurrent migrate() calls on a fresh database apply each migration exactly once", async () => {
  const url = await emptyDatabase();
  const versions = (await loadMigrations()).map((m) => m.version);
  // Eight "instances" starting at once, each with its own pool.
  const results = await Promise.all(Array.from({ length: 8 }, () => migrate(poolFor(url, 1))));
  assert.deepEqual(
    results.flat().sort((a, b) => a - b),
    versions,
    `applied: ${JSON.stringify(results)}`,
  );
  assert.equal(results.filter((r) => r.length > 0).length, 1, "one instance did all the work");
  const pool = poolFor(url);
  assert.deepEqual(await appliedVersions(pool), versions);
  // The advisory lock was released by every caller: a later run neither waits nor applies anything.
  assert.deepEqual(await migrate(pool), []);
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  assert.equal(rows[0].n, 0);
});

test("an edited migration is refused before anything runs, naming its file and saying changes go in a new migration", async () => {
  const dir = await migrationsCopy();
  const pool = poolFor(await emptyDatabase());
  const versions = (await loadMigrations(dir)).map((m) => m.version);
  assert.deepEqual(await migrate(pool, await loadMigrations(dir)), versions);
  const n = versions[versions.length - 1]!;

  const file = path.join(dir, "001_init.sql");
  const original = await fs.readFile(file, "utf8");
  await fs.appendFile(file, "\nCREATE TABLE sneaky (id int);\n");
  // A new migration waiting behind the edit is not applied either: the run stops before it.
  await fs.writeFile(path.join(dir, `${String(n + 1).padStart(3, "0")}_pending.sql`), "CREATE TABLE pending_one (id int);");
  await assert.rejects(migrate(pool, await loadMigrations(dir)), (e: Error) => {
    assert.ok(e instanceof MigrationError, String(e));
    assert.match(e.message, /migration 001_init\.sql changed after it was applied/);
    assert.match(e.message, /changes go in a new migration/);
    return true;
  });
  const { rows } = await pool.query("SELECT to_regclass('sneaky') AS s, to_regclass('pending_one') AS p");
  assert.deepEqual(rows[0], { s: null, p: null }, "nothing of the edited file ran, nor the pending one");

  // Two edited files are both named, in order.
  const payments = (await fs.readdir(dir)).find((f) => f.startsWith("010_"))!;
  await fs.appendFile(path.join(dir, payments), "\n-- a comment is an edit too\n");
  await assert.rejects(
    migrate(pool, await loadMigrations(dir)),
    new RegExp(`migrations 001_init\\.sql, ${payments.replace(".", "\\.")} changed after they were applied`),
  );

  // The same for a Migration list changed in memory (its checksum computed as loadMigrations does).
  const shipped = await loadMigrations();
  const tampered = shipped.map((m) => {
    const sql = `${m.sql}\n-- edited`;
    return { ...m, sql, checksum: createHash("sha256").update(sql).digest("hex") };
  });
  await assert.rejects(migrate(pool, tampered), /001_init\.sql.*changes go in a new migration/);
  // The lock was released despite the errors: an honest run still goes through.
  assert.deepEqual(await migrate(pool, shipped), []);
  // Files restored: the pending migration now goes in.
  await fs.writeFile(file, original);
  await fs.copyFile(path.resolve(import.meta.dirname, "..", "..", "migrations", payments), path.join(dir, payments));
  assert.deepEqual(await migrate(pool, await loadMigrations(dir)), [n + 1]);
});

test("upgrade: a bookkeeping table without checksums gets the column and each applied file's checksum, then holds to it", async () => {
  const pool = poolFor(await emptyDatabase());
  const shipped = await loadMigrations();
  await migrate(pool, shipped);
  // A database migrated before checksums were recorded: no checksum column at all.
  await pool.query("ALTER TABLE schema_migrations DROP COLUMN checksum");
  assert.deepEqual(await migrate(pool, shipped), [], "nothing re-applied");
  const { rows } = await pool.query<{ version: number; checksum: string }>("SELECT version, checksum FROM schema_migrations ORDER BY version");
  assert.deepEqual(
    rows.map((r) => [r.version, r.checksum]),
    shipped.map((m) => [m.version, m.checksum]),
  );
  // Rows recorded without one (a NULL) are back-filled the same way.
  await pool.query("UPDATE schema_migrations SET checksum = NULL WHERE version IN (1, 2)");
  assert.deepEqual(await migrate(pool, shipped), []);
  const { rows: filled } = await pool.query("SELECT count(*)::int AS n FROM schema_migrations WHERE checksum IS NULL");
  assert.equal(filled[0].n, 0);
  // From then on an edit is caught like on any other database.
  const tampered = shipped.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql}\n`, checksum: createHash("sha256").update(`${m.sql}\n`).digest("hex") } : m));
  await assert.rejects(migrate(pool, tampered), /migration 002_core_loop\.sql changed after it was applied/);
});

test("`backfill migrate` on a database whose recorded checksum differs exits 1 with the one-line refusal", async () => {
  const url = await emptyDatabase();
  const pool = poolFor(url);
  await migrate(pool);
  const payments = (await loadMigrations()).find((m) => m.version === 10)!;
  await pool.query("UPDATE schema_migrations SET checksum = 'recorded-before-the-edit' WHERE version = 10");
  const root = path.resolve(import.meta.dirname, "..", "..");
  const run = spawnSync(process.execPath, [path.join(root, "bin", "backfill.mjs"), "migrate"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "silent" },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`^backfill: migration 010_${payments.name}\\.sql changed after it was applied.*changes go in a new migration\n$`));
});

test("a new migration is applied after the landed ones; a failing one rolls back entirely and names itself", async () => {
  const dir = await migrationsCopy();
  const pool = poolFor(await emptyDatabase());
  const landed = (await migrate(pool, await loadMigrations(dir))).sort((a, b) => a - b);
  const n = landed[landed.length - 1]!;
  const file = (v: number, name: string) => path.join(dir, `${String(v).padStart(3, "0")}_${name}.sql`);
  await fs.writeFile(file(n + 1, "add_notes"), "CREATE TABLE clinic_notes (id serial PRIMARY KEY, body text NOT NULL);");
  assert.deepEqual(await migrate(pool, await loadMigrations(dir)), [n + 1]);
  await fs.writeFile(file(n + 2, "broken"), "CREATE TABLE half_done (id int);\nSELECT no_such_function();");
  await assert.rejects(migrate(pool, await loadMigrations(dir)), new RegExp(`migration ${n + 2} \\(broken\\) failed: .*no_such_function`));
  const { rows } = await pool.query("SELECT to_regclass('half_done') AS t");
  assert.equal(rows[0].t, null);
  assert.deepEqual(await appliedVersions(pool), [...landed, n + 1]);
  await fs.writeFile(file(n + 2, "broken"), "CREATE TABLE half_done (id int);");
  assert.deepEqual(await migrate(pool, await loadMigrations(dir)), [n + 2]);
});

// ---- invariants the schema enforces ----

const { pool: db } = await testDatabase();
const T = new Date("2026-03-02T14:00:00Z");
const at = (hours: number) => new Date(T.getTime() + hours * 3_600_000);

async function insert(table: string, row: Record<string, unknown>): Promise<string> {
  const keys = Object.keys(row);
  const { rows } = await db.query(
    `INSERT INTO ${table} (${keys.join(", ")}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
    Object.values(row),
  );
  return rows[0].id;
}

async function aClinicRows() {
  const clinic = await insert("clinics", { name: "Schema Clinic", timezone: "America/New_York", created_at: T });
  const c = { clinic_id: clinic };
  const provider = await insert("providers", { ...c, name: "Dr. A", created_at: T });
  const chair = await insert("chairs", { ...c, name: "Op 1", created_at: T });
  const service = await insert("services", { ...c, name: "Cleaning", category: "hygiene", duration_minutes: 60, price_cents: 100, created_at: T });
  const patient = await insert("patients", { ...c, first_name: "A", last_name: "B", created_at: T, updated_at: T });
  return { clinic, provider, chair, service, patient };
}

type Rows = Awaited<ReturnType<typeof aClinicRows>>;

const appointment = (r: Rows, from: number, to: number, over: Record<string, unknown> = {}) =>
  insert("appointments", {
    clinic_id: r.clinic,
    patient_id: r.patient,
    provider_id: r.provider,
    service_id: r.service,
    start_at: at(from),
    end_at: at(to),
    booked_at: T,
    created_at: T,
    updated_at: T,
    ...over,
  });

async function refused(p: Promise<unknown>, code: string, constraint?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.equal(pgCode(e), code, String(e));
    if (constraint) assert.equal(pgConstraint(e), constraint);
    return true;
  });
}

test("two overlapping active appointments for one provider are refused (23P01); back-to-back is fine", async () => {
  const r = await aClinicRows();
  await appointment(r, 1, 2);
  await refused(appointment(r, 1.5, 2.5), "23P01", "appointments_no_provider_overlap");
  await refused(appointment(r, 0, 3, { status: "CONFIRMED" }), "23P01");
  await refused(appointment(r, 1, 2, { status: "CHECKED_IN" }), "23P01");
  await appointment(r, 2, 3);
  await appointment(r, 0, 1);
  // One chair cannot hold two at once either, even with two providers.
  const other = await insert("providers", { clinic_id: r.clinic, name: "Dr. B", created_at: T });
  await appointment(r, 5, 6, { chair_id: r.chair });
  await refused(appointment(r, 5.5, 6.5, { provider_id: other, chair_id: r.chair }), "23P01", "appointments_no_chair_overlap");
  await appointment(r, 5.5, 6.5, { provider_id: other });
  // end must follow start.
  await refused(appointment(r, 9, 9), "23514");
});

test("a CANCELLED (or NO_SHOW) appointment does not block its time", async () => {
  const r = await aClinicRows();
  await appointment(r, 1, 2, { status: "CANCELLED" });
  await appointment(r, 1, 2, { status: "NO_SHOW" });
  const booked = await appointment(r, 1, 2);
  await appointment(r, 1.5, 2.5, { status: "CANCELLED" });
  // Cancelling the booked one frees the time for a new booking.
  await refused(appointment(r, 1, 2), "23P01");
  await db.query("UPDATE appointments SET status = 'CANCELLED' WHERE id = $1", [booked]);
  await appointment(r, 1, 2);
  // Moving a cancelled one back to BOOKED over the new one is refused too.
  await refused(db.query("UPDATE appointments SET status = 'BOOKED' WHERE id = $1", [booked]), "23P01");
});

test("audit_log is append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
  const r = await aClinicRows();
  const { rows } = await db.query(
    `INSERT INTO audit_log (clinic_id, actor, action, entity, entity_id, after, at)
     VALUES ($1, 'test', 'thing.done', 'thing', $2, '{"a":1}', $3) RETURNING id`,
    [r.clinic, r.patient, T],
  );
  const id = rows[0].id;
  await assert.rejects(db.query("UPDATE audit_log SET action = 'forged' WHERE id = $1", [id]), /append-only/);
  await assert.rejects(db.query("DELETE FROM audit_log WHERE id = $1", [id]), /append-only/);
  await assert.rejects(db.query("TRUNCATE audit_log"), /append-only/);
  const { rows: still } = await db.query("SELECT action, after FROM audit_log WHERE id = $1", [id]);
  assert.deepEqual(still[0], { action: "thing.done", after: { a: 1 } });
});

test("a row cannot reference another clinic's row (composite foreign keys → 23503)", async () => {
  const a = await aClinicRows();
  const b = await aClinicRows();
  await refused(appointment(a, 1, 2, { provider_id: b.provider }), "23503");
  await refused(appointment(a, 1, 2, { patient_id: b.patient }), "23503");
  await refused(appointment(a, 1, 2, { chair_id: b.chair }), "23503");
  await refused(appointment(a, 1, 2, { service_id: b.service }), "23503");
  await refused(insert("waitlist_entries", { clinic_id: a.clinic, patient_id: b.patient, service_id: a.service, created_at: T, updated_at: T }), "23503");
  await refused(
    insert("openings", { clinic_id: a.clinic, provider_id: b.provider, start_at: at(1), end_at: at(2), source: "NEW_SLOT", created_at: T, updated_at: T }),
    "23503",
  );
  await refused(
    db.query("INSERT INTO consent_events (clinic_id, patient_id, channel, granted, source, at) VALUES ($1, $2, 'SMS', true, 'x', $3)", [
      a.clinic,
      b.patient,
      T,
    ]),
    "23503",
  );
  // The same rows within one clinic are fine.
  await appointment(a, 1, 2);
});

test("offers: one live offer per entry, one per patient, one per (opening, entry) ever (23505)", async () => {
  const r = await aClinicRows();
  const c = { clinic_id: r.clinic };
  const opening = (from: number) =>
    insert("openings", { ...c, provider_id: r.provider, start_at: at(from), end_at: at(from + 1), source: "NEW_SLOT", created_at: T, updated_at: T });
  const entry = (patient = r.patient) => insert("waitlist_entries", { ...c, patient_id: patient, service_id: r.service, created_at: T, updated_at: T });
  const offer = (openingId: string, entryId: string, status = "PENDING", patient = r.patient) =>
    insert("offers", { ...c, opening_id: openingId, entry_id: entryId, patient_id: patient, status, created_at: T, updated_at: T });

  const [o1, o2, o3] = [await opening(1), await opening(3), await opening(5)];
  const e1 = await entry();
  const first = await offer(o1, e1);
  await refused(offer(o2, e1), "23505", "offers_one_live_per_entry");
  await refused(offer(o2, e1, "SCHEDULED"), "23505", "offers_one_live_per_entry");
  // A second entry of the same patient cannot hold a live offer at the same time either.
  const e2 = await entry();
  await refused(offer(o2, e2), "23505", "offers_one_live_per_patient");
  // Once the first offer is over, the entry may get another opening, but never the same one again.
  await db.query("UPDATE offers SET status = 'EXPIRED' WHERE id = $1", [first]);
  await refused(offer(o1, e1, "SCHEDULED"), "23505", "offers_once_per_opening_entry");
  await refused(offer(o1, e1, "DECLINED"), "23505", "offers_once_per_opening_entry");
  await offer(o2, e1);
  await offer(o3, e2, "DECLINED");
  // Another patient's entry is independent.
  const p2 = await insert("patients", { ...c, first_name: "C", last_name: "D", created_at: T, updated_at: T });
  await offer(o2, await entry(p2), "PENDING", p2);
});

test("one provider's open openings never overlap; filled or closed ones do not block (23P01)", async () => {
  const r = await aClinicRows();
  const opening = (from: number, to: number, status = "OPEN") =>
    insert("openings", {
      clinic_id: r.clinic,
      provider_id: r.provider,
      start_at: at(from),
      end_at: at(to),
      status,
      source: "NEW_SLOT",
      created_at: T,
      updated_at: T,
    });
  const open = await opening(1, 2);
  await refused(opening(1.5, 2.5), "23P01", "openings_no_open_overlap");
  await opening(2, 3);
  await opening(1, 2, "CLOSED");
  await db.query("UPDATE openings SET status = 'EXPIRED' WHERE id = $1", [open]);
  await opening(1, 2);
  // FILLED requires the appointment that filled it, and only FILLED may carry one.
  await refused(opening(7, 8, "FILLED"), "23514");
});
