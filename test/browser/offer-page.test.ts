// The patient's offer page in a real browser (Debian's chromium via playwright-core): booking from the
// page, a second page on the same opening turning to "taken" live and booking an alternative, the
// expired, declined and unknown pages, the calendar file, keyboard only, and no script at all.
// Screenshots of every state at phone and desktop width go to test-results/ (git-ignored).
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0 } from "../harness/app.ts";
import { browserTests, browserWorld, CLINIC_PHONE, WAIT_MS, type BrowserWorld } from "./harness.ts";

const mode = browserTests();
const w = (mode.skip ? null : await browserWorld()) as BrowserWorld;

let phones = 700;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function aSetup() {
  const clinic = await aClinic(w, { name: "Bright Smiles Dental", timezone: "America/New_York" });
  const drA = await aProvider(w, clinic, "Dr. Ana Alvarez");
  const drB = await aProvider(w, clinic, "Dr. Ben Brooks");
  const service = await aService(w, clinic, { name: "Cleaning" });
  return { clinic, drA, drB, service };
}

async function aWaiter(clinic: { key: string }, serviceId: string, entry: Record<string, unknown> = {}, patient: Record<string, unknown> = {}) {
  const p = await aPatient(w, clinic, { phone: nextPhone(), ...patient });
  const e = await anEntry(w, clinic, { patientId: p.id, serviceId, ...entry });
  return { patient: p, entry: e, phone: p.phone as string };
}

/** One patient with an offer of Dr A's opening tomorrow at 9:00 New York time, and its booking link. */
async function anOffer(patient: Record<string, unknown> = {}, now = T0) {
  w.clock.set(now);
  const s = await aSetup();
  const waiter = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] }, patient);
  const opening = await anOpening(w, s.clinic, { providerId: s.drA.id, start: inHours(24), end: inHours(25) });
  await w.drain();
  const token = await w.tokenFor(s.clinic.key, waiter.phone);
  return { ...s, waiter, opening, token, url: `${w.baseUrl}/o/${token}` };
}

const heading = (page: Page, name: string | RegExp) => page.getByRole("heading", { level: 1, name }).waitFor({ timeout: WAIT_MS });

async function appointmentsOf(clinicId: string) {
  const { rows } = await w.deps.db.query("SELECT patient_id, provider_id, start_at FROM appointments WHERE clinic_id = $1", [clinicId]);
  return rows;
}

test("a patient books from the page: confirmation, the calendar file, the Google link and how to cancel", mode, async () => {
  // 09:00 in Los Angeles (12:00 in New York): inside the patient's sending hours.
  const o = await anOffer({ timezone: "America/Los_Angeles" }, new Date("2026-03-02T17:00:00Z"));
  const { context, page, problems } = await w.phone();
  const res = await page.goto(o.url);
  assert.equal(res?.status(), 200);
  await heading(page, "An appointment opened up for you");
  const main = page.locator("main");
  assert.match(await main.innerText(), /Tuesday 3 March, 6:00 AM PST/, "the time in the patient's zone");
  assert.match(await main.innerText(), /Tuesday 3 March, 9:00 AM EST at the clinic/, "and the clinic's");
  assert.match(await main.innerText(), /Cleaning with Dr\. Ana Alvarez · 60 min/);
  assert.match(await main.innerText(), /Held for you until 11:00 AM PST/, "the hold's end as text");
  // The script ran under the CSP: the countdown ticks from the server's clock (2 h hold).
  await page.locator("#countdown", { hasText: /^\((2:00:00|1:59:\d\d) left\)$/ }).waitFor();
  await page.locator("#push-button").waitFor(); // this browser can do web push: the opt-in shows
  await page.locator('main[data-live="on"]').waitFor(); // the live status stream is open
  await w.shoot(page, "open");

  await page.getByRole("button", { name: "Book this time" }).click();
  await heading(page, "You're booked");
  assert.equal(new URL(page.url()).pathname, `/o/${o.token}`, "the form post came back to the page (303)");
  const booked = await appointmentsOf(o.clinic.id);
  assert.equal(booked.length, 1);
  assert.equal(booked[0].patient_id, o.waiter.patient.id);
  assert.equal(new Date(booked[0].start_at).toISOString(), inHours(24));
  const text = await main.innerText();
  assert.match(text, /See you Tuesday 3 March, 6:00 AM PST/);
  assert.match(text, /call Bright Smiles Dental at \+1 617 555 0199/);
  assert.equal(await page.locator(`a[href="tel:${CLINIC_PHONE}"]`).count(), 1);

  const google = new URL((await page.locator("#google").getAttribute("href"))!);
  assert.equal(google.origin + google.pathname, "https://calendar.google.com/calendar/render");
  assert.equal(google.searchParams.get("dates"), "20260303T140000Z/20260303T150000Z");
  assert.equal(google.searchParams.get("ctz"), "America/Los_Angeles");
  assert.equal(google.searchParams.get("text"), "Appointment at Bright Smiles Dental");

  const [download] = await Promise.all([page.waitForEvent("download", { timeout: WAIT_MS }), page.locator("#ics").click()]);
  assert.equal(download.suggestedFilename(), "appointment.ics");
  const ics = await fs.readFile((await download.path())!, "utf8");
  assert.match(ics, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
  assert.match(ics, /\r\nDTSTART:20260303T140000Z\r\nDTEND:20260303T150000Z\r\n/);
  assert.match(ics, /\r\nSUMMARY:Appointment at Bright Smiles Dental\r\n/);
  assert.match(ics, /\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n$/);
  await w.shoot(page, "accepted");
  assert.deepEqual(problems, []);
  await context.close();
});

test("two pages on one opening: one books, the other turns to 'taken' live and books an alternative in one tap", mode, async () => {
  w.clock.set(T0);
  const s = await aSetup();
  await call(w, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { strategy: "broadcast", waveSize: 2 } });
  const a = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] });
  const b = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] });
  await anOpening(w, s.clinic, { providerId: s.drA.id, start: inHours(24), end: inHours(25) });
  await w.drain();
  // Dr B's opening later that day: no offer goes out for it (both entries want Dr A), but it is an alternative.
  const other = await anOpening(w, s.clinic, { providerId: s.drB.id, start: inHours(26), end: inHours(27) });
  const [ta, tb] = [await w.tokenFor(s.clinic.key, a.phone), await w.tokenFor(s.clinic.key, b.phone)];

  const first = await w.phone();
  const second = await w.phone();
  await first.page.goto(`${w.baseUrl}/o/${ta}`);
  await second.page.goto(`${w.baseUrl}/o/${tb}`);
  await heading(second.page, "An appointment opened up for you");
  await second.page.locator('main[data-live="on"]').waitFor();
  await second.page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  await first.page.getByRole("button", { name: "Book this time" }).click();
  await heading(first.page, "You're booked");

  // Live: no reload, no tap.
  await heading(second.page, "Sorry, this time was just taken");
  assert.equal(await second.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, "switched without a reload");
  assert.equal(await second.page.getByRole("button", { name: "Book this time" }).count(), 0);
  assert.equal(await second.page.locator("#countdown").count(), 0);
  assert.match(await second.page.locator("#live").innerText(), /^Someone else booked it first\.$/);
  const alternative = second.page.getByRole("button", { name: /^Book Tuesday 3 March, 11:00 AM EST with Dr\. Ben Brooks$/ });
  await alternative.waitFor();
  await w.shoot(second.page, "taken");

  await alternative.click();
  await heading(second.page, "You're booked");
  assert.match(await second.page.locator("main").innerText(), /Cleaning with Dr\. Ben Brooks/);
  const rows = await appointmentsOf(s.clinic.id);
  assert.equal(rows.length, 2);
  const mine = rows.find((r) => r.patient_id === b.patient.id);
  assert.equal(mine?.provider_id, s.drB.id);
  assert.equal(new Date(mine!.start_at).toISOString(), inHours(26));
  const opening = await call(w, "GET", `/api/booking/openings/${other.id}`, { key: s.clinic.key });
  assert.equal(opening.body.status, "FILLED");
  await w.shoot(second.page, "alternative-booked");
  assert.deepEqual([...first.problems, ...second.problems], []);
  await Promise.all([first.context.close(), second.context.close()]);
});

test("an expired link: its own page, with the other times bookable", mode, async () => {
  const o = await anOffer();
  await anOpening(w, o.clinic, { providerId: o.drB.id, start: inHours(27), end: inHours(28) });
  w.clock.advanceMinutes(121);
  await w.drain();
  const { context, page, problems } = await w.phone();
  assert.equal((await page.goto(o.url))?.status(), 200);
  await heading(page, "This offer has expired");
  assert.match(await page.locator("main").innerText(), /The hold on this time ended at 11:00 AM EST/);
  await page.getByRole("button", { name: /^Book Tuesday 3 March, 12:00 PM EST with Dr\. Ben Brooks$/ }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Book this time" }).count(), 0);
  await w.shoot(page, "expired");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an unknown link: a 404 page that says so", mode, async () => {
  const { context, page, problems } = await w.phone();
  const res = await page.goto(`${w.baseUrl}/o/o_${"A".repeat(43)}`);
  assert.equal(res?.status(), 404);
  await heading(page, "This link is not valid");
  await w.shoot(page, "unknown");
  assert.deepEqual(problems, []);
  await context.close();
});

test("keyboard only: Tab reaches Book first, Enter books; No thanks declines", mode, async () => {
  const o = await anOffer();
  const { context, page, problems } = await w.phone();
  await page.goto(o.url);
  await heading(page, "An appointment opened up for you");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Book this time", "Book is the first stop");
  await page.keyboard.press("Enter");
  await heading(page, "You're booked");
  assert.equal((await appointmentsOf(o.clinic.id)).length, 1);

  const d = await anOffer();
  await page.goto(d.url);
  await heading(page, "An appointment opened up for you");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "No thanks");
  await page.keyboard.press("Enter");
  await heading(page, "No problem");
  const offer = await call(w, "GET", `/api/public/offers/${d.token}`);
  assert.equal(offer.body.status, "DECLINED");
  await w.shoot(page, "declined");
  assert.deepEqual(problems, []);
  await context.close();
});

test("with no script at all the page reads and the form post still books", mode, async () => {
  const o = await anOffer();
  const { context, page } = await w.phone({ javaScriptEnabled: false });
  await page.goto(o.url);
  await heading(page, "An appointment opened up for you");
  assert.match(await page.locator("#countdown").innerText(), /^\(2 h left\)$/, "the hold left, as served");
  assert.equal(await page.locator("#push").isVisible(), false, "no push opt-in without script");
  await w.shoot(page, "open-no-script");
  await page.getByRole("button", { name: "Book this time" }).click();
  await heading(page, "You're booked");
  assert.equal((await appointmentsOf(o.clinic.id)).length, 1);
  await context.close();
});

test("push opt-in: the service worker registers under the page's CSP; a browser that cannot subscribe is told so plainly", mode, async () => {
  const o = await anOffer();
  const { context, page, problems } = await w.phone();
  await context.grantPermissions(["notifications"], { origin: w.baseUrl });
  await page.goto(o.url);
  await page.getByRole("button", { name: "Turn on notifications" }).click();
  // Chromium has no push service in a throwaway (incognito-like) profile, so subscribing fails here.
  await page.locator("#push-status", { hasText: /^Sorry, that did not work on this browser\.$/ }).waitFor();
  const worker = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL ?? null);
  assert.equal(worker, `${w.baseUrl}/sw.js`);
  assert.deepEqual(
    problems.filter((p) => !/does not support the Push API in incognito mode/.test(p)),
    [],
  );
  await context.close();
});
