// Waitlist entry rules: what a well-formed request is, and which status changes staff may make.
import { fail, ok, type FieldError, type Result } from "./result.ts";
import { isCalendarDate, minutesOfDay } from "./time.ts";
import type { EntryStatus, TimeWindow } from "./types.ts";

export interface EntryPreferences {
  windows?: TimeWindow[];
  earliestDate?: string | null;
  latestDate?: string | null;
  preferredTime?: string | null;
  providerIds?: string[];
  chairIds?: string[];
}

/** Checks what a schema cannot: real dates, ordered windows and dates, no repeats. */
export function checkPreferences(p: EntryPreferences): FieldError[] {
  const errors: FieldError[] = [];
  for (const [i, w] of (p.windows ?? []).entries()) {
    const start = minutesOfDay(w.start);
    const end = minutesOfDay(w.end);
    if (start === null) errors.push({ path: `/windows/${i}/start`, message: "must be HH:MM" });
    if (end === null) errors.push({ path: `/windows/${i}/end`, message: "must be HH:MM" });
    if (start !== null && end !== null && end <= start) {
      errors.push({ path: `/windows/${i}/end`, message: "must be after start" });
    }
    if (w.weekdays.length === 0) errors.push({ path: `/windows/${i}/weekdays`, message: "must name at least one weekday" });
    if (new Set(w.weekdays).size !== w.weekdays.length) {
      errors.push({ path: `/windows/${i}/weekdays`, message: "must not repeat a weekday" });
    }
  }
  for (const key of ["earliestDate", "latestDate"] as const) {
    const v = p[key];
    if (v != null && !isCalendarDate(v)) errors.push({ path: `/${key}`, message: "must be a date YYYY-MM-DD" });
  }
  if (p.earliestDate && p.latestDate && isCalendarDate(p.earliestDate) && isCalendarDate(p.latestDate)) {
    if (p.earliestDate > p.latestDate) errors.push({ path: "/latestDate", message: "must not be before earliestDate" });
  }
  if (p.preferredTime != null && minutesOfDay(p.preferredTime) === null) {
    errors.push({ path: "/preferredTime", message: "must be HH:MM" });
  }
  for (const key of ["providerIds", "chairIds"] as const) {
    const ids = p[key] ?? [];
    if (new Set(ids).size !== ids.length) errors.push({ path: `/${key}`, message: "must not repeat an id" });
  }
  return errors;
}

/** Entries that are finished: a booking was made or staff removed it. */
export function isClosed(status: EntryStatus): boolean {
  return status === "BOOKED" || status === "REMOVED";
}

/**
 * Staff may edit an entry while it is not closed; the only status they set by hand is ACTIVE
 * (put an EXPIRED, UNREACHABLE or EXHAUSTED entry back on the list: its count starts again).
 */
export function decideEdit(current: EntryStatus, requested: EntryStatus | undefined): Result<{ status: EntryStatus; resetCount: boolean }> {
  if (isClosed(current)) return fail("conflict", `waitlist entry is ${current} and cannot be changed`);
  if (requested === undefined || requested === current) return ok({ status: current, resetCount: false });
  if (requested !== "ACTIVE") {
    return fail("validation_failed", "status can only be set to ACTIVE (use DELETE to remove)", {
      errors: [{ path: "/status", message: "can only be set to ACTIVE" }],
    });
  }
  if (current === "NOTIFIED") return fail("conflict", "waitlist entry has a live offer; it becomes ACTIVE when that ends");
  return ok({ status: "ACTIVE", resetCount: true });
}

export function decideRemove(current: EntryStatus): Result<EntryStatus> {
  if (isClosed(current)) return fail("conflict", `waitlist entry is ${current} and cannot be removed`);
  return ok("REMOVED");
}
