import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DateTime } from "luxon";
import { pickAlternatives, scoreAlternative, type AltEntry, type AltOpening } from "../../src/core/alternatives.ts";

const NY = "America/New_York";
const HOUR = 3_600_000;
/** Wall-clock time in the clinic zone → instant. */
const at = (iso: string, zone = NY) => DateTime.fromISO(iso, { zone }).toJSDate();
const opening = (id: string, start: string, providerId: string, zone = NY): AltOpening => {
  const s = at(start, zone);
  return { id, start: s, end: new Date(s.getTime() + HOUR), providerId };
};

// VECTORS.md "Alternatives": Thursday 2026-03-12 (EDT), original 10:00 with Dr A.
const original = opening("orig", "2026-03-12T10:00", "drA");
const entry: AltEntry = { providerIds: ["drB"], windows: [{ weekdays: [4], start: "09:00", end: "17:00" }], preferredTime: "13:00" };
const rows: [AltOpening, number, string[]][] = [
  [opening("thu13A", "2026-03-12T13:00", "drA"), 165, ["same practitioner", "3 h away", "same day", "in window", "preferred time"]],
  [opening("thu1030C", "2026-03-12T10:30", "drC"), 140, ["0 whole hours away", "same day", "in window"]],
  [opening("thu1645A", "2026-03-12T16:45", "drA"), 140, ["same practitioner", "6 h away (capped)", "same day", "in window"]],
  [opening("fri10B", "2026-03-13T10:00", "drB"), 90, ["preferred practitioner", "24 h away (capped)", "other day", "outside window"]],
];
for (const [alt, score, reasons] of rows) {
  test(`VECTORS: ${alt.id} scores ${score}`, () => {
    assert.deepEqual(scoreAlternative(original, alt, entry, NY), { score, reasons });
  });
}

const now = at("2026-03-12T08:00");
const pick = (candidates: AltOpening[], more: { limit?: number; now?: Date; horizonHours?: number } = {}) =>
  pickAlternatives({
    original,
    entry,
    candidates,
    zone: NY,
    now: more.now ?? now,
    horizonHours: more.horizonHours ?? 48,
    ...(more.limit === undefined ? {} : { limit: more.limit }),
  });

test("VECTORS: pickAlternatives returns 165, then the two 140s by earlier start", () => {
  const candidates = [rows[3]![0], rows[2]![0], rows[1]![0], rows[0]![0]]; // shuffled on purpose
  const picked = pick(candidates);
  assert.deepEqual(
    picked.map((a) => [a.slotId, a.matchScore]),
    [
      ["thu13A", 165],
      ["thu1030C", 140],
      ["thu1645A", 140],
    ],
  );
  assert.deepEqual(picked[0], {
    slotId: "thu13A",
    start: rows[0]![0].start,
    end: rows[0]![0].end,
    providerId: "drA",
    providerName: null,
    matchScore: 165,
    matchReasons: ["same practitioner", "3 h away", "same day", "in window", "preferred time"],
  });
});

test("providerName is passed through when known", () => {
  const alt = { ...opening("x", "2026-03-12T11:00", "drA"), providerName: "Dr A" };
  assert.equal(pick([alt])[0]?.providerName, "Dr A");
});

test("limit: default 3, fewer on request, all when there are fewer candidates", () => {
  const all = rows.map((r) => r[0]);
  assert.equal(pick(all).length, 3);
  assert.deepEqual(
    pick(all, { limit: 1 }).map((a) => a.slotId),
    ["thu13A"],
  );
  assert.deepEqual(pick(all, { limit: 0 }), []);
  assert.deepEqual(
    pick(all, { limit: 10 }).map((a) => a.matchScore),
    [165, 140, 140, 90],
  );
  assert.deepEqual(pick([]), []);
});

test("horizon: (now, now + 48 h] — now itself excluded, exactly now + 48 h included", () => {
  const mk = (id: string, start: Date): AltOpening => ({ id, start, end: new Date(start.getTime() + HOUR), providerId: "drA" });
  const atNow = mk("atNow", now);
  const past = mk("past", new Date(now.getTime() - 1));
  const justAfter = mk("justAfter", new Date(now.getTime() + 1));
  const edge = mk("edge", new Date(now.getTime() + 48 * HOUR));
  const beyond = mk("beyond", new Date(now.getTime() + 48 * HOUR + 1));
  const ids = pick([atNow, past, justAfter, edge, beyond], { limit: 10 })
    .map((a) => a.slotId)
    .sort();
  assert.deepEqual(ids, ["edge", "justAfter"]);
  assert.deepEqual(pick([edge], { horizonHours: 24 }), []);
});

test("the original opening is never its own alternative", () => {
  const sameId = { ...original };
  assert.deepEqual(
    pick([sameId, rows[1]![0]]).map((a) => a.slotId),
    ["thu1030C"],
  );
});

test("equal score and start fall back to id, so row order never changes the answer", () => {
  const a = opening("b-slot", "2026-03-12T11:00", "drC");
  const b = opening("a-slot", "2026-03-12T11:00", "drC");
  assert.deepEqual(
    pick([a, b]).map((x) => x.slotId),
    ["a-slot", "b-slot"],
  );
  assert.deepEqual(
    pick([b, a]).map((x) => x.slotId),
    ["a-slot", "b-slot"],
  );
});

test("same day is the clinic's calendar day near midnight, not UTC's", () => {
  const late = opening("late", "2026-03-12T23:30", "drA"); // 03:30Z on the 13th
  const early = opening("early", "2026-03-13T00:15", "drA"); // 04:15Z on the 13th: same UTC day, other clinic day
  assert.ok(scoreAlternative(late, early, entry, NY).reasons.includes("other day"));
  const evening = opening("evening", "2026-03-12T20:30", "drA"); // 00:30Z on the 13th
  const seven = opening("seven", "2026-03-12T19:00", "drA"); // 23:00Z on the 12th: other UTC day, same clinic day
  assert.ok(scoreAlternative(evening, seven, entry, NY).reasons.includes("same day"));
  // The same two instants seen from Tokyo are the same calendar day there.
  assert.ok(scoreAlternative(late, early, entry, "Asia/Tokyo").reasons.includes("same day"));
});

test("same day across DST changes: a 25 h day and a 23 h day", () => {
  const noWindow: AltEntry = { providerIds: [], windows: [{ weekdays: [4], start: "09:00", end: "17:00" }], preferredTime: null };
  // 2026-11-01 (Sunday) has 25 hours: 00:30 EDT and 23:30 EST are 24 h apart yet the same day.
  const r1 = scoreAlternative(opening("o", "2026-11-01T00:30", "drA"), opening("a", "2026-11-01T23:30", "drC"), noWindow, NY);
  assert.deepEqual(r1, { score: 100 - 30 + 25, reasons: ["24 h away (capped)", "same day", "outside window"] });
  // 2027-03-14 (Sunday) has 23 hours: 00:30 EST to 23:30 EDT is 22 h.
  const r2 = scoreAlternative(opening("o", "2027-03-14T00:30", "drA"), opening("a", "2027-03-14T23:30", "drC"), noWindow, NY);
  assert.deepEqual(r2.reasons.slice(0, 2), ["22 h away (capped)", "same day"]);
  // 23:30 EST on the 1st and 00:30 EST on the 2nd are an hour apart but different days.
  const r3 = scoreAlternative(opening("o", "2026-11-01T23:30", "drA"), opening("a", "2026-11-02T00:30", "drA"), noWindow, NY);
  assert.deepEqual(r3, { score: 100 + 30 - 5, reasons: ["same practitioner", "1 h away", "other day", "outside window"] });
});

test("windows are [start, end) in the clinic zone, on ISO weekdays", () => {
  const reason = (start: string, e: AltEntry = entry) => scoreAlternative(original, opening("a", start, "drC"), e, NY).reasons[2];
  assert.equal(reason("2026-03-12T09:00"), "in window");
  assert.equal(reason("2026-03-12T16:59"), "in window");
  assert.equal(reason("2026-03-12T17:00"), "outside window");
  assert.equal(reason("2026-03-12T08:59"), "outside window");
  assert.equal(reason("2026-03-13T12:00"), "outside window"); // Friday
  const sunday: AltEntry = {
    ...entry,
    windows: [
      { weekdays: [7], start: "09:00", end: "12:00" },
      { weekdays: [4], start: "08:00", end: "09:00" },
    ],
  };
  assert.equal(reason("2026-03-15T10:00", sunday), "in window");
  assert.equal(reason("2026-03-12T08:30", sunday), "in window");
});

test("an entry with no windows gets no window bonus", () => {
  const none: AltEntry = { providerIds: ["drB"], windows: [], preferredTime: null };
  const r = scoreAlternative(original, opening("a", "2026-03-12T10:30", "drC"), none, NY);
  assert.deepEqual(r, { score: 125, reasons: ["0 whole hours away", "same day", "no windows set"] });
});

test("preferred practitioner is only the first of providerIds; the original's practitioner wins over it", () => {
  const two: AltEntry = { ...entry, providerIds: ["drB", "drC"] };
  const c = scoreAlternative(original, opening("a", "2026-03-12T10:30", "drC"), two, NY);
  assert.equal(c.score, 140);
  const both: AltEntry = { ...entry, providerIds: ["drA"] };
  const a = scoreAlternative(original, opening("a", "2026-03-12T10:30", "drA"), both, NY);
  assert.equal(a.score, 170);
  assert.equal(a.reasons.filter((x) => x.includes("practitioner")).length, 1);
});

test("preferred time matches the local hour, any minute within it", () => {
  const score = (start: string) => scoreAlternative(original, opening("a", start, "drC"), entry, NY);
  assert.ok(score("2026-03-12T13:59").reasons.includes("preferred time"));
  assert.ok(!score("2026-03-12T14:00").reasons.includes("preferred time"));
  assert.ok(!score("2026-03-12T12:59").reasons.includes("preferred time"));
  assert.ok(!scoreAlternative(original, opening("a", "2026-03-12T13:00", "drC"), { ...entry, preferredTime: null }, NY).reasons.includes("preferred time"));
});

test("property: scores are never below 0 (with the seed weights, never below 70) and never above 180", () => {
  const providers = fc.constantFrom("drA", "drB", "drC");
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 11, 31) }).map((ms) => new Date(ms));
  const alt = fc.record({ id: fc.string(), start: instant, providerId: providers }).map((a) => ({ ...a, end: new Date(a.start.getTime() + HOUR) }));
  fc.assert(
    fc.property(alt, alt, fc.array(providers, { maxLength: 3 }), fc.constantFrom(NY, "Europe/Berlin", "Asia/Kolkata"), (o, a, providerIds, zone) => {
      const { score } = scoreAlternative(o, a, { ...entry, providerIds }, zone);
      assert.ok(score >= 0 && score >= 70 && score <= 180, String(score));
    }),
    { numRuns: 300 },
  );
});
