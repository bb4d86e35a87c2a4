// End to end through the real channel wiring: the app listening on 127.0.0.1 with configureChannels, the fake
// Twilio (REST + signed callbacks to our real /webhooks routes) and a real SMTP server. Asserts on what the
// providers received, on the API's answers and on the rows.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { DateTime } from "luxon";
import PostalMime from "postal-mime";
import type { ChannelAdapter, OutgoingMessage } from "../../src/channels/channel.ts";
import { tokensIn, twilioSms } from "../../src/channels/twilio-sms.ts";
import { spokenPhone } from "../../src/channels/twiml.ts";
import { ADMIN_TOKEN, CLINIC_PHONE, rawPost, startLiveApp } from "./live-app.ts";

const live = await startLiveApp();
const { fake, clock, smtp, deps } = live;
const db = deps.db;

// ---- builders (each test makes its own clinic; phones never repeat, and never end 0001–0007 by accident) ----

const used = new Set<string>();
let seq = 200;
function aPhone(tail?: string, area = "212"): string {
  const phone = tail ? `+1${area}555${tail}` : `+1617555${String(++seq).padStart(4, "0")}`;
  used.add(phone);
  return phone;
}

interface Clinic {
  id: string;
  key: string;
  name: string;
  providerId: string;
  serviceId: string;
}

async function ok(method: string, path: string, key: string, body?: unknown, status = method === "POST" ? 201 : 200) {
  const res = await live.api(method, path, { key, body });
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function aClinic(name: string, settings: Record<string, unknown> = {}): Promise<Clinic> {
  const made = await ok("POST", "/api/admin/clinics", ADMIN_TOKEN, { name, timezone: "America/New_York" });
  const key = made.apiKey as string;
  const provider = await ok("POST", "/api/booking/providers", key, { name: "Dr. Lee" });
  const service = await ok("POST", "/api/booking/services", key, { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15000 });
  if (Object.keys(settings).length) await ok("PATCH", "/api/booking/settings", key, settings);
  return { id: made.clinic.id, key, name, providerId: provider.id, serviceId: service.id };
}

async function aPatient(c: Clinic, body: Record<string, unknown>): Promise<string> {
  if (typeof body.email === "string") used.add(body.email);
  return (await ok("POST", "/api/booking/patients", c.key, { firstName: "Robin", lastName: "Quill", ...body })).id;
}

async function anEntry(c: Clinic, patientId: string, over: Record<string, unknown> = {}): Promise<string> {
  return (await ok("POST", "/api/booking/waitlist", c.key, { patientId, serviceId: c.serviceId, ...over })).id;
}

/** An opening `hours` from now; the waitlist flow picks it up at the next drain. */
async function anOpening(c: Clinic, hours: number): Promise<{ id: string; start: Date }> {
  const start = new Date(clock.now().getTime() + hours * 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  const o = await ok("POST", "/api/booking/openings", c.key, { providerId: c.providerId, start: start.toISOString(), end: end.toISOString() });
  return { id: o.id, start };
}

/** The one notification (offer) of an entry, with its delivery trail. */
async function offerOf(c: Clinic, entryId: string) {
  const list = await ok("GET", `/api/booking/waitlist/notifications?entryId=${entryId}`, c.key);
  assert.equal(list.items.length, 1, `one notification for the entry: ${JSON.stringify(list.items)}`);
  return list.items[0];
}

async function patient(c: Clinic, id: string) {
  return ok("GET", `/api/booking/patients/${id}`, c.key);
}

const textsTo = (to: string) => fake.messages.filter((m) => m.to === to);
const callsTo = (to: string) => fake.calls.filter((x) => x.to === to);
const mailTo = (to: string) => smtp.received.filter((m) => m.to.includes(to));
/** What a TwiML document says, XML entities decoded. */
const said = (twiml: string) =>
  [...twiml.matchAll(/<Say>([^<]*)<\/Say>/g)]
    .map((m) => m[1]!.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e]!))
    .join(" ");
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

async function auditActions(entityId: string): Promise<string[]> {
  const { rows } = await db.query("SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id", [entityId]);
  return rows.map((r) => r.action as string);
}

// ---- 1. SMS ----

test("an offer by real SMS: status callback and validity to the hold; SENT with the SID; delivered callbacks only move forward", async () => {
  const c = await aClinic("Elm Dental");
  const phone = aPhone();
  const p = await aPatient(c, { phone, smsConsent: true });
  const entry = await anEntry(c, p);
  await anOpening(c, 26);
  await live.drain();

  const [msg, ...more] = textsTo(phone);
  assert.ok(msg, "the fake received the offer");
  assert.equal(more.length, 0, "exactly one message");
  assert.match(msg.params.StatusCallback!, new RegExp(`^${live.base}/webhooks/twilio/sms-status\\?delivery=[0-9a-f-]{36}$`));
  assert.equal(msg.from, live.config.channels.twilio!.from);
  assert.match(msg.body, /^Elm Dental: an appointment opened up /);
  assert.match(msg.body, /Reply YES to take it, NO to pass\.$/);

  const n = await offerOf(c, entry);
  assert.equal(n.status, "PENDING");
  assert.equal(n.channel, "SMS");
  const holdSeconds = (Date.parse(n.holdExpiresAt) - clock.now().getTime()) / 1000;
  assert.equal(holdSeconds, 120 * 60, "hold = holdMinutes from the send");
  assert.ok(msg.validityPeriod !== null && msg.validityPeriod <= holdSeconds && msg.validityPeriod >= holdSeconds - 1, `ValidityPeriod ${msg.validityPeriod}`);
  assert.equal(n.deliveries.length, 1);
  const d = n.deliveries[0];
  assert.equal(d.channel, "SMS");
  assert.equal(d.status, "SENT");
  assert.equal(d.providerMessageId, msg.sid);
  assert.equal(d.sentAt, clock.now().toISOString());
  assert.equal(d.attemptCount, 1);

  // The link in the text is this offer's, and it works.
  const [token] = tokensIn(msg.body);
  assert.ok(msg.body.includes(`${live.base}/o/${token}`));
  const pub = await live.api("GET", `/api/public/offers/${token}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.status, "PENDING");

  const delivered = await fake.sendSmsStatus(msg.sid, "delivered");
  assert.equal(delivered.status, 204);
  const at = clock.now().toISOString();
  let after = (await offerOf(c, entry)).deliveries[0];
  assert.equal(after.status, "DELIVERED");
  assert.equal(after.deliveredAt, at);

  clock.advanceMinutes(1);
  assert.equal((await fake.sendSmsStatus(msg.sid, "delivered")).status, 204, "a duplicate is acknowledged");
  assert.equal((await fake.sendSmsStatus(msg.sid, "sent")).status, 204, "a late 'sent' is acknowledged");
  after = (await offerOf(c, entry)).deliveries[0];
  assert.equal(after.status, "DELIVERED", "still DELIVERED");
  assert.equal(after.deliveredAt, at, "delivered time unchanged");
  assert.equal((await auditActions(d.id)).filter((a) => a === "delivery.status").length, 1, "one status change recorded");
  assert.equal((await offerOf(c, entry)).status, "PENDING");
});

test("an SMS the carrier reports undelivered (30006, landline) falls back to email, which arrives with the same hold", async () => {
  const c = await aClinic("Aspen Dental");
  const phone = aPhone();
  const email = "robin.aspen@patients.test";
  const p = await aPatient(c, { phone, email, smsConsent: true, emailConsent: true });
  const entry = await anEntry(c, p);
  await anOpening(c, 26);
  await live.drain();
  const [msg] = textsTo(phone);
  assert.ok(msg);
  const held = (await offerOf(c, entry)).holdExpiresAt;

  assert.equal((await fake.sendSmsStatus(msg.sid, "undelivered", { ErrorCode: "30006" })).status, 204);
  let n = await offerOf(c, entry);
  assert.deepEqual(
    n.deliveries.map((d: any) => [d.channel, d.status, d.failureReason]),
    [
      ["SMS", "UNDELIVERED", "30006"],
      ["EMAIL", "QUEUED", null],
    ],
  );
  clock.advanceMinutes(2);
  await live.drain();
  const [mail, ...more] = mailTo(email);
  assert.ok(mail?.accepted, "the email was accepted by the server");
  assert.equal(more.length, 0);
  n = await offerOf(c, entry);
  assert.equal(n.deliveries[1].status, "SENT");
  assert.equal(n.deliveries[1].providerMessageId, `<delivery-${n.deliveries[1].id}@backfill>`);
  assert.equal(n.holdExpiresAt, held, "the hold did not restart");
  const parsed = await PostalMime.parse(mail.raw);
  const until = DateTime.fromJSDate(new Date(held), { zone: "America/New_York" }).toFormat("h:mm a");
  assert.ok(parsed.text?.includes(`until ${until}`), `the email gives the running hold (${until})`);
});

// ---- 2. Fallback ----

test("fallback end to end: SMS refused (landline) → email after the delay (bounced 550) → call unanswered → outreach task and staff email", async () => {
  const staff = "frontdesk@birch.test";
  const c = await aClinic("Birch Dental", { channelOrder: ["SMS", "EMAIL", "VOICE"], fallbackDelayMinutes: 2, staffAlertEmail: staff });
  const phone = aPhone("0002"); // the fake answers 21614: not a mobile number
  const email = "bounce-robin@patients.test"; // the SMTP server reads it, then refuses it with 550
  const p = await aPatient(c, { phone, email, smsConsent: true, emailConsent: true, voiceConsent: true });
  const entry = await anEntry(c, p);
  const opening = await anOpening(c, 26);
  await live.drain();

  // SMS: refused at once, permanently; nothing reached the handset.
  assert.equal(textsTo(phone).length, 0);
  let n = await offerOf(c, entry);
  assert.deepEqual(
    n.deliveries.map((d: any) => [d.channel, d.status]),
    [
      ["SMS", "FAILED"],
      ["EMAIL", "QUEUED"],
    ],
  );
  assert.match(n.deliveries[0].failureReason, /21614/);
  assert.equal(n.status, "SCHEDULED", "no hold until something reached the patient");

  // The email waits for the fallback delay.
  clock.advanceMinutes(1);
  await live.drain();
  assert.equal(mailTo(email).length, 0, "not before fallbackDelayMinutes");
  clock.advanceMinutes(1);
  await live.drain();
  const mails = mailTo(email);
  assert.equal(mails.length, 1, "the email reached the SMTP server once");
  assert.equal(mails[0]!.accepted, false);
  const parsed = await PostalMime.parse(mails[0]!.raw);
  assert.match(parsed.subject ?? "", /^Birch Dental: an appointment opened up /);
  const link = new RegExp(`${live.base.replace(/[.:/]/g, "\\$&")}/o/([A-Za-z0-9_-]+)`).exec(parsed.text ?? "");
  assert.ok(link, "the booking link is in the text");
  assert.ok(parsed.html?.includes(link[0]), "and in the HTML");
  assert.equal(parsed.attachments.length, 1);
  const ics = parsed.attachments[0]!;
  assert.equal(ics.filename, "invite.ics");
  assert.equal(ics.mimeType, "text/calendar");
  const icsText = typeof ics.content === "string" ? ics.content : Buffer.from(ics.content as ArrayBuffer).toString("utf8");
  const utc = opening.start
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  assert.ok(icsText.includes(`DTSTART:${utc}`), `the .ics starts at the opening (${utc})`);
  n = await offerOf(c, entry);
  const emailDelivery = n.deliveries[1];
  assert.equal(emailDelivery.status, "FAILED");
  assert.match(emailDelivery.failureReason, /550/);
  const { rows: tokenRows } = await db.query("SELECT token_hash FROM deliveries WHERE id = $1", [emailDelivery.id]);
  assert.equal(tokenRows[0].token_hash, sha256(link[1]!), "the link in the email is this delivery's");
  assert.deepEqual(
    n.deliveries.map((d: any) => d.channel),
    ["SMS", "EMAIL", "VOICE"],
  );

  // The call, after another delay.
  clock.advanceMinutes(2);
  await live.drain();
  const calls = callsTo(phone);
  assert.equal(calls.length, 1, "the call was placed at the fake");
  const call = calls[0]!;
  n = await offerOf(c, entry);
  const voice = n.deliveries[2];
  assert.equal(call.url, `${live.base}/webhooks/twilio/voice/${voice.id}`);
  assert.equal(call.statusCallback, `${live.base}/webhooks/twilio/voice-status?delivery=${voice.id}`);
  assert.equal(voice.status, "SENT");
  assert.equal(voice.providerMessageId, call.sid);
  assert.equal(n.status, "PENDING", "the call started the hold");

  assert.equal((await fake.sendVoiceStatus(call.sid, "no-answer")).status, 204);
  const failedAt = clock.now();
  n = await offerOf(c, entry);
  assert.deepEqual(
    n.deliveries.map((d: any) => [d.channel, d.status]),
    [
      ["SMS", "FAILED"],
      ["EMAIL", "FAILED"],
      ["VOICE", "UNDELIVERED"],
    ],
    "the delivery trail",
  );
  assert.equal(n.deliveries[2].failureReason, "no-answer");
  assert.equal(n.status, "PENDING", "held for the staff's call");

  const tasks = await ok("GET", "/api/booking/outreach-tasks?status=OPEN", c.key);
  assert.equal(tasks.items.length, 1);
  const task = tasks.items[0];
  assert.equal(task.notificationId, n.id);
  assert.equal(task.patientId, p);
  assert.equal(task.priority, "high");
  assert.equal(task.status, "OPEN");
  assert.equal(task.deadline, new Date(failedAt.getTime() + 60 * 60_000).toISOString(), "deadline 1 h");
  assert.ok(Date.parse(n.holdExpiresAt) >= Date.parse(task.deadline), "the hold outlasts the task");

  await live.drain();
  const alerts = mailTo(staff);
  assert.equal(alerts.length, 1, "one staff alert email");
  assert.equal(alerts[0]!.accepted, true);
  const alert = await PostalMime.parse(alerts[0]!.raw);
  assert.equal(alert.subject, "Backfill: a patient needs a call");
  assert.ok(alert.text?.includes(task.id), "names the task");
  for (const secret of [phone, email, "Robin", "Quill"]) assert.ok(!alerts[0]!.raw.toString("utf8").includes(secret), `no ${secret} in the staff email`);
});

// ---- 3. Inbound ----

test("inbound STOP and 'stop texting me' revoke SMS consent with one confirmation each, audited; START restores; HELP answers once per MessageSid", async () => {
  const c = await aClinic("Cedar Dental");
  const a = aPhone();
  const b = aPhone();
  const pa = await aPatient(c, { phone: a, smsConsent: true });
  const pb = await aPatient(c, { phone: b, smsConsent: true });

  const stop = await fake.sendInboundSms(a, "STOP");
  assert.equal(stop.status, 200);
  assert.match(stop.contentType ?? "", /xml/);
  assert.match(stop.body, /<Response\/>/);
  assert.equal((await patient(c, pa)).smsConsent, false);
  assert.equal((await fake.sendInboundSms(b, "stop texting me")).status, 200);
  assert.equal((await patient(c, pb)).smsConsent, false);
  await live.drain();
  for (const [phone, id] of [
    [a, pa],
    [b, pb],
  ] as const) {
    const sent = textsTo(phone);
    assert.equal(sent.length, 1, "exactly one confirmation");
    assert.match(sent[0]!.body, /^Cedar Dental: you're unsubscribed/);
    assert.ok((await auditActions(id)).includes("consent.revoked"));
  }

  assert.equal((await fake.sendInboundSms(a, "START")).status, 200);
  assert.equal((await patient(c, pa)).smsConsent, true);
  assert.ok((await auditActions(pa)).includes("consent.granted"));

  const help = await fake.sendInboundSms(a, "HELP");
  assert.equal((await fake.sendInboundSms(a, "HELP", { messageSid: help.messageSid })).status, 200, "a retried webhook is acknowledged");
  await live.drain();
  const sent = textsTo(a).map((m) => m.body);
  assert.equal(sent.length, 3, "unsubscribed, subscribed, help: the retry sent nothing");
  assert.match(sent[1]!, /^Cedar Dental: you're subscribed/);
  assert.match(sent[2]!, /^Cedar Dental: /);
  assert.ok(sent[2]!.includes(CLINIC_PHONE), "HELP gives the clinic's number");
  const { rows } = await db.query("SELECT count(*)::int AS n FROM inbound_messages WHERE provider_message_id = $1", [help.messageSid]);
  assert.equal(rows[0].n, 1);
});

test("inbound YES books the live offer and confirms by SMS; the same MessageSid again acts once", async () => {
  const c = await aClinic("Dogwood Dental");
  const phone = aPhone();
  const p = await aPatient(c, { phone, smsConsent: true });
  const entry = await anEntry(c, p);
  const opening = await anOpening(c, 30);
  await live.drain();
  assert.equal(textsTo(phone).length, 1);

  const yes = await fake.sendInboundSms(phone, "YES");
  assert.equal(yes.status, 200);
  const n = await offerOf(c, entry);
  assert.equal(n.status, "ACCEPTED");
  assert.ok(n.bookedAppointmentId);
  const appt = await ok("GET", `/api/booking/appointments/${n.bookedAppointmentId}`, c.key);
  assert.equal(appt.status, "BOOKED");
  assert.equal(appt.patientId, p);
  assert.equal(appt.source, "WAITLIST");
  assert.equal(appt.start, opening.start.toISOString());
  assert.equal((await ok("GET", `/api/booking/openings/${opening.id}`, c.key)).status, "FILLED");

  assert.equal((await fake.sendInboundSms(phone, "YES", { messageSid: yes.messageSid })).status, 200);
  await live.drain();
  const sent = textsTo(phone);
  assert.equal(sent.length, 2, "the offer and one confirmation");
  assert.match(sent[1]!.body, /^Dogwood Dental: you're booked for /);
  const { rows } = await db.query("SELECT count(*)::int AS n FROM appointments WHERE patient_id = $1", [p]);
  assert.equal(rows[0].n, 1, "booked once");
});

test("inbound NO declines and the next wave offers the opening to the next patient", async () => {
  const c = await aClinic("Elder Dental");
  const first = aPhone();
  const second = aPhone();
  const p1 = await aPatient(c, { phone: first, smsConsent: true });
  const p2 = await aPatient(c, { phone: second, smsConsent: true });
  const e1 = await anEntry(c, p1, { priority: "urgent" });
  const e2 = await anEntry(c, p2);
  await anOpening(c, 30);
  await live.drain();
  assert.equal(textsTo(first).length, 1, "the urgent entry is offered first");
  assert.equal(textsTo(second).length, 0, "sequential: one at a time");

  assert.equal((await fake.sendInboundSms(first, "no")).status, 200);
  assert.equal((await offerOf(c, e1)).status, "DECLINED");
  await live.drain();
  assert.equal(textsTo(first).length, 1, "no reply to a plain decline");
  assert.equal(textsTo(second).length, 1, "the next wave went out");
  const next = await offerOf(c, e2);
  assert.equal(next.status, "PENDING");
  assert.equal(next.deliveries[0].providerMessageId, textsTo(second)[0]!.sid);
});

test("webhooks: a forged or missing X-Twilio-Signature → 403 and no effect", async () => {
  const c = await aClinic("Fir Dental");
  const phone = aPhone();
  const p = await aPatient(c, { phone, smsConsent: true });
  const entry = await anEntry(c, p);
  await anOpening(c, 30);
  await live.drain();
  const [offer] = textsTo(phone);
  assert.ok(offer);

  const inbound = (body: string) => ({
    AccountSid: fake.accountSid,
    MessageSid: `SM${randomBytes(16).toString("hex")}`,
    From: phone,
    To: "+15005550006",
    Body: body,
  });
  const url = `${live.base}/webhooks/twilio/inbound-sms`;
  const forged = await fake.signedPost(url, inbound("STOP"), fake.sign(url, inbound("START")));
  assert.equal(forged.status, 403);
  assert.match(forged.contentType ?? "", /problem\+json/);
  assert.equal(JSON.parse(forged.body).code, "forbidden");
  assert.equal((await fake.signedPost(url, inbound("STOP"), null)).status, 403, "missing");
  assert.equal((await fake.signedPost(url, inbound("YES"), "bm90IGEgc2lnbmF0dXJl")).status, 403, "garbage");
  const status = { AccountSid: fake.accountSid, MessageSid: offer.sid, MessageStatus: "undelivered", ErrorCode: "30006" };
  assert.equal((await fake.signedPost(offer.statusCallback!, status, null)).status, 403, "status callback without a signature");

  assert.equal((await patient(c, p)).smsConsent, true, "consent unchanged");
  const n = await offerOf(c, entry);
  assert.equal(n.status, "PENDING", "the offer was neither accepted nor declined");
  assert.equal(n.deliveries[0].status, "SENT", "the delivery unchanged");
  const { rows } = await db.query("SELECT count(*)::int AS n FROM inbound_messages WHERE from_address = $1", [phone]);
  assert.equal(rows[0].n, 0, "nothing recorded");
  await live.drain();
  assert.equal(textsTo(phone).length, 1, "no reply sent");
});

test("webhooks: a signature computed for another Host or URL → 403; the URL comes from BACKFILL_PUBLIC_URL", async () => {
  const c = await aClinic("Gum Dental");
  const phone = aPhone();
  const p = await aPatient(c, { phone, smsConsent: true });
  const path = "/webhooks/twilio/inbound-sms";
  const params = { AccountSid: fake.accountSid, MessageSid: `SM${randomBytes(16).toString("hex")}`, From: phone, To: "+15005550006", Body: "STOP" };
  const port = new URL(live.base).port;

  for (const host of [`localhost:${port}`, "backfill.attacker.test"]) {
    const signedFor = `http://${host}${path}`;
    const res = await rawPost(live.base, path, params, { host, "x-twilio-signature": fake.sign(signedFor, params) });
    assert.equal(res.status, 403, `signed for ${signedFor} with Host ${host}`);
  }
  const https = await rawPost(live.base, path, params, { "x-twilio-signature": fake.sign(`https://127.0.0.1:${port}${path}`, params) });
  assert.equal(https.status, 403, "another scheme");
  const query = await rawPost(live.base, path, params, { "x-twilio-signature": fake.sign(`${live.base}${path}?x=1`, params) });
  assert.equal(query.status, 403, "another query");
  assert.equal((await patient(c, p)).smsConsent, true, "consent unchanged");

  // The same request signed for the public URL is accepted, whatever Host it arrives with.
  const good = await rawPost(live.base, path, params, { host: "backfill.attacker.test", "x-twilio-signature": fake.sign(`${live.base}${path}`, params) });
  assert.equal(good.status, 200);
  assert.equal((await patient(c, p)).smsConsent, false);
});

// ---- 4. Voice ----

async function aVoiceOffer(c: Clinic) {
  const phone = aPhone();
  const p = await aPatient(c, { phone, smsConsent: false, voiceConsent: true });
  const entry = await anEntry(c, p);
  const opening = await anOpening(c, 28);
  await live.drain();
  const calls = callsTo(phone);
  assert.equal(calls.length, 1, "one call placed");
  const n = await offerOf(c, entry);
  assert.equal(n.channel, "VOICE");
  assert.equal(n.status, "PENDING");
  assert.equal(n.deliveries[0].providerMessageId, calls[0]!.sid);
  assert.equal(calls[0]!.url, `${live.base}/webhooks/twilio/voice/${n.deliveries[0].id}`);
  assert.equal(calls[0]!.params.MachineDetection, "DetectMessageEnd");
  return { phone, p, entry, opening, call: calls[0]!, n };
}

test("voice: a person answers, hears the offer in plain words and presses 1: booked, and the confirmation call says so", async () => {
  const c = await aClinic("Hazel Dental");
  const { phone, entry, opening, call } = await aVoiceOffer(c);
  const answered = await fake.answerCall(call.sid, { answeredBy: "human", digits: "1" });
  assert.equal(answered.status, 200);
  assert.match(answered.twiml, /<Gather input="dtmf" numDigits="1" action="[^"]*\/webhooks\/twilio\/voice\/[^"]*step=gather"/);
  // 28 h after 09:00 Monday (the clock may have moved a few minutes): Tuesday, March 3 around 1 PM.
  assert.match(
    answered.twiml,
    /<Say>Hello, this is Hazel Dental\. An appointment has opened up on Tuesday, March 3 at \d{1,2}:\d\d [AP]M\. We are holding it for you until \d{1,2}:\d\d [AP]M\. Press 1 to book it, or 2 to decline\.<\/Say>/,
  );
  assert.doesNotMatch(answered.twiml, /https?:\/\/[^"]*\/o\//, "no link read out");
  assert.ok(answered.gather);
  assert.equal(answered.gather.status, 200);
  assert.match(said(answered.gather.twiml), /^You're booked\./);
  assert.doesNotMatch(answered.gather.twiml, /<Gather/);

  const n = await offerOf(c, entry);
  assert.equal(n.status, "ACCEPTED");
  const appt = await ok("GET", `/api/booking/appointments/${n.bookedAppointmentId}`, c.key);
  assert.equal(appt.status, "BOOKED");
  assert.equal(appt.start, opening.start.toISOString());

  // The confirmation goes by the offer's channel: a second call. What it says must be the booking.
  await live.drain();
  const calls = callsTo(phone);
  assert.equal(calls.length, 2, "one confirmation call");
  const confirmation = await fake.answerCall(calls[1]!.sid, { answeredBy: "human" });
  assert.equal(confirmation.status, 200);
  const words = said(confirmation.twiml);
  assert.doesNotMatch(words, /no longer available/, `the confirmation call says: ${words}`);
  assert.match(words, /Hazel Dental/);
  assert.match(words, /you're booked for Tuesday, March 3 at \d{1,2}:\d\d [AP]M/i);
  assert.doesNotMatch(confirmation.twiml, /<Gather/);
  const machine = said((await fake.answerCall(calls[1]!.sid, { answeredBy: "machine_end_beep" })).twiml);
  assert.equal(machine, `Hello, this is Hazel Dental. We are calling about your appointment. Please call us back at ${spokenPhone(CLINIC_PHONE)}. Goodbye.`);
});

test("voice: pressing 2 declines", async () => {
  const c = await aClinic("Ivy Dental");
  const { entry, call } = await aVoiceOffer(c);
  const answered = await fake.answerCall(call.sid, { answeredBy: "human", digits: "2" });
  assert.match(answered.twiml, /<Gather/);
  assert.ok(answered.gather);
  assert.match(said(answered.gather.twiml), /We'll offer the time to someone else/);
  const n = await offerOf(c, entry);
  assert.equal(n.status, "DECLINED");
  assert.equal(n.bookedAppointmentId, null);
  assert.equal((await fake.sendVoiceStatus(call.sid, "completed")).status, 204);
  assert.equal((await offerOf(c, entry)).deliveries[0].status, "DELIVERED");
});

test("voice: an answering machine gets a short message with the clinic's number and no <Gather>", async () => {
  const c = await aClinic("Juniper Dental");
  const { entry, call } = await aVoiceOffer(c);
  const answered = await fake.answerCall(call.sid, { answeredBy: "machine_start", digits: "1" });
  assert.equal(answered.status, 200);
  assert.doesNotMatch(answered.twiml, /<Gather/);
  assert.equal(answered.gather, null);
  assert.match(answered.twiml, /Hello, this is Juniper Dental\./);
  assert.ok(answered.twiml.includes(`Please call us back at ${spokenPhone(CLINIC_PHONE)}.`), answered.twiml);
  assert.doesNotMatch(answered.twiml, /March|Tuesday|holding/, "no offer details on a machine");
  assert.equal((await offerOf(c, entry)).status, "PENDING", "nothing decided");
});

// ---- 5. At most once with a hanging provider ----

/** Runs `fn` with SMS through a Twilio client that gives up after 500 ms, recording what it was handed. */
async function withShortTimeout(fn: (handed: OutgoingMessage[]) => Promise<void>) {
  const real = deps.channels.SMS;
  const quick = twilioSms(live.config.channels.twilio!, live.config.publicUrl, { timeoutMs: 500 });
  const handed: OutgoingMessage[] = [];
  const spy: ChannelAdapter = { lookup: (d) => quick.lookup(d), send: (m, now) => (handed.push(m), quick.send(m, now)) };
  deps.channels.SMS = spy;
  try {
    await fn(handed);
  } finally {
    deps.channels.SMS = real;
  }
}

/** The fake holds every …0005 request open; from now on it answers `to` normally (Twilio is back). */
function twilioRecovers(to: string) {
  const f = fake as unknown as { failed(to: string, sms: boolean, res: unknown): boolean };
  const hangs = f.failed.bind(fake);
  f.failed = (t, sms, res) => (t === to ? false : hangs(t, sms, res));
}

async function aHangingSend(c: Clinic, phone: string, handed: OutgoingMessage[]) {
  const p = await aPatient(c, { phone, smsConsent: true });
  const entry = await anEntry(c, p);
  await anOpening(c, 30);
  const attemptAt = clock.now();
  const started = Date.now();
  await live.drain();
  assert.ok(Date.now() - started >= 450, "the send waited for the timeout");
  assert.equal(handed.filter((m) => m.to === phone).length, 1, "handed to Twilio once");
  const n = await offerOf(c, entry);
  assert.equal(n.deliveries[0].status, "SENDING", "outcome unknown: stays SENDING");
  assert.equal(n.status, "SCHEDULED");
  clock.advanceMinutes(1);
  await live.drain();
  assert.equal((await offerOf(c, entry)).deliveries[0].status, "SENDING", "too fresh to reconcile");
  assert.equal(handed.filter((m) => m.to === phone).length, 1, "not sent again meanwhile");
  return { p, entry, attemptAt };
}

test("a hanging provider that had accepted the message: reconciled by lookup as SENT, never sent twice", async () => {
  await withShortTimeout(async (handed) => {
    const c = await aClinic("Kale Dental");
    const phone = aPhone("0005");
    const { entry, attemptAt } = await aHangingSend(c, phone, handed);
    // Twilio had created it; only its answer was lost.
    const m = handed.find((x) => x.to === phone)!;
    const sid = `SM${randomBytes(16).toString("hex")}`;
    fake.messages.push({
      sid,
      to: phone,
      from: live.config.channels.twilio!.from,
      messagingServiceSid: null,
      body: m.body,
      status: "sent",
      statusCallback: `${live.base}/webhooks/twilio/sms-status`,
      validityPeriod: null,
      dateCreated: clock.now(),
      dateSent: clock.now(),
      errorCode: null,
      params: {},
    });
    const posts = fake.requests.filter((r) => r === "POST /Messages.json").length;

    clock.advanceMinutes(5); // 6 minutes after the attempt
    await live.drain();
    const n = await offerOf(c, entry);
    assert.equal(n.deliveries[0].status, "SENT");
    assert.equal(n.deliveries[0].providerMessageId, sid, "the message found at Twilio");
    assert.equal(n.deliveries[0].attemptCount, 1);
    assert.equal(n.status, "PENDING", "the hold started");
    // From when the text was handed over, as the text itself said, not from its discovery 6 minutes later.
    assert.equal(n.sentAt, attemptAt.toISOString());
    assert.equal(n.holdExpiresAt, new Date(attemptAt.getTime() + 120 * 60_000).toISOString());
    const until = DateTime.fromJSDate(new Date(n.holdExpiresAt), { zone: "America/New_York" }).toFormat("h:mm a");
    assert.ok(m.body.includes(`held for you until ${until}.`), `the text said the same hold: ${m.body}`);
    assert.equal(textsTo(phone).length, 1, "one message at Twilio for the number");
    assert.equal(fake.requests.filter((r) => r === "POST /Messages.json").length, posts, "no second create");
    assert.equal(handed.filter((x) => x.to === phone).length, 1);
    // And its link works.
    const [token] = tokensIn(textsTo(phone)[0]!.body);
    assert.equal((await live.api("GET", `/api/public/offers/${token}`)).status, 200);
    // A later status callback for it lands on the delivery.
    assert.equal((await fake.sendSmsStatus(sid, "delivered")).status, 204);
    assert.equal((await offerOf(c, entry)).deliveries[0].status, "DELIVERED");
  });
});

test("a hanging provider that had not recorded the message: reconciled as not sent, queued again and sent once", async () => {
  await withShortTimeout(async (handed) => {
    const c = await aClinic("Larch Dental");
    const phone = aPhone("0005", "415");
    const { entry } = await aHangingSend(c, phone, handed);
    assert.equal(textsTo(phone).length, 0, "Twilio has nothing for the number");
    twilioRecovers(phone);

    clock.advanceMinutes(5);
    await live.drain();
    const n = await offerOf(c, entry);
    const sent = textsTo(phone);
    assert.equal(sent.length, 1, "sent once");
    assert.equal(handed.filter((x) => x.to === phone).length, 2, "handed over a second time only after the lookup found nothing");
    assert.equal(n.deliveries.length, 1, "the same delivery");
    assert.equal(n.deliveries[0].status, "SENT");
    assert.equal(n.deliveries[0].providerMessageId, sent[0]!.sid);
    assert.equal(n.deliveries[0].attemptCount, 2);
    assert.equal(n.status, "PENDING");
    const [token] = tokensIn(sent[0]!.body);
    const { rows } = await db.query("SELECT token_hash FROM deliveries WHERE id = $1", [n.deliveries[0].id]);
    assert.equal(rows[0].token_hash, sha256(token!), "the link sent is the one kept");
  });
});

test("nothing that names a patient reached the log", () => {
  const log = live.logged.join("\n");
  for (const secret of used) assert.ok(!log.includes(secret), `${secret} in the log`);
  assert.doesNotMatch(log, /Robin|Quill/);
});
