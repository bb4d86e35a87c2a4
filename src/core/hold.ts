// Holds: how long a patient may claim an offered opening once the offer reaches them.
import { addMinutes } from "./time.ts";

/** An offer whose hold would be shorter than this is not made: nobody can act on it in time. */
export const MIN_HOLD_MINUTES = 10;

/**
 * holdExpiresAt = min(sentAt + holdMinutes, slotStart − cutoffMinutes) (API.md). Returns null when
 * that leaves less than MIN_HOLD_MINUTES, i.e. the offer is not worth making any more.
 */
export function holdUntil(sentAt: Date, holdMinutes: number, slotStart: Date, cutoffMinutes: number): Date | null {
  const byLength = addMinutes(sentAt, holdMinutes);
  const byCutoff = addMinutes(slotStart, -cutoffMinutes);
  const until = byLength.getTime() < byCutoff.getTime() ? byLength : byCutoff;
  return until.getTime() - sentAt.getTime() >= MIN_HOLD_MINUTES * 60_000 ? until : null;
}

/** The last moment an opening is worth offering: an offer made later could not get a minimum hold. */
export function lastOfferMoment(slotStart: Date, cutoffMinutes: number): Date {
  return addMinutes(slotStart, -(cutoffMinutes + MIN_HOLD_MINUTES));
}
