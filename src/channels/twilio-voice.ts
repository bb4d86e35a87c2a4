// Voice through Twilio Calls. Twilio rings the patient and, once answered (and answering-machine detection
// has decided), fetches our TwiML at /webhooks/twilio/voice/:deliveryId: the offer and "press 1 or 2" for a
// person, a short call-back message for a machine (see twiml.ts).
import type { TwilioConfig } from "../config.ts";
import type { Delivery, DeliveryStatus } from "../core/types.ts";
import type { ChannelAdapter, LookupResult, OutgoingMessage } from "./channel.ts";
import { accountPath, createResource, DEFAULTS, listAll, stringField, twilioDate, twilioRequest, type TwilioOptions } from "./twilio-rest.ts";

/** Seconds to ring before Twilio gives up (no-answer). Voicemail usually picks up after ~25 s. */
export const RING_SECONDS = 30;

/** The form Twilio receives for one call. */
export function callForm(from: string, publicUrl: string, m: OutgoingMessage): URLSearchParams {
  return new URLSearchParams({
    To: m.to,
    From: from,
    Url: `${publicUrl}/webhooks/twilio/voice/${encodeURIComponent(m.deliveryId)}`,
    Method: "POST",
    StatusCallback: `${publicUrl}/webhooks/twilio/voice-status?delivery=${encodeURIComponent(m.deliveryId)}`,
    StatusCallbackMethod: "POST",
    // Only the final status (completed, busy, no-answer, failed, canceled): that is all we record.
    StatusCallbackEvent: "completed",
    // Synchronous detection: the TwiML request carries AnsweredBy. DetectMessageEnd answers "human" at once
    // but waits for a machine's beep (machine_end_*), so the call-back message is recorded, not talked over.
    MachineDetection: "DetectMessageEnd",
    Timeout: String(RING_SECONDS),
  });
}

// Calls carry no body or URL to recognise ours by; any call to the number this close to the attempt may be it.
const SKEW_MS = 15 * 60 * 1000;

export function twilioVoice(cfg: TwilioConfig, publicUrl: string, options: TwilioOptions = {}): ChannelAdapter {
  const opts = { ...DEFAULTS, ...options };
  const base = publicUrl.replace(/\/+$/, "");
  return {
    async send(m) {
      // A Messaging Service cannot place calls: voice needs TWILIO_FROM (a voice-capable Twilio number).
      if (!cfg.from) return { ok: false, permanent: true, reason: "voice needs TWILIO_FROM" };
      return createResource(cfg, "Calls.json", callForm(cfg.from, base, m), opts.timeoutMs);
    },
    async lookup(d) {
      try {
        return await lookupCall(cfg, d, opts);
      } catch {
        return { sent: "unknown" };
      }
    },
  };
}

async function lookupCall(cfg: TwilioConfig, d: Delivery, opts: Required<TwilioOptions>): Promise<LookupResult> {
  if (d.providerMessageId && /^CA[0-9a-f]{32}$/i.test(d.providerMessageId)) {
    const { status, body } = await twilioRequest(cfg, "GET", accountPath(cfg, `Calls/${d.providerMessageId}.json`), null, opts.timeoutMs);
    const sid = stringField(body, "sid");
    return status === 200 && sid ? { sent: true, providerMessageId: sid } : { sent: "unknown" };
  }
  if (!d.toAddress) return { sent: false }; // the address is recorded before Twilio is called
  const calls = await listAll(cfg, "Calls.json", "calls", new URLSearchParams({ To: d.toAddress }), opts);
  if (!calls) return { sent: "unknown" };
  // Twilio's Call resource has no Url or other field of ours, so a call cannot be attributed to a delivery:
  // none since the attempt → not placed; any → unknown (never a second call on a guess).
  const since = d.updatedAt.getTime() - SKEW_MS;
  const recent = calls.some((c) => (twilioDate(c.date_created)?.getTime() ?? Infinity) >= since);
  return recent ? { sent: "unknown" } : { sent: false };
}

/** "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax" → a machine. */
export function isAnsweringMachine(answeredBy: string | undefined): boolean {
  return !!answeredBy && (answeredBy.startsWith("machine") || answeredBy === "fax");
}

export interface VoiceStatus {
  callSid: string | null;
  /** What to record; null for a step on the way (queued, ringing, in-progress). */
  status: DeliveryStatus | null;
  answeredBy: string | null;
  errorCode: string | null;
}

/** Reads a Call status callback: completed → DELIVERED, busy/no-answer → UNDELIVERED, failed/canceled → FAILED. */
export function parseVoiceStatus(params: Record<string, string | undefined>): VoiceStatus {
  const raw = (params.CallStatus ?? "").toLowerCase();
  return {
    callSid: params.CallSid ?? null,
    status: VOICE_STATUSES[raw] ?? null,
    answeredBy: params.AnsweredBy ?? null,
    errorCode: params.ErrorCode && params.ErrorCode !== "0" ? params.ErrorCode : null,
  };
}

const VOICE_STATUSES: Record<string, DeliveryStatus> = {
  completed: "DELIVERED",
  busy: "UNDELIVERED",
  "no-answer": "UNDELIVERED",
  failed: "FAILED",
  canceled: "FAILED",
};
