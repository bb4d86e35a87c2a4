// How the dashboard writes times, money and names: in the clinic's zone, for people.
import { DateTime } from "luxon";
import { html, type Html } from "../html.ts";

export function when(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("ccc d LLL, h:mm a");
}

export function timeOnly(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("h:mm a");
}

export function span(start: Date, end: Date, zone: string): string {
  return `${when(start, zone)}–${timeOnly(end, zone)}`;
}

export function money(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 }).format(cents / 100);
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

export function minutesText(m: number | null): string {
  if (m === null) return "—";
  if (m < 60) return `${Math.round(m)} min`;
  const h = Math.floor(m / 60);
  const rest = Math.round(m - h * 60);
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

/** "HH:MM" local time → the instant in `zone` on `date` ("YYYY-MM-DD"); null when either is malformed. */
export function localInstant(date: string, time: string, zone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return null;
  const dt = DateTime.fromISO(`${date}T${time}`, { zone });
  return dt.isValid ? dt.toJSDate() : null;
}

export function localDay(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate()!;
}

/**
 * A hold's countdown: server-rendered text that the page's script keeps ticking (data-until).
 * Without script it still says how long was left when the page was made.
 */
export function countdown(until: Date | null, now: Date): Html | "" {
  if (!until) return "";
  const text = holdLeft(Math.round((until.getTime() - now.getTime()) / 1000));
  return html`<span class="countdown" data-until="${until.toISOString()}" data-now="${now.toISOString()}">${text}</span>`;
}

/**
 * What is left of a hold, in seconds, for staff: "1 h 59 min left" from an hour up (a two-hour hold
 * read "119:13 left"), "4:05 left" under an hour, where the seconds matter. Minutes are rounded down so
 * the text never promises more time than there is. The dashboard's script ticks with HOLD_LEFT_JS, the
 * same rule written as plain browser JavaScript (a test runs both over the same table).
 */
export function holdLeft(seconds: number): string {
  const left = Math.max(0, seconds);
  if (left === 0) return "expired";
  if (left < 3600) return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`;
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  return m === 0 ? `${h} h left` : `${h} h ${m} min left`;
}

/** holdLeft for the browser: a function expression, pasted into the dashboard script. */
export const HOLD_LEFT_JS = `function(seconds){
  var left=Math.max(0,seconds);
  if(left===0)return "expired";
  if(left<3600)return Math.floor(left/60)+":"+String(left%60).padStart(2,"0")+" left";
  var h=Math.floor(left/3600),m=Math.floor((left%3600)/60);
  return m===0?h+" h left":h+" h "+m+" min left";
}`;

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function windowText(w: { weekdays: number[]; start: string; end: string }): string {
  return `${w.weekdays.map((d) => WEEKDAYS[d - 1]).join(" ")} ${w.start}–${w.end}`;
}

export function nameOf(list: { id: string; name: string }[], id: string | null | undefined, fallback = "—"): string {
  if (!id) return fallback;
  return list.find((x) => x.id === id)?.name ?? fallback;
}

const FLAG_LABELS: Record<string, string> = { frequent_canceller: "frequent canceller" };

/** Badges for a patient's standing: flags, a deposit owed for new bookings, prepayment. */
export function standingBadges(s: { flags: string[]; depositRequiredCents: number; prepaymentRequired: boolean } | undefined): Html | "" {
  if (!s) return "";
  const items = [
    ...s.flags.map((f) => FLAG_LABELS[f] ?? f.replaceAll("_", " ")),
    ...(s.prepaymentRequired ? ["prepayment required"] : s.depositRequiredCents > 0 ? [`deposit ${money(s.depositRequiredCents)}`] : []),
  ];
  return items.length ? html`<div class="standing">${items.map((i) => html`<span class="badge flag" data-flag="${i}">${i}</span> `)}</div>` : "";
}
