// The staff dashboard in a real browser (Debian's chromium via playwright-core, test/browser/harness.ts):
// staff log in, add a waitlist entry with a weekday/time window, cancel an appointment, watch the offer
// arrive in the dev inbox, and — after the patient books from the link on their phone — see the booking
// arrive on Today without a reload. Then the session and CSRF checks a browser can make, and a
// screenshot of every page at 1280×800 and 390×844 (test-results/dashboard-*.png).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { aClinic, anAppointment, aChair, aPatient, aProvider, aService, call, inHours, T0 } from "../harness/app.ts";
import { browserTests, browserWorld, RESULTS_DIR, WAIT_MS, type BrowserWorld } from "./harness.ts";

const mode = browserTests();
const w = (mode.skip ? null : await browserWorld()) as BrowserWorld;
const PASSWORD = "correct horse battery";

/** A staff browser at desktop size; every script error or CSP refusal on its pages is collected. */
async function desk(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await w.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  context.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  context.on("page", (p) => watch(p, problems));
  const page = await context.newPage();
  return { context, page, problems };
}

function watch(page: Page, problems: string[]) {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // 403/404/422 answers that a test provokes on purpose are not the page's fault.
    if (m.type() === "error" && !/status of (40[34]|422)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}

const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name, exact: true });

async function shoot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  for (const [label, width, height] of [
    ["desktop", 1280, 800],
    ["phone", 390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: `${RESULTS_DIR}dashboard-${name}-${label}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function aClinicWithStaff() {
  w.clock.set(T0); // Monday 09:00 in New York
  const clinic = await aClinic(w, { name: "Bright Smiles Dental", timezone: "America/New_York" });
  const provider = await aProvider(w, clinic, "Dr. Ana Alvarez");
  const chair = await aChair(w, clinic, "Operatory 1");
  const service = await aService(w, clinic, { name: "Cleaning" });
  const holder = await aPatient(w, clinic, { firstName: "Hal", lastName: "Holder", phone: "+16175550801" });
  const waiter = await aPatient(w, clinic, { firstName: "Wendy", lastName: "Waiter", phone: "+16175550802" });
  // Tomorrow (Tuesday) 09:00–10:00: the appointment staff will cancel.
  const appointment = await anAppointment(w, clinic, {
    patientId: holder.id,
    providerId: provider.id,
    chairId: chair.id,
    serviceId: service.id,
    start: inHours(24),
  });
  const email = `admin.${Math.random().toString(36).slice(2)}@clinic.example`;
  const made = await call(w, "POST", "/api/booking/staff-users", { key: clinic.key, body: { email, name: "Dana Desk", password: PASSWORD, role: "admin" } });
  assert.equal(made.status, 201);
  return { clinic, provider, service, holder, waiter, appointment, email };
}

async function logIn(page: Page, email: string) {
  await page.goto(`${w.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, "/login", "no session: the login form");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
}

test("staff: log in, add a waitlist entry, cancel, see the offer in the dev inbox, and the booking arrives live on Today", mode, async () => {
  const s = await aClinicWithStaff();
  const { context, page, problems } = await desk();
  await page.goto(`${w.baseUrl}/login`);
  await shoot(page, "login");
  await logIn(page, s.email);
  const cookie = (await context.cookies()).find((c) => c.name === "bf_session")!;
  assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path, cookie.secure], [true, "Lax", "/", false]);

  // Waitlist: Wendy, cleaning, Tuesdays 08:00–12:00.
  await nav(page, "Waitlist").click();
  await page.getByText("Add to the waitlist").click();
  await page.getByLabel("Patient", { exact: true }).selectOption({ label: "Wendy Waiter" });
  await page.locator("#serviceId").selectOption({ label: "Cleaning" });
  await page.locator('input[name="w0_days"][value="2"]').check();
  await page.locator("#w0_start").fill("08:00");
  await page.locator("#w0_end").fill("07:00");
  await page.getByRole("button", { name: "Add to waitlist" }).click();
  // The flow's answer is shown on the form, naming the field; what was typed stays.
  await page.locator(".errors").getByText("Window 1 until").waitFor();
  await shoot(page, "waitlist-form-error");
  await page.locator("#w0_end").fill("12:00");
  await page.getByRole("button", { name: "Add to waitlist" }).click();
  await page.getByText("Added to the waitlist.").waitFor();
  await page.locator("tr[data-entry]", { hasText: "Wendy Waiter" }).getByText("Tue 08:00–12:00").waitFor();
  await shoot(page, "waitlist");

  // Appointments: cancel Hal's (by the patient).
  await nav(page, "Appointments").click();
  const row = page.locator(`tr[data-appointment="${s.appointment.id}"]`);
  await row.getByText("Hal Holder").waitFor();
  await shoot(page, "appointments");
  await row.getByRole("button", { name: "Cancel" }).click();
  await page.getByText("Appointment cancelled.").waitFor();

  // Today shows the new opening; a second tab watches the dev inbox. Nothing is sent until due work runs.
  await nav(page, "Today").click();
  await page.locator("article.opening", { hasText: "Tue 3 Mar, 9:00 AM–10:00 AM" }).waitFor();
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.locator(".live-dot.on").waitFor(); // the event stream is open
  const inbox = await context.newPage();
  await inbox.goto(`${w.baseUrl}/dev/inbox`);
  await inbox.locator(".live-dot.on").waitFor();
  assert.equal(await inbox.locator(".message-card").count(), 0);

  await w.drain(); // the opening's first wave: one SMS offer to Wendy
  const message = inbox.locator('.message-card[data-channel="SMS"]', { hasText: "+16175550802" });
  await message.waitFor(); // arrived live, no reload
  await page.locator("li.offer", { hasText: "Wendy Waiter" }).getByText("PENDING").waitFor();
  await page.locator("li.offer .countdown", { hasText: /^(2 h|1 h 59 min) left$/ }).waitFor();
  await shoot(inbox, "dev-inbox");
  await shoot(page, "today-offer");
  const link = (await message.locator("a.offer-link").getAttribute("href"))!;
  assert.ok(link.startsWith(`${w.baseUrl}/o/`), link);

  // The patient books from the link on their phone.
  const phone = await w.phone();
  await phone.page.goto(link);
  await phone.page.getByRole("button", { name: "Book this time" }).click();
  await phone.page.getByRole("heading", { level: 1, name: "You're booked" }).waitFor();
  await phone.context.close();

  // Today: the booking arrives without a reload (the marker set on this document is still there).
  await page.locator("li.booking", { hasText: "Wendy Waiter" }).getByText("from the waitlist").waitFor();
  assert.equal(await page.locator("article.opening").count(), 0, "the opening left the board");
  assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, "no full-page reload");
  await shoot(page, "today-booked");
  const booked = await call(w, "GET", `/api/booking/appointments?status=BOOKED`, { key: s.clinic.key });
  assert.equal(booked.body.items.filter((a: { patientId: string }) => a.patientId === s.waiter.id).length, 1);

  // The remaining pages, for the pictures (and no script or CSP problem on any of them).
  const opening = (await w.deps.db.query("SELECT id FROM openings WHERE source_appointment_id = $1", [s.appointment.id])).rows[0].id;
  for (const [name, path, heading] of [
    ["openings", "/openings", "Openings"],
    ["opening", `/openings/${opening}`, "Opening"],
    ["notifications", "/notifications", "Notifications"],
    ["outreach", "/outreach", "Outreach tasks"],
    ["analytics", "/analytics", "Analytics"],
    ["settings", "/settings", "Settings"],
  ] as const) {
    await page.goto(`${w.baseUrl}${path}`);
    await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
    await shoot(page, name);
  }
  assert.match(await page.goto(`${w.baseUrl}/analytics`).then(() => page.locator("main").innerText()), /100%/);
  assert.equal(await page.locator("svg.chart").count(), 3);
  assert.deepEqual(problems, []);
  await context.close();
});

test("staff: a forged post without the CSRF token is refused; after logout the session is gone", mode, async () => {
  const s = await aClinicWithStaff();
  const { context, page, problems } = await desk();
  await logIn(page, s.email);
  // A script (as another site's form would) posting without the token: 403, and no entry is made.
  const forged = await page.evaluate(async (patientId) => {
    const r = await fetch("/waitlist", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `patientId=${patientId}` });
    return r.status;
  }, s.waiter.id);
  assert.equal(forged, 403);
  assert.equal((await call(w, "GET", "/api/booking/waitlist", { key: s.clinic.key })).body.items.length, 0);
  // A form whose token was tampered with: 403 too.
  await page.goto(`${w.baseUrl}/waitlist`);
  await page.locator('form[action="/waitlist"] input[name="_csrf"]').evaluate((el) => ((el as HTMLInputElement).value = "tampered"));
  await page.getByText("Add to the waitlist").click();
  await page.getByLabel("Patient", { exact: true }).selectOption({ label: "Wendy Waiter" });
  await page.locator("#serviceId").selectOption({ label: "Cleaning" });
  await page.getByRole("button", { name: "Add to waitlist" }).click();
  await page.getByRole("heading", { level: 1, name: "Forbidden" }).waitFor();

  await page.goto(`${w.baseUrl}/`);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { level: 1, name: "Backfill" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.goto(`${w.baseUrl}/waitlist`);
  assert.equal(new URL(page.url()).pathname, "/login", "logged out: back to the login form");
  assert.equal(new URL(page.url()).searchParams.get("next"), "/waitlist");
  // A wrong password shows the one generic message.
  await page.getByLabel("Email").fill(s.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByText("Email or password is incorrect.").waitFor();
  assert.deepEqual(
    problems.filter((p) => !/401/.test(p)),
    [],
  );
  await context.close();
});
