// The reminder sweep and the reminder message. The sweep claims one due appointment per transaction (FOR UPDATE
// SKIP LOCKED, like the no-show sweep), checks the due time again with the settings of the moment, and queues
// one REMINDER delivery in the same transaction that sets reminded_at (guarded: `reminded_at IS NULL`), so two
// runners never queue it twice. The text is rendered, and the reschedule link minted, at send time.
import type { OutgoingMessage } from "../channels/channel.ts";
import { appointmentTitle } from "../core/calendar.ts";
import { channelPlan } from "../core/channels.ts";
import { nextAllowedSend } from "../core/quiet-hours.ts";
import { reminderEmail, reminderSms } from "../core/reminder-message.ts";
import { MIN_DEFERRED_LEAD_MS } from "../core/reminders.ts";
import type { Appointment, Delivery, Patient } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import type { ClinicRow } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertDelivery, markDeliveryFailed, requeueDelivery } from "../store/deliveries.ts";
import { getPatient } from "../store/patients.ts";
import { lockDueReminders, markReminded, setReminderDue } from "../store/reminders.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";
import { issueMoveLink } from "./move-links.ts";
import { reachFor } from "./reach.ts";
import { dueFor } from "./schedule-reminders.ts";

/** Queues every reminder due at `now`, one appointment per transaction. Returns how many rows it settled. */
export async function sendDueReminders(deps: Deps, now: Date, limit = 50): Promise<number> {
  let done = 0;
  for (; done < limit; done++) {
    const settled = await inTransaction(deps.db, async (tx) => {
      const [appointment] = await lockDueReminders(tx, now, 1);
      if (!appointment) return false;
      await remind(tx, appointment, now);
      return true;
    });
    if (!settled) break;
  }
  return done;
}

async function remind(tx: Tx, a: Appointment, now: Date): Promise<void> {
  const system = { clinicId: a.clinicId, actor: "system" };
  const settings = await settingsIn(tx, a.clinicId);
  const patient = await getPatient(tx, a.clinicId, a.patientId);
  const due = patient ? dueFor(a, patient, settings, now) : null;
  if (!patient || due === null || due.getTime() > now.getTime()) {
    // The settings or the patient's zone changed since it was computed: later, or not at all.
    await setReminderDue(tx, a.clinicId, a.id, due, now);
    return;
  }
  // Reminders go by text or email; the patient's preference and the clinic's order decide which.
  const channel = channelPlan(settings.channelOrder, await reachFor(tx, patient)).find((c) => c === "SMS" || c === "EMAIL");
  if (!channel) {
    await setReminderDue(tx, a.clinicId, a.id, null, now);
    await audit(tx, system, now, { action: "appointment.reminder_skipped", entity: "appointment", entityId: a.id, after: { reason: "no_channel" } });
    return;
  }
  const marked = await markReminded(tx, a.clinicId, a.id, now);
  if (!marked) return;
  const delivery = await insertDelivery(tx, {
    clinicId: a.clinicId,
    offerId: null,
    patientId: a.patientId,
    kind: "REMINDER",
    channel,
    dueAt: now,
    payload: { appointmentId: a.id },
    at: now,
  });
  await audit(tx, system, now, {
    action: "appointment.reminder_queued",
    entity: "appointment",
    entityId: a.id,
    after: { deliveryId: delivery.id, channel, dueAt: a.reminderDueAt },
  });
}

/**
 * The reminder as it is handed to its channel (called by prepareDelivery once consent and address are
 * checked). Null when it is not to be sent now; the row has been moved on accordingly.
 */
export async function prepareReminder(
  deps: Deps,
  tx: Tx,
  d: Delivery,
  ctx: { clinic: ClinicRow; patient: Patient; zone: string; base: Pick<OutgoingMessage, "clinicId" | "deliveryId" | "channel" | "to"> },
  now: Date,
): Promise<OutgoingMessage | null> {
  const a = await getAppointment(tx, d.clinicId, String(d.payload.appointmentId));
  if (!a || (a.status !== "BOOKED" && a.status !== "CONFIRMED") || a.start.getTime() <= now.getTime()) {
    await markDeliveryFailed(tx, d.id, "appointment no longer upcoming", now);
    return null;
  }
  const settings = await settingsIn(tx, d.clinicId);
  const allowed = nextAllowedSend(now, ctx.zone, settings.quietHours);
  if (allowed.getTime() > now.getTime()) {
    // Quiet hours began while it waited (a retry, a late runner): later if still useful, else not at all.
    if (a.start.getTime() - allowed.getTime() >= MIN_DEFERRED_LEAD_MS) await requeueDelivery(tx, d.id, allowed, now, "quiet hours");
    else await markDeliveryFailed(tx, d.id, "too late for a reminder", now);
    return null;
  }
  const link = await issueMoveLink(deps, tx, a, "RESCHEDULE", now);
  const text = { clinicName: ctx.clinic.name, start: a.start, patientZone: ctx.zone, clinicZone: ctx.clinic.timezone, link };
  if (d.channel === "EMAIL") {
    const email = reminderEmail(text);
    const calendar = { start: a.start, end: a.end, title: appointmentTitle(ctx.clinic.name), location: ctx.clinic.name, zone: ctx.zone };
    return { ...ctx.base, subject: email.subject, body: email.text, links: [link], linkLabel: "See or change your appointment", validUntil: a.start, calendar };
  }
  return { ...ctx.base, subject: null, body: reminderSms(text), links: [link], validUntil: a.start };
}
