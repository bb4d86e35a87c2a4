// Validation: every bad field of a body is named (a JSON pointer in errors[].path) in one 422
// validation_failed problem; nothing is coerced, nothing unknown is accepted, nothing is half-written,
// and no input, however odd, is a 5xx. Plus malformed JSON, bad path ids, bad query strings, pagination.
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_TOKEN, aProvider, aStaffedClinic, call, inHours, testApp, type Reply, type TestContext } from "../harness/app.ts";
import { aWorld, documentedRoutes, request, type World } from "../harness/world.ts";

const ctx = await testApp();

type Fixture = World & { webhook: { id: string } };
/** The world, plus a webhook endpoint (not in aWorld: every change there would write deliveries). */
async function aFixture(c: TestContext): Promise<Fixture> {
  const w = await aWorld(c);
  const webhook = await call(c, "POST", "/api/booking/webhook-endpoints", { key: w.clinic.key, body: { url: "http://127.0.0.1:9/hook" } });
  return { ...w, webhook: { id: webhook.body.id as string } };
}

/** Every row of every table, summarised: equal fingerprints mean nothing was written, changed or deleted. */
async function fingerprint(ctx: TestContext): Promise<Record<string, string>> {
  fingerprintSql ??= await ctx.deps.db
    .query(
      `SELECT table_name AS t FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`,
    )
    .then(({ rows }: { rows: { t: string }[] }) =>
      rows
        // An order-free sum of row hashes: any insert, update or delete changes it.
        .map(({ t }) => `SELECT '${t}' AS t, count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)::numeric), 0) AS h FROM "${t}" x`)
        .join(" UNION ALL "),
    );
  const { rows } = await ctx.deps.db.query<{ t: string; h: string }>(fingerprintSql!);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}
let fingerprintSql: string | undefined;

function assertProblem(res: Reply, status: number, code: string, what: string) {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, what);
  assert.equal(res.body.status, status, what);
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, what);
}

/** 422 validation_failed naming exactly `paths` (each at least once), every error with a message. */
function assertInvalid(res: Reply, paths: string[], what: string, messages: Record<string, RegExp> = {}) {
  assertProblem(res, 422, "validation_failed", what);
  const errors = res.body.errors as { path: string; message: string }[];
  assert.ok(Array.isArray(errors) && errors.length > 0, `${what}: no errors[]`);
  const named = [...new Set(errors.map((e) => e.path))].sort();
  assert.deepEqual(named, [...new Set(paths)].sort(), `${what}: ${JSON.stringify(errors)}`);
  for (const e of errors) assert.ok(typeof e.message === "string" && e.message.length > 0, `${what}: ${e.path} has no message`);
  for (const [path, re] of Object.entries(messages)) {
    assert.ok(
      errors.some((e) => e.path === path && re.test(e.message)),
      `${what}: ${path} should say ${re}: ${JSON.stringify(errors)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Every body route, with a valid body and a table of bad ones.

/** [what, body, the paths errors[] must name]. An object body is merged onto the route's valid body
 * (an `undefined` member removes it); a function gives the whole body. */
type Case = [string, Record<string, unknown> | ((f: Fixture) => unknown), string[]];

interface BodyRoute {
  /** "METHOD /path", ":id" is the row `id` picks. */
  route: string;
  admin?: boolean;
  id?: (f: Fixture) => string;
  /** A body this route accepts. */
  valid: (f: Fixture) => Record<string, unknown>;
  cases: Case[];
}

const U = "3f1c9d2e-7a4b-4c8d-9e0f-112233445566"; // a well-formed UUID of nothing
const NUL = "a\u0000b";
const BAD_ZONES = ["Mars/Base", "+02:00", "UTC+2", "America/New York", "Europe/Lodnon", "GMT+25", "../etc/passwd"];
const BAD_PHONES = ["abc", "12", "+1 555", "+999 9999 9999 9999", "0000000000", "+1617555010O", "++16175550100"];

const BODY_ROUTES: BodyRoute[] = [
  {
    route: "POST /api/admin/clinics",
    admin: true,
    valid: () => ({ name: "Bright Smiles", timezone: "America/Chicago" }),
    cases: [
      ["empty", () => ({}), ["/name", "/timezone"]],
      ["wrong types", { name: 5, timezone: ["UTC"] }, ["/name", "/timezone"]],
      ["blank name", { name: "   " }, ["/name"]],
      ["NUL in the name", { name: NUL }, ["/name"]],
      ["name too long", { name: "x".repeat(201) }, ["/name"]],
      ...BAD_ZONES.map((timezone): Case => [`timezone ${timezone}`, { timezone }, ["/timezone"]]),
      ["settings are not taken here", { settings: { holdMinutes: 10 } }, ["/settings"]],
    ],
  },
  {
    route: "POST /api/booking/api-keys",
    valid: () => ({ name: "kiosk", permissions: ["booking:manage_waitlist"] }),
    cases: [
      ["empty", () => ({}), ["/name", "/permissions"]],
      ["no permissions", { permissions: [] }, ["/permissions"]],
      ["unknown permission", { permissions: ["clinic:root"] }, ["/permissions/0"]],
      ["second permission unknown", { permissions: ["clinic:admin", "booking:*"] }, ["/permissions/1"]],
      ["permissions as a string", { permissions: "clinic:admin" }, ["/permissions"]],
      ["a key cannot name its clinic", { clinicId: U }, ["/clinicId"]],
      ["blank name", { name: "" }, ["/name"]],
    ],
  },
  {
    route: "POST /api/booking/staff-users",
    valid: () => ({ email: "desk@clinic.example", name: "Front desk", password: "correct horse battery", role: "front_desk" }),
    cases: [
      ["empty", () => ({}), ["/email", "/name", "/password", "/role"]],
      ["not an email", { email: "front desk" }, ["/email"]],
      ["short password", { password: "short" }, ["/password"]],
      ["unknown role", { role: "owner" }, ["/role"]],
      ["blank name", { name: " " }, ["/name"]],
      ["a login cannot name its clinic", { clinicId: U }, ["/clinicId"]],
    ],
  },
  {
    route: "PATCH /api/booking/settings",
    valid: () => ({ holdMinutes: 90 }),
    cases: [
      ["integer as a string", { holdMinutes: "120" }, ["/holdMinutes"]],
      ["below the bound", { holdMinutes: 5, waveSize: 0 }, ["/holdMinutes", "/waveSize"]],
      ["fraction", { cutoffMinutes: 1.5 }, ["/cutoffMinutes"]],
      ["quiet hours not HH:MM", { quietHours: { start: "25:00", end: "8:00" } }, ["/quietHours/start", "/quietHours/end"]],
      ["quiet hours that start when they end", { quietHours: { start: "21:00", end: "21:00" } }, ["/quietHours"]],
      ["quiet hours with an unknown member", { quietHours: { start: "21:00", days: [6, 7] } }, ["/quietHours/days"]],
      ["unknown strategy", { strategy: "random" }, ["/strategy"]],
      ["unknown channel", { channelOrder: ["SMS", "FAX"] }, ["/channelOrder/1"]],
      ["bad email", { staffAlertEmail: "not-an-email" }, ["/staffAlertEmail"]],
      [
        "policy field wrong",
        { cancellationPolicies: { laser: { gracePeriodMinutes: "10", feePercent: 101, noticeHours: 1, fullChargeHours: 1 } } },
        ["/cancellationPolicies/laser/gracePeriodMinutes", "/cancellationPolicies/laser/feePercent"],
      ],
      ...BAD_ZONES.map((timezone): Case => [`timezone ${timezone}`, { timezone }, ["/timezone"]]),
    ],
  },
  ...(["providers", "chairs"] as const).map(
    (table): BodyRoute => ({
      route: `POST /api/booking/${table}`,
      valid: () => ({ name: "Dr. Who" }),
      cases: [
        ["empty", () => ({}), ["/name"]],
        ["empty name", { name: "" }, ["/name"]],
        ["blank name", { name: " \t " }, ["/name"]],
        ["NUL in the name", { name: NUL }, ["/name"]],
        ["number name", { name: 5 }, ["/name"]],
        ["null name", { name: null }, ["/name"]],
        ["ids are not chosen by the client", { id: U }, ["/id"]],
      ],
    }),
  ),
  {
    route: "POST /api/booking/services",
    valid: () => ({ name: "Botox", category: "injectables", durationMinutes: 30, priceCents: 40000 }),
    cases: [
      ["empty", () => ({}), ["/name", "/category", "/durationMinutes", "/priceCents"]],
      ["integers as strings", { durationMinutes: "60", priceCents: "100" }, ["/durationMinutes", "/priceCents"]],
      ["fraction and negative", { durationMinutes: 2.5, priceCents: -1 }, ["/durationMinutes", "/priceCents"]],
      ["zero duration", { durationMinutes: 0 }, ["/durationMinutes"]],
      ["over a day", { durationMinutes: 1441 }, ["/durationMinutes"]],
      ["price as a float", { priceCents: 10.5 }, ["/priceCents"]],
      ["category with symbols", { category: "laser/IPL!" }, ["/category"]],
      ["blank category", { category: "   " }, ["/category"]],
      ["boolean name", { name: true }, ["/name"]],
    ],
  },
  {
    route: "POST /api/booking/patients",
    valid: () => ({ firstName: "Ann", lastName: "Lee", phone: "(617) 555-0123", email: "ann@example.com", smsConsent: true }),
    cases: [
      ["empty", () => ({}), ["/firstName", "/lastName"]],
      ["blank names", { firstName: " ", lastName: "" }, ["/firstName", "/lastName"]],
      ...BAD_PHONES.map((phone): Case => [`phone ${phone}`, { phone, smsConsent: undefined }, ["/phone"]]),
      ["bad phone with sms consent: both named", { phone: "abc", smsConsent: true }, ["/phone", "/smsConsent"]],
      ...BAD_ZONES.map((timezone): Case => [`timezone ${timezone}`, { timezone }, ["/timezone"]]),
      [
        "booleans as strings, bad email, unknown channel",
        { smsConsent: "true", voiceConsent: 1, email: "ann@", preferredChannel: "FAX" },
        ["/smsConsent", "/voiceConsent", "/email", "/preferredChannel"],
      ],
      [
        "phone, zone and channel at once",
        { phone: "12", timezone: "Nope/Nope", email: null, preferredChannel: "EMAIL", smsConsent: undefined },
        ["/phone", "/timezone", "/preferredChannel"],
      ],
      [
        "consent without a contact",
        { phone: null, email: null, smsConsent: true, voiceConsent: true, emailConsent: true },
        ["/smsConsent", "/voiceConsent", "/emailConsent"],
      ],
      ["phone as a number", { phone: 6175550123 }, ["/phone"]],
      ["unknown fields", { dateOfBirth: "1990-01-01", ssn: "123" }, ["/dateOfBirth", "/ssn"]],
      ["derived fields are not set by clients", { noShowCount: 0, flags: [] }, ["/noShowCount", "/flags"]],
    ],
  },
  {
    route: "PATCH /api/booking/patients/:id",
    id: (f) => f.patient.id,
    valid: () => ({ lastName: "Smith" }),
    cases: [
      ["null name", { firstName: null }, ["/firstName"]],
      ["blank name", { firstName: "  " }, ["/firstName"]],
      ...BAD_PHONES.map((phone): Case => [`phone ${phone}`, { phone }, ["/phone"]]),
      ...BAD_ZONES.map((timezone): Case => [`timezone ${timezone}`, { timezone }, ["/timezone"]]),
      ["boolean as a string", { smsConsent: "yes" }, ["/smsConsent"]],
      ["email channel with no email", { preferredChannel: "EMAIL" }, ["/preferredChannel"]],
      ["sms consent after removing the phone", { phone: null, smsConsent: true }, ["/smsConsent"]],
      ["id is not writable", { id: U }, ["/id"]],
    ],
  },
  {
    route: "POST /api/booking/appointments",
    valid: (f) => ({ patientId: f.patient.id, providerId: f.provider.id, serviceId: f.service.id, start: inHours(200) }),
    cases: [
      ["empty", () => ({}), ["/patientId", "/providerId", "/serviceId", "/start"]],
      [
        "ids that are not UUIDs",
        { patientId: "p1", providerId: 5, serviceId: "", chairId: "chair-1" },
        ["/patientId", "/providerId", "/serviceId", "/chairId"],
      ],
      [
        "UUID in urn form",
        (f) => ({ patientId: `urn:uuid:${f.patient.id}`, providerId: f.provider.id, serviceId: f.service.id, start: inHours(200) }),
        ["/patientId"],
      ],
      ["start is not an instant", { start: "tomorrow at 3" }, ["/start"]],
      ["start without an offset", { start: "2026-03-10T14:30:00" }, ["/start"]],
      ["start as epoch millis", { start: 1773153000000 }, ["/start"]],
      ["a leap second", { start: "2026-06-30T23:59:60Z" }, ["/start"]],
      ["an hours-only offset", { start: "2026-03-10T14:30:00+01" }, ["/start"]],
      ["impossible date", { start: "2026-02-30T10:00:00Z", end: "2026-13-01T10:00:00Z" }, ["/start", "/end"]],
      ["end before start", { start: inHours(200), end: inHours(199) }, ["/end"]],
      ["end equal to start", { start: inHours(200), end: inHours(200) }, ["/end"]],
      ["status is not chosen here", { status: "CHECKED_IN", source: "WAITLIST" }, ["/status", "/source"]],
    ],
  },
  {
    route: "POST /api/booking/appointments/:id/cancel",
    id: (f) => f.appointment.id,
    valid: () => ({ by: "staff", reason: "called in sick" }),
    cases: [
      ["empty", () => ({}), ["/by"]],
      ["who cancels is not free text", { by: "doctor" }, ["/by"]],
      ["case matters", { by: "STAFF" }, ["/by"]],
      ["confirm is a boolean", { confirm: "yes" }, ["/confirm"]],
      ["confirm is not a list", { confirm: [true] }, ["/confirm"]],
      ["reason as a number", { reason: 5 }, ["/reason"]],
      ["reason too long", { reason: "x".repeat(501) }, ["/reason"]],
      ["NUL in the reason", { reason: NUL }, ["/reason"]],
      ["unknown field", { refund: true }, ["/refund"]],
    ],
  },
  {
    route: "POST /api/booking/openings",
    valid: (f) => ({ providerId: f.provider.id, chairId: f.chair.id, start: inHours(300), end: inHours(301) }),
    cases: [
      ["empty", () => ({}), ["/providerId", "/start", "/end"]],
      ["end before start", { start: inHours(300), end: inHours(299) }, ["/end"]],
      ["end equal to start", { start: inHours(300), end: inHours(300) }, ["/end"]],
      ["in the past", { start: inHours(-3), end: inHours(-2) }, ["/start"]],
      ["a leap second", { end: "2026-06-30T23:59:60Z" }, ["/end"]],
      ["chair not a UUID", { chairId: 7 }, ["/chairId"]],
      ["the service is not chosen for a new slot", { serviceId: U }, ["/serviceId"]],
    ],
  },
  {
    route: "POST /api/booking/closures",
    valid: (f) => ({ providerId: f.provider.id, start: inHours(400), end: inHours(401), reason: "staff training" }),
    cases: [
      ["empty", () => ({}), ["/start", "/end", "/reason"]],
      ["end before start", { start: inHours(400), end: inHours(399) }, ["/end"]],
      ["end equal to start", { start: inHours(400), end: inHours(400) }, ["/end"]],
      ["not instants", { start: "tomorrow", end: "2026-03-02" }, ["/start", "/end"]],
      ["provider not a UUID", { providerId: 7 }, ["/providerId"]],
      ["reason as a number", { reason: 5 }, ["/reason"]],
      ["reason too long", { reason: "x".repeat(501) }, ["/reason"]],
      ["NUL in the reason", { reason: NUL }, ["/reason"]],
    ],
  },
  {
    route: "POST /api/booking/waitlist",
    valid: (f) => ({
      patientId: f.patient.id,
      serviceId: f.service.id,
      providerIds: [f.provider.id],
      windows: [{ weekdays: [1, 3], start: "09:00", end: "12:00" }],
    }),
    cases: [
      ["empty", () => ({}), ["/patientId", "/serviceId"]],
      [
        "window shape",
        { windows: [{ weekdays: [0, 8], start: "9:00", end: "25:00" }] },
        ["/windows/0/weekdays/0", "/windows/0/weekdays/1", "/windows/0/start", "/windows/0/end"],
      ],
      ["window missing its end, unknown member", { windows: [{ weekdays: [1], start: "09:00", allDay: true }] }, ["/windows/0/end", "/windows/0/allDay"]],
      ["no weekdays", { windows: [{ weekdays: [], start: "09:00", end: "10:00" }] }, ["/windows/0/weekdays"]],
      ["weekday as a string", { windows: [{ weekdays: ["1"], start: "09:00", end: "10:00" }] }, ["/windows/0/weekdays/0"]],
      [
        "second window ends before it starts",
        {
          windows: [
            { weekdays: [1], start: "09:00", end: "12:00" },
            { weekdays: [2], start: "17:00", end: "08:00" },
          ],
        },
        ["/windows/1/end"],
      ],
      ["latestDate before earliestDate", { earliestDate: "2026-05-10", latestDate: "2026-05-01" }, ["/latestDate"]],
      [
        "every order rule at once",
        (f) => ({
          patientId: f.patient.id,
          serviceId: f.service.id,
          providerIds: [f.provider.id, f.provider.id],
          windows: [{ weekdays: [1, 1], start: "12:00", end: "12:00" }],
          earliestDate: "2026-06-02",
          latestDate: "2026-06-01",
        }),
        ["/providerIds", "/windows/0/weekdays", "/windows/0/end", "/latestDate"],
      ],
      ["impossible date", { earliestDate: "2026-02-30", latestDate: "05/01/2026" }, ["/earliestDate", "/latestDate"]],
      [
        "second provider id not a UUID",
        (f) => ({ patientId: f.patient.id, serviceId: f.service.id, providerIds: [f.provider.id, "dr-who"] }),
        ["/providerIds/1"],
      ],
      ["chairIds not an array", { chairIds: U }, ["/chairIds"]],
      ["unknown priority", { priority: "asap" }, ["/priority"]],
      ["minNoticeMinutes as a string", { minNoticeMinutes: "5" }, ["/minNoticeMinutes"]],
      ["negative notice", { minNoticeMinutes: -1 }, ["/minNoticeMinutes"]],
      ["preferredTime not HH:MM", { preferredTime: "7pm" }, ["/preferredTime"]],
      ["NUL in the notes", { notes: NUL }, ["/notes"]],
      ["status and count are not set on create", { status: "ACTIVE", notificationCount: 0 }, ["/status", "/notificationCount"]],
    ],
  },
  {
    route: "PATCH /api/booking/waitlist/:id",
    id: (f) => f.entry.id,
    valid: () => ({ priority: "high", notes: "any morning" }),
    cases: [
      ["status other than ACTIVE", { status: "BOOKED" }, ["/status"]],
      ["the patient is fixed", { patientId: U }, ["/patientId"]],
      ["latestDate before the stored earliestDate", { latestDate: "2026-02-15" }, ["/latestDate"]],
      ["window ends before it starts", { windows: [{ weekdays: [5], start: "10:00", end: "09:00" }] }, ["/windows/0/end"]],
      ["minNoticeMinutes as a string", { minNoticeMinutes: "5" }, ["/minNoticeMinutes"]],
      ["provider id not a UUID", { providerIds: ["x"] }, ["/providerIds/0"]],
      ["count is not writable", { notificationCount: 0 }, ["/notificationCount"]],
    ],
  },
  {
    route: "POST /api/booking/waitlist/:id/notify",
    id: (f) => f.entry.id,
    valid: (f) => ({ slotId: f.opening.id, channel: "SMS" }),
    cases: [
      ["empty", () => ({}), ["/slotId"]],
      ["slot not a UUID, unknown channel", { slotId: "slot-1", channel: "FAX" }, ["/slotId", "/channel"]],
      ["channel in lower case", { channel: "sms" }, ["/channel"]],
      ["the hold is not chosen here", { holdMinutes: 5 }, ["/holdMinutes"]],
    ],
  },
  {
    route: "POST /api/booking/waitlist/notify-matches",
    valid: (f) => ({ slotIds: [f.opening.id] }),
    cases: [
      ["empty", () => ({}), ["/slotIds"]],
      ["no slots", { slotIds: [] }, ["/slotIds"]],
      ["a slot id as a string", (f) => ({ slotIds: f.opening.id }), ["/slotIds"]],
      ["second slot id not a UUID", (f) => ({ slotIds: [f.opening.id, 7] }), ["/slotIds/1"]],
      ["too many slots", { slotIds: Array.from({ length: 51 }, () => U) }, ["/slotIds"]],
    ],
  },
  {
    route: "POST /api/booking/waitlist/:id/book",
    id: (f) => f.entry.id,
    valid: (f) => ({ slotId: f.opening.id }),
    cases: [
      ["empty", () => ({}), ["/slotId"]],
      ["slot not a UUID", { slotId: 12 }, ["/slotId"]],
      ["the time is the slot's", { start: inHours(48) }, ["/start"]],
    ],
  },
  {
    route: "PUT /api/booking/waitlist/notifications/:id/response",
    id: (f) => f.offer.id,
    valid: () => ({ response: "DECLINED" }),
    cases: [
      ["empty", () => ({}), ["/response"]],
      ["unknown response", { response: "MAYBE" }, ["/response"]],
      ["lower case", { response: "accepted" }, ["/response"]],
      ["responses that are not the patient's to give", { response: "EXPIRED" }, ["/response"]],
      ["boolean", { response: true }, ["/response"]],
    ],
  },
  // Sync by external id (test/http/sync.test.ts): the valid body creates the record the first time, then is unchanged.
  {
    route: "PUT /api/booking/patients/external/:externalId",
    id: () => "pms-patient-1",
    valid: () => ({ firstName: "Ada", lastName: "Lovelace", phone: "+1 617 555 0100", emailConsent: false }),
    cases: [
      ["empty", () => ({}), ["/firstName", "/lastName"]],
      ["externalId not the path's", { externalId: "pms-patient-2" }, ["/externalId"]],
      ["externalId too long", { externalId: "x".repeat(129) }, ["/externalId"]],
      ...BAD_PHONES.slice(0, 2).map((phone): Case => [`phone ${phone}`, { phone }, ["/phone"]]),
      ["id is not writable", { id: U }, ["/id"]],
    ],
  },
  ...(["providers", "chairs"] as const).map(
    (table): BodyRoute => ({
      route: `PUT /api/booking/${table}/external/:externalId`,
      id: () => `pms-${table}-1`,
      valid: () => ({ name: "Dr Who" }),
      cases: [
        ["empty", () => ({}), ["/name"]],
        ["blank name", { name: "  " }, ["/name"]],
        ["externalId not the path's", { externalId: "other" }, ["/externalId"]],
      ],
    }),
  ),
  {
    route: "PUT /api/booking/services/external/:externalId",
    id: () => "pms-service-1",
    valid: () => ({ name: "Cleaning", category: "Hygiene", durationMinutes: 30, priceCents: 9000 }),
    cases: [
      ["empty", () => ({}), ["/name", "/category", "/durationMinutes", "/priceCents"]],
      ["duration too short", { durationMinutes: 1 }, ["/durationMinutes"]],
      ["externalId not the path's", { externalId: "other" }, ["/externalId"]],
    ],
  },
  {
    route: "PUT /api/booking/waitlist/external/:externalId",
    id: () => "pms-entry-1",
    valid: (f) => ({ patientId: f.patient.id, serviceId: f.service.id, windows: [{ weekdays: [1, 3], start: "09:00", end: "12:00" }] }),
    cases: [
      ["empty", () => ({}), ["/patientId", "/serviceId"]],
      ["both forms of the patient", { patientExternalId: "pms-patient-1" }, ["/patientExternalId"]],
      ["window ends before it starts", { windows: [{ weekdays: [5], start: "10:00", end: "09:00" }] }, ["/windows/0/end"]],
      ["externalId not the path's", { externalId: "other" }, ["/externalId"]],
      ["status is not set by a sync", { status: "ACTIVE" }, ["/status"]],
    ],
  },
  {
    route: "PUT /api/booking/appointments/external/:externalId",
    id: () => "pms-appointment-1",
    valid: (f) => ({ patientId: f.patient.id, providerId: f.provider.id, serviceId: f.service.id, start: inHours(500) }),
    cases: [
      ["empty", () => ({}), ["/patientId", "/providerId", "/serviceId", "/start"]],
      ["both forms of the provider", { providerExternalId: "pms-dr-1" }, ["/providerExternalId"]],
      ["unknown status", { status: "LATE" }, ["/status"]],
      ["cancelledBy not a party", { cancelledBy: "robot" }, ["/cancelledBy"]],
      ["start not an instant", { start: "tomorrow" }, ["/start"]],
      ["end before start", { end: inHours(499) }, ["/end"]],
      ["a no-show ahead of its time", { status: "NO_SHOW" }, ["/status"]],
      ["externalId not the path's", { externalId: "other" }, ["/externalId"]],
    ],
  },
  {
    route: "POST /api/booking/webhook-endpoints",
    valid: () => ({ url: "http://127.0.0.1:9/hook", events: ["appointment.created", "opening.filled"], description: "ERP" }),
    cases: [
      ["empty", () => ({}), ["/url"]],
      ["url not text, events not a list", { url: 5, events: "appointment.created" }, ["/url", "/events"]],
      ["not http(s)", { url: "ftp://example.com/hook" }, ["/url"]],
      ["no event types", { events: [] }, ["/events"]],
      ["credentials in the URL", { url: "https://user:pw@example.com/hook" }, ["/url"]],
      ["an unknown event type", { events: ["appointment.created", "appointment.moved"] }, ["/events/1"]],
      ["a URL too long, description with a NUL", { url: `http://example.com/${"a".repeat(2048)}`, description: NUL }, ["/url", "/description"]],
    ],
  },
  {
    route: "PATCH /api/booking/webhook-endpoints/:id",
    id: (f) => f.webhook.id,
    valid: () => ({ description: "ERP", disabled: false }),
    cases: [
      ["disabled not a boolean", { disabled: "yes" }, ["/disabled"]],
      ["not a URL", { url: "not a url" }, ["/url"]],
      ["an event type not text, another unknown", { events: ["*", 3, "nope"] }, ["/events/1"]],
      ["an unknown event type", { events: ["offer.sent", "nope"] }, ["/events/1"]],
    ],
  },
  {
    route: "POST /api/booking/outreach-tasks/:id/complete",
    id: (f) => f.outreach.id,
    valid: () => ({ outcome: "NO_ANSWER", note: "left a voicemail" }),
    cases: [
      ["empty", () => ({}), ["/outcome"]],
      ["unknown outcome, note not text", { outcome: "MAYBE", note: 5 }, ["/outcome", "/note"]],
      ["note with a NUL", { note: "a\u0000b" }, ["/note"]],
    ],
  },
];

const target = (r: { route: string; id?: (f: Fixture) => string }, f: Fixture) => request(r.route, r.id?.(f));

const keyOf = (r: BodyRoute, f: Fixture) => (r.admin ? ADMIN_TOKEN : f.clinic.key);

function bodyOf(c: Case, r: BodyRoute, f: Fixture): unknown {
  return typeof c[1] === "function" ? c[1](f) : { ...r.valid(f), ...c[1] };
}

test("the body tables cover every /api/booking and /api/admin route with a JSON body in the OpenAPI document", async () => {
  const withBody = await documentedRoutes(ctx, ["/api/booking/", "/api/admin/"], (op) => Boolean(op.requestBody?.content?.["application/json"]));
  assert.deepEqual(BODY_ROUTES.map((r) => r.route).sort(), withBody);
});

for (const r of BODY_ROUTES) {
  test(`validation: ${r.route} names every bad field and writes nothing`, async () => {
    const f = await aFixture(ctx);
    const [method, url] = target(r, f);
    const key = keyOf(r, f);
    const before = await fingerprint(ctx);

    const generic: Case[] = [
      ["an unknown member", { zzUnknown: 1 }, ["/zzUnknown"]],
      ["odd member names, escaped as JSON pointers", { "a/b~c": 1, "x y": 2 }, ["/a~1b~0c", "/x y"]],
      ...[[], "text", 5, true, null].map((v): Case => [`body ${JSON.stringify(v)}`, () => v, ["/"]]),
    ];
    for (const c of [...generic, ...r.cases]) {
      const body = bodyOf(c, r, f);
      const res = await call(ctx, method, url, { key, raw: JSON.stringify(body), contentType: "application/json" });
      const messages: Record<string, RegExp> = {};
      if (c[0].startsWith("an unknown member")) messages["/zzUnknown"] = /^is not allowed$/;
      if (c[0] === "empty") for (const p of c[2]) messages[p] = /^is required$/;
      assertInvalid(res, c[2], `${r.route}: ${c[0]}`, messages);
    }
    // None of that reached the database.
    assert.deepEqual(await fingerprint(ctx), before);

    // The valid body is accepted (the table's control).
    const ok = await call(ctx, method, url, { key, body: r.valid(f) });
    assert.ok(ok.status === 200 || ok.status === 201, `${r.route} valid body: ${ok.status} ${JSON.stringify(ok.body)}`);
  });

  test(`validation: ${r.route} answers malformed JSON with a 400 problem`, async () => {
    const f = await aFixture(ctx);
    const [method, url] = target(r, f);
    for (const raw of ["{bad", '{"name": "x"', "{'name': 'x'}", '{"a":1,}', "\u0000", '{"__proto__": {"x": 1}}']) {
      const res = await call(ctx, method, url, { key: keyOf(r, f), raw, contentType: "application/json" });
      assert.equal(res.status, 400, `${JSON.stringify(raw)}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.status, 400);
      assert.equal(typeof res.body.code, "string");
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    }
    const empty = await call(ctx, method, url, { key: keyOf(r, f), raw: "", contentType: "application/json" });
    assert.equal(empty.status, 400);
    const none = await call(ctx, method, url, { key: keyOf(r, f) });
    assertInvalid(none, ["/"], "no body at all");
  });
}

test("validation: a body over the size limit is a 413 problem, not a 5xx", async () => {
  const f = await aFixture(ctx);
  const res = await call(ctx, "POST", "/api/booking/waitlist", {
    key: f.clinic.key,
    body: { patientId: f.patient.id, serviceId: f.service.id, notes: "x".repeat(600_000) },
  });
  assert.equal(res.status, 413);
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
});

// ---------------------------------------------------------------------------------------------------------
// Ids in the path and query strings

const ID_ROUTES: [string, (f: Fixture) => string, object?][] = [
  ["GET /api/booking/patients/:id", (f) => f.patient.id],
  ["PATCH /api/booking/patients/:id", (f) => f.patient.id, { lastName: "X" }],
  ["GET /api/booking/patients/:id/charges", (f) => f.patient.id],
  ["GET /api/booking/appointments/:id", (f) => f.appointment.id],
  ["POST /api/booking/appointments/:id/cancel", (f) => f.appointment.id, { by: "staff" }],
  ["POST /api/booking/appointments/:id/check-in", (f) => f.appointment.id],
  ["GET /api/booking/openings/:id", (f) => f.appointment.id],
  ["DELETE /api/booking/closures/:id", (f) => f.closure.id],
  ["GET /api/booking/waitlist/:id", (f) => f.entry.id],
  ["PATCH /api/booking/waitlist/:id", (f) => f.entry.id, { notes: "x" }],
  ["DELETE /api/booking/waitlist/:id", (f) => f.entry.id],
  ["DELETE /api/booking/api-keys/:id", (f) => f.entry.id],
  ["POST /api/booking/waitlist/:id/notify", (f) => f.entry.id, { slotId: U }],
  ["POST /api/booking/waitlist/:id/book", (f) => f.entry.id, { slotId: U }],
  ["GET /api/booking/waitlist/match/:slotId", (f) => f.opening.id],
  ["PUT /api/booking/waitlist/notifications/:id/response", (f) => f.offer.id, { response: "DECLINED" }],
  ["POST /api/booking/outreach-tasks/:id/complete", (f) => f.outreach.id, { outcome: "NO_ANSWER" }],
];

test("validation: an id in the path that is not a UUID is 404 not_found on every route", async () => {
  const f = await aFixture(ctx);
  const before = await fingerprint(ctx);
  for (const [route, id, body] of ID_ROUTES) {
    for (const bad of [
      "not-a-uuid",
      "123",
      `${id(f)}x`,
      `urn:uuid:${id(f)}`,
      `{${id(f)}}`,
      id(f).replaceAll("-", ""),
      "%00",
      "%zz",
      "..%2F..%2Fhealthz",
      "a".repeat(101),
      `${id(f)}${"0".repeat(100)}`,
    ]) {
      const res = await call(ctx, ...target({ route, id: () => bad }, f), { key: f.clinic.key, body });
      assertProblem(res, 404, "not_found", `${route} with id ${bad}`);
    }
  }
  assert.deepEqual(await fingerprint(ctx), before);
});

const LISTS = ["providers", "chairs", "services", "patients", "appointments", "openings", "closures", "waitlist", "waitlist/notifications"];
const badCursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

test("validation: bad query strings on every list are 422 naming the parameter", async () => {
  const f = await aFixture(ctx);
  const cases: [string, string, string][] = [
    ...LISTS.flatMap((list): [string, string, string][] => [
      [list, "limit=0", "limit"],
      [list, "limit=201", "limit"],
      [list, "limit=500", "limit"],
      [list, "limit=-1", "limit"],
      [list, "limit=1.5", "limit"],
      [list, "limit=abc", "limit"],
      [list, "limit=", "limit"],
      [list, "cursor=nonsense", "cursor"],
      [list, `cursor=${badCursor(["not a date", U])}`, "cursor"],
      [list, `cursor=${badCursor(["2026-03-02T14:00:00.000Z", "not-a-uuid"])}`, "cursor"],
      [list, `cursor=${badCursor({ key: "2026-03-02T14:00:00.000Z" })}`, "cursor"],
      [list, `cursor=${"A".repeat(501)}`, "cursor"],
    ]),
    ["appointments", "status=NOPE", "status"],
    ["appointments", "status=booked", "status"],
    ["appointments", "from=yesterday", "from"],
    ["appointments", "to=2026-06-30T23:59:60Z", "to"],
    ["appointments", "patientId=nope", "patientId"],
    ["openings", "status=NOPE", "status"],
    ["openings", "from=2026-03-02", "from"],
    ["closures", "from=2026-03-02", "from"],
    ["closures", "to=soon", "to"],
    ["waitlist", "status=NOPE", "status"],
    ["waitlist", "serviceId=123", "serviceId"],
    ["waitlist/notifications", "status=NOPE", "status"],
    ["waitlist/notifications", "entryId=1", "entryId"],
    ["waitlist/notifications", "slotId=x", "slotId"],
    ["waitlist/analytics/conversion", "from=last-week", "from"],
    ["waitlist/analytics/conversion", "to=2026-06-30T23:59:60Z", "to"],
  ];
  for (const [list, query, param] of cases) {
    const res = await call(ctx, "GET", `/api/booking/${list}?${query}`, { key: f.clinic.key });
    assertProblem(res, 422, "validation_failed", `${list}?${query}`);
    assert.ok(
      res.body.errors.length > 0 && res.body.errors.every((e: any) => e.path.endsWith(`/${param}`)),
      `${list}?${query}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  // The bounds themselves are fine.
  for (const list of LISTS) {
    for (const query of ["limit=1", "limit=200", "limit=50&cursor="]) {
      const res = await call(ctx, "GET", `/api/booking/${list}?${query}`, { key: f.clinic.key });
      assert.equal(res.status, 200, `${list}?${query}: ${JSON.stringify(res.body)}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Pagination

test("pagination: 7 providers in pages of 3 come back once each, in order, and the last page says so", async () => {
  const s = await aStaffedClinic(ctx); // one provider already
  const made = [s.provider.id];
  // Half made at the same instant (ties are broken by id), half a minute apart.
  for (let i = 0; i < 6; i++) {
    if (i % 2 === 0) ctx.clock.advanceMinutes(1);
    made.push((await aProvider(ctx, s.clinic, `Dr. ${i}`)).id);
  }
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/booking/providers?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res: Reply = await call(ctx, "GET", url, { key: s.clinic.key });
    assert.equal(res.status, 200);
    pages.push(res.body.items.map((p: { id: string }) => p.id));
    cursor = res.body.nextCursor;
    assert.ok(pages.length <= 3, "more pages than rows allow");
  } while (cursor !== null);
  assert.deepEqual(
    pages.map((p) => p.length),
    [3, 3, 1],
  );
  const seen = pages.flat();
  assert.equal(new Set(seen).size, seen.length, "a provider came twice");
  assert.deepEqual([...seen].sort(), [...made].sort(), "a provider is missing");

  const all = await call(ctx, "GET", "/api/booking/providers?limit=200", { key: s.clinic.key });
  assert.deepEqual(
    all.body.items.map((p: { id: string }) => p.id),
    seen,
    "pages are not in list order",
  );
  assert.equal(all.body.nextCursor, null);
  // A page that ends exactly at the last row says there is no next page.
  const exact = await call(ctx, "GET", "/api/booking/providers?limit=7", { key: s.clinic.key });
  assert.equal(exact.body.items.length, 7);
  assert.equal(exact.body.nextCursor, null);
  // A cursor from one list is only a position: using it on another list is harmless.
  const first = await call(ctx, "GET", "/api/booking/providers?limit=3", { key: s.clinic.key });
  const other = await call(ctx, "GET", `/api/booking/chairs?cursor=${first.body.nextCursor}`, { key: s.clinic.key });
  assert.ok(other.status === 200 || other.status === 422, `cursor on another list: ${other.status}`);
});

// ---------------------------------------------------------------------------------------------------------
// Fuzz: junk to every body route

const anyJson = fc.jsonValue({ maxDepth: 3 });
const text = fc.string({ unit: "binary", maxLength: 30 });
const huge = fc.integer({ min: 1_000, max: 600_000 }).map((n) => "x".repeat(n));
const deep = fc.integer({ min: 1, max: 3_000 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown);
const notAnObject = fc.oneof(
  { weight: 10, arbitrary: anyJson.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)) },
  { weight: 3, arbitrary: fc.array(fc.array(anyJson, { maxLength: 4 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: huge },
);
/** An object that is never valid: it has a member no route knows. */
const withUnknownMember = fc
  .tuple(
    fc.dictionary(text, fc.oneof({ weight: 5, arbitrary: anyJson }, { weight: 1, arbitrary: huge }, { weight: 1, arbitrary: deep }), { maxKeys: 6 }),
    text,
    anyJson,
  )
  .map(([o, k, v]) => ({ ...o, [`zz${k}`]: v }));
/** Either a JSON document that can never be a valid body, or text that is not JSON at all. */
const junk = fc.oneof(
  notAnObject.map((v) => JSON.stringify(v)),
  withUnknownMember.map((v) => JSON.stringify(v)),
  text.filter((s) => !s.trim().startsWith("{")),
  fc.json({ maxDepth: 2 }).filter((s) => !s.startsWith("{")),
);

test("fuzz: ~300 junk bodies to every body route are all 4xx problems and write nothing", async () => {
  const f = await aFixture(ctx);
  const before = await fingerprint(ctx);
  const logged = ctx.logged.length;
  for (const r of BODY_ROUTES) {
    const [method, url] = target(r, f);
    await fc.assert(
      fc.asyncProperty(junk, async (raw) => {
        const res = await call(ctx, method, url, { key: keyOf(r, f), raw, contentType: "application/json" });
        assert.ok(res.status >= 400 && res.status < 500, `${r.route} ${raw.slice(0, 200)}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
      }),
      { numRuns: 300 },
    );
  }
  assert.deepEqual(await fingerprint(ctx), before, "a refused body left something behind");
  assert.deepEqual(ctx.logged.slice(logged), [], "the fuzz made the app log errors");
});

test("fuzz: the routes' own members with odd values are never a 5xx, and every refusal writes nothing", async () => {
  const f = await aFixture(ctx);
  const docs = (await call(ctx, "GET", "/docs/json")).body;
  const ids = [f.patient.id, f.provider.id, f.chair.id, f.service.id, f.appointment.id, f.entry.id, f.opening.id, f.opening2.id, f.offer.id];
  const odd = fc.constantFrom(
    "",
    " ",
    "\u0000",
    NUL,
    "\ud800",
    "😀",
    "x".repeat(5_000),
    U,
    "00000000-0000-0000-0000-000000000000",
    ...ids,
    ...ids.map((id) => `urn:uuid:${id}`),
    ...ids.map((id) => id.toUpperCase()),
    "2026-06-30T23:59:60Z",
    "2026-03-10T14:30:00Z",
    "2026-03-10T14:30:00+14:00",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-29",
    "2026-03-01",
    "09:00",
    "24:00",
    "23:59",
    "+16175550100",
    "(617) 555-0123",
    "+4915112345678",
    "Mars/Base",
    "America/New_York",
    "Etc/GMT+12",
    "SMS",
    "EMAIL",
    "VOICE",
    "ACTIVE",
    "staff",
    "patient",
    "clinic:admin",
    "urgent",
  );
  const instant = fc.date({ min: new Date("2026-03-01T00:00:00Z"), max: new Date("2026-04-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
  const value = fc.oneof(
    anyJson,
    odd,
    instant,
    fc.integer(),
    fc.double(),
    fc.array(odd, { maxLength: 4 }),
    fc.array(fc.record({ weekdays: fc.array(fc.integer({ min: -1, max: 8 }), { maxLength: 8 }), start: odd, end: odd }), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom("default", "laser", "x"),
      fc.record({ gracePeriodMinutes: fc.integer(), feePercent: fc.integer(), noticeHours: fc.nat(), fullChargeHours: fc.nat() }),
    ),
  );

  for (const r of BODY_ROUTES) {
    const [method, url] = target(r, f);
    const path = r.route.split(" ")[1]!.replace(/:(\w+)/g, "{$1}");
    const schema = docs.paths[path][method.toLowerCase()].requestBody.content["application/json"].schema;
    const members = Object.keys(schema.properties as object);
    const body = fc
      .tuple(fc.record(Object.fromEntries(members.map((m) => [m, value])), { requiredKeys: [] }), fc.boolean())
      .map(([o, onValid]) => (onValid ? { ...r.valid(f), ...o } : o));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await fingerprint(ctx);
        const res = await call(ctx, method, url, { key: keyOf(r, f), raw: JSON.stringify(b), contentType: "application/json" });
        const what = `${r.route} ${JSON.stringify(b).slice(0, 300)}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        assert.ok(res.status < 500, what);
        if (res.status >= 400) {
          assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, what);
          assert.deepEqual(await fingerprint(ctx), before, `half-written: ${what}`);
        }
      }),
      { numRuns: 100 },
    );
  }
});
