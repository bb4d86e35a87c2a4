import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  checkSettings,
  DEFAULT_CANCELLATION_POLICIES,
  defaultSettings,
  effectiveSettings,
  patchSettings,
  STRATEGIES,
  type Settings,
  type SettingsOverrides,
} from "../../src/core/settings.ts";
import { CHANNELS } from "../../src/core/types.ts";

const NY = "America/New_York";

test("the defaults, as the contract lists them", () => {
  assert.deepEqual(defaultSettings("Europe/London"), {
    holdMinutes: 120,
    maxNotificationsPerEntry: 3,
    quietHours: { start: "21:00", end: "08:00" },
    strategy: "sequential",
    waveSize: 1,
    cutoffMinutes: 30,
    channelOrder: ["SMS", "EMAIL", "VOICE"],
    fallbackDelayMinutes: 2,
    alternativesHorizonHours: 48,
    noShowGraceMinutes: 5,
    noShowDiscountPercent: 20,
    noShowDepositCents: 5000,
    dailyCapPerPatient: 1,
    weeklyCapPerPatient: 3,
    reminderHoursBefore: 24,
    openingDebounceMinutes: 0,
    cancellationPolicies: {
      injectables: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
      laser: { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 24, fullChargeHours: 24 },
      facial: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 12, fullChargeHours: 12 },
      default: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 12, fullChargeHours: 12 },
    },
    staffAlertEmail: null,
    phoneCountry: "US",
    timezone: "Europe/London",
  });
  assert.deepEqual(STRATEGIES, ["sequential", "broadcast", "adaptive"]);
});

test("the defaults pass their own checks in every zone we use", () => {
  for (const zone of [NY, "Europe/London", "Australia/Sydney", "UTC"]) assert.deepEqual(checkSettings(defaultSettings(zone)), []);
});

test("effectiveSettings: no overrides gives the defaults", () => {
  assert.deepEqual(effectiveSettings(NY, {}), defaultSettings(NY));
});

test("effectiveSettings: scalar overrides replace defaults, the rest stay", () => {
  const s = effectiveSettings(NY, { holdMinutes: 45, strategy: "adaptive", waveSize: 3, staffAlertEmail: "desk@clinic.test" });
  assert.deepEqual(s, { ...defaultSettings(NY), holdMinutes: 45, strategy: "adaptive", waveSize: 3, staffAlertEmail: "desk@clinic.test" });
});

test("effectiveSettings: a partial quietHours keeps the other end", () => {
  const overrides = { quietHours: { start: "22:00" } } as SettingsOverrides;
  assert.deepEqual(effectiveSettings(NY, overrides).quietHours, { start: "22:00", end: "08:00" });
});

test("effectiveSettings: policies merge per category; a new category joins the defaults", () => {
  const custom = { gracePeriodMinutes: 0, feePercent: 25, noticeHours: 48, fullChargeHours: 24 };
  const s = effectiveSettings(NY, { cancellationPolicies: { laser: custom, massage: custom } });
  assert.deepEqual(s.cancellationPolicies, {
    injectables: DEFAULT_CANCELLATION_POLICIES.injectables,
    laser: custom,
    facial: DEFAULT_CANCELLATION_POLICIES.facial,
    default: DEFAULT_CANCELLATION_POLICIES.default,
    massage: custom,
  });
  assert.deepEqual(DEFAULT_CANCELLATION_POLICIES.laser, { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 24, fullChargeHours: 24 });
});

test("effectiveSettings: the clinic's zone argument wins over anything in the overrides", () => {
  const overrides = { timezone: "Europe/London" } as unknown as SettingsOverrides;
  assert.equal(effectiveSettings(NY, overrides).timezone, NY);
});

// [name, changes to the defaults, expected errors]
const checks: [string, Partial<Settings>, { path: string; message: string }[]][] = [
  ["defaults", {}, []],
  ["unknown zone", { timezone: "Mars/Olympus_Mons" }, [{ path: "/timezone", message: "must be an IANA time zone name" }]],
  ["an offset is not a zone", { timezone: "+02:00" }, [{ path: "/timezone", message: "must be an IANA time zone name" }]],
  ["quiet start not a time", { quietHours: { start: "25:00", end: "08:00" } }, [{ path: "/quietHours/start", message: "must be HH:MM" }]],
  ["quiet end not a time", { quietHours: { start: "21:00", end: "8am" } }, [{ path: "/quietHours/end", message: "must be HH:MM" }]],
  ["quiet hours empty", { quietHours: { start: "08:00", end: "08:00" } }, [{ path: "/quietHours", message: "start and end must differ" }]],
  ["quiet hours within a day", { quietHours: { start: "12:00", end: "13:00" } }, []],
  ["quiet hours over midnight", { quietHours: { start: "23:59", end: "00:00" } }, []],
  ["channel repeated", { channelOrder: ["SMS", "EMAIL", "SMS"] }, [{ path: "/channelOrder", message: "must not repeat a channel" }]],
  ["unknown channel", { channelOrder: ["SMS", "FAX" as never] }, [{ path: "/channelOrder/1", message: "must be one of SMS, EMAIL, VOICE, PUSH, MANUAL" }]],
  ["every channel once", { channelOrder: ["MANUAL", "PUSH", "VOICE", "EMAIL", "SMS"] }, []],
  [
    "weekly cap below daily",
    { dailyCapPerPatient: 2, weeklyCapPerPatient: 1 },
    [{ path: "/weeklyCapPerPatient", message: "must be at least dailyCapPerPatient" }],
  ],
  ["weekly cap equal to daily", { dailyCapPerPatient: 2, weeklyCapPerPatient: 2 }, []],
  ["caps of zero", { dailyCapPerPatient: 0, weeklyCapPerPatient: 0 }, []],
  ["cut-off of a day", { cutoffMinutes: 1440 }, [{ path: "/cutoffMinutes", message: "must be under a day" }]],
  ["cut-off a minute under a day", { cutoffMinutes: 1439 }, []],
  [
    "full charge beyond notice",
    { cancellationPolicies: { ...DEFAULT_CANCELLATION_POLICIES, laser: { gracePeriodMinutes: 10, feePercent: 50, noticeHours: 24, fullChargeHours: 25 } } },
    [{ path: "/cancellationPolicies/laser/fullChargeHours", message: "must not exceed noticeHours" }],
  ],
  [
    "the custom policy of VECTORS.md (15, 50, 48, 24)",
    { cancellationPolicies: { custom: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 48, fullChargeHours: 24 } } },
    [],
  ],
  ["phone country UK (ISO says GB)", { phoneCountry: "UK" }, [{ path: "/phoneCountry", message: "must be an ISO 3166 country code" }]],
  ["phone country lower case", { phoneCountry: "gb" }, [{ path: "/phoneCountry", message: "must be an ISO 3166 country code" }]],
  ["phone country GB", { phoneCountry: "GB" }, []],
  [
    "every error at once, in order",
    {
      timezone: "Nowhere",
      quietHours: { start: "7", end: "7" },
      channelOrder: ["SMS", "SMS", "FAX" as never],
      dailyCapPerPatient: 5,
      weeklyCapPerPatient: 4,
      cutoffMinutes: 5000,
      cancellationPolicies: { a: { gracePeriodMinutes: 0, feePercent: 0, noticeHours: 1, fullChargeHours: 2 } },
      phoneCountry: "ZZ",
    },
    [
      { path: "/timezone", message: "must be an IANA time zone name" },
      { path: "/quietHours/start", message: "must be HH:MM" },
      { path: "/quietHours/end", message: "must be HH:MM" },
      { path: "/quietHours", message: "start and end must differ" },
      { path: "/channelOrder", message: "must not repeat a channel" },
      { path: "/channelOrder/2", message: "must be one of SMS, EMAIL, VOICE, PUSH, MANUAL" },
      { path: "/weeklyCapPerPatient", message: "must be at least dailyCapPerPatient" },
      { path: "/cutoffMinutes", message: "must be under a day" },
      { path: "/cancellationPolicies/a/fullChargeHours", message: "must not exceed noticeHours" },
      { path: "/phoneCountry", message: "must be an ISO 3166 country code" },
    ],
  ],
];
for (const [name, changes, expected] of checks) {
  test(`checkSettings: ${name}`, () => {
    assert.deepEqual(checkSettings({ ...defaultSettings(NY), ...changes }), expected);
  });
}

type Current = { timezone: string; overrides: SettingsOverrides };
const empty: Current = { timezone: NY, overrides: {} };

// [name, current, patch, expected result]
const patches: [string, Current, Partial<Settings>, Current | { path: string; message: string }[]][] = [
  ["an empty patch", empty, {}, empty],
  ["one scalar", empty, { holdMinutes: 60 }, { timezone: NY, overrides: { holdMinutes: 60 } }],
  [
    "earlier overrides are kept",
    { timezone: NY, overrides: { holdMinutes: 60, waveSize: 2 } },
    { strategy: "broadcast", waveSize: 4 },
    { timezone: NY, overrides: { holdMinutes: 60, waveSize: 4, strategy: "broadcast" } },
  ],
  [
    "a new zone is returned beside the overrides, not inside them",
    { timezone: NY, overrides: { holdMinutes: 60 } },
    { timezone: "Australia/Sydney" },
    { timezone: "Australia/Sydney", overrides: { holdMinutes: 60 } },
  ],
  ["an unknown zone", empty, { timezone: "Nowhere/Land" }, [{ path: "/timezone", message: "must be an IANA time zone name" }]],
  [
    "half a quietHours merges with the stored half",
    { timezone: NY, overrides: { quietHours: { start: "22:00", end: "07:00" } } },
    { quietHours: { start: "20:00" } as Settings["quietHours"] },
    { timezone: NY, overrides: { quietHours: { start: "20:00", end: "07:00" } } },
  ],
  [
    "half a quietHours that meets the default other end",
    empty,
    { quietHours: { start: "08:00" } as Settings["quietHours"] },
    [{ path: "/quietHours", message: "start and end must differ" }],
  ],
  [
    "policies merge per category with the stored ones",
    { timezone: NY, overrides: { cancellationPolicies: { laser: { gracePeriodMinutes: 0, feePercent: 10, noticeHours: 6, fullChargeHours: 1 } } } },
    { cancellationPolicies: { custom: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 48, fullChargeHours: 24 } } },
    {
      timezone: NY,
      overrides: {
        cancellationPolicies: {
          laser: { gracePeriodMinutes: 0, feePercent: 10, noticeHours: 6, fullChargeHours: 1 },
          custom: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 48, fullChargeHours: 24 },
        },
      },
    },
  ],
  [
    "a bad policy",
    empty,
    { cancellationPolicies: { facial: { gracePeriodMinutes: 15, feePercent: 50, noticeHours: 12, fullChargeHours: 13 } } },
    [{ path: "/cancellationPolicies/facial/fullChargeHours", message: "must not exceed noticeHours" }],
  ],
  [
    "a weekly cap below the stored daily cap",
    { timezone: NY, overrides: { dailyCapPerPatient: 3 } },
    { weeklyCapPerPatient: 2 },
    [{ path: "/weeklyCapPerPatient", message: "must be at least dailyCapPerPatient" }],
  ],
  [
    "a daily cap above the default weekly cap",
    empty,
    { dailyCapPerPatient: 4 },
    [{ path: "/weeklyCapPerPatient", message: "must be at least dailyCapPerPatient" }],
  ],
  [
    "both caps raised together",
    empty,
    { dailyCapPerPatient: 4, weeklyCapPerPatient: 10 },
    { timezone: NY, overrides: { dailyCapPerPatient: 4, weeklyCapPerPatient: 10 } },
  ],
  ["a repeated channel", empty, { channelOrder: ["EMAIL", "EMAIL"] }, [{ path: "/channelOrder", message: "must not repeat a channel" }]],
  ["a phone country", empty, { phoneCountry: "AU" }, { timezone: NY, overrides: { phoneCountry: "AU" } }],
  ["a bad phone country", empty, { phoneCountry: "EU" }, [{ path: "/phoneCountry", message: "must be an ISO 3166 country code" }]],
  ["a cut-off of a day", empty, { cutoffMinutes: 1440 }, [{ path: "/cutoffMinutes", message: "must be under a day" }]],
];
for (const [name, current, patch, expected] of patches) {
  test(`patchSettings: ${name}`, () => {
    const before = structuredClone(current);
    const r = patchSettings(current, patch);
    if (Array.isArray(expected)) {
      assert.deepEqual(r, {
        ok: false,
        code: "validation_failed",
        detail: expected.map((e) => `${e.path}: ${e.message}`).join("; "),
        errors: expected,
      });
    } else {
      assert.deepEqual(r, { ok: true, value: expected });
    }
    assert.deepEqual(current, before, "the current settings are not mutated");
  });
}

/** Mostly good values, sometimes a bad one, so that both answers are common. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: bad });
const hhmm = mostly(
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
  fc.constantFrom("24:00", "7:00", "", "noon", "08:00", "21:00"),
);
const policy = fc
  .record({
    gracePeriodMinutes: fc.integer({ min: 0, max: 60 }),
    feePercent: fc.integer({ min: 0, max: 100 }),
    noticeHours: fc.integer({ min: 0, max: 72 }),
    fullChargeHours: fc.integer({ min: 0, max: 72 }),
  })
  .chain((p) => mostly(fc.constant({ ...p, fullChargeHours: Math.min(p.fullChargeHours, p.noticeHours) }), fc.constant(p)));
const patchArb = fc.record(
  {
    holdMinutes: fc.integer({ min: 10, max: 10080 }),
    maxNotificationsPerEntry: fc.integer({ min: 1, max: 100 }),
    quietHours: fc.record({ start: hhmm, end: hhmm }, { requiredKeys: [] }),
    strategy: fc.constantFrom(...STRATEGIES),
    waveSize: fc.integer({ min: 1, max: 100 }),
    cutoffMinutes: mostly(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1440, max: 3000 })),
    channelOrder: mostly(
      fc.shuffledSubarray([...CHANNELS] as string[], { minLength: 1 }),
      fc.array(fc.constantFrom(...CHANNELS, "FAX"), { minLength: 1, maxLength: 6 }),
    ),
    dailyCapPerPatient: fc.integer({ min: 0, max: 3 }),
    weeklyCapPerPatient: fc.integer({ min: 0, max: 12 }),
    cancellationPolicies: fc.dictionary(fc.constantFrom("default", "laser", "facial", "injectables", "custom"), policy, { maxKeys: 3 }),
    phoneCountry: mostly(fc.constantFrom("US", "GB", "AU", "NZ"), fc.constantFrom("UK", "XX", "us")),
    timezone: mostly(fc.constantFrom(NY, "Europe/London", "Australia/Sydney", "UTC"), fc.constantFrom("Mars/Base", "+02:00", "")),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Partial<Settings>>;

const KNOWN_PATHS =
  /^\/(timezone|quietHours(\/(start|end))?|channelOrder(\/\d+)?|weeklyCapPerPatient|cutoffMinutes|cancellationPolicies\/[a-z]+\/fullChargeHours|phoneCountry)$/;

test("property: patchSettings never accepts settings that checkSettings rejects, over any sequence of patches", () => {
  const seen = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(fc.array(patchArb, { maxLength: 8 }), (sequence) => {
      let state: Current = empty;
      for (const patch of sequence) {
        const r = patchSettings(state, patch);
        if (r.ok) {
          assert.deepEqual(checkSettings(effectiveSettings(r.value.timezone, r.value.overrides)), []);
          assert.equal("timezone" in r.value.overrides, false);
          assert.equal(r.value.timezone, patch.timezone ?? state.timezone);
          // A second look at what was accepted accepts it unchanged.
          assert.deepEqual(patchSettings(r.value, {}), { ok: true, value: r.value });
          state = r.value;
          seen.accepted++;
        } else {
          seen.rejected++;
          assert.equal(r.code, "validation_failed");
          assert.ok(r.errors && r.errors.length > 0);
          for (const e of r.errors) assert.match(e.path, KNOWN_PATHS);
        }
      }
    }),
    { numRuns: 500 },
  );
  // Both branches really ran (about half of the patches are bad in some way).
  assert.ok(seen.accepted > 300 && seen.rejected > 300, JSON.stringify(seen));
});

test("property: an accepted patch reads back: every scalar and list it set is what the clinic now has", () => {
  fc.assert(
    fc.property(patchArb, (patch) => {
      const r = patchSettings(empty, patch);
      if (!r.ok) return;
      const s = effectiveSettings(r.value.timezone, r.value.overrides);
      for (const [key, value] of Object.entries(patch)) {
        if (key === "quietHours") assert.deepEqual(s.quietHours, { ...defaultSettings(NY).quietHours, ...(value as object) });
        else if (key === "cancellationPolicies") assert.deepEqual(s.cancellationPolicies, { ...DEFAULT_CANCELLATION_POLICIES, ...(value as object) });
        else assert.deepEqual(s[key as keyof Settings], value, key);
      }
    }),
    { numRuns: 1000 },
  );
});
