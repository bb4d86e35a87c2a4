// Offer messages: the minimum (clinic, day and time, the link), the patient's zone with the clinic's when the
// offsets differ, and an SMS that stays within two GSM-7 segments.
import assert from "node:assert/strict";
import { test } from "node:test";
import { confirmationSms, offerEmail, offerSms, slotTime, type OfferText } from "../../src/core/message.ts";

const NY = "America/New_York";
const LINK = "https://backfill.example.com/o/o_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG0";

function aText(over: Partial<OfferText> = {}): OfferText {
  return {
    clinicName: "Harbor Dental",
    slotStart: new Date("2026-06-10T14:00:00.000Z"), // Wed 10 Jun, 10:00 EDT
    patientZone: NY,
    clinicZone: NY,
    link: LINK,
    holdExpiresAt: new Date("2026-06-08T16:00:00.000Z"), // 12:00 PM EDT
    ...over,
  };
}

// ---- the minimum, nothing clinical ----

test("what a message may say is fixed by its input: clinic, times, link — no service, no provider", () => {
  // Adding a field to OfferText breaks this object literal, so a new input is a deliberate choice.
  const fields: Record<keyof OfferText, true> = {
    clinicName: true,
    slotStart: true,
    patientZone: true,
    clinicZone: true,
    link: true,
    holdExpiresAt: true,
  };
  for (const key of Object.keys(fields)) assert.doesNotMatch(key, /service|provider|note|reason/i);
});

test("offer SMS, same zone: exactly the clinic, the time, the hold, the link and the reply words", () => {
  assert.equal(
    offerSms(aText()),
    `Harbor Dental: an appointment opened up Wed 10 Jun, 10:00 AM EDT. It's held for you until 12:00 PM. Book: ${LINK} Reply YES to take it, NO to pass.`,
  );
});

test("offer email, same zone: subject and text, with the link and the hold's zone", () => {
  assert.deepEqual(offerEmail(aText()), {
    subject: "Harbor Dental: an appointment opened up Wed 10 Jun, 10:00 AM",
    text:
      "An appointment at Harbor Dental opened up: Wed 10 Jun, 10:00 AM EDT.\n\n" +
      "We are holding it for you until 12:00 PM EDT.\n\n" +
      `Book it or let it go: ${LINK}\n`,
  });
});

test("the link is in every offer message, whatever the zones", () => {
  for (const patientZone of [NY, "America/Chicago", "Europe/London", "Asia/Kolkata"]) {
    const t = aText({ patientZone });
    assert.ok(offerSms(t).includes(LINK), patientZone);
    assert.ok(offerEmail(t).text.includes(LINK), patientZone);
  }
});

test("confirmation SMS: clinic and time, with the clinic's time when the zones differ", () => {
  const c = { clinicName: "Harbor Dental", slotStart: new Date("2026-06-10T14:00:00.000Z"), patientZone: "America/Chicago", clinicZone: NY };
  assert.equal(confirmationSms(c), "Harbor Dental: you're booked for Wed 10 Jun, 9:00 AM CDT (10:00 AM EDT clinic time). See you then!");
  assert.equal(confirmationSms({ ...c, patientZone: NY }), "Harbor Dental: you're booked for Wed 10 Jun, 10:00 AM EDT. See you then!");
});

// ---- zones ----

// [why, instant, patient zone, clinic zone, expected]
const times: [string, string, string, string, string][] = [
  ["same zone: the patient's time only", "2026-06-10T14:00:00Z", NY, NY, "Wed 10 Jun, 10:00 AM EDT"],
  ["an hour apart: the clinic's time too", "2026-06-10T14:00:00Z", "America/Chicago", NY, "Wed 10 Jun, 9:00 AM CDT (10:00 AM EDT clinic time)"],
  ["another day for the patient", "2026-06-10T14:00:00Z", "Pacific/Auckland", NY, "Thu 11 Jun, 2:00 AM GMT+12 (10:00 AM EDT clinic time)"],
  ["half-hour offset", "2026-06-10T14:00:00Z", "Asia/Kolkata", NY, "Wed 10 Jun, 7:30 PM GMT+5:30 (10:00 AM EDT clinic time)"],
  // Different names, same offset at that instant: nothing to convert, so no clinic time.
  ["Phoenix and Los Angeles in July are both UTC−7", "2026-07-01T15:00:00Z", "America/Phoenix", "America/Los_Angeles", "Wed 1 Jul, 8:00 AM MST"],
  ["Toronto and New York share EDT", "2026-06-10T14:00:00Z", "America/Toronto", NY, "Wed 10 Jun, 10:00 AM EDT"],
  ["Lisbon and London share BST's offset", "2026-06-10T09:00:00Z", "Europe/Lisbon", "Europe/London", "Wed 10 Jun, 10:00 AM GMT+1"],
  // ...but not in January, when Los Angeles is on PST.
  [
    "Phoenix and Los Angeles in January differ",
    "2026-01-15T15:00:00Z",
    "America/Phoenix",
    "America/Los_Angeles",
    "Thu 15 Jan, 8:00 AM MST (7:00 AM PST clinic time)",
  ],
  // Between the US and EU changes the gap is 4 hours, not 5.
  [
    "London patient, New York clinic, 20 Mar 2026 (US on EDT, UK still GMT)",
    "2026-03-20T14:00:00Z",
    "Europe/London",
    NY,
    "Fri 20 Mar, 2:00 PM GMT (10:00 AM EDT clinic time)",
  ],
];
for (const [why, at, patientZone, clinicZone, expected] of times) {
  test(`slotTime: ${why}`, () => {
    assert.equal(slotTime(new Date(at), patientZone, clinicZone), expected);
  });
}

test("DST labels: EST in winter, EDT in summer, and across both change nights", () => {
  const label: [string, string][] = [
    ["2026-01-15T15:00:00Z", "Thu 15 Jan, 10:00 AM EST"],
    ["2026-07-15T14:00:00Z", "Wed 15 Jul, 10:00 AM EDT"],
    ["2026-03-08T06:59:00Z", "Sun 8 Mar, 1:59 AM EST"],
    ["2026-03-08T07:00:00Z", "Sun 8 Mar, 3:00 AM EDT"],
    ["2026-03-08T13:30:00Z", "Sun 8 Mar, 9:30 AM EDT"],
    ["2026-11-01T05:30:00Z", "Sun 1 Nov, 1:30 AM EDT"],
    ["2026-11-01T06:30:00Z", "Sun 1 Nov, 1:30 AM EST"],
    ["2026-11-01T14:30:00Z", "Sun 1 Nov, 9:30 AM EST"],
  ];
  for (const [at, expected] of label) assert.equal(slotTime(new Date(at), NY, NY), expected, at);
});

test("the SMS shows the patient's time and the clinic's when they differ", () => {
  const sms = offerSms(aText({ patientZone: "America/Los_Angeles" }));
  assert.ok(sms.includes("Wed 10 Jun, 7:00 AM PDT (10:00 AM EDT clinic time)"), sms);
  assert.ok(sms.includes("held for you until 9:00 AM."), "the hold in the patient's zone");
});

// ---- SMS length: two GSM-7 segments (2 × 153) ----

const GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED = "\f^{}\\[~]|€";

/** Septets the text takes in GSM-7, or null when it needs UCS-2. */
function gsm7Length(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) n += 1;
    else if (GSM7_EXTENDED.includes(ch)) n += 2;
    else return null;
  }
  return n;
}

test("gsm7Length: the helper itself", () => {
  assert.equal(gsm7Length("Hello"), 5);
  assert.equal(gsm7Length("a~b"), 4);
  assert.equal(gsm7Length("…"), null);
});

const FORTY = "Riverside Family & Cosmetic Dentistry Co"; // 40 characters
const LONG_ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu", NY, "America/Los_Angeles"];
// The link as dispatch builds it: `${publicUrl}/o/o_<43 base64url characters>`, here with a 40-character public URL.
const PUBLIC_URL = "https://waitlist.riversidedental.example";
const LONG_LINK = `${PUBLIC_URL}/o/o_${"A".repeat(43)}`;

test("a 40-character clinic name: the offer SMS stays within 306 GSM-7 characters, for any pair of zones", () => {
  assert.equal(FORTY.length, 40);
  assert.equal(PUBLIC_URL.length, 40);
  let longest = 0;
  for (const patientZone of LONG_ZONES) {
    for (const clinicZone of LONG_ZONES) {
      for (const slotStart of ["2026-01-03T22:30:00Z", "2026-07-04T22:30:00Z", "2026-09-30T02:00:00Z"]) {
        const sms = offerSms(aText({ clinicName: FORTY, patientZone, clinicZone, slotStart: new Date(slotStart), link: LONG_LINK }));
        const length = gsm7Length(sms);
        assert.ok(length !== null, `not GSM-7: ${sms}`);
        assert.ok(length <= 306, `${length} septets: ${sms}`);
        assert.ok(sms.startsWith(`${FORTY}: `), "a 40-character name is not shortened");
        longest = Math.max(longest, length);
      }
    }
  }
  assert.ok(longest > 153, "the worst case really needs the second segment (so this test measures something)");
});

test("a longer clinic name is cut to 40 GSM-7 characters ending in '...'", () => {
  const name = "Riverside Family & Cosmetic Dentistry Collective of the Bay";
  const sms = offerSms(aText({ clinicName: name, patientZone: "Australia/Lord_Howe", clinicZone: "Pacific/Chatham", link: LONG_LINK }));
  const shown = sms.slice(0, sms.indexOf(": an appointment"));
  assert.equal(shown, "Riverside Family & Cosmetic Dentistry...");
  assert.equal(shown.length, 40);
  const length = gsm7Length(sms);
  assert.ok(length !== null && length <= 306, `${length}: ${sms}`);
});

test("exactly 40 characters is kept, 41 is cut", () => {
  const at40 = "A".repeat(40);
  const at41 = "A".repeat(41);
  assert.ok(offerSms(aText({ clinicName: at40 })).startsWith(`${at40}: `));
  assert.ok(offerSms(aText({ clinicName: at41 })).startsWith(`${"A".repeat(37)}...: `));
});
