// The no-show ladder's notes: the step for a count, the exact words at each step (the discount, the
// deposit's amount and how it is paid, prepayment), nothing clinical, and two GSM-7 segments at most.
import assert from "node:assert/strict";
import { test } from "node:test";
import { noShowNote, noShowStep, type NoShowNoteInput } from "../../src/core/no-show-message.ts";

const HARBOR: NoShowNoteInput = { clinicName: "Harbor Dental", clinicPhone: null, discountPercent: 20, depositCents: 5000 };

test("the step for a count of no-shows in 6 months: none, apology, deposit, then prepayment", () => {
  const table: [number, ReturnType<typeof noShowStep>][] = [
    [0, null],
    [1, "apology"],
    [2, "deposit"],
    [3, "prepayment"],
    [4, "prepayment"],
    [9, "prepayment"],
  ];
  for (const [count, step] of table) assert.equal(noShowStep(count), step, `count ${count}`);
});

test("1st: the apology with the rebook link and the discount (none said when it is 0)", () => {
  assert.deepEqual(noShowNote("apology", HARBOR), {
    subject: "Harbor Dental: we missed you",
    text: "Harbor Dental: we missed you today and hope all is well. We'd be glad to find you a new time, with 20% off your next visit. Pick one here: {link} or call us.",
    rebookLink: true,
  });
  assert.doesNotMatch(noShowNote("apology", { ...HARBOR, discountPercent: 0 })!.text, /% off/);
});

test("2nd: a deposit (the amount) for future bookings, how it is paid, the clinic's phone when known", () => {
  assert.deepEqual(noShowNote("deposit", { ...HARBOR, depositCents: 7550, clinicPhone: "+16175550199" }), {
    subject: "Harbor Dental: a deposit for future visits",
    text:
      "Harbor Dental: we missed you again today. From now on, booking a visit with us needs a $75.50 deposit. " +
      "It is held on your card on the payment page right after you tap Book and released when you come. Questions? Please call us at +16175550199.",
    rebookLink: false,
  });
  assert.equal(noShowNote("deposit", { ...HARBOR, depositCents: 0 }), null, "a $0 deposit changes nothing to tell");
});

test("3rd and later: visits are paid in full when booked, on the payment page", () => {
  assert.deepEqual(noShowNote("prepayment", HARBOR), {
    subject: "Harbor Dental: payment when you book",
    text:
      "Harbor Dental: we missed you again today. From now on, visits with us are paid in full when you book: " +
      "you pay on the payment page right after you tap Book. Questions? Please call us.",
    rebookLink: false,
  });
});

const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const gsm7Length = (text: string) => ([...text].every((ch) => GSM7.includes(ch)) ? [...text].length : null);
const FORTY = "Riverside Family & Cosmetic Dentistry Co";
const LONG_LINK = `https://waitlist.riversidedental.example/r/r_${"A".repeat(43)}`;

test("every note, as sent (link filled in), within two GSM-7 segments for a 40-character name, URL and a phone", () => {
  let longest = 0;
  for (const step of ["apology", "deposit", "prepayment"] as const) {
    for (const clinicName of [FORTY, `${FORTY} of the Bay Area`]) {
      const note = noShowNote(step, { clinicName, clinicPhone: "+16175550199", discountPercent: 100, depositCents: 999_999_99 })!;
      const sms = note.text.replaceAll("{link}", LONG_LINK);
      const length = gsm7Length(sms);
      assert.ok(length !== null, `not GSM-7: ${sms}`);
      assert.ok(length <= 306, `${length} septets: ${sms}`);
      assert.ok(sms.startsWith(clinicName.length > 40 ? "Riverside Family & Cosmetic Dentistry...: " : `${FORTY}: `), sms);
      longest = Math.max(longest, length);
    }
  }
  assert.ok(longest > 153, "the worst case needs the second segment (so this test measures something)");
});

test("nothing clinical: a note is made only of the clinic, its phone, the discount and the deposit", () => {
  const fields: Record<keyof NoShowNoteInput, true> = { clinicName: true, clinicPhone: true, discountPercent: true, depositCents: true };
  for (const key of Object.keys(fields)) assert.doesNotMatch(key, /service|provider|note|reason|patient/i);
});
