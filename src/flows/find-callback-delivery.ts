// Which delivery a provider's status callback is about (Twilio SMS and voice). Signed callbacks carry
// no clinic: the delivery is found by the SID we recorded, or — for a callback that beats us recording
// it — by the delivery id we put in the (signed) callback URL, as long as that delivery has no other SID.
import type { Delivery } from "../core/types.ts";
import { findDeliveryById, findDeliveryByProviderId } from "../store/deliveries.ts";
import type { Deps } from "./deps.ts";

export async function findCallbackDelivery(deps: Deps, sid: string, deliveryId: string | null): Promise<Delivery | null> {
  // A malformed id in the URL is a lookup that finds nothing, not an error.
  const byId = deliveryId !== null ? await findDeliveryById(deps.db, deliveryId).catch(() => null) : null;
  return (await findDeliveryByProviderId(deps.db, sid)) ?? (byId && (byId.providerMessageId ?? sid) === sid ? byId : null);
}
