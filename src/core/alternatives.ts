// Alternatives offered when a patient tries to claim an opening that is already taken: the seed's
// scoring, kept weight for weight (VECTORS.md "Alternatives when a slot is taken") so existing clients
// see the same ordering. Pure: `now` and the clinic zone come in as arguments.
import { DateTime } from "luxon";
import { localDate, minutesOfDay } from "./time.ts";
import type { TimeWindow } from "./types.ts";

export interface AltOpening {
  id: string;
  start: Date;
  end: Date;
  providerId: string;
  providerName?: string;
}

export interface AltEntry {
  providerIds: string[];
  windows: TimeWindow[];
  preferredTime: string | null;
}

export interface Alternative {
  slotId: string;
  start: Date;
  end: Date;
  providerId: string;
  providerName: string | null;
  matchScore: number;
  matchReasons: string[];
}

const BASE = 100;
const SAME_PRACTITIONER = 30;
const PREFERRED_PRACTITIONER = 20;
const PER_HOUR_AWAY = 5;
const MAX_DISTANCE_PENALTY = 30;
const SAME_DAY = 25;
const IN_WINDOW = 15;
const PREFERRED_TIME = 10;
const HOUR_MS = 3_600_000;

export function scoreAlternative(original: AltOpening, alt: AltOpening, entry: AltEntry, zone: string): { score: number; reasons: string[] } {
  let score = BASE;
  const reasons: string[] = [];

  // The original's practitioner wins over the entry's preference: the patient already chose them for this visit.
  const preferred = entry.providerIds[0];
  if (alt.providerId === original.providerId) {
    score += SAME_PRACTITIONER;
    reasons.push("same practitioner");
  } else if (preferred !== undefined && alt.providerId === preferred) {
    score += PREFERRED_PRACTITIONER;
    reasons.push("preferred practitioner");
  }

  // Whole hours, truncated: 10:00 → 10:30 costs nothing, 10:00 → 16:45 is 6 h.
  const hours = Math.trunc(Math.abs(alt.start.getTime() - original.start.getTime()) / HOUR_MS);
  const penalty = Math.min(hours * PER_HOUR_AWAY, MAX_DISTANCE_PENALTY);
  score -= penalty;
  reasons.push(hours === 0 ? "0 whole hours away" : penalty === MAX_DISTANCE_PENALTY ? `${hours} h away (capped)` : `${hours} h away`);

  // "Same day" is the clinic's calendar day, not UTC's: an evening slot in New York is the next UTC day.
  if (localDate(alt.start, zone) === localDate(original.start, zone)) {
    score += SAME_DAY;
    reasons.push("same day");
  } else {
    reasons.push("other day");
  }

  const local = DateTime.fromJSDate(alt.start, { zone });
  const minute = local.hour * 60 + local.minute;
  if (entry.windows.length === 0) {
    // No windows means "any time" for matching, but there is nothing to be inside of, so no bonus.
    reasons.push("no windows set");
  } else if (entry.windows.some((w) => inWindow(w, local.weekday, minute))) {
    score += IN_WINDOW;
    reasons.push("in window");
  } else {
    reasons.push("outside window");
  }

  const preferredMinute = entry.preferredTime === null ? null : minutesOfDay(entry.preferredTime);
  if (preferredMinute !== null && Math.floor(preferredMinute / 60) === local.hour) {
    score += PREFERRED_TIME;
    reasons.push("preferred time");
  }

  // Unreachable with the seed weights (the floor is 100 − 30 = 70), kept so a future weight change stays safe.
  return { score: Math.max(0, score), reasons };
}

function inWindow(w: TimeWindow, weekday: number, minute: number): boolean {
  const start = minutesOfDay(w.start);
  const end = minutesOfDay(w.end);
  if (start === null || end === null) return false; // validated at the edge; a bad window simply never matches
  return w.weekdays.includes(weekday) && minute >= start && minute < end;
}

/**
 * The best alternatives among `candidates`: starting in (now, now + horizonHours], not the original,
 * by score, then earlier start, then id (so the answer never depends on the order rows came back in).
 * The caller passes only open openings for the same service; that filter needs the store.
 */
export function pickAlternatives(input: {
  original: AltOpening;
  entry: AltEntry;
  candidates: AltOpening[];
  zone: string;
  now: Date;
  horizonHours: number;
  limit?: number;
}): Alternative[] {
  const { original, entry, zone, now, horizonHours } = input;
  const limit = input.limit ?? 3;
  const from = now.getTime();
  const until = from + horizonHours * HOUR_MS;
  const scored = input.candidates
    .filter((c) => c.id !== original.id && c.start.getTime() > from && c.start.getTime() <= until)
    .map((c) => ({ c, ...scoreAlternative(original, c, entry, zone) }));
  scored.sort((a, b) => b.score - a.score || a.c.start.getTime() - b.c.start.getTime() || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
  return scored.slice(0, Math.max(0, limit)).map(({ c, score, reasons }) => ({
    slotId: c.id,
    start: c.start,
    end: c.end,
    providerId: c.providerId,
    providerName: c.providerName ?? null,
    matchScore: score,
    matchReasons: reasons,
  }));
}
