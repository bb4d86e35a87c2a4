// A reminder that failed (a landline, a bounce, consent withdrawn, the carrier said no) is tried on the
// patient's next channel that reminders use (text, then email, in the clinic's order) after the
// fallback delay; with none left, staff get an alert so the desk can call. Quiet hours and "still
// useful" are checked again when the next attempt is prepared (send-reminders.ts prepareReminder).
import { channelPlan } from "../core/channels.ts";
import { addMinutes } from "../core/time.ts";
import type { Delivery } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import type { Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { getPatient } from "../store/patients.ts";
import { reminderChannelsTried } from "../store/reminders.ts";
import { settingsIn } from "./change-settings.ts";
import { audit } from "./deps.ts";
import { reachFor } from "./reach.ts";

export type ReminderFallBack = "next_channel" | "staff_alerted" | "nothing";

/** `d` (a REMINDER, already marked FAILED) in the caller's transaction. */
export async function fallBackReminder(tx: Tx, d: Delivery, reason: string, now: Date): Promise<ReminderFallBack> {
  const appointmentId = String(d.payload.appointmentId ?? "");
  const appointment = appointmentId ? await getAppointment(tx, d.clinicId, appointmentId) : null;
  if (!appointment || (appointment.status !== "BOOKED" && appointment.status !== "CONFIRMED") || appointment.start <= now) return "nothing";
  const patient = await getPatient(tx, d.clinicId, appointment.patientId);
  if (!patient) return "nothing";
  const settings = await settingsIn(tx, d.clinicId);
  const tried = new Set(await reminderChannelsTried(tx, d.clinicId, appointment.id));
  const next = channelPlan(settings.channelOrder, await reachFor(tx, patient)).find((c) => (c === "SMS" || c === "EMAIL") && !tried.has(c));
  const system = { clinicId: d.clinicId, actor: "system" };
  if (next) {
    await insertDelivery(tx, {
      clinicId: d.clinicId,
      offerId: null,
      patientId: appointment.patientId,
      kind: "REMINDER",
      channel: next,
      dueAt: addMinutes(now, settings.fallbackDelayMinutes),
      payload: { appointmentId: appointment.id, fallbackFrom: d.id },
      at: now,
    });
    await audit(tx, system, now, {
      action: "reminder.fallback",
      entity: "appointment",
      entityId: appointment.id,
      after: { from: d.channel, to: next, reason },
    });
    return "next_channel";
  }
  // Ids and times only: staff look the patient up from the appointment.
  const message = `The reminder for appointment ${appointment.id} at ${appointment.start.toISOString()} could not be delivered on any channel.`;
  await insertStaffAlert(tx, { clinicId: d.clinicId, kind: "reminder", subjectId: appointment.id, message, at: now });
  await audit(tx, system, now, {
    action: "reminder.undeliverable",
    entity: "appointment",
    entityId: appointment.id,
    after: { lastChannel: d.channel, reason },
  });
  return "staff_alerted";
}
