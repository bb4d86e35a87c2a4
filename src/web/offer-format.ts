// How the offer page writes times, durations and phone numbers. Times are always shown in the zone
// named, with its abbreviation, so "9:00 AM EST" can never be read in the wrong zone.
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { DateTime } from "luxon";

/** "Tuesday 3 March, 6:00 AM PST" */
export function when(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("cccc d LLLL, h:mm a ZZZZ");
}

/** "6:00 AM PST", or "Tuesday 3 March, 6:00 AM PST" when `at` is not on the same local day as `now`. */
export function timeOrWhen(at: Date, now: Date, zone: string): string {
  const a = DateTime.fromJSDate(at, { zone });
  const sameDay = a.hasSame(DateTime.fromJSDate(now, { zone }), "day");
  return sameDay ? a.setLocale("en-US").toFormat("h:mm a ZZZZ") : when(at, zone);
}

/** "45 min", "90 min", "2 h", "2 h 30 min" (under two hours, minutes read more easily). */
export function duration(start: Date, end: Date): string {
  const minutes = Math.round((end.getTime() - start.getTime()) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return minutes < 120 ? `${minutes} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** What is left of a hold, for the page as served (the script then counts down): "2 h", "1 h 59 min", "4 min", "under a minute". */
export function remaining(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "under a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "+1 617 555 0100" for people; the E.164 form stays in the tel: link. */
export function phoneForPeople(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
