// The fake Twilio's side of the webhooks: status callbacks, inbound SMS and answered calls, each POSTed as
// Twilio does (form-encoded, X-Twilio-Signature over the public URL and the sorted params).
import { randomBytes } from "node:crypto";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";

export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  status: string;
  statusCallback: string | null;
  validityPeriod: number | null;
  dateCreated: Date;
  dateSent: Date | null;
  errorCode: number | null;
  /** The create request's form, as received. */
  params: Record<string, string>;
}

export interface FakeCall {
  sid: string;
  to: string;
  from: string;
  url: string;
  statusCallback: string | null;
  status: string;
  answeredBy: string | null;
  dateCreated: Date;
  params: Record<string, string>;
}

export interface CallbackAnswer {
  status: number;
  body: string;
  contentType: string | null;
}

export interface AnsweredCall {
  /** Our answer to the call's Url (TwiML). */
  status: number;
  twiml: string;
  /** Our answer to the <Gather> action after the digits were pressed; null when none were (or no Gather). */
  gather: { action: string; status: number; twiml: string } | null;
}

const API = "2010-04-01";
const FINAL_SMS = new Set(["sent", "delivered", "undelivered", "failed", "read"]);
const unescapeXml = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e]!);

export class FakeTwilioCallbacks {
  readonly messages: FakeMessage[] = [];
  readonly calls: FakeCall[] = [];

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
    /** Where callbacks are actually sent (our server's real address); null → to the signed URL itself. */
    public deliverTo: string | null,
    /** Our public base URL, for inbound SMS. */
    public publicUrl: string | null,
    protected readonly now: () => Date,
  ) {}

  /** X-Twilio-Signature for a POST to `url` with `params`, computed by the twilio package. */
  sign(url: string, params: Record<string, string>): string {
    return getExpectedTwilioSignature(this.authToken, url, params);
  }

  /**
   * POSTs `params` as Twilio would to `publicUrl`, delivered to `deliverTo` (same path and query). `signature`:
   * omitted → the correct one; null → no header; a string → that header (to test rejection).
   */
  async signedPost(publicUrl: string, params: Record<string, string>, signature?: string | null): Promise<CallbackAnswer> {
    const target = new URL(publicUrl);
    const to = this.deliverTo ? new URL(target.pathname + target.search, this.deliverTo) : target;
    const sig = signature === undefined ? this.sign(publicUrl, params) : signature;
    const res = await fetch(to, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "TwilioProxy/1.1",
        ...(sig === null ? {} : { "x-twilio-signature": sig }),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text(), contentType: res.headers.get("content-type") };
  }

  /** A Message status callback to the message's StatusCallback; updates the fake's record first. */
  async sendSmsStatus(sid: string, status: string, extra: Record<string, string> = {}): Promise<CallbackAnswer> {
    const m = this.messages.find((x) => x.sid === sid);
    if (!m?.statusCallback) throw new Error(`no message ${sid} with a StatusCallback`);
    m.status = status;
    if (FINAL_SMS.has(status) && !m.dateSent) m.dateSent = this.now();
    if (extra.ErrorCode) m.errorCode = Number(extra.ErrorCode);
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: API,
      From: m.from ?? "+15005550006",
      To: m.to,
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      ...(m.messagingServiceSid ? { MessagingServiceSid: m.messagingServiceSid } : {}),
      ...extra,
    };
    return this.signedPost(m.statusCallback, params);
  }

  /** A text from a patient to `${publicUrl}/webhooks/twilio/inbound-sms`. */
  async sendInboundSms(from: string, body: string, opts: { to?: string; messageSid?: string } = {}): Promise<CallbackAnswer & { messageSid: string }> {
    if (!this.publicUrl) throw new Error("the fake needs publicUrl to send inbound SMS");
    const messageSid = opts.messageSid ?? `SM${randomBytes(16).toString("hex")}`;
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: API,
      MessageSid: messageSid,
      SmsSid: messageSid,
      SmsMessageSid: messageSid,
      From: from,
      To: opts.to ?? "+15005550006",
      Body: body,
      NumMedia: "0",
      NumSegments: "1",
      SmsStatus: "received",
    };
    return { ...(await this.signedPost(`${this.publicUrl}/webhooks/twilio/inbound-sms`, params)), messageSid };
  }

  /** The call's final status callback (completed, busy, no-answer, failed, canceled). */
  async sendVoiceStatus(callSid: string, status: string, extra: Record<string, string> = {}): Promise<CallbackAnswer> {
    const c = this.call(callSid);
    if (!c.statusCallback) throw new Error(`call ${callSid} has no StatusCallback`);
    c.status = status;
    const params = { ...this.callParams(c), CallStatus: status, CallDuration: status === "completed" ? "42" : "0", ...extra };
    return this.signedPost(c.statusCallback, params);
  }

  /**
   * The patient (or a machine) picks up: fetches our TwiML from the call's Url with AnsweredBy, then, when it
   * holds a <Gather> and `digits` are given, posts them to the gather's action.
   */
  async answerCall(callSid: string, o: { answeredBy: string; digits?: string }): Promise<AnsweredCall> {
    const c = this.call(callSid);
    c.status = "in-progress";
    c.answeredBy = o.answeredBy;
    const params = { ...this.callParams(c), CallStatus: "in-progress" };
    const first = await this.signedPost(c.url, params);
    const gather = /<Gather\b([^>]*)>/.exec(first.body);
    if (!gather || o.digits === undefined) return { status: first.status, twiml: first.body, gather: null };
    const rawAction = /\baction="([^"]*)"/.exec(gather[1]!)?.[1];
    const action = rawAction ? new URL(unescapeXml(rawAction), c.url).toString() : c.url;
    const pressed = await this.signedPost(action, { ...params, Digits: o.digits, FinishedOnKey: "" });
    return { status: first.status, twiml: first.body, gather: { action, status: pressed.status, twiml: pressed.body } };
  }

  private call(sid: string): FakeCall {
    const c = this.calls.find((x) => x.sid === sid);
    if (!c) throw new Error(`no call ${sid}`);
    return c;
  }

  private callParams(c: FakeCall): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      ApiVersion: API,
      CallSid: c.sid,
      Direction: "outbound-api",
      From: c.from,
      To: c.to,
      Called: c.to,
      Caller: c.from,
      ...(c.answeredBy ? { AnsweredBy: c.answeredBy } : {}),
    };
  }
}
