// A local fake of Twilio's 2010-04-01 REST API (Messages and Calls: create, fetch, list) that answers with the
// real shapes and error bodies, records what it accepted, and (twilio-callbacks.ts) calls us back signed.
//
// Failures by the To number's last four digits:
//   0001 → 400 21211 invalid number        0002 → 400 21614 not a mobile (SMS only)
//   0003 → 400 21610 unsubscribed (SMS)     0004 → 500 20500 server error (transient)
//   0005 → never answers (timeouts)         0006 → 429 20429 too many requests (transient)
//   0007 → 504 gateway HTML (outcome unknown; nothing recorded)
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TwilioConfig } from "../../src/config.ts";
import { FakeTwilioCallbacks, type FakeCall, type FakeMessage } from "./twilio-callbacks.ts";

export type { CallbackAnswer, FakeCall, FakeMessage } from "./twilio-callbacks.ts";

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Where callbacks are actually sent (our test server); the URLs signed stay the public ones we gave Twilio. */
  deliverTo?: string | null;
  /** Our BACKFILL_PUBLIC_URL: inbound SMS go to `${publicUrl}/webhooks/twilio/inbound-sms`. */
  publicUrl?: string | null;
  /** The fake's clock for date_created / date_sent. */
  now?: () => Date;
}

const API = "2010-04-01";
const E164 = /^\+[1-9]\d{6,14}$/;
const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");
const newSid = (prefix: string) => prefix + randomBytes(16).toString("hex");

const FAILURES: Record<string, { status: number; code: number; message: string; smsOnly?: boolean }> = {
  "0001": { status: 400, code: 21211, message: "Invalid 'To' Phone Number" },
  "0002": { status: 400, code: 21614, message: "'To' number is not a valid mobile number", smsOnly: true },
  "0003": { status: 400, code: 21610, message: "Attempt to send to unsubscribed recipient", smsOnly: true },
  "0004": { status: 500, code: 20500, message: "Internal Server Error" },
  "0006": { status: 429, code: 20429, message: "Too Many Requests" },
};

export class FakeTwilio extends FakeTwilioCallbacks {
  /** Every REST request, accepted or not: "POST /Messages.json", "GET /Calls.json"… */
  readonly requests: string[] = [];
  url = "";
  private readonly server: http.Server;
  private hung = 0;
  private hangWaiters: Array<() => void> = [];

  constructor(opts: FakeTwilioOptions) {
    super(
      opts.accountSid ?? `AC${"0".repeat(31)}1`,
      opts.authToken ?? "fake-auth-token",
      opts.deliverTo ?? null,
      opts.publicUrl ?? null,
      opts.now ?? (() => new Date()),
    );
    this.server = http.createServer((req, res) => void this.handle(req, res).catch((e) => this.reply(res, 500, { message: String(e) })));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A TwilioConfig pointing at this fake. */
  config(over: Partial<TwilioConfig> = {}): TwilioConfig {
    return { accountSid: this.accountSid, authToken: this.authToken, from: "+15005550006", messagingServiceSid: null, apiBase: this.url, ...over };
  }

  /** Resolves once `n` requests are being held open (the 0005 numbers). */
  waitForHung(n = 1): Promise<void> {
    return this.hung >= n ? Promise.resolve() : new Promise((resolve) => this.hangWaiters.push(() => this.hung >= n && resolve()));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, status: number, code: number, message: string): void {
    this.reply(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const prefix = `/${API}/Accounts/${this.accountSid}/`;
    this.requests.push(`${req.method} /${url.pathname.slice(prefix.length)}`);
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected || !url.pathname.startsWith(prefix)) return this.error(res, 401, 20003, "Authenticate");
    const route = `${req.method} ${url.pathname.slice(prefix.length)}`;
    let m: RegExpMatchArray | null;
    if (route === "POST Messages.json") return this.createMessage(form, res);
    if (route === "POST Calls.json") return this.createCall(form, res);
    if (route === "GET Messages.json")
      return this.list(
        res,
        url,
        "messages",
        this.messages.filter((x) => matches(url, x.to, x.dateSent, "DateSent")).map((x) => this.messageJson(x)),
      );
    if (route === "GET Calls.json")
      return this.list(
        res,
        url,
        "calls",
        this.calls.filter((x) => matches(url, x.to, x.dateCreated, "StartTime")).map((x) => this.callJson(x)),
      );
    if (req.method === "GET" && (m = /^Messages\/(SM[0-9a-f]{32})\.json$/.exec(url.pathname.slice(prefix.length)))) {
      const found = this.messages.find((x) => x.sid === m![1]);
      return found ? this.reply(res, 200, this.messageJson(found)) : this.error(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }
    if (req.method === "GET" && (m = /^Calls\/(CA[0-9a-f]{32})\.json$/.exec(url.pathname.slice(prefix.length)))) {
      const found = this.calls.find((x) => x.sid === m![1]);
      return found ? this.reply(res, 200, this.callJson(found)) : this.error(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }
    return this.error(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
  }

  /** Applies the failure numbers; true when it has answered (or is holding the request open). */
  private failed(to: string, sms: boolean, res: http.ServerResponse): boolean {
    const tail = to.slice(-4);
    if (tail === "0005") {
      this.hung++;
      for (const w of this.hangWaiters) w();
      return true;
    }
    if (tail === "0007") return (res.writeHead(504, { "content-type": "text/html" }).end("<html>Gateway Timeout</html>"), true);
    const f = FAILURES[tail];
    if (!f || (f.smsOnly && !sms)) return false;
    this.error(res, f.status, f.code, f.message);
    return true;
  }

  private createMessage(form: Record<string, string>, res: http.ServerResponse): void {
    const { To: to, From: from, MessagingServiceSid: service, Body: body } = form;
    if (!to || !E164.test(to)) return this.error(res, 400, 21211, `The 'To' number ${to ?? ""} is not a valid phone number.`);
    if (!from && !service) return this.error(res, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
    if (service && !/^MG[0-9a-f]{32}$/.test(service)) return this.error(res, 400, 21701, "The Messaging Service Sid is invalid.");
    if (!body) return this.error(res, 400, 21602, "Message body is required.");
    const vp = form.ValidityPeriod === undefined ? null : Number(form.ValidityPeriod);
    if (vp !== null && !(Number.isInteger(vp) && vp >= 1 && vp <= 36_000)) return this.error(res, 400, 21624, "Invalid validity period value");
    if (this.failed(to, true, res)) return;
    const msg: FakeMessage = {
      sid: newSid("SM"),
      to,
      from: from ?? null,
      messagingServiceSid: service ?? null,
      body,
      status: from ? "queued" : "accepted",
      statusCallback: form.StatusCallback ?? null,
      validityPeriod: vp,
      dateCreated: this.now(),
      dateSent: null,
      errorCode: null,
      params: form,
    };
    this.messages.push(msg);
    this.reply(res, 201, this.messageJson(msg));
  }

  private createCall(form: Record<string, string>, res: http.ServerResponse): void {
    const { To: to, From: from, Url: callUrl } = form;
    if (!to || !E164.test(to)) return this.error(res, 400, 21211, `The 'To' number ${to ?? ""} is not a valid phone number.`);
    if (!from) return this.error(res, 400, 21213, "'From' phone number is required");
    if (!callUrl || !/^https?:\/\//.test(callUrl)) return this.error(res, 400, 21205, "Url parameter is required and must be a valid URL");
    if (this.failed(to, false, res)) return;
    const call: FakeCall = {
      sid: newSid("CA"),
      to,
      from,
      url: callUrl,
      statusCallback: form.StatusCallback ?? null,
      status: "queued",
      answeredBy: null,
      dateCreated: this.now(),
      params: form,
    };
    this.calls.push(call);
    this.reply(res, 201, this.callJson(call));
  }

  private list(res: http.ServerResponse, url: URL, key: "messages" | "calls", all: Array<{ sid: string; date_created: string }>): void {
    const size = Math.min(1000, Math.max(1, Number(url.searchParams.get("PageSize") ?? 50) || 50));
    const page = Math.max(0, Number(url.searchParams.get("Page") ?? 0) || 0);
    all.sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created) || b.sid.localeCompare(a.sid));
    const items = all.slice(page * size, (page + 1) * size);
    const at = (p: number) => {
      const q = new URLSearchParams(url.searchParams);
      q.set("PageSize", String(size));
      q.set("Page", String(p));
      if (p > 0) q.set("PageToken", `PA${all[p * size - 1]?.sid ?? ""}`);
      return `${url.pathname}?${q}`;
    };
    const more = (page + 1) * size < all.length;
    this.reply(res, 200, {
      [key]: items,
      page,
      page_size: size,
      start: page * size,
      end: page * size + Math.max(0, items.length - 1),
      uri: at(page),
      first_page_uri: at(0),
      next_page_uri: more ? at(page + 1) : null,
      previous_page_uri: page > 0 ? at(page - 1) : null,
    });
  }

  messageJson(m: FakeMessage) {
    const uri = `/${API}/Accounts/${this.accountSid}/Messages/${m.sid}.json`;
    return {
      account_sid: this.accountSid,
      api_version: API,
      body: m.body,
      date_created: rfc2822(m.dateCreated),
      date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
      date_updated: rfc2822(this.now()),
      direction: "outbound-api",
      error_code: m.errorCode,
      error_message: null,
      from: m.from,
      messaging_service_sid: m.messagingServiceSid,
      num_media: "0",
      num_segments: "1",
      price: null,
      price_unit: "USD",
      sid: m.sid,
      status: m.status,
      subresource_uris: { media: uri.replace(".json", "/Media.json") },
      to: m.to,
      uri,
    };
  }

  callJson(c: FakeCall) {
    return {
      sid: c.sid,
      account_sid: this.accountSid,
      api_version: API,
      date_created: rfc2822(c.dateCreated),
      date_updated: rfc2822(this.now()),
      to: c.to,
      to_formatted: c.to,
      from: c.from,
      from_formatted: c.from,
      status: c.status,
      start_time: null,
      end_time: null,
      duration: null,
      direction: "outbound-api",
      answered_by: c.answeredBy,
      parent_call_sid: null,
      price: null,
      price_unit: "USD",
      uri: `/${API}/Accounts/${this.accountSid}/Calls/${c.sid}.json`,
    };
  }
}

/** Twilio's list filters: To, and `Field>=date` / `Field<=date` / `Field=date` (UTC days; null never matches). */
function matches(url: URL, to: string, date: Date | null, field: string): boolean {
  const q = url.searchParams;
  if (q.get("To") !== null && q.get("To") !== to) return false;
  const day = date ? date.toISOString().slice(0, 10) : null;
  const bound = (key: string) => q.get(key)?.slice(0, 10) ?? null;
  const [after, before, on] = [bound(`${field}>`), bound(`${field}<`), bound(field)];
  if ((after || before || on) && !day) return false;
  return !(after && day! < after) && !(before && day! > before) && !(on && day !== on);
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  return new FakeTwilio(opts).listen();
}
