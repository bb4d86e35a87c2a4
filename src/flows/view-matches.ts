// Who fits an opening, best first (GET /api/booking/waitlist/matches/:slotId): the shells ask this flow
// rather than reading the opening themselves. Only an OPEN opening has matches.
import type { Candidate } from "../core/ranking.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import { getOpening } from "../store/openings.ts";
import { settingsIn } from "./change-settings.ts";
import type { Caller, Deps } from "./deps.ts";
import { matchOpening } from "./match-opening.ts";

export async function viewMatches(deps: Deps, caller: Caller, openingId: string): Promise<Result<Candidate[]>> {
  const opening = await getOpening(deps.db, caller.clinicId, openingId);
  if (!opening) return notFound("slot");
  if (opening.status !== "OPEN") return ok([]);
  const settings = await settingsIn(deps.db, caller.clinicId);
  return ok((await matchOpening(deps.db, opening, settings, deps.clock.now())).map((m) => m.candidate));
}
