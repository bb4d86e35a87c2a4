// One opening's page (GET /openings/:id): its offers with their trails, who fits it best first (for
// staff who may manage the waitlist, and only while it is OPEN), with the names and the directory.
import { ok, type Result } from "../core/result.ts";
import type { Opening } from "../core/types.ts";
import { directory, patientNames, type Directory } from "../store/dashboard.ts";
import { settingsIn } from "./change-settings.ts";
import type { Caller, Deps } from "./deps.ts";
import { matchOpening, type Match } from "./match-opening.ts";
import { openingWithOffers, type NotificationView } from "./view-notifications.ts";

export interface OpeningPage {
  opening: Opening;
  offers: NotificationView[];
  matches: Match[];
  dir: Directory;
  names: Map<string, string>;
}

export async function viewOpening(deps: Deps, caller: Caller, id: string, withMatches: boolean, now: Date): Promise<Result<OpeningPage>> {
  const found = await openingWithOffers(deps, caller, id);
  if (!found.ok) return found;
  const { opening, offers } = found.value;
  const q = deps.db;
  const matches = withMatches && opening.status === "OPEN" ? await matchOpening(q, opening, await settingsIn(q, caller.clinicId), now) : [];
  const [dir, names] = await Promise.all([
    directory(q, caller.clinicId),
    patientNames(q, caller.clinicId, [...offers.map((v) => v.offer.patientId), ...matches.map((m) => m.candidate.patientId)]),
  ]);
  return ok({ opening, offers, matches, dir, names });
}
