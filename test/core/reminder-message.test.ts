// Reminder texts and the replies to C / X / R: the minimum (clinic, day and time in both zones, the link),
// nothing clinical, the reply words, and an SMS within two GSM-7 segments. Plus the pure rules around them:
// when a late reminder still goes out, what a patient's letter means, what a move frees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readInbound } from "../../src/core/keywords.ts";
import { reminderEmail, reminderReplyText, reminderSms, type ReminderText } from "../../src/core/reminder-message.ts";
import { reminderDue } from "../../src/core/reminders.ts";
import { linkExpiry, moveState, remainderAfterMove } from "../../src/core/reschedule.ts";

const NY = "America/New_York";
const LINK = "https://backfill.example.com/r/r_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG0";
const QUIET = { start: "21:00", end: "08:00" };

function aText(over: Partial<ReminderText> = {}): ReminderText {
  return { clinicName: "Harbor Dental", start: new Date("2026-06-10T14:00:00Z"), patientZone: NY, clinicZone: NY, link: LINK, ...over };
}

test("what a reminder may say is fixed by its input: clinic, time, zones, link — no service, no provider", () => {
  const fields: Record<keyof ReminderText, true> = { clinicName: true, start: true, patientZone: true, clinicZone: true, link: true };
  for (const key of Object.keys(fields)) assert.doesNotMatch(key, /service|provider|note|reason/i);
});

test("reminder SMS, same zone: exactly the clinic, the time, the link and the reply words", () => {
  assert.equal(
    reminderSms(aText()),
    `Harbor Dental: reminder of your appointment Wed 10 Jun, 10:00 AM EDT. Calendar & changes: ${LINK} Reply C to confirm, X to cancel, R to reschedule.`,
  );
});

test("reminder SMS and email show the clinic's time too when the zones differ", () => {
  const t = aText({ patientZone: "America/Los_Angeles" });
  assert.ok(reminderSms(t).includes("Wed 10 Jun, 7:00 AM PDT (10:00 AM EDT clinic time)"));
  const email = reminderEmail(t);
  assert.equal(email.subject, "Harbor Dental: reminder of your appointment on Wed 10 Jun");
  assert.ok(email.text.includes("Wed 10 Jun, 7:00 AM PDT (10:00 AM EDT clinic time)"));
  assert.ok(email.text.includes(LINK));
});

const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const gsm7Length = (text: string) => ([...text].every((ch) => GSM7.includes(ch)) ? [...text].length : null);

const FORTY = "Riverside Family & Cosmetic Dentistry Co";
const LONG_ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu", NY, "America/Los_Angeles"];
const LONG_LINK = `https://waitlist.riversidedental.example/r/r_${"A".repeat(43)}`;

test("a 40-character clinic name and a 40-character public URL: the reminder SMS stays within 306 GSM-7 characters, for any pair of zones", () => {
  let longest = 0;
  for (const patientZone of LONG_ZONES) {
    for (const clinicZone of LONG_ZONES) {
      for (const start of ["2026-01-03T22:30:00Z", "2026-07-04T22:30:00Z", "2026-09-30T02:00:00Z"]) {
        const sms = reminderSms(aText({ clinicName: FORTY, patientZone, clinicZone, start: new Date(start), link: LONG_LINK }));
        const length = gsm7Length(sms);
        assert.ok(length !== null, `not GSM-7: ${sms}`);
        assert.ok(length <= 306, `${length} septets: ${sms}`);
        assert.ok(sms.startsWith(`${FORTY}: `));
        longest = Math.max(longest, length);
      }
    }
  }
  assert.ok(longest > 153, "the worst case needs the second segment (so this test measures something)");
});

test("a longer clinic name is cut to 40 characters ending in '...'", () => {
  const sms = reminderSms(aText({ clinicName: "Riverside Family & Cosmetic Dentistry Collective of the Bay", link: LONG_LINK }));
  assert.ok(sms.startsWith("Riverside Family & Cosmetic Dentistry...: "), sms);
});

test("replies: confirmed, the fee quote with the way to confirm or keep it, cancelled, the link, none", () => {
  const c = { clinicName: "Harbor Dental", patientZone: NY, clinicZone: NY, clinicPhone: "+16175550199" };
  const start = new Date("2026-06-10T14:00:00Z");
  assert.equal(
    reminderReplyText({ kind: "confirmed", start }, c),
    "Harbor Dental: thank you, your appointment Wed 10 Jun, 10:00 AM EDT is confirmed. See you then!",
  );
  assert.equal(
    reminderReplyText({ kind: "quote", start, feeCents: 4000, feeReason: "late_notice" }, c),
    "Harbor Dental: cancelling your appointment Wed 10 Jun, 10:00 AM EDT now costs $40.00 (late-cancellation fee). Reply X again within 30 minutes to confirm, or C to keep it.",
  );
  assert.match(reminderReplyText({ kind: "cancelled", start, feeCents: 0 }, c), /is cancelled, free of charge/);
  assert.match(reminderReplyText({ kind: "cancelled", start, feeCents: 15000 }, c), /A \$150\.00 cancellation fee applies/);
  assert.match(reminderReplyText({ kind: "link", start, link: "{link}" }, c), /open \{link\} or call us at \+16175550199\.$/);
  assert.match(reminderReplyText({ kind: "none", word: "X" }, c), /no upcoming appointment of yours to cancel by text\. Please call us at \+16175550199\.$/);
  for (const r of [
    { kind: "quote", start, feeCents: 4000, feeReason: "full_charge" },
    { kind: "link", start, link: LONG_LINK },
  ] as const) {
    const text = reminderReplyText(r, { ...c, clinicName: FORTY, patientZone: "Australia/Lord_Howe", clinicZone: "Pacific/Chatham" });
    assert.ok((gsm7Length(text) ?? 999) <= 306, text);
  }
});

test("C, X and R are a reminder's words; CANCEL stays a STOP word; YES/NO/STOP/START/HELP are unchanged", () => {
  const cases: [string, string][] = [
    ["C", "confirm"],
    ["c", "confirm"],
    ["Confirm", "confirm"],
    ["X", "cancel_visit"],
    ["x.", "cancel_visit"],
    ["R", "reschedule"],
    ["reschedule", "reschedule"],
    ["CANCEL", "stop"],
    ["cancel", "stop"],
    ["YES", "yes"],
    ["Y", "yes"],
    ["NO", "no"],
    ["STOP", "stop"],
    ["START", "start"],
    ["HELP", "help"],
    ["XR", "other"],
  ];
  for (const [body, kind] of cases) assert.equal(readInbound(body), kind, body);
});

test("reminderDue: ahead as planned; a passed time goes out now (or at 08:00) only while ≥ 2 h remain", () => {
  const start = new Date("2026-06-10T18:00:00Z"); // 14:00 EDT
  const due = (now: string) => reminderDue({ start, hoursBefore: 24, zone: NY, quiet: QUIET, now: new Date(now) })?.toISOString() ?? null;
  assert.equal(due("2026-06-08T12:00:00Z"), "2026-06-09T18:00:00.000Z", "ahead: the planned time");
  assert.equal(due("2026-06-10T12:00:00Z"), "2026-06-10T12:00:00.000Z", "inside the lead, 6 h before, 08:00 EDT: now");
  assert.equal(due("2026-06-10T15:59:00Z"), "2026-06-10T15:59:00.000Z", "2 h 1 min before: now");
  assert.equal(due("2026-06-10T16:01:00Z"), null, "under 2 h: none");
  assert.equal(due("2026-06-10T05:00:00Z"), "2026-06-10T12:00:00.000Z", "01:00 EDT is quiet: at 08:00, 6 h before");
  const early = new Date("2026-06-10T13:00:00Z"); // 09:00 EDT
  assert.equal(
    reminderDue({ start: early, hoursBefore: 24, zone: NY, quiet: QUIET, now: new Date("2026-06-10T05:00:00Z") }),
    null,
    "08:00 is 1 h before: none",
  );
  // The patient's own booking inside the lead (a claim, a move) was just confirmed in writing: no reminder,
  // now or when recomputed later; booked before the planned time, it is owed (and caught up if late).
  const mine = (bookedAt: string, now: string) =>
    reminderDue({ start, hoursBefore: 24, zone: NY, quiet: QUIET, now: new Date(now), booked: { at: new Date(bookedAt), byPatient: true } })?.toISOString() ??
    null;
  assert.equal(mine("2026-06-10T12:00:00Z", "2026-06-10T12:00:00Z"), null);
  assert.equal(mine("2026-06-10T12:00:00Z", "2026-06-10T13:00:00Z"), null);
  assert.equal(mine("2026-06-08T12:00:00Z", "2026-06-09T18:00:00Z"), "2026-06-09T18:00:00.000Z");
  assert.equal(mine("2026-06-08T12:00:00Z", "2026-06-10T12:00:00Z"), "2026-06-10T12:00:00.000Z");
});

test("moveState and linkExpiry: a reschedule link lives until the start, a rebook link 14 days", () => {
  const now = new Date("2026-06-01T12:00:00Z");
  const start = new Date("2026-06-05T12:00:00Z");
  assert.equal(linkExpiry("RESCHEDULE", start, now).toISOString(), start.toISOString());
  assert.equal(linkExpiry("REBOOK", start, now).toISOString(), "2026-06-15T12:00:00.000Z");
  const f = { purpose: "RESCHEDULE" as const, expiresAt: start, status: "BOOKED" as const, movedTo: null };
  assert.equal(moveState(f, now), "reschedule");
  assert.equal(moveState({ ...f, status: "CONFIRMED" }, now), "reschedule");
  assert.equal(moveState({ ...f, status: "CANCELLED" }, now), "closed");
  assert.equal(moveState(f, start), "expired");
  assert.equal(moveState({ ...f, movedTo: "a2" }, start), "moved");
  assert.equal(moveState({ ...f, purpose: "REBOOK", status: "NO_SHOW" }, now), "rebook");
  assert.equal(moveState({ ...f, purpose: "REBOOK", status: "BOOKED" }, now), "closed");
});

test("remainderAfterMove: all of the old time, or the longer piece beside an overlapping new time, or nothing", () => {
  const t = (h: string) => new Date(`2026-06-05T${h}:00Z`);
  const old = { start: t("10:00"), end: t("11:00") };
  assert.deepEqual(remainderAfterMove(old, { start: t("14:00"), end: t("15:00") }, true), old);
  assert.deepEqual(remainderAfterMove(old, { start: t("10:30"), end: t("11:30") }, false), old, "another provider and chair: no clash");
  assert.deepEqual(remainderAfterMove(old, { start: t("10:30"), end: t("11:30") }, true), { start: t("10:00"), end: t("10:30") });
  assert.deepEqual(remainderAfterMove(old, { start: t("09:45"), end: t("10:45") }, true), { start: t("10:45"), end: t("11:00") });
  assert.equal(remainderAfterMove(old, { start: t("10:02"), end: t("11:02") }, true), null, "2 minutes: no service is that short");
});
