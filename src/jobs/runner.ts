// The due-work runner: when runDue (flows/run-due.ts) runs — woken by LISTEN/NOTIFY and a timer in the
// background, or alone for the test clock. The rows are the queue and each sweep claims rows with FOR
// UPDATE SKIP LOCKED, so any number of app instances can run it against one database.
import { ManualClock } from "../clock.ts";
import type { Deps } from "../flows/deps.ts";
import { alone, asWorkerRound } from "../flows/due-work-gate.ts";
import { type Drained, runDue } from "../flows/run-due.ts";

// The drain itself is a flow (flows/run-due.ts: it only calls flows); this file decides when it runs.
export { type Drained, runDue };

/**
 * The test clock's drain: runDue once no other worker is mid-round, with other rounds kept out until it
 * is done, so that when it returns nothing due at `now` is left, whoever had claimed it (API.md).
 */
export function drainDue(deps: Deps, now: Date): Promise<Drained> {
  return alone(deps, () => runDue(deps, now));
}

export interface Worker {
  /** Runs due work now (and again if work arrives meanwhile); resolves when drained. */
  poke(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs due work in the background: woken at once by LISTEN backfill_work (written by triggers at
 * commit), and every `intervalMs` for work that only became due with time (holds, deferred sends).
 */
export async function startWorker(deps: Deps, intervalMs = 5_000): Promise<Worker> {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const poke = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await asWorkerRound(deps, () => runDue(deps, deps.clock.now()));
        } catch (e) {
          deps.log.error({ err: { message: e instanceof Error ? e.message : String(e) } }, "due work failed");
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  };
  const listener = await deps.db.connect();
  listener.on("notification", () => void poke());
  await listener.query("LISTEN backfill_work");
  const timer = setInterval(() => void poke(), intervalMs);
  timer.unref();
  void poke();
  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await listener.query("UNLISTEN *").catch(() => {});
      listener.release();
      await running;
    },
  };
}

/**
 * What the service starts to run due work. On a clock that only moves when told (BACKFILL_TEST_CLOCK),
 * nothing: whoever moves the clock drains (POST /api/dev/clock), and a worker woken by LISTEN or a timer
 * would only claim rows under that request and make it answer before the work is done.
 */
export async function startDueWork(deps: Deps): Promise<Worker | null> {
  if (deps.clock instanceof ManualClock) return null;
  return startWorker(deps);
}
