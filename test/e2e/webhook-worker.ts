// A webhook worker for the webhook crash test (webhook-crash.test.ts), run as its own process so that it can be
// killed with SIGKILL: `node --import tsx test/e2e/webhook-worker.ts`. The real wiring (parseConfig, runDue)
// against DATABASE_URL, messages to the dev outbox. Its clock stands still at BACKFILL_WORKER_NOW: a restart
// is started later than the lease (60 s) a killed run left on the delivery it was sending.
//
// Prints one JSON line per runDue ({ run, webhooks, left }) and exits 0 once every webhook delivery has
// succeeded; exits 2 when some are left that it cannot send.
import { outboxChannels } from "../../src/channels/outbox.ts";
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

const pool = createPool(config.database.url, 4);
const clock = new ManualClock(new Date(at));
const log: Logger = {
  info: () => {},
  warn: () => {},
  error: (o, m) => process.stderr.write(`${JSON.stringify([m, o])}\n`),
};
const deps: Deps = { db: pool, clock, config, log, channels: outboxChannels(pool), payments: devGateway(pool) };

async function left(): Promise<number> {
  const { rows } = await pool.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'SUCCEEDED'");
  return rows[0].n;
}

let code = 2;
for (let run = 1; run <= 50; run++) {
  const drained = await runDue(deps, clock.now());
  const n = await left();
  process.stdout.write(`${JSON.stringify({ run, webhooks: drained.webhooks, left: n })}\n`);
  if (n === 0) {
    code = 0;
    break;
  }
  if (drained.webhooks === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
await pool.end();
process.exit(code);
