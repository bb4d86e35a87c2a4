// First run in a real browser (Debian's chromium, test/browser/harness.ts): an empty database sends the
// visitor to /setup, which asks for the printed link; the printed link opens the form; filling it (with
// sample data) lands on a working, signed-in dashboard whose Analytics already shows a month. Screenshots
// at 1280×800 and 390×844 go to test-results/setup-*.png.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setupLine, setupLink } from "../../src/flows/set-up-clinic.ts";
import { browserTests, browserWorld, WAIT_MS, type BrowserWorld } from "./harness.ts";

const mode = browserTests();
const w = (mode.skip ? null : await browserWorld()) as BrowserWorld;
// The first start without BACKFILL_ADMIN_TOKEN: the token is generated and travels in the printed link.
if (w) w.deps.config = { ...w.deps.config, adminToken: null };
// Sample data runs a month of real flows before the answer; on a busy CI core that takes a while.
const SETUP_MS = 90_000;

test("first run: / leads to /setup, the printed link opens the form, and setting up lands signed in on Today with a month of Analytics", mode, async () => {
  const line = setupLine((await setupLink(w.deps, null))!);
  const printed = /^Set up your clinic: (\S+)$/.exec(line);
  assert.ok(printed, line);
  const link = printed[1]!;
  assert.ok(link.startsWith(`${w.baseUrl}/setup?token=bfadmin_`), link);

  const context = await w.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // The 403 and 404 pages this test opens on purpose are not the page's fault.
    if (m.type() === "error" && !/status of 40[34]/.test(m.text())) problems.push(`console: ${m.text()}`);
  });

  // Without the link: the dashboard's address leads to /setup, which says where the link is.
  await page.goto(`${w.baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, "/setup");
  await page.getByRole("heading", { level: 1, name: "Setup link needed" }).waitFor();
  await page.getByText("Set up your clinic:").waitFor();
  await w.shoot(page, "link-needed", "setup");

  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Set up your clinic" }).waitFor();
  await page.getByLabel("Clinic name").fill("Harbor Family Dental");
  await page.getByLabel("Time zone").selectOption("America/New_York");
  await page.getByLabel("Your name").fill("Rosa Admin");
  await page.getByLabel("Your email").fill("rosa@harbor.example");
  await page.getByLabel(/^Password/).fill("harbor passphrase 2026");
  await page.getByLabel(/sample data/).check();
  await page.setViewportSize({ width: 1280, height: 800 });
  await w.shoot(page, "form", "setup");

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole("button", { name: "Create the clinic" }).click({ timeout: SETUP_MS });
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor({ timeout: SETUP_MS });
  assert.equal(new URL(page.url()).pathname, "/");
  await page.getByText("Harbor Family Dental").first().waitFor();
  await page.getByText("Rosa Admin · admin").waitFor();
  // Signed in with the login's own cookie: HttpOnly, so no script can read it.
  const session = (await context.cookies()).find((c) => c.name === "bf_session");
  assert.ok(session?.httpOnly && session.sameSite === "Lax", JSON.stringify(session));
  await w.shoot(page, "today", "setup");

  // Analytics is not empty: the simulated past month filled openings from the waitlist.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Analytics", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "Analytics" }).waitFor();
  const text = await page.locator("main").innerText();
  assert.doesNotMatch(text, /Revenue recovered\s*\$0\.00/, text.slice(0, 400));
  await w.shoot(page, "analytics", "setup");

  // Set up once: the link now finds nothing.
  const again = await page.goto(link);
  assert.equal(again?.status(), 404);
  assert.deepEqual(problems, []);
  await context.close();
});
