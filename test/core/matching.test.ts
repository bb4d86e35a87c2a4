// misfit: does a waitlist entry fit an opening? One row per rule, then the clinic-zone edge cases
// (DST nights, local midnight, ISO weekdays), the notice boundary and the chair rule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DateTime } from "luxon";
import type { Reach } from "../../src/core/channels.ts";
import { insideAnyWindow, misfit, windowAt, type MatchContext, type MatchInput, type MisfitReason } from "../../src/core/matching.ts";
import { ENTRY_STATUSES, type Opening, type TimeWindow, type WaitlistEntry } from "../../src/core/types.ts";

const NY = "America/New_York";
const CREATED = new Date("2026-05-01T12:00:00.000Z");
const NOW = new Date("2026-06-08T12:00:00.000Z"); // Mon 8 Jun, 08:00 EDT
const MINUTE = 60_000;

function anEntry(over: Partial<WaitlistEntry> = {}): WaitlistEntry {
  return {
    id: "entry-1",
    clinicId: "clinic-1",
    patientId: "patient-1",
    serviceId: "svc-clean",
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
    createdAt: CREATED,
    updatedAt: CREATED,
    ...over,
  };
}

/** Wed 10 Jun 2026, 10:00–11:00 EDT with Dr A in chair 1, unless told otherwise. */
function anOpening(over: Partial<Opening> = {}): Opening {
  const start = over.start ?? new Date("2026-06-10T14:00:00.000Z");
  return {
    id: "opening-1",
    clinicId: "clinic-1",
    providerId: "dr-a",
    chairId: "chair-1",
    serviceId: "svc-clean",
    end: new Date(start.getTime() + 60 * MINUTE),
    status: "OPEN",
    source: "CANCELLATION",
    sourceAppointmentId: null,
    filledAppointmentId: null,
    filledAt: null,
    closedAt: null,
    nextWaveAt: null,
    waveCount: 0,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...over,
    start,
  };
}

/** An opening starting at a wall-clock time in a zone (readable test inputs). */
const openingAtLocal = (iso: string, zone: string, minutes = 60) => {
  const start = DateTime.fromISO(iso, { zone }).toJSDate();
  return anOpening({ start, end: new Date(start.getTime() + minutes * MINUTE) });
};

const granted = { granted: true, at: CREATED, source: "form" };
const refused = { granted: false, at: null, source: null };

function aReach(over: Partial<Reach> = {}): Reach {
  return {
    phone: "+16175550100",
    email: "pat@example.com",
    consent: { SMS: granted, EMAIL: granted, VOICE: granted },
    preferredChannel: null,
    pushSubscribed: false,
    ...over,
  };
}

function anInput(over: { entry?: Partial<WaitlistEntry> } & Partial<Omit<MatchInput, "entry">> = {}): MatchInput {
  const { entry, ...rest } = over;
  return {
    entry: anEntry(entry),
    service: { durationMinutes: 60, active: true },
    reach: aReach(),
    usage: { entryNotifications: 0, patientOffersLastDay: 0, patientOffersLastWeek: 0 },
    patientHasLiveOffer: false,
    patientBusy: false,
    alreadyOffered: false,
    ...rest,
  };
}

function aContext(over: Partial<MatchContext> = {}): MatchContext {
  return {
    now: NOW,
    zone: NY,
    settings: { channelOrder: ["SMS", "EMAIL", "VOICE"], maxNotificationsPerEntry: 3, dailyCapPerPatient: 1, weeklyCapPerPatient: 3 },
    ...over,
  };
}

const usage = (entryNotifications: number, patientOffersLastDay: number, patientOffersLastWeek: number) => ({
  entryNotifications,
  patientOffersLastDay,
  patientOffersLastWeek,
});

// ---- one row per rule ----

test("baseline: a plain entry fits the opening", () => {
  assert.equal(misfit(anOpening(), anInput(), aContext()), null);
});

test("baseline with every preference set, each just satisfied, still fits", () => {
  const input = anInput({
    entry: {
      providerIds: ["dr-b", "dr-a"],
      chairIds: ["chair-1"],
      windows: [{ weekdays: [3], start: "10:00", end: "11:00" }],
      earliestDate: "2026-06-10",
      latestDate: "2026-06-10",
      minNoticeMinutes: 50 * 60, // Mon 12:00Z → Wed 14:00Z is exactly 50 h
    },
    usage: usage(2, 0, 2),
  });
  assert.equal(misfit(anOpening(), input, aContext()), null);
});

// Every MisfitReason value: the Record type makes the compiler insist on a row for each.
const rows: Record<MisfitReason, { why: string; opening?: Partial<Opening>; input: Parameters<typeof anInput>[0] }> = {
  other_clinic: { why: "the entry belongs to another clinic", input: { entry: { clinicId: "clinic-2" } } },
  entry_not_active: { why: "the entry already has a live offer (NOTIFIED)", input: { entry: { status: "NOTIFIED" } } },
  already_offered: { why: "this entry was offered this opening before", input: { alreadyOffered: true } },
  service_inactive: { why: "the service was switched off", input: { service: { durationMinutes: 60, active: false } } },
  too_short: { why: "a 61-minute service in a 60-minute opening", input: { service: { durationMinutes: 61, active: true } } },
  provider_not_accepted: { why: "only Dr B is acceptable", input: { entry: { providerIds: ["dr-b"] } } },
  chair_not_accepted: { why: "only chair 2 is acceptable", input: { entry: { chairIds: ["chair-2"] } } },
  outside_windows: {
    why: "Wednesday afternoons only",
    input: { entry: { windows: [{ weekdays: [3], start: "12:00", end: "17:00" }] } },
  },
  before_earliest_date: { why: "not before Thursday", input: { entry: { earliestDate: "2026-06-11" } } },
  after_latest_date: { why: "not after Tuesday", input: { entry: { latestDate: "2026-06-09" } } },
  too_little_notice: { why: "needs 50 h and a minute of notice", input: { entry: { minNoticeMinutes: 50 * 60 + 1 } } },
  no_reachable_channel: {
    why: "no consent on any channel",
    input: { reach: aReach({ consent: { SMS: refused, EMAIL: refused, VOICE: refused } }) },
  },
  max_notifications_reached: { why: "3 offers for this entry already", input: { usage: usage(3, 0, 0) } },
  daily_cap: { why: "1 offer to this patient in the last 24 h", input: { usage: usage(0, 1, 1) } },
  weekly_cap: { why: "3 offers to this patient in the last 7 days", input: { usage: usage(0, 0, 3) } },
  patient_has_live_offer: { why: "the patient holds a live offer for another opening", input: { patientHasLiveOffer: true } },
  patient_busy: { why: "the patient has an appointment at that time", input: { patientBusy: true } },
};

for (const [reason, row] of Object.entries(rows)) {
  test(`misfit ${reason}: ${row.why}`, () => {
    assert.equal(misfit(anOpening(row.opening), anInput(row.input), aContext()), reason);
  });
}

test("every entry status other than ACTIVE is entry_not_active", () => {
  for (const status of ENTRY_STATUSES) {
    assert.equal(misfit(anOpening(), anInput({ entry: { status } }), aContext()), status === "ACTIVE" ? null : "entry_not_active", status);
  }
});

test("several rules broken: the first in the documented order is reported", () => {
  const input = anInput({ entry: { providerIds: ["dr-b"], latestDate: "2026-06-01" }, patientBusy: true, usage: usage(3, 1, 3) });
  assert.equal(misfit(anOpening(), input, aContext()), "provider_not_accepted");
  assert.equal(misfit(anOpening(), anInput({ usage: usage(3, 1, 3) }), aContext()), "max_notifications_reached");
  assert.equal(misfit(anOpening(), anInput({ usage: usage(0, 1, 3) }), aContext()), "daily_cap");
});

test("service length: exactly the opening's length fits, a shorter service fits too", () => {
  assert.equal(misfit(anOpening(), anInput({ service: { durationMinutes: 60, active: true } }), aContext()), null);
  assert.equal(misfit(anOpening(), anInput({ service: { durationMinutes: 30, active: true } }), aContext()), null);
});

test("providers: an empty list accepts any provider; any listed provider is accepted", () => {
  for (const providerIds of [[], ["dr-a"], ["dr-b", "dr-a"]]) {
    assert.equal(misfit(anOpening(), anInput({ entry: { providerIds } }), aContext()), null, providerIds.join());
  }
});

// ---- chair rule ----

// [entry chairs, opening chair, expected]
const chairs: [string[], string | null, MisfitReason | null][] = [
  [[], "chair-1", null],
  [[], null, null],
  [["chair-1"], "chair-1", null],
  [["chair-2", "chair-1"], "chair-1", null],
  [["chair-2"], "chair-1", "chair_not_accepted"],
  // An opening with no chair has nothing that contradicts the entry's choice: it fits.
  [["chair-2"], null, null],
];
for (const [chairIds, chairId, expected] of chairs) {
  test(`chair rule: entry chairs [${chairIds.join(", ")}], opening chair ${chairId ?? "none"} → ${expected ?? "fits"}`, () => {
    assert.equal(misfit(anOpening({ chairId }), anInput({ entry: { chairIds } }), aContext()), expected);
  });
}

// ---- windows, in the clinic's zone ----

const EARLY = aContext({ now: new Date("2026-01-01T00:00:00.000Z") });
const sundayMorning: TimeWindow = { weekdays: [7], start: "09:00", end: "12:00" };
const windowed = (windows: TimeWindow[], minutes = 60) => anInput({ entry: { windows }, service: { durationMinutes: minutes, active: true } });

// [why, opening start (UTC), zone, windows, service minutes, fits]
const windowRows: [string, string, string, TimeWindow[], number, boolean][] = [
  // New York, spring forward (Sun 8 Mar 2026, 02:00 EST → 03:00 EDT).
  ["NY spring-forward Sunday 09:30 EDT is inside", "2026-03-08T13:30:00Z", NY, [sundayMorning], 60, true],
  ["NY spring-forward Sunday 08:30 EDT is before the window (09:30 at the winter offset)", "2026-03-08T12:30:00Z", NY, [sundayMorning], 60, false],
  ["NY spring-forward Sunday 11:00–12:00 EDT ends exactly at the window end", "2026-03-08T15:00:00Z", NY, [sundayMorning], 60, true],
  ["NY spring-forward Sunday 11:01 EDT runs a minute past the window end", "2026-03-08T15:01:00Z", NY, [sundayMorning], 60, false],
  ["NY Saturday before spring forward 09:30 EST: a Sunday window does not apply", "2026-03-07T14:30:00Z", NY, [sundayMorning], 60, false],
  ["NY Saturday before spring forward 09:30 EST in a Saturday window", "2026-03-07T14:30:00Z", NY, [{ ...sundayMorning, weekdays: [6] }], 60, true],
  // New York, fall back (Sun 1 Nov 2026, 02:00 EDT → 01:00 EST).
  ["NY fall-back Sunday 09:30 EST is inside", "2026-11-01T14:30:00Z", NY, [sundayMorning], 60, true],
  ["NY fall-back Sunday 08:30 EST is before the window (09:30 at the summer offset)", "2026-11-01T13:30:00Z", NY, [sundayMorning], 60, false],
  ["NY fall-back Sunday 11:30 EST, 60 min, runs past 12:00", "2026-11-01T16:30:00Z", NY, [sundayMorning], 60, false],
  ["NY fall-back Sunday 11:30 EST, 30 min, ends at 12:00", "2026-11-01T16:30:00Z", NY, [sundayMorning], 30, true],
  ["NY fall-back: the first 01:30 (EDT) is inside 01:00–02:00", "2026-11-01T05:30:00Z", NY, [{ weekdays: [7], start: "01:00", end: "02:00" }], 30, true],
  ["NY fall-back: the second 01:30 (EST) is inside 01:00–02:00 too", "2026-11-01T06:30:00Z", NY, [{ weekdays: [7], start: "01:00", end: "02:00" }], 30, true],
  // London, clocks go forward (Sun 29 Mar 2026, 01:00 GMT → 02:00 BST).
  ["London spring-forward Sunday 09:30 BST is inside", "2026-03-29T08:30:00Z", "Europe/London", [sundayMorning], 60, true],
  [
    "London spring-forward Sunday 08:30 BST is before the window (09:30 GMT would be inside)",
    "2026-03-29T07:30:00Z",
    "Europe/London",
    [sundayMorning],
    60,
    false,
  ],
  ["London the Sunday before, 09:30 GMT is inside", "2026-03-22T09:30:00Z", "Europe/London", [sundayMorning], 60, true],
  // The local weekday, not the UTC one.
  [
    "Sun 7 Jun 21:00 EDT is Monday in UTC: a Sunday evening window applies",
    "2026-06-08T01:00:00Z",
    NY,
    [{ weekdays: [7], start: "20:00", end: "22:00" }],
    60,
    true,
  ],
  ["Sun 7 Jun 21:00 EDT: a Monday evening window does not", "2026-06-08T01:00:00Z", NY, [{ weekdays: [1], start: "20:00", end: "22:00" }], 60, false],
  // Edges of a window.
  ["starting exactly at the window start", "2026-06-10T13:00:00Z", NY, [{ weekdays: [3], start: "09:00", end: "12:00" }], 60, true],
  ["starting a minute before the window start", "2026-06-10T12:59:00Z", NY, [{ weekdays: [3], start: "09:00", end: "12:00" }], 60, false],
  ["a service as long as the window", "2026-06-10T13:00:00Z", NY, [{ weekdays: [3], start: "09:00", end: "10:00" }], 60, true],
  ["running past local midnight is inside no window", "2026-06-11T03:30:00Z", NY, [{ weekdays: [3], start: "22:00", end: "23:59" }], 60, false],
  ["one of several windows is enough", "2026-06-10T18:00:00Z", NY, [sundayMorning, { weekdays: [1, 3, 5], start: "13:00", end: "17:00" }], 60, true],
];

for (const [why, startIso, zone, windows, minutes, fits] of windowRows) {
  test(`windows: ${why}`, () => {
    const start = new Date(startIso);
    const opening = anOpening({ start, end: new Date(start.getTime() + 60 * MINUTE) });
    assert.equal(misfit(opening, windowed(windows, minutes), { ...EARLY, zone }), fits ? null : "outside_windows");
    assert.equal(insideAnyWindow(start, minutes, windows, zone), fits);
  });
}

test("windows: an empty list means any time", () => {
  assert.equal(misfit(openingAtLocal("2026-06-10T03:00", NY), windowed([]), EARLY), null);
});

test("weekdays are ISO: 1 = Monday … 7 = Sunday, in the clinic's zone", () => {
  // Mon 8 Jun … Sun 14 Jun 2026, 10:00 EDT each day.
  for (let day = 1; day <= 7; day++) {
    const opening = openingAtLocal(`2026-06-${String(7 + day).padStart(2, "0")}T10:00`, NY);
    for (let weekday = 1; weekday <= 7; weekday++) {
      const got = misfit(opening, windowed([{ weekdays: [weekday], start: "09:00", end: "12:00" }]), EARLY);
      assert.equal(got, weekday === day ? null : "outside_windows", `opening on ISO day ${day}, window on ${weekday}`);
    }
    // 0 is not Sunday (this is not Date#getDay).
    assert.equal(misfit(opening, windowed([{ weekdays: [0], start: "09:00", end: "12:00" }]), EARLY), "outside_windows");
  }
});

test("windowAt: the window containing the start, or null", () => {
  const morning = { weekdays: [3], start: "09:00", end: "12:00" };
  const afternoon = { weekdays: [3], start: "13:00", end: "17:00" };
  const at = (hhmm: string) => DateTime.fromISO(`2026-06-10T${hhmm}`, { zone: NY }).toJSDate();
  assert.equal(windowAt(at("10:00"), [morning, afternoon], NY), morning);
  assert.equal(windowAt(at("13:00"), [morning, afternoon], NY), afternoon);
  assert.equal(windowAt(at("12:00"), [morning, afternoon], NY), null, "the end is not inside");
  assert.equal(windowAt(at("10:00"), [{ ...morning, weekdays: [4] }], NY), null, "another weekday");
});

// ---- date range, in the clinic's zone ----

// [why, opening start (UTC), zone, earliest, latest, expected]
const dateRows: [string, string, string, string | null, string | null, MisfitReason | null][] = [
  ["23:30 EDT on 9 Jun (already 10 Jun in UTC) is on the 9th: latest 9 Jun fits", "2026-06-10T03:30:00Z", NY, null, "2026-06-09", null],
  ["23:30 EDT on 9 Jun: earliest 10 Jun is not yet reached", "2026-06-10T03:30:00Z", NY, "2026-06-10", null, "before_earliest_date"],
  ["00:00 EDT on 10 Jun: earliest 10 Jun fits", "2026-06-10T04:00:00Z", NY, "2026-06-10", null, null],
  ["00:00 EDT on 10 Jun: latest 9 Jun is past", "2026-06-10T04:00:00Z", NY, null, "2026-06-09", "after_latest_date"],
  ["a one-day range, inclusive at both ends", "2026-06-10T14:00:00Z", NY, "2026-06-10", "2026-06-10", null],
  ["01:30 JST on 10 Jun (still 9 Jun in UTC): earliest 10 Jun fits", "2026-06-09T16:30:00Z", "Asia/Tokyo", "2026-06-10", null, null],
  ["01:30 JST on 10 Jun: latest 9 Jun is past", "2026-06-09T16:30:00Z", "Asia/Tokyo", null, "2026-06-09", "after_latest_date"],
  ["23:59 GMT on Sat 28 Mar, the night the London clocks change: latest 28 Mar fits", "2026-03-28T23:59:00Z", "Europe/London", null, "2026-03-28", null],
  ["00:30 BST on Sun 26 Jul is still 25 Jul in UTC: earliest 26 Jul fits", "2026-07-25T23:30:00Z", "Europe/London", "2026-07-26", null, null],
];
for (const [why, startIso, zone, earliestDate, latestDate, expected] of dateRows) {
  test(`date range: ${why}`, () => {
    const start = new Date(startIso);
    const opening = anOpening({ start, end: new Date(start.getTime() + 30 * MINUTE) });
    const input = anInput({ entry: { earliestDate, latestDate }, service: { durationMinutes: 30, active: true } });
    assert.equal(misfit(opening, input, { ...EARLY, zone }), expected);
  });
}

// ---- minimum notice ----

test("min notice: exactly the notice fits, 1 ms less does not", () => {
  const notice = 24 * 60;
  const exactly = new Date(NOW.getTime() + notice * MINUTE);
  const input = anInput({ entry: { minNoticeMinutes: notice } });
  assert.equal(misfit(anOpening({ start: exactly }), input, aContext()), null);
  assert.equal(misfit(anOpening({ start: new Date(exactly.getTime() - 1) }), input, aContext()), "too_little_notice");
});

test("min notice 0: an opening starting right now still fits the rule; one already started does not", () => {
  assert.equal(misfit(anOpening({ start: NOW }), anInput(), aContext()), null);
  assert.equal(misfit(anOpening({ start: new Date(NOW.getTime() - MINUTE) }), anInput(), aContext()), "too_little_notice");
});

// ---- reach and caps ----

test("a channel that may be used later counts: matching at 03:00 local (quiet hours) still fits", () => {
  assert.equal(misfit(anOpening(), anInput(), aContext({ now: new Date("2026-06-08T07:00:00.000Z") })), null);
});

test("reach: one usable channel in the clinic's order is enough", () => {
  const emailOnly = aReach({ phone: null, consent: { SMS: refused, EMAIL: granted, VOICE: refused } });
  assert.equal(misfit(anOpening(), anInput({ reach: emailOnly }), aContext()), null);
  const noEmail = { ...emailOnly, email: null };
  assert.equal(misfit(anOpening(), anInput({ reach: noEmail }), aContext()), "no_reachable_channel");
});

test("reach: a live web push subscription is enough even when the clinic's order lacks PUSH (the patient opted in)", () => {
  const pushOnly = aReach({ phone: null, email: null, pushSubscribed: true });
  assert.equal(misfit(anOpening(), anInput({ reach: pushOnly }), aContext()), null);
  assert.equal(misfit(anOpening(), anInput({ reach: { ...pushOnly, pushSubscribed: false } }), aContext()), "no_reachable_channel");
});

test("caps at the defaults: 2 notifications, 0 today and 2 this week still fit", () => {
  assert.equal(misfit(anOpening(), anInput({ usage: usage(2, 0, 2) }), aContext()), null);
});
