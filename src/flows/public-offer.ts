// The patient's side: the booking link's token is the credential. Opening the link only reads.
import { notFound, ok, type Result } from "../core/result.ts";
import { patientZone } from "../core/quiet-hours.ts";
import type { Channel, Offer, Opening, WaitlistEntry } from "../core/types.ts";
import { getClinic } from "../store/clinics.ts";
import { findDeliveryByTokenHash } from "../store/deliveries.ts";
import { getOffer } from "../store/offers.ts";
import { getOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { getResource } from "../store/providers.ts";
import { getService } from "../store/services.ts";
import { getEntry } from "../store/waitlist.ts";
import { acceptAlternative } from "./book-from-waitlist.ts";
import { acceptOrHold } from "./claim-opening.ts";
import type { Caller, Deps } from "./deps.ts";
import { tokenFromLink, type Held } from "./hold-for-payment.ts";
import { declineOffer } from "./respond-to-offer.ts";
import { hashSecret } from "./secrets.ts";

export interface PublicOffer {
  offer: Offer;
  status: Offer["status"];
  slot: { start: Date; end: Date; providerName: string; serviceName: string; clinicName: string };
  patientTimezone: string;
  clinicTimezone: string;
  holdExpiresAt: Date | null;
  /** For the offer page (never sent as JSON): the opening's and the entry's current rows. */
  opening: Opening;
  entry: WaitlistEntry;
}

// `via`: the channel of the delivery whose link this is (links are per delivery), for analytics.
async function resolveOfferToken(deps: Deps, token: string): Promise<{ caller: Caller; offerId: string; via: Channel } | null> {
  if (!/^o_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const delivery = await findDeliveryByTokenHash(deps.db, hashSecret(token));
  if (!delivery?.offerId) return null;
  return { caller: { clinicId: delivery.clinicId, actor: `patient:offer:${delivery.offerId}` }, offerId: delivery.offerId, via: delivery.channel };
}

export async function viewOffer(deps: Deps, token: string): Promise<Result<PublicOffer>> {
  const ref = await resolveOfferToken(deps, token);
  if (!ref) return notFound("offer");
  const q = deps.db;
  const clinicId = ref.caller.clinicId;
  const offer = (await getOffer(q, clinicId, ref.offerId))!;
  const [clinic, opening, patient, entry] = await Promise.all([
    getClinic(q, clinicId),
    getOpening(q, clinicId, offer.openingId),
    getPatient(q, clinicId, offer.patientId),
    getEntry(q, clinicId, offer.entryId),
  ]);
  const [provider, service] = await Promise.all([getResource(q, "providers", clinicId, opening!.providerId), getService(q, clinicId, entry!.serviceId)]);
  return ok({
    offer,
    status: offer.status,
    slot: { start: opening!.start, end: opening!.end, providerName: provider!.name, serviceName: service!.name, clinicName: clinic!.name },
    patientTimezone: patientZone(patient!.timezone, clinic!.timezone),
    clinicTimezone: clinic!.timezone,
    holdExpiresAt: offer.holdExpiresAt,
    opening: opening!,
    entry: entry!,
  });
}

/** The answer to an accept by link: booked, or held for payment (API.md "Deposits": 202 CLAIMED). */
export type LinkAccept = { status: "ACCEPTED"; appointmentId: string } | { status: "CLAIMED"; claimExpiresAt: Date; paymentUrl: string };

function claimed(deps: Deps, held: Held): LinkAccept {
  // A link-made claim's token is derived from the link, so it can always be made again.
  if (!held.payToken) throw new Error("a claim made by link has a payment token");
  return { status: "CLAIMED", claimExpiresAt: held.claim.expiresAt, paymentUrl: `${deps.config.publicUrl}/pay/${held.payToken}` };
}

export async function acceptByToken(deps: Deps, token: string): Promise<Result<LinkAccept>> {
  const ref = await resolveOfferToken(deps, token);
  if (!ref) return notFound("offer");
  const answer = await acceptOrHold(deps, ref.caller, ref.offerId, tokenFromLink(token), ref.via);
  if (!answer.ok) return answer;
  return ok("claim" in answer.value ? claimed(deps, answer.value) : { status: "ACCEPTED", appointmentId: answer.value.appointment.id });
}

export async function declineByToken(deps: Deps, token: string): Promise<Result<Offer>> {
  const ref = await resolveOfferToken(deps, token);
  if (!ref) return notFound("offer");
  return declineOffer(deps, ref.caller, ref.offerId);
}

export async function acceptAlternativeByToken(deps: Deps, token: string, slotId: string): Promise<Result<LinkAccept>> {
  const ref = await resolveOfferToken(deps, token);
  if (!ref) return notFound("offer");
  const answer = await acceptAlternative(deps, ref.caller, ref.offerId, slotId, tokenFromLink(token));
  if (!answer.ok) return answer;
  return ok("claim" in answer.value ? claimed(deps, answer.value) : { status: "ACCEPTED", appointmentId: answer.value.id });
}

// The push opt-in has its own flow; the public routes find it here with the page's other actions.
export { subscribeToPush } from "./subscribe-to-push.ts";
