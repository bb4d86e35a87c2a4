// Twilio voice against the local fake: the call's form, errors, lookup, and a full answered call (TwiML
// fetched signed, a digit gathered) through a stand-in for our routes.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { isAnsweringMachine, parseVoiceStatus, twilioVoice } from "../../src/channels/twilio-voice.ts";
import type { Delivery } from "../../src/core/types.ts";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.ts";
import { startSink, type Sink } from "../fakes/twilio-sink.ts";

const PUBLIC = "https://backfill.example.test";
const NOW = new Date("2026-06-01T15:00:00.000Z");
let fake: FakeTwilio;
let sink: Sink;
let n = 2000;
const aNumber = () => `+1617555${++n}`;

before(async () => {
  fake = await startFakeTwilio({ publicUrl: PUBLIC });
  sink = await startSink(PUBLIC, fake.authToken);
  fake.deliverTo = sink.url;
});
after(async () => {
  await fake.close();
  await sink.close();
});

function aCall(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    clinicId: "c1",
    deliveryId: `d-${randomBytes(4).toString("hex")}`,
    channel: "VOICE",
    to: aNumber(),
    subject: null,
    body: "An appointment opened.",
    links: [],
    validUntil: new Date(NOW.getTime() + 3600_000),
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
    channel: "VOICE",
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

test("voice send: one Call with our TwiML Url for the delivery, the status callback, answering-machine detection and a ring timeout", async () => {
  const m = aCall({ deliveryId: "3f1c9a52-0000-4000-8000-000000000001" });
  const r = await twilioVoice(fake.config(), `${PUBLIC}/`).send(m, NOW);
  assert.ok(r.ok);
  assert.match(r.providerMessageId, /^CA[0-9a-f]{32}$/);
  const calls = fake.calls.filter((c) => c.to === m.to);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]!.params, {
    To: m.to,
    From: "+15005550006",
    Url: `${PUBLIC}/webhooks/twilio/voice/3f1c9a52-0000-4000-8000-000000000001`,
    Method: "POST",
    StatusCallback: `${PUBLIC}/webhooks/twilio/voice-status?delivery=${m.deliveryId}`,
    StatusCallbackMethod: "POST",
    StatusCallbackEvent: "completed",
    MachineDetection: "DetectMessageEnd",
    Timeout: "30",
  });
});

test("voice send: without TWILIO_FROM it fails permanently and calls nobody", async () => {
  const before = fake.calls.length;
  const r = await twilioVoice(fake.config({ from: null, messagingServiceSid: `MG${"a".repeat(32)}` }), PUBLIC).send(aCall(), NOW);
  assert.deepEqual(r, { ok: false, permanent: true, reason: "voice needs TWILIO_FROM" });
  assert.equal(fake.calls.length, before);
});

test("voice send errors: invalid number permanent, 500/429 transient, landline fine for a call, timeout and 504 throw", async () => {
  const voice = twilioVoice(fake.config(), PUBLIC, { timeoutMs: 300 });
  const invalid = await voice.send(aCall({ to: "+16175550001" }), NOW);
  assert.ok(!invalid.ok && invalid.permanent && invalid.reason.startsWith("twilio 21211: "));
  const busy = await voice.send(aCall({ to: "+16175550004" }), NOW);
  assert.ok(!busy.ok && !busy.permanent);
  const limited = await voice.send(aCall({ to: "+16175550006" }), NOW);
  assert.ok(!limited.ok && !limited.permanent);
  assert.equal((await voice.send(aCall({ to: "+16175550002" }), NOW)).ok, true);
  await assert.rejects(voice.send(aCall({ to: "+16175550005" }), NOW), /abort|timeout/i);
  await assert.rejects(voice.send(aCall({ to: "+16175550007" }), NOW), /504/);
});

test("voice lookup: by SID; with none, no call to the number → not sent, a recent call → unknown (calls carry nothing of ours)", async () => {
  const voice = twilioVoice(fake.config(), PUBLIC);
  const m = aCall();
  const r = await voice.send(m, NOW);
  assert.ok(r.ok);
  assert.deepEqual(await voice.lookup(aDelivery({ toAddress: m.to, providerMessageId: r.providerMessageId })), {
    sent: true,
    providerMessageId: r.providerMessageId,
  });
  assert.deepEqual(await voice.lookup(aDelivery({ toAddress: m.to })), { sent: "unknown" });
  assert.deepEqual(await voice.lookup(aDelivery({ toAddress: aNumber() })), { sent: false });
  assert.deepEqual(await voice.lookup(aDelivery({ toAddress: null })), { sent: false });
  fake.calls.find((c) => c.sid === r.providerMessageId)!.dateCreated = new Date(Date.now() - 2 * 3600_000);
  assert.deepEqual(await voice.lookup(aDelivery({ toAddress: m.to })), { sent: false }, "an older call is another delivery's");
});

test("voice lookup with Twilio down is unknown", async () => {
  const down = await startFakeTwilio();
  const cfg = down.config();
  await down.close();
  const voice = twilioVoice(cfg, PUBLIC);
  assert.deepEqual(await voice.lookup(aDelivery()), { sent: "unknown" });
  assert.deepEqual(await voice.lookup(aDelivery({ providerMessageId: `CA${"0".repeat(32)}` })), { sent: "unknown" });
});

test("answered by a person: the offer is read, 1 is posted to the gather action (signed) and answered", async () => {
  const m = aCall({ deliveryId: "dlv-1" });
  const r = await twilioVoice(fake.config(), PUBLIC).send(m, NOW);
  assert.ok(r.ok);
  const answered = await fake.answerCall(r.providerMessageId, { answeredBy: "human", digits: "1" });
  assert.equal(answered.status, 200);
  assert.match(
    answered.twiml,
    /<Gather input="dtmf" numDigits="1" action="https:\/\/backfill\.example\.test\/webhooks\/twilio\/voice\/dlv-1\/gather" method="POST" timeout="8"><Say>An appointment opened at Elm &amp; Oak Dental on Tuesday at 3 PM\. Press 1 to book it, or 2 to decline\.<\/Say><\/Gather>/,
  );
  assert.equal(answered.gather?.action, `${PUBLIC}/webhooks/twilio/voice/dlv-1/gather`);
  assert.match(answered.gather!.twiml, /<Say>You&apos;re booked\. Goodbye\.<\/Say>/);
  const [page, pressed] = sink.hits.slice(-2);
  assert.deepEqual(
    [page!.path, page!.valid, page!.params.AnsweredBy, page!.params.CallSid],
    ["/webhooks/twilio/voice/dlv-1", true, "human", r.providerMessageId],
  );
  assert.deepEqual([pressed!.path, pressed!.valid, pressed!.params.Digits], ["/webhooks/twilio/voice/dlv-1/gather", true, "1"]);
});

test("answered by a machine: the short call-back message, no gather; the final status is signed and parsed", async () => {
  const m = aCall({ deliveryId: "dlv-2" });
  const r = await twilioVoice(fake.config(), PUBLIC).send(m, NOW);
  assert.ok(r.ok);
  const answered = await fake.answerCall(r.providerMessageId, { answeredBy: "machine_end_beep", digits: "1" });
  assert.match(answered.twiml, /<Say>Hello, this is Elm &amp; Oak Dental\..*6 1 7, 5 5 5, 0 1 0 0\. Goodbye\.<\/Say><Hangup\/>/);
  assert.equal(answered.gather, null);
  assert.equal((await fake.sendVoiceStatus(r.providerMessageId, "completed")).status, 200);
  const hit = sink.hits.at(-1)!;
  assert.deepEqual([hit.path.split("?")[0], hit.valid], ["/webhooks/twilio/voice-status", true]);
  assert.deepEqual(parseVoiceStatus(hit.params), { callSid: r.providerMessageId, status: "DELIVERED", answeredBy: "machine_end_beep", errorCode: null });
});

test("parseVoiceStatus and isAnsweringMachine", () => {
  const at = (CallStatus: string) => parseVoiceStatus({ CallSid: "CA1", CallStatus }).status;
  assert.deepEqual(["queued", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"].map(at), [
    null,
    null,
    null,
    "DELIVERED",
    "UNDELIVERED",
    "UNDELIVERED",
    "FAILED",
    "FAILED",
  ]);
  assert.deepEqual(["human", "unknown", undefined, "machine_start", "machine_end_beep", "machine_end_silence", "fax"].map(isAnsweringMachine), [
    false,
    false,
    false,
    true,
    true,
    true,
    true,
  ]);
});
