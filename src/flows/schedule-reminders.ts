// When each appointment's reminder is due (API.md "Lifecycle", Reminders). The due instant is stored on the
// appointment (reminder_due_at, migration 009) and is the queue the sweep reads (send-reminders.ts).
//
// Design: computed eagerly, in the transaction that changes one of its inputs — the booking (bookIn, every
// path), the clinic's settings (reminderHoursBefore, quietHours, timezone) and the patient's zone — and checked
// once more by the sweep with the settings of that moment, so a change that slipped past (or a sweep that ran
// late) can only postpone or drop a reminder, never send one inside quiet hours or twice.
import { patientZone } from "../core/quiet-hours.ts";
import { reminderDue } from "../core/reminders.ts";
import type { Settings } from "../core/settings.ts";
import type { Appointment, Patient } from "../core/types.ts";
import type { Tx } from "../store/db.ts";
import { getPatient } from "../store/patients.ts";
import { setReminderDue, unsentReminders } from "../store/reminders.ts";
import { settingsIn } from "./change-settings.ts";

/** When `a`'s reminder is due under `settings`, asked at `now` (null: none will be sent). */
export function dueFor(a: Pick<Appointment, "start" | "bookedAt" | "source">, patient: Pick<Patient, "timezone">, settings: Settings, now: Date): Date | null {
  return reminderDue({
    start: a.start,
    hoursBefore: settings.reminderHoursBefore,
    zone: patientZone(patient.timezone, settings.timezone),
    quiet: settings.quietHours,
    now,
    // Staff bookings may have told the patient nothing in writing; waitlist claims and online moves did.
    booked: { at: a.bookedAt, byPatient: a.source !== "STAFF" },
  });
}

/** A new booking's reminder (bookIn writes it with the row). */
export async function dueAtBooking(
  tx: Tx,
  clinicId: string,
  patient: Pick<Patient, "timezone">,
  a: Pick<Appointment, "start" | "source">,
  at: Date,
): Promise<Date | null> {
  return dueFor({ ...a, bookedAt: at }, patient, await settingsIn(tx, clinicId), at);
}

/** Recomputes the reminders not yet sent, of one patient (their zone changed) or of the whole clinic (settings). */
export async function rescheduleReminders(tx: Tx, clinicId: string, patientId: string | null, at: Date): Promise<number> {
  const settings = await settingsIn(tx, clinicId);
  const zones = new Map<string, Pick<Patient, "timezone">>();
  let changed = 0;
  for (const a of await unsentReminders(tx, clinicId, at, patientId)) {
    let patient = zones.get(a.patientId);
    if (!patient) {
      patient = (await getPatient(tx, clinicId, a.patientId)) ?? { timezone: null };
      zones.set(a.patientId, patient);
    }
    const due = dueFor(a, patient, settings, at);
    if ((due?.getTime() ?? null) === (a.reminderDueAt?.getTime() ?? null)) continue;
    await setReminderDue(tx, clinicId, a.id, due, at);
    changed++;
  }
  return changed;
}

/** Whether a settings change moves reminders. */
export function remindersChanged(before: Settings, after: Settings): boolean {
  return (
    before.reminderHoursBefore !== after.reminderHoursBefore ||
    before.timezone !== after.timezone ||
    before.quietHours.start !== after.quietHours.start ||
    before.quietHours.end !== after.quietHours.end
  );
}
