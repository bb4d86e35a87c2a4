// A send worker for the crash test (crash.test.ts), run as its own process so that it can be killed with
// SIGKILL: `node --import tsx test/e2e/send-worker.ts`. The real wiring (parseConfig, configureChannels,
// runDue) against DATABASE_URL and the TWILIO_* of its environment. Its clock stands still at
// BACKFILL_WORKER_NOW: each restart is started 10 minutes later than the last, so the SENDING rows a
// killed run left behind are stale (5 minutes) and reconciled with the provider.
//
// Prints one JSON line per runDue ({ run, sent, left }) and exits 0 once nothing is QUEUED or SENDING;
// exits 2 when rows are left that it cannot take (bounded wait for another process's locks).
import { configureChannels } from "../../src/channels/configure.ts";
import { ManualClock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import type { Deps, Logger } from "../../src/flows/deps.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { devGateway } from "../../src/payments/dev-gateway.ts";
import { createPool } from "../../src/store/db.ts";

const at = process.env.BACKFILL_WORKER_NOW;
if (!at || Number.isNaN(Date.parse(at))) throw new Error("BACKFILL_WORKER_NOW must be an ISO instant");
const config = parseConfig(process.env);
if (config.database.kind !== "server") throw new Error("DATABASE_URL is required");
if (!config.channels.twilio) throw new Error("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are required");

const pool = createPool(config.database.url, 4);
const clock = new ManualClock(new Date(at));
const log: Logger = {
  info: () => {},
  warn: () => {},
  error: (o, m) => process.stderr.write(`${JSON.stringify([m, o])}\n`),
};
const channels = configureChannels(config, pool, null);
const deps: Deps = { db: pool, clock, config, log, channels: channels.channels, payments: devGateway(pool) };

async function left(): Promise<number> {
  const { rows } = await pool.query("SELECT count(*)::int AS n FROM deliveries WHERE status IN ('QUEUED', 'SENDING')");
  return rows[0].n;
}

let code = 2;
for (let run = 1; run <= 250; run++) {
  const drained = await runDue(deps, clock.now());
  const n = await left();
  process.stdout.write(`${JSON.stringify({ run, sent: drained.sent, left: n })}\n`);
  if (n === 0) {
    code = 0;
    break;
  }
  // Rows still locked by a killed run's connection until PostgreSQL notices it is gone: wait, bounded.
  if (drained.sent === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
await channels.close();
await pool.end();
process.exit(code);
