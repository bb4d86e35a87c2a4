// Quiet hours: nothing is sent to a patient between `start` and `end` of their local wall clock
// (DESIGN.md "Channels and compliance"). Pure: every instant comes in as an argument.
//
// Why segments instead of "build the local end time with Luxon": around DST changes a wall time can
// be missing (spring forward) or happen twice (fall back). Between two offset transitions the wall
// clock is just `instant + offset`, so inside such a segment the answer is plain arithmetic; we walk
// segment by segment and let each transition re-evaluate. That gives "first instant after the gap"
// and "the repeated hour is quiet too" without special cases.
import { IANAZone } from "luxon";
import { minutesOfDay } from "./time.ts";

export interface QuietHours {
  start: string;
  end: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The zone used for a patient: theirs when set, else the clinic's. */
export function patientZone(patientTimezone: string | null, clinicZone: string): string {
  // An empty string is what a cleared form field stores; it means "not set", not "UTC".
  return patientTimezone !== null && patientTimezone !== "" ? patientTimezone : clinicZone;
}

export function isQuiet(at: Date, zone: string, quiet: QuietHours): boolean {
  const span = parseSpan(quiet);
  return quietWall(at.getTime() + offsetMs(zoneOf(zone), at.getTime()), span);
}

/** `now` itself when sending is allowed now, else the first instant the quiet span ends. */
export function nextAllowedSend(now: Date, zone: string, quiet: QuietHours): Date {
  const span = parseSpan(quiet);
  const z = zoneOf(zone);
  let t = now.getTime();
  if (!quietWall(t + offsetMs(z, t), span)) return now; // the same object: callers may compare by identity
  // Each pass ends at the quiet span's end or at a transition; more than a few passes is a bug.
  for (let pass = 0; pass < 8; pass++) {
    const o = offsetMs(z, t);
    const wall = t + o;
    if (!quietWall(wall, span)) return new Date(t);
    const candidate = t + (mod(span.end * MINUTE - wall, DAY) || DAY);
    const change = firstChangeForward(z, t, candidate, o);
    if (change === null) return new Date(candidate);
    t = change; // wall clock jumped: look again from the first instant of the new offset
  }
  throw new Error(`nextAllowedSend: no allowed instant found after ${now.toISOString()} in ${zone}`);
}

/** Spreads a deferred backlog: item `index` goes out floor(index / perMinute) minutes after `windowStart`. */
export function spreadSend(windowStart: Date, index: number, perMinute: number): Date {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`spreadSend: bad index ${index}`);
  if (!Number.isFinite(perMinute) || perMinute < 1) throw new RangeError(`spreadSend: bad perMinute ${perMinute}`);
  return new Date(windowStart.getTime() + Math.floor(index / perMinute) * MINUTE);
}

/**
 * The last instant at or before `limit` when sending is allowed, or null if none in the 24 h before it.
 * When `limit` is quiet the answer is the start of the last allowed wall-clock minute (e.g. 20:59:00),
 * a whole minute rather than 20:59:59.999, so reminders land on readable times.
 */
export function lastAllowedBefore(limit: Date, zone: string, quiet: QuietHours): Date | null {
  const span = parseSpan(quiet);
  const z = zoneOf(zone);
  const earliest = limit.getTime() - DAY;
  let t = limit.getTime();
  if (!quietWall(t + offsetMs(z, t), span)) return limit;
  t = Math.floor(t / MINUTE) * MINUTE; // same wall minute, so still quiet
  for (let pass = 0; pass < 8 && t >= earliest; pass++) {
    const o = offsetMs(z, t);
    const wall = t + o;
    if (!quietWall(wall, span)) return new Date(t);
    // One minute before the most recent wall-clock `start`: the last allowed minute in this segment.
    const candidate = t - mod(wall - span.start * MINUTE, DAY) - MINUTE;
    const segmentStart = firstChangeBackward(z, t, candidate, o);
    if (segmentStart === null) return candidate >= earliest ? new Date(candidate) : null;
    t = Math.floor((segmentStart - 1) / MINUTE) * MINUTE; // last minute under the previous offset
  }
  return null;
}

// ---- internals ----

interface Span {
  start: number;
  end: number;
}

function parseSpan(quiet: QuietHours): Span {
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  // Settings are validated at the edge; a bad value here is a programming error, not user input.
  if (start === null || end === null) throw new RangeError(`quiet hours must be HH:MM, got ${quiet.start}–${quiet.end}`);
  return { start, end };
}

/** Quiet covers [start, end) of the wall clock; start > end wraps midnight; start = end means no quiet hours. */
function quietWall(wallMs: number, span: Span): boolean {
  const m = Math.floor(mod(wallMs, DAY) / MINUTE);
  if (span.start === span.end) return false;
  return span.start < span.end ? m >= span.start && m < span.end : m >= span.start || m < span.end;
}

function zoneOf(zone: string): IANAZone {
  const z = IANAZone.create(zone);
  if (!z.isValid) throw new RangeError(`unknown time zone ${zone}`);
  return z;
}

function offsetMs(zone: IANAZone, ts: number): number {
  return zone.offset(ts) * MINUTE;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The first instant in (from, to] whose offset differs from `o`, or null. Zones change at most once an hour. */
function firstChangeForward(zone: IANAZone, from: number, to: number, o: number): number | null {
  for (let prev = from; prev < to; ) {
    const next = Math.min(prev + HOUR, to);
    if (offsetMs(zone, next) !== o) return boundary(zone, prev, next);
    prev = next;
  }
  return null;
}

/** The first instant of the offset-`o` segment containing `from`, if it begins in (to, from]; else null. */
function firstChangeBackward(zone: IANAZone, from: number, to: number, o: number): number | null {
  for (let prev = from; prev > to; ) {
    const next = Math.max(prev - HOUR, to);
    if (offsetMs(zone, next) !== o) return boundary(zone, next, prev);
    prev = next;
  }
  return null;
}

/** Binary search (to the millisecond) for the first instant in (lo, hi] with hi's offset. */
function boundary(zone: IANAZone, lo: number, hi: number): number {
  const before = offsetMs(zone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
