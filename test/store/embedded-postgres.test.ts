// The embedded default's own lifecycle (start, stop, restart on the same folder, recovery after a
// killed run, throwaway folders) and the CLI end to end on it: first start prints the admin token
// once, SIGTERM exits 0, a restart keeps data and token, `serve --demo` seeds a clinic.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import pg from "pg";
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or "timeout" after `ms` (the timer is cleared, so it never keeps the process alive). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function tmpDir(prefix = "backfill-embedded-test-"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  after(async () => {
    await stopOrphan(dir);
    await fs.rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function postmasterPid(clusterDir: string): number | null {
  try {
    return Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
}

/** Cleanup for a test that failed half-way: stop a postmaster we started in `dir`, by its pid. */
async function stopOrphan(dir: string): Promise<void> {
  const pid = postmasterPid(path.join(dir, "pg"));
  if (!pid || !isAlive(pid)) return;
  let comm = "";
  try {
    comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return;
  }
  if (comm !== "postgres") return;
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

test("start on a folder: accepts a query; stop() stops it (the port no longer accepts); stop twice is fine", { timeout: 120_000 }, async () => {
  const dir = await tmpDir();
  const started = Date.now();
  const server = await startEmbeddedPostgres({ dataDir: dir });
  console.log(`# embedded postgres first start (initdb + start) took ${Date.now() - started} ms`);
  try {
    assert.equal(server.dataDir, path.join(dir, "pg"));
    assert.ok(existsSync(path.join(dir, "pg", "PG_VERSION")));
    assert.match(server.url, /^postgres:\/\/backfill:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    const rows = await query(server.url, "SELECT 41 + 1 AS answer, current_user AS who");
    assert.deepEqual(rows[0], { answer: 42, who: "backfill" });
    // The password is per folder, kept beside the cluster, readable by its owner only.
    const credentials = await fs.stat(path.join(dir, "credentials"));
    assert.equal(credentials.mode & 0o777, 0o600);
    assert.ok(await accepts(server.port));
    // Listening on loopback only, with a password.
    const wrong = server.url.replace(/:[^:@/]+@/, ":wrong-password@");
    await assert.rejects(query(wrong, "SELECT 1"), /password authentication failed/);
  } finally {
    await server.stop();
  }
  assert.equal(await accepts(server.port), false);
  assert.equal(existsSync(path.join(dir, "pg", "postmaster.pid")), false);
  await server.stop();
  assert.ok(existsSync(path.join(dir, "pg", "PG_VERSION")), "a named folder is kept");
});

test("starting again on the same folder keeps the data (and the password)", { timeout: 120_000 }, async () => {
  const dir = await tmpDir();
  const first = await startEmbeddedPostgres({ dataDir: dir, durable: false });
  try {
    await query(first.url, "CREATE TABLE kept (id int PRIMARY KEY, note text)");
    await query(first.url, "INSERT INTO kept VALUES (1, 'survives a restart')");
  } finally {
    await first.stop();
  }
  const password = (await fs.readFile(path.join(dir, "credentials"), "utf8")).trim();
  const second = await startEmbeddedPostgres({ dataDir: dir, durable: false });
  try {
    assert.deepEqual(await query(second.url, "SELECT * FROM kept"), [{ id: 1, note: "survives a restart" }]);
    assert.ok(second.url.includes(`:${encodeURIComponent(password)}@`));
  } finally {
    await second.stop();
  }
});

test("a killed previous run (orphaned postmaster, postmaster.pid left behind) does not stop the next start", { timeout: 120_000 }, async () => {
  const dir = await tmpDir();
  const script = path.join(dir, "owner.mts");
  await fs.writeFile(
    script,
    `import { startEmbeddedPostgres } from ${JSON.stringify(pathToFileURL(path.join(ROOT, "src/store/embedded-postgres.ts")).href)};
const server = await startEmbeddedPostgres({ dataDir: process.argv[2], durable: false });
console.log("READY " + JSON.stringify({ url: server.url, port: server.port }));
setInterval(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script, dir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let orphan: number | null = null;
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes("READY ") && Date.now() < deadline && child.exitCode === null) await sleep(100);
    const line = out.split("\n").find((l) => l.startsWith("READY "));
    assert.ok(line, `the owner process did not start postgres: ${out}`);
    const { url } = JSON.parse(line.slice("READY ".length));
    await query(url, "CREATE TABLE before_the_crash (id int)");
    await query(url, "INSERT INTO before_the_crash VALUES (7)");

    child.kill("SIGKILL");
    await within(exited, 10_000);
    assert.notEqual(child.signalCode, null, "the owner was killed");
    orphan = postmasterPid(path.join(dir, "pg"));
    assert.ok(orphan && isAlive(orphan), "the postmaster outlived its owner, as after a crash");

    const next = await startEmbeddedPostgres({ dataDir: dir, durable: false });
    try {
      assert.deepEqual(await query(next.url, "SELECT id FROM before_the_crash"), [{ id: 7 }]);
      assert.equal(isAlive(orphan), false, "the orphan was stopped");
      assert.notEqual(postmasterPid(path.join(dir, "pg")), orphan);
    } finally {
      await next.stop();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await stopOrphan(dir);
  }
});

test("a postmaster.pid naming a process that is gone, or not Postgres, is dropped (and that process left alone)", { timeout: 120_000 }, async () => {
  const dir = await tmpDir();
  const first = await startEmbeddedPostgres({ dataDir: dir, durable: false });
  await first.stop();
  const pidFile = path.join(dir, "pg", "postmaster.pid");
  for (const pid of [process.pid, 4_000_000]) {
    await fs.writeFile(pidFile, `${pid}\n${path.join(dir, "pg")}\n`);
    const server = await startEmbeddedPostgres({ dataDir: dir, durable: false });
    try {
      assert.deepEqual(await query(server.url, "SELECT 1 AS one"), [{ one: 1 }]);
    } finally {
      await server.stop();
    }
  }
  assert.ok(isAlive(process.pid));
});

test("dataDir null is a throwaway: its folder is removed on stop", { timeout: 120_000 }, async () => {
  const server = await startEmbeddedPostgres({ dataDir: null, durable: false });
  const root = path.dirname(server.dataDir);
  try {
    assert.ok(root.startsWith(os.tmpdir()));
    assert.ok(existsSync(path.join(server.dataDir, "PG_VERSION")));
    assert.deepEqual(await query(server.url, "SELECT 2 AS two"), [{ two: 2 }]);
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(root), false);
  assert.equal(await accepts(server.port), false);
});

// ---- the CLI, end to end ----

interface Cli {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function cli(args: string[], env: Record<string, string>): Cli {
  const base = { ...process.env };
  for (const k of Object.keys(base)) {
    if (/^(DATABASE_URL|BACKFILL_|NODE_TEST|PORT$|HOST$)/.test(k)) delete base[k];
  }
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...base, HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Polls /healthz until 200 (bounded); returns the milliseconds it took from `since`. */
async function healthy(c: Cli, port: number, since: number, limitMs = 20_000): Promise<number> {
  const deadline = since + limitMs;
  while (Date.now() < deadline) {
    if (c.child.exitCode !== null) throw new Error(`the server exited with ${c.child.exitCode}:\n${c.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200 && (await res.json()).ok === true) return Date.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`no /healthz 200 within ${limitMs} ms:\n${c.output()}`);
}

/** SIGTERM, then the exit code (bounded wait). */
async function terminate(c: Cli): Promise<number | null> {
  c.child.kill("SIGTERM");
  const code = await within(c.exited, 20_000);
  if (code === "timeout") throw new Error(`no exit within 20 s of SIGTERM:\n${c.output()}`);
  return code;
}

async function kill(c: Cli | null): Promise<void> {
  if (!c || c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill("SIGTERM");
  await within(c.exited, 10_000);
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** RSS of the postmaster the server started and of its backends (shared memory counted in each). */
function postgresRssKb(parent: number): { postmaster: number; all: number } {
  const children = (ppid: number) =>
    readdirPids().filter((pid) => {
      try {
        return Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) === ppid;
      } catch {
        return false;
      }
    });
  const postmaster = children(parent).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
    } catch {
      return false;
    }
  });
  if (!postmaster) return { postmaster: NaN, all: NaN };
  const pids = [postmaster, ...children(postmaster)];
  return { postmaster: rssKb(postmaster), all: pids.reduce((sum, pid) => sum + (rssKb(pid) || 0), 0) };
}

function readdirPids(): number[] {
  return readdirSync("/proc")
    .filter((f) => /^\d+$/.test(f))
    .map(Number);
}

async function post(port: number, url: string, token: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function get(port: number, url: string, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as any };
}

test("CLI: first start prints the admin token once; SIGTERM exits 0; a restart keeps the data and the token", { timeout: 180_000 }, async () => {
  const dir = await tmpDir("backfill-cli-test-");
  const port = await freePort();
  const env = { BACKFILL_DATA_DIR: dir, PORT: String(port) };
  let run: Cli | null = null;
  try {
    // First start: initdb, migrations, a generated admin token.
    let since = Date.now();
    run = cli(["serve"], env);
    const firstMs = await healthy(run, port, since, 60_000);
    await sleep(1500);
    const idleRss = rssKb(run.child.pid!);
    const pgRss = postgresRssKb(run.child.pid!);
    const first = run.output();
    const tokens = first.match(/bfadmin_[A-Za-z0-9_-]{20,}/g) ?? [];
    assert.equal(tokens.length, 1, `the admin token is printed exactly once:\n${first}`);
    const token = tokens[0]!;
    // No clinic yet: the one start-up line is the setup link, and the token travels in it.
    assert.match(first, new RegExp(`^Set up your clinic: http://localhost:${port}/setup\\?token=${token}$`, "m"), first);
    const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    assert.deepEqual([root.status, root.headers.get("location")], [303, "/setup"], "an empty database leads to the setup page");
    const form = await fetch(`http://127.0.0.1:${port}/setup?token=${token}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(form.status, 200, "the printed link opens the setup form");

    const clinic = await post(port, "/api/admin/clinics", token, { name: "CLI Clinic", timezone: "America/New_York" });
    assert.equal(clinic.status, 201);
    // Patient data must not reach the real (pino) log, whatever the request looks like.
    const secret = { firstName: "Perpetua", lastName: "Vandersloot", phone: "(617) 555-0177", email: "perpetua.v@example.org" };
    const patient = await post(port, "/api/booking/patients", clinic.body.apiKey, { ...secret, smsConsent: true });
    assert.equal(patient.status, 201);
    await post(port, "/api/booking/patients", clinic.body.apiKey, { ...secret, phone: "617-555" });
    await get(port, `/api/booking/patients?email=${encodeURIComponent(secret.email)}&phone=%2B16175550177`, clinic.body.apiKey);
    await get(port, `/api/booking/patients/${patient.body.id}`, clinic.body.apiKey);

    const code = await terminate(run);
    const log = run.output();
    assert.equal(code, 0, `exit code after SIGTERM:\n${log}`);
    for (const value of [...Object.values(secret), "+16175550177", "6175550177", clinic.body.apiKey]) {
      assert.ok(!log.toLowerCase().includes(value.toLowerCase()), `the server's output mentions ${value}`);
    }
    assert.match(log, /"statusCode":201/, "requests are logged (method, path, status)");
    assert.equal(log.split(token).length - 1, 1, "the admin token is printed once, in the setup line, and never logged (GET /setup?token=… included)");
    assert.equal(await accepts(port), false);
    assert.equal(existsSync(path.join(dir, "pg", "postmaster.pid")), false, "postgres was stopped with the server");

    // Second start on the same folder: no new token, the first one still works, the data is there.
    since = Date.now();
    run = cli(["serve"], env);
    const secondMs = await healthy(run, port, since);
    const second = run.output();
    assert.doesNotMatch(second, /bfadmin_|Admin token/, `no token the second time:\n${second}`);
    const again = await post(port, "/api/admin/clinics", token, { name: "Second Clinic", timezone: "Europe/Lisbon" });
    assert.equal(again.status, 201);
    const wrong = await post(port, "/api/admin/clinics", "bfadmin_not-the-token-0123456789", { name: "X", timezone: "UTC" });
    assert.equal(wrong.status, 401);
    const kept = await get(port, `/api/booking/patients/${patient.body.id}`, clinic.body.apiKey);
    assert.equal(kept.status, 200);
    assert.equal(kept.body.phone, "+16175550177");
    assert.equal(await terminate(run), 0);

    console.log(`# CLI cold start (initdb + migrate) to /healthz 200: ${firstMs} ms; warm restart: ${secondMs} ms`);
    console.log(
      `# CLI idle RSS: node ${(idleRss / 1024).toFixed(1)} MiB; postmaster ${(pgRss.postmaster / 1024).toFixed(1)} MiB, ` +
        `postgres processes together ${(pgRss.all / 1024).toFixed(1)} MiB (shared memory counted in each)`,
    );
  } finally {
    await kill(run);
    await stopOrphan(dir);
  }
});

test("CLI: serve --demo on memory:// prints an API key that lists the 20 demo waitlist entries; the folder goes at exit", { timeout: 180_000 }, async () => {
  const port = await freePort();
  let run: Cli | null = null;
  let clusterDir: string | null = null;
  try {
    const since = Date.now();
    run = cli(["serve", "--demo"], { BACKFILL_DATA_DIR: "memory://", PORT: String(port) });
    const ms = await healthy(run, port, since, 60_000);
    const deadline = Date.now() + 30_000;
    while (!/API key:\s+\S+/.test(run.output()) && Date.now() < deadline && run.child.exitCode === null) await sleep(100);
    const out = run.output();
    const key = /API key:\s+(\S+)/.exec(out)?.[1];
    assert.ok(key, `the demo prints its API key:\n${out}`);
    assert.match(out, /Demo clinic ".+" \(America\/New_York\) is ready/);
    clusterDir = /embedded \(([^)]+)\)/.exec(out)?.[1] ?? null;
    assert.ok(clusterDir && existsSync(clusterDir), `the throwaway cluster folder is named in the log:\n${out}`);

    const list = await get(port, "/api/booking/waitlist?limit=200", key);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 20);
    assert.equal(list.body.nextCursor, null);
    // On the list, or holding the offer the demo's own cancellation sent out.
    assert.ok(
      list.body.items.every((e: any) => e.status === "ACTIVE" || e.status === "NOTIFIED"),
      JSON.stringify(list.body.items.map((e: any) => e.status)),
    );
    const patients = await get(port, "/api/booking/patients?limit=200", key);
    assert.equal(patients.body.items.length, 30);
    console.log(`# CLI serve --demo (memory://) to /healthz 200: ${ms} ms`);

    assert.equal(await terminate(run), 0);
    assert.equal(existsSync(path.dirname(clusterDir)), false, "memory:// leaves no folder behind");
  } finally {
    await kill(run);
    if (clusterDir) {
      await stopOrphan(path.dirname(clusterDir));
      await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
    }
  }
});
