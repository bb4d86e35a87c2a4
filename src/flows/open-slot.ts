// A provider adds hours: a new OPEN opening (source NEW_SLOT) that the waitlist flow picks up.
import { fail, invalid, ok, type Result } from "../core/result.ts";
import { addMinutes } from "../core/time.ts";
import type { Opening } from "../core/types.ts";
import { overlappingAppointments } from "../store/appointments.ts";
import { attempt, inTransaction } from "../store/db.ts";
import { insertOpening } from "../store/openings.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { isFailure, resolveRefs } from "./references.ts";

export async function openSlot(
  deps: Deps,
  caller: Caller,
  input: { providerId: string; chairId?: string | null; start: Date; end: Date },
): Promise<Result<Opening>> {
  const at = deps.clock.now();
  if (input.end.getTime() <= input.start.getTime()) return invalid([{ path: "/end", message: "must be after start" }]);
  if (input.start.getTime() <= at.getTime()) return invalid([{ path: "/start", message: "must be in the future" }]);
  return inTransaction(deps.db, async (tx) => {
    const refs = await resolveRefs(tx, caller.clinicId, { providerId: input.providerId, chairId: input.chairId ?? null });
    if (isFailure(refs)) return refs;
    const interval = { providerId: input.providerId, chairId: input.chairId ?? null, start: input.start, end: input.end };
    if ((await overlappingAppointments(tx, caller.clinicId, interval)).length > 0) {
      return fail("conflict", "the provider or chair has an appointment in that time");
    }
    const settings = await settingsIn(tx, caller.clinicId);
    const opening = await attempt(tx, ["23P01"], () =>
      insertOpening(tx, {
        clinicId: caller.clinicId,
        ...interval,
        serviceId: null,
        source: "NEW_SLOT",
        sourceAppointmentId: null,
        nextWaveAt: addMinutes(at, settings.openingDebounceMinutes),
        at,
      }),
    );
    if (!opening) return fail("conflict", "the provider already has an open opening in that time");
    await audit(tx, caller, at, { action: "opening.created", entity: "opening", entityId: opening.id, after: opening });
    return ok(opening);
  });
}
