// GET /pay/:token — the payment step of a payment hold (API.md "Deposits"): the slot, the amount, the 90 s
// countdown and one Pay button, a real POST form (a link scanner opening the page changes nothing).
// Same look as the offer page (its stylesheet and CSP); a few lines of script add the countdown.
import { dollars } from "../core/payment.ts";
import type { PaymentPage } from "../flows/view-payment-hold.ts";
import { html, type Html } from "./html.ts";
import { duration, remaining, when } from "./offer-format.ts";
import { documentOf } from "./offer-page.ts";

export type PayFlash = "declined" | "error";

const FLASHES: Record<PayFlash, string> = {
  declined: "Your payment was declined. The time is still held for you: please try again or use another card.",
  error: "Sorry, something went wrong. Please try again.",
};

export interface PayPageInput {
  page: PaymentPage;
  token: string;
  flash: PayFlash | null;
}

export function renderPayPage(input: PayPageInput | null, nonce: string): string {
  if (!input) {
    const body = html`<main id="main" data-state="unknown"><h1 id="heading" tabindex="-1">This link is not valid</h1>
<p class="lead">It may be mistyped or very old. If a clinic sent it to you, please call them.</p></main>`;
    return documentOf("This link is not valid", nonce, body, PAY_SCRIPT);
  }
  const { page } = input;
  const clinic = page.slot.clinicName;
  const flash = input.flash ? html`<p class="flash" role="alert">${FLASHES[input.flash]}</p>` : null;
  const view = VIEWS[page.state](input);
  const body = html`<main id="main" data-state="${page.state}" data-remaining-ms="${page.remainingMs ?? ""}">
<p class="clinic">${clinic}</p>${flash}${view.body}
</main>`;
  return documentOf(`${clinic}: ${view.title}`, nonce, body, PAY_SCRIPT);
}

function what(page: PaymentPage): string {
  return page.claim.kind === "DEPOSIT" ? "deposit" : "prepayment";
}

function visit(page: PaymentPage, gone = false): Html {
  const { patientTimezone: mine, clinicTimezone: theirs, slot } = page;
  const clinicTime = mine !== theirs ? html`<p class="also">${when(slot.start, theirs)} at the clinic</p>` : null;
  return html`<section class="${gone ? "card gone" : "card"}" id="visit" aria-label="The appointment">
<p class="when"><strong>${when(slot.start, mine)}</strong></p>${clinicTime}
<p class="what">${slot.serviceName} with ${slot.providerName} <span class="nowrap">· ${duration(slot.start, slot.end)}</span></p>
</section>`;
}

const VIEWS: Record<PaymentPage["state"], (v: PayPageInput) => { title: string; body: Html }> = {
  open: ({ page, token }) => ({
    title: `pay the ${what(page)} to book`,
    body: html`<h1 id="heading" tabindex="-1">Pay the ${what(page)} to book this time</h1>
${visit(page)}
<p class="lead" id="amount">${page.claim.kind === "DEPOSIT" ? "Deposit" : "Prepayment"}: <strong>${dollars(page.claim.amountCents)}</strong></p>
<p class="muted">${page.claim.kind === "DEPOSIT" ? "The deposit is held on your card and counted toward your visit." : "This pays for your visit in advance."}</p>
${page.testMode ? html`<p class="muted" id="test-mode">Test payment: this clinic's Backfill runs without a payment provider, so no card is asked for and no money moves.</p>` : ""}
<p class="hold" id="hold">Held for you for <span class="countdown" id="countdown" role="timer">${remaining(page.remainingMs ?? 0)}</span> more.</p>
<div class="actions" id="pay-actions">
<form method="post" action="/pay/${encodeURIComponent(token)}"><button class="btn primary" type="submit">Pay ${dollars(page.claim.amountCents)}</button></form>
</div>
<p class="live" id="live" role="status" aria-live="polite"></p>`,
  }),
  paid: ({ page }) => ({
    title: "you're booked",
    body: html`<h1 id="heading" tabindex="-1">You're booked</h1>
<p class="lead ok" role="status">Payment received. See you ${when(page.slot.start, page.patientTimezone)}.</p>
${visit(page)}
<p>A confirmation is on its way. To cancel or change it, please call ${page.slot.clinicName}.</p>`,
  }),
  lapsed: ({ page }) => ({
    title: "the time to pay ran out",
    body: html`<h1 id="heading" tabindex="-1">The time to pay ran out</h1>
<p class="lead" role="status">Nothing was charged. If the time is still free, you can book it again from the link in your message.</p>
${visit(page, true)}`,
  }),
  cancelled: ({ page }) => ({
    title: "this time is no longer held",
    body: html`<h1 id="heading" tabindex="-1">This time is no longer held for you</h1>
<p class="lead" role="status">Nothing was charged. You are still on the waitlist, and we will let you know when another time opens up.</p>
${visit(page, true)}`,
  }),
};

/** The countdown (from the server's milliseconds, never the phone's clock) and no second tap on Pay. */
// biome-ignore lint/complexity/noUselessStringRaw: raw, so a backslash written in the script reaches the browser as written
const PAY_SCRIPT = String.raw`(function () {
  "use strict";
  var main = document.getElementById("main");
  var countdown = document.getElementById("countdown");
  var left = Number(main && main.getAttribute("data-remaining-ms"));
  document.addEventListener("submit", function () {
    setTimeout(function () { Array.prototype.forEach.call(document.querySelectorAll("form button"), function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); }); }, 0);
  });
  if (!countdown || !(left > 0)) return;
  var endsAt = performance.now() + left;
  var timer = setInterval(function () {
    var ms = Math.max(0, endsAt - performance.now());
    var s = Math.ceil(ms / 1000);
    countdown.textContent = Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
    if (ms <= 0) { clearInterval(timer); setTimeout(function () { location.reload(); }, 1000); }
  }, 250);
})();`;
