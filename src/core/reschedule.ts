// The patient's reschedule / rebook link (GET /r/:token): what it may still do, and what time a move frees.
// Pure: statuses, instants and `now` come in as arguments.
import { MIN_OPENING_MINUTES, type Interval } from "./appointment.ts";
import type { AppointmentStatus } from "./types.ts";

export type LinkPurpose = "RESCHEDULE" | "REBOOK";

const DAY = 86_400_000;
/** A rebook link (after a no-show) lasts 14 days; a reschedule link lasts until the appointment starts. */
export const REBOOK_LINK_DAYS = 14;
/** The page offers openings starting within the next 14 days. */
export const MOVE_HORIZON_DAYS = 14;
/** Up to this many openings on the page. */
export const MOVE_CHOICES = 5;

export function linkExpiry(purpose: LinkPurpose, appointmentStart: Date, now: Date): Date {
  return purpose === "RESCHEDULE" ? appointmentStart : new Date(now.getTime() + REBOOK_LINK_DAYS * DAY);
}

/**
 * reschedule  an upcoming appointment: other times, each one POST
 * rebook      a missed appointment (NO_SHOW): other times as a new booking, with the no-show discount
 * moved       already moved or rebooked: the new time (and calendar links)
 * expired     past the link's end (the appointment started, or 14 days passed)
 * closed      the appointment is no longer one this link can act on (cancelled by staff, checked in …), or a
 *             rebooking needs a deposit first (booked with staff, who take it)
 */
export type MoveState = "reschedule" | "rebook" | "moved" | "expired" | "closed";

export interface MoveFacts {
  purpose: LinkPurpose;
  expiresAt: Date;
  status: AppointmentStatus;
  /** The appointment that replaced this one, if any. */
  movedTo: string | null;
  /** The patient owes a deposit or prepayment before booking (the no-show ladder): rebooking goes through staff. */
  paymentRequired?: boolean;
}

export function moveState(f: MoveFacts, now: Date): MoveState {
  if (f.movedTo) return "moved";
  if (now.getTime() >= f.expiresAt.getTime()) return "expired";
  if (f.purpose === "RESCHEDULE") return f.status === "BOOKED" || f.status === "CONFIRMED" ? "reschedule" : "closed";
  return f.status === "NO_SHOW" && !f.paymentRequired ? "rebook" : "closed";
}

/**
 * What a move frees of the old appointment's time: all of it, unless the new time (same provider or chair)
 * overlaps it — then the longer piece left on either side, or nothing when that is shorter than any service.
 * The old time's opening must never overlap the appointment that just took part of it.
 */
export function remainderAfterMove(old: Interval, moved: Interval, sharesResource: boolean): Interval | null {
  const overlaps = moved.start.getTime() < old.end.getTime() && old.start.getTime() < moved.end.getTime();
  if (!sharesResource || !overlaps) return old;
  const before = { start: old.start, end: new Date(Math.min(old.end.getTime(), moved.start.getTime())) };
  const after = { start: new Date(Math.max(old.start.getTime(), moved.end.getTime())), end: old.end };
  const length = (i: Interval) => i.end.getTime() - i.start.getTime();
  const longer = length(before) >= length(after) ? before : after;
  return length(longer) >= MIN_OPENING_MINUTES * 60_000 ? longer : null;
}
