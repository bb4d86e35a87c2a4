// Email over SMTP (Nodemailer, pooled). A text part (the rendered message), an HTML part built from it
// (escaped; the booking link as a big button; no remote images), and — when the message carries its
// slot — an invite.ics (UTC times) plus an "Add to Google Calendar" link in both parts.
//
// SMTP cannot be asked afterwards whether a message went out, so lookup() is always "unknown": a crash
// between handing a message to the server and recording the answer fails the email delivery (and falls
// back to the next channel) rather than risk a duplicate. For the same reason the pool never re-sends a
// message on its own (maxRequeues 0), and a send whose outcome is unknown throws instead of returning.
//
// Errors: a 5xx reply (550 no such user, 553 bad address, 552 …; not 503) → permanent (a hard bounce);
// a 4xx reply (or 503) → transient; failing to reach the server at all (refused, DNS, connect/greeting/TLS
// timeout, auth) → transient, nothing was handed over; anything later without a reply (the connection
// dropped mid-transaction, the socket or the whole send timed out) → throws: the outcome is unknown.
import nodemailer from "nodemailer";
import type { SmtpConfig } from "../config.ts";
import { googleCalendarLink, icsEvent } from "../core/calendar.ts";
import type { ChannelAdapter, OutgoingMessage, SendResult } from "./channel.ts";

export interface SmtpOptions {
  /** Bound on one whole send, queueing included (default 60 s). Past it the outcome is unknown: send throws. */
  sendTimeoutMs?: number;
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export type SmtpEmailChannel = ChannelAdapter & { close(): Promise<void> };

/** The Message-ID of a delivery's email: one per delivery, so a resend would be recognisable downstream. */
export function messageIdFor(deliveryId: string): string {
  return `<delivery-${deliveryId.replace(/[^A-Za-z0-9._-]/g, "")}@backfill>`;
}

export function smtpEmail(cfg: SmtpConfig, options: SmtpOptions = {}): SmtpEmailChannel {
  const connectionTimeout = options.connectionTimeoutMs ?? 15_000;
  const transporter = nodemailer.createTransport({
    url: cfg.url,
    pool: true,
    maxConnections: 3,
    maxMessages: 100,
    // Never re-send a message whose connection closed mid-delivery: it may have been accepted.
    maxRequeues: 0,
    // Below the usual server idle limits, so a pooled connection is ours to close, not the server's.
    idleTimeout: 60_000,
    connectionTimeout,
    greetingTimeout: connectionTimeout,
    dnsTimeout: connectionTimeout,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    socketCloseTimeout: 2_000,
    // Content is ours alone: no file or URL is ever read into a message.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // Failures reach each send's own promise; nothing is left to crash the process.
  transporter.on("error", () => {});
  const sendTimeout = options.sendTimeoutMs ?? 60_000;

  return {
    async send(m: OutgoingMessage, now: Date): Promise<SendResult> {
      if (!m.to) return { ok: false, permanent: true, reason: "no email address" };
      const parts = render(m, now);
      try {
        const info = await transporter.sendMail({
          from: cfg.from,
          to: m.to,
          subject: m.subject ?? "An appointment update",
          messageId: messageIdFor(m.deliveryId),
          date: now,
          text: parts.text,
          html: parts.html,
          attachments: parts.ics ? [{ filename: "invite.ics", content: parts.ics, contentType: "text/calendar; charset=utf-8; method=PUBLISH" }] : [],
          headers: { "Auto-Submitted": "auto-generated" },
          signal: AbortSignal.timeout(sendTimeout),
        });
        return { ok: true, providerMessageId: info.messageId || messageIdFor(m.deliveryId) };
      } catch (e) {
        const result = classify(e);
        if (result) return result;
        throw new Error(`SMTP send outcome unknown: ${describe(e)}`, { cause: e });
      }
    },
    async lookup() {
      // SMTP has no way to ask whether a message was accepted (see the top of this file).
      return { sent: "unknown" };
    },
    async close() {
      transporter.close();
    },
  };
}

interface SmtpError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  timeoutType?: string;
  command?: string;
  message?: string;
}

/** Errors before any message was handed over: retrying is safe. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
const SETUP_TIMEOUTS = new Set(["CONNECT_TIMEOUT", "GREETING_TIMEOUT", "UPGRADE_TIMEOUT"]);
const NEVER_SENT = new Set(["EDNS", "ETLS", "EAUTH", "ENOAUTH", "EOAUTH2", "EREQUIRETLS", "EPROXY"]);
/** Our own message or configuration cannot be sent as it is. */
const OUR_FAULT = new Set(["ECONFIG", "EENVELOPE", "EMESSAGE", "EMAXRECIPIENTS", "EFILEACCESS", "EURLACCESS"]);

/** A SendResult when the outcome is known; null when it is not (the caller throws). */
export function classify(e: unknown): SendResult | null {
  const err = (e ?? {}) as SmtpError;
  const reason = describe(e);
  const code = err.responseCode;
  if (typeof code === "number" && code >= 400 && code < 600) {
    // The server answered no: the message was not accepted.
    return { ok: false, permanent: code >= 500 && code !== 503, reason };
  }
  if (err.code === "ETIMEDOUT") return SETUP_TIMEOUTS.has(err.timeoutType ?? "") ? { ok: false, permanent: false, reason } : null;
  if (NOT_CONNECTED.has(err.originalCode ?? "") || NOT_CONNECTED.has(err.code ?? "")) return { ok: false, permanent: false, reason };
  if (NEVER_SENT.has(err.code ?? "")) return { ok: false, permanent: false, reason };
  if (OUR_FAULT.has(err.code ?? "")) return { ok: false, permanent: true, reason };
  return null;
}

function describe(e: unknown): string {
  const err = (e ?? {}) as SmtpError;
  const detail = err.response ?? err.message ?? String(e);
  return `${err.code ?? "error"}${err.originalCode ? `/${err.originalCode}` : ""}: ${detail}`.slice(0, 300);
}

// ---- rendering ----

export interface RenderedEmail {
  text: string;
  html: string;
  ics: string | null;
  calendarLink: string | null;
}

export function render(m: OutgoingMessage, now: Date): RenderedEmail {
  const booking = m.links[0] ?? null;
  const cal = m.calendar;
  const calendarLink = cal
    ? googleCalendarLink({ start: cal.start, end: cal.end, title: cal.title, details: booking ?? "", location: cal.location, zone: cal.zone })
    : null;
  const ics = cal
    ? icsEvent({
        uid: messageIdFor(m.deliveryId).slice(1, -1),
        start: cal.start,
        end: cal.end,
        summary: cal.title,
        location: cal.location,
        description: booking,
        url: booking,
        stamp: now,
      })
    : null;
  let text = `${m.body.replace(/\s+$/, "")}\n`;
  if (calendarLink) text += `\nAdd to Google Calendar: ${calendarLink}\n(or open the attached invite.ics)\n`;
  return { text, html: html(m, calendarLink), ics, calendarLink };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const BUTTON =
  "display:inline-block;padding:14px 28px;background:#1a56db;color:#ffffff;font-size:18px;font-weight:bold;" + "text-decoration:none;border-radius:8px";

/** One paragraph: escaped text, the booking link as a button (with the address beneath), other links as links. */
function paragraph(p: string, links: string[], label: string): string {
  const booking = links[0];
  const pattern = links.length ? new RegExp(links.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : null;
  let out = "";
  let last = 0;
  for (const match of pattern ? p.matchAll(pattern) : []) {
    out += escapeHtml(p.slice(last, match.index)).replace(/\n/g, "<br>");
    const href = escapeHtml(match[0]);
    out +=
      match[0] === booking
        ? `</p><p style="margin:24px 0"><a href="${href}" style="${BUTTON}">${escapeHtml(label)}</a></p>` +
          `<p style="font-size:13px;color:#555555">Or open this link: <a href="${href}">${href}</a>`
        : `<a href="${href}">${href}</a>`;
    last = match.index + match[0].length;
  }
  out += escapeHtml(p.slice(last)).replace(/\n/g, "<br>");
  return `<p>${out}</p>`.replace(/<p>\s*<\/p>/g, "");
}

function html(m: OutgoingMessage, calendarLink: string | null): string {
  const body = m.body
    .trim()
    .split(/\n{2,}/)
    .map((p) => paragraph(p, m.links, m.linkLabel ?? "Open your offer"))
    .join("\n");
  const calendar = calendarLink ? `\n<p><a href="${escapeHtml(calendarLink)}">Add to Google Calendar</a> (or open the attached invite.ics)</p>` : "";
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(m.subject ?? "")}</title></head>\n` +
    `<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#111111">\n` +
    `<div style="max-width:560px;margin:0 auto;padding:16px">\n${body}${calendar}\n</div>\n</body></html>\n`
  );
}
