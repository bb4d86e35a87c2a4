// Which page a booking link shows: one state per thing the patient can do (or no longer do). Pure: the
// offer's, its opening's and its entry's statuses and `now` come in as arguments.
import type { EntryStatus, OfferStatus, OpeningStatus } from "./types.ts";

/**
 * open       the hold runs: Book / No thanks, with a countdown
 * scheduled  not sent yet (quiet hours): Book / No thanks, no countdown
 * accepted   booked (this offer, or an alternative booked from its page)
 * declined   the patient passed
 * expired    the hold ran out (or the offer ended for another reason): alternatives
 * taken      someone else booked the opening: alternatives
 */
export type OfferPageState = "open" | "scheduled" | "accepted" | "declined" | "expired" | "taken";

export interface OfferPageFacts {
  offerStatus: OfferStatus;
  holdExpiresAt: Date | null;
  offerAppointmentId: string | null;
  openingStatus: OpeningStatus;
  entryStatus: EntryStatus;
  entryAppointmentId: string | null;
}

export function offerPageState(f: OfferPageFacts, now: Date): OfferPageState {
  switch (f.offerStatus) {
    case "ACCEPTED":
      return "accepted";
    case "DECLINED":
      return "declined";
    case "SCHEDULED":
    case "PENDING": {
      if (f.openingStatus === "FILLED") return "taken";
      if (f.openingStatus !== "OPEN") return "expired";
      // Past the hold but not yet swept: already expired for the patient (accept answers 410 too).
      if (f.offerStatus === "PENDING" && f.holdExpiresAt && f.holdExpiresAt.getTime() <= now.getTime()) return "expired";
      return f.offerStatus === "PENDING" ? "open" : "scheduled";
    }
    case "EXPIRED":
    case "WITHDRAWN":
      // An alternative booked from this page leaves the offer as it was and books the entry.
      if (f.entryStatus === "BOOKED" && f.entryAppointmentId) return "accepted";
      return f.offerStatus === "WITHDRAWN" && f.openingStatus === "FILLED" ? "taken" : "expired";
    default: {
      const unreachable: never = f.offerStatus;
      throw new Error(`unknown offer status ${String(unreachable)}`);
    }
  }
}

/** The appointment an "accepted" page shows: the offer's own, else the entry's (an alternative). */
export function bookedAppointmentId(f: OfferPageFacts): string | null {
  if (f.offerStatus === "ACCEPTED") return f.offerAppointmentId;
  return f.entryStatus === "BOOKED" ? f.entryAppointmentId : null;
}

/** Whether the page offers other openings: only when the offer is gone and the entry can still book. */
export function showsAlternatives(state: OfferPageState, entryStatus: EntryStatus): boolean {
  return (state === "expired" || state === "taken") && entryStatus !== "BOOKED" && entryStatus !== "REMOVED";
}
