// Which channels may carry an offer to a patient (contact data and consent), and the fallback plan's order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canUse, channelPlan, type Reach } from "../../src/core/channels.ts";
import { CHANNELS, type Channel, type ConsentChannel } from "../../src/core/types.ts";

const AT = new Date("2026-06-01T12:00:00.000Z");
const yes = { granted: true, at: AT, source: "intake form" };
const no = { granted: false, at: null, source: null };
const ORDER: Channel[] = ["SMS", "EMAIL", "VOICE"];

function aReach(over: Partial<Reach> = {}): Reach {
  return {
    phone: "+16175550100",
    email: "pat@example.com",
    consent: { SMS: yes, EMAIL: yes, VOICE: yes },
    preferredChannel: null,
    pushSubscribed: false,
    ...over,
  };
}
const consenting = (...channels: ConsentChannel[]) => ({
  SMS: channels.includes("SMS") ? yes : no,
  EMAIL: channels.includes("EMAIL") ? yes : no,
  VOICE: channels.includes("VOICE") ? yes : no,
});

// ---- canUse: every channel × consent × contact ----

const contactOf: Record<ConsentChannel, "phone" | "email"> = { SMS: "phone", VOICE: "phone", EMAIL: "email" };
for (const channel of ["SMS", "EMAIL", "VOICE"] as const) {
  for (const hasContact of [true, false]) {
    for (const consent of [true, false]) {
      const expected = hasContact && consent;
      test(`canUse ${channel}: ${contactOf[channel]} ${hasContact ? "on file" : "missing"}, consent ${consent ? "granted" : "not granted"} → ${expected}`, () => {
        const reach = aReach({
          [contactOf[channel]]: hasContact ? (channel === "EMAIL" ? "pat@example.com" : "+16175550100") : null,
          consent: { SMS: yes, EMAIL: yes, VOICE: yes, [channel]: consent ? yes : no },
        });
        assert.equal(canUse(channel, reach), expected);
      });
    }
  }
}

test("canUse: consent is per channel — SMS consent does not allow voice calls, nor the reverse", () => {
  assert.equal(canUse("VOICE", aReach({ consent: consenting("SMS") })), false);
  assert.equal(canUse("SMS", aReach({ consent: consenting("VOICE") })), false);
  assert.equal(canUse("EMAIL", aReach({ consent: consenting("SMS", "VOICE") })), false);
});

test("canUse: a revoked consent (granted false, with a date) counts as no consent", () => {
  const revoked = { granted: false, at: AT, source: "STOP" };
  assert.equal(canUse("SMS", aReach({ consent: { SMS: revoked, EMAIL: yes, VOICE: yes } })), false);
});

test("canUse PUSH: only when subscribed, whatever the other consents and contacts", () => {
  assert.equal(canUse("PUSH", aReach({ pushSubscribed: true })), true);
  assert.equal(canUse("PUSH", aReach({ pushSubscribed: true, phone: null, email: null, consent: consenting() })), true);
  assert.equal(canUse("PUSH", aReach({ pushSubscribed: false })), false);
});

test("canUse MANUAL: never an automated attempt, even for a fully reachable patient", () => {
  assert.equal(canUse("MANUAL", aReach({ pushSubscribed: true, preferredChannel: "MANUAL" })), false);
});

test("canUse answers for every channel", () => {
  for (const c of CHANNELS) assert.equal(typeof canUse(c, aReach()), "boolean");
});

// ---- channelPlan ----

// [why, order, reach, requested, expected plan]
const plans: [string, Channel[], Partial<Reach>, Channel | undefined, Channel[]][] = [
  ["everything usable: the clinic's order", ORDER, {}, undefined, ["SMS", "EMAIL", "VOICE"]],
  ["the clinic's order is kept", ["VOICE", "EMAIL", "SMS"], {}, undefined, ["VOICE", "EMAIL", "SMS"]],
  ["unusable channels are dropped", ORDER, { phone: null }, undefined, ["EMAIL"]],
  ["no consent for SMS: email then voice", ORDER, { consent: consenting("EMAIL", "VOICE") }, undefined, ["EMAIL", "VOICE"]],
  ["preferred channel first", ORDER, { preferredChannel: "VOICE" }, undefined, ["VOICE", "SMS", "EMAIL"]],
  ["preferred channel already first", ORDER, { preferredChannel: "SMS" }, undefined, ["SMS", "EMAIL", "VOICE"]],
  ["preferred channel unusable: the clinic's order", ORDER, { preferredChannel: "EMAIL", email: null }, undefined, ["SMS", "VOICE"]],
  ["preferred MANUAL is ignored", ORDER, { preferredChannel: "MANUAL" }, undefined, ["SMS", "EMAIL", "VOICE"]],
  [
    "preferred PUSH outside the clinic's order, subscribed: tried first",
    ORDER,
    { preferredChannel: "PUSH", pushSubscribed: true },
    undefined,
    ["PUSH", "SMS", "EMAIL", "VOICE"],
  ],
  ["PUSH in the order, subscribed", ["PUSH", "SMS"], { pushSubscribed: true }, undefined, ["PUSH", "SMS"]],
  ["subscribed, PUSH not in the clinic's order: push first, then the order", ORDER, { pushSubscribed: true }, undefined, ["PUSH", "SMS", "EMAIL", "VOICE"]],
  [
    "subscribed with a preferred channel: push, then the preferred one",
    ORDER,
    { pushSubscribed: true, preferredChannel: "VOICE" },
    undefined,
    ["PUSH", "VOICE", "SMS", "EMAIL"],
  ],
  ["subscribed, the clinic placed PUSH last: its place is kept", ["SMS", "EMAIL", "PUSH"], { pushSubscribed: true }, undefined, ["SMS", "EMAIL", "PUSH"]],
  ["subscribed, PUSH placed, preferred first", ["SMS", "PUSH"], { pushSubscribed: true, preferredChannel: "PUSH" }, undefined, ["PUSH", "SMS"]],
  ["subscribed, no other channel: push alone", ORDER, { pushSubscribed: true, phone: null, email: null }, undefined, ["PUSH"]],
  ["not subscribed: push is never in the plan", ORDER, { preferredChannel: "PUSH" }, undefined, ["SMS", "EMAIL", "VOICE"]],
  ["nothing usable: empty", ORDER, { phone: null, email: null }, undefined, []],
  ["an empty order and no preference: empty", [], {}, undefined, []],
  ["requested channel first, then the rest in order", ORDER, {}, "EMAIL", ["EMAIL", "SMS", "VOICE"]],
  ["requested channel wins over the preferred one", ORDER, { preferredChannel: "VOICE" }, "EMAIL", ["EMAIL", "SMS", "VOICE"]],
  ["requested channel unusable: nothing, not a silent switch", ORDER, { email: null }, "EMAIL", []],
  ["requested channel without consent: nothing", ORDER, { consent: consenting("EMAIL") }, "SMS", []],
  ["requested MANUAL: nothing", ORDER, {}, "MANUAL", []],
  ["requested PUSH, subscribed", ORDER, { pushSubscribed: true }, "PUSH", ["PUSH", "SMS", "EMAIL", "VOICE"]],
  ["requested PUSH, not subscribed", ORDER, {}, "PUSH", []],
  ["requested EMAIL, subscribed: email, then push and the rest", ORDER, { pushSubscribed: true }, "EMAIL", ["EMAIL", "PUSH", "SMS", "VOICE"]],
];
for (const [why, order, reach, requested, expected] of plans) {
  test(`channelPlan: ${why} → [${expected.join(", ")}]`, () => {
    assert.deepEqual(channelPlan(order, aReach(reach), requested), expected);
  });
}

test("channelPlan never repeats a channel and lists only usable ones", () => {
  for (const preferredChannel of [null, ...CHANNELS]) {
    for (const requested of [undefined, ...CHANNELS]) {
      for (const pushSubscribed of [true, false]) {
        const reach = aReach({ preferredChannel, pushSubscribed, email: null });
        for (const order of [["SMS", "EMAIL", "VOICE", "PUSH"], ORDER] as Channel[][]) {
          const plan = channelPlan(order, reach, requested);
          assert.equal(new Set(plan).size, plan.length);
          for (const c of plan) assert.ok(canUse(c, reach), `${c} in the plan but unusable`);
        }
      }
    }
  }
});
