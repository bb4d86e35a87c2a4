// TwiML for the offer call: pure renderers, every value XML-escaped. The routes decide which one to answer.

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function response(inner: string): string {
  return `${XML_HEAD}<Response>${inner}</Response>`;
}

function say(text: string): string {
  return `<Say>${xmlEscape(text)}</Say>`;
}

export const PRESS_PROMPT = "Press 1 to book it, or 2 to decline.";

/**
 * The offer read in plain words, then one digit: 1 books, 2 declines. Twilio posts `Digits` to
 * `gatherAction`; with no key pressed within 8 seconds it goes on to the goodbye.
 */
export function offerCallTwiml(o: { text: string; gatherAction: string }): string {
  return response(
    `<Gather input="dtmf" numDigits="1" action="${xmlEscape(o.gatherAction)}" method="POST" timeout="8">` +
      say(`${o.text} ${PRESS_PROMPT}`) +
      `</Gather>` +
      say("We did not get an answer. Goodbye.") +
      `<Hangup/>`,
  );
}

/**
 * For an answering machine: no details, only who called, why (`about`: an offer by default) and the
 * number to call back.
 */
export function machineTwiml(o: { clinicName: string; clinicPhone: string | null; about?: string }): string {
  const callBack = o.clinicPhone ? `Please call us back at ${spokenPhone(o.clinicPhone)}.` : "Please call the clinic.";
  const about = o.about ?? "An earlier appointment may be available for you.";
  return response(`${say(`Hello, this is ${o.clinicName}. ${about} ${callBack} Goodbye.`)}<Hangup/>`);
}

/** A single spoken message, then the call ends (answers to a key press, "offer no longer available"…). */
export function sayTwiml(text: string): string {
  return response(`${say(text)}<Hangup/>`);
}

/**
 * A phone number as text-to-speech should read it: digit by digit in groups ("6 1 7, 5 5 5, 0 1 0 0"), not
 * as one large number. North American numbers drop the +1 and group 3-3-4.
 */
export function spokenPhone(phone: string): string {
  let digits = phone.replace(/\D/g, "");
  if (phone.trim().startsWith("+1") && digits.length === 11) digits = digits.slice(1);
  const groups = digits.length === 10 ? [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)] : (digits.match(/.{1,3}/g) ?? []);
  return groups.map((g) => g.split("").join(" ")).join(", ");
}

/** What the caller pressed: "1" books, "2" declines, anything else is not understood. */
export function digitChoice(digits: string | undefined): "accept" | "decline" | null {
  const d = (digits ?? "").trim();
  return d === "1" ? "accept" : d === "2" ? "decline" : null;
}
