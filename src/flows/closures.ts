// Closures (whole clinic or one provider): openings inside an active closure are never offered.
// Adding one closes the OPEN openings inside it at once (their live offers withdrawn) and lists the
// active appointments that fall inside it, so staff can move them.
import { fail, invalid, notFound, ok, type Result } from "../core/result.ts";
import type { Appointment, Opening } from "../core/types.ts";
import { appointmentsIn, closureCovering, insertClosure, listClosures, lockOpenOpeningsIn, softDeleteClosure, type Closure } from "../store/closures.ts";
import { inTransaction, type Queryable, type Tx } from "../store/db.ts";
import { closeOpeningIfOpen } from "../store/openings.ts";
import type { Page, PageRequest } from "../store/page.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { isFailure, resolveRefs } from "./references.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

/** A closure as the flows hand it to the shells (they never import store/, not even for a type). */
export type { Closure };

export async function addClosure(
  deps: Deps,
  caller: Caller,
  input: { providerId?: string | null; start: Date; end: Date; reason: string },
): Promise<Result<{ closure: Closure; affectedAppointments: Appointment[] }>> {
  const at = deps.clock.now();
  if (input.end.getTime() <= input.start.getTime()) return invalid([{ path: "/end", message: "must be after start" }]);
  const providerId = input.providerId ?? null;
  return inTransaction(deps.db, async (tx) => {
    if (providerId) {
      const refs = await resolveRefs(tx, caller.clinicId, { providerId });
      if (isFailure(refs)) return refs;
    }
    const closure = await insertClosure(tx, { clinicId: caller.clinicId, providerId, start: input.start, end: input.end, reason: input.reason, at });
    const closedOpenings: string[] = [];
    for (const opening of await lockOpenOpeningsIn(tx, caller.clinicId, closure)) {
      await closeForClosure(tx, caller, opening, closure, at);
      closedOpenings.push(opening.id);
    }
    const affectedAppointments = await appointmentsIn(tx, caller.clinicId, closure);
    await audit(tx, caller, at, {
      action: "closure.created",
      entity: "closure",
      entityId: closure.id,
      after: { ...closure, closedOpeningIds: closedOpenings, affectedAppointmentIds: affectedAppointments.map((a) => a.id) },
    });
    return ok({ closure, affectedAppointments });
  });
}

export async function removeClosure(deps: Deps, caller: Caller, id: string): Promise<Result<Closure>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const removed = await softDeleteClosure(tx, caller.clinicId, id, at);
    if (!removed) return notFound("closure");
    await audit(tx, caller, at, { action: "closure.removed", entity: "closure", entityId: id, after: removed });
    return ok(removed);
  });
}

export function listClosuresOf(deps: Deps, caller: Caller, filter: { from?: Date; to?: Date }, page: PageRequest): Promise<Page<Closure>> {
  return listClosures(deps.db, caller.clinicId, filter, page);
}

/** Closures not yet over at `now` (the first 100), each with the active appointments inside it. */
export async function upcomingClosures(deps: Deps, caller: Caller, now: Date): Promise<{ closure: Closure; affected: Appointment[] }[]> {
  const page = await listClosures(deps.db, caller.clinicId, { from: now }, { limit: 100, after: null });
  return Promise.all(page.items.map(async (closure) => ({ closure, affected: await appointmentsIn(deps.db, caller.clinicId, closure) })));
}

/** The active closure an opening falls in, if any (clinic-wide or its provider's). */
export function closureOf(q: Queryable, opening: Opening): Promise<Closure | null> {
  return closureCovering(q, opening.clinicId, opening);
}

/** A failure for offering an opening inside a closure (notify, notify-matches). */
export function closedFailure(opening: Opening, closure: Closure) {
  return fail("conflict", `the slot ${opening.id} is closed: it falls inside a closure (${closure.reason || closure.id})`);
}

/** `opening` is locked by the caller: withdraws its live offers and closes it. */
export async function closeForClosure(tx: Tx, caller: Caller, opening: Opening, closure: Closure, at: Date): Promise<void> {
  const withdrawn = await withdrawLiveOffers(tx, opening.clinicId, { openingId: opening.id }, at, "closed");
  const closed = await closeOpeningIfOpen(tx, opening.clinicId, opening.id, at);
  await audit(tx, caller, at, {
    action: "opening.closed",
    entity: "opening",
    entityId: opening.id,
    before: opening,
    after: { ...closed, closureId: closure.id, withdrawnOfferIds: withdrawn },
  });
}
