// Ranking: priority tier, then fit, then time waited; passed-over entries rise; reasons a person can read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rankCandidates, scoreEntry } from "../../src/core/ranking.ts";
import type { Opening, WaitlistEntry } from "../../src/core/types.ts";

const NY = "America/New_York";
const NOW = new Date("2026-06-08T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/** Wed 10 Jun 2026, 10:00–11:00 EDT with Dr A, freed from a cleaning. */
const OPENING: Opening = {
  id: "opening-1",
  clinicId: "clinic-1",
  providerId: "dr-a",
  chairId: "chair-1",
  serviceId: "svc-clean",
  start: new Date("2026-06-10T14:00:00.000Z"),
  end: new Date("2026-06-10T15:00:00.000Z"),
  status: "OPEN",
  source: "CANCELLATION",
  sourceAppointmentId: "appt-1",
  filledAppointmentId: null,
  filledAt: null,
  closedAt: null,
  nextWaveAt: null,
  waveCount: 0,
  createdAt: NOW,
  updatedAt: NOW,
};

/** A normal-priority entry with no preferences, created just now: its only points are for filling the opening. */
function anEntry(over: Partial<WaitlistEntry> = {}): WaitlistEntry {
  return {
    id: "entry-1",
    clinicId: "clinic-1",
    patientId: `patient-of-${over.id ?? "entry-1"}`,
    serviceId: "svc-other",
    providerIds: [],
    chairIds: [],
    windows: [],
    earliestDate: null,
    latestDate: null,
    priority: "normal",
    minNoticeMinutes: 0,
    preferredTime: null,
    notes: null,
    status: "ACTIVE",
    notificationCount: 0,
    passedOverCount: 0,
    bookedAppointmentId: null,
    externalId: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

const score = (entry: WaitlistEntry, duration = 60) => scoreEntry(OPENING, entry, duration, NOW, NY);
const rank = (...entries: (WaitlistEntry | [WaitlistEntry, number])[]) =>
  rankCandidates(
    OPENING,
    entries.map((e) => (Array.isArray(e) ? { entry: e[0], durationMinutes: e[1] } : { entry: e, durationMinutes: 60 })),
    NOW,
    NY,
  );
const order = (ranked: { entryId: string }[]) => ranked.map((c) => c.entryId);

/** Every fit point there is: 30 + 20 + 15 + 10 + 10 + 25 + 10 = 120. */
const bestNormal = anEntry({
  id: "best-normal",
  providerIds: ["dr-a"],
  serviceId: "svc-clean",
  windows: [{ weekdays: [3], start: "09:00", end: "12:00" }],
  preferredTime: "10:00",
  passedOverCount: 9,
  createdAt: ago(365 * DAY),
});

test("the best possible normal entry scores 120, with a reason for each point", () => {
  assert.deepEqual(score(bestNormal), {
    score: 120,
    reasons: [
      "preferred provider",
      "same service as the freed appointment",
      "inside their Wed 09:00–12:00 window",
      "at their preferred time 10:00",
      "fills the opening exactly",
      "passed over 9 times",
      "waiting 365 days",
    ],
  });
});

test("urgent beats any normal fit; high sits between", () => {
  const urgent = anEntry({ id: "urgent-poor-fit", priority: "urgent" });
  const high = anEntry({ id: "high-poor-fit", priority: "high" });
  assert.deepEqual(score(urgent, 6), { score: 2001, reasons: ["urgent priority", "waiting 0 days"] });
  assert.deepEqual(score(high, 6), { score: 1001, reasons: ["high priority", "waiting 0 days"] });
  assert.deepEqual(order(rank(bestNormal, [high, 6], [urgent, 6])), ["urgent-poor-fit", "high-poor-fit", "best-normal"]);
});

test("fairness stays inside a tier: a normal entry passed over 100 times still ranks below a high one", () => {
  const passed = anEntry({ id: "passed", passedOverCount: 100, providerIds: ["dr-a"], serviceId: "svc-clean" });
  const high = anEntry({ id: "high", priority: "high" });
  assert.deepEqual(order(rank(passed, [high, 6])), ["high", "passed"]);
});

test("within a tier, fit decides before time waited", () => {
  const preferred = anEntry({ id: "preferred", providerIds: ["dr-a"], createdAt: ago(1 * DAY) }); // 30 + 10
  const accepts = anEntry({ id: "accepts", providerIds: ["dr-b", "dr-a"], createdAt: ago(2 * DAY) }); // 15 + 10
  const any = anEntry({ id: "any", createdAt: ago(3 * DAY) }); // 10
  const ranked = rank(any, accepts, preferred);
  assert.deepEqual(order(ranked), ["preferred", "accepts", "any"]);
  assert.deepEqual(
    ranked.map((c) => c.score),
    [40, 25, 10],
  );
  assert.ok(ranked[1]!.reasons.includes("accepts this provider"));
});

test("equal score: the earlier createdAt goes first, then the smaller id", () => {
  const older = anEntry({ id: "entry-z", createdAt: ago(2 * HOUR) });
  const newer = anEntry({ id: "entry-a", createdAt: ago(1 * HOUR) });
  assert.equal(score(older).score, score(newer).score);
  assert.deepEqual(order(rank(newer, older)), ["entry-z", "entry-a"]);

  const b = anEntry({ id: "entry-b" });
  const a = anEntry({ id: "entry-a" });
  const c = anEntry({ id: "entry-c" });
  assert.deepEqual(order(rank(c, b, a)), ["entry-a", "entry-b", "entry-c"]);
});

test("passed over: +5 each, capped at +25", () => {
  const base = score(anEntry()).score;
  for (const [count, bonus] of [
    [0, 0],
    [1, 5],
    [2, 10],
    [4, 20],
    [5, 25],
    [6, 25],
    [100, 25],
  ] as const) {
    assert.equal(score(anEntry({ passedOverCount: count })).score, base + bonus, `passed over ${count}`);
  }
  assert.ok(score(anEntry({ passedOverCount: 1 })).reasons.includes("passed over 1 time"));
  assert.ok(score(anEntry({ passedOverCount: 6 })).reasons.includes("passed over 6 times"));
  assert.ok(!score(anEntry()).reasons.some((r) => r.startsWith("passed over")));
});

test("passed over enough times, a weaker fit overtakes a better one", () => {
  const favourite = anEntry({ id: "favourite", providerIds: ["dr-a"] }); // 30 + 10 = 40
  const rising = (n: number) => anEntry({ id: "rising", providerIds: ["dr-b", "dr-a"], passedOverCount: n }); // 15 + 10 + 5n
  assert.deepEqual(order(rank(favourite, rising(2))), ["favourite", "rising"]);
  assert.deepEqual(order(rank(favourite, rising(4))), ["rising", "favourite"]);
});

test("time waited: +1 a whole week, at most +10", () => {
  const base = score(anEntry()).score;
  for (const [days, bonus] of [
    [6, 0],
    [7, 1],
    [13, 1],
    [14, 2],
    [70, 10],
    [700, 10],
  ] as const) {
    assert.equal(score(anEntry({ createdAt: ago(days * DAY) })).score, base + bonus, `${days} days`);
  }
  assert.ok(score(anEntry({ createdAt: ago(1 * DAY) })).reasons.includes("waiting 1 day"));
  assert.ok(score(anEntry({ createdAt: ago(14 * DAY) })).reasons.includes("waiting 14 days"));
});

test("preferred time: same hour +10, within an hour +5, further nothing", () => {
  const base = score(anEntry()).score;
  const cases: [string, number, string | null][] = [
    ["10:00", 10, "at their preferred time 10:00"],
    ["10:45", 10, "at their preferred time 10:45"],
    ["09:30", 5, "near their preferred time 09:30"],
    ["11:00", 5, "near their preferred time 11:00"],
    ["08:30", 0, null],
    ["14:00", 0, null],
  ];
  for (const [preferredTime, bonus, reason] of cases) {
    const s = score(anEntry({ preferredTime }));
    assert.equal(s.score, base + bonus, preferredTime);
    if (reason) assert.ok(s.reasons.includes(reason), `${preferredTime}: ${s.reasons.join("; ")}`);
    else assert.ok(!s.reasons.some((r) => r.includes("preferred time")), preferredTime);
  }
});

test("fit: how fully the service uses the opening, up to 10", () => {
  assert.equal(score(anEntry(), 60).score, 10);
  assert.equal(score(anEntry(), 30).score, 5);
  assert.ok(score(anEntry(), 60).reasons.includes("fills the opening exactly"));
  assert.ok(!score(anEntry(), 30).reasons.includes("fills the opening exactly"));
});

test("the same-service points need the opening to know its service", () => {
  const entry = anEntry({ serviceId: "svc-clean" });
  assert.equal(scoreEntry(OPENING, entry, 60, NOW, NY).score, 30);
  assert.equal(scoreEntry({ ...OPENING, serviceId: null }, entry, 60, NOW, NY).score, 10);
});

test("reasons are readable phrases, e.g. the window with its weekdays and times", () => {
  const s = score(anEntry({ windows: [{ weekdays: [1, 3, 5], start: "09:00", end: "12:00" }], priority: "high" }));
  assert.deepEqual(s.reasons, ["high priority", "inside their Mon/Wed/Fri 09:00–12:00 window", "fills the opening exactly", "waiting 0 days"]);
  for (const reason of s.reasons) assert.match(reason, /^[a-z][a-z0-9 /:–]+$/i);
});

test("ranks are 1..n, best first, carrying entry and patient ids", () => {
  const entries = ["e1", "e2", "e3", "e4", "e5"].map((id, i) => anEntry({ id, passedOverCount: i }));
  const ranked = rank(...entries);
  assert.deepEqual(
    ranked.map((c) => c.rank),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(order(ranked), ["e5", "e4", "e3", "e2", "e1"]);
  assert.deepEqual(
    ranked.map((c) => c.patientId),
    ["patient-of-e5", "patient-of-e4", "patient-of-e3", "patient-of-e2", "patient-of-e1"],
  );
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1]!.score >= ranked[i]!.score);
});

test("no entries, no candidates", () => {
  assert.deepEqual(rank(), []);
});
