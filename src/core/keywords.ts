// What a patient's text means. Carriers' standard keywords (CTIA) and clear free-text revocations
// revoke SMS consent at once (TCPA: a revocation in any reasonable words counts). A reminder's replies are
// single letters: C confirms, X cancels, R asks for the reschedule link. "CANCEL" is and stays a STOP word
// (carriers treat it so whatever we do), which is why cancelling an appointment is X.
export type Inbound = "stop" | "start" | "help" | "yes" | "no" | "confirm" | "cancel_visit" | "reschedule" | "other";

const STOP = new Set(["STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT", "OPT-OUT"]);
const START = new Set(["START", "UNSTOP", "SUBSCRIBE", "OPTIN", "OPT IN", "OPT-IN"]);
const HELP = new Set(["HELP", "INFO"]);
const YES = new Set(["YES", "Y", "1", "YEP", "YEAH", "YES PLEASE", "OK", "OKAY", "BOOK", "BOOK IT"]);
const NO = new Set(["NO", "N", "2", "NOPE", "NO THANKS", "PASS"]);
const CONFIRM = new Set(["C", "CONFIRM", "CONFIRMED"]);
const CANCEL_VISIT = new Set(["X"]);
const RESCHEDULE = new Set(["R", "RESCHEDULE"]);

// Free-text revocations: "stop texting me", "remove me from this list", "don't text me again"…
const REVOCATIONS = [
  /\b(stop|quit|cease)\s+(texting|messaging|sending|contacting|txting|msging)\b/i,
  /\bremove\s+me\b/i,
  /\btake\s+me\s+off\b/i,
  /\b(do\s*n[o']?t|dont|never)\s+(text|message|msg|contact|txt)\b/i,
  /\bno\s+more\s+(texts|messages|msgs)\b/i,
  /\bunsubscribe\b/i,
  /\bopt\s*-?\s*out\b/i,
  /\bleave\s+me\s+alone\b/i,
];

export function readInbound(body: string): Inbound {
  const word = body
    .trim()
    .toUpperCase()
    .replace(/[.!?]+$/, "")
    .replace(/\s+/g, " ");
  if (STOP.has(word)) return "stop";
  if (START.has(word)) return "start";
  if (HELP.has(word)) return "help";
  if (YES.has(word)) return "yes";
  if (NO.has(word)) return "no";
  if (CONFIRM.has(word)) return "confirm";
  if (CANCEL_VISIT.has(word)) return "cancel_visit";
  if (RESCHEDULE.has(word)) return "reschedule";
  if (REVOCATIONS.some((r) => r.test(body))) return "stop";
  return "other";
}

export function replyText(
  kind: "stopped" | "started" | "help" | "not_understood" | "taken" | "ended" | "no_offer",
  clinicName: string,
  clinicPhone: string | null,
): string {
  const call = clinicPhone ? ` or call ${clinicPhone}` : "";
  switch (kind) {
    case "stopped":
      return `${clinicName}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe.`;
    case "started":
      return `${clinicName}: you're subscribed to appointment openings by text again. Reply STOP to unsubscribe.`;
    case "help":
      // Carriers require HELP to name the program and how to opt out; one segment with a clinic name and number.
      return `${clinicName}: appointment reminders and openings from the waitlist. For help${call ? call.replace(" or", "") : " contact the clinic"}. Reply STOP to unsubscribe.`;
    case "not_understood":
      return `${clinicName}: reply YES to take the offered time or NO to pass${call}.`;
    case "taken":
      return `${clinicName}: sorry, that time was just taken. You stay on our waitlist.`;
    case "ended":
      return `${clinicName}: sorry, that offer has ended. You stay on our waitlist.`;
    case "no_offer":
      return `${clinicName}: we have no open offer for you right now. You stay on our waitlist${call}.`;
  }
}
