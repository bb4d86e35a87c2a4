// What the patient's offer page shows (GET /o/:token and its live status, calendar file and
// alternatives). Only reads: a link scanner opening any of these changes nothing.
import type { Alternative } from "../core/alternatives.ts";
import { bookedAppointmentId, offerPageState, showsAlternatives, type OfferPageFacts, type OfferPageState } from "../core/offer-page.ts";
import { ok, type Result } from "../core/result.ts";
import { getAppointment } from "../store/appointments.ts";
import { getResource } from "../store/providers.ts";
import { getService } from "../store/services.ts";
import { alternativesFor } from "./alternatives.ts";
import { settingsIn } from "./change-settings.ts";
import type { Deps } from "./deps.ts";
import { viewOffer, type PublicOffer } from "./public-offer.ts";

export interface BookedVisit {
  appointmentId: string;
  start: Date;
  end: Date;
  providerName: string;
  serviceName: string;
  cancelled: boolean;
}

export interface OfferPage {
  state: OfferPageState;
  view: PublicOffer;
  /** Milliseconds of hold left at `now` (open pages only): the countdown starts from the server's clock. */
  remainingMs: number | null;
  booked: BookedVisit | null;
  alternatives: Alternative[];
  now: Date;
}

export function factsOf(view: PublicOffer): OfferPageFacts {
  return {
    offerStatus: view.offer.status,
    holdExpiresAt: view.offer.holdExpiresAt,
    offerAppointmentId: view.offer.bookedAppointmentId,
    openingStatus: view.opening.status,
    entryStatus: view.entry.status,
    entryAppointmentId: view.entry.bookedAppointmentId,
  };
}

export async function viewOfferPage(deps: Deps, token: string): Promise<Result<OfferPage>> {
  const found = await viewOffer(deps, token);
  if (!found.ok) return found;
  const view = found.value;
  const now = deps.clock.now();
  const facts = factsOf(view);
  const state = offerPageState(facts, now);
  const remainingMs = state === "open" && view.holdExpiresAt ? view.holdExpiresAt.getTime() - now.getTime() : null;
  const booked = state === "accepted" ? await bookedVisit(deps, view, bookedAppointmentId(facts)) : null;
  const alternatives = showsAlternatives(state, view.entry.status) ? await alternativesOf(deps, view, now) : [];
  return ok({ state, view, remainingMs, booked, alternatives, now });
}

async function alternativesOf(deps: Deps, view: PublicOffer, now: Date): Promise<Alternative[]> {
  const settings = await settingsIn(deps.db, view.offer.clinicId);
  return alternativesFor(deps.db, view.entry, view.opening, settings, now);
}

async function bookedVisit(deps: Deps, view: PublicOffer, appointmentId: string | null): Promise<BookedVisit | null> {
  if (!appointmentId) return null;
  const clinicId = view.offer.clinicId;
  const appointment = await getAppointment(deps.db, clinicId, appointmentId);
  if (!appointment) return null;
  const [provider, service] = await Promise.all([
    getResource(deps.db, "providers", clinicId, appointment.providerId),
    getService(deps.db, clinicId, appointment.serviceId),
  ]);
  return {
    appointmentId: appointment.id,
    start: appointment.start,
    end: appointment.end,
    providerName: provider?.name ?? view.slot.providerName,
    serviceName: service?.name ?? view.slot.serviceName,
    cancelled: appointment.status === "CANCELLED",
  };
}
