// What an offer message says: the minimum (clinic, day and time, the link), never anything clinical
// — no service, no provider. Times in the patient's zone, with the clinic's when different.
import { DateTime } from "luxon";

export interface OfferText {
  clinicName: string;
  slotStart: Date;
  patientZone: string;
  clinicZone: string;
  link: string;
  holdExpiresAt: Date;
}

function when(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("ccc d LLL, h:mm a");
}

function clock(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("h:mm a");
}

function zoneLabel(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("ZZZZ");
}

/** "Thu 12 Mar, 10:00 AM EDT" — and "(9:00 AM CDT clinic time)" when the zones differ at that instant. */
export function slotTime(at: Date, patientZone: string, clinicZone: string): string {
  const mine = `${when(at, patientZone)} ${zoneLabel(at, patientZone)}`;
  const differs = DateTime.fromJSDate(at, { zone: patientZone }).offset !== DateTime.fromJSDate(at, { zone: clinicZone }).offset;
  return differs ? `${mine} (${clock(at, clinicZone)} ${zoneLabel(at, clinicZone)} clinic time)` : mine;
}

/** The SMS: kept within two GSM-7 segments for any clinic name up to 40 characters. */
export function offerSms(t: OfferText): string {
  // "..." not "…": U+2026 is outside GSM-7 and would switch the whole text to UCS-2 (70-character segments).
  const name = t.clinicName.length > 40 ? `${t.clinicName.slice(0, 37)}...` : t.clinicName;
  return (
    `${name}: an appointment opened up ${slotTime(t.slotStart, t.patientZone, t.clinicZone)}. ` +
    `It's held for you until ${clock(t.holdExpiresAt, t.patientZone)}. Book: ${t.link} ` +
    `Reply YES to take it, NO to pass.`
  );
}

export function offerEmail(t: OfferText): { subject: string; text: string } {
  const time = slotTime(t.slotStart, t.patientZone, t.clinicZone);
  return {
    subject: `${t.clinicName}: an appointment opened up ${when(t.slotStart, t.patientZone)}`,
    text:
      `An appointment at ${t.clinicName} opened up: ${time}.\n\n` +
      `We are holding it for you until ${clock(t.holdExpiresAt, t.patientZone)} ${zoneLabel(t.holdExpiresAt, t.patientZone)}.\n\n` +
      `Book it or let it go: ${t.link}\n`,
  };
}

export function confirmationSms(c: { clinicName: string; slotStart: Date; patientZone: string; clinicZone: string }): string {
  return `${c.clinicName}: you're booked for ${slotTime(c.slotStart, c.patientZone, c.clinicZone)}. See you then!`;
}

/** What the phone call says (plain words, no link): the clinic, the day and time, until when it is held. */
export function offerSpoken(t: Omit<OfferText, "link">): string {
  const day = spokenDay(t.slotStart, t.patientZone);
  return (
    `Hello, this is ${t.clinicName}. An appointment has opened up on ${day}. ` + `We are holding it for you until ${clock(t.holdExpiresAt, t.patientZone)}.`
  );
}

/** What a confirmation call says to the person who answers: the clinic, the day and time. */
export function confirmationSpoken(c: { clinicName: string; slotStart: Date; patientZone: string }): string {
  return `Hello, this is ${c.clinicName}. You're booked for ${spokenDay(c.slotStart, c.patientZone)}. We'll see you then. Goodbye.`;
}

function spokenDay(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("cccc, LLLL d 'at' h:mm a");
}

/** A web push notification: the time and the hold; tapping it opens the offer page. */
export function offerPush(t: OfferText): string {
  return `An appointment opened up ${slotTime(t.slotStart, t.patientZone, t.clinicZone)}. Held for you until ${clock(t.holdExpiresAt, t.patientZone)} — tap to book.`;
}

/**
 * The answer to a YES for a time someone else just booked: up to three other times and one link, the
 * patient's own offer page, where each is booked with one tap. Times in the patient's zone only (the
 * page shows the clinic's too): three with both zones would not fit two GSM-7 segments with the link.
 */
export function takenSms(t: { clinicName: string; alternatives: Date[]; patientZone: string; link: string }): string {
  const name = t.clinicName.length > 40 ? `${t.clinicName.slice(0, 37)}...` : t.clinicName;
  if (t.alternatives.length === 0) return `${name}: sorry, that time was just taken. You stay on our waitlist.`;
  const times = t.alternatives.slice(0, 3).map((at) => `${when(at, t.patientZone)} ${zoneLabel(at, t.patientZone)}`);
  return `${name}: sorry, that time was just taken. Other times for you: ${times.join("; ")}. Book one here: ${t.link}`;
}
