// The Notifications page (GET /notifications): the newest offers, each with its opening and delivery
// trail, and the names and directory to show them. Five queries however many offers (the offers, their
// trails and openings, the directory's three lists run beside the names).
import type { OfferStatus } from "../core/types.ts";
import { directory, patientNames, recentOffers, type Directory } from "../store/dashboard.ts";
import type { Deps } from "./deps.ts";
import { notificationViews, type NotificationView } from "./view-notifications.ts";

export interface RecentOffers {
  views: NotificationView[];
  dir: Directory;
  names: Map<string, string>;
}

export async function viewRecentOffers(deps: Deps, clinicId: string, status: OfferStatus | undefined, limit: number): Promise<RecentOffers> {
  const q = deps.db;
  const views = await notificationViews(q, clinicId, await recentOffers(q, clinicId, status, limit));
  const [dir, names] = await Promise.all([
    directory(q, clinicId),
    patientNames(
      q,
      clinicId,
      views.map((v) => v.offer.patientId),
    ),
  ]);
  return { views, dir, names };
}
