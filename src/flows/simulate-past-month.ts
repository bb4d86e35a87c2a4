// The sample data's past month, so Analytics has something to show on day one. Nothing here writes a
// result row: it books, cancels, checks in and answers texts through the real flows on a manual clock
// set to past instants, and runDue(now) does the rest (waves, offers, sends, holds, reminders) exactly
// as it would have then. Patients are fictional (555-01XX); messages go to the dev outbox.
import { DateTime } from "luxon";
import type { ManualClock } from "../clock.ts";
import { runDue } from "./run-due.ts";
import { listOutbox, type OutboxMessage } from "../store/outbox.ts";
import { addToWaitlist } from "./add-to-waitlist.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment, checkIn } from "./cancel-appointment.ts";
import type { Caller, Deps } from "./deps.ts";
import { recordDeliveryStatus } from "./delivery-status.ts";
import { handleInboundSms } from "./inbound-sms.ts";
import { listAppointmentsOf } from "./look-up.ts";
import { acceptByToken, declineByToken } from "./public-offer.ts";
import type { SampleClinic } from "./seed-demo.ts";
import { openingWithOffers, type NotificationView } from "./view-notifications.ts";

export const PAST_DAYS = 30;

export interface PastMonth {
  openings: number;
  accepted: number;
  declined: number;
  unanswered: number;
}

const must = <T>(r: { ok: true; value: T } | { ok: false; detail: string }, what: string): T => {
  if (!r.ok) throw new Error(`sample month, ${what}: ${r.detail}`);
  return r.value;
};

/**
 * Runs the month before `until` (the real now) on `clock`, which the flows in `deps` read. Bounded:
 * about four appointments and one cancellation per weekday, at most three offers per opening.
 */
export async function simulatePastMonth(
  deps: Deps,
  clock: ManualClock,
  caller: Caller,
  timezone: string,
  clinic: SampleClinic,
  until: Date,
): Promise<PastMonth> {
  const { providers, chairs, services, patients } = clinic;
  const today = DateTime.fromJSDate(until, { zone: timezone }).startOf("day");
  const first = today.minus({ days: PAST_DAYS });
  const at = (day: DateTime, hour: number, minute = 0) => day.set({ hour, minute }).toJSDate();
  const sent = new Map<string, OutboxMessage>(); // delivery id → what the patient received

  // Every piece of work due at `now`, as the worker would have done it then; then the provider says
  // each new message was delivered, and staff check in whoever has arrived.
  const step = async (now: Date) => {
    clock.set(now);
    for (const status of ["BOOKED", "CONFIRMED"] as const) {
      const started = await listAppointmentsOf(deps, caller, { from: first.toJSDate(), to: now, status }, { limit: 200, after: null });
      for (const a of started.items) {
        if (a.start.getTime() > now.getTime()) continue;
        clock.set(new Date(a.start.getTime() - 3 * 60_000)); // they arrived a little early, whenever this runs
        must(await checkIn(deps, caller, a.id), "check-in");
      }
      clock.set(now);
    }
    await runDue(deps, now);
    for (const m of await listOutbox(deps.db, caller.clinicId)) {
      if (sent.has(m.deliveryId)) continue;
      sent.set(m.deliveryId, m);
      await recordDeliveryStatus(deps, caller.clinicId, m.deliveryId, "DELIVERED", null);
    }
  };

  // Waitlist patients are the ones in the clinic's zone (no quiet-hours surprises in the plan); they
  // answer on the channel that reached them: a YES or NO text, or the email's link.
  const waiting = patients.filter((_, i) => i % 7 !== 3);
  const regulars = patients.filter((p) => !waiting.includes(p));
  const fitting = services.filter((s) => s.durationMinutes <= 60);
  const addEntries = async (day: DateTime, shift: number) => {
    clock.set(at(day, 8));
    for (const [i, p] of waiting.entries()) {
      must(
        await addToWaitlist(deps, caller, {
          patientId: p.id,
          serviceId: fitting[(i + shift) % fitting.length]!.id,
          priority: i % 6 === 0 ? "high" : "normal",
          latestDate: today.minus({ days: 1 }).toISODate(),
        }),
        "waitlist",
      );
    }
  };

  // The month's book, made on its first morning: a few visits a weekday, and a 14:00 cleaning with
  // Dr. Alvarez that its patient will call to cancel the day before.
  clock.set(at(first, 7));
  const cleaning = services[0]!;
  const toCancel = new Map<string, string>(); // day (ISO date) → appointment id
  let k = 0;
  for (let day = first.plus({ days: 1 }); day <= today; day = day.plus({ days: 1 })) {
    if (day.weekday > 5) continue;
    for (const [p, provider] of providers.entries()) {
      const service = services[(k + p) % services.length]!;
      const patient = regulars[k++ % regulars.length]!;
      must(
        await bookAppointment(deps, caller, {
          patientId: patient.id,
          providerId: provider.id,
          chairId: chairs[p]!.id,
          serviceId: service.id,
          start: at(day, 9 + 2 * p),
        }),
        "book",
      );
    }
    const patient = regulars[k++ % regulars.length]!;
    const visit = must(
      await bookAppointment(deps, caller, {
        patientId: patient.id,
        providerId: providers[0]!.id,
        chairId: chairs[0]!.id,
        serviceId: cleaning.id,
        start: at(day, 14),
      }),
      "book",
    );
    toCancel.set(day.toISODate()!, visit.id);
  }
  await addEntries(first, 0);

  // The patient's answer on the channel that reached them: a text back, or the link in the email.
  const reply = async (view: NotificationView, yes: boolean): Promise<boolean> => {
    const reached = view.deliveries
      .map((d) => sent.get(d.id))
      .reverse()
      .find((m) => m !== undefined);
    if (reached?.channel === "SMS") {
      must(await handleInboundSms(deps, { clinicId: caller.clinicId, from: reached.to, body: yes ? "YES" : "NO", providerMessageId: null }), "text reply");
      return true;
    }
    const token = reached?.links.map((l) => /\/o\/([^/?#]+)/.exec(l)?.[1]).find((t) => t !== undefined);
    if (!token) return false;
    if (yes) must(await acceptByToken(deps, token), "link accept");
    else must(await declineByToken(deps, token), "link decline");
    return true;
  };

  const month: PastMonth = { openings: 0, accepted: 0, declined: 0, unanswered: 0 };
  let answer = 0;
  let refilled = false;
  for (let day = first.plus({ days: 1 }); day < today; day = day.plus({ days: 1 })) {
    // One run of due work at each answer, none in between (bounded work): reminders and confirmations
    // due meanwhile go out at the next morning's run, and check-ins are dated at the visit's start.
    if (day.weekday > 5) continue;
    if (!refilled && day.diff(first, "days").days >= 14) {
      refilled = true; // a fresh batch of waitlist entries half way through
      await addEntries(day, 1);
    }
    const next = day.plus({ days: day.weekday === 5 ? 3 : 1 });
    const visit = next < today ? toCancel.get(next.toISODate()!) : undefined;
    if (visit) {
      clock.set(at(day, 9, 55));
      const cancelled = must(await cancelAppointment(deps, caller, visit, { by: "patient", reason: "sample: called to cancel", confirm: true }), "cancel");
      const opening = cancelled.cancelled ? cancelled.opening : null;
      let now = at(day, 10);
      await step(now);
      // Up to three offers of this opening: each patient says yes, says no, or lets the hold run out.
      for (let round = 0; opening && round < 3; round++) {
        const { offers } = must(await openingWithOffers(deps, caller, opening.id), "offers");
        const live = offers.find((o) => o.offer.status === "PENDING");
        if (!live) break;
        if (round === 0) month.openings++;
        const choice = answer++ % 7;
        if (choice <= 3) {
          now = new Date(now.getTime() + (6 + choice * 9) * 60_000);
          clock.set(now);
          if (await reply(live, true)) month.accepted++; // its confirmation goes out with the evening's run
          break;
        }
        if (choice === 4) {
          now = new Date(now.getTime() + 25 * 60_000);
          clock.set(now);
          if (await reply(live, false)) month.declined++;
        } else {
          now = new Date((live.offer.holdExpiresAt ?? now).getTime() + 60_000);
          month.unanswered++;
        }
        await step(now);
      }
    }
  }
  await step(until); // everyone who came until now checked in, and the month's due work done
  return month;
}
