// Texts from patients. STOP-family words and clear free-text revocations revoke SMS consent at once
// (one confirmation is sent); START restores it; HELP answers with the clinic's name and number;
// YES/NO accept or decline the sender's live offer; C/X/R answer a reminder (answer-reminder-reply.ts);
// anything else gets "reply YES or NO" and is shown to staff. A provider retrying its webhook never
// makes us act twice.
import { readInbound, replyText } from "../core/keywords.ts";
import { normalisePhone } from "../core/phone.ts";
import { ok, type Result } from "../core/result.ts";
import type { Patient } from "../core/types.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { inboundSeen, recordInbound } from "../store/inbound.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { patientsByPhone, setConsent } from "../store/patients.ts";
import { answerReminderReply, type ReminderAction } from "./answer-reminder-reply.ts";
import { acceptOrHold } from "./claim-opening.ts";
import { audit, type Deps } from "./deps.ts";
import { paymentReplyText, randomToken, type Held } from "./hold-for-payment.ts";
import { declineOffer } from "./respond-to-offer.ts";

export type InboundAction =
  | "accepted"
  | "payment_requested"
  | "declined"
  | "slot_filled"
  | "offer_expired"
  | "no_live_offer"
  | "opted_out"
  | "opted_in"
  | "help"
  | "not_understood"
  | "unknown_sender"
  | ReminderAction;

export interface Inbound {
  /** The clinic the receiving number belongs to; null: any clinic on this instance. */
  clinicId: string | null;
  from: string;
  body: string;
  providerMessageId: string | null;
}

export async function handleInboundSms(deps: Deps, input: Inbound): Promise<Result<{ action: InboundAction; reply: string | null }>> {
  const phone = normalisePhone(input.from, "US", "/from");
  if (!phone.ok) return phone;
  if (input.providerMessageId) {
    const seen = await inboundSeen(deps.db, input.providerMessageId);
    if (seen) return ok({ action: seen.action as InboundAction, reply: null });
  }
  const kind = readInbound(input.body);
  if (kind === "confirm" || kind === "cancel_visit" || kind === "reschedule") {
    // A reminder's C / X / R: its own flow, one transaction with the record of this text.
    return answerReminderReply(deps, {
      clinicId: input.clinicId,
      phone: phone.value,
      body: input.body,
      providerMessageId: input.providerMessageId,
      word: kind,
    });
  }
  const now = deps.clock.now();

  let action: InboundAction;
  let replyKind: Parameters<typeof replyText>[0] | null = null;
  let clinicId: string | null = null;
  let held: Held | null = null; // YES from a patient who owes a deposit: the slot is held, the reply is the payment link
  if (kind === "yes" || kind === "no" || kind === "other") {
    const live = await liveOfferFor(deps, phone.value, input.clinicId);
    clinicId = live?.clinicId ?? null;
    if (!live) {
      action = kind === "other" ? "not_understood" : "no_live_offer";
      replyKind = kind === "other" ? null : "no_offer";
    } else if (kind === "other") {
      action = "not_understood";
      replyKind = "not_understood";
    } else {
      const caller = { clinicId: live.clinicId, actor: `patient:sms:${live.offerId}` };
      const answered = kind === "yes" ? await acceptOrHold(deps, caller, live.offerId, randomToken) : await declineOffer(deps, caller, live.offerId);
      held = answered.ok && "claim" in answered.value ? answered.value : null;
      action = answered.ok
        ? kind === "yes"
          ? held
            ? "payment_requested"
            : "accepted"
          : "declined"
        : answered.code === "slot_filled"
          ? "slot_filled"
          : "offer_expired";
      replyKind = answered.ok ? null : action === "slot_filled" ? "taken" : "ended";
    }
  } else {
    action = kind === "stop" ? "opted_out" : kind === "start" ? "opted_in" : "help";
    replyKind = kind === "stop" ? "stopped" : kind === "start" ? "started" : "help";
  }

  return inTransaction(deps.db, async (tx) => {
    const patients = await patientsByPhone(tx, phone.value, clinicId ?? input.clinicId);
    if (patients.length === 0) return ok({ action: "unknown_sender" as const, reply: null });
    if (kind === "stop" || kind === "start") {
      for (const p of patients) await changeSmsConsent(tx, p, kind === "stop", input.body, now);
    }
    const patient = patients.find((p) => p.clinicId === clinicId) ?? patients[0]!;
    const recorded = await recordInbound(tx, {
      clinicId: patient.clinicId,
      patientId: patient.id,
      from: phone.value,
      body: input.body.slice(0, 1600),
      action,
      providerMessageId: input.providerMessageId,
      at: now,
    });
    if (!recorded) return ok({ action, reply: null }); // a concurrent retry of the same webhook got here first
    const clinic = (await getClinic(tx, patient.clinicId))!;
    const reply = held
      ? await paymentReplyText(tx, deps.config.publicUrl, held)
      : replyKind
        ? replyText(replyKind, clinic.name, deps.config.channels.clinicPhone)
        : null;
    if (reply) {
      // Sent even after STOP: the one confirmation carriers require. It goes to the number, not by consent.
      await insertDelivery(tx, {
        clinicId: patient.clinicId,
        offerId: null,
        patientId: null,
        kind: "NOTICE",
        channel: "SMS",
        dueAt: now,
        payload: { to: phone.value, text: reply, subject: null },
        at: now,
      });
    }
    if (action === "not_understood") {
      await insertStaffAlert(tx, {
        clinicId: patient.clinicId,
        kind: "inbound",
        subjectId: recorded.id,
        message: "A patient replied with a message that needs a person.",
        at: now,
      });
    }
    return ok({ action, reply });
  });
}

async function changeSmsConsent(tx: import("../store/db.ts").Tx, p: Patient, stop: boolean, body: string, now: Date) {
  if (p.consent.SMS.granted === !stop) return;
  const source = stop ? `sms:${body.trim().slice(0, 20).toUpperCase()}` : "sms:START";
  await setConsent(tx, { clinicId: p.clinicId, patientId: p.id, channel: "SMS", granted: !stop, source, at: now });
  await audit(tx, { clinicId: p.clinicId, actor: `patient:${p.id}` }, now, {
    action: stop ? "consent.revoked" : "consent.granted",
    entity: "patient",
    entityId: p.id,
    after: { channel: "SMS", granted: !stop, source },
  });
}

async function liveOfferFor(deps: Deps, phone: string, clinicId: string | null): Promise<{ offerId: string; clinicId: string } | null> {
  const { rows } = await deps.db.query(
    `SELECT o.id, o.clinic_id FROM offers o JOIN patients p ON p.clinic_id = o.clinic_id AND p.id = o.patient_id
     WHERE p.phone = $1 AND o.status = 'PENDING' AND ($2::uuid IS NULL OR o.clinic_id = $2)
     ORDER BY o.sent_at DESC LIMIT 1`,
    [phone, clinicId],
  );
  return rows[0] ? { offerId: rows[0].id, clinicId: rows[0].clinic_id } : null;
}
