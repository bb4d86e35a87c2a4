// The patient opts in to web push from an offer page: the browser's subscription is kept for their
// next offers, and the opt-in is recorded as consent (the words shown, the time, the offer's page).
import { PUSH_OPT_IN_WORDING, pushEndpointProblem } from "../core/push-opt-in.ts";
import { invalid, notFound, ok, type Result } from "../core/result.ts";
import { inTransaction } from "../store/db.ts";
import { findDeliveryByTokenHash } from "../store/deliveries.ts";
import { getOffer } from "../store/offers.ts";
import { saveSubscription } from "../store/push-subscriptions.ts";
import { audit, type Deps } from "./deps.ts";
import { hashSecret } from "./secrets.ts";

export async function subscribeToPush(
  deps: Deps,
  token: string,
  sub: { endpoint: string; p256dh: string; auth: string },
): Promise<Result<{ subscribed: true }>> {
  // The booking link's token is the credential, as for every action on the offer page.
  const delivery = /^o_[A-Za-z0-9_-]{43}$/.test(token) ? await findDeliveryByTokenHash(deps.db, hashSecret(token)) : null;
  if (!delivery?.offerId) return notFound("offer");
  const problem = pushEndpointProblem(sub.endpoint);
  if (problem) return invalid([{ path: "/endpoint", message: problem }]);
  const at = deps.clock.now();
  const caller = { clinicId: delivery.clinicId, actor: `patient:offer:${delivery.offerId}` };
  return inTransaction(deps.db, async (tx) => {
    const offer = await getOffer(tx, delivery.clinicId, delivery.offerId!);
    if (!offer) return notFound("offer");
    const source = `offer_page:${offer.id}`;
    await saveSubscription(tx, { clinicId: offer.clinicId, patientId: offer.patientId, ...sub, source, wording: PUSH_OPT_IN_WORDING, at });
    // Ids only: the endpoint is a capability to reach the patient's device and stays out of the audit log.
    await audit(tx, caller, at, { action: "push.subscribed", entity: "patient", entityId: offer.patientId, after: { offerId: offer.id } });
    return ok({ subscribed: true as const });
  });
}
