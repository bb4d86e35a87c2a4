// The few Twilio REST calls the SMS and voice channels make (2010-04-01 API: form-encoded POST, JSON answers,
// HTTP Basic with the account SID and auth token), and what a failed create means for the dispatcher.
import type { TwilioConfig } from "../config.ts";
import type { SendResult } from "./channel.ts";

export interface TwilioOptions {
  /** Per request; a create that times out throws (outcome unknown), it never reports a failure. */
  timeoutMs?: number;
  /** List page size for lookups (Twilio's maximum is 1000). */
  pageSize?: number;
  /** Lookups give up ("unknown") rather than read more pages than this. */
  maxPages?: number;
}

export const DEFAULTS = { timeoutMs: 10_000, pageSize: 1000, maxPages: 5 } as const;

/** A JSON object in Twilio's answer (a Message, a Call, a list page, an error): fields are checked where read. */
export type TwilioObject = Readonly<Record<string, unknown>>;

export interface TwilioAnswer {
  status: number;
  /** null when the answer was not a JSON object (a gateway's HTML error page, an empty body). */
  body: TwilioObject | null;
}

function asObject(x: unknown): TwilioObject | null {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as TwilioObject) : null;
}

/** A string field of Twilio's JSON, or null when it is absent, empty or not a string. */
export function stringField(o: TwilioObject | null, key: string): string | null {
  const v = o?.[key];
  return typeof v === "string" && v !== "" ? v : null;
}

export function accountPath(cfg: TwilioConfig, resource: string): string {
  return `/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid)}/${resource}`;
}

/** One request. Throws on network errors and timeouts; any HTTP status is an answer. */
export async function twilioRequest(
  cfg: TwilioConfig,
  method: "GET" | "POST",
  pathOrUri: string,
  form: URLSearchParams | null,
  timeoutMs: number,
): Promise<TwilioAnswer> {
  const auth = Buffer.from(`${cfg.accountSid}:${cfg.authToken}`).toString("base64");
  const res = await fetch(`${cfg.apiBase}${pathOrUri}`, {
    method,
    headers: {
      authorization: `Basic ${auth}`,
      accept: "application/json",
      ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    body: form ? form.toString() : null,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: TwilioObject | null = null;
  try {
    body = text ? asObject(JSON.parse(text)) : null;
  } catch {
    body = null; // a gateway's HTML error page
  }
  return { status: res.status, body };
}

// The request never reached Twilio (nothing listening, no such host): safe to try again later.
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * Creates a Message or Call. A clear answer becomes a SendResult; an unclear one throws, so the delivery stays
 * SENDING and is reconciled with `lookup` instead of being sent again: timeouts, resets, 502/504 (a gateway
 * lost the upstream answer), a 2xx without a SID.
 */
export async function createResource(cfg: TwilioConfig, resource: string, form: URLSearchParams, timeoutMs: number): Promise<SendResult> {
  let answer: TwilioAnswer;
  try {
    answer = await twilioRequest(cfg, "POST", accountPath(cfg, resource), form, timeoutMs);
  } catch (e) {
    const code = (e as { cause?: { code?: string } })?.cause?.code;
    if (code && NOT_CONNECTED.has(code)) return { ok: false, permanent: false, reason: `twilio unreachable (${code})` };
    throw e;
  }
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    const sid = stringField(body, "sid");
    if (sid) return { ok: true, providerMessageId: sid };
    throw new Error(`twilio answered ${status} without a sid`);
  }
  if (status === 502 || status === 504) throw new Error(`twilio gateway error ${status}: outcome unknown`);
  const rawCode = body?.code;
  const code = typeof rawCode === "number" ? rawCode : null;
  const reason = `twilio ${code ?? status}: ${REASONS.get(code ?? -1) ?? String(body?.message ?? `HTTP ${status}`)}`;
  return { ok: false, permanent: !isTransient(status, code), reason };
}

/** Worth trying again later: rate limits, a full sender queue, Twilio's own server errors. */
export function isTransient(status: number, code: number | null): boolean {
  return status === 429 || status >= 500 || code === 20429 || code === 21611;
}

// Every other 4xx is permanent: the same request would fail the same way. Named here for readable reasons.
const REASONS = new Map<number, string>([
  [20003, "authentication failed (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)"],
  [21211, "invalid phone number"],
  [21214, "number cannot be reached"],
  [21217, "number does not appear valid"],
  [21408, "no permission to send to this region"],
  [21606, "sender cannot send SMS"],
  [21610, "recipient unsubscribed (replied STOP)"],
  [21612, "number cannot receive SMS from this sender"],
  [21614, "not a mobile number"],
  [21635, "landline number"],
  [21215, "no permission to call this region"],
  [13224, "invalid phone number"],
]);

/** Delivery errors in status callbacks after which the same number will not work: fall back, do not retry. */
const PERMANENT_DELIVERY_ERRORS = new Set(["21610", "21211", "21614", "21612", "30004", "30005", "30006"]);

export function isPermanentDeliveryError(code: string | null): boolean {
  return code !== null && PERMANENT_DELIVERY_ERRORS.has(code);
}

/** Walks a list resource page by page; null when a page fails or there are more pages than `maxPages`. */
export async function listAll(
  cfg: TwilioConfig,
  resource: string,
  key: "messages" | "calls",
  query: URLSearchParams,
  opts: Required<TwilioOptions>,
): Promise<TwilioObject[] | null> {
  query.set("PageSize", String(opts.pageSize));
  let uri: string | null = `${accountPath(cfg, resource)}?${query}`;
  const items: TwilioObject[] = [];
  for (let page = 0; uri; page++) {
    if (page >= opts.maxPages) return null;
    const { status, body }: TwilioAnswer = await twilioRequest(cfg, "GET", uri, null, opts.timeoutMs);
    const list = body?.[key];
    if (status !== 200 || !Array.isArray(list)) return null;
    for (const item of list) {
      const o = asObject(item);
      if (o) items.push(o);
    }
    uri = stringField(body, "next_page_uri");
  }
  return items;
}

/** Twilio dates are RFC 2822 ("Wed, 18 Aug 2010 20:01:40 +0000"). */
export function twilioDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}
