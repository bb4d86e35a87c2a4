import type { Reach } from "../core/channels.ts";
import type { Patient } from "../core/types.ts";
import type { Queryable } from "../store/db.ts";
import { hasPushSubscription } from "../store/push-subscriptions.ts";

/** What the core needs to know about reaching a patient. */
export function reachOf(p: Patient, pushSubscribed = false): Reach {
  return { phone: p.phone, email: p.email, consent: p.consent, preferredChannel: p.preferredChannel, pushSubscribed };
}

/** The same, with whether one of their browsers opted in to web push. */
export async function reachFor(q: Queryable, p: Patient): Promise<Reach> {
  return reachOf(p, await hasPushSubscription(q, p.clinicId, p.id));
}
