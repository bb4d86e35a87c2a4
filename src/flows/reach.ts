import type { Reach } from "../core/channels.ts";
import type { Patient } from "../core/types.ts";

/** What the core needs to know about reaching a patient. (Web push subscriptions arrive with the channels.) */
export function reachOf(p: Patient): Reach {
  return { phone: p.phone, email: p.email, consent: p.consent, preferredChannel: p.preferredChannel, pushSubscribed: false };
}
