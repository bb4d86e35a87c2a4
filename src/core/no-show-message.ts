// What the no-show ladder tells the patient (seed 002 §4), one note per step, on the patient's
// no-shows over the last 6 months (this one included): 1st an apology with the rebook link and the
// discount, 2nd that future bookings need a deposit (the amount, and how it is paid), 3rd and later
// that visits are paid when booked. Nothing clinical: the clinic's name, money, the way to act.
// One text serves SMS and email (the email adds a subject); each stays within two GSM-7 segments
// (306 characters) for a 40-character clinic name, a 40-character public URL and a phone number
// (test/core/no-show-message.test.ts).
import { dollars } from "./payment.ts";

export type NoShowStep = "apology" | "deposit" | "prepayment";

/** The ladder's step for the patient's count of no-shows (6 months, this one included). */
export function noShowStep(count: number): NoShowStep | null {
  if (count <= 0) return null;
  return count === 1 ? "apology" : count === 2 ? "deposit" : "prepayment";
}

export interface NoShowNoteInput {
  clinicName: string;
  /** The clinic's number for people to call (config), when there is one. */
  clinicPhone: string | null;
  discountPercent: number;
  depositCents: number;
}

export interface NoShowNote {
  subject: string;
  /** "{link}" (the apology only) is replaced with the patient's rebook link when the note is sent. */
  text: string;
  /** The apology carries a rebook link; the others tell the patient what changed. */
  rebookLink: boolean;
}

/** "..." not "…": U+2026 is outside GSM-7 and would switch the whole text to UCS-2 (70-character segments). */
function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 37)}...` : name;
}

// The deposit and the prepayment are taken on the /pay page a booking by link leads to (API.md "Deposits").
const HOW_TO_PAY = "on the payment page right after you tap Book";

/** Null when the step changes nothing the patient must know (a deposit of $0). */
export function noShowNote(step: NoShowStep, n: NoShowNoteInput): NoShowNote | null {
  const name = shortName(n.clinicName);
  const call = n.clinicPhone ? `call us at ${n.clinicPhone}` : "call us";
  switch (step) {
    case "apology":
      return {
        subject: `${n.clinicName}: we missed you`,
        text:
          `${name}: we missed you today and hope all is well. We'd be glad to find you a new time` +
          (n.discountPercent > 0 ? `, with ${n.discountPercent}% off your next visit` : "") +
          `. Pick one here: {link} or ${call}.`,
        rebookLink: true,
      };
    case "deposit":
      if (n.depositCents <= 0) return null;
      return {
        subject: `${n.clinicName}: a deposit for future visits`,
        text:
          `${name}: we missed you again today. From now on, booking a visit with us needs a ${dollars(n.depositCents)} deposit. ` +
          `It is held on your card ${HOW_TO_PAY} and released when you come. Questions? Please ${call}.`,
        rebookLink: false,
      };
    case "prepayment":
      return {
        subject: `${n.clinicName}: payment when you book`,
        text:
          `${name}: we missed you again today. From now on, visits with us are paid in full when you book: ` +
          `you pay ${HOW_TO_PAY}. Questions? Please ${call}.`,
        rebookLink: false,
      };
    default:
      return assertNever(step);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected no-show step ${String(x)}`);
}
