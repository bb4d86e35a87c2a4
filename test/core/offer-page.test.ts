// Which page a booking link shows, for every offer status (src/core/offer-page.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { bookedAppointmentId, offerPageState, showsAlternatives, type OfferPageFacts } from "../../src/core/offer-page.ts";

const NOW = new Date("2026-03-02T15:00:00Z");
const LATER = new Date("2026-03-02T16:00:00Z");
const EARLIER = new Date("2026-03-02T14:59:59Z");
const base: OfferPageFacts = {
  offerStatus: "PENDING",
  holdExpiresAt: LATER,
  offerAppointmentId: null,
  openingStatus: "OPEN",
  entryStatus: "NOTIFIED",
  entryAppointmentId: null,
};

const cases: [string, Partial<OfferPageFacts>, ReturnType<typeof offerPageState>][] = [
  ["a running hold", {}, "open"],
  ["a hold with no end yet", { holdExpiresAt: null }, "open"],
  ["the hold's last instant has passed", { holdExpiresAt: NOW }, "expired"],
  ["past the hold, not yet swept", { holdExpiresAt: EARLIER }, "expired"],
  ["queued for quiet hours' end", { offerStatus: "SCHEDULED", holdExpiresAt: null }, "scheduled"],
  ["queued, and the opening was filled", { offerStatus: "SCHEDULED", openingStatus: "FILLED" }, "taken"],
  ["live, and the opening was filled (not yet withdrawn)", { openingStatus: "FILLED" }, "taken"],
  ["live, and staff closed the opening", { openingStatus: "CLOSED" }, "expired"],
  ["accepted", { offerStatus: "ACCEPTED", offerAppointmentId: "a1", openingStatus: "FILLED", entryStatus: "BOOKED" }, "accepted"],
  ["declined", { offerStatus: "DECLINED", entryStatus: "ACTIVE" }, "declined"],
  ["expired", { offerStatus: "EXPIRED", entryStatus: "ACTIVE" }, "expired"],
  ["expired, then someone else booked the opening", { offerStatus: "EXPIRED", openingStatus: "FILLED", entryStatus: "ACTIVE" }, "expired"],
  ["withdrawn: someone else booked", { offerStatus: "WITHDRAWN", openingStatus: "FILLED", entryStatus: "ACTIVE" }, "taken"],
  ["withdrawn: the opening expired", { offerStatus: "WITHDRAWN", openingStatus: "EXPIRED", entryStatus: "ACTIVE" }, "expired"],
  ["withdrawn, then an alternative booked", { offerStatus: "WITHDRAWN", openingStatus: "FILLED", entryStatus: "BOOKED", entryAppointmentId: "a2" }, "accepted"],
  ["expired, then an alternative booked", { offerStatus: "EXPIRED", entryStatus: "BOOKED", entryAppointmentId: "a2" }, "accepted"],
];

for (const [name, facts, expected] of cases) {
  test(`offer page state: ${name} → ${expected}`, () => {
    assert.equal(offerPageState({ ...base, ...facts }, NOW), expected);
  });
}

test("the booked appointment: the offer's own, else the entry's (an alternative), else none", () => {
  assert.equal(bookedAppointmentId({ ...base, offerStatus: "ACCEPTED", offerAppointmentId: "a1", entryStatus: "BOOKED", entryAppointmentId: "a1" }), "a1");
  assert.equal(bookedAppointmentId({ ...base, offerStatus: "WITHDRAWN", entryStatus: "BOOKED", entryAppointmentId: "a2" }), "a2");
  assert.equal(bookedAppointmentId({ ...base, offerStatus: "EXPIRED", entryStatus: "ACTIVE" }), null);
});

test("alternatives only when the offer is gone and the entry can still book", () => {
  assert.equal(showsAlternatives("taken", "ACTIVE"), true);
  assert.equal(showsAlternatives("expired", "EXHAUSTED"), true);
  assert.equal(showsAlternatives("expired", "REMOVED"), false);
  assert.equal(showsAlternatives("taken", "BOOKED"), false);
  for (const state of ["open", "scheduled", "accepted", "declined"] as const) assert.equal(showsAlternatives(state, "ACTIVE"), false);
});
