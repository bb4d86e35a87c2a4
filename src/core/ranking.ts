// Ranking candidates for an opening, with a score and the reasons a person can read.
//
// Order: priority first (urgent > high > normal: a tier is worth more than any fit), then fit, then
// time waited (first come, first served). Fairness: an entry passed over for earlier openings gains
// fit points, so the same person does not lose every time to a slightly better fit.
import { DateTime } from "luxon";
import { insideAnyWindow, windowAt } from "./matching.ts";
import { minutesBetween, minutesOfDay } from "./time.ts";
import type { Opening, Priority, WaitlistEntry } from "./types.ts";

export interface Candidate {
  entryId: string;
  patientId: string;
  rank: number;
  score: number;
  reasons: string[];
}

const TIER: Record<Priority, number> = { urgent: 2000, high: 1000, normal: 0 };
const WEEKDAY = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// Fit points: the preferred practitioner matters most to patients (30), then getting the very
// service that was cancelled (20: the slot was sized for it), then their stated window (15) and
// time of day (10), then how fully the service uses the opening (up to 10). Passed over: +5 each,
// up to +25, so three misses outweigh a window. Waiting: +1 a week, up to +10.
export function scoreEntry(opening: Opening, entry: WaitlistEntry, durationMinutes: number, now: Date, zone: string) {
  const reasons: string[] = [];
  let fit = 0;
  if (entry.priority !== "normal") reasons.push(`${entry.priority} priority`);
  if (entry.providerIds[0] === opening.providerId) {
    fit += 30;
    reasons.push("preferred provider");
  } else if (entry.providerIds.includes(opening.providerId)) {
    fit += 15;
    reasons.push("accepts this provider");
  }
  if (opening.serviceId !== null && opening.serviceId === entry.serviceId) {
    fit += 20;
    reasons.push("same service as the freed appointment");
  }
  if (entry.windows.length > 0 && insideAnyWindow(opening.start, durationMinutes, entry.windows, zone)) {
    const w = windowAt(opening.start, entry.windows, zone);
    fit += 15;
    reasons.push(w ? `inside their ${w.weekdays.map((d) => WEEKDAY[d]).join("/")} ${w.start}–${w.end} window` : "inside their window");
  }
  if (entry.preferredTime) {
    const local = DateTime.fromJSDate(opening.start, { zone });
    const gap = Math.abs(local.hour * 60 + local.minute - minutesOfDay(entry.preferredTime)!);
    if (local.hour === Number(entry.preferredTime.slice(0, 2))) {
      fit += 10;
      reasons.push(`at their preferred time ${entry.preferredTime}`);
    } else if (gap <= 60) {
      fit += 5;
      reasons.push(`near their preferred time ${entry.preferredTime}`);
    }
  }
  const use = Math.min(1, durationMinutes / minutesBetween(opening.start, opening.end));
  fit += Math.round(use * 10);
  if (use >= 0.99) reasons.push("fills the opening exactly");
  if (entry.passedOverCount > 0) {
    fit += Math.min(25, entry.passedOverCount * 5);
    reasons.push(`passed over ${entry.passedOverCount} time${entry.passedOverCount === 1 ? "" : "s"}`);
  }
  const days = Math.floor(minutesBetween(entry.createdAt, now) / 1440);
  fit += Math.min(10, Math.floor(days / 7));
  reasons.push(`waiting ${days} day${days === 1 ? "" : "s"}`);
  return { score: TIER[entry.priority] + fit, reasons };
}

/** Best first; ties go to whoever has waited longer, then by id so the order is total. */
export function rankCandidates(opening: Opening, entries: { entry: WaitlistEntry; durationMinutes: number }[], now: Date, zone: string): Candidate[] {
  return entries
    .map(({ entry, durationMinutes }) => ({ entry, ...scoreEntry(opening, entry, durationMinutes, now, zone) }))
    .sort(
      (a, b) =>
        b.score - a.score || a.entry.createdAt.getTime() - b.entry.createdAt.getTime() || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0),
    )
    .map((c, i) => ({ entryId: c.entry.id, patientId: c.entry.patientId, rank: i + 1, score: c.score, reasons: c.reasons }));
}
