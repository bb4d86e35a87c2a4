// GET /o/:token — the patient's offer page: server-rendered, readable with no script at all, enhanced
// by one small inline script. Every response carries its own CSP nonce; nothing else may run.
import { randomBytes } from "node:crypto";
import type { OfferPage } from "../flows/view-offer-page.ts";
import { html, unsafeRaw, type Html } from "./html.ts";
import { OFFER_SCRIPT } from "./offer-script.ts";
import { OFFER_CSS } from "./offer-style.ts";
import { notFoundView, offerView, type Flash } from "./offer-views.ts";

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The page's Content-Security-Policy: only our own origin, and only scripts and styles with `nonce`. */
export function offerPageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export interface OfferPageInput {
  page: OfferPage;
  token: string;
  clinicPhone: string | null;
  pushEnabled: boolean;
  flash: Flash | null;
}

/** The whole document for an offer (or, with null, the "not a valid link" page). */
export function renderOfferPage(input: OfferPageInput | null, nonce: string): string {
  const view = input ? offerView(input) : notFoundView();
  const data = input
    ? html` data-token="${input.token}" data-state="${input.page.state}" data-remaining-ms="${input.page.remainingMs ?? ""}"`
    : html` data-state="unknown"`;
  return documentOf(
    view.title,
    nonce,
    html`<main id="main"${data}>
${view.body}
</main>`,
  );
}

/** The page around `body`: head, inlined style and one script, each with the response's nonce (the payment page reuses it). */
export function documentOf(title: string, nonce: string, body: Html, script = OFFER_SCRIPT): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<title>${title}</title>
<style nonce="${nonce}">${unsafeRaw(OFFER_CSS)}</style>
</head>
<body>
${body}
<script nonce="${nonce}">${unsafeRaw(script)}</script>
</body>
</html>
`.value;
}
