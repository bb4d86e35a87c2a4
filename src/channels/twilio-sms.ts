// SMS through Twilio Programmable Messaging. One Message create per send, with a status callback and a
// validity period that ends with the hold, so a stale offer is dropped by Twilio rather than delivered late.
import { createHash } from "node:crypto";
import type { TwilioConfig } from "../config.ts";
import type { Delivery, DeliveryStatus } from "../core/types.ts";
import type { ChannelAdapter, LookupResult, OutgoingMessage } from "./channel.ts";
import {
  accountPath,
  createResource,
  DEFAULTS,
  isPermanentDeliveryError,
  listAll,
  stringField,
  twilioDate,
  twilioRequest,
  type TwilioObject,
  type TwilioOptions,
} from "./twilio-rest.ts";

/** Twilio accepts a ValidityPeriod of 1 to 36,000 seconds (10 hours, also its default). */
export const MAX_VALIDITY_SECONDS = 36_000;

/**
 * Whole seconds from `now` until `validUntil`, clamped to 1..36000; null when there is no deadline. Rounded
 * down so the message is never valid past the hold. Twilio takes ValidityPeriod on the Message create with
 * either sender (From or MessagingServiceSid); a Messaging Service's own validity setting is only a default.
 */
export function validityPeriod(validUntil: Date | null, now: Date): number | null {
  if (!validUntil) return null;
  const seconds = Math.floor((validUntil.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_VALIDITY_SECONDS, Math.max(1, seconds));
}

/** The form Twilio receives for one SMS. */
export function smsForm(cfg: TwilioConfig, publicUrl: string, m: OutgoingMessage, now: Date): URLSearchParams {
  const form = new URLSearchParams({
    To: m.to,
    Body: m.body,
    StatusCallback: `${publicUrl}/webhooks/twilio/sms-status?delivery=${encodeURIComponent(m.deliveryId)}`,
  });
  // A Messaging Service picks the sender from its pool (and handles STOP itself); else the one number.
  if (cfg.messagingServiceSid) form.set("MessagingServiceSid", cfg.messagingServiceSid);
  else if (cfg.from) form.set("From", cfg.from);
  const validity = validityPeriod(m.validUntil, now);
  if (validity !== null) form.set("ValidityPeriod", String(validity));
  return form;
}

// How far before the recorded attempt a message without a link still counts as possibly ours (clock skew).
const SKEW_MS = 24 * 60 * 60 * 1000;
// A message with the attempt's exact text counts as the attempt's from this long before it was recorded
// (our clock against Twilio's, and date_created's whole seconds).
const ATTEMPT_SKEW_MS = 5 * 60 * 1000;

export function twilioSms(cfg: TwilioConfig, publicUrl: string, options: TwilioOptions = {}): ChannelAdapter {
  const opts = { ...DEFAULTS, ...options };
  const base = publicUrl.replace(/\/+$/, "");
  return {
    async send(m, now) {
      if (!cfg.messagingServiceSid && !cfg.from) return { ok: false, permanent: true, reason: "no SMS sender configured" };
      return createResource(cfg, "Messages.json", smsForm(cfg, base, m, now), opts.timeoutMs);
    },
    async lookup(d) {
      try {
        return await lookupMessage(cfg, d, opts);
      } catch {
        return { sent: "unknown" }; // network error or timeout: cannot tell
      }
    },
  };
}

async function lookupMessage(cfg: TwilioConfig, d: Delivery, opts: Required<TwilioOptions>): Promise<LookupResult> {
  if (d.providerMessageId && /^(SM|MM)[0-9a-f]{32}$/i.test(d.providerMessageId)) {
    const { status, body } = await twilioRequest(cfg, "GET", accountPath(cfg, `Messages/${d.providerMessageId}.json`), null, opts.timeoutMs);
    const sid = stringField(body, "sid");
    return status === 200 && sid ? { sent: true, providerMessageId: sid } : { sent: "unknown" };
  }
  // The dispatcher records to_address (and the link's token hash) before it calls Twilio: no address, no call.
  if (!d.toAddress) return { sent: false };
  // Filtered by To only, not DateSent: a message still queued (or failed in the queue) has no date_sent yet
  // and would be missed, and "not found" leads to a second send.
  const messages = await listAll(cfg, "Messages.json", "messages", new URLSearchParams({ To: d.toAddress }), opts);
  if (!messages) return { sent: "unknown" };
  const tokenHash = d.tokenHash;
  if (tokenHash) {
    // Each attempt mints a new link token, so a message carrying this one is this attempt's, and no such
    // message means the attempt never reached Twilio.
    const mine = messages.find((msg) => tokensIn(stringField(msg, "body") ?? "").some((t) => sha256Hex(t) === tokenHash));
    return mine ? { sent: true, providerMessageId: String(mine.sid) } : { sent: false };
  }
  const created = (msg: TwilioObject) => twilioDate(msg.date_created)?.getTime() ?? Infinity;
  if (d.bodyHash) {
    // No link, but the exact text was recorded: one message with it, created since the attempt, is this
    // attempt's. Two are ambiguous (the same text twice); an earlier one is another delivery's.
    const attempt = d.updatedAt.getTime() - ATTEMPT_SKEW_MS;
    const same = messages.filter((msg) => typeof msg.body === "string" && sha256Hex(msg.body) === d.bodyHash && created(msg) >= attempt);
    if (same.length === 1) return { sent: true, providerMessageId: String(same[0]!.sid) };
    if (same.length > 1) return { sent: "unknown" };
  }
  // Nothing to recognise it by (or a text Twilio may have altered: a trial prefix, smart encoding): any
  // message to this number around the attempt might be ours.
  const since = d.updatedAt.getTime() - SKEW_MS;
  const recent = messages.some((msg) => created(msg) >= since);
  return recent ? { sent: "unknown" } : { sent: false };
}

/** The tokens of booking links (`…/o/<token>`) in a message body. */
export function tokensIn(body: string): string[] {
  return [...body.matchAll(/\/o\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export interface SmsStatus {
  messageSid: string | null;
  /** What to record; null for a step on the way (queued, accepted, sending…) that changes nothing. */
  status: DeliveryStatus | null;
  errorCode: string | null;
  /** The error says this number will not take SMS (unsubscribed, unknown, landline): fall back, don't retry. */
  permanent: boolean;
}

/** Reads a Message status callback (form params as Twilio posts them). */
export function parseSmsStatus(params: Record<string, string | undefined>): SmsStatus {
  const raw = (params.MessageStatus ?? params.SmsStatus ?? "").toLowerCase();
  const errorCode = params.ErrorCode && params.ErrorCode !== "0" ? params.ErrorCode : null;
  return {
    messageSid: params.MessageSid ?? params.SmsSid ?? null,
    status: SMS_STATUSES[raw] ?? null,
    errorCode,
    permanent: isPermanentDeliveryError(errorCode),
  };
}

const SMS_STATUSES: Record<string, DeliveryStatus> = {
  sent: "SENT",
  delivered: "DELIVERED",
  read: "DELIVERED",
  undelivered: "UNDELIVERED",
  failed: "FAILED",
  canceled: "FAILED",
};
