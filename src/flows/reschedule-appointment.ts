// The patient's reschedule / rebook link (GET /r/:token and its POST). The token is the credential; reading
// changes nothing (link scanners). Booking another time moves the appointment in ONE transaction: the new
// opening is locked first (lock order: opening → offers → entries, as every claim), the old appointment gives
// its time back, the new one is booked (bookIn: fills the opening, withdraws its offers, schedules the
// reminder), and what is left of the old time becomes an opening with source RESCHEDULE.
//
// Moving is free — no cancellation fee — because the clinic keeps the patient's visit and gets the old time
// back early enough to refill it (the waitlist flow starts on it at once); a fee would push patients who
// cannot come to a late cancellation or a no-show instead. After a no-show the same page books a new visit
// (the old one stays NO_SHOW) with settings noShowDiscountPercent recorded on it.
import { pickAlternatives, type Alternative } from "../core/alternatives.ts";
import { channelPlan } from "../core/channels.ts";
import { patientZone } from "../core/quiet-hours.ts";
import { MOVE_CHOICES, MOVE_HORIZON_DAYS, moveState, remainderAfterMove, type LinkPurpose, type MoveState } from "../core/reschedule.ts";
import { fail, notFound, ok, type Result } from "../core/result.ts";
import type { Settings } from "../core/settings.ts";
import { addMinutes, minutesBetween } from "../core/time.ts";
import type { Appointment, Opening } from "../core/types.ts";
import { getAppointment, setAppointmentStatus } from "../store/appointments.ts";
import { getClinic } from "../store/clinics.ts";
import { closureCovering } from "../store/closures.ts";
import { attempt, inTransaction, type Queryable, type Tx } from "../store/db.ts";
import { insertOpening, lockOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { getResource } from "../store/providers.ts";
import { bookableOpenings, rebookingOf } from "../store/reschedule.ts";
import { getService } from "../store/services.ts";
import { withAlternatives } from "./alternatives.ts";
import { moveHeldDeposit } from "../store/charges.ts";
import { repointBookedEntries } from "../store/waitlist.ts";
import { bookIn } from "./book-appointment.ts";
import { settingsIn } from "./change-settings.ts";
import { queueConfirmation } from "./claim-opening.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { heldForPayment, livePaymentHoldOn } from "./hold-for-payment.ts";
import { resolveMoveLink } from "./move-links.ts";
import { reachFor } from "./reach.ts";

export interface MovePage {
  state: MoveState;
  purpose: LinkPurpose;
  expiresAt: Date;
  clinicName: string;
  clinicTimezone: string;
  patientTimezone: string;
  appointment: Appointment;
  /** The appointment this one was moved to (state "moved"). */
  movedTo: Appointment | null;
  /** Who the visit shown is with (movedTo's, else the appointment's). */
  providerName: string | null;
  /** Percent off a rebooking after a no-show (settings), or the moved-to appointment's own. */
  discountPercent: number;
  /** Other times bookable with one POST (reschedule and rebook only). */
  choices: Alternative[];
  now: Date;
}

export async function viewMovePage(deps: Deps, token: string): Promise<Result<MovePage>> {
  const found = await resolveMoveLink(deps.db, token);
  if (!found) return notFound("link");
  const { link, appointment } = found;
  const now = deps.clock.now();
  const [clinic, patient, settings, movedTo] = await Promise.all([
    getClinic(deps.db, link.clinicId),
    getPatient(deps.db, link.clinicId, appointment.patientId),
    settingsIn(deps.db, link.clinicId),
    rebookingOf(deps.db, link.clinicId, appointment.id),
  ]);
  const state = moveState(
    { purpose: link.purpose, expiresAt: link.expiresAt, status: appointment.status, movedTo: movedTo?.id ?? null, paymentRequired: owesPayment(patient) },
    now,
  );
  const choices = state === "reschedule" || state === "rebook" ? await choicesFor(deps.db, appointment, settings, now) : [];
  const provider = await getResource(deps.db, "providers", link.clinicId, (movedTo ?? appointment).providerId);
  return ok({
    state,
    purpose: link.purpose,
    expiresAt: link.expiresAt,
    clinicName: clinic!.name,
    clinicTimezone: clinic!.timezone,
    patientTimezone: patientZone(patient?.timezone ?? null, clinic!.timezone),
    appointment,
    movedTo,
    providerName: provider?.name ?? null,
    discountPercent: movedTo ? movedTo.discountPercent : link.purpose === "REBOOK" ? settings.noShowDiscountPercent : appointment.discountPercent,
    choices,
    now,
  });
}

/**
 * Up to 5 open openings for the appointment's service and length in the next 14 days, not inside a closure,
 * starting no sooner than the clinic's cutoff, scored with the alternatives scoring against the appointment
 * (same practitioner, hours away, same day).
 */
export async function choicesFor(q: Queryable, a: Appointment, settings: Settings, now: Date): Promise<Alternative[]> {
  const service = await getService(q, a.clinicId, a.serviceId);
  if (!service) return [];
  const from = addMinutes(now, settings.cutoffMinutes);
  const candidates = await bookableOpenings(q, a.clinicId, {
    serviceId: a.serviceId,
    durationMinutes: service.durationMinutes,
    from,
    to: addMinutes(now, MOVE_HORIZON_DAYS * 24 * 60),
  });
  return pickAlternatives({
    original: { id: a.id, start: a.start, end: a.end, providerId: a.providerId },
    entry: { providerIds: [a.providerId], windows: [], preferredTime: null },
    candidates: candidates.map((c) => ({ id: c.id, start: c.start, end: c.end, providerId: c.providerId, providerName: c.providerName })),
    zone: settings.timezone,
    now: from,
    horizonHours: MOVE_HORIZON_DAYS * 24,
    limit: MOVE_CHOICES,
  });
}

/** Books `openingId` for the link's appointment (a move, or a rebooking after a no-show). Repeatable. */
export async function moveByToken(deps: Deps, token: string, openingId: string): Promise<Result<Appointment>> {
  const now = deps.clock.now();
  const found = await resolveMoveLink(deps.db, token);
  if (!found) return notFound("link");
  const caller: Caller = { clinicId: found.link.clinicId, actor: `patient:link:${found.link.id}` };
  const result = await inTransaction(deps.db, (tx) => moveIn(tx, caller, found.link, openingId, now));
  if (result.ok || result.code !== "slot_filled") return result;
  // Alternatives after the transaction, not while holding the opening's lock (as claims do).
  const appointment = (await getAppointment(deps.db, caller.clinicId, found.link.appointmentId))!;
  return withAlternatives(result, await choicesFor(deps.db, appointment, await settingsIn(deps.db, caller.clinicId), now));
}

async function moveIn(
  tx: Tx,
  caller: Caller,
  link: { clinicId: string; appointmentId: string; purpose: LinkPurpose; expiresAt: Date },
  openingId: string,
  now: Date,
): Promise<Result<Appointment>> {
  const opening = await lockOpening(tx, caller.clinicId, openingId);
  if (!opening) return notFound("opening", "/openingId");
  const old = (await getAppointment(tx, caller.clinicId, link.appointmentId, true))!;
  const already = await rebookingOf(tx, caller.clinicId, old.id);
  if (already) {
    // Tapping the same time twice gives the same answer; another time after a move is refused.
    return already.id === opening.filledAppointmentId ? ok(already) : fail("conflict", "this appointment was already moved");
  }
  const patient = await getPatient(tx, caller.clinicId, old.patientId);
  const state = moveState({ purpose: link.purpose, expiresAt: link.expiresAt, status: old.status, movedTo: null, paymentRequired: owesPayment(patient) }, now);
  if (state === "expired") return fail("offer_expired", "this link has expired");
  if (state !== "reschedule" && state !== "rebook") return fail("conflict", `the appointment is ${old.status}`);
  const settings = await settingsIn(tx, caller.clinicId);
  const service = (await getService(tx, caller.clinicId, old.serviceId))!;
  const fits = opening.serviceId === old.serviceId || (opening.serviceId === null && minutesBetween(opening.start, opening.end) >= service.durationMinutes);
  const inReach =
    opening.start.getTime() > addMinutes(now, settings.cutoffMinutes).getTime() &&
    opening.start.getTime() <= addMinutes(now, MOVE_HORIZON_DAYS * 24 * 60).getTime();
  if (!fits || !inReach) return notFound("opening", "/openingId");
  if (opening.status !== "OPEN") return fail("slot_filled", "this time has just been taken");
  // Another patient paying to claim it holds it for 90 s (hold-for-payment.ts), as for every other booking path.
  const claim = await livePaymentHoldOn(tx, caller, opening.id, now);
  if (claim) return heldForPayment(claim);
  if (await closureCovering(tx, caller.clinicId, { providerId: opening.providerId, start: opening.start, end: opening.end })) {
    return fail("slot_filled", "the clinic is closed at that time");
  }

  // The old appointment gives its time back first: a move to an overlapping time (30 minutes later, same
  // provider) would otherwise collide with itself on the exclusion constraint.
  if (link.purpose === "RESCHEDULE") {
    const cancelled = await setAppointmentStatus(tx, caller.clinicId, old.id, ["BOOKED", "CONFIRMED"], {
      status: "CANCELLED",
      at: now,
      cancelledBy: "patient",
      cancelReason: "rescheduled",
    });
    await audit(tx, caller, now, {
      action: "appointment.cancelled",
      entity: "appointment",
      entityId: old.id,
      before: old,
      after: { ...cancelled, rescheduled: true, cancellationFeeCents: 0 },
    });
  }
  // A rescheduled visit keeps the discount it had; a rebooking after a no-show gets the clinic's.
  const discountPercent = link.purpose === "REBOOK" ? settings.noShowDiscountPercent : old.discountPercent;
  const booked = await bookIn(
    tx,
    caller,
    { patientId: old.patientId, providerId: opening.providerId, chairId: opening.chairId, serviceId: old.serviceId, start: opening.start },
    { source: "ONLINE", fromWaitlistEntryId: null, rebookedFromAppointmentId: old.id, discountPercent },
    now,
  );
  if (!booked.ok) return booked.code === "conflict" ? fail("slot_filled", "the provider or chair is no longer free at that time") : booked;
  const moved = booked.value;
  await audit(tx, caller, now, {
    action: link.purpose === "REBOOK" ? "appointment.rebooked" : "appointment.rescheduled",
    entity: "appointment",
    entityId: moved.id,
    before: old,
    after: moved,
  });
  if (link.purpose === "RESCHEDULE") {
    await freeOldTime(tx, caller, old, moved, opening, settings, now);
    // An appointment that came from the waitlist keeps its entry's link: the entry now names the new time.
    await repointBookedEntries(tx, caller.clinicId, old.id, moved.id, now);
    // A held deposit moves with the visit (the old time's cancel marked it to be released: it is not).
    for (const d of await moveHeldDeposit(tx, caller.clinicId, old.id, moved.id, now)) {
      await audit(tx, caller, now, {
        action: "deposit.moved",
        entity: "charge",
        entityId: d.id,
        after: { fromAppointmentId: old.id, toAppointmentId: moved.id },
      });
    }
  }

  // The new time in writing, on the first channel that reaches the patient (text or email).
  const channel = patient ? channelPlan(settings.channelOrder, await reachFor(tx, patient)).find((c) => c === "SMS" || c === "EMAIL") : undefined;
  if (channel) await queueConfirmation(tx, { clinicId: caller.clinicId, patientId: old.patientId, channel }, moved, now);
  return ok(moved);
}

/** A deposit or prepayment is due before a new booking (the no-show ladder): not by a link, staff take it. */
function owesPayment(p: { depositRequiredCents: number; prepaymentRequired: boolean } | null): boolean {
  return p !== null && (p.depositRequiredCents > 0 || p.prepaymentRequired);
}

/** What is left of the old time (all of it, unless the new time overlaps it) becomes a RESCHEDULE opening. */
async function freeOldTime(tx: Tx, caller: Caller, old: Appointment, moved: Appointment, opening: Opening, settings: Settings, now: Date) {
  const sharesResource = opening.providerId === old.providerId || (old.chairId !== null && moved.chairId === old.chairId);
  const freed = remainderAfterMove(old, moved, sharesResource);
  if (!freed) return;
  const whole = freed.start.getTime() === old.start.getTime() && freed.end.getTime() === old.end.getTime();
  // An open opening already covering this time keeps it (23P01): no second offer of the same chair.
  const created = await attempt(tx, ["23P01"], () =>
    insertOpening(tx, {
      clinicId: caller.clinicId,
      providerId: old.providerId,
      chairId: old.chairId,
      serviceId: whole ? old.serviceId : null,
      start: freed.start,
      end: freed.end,
      source: "RESCHEDULE",
      sourceAppointmentId: old.id,
      nextWaveAt: addMinutes(now, settings.openingDebounceMinutes),
      at: now,
    }),
  );
  if (created) await audit(tx, caller, now, { action: "opening.created", entity: "opening", entityId: created.id, after: created });
}
