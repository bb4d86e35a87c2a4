// The Today board (GET / and /today/panel): the openings being offered, each with its offers and their
// delivery trails, a running payment claim, the next three who fit; and the bookings openings made
// today. A fixed number of queries whatever the number of openings (test/http/dashboard-queries.test.ts):
// every per-opening read is one `= ANY($ids)` query for all of them.
import type { Appointment, Opening } from "../core/types.ts";
import type { PaymentHold } from "../store/payment-holds.ts";
import { appointmentsByIds, boardOpenings, directory, offersOfOpenings, openPaymentHoldsOf, patientNames, type Directory } from "../store/dashboard.ts";
import { settingsIn } from "./change-settings.ts";
import type { Deps } from "./deps.ts";
import { type Match, matchOpenings } from "./match-opening.ts";
import { notificationViews, type NotificationView } from "./view-notifications.ts";

export type { PaymentHold };

export interface OpeningCard {
  opening: Opening;
  /** Its offers, oldest first, each with its OFFER deliveries. */
  offers: NotificationView[];
  /** A patient paying a deposit or prepayment for it right now (the slot is held for them). */
  paying: PaymentHold | null;
  /** The best three who fit (empty unless asked for). */
  next: Match[];
}

export interface TodayBoard {
  dir: Directory;
  /** Names of every patient the board shows. */
  names: Map<string, string>;
  open: OpeningCard[];
  filled: { opening: Opening; appointment: Appointment | null }[];
}

/**
 * `startOfDay` is the clinic's local midnight: openings filled since then are today's bookings.
 * `withNext` runs the match query (staff who may manage the waitlist see who is next).
 */
export async function viewToday(deps: Deps, clinicId: string, now: Date, startOfDay: Date, withNext: boolean): Promise<TodayBoard> {
  const q = deps.db;
  const [openings, dir, settings] = await Promise.all([boardOpenings(q, clinicId, now, startOfDay), directory(q, clinicId), settingsIn(q, clinicId)]);
  const open = openings.filter((o) => o.status === "OPEN");
  const filled = openings.filter((o) => o.status === "FILLED");
  const openIds = open.map((o) => o.id);
  const [claims, offers, next, appointments] = await Promise.all([
    openPaymentHoldsOf(q, clinicId, openIds),
    offersOfOpenings(q, clinicId, openIds),
    withNext && open.length > 0 ? matchOpenings(q, open, settings, now) : new Map<string, Match[]>(),
    appointmentsByIds(
      q,
      clinicId,
      filled.flatMap((o) => (o.filledAppointmentId ? [o.filledAppointmentId] : [])),
    ),
  ]);
  // One view builder for every page that shows offers (their trails, the channel that reached the
  // patient): two queries for all of the board's offers.
  const views = groupBy(await notificationViews(q, clinicId, offers), (v) => v.offer.openingId);

  const cards = open.map((opening): OpeningCard => {
    const claim = claims.get(opening.id);
    return {
      opening,
      offers: views.get(opening.id) ?? [],
      paying: claim && claim.expiresAt > now ? claim : null,
      next: (next.get(opening.id) ?? []).slice(0, 3),
    };
  });
  const booked = filled.map((opening) => ({
    opening,
    appointment: opening.filledAppointmentId ? (appointments.get(opening.filledAppointmentId) ?? null) : null,
  }));
  const names = await patientNames(q, clinicId, [
    ...cards.flatMap((c) => [
      ...c.offers.map((v) => v.offer.patientId),
      ...c.next.map((m) => m.candidate.patientId),
      ...(c.paying ? [c.paying.patientId] : []),
    ]),
    ...booked.flatMap((b) => (b.appointment ? [b.appointment.patientId] : [])),
  ]);
  return { dir, names, open: cards, filled: booked };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
