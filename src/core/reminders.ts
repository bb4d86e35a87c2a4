// When an appointment reminder goes out (API.md "Lifecycle", Reminders). Pure: every instant is an argument.
import { isQuiet, lastAllowedBefore, nextAllowedSend, type QuietHours } from "./quiet-hours.ts";

const HOUR = 3_600_000;
/** A reminder deferred to the end of quiet hours must still arrive at least this long before the start. */
export const MIN_DEFERRED_LEAD_MS = 2 * HOUR;

export interface ReminderInput {
  start: Date;
  /** Settings `reminderHoursBefore`; may be fractional, must be ≥ 0. */
  hoursBefore: number;
  /** The patient's zone (see patientZone). */
  zone: string;
  quiet: QuietHours;
}

/**
 * The instant to send the reminder, or null when none should be sent.
 *
 * - Due at `start − hoursBefore`; sent then when that instant is outside quiet hours.
 * - If it is quiet: deferred to the end of the quiet window (nextAllowedSend) when that is still at least
 *   2 h before the start; otherwise moved back to the last allowed minute before it (lastAllowedBefore).
 * - null when no allowed instant exists before the start (lastAllowedBefore found none).
 * - null when hoursBefore is 0: the due time is the start itself, and a reminder is never sent at or after
 *   the start — whether or not the start is quiet. (No "last minute before" fallback: a 0 setting means
 *   "at the start", which has no meaning for a reminder.)
 * The result is always strictly before `start` and never inside the patient's quiet hours.
 */
export function reminderTime(input: ReminderInput): Date | null {
  const { start, hoursBefore, zone, quiet } = input;
  if (!Number.isFinite(hoursBefore) || hoursBefore < 0) {
    throw new RangeError(`reminderTime: hoursBefore must be a non-negative number, got ${hoursBefore}`);
  }
  const due = new Date(start.getTime() - hoursBefore * HOUR);
  if (due.getTime() >= start.getTime()) return null;
  if (!isQuiet(due, zone, quiet)) return due;

  const deferred = nextAllowedSend(due, zone, quiet);
  if (start.getTime() - deferred.getTime() >= MIN_DEFERRED_LEAD_MS) return deferred;

  const earlier = lastAllowedBefore(due, zone, quiet);
  // lastAllowedBefore answers at or before `due`, so it is before the start; keep the guard for safety.
  return earlier !== null && earlier.getTime() < start.getTime() ? earlier : null;
}

export interface ReminderDueInput extends ReminderInput {
  /** When the question is asked: at booking, at a settings change, or by the sweep. */
  now: Date;
  /** When it was booked, and whether the patient booked it themselves (and so was just told in writing). */
  booked?: { at: Date; byPatient: boolean };
}

/**
 * When the reminder should go out, asked at `now`; null when none will.
 *
 * - reminderTime() when that is still ahead (or exactly now).
 * - The patient booked it themselves inside the lead (a waitlist claim, a move from their reschedule page):
 *   none — they were just told in writing, and a second text at the same moment is noise.
 * - The reminder's time has passed otherwise (staff booked inside the lead, the lead was raised, the sweep
 *   runs late): it goes out at once — or at the end of the patient's quiet hours — when that is still at
 *   least 2 h before the start (MIN_DEFERRED_LEAD_MS, the rule's own bar for "still useful"); otherwise
 *   none: a message minutes before the visit only adds noise.
 */
export function reminderDue(input: ReminderDueInput): Date | null {
  const planned = reminderTime(input);
  if (planned === null) return null;
  if (input.booked?.byPatient && planned.getTime() < input.booked.at.getTime()) return null;
  const now = input.now.getTime();
  if (planned.getTime() >= now) return planned;
  const soonest = nextAllowedSend(input.now, input.zone, input.quiet);
  return input.start.getTime() - soonest.getTime() >= MIN_DEFERRED_LEAD_MS ? soonest : null;
}
