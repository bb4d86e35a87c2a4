// The patient's reschedule page (GET /r/:token) in a real browser (Debian's chromium via playwright-core,
// test/browser/harness.ts): the link from the 24 h reminder opens the appointment and the other times; one tap
// on a time (a plain POST form, the page has no script) moves it, and the old time becomes a RESCHEDULE
// opening. An unknown link has its own page. Screenshots at phone and desktop width go to
// test-results/reschedule-*.png (git-ignored).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { aClinic, anAppointment, anOpening, aPatient, aProvider, aService, call, inHours, T0 } from "../harness/app.ts";
import { browserTests, browserWorld, CLINIC_PHONE, WAIT_MS, type BrowserWorld } from "./harness.ts";

const mode = browserTests();
const w = (mode.skip ? null : await browserWorld()) as BrowserWorld;

let phones = 900;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

const heading = (page: Page, name: string | RegExp) => page.getByRole("heading", { level: 1, name }).waitFor({ timeout: WAIT_MS });

/** Wednesday 09:00 New York with Dr A, two other times, and the reminder's link (sent by the due work at 24 h). */
async function aReminded() {
  w.clock.set(T0);
  const clinic = await aClinic(w, { name: "Bright Smiles Dental", timezone: "America/New_York" });
  const drA = await aProvider(w, clinic, "Dr. Ana Alvarez");
  const drB = await aProvider(w, clinic, "Dr. Ben Brooks");
  const service = await aService(w, clinic, { name: "Cleaning", durationMinutes: 60 });
  const phone = nextPhone();
  const patient = await aPatient(w, clinic, { phone });
  const appointment = await anAppointment(w, clinic, { patientId: patient.id, providerId: drA.id, serviceId: service.id, start: inHours(48) });
  const sameDay = await anOpening(w, clinic, { providerId: drA.id, start: inHours(51), end: inHours(52) });
  const nextDay = await anOpening(w, clinic, { providerId: drB.id, start: inHours(72), end: inHours(73) });
  w.clock.set(new Date(inHours(24)));
  await w.drain();
  const res = await call(w, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key });
  assert.equal(res.status, 200);
  const link: string | undefined = res.body.items.filter((m: { links: string[] }) => m.links.length > 0).at(-1)?.links[0];
  assert.ok(link, `no reminder to ${phone}`);
  assert.ok(link.startsWith(`${w.baseUrl}/r/`), `the link opens this server: ${link}`);
  return { clinic, drA, drB, patient, appointment, sameDay, nextDay, url: link, token: link.slice(`${w.baseUrl}/r/`.length) };
}

test("a patient opens the reminder's link on a phone, taps another time and is booked; the old time is a RESCHEDULE opening", mode, async () => {
  const s = await aReminded();
  const { context, page, problems } = await w.phone();
  const res = await page.goto(s.url);
  assert.equal(res?.status(), 200);
  await heading(page, "Your appointment");
  const main = page.locator("main");
  assert.match(await page.locator("#visit").innerText(), /Wednesday 4 March, 9:00 AM EST/, "the appointment's time");
  assert.match(await page.locator("#visit").innerText(), /With Dr\. Ana Alvarez · 60 min/);
  assert.equal(await page.getByRole("region", { name: "The appointment" }).count(), 1, "the visit is a labelled region");
  await page.getByRole("heading", { level: 2, name: "Need another time?" }).waitFor();
  const times = page.getByRole("region", { name: "Need another time?" }).getByRole("button");
  assert.equal(await times.count(), 2, "the other two times, each a button");
  const sameDay = page.getByRole("button", { name: /^Book Wednesday 4 March, 12:00 PM EST with Dr\. Ana Alvarez$/ });
  const nextDay = page.getByRole("button", { name: /^Book Thursday 5 March, 9:00 AM EST with Dr\. Ben Brooks$/ });
  await sameDay.waitFor();
  await nextDay.waitFor();
  assert.equal(await page.locator(`a[href="tel:${CLINIC_PHONE}"]`).count(), 1, "how to call the clinic");
  assert.match(await main.innerText(), /Call Bright Smiles Dental at \+1 617 555 0199/);
  await noHorizontalOverflow(page);
  await w.shoot(page, "list", "reschedule");
  await page.setViewportSize({ width: 390, height: 844 });

  await nextDay.click();
  await heading(page, "You're booked");
  assert.equal(new URL(page.url()).pathname, `/r/${s.token}`, "the form post came back to the page (303)");
  assert.equal(await main.getAttribute("data-state"), "moved");
  assert.match(await page.getByRole("status").innerText(), /^See you Thursday 5 March, 9:00 AM EST\.$/);
  assert.match(await page.locator("#visit").innerText(), /Thursday 5 March, 9:00 AM EST[\s\S]*With Dr\. Ben Brooks · 60 min/);
  assert.equal(await page.getByRole("button", { name: /^Book / }).count(), 0, "no more times to tap");
  await page.getByRole("link", { name: "Add to Google Calendar" }).waitFor();
  await page.getByRole("link", { name: "Download calendar file (.ics)" }).waitFor();
  await noHorizontalOverflow(page);
  await w.shoot(page, "moved", "reschedule");

  // The API: the old appointment cancelled as rescheduled, the new one booked, the old time open again.
  const old = (await call(w, "GET", `/api/booking/appointments/${s.appointment.id}`, { key: s.clinic.key })).body;
  assert.deepEqual([old.status, old.cancelReason], ["CANCELLED", "rescheduled"]);
  const filled = (await call(w, "GET", `/api/booking/openings/${s.nextDay.id}`, { key: s.clinic.key })).body;
  assert.equal(filled.status, "FILLED");
  const moved = (await call(w, "GET", `/api/booking/appointments/${filled.filledAppointmentId}`, { key: s.clinic.key })).body;
  assert.deepEqual([moved.status, moved.patientId, moved.providerId, moved.start], ["BOOKED", s.patient.id, s.drB.id, s.nextDay.start]);
  const open = (await call(w, "GET", "/api/booking/openings?status=OPEN", { key: s.clinic.key })).body.items;
  const freed = open.filter((o: { sourceAppointmentId: string | null }) => o.sourceAppointmentId === s.appointment.id);
  assert.equal(freed.length, 1);
  assert.deepEqual([freed[0].source, freed[0].start, freed[0].end], ["RESCHEDULE", s.appointment.start, s.appointment.end]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("an unknown reschedule link: a 404 page that says so", mode, async () => {
  const { context, page, problems } = await w.phone();
  const res = await page.goto(`${w.baseUrl}/r/r_${"A".repeat(43)}`);
  assert.equal(res?.status(), 404);
  await heading(page, "This link is not valid");
  assert.match(await page.locator("main").innerText(), /If a clinic sent it to you, please call them\./);
  await w.shoot(page, "unknown", "reschedule");
  assert.deepEqual(problems, []);
  await context.close();
});

/** Nothing wider than the viewport (no sideways scrolling on a phone). */
async function noHorizontalOverflow(page: Page) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `the page is ${scroll}px wide in a ${client}px viewport`);
}
