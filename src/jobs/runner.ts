// The due-work runner. The rows are the queue: openings with next_wave_at, offers with a hold end,
// deliveries with a due time, appointments with a reminder due. Each sweep claims rows with FOR UPDATE
// SKIP LOCKED, so any number of app instances can run it against one database. runDue(now) drains
// everything due at `now`.
import { ManualClock } from "../clock.ts";
import { advanceDueOpenings } from "../flows/advance-openings.ts";
import type { Deps } from "../flows/deps.ts";
import { dispatchDue, reconcileStale } from "../flows/dispatch-deliveries.ts";
import { expireDueEntries } from "../flows/expire-entries.ts";
import { expireDueHolds } from "../flows/expire-holds.ts";
import { clearStaleCancellerFlags } from "../flows/flag-cancellers.ts";
import { markDueNoShows } from "../flows/mark-no-shows.ts";
import { sweepPayments } from "./payments.ts";
import { sendDueReminders } from "../flows/send-reminders.ts";
import { alone, asWorkerRound } from "../flows/due-work-gate.ts";

export interface Drained {
  waves: number;
  sent: number;
  expired: number;
  noShows: number;
  reminders: number;
}

/** Runs every piece of due work until nothing is due at `now` (bounded, in case of a bug). */
export async function runDue(deps: Deps, now: Date): Promise<Drained> {
  const total: Drained = { waves: 0, sent: 0, expired: 0, noShows: 0, reminders: 0 };
  await clearStaleCancellerFlags(deps, now);
  for (let round = 0; round < 200; round++) {
    await sweepPayments(deps, now); // first: a lapsed claim's offer and opening are then seen by the sweeps below
    const noShows = await markDueNoShows(deps, now);
    const expired = await expireDueHolds(deps, now);
    // After hold expiry: an entry whose offer just ended and whose latest date has passed expires now.
    const entriesExpired = await expireDueEntries(deps, now);
    const waves = await advanceDueOpenings(deps, now);
    // Before dispatch, so a reminder queued in this round goes out in the same round.
    const reminders = await sendDueReminders(deps, now);
    const sent = (await reconcileStale(deps, now)) + (await dispatchDue(deps, now));
    total.expired += expired;
    total.waves += waves;
    total.sent += sent;
    total.noShows += noShows;
    total.reminders += reminders;
    if (noShows + expired + entriesExpired + waves + reminders + sent === 0) break;
  }
  return total;
}

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
