// Web push (VAPID, aes128gcm) to every browser a patient opted in from an offer page. The payload is
// small JSON — { title, body, url } — saying the minimum, like every message. It lives only as long as
// the offer does (TTL = seconds until validUntil, at least 60).
//
// Per subscription: 2xx → sent; 404/410 → the subscription is gone and is removed; any other 4xx →
// permanent (e.g. 400 bad request, 403 VAPID mismatch, 413 too large); 429/5xx → transient; failing to
// reach the push service (refused, DNS, TLS) → transient; a timeout or a connection dropped after the
// request was sent → unknown. Over all of a patient's subscriptions: any sent → ok; else any unknown →
// throws (the delivery stays SENDING and is never re-sent blindly); else any transient → transient; else
// permanent (including "no subscription left").
//
// Push services cannot be asked afterwards whether a message was accepted: lookup() is "unknown".
import { createHash } from "node:crypto";
import type { Agent } from "node:https";
import webpush from "web-push";
import type { PushConfig } from "../config.ts";
import type { PushSubscriptionRow } from "../store/push-subscriptions.ts";
import type { ChannelAdapter, OutgoingMessage, SendResult } from "./channel.ts";

/** What the adapter needs of the push_subscriptions table (configure.ts wires it to the store). */
export interface PushSubscriptionStore {
  forPatient(clinicId: string, patientId: string): Promise<PushSubscriptionRow[]>;
  /** The push service said this subscription is gone: forget it (and record the revoked consent). */
  remove(id: string, reason: string, now: Date): Promise<void>;
}

export interface WebPushOptions {
  /** An https.Agent for the push services (tests pass one trusting their own CA). */
  agent?: Agent;
  /** Socket timeout per request, default 15 s. */
  timeoutMs?: number;
}

/** A VAPID key pair (base64url), for the first start when none is configured. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  return { publicKey, privateKey };
}

const DEFAULT_TTL = 24 * 3600;
const MAX_TTL = 28 * 24 * 3600;
const MAX_BODY = 1000;

export function pushTtl(validUntil: Date | null, now: Date): number {
  if (!validUntil) return DEFAULT_TTL;
  return Math.min(MAX_TTL, Math.max(60, Math.floor((validUntil.getTime() - now.getTime()) / 1000)));
}

export function pushPayload(m: OutgoingMessage): string {
  const body = m.body.length > MAX_BODY ? `${m.body.slice(0, MAX_BODY - 3)}...` : m.body;
  return JSON.stringify({ title: m.subject ?? "An appointment opened up", body, url: m.links[0] ?? null });
}

type Outcome = { kind: "sent"; id: string } | { kind: "gone" | "permanent" | "transient" | "unknown"; reason: string };

const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

/** What one request's failure means (see the top of this file). */
export function classifyPushError(e: unknown): Outcome {
  if (e instanceof webpush.WebPushError) {
    const s = e.statusCode;
    const reason = `push service answered ${s}${e.body ? `: ${String(e.body).slice(0, 200)}` : ""}`;
    if (s === 404 || s === 410) return { kind: "gone", reason };
    if (s === 429 || s >= 500) return { kind: "transient", reason };
    if (s >= 400) return { kind: "permanent", reason };
    return { kind: "unknown", reason };
  }
  const err = (e ?? {}) as { code?: string; message?: string };
  const code = err.code ?? "";
  const reason = `${code || "error"}: ${err.message ?? String(e)}`.slice(0, 300);
  const tlsFailure = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/.test(code);
  if (NOT_CONNECTED.has(code) || tlsFailure) return { kind: "transient", reason };
  return { kind: "unknown", reason };
}

export function webPush(cfg: PushConfig, subscriptions: PushSubscriptionStore, options: WebPushOptions = {}): ChannelAdapter {
  const vapidDetails = { subject: cfg.subject, publicKey: cfg.publicKey, privateKey: cfg.privateKey };
  // Bad VAPID settings fail at start, not on every send (and are never blamed on a subscription).
  webpush.getVapidHeaders("https://push.example", cfg.subject, cfg.publicKey, cfg.privateKey, "aes128gcm");

  async function sendOne(sub: PushSubscriptionRow, payload: string, m: OutgoingMessage, now: Date): Promise<Outcome> {
    const subscription = { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } };
    const requestOptions: webpush.RequestOptions = {
      vapidDetails,
      TTL: pushTtl(m.validUntil, now),
      urgency: "high",
      contentEncoding: "aes128gcm",
      // Coalesces a resend of the same delivery with an undelivered earlier copy at the push service.
      topic: createHash("sha256").update(m.deliveryId).digest("base64url").slice(0, 32),
      timeout: options.timeoutMs ?? 15_000,
      ...(options.agent ? { agent: options.agent } : {}),
    };
    try {
      if (new URL(sub.endpoint).protocol !== "https:") throw new Error("push endpoint is not https");
      // Throws for keys no browser could have made: that subscription can never work.
      webpush.generateRequestDetails(subscription, payload, requestOptions);
    } catch (e) {
      return { kind: "gone", reason: `invalid subscription: ${e instanceof Error ? e.message : String(e)}` };
    }
    try {
      const res = await webpush.sendNotification(subscription, payload, requestOptions);
      const location = res.headers?.location;
      return { kind: "sent", id: typeof location === "string" && location ? location : `push:${m.deliveryId}` };
    } catch (e) {
      return classifyPushError(e);
    }
  }

  return {
    async send(m: OutgoingMessage, now: Date): Promise<SendResult> {
      const subs = await subscriptions.forPatient(m.clinicId, m.to);
      if (subs.length === 0) return { ok: false, permanent: true, reason: "no push subscription" };
      const payload = pushPayload(m);
      const outcomes = await Promise.all(subs.map((s) => sendOne(s, payload, m, now)));
      for (const [i, o] of outcomes.entries()) {
        // Best effort: failing to forget a dead subscription must not turn a sent message into an error;
        // it is tried again (and removed) on the next send.
        if (o.kind === "gone") await subscriptions.remove(subs[i]!.id, o.reason.slice(0, 300), now).catch(() => undefined);
      }

      const sent = outcomes.find((o) => o.kind === "sent");
      if (sent && sent.kind === "sent") return { ok: true, providerMessageId: sent.id };
      const failed = outcomes.filter((o): o is Exclude<Outcome, { kind: "sent" }> => o.kind !== "sent");
      const reasons = failed
        .map((o) => o.reason)
        .join("; ")
        .slice(0, 500);
      if (failed.some((o) => o.kind === "unknown")) throw new Error(`push send outcome unknown: ${reasons}`);
      if (failed.some((o) => o.kind === "transient")) return { ok: false, permanent: false, reason: reasons };
      const gone = failed.filter((o) => o.kind === "gone").length;
      const left = subs.length - gone;
      return { ok: false, permanent: true, reason: left === 0 ? `no push subscription left (${reasons})` : reasons };
    },
    async lookup() {
      return { sent: "unknown" };
    },
  };
}
