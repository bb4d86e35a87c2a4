// Sync of an appointment by external id (API.md "Connecting the clinic's own systems"):
// `PUT /api/booking/appointments/external/:externalId` with the appointment as `POST` takes it, plus `status`.
//
// What the host system's record asks for runs exactly the flow a native change runs, in one transaction:
// - a new external id books (bookIn: fills or closes the open openings it covers, withdraws their offers,
//   schedules the reminder, resolves the patient's waiting entries for the service);
// - `status` CANCELLED runs the cancellation (cancelIn: the freed time becomes an opening and the waitlist
//   flow offers it; the host system already decided, so a patient cancellation's fee is taken as agreed, not
//   quoted), NO_SHOW the no-show flow (staff alert, the patient's ladder, the rest of the time offered),
//   CHECKED_IN the check-in, CONFIRMED and COMPLETED are recorded;
// - a new start, end, provider, chair or service moves the appointment in place (same id, same external
//   id, same deposit and waitlist links): the new time takes the openings it covers as a booking does, the
//   reminder is due again for the new start, and what is still ahead of the old time becomes a RESCHEDULE
//   opening.
// An overlap with another appointment is 409 `conflict` naming it; nothing is half-written (the transaction
// rolls back whole). The same body again writes nothing.
//
// Status never goes backwards: BOOKED on a CONFIRMED appointment (confirmed by its reminder), or BOOKED or
// CONFIRMED on a CHECKED_IN one, keeps what Backfill knows; `status` left out keeps the status too (a new
// appointment is BOOKED). A CANCELLED, NO_SHOW or COMPLETED appointment is history: the same status again is
// unchanged whatever else the body says (its times are not moved), another is 409.
import { appointmentEnd, MIN_OPENING_MINUTES } from "../core/appointment.ts";
import { fail, invalid, ok, type Failure, type Result } from "../core/result.ts";
import { remainderAfterMove } from "../core/reschedule.ts";
import { addMinutes } from "../core/time.ts";
import type { Appointment, AppointmentStatus, CancelledBy } from "../core/types.ts";
import { getAppointment, insertAppointment, moveAppointment, overlappingAppointments, setAppointmentStatus } from "../store/appointments.ts";
import { attempt, type Tx } from "../store/db.ts";
import { idByExternalId, lockExternalId } from "../store/external-ids.ts";
import { insertOpening, lockOpenOverlapping } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { lockForBooking } from "../store/providers.ts";
import { bookIn, takeOpenings } from "./book-appointment.ts";
import { cancelIn, checkInIn } from "./cancel-appointment.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { markNoShowIn } from "./mark-no-shows.ts";
import { isFailure, resolveRefs, toInternalRefs, type ExternalRefs } from "./references.ts";
import { dueFor } from "./schedule-reminders.ts";
import { inSyncTransaction, type Synced } from "./sync.ts";

/** The body: an appointment as `POST` takes it (references by id or by external id), and its status. */
export interface AppointmentSyncBody extends Omit<ExternalRefs, "providerExternalIds" | "chairExternalIds"> {
  externalId?: string;
  patientId?: string;
  providerId?: string;
  chairId?: string | null;
  serviceId?: string;
  start: string;
  end?: string;
  status?: AppointmentStatus;
  /** Who cancelled, when `status` is CANCELLED: "staff" unless given. */
  cancelledBy?: CancelledBy;
  cancelReason?: string;
}

/** What the host system's record says the appointment is. */
interface Wanted {
  patientId: string;
  providerId: string;
  chairId: string | null;
  serviceId: string;
  start: Date;
  end: Date;
}

const REFS = ["patientId", "providerId", "serviceId"] as const;
/** Statuses after which nothing more happens to an appointment. */
const HISTORY: readonly AppointmentStatus[] = ["CANCELLED", "NO_SHOW", "COMPLETED"];
/** How far each status is along the visit: a sync never moves an appointment back. */
const RANK: Record<AppointmentStatus, number> = { BOOKED: 0, CONFIRMED: 1, CHECKED_IN: 2, COMPLETED: 3, CANCELLED: 3, NO_SHOW: 3 };

export async function syncAppointment(
  deps: Deps,
  caller: Caller,
  externalId: string,
  body: AppointmentSyncBody,
  dryRun: boolean,
): Promise<Result<Synced<Appointment>>> {
  if (body.externalId !== undefined && body.externalId !== externalId) {
    return invalid([{ path: "/externalId", message: "must equal the externalId in the path (or be left out)" }]);
  }
  const at = deps.clock.now();
  const clinicPhone = deps.config.channels.clinicPhone;
  return inSyncTransaction(deps, dryRun, async (tx) => {
    // Two PUTs of one new external id at once would both book, and the second collide with the first on
    // the time (409) before the external id could tell it is the same appointment: they take turns instead.
    await lockExternalId(tx, "appointments", caller.clinicId, externalId);
    const refs = await toInternalRefs(tx, caller.clinicId, body, REFS);
    if (!refs.ok) return refs;
    const r = refs.value;
    const resolved = await resolveRefs(tx, caller.clinicId, r);
    if (isFailure(resolved)) return resolved;
    const start = new Date(body.start);
    const end = appointmentEnd(start, body.end === undefined ? undefined : new Date(body.end), resolved.service!.durationMinutes);
    if (end.getTime() <= start.getTime()) return invalid([{ path: "/end", message: "must be after start" }]);
    const wanted: Wanted = { patientId: r.patientId, providerId: r.providerId, chairId: r.chairId ?? null, serviceId: r.serviceId, start, end };
    if ((body.status === "NO_SHOW" || body.status === "COMPLETED") && start.getTime() > at.getTime()) {
      return invalid([{ path: "/status", message: `an appointment that has not started cannot be ${body.status}` }]);
    }

    const id = await idByExternalId(tx, "appointments", caller.clinicId, externalId, true);
    const before = id ? await getAppointment(tx, caller.clinicId, id, true) : null;
    if (!before) return create(tx, caller, externalId, wanted, body, clinicPhone, at);

    if (before.patientId !== wanted.patientId) {
      const path = body.patientExternalId === undefined ? "/patientId" : "/patientExternalId";
      return invalid([{ path, message: "an appointment's patient cannot change (sync a new appointment instead)" }]);
    }
    const asked = body.status ?? before.status;
    if (HISTORY.includes(before.status)) {
      if (asked === before.status) return ok({ outcome: "unchanged" as const, value: before });
      return fail("conflict", `appointment is ${before.status}: it cannot become ${asked}`, {
        errors: [{ path: "/status", message: `the appointment is already ${before.status}` }],
      });
    }
    // Status never goes backwards (a confirmation or check-in Backfill knows of and the host does not).
    const status = RANK[asked] < RANK[before.status] ? before.status : asked;
    // A cancelled or missed visit is history at the time it had: it is not moved first.
    const moves = status !== "CANCELLED" && status !== "NO_SHOW" && !sameTime(before, wanted);
    if (!moves && status === before.status) return ok({ outcome: "unchanged" as const, value: before });

    let current = before;
    if (moves) {
      const moved = await moveInPlace(tx, caller, before, wanted, at);
      if (!moved.ok) return moved;
      current = moved.value;
    }
    if (status !== current.status) {
      const changed = await changeStatus(tx, caller, current, status, body, clinicPhone, at);
      if (!changed.ok) return changed;
      current = changed.value;
    }
    return ok({ outcome: "updated" as const, value: current });
  });
}

const sameTime = (a: Appointment, w: Wanted) =>
  a.providerId === w.providerId &&
  a.chairId === w.chairId &&
  a.serviceId === w.serviceId &&
  a.start.getTime() === w.start.getTime() &&
  a.end.getTime() === w.end.getTime();

/** A new external id: booked as staff book (then confirmed or checked in), or recorded as history. */
async function create(
  tx: Tx,
  caller: Caller,
  externalId: string,
  w: Wanted,
  body: AppointmentSyncBody,
  clinicPhone: string | null,
  at: Date,
): Promise<Result<Synced<Appointment>>> {
  const status = body.status ?? "BOOKED";
  if (HISTORY.includes(status)) {
    // A visit already over when the host system tells us (an import of its calendar): recorded, with none
    // of a booking's effects (no opening filled, no reminder, no offer withdrawn). A completed visit held its
    // time, so it still may not overlap another.
    const recorded = await attempt(tx, ["23P01"], () =>
      insertAppointment(tx, {
        clinicId: caller.clinicId,
        ...w,
        source: "STAFF",
        fromWaitlistEntryId: null,
        externalId,
        status,
        cancelledBy: status === "CANCELLED" ? (body.cancelledBy ?? "staff") : null,
        cancelReason: status === "CANCELLED" ? (body.cancelReason ?? null) : null,
        at,
      }),
    );
    if (!recorded) return overlapping(tx, caller, w, null);
    await audit(tx, caller, at, { action: "appointment.recorded", entity: "appointment", entityId: recorded.id, after: recorded });
    return ok({ outcome: "created" as const, value: recorded });
  }
  const booked = await bookIn(tx, caller, w, { source: "STAFF", fromWaitlistEntryId: null, externalId }, at);
  if (!booked.ok) return booked.code === "conflict" ? overlapping(tx, caller, w, null) : booked;
  if (status === "BOOKED") return ok({ outcome: "created" as const, value: booked.value });
  const changed = await changeStatus(tx, caller, booked.value, status, body, clinicPhone, at);
  return changed.ok ? ok({ outcome: "created" as const, value: changed.value }) : changed;
}

/** The native flow for each change of status (from BOOKED, CONFIRMED or CHECKED_IN). */
async function changeStatus(
  tx: Tx,
  caller: Caller,
  a: Appointment,
  status: AppointmentStatus,
  body: AppointmentSyncBody,
  clinicPhone: string | null,
  at: Date,
): Promise<Result<Appointment>> {
  switch (status) {
    case "BOOKED":
      return ok(a); // never reached: status does not go back
    case "CONFIRMED": {
      const confirmed = await setAppointmentStatus(tx, caller.clinicId, a.id, ["BOOKED"], { status: "CONFIRMED", at });
      if (!confirmed) return notActive(a, status);
      await audit(tx, caller, at, { action: "appointment.confirmed", entity: "appointment", entityId: a.id, before: a, after: confirmed });
      return ok(confirmed);
    }
    case "CHECKED_IN":
      return checkInIn(tx, caller, a.id, at);
    case "COMPLETED": {
      const completed = await setAppointmentStatus(tx, caller.clinicId, a.id, ["BOOKED", "CONFIRMED", "CHECKED_IN"], { status: "COMPLETED", at });
      if (!completed) return notActive(a, status);
      await audit(tx, caller, at, { action: "appointment.completed", entity: "appointment", entityId: a.id, before: a, after: completed });
      return ok(completed);
    }
    case "CANCELLED": {
      const outcome = await cancelIn(tx, caller, a.id, { by: body.cancelledBy ?? "staff", reason: body.cancelReason, confirm: true }, at);
      if (!outcome.ok) return withStatusPath(outcome);
      // Confirmed, so never a quote; the guard keeps the types honest.
      return outcome.value.cancelled ? ok(outcome.value.appointment) : fail("conflict", "the cancellation was not made");
    }
    case "NO_SHOW": {
      const missed = await markNoShowIn(tx, caller, a, clinicPhone, at);
      return missed ? ok(missed) : notActive(a, status);
    }
  }
}

function notActive(a: Appointment, status: AppointmentStatus): Failure {
  return fail("conflict", `appointment is ${a.status} and cannot become ${status}`, {
    errors: [{ path: "/status", message: `the appointment is ${a.status}` }],
  });
}

const withStatusPath = (f: Failure): Failure => (f.errors ? f : { ...f, errors: [{ path: "/status", message: f.detail }] });

/**
 * The host system moved the appointment: the same row takes the new time (openings there taken as a
 * booking takes them), its reminder is due again, and what is still ahead of the old time is a RESCHEDULE
 * opening the waitlist flow offers. Lock order as bookIn: openings, then the provider and the chair.
 */
async function moveInPlace(tx: Tx, caller: Caller, before: Appointment, w: Wanted, at: Date): Promise<Result<Appointment>> {
  const interval = { providerId: w.providerId, chairId: w.chairId, start: w.start, end: w.end };
  const openings = await lockOpenOverlapping(tx, caller.clinicId, interval);
  await lockForBooking(tx, caller.clinicId, w.providerId, w.chairId);
  const settings = await settingsIn(tx, caller.clinicId);
  const patient = (await getPatient(tx, caller.clinicId, before.patientId)) ?? { timezone: null };
  const startMoved = before.start.getTime() !== w.start.getTime();
  const reminderDueAt = startMoved ? dueFor({ start: w.start, bookedAt: before.bookedAt, source: before.source }, patient, settings, at) : before.reminderDueAt;
  const moved = await attempt(tx, ["23P01"], () =>
    moveAppointment(tx, caller.clinicId, before.id, {
      providerId: w.providerId,
      chairId: w.chairId,
      serviceId: w.serviceId,
      start: w.start,
      end: w.end,
      reminderDueAt,
      resetReminder: startMoved,
      at,
    }),
  );
  if (moved === null) return overlapping(tx, caller, w, before.id);
  await audit(tx, caller, at, { action: "appointment.rescheduled", entity: "appointment", entityId: before.id, before, after: moved });
  await takeOpenings(tx, caller, moved, openings, before.fromWaitlistEntryId, at);

  const sharesResource = before.providerId === moved.providerId || (before.chairId !== null && before.chairId === moved.chairId);
  const remainder = remainderAfterMove(before, moved, sharesResource);
  // Only what is still ahead can be offered (from the next whole 5 minutes, as a late cancellation).
  const from = new Date(Math.max(remainder?.start.getTime() ?? 0, Math.ceil(at.getTime() / 300_000) * 300_000));
  if (remainder && remainder.end.getTime() - from.getTime() >= MIN_OPENING_MINUTES * 60_000) {
    const whole = from.getTime() === before.start.getTime() && remainder.end.getTime() === before.end.getTime();
    const opening = await attempt(tx, ["23P01"], () =>
      insertOpening(tx, {
        clinicId: caller.clinicId,
        providerId: before.providerId,
        chairId: before.chairId,
        serviceId: whole ? before.serviceId : null,
        start: from,
        end: remainder.end,
        source: "RESCHEDULE",
        sourceAppointmentId: before.id,
        nextWaveAt: addMinutes(at, settings.openingDebounceMinutes),
        at,
      }),
    );
    if (opening) await audit(tx, caller, at, { action: "opening.created", entity: "opening", entityId: opening.id, after: opening });
  }
  return ok(moved);
}

/** The 409 for a time another active appointment of the provider or chair holds, naming that appointment. */
async function overlapping(tx: Tx, caller: Caller, w: Wanted, self: string | null): Promise<Failure> {
  const others = (await overlappingAppointments(tx, caller.clinicId, w)).filter((a) => a.id !== self);
  const other = others[0];
  if (!other) return fail("conflict", "the provider or chair already has an appointment at that time");
  const named = other.externalId ? `${other.id} (externalId ${other.externalId})` : other.id;
  const what = other.providerId === w.providerId ? "provider" : "chair";
  return fail("conflict", `overlaps appointment ${named}: the ${what} is booked from ${other.start.toISOString()} to ${other.end.toISOString()}`, {
    errors: [{ path: "/start", message: `overlaps appointment ${named}` }],
    extra: { conflictingAppointmentId: other.id, conflictingExternalId: other.externalId },
  });
}
