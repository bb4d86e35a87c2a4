// Other openings to offer when the one a patient wanted is gone (the seed's scoring, src/core/alternatives.ts).
import { pickAlternatives, type Alternative } from "../core/alternatives.ts";
import type { Failure } from "../core/result.ts";
import type { Settings } from "../core/settings.ts";
import { addMinutes } from "../core/time.ts";
import type { Opening, WaitlistEntry } from "../core/types.ts";
import type { Queryable } from "../store/db.ts";
import { alternativeOpenings, getOpening } from "../store/openings.ts";
import { getEntry } from "../store/waitlist.ts";
import { getResource } from "../store/providers.ts";
import { getService } from "../store/services.ts";

export async function alternativesFor(q: Queryable, entry: WaitlistEntry, original: Opening, settings: Settings, now: Date): Promise<Alternative[]> {
  const service = await getService(q, entry.clinicId, entry.serviceId);
  if (!service) return [];
  const candidates = await alternativeOpenings(q, entry.clinicId, {
    serviceId: entry.serviceId,
    durationMinutes: service.durationMinutes,
    excludeId: original.id,
    from: now,
    to: addMinutes(now, settings.alternativesHorizonHours * 60),
  });
  const provider = await getResource(q, "providers", entry.clinicId, original.providerId);
  return pickAlternatives({
    original: { id: original.id, start: original.start, end: original.end, providerId: original.providerId, providerName: provider?.name },
    entry,
    candidates: candidates.map((c) => ({ id: c.id, start: c.start, end: c.end, providerId: c.providerId, providerName: c.providerName })),
    zone: settings.timezone,
    now,
    horizonHours: settings.alternativesHorizonHours,
  });
}

export function alternativeJson(a: Alternative) {
  return {
    slotId: a.slotId,
    start: a.start.toISOString(),
    end: a.end.toISOString(),
    providerId: a.providerId,
    providerName: a.providerName,
    matchScore: a.matchScore,
    matchReasons: a.matchReasons,
  };
}

/** The refusal with `alternatives` attached (slot_filled, offer_expired). */
export function withAlternatives(f: Failure, alternatives: Alternative[]): Failure {
  return { ...f, extra: { ...f.extra, alternatives: alternatives.map(alternativeJson) } };
}

/**
 * Attaches alternatives to a refusal after its transaction ended: computing them while holding the
 * opening's lock would make every losing claimer wait for the others' alternatives (the contention
 * bench showed 200 refusals queueing behind one another).
 */
export async function attachAlternatives(
  q: Queryable,
  f: Failure,
  ref: { clinicId: string; entryId: string; openingId: string },
  settings: Settings,
  now: Date,
): Promise<Failure> {
  if ((f.code !== "slot_filled" && f.code !== "offer_expired") || f.extra?.alternatives) return f;
  const [entry, opening] = await Promise.all([getEntry(q, ref.clinicId, ref.entryId), getOpening(q, ref.clinicId, ref.openingId)]);
  if (!entry || !opening) return withAlternatives(f, []);
  return withAlternatives(f, await alternativesFor(q, entry, opening, settings, now));
}
