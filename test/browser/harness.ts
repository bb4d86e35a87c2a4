// Browser tests: Debian's chromium (/usr/bin/chromium) driven by playwright-core, against the real app
// listening on 127.0.0.1 with live events on, a database of its own and the manual clock (due work runs
// only when a test drains it). No browser download: CI installs the chromium package (.ci/run).
//
// A missing /usr/bin/chromium FAILS the run, loudly. Only BACKFILL_SKIP_BROWSER=1 skips these tests.
import assert from "node:assert/strict";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { generateVapidKeys } from "../../src/channels/push.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { startLiveEvents } from "../../src/store/live-events.ts";
import { call, testApp, type TestContext } from "../harness/app.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const CLINIC_PHONE = "+16175550199";
export const RESULTS_DIR = fileURLToPath(new URL("../../test-results/", import.meta.url));
/** Bound on every wait for the page (a phone-speed page answers in well under a second). */
export const WAIT_MS = 8_000;

/** `{ skip }` for node:test: true only under BACKFILL_SKIP_BROWSER=1; a missing browser throws. */
export function browserTests(): { skip: string | false } {
  if (process.env.BACKFILL_SKIP_BROWSER === "1") return { skip: "BACKFILL_SKIP_BROWSER=1" };
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing, so the browser tests cannot run. Install Debian's chromium ` +
        "(apt-get install -y --no-install-recommends chromium; .ci/run does this), or set BACKFILL_SKIP_BROWSER=1 to skip them.",
    );
  }
  return { skip: false };
}

export interface BrowserWorld extends TestContext {
  browser: Browser;
  /** http://127.0.0.1:<port>, also the app's BACKFILL_PUBLIC_URL (so the outbox's links open here). */
  baseUrl: string;
  drain(): Promise<unknown>;
  /** A fresh browser context (its own cookies and storage: one patient's phone) at phone size. */
  phone(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  /** Screenshots of the page as it is now, at 390×844 and at 1280×800, into test-results/<prefix>-<name>-*.png. */
  shoot(page: Page, name: string, prefix?: string): Promise<void>;
  /** The booking link's token in the newest offer message to `phone` (from the dev outbox). */
  tokenFor(clinicKey: string, phone: string): Promise<string>;
}

export async function browserWorld(): Promise<BrowserWorld> {
  // Registered before testApp's own hooks, so it runs first (node:test runs after-hooks in order):
  // the browser, then the server, then live events, and only then does the database go.
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });
  const ctx = await testApp({ BACKFILL_CLINIC_PHONE: CLINIC_PHONE });
  const live = await startLiveEvents(ctx.deps.db, ctx.deps.log);
  cleanup.push(() => live.stop());
  ctx.deps.live = live;
  ctx.deps.pushPublicKey = generateVapidKeys().publicKey; // so the page offers push opt-in
  const baseUrl = await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  cleanup.push(() => ctx.app.close());
  ctx.deps.config = { ...ctx.deps.config, publicUrl: baseUrl };

  // launch() gives every run a fresh, throwaway user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  cleanup.push(() => browser.close());
  fs.mkdirSync(RESULTS_DIR, { recursive: true });

  return {
    ...ctx,
    browser,
    baseUrl,
    drain: () => runDue(ctx.deps, ctx.clock.now()),
    async phone(options = {}) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US", acceptDownloads: true, ...options });
      context.setDefaultTimeout(WAIT_MS);
      const page = await context.newPage();
      // Anything the page itself complains about (a script error, a CSP refusal) fails the test.
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 404/.test(m.text())) {
          problems.push(`console: ${m.text()}`);
        }
      });
      return { context, page, problems };
    },
    async shoot(page, name, prefix = "offer") {
      await page.mouse.move(0, 0); // no hover state in the pictures
      for (const [label, width, height] of [
        ["desktop", 1280, 800],
        ["phone", 390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({ path: `${RESULTS_DIR}${prefix}-${name}-${label}.png`, fullPage: true });
      }
    },
    async tokenFor(clinicKey, phone) {
      const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinicKey });
      assert.equal(res.status, 200);
      const withLink = res.body.items.filter((m: { links: string[] }) => m.links.length > 0);
      assert.ok(withLink.length > 0, `no offer message to ${phone}`);
      const link: string = withLink.at(-1).links[0];
      assert.ok(link.startsWith(`${baseUrl}/o/`), `the link opens this server: ${link}`);
      return link.slice(`${baseUrl}/o/`.length);
    },
  };
}
