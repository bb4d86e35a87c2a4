// Calendar invites for an offered slot: an RFC 5545 event (the .ics attached to the email) and a Google
// Calendar "add" link. Times are written in UTC ("…Z"), so the output depends only on the instants passed
// in — never on the server's TZ. Like every message, an event says the minimum: "Appointment at <clinic>",
// where, the link — never the service or anything clinical.
import { DateTime } from "luxon";

export interface IcsEvent {
  /** Globally unique and stable for this event, e.g. "delivery-<id>@backfill". */
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  location?: string | null;
  description?: string | null;
  url?: string | null;
  /** DTSTAMP: when this invite was made (the caller's clock, never read here). */
  stamp: Date;
}

export const ICS_PRODID = "-//Backfill//Appointment offers//EN";

/** The only event title Backfill uses: the clinic, nothing about the visit. */
export function appointmentTitle(clinicName: string): string {
  return `Appointment at ${clinicName}`;
}

function checkInstant(name: string, at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError(`${name} is not a valid date`);
}

function checkSpan(start: Date, end: Date): void {
  checkInstant("start", start);
  checkInstant("end", end);
  if (end.getTime() <= start.getTime()) throw new RangeError("end must be after start");
}

/** 20260610T140000Z — UTC, whole seconds (RFC 5545 DATE-TIME, form #2). */
export function icsUtc(at: Date): string {
  checkInstant("date", at);
  return DateTime.fromJSDate(at, { zone: "utc" }).toFormat("yyyyMMdd'T'HHmmss'Z'");
}

/** RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines; other control characters dropped. */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, "\\\\")
      .replace(/;/g, "\\;")
      .replace(/,/g, "\\,")
      .replace(/\r\n|\r|\n/g, "\\n")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 5545 TEXT may not carry control characters; this strips them
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
  );
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Folds one content line at 75 octets (RFC 5545 §3.1): continuation lines start with a single space,
 * which counts towards their 75. A multi-byte UTF-8 character is never split.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0)!);
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** A one-event VCALENDAR (METHOD:PUBLISH), CRLF line endings, ending with CRLF. */
export function icsEvent(e: IcsEvent): string {
  checkSpan(e.start, e.end);
  checkInstant("stamp", e.stamp);
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${ICS_PRODID}`,
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${escapeText(e.uid)}`,
    `DTSTAMP:${icsUtc(e.stamp)}`,
    `DTSTART:${icsUtc(e.start)}`,
    `DTEND:${icsUtc(e.end)}`,
    `SUMMARY:${escapeText(e.summary)}`,
  ];
  if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  // URL is a URI value, not TEXT: no escaping, but line breaks would corrupt the file.
  if (e.url) lines.push(`URL:${e.url.replace(/[\r\n]/g, "")}`);
  lines.push("TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}

export interface GoogleCalendarEvent {
  start: Date;
  end: Date;
  title: string;
  details: string;
  location: string | null;
  /** IANA zone the event is shown in (the patient's). */
  zone: string;
}

/** https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=…Z/…Z&details=…&location=…&ctz=… */
export function googleCalendarLink(g: GoogleCalendarEvent): string {
  checkSpan(g.start, g.end);
  const params: [string, string][] = [
    ["action", "TEMPLATE"],
    ["text", g.title],
    ["dates", `${icsUtc(g.start)}/${icsUtc(g.end)}`],
    ["details", g.details],
  ];
  if (g.location) params.push(["location", g.location]);
  params.push(["ctz", g.zone]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2F/g, "/")}`).join("&");
  return `https://calendar.google.com/calendar/render?${query}`;
}
