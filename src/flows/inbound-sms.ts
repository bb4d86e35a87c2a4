// Texts from patients. STOP-family words and clear free-text revocations revoke SMS consent at once
// (one confirmation is sent); START restores it; HELP answers with the clinic's name and number;
// YES/NO accept or decline the sender's live offer; a YES for a time someone else just booked gets up to
// three other times and a link to book one; C/X/R answer a reminder (answer-reminder-reply.ts);
// anything else gets "reply YES or NO" and is shown to staff. A provider retrying its webhook never
// makes us act twice.
import { readInbound, replyText } from "../core/keywords.ts";
import { takenSms } from "../core/message.ts";
import { normalisePhone } from "../core/phone.ts";
import { patientZone } from "../core/quiet-hours.ts";
import { ok, type Result } from "../core/result.ts";
import type { Patient } from "../core/types.ts";
import { getClinic } from "../store/clinics.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import { insertDelivery } from "../store/deliveries.ts";
import { inboundSeen, recordInbound } from "../store/inbound.ts";
import { insertStaffAlert } from "../store/outreach.ts";
import { getOffer } from "../store/offers.ts";
import { getOpening } from "../store/openings.ts";
import { getPatient, patientsByPhone, setConsent } from "../store/patients.ts";
import { getEntry } from "../store/waitlist.ts";
import { alternativesFor } from "./alternatives.ts";
import { answerReminderReply, type ReminderAction } from "./answer-reminder-reply.ts";
import { acceptOrHold } from "./claim-opening.ts";
import { settingsIn } from "./change-settings.ts";
import { audit, type Deps } from "./deps.ts";
import { paymentReplyText, randomToken, type Held } from "./hold-for-payment.ts";
import { declineOffer } from "./respond-to-offer.ts";
import { hashSecret, newSecret } from "./secrets.ts";

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
  let taken: string | null = null; // the offer a YES came too late for: the reply gives other times
  if (kind === "yes" || kind === "no" || kind === "other") {
    // A YES may answer an offer withdrawn because someone else booked it while its hold still ran: the
    // patient is told so, with other times, not "no open offer" (issue 10).
    const live = await liveOfferFor(deps, phone.value, input.clinicId, kind === "yes" ? now : null);
    clinicId = live?.clinicId ?? null;
    if (!live) {
      action = kind === "other" ? "not_understood" : "no_live_offer";
      replyKind = kind === "other" ? null : "no_offer";
    } else if (kind === "other") {
      action = "not_understood";
      replyKind = "not_understood";
    } else {
      const caller = { clinicId: live.clinicId, actor: `patient:sms:${live.offerId}` };
      const answered = kind === "yes" ? await acceptOrHold(deps, caller, live.offerId, randomToken, "SMS") : await declineOffer(deps, caller, live.offerId);
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
      if (action === "slot_filled") taken = live.offerId;
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
    const other = taken ? await takenReply(deps, tx, patient.clinicId, taken, now) : null;
    const reply = held
      ? await paymentReplyText(tx, deps.config.publicUrl, held)
      : other
        ? other.text
        : replyKind
          ? replyText(replyKind, clinic.name, deps.config.channels.clinicPhone)
          : null;
    if (reply) {
      // Sent even after STOP: the one confirmation carriers require. It goes to the number, not by consent.
      // A reply with a link to the offer's page carries the offer and the link's token hash (the page finds
      // its offer by it); as a NOTICE it is no offer message (analytics, fallback and caps count OFFERs).
      await insertDelivery(tx, {
        clinicId: patient.clinicId,
        offerId: other?.tokenHash ? taken : null,
        patientId: null,
        kind: "NOTICE",
        channel: "SMS",
        dueAt: now,
        payload: { to: phone.value, text: reply, subject: null },
        at: now,
        tokenHash: other?.tokenHash ?? null,
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

/**
 * The sender's live offer; with `takenAt`, else the last one withdrawn because someone else booked its
 * opening while the hold it promised still runs at `takenAt` (the patient may still think it theirs).
 * A live offer always wins: it is the newer message (one live offer per patient at a time).
 */
async function liveOfferFor(deps: Deps, phone: string, clinicId: string | null, takenAt: Date | null): Promise<{ offerId: string; clinicId: string } | null> {
  const { rows } = await deps.db.query(
    `SELECT o.id, o.clinic_id FROM offers o JOIN patients p ON p.clinic_id = o.clinic_id AND p.id = o.patient_id
     WHERE p.phone = $1 AND ($2::uuid IS NULL OR o.clinic_id = $2)
       AND (o.status = 'PENDING' OR ($3::timestamptz IS NOT NULL AND o.status = 'WITHDRAWN' AND o.withdraw_reason = 'filled' AND o.hold_expires_at > $3))
     ORDER BY o.status = 'PENDING' DESC, o.sent_at DESC LIMIT 1`,
    [phone, clinicId, takenAt],
  );
  return rows[0] ? { offerId: rows[0].id, clinicId: rows[0].clinic_id } : null;
}

/**
 * "Just taken", with up to three other times (the offer page's alternatives, src/core/alternatives.ts)
 * and one link to the patient's own offer page, which lists them with a one-tap Book each. The link is
 * new (the offer's own token is never stored): its hash goes on the reply's delivery row.
 */
async function takenReply(deps: Deps, tx: Tx, clinicId: string, offerId: string, now: Date): Promise<{ text: string; tokenHash: string | null }> {
  const offer = (await getOffer(tx, clinicId, offerId))!;
  const [clinic, entry, opening, patient, settings] = await Promise.all([
    getClinic(tx, clinicId),
    getEntry(tx, clinicId, offer.entryId),
    getOpening(tx, clinicId, offer.openingId),
    getPatient(tx, clinicId, offer.patientId),
    settingsIn(tx, clinicId),
  ]);
  // The page shows alternatives only while the entry waits (not once booked or removed): the text neither.
  const waiting = entry && opening && entry.status !== "BOOKED" && entry.status !== "REMOVED";
  const alternatives = waiting ? await alternativesFor(tx, entry, opening, settings, now) : [];
  const zone = patientZone(patient?.timezone ?? null, clinic!.timezone);
  if (alternatives.length === 0) return { text: takenSms({ clinicName: clinic!.name, alternatives: [], patientZone: zone, link: "" }), tokenHash: null };
  const token = newSecret("o");
  const text = takenSms({
    clinicName: clinic!.name,
    alternatives: alternatives.map((a) => a.start),
    patientZone: zone,
    link: `${deps.config.publicUrl}/o/${token}`,
  });
  return { text, tokenHash: hashSecret(token) };
}
