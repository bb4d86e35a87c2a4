// Twilio SMS against a local fake that speaks the REST API, the signature check (Twilio's published vector),
// the TwiML renderers and the status parsers.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { verifyTwilioSignature } from "../../src/channels/twilio-signature.ts";
import { parseSmsStatus, tokensIn, twilioSms, validityPeriod } from "../../src/channels/twilio-sms.ts";
import { digitChoice, machineTwiml, offerCallTwiml, sayTwiml, spokenPhone } from "../../src/channels/twiml.ts";
import type { Delivery } from "../../src/core/types.ts";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.ts";
import { startSink, type Sink } from "../fakes/twilio-sink.ts";

const PUBLIC = "https://backfill.example.test";
const NOW = new Date("2026-06-01T15:00:00.000Z");
let fake: FakeTwilio;
let sink: Sink;
let n = 1000;
const aNumber = () => `+1617555${++n}`; // last four never 0001–0007

before(async () => {
  fake = await startFakeTwilio({ publicUrl: PUBLIC });
  sink = await startSink(PUBLIC, fake.authToken);
  fake.deliverTo = sink.url;
});
after(async () => {
  await fake.close();
  await sink.close();
});

function aMessage(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    clinicId: "c1",
    deliveryId: `d-${randomBytes(4).toString("hex")}`,
    channel: "SMS",
    to: aNumber(),
    subject: null,
    body: "Elm Dental: an opening Tue 3:00 PM. Book: https://x/o/abc",
    links: [],
    validUntil: new Date(NOW.getTime() + 90_900),
    ...over,
  };
}

function aDelivery(over: Partial<Delivery> = {}): Delivery {
  return {
    id: "d1",
    clinicId: "c1",
    offerId: "o1",
    patientId: "p1",
    kind: "OFFER",
    channel: "SMS",
    status: "SENDING",
    toAddress: aNumber(),
    payload: {},
    providerMessageId: null,
    tokenHash: null,
    bodyHash: null,
    failureReason: null,
    attemptCount: 1,
    dueAt: NOW,
    sentAt: null,
    deliveredAt: null,
    createdAt: NOW,
    updatedAt: new Date(),
    ...over,
  };
}

function aLink() {
  const token = `o_${randomBytes(32).toString("base64url")}`;
  return { link: `${PUBLIC}/o/${token}`, tokenHash: createHash("sha256").update(token).digest("hex") };
}

// ---- signature ----

const VECTOR = {
  url: "https://mycompany.com/myapp.php?foo=1&bar=2",
  params: { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" },
  sig: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
};

test("signature: Twilio's published example verifies", () => {
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, VECTOR.params, VECTOR.sig), true);
});

test("signature: a changed param, URL, token or a missing/garbled header is rejected", () => {
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, { ...VECTOR.params, Digits: "1235" }, VECTOR.sig), false);
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, { ...VECTOR.params, Extra: "x" }, VECTOR.sig), false);
  assert.equal(verifyTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", VECTOR.params, VECTOR.sig), false);
  assert.equal(verifyTwilioSignature("12345", "https://evil.example/myapp.php?foo=1&bar=2", VECTOR.params, VECTOR.sig), false);
  assert.equal(verifyTwilioSignature("54321", VECTOR.url, VECTOR.params, VECTOR.sig), false);
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, VECTOR.params, undefined), false);
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, VECTOR.params, ""), false);
  assert.equal(verifyTwilioSignature("12345", VECTOR.url, VECTOR.params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"), false);
  assert.equal(verifyTwilioSignature("12345", "not a url", VECTOR.params, VECTOR.sig), false);
});

// ---- TwiML ----

test("TwiML: the offer call gathers one digit, posts to the action, escapes everything, then says goodbye", () => {
  const xml = offerCallTwiml({ text: `Elm & Oak <Dental> "today"`, gatherAction: `${PUBLIC}/webhooks/twilio/voice/d1/gather?a=1&b=2` });
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Gather /);
  assert.match(
    xml,
    /<Gather input="dtmf" numDigits="1" action="https:\/\/backfill\.example\.test\/webhooks\/twilio\/voice\/d1\/gather\?a=1&amp;b=2" method="POST" timeout="8">/,
  );
  assert.match(
    xml,
    /<Say>Elm &amp; Oak &lt;Dental&gt; &quot;today&quot; Press 1 to book it, or 2 to decline\.<\/Say><\/Gather><Say>We did not get an answer\. Goodbye\.<\/Say><Hangup\/><\/Response>$/,
  );
  assert.doesNotMatch(xml, /<Dental>|& /);
});

test("TwiML: the answering-machine message names the clinic and reads its number digit by digit, nothing more", () => {
  const xml = machineTwiml({ clinicName: "Elm & Oak", clinicPhone: "+16175550100" });
  assert.match(xml, /<Say>Hello, this is Elm &amp; Oak\. .*call us back at 6 1 7, 5 5 5, 0 1 0 0\. Goodbye\.<\/Say><Hangup\/>/);
  assert.doesNotMatch(xml, /Gather|\/o\//);
  assert.match(machineTwiml({ clinicName: "Elm", clinicPhone: null }), /Please call the clinic\./);
  assert.equal(spokenPhone("+442071838750"), "4 4 2, 0 7 1, 8 3 8, 7 5 0");
});

test("TwiML: sayTwiml escapes; digits 1 and 2 are the only choices", () => {
  assert.equal(sayTwiml("A < B & C"), '<?xml version="1.0" encoding="UTF-8"?><Response><Say>A &lt; B &amp; C</Say><Hangup/></Response>');
  assert.deepEqual(["1", "2", " 1 ", "3", "", undefined, "12"].map(digitChoice), ["accept", "decline", "accept", null, null, null, null]);
});

// ---- parsing and validity ----

test("parseSmsStatus: final statuses map to ours, steps on the way to null, error codes classified", () => {
  const at = (MessageStatus: string, ErrorCode?: string) => parseSmsStatus({ MessageSid: "SM1", MessageStatus, ErrorCode });
  assert.deepEqual(
    ["queued", "accepted", "sending", "sent", "delivered", "undelivered", "failed"].map((s) => at(s).status),
    [null, null, null, "SENT", "DELIVERED", "UNDELIVERED", "FAILED"],
  );
  assert.deepEqual(at("undelivered", "30003"), { messageSid: "SM1", status: "UNDELIVERED", errorCode: "30003", permanent: false });
  assert.equal(at("undelivered", "30006").permanent, true);
  assert.equal(at("failed", "21610").permanent, true);
  assert.equal(parseSmsStatus({ SmsSid: "SM2", SmsStatus: "delivered", ErrorCode: "0" }).errorCode, null);
});

test("validityPeriod: whole seconds until the hold ends, 1..36000, none without a deadline", () => {
  assert.equal(validityPeriod(null, NOW), null);
  assert.equal(validityPeriod(new Date(NOW.getTime() + 90_900), NOW), 90);
  assert.equal(validityPeriod(new Date(NOW.getTime() - 5_000), NOW), 1);
  assert.equal(validityPeriod(new Date(NOW.getTime() + 20 * 3600_000), NOW), 36_000);
  assert.deepEqual(tokensIn("Book: https://x/o/o_AbC-9_z. Or https://x/o/o_2"), ["o_AbC-9_z", "o_2"]);
});

// ---- SMS send ----

test("SMS send: one Message with To, From, Body, the public StatusCallback and a ValidityPeriod ending with the hold", async () => {
  const m = aMessage();
  const r = await twilioSms(fake.config(), `${PUBLIC}/`).send(m, NOW);
  assert.equal(r.ok, true);
  const sent = fake.messages.filter((x) => x.to === m.to);
  assert.equal(sent.length, 1);
  assert.equal(r.ok && r.providerMessageId, sent[0]!.sid);
  assert.match(sent[0]!.sid, /^SM[0-9a-f]{32}$/);
  assert.deepEqual(sent[0]!.params, {
    To: m.to,
    Body: m.body,
    StatusCallback: `${PUBLIC}/webhooks/twilio/sms-status?delivery=${m.deliveryId}`,
    From: "+15005550006",
    ValidityPeriod: "90",
  });
});

test("SMS send through a Messaging Service: MessagingServiceSid instead of From, ValidityPeriod still set; none without a deadline", async () => {
  const cfg = fake.config({ from: null, messagingServiceSid: `MG${"a".repeat(32)}` });
  const m = aMessage();
  assert.equal((await twilioSms(cfg, PUBLIC).send(m, NOW)).ok, true);
  const [sent] = fake.messages.filter((x) => x.to === m.to);
  assert.equal(sent!.params.MessagingServiceSid, `MG${"a".repeat(32)}`);
  assert.equal(sent!.params.From, undefined);
  assert.equal(sent!.params.ValidityPeriod, "90");
  assert.equal(sent!.status, "accepted");
  const open = aMessage({ validUntil: null });
  assert.equal((await twilioSms(fake.config(), PUBLIC).send(open, NOW)).ok, true);
  assert.equal(fake.messages.find((x) => x.to === open.to)!.params.ValidityPeriod, undefined);
});

test("SMS send errors: invalid, landline and unsubscribed numbers are permanent; 500 and 429 are transient", async () => {
  const sms = twilioSms(fake.config(), PUBLIC);
  const expect = { "0001": [true, "21211"], "0002": [true, "21614"], "0003": [true, "21610"], "0004": [false, "20500"], "0006": [false, "20429"] } as const;
  for (const [tail, [permanent, code]] of Object.entries(expect)) {
    const r = await sms.send(aMessage({ to: `+1617555${tail}` }), NOW);
    assert.equal(r.ok, false, tail);
    assert.equal(!r.ok && r.permanent, permanent, tail);
    assert.match(!r.ok ? r.reason : "", new RegExp(`^twilio ${code}: `), tail);
  }
  assert.equal(fake.messages.filter((x) => /000[1-6]$/.test(x.to)).length, 0);
  const badAuth = await twilioSms(fake.config({ authToken: "wrong" }), PUBLIC).send(aMessage(), NOW);
  assert.deepEqual(badAuth, { ok: false, permanent: true, reason: "twilio 20003: authentication failed (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)" });
});

test("SMS send: a timeout or a gateway 504 throws (outcome unknown), it is not reported as a failure", async () => {
  const hung = twilioSms(fake.config(), PUBLIC, { timeoutMs: 300 }).send(aMessage({ to: "+16175550005" }), NOW);
  await assert.rejects(hung, /abort|timeout/i);
  await assert.rejects(twilioSms(fake.config(), PUBLIC).send(aMessage({ to: "+16175550007" }), NOW), /504/);
});

test("SMS send with Twilio unreachable (connection refused): transient, nothing can have been sent", async () => {
  const down = await startFakeTwilio();
  const cfg = down.config();
  await down.close();
  const r = await twilioSms(cfg, PUBLIC).send(aMessage(), NOW);
  assert.deepEqual(r, { ok: false, permanent: false, reason: "twilio unreachable (ECONNREFUSED)" });
});

// ---- SMS lookup ----

test("SMS lookup by the recorded SID, and by the link's token in a still-queued message among others", async () => {
  const sms = twilioSms(fake.config(), PUBLIC);
  const to = aNumber();
  const { link, tokenHash } = aLink();
  await sms.send(aMessage({ to, body: `Other offer ${aLink().link}` }), NOW);
  const mine = await sms.send(aMessage({ to, body: `Elm Dental: Tue 3 PM. Book: ${link}` }), NOW);
  await sms.send(aMessage({ to, body: "You're booked." }), NOW);
  assert.ok(mine.ok);
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: to, providerMessageId: mine.providerMessageId })), {
    sent: true,
    providerMessageId: mine.providerMessageId,
  });
  // Still queued: no date_sent yet, which a DateSent filter would have missed.
  assert.equal(fake.messages.find((x) => x.sid === mine.providerMessageId)!.dateSent, null);
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: to, tokenHash })), { sent: true, providerMessageId: mine.providerMessageId });
});

test("SMS lookup: no message carries this attempt's token → not sent; no address recorded → not sent", async () => {
  const sms = twilioSms(fake.config(), PUBLIC);
  const to = aNumber();
  await sms.send(aMessage({ to, body: `Offer ${aLink().link}` }), NOW);
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: to, tokenHash: aLink().tokenHash })), { sent: false });
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: aNumber(), tokenHash: aLink().tokenHash })), { sent: false });
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: null })), { sent: false });
});

test("SMS lookup without a token: a recent message to the number is unknown, none is not sent", async () => {
  const sms = twilioSms(fake.config(), PUBLIC);
  const to = aNumber();
  await sms.send(aMessage({ to, body: "You're booked." }), NOW);
  assert.deepEqual(await sms.lookup(aDelivery({ kind: "CONFIRMATION", toAddress: to, tokenHash: null })), { sent: "unknown" });
  assert.deepEqual(await sms.lookup(aDelivery({ kind: "CONFIRMATION", toAddress: aNumber(), tokenHash: null })), { sent: false });
});

test("SMS lookup without a link, by the attempt's recorded text: one since the attempt → sent; two → unknown; none → as before", async () => {
  const sms = twilioSms(fake.config(), PUBLIC);
  const to = aNumber();
  const body = "Elm Dental: you're unsubscribed and will get no more texts. Reply START to resubscribe.";
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  const attemptAt = new Date(Date.now() - 1_000);
  const notice = (over: Partial<Delivery> = {}) =>
    aDelivery({ kind: "NOTICE", offerId: null, patientId: null, toAddress: to, tokenHash: null, bodyHash: sha(body), updatedAt: attemptAt, ...over });
  await sms.send(aMessage({ to, body: `Another text ${aLink().link}` }), NOW);
  const mine = await sms.send(aMessage({ to, body }), NOW);
  assert.ok(mine.ok);
  assert.deepEqual(await sms.lookup(notice()), { sent: true, providerMessageId: mine.providerMessageId });
  // The same text, but created well before this attempt: another delivery's. A recent message → unknown, never "sent".
  assert.deepEqual(await sms.lookup(notice({ updatedAt: new Date(Date.now() + 3_600_000) })), { sent: "unknown" });
  // Only other texts to the number: Twilio may have altered ours (trial prefix, smart encoding) → unknown, not "not sent".
  assert.deepEqual(await sms.lookup(notice({ bodyHash: sha("something else") })), { sent: "unknown" });
  assert.deepEqual(await sms.lookup(notice({ toAddress: aNumber() })), { sent: false }, "nothing to the number: not sent");
  // The same text twice since the attempt: which one is this attempt's cannot be told.
  await sms.send(aMessage({ to, body }), NOW);
  assert.deepEqual(await sms.lookup(notice()), { sent: "unknown" });
});

test("SMS lookup follows next_page_uri; more pages than allowed, or Twilio down, is unknown", async () => {
  const to = aNumber();
  const { link, tokenHash } = aLink();
  const sms = twilioSms(fake.config(), PUBLIC, { pageSize: 2 });
  const first = await sms.send(aMessage({ to, body: `Book: ${link}` }), NOW);
  for (let i = 0; i < 4; i++) await sms.send(aMessage({ to, body: `Other ${aLink().link}` }), NOW);
  fake.messages.find((x) => first.ok && x.sid === first.providerMessageId)!.dateCreated = new Date(Date.now() - 60_000); // the oldest
  const pagesBefore = fake.requests.filter((r) => r === "GET /Messages.json").length;
  assert.deepEqual(await sms.lookup(aDelivery({ toAddress: to, tokenHash })), { sent: true, providerMessageId: first.ok && first.providerMessageId });
  assert.equal(fake.requests.filter((r) => r === "GET /Messages.json").length - pagesBefore, 3);
  assert.deepEqual(await twilioSms(fake.config(), PUBLIC, { pageSize: 2, maxPages: 2 }).lookup(aDelivery({ toAddress: to, tokenHash })), { sent: "unknown" });
  const down = await startFakeTwilio();
  const cfg = down.config();
  await down.close();
  assert.deepEqual(await twilioSms(cfg, PUBLIC).lookup(aDelivery({ toAddress: to, tokenHash })), { sent: "unknown" });
  assert.deepEqual(await twilioSms(cfg, PUBLIC).lookup(aDelivery({ providerMessageId: `SM${"0".repeat(32)}` })), { sent: "unknown" });
});

// ---- callbacks from the fake, checked the way our routes check them ----

test("SMS status callback: signed over the public URL, verified there although it arrives at another address; forged → 403", async () => {
  const m = aMessage();
  const r = await twilioSms(fake.config(), PUBLIC).send(m, NOW);
  assert.ok(r.ok);
  const answer = await fake.sendSmsStatus(r.providerMessageId, "undelivered", { ErrorCode: "30003" });
  assert.equal(answer.status, 200);
  const hit = sink.hits.at(-1)!;
  assert.equal(hit.path, `/webhooks/twilio/sms-status?delivery=${m.deliveryId}`);
  assert.equal(hit.valid, true);
  assert.deepEqual(parseSmsStatus(hit.params), { messageSid: r.providerMessageId, status: "UNDELIVERED", errorCode: "30003", permanent: false });
  assert.equal(fake.messages.find((x) => x.sid === r.providerMessageId)!.status, "undelivered");
  assert.equal(
    (
      await fake.signedPost(
        `${PUBLIC}/webhooks/twilio/sms-status`,
        { ...hit.params, ErrorCode: "0" },
        fake.sign(`${PUBLIC}/webhooks/twilio/sms-status`, hit.params),
      )
    ).status,
    403,
  );
  assert.equal((await fake.signedPost(`${PUBLIC}/webhooks/twilio/sms-status`, hit.params, null)).status, 403);
  assert.equal(
    (await fake.signedPost(`${sink.url}/webhooks/twilio/sms-status`, hit.params, fake.sign(`${sink.url}/webhooks/twilio/sms-status`, hit.params))).status,
    403,
    "signed for the Host, not the public URL",
  );
});

test("inbound SMS: posted signed to /webhooks/twilio/inbound-sms with From, Body and a MessageSid", async () => {
  const { status, messageSid } = await fake.sendInboundSms("+16175551234", "YES");
  assert.equal(status, 200);
  const hit = sink.hits.at(-1)!;
  assert.equal(hit.path, "/webhooks/twilio/inbound-sms");
  assert.equal(hit.valid, true);
  assert.equal(hit.params.From, "+16175551234");
  assert.equal(hit.params.Body, "YES");
  assert.equal(hit.params.MessageSid, messageSid);
});
