// Starting and stopping the service: database (embedded or server), migrations, HTTP.
import pg from "pg";
import { configureChannels } from "./channels/configure.ts";
import { ManualClock, systemClock, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { ensureAdminToken } from "./flows/authenticate.ts";
import { ensurePushKeys } from "./flows/push-keys.ts";
import type { Deps, Logger } from "./flows/deps.ts";
import { buildApp, type App } from "./http/app.ts";
import { startDueWork } from "./jobs/runner.ts";
import { createLogger } from "./log.ts";
import { devGateway } from "./payments/dev-gateway.ts";
import { createPool } from "./store/db.ts";
import { startEmbeddedPostgres } from "./store/embedded-postgres.ts";
import { startLiveEvents } from "./store/live-events.ts";
import { migrate } from "./store/migrate.ts";

// The CLI names a refused start by this error; it reaches the store through the composition root.
export { MigrationError } from "./store/migrate.ts";

export interface Database {
  url: string;
  /** "embedded" or "server", for the start-up line. */
  kind: string;
  stop(): Promise<void>;
}

/** The embedded default (a database `backfill` in the data folder) or the server of DATABASE_URL. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.database.kind === "server") return { url: config.database.url, kind: "server", stop: async () => {} };
  const { dataDir, throwaway } = config.database;
  const server = await startEmbeddedPostgres({
    dataDir: throwaway ? null : dataDir,
    onLog: (line) => /FATAL|PANIC|ERROR/.test(line) && log.warn({ postgres: line.trim() }, "embedded postgres"),
  });
  const admin = new pg.Client(server.url);
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'backfill'");
    if (rowCount === 0) await admin.query("CREATE DATABASE backfill");
  } finally {
    await admin.end();
  }
  return { url: server.url.replace(/\/postgres$/, "/backfill"), kind: `embedded (${server.dataDir})`, stop: () => server.stop() };
}

/** `backfill migrate`: applies the migrations and stops; the numbers of those it applied, in order. */
export async function migrateDatabase(config: Config, log: Logger): Promise<number[]> {
  const database = await openDatabase(config, log);
  const pool = createPool(database.url, 2);
  try {
    return await migrate(pool);
  } finally {
    await pool.end();
    await database.stop();
  }
}

export interface Service {
  app: App;
  deps: Deps;
  clock: Clock;
  /** The admin token, only on the first start that generated it. */
  generatedAdminToken: string | null;
  /** Which adapter carries each channel. */
  live: Record<string, string>;
  stop(): Promise<void>;
}

export async function startService(config: Config): Promise<Service> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  const db = createPool(database.url);
  try {
    await migrate(db);
  } catch (e) {
    await db.end();
    await database.stop();
    throw e;
  }
  const clock = config.testClock && !config.production ? new ManualClock(new Date()) : systemClock;
  const push = await ensurePushKeys(db, config, clock.now());
  const configured = configureChannels(config, db, push);
  const live = await startLiveEvents(db, logger);
  // The dev gateway stands for an outside service: its own few connections, so a payment made while a
  // request holds one of the app pool's connections (the claim's opening lock) never waits on that pool.
  const ledger = createPool(database.url, 4);
  const deps: Deps = { db, clock, config, log: logger, channels: configured.channels, payments: devGateway(ledger), pushPublicKey: push.publicKey, live };
  const generatedAdminToken = await ensureAdminToken(deps);
  const app = await buildApp(deps, { logger });
  await app.listen({ port: config.port, host: config.host });
  // No background worker on the test clock: POST /api/dev/clock is then the only driver (runner.ts).
  const worker = await startDueWork(deps);
  logger.info({ database: database.kind, port: config.port, channels: configured.live }, "backfill is serving");

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close();
      await live.stop();
      await worker?.stop();
      await configured.close();
      await ledger.end();
      await db.end();
      await database.stop();
    })());
  return { app, deps, clock, generatedAdminToken, live: configured.live, stop };
}
