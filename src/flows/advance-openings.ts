// The waitlist flow's sweep: every opening whose next wave is due gets it, one opening per transaction
// (a slow wave never holds other openings' locks). The runner calls this; the per-opening decision is
// advance-opening.ts.
import { inTransaction } from "../store/db.ts";
import { lockDueOpenings } from "../store/openings.ts";
import { advanceOpening } from "./advance-opening.ts";
import type { Deps } from "./deps.ts";

/** Advances up to `limit` due openings at `now`; returns how many it advanced. */
export async function advanceDueOpenings(deps: Deps, now: Date, limit = 50): Promise<number> {
  const backlog = { index: 0 };
  let done = 0;
  for (; done < limit; done++) {
    const advanced = await inTransaction(deps.db, async (tx) => {
      const [opening] = await lockDueOpenings(tx, now, 1);
      if (!opening) return false;
      await advanceOpening(tx, opening, now, backlog);
      return true;
    });
    if (!advanced) break;
  }
  return done;
}
