// Offers as the API's notifications: each with its opening's time and its delivery trail.
import { reachedBy } from "../core/analytics.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import type { Delivery, Offer, OfferStatus, Opening } from "../core/types.ts";
import { openingsByIds } from "../store/dashboard.ts";
import type { Queryable } from "../store/db.ts";
import { deliveriesOfOffers } from "../store/deliveries.ts";
import { getOffer, listOffers, offersOfOpening } from "../store/offers.ts";
import { getOpening } from "../store/openings.ts";
import type { Page, PageRequest } from "../store/page.ts";
import type { Caller, Deps } from "./deps.ts";

export interface NotificationView {
  offer: Offer;
  opening: Opening;
  deliveries: Delivery[];
}

/** The offers with their openings and trails, in two queries however many offers and openings there are. */
export async function notificationViews(q: Queryable, clinicId: string, offers: Offer[]): Promise<NotificationView[]> {
  const [deliveries, openings] = await Promise.all([
    deliveriesOfOffers(
      q,
      clinicId,
      offers.map((o) => o.id),
    ),
    openingsByIds(
      q,
      clinicId,
      offers.map((o) => o.openingId),
    ),
  ]);
  return offers.map((offer) => {
    const trail = deliveries.filter((d) => d.offerId === offer.id && d.kind === "OFFER");
    // API.md: a notification's channel is the one that reached the patient (the last offer message
    // that got through, e.g. the fallback email), not the first planned; the planned one until then.
    return { offer: { ...offer, channel: reachedBy(trail) ?? offer.channel }, opening: openings.get(offer.openingId)!, deliveries: trail };
  });
}

export async function listNotifications(
  deps: Deps,
  caller: Caller,
  filter: { status?: OfferStatus; entryId?: string; openingId?: string },
  page: PageRequest,
): Promise<Page<NotificationView>> {
  const offers = await listOffers(deps.db, caller.clinicId, filter, page);
  return { items: await notificationViews(deps.db, caller.clinicId, offers.items), next: offers.next };
}

export async function findNotification(q: Queryable, caller: Caller, id: string): Promise<Result<NotificationView>> {
  const offer = await getOffer(q, caller.clinicId, id);
  if (!offer) return notFound("notification");
  return ok((await notificationViews(q, caller.clinicId, [offer]))[0]!);
}

export async function openingWithOffers(deps: Deps, caller: Caller, id: string): Promise<Result<{ opening: Opening; offers: NotificationView[] }>> {
  const opening = await getOpening(deps.db, caller.clinicId, id);
  if (!opening) return notFound("opening");
  const offers = await offersOfOpening(deps.db, caller.clinicId, id);
  return ok({ opening, offers: await notificationViews(deps.db, caller.clinicId, offers) });
}
