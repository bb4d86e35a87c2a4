// The due-work runner. The rows are the queue: openings with next_wave_at, offers with a hold end,
// deliveries with a due time, appointments with a reminder due. Each sweep claims rows with FOR UPDATE
// SKIP LOCKED, so any number of app instances can run it against one database. runDue(now) drains
// everything due at `now`.
import { advanceOpening } from "../flows/advance-opening.ts";
import type { Deps } from "../flows/deps.ts";
import { dispatchDue, reconcileStale } from "../flows/dispatch-deliveries.ts";
import { expireDueEntries } from "../flows/expire-entries.ts";
import { expireDueHolds } from "../flows/expire-holds.ts";
import { clearStaleCancellerFlags } from "../flows/flag-cancellers.ts";
import { markDueNoShows } from "../flows/mark-no-shows.ts";
import { sweepPayments } from "./payments.ts";
import { sendDueReminders } from "../flows/send-reminders.ts";
import { inTransaction } from "../store/db.ts";
import { lockDueOpenings } from "../store/openings.ts";

export interface Drained {
  waves: number;
  sent: number;
  expired: number;
  noShows: number;
  reminders: number;
}

async function advanceDueOpenings(deps: Deps, now: Date, limit = 50): Promise<number> {
  const backlog = { index: 0 };
  let done = 0;
  for (; done < limit; done++) {
    // One opening per transaction: a slow wave never holds other openings' locks.
    const advanced = await inTransaction(deps.db, async (tx) => {
      const [opening] = await lockDueOpenings(tx, now, 1);
      if (!opening) return false;
      await advanceOpening(tx, opening, now, backlog);
      return true;
    });
    if (!advanced) break;
  }
  return done;
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
          await runDue(deps, deps.clock.now());
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
