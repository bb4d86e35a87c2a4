// "Fill the clinic with demo data" at first-run setup: the demo's people, rooms, services, a week of
// appointments and a waitlist (seed-demo.ts), after a simulated past month (simulate-past-month.ts).
// All of it is one transaction (store/one-transaction.ts): the background worker, reading with the real
// clock, never sees a past appointment or hold half-way, and a failure leaves the clinic empty.
import { outboxChannels } from "../channels/outbox.ts";
import { ManualClock } from "../clock.ts";
import { runDue } from "./run-due.ts";
import { devGateway } from "../payments/dev-gateway.ts";
import { inOneTransaction } from "../store/one-transaction.ts";
import type { Caller, Deps } from "./deps.ts";
import { addSampleResources, addSampleWeek } from "./seed-demo.ts";
import { PAST_DAYS, simulatePastMonth, type PastMonth } from "./simulate-past-month.ts";

export interface SampleSummary {
  patients: number;
  appointments: number;
  waitlistEntries: number;
  pastMonth: PastMonth;
}

export async function fillWithSampleData(deps: Deps, caller: Caller, timezone: string): Promise<SampleSummary> {
  const now = deps.clock.now();
  return inOneTransaction(deps.db, async (db) => {
    const clock = new ManualClock(new Date(now.getTime() - (PAST_DAYS + 1) * 86_400_000));
    // Fictional patients: their messages go to the dev outbox even when real channels are configured,
    // and the dev gateway's ledger lives in the same transaction.
    const sample: Deps = { ...deps, db, clock, channels: outboxChannels(db), payments: devGateway(db), live: undefined };
    const clinic = await addSampleResources(sample, caller);
    const pastMonth = await simulatePastMonth(sample, clock, caller, timezone, clinic, now);
    clock.set(now);
    const week = await addSampleWeek(sample, caller, timezone, clinic);
    await runDue(sample, now);
    return { patients: clinic.patients.length, appointments: week.appointments, waitlistEntries: week.entries, pastMonth };
  });
}
