// GET /o/:token — a minimal, server-rendered offer page (the full page comes with the web issue).
// Accept and Decline are POST forms handled by a few lines of script, so opening the link (as a
// link scanner does) never changes anything.
import { DateTime } from "luxon";
import type { PublicOffer } from "../flows/public-offer.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function when(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat("cccc d LLLL, h:mm a ZZZZ");
}

export function offerPage(view: PublicOffer | null, token: string, now: Date): string {
  const body = view ? offerBody(view, token, now) : `<h1>This link is not valid</h1><p>Please contact the clinic.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${view ? escapeHtml(view.slot.clinicName) : "Backfill"}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111}
button{font-size:1.1rem;padding:.7rem 1.4rem;margin:.3rem .3rem 0 0;border-radius:.4rem;border:1px solid #333}
.accept{background:#0b6b3a;color:#fff;border-color:#0b6b3a}</style></head><body>${body}</body></html>`;
}

function offerBody(v: PublicOffer, token: string, now: Date): string {
  const t = escapeHtml(token);
  const time = escapeHtml(when(v.slot.start, v.patientTimezone));
  const clinicTime = v.patientTimezone !== v.clinicTimezone ? `<p>(${escapeHtml(when(v.slot.start, v.clinicTimezone))} at the clinic)</p>` : "";
  const head = `<h1>${escapeHtml(v.slot.clinicName)}</h1><p><strong>${time}</strong></p>${clinicTime}
<p>${escapeHtml(v.slot.serviceName)} with ${escapeHtml(v.slot.providerName)}</p>`;
  const running = v.status === "PENDING" && v.holdExpiresAt && v.holdExpiresAt.getTime() > now.getTime();
  if (v.status === "ACCEPTED") return `${head}<p role="status">You're booked. See you then!</p>`;
  if (v.status === "DECLINED") return `${head}<p role="status">You passed on this time. You stay on the waitlist.</p>`;
  if (!running && v.status !== "SCHEDULED") return `${head}<p role="status">This offer is no longer available.</p>`;
  const until = v.holdExpiresAt ? `<p>Held for you until ${escapeHtml(when(v.holdExpiresAt, v.patientTimezone))}.</p>` : "";
  return `${head}${until}
<form method="post" action="/api/public/offers/${t}/accept" data-js><button class="accept" type="submit">Book this time</button></form>
<form method="post" action="/api/public/offers/${t}/decline" data-js><button type="submit">No thanks</button></form>
<p id="result" role="status"></p>
<script>for(const f of document.querySelectorAll("form[data-js]"))f.addEventListener("submit",async e=>{e.preventDefault();
const r=await fetch(f.action,{method:"POST"});const j=await r.json().catch(()=>({}));
document.getElementById("result").textContent=r.ok?(j.status==="ACCEPTED"?"You're booked!":"Thanks, we'll let the next person know."):(j.detail||"Sorry, something went wrong.");
if(r.ok)for(const g of document.querySelectorAll("form"))g.remove();});</script>`;
}
