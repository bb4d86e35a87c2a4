// No-shows (API.md "Lifecycle"): an appointment not checked in `noShowGraceMinutes` after its start
// becomes NO_SHOW. Staff are alerted; the patient's ladder (6-month count) applies, and each step is
// told to the patient (core/no-show-message.ts): 1st an apologetic message with a rebooking discount and
// the rebook link (GET /r/:token), 2nd a deposit for future bookings, 3rd and later prepayment.
// The rest of the appointment becomes an opening (source NO_SHOW) when a service still fits.
import { MIN_OPENING_MINUTES } from "../core/appointment.ts";
import { MIN_HOLD_MINUTES } from "../core/hold.ts";
import { noShowNote, noShowStep, type NoShowStep } from "../core/no-show-message.ts";
import { addMinutes, minutesBetween } from "../core/time.ts";
import type { Settings } from "../core/settings.ts";
import type { Appointment, Patient } from "../core/types.ts";
import { setAppointmentStatus } from "../store/appointments.ts";
import { attempt, inTransaction, type Tx } from "../store/db.ts";
import { anyServiceFits, lockDueNoShows, setDepositRequired, setPrepaymentRequired } from "../store/no-shows.ts";
import { insertOpening } from "../store/openings.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { getPatient, noShowCount } from "../store/patients.ts";
import { getClinic } from "../store/clinics.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { queuePatientNote } from "./patient-note.ts";

const FIVE_MINUTES = 5 * 60_000;
// How late after the sweep the opening's first wave may run and still give its offer a minimum hold.
const WAVE_LAG_MINUTES = 1;

/** `at` rounded up to the next whole 5 minutes (itself when already whole). */
export function roundUpToFive(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / FIVE_MINUTES) * FIVE_MINUTES);
}

/** Marks every due no-show, one appointment per transaction. Returns how many were marked. */
export async function markDueNoShows(deps: Deps, now: Date, limit = 50): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const marked = await inTransaction(deps.db, async (tx) => {
      const [appointment] = await lockDueNoShows(tx, now, 1);
      if (!appointment) return false;
      await markNoShowIn(tx, { clinicId: appointment.clinicId, actor: "system" }, appointment, deps.config.channels.clinicPhone, now);
      return true;
    });
    if (!marked) break;
  }
  return done;
}

/**
 * Marks `before` (locked by the caller) a no-show, with everything that follows: the staff alert, the
 * patient's ladder and its note, the opening for the rest of the time. The sweep's caller is "system"; a
 * host system's sync is its API key. Null when the appointment was no longer BOOKED or CONFIRMED.
 */
export async function markNoShowIn(tx: Tx, system: Caller, before: Appointment, clinicPhone: string | null, now: Date): Promise<Appointment | null> {
  const appointment = await setAppointmentStatus(tx, before.clinicId, before.id, ["BOOKED", "CONFIRMED"], { status: "NO_SHOW", at: now });
  if (!appointment) return null; // changed meanwhile (checked in, cancelled)
  await audit(tx, system, now, { action: "appointment.no_show", entity: "appointment", entityId: appointment.id, before, after: appointment });
  const settings = await settingsIn(tx, appointment.clinicId);

  // Staff: ids and times only, never a patient's name or number.
  const message = `Appointment ${appointment.id} at ${appointment.start.toISOString()} was marked as a no-show.`;
  await insertStaffAlert(tx, { clinicId: appointment.clinicId, kind: "no_show", subjectId: appointment.id, message, at: now });
  if (settings.staffAlertEmail) {
    await insertDelivery(tx, {
      clinicId: appointment.clinicId,
      offerId: null,
      patientId: null,
      kind: "NOTICE",
      channel: "EMAIL",
      dueAt: now,
      payload: { to: settings.staffAlertEmail, subject: "Backfill: a no-show", text: message },
      at: now,
    });
  }

  // The ladder, on the patient's no-shows over the last 6 months (this one included). The patient is
  // told at every step, on the same path as every note to a patient (consent, quiet hours).
  const count = await noShowCount(tx, appointment.clinicId, appointment.patientId, now);
  const patient = await getPatient(tx, appointment.clinicId, appointment.patientId, true);
  const step = noShowStep(count);
  if (patient && step) {
    if (step === "deposit") {
      await setDepositRequired(tx, patient.clinicId, patient.id, settings.noShowDepositCents, now);
      await audit(tx, system, now, {
        action: "patient.deposit_required",
        entity: "patient",
        entityId: patient.id,
        before: { depositRequiredCents: patient.depositRequiredCents },
        after: { depositRequiredCents: settings.noShowDepositCents, noShowCount: count },
      });
    } else if (step === "prepayment" && !patient.prepaymentRequired) {
      await setPrepaymentRequired(tx, patient.clinicId, patient.id, now);
      await audit(tx, system, now, {
        action: "patient.prepayment_required",
        entity: "patient",
        entityId: patient.id,
        before: { prepaymentRequired: false },
        after: { prepaymentRequired: true, noShowCount: count },
      });
    }
    await queueLadderNote(tx, patient, appointment, step, settings, clinicPhone, now);
  }

  // The rest of the missed appointment, when a service still fits in it. It starts no sooner than an
  // offer made a little after now could still run its minimum hold before the cutoff (else it could never
  // be offered): the wave may be sent by another runner or on the worker's next poke (every 5 s), not in
  // this sweep's own instant.
  const start = roundUpToFive(addMinutes(now, settings.cutoffMinutes + MIN_HOLD_MINUTES + WAVE_LAG_MINUTES));
  const minutes = minutesBetween(start, appointment.end);
  if (minutes >= MIN_OPENING_MINUTES && (await anyServiceFits(tx, appointment.clinicId, minutes))) {
    const opening = await attempt(tx, ["23P01"], () =>
      insertOpening(tx, {
        clinicId: appointment.clinicId,
        providerId: appointment.providerId,
        chairId: appointment.chairId,
        serviceId: null,
        start,
        end: appointment.end,
        source: "NO_SHOW",
        sourceAppointmentId: appointment.id,
        nextWaveAt: now,
        at: now,
      }),
    );
    if (opening) await audit(tx, system, now, { action: "opening.created", entity: "opening", entityId: opening.id, after: opening });
  }
  return appointment;
}

/** The step's note to the patient by SMS or email (the clinic's channel order), when they can be reached. */
async function queueLadderNote(
  tx: Tx,
  patient: Patient,
  appointment: Appointment,
  step: NoShowStep,
  settings: Settings,
  clinicPhone: string | null,
  now: Date,
): Promise<void> {
  const clinic = (await getClinic(tx, appointment.clinicId))!;
  const note = noShowNote(step, {
    clinicName: clinic.name,
    clinicPhone,
    discountPercent: settings.noShowDiscountPercent,
    depositCents: settings.noShowDepositCents,
  });
  if (!note) return;
  // The rebook link (14 days, the discount recorded on the new booking) is minted when this is sent.
  const extra = note.rebookLink ? { link: { appointmentId: appointment.id, purpose: "REBOOK" } } : {};
  await queuePatientNote(tx, patient, clinic.timezone, settings, { subject: note.subject, text: note.text, extra }, now);
}
