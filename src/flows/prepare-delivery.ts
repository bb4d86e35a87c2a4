// Before a delivery is handed to its channel: check everything again (the offer is still live, the
// patient still consents, it is not their quiet hours, the caps, the hold is still worth having) and
// render the message. Null when it is not to be sent now; the row has been moved on accordingly.
import type { OutgoingMessage } from "../channels/channel.ts";
import { canUse } from "../core/channels.ts";
import { holdUntil } from "../core/hold.ts";
import { confirmationSms, offerEmail, offerPush, offerSms } from "../core/message.ts";
import { isLive } from "../core/offer.ts";
import { nextAllowedSend, patientZone } from "../core/quiet-hours.ts";
import type { Delivery, Patient } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import { sentOfferCounts } from "../store/candidates.ts";
import { getClinic } from "../store/clinics.ts";
import type { Tx } from "../store/db.ts";
import { markDeliveryFailed, requeueDelivery } from "../store/deliveries.ts";
import { getOffer } from "../store/offers.ts";
import { getOpening, wakeOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { releaseEntry } from "../store/waitlist.ts";
import { settingsIn } from "./change-settings.ts";
import type { Deps } from "./deps.ts";
import { failAndFallBack } from "./fall-back.ts";
import { fillLink } from "./move-links.ts";
import { reachFor } from "./reach.ts";
import { prepareReminder } from "./send-reminders.ts";
import { hashSecret, newSecret } from "./secrets.ts";
import { withdrawLiveOffers } from "./withdraw-offers.ts";

export interface Prepared {
  message: OutgoingMessage;
  tokenHash: string | null;
}

export async function prepareDelivery(deps: Deps, tx: Tx, d: Delivery, now: Date): Promise<Prepared | null> {
  const clinic = (await getClinic(tx, d.clinicId))!;
  // A delivery that cannot be prepared fails (no fallback): nothing is sent for it.
  const fail = async (reason: string): Promise<null> => {
    await markDeliveryFailed(tx, d.id, reason, now);
    return null;
  };
  if (d.kind === "NOTICE") {
    // To staff (the clinic's alert address): ids and times only, never a patient's name or number. To a
    // patient (a reply to their text, the no-show note): a "{link}" in the text gets its reschedule link now.
    const to = String(d.payload.to ?? "");
    if (!to) return fail("no staff address");
    // A note to a patient that waited for their quiet hours to end: consent is checked again at send time.
    if (d.patientId) {
      const patient = await getPatient(tx, d.clinicId, d.patientId);
      if (!patient || !canUse(d.channel, await reachFor(tx, patient))) {
        return fail("no consent or contact for this channel");
      }
    }
    const filled = await fillLink(deps, tx, d.clinicId, d.payload, String(d.payload.text ?? ""), now);
    if (!filled) return fail("no appointment for the link");
    const message = {
      clinicId: d.clinicId,
      deliveryId: d.id,
      channel: d.channel,
      to,
      subject: String(d.payload.subject ?? clinic.name),
      body: filled.text,
      links: filled.links,
      validUntil: null,
    };
    return { message, tokenHash: null };
  }
  const settings = await settingsIn(tx, d.clinicId);
  const patient = d.patientId ? await getPatient(tx, d.clinicId, d.patientId) : null;
  if (!patient) return fail("no patient");
  const to = addressOf(d, patient);
  if (!to || !canUse(d.channel, await reachFor(tx, patient))) {
    await failAndFallBack(tx, d, "no consent or contact for this channel", now);
    return null;
  }
  const zone = patientZone(patient.timezone, clinic.timezone);
  const base = { clinicId: d.clinicId, deliveryId: d.id, channel: d.channel, to };

  if (d.kind === "CONFIRMATION") {
    const appointment = await getAppointment(tx, d.clinicId, String(d.payload.appointmentId));
    if (!appointment) return fail("no appointment");
    const body = confirmationSms({ clinicName: clinic.name, slotStart: appointment.start, patientZone: zone, clinicZone: clinic.timezone });
    const calendar = { start: appointment.start, end: appointment.end, title: `Appointment at ${clinic.name}`, location: clinic.name, zone };
    return { message: { ...base, subject: `${clinic.name}: you're booked`, body, links: [], validUntil: appointment.start, calendar }, tokenHash: null };
  }

  if (d.kind === "REMINDER") {
    const message = await prepareReminder(deps, tx, d, { clinic, patient, zone, base }, now);
    return message ? { message, tokenHash: null } : null;
  }

  const offer = d.offerId ? await getOffer(tx, d.clinicId, d.offerId) : null;
  const opening = offer ? await getOpening(tx, d.clinicId, offer.openingId) : null;
  if (!offer || !opening || !isLive(offer.status)) return fail("offer no longer live");
  if (offer.status === "SCHEDULED") {
    // The caps are checked again at send time: other offers may have reached the patient meanwhile.
    const sent = await sentOfferCounts(tx, d.clinicId, offer.patientId, now, offer.id);
    if (sent.lastDay >= settings.dailyCapPerPatient || sent.lastWeek >= settings.weeklyCapPerPatient) {
      await markDeliveryFailed(tx, d.id, "patient message cap reached", now);
      await withdrawLiveOffers(tx, d.clinicId, { entryId: offer.entryId }, now, "cap");
      await wakeOpening(tx, d.clinicId, opening.id, now);
      return null;
    }
  }
  const allowed = nextAllowedSend(now, zone, settings.quietHours);
  if (allowed.getTime() > now.getTime()) {
    await requeueDelivery(tx, d.id, allowed, now, "quiet hours");
    return null;
  }
  const hold = offer.holdExpiresAt ?? holdUntil(now, offer.holdMinutes, opening.start, settings.cutoffMinutes);
  if (!hold || hold.getTime() <= now.getTime()) {
    // Too late for a useful hold: the offer ends here and the opening's flow moves on.
    await markDeliveryFailed(tx, d.id, "too late to offer", now);
    await withdrawLiveOffers(tx, d.clinicId, { entryId: offer.entryId }, now, "too_late");
    await releaseEntry(tx, d.clinicId, offer.entryId, settings.maxNotificationsPerEntry, now);
    await wakeOpening(tx, d.clinicId, opening.id, now);
    return null;
  }
  const token = newSecret("o");
  const link = `${deps.config.publicUrl}/o/${token}`;
  const text = { clinicName: clinic.name, slotStart: opening.start, patientZone: zone, clinicZone: clinic.timezone, link, holdExpiresAt: hold };
  const calendar = { start: opening.start, end: opening.end, title: `Appointment at ${clinic.name}`, location: clinic.name, zone };
  const email = offerEmail(text);
  const message: OutgoingMessage =
    d.channel === "EMAIL"
      ? { ...base, subject: email.subject, body: email.text, links: [link], validUntil: hold, calendar }
      : d.channel === "PUSH"
        ? { ...base, subject: clinic.name, body: offerPush(text), links: [link], validUntil: hold }
        : { ...base, subject: null, body: offerSms(text), links: [link], validUntil: hold };
  return { message, tokenHash: hashSecret(token) };
}

function addressOf(d: Delivery, p: Patient): string | null {
  return d.channel === "EMAIL" ? p.email : d.channel === "SMS" || d.channel === "VOICE" ? p.phone : p.id;
}
