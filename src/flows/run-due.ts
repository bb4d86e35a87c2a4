// Every piece of due work, in the order that lets one round see what the round before it did. The rows are
// the queue: openings with next_wave_at, offers with a hold end, deliveries with a due time, appointments
// with a reminder due. runDue(now) drains everything due at `now`; jobs/runner.ts decides when it runs.
import type { Deps } from "./deps.ts";
import { advanceDueOpenings } from "./advance-openings.ts";
import { deliverDueWebhooks } from "./deliver-webhooks.ts";
import { dispatchDue, reconcileStale } from "./dispatch-deliveries.ts";
import { expireDueEntries } from "./expire-entries.ts";
import { expireDueHolds } from "./expire-holds.ts";
import { clearStaleCancellerFlags } from "./flag-cancellers.ts";
import { markDueNoShows } from "./mark-no-shows.ts";
import { sendDueReminders } from "./send-reminders.ts";
import { sweepPayments } from "./sweep-payments.ts";

export interface Drained {
  waves: number;
  sent: number;
  expired: number;
  noShows: number;
  reminders: number;
  /** Webhook deliveries attempted. */
  webhooks: number;
}

/** Runs every piece of due work until nothing is due at `now` (bounded, in case of a bug). */
export async function runDue(deps: Deps, now: Date): Promise<Drained> {
  const total: Drained = { waves: 0, sent: 0, expired: 0, noShows: 0, reminders: 0, webhooks: 0 };
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
    // Last: the events this round's changes wrote go out in the same round.
    const webhooks = await deliverDueWebhooks(deps, now);
    total.expired += expired;
    total.waves += waves;
    total.sent += sent;
    total.noShows += noShows;
    total.reminders += reminders;
    total.webhooks += webhooks;
    if (noShows + expired + entriesExpired + waves + reminders + sent + webhooks === 0) break;
  }
  return total;
}
