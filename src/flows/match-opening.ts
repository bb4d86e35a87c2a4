// Who fits an opening, best first: the SQL pre-filter, then every core rule, then the ranking.
import { misfit } from "../core/matching.ts";
import { rankCandidates, type Candidate } from "../core/ranking.ts";
import type { Settings } from "../core/settings.ts";
import { localDate } from "../core/time.ts";
import type { Opening } from "../core/types.ts";
import { candidateParams, candidateRows, candidateRowsOfOpenings, type CandidateRow } from "../store/candidates.ts";
import type { Queryable } from "../store/db.ts";

export interface Match {
  candidate: Candidate;
  row: CandidateRow;
}

// More candidates than any wave or staff list needs; bounds the work per opening.
const MAX_CANDIDATES = 500;

const paramsOf = (opening: Opening, settings: Settings, now: Date) =>
  candidateParams(opening, now, localDate(opening.start, settings.timezone), settings.maxNotificationsPerEntry, MAX_CANDIDATES);

export async function matchOpening(q: Queryable, opening: Opening, settings: Settings, now: Date): Promise<Match[]> {
  return ranked(opening, await candidateRows(q, paramsOf(opening, settings, now)), settings, now);
}

/** matchOpening for many openings of one clinic in one query (the Today board), by opening id. */
export async function matchOpenings(q: Queryable, openings: Opening[], settings: Settings, now: Date): Promise<Map<string, Match[]>> {
  const rows = await candidateRowsOfOpenings(
    q,
    openings.map((o) => paramsOf(o, settings, now)),
  );
  return new Map(openings.map((o) => [o.id, ranked(o, rows.get(o.id) ?? [], settings, now)]));
}

function ranked(opening: Opening, rows: CandidateRow[], settings: Settings, now: Date): Match[] {
  const zone = settings.timezone;
  const ctx = { now, zone, settings };
  const fitting = rows.filter((r) => misfit(opening, r, ctx) === null);
  const byEntry = new Map(fitting.map((r) => [r.entry.id, r]));
  const ranked = rankCandidates(
    opening,
    fitting.map((r) => ({ entry: r.entry, durationMinutes: r.service.durationMinutes })),
    now,
    zone,
  );
  return ranked.map((candidate) => ({ candidate, row: byEntry.get(candidate.entryId)! }));
}
