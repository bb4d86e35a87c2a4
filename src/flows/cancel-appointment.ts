// Cancelling frees the time: what is still ahead becomes an OPEN opening, and the waitlist flow
// picks it up after the clinic's debounce (the opening's next_wave_at is the queue).
import { decideCancel, decideCheckIn } from "../core/appointment.ts";
import { notFound, ok, type Result } from "../core/result.ts";
import { addMinutes } from "../core/time.ts";
import type { Appointment, CancelledBy, Opening } from "../core/types.ts";
import { getAppointment, setAppointmentStatus } from "../store/appointments.ts";
import { attempt, inTransaction } from "../store/db.ts";
import { insertOpening } from "../store/openings.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";

export async function cancelAppointment(
  deps: Deps,
  caller: Caller,
  id: string,
  input: { by: CancelledBy; reason?: string },
): Promise<Result<{ appointment: Appointment; opening: Opening | null }>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await getAppointment(tx, caller.clinicId, id, true);
    if (!before) return notFound("appointment");
    const decision = decideCancel(before, at);
    if (!decision.ok) return decision;
    const appointment = (await setAppointmentStatus(tx, caller.clinicId, id, ["BOOKED", "CONFIRMED"], {
      status: "CANCELLED",
      at,
      cancelledBy: input.by,
      cancelReason: input.reason ?? null,
    }))!;
    await audit(tx, caller, at, { action: "appointment.cancelled", entity: "appointment", entityId: id, before, after: appointment });

    let opening: Opening | null = null;
    const freed = decision.value.freed;
    if (freed) {
      const settings = await settingsIn(tx, caller.clinicId);
      // An open opening already covering this time (made by hand in a race) keeps it: no second offer.
      opening = await attempt(tx, ["23P01"], () =>
        insertOpening(tx, {
          clinicId: caller.clinicId,
          providerId: appointment.providerId,
          chairId: appointment.chairId,
          serviceId: appointment.serviceId,
          start: freed.start,
          end: freed.end,
          source: "CANCELLATION",
          sourceAppointmentId: appointment.id,
          nextWaveAt: addMinutes(at, settings.openingDebounceMinutes),
          at,
        }),
      );
      if (opening) await audit(tx, caller, at, { action: "opening.created", entity: "opening", entityId: opening.id, after: opening });
    }
    return ok({ appointment, opening });
  });
}

export async function checkIn(deps: Deps, caller: Caller, id: string): Promise<Result<Appointment>> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await getAppointment(tx, caller.clinicId, id, true);
    if (!before) return notFound("appointment");
    const decision = decideCheckIn(before);
    if (!decision.ok) return decision;
    const appointment = (await setAppointmentStatus(tx, caller.clinicId, id, [before.status], { status: decision.value, at }))!;
    await audit(tx, caller, at, { action: "appointment.checked_in", entity: "appointment", entityId: id, before, after: appointment });
    return ok(appointment);
  });
}
