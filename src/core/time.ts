// Small pure helpers for instants, local times of day and zones. Time always comes in as an argument.
import { DateTime, IANAZone } from "luxon";

/** True for an IANA zone name Luxon (ICU) knows, e.g. "America/New_York". Offsets like "+02:00" are not zones. */
export function isTimeZone(name: string): boolean {
  return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name) && IANAZone.isValidZone(name);
}

/**
 * The canonical spelling of a zone ("america/new_york" → "America/New_York", "US/Eastern" →
 * "America/New_York"), so that comparing two zones compares zones; null when it is not one.
 */
export function canonicalZone(name: string): string | null {
  if (!isTimeZone(name)) return null;
  return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight for "HH:MM", or null when it is not a time of day. */
export function minutesOfDay(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function addMinutes(at: Date, minutes: number): Date {
  return new Date(at.getTime() + minutes * 60_000);
}

export function minutesBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 60_000;
}

/** The calendar date ("YYYY-MM-DD") of an instant in a zone. */
export function localDate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate()!;
}

/** True when "YYYY-MM-DD" names a real calendar date. */
export function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: "UTC" }).isValid;
}
