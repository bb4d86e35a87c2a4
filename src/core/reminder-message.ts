// What reminders and the replies to C / X / R say. Like every message: the clinic, the day and time (the
// patient's zone, with the clinic's when different), an opaque link — never the service or anything clinical.
import { DateTime } from "luxon";
import type { FeeReason } from "./fees.ts";
import { slotTime } from "./message.ts";

export interface ReminderText {
  clinicName: string;
  start: Date;
  patientZone: string;
  clinicZone: string;
  /** The patient's reschedule page: the time, add-to-calendar (.ics and Google, in their zone), other times. */
  link: string;
}

export const REPLY_WORDS = "Reply C to confirm, X to cancel, R to reschedule.";

/** A clinic name fits the two-segment budget at 40 GSM-7 characters ("..." not "…", which is not GSM-7). */
function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 37)}...` : name;
}

/**
 * The SMS, within two GSM-7 segments (306 characters) for a 40-character clinic name, a 40-character
 * public URL and any pair of zones (test/core/reminder-message.test.ts). A Google Calendar link alone is
 * ~250 characters, so the SMS carries the page link and the page carries the calendar links.
 */
export function reminderSms(t: ReminderText): string {
  return (
    `${shortName(t.clinicName)}: reminder of your appointment ${slotTime(t.start, t.patientZone, t.clinicZone)}. ` +
    `Calendar & changes: ${t.link} ${REPLY_WORDS}`
  );
}

/** The email's subject and text; the email channel adds the HTML part, the .ics and the Google Calendar link. */
export function reminderEmail(t: ReminderText): { subject: string; text: string } {
  const day = DateTime.fromJSDate(t.start, { zone: t.patientZone }).setLocale("en-US").toFormat("ccc d LLL");
  return {
    subject: `${t.clinicName}: reminder of your appointment on ${day}`,
    text:
      `This is a reminder of your appointment at ${t.clinicName}: ${slotTime(t.start, t.patientZone, t.clinicZone)}.\n\n` +
      `Add it to your calendar with the attached invite.ics or the Google Calendar link below.\n\n` +
      `Need another time? Pick one here (moving it is free), or call us: ${t.link}\n`,
  };
}

/** "$40.00": money is integer cents (API.md); the clinics are US clinics (the dashboard formats USD too). */
export function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

const FEE_WORDS: Record<FeeReason, string> = {
  late_notice: "late-cancellation fee",
  full_charge: "the full price, at this short notice",
  grace_period: "no fee",
  enough_notice: "no fee",
};

/** How long a fee quote sent by SMS stays valid: a second X within it confirms. */
export const QUOTE_MINUTES = 30;

export type ReminderReply =
  | { kind: "confirmed"; start: Date }
  | { kind: "quote"; start: Date; feeCents: number; feeReason: FeeReason }
  | { kind: "cancelled"; start: Date; feeCents: number }
  | { kind: "link"; start: Date; link: string }
  | { kind: "rebook_link"; link: string }
  | { kind: "none"; word: "C" | "X" | "R" };

/** The answer to a patient's C, X or R (one SMS each; `{link}` texts are filled in at send time). */
export function reminderReplyText(r: ReminderReply, c: { clinicName: string; patientZone: string; clinicZone: string; clinicPhone: string | null }): string {
  const name = shortName(c.clinicName);
  const call = c.clinicPhone ? ` at ${c.clinicPhone}` : "";
  const time = (at: Date) => slotTime(at, c.patientZone, c.clinicZone);
  switch (r.kind) {
    case "confirmed":
      return `${name}: thank you, your appointment ${time(r.start)} is confirmed. See you then!`;
    case "quote":
      return (
        `${name}: cancelling your appointment ${time(r.start)} now costs ${dollars(r.feeCents)} (${FEE_WORDS[r.feeReason]}). ` +
        `Reply X again within ${QUOTE_MINUTES} minutes to confirm, or C to keep it.`
      );
    case "cancelled":
      return r.feeCents > 0
        ? `${name}: your appointment ${time(r.start)} is cancelled. A ${dollars(r.feeCents)} cancellation fee applies.`
        : `${name}: your appointment ${time(r.start)} is cancelled, free of charge. Thank you for letting us know.`;
    case "link":
      return `${name}: to move your appointment ${time(r.start)} to another time (free), open ${r.link} or call us${call}.`;
    case "rebook_link":
      return `${name}: pick a new time here: ${r.link} or call us${call}.`;
    case "none": {
      const what = r.word === "C" ? "confirm" : r.word === "X" ? "cancel" : "reschedule";
      return `${name}: we found no upcoming appointment of yours to ${what} by text. Please call us${call}.`;
    }
    default: {
      const never: never = r;
      throw new Error(`unknown reply ${JSON.stringify(never)}`);
    }
  }
}
