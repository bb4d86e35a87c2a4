// Sync by external id (API.md "Connecting the clinic's own systems"): the plumbing every
// `PUT …/external/:externalId` shares. A sync creates, updates or leaves the record as it is; the same
// body twice writes nothing the second time (no UPDATE, no audit row, no event).
import { fail, type Failure, type Result } from "../core/result.ts";
import { inTransaction, pgCode, pgConstraint, type Tx } from "../store/db.ts";
import type { Deps } from "./deps.ts";

export type SyncOutcome = "created" | "updated" | "unchanged";

export interface Synced<T> {
  outcome: SyncOutcome;
  value: T;
}

/** Whether `e` is a duplicate external id (23505 on one of migration 018's `<table>_external_id`). */
export function isDuplicateExternalId(e: unknown): boolean {
  return pgCode(e) === "23505" && (pgConstraint(e) ?? "").endsWith("_external_id");
}

/** The 409 for an external id another record of the kind already has. */
export function externalIdTaken(noun: string): Failure {
  return fail("conflict", `externalId: another ${noun} has it`, { errors: [{ path: "/externalId", message: `is already another ${noun}'s` }] });
}

/**
 * Runs `run` (a flow's whole transaction); a duplicate external id raised inside it (the transaction is
 * rolled back by then) answers 409 `conflict` naming `externalId` instead of throwing.
 */
export async function refusingDuplicateExternalId<T>(noun: string, run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (e) {
    if (isDuplicateExternalId(e)) return externalIdTaken(noun);
    throw e;
  }
}

/**
 * Runs fn in one transaction; with dryRun the transaction is always rolled back (nothing written, no
 * audit row, no event — the events outbox is written by triggers in the same transaction). A refused
 * Result rolls back too. Two PUTs of one new external id at once both look, find nothing and insert: the
 * loser's INSERT fails on the unique constraint, and it runs once more, finding the winner's record (an
 * update, or unchanged). Should it collide again, 409 `conflict`.
 */
export async function inSyncTransaction<T>(deps: Deps, dryRun: boolean, fn: (tx: Tx) => Promise<Result<Synced<T>>>): Promise<Result<Synced<T>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(deps.db, fn, { rollback: dryRun });
    } catch (e) {
      if (!isDuplicateExternalId(e)) throw e;
      if (attempt >= 2)
        return fail("conflict", "externalId: another request is syncing the same record; try again", {
          errors: [{ path: "/externalId", message: "is being synced concurrently" }],
        });
    }
  }
}
