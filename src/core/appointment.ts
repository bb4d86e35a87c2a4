// Appointment rules: which statuses hold time, and the cancel and check-in transitions.
import { fail, ok, type Result } from "./result.ts";
import { addMinutes } from "./time.ts";
import type { Appointment, AppointmentStatus } from "./types.ts";

/** Statuses that occupy the provider's and chair's time (the exclusion constraints use the same list). */
export const ACTIVE_APPOINTMENT_STATUSES: readonly AppointmentStatus[] = ["BOOKED", "CONFIRMED", "CHECKED_IN", "COMPLETED"];

export function isActive(status: AppointmentStatus): boolean {
  return ACTIVE_APPOINTMENT_STATUSES.includes(status);
}

/** `end` defaults to start + the service's duration. */
export function appointmentEnd(start: Date, end: Date | undefined, durationMinutes: number): Date {
  return end ?? addMinutes(start, durationMinutes);
}

export interface Interval {
  start: Date;
  end: Date;
}

// An opening shorter than this is not worth offering (no service is this short).
export const MIN_OPENING_MINUTES = 5;

/**
 * Cancelling frees the appointment's time. What is still ahead of `now` becomes an opening:
 * all of it for a future appointment, the rest (from the next whole 5 minutes) of one in progress,
 * nothing for one that is over.
 */
export function decideCancel(a: Appointment, now: Date): Result<{ freed: Interval | null }> {
  if (a.status !== "BOOKED" && a.status !== "CONFIRMED") {
    return fail("conflict", `appointment is ${a.status} and cannot be cancelled`);
  }
  if (a.start.getTime() > now.getTime()) return ok({ freed: { start: a.start, end: a.end } });
  const step = 5 * 60_000;
  const from = new Date(Math.ceil(now.getTime() / step) * step);
  if (a.end.getTime() - from.getTime() < MIN_OPENING_MINUTES * 60_000) return ok({ freed: null });
  return ok({ freed: { start: from, end: a.end } });
}

export function decideCheckIn(a: Appointment): Result<AppointmentStatus> {
  if (a.status === "BOOKED" || a.status === "CONFIRMED") return ok("CHECKED_IN");
  return fail("conflict", `appointment is ${a.status} and cannot be checked in`);
}
