// The payment page (GET /pay/:token) in a real browser (Debian's chromium via playwright-core,
// test/browser/harness.ts): a patient who owes a deposit taps Book on the offer page, lands on the payment
// page (the amount, the slot, the countdown), taps Pay and is booked; the deposit is AUTHORIZED. And the
// 90 s running out on the test clock: the page says so and nothing is charged. Screenshots at phone and
// desktop width go to test-results/pay-*.png (git-ignored).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0 } from "../harness/app.ts";
import { browserTests, browserWorld, WAIT_MS, type BrowserWorld } from "./harness.ts";

const mode = browserTests();
const w = (mode.skip ? null : await browserWorld()) as BrowserWorld;

let phones = 950;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

const heading = (page: Page, name: string | RegExp) => page.getByRole("heading", { level: 1, name }).waitFor({ timeout: WAIT_MS });

/** A patient owing a $50.00 deposit with an offer of Dr A's opening tomorrow at 9:00 New York time, and its link. */
async function anOfferOwingDeposit() {
  w.clock.set(T0);
  const clinic = await aClinic(w, { name: "Bright Smiles Dental", timezone: "America/New_York" });
  const drA = await aProvider(w, clinic, "Dr. Ana Alvarez");
  const service = await aService(w, clinic, { name: "Cleaning", priceCents: 15000 });
  const patient = await aPatient(w, clinic, { phone: nextPhone() });
  await w.deps.db.query("UPDATE patients SET deposit_required_cents = 5000 WHERE id = $1", [patient.id]);
  const entry = await anEntry(w, clinic, { patientId: patient.id, serviceId: service.id, providerIds: [drA.id] });
  const opening = await anOpening(w, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  await w.drain();
  const token = await w.tokenFor(clinic.key, patient.phone);
  return { clinic, drA, patient, entry, opening, url: `${w.baseUrl}/o/${token}` };
}

/** Opens the offer and taps Book: the payment page. Its token. */
async function toPayment(page: Page, url: string): Promise<string> {
  assert.equal((await page.goto(url))?.status(), 200);
  await heading(page, "An appointment opened up for you");
  await page.getByRole("button", { name: "Book this time" }).click();
  await heading(page, "Pay the deposit to book this time");
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/pay\/p_[A-Za-z0-9_-]{43}$/, "Book went on to the payment page (303)");
  return path.slice("/pay/".length);
}

const chargesOf = async (clinic: { key: string }, patientId: string) =>
  (await call(w, "GET", `/api/booking/patients/${patientId}/charges`, { key: clinic.key })).body.items;

test("a patient who owes a deposit books from the offer page: the payment page, Pay, booked; the deposit AUTHORIZED", mode, async () => {
  const o = await anOfferOwingDeposit();
  const { context, page, problems } = await w.phone();
  const payToken = await toPayment(page, o.url);
  assert.equal(await page.locator("main").getAttribute("data-state"), "open");
  assert.match(await page.locator("#amount").innerText(), /^Deposit: \$50\.00$/);
  const visit = page.getByRole("region", { name: "The appointment" });
  assert.match(await visit.innerText(), /Tuesday 3 March, 9:00 AM EST/);
  assert.match(await visit.innerText(), /Cleaning with Dr\. Ana Alvarez · 60 min/);
  // The script ran under the CSP: the countdown ticks from the server's 90 s (served as "1 min").
  const timer = page.getByRole("timer");
  await timer.filter({ hasText: /^1:\d\d$/ }).waitFor();
  assert.match(await page.locator("#hold").innerText(), /^Held for you for 1:\d\d more\.$/);
  assert.deepEqual(await chargesOf(o.clinic, o.patient.id), [], "nothing charged before Pay");
  await noHorizontalOverflow(page);
  await w.shoot(page, "open", "pay");
  await page.setViewportSize({ width: 390, height: 844 });

  await page.getByRole("button", { name: "Pay $50.00" }).click();
  await heading(page, "You're booked");
  assert.equal(new URL(page.url()).pathname, `/pay/${payToken}`, "the form post came back to the page (303)");
  assert.equal(await page.locator("main").getAttribute("data-state"), "paid");
  assert.match(await page.getByRole("status").innerText(), /^Payment received\. See you Tuesday 3 March, 9:00 AM EST\.$/);
  assert.equal(await page.getByRole("button").count(), 0, "nothing more to tap");
  assert.equal(await page.getByRole("timer").count(), 0);
  await noHorizontalOverflow(page);
  await w.shoot(page, "paid", "pay");

  const charges = await chargesOf(o.clinic, o.patient.id);
  assert.equal(charges.length, 1);
  assert.deepEqual([charges[0].kind, charges[0].status, charges[0].amountCents], ["DEPOSIT", "AUTHORIZED", 5000]);
  const appt = (await call(w, "GET", `/api/booking/appointments/${charges[0].appointmentId}`, { key: o.clinic.key })).body;
  assert.deepEqual([appt.status, appt.patientId, appt.providerId, appt.start], ["BOOKED", o.patient.id, o.drA.id, o.opening.start]);
  assert.equal((await call(w, "GET", `/api/booking/openings/${o.opening.id}`, { key: o.clinic.key })).body.status, "FILLED");
  assert.equal((await call(w, "GET", `/api/public/payment-holds/${payToken}`)).body.status, "PAID");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the 90 s run out (test clock): Pay on the stale page says the time ran out; nothing charged, the offer still bookable", mode, async () => {
  const o = await anOfferOwingDeposit();
  const { context, page, problems } = await w.phone();
  const payToken = await toPayment(page, o.url);
  await page
    .getByRole("timer")
    .filter({ hasText: /^1:\d\d$/ })
    .waitFor();
  w.clock.advanceMinutes(91 / 60);

  await page.getByRole("button", { name: "Pay $50.00" }).click();
  await heading(page, "The time to pay ran out");
  assert.equal(new URL(page.url()).pathname, `/pay/${payToken}`);
  assert.equal(await page.locator("main").getAttribute("data-state"), "lapsed");
  assert.match(
    await page.getByRole("status").innerText(),
    /^Nothing was charged\. If the time is still free, you can book it again from the link in your message\.$/,
  );
  assert.match(await page.locator("#visit.gone").innerText(), /Tuesday 3 March, 9:00 AM EST/, "the slot, shown as no longer held");
  assert.equal(await page.getByRole("button").count(), 0, "no Pay button");
  await noHorizontalOverflow(page);
  await w.shoot(page, "lapsed", "pay");

  assert.deepEqual(await chargesOf(o.clinic, o.patient.id), []);
  assert.equal((await call(w, "GET", `/api/public/payment-holds/${payToken}`)).body.status, "LAPSED");
  const { rows } = await w.deps.db.query("SELECT count(*)::int AS n FROM appointments WHERE clinic_id = $1", [o.clinic.id]);
  assert.equal(rows[0].n, 0);
  // As the page says: the link in the message still offers the time (the 2 h hold has not ended).
  await page.goto(o.url);
  await heading(page, "An appointment opened up for you");
  await page.getByRole("button", { name: "Book this time" }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

/** Nothing wider than the viewport (no sideways scrolling on a phone). */
async function noHorizontalOverflow(page: Page) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `the page is ${scroll}px wide in a ${client}px viewport`);
}
