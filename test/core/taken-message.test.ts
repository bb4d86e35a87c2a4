// The answer to a YES for a time someone else just booked: the words, the times in the patient's zone,
// and two GSM-7 segments at most for a 40-character clinic name, a 40-character public URL, any zone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { takenSms } from "../../src/core/message.ts";

const LINK = "https://backfill.example.com/o/o_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG0";
const times = [new Date("2026-06-10T14:00:00Z"), new Date("2026-06-10T17:30:00Z"), new Date("2026-06-11T13:00:00Z"), new Date("2026-06-12T13:00:00Z")];

test("up to three other times in the patient's zone, then the one link", () => {
  assert.equal(
    takenSms({ clinicName: "Harbor Dental", alternatives: times, patientZone: "America/New_York", link: LINK }),
    `Harbor Dental: sorry, that time was just taken. Other times for you: Wed 10 Jun, 10:00 AM EDT; Wed 10 Jun, 1:30 PM EDT; Thu 11 Jun, 9:00 AM EDT. Book one here: ${LINK}`,
  );
  assert.equal(
    takenSms({ clinicName: "Harbor Dental", alternatives: times.slice(0, 1), patientZone: "America/Los_Angeles", link: LINK }),
    `Harbor Dental: sorry, that time was just taken. Other times for you: Wed 10 Jun, 7:00 AM PDT. Book one here: ${LINK}`,
  );
});

test("no other time: just taken, still on the waitlist, no link", () => {
  assert.equal(
    takenSms({ clinicName: "Harbor Dental", alternatives: [], patientZone: "America/New_York", link: LINK }),
    "Harbor Dental: sorry, that time was just taken. You stay on our waitlist.",
  );
});

const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const gsm7Length = (text: string) => ([...text].every((ch) => GSM7.includes(ch)) ? [...text].length : null);

test("three times, a 40-character name and URL, any zone: within 306 GSM-7 characters", () => {
  const name = "Riverside Family & Cosmetic Dentistry Collective";
  const link = `https://waitlist.riversidedental.example/o/o_${"A".repeat(43)}`;
  let longest = 0;
  for (const zone of ["Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu", "America/New_York", "Europe/London"]) {
    const wednesdays = [0, 1, 2].map((i) => new Date(Date.UTC(2026, 8, 30, 10 + i, 30)));
    const sms = takenSms({ clinicName: name, alternatives: wednesdays, patientZone: zone, link });
    const length = gsm7Length(sms);
    assert.ok(length !== null, `not GSM-7: ${sms}`);
    assert.ok(length <= 306, `${length} septets: ${sms}`);
    assert.ok(sms.startsWith("Riverside Family & Cosmetic Dentistry...: "), sms);
    longest = Math.max(longest, length);
  }
  assert.ok(longest > 153, "the worst case needs the second segment (so this test measures something)");
});
