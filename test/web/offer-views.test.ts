// The page's HTML building blocks, without a server: the escaping template and the views no HTTP test
// reaches (a "scheduled" offer has no link yet in the normal flow).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OfferPage } from "../../src/flows/view-offer-page.ts";
import { html, unsafeRaw } from "../../src/web/html.ts";
import { duration, remaining, timeOrWhen } from "../../src/web/offer-format.ts";
import { renderOfferPage } from "../../src/web/offer-page.ts";

test("html`…` escapes every interpolation unless it is Html; arrays join; null, undefined and false vanish", () => {
  const name = `<img src=x onerror="alert('1')">&`;
  assert.equal(
    html`<p title="${name}">${name}</p>`.value,
    `<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</p>`,
  );
  assert.equal(html`<ul>${["a<", "b"].map((x) => html`<li>${x}</li>`)}</ul>`.value, "<ul><li>a&lt;</li><li>b</li></ul>");
  assert.equal(html`${null}${undefined}${false}${0}`.value, "0");
  assert.equal(html`${unsafeRaw("<b>ours</b>")}`.value, "<b>ours</b>");
  assert.equal(html`${"`"}`.value, "&#96;");
});

test("times and lengths as the page writes them", () => {
  const now = new Date("2026-03-02T15:00:00Z");
  assert.equal(timeOrWhen(new Date("2026-03-02T17:00:00Z"), now, "America/New_York"), "12:00 PM EST");
  assert.equal(timeOrWhen(new Date("2026-03-03T17:00:00Z"), now, "America/New_York"), "Tuesday 3 March, 12:00 PM EST");
  const at = (m: number) => new Date(now.getTime() + m * 60_000);
  assert.deepEqual(
    [45, 60, 90, 120, 150].map((m) => duration(now, at(m))),
    ["45 min", "60 min", "90 min", "2 h", "2 h 30 min"],
  );
  assert.deepEqual([30_000, 4 * 60_000, 120 * 60_000, 119 * 60_000 + 59_000].map(remaining), ["under a minute", "4 min", "2 h", "1 h 59 min"]);
});

function aPage(over: Partial<OfferPage> = {}): OfferPage {
  const start = new Date("2026-03-03T14:00:00Z");
  return {
    state: "scheduled",
    remainingMs: null,
    booked: null,
    alternatives: [],
    now: new Date("2026-03-03T02:00:00Z"),
    view: {
      offer: { status: "SCHEDULED" } as OfferPage["view"]["offer"],
      status: "SCHEDULED",
      slot: { start, end: new Date("2026-03-03T15:00:00Z"), providerName: "Dr A", serviceName: "Cleaning", clinicName: "Bright Smiles" },
      patientTimezone: "America/New_York",
      clinicTimezone: "America/New_York",
      holdExpiresAt: null,
      opening: {} as OfferPage["view"]["opening"],
      entry: {} as OfferPage["view"]["entry"],
    },
    ...over,
  };
}

test("scheduled (not sent yet): Book and No thanks, no countdown; one zone when the patient's is the clinic's", () => {
  const doc = renderOfferPage({ page: aPage(), token: "o_x", clinicPhone: null, pushEnabled: false, flash: null }, "n0nce");
  assert.match(doc, /data-state="scheduled"/);
  assert.match(doc, /Book this time/);
  assert.match(doc, /No thanks/);
  assert.doesNotMatch(doc, /id="countdown"/);
  assert.doesNotMatch(doc, /at the clinic/);
  assert.doesNotMatch(doc, /id="push"/, "no push opt-in when the server has no keys");
  assert.match(doc, /<script nonce="n0nce">/);
});

test("accepted without a clinic phone: 'call the clinic', by name", () => {
  const booked = {
    appointmentId: "a1",
    start: new Date("2026-03-03T14:00:00Z"),
    end: new Date("2026-03-03T15:00:00Z"),
    providerName: "Dr A",
    serviceName: "Cleaning",
    cancelled: false,
  };
  const doc = renderOfferPage({ page: aPage({ state: "accepted", booked }), token: "o_x", clinicPhone: null, pushEnabled: true, flash: null }, "n");
  assert.match(doc, /Please call Bright Smiles as early as you can/);
  assert.doesNotMatch(doc, /href="tel:/);
  assert.doesNotMatch(doc, /id="push"/, "no opt-in once booked");
  const cancelled = renderOfferPage(
    { page: aPage({ state: "accepted", booked: { ...booked, cancelled: true } }), token: "o_x", clinicPhone: null, pushEnabled: false, flash: null },
    "n",
  );
  assert.match(cancelled, /This appointment was cancelled/);
  assert.doesNotMatch(cancelled, /calendar\.ics/);
});
