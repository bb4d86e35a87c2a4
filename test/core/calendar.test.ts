// Calendar invites: RFC 5545 text (CRLF, UTC times, escaping, folding at 75 octets) and the Google
// Calendar link. Both depend only on the UTC instants passed in, never on the server's TZ.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DateTime } from "luxon";
import { appointmentTitle, escapeText, foldLine, googleCalendarLink, icsEvent, icsUtc, type IcsEvent } from "../../src/core/calendar.ts";

const NY = "America/New_York";
const STAMP = new Date("2026-03-01T12:00:00.000Z");

function anEvent(over: Partial<IcsEvent> = {}): IcsEvent {
  return {
    uid: "delivery-1@backfill",
    start: new Date("2026-06-10T14:00:00.000Z"),
    end: new Date("2026-06-10T14:30:00.000Z"),
    summary: appointmentTitle("Harbor Dental"),
    location: "Harbor Dental",
    description: "https://backfill.example.com/o/o_abc",
    url: "https://backfill.example.com/o/o_abc",
    stamp: STAMP,
    ...over,
  };
}

/** Unfolds (RFC 5545 §3.1) and returns the property lines. */
function unfold(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .filter((l) => l !== "");
}

function prop(ics: string, name: string): string | undefined {
  return unfold(ics)
    .find((l) => l.startsWith(`${name}:`))
    ?.slice(name.length + 1);
}

test("a complete event: CRLF only, the calendar frame, METHOD:PUBLISH, PRODID, UTC times and the stamp", () => {
  const ics = icsEvent(anEvent());
  assert.ok(ics.endsWith("\r\n"));
  assert.doesNotMatch(ics.replace(/\r\n/g, ""), /[\r\n]/, "no bare CR or LF");
  assert.deepEqual(unfold(ics), [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Backfill//Appointment offers//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    "UID:delivery-1@backfill",
    "DTSTAMP:20260301T120000Z",
    "DTSTART:20260610T140000Z",
    "DTEND:20260610T143000Z",
    "SUMMARY:Appointment at Harbor Dental",
    "LOCATION:Harbor Dental",
    "DESCRIPTION:https://backfill.example.com/o/o_abc",
    "URL:https://backfill.example.com/o/o_abc",
    "TRANSP:OPAQUE",
    "END:VEVENT",
    "END:VCALENDAR",
  ]);
});

test("optional properties are left out when absent", () => {
  const lines = unfold(icsEvent(anEvent({ location: null, description: undefined, url: null })));
  for (const name of ["LOCATION", "DESCRIPTION", "URL"]) assert.ok(!lines.some((l) => l.startsWith(`${name}:`)), name);
});

// Local wall-clock times around DST changes → the UTC instant written.
const dstTable: [string, string, string, string][] = [
  // zone, local start (ISO, in zone), expected DTSTART, why
  [NY, "2026-03-08T01:30", "20260308T063000Z", "NY before spring-forward (EST, -5)"],
  [NY, "2026-03-08T03:30", "20260308T073000Z", "NY after spring-forward (EDT, -4)"],
  [NY, "2026-11-01T00:30", "20261101T043000Z", "NY before fall-back (EDT)"],
  [NY, "2026-11-01T03:00", "20261101T080000Z", "NY after fall-back (EST)"],
  ["Europe/London", "2026-03-29T02:30", "20260329T013000Z", "London first hour of BST"],
  ["Australia/Lord_Howe", "2026-10-04T03:00", "20261003T160000Z", "Lord Howe half-hour DST (+11)"],
  ["Asia/Kolkata", "2026-06-10T09:15", "20260610T034500Z", "no DST, +5:30"],
];
for (const [zone, local, expected, why] of dstTable) {
  test(`DTSTART in UTC across DST: ${why}`, () => {
    const start = DateTime.fromISO(local, { zone }).toJSDate();
    const end = new Date(start.getTime() + 45 * 60_000);
    const ics = icsEvent(anEvent({ start, end }));
    assert.equal(prop(ics, "DTSTART"), expected);
    assert.equal(prop(ics, "DTEND"), icsUtc(end));
    assert.equal(end.getTime() - start.getTime(), 45 * 60_000);
  });
}

test("an ambiguous fall-back hour: both 1:30 AMs are distinct UTC instants, an hour apart", () => {
  const first = DateTime.fromISO("2026-11-01T05:30:00Z").setZone(NY); // 1:30 AM EDT
  const second = DateTime.fromISO("2026-11-01T06:30:00Z").setZone(NY); // 1:30 AM EST
  assert.equal(first.toFormat("HH:mm ZZZZ"), "01:30 EDT");
  assert.equal(second.toFormat("HH:mm ZZZZ"), "01:30 EST");
  const a = icsEvent(anEvent({ start: first.toJSDate(), end: first.plus({ minutes: 30 }).toJSDate() }));
  const b = icsEvent(anEvent({ start: second.toJSDate(), end: second.plus({ minutes: 30 }).toJSDate() }));
  assert.equal(prop(a, "DTSTART"), "20261101T053000Z");
  assert.equal(prop(b, "DTSTART"), "20261101T063000Z");
});

test("the output depends only on the UTC instant: the same instant made from any zone gives the same text", () => {
  const instant = "2026-03-08T07:30:00.000Z";
  const fromZones = ["UTC", NY, "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"].map((zone) => DateTime.fromISO(instant).setZone(zone).toJSDate());
  const outputs = new Set(fromZones.map((start) => icsEvent(anEvent({ start, end: new Date(start.getTime() + 3_600_000) }))));
  assert.equal(outputs.size, 1);
  const links = new Set(
    fromZones.map((start) => googleCalendarLink({ start, end: new Date(start.getTime() + 3_600_000), title: "t", details: "d", location: null, zone: NY })),
  );
  assert.equal(links.size, 1);
});

test("the same text under a different server TZ (a child process with TZ set)", () => {
  const module = fileURLToPath(new URL("../../src/core/calendar.ts", import.meta.url));
  const script =
    `const c = await import(${JSON.stringify(module)});` +
    `const e = { uid: "u@x", start: new Date("2026-03-08T07:30:00Z"), end: new Date("2026-03-08T08:00:00Z"), summary: "s", stamp: new Date("2026-03-01T00:00:00Z") };` +
    `process.stdout.write(JSON.stringify([c.icsEvent(e), c.googleCalendarLink({ ...e, title: "s", details: "d", location: null, zone: "America/New_York" })]));`;
  const run = (tz: string) =>
    execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, TZ: tz },
      timeout: 20_000,
      encoding: "utf8",
    });
  const here = run("UTC");
  assert.match(here, /DTSTART:20260308T073000Z/);
  assert.equal(run("Pacific/Chatham"), here);
  assert.equal(run("America/Los_Angeles"), here);
});

test("TEXT escaping: backslash, semicolon, comma, newlines; control characters dropped", () => {
  assert.equal(escapeText("a\\b;c,d\ne\r\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
  assert.equal(escapeText("tab\there\u0007bell"), "tab\therebell");
  const ics = icsEvent(anEvent({ summary: appointmentTitle("Smith, Jones; Partners"), location: "12 Main St, Suite 4\nSpringfield" }));
  assert.equal(prop(ics, "SUMMARY"), "Appointment at Smith\\, Jones\\; Partners");
  assert.equal(prop(ics, "LOCATION"), "12 Main St\\, Suite 4\\nSpringfield");
});

test("folding: no line over 75 octets, continuation lines start with one space, unfolding restores the line", () => {
  const long = "x".repeat(200);
  const folded = foldLine(`DESCRIPTION:${long}`);
  const lines = folded.split("\r\n");
  assert.ok(lines.length > 1);
  assert.equal(Buffer.byteLength(lines[0]!), 75);
  for (const l of lines.slice(1)) assert.ok(l.startsWith(" ") && Buffer.byteLength(l) <= 75, JSON.stringify(l));
  assert.equal(folded.replace(/\r\n /g, ""), `DESCRIPTION:${long}`);
  assert.equal(foldLine("SHORT:ok"), "SHORT:ok");
  assert.equal(foldLine(`X:${"a".repeat(73)}`), `X:${"a".repeat(73)}`, "exactly 75 octets is not folded");
});

test("folding counts octets, not characters, and never splits a UTF-8 character", () => {
  const name = "Clínica Dental São João — 東京歯科 🦷".repeat(3);
  const ics = icsEvent(anEvent({ summary: appointmentTitle(name) }));
  for (const line of ics.split("\r\n")) assert.ok(Buffer.byteLength(line) <= 75, `${Buffer.byteLength(line)}: ${line}`);
  assert.doesNotMatch(ics, /\uFFFD/);
  assert.equal(prop(ics, "SUMMARY"), `Appointment at ${name}`);
});

test("invalid spans and dates are refused", () => {
  assert.throws(() => icsEvent(anEvent({ end: new Date("2026-06-10T14:00:00.000Z") })), RangeError);
  assert.throws(() => icsEvent(anEvent({ stamp: new Date("nope") })), TypeError);
});

test("Google Calendar link: UTC dates, the title, details, location and the patient's zone", () => {
  const link = googleCalendarLink({
    start: new Date("2026-06-10T14:00:00.000Z"),
    end: new Date("2026-06-10T14:30:00.000Z"),
    title: appointmentTitle("Smith & Jones"),
    details: "https://backfill.example.com/o/o_abc",
    location: "Smith & Jones",
    zone: "America/Los_Angeles",
  });
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, "https://calendar.google.com/calendar/render");
  assert.equal(url.searchParams.get("action"), "TEMPLATE");
  assert.equal(url.searchParams.get("text"), "Appointment at Smith & Jones");
  assert.equal(url.searchParams.get("dates"), "20260610T140000Z/20260610T143000Z");
  assert.equal(url.searchParams.get("details"), "https://backfill.example.com/o/o_abc");
  assert.equal(url.searchParams.get("location"), "Smith & Jones");
  assert.equal(url.searchParams.get("ctz"), "America/Los_Angeles");
  assert.match(link, /dates=20260610T140000Z\/20260610T143000Z&/);
  assert.ok(
    !new URL(googleCalendarLink({ start: STAMP, end: new Date(STAMP.getTime() + 1000), title: "t", details: "", location: null, zone: NY })).searchParams.has(
      "location",
    ),
  );
});

test("the title says where, never what: 'Appointment at <clinic>'", () => {
  assert.equal(appointmentTitle("Harbor Dental"), "Appointment at Harbor Dental");
});
