// Who fits an opening, best first: the SQL pre-filter, then every core rule, then the ranking.
import { misfit } from "../core/matching.ts";
import { rankCandidates, type Candidate } from "../core/ranking.ts";
import type { Settings } from "../core/settings.ts";
import { localDate } from "../core/time.ts";
import type { Opening } from "../core/types.ts";
import { candidateParams, candidateRows, type CandidateRow } from "../store/candidates.ts";
import type { Queryable } from "../store/db.ts";

export interface Match {
  candidate: Candidate;
  row: CandidateRow;
}

// More candidates than any wave or staff list needs; bounds the work per opening.
const MAX_CANDIDATES = 500;

export async function matchOpening(q: Queryable, opening: Opening, settings: Settings, now: Date): Promise<Match[]> {
  const zone = settings.timezone;
  const params = candidateParams(opening, now, localDate(opening.start, zone), settings.maxNotificationsPerEntry, MAX_CANDIDATES);
  const rows = await candidateRows(q, params);
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
