// A patient's answer to a reminder (API.md "Lifecycle"): C confirms (→ CONFIRMED), X cancels through the
// cancellation flow with the fee quoted first, R gets the reschedule link. The appointment is the sender's
// next upcoming active appointment that was reminded (nearest start); R after a recent no-show gets the
// rebook link instead.
//
// X with a fee is a two-step exchange: the first X stores the quote on the appointment (valid 30 minutes)
// and texts it; a second X within that time cancels, never for more than was quoted (a higher fee by then
// is quoted again); C keeps the appointment and drops the quote. With no fee the first X cancels at once.
//
// One transaction does it all and records the text last: a provider retrying the webhook concurrently
// finds the message recorded (ON CONFLICT) and its whole transaction — the action included — rolls back.
import { patientZone } from "../core/quiet-hours.ts";
import { QUOTE_MINUTES, reminderReplyText, type ReminderReply } from "../core/reminder-message.ts";
import { fail, ok, type Result } from "../core/result.ts";
import { addMinutes } from "../core/time.ts";
import type { Appointment } from "../core/types.ts";
import { setAppointmentStatus } from "../store/appointments.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { inboundSeen, recordInbound } from "../store/inbound.ts";
import { patientsByPhone } from "../store/patients.ts";
import { getCancelQuote, latestNoShow, lockRemindedAppointment, setCancelQuote } from "../store/reminders.ts";
import { cancelIn } from "./cancel-appointment.ts";
import { audit, type Caller, type Deps } from "./deps.ts";

export type ReminderWord = "confirm" | "cancel_visit" | "reschedule";
export type ReminderAction = "confirmed" | "cancel_quoted" | "cancelled" | "reschedule_link" | "rebook_link" | "no_appointment";

const REBOOK_LOOKBACK_DAYS = 14;
const DUPLICATE = "duplicate webhook";

export async function answerReminderReply(
  deps: Deps,
  input: { clinicId: string | null; phone: string; body: string; providerMessageId: string | null; word: ReminderWord },
): Promise<Result<{ action: ReminderAction | "unknown_sender"; reply: string | null }>> {
  const now = deps.clock.now();
  const result = await inTransaction(deps.db, async (tx) => {
    // The appointment before the patients: the no-show sweep locks an appointment, then its patient.
    const appointment = await lockRemindedAppointment(tx, input.phone, input.clinicId, now);
    const patients = await patientsByPhone(tx, input.phone, appointment?.clinicId ?? input.clinicId);
    if (patients.length === 0) return ok({ action: "unknown_sender" as const, reply: null });
    const patient = patients.find((p) => p.id === appointment?.patientId) ?? patients[0]!;
    const caller: Caller = { clinicId: patient.clinicId, actor: `patient:sms:${patient.id}` };

    const answer = await act(tx, caller, input, appointment, now);
    const recorded = await recordInbound(tx, {
      clinicId: patient.clinicId,
      patientId: patient.id,
      from: input.phone,
      body: input.body.slice(0, 1600),
      action: answer.action,
      providerMessageId: input.providerMessageId,
      at: now,
    });
    if (!recorded) return fail("conflict", DUPLICATE); // rolls back what `act` did

    const clinic = (await getClinic(tx, patient.clinicId))!;
    const text = reminderReplyText(answer.reply, {
      clinicName: clinic.name,
      patientZone: patientZone(patient.timezone, clinic.timezone),
      clinicZone: clinic.timezone,
      clinicPhone: deps.config.channels.clinicPhone,
    });
    // A reply to the patient's own text, to the number it came from (as HELP is). The link, if any, is minted
    // when it is sent: only its hash is ever stored.
    await insertDelivery(tx, {
      clinicId: patient.clinicId,
      offerId: null,
      patientId: null,
      kind: "NOTICE",
      channel: "SMS",
      dueAt: now,
      payload: { to: input.phone, text, subject: null, ...(answer.link ? { link: answer.link } : {}) },
      at: now,
    });
    // The answer shown to the caller (the dev inbound route): the link is minted at send time, so say so.
    return ok({ action: answer.action, reply: text.replaceAll("{link}", "<link sent with the text>") });
  });
  if (result.ok || result.detail !== DUPLICATE) return result;
  const seen = input.providerMessageId ? await inboundSeen(deps.db, input.providerMessageId) : null;
  return ok({ action: (seen?.action ?? "no_appointment") as ReminderAction, reply: null });
}

interface Answer {
  action: ReminderAction;
  reply: ReminderReply;
  link?: { appointmentId: string; purpose: "RESCHEDULE" | "REBOOK" };
}

async function act(tx: Tx, caller: Caller, input: { phone: string; word: ReminderWord }, a: Appointment | null, now: Date): Promise<Answer> {
  const letter = input.word === "confirm" ? "C" : input.word === "cancel_visit" ? "X" : "R";
  if (!a) {
    if (input.word === "reschedule") {
      const missed = await latestNoShow(tx, input.phone, caller.clinicId, addMinutes(now, -REBOOK_LOOKBACK_DAYS * 24 * 60));
      if (missed) return { action: "rebook_link", reply: { kind: "rebook_link", link: "{link}" }, link: { appointmentId: missed.id, purpose: "REBOOK" } };
    }
    return { action: "no_appointment", reply: { kind: "none", word: letter } };
  }
  switch (input.word) {
    case "confirm": {
      await setCancelQuote(tx, a.clinicId, a.id, null, now);
      if (a.status === "BOOKED") {
        const confirmed = await setAppointmentStatus(tx, a.clinicId, a.id, ["BOOKED"], { status: "CONFIRMED", at: now });
        await audit(tx, caller, now, { action: "appointment.confirmed", entity: "appointment", entityId: a.id, before: a, after: confirmed });
      }
      return { action: "confirmed", reply: { kind: "confirmed", start: a.start } };
    }
    case "cancel_visit": {
      const quote = await getCancelQuote(tx, a.clinicId, a.id);
      const agreed = quote && quote.expiresAt.getTime() > now.getTime() ? quote.cents : null;
      const outcome = await cancelIn(
        tx,
        caller,
        a.id,
        { by: "patient", reason: "patient replied X to the reminder", confirm: agreed !== null, ...(agreed !== null ? { maxFeeCents: agreed } : {}) },
        now,
      );
      // The appointment was locked and active, so only a bug makes this refuse.
      if (!outcome.ok) throw new Error(`cancelling appointment ${a.id} by SMS was refused: ${outcome.code}`);
      const o = outcome.value;
      if (!o.cancelled) {
        await setCancelQuote(tx, a.clinicId, a.id, { cents: o.cancellationFeeCents, expiresAt: addMinutes(now, QUOTE_MINUTES) }, now);
        await audit(tx, caller, now, {
          action: "appointment.cancel_quoted",
          entity: "appointment",
          entityId: a.id,
          after: { cancellationFeeCents: o.cancellationFeeCents, feeReason: o.feeReason, channel: "SMS" },
        });
        return { action: "cancel_quoted", reply: { kind: "quote", start: a.start, feeCents: o.cancellationFeeCents, feeReason: o.feeReason } };
      }
      return { action: "cancelled", reply: { kind: "cancelled", start: a.start, feeCents: o.cancellationFeeCents } };
    }
    case "reschedule":
      return { action: "reschedule_link", reply: { kind: "link", start: a.start, link: "{link}" }, link: { appointmentId: a.id, purpose: "RESCHEDULE" } };
    default: {
      const never: never = input.word;
      throw new Error(`unknown reminder word ${String(never)}`);
    }
  }
}
